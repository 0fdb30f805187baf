"""The result model of a comparison: rows, the report, and :func:`compare_scores`.

Nothing here draws or writes files: the HTML file is written by
:mod:`eval_toolkit.report._html`, the text and HTML tables come from
:mod:`eval_toolkit.report._tables`.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .._results import MDEEstimate, PairedBootstrapCI
from .._tasks import TaskData, binary_data, task_data_iv
from .._validation import (
    Resampling,
    check_bool,
    check_groups,
    check_option,
    check_probabilities,
    check_resampling,
    group_codes,
    param_error,
)
from ..bootstrap import CI_METHODS, check_studentized, checked_problem, mde_from_ci, paired_result
from ..metrics import ResolvedMetric, list_metrics, lookup_metric, resolve_metric
from ._tables import ALL_SLICE, html_table, text_table

__all__ = ["ComparisonRow", "ComparisonReport", "compare_scores"]

#: Version of the JSON layout written by :meth:`ComparisonReport.to_dict`.
SCHEMA_VERSION = 1

# Stands for "no metric named yet" when the task is read from the data alone.
_ANY_METRIC = ResolvedMetric("metrics", "metrics", None, None, {}, True, None)



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
        """``label``, or the readable name of ``metric``."""
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

    @property
    def intervals(self) -> tuple[PairedBootstrapCI, ...]:
        """The paired result of each row, in display order (e.g. for ``plot_forest``)."""
        return tuple(row.ci for row in self.rows)

    @property
    def row_labels(self) -> tuple[str, ...]:
        """``"<metric> (<slice>)"`` for each row, in display order."""
        return tuple(f"{row.display_name} ({row.slice})" for row in self.rows)

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON layout: settings, then one record per row (arrays left out)."""
        from .. import __version__

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
        return text_table(self)

    def _repr_html_(self) -> str:
        return html_table(self)


# ---- building a report ---------------------------------------------------------------------


def _compare_iv(func, y_true, score_a, score_b, metrics, slices, pos_label, task, labels):
    if metrics is not None:
        if isinstance(metrics, str) or not isinstance(metrics, Sequence) or not metrics:
            raise ValueError(
                param_error(func, "metrics", "a non-empty list of metric names", metrics)
            )
        metrics = tuple(metrics)
    data = _data_iv(func, y_true, score_a, score_b, metrics, task, labels, pos_label)
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
    return y, a, b, metrics, slices, data.task


def _data_iv(func, y, a, b, metrics, task, labels, pos_label=None):
    """Detect the task (from the data and the first metric) and validate the arrays for it."""
    known = metrics and isinstance(metrics[0], str) and lookup_metric(metrics[0]) is not None
    first = resolve_metric(metrics[0], func=func, param="metrics") if known else _ANY_METRIC
    return task_data_iv(func, y, {"score_a": a, "score_b": b}, first, task=task,
                        labels=labels, pos_label=pos_label)


def _metrics_for(
    func: str,
    metrics: tuple[str, ...] | None,
    data: Any,
    method: str,
    groups: np.ndarray | None,
) -> tuple[str, ...]:
    """The default metrics of the task (registry ``report_default``), or check the given
    ones: of the task, what they need of the scores, whether the method suits them."""
    names = list_metrics(data.task)
    if metrics is None:
        probabilities = all(p.min() >= 0.0 and p.max() <= 1.0 for p in data.preds) and (
            data.task != "multiclass" or data.is_probability)
        metrics = tuple(
            m.name for m in names if data.task in m.report_default
            and (probabilities or not m.needs_probabilities)
            and (data.task != "multiclass" or probabilities
                 or "predict" in m.response_method["multiclass"]))
    for metric in metrics:
        spec = lookup_metric(metric) if isinstance(metric, str) else None
        if spec is None or data.task not in spec.tasks:
            check_option(metric, func, "metrics", tuple(m.name for m in names))
        elif spec.needs_probabilities and data.task == "binary":
            for param, s in zip(("score_a", "score_b"), data.preds):
                check_probabilities(s, func, param)
        check_studentized(func, method, resolve_metric(metric, func=func), groups)
    return metrics


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
    method: str = "percentile",
    seed: int = 42,
    n_jobs: int = 1,
    stratify: bool = False,
    groups: Any = None,
    pos_label: Any = None,
    progress: bool = False,
    checkpoint: str | os.PathLike | None = None,
    retries: int = 0,
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
        ``average_precision``, and ``brier`` and ``ece_debiased`` (the
        calibration error whose intervals cover, see
        :func:`~eval_toolkit.paired_bootstrap_ece_diff`) when both scores are
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
        ``method`` defaults to ``"percentile"``.  With ``groups`` every slice
        resamples its own groups.
    checkpoint : str or os.PathLike, optional
        Directory of checkpoints, one subdirectory per row (metric and slice),
        as in :func:`~eval_toolkit.paired_bootstrap_diff`: a rerun after an
        interruption computes only the missing blocks.
    retries, task, labels : optional
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
    y, a, b, names, slice_values, task = _compare_iv(
        func, y_true, score_a, score_b, metrics, slices, pos_label, task, labels
    )
    resampling = check_resampling(
        func,
        n_resamples=n_resamples,
        confidence=confidence,
        method=method,
        seed=seed,
        n_jobs=n_jobs,
        progress=progress,
        methods=CI_METHODS,
        checkpoint=checkpoint,
        retries=retries,
    )
    stratify = check_bool(stratify, func, "stratify")
    return build_comparison(
        func,
        y,
        a,
        b,
        metrics=names,
        slices=slice_values,
        slice_name=str(slice_name),
        name_a=str(name_a),
        name_b=str(name_b),
        resampling=resampling,
        stratify=stratify,
        groups=check_groups(groups, func, n=y.shape[0], stratify=stratify),
        task=task,
        labels=labels,
    )


def build_comparison(
    func: str,
    y: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    *,
    metrics: tuple[str, ...] | None,
    slices: np.ndarray | None,
    slice_name: str,
    name_a: str,
    name_b: str,
    resampling: Resampling,
    stratify: bool,
    groups: np.ndarray | None = None,
    task: str = "binary",
    labels: Any = None,
) -> ComparisonReport:
    """:func:`compare_scores` on validated values (labels, scores, options: the caller's job).

    Only what depends on the data together is checked here: the task's
    inputs (``task_data_iv``: binary labels and scores pass through, class
    labels are encoded, probability matrices checked), the scores a metric
    needs and whether the interval method suits it.  The command line uses
    this entry after checking its own options.
    """
    if task == "binary":  # labels and scores validated by the caller
        data = binary_data(y, (a, b))
    else:
        data = _data_iv(func, y, a, b, metrics, task, labels)
    metrics = _metrics_for(func, metrics, data, resampling.method, groups)
    rows = []
    for slice_label, mask in _slice_masks(y, slices, slice_name):
        codes = _slice_groups(func, groups, mask, slice_label)
        rows += [
            _row(func, data.subset(mask), metric, slice_label, resampling, stratify, codes)
            for metric in metrics
        ]
    seed = resampling.seed if isinstance(resampling.seed, int) else None
    return ComparisonReport(tuple(rows), y, a, b, name_a=name_a, name_b=name_b, seed=seed,
                            task=data.task)


def _slice_groups(
    func: str, groups: np.ndarray | None, mask: np.ndarray, slice_label: str
) -> np.ndarray | None:
    """The slice's own group codes 0..G_s-1: each slice resamples the groups it holds."""
    if groups is None:
        return None
    if slice_label == ALL_SLICE:
        return groups
    codes = groups[mask]
    if np.unique(codes).size < 2:
        raise ValueError(
            f"On slice {slice_label!r}: "
            + param_error(func, "groups", "at least 2 distinct groups", "1 group")
        )
    return group_codes(codes)


def _row_checkpoint(checkpoint: Any, slice_label: str, metric: str) -> str:
    """One checkpoint subdirectory per row; its name is readable and unique."""
    label = metric if slice_label == ALL_SLICE else f"{metric}__{slice_label}"
    safe = re.sub(r"[^A-Za-z0-9_.=-]", "_", label)[:80]
    if safe != label:  # keep rows whose labels differ only in replaced characters apart
        safe += "-" + hashlib.sha256(label.encode()).hexdigest()[:8]
    return os.path.join(os.fspath(checkpoint), safe)


def _row(
    func: str,
    data: TaskData,
    metric: str,
    slice_label: str,
    resampling: Resampling,
    stratify: bool,
    groups: np.ndarray | None,
) -> ComparisonRow:
    """``paired_bootstrap_diff(y, a, b, metric)`` on already validated values."""
    if resampling.checkpoint is not None:
        resampling = replace(
            resampling, checkpoint=_row_checkpoint(resampling.checkpoint, slice_label, metric)
        )
    try:
        resolved = resolve_metric(metric, func=func, param="metrics")
        ci = paired_result(checked_problem(func, data, resolved, resampling, stratify, groups))
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
