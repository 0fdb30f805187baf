"""Operating points: a threshold chosen on validation data, applied to test data.

Threshold selectors (:class:`AtSpecificity`, :class:`AtSensitivity`,
:class:`AtFPR`, :class:`AtPrecision`, :class:`MaxF1`, :class:`YoudenJ`) and
operating-point metrics (:class:`Sensitivity`, :class:`Specificity`,
:class:`Precision`, :class:`F1`, :class:`FPR`) are small picklable objects.
Each works on plain arrays (``selector(y, score) -> threshold``,
``metric(y, score, threshold) -> value``) and, inside the bootstrap, on whole
blocks of resampled count tables at once.

A sample is predicted positive when ``score >= threshold``.  A threshold is
always one of the observed scores, or ``+inf`` (predict nothing positive) when
no observed score meets the target.

With more than two classes, an operating point is one-vs-rest on a named
class (``pos_label``): the scores are that class's, and every count,
stratification and warning is that of the binary problem ``y == pos_label``.
Regression has no operating point (no positive class to threshold for); the
functions refuse continuous targets and name the regression alternative.
"""

from __future__ import annotations

import functools
import os
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _engine
from ._parallel import parallel_map
from ._resample import CellTable, build_cells
from ._results import BootstrapCI, PairedBootstrapCI, _std_error
from ._validation import (
    Resampling,
    check_bool,
    check_groups,
    check_labels,
    check_resampling,
    check_scores,
    param_error,
)

__all__ = [
    "AtSpecificity",
    "AtSensitivity",
    "AtFPR",
    "AtPrecision",
    "MaxF1",
    "YoudenJ",
    "Sensitivity",
    "Specificity",
    "Precision",
    "F1",
    "FPR",
    "bootstrap_op_point_ci",
    "paired_bootstrap_op_point_diff",
]


#: What to use instead of an operating point for regression (named in the error).
_REGRESSION_INSTEAD = "bootstrap_ci or paired_bootstrap_diff"

#: Interval methods of the two-level bootstrap (no closed-form standard error for studentized).
OP_POINT_METHODS = ("percentile", "basic", "bca")


def _divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def _level_counts(y: np.ndarray, score: np.ndarray, counts: np.ndarray, levels: np.ndarray):
    """Positive and negative counts per score level, shape (rows, L)."""
    at = np.searchsorted(levels, score)
    pos = np.zeros((counts.shape[0], levels.shape[0]))
    neg = np.zeros((counts.shape[0], levels.shape[0]))
    # Cells are distinct (label, score) pairs, so within one label each level
    # appears once and plain fancy assignment cannot collide.
    pos[:, at[y]] = counts[:, y]
    neg[:, at[~y]] = counts[:, ~y]
    return pos, neg


def _at_or_above(per_level: np.ndarray) -> np.ndarray:
    """Counts at or above each level, with a final column 0 for threshold +inf."""
    out = np.zeros((per_level.shape[0], per_level.shape[1] + 1))
    out[:, :-1] = np.cumsum(per_level[:, ::-1], axis=1)[:, ::-1]
    return out


class ThresholdSelector(ABC):
    """Base class: choose a threshold from labels and scores.

    Subclasses implement ``_choose(tp, fp, n_pos, n_neg)``: given, for every
    candidate threshold (the score levels in increasing order, then +inf),
    the true and false positives of each row, return the chosen candidate
    index per row, or -1 where the criterion is undefined.
    """

    def __call__(self, y_true: Any, y_score: Any) -> float:
        """Threshold chosen on ``(y_true, y_score)``."""
        y = check_labels(y_true, type(self).__name__)
        s = check_scores(y_score, type(self).__name__, param="y_score", n=y.shape[0])
        levels, level = np.unique(s, return_inverse=True)
        pos = np.bincount(level[y], minlength=levels.shape[0])[None, :]
        neg = np.bincount(level[~y], minlength=levels.shape[0])[None, :]
        return float(self.thresholds(levels, pos, neg)[0])

    def thresholds(self, levels: np.ndarray, pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
        """Vectorised choice: per-level counts (rows, L) -> thresholds (rows,)."""
        tp, fp = _at_or_above(pos), _at_or_above(neg)
        index = self._choose(tp, fp, tp[:, 0], fp[:, 0])
        # A level absent from this resample predicts exactly like the next
        # present one; report that one, so thresholds are always observed scores.
        present = _next_present(pos + neg)
        moved = np.take_along_axis(present, np.maximum(index, 0)[:, None], axis=1)[:, 0]
        candidates = np.append(levels, np.inf)
        return np.where(index >= 0, candidates[moved], np.nan)

    @abstractmethod
    def _choose(self, tp, fp, n_pos, n_neg) -> np.ndarray:
        """Chosen candidate index per row."""


def _next_present(per_level: np.ndarray) -> np.ndarray:
    """For each candidate index, the first index at or above it with a nonzero count (+inf last)."""
    rows, width = per_level.shape
    index = np.where(per_level > 0, np.arange(width), width)
    index = np.concatenate([index, np.full((rows, 1), width)], axis=1)
    return np.minimum.accumulate(index[:, ::-1], axis=1)[:, ::-1]


def _first_true(mask: np.ndarray, defined: np.ndarray) -> np.ndarray:
    """Index of the first True per row (-1 where none or undefined)."""
    index = np.argmax(mask, axis=1)
    return np.where(defined & mask.any(axis=1), index, -1)


def _last_true(mask: np.ndarray, defined: np.ndarray) -> np.ndarray:
    width = mask.shape[1]
    index = width - 1 - np.argmax(mask[:, ::-1], axis=1)
    return np.where(defined & mask.any(axis=1), index, -1)


@dataclass(frozen=True)
class AtSpecificity(ThresholdSelector):
    """Lowest threshold whose specificity is at least ``target`` (maximises sensitivity).

    Examples
    --------
    >>> from eval_toolkit.operating_points import AtSpecificity
    >>> AtSpecificity(0.5)([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.35
    """

    target: float = 0.95

    def _choose(self, tp, fp, n_pos, n_neg):
        spec = _divide(n_neg[:, None] - fp, n_neg[:, None])
        return _first_true(spec >= self.target - 1e-12, n_neg > 0)


@dataclass(frozen=True)
class AtFPR(ThresholdSelector):
    """Lowest threshold whose false-positive rate is at most ``target``.

    Examples
    --------
    >>> from eval_toolkit.operating_points import AtFPR
    >>> AtFPR(0.5)([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.35
    """

    target: float = 0.05

    def _choose(self, tp, fp, n_pos, n_neg):
        fpr = _divide(fp, n_neg[:, None])
        return _first_true(fpr <= self.target + 1e-12, n_neg > 0)


@dataclass(frozen=True)
class AtSensitivity(ThresholdSelector):
    """Highest threshold whose sensitivity (recall) is at least ``target`` (maximises specificity).

    Examples
    --------
    >>> from eval_toolkit.operating_points import AtSensitivity
    >>> AtSensitivity(1.0)([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.35
    """

    target: float = 0.95

    def _choose(self, tp, fp, n_pos, n_neg):
        sens = _divide(tp, n_pos[:, None])
        return _last_true(sens >= self.target - 1e-12, n_pos > 0)


@dataclass(frozen=True)
class AtPrecision(ThresholdSelector):
    """Lowest threshold whose precision is at least ``target`` (maximises recall).

    Examples
    --------
    >>> from eval_toolkit.operating_points import AtPrecision
    >>> AtPrecision(1.0)([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.8
    """

    target: float = 0.9

    def _choose(self, tp, fp, n_pos, n_neg):
        precision = _divide(tp, tp + fp)
        return _first_true(precision >= self.target - 1e-12, n_pos > 0)


@dataclass(frozen=True)
class MaxF1(ThresholdSelector):
    """Threshold maximising F1 (the lowest one among ties).

    Examples
    --------
    >>> from eval_toolkit.operating_points import MaxF1
    >>> MaxF1()([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.35
    """

    def _choose(self, tp, fp, n_pos, n_neg):
        f1 = np.nan_to_num(_divide(2 * tp, tp + fp + n_pos[:, None]), nan=-1.0)
        return np.where(n_pos > 0, np.argmax(f1, axis=1), -1)


@dataclass(frozen=True)
class YoudenJ(ThresholdSelector):
    """Threshold maximising Youden's J = sensitivity + specificity - 1 (lowest among ties).

    Examples
    --------
    >>> from eval_toolkit.operating_points import YoudenJ
    >>> YoudenJ()([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])  # 0.35 and 0.8 tie at J = 0.5
    0.35
    """

    def _choose(self, tp, fp, n_pos, n_neg):
        # J * P * N = tp N - fp P is an exact integer in float64, so ties between
        # thresholds are exact ties (tp/P - fp/N rounds twice and breaks them).
        j = tp * n_neg[:, None] - fp * n_pos[:, None]
        return np.where((n_pos > 0) & (n_neg > 0), np.argmax(j, axis=1), -1)


class OperatingPointMetric(ABC):
    """Base class: a metric of the confusion matrix at a given threshold."""

    def __call__(self, y_true: Any, y_score: Any, threshold: float) -> float:
        """Metric of ``(y_true, y_score >= threshold)``."""
        y = check_labels(y_true, type(self).__name__)
        s = check_scores(y_score, type(self).__name__, param="y_score", n=y.shape[0])
        pred = s >= threshold
        tp, fp = np.sum(pred & y), np.sum(pred & ~y)
        fn, tn = np.sum(~pred & y), np.sum(~pred & ~y)
        return float(self.from_confusion(*(np.array([float(v)]) for v in (tp, fp, fn, tn)))[0])

    @abstractmethod
    def from_confusion(self, tp, fp, fn, tn) -> np.ndarray:
        """Metric from per-row confusion counts (NaN where undefined)."""


@dataclass(frozen=True)
class Sensitivity(OperatingPointMetric):
    """True-positive rate (recall): tp / (tp + fn)."""

    def from_confusion(self, tp, fp, fn, tn):
        return _divide(tp, tp + fn)


@dataclass(frozen=True)
class Specificity(OperatingPointMetric):
    """True-negative rate: tn / (tn + fp)."""

    def from_confusion(self, tp, fp, fn, tn):
        return _divide(tn, tn + fp)


@dataclass(frozen=True)
class FPR(OperatingPointMetric):
    """False-positive rate: fp / (fp + tn)."""

    def from_confusion(self, tp, fp, fn, tn):
        return _divide(fp, fp + tn)


@dataclass(frozen=True)
class Precision(OperatingPointMetric):
    """Positive predictive value: tp / (tp + fp)."""

    def from_confusion(self, tp, fp, fn, tn):
        return _divide(tp, tp + fp)


@dataclass(frozen=True)
class F1(OperatingPointMetric):
    """F1 score: 2 tp / (2 tp + fp + fn)."""

    def from_confusion(self, tp, fp, fn, tn):
        return _divide(2 * tp, 2 * tp + fp + fn)


@dataclass(frozen=True)
class _ArmData:
    """One arm's folds of the validation and test joint cells."""

    val: _engine.Fold
    test: _engine.Fold
    val_levels: np.ndarray
    test_levels: np.ndarray


@dataclass(frozen=True)
class OpPointStatistic:
    """Two-level statistic: thresholds refit per arm on the validation resample, applied to test."""

    val_table: CellTable
    test_table: CellTable
    arms: tuple[_ArmData, ...]
    threshold_fn: ThresholdSelector
    metric_fn: OperatingPointMetric

    uses_indices = False
    with_se = False

    @property
    def tables(self) -> tuple[CellTable, ...]:
        return (self.val_table, self.test_table)

    def for_blocks(self):
        """Sent to the workers whole."""
        return self

    def evaluate(self, draws: list[np.ndarray]) -> np.ndarray:
        val_counts, test_counts = draws
        return np.column_stack(
            [self._arm_metric(arm, val_counts, test_counts) for arm in self.arms]
        )

    def _arm_metric(
        self, arm: _ArmData, val_counts: np.ndarray, test_counts: np.ndarray
    ) -> np.ndarray:
        v = arm.val.counts(val_counts)
        pos, neg = _level_counts(arm.val.y, arm.val.key, v, arm.val_levels)
        thresholds = self.threshold_fn.thresholds(arm.val_levels, pos, neg)
        t = arm.test.counts(test_counts)
        pos, neg = _level_counts(arm.test.y, arm.test.key, t, arm.test_levels)
        tp_all, fp_all = _at_or_above(pos), _at_or_above(neg)
        at = np.searchsorted(arm.test_levels, np.nan_to_num(thresholds, nan=np.inf))[:, None]
        tp = np.take_along_axis(tp_all, at, axis=1)[:, 0]
        fp = np.take_along_axis(fp_all, at, axis=1)[:, 0]
        fn, tn = tp_all[:, 0] - tp, fp_all[:, 0] - fp
        values = self.metric_fn.from_confusion(tp, fp, fn, tn)
        return np.where(np.isnan(thresholds), np.nan, values)

    @staticmethod
    def contrast(values: np.ndarray) -> np.ndarray:
        """The reported quantity per row: B - A with two arms, the metric itself with one."""
        return values[:, 1] - values[:, 0] if values.shape[1] == 2 else values[:, 0]

    def point(self) -> float:
        values = self.evaluate([self.val_table.mult[None, :], self.test_table.mult[None, :]])
        return float(self.contrast(values)[0])

    def jackknife(self, n_jobs: int = 1) -> list[tuple[np.ndarray, np.ndarray]]:
        """Leave-one-out deltas per distinct validation cell and per distinct test cell.

        Validation and test sets (and, when stratified, each class within them)
        are resampled independently: each is one sample of the multi-sample
        jackknife.
        """
        groups = []
        for which, table in enumerate(self.tables):
            if table.clusters is not None:
                groups.append((self._leave_one_group_out(which), np.ones(table.clusters.n_groups)))
                continue
            fn = functools.partial(_op_point_loo_chunk, self, which)
            chunks = np.array_split(np.arange(table.n_cells), max(1, table.n_cells // 256))
            parts = parallel_map(
                fn, chunks, n_jobs=n_jobs, description="jackknife of an operating point"
            )
            groups.extend(table.jackknife_sets(np.concatenate(parts)))
        return groups


    def _leave_one_group_out(self, which: int) -> np.ndarray:
        """Deltas with each group of one set removed (the cluster jackknife)."""
        table = self.tables[which]
        assert table.clusters is not None
        full = [t.mult.astype(np.float64)[None, :] for t in self.tables]
        parts = []
        for rows in table.clusters.loo_counts(table.mult):
            draws = [np.repeat(f, rows.shape[0], axis=0) for f in full]
            draws[which] = rows
            parts.append(self.contrast(self.evaluate(draws)))
        return np.concatenate(parts)


def _op_point_loo_chunk(stat: OpPointStatistic, which: int, cells: np.ndarray) -> np.ndarray:
    full = [stat.val_table.mult.astype(np.float64), stat.test_table.mult.astype(np.float64)]
    rows = [np.tile(m, (cells.shape[0], 1)) for m in full]
    rows[which][np.arange(cells.shape[0]), cells] -= 1
    return stat.contrast(stat.evaluate(rows))


def op_point_statistic(
    val_y: np.ndarray,
    val_scores: tuple[np.ndarray, ...],
    test_y: np.ndarray,
    test_scores: tuple[np.ndarray, ...],
    threshold_fn: ThresholdSelector,
    metric_fn: OperatingPointMetric,
    stratify: bool,
    val_groups: np.ndarray | None = None,
    test_groups: np.ndarray | None = None,
) -> OpPointStatistic:
    """Cells of both sets and each arm's folds, from validated labels and scores."""
    val_table, val_values, val_ranks = build_cells(
        [val_y, *val_scores], val_y if stratify else None, val_groups
    )
    test_table, test_values, test_ranks = build_cells(
        [test_y, *test_scores], test_y if stratify else None, test_groups
    )
    arms = []
    for i in range(len(val_scores)):
        val_fold = _engine.Fold.build(val_values, val_ranks, 1 + i, val_table.mult)
        test_fold = _engine.Fold.build(test_values, test_ranks, 1 + i, test_table.mult)
        arms.append(
            _ArmData(val_fold, test_fold, np.unique(val_fold.key), np.unique(test_fold.key))
        )
    return OpPointStatistic(val_table, test_table, tuple(arms), threshold_fn, metric_fn)


def op_point_labels(y: Any, func: str, param: str, pos_label: Any, instead: str) -> np.ndarray:
    """Labels of an operating point as bool (True = the positive class).

    Binary labels as everywhere (:func:`~eval_toolkit._validation.check_labels`);
    more than two classes need ``pos_label`` and give the one-vs-rest problem
    of that class.  Regression targets are refused: there is no positive class
    to threshold for, and no established operating point of a regressor.
    ``instead`` names what to use for them.
    """
    from sklearn.utils.multiclass import type_of_target

    values = np.asarray(y)
    if values.dtype.kind == "f" and values.size and np.all(np.isfinite(values)):
        if type_of_target(values).startswith("continuous"):  # as the tasks detect regression
            raise ValueError(
                param_error(
                    func,
                    param,
                    "class labels: an operating point thresholds a classifier's scores for a "
                    "positive class, which regression targets do not have (for regression, "
                    f"use {instead} with a regression metric such as 'mean_absolute_error')",
                    "continuous values",
                )
            )
    return check_labels(values, func, param=param, pos_label=pos_label, one_vs_rest=True)


def _op_point_scores(scores: Any, func: str, param: str, n: int) -> np.ndarray:
    """One arm's scores: 1-D, or 2 columns (predict_proba of a binary problem)."""
    s = np.asarray(scores)
    if s.ndim == 2 and s.shape[1] > 2:
        raise ValueError(
            param_error(
                func,
                param,
                "a 1-D array of scores (for more than two classes, the scores of the class "
                "pos_label, e.g. predict_proba(X)[:, k])",
                f"shape {s.shape}",
            )
        )
    return check_scores(s, func, param=param, n=n)


def _op_point_iv(
    func: str,
    val: tuple[Any, ...],
    test: tuple[Any, ...],
    threshold_fn: Any,
    metric_fn: Any,
    stratify: Any,
    pos_label: Any,
    groups: tuple[Any, Any],
    **resampling: Any,
) -> tuple[OpPointStatistic, Resampling, dict[str, Any]]:
    """Validate everything once; return the statistic, the resampling options and the
    fingerprint of the inputs that determine the blocks (for ``checkpoint=``)."""
    if not isinstance(threshold_fn, ThresholdSelector):
        raise ValueError(
            param_error(
                func,
                "threshold_fn",
                "a threshold selector from eval_toolkit.operating_points (AtSpecificity, "
                "AtSensitivity, AtFPR, AtPrecision, MaxF1, YoudenJ)",
                threshold_fn,
            )
        )
    if not isinstance(metric_fn, OperatingPointMetric):
        raise ValueError(
            param_error(
                func,
                "metric_fn",
                "an operating-point metric from eval_toolkit.operating_points (Sensitivity, "
                "Specificity, Precision, F1, FPR)",
                metric_fn,
            )
        )
    data = []
    for prefix, (y, *arms) in (("val", val), ("test", test)):
        labels = op_point_labels(y, func, f"{prefix}_y", pos_label, _REGRESSION_INSTEAD)
        names = ("_a", "_b") if len(arms) == 2 else ("",)
        scores = tuple(
            _op_point_scores(s, func, f"{prefix}_score{arm}", labels.shape[0])
            for arm, s in zip(names, arms)
        )
        data.append((labels, scores))
    options = check_resampling(func, methods=OP_POINT_METHODS, **resampling)
    (vy, vs), (ty, ts) = data
    stratify = check_bool(stratify, func, "stratify")
    codes = [
        check_groups(g, func, n=y.shape[0], stratify=stratify, param=f"{prefix}_groups")
        for prefix, g, y in (("val", groups[0], vy), ("test", groups[1], ty))
    ]
    statistic = op_point_statistic(vy, vs, ty, ts, threshold_fn, metric_fn, stratify, *codes)
    names = ("_a", "_b") if len(vs) == 2 else ("",)
    fingerprint = {
        "val_y": vy, "test_y": ty, "threshold_fn": threshold_fn, "metric_fn": metric_fn,
        "stratify": stratify, "val_groups": codes[0], "test_groups": codes[1],
        **{f"val_score{arm}": s for arm, s in zip(names, vs)},
        **{f"test_score{arm}": s for arm, s in zip(names, ts)},
    }
    return statistic, options, fingerprint


def paired_bootstrap_op_point_diff(
    val_y: Any,
    val_score_a: Any,
    val_score_b: Any,
    test_y: Any,
    test_score_a: Any,
    test_score_b: Any,
    threshold_fn: ThresholdSelector,
    metric_fn: OperatingPointMetric,
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    method: str = "percentile",
    seed: int | np.random.SeedSequence = 42,
    n_jobs: int = 1,
    stratify: bool = False,
    val_groups: Any = None,
    test_groups: Any = None,
    pos_label: Any = None,
    progress: bool = False,
    checkpoint: str | os.PathLike | None = None,
    retries: int = 0,
) -> PairedBootstrapCI:
    """Paired two-level bootstrap of an operating-point metric with a transferred threshold.

    In every resample, the validation set and the test set are resampled
    independently (the same rows for both models within each set); each
    model's threshold is refit on the validation resample with
    ``threshold_fn`` and applied to the test resample, where ``metric_fn`` is
    measured.  The interval therefore includes the uncertainty of choosing the
    threshold, which a fixed-threshold bootstrap ignores.

    Parameters
    ----------
    val_y, val_score_a, val_score_b : array-like of shape (n_val,)
        Validation labels (binary, or multiclass with ``pos_label``) and both
        models' scores for the positive class (thresholds are chosen here).
    test_y, test_score_a, test_score_b : array-like of shape (n_test,)
        Test labels and scores (the metric is measured here).
    threshold_fn : ThresholdSelector
        E.g. ``AtSpecificity(0.95)``, ``AtSensitivity(0.9)``, ``AtFPR(0.1)``,
        ``AtPrecision(0.8)``, ``MaxF1()``, ``YoudenJ()``.
    metric_fn : OperatingPointMetric
        E.g. ``Sensitivity()``, ``Specificity()``, ``Precision()``, ``F1()``,
        ``FPR()``.
    n_resamples : int, default=1000
        Number of two-level resamples.
    confidence : float, default=0.95
        Confidence level.
    method : {"percentile", "basic", "bca"}, default="percentile"
        Interval method; BCa uses a two-sample jackknife (validation and test
        cells), as ``scipy.stats.bootstrap`` does for several samples.
    seed : int or numpy.random.SeedSequence, default=42
        Root of all random streams.
    n_jobs : int, default=1
        ``1`` runs sequentially; ``-1`` uses all cores; results do not depend on it.
    stratify : bool, default=False
        Resample within each class in both sets.
    val_groups, test_groups : array-like of shape (n_val,) and (n_test,), optional
        Cluster ids of each set's rows: that set resamples whole groups (see
        :func:`~eval_toolkit.bootstrap_ci`), and BCa leaves one group out.
    pos_label : object, optional
        The positive class.  Needed for labels other than {0, 1}, {-1, 1} or
        bool, and for more than two classes: the operating point is then
        one-vs-rest on ``pos_label`` (give that class's scores, e.g.
        ``predict_proba(X)[:, k]``), exactly the binary problem
        ``y == pos_label``.  Regression targets are refused (ValueError): an
        operating point thresholds a classifier's scores for a positive class;
        compare regressors with :func:`~eval_toolkit.paired_bootstrap_diff`
        and a regression metric.
    progress : bool, default=False
        Show a progress bar (tqdm, on stderr) counting finished blocks.
    checkpoint, retries : optional
        As in :func:`~eval_toolkit.bootstrap_ci`: finished blocks are kept in
        the ``checkpoint`` directory (bound to both sets' labels and scores,
        ``threshold_fn``, ``metric_fn``, stratification, groups and ``seed``),
        and blocks lost to a dead worker are resubmitted ``retries`` times.

    Returns
    -------
    PairedBootstrapCI
        delta = metric(B) - metric(A) on the test set at each model's own
        transferred threshold.

    Examples
    --------
    >>> import numpy as np
    >>> from eval_toolkit import paired_bootstrap_op_point_diff
    >>> from eval_toolkit.operating_points import AtSpecificity, Sensitivity
    >>> rng = np.random.default_rng(0)
    >>> def split(n):
    ...     y = rng.integers(0, 2, n)
    ...     return y, y + rng.normal(0, 1.0, n), y + rng.normal(0, 0.7, n)
    >>> res = paired_bootstrap_op_point_diff(
    ...     *split(2000), *split(2000), AtSpecificity(0.9), Sensitivity(), n_resamples=300)
    >>> res.delta > 0, res.overlaps_zero
    (True, False)
    """
    func = "paired_bootstrap_op_point_diff"
    statistic, resampling, fingerprint = _op_point_iv(
        func,
        (val_y, val_score_a, val_score_b),
        (test_y, test_score_a, test_score_b),
        threshold_fn,
        metric_fn,
        stratify,
        pos_label,
        (val_groups, test_groups),
        n_resamples=n_resamples,
        confidence=confidence,
        method=method,
        seed=seed,
        n_jobs=n_jobs,
        progress=progress,
        checkpoint=checkpoint,
        retries=retries,
    )
    return op_point_result(func, statistic, resampling, fingerprint)


def op_point_result(
    func: str,
    statistic: OpPointStatistic,
    resampling: Resampling,
    fingerprint: dict[str, Any] | None = None,
) -> PairedBootstrapCI:
    """The two-level bootstrap of a statistic built from validated data (the one pipeline).

    The entry for callers that validated their own parameters already
    (:class:`~eval_toolkit.PairedBootstrap` with an ``OperatingPoint``).
    ``fingerprint``: the inputs that determine the blocks, named as the
    caller's user knows them (needed with ``resampling.checkpoint``).
    """
    out, metric = _op_point_outcome(func, statistic, resampling, fingerprint)
    return out.paired_result(resampling, n_samples=statistic.test_table.n_samples, metric=metric)


def _op_point_outcome(
    func: str,
    statistic: OpPointStatistic,
    resampling: Resampling,
    fingerprint: dict[str, Any] | None,
) -> tuple[_engine.Outcome, str]:
    """Run the engine on an operating-point statistic of one or two arms."""
    threshold_fn, metric_fn = statistic.threshold_fn, statistic.metric_fn

    def check_point(point: float) -> None:
        if not np.isfinite(point):
            raise ValueError(
                param_error(
                    func,
                    "threshold_fn",
                    f"defined on the full data with {metric_fn!r}",
                    f"{threshold_fn!r}, whose threshold or metric is undefined here",
                )
            )
        for where, fold in ((" in the validation set", statistic.arms[0].val),
                            (" in the test set", statistic.arms[0].test)):
            _engine.warn_if_few_in_class(np.repeat(fold.y, fold.mult), func, where)

    metric = f"{type(metric_fn).__name__} at {threshold_fn!r}"
    out = _engine.run(
        statistic,
        resampling,
        func=func,
        label=metric,
        description=f"{func} ({threshold_fn!r})",
        check_point=check_point,
        fingerprint=fingerprint,
    )
    return out, metric


def bootstrap_op_point_ci(
    val_y: Any,
    val_score: Any,
    test_y: Any,
    test_score: Any,
    threshold_fn: ThresholdSelector,
    metric_fn: OperatingPointMetric,
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    method: str = "percentile",
    seed: int | np.random.SeedSequence = 42,
    n_jobs: int = 1,
    stratify: bool = False,
    val_groups: Any = None,
    test_groups: Any = None,
    pos_label: Any = None,
    progress: bool = False,
    checkpoint: str | os.PathLike | None = None,
    retries: int = 0,
) -> BootstrapCI:
    """Two-level bootstrap interval of one model's metric at a transferred threshold.

    The one-model counterpart of :func:`paired_bootstrap_op_point_diff`: in
    every resample the validation and test sets are resampled independently,
    the threshold is refit on the validation resample with ``threshold_fn``
    and ``metric_fn`` is measured on the test resample at that threshold, so
    the interval includes the uncertainty of the threshold itself.

    Parameters
    ----------
    val_y, val_score : array-like of shape (n_val,)
        Validation labels and scores (the threshold is chosen here).
    test_y, test_score : array-like of shape (n_test,)
        Test labels and scores (the metric is measured here).
    threshold_fn, metric_fn, n_resamples, confidence, method, seed, n_jobs
        As in :func:`paired_bootstrap_op_point_diff`.
    stratify, val_groups, test_groups, pos_label, progress, checkpoint, retries
        As in :func:`paired_bootstrap_op_point_diff`.

    Returns
    -------
    BootstrapCI
        ``point_estimate`` is the metric on the test set at the threshold
        chosen on the full validation set.

    Examples
    --------
    >>> import numpy as np
    >>> from eval_toolkit.operating_points import AtSpecificity, Sensitivity, bootstrap_op_point_ci
    >>> rng = np.random.default_rng(0)
    >>> def split(n):
    ...     y = rng.integers(0, 2, n)
    ...     return y, y + rng.normal(0, 0.7, n)
    >>> ci = bootstrap_op_point_ci(*split(2000), *split(2000), AtSpecificity(0.9), Sensitivity(),
    ...                            n_resamples=300)
    >>> bool(0.5 < ci.ci_low < ci.point_estimate < ci.ci_high < 0.8)
    True
    """
    func = "bootstrap_op_point_ci"
    statistic, resampling, fingerprint = _op_point_iv(
        func,
        (val_y, val_score),
        (test_y, test_score),
        threshold_fn,
        metric_fn,
        stratify,
        pos_label,
        (val_groups, test_groups),
        n_resamples=n_resamples,
        confidence=confidence,
        method=method,
        seed=seed,
        n_jobs=n_jobs,
        progress=progress,
        checkpoint=checkpoint,
        retries=retries,
    )
    out, metric = _op_point_outcome(func, statistic, resampling, fingerprint)
    return BootstrapCI(
        point_estimate=float(out.point),
        ci_low=out.interval.low,
        ci_high=out.interval.high,
        confidence=resampling.confidence,
        n_resamples=int(out.distribution.shape[0]),
        method=resampling.method,
        std_error=_std_error(out.distribution),
        n_degenerate=out.n_degenerate,
        n_samples=statistic.test_table.n_samples,
        metric=metric,
        distribution=out.distribution,
    )
