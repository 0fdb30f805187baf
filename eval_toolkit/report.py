"""Comparison reports: paired results as a table, JSON, and a self-contained HTML file.

A :class:`ComparisonReport` is the unit that the command line prints and that
:func:`write_report` writes: one :class:`ComparisonRow` per metric and slice,
each holding the :class:`~eval_toolkit.PairedBootstrapCI` of delta =
metric(B) - metric(A), plus the labels and both models' scores that the ROC
and reliability plots need.  :func:`compare_scores` builds one from arrays.

The JSON layout (:meth:`ComparisonReport.to_dict`) is stable: keys are only
ever added, and ``schema_version`` changes if one is removed or renamed.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._results import MDEEstimate, PairedBootstrapCI
from ._tasks import task_data_iv
from ._validation import (
    check_groups,
    check_int,
    check_n_jobs,
    check_open_unit,
    check_option,
    check_probabilities,
    check_seed,
    param_error,
)
from .metrics import ResolvedMetric, list_metrics, lookup_metric, resolve_metric

__all__ = ["ComparisonRow", "ComparisonReport", "compare_scores", "write_report"]

#: Version of the JSON layout written by :meth:`ComparisonReport.to_dict`.
SCHEMA_VERSION = 1

ALL_SLICE = "all"

# Stands for "no metric named yet" when the task is read from the data alone.
_ANY_METRIC = ResolvedMetric("metrics", "metrics", None, None, {}, True, None)

HTML_NAME = "report.html"
JSON_NAME = "results.json"


def _finite_or_none(value: float) -> float | None:
    # JSON has no NaN; null is what other tools parse.
    return float(value) if math.isfinite(value) else None


@dataclass(frozen=True)
class ComparisonRow:
    """One metric on one slice of the data: both models' values and the paired CI of B - A.

    Attributes
    ----------
    metric : str
        Metric identifier, e.g. ``"roc_auc"``.
    slice : str
        ``"all"`` for the whole data, otherwise ``"<column>=<value>"``.
    ci : PairedBootstrapCI
        Paired bootstrap result for delta = metric(B) - metric(A).
    value_a, value_b : float
        The metric of model A and of model B on the slice.
    higher_is_better : bool, default=True
        Direction of the metric; decides :attr:`better`.
    label : str, optional
        Display name; defaults to a readable form of ``metric``.
    """

    metric: str
    slice: str
    ci: PairedBootstrapCI
    value_a: float
    value_b: float
    higher_is_better: bool = True
    label: str | None = None

    @property
    def display_name(self) -> str:
        """``label``, or the registry's display name of ``metric``."""
        if self.label:
            return self.label
        spec = lookup_metric(self.metric)
        return spec.label if spec is not None else self.metric

    @property
    def better(self) -> str | None:
        """``"A"`` or ``"B"`` when the interval excludes 0, else ``None``."""
        if self.ci.overlaps_zero:
            return None
        b_higher = self.ci.delta > 0
        return "B" if b_higher == self.higher_is_better else "A"

    def mde(self, power: float = 0.80) -> MDEEstimate:
        """Minimum detectable effect at level ``1 - confidence`` and ``power``."""
        from .bootstrap import mde_from_ci

        # rounded: 1 - 0.95 is 0.050000000000000044 in binary floating point
        return mde_from_ci(self.ci, alpha=round(1.0 - self.ci.confidence, 12), power=power)

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python record; one entry of ``rows`` in the report's JSON."""
        ci = self.ci
        return {
            "metric": self.metric,
            "label": self.display_name,
            "slice": self.slice,
            "n_samples": ci.n_samples,
            "value_a": _finite_or_none(self.value_a),
            "value_b": _finite_or_none(self.value_b),
            "delta": _finite_or_none(ci.delta),
            "ci_low": _finite_or_none(ci.ci_low),
            "ci_high": _finite_or_none(ci.ci_high),
            "confidence": ci.confidence,
            "method": ci.method,
            "p_value": _finite_or_none(ci.p_value),
            "std_error": _finite_or_none(ci.std_error),
            "mde": _finite_or_none(self.mde().mde),
            "n_resamples": ci.n_resamples,
            "n_degenerate": ci.n_degenerate,
            "overlaps_zero": ci.overlaps_zero,
            "higher_is_better": self.higher_is_better,
            "better": self.better,
        }


@dataclass(frozen=True)
class ComparisonReport:
    """A paired comparison of models A and B: result rows plus the data behind the plots.

    Build one with :func:`compare_scores`; print it with :meth:`to_text`,
    save it with :func:`write_report`.  In a notebook it renders as a table.

    Attributes
    ----------
    rows : tuple of ComparisonRow
        One row per metric and slice, in display order.
    y_true : ndarray of shape (n,), bool
        Labels of the evaluation data (True = positive class).
    score_a, score_b : ndarray of shape (n,)
        Scores of model A and model B on the same samples.
    name_a, name_b : str, default="A", "B"
        Model names shown in tables and legends.
    seed : int, optional
        Seed of the resampling, recorded for reproduction.
    title : str, default="Paired comparison"
        Heading of the report.
    task : str, default="binary"
        ``"binary"``, ``"multiclass"`` or ``"regression"``; ROC and
        reliability plots are drawn for binary reports only.
    """

    rows: tuple[ComparisonRow, ...]
    y_true: np.ndarray = field(repr=False, compare=False)
    score_a: np.ndarray = field(repr=False, compare=False)
    score_b: np.ndarray = field(repr=False, compare=False)
    name_a: str = "A"
    name_b: str = "B"
    seed: int | None = None
    title: str = "Paired comparison"
    task: str = "binary"

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON layout: settings, then one record per row (arrays left out)."""
        from . import __version__

        return {
            "schema_version": SCHEMA_VERSION,
            "eval_toolkit_version": __version__,
            "title": self.title,
            "model_a": self.name_a,
            "model_b": self.name_b,
            "n_samples": int(self.y_true.shape[0]),
            "seed": self.seed,
            "rows": [row.to_dict() for row in self.rows],
        }

    def to_json(self) -> str:
        """:meth:`to_dict` as indented JSON text (no NaN: missing values are ``null``)."""
        return json.dumps(self.to_dict(), indent=2, allow_nan=False)

    def to_text(self) -> str:
        """A fixed-width table for terminals."""
        return _text_table(self)

    def _repr_html_(self) -> str:
        return _html_results_table(self)


# ---- building a report ---------------------------------------------------------------------


def _compare_iv(func, y_true, score_a, score_b, metrics, slices, pos_label, task, labels):
    if metrics is not None and (isinstance(metrics, str) or not isinstance(metrics, Sequence)
                                or not metrics):
        raise ValueError(param_error(func, "metrics", "a non-empty list of metric names", metrics))
    # The task is read from the data and the first metric (any metric of the
    # report must then belong to it).
    known = metrics is not None and isinstance(metrics[0], str) and lookup_metric(metrics[0])
    first = resolve_metric(metrics[0], func=func, param="metrics") if known else _ANY_METRIC
    data = task_data_iv(func, y_true, {"score_a": score_a, "score_b": score_b}, first,
                        task=task, labels=labels, pos_label=pos_label)
    names = [m for m in list_metrics(data.task)]
    if metrics is None:
        probabilities = all(p.min() >= 0.0 and p.max() <= 1.0 for p in data.preds) and (
            data.task != "multiclass" or data.is_probability)
        metrics = [m.name for m in names if data.task in m.report_default
                   and (probabilities or not m.needs_probabilities)
                   and (data.task != "multiclass" or probabilities or
                        "predict" in m.response_method["multiclass"])]
    for metric in metrics:
        spec = lookup_metric(metric) if isinstance(metric, str) else None
        if spec is None or data.task not in spec.tasks:
            check_option(metric, func, "metrics", tuple(m.name for m in names))
        elif spec.needs_probabilities and data.task == "binary":
            for param, s in zip(("score_a", "score_b"), data.preds):
                check_probabilities(s, func, param)
    if data.task == "binary":
        y, a, b = data.y, data.preds[0], data.preds[1]
    else:
        y, (a, b) = data.y_call, data.preds_call
    if slices is not None:
        slices = np.asarray(slices)
        if slices.shape != y.shape:
            raise ValueError(
                param_error(
                    func,
                    "slices",
                    f"a 1-D array of length {y.shape[0]} (one slice per sample)",
                    f"shape {slices.shape}",
                )
            )
    return y, a, b, tuple(metrics), slices, data.task


def _slice_masks(y: np.ndarray, slices: np.ndarray | None, slice_name: str):
    yield ALL_SLICE, np.ones(y.shape[0], dtype=bool)
    if slices is None:
        return
    for value in sorted(set(slices.tolist()), key=str):
        yield f"{slice_name}={value}", slices == value


def compare_scores(
    y_true: Any,
    score_a: Any,
    score_b: Any,
    *,
    metrics: Sequence[str] | None = None,
    slices: Any = None,
    slice_name: str = "slice",
    name_a: str = "A",
    name_b: str = "B",
    n_resamples: int = 1000,
    confidence: float = 0.95,
    method: str = "bca",
    seed: int = 42,
    n_jobs: int = 1,
    stratify: bool = False,
    groups: Any = None,
    pos_label: Any = None,
    progress: bool = False,
    task: str | None = None,
    labels: Any = None,
) -> ComparisonReport:
    """Compare two models' scores on several metrics (and slices) with paired bootstrap CIs.

    Each row is exactly ``paired_bootstrap_diff(y, a, b, metric, ...)`` on
    the samples of its slice, with the same ``seed``: every number can be
    reproduced with one call of the functional API.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Labels or regression targets (see :func:`~eval_toolkit.bootstrap_ci`).
    score_a, score_b : array-like of shape (n,) or (n, n_classes)
        Predictions of model A (reference) and model B (candidate), as
        ``y_score`` of :func:`~eval_toolkit.bootstrap_ci`.
    metrics : list of str, optional
        Metric names of the task (see :func:`~eval_toolkit.metrics.list_metrics`).
        Default: the registry's report metrics of the task
        (``MetricSpec.report_default``).  Binary: ``roc_auc``,
        ``average_precision``, and ``brier`` and ``ece`` when both scores are
        probabilities in [0, 1]; multiclass: ``log_loss``, ``brier``, ``ece``,
        ``roc_auc_ovr`` for probability matrices, ``accuracy`` and
        ``f1_macro`` for labels; regression: MAE, RMSE and R^2.
    slices : array-like of shape (n,), optional
        A slice label per sample; adds one row per metric and distinct value,
        after the rows on all samples.
    slice_name : str, default="slice"
        Name of the slicing variable, used in row names (``"site=3"``).
    name_a, name_b : str, default="A", "B"
        Model names for display.
    n_resamples, confidence, method, seed, n_jobs, stratify, groups, pos_label, progress
        As in :func:`~eval_toolkit.paired_bootstrap_diff`, except that
        ``method`` defaults to ``"bca"``.  With ``groups`` every slice
        resamples its own groups.
    task, labels : optional
        As in :func:`~eval_toolkit.paired_bootstrap_diff`.

    Returns
    -------
    ComparisonReport

    Examples
    --------
    >>> import numpy as np
    >>> from eval_toolkit.report import compare_scores
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 400)
    >>> a = np.clip(0.3 * y + rng.uniform(0, 0.7, 400), 0, 1)
    >>> b = np.clip(0.5 * y + rng.uniform(0, 0.5, 400), 0, 1)
    >>> report = compare_scores(y, a, b, metrics=["roc_auc", "brier"], n_resamples=200)
    >>> [(row.metric, row.better) for row in report.rows]
    [('roc_auc', 'B'), ('brier', 'B')]
    """
    func = "compare_scores"
    y, a, b, metrics, slices, task = _compare_iv(
        func, y_true, score_a, score_b, metrics, slices, pos_label, task, labels
    )
    options = _options_iv(
        func,
        n_resamples=n_resamples,
        confidence=confidence,
        method=method,
        seed=seed,
        n_jobs=n_jobs,
        stratify=stratify,
        progress=progress,
    )
    codes = check_groups(groups, func, n=y.shape[0], stratify=stratify)
    rows = tuple(
        _row(y[mask], a[mask], b[mask], metric, slice_label,
             dict(options, groups=None if codes is None else codes[mask], task=task,
                  labels=labels))
        for slice_label, mask in _slice_masks(y, slices, slice_name)
        for metric in metrics
    )
    return ComparisonReport(
        rows, y, a, b, name_a=name_a, name_b=name_b, seed=seed if isinstance(seed, int) else None,
        task=task,
    )


def _options_iv(func: str, **options: Any) -> dict[str, Any]:
    from ._intervals import CI_METHODS

    check_int(options["n_resamples"], func, "n_resamples", low=1)
    check_open_unit(options["confidence"], func, "confidence")
    check_option(options["method"], func, "method", CI_METHODS)
    check_seed(options["seed"], func)
    check_n_jobs(options["n_jobs"], func)
    for flag in ("stratify", "progress"):
        if not isinstance(options[flag], (bool, np.bool_)):
            raise ValueError(param_error(func, flag, "a bool", options[flag]))
    return options


def _row(y, a, b, metric: str, slice_label: str, options: dict[str, Any]) -> ComparisonRow:
    from .bootstrap import paired_bootstrap_diff

    try:
        ci = paired_bootstrap_diff(y, a, b, metric, **options)
    except ValueError as exc:
        if slice_label == ALL_SLICE:
            raise
        raise ValueError(f"On slice {slice_label!r}: {exc}") from exc
    return ComparisonRow(
        metric=metric,
        slice=slice_label,
        ci=ci,
        value_a=ci.value_a,
        value_b=ci.value_b,
        higher_is_better=ci.greater_is_better,
    )


# ---- text and HTML tables ------------------------------------------------------------------


def _fmt(value: float, spec: str = ".3f") -> str:
    return format(value, spec) if math.isfinite(value) else "nan"


def _row_cells(report: ComparisonReport, row: ComparisonRow, with_slice: bool) -> list[str]:
    ci = row.ci
    winner = {"A": report.name_a, "B": report.name_b, None: "-"}[row.better]
    cells = [row.display_name]
    if with_slice:
        cells.append(row.slice)
    return cells + [
        _fmt(row.value_a),
        _fmt(row.value_b),
        _fmt(ci.delta, "+.3f"),
        f"[{_fmt(ci.ci_low, '+.3f')}, {_fmt(ci.ci_high, '+.3f')}]",
        _fmt(row.mde().mde),
        winner,
    ]


def _headers(report: ComparisonReport, with_slice: bool) -> list[str]:
    confidence = report.rows[0].ci.confidence if report.rows else 0.95
    columns = ["metric", "slice", "A", "B", "B - A", f"{confidence:.0%} CI", "MDE", "better"]
    return columns if with_slice else [c for c in columns if c != "slice"]


def _with_slice(report: ComparisonReport) -> bool:
    return any(row.slice != ALL_SLICE for row in report.rows)


def _summary(report: ComparisonReport) -> str:
    first = report.rows[0].ci if report.rows else None
    parts = [f"A = {report.name_a}, B = {report.name_b}", f"n = {report.y_true.shape[0]}"]
    if first is not None:
        method = {"bca": "BCa"}.get(first.method, first.method)
        parts.append(f"{first.n_resamples + first.n_degenerate} paired resamples, {method} CIs")
    if report.seed is not None:
        parts.append(f"seed {report.seed}")
    return "; ".join(parts)


def _text_table(report: ComparisonReport) -> str:
    with_slice = _with_slice(report)
    table = [_headers(report, with_slice)]
    table += [_row_cells(report, row, with_slice) for row in report.rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    footer = (
        "MDE: the smallest true difference these data detect with 80% power.  "
        "better: the model favoured when the CI excludes 0."
    )
    return "\n".join([report.title, _summary(report), "", *lines, "", footer])


def _html_results_table(report: ComparisonReport) -> str:
    with_slice = _with_slice(report)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in _headers(report, with_slice))
    body = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape(c)}</td>" for c in _row_cells(report, r, with_slice))
        + "</tr>"
        for r in report.rows
    )
    caption = html.escape(f"{report.title}: {_summary(report)}")
    return (
        f'<table class="eval-toolkit-results"><caption>{caption}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


# ---- the HTML file -------------------------------------------------------------------------

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
    from . import plotting

    scores = {report.name_a: report.score_a, report.name_b: report.score_b}
    height = 1.2 + 0.45 * len(report.rows)
    out = [
        (
            "forest",
            "Deltas B - A with their confidence intervals.",
            _figure(plotting.plot_forest, report, size=(6.4, height)),
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
        return out
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
        _html_results_table(report),
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


def _matplotlib_available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def write_report(report: ComparisonReport, path: str | Path, *, plots: bool | None = None) -> Path:
    """Write ``report.html`` (self-contained, images embedded) and ``results.json`` into ``path``.

    The HTML holds the results table, a forest plot of the deltas, the
    bootstrap distribution of each delta with its interval, reliability
    diagrams of both models (when the scores are probabilities) and their ROC
    curves.

    Parameters
    ----------
    report : ComparisonReport
        From :func:`compare_scores`.
    path : str or Path
        Directory; created if needed, existing report files are replaced.
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
    if not isinstance(report, ComparisonReport):
        raise ValueError(
            param_error(
                func, "report", "a ComparisonReport (see compare_scores)", type(report).__name__
            )
        )
    if plots not in (None, True, False):
        raise ValueError(param_error(func, "plots", "None, True or False", plots))
    if plots is True and not _matplotlib_available():
        raise ImportError(
            "write_report(plots=True) needs matplotlib: pip install 'eval_toolkit[plot]'."
        )
    with_plots = _matplotlib_available() if plots is None else plots
    note = (
        ""
        if with_plots or plots is False
        else (
            "Plots are left out because matplotlib is not installed: "
            "pip install 'eval_toolkit[plot]'."
        )
    )
    figures = _figures(report) if with_plots else []
    directory = Path(path)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / JSON_NAME).write_text(report.to_json() + "\n", encoding="utf-8")
    html_file = directory / HTML_NAME
    html_file.write_text(_html_document(report, figures, note), encoding="utf-8")
    return html_file
