"""Comparison reports: paired results as a table, JSON, and a self-contained HTML file.

A :class:`ComparisonReport` is the unit that the command line prints and that
:func:`write_report` writes: one :class:`ComparisonRow` per metric and slice,
each holding the :class:`~eval_toolkit.PairedBootstrapCI` of delta =
metric(B) - metric(A), plus the labels and both models' scores that the ROC
and reliability plots need.  :func:`compare_scores` builds one from arrays.

The result model (``_model``) knows nothing of files or plots; the HTML
writer (``_html``) reads a report and hands plain data to
:mod:`eval_toolkit.plotting`, which never sees a report.

The JSON layout (:meth:`ComparisonReport.to_dict`) is stable: keys are only
ever added, and ``schema_version`` changes if one is removed or renamed.
"""

# plots_available, build_comparison, write_dedup_report and run_text are
# re-exported for the command line and the demo; they are not public (not in
# __all__).
from ._dedup import write_dedup_report as write_dedup_report
from ._html import plots_available as plots_available
from ._html import write_report
from ._model import ComparisonReport, ComparisonRow, compare_scores
from ._model import build_comparison as build_comparison
from ._run import run_text as run_text

__all__ = ["ComparisonRow", "ComparisonReport", "compare_scores", "write_report"]
