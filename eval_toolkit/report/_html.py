"""The self-contained HTML report file (plots embedded as PNG) and its JSON companion.

Apart from the result model: this module reads a :class:`ComparisonReport`
and passes plain data (intervals, labels, arrays) to :mod:`eval_toolkit.plotting`.
"""

from __future__ import annotations

import base64
import html
import io
import os
import tempfile
from pathlib import Path
from typing import Any

from .._validation import param_error
from ._model import ComparisonReport
from ._tables import html_table

__all__ = ["write_report"]

HTML_NAME = "report.html"
JSON_NAME = "results.json"


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.5rem; }
th, td { padding: 0.25rem 0.6rem; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
figure { margin: 1.5rem 0; }
img { max-width: 100%; }
.note { color: #555; }
"""


def _png_data_uri(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(plot: Any, *args: Any, size: tuple[float, float] = (6.4, 4.0), **kwargs: Any) -> str:
    # A bare Figure, not pyplot: no GUI backend and no global figure registry.
    from matplotlib.figure import Figure

    fig = Figure(figsize=size)
    plot(*args, ax=fig.add_subplot(), **kwargs)
    return _png_data_uri(fig)


def _figures(report: ComparisonReport) -> list[tuple[str, str, str]]:
    """(element id, caption, data URI) of every plot of the report."""
    from .. import plotting

    scores = {report.name_a: report.score_a, report.name_b: report.score_b}
    height = 1.2 + 0.45 * len(report.rows)
    out = [
        (
            "forest",
            "Deltas B - A with their confidence intervals.",
            _figure(
                plotting.plot_forest,
                report.intervals,
                labels=report.row_labels,
                size=(6.4, height),
            ),
        )
    ]
    for i, row in enumerate(report.rows):
        caption = f"Bootstrap distribution of B - A, {row.display_name}, slice {row.slice}."
        out.append(
            (
                f"distribution-{i}",
                caption,
                _figure(plotting.plot_bootstrap_distribution, row.ci, size=(6.4, 3.2)),
            )
        )
    if report.task != "binary":
        return out  # ROC and reliability diagrams are binary plots
    if all(s.min() >= 0.0 and s.max() <= 1.0 for s in scores.values()):
        out.append(
            (
                "reliability",
                "Reliability diagrams (all samples).",
                _figure(plotting.plot_reliability, report.y_true, scores, size=(5.0, 5.0)),
            )
        )
    out.append(
        (
            "roc",
            "ROC curves (all samples).",
            _figure(plotting.plot_roc, report.y_true, scores, size=(5.0, 5.0)),
        )
    )
    return out


def _html_document(report: ComparisonReport, figures: list[tuple[str, str, str]], note: str) -> str:
    title = html.escape(report.title)
    parts = [
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>',
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{title}</h1>",
        html_table(report),
        f'<p class="note">All numbers are also in <a href="{JSON_NAME}">{JSON_NAME}</a>. '
        "B - A is the candidate minus the reference; a CI that excludes 0 is a significant "
        "difference at this confidence.</p>",
    ]
    if note:
        parts.append(f'<p class="note">{html.escape(note)}</p>')
    for element_id, caption, uri in figures:
        parts.append(
            f'<figure id="{element_id}"><img src="{uri}" alt="{html.escape(caption)}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )
    parts.append("</body></html>\n")
    return "\n".join(parts)


def plots_available() -> bool:
    """Whether matplotlib (the ``plot`` extra) is installed, so reports can hold plots."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def write_report(report: Any, path: str | Path, *, plots: bool | None = None) -> Path:
    """Write ``report.html`` (self-contained, images embedded) and ``results.json`` into ``path``.

    For a :class:`~eval_toolkit.harness.RunResult` (from ``evaluate`` or
    ``evaluate_folded``) the page holds a forest plot per metric (one row per
    slice and pair), a slice x model table of estimates per metric, the
    paired differences with raw and adjusted p-values and the operating-point
    tables.

    The HTML holds the results table, a forest plot of the deltas, the
    bootstrap distribution of each delta with its interval, reliability
    diagrams of both models (when the scores are probabilities) and their ROC
    curves.

    Parameters
    ----------
    report : ComparisonReport or RunResult
        From :func:`compare_scores`.
    path : str or Path
        Directory; created if needed.  Existing report files are replaced
        atomically (a symbolic link in their place is replaced, never
        followed).  Checked before any plot is drawn.
    plots : bool, optional
        ``None`` (default) adds plots when matplotlib is installed (the
        ``plot`` extra) and otherwise writes the tables with a note; ``True``
        requires matplotlib; ``False`` writes no plots.

    Returns
    -------
    Path
        The HTML file.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from eval_toolkit.report import compare_scores, write_report
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 300)
    >>> a, b = rng.uniform(size=300), np.clip(0.4 * y + rng.uniform(0, 0.6, 300), 0, 1)
    >>> report = compare_scores(y, a, b, metrics=["roc_auc"], n_resamples=200)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     html_file = write_report(report, tmp)
    ...     sorted(p.name for p in html_file.parent.iterdir())
    ['report.html', 'results.json']
    """
    func = "write_report"
    from .._harness_results import RunResult

    if isinstance(report, RunResult):
        from ._run import write_run_report

        return write_run_report(report, path)
    if not isinstance(report, ComparisonReport):
        raise ValueError(
            param_error(
                func,
                "report",
                "a ComparisonReport (see compare_scores) or a RunResult",
                type(report).__name__,
            )
        )
    if plots not in (None, True, False):
        raise ValueError(param_error(func, "plots", "None, True or False", plots))
    if plots is True and not plots_available():
        raise ImportError(
            "write_report(plots=True) needs matplotlib: pip install 'eval_toolkit[plot]'."
        )
    with_plots = plots_available() if plots is None else plots
    note = (
        ""
        if with_plots or plots is False
        else (
            "Plots are left out because matplotlib is not installed: "
            "pip install 'eval_toolkit[plot]'."
        )
    )
    directory = check_report_dir(path, func, "path")
    figures = _figures(report) if with_plots else []
    directory.mkdir(parents=True, exist_ok=True)
    _write_atomic(directory / JSON_NAME, report.to_json() + "\n")
    html_file = directory / HTML_NAME
    _write_atomic(html_file, _html_document(report, figures, note))
    return html_file


def check_report_dir(path: Any, func: str, param: str) -> Path:
    """Check, before any work, that ``path`` is or can become a writable directory.

    The CLI calls it before the bootstrap, so a bad ``--report`` fails at once
    instead of after the whole computation.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(param_error(func, param, "a directory path (str or Path)", path))
    directory = Path(path)
    existing = directory
    while not existing.exists() and not existing.is_symlink() and existing != existing.parent:
        existing = existing.parent
    problem = None
    if existing.is_symlink() and not existing.exists():
        problem = f"{str(existing)!r} is a dangling symbolic link"
    elif not existing.is_dir():
        problem = f"{str(existing)!r} is an existing file, not a directory"
    elif not os.access(existing, os.W_OK | os.X_OK):
        problem = f"{str(existing)!r} is not writable"
    if problem is not None:
        # Not the parameter template: it shortens long values, and a path must stay whole.
        raise ValueError(
            f"The '{param}' parameter of {func} must be a directory that exists or can be "
            f"created, and can be written. Got {str(path)!r} instead: {problem}."
        )
    return directory


def _write_atomic(file: Path, text: str) -> None:
    """Write ``file`` whole or not at all, and never through a symbolic link.

    The text goes to a new temporary file in the same directory, then
    ``os.replace`` swaps it in: a reader never sees half a report, and a
    symlink planted (or dangling) at ``file`` is replaced by the report
    instead of redirecting the write outside the directory.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{file.name}.", suffix=".tmp", dir=file.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    # mkstemp creates 0600 files; a report is as readable as any file the user writes.
    mask = os.umask(0)
    os.umask(mask)
    return mask

