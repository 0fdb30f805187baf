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

from .._kernels import METRIC_NAMES, NEEDS_PROBABILITIES
from .._results import MDEEstimate, PairedBootstrapCI
from .._validation import (
    Resampling,
    check_bool,
    check_groups,
    check_labels,
    check_option,
    check_probabilities,
    check_resampling,
    check_scores,
    group_codes,
    param_error,
)
from ..bootstrap import CI_METHODS, Problem, check_studentized, mde_from_ci, paired_result
from ._tables import ALL_SLICE, html_table, text_table

__all__ = ["ComparisonRow", "ComparisonReport", "compare_scores"]

#: Version of the JSON layout written by :meth:`ComparisonReport.to_dict`.
SCHEMA_VERSION = 1

#: Metrics of :func:`compare_scores` when ``metrics`` is not given.  Calibration
#: is the debiased L2 error, whose intervals cover in the coverage study and
#: the plug-in ``"ece"``'s do not (doc/user_guide/coverage.rst).
DEFAULT_METRICS = ("roc_auc", "average_precision", "brier", "ece_debiased")

LOWER_IS_BETTER = frozenset({"log_loss", "brier", "ece", "ece_debiased"})

METRIC_LABELS = {
    "roc_auc": "ROC AUC",
    "average_precision": "PR AUC (AP)",
    "accuracy": "accuracy",
    "balanced_accuracy": "balanced accuracy",
    "log_loss": "log loss",
    "brier": "Brier score",
    "ece": "ECE",
    "ece_debiased": "ECE (L2, debiased)",
    "f1": "F1",
    "precision": "precision",
    "recall": "recall",
    "specificity": "specificity",
}



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
        return self.label or METRIC_LABELS.get(self.metric, self.metric)

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
    """

    rows: tuple[ComparisonRow, ...]
    y_true: np.ndarray = field(repr=False, compare=False)
    score_a: np.ndarray = field(repr=False, compare=False)
    score_b: np.ndarray = field(repr=False, compare=False)
    name_a: str = "A"
    name_b: str = "B"
    seed: int | None = None
    title: str = "Paired comparison"

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


def _metric_value(name: str, y: np.ndarray, score: np.ndarray) -> float:
    from .. import _engine

    statistic = _engine.kernel_statistic(
        name, y, (score,), _engine.KernelOptions(), stratify=False, with_se=False
    )
    return float(statistic.point())


def _compare_iv(func, y_true, score_a, score_b, metrics, slices, pos_label):
    y = check_labels(y_true, func, pos_label=pos_label)
    a = check_scores(score_a, func, param="score_a", n=y.shape[0])
    b = check_scores(score_b, func, param="score_b", n=y.shape[0])
    if metrics is not None:
        if isinstance(metrics, str) or not isinstance(metrics, Sequence) or not metrics:
            raise ValueError(
                param_error(func, "metrics", "a non-empty list of metric names", metrics)
            )
        metrics = tuple(check_option(m, func, "metrics", METRIC_NAMES) for m in metrics)
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
    return y, a, b, metrics, slices


def _metrics_for(
    func: str,
    metrics: tuple[str, ...] | None,
    a: np.ndarray,
    b: np.ndarray,
    method: str,
    groups: np.ndarray | None,
) -> tuple[str, ...]:
    """The default metrics, or check what the given ones need of the scores and the method."""
    if metrics is None:
        probabilities = all(s.min() >= 0.0 and s.max() <= 1.0 for s in (a, b))
        metrics = tuple(m for m in DEFAULT_METRICS if probabilities or m not in NEEDS_PROBABILITIES)
    for metric in metrics:
        if metric in NEEDS_PROBABILITIES:
            for param, s in (("score_a", a), ("score_b", b)):
                check_probabilities(s, func, param)
        check_studentized(func, method, metric, groups)
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
) -> ComparisonReport:
    """Compare two models' scores on several metrics (and slices) with paired bootstrap CIs.

    Each row is exactly ``paired_bootstrap_diff(y, a, b, metric, ...)`` on
    the samples of its slice, with the same ``seed``: every number can be
    reproduced with one call of the functional API.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Binary labels (see :func:`~eval_toolkit.bootstrap_ci`).
    score_a, score_b : array-like of shape (n,) or (n, 2)
        Scores of model A (reference) and model B (candidate).
    metrics : list of str, optional
        Metric names (see :func:`~eval_toolkit.bootstrap_ci`).  Default:
        ``roc_auc``, ``average_precision``, and ``brier`` and
        ``ece_debiased`` (the calibration error whose intervals cover, see
        :func:`~eval_toolkit.paired_bootstrap_ece_diff`) when both scores are
        probabilities in [0, 1].
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
    retries : int, default=0
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
    y, a, b, names, slice_values = _compare_iv(
        func, y_true, score_a, score_b, metrics, slices, pos_label
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
) -> ComparisonReport:
    """:func:`compare_scores` on validated values (labels, scores, options: the caller's job).

    Only what depends on the data together is checked here: the scores a
    metric needs (probabilities) and whether the interval method suits it.
    The command line uses this entry after checking its own options.
    """
    metrics = _metrics_for(func, metrics, a, b, resampling.method, groups)
    rows = []
    for slice_label, mask in _slice_masks(y, slices, slice_name):
        codes = _slice_groups(func, groups, mask, slice_label)
        rows += [
            _row(func, y[mask], a[mask], b[mask], metric, slice_label, resampling, stratify, codes)
            for metric in metrics
        ]
    seed = resampling.seed if isinstance(resampling.seed, int) else None
    return ComparisonReport(tuple(rows), y, a, b, name_a=name_a, name_b=name_b, seed=seed)


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
    y: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
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
    problem = Problem(
        func=func,
        y=y,
        scores=(a, b),
        metric_name=metric,
        metric_fn=None,
        label=metric,
        resampling=resampling,
        stratify=stratify,
        groups=groups,
    )
    try:
        ci = paired_result(problem)
    except ValueError as exc:
        if slice_label == ALL_SLICE:
            raise
        raise ValueError(f"On slice {slice_label!r}: {exc}") from exc
    return ComparisonRow(
        metric=metric,
        slice=slice_label,
        ci=ci,
        value_a=_metric_value(metric, y, a),
        value_b=_metric_value(metric, y, b),
        higher_is_better=metric not in LOWER_IS_BETTER,
    )
