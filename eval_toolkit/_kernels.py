"""Vectorised count-based metric kernels for the bootstrap engine.

The engine compresses an evaluation set into ``k`` distinct *cells*: pairs
``(y_j, score_j)`` (``y_j`` bool, ``score_j`` float64), each with a full-data
multiplicity ``mult_j``. A bootstrap resample is then a vector of counts over
the cells (a multinomial draw, exactly equivalent to resampling indices), and a
block of ``r`` resamples is an ``(r, k)`` count matrix.

A kernel evaluates one metric on every row of such a matrix at once: row ``i``
stands for the multiset in which cell ``j`` appears ``counts[i, j]`` times.
Everything is vectorised over rows in ``O(r * k)`` time; the cells are sorted
once, when the kernel is built. Kernels trust their input, validation belongs
to the public layer. A metric that is undefined on a row (for example ROC AUC
on a single-class resample, or any metric on an empty row) is NaN there.
"""

from __future__ import annotations

from abc import abstractmethod

import numpy as np

from ._kernel_utils import (
    Kernel,
    MeanKernel,
    as_counts,
    divide_or_zero,
    order_statistic_cells,
    padded_cumsum,
    padded_suffix_sums,
    prefix_sums,
    ranked_auc,
    row_sum,
    safe_divide,
    suffix_sums,
)


def cell_scores(score: np.ndarray, *, threshold: float = 0.5) -> np.ndarray:
    """Reduce scores to what a threshold metric depends on.

    Cells whose reduced scores coincide can be merged by the engine.

    Parameters
    ----------
    score : ndarray of shape (n,)
        Scores.
    threshold : float, default=0.5
        Decision threshold.

    Returns
    -------
    ndarray of shape (n,)
        ``(score >= threshold)`` as float64.
    """
    return (score >= threshold).astype(np.float64)


def make_kernel(
    name: str,
    y: np.ndarray,
    score: np.ndarray,
    mult: np.ndarray,
    *,
    n_bins: int = 10,
    strategy: str = "uniform",
    threshold: float = 0.5,
) -> Kernel:
    """Build the kernel of metric `name` over a set of cells.

    Parameters
    ----------
    name : str
        Binary metric name (``eval_toolkit.metrics.list_metrics("binary")``).
    y : ndarray of shape (k,), bool
        Label of each cell.
    score : ndarray of shape (k,), float64
        Score of each cell. Cells are distinct ``(y, score)`` pairs, in any
        order.
    mult : ndarray of shape (k,), int64
        Full-data multiplicity of each cell (>= 1).
    n_bins : int, default=10
        Number of bins (``ece`` and ``ece_debiased``).
    strategy : {"uniform", "quantile"}, default="uniform"
        Binning strategy (``ece`` only; ``ece_debiased`` always uses
        equal-mass bins).
    threshold : float, default=0.5
        A sample is predicted positive iff ``score >= threshold`` (threshold
        metrics only).

    Returns
    -------
    Kernel
        Kernel whose count columns follow the order of the given cells.
    """
    y = np.asarray(y, dtype=bool)
    score = np.asarray(score, dtype=np.float64)
    mult = np.asarray(mult, dtype=np.float64)
    if name == "roc_auc":
        return _RocAucKernel(y, score, mult)
    if name == "average_precision":
        return _AveragePrecisionKernel(y, score, mult)
    if name == "ece":
        ece_class = {"uniform": _UniformEceKernel, "quantile": _QuantileEceKernel}
        return ece_class[strategy](y, score, mult, n_bins)
    if name == "ece_debiased":
        return _DebiasedEceKernel(y, score, mult, n_bins)
    if name in {"log_loss", "brier"}:
        return MeanKernel(_PROBABILISTIC_LOSSES[name](y, score), mult)
    predicted = score >= threshold
    if name == "accuracy":
        return MeanKernel((predicted == y).astype(np.float64), mult)
    return _CONFUSION_KERNELS[name](y, predicted, mult)


def _log_loss_values(y: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Per-sample log loss, clipped as scikit-learn does.

    scikit-learn builds the two-column ``[1 - p, p]`` and clips it to
    ``[eps, 1 - eps]``, so the negative class is clipped after ``1 - p``.
    """
    eps = np.finfo(np.float64).eps
    prob_of_label = np.where(y, score, 1.0 - score)
    return -np.log(np.clip(prob_of_label, eps, 1.0 - eps))


def _brier_values(y: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Per-sample squared error of the positive-class probability."""
    return (y - score) ** 2


_PROBABILISTIC_LOSSES = {"log_loss": _log_loss_values, "brier": _brier_values}


class _ConfusionKernel(Kernel):
    """Metric computed from the confusion matrix at a fixed threshold.

    Parameters
    ----------
    y : ndarray of shape (k,), bool
        Label of each cell.
    predicted : ndarray of shape (k,), bool
        Predicted label of each cell.
    mult : ndarray of shape (k,)
        Full-data multiplicity of each cell.
    """

    def __init__(self, y: np.ndarray, predicted: np.ndarray, mult: np.ndarray) -> None:
        super().__init__(mult)
        # Columns tp, fp, fn, tn. Summing integer counts is exact, so a
        # matrix product is safe here.
        self._indicator = np.stack(
            [y & predicted, ~y & predicted, y & ~predicted, ~y & ~predicted], axis=1
        ).astype(np.float64)

    def __call__(self, counts: np.ndarray) -> np.ndarray:
        tp, fp, fn, tn = (as_counts(counts) @ self._indicator).T
        return self._from_confusion(tp, fp, fn, tn)

    @abstractmethod
    def _from_confusion(
        self, tp: np.ndarray, fp: np.ndarray, fn: np.ndarray, tn: np.ndarray
    ) -> np.ndarray:
        """Metric from per-row confusion counts, NaN where undefined."""


class _PrecisionKernel(_ConfusionKernel):
    def _from_confusion(self, tp, fp, fn, tn):
        return safe_divide(tp, tp + fp)


class _RecallKernel(_ConfusionKernel):
    def _from_confusion(self, tp, fp, fn, tn):
        return safe_divide(tp, tp + fn)


class _SpecificityKernel(_ConfusionKernel):
    def _from_confusion(self, tp, fp, fn, tn):
        return safe_divide(tn, tn + fp)


class _F1Kernel(_ConfusionKernel):
    def _from_confusion(self, tp, fp, fn, tn):
        return safe_divide(2.0 * tp, 2.0 * tp + fp + fn)


class _BalancedAccuracyKernel(_ConfusionKernel):
    def _from_confusion(self, tp, fp, fn, tn):
        return 0.5 * (safe_divide(tp, tp + fn) + safe_divide(tn, tn + fp))


_CONFUSION_KERNELS: dict[str, type[_ConfusionKernel]] = {
    "precision": _PrecisionKernel,
    "recall": _RecallKernel,
    "specificity": _SpecificityKernel,
    "f1": _F1Kernel,
    "balanced_accuracy": _BalancedAccuracyKernel,
}


class _RankKernel(Kernel):
    """Kernel built on per-class cumulative counts along increasing score.

    The cells of each class are sorted by score, so the number of positives
    or negatives below any score is a column of that class's cumulative
    counts, at an index found once by binary search.

    Parameters
    ----------
    y : ndarray of shape (k,), bool
        Label of each cell.
    score : ndarray of shape (k,)
        Score of each cell.
    mult : ndarray of shape (k,)
        Full-data multiplicity of each cell.
    """

    def __init__(self, y: np.ndarray, score: np.ndarray, mult: np.ndarray) -> None:
        super().__init__(mult)
        pos, neg = np.flatnonzero(y), np.flatnonzero(~y)
        # Cells of each class in increasing score order.
        self._pos = pos[np.argsort(score[pos], kind="stable")]
        self._neg = neg[np.argsort(score[neg], kind="stable")]
        self._pos_score, self._neg_score = score[self._pos], score[self._neg]
        # The engine sorts cells by (label, score): then each class is a
        # block of columns, read as a view instead of a gathered copy.
        n_neg = self._neg.size
        self._blocks = bool(
            np.array_equal(self._neg, np.arange(n_neg))
            and np.array_equal(self._pos, np.arange(n_neg, n_neg + self._pos.size))
        )

    def _class_columns(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Counts of the negative and of the positive cells, each in score order."""
        if self._blocks:
            n_neg = self._neg.size
            return x[:, :n_neg], x[:, n_neg:]
        return _columns(x, self._neg), _columns(x, self._pos)

    def _class_cumsums(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Zero-padded cumulative counts of positives and of negatives."""
        x_neg, x_pos = self._class_columns(x)
        return padded_cumsum(x_pos), padded_cumsum(x_neg)


class _RocAucKernel(_RankKernel):
    """ROC AUC with ties counted 1/2, via DeLong placement values."""

    def __init__(self, y: np.ndarray, score: np.ndarray, mult: np.ndarray) -> None:
        super().__init__(y, score, mult)
        # Columns of the other class's padded cumulative sum that count its
        # samples strictly below / at or below the score of each cell.
        self._neg_below_pos = np.searchsorted(self._neg_score, self._pos_score, side="left")
        self._neg_upto_pos = np.searchsorted(self._neg_score, self._pos_score, side="right")
        self._pos_below_neg = np.searchsorted(self._pos_score, self._neg_score, side="left")
        self._pos_upto_neg = np.searchsorted(self._pos_score, self._neg_score, side="right")

    def _neg_placement(self, cum_neg: np.ndarray) -> np.ndarray:
        """For each positive cell, negatives below it plus half those tied."""
        return 0.5 * (
            _columns(cum_neg, self._neg_below_pos) + _columns(cum_neg, self._neg_upto_pos)
        )

    def _pos_placement(self, cum_pos: np.ndarray) -> np.ndarray:
        """For each negative cell, positives above it plus half those tied."""
        return cum_pos[:, -1:] - 0.5 * (
            _columns(cum_pos, self._pos_below_neg) + _columns(cum_pos, self._pos_upto_neg)
        )

    def _auc_parts(
        self, x: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Pair count, class totals and placement values of each row.

        Parameters
        ----------
        x : ndarray of shape (r, k)
            Counts.

        Returns
        -------
        numerator : ndarray of shape (r,)
            Correctly ordered (positive, negative) pairs, ties counted 1/2.
        n_pos, n_neg : ndarray of shape (r,)
            Number of positives and negatives.
        neg_placement : ndarray of shape (r, n_positive_cells)
        pos_placement : ndarray of shape (r, n_negative_cells)
        """
        cum_pos, cum_neg = self._class_cumsums(x)
        neg_placement = self._neg_placement(cum_neg)
        pos_placement = self._pos_placement(cum_pos)
        numerator = row_sum(_columns(x, self._pos) * neg_placement)
        return numerator, cum_pos[:, -1], cum_neg[:, -1], neg_placement, pos_placement

    def __call__(self, counts: np.ndarray) -> np.ndarray:
        x = _exact_counts(counts)
        x_neg, x_pos = self._class_columns(x)
        return ranked_auc(x_pos, x_neg, self._neg_below_pos, self._neg_upto_pos)[0]

    def loo(self) -> np.ndarray:
        numerator, n_pos, n_neg, neg_placement, pos_placement = self._auc_parts(
            self._mult[np.newaxis, :]
        )
        out = np.empty(self._mult.size)
        out[self._pos] = safe_divide(numerator - neg_placement[0], (n_pos - 1) * n_neg)
        out[self._neg] = safe_divide(numerator - pos_placement[0], n_pos * (n_neg - 1))
        return out

    def influence(self, counts: np.ndarray) -> np.ndarray:
        x = as_counts(counts)
        numerator, n_pos, n_neg, neg_placement, pos_placement = self._auc_parts(x)
        auc = safe_divide(numerator, n_pos * n_neg)[:, np.newaxis]
        n_pos, n_neg = n_pos[:, np.newaxis], n_neg[:, np.newaxis]
        n = n_pos + n_neg
        psi = np.empty_like(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            psi[:, self._pos] = (neg_placement / n_neg - auc) * n / n_pos
            psi[:, self._neg] = (pos_placement / n_pos - auc) * n / n_neg
        # A single-class row has no AUC, hence no influence either.
        psi[np.isnan(auc[:, 0])] = np.nan
        return psi


class _AveragePrecisionKernel(_RankKernel):
    """Average precision, step-wise over distinct thresholds (ties grouped).

    Each positive sample raises recall by ``1 / P`` at the threshold equal to
    its score, where precision counts every sample scored at least as high.

    `loo` is closed-form, ``O(k)``: removing one sample changes the true and
    predicted positive counts by one at, and only at, the thresholds that
    include it, so every leave-one-out value is a prefix sum plus a suffix sum
    of per-cell terms along increasing score.
    """

    def __init__(self, y: np.ndarray, score: np.ndarray, mult: np.ndarray) -> None:
        super().__init__(y, score, mult)
        # Columns of each class's padded cumulative sum that count its samples
        # strictly below the score of each positive cell.
        self._pos_below_pos = np.searchsorted(self._pos_score, self._pos_score, side="left")
        self._neg_below_pos = np.searchsorted(self._neg_score, self._pos_score, side="left")
        # Positive cells scored at most as high as each positive / negative
        # cell, i.e. whose thresholds include a sample of that cell.
        self._pos_upto_pos = np.searchsorted(self._pos_score, self._pos_score, side="right")
        self._pos_upto_neg = np.searchsorted(self._pos_score, self._neg_score, side="right")
        # Distinct positive scores (always so for the engine's cells): the
        # positives below each positive cell are the cumulative sum up to
        # it, a view instead of a gathered copy.
        self._pos_distinct = bool(
            np.array_equal(self._pos_below_pos, np.arange(self._pos_below_pos.size))
        )

    def _positive_counts(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Recall gain, true and predicted positives at each positive cell's score.

        Parameters
        ----------
        x : ndarray of shape (r, k)
            Counts.

        Returns
        -------
        recall_gain, true_pos, predicted_pos : ndarray of shape (r, n_positive_cells)
            Count of the cell, and positives / all samples scored at least as
            high as the cell.
        """
        # Samples scored at least as high as a cell are a suffix sum of its
        # class's counts: integers, equal to total minus prefix, one pass each.
        x_neg, x_pos = self._class_columns(x)
        above_pos, above_neg = padded_suffix_sums(x_pos), padded_suffix_sums(x_neg)
        true_pos = (
            above_pos[:, :-1] if self._pos_distinct else _columns(above_pos, self._pos_below_pos)
        )
        predicted_pos = _columns(above_neg, self._neg_below_pos)  # false positives
        predicted_pos += true_pos
        return x_pos, true_pos, predicted_pos

    def __call__(self, counts: np.ndarray) -> np.ndarray:
        x = _exact_counts(counts)
        recall_gain, true_pos, predicted_pos = self._positive_counts(x)
        # A positive cell with count 0 adds no recall; its precision may be
        # 0 / 0 and must not turn the sum into NaN.  Predicted positives are
        # 0 only where true positives are (they include them), so dividing by
        # max(predicted, 1) gives the 0 of `divide_or_zero` without a mask.
        np.maximum(predicted_pos, 1, out=predicted_pos)
        precision = np.divide(true_pos, predicted_pos, dtype=np.float64)
        precision *= recall_gain
        return safe_divide(row_sum(precision), recall_gain.sum(axis=1))

    def loo(self) -> np.ndarray:
        gain, true_pos, predicted_pos = (
            part[0] for part in self._positive_counts(self._mult[np.newaxis, :])
        )
        n_pos = gain.sum()
        # Terms of positive cells left unchanged by a removal (thresholds
        # above the removed sample) are summed from the top down, terms of
        # the cells whose thresholds include it from the bottom up.
        kept_terms = suffix_sums(gain * divide_or_zero(true_pos, predicted_pos))
        out = np.empty(self._mult.size)
        out[self._neg] = self._loo_negative(gain, true_pos, predicted_pos, kept_terms, n_pos)
        out[self._pos] = self._loo_positive(gain, true_pos, predicted_pos, kept_terms, n_pos)
        return out

    def _loo_negative(
        self,
        gain: np.ndarray,
        true_pos: np.ndarray,
        predicted_pos: np.ndarray,
        kept_terms: np.ndarray,
        n_pos: float,
    ) -> np.ndarray:
        """Average precision without one sample of each negative cell.

        Parameters
        ----------
        gain, true_pos, predicted_pos : ndarray of shape (n_positive_cells,)
            Full-data counts, as returned by `_positive_counts`.
        kept_terms : ndarray of shape (n_positive_cells + 1,)
            ``kept_terms[i]``: full-data sum of ``gain * precision`` over the
            positive cells from index ``i`` on (increasing score).
        n_pos : float
            Number of positives.

        Returns
        -------
        ndarray of shape (n_negative_cells,)
        """
        # The removed negative leaves one predicted positive fewer at every
        # threshold at or below its score. Those thresholds hold it, so their
        # predicted count is >= 2; the zero guard only covers the others.
        shifted = prefix_sums(gain * divide_or_zero(true_pos, predicted_pos - 1.0))
        at_or_below = self._pos_upto_neg
        return safe_divide(shifted[at_or_below] + kept_terms[at_or_below], n_pos)

    def _loo_positive(
        self,
        gain: np.ndarray,
        true_pos: np.ndarray,
        predicted_pos: np.ndarray,
        kept_terms: np.ndarray,
        n_pos: float,
    ) -> np.ndarray:
        """Average precision without one sample of each positive cell.

        Parameters are as for `_loo_negative`.

        Returns
        -------
        ndarray of shape (n_positive_cells,)
        """
        # Thresholds strictly below the removed positive's score hold it, so
        # they lose one true and one predicted positive; their predicted
        # count is >= 2. The zero guard covers a threshold holding a single
        # sample, which is then the removed one (see own_level).
        shifted = prefix_sums(gain * divide_or_zero(true_pos - 1.0, predicted_pos - 1.0))
        below, upto = self._pos_below_pos, self._pos_upto_pos
        # The removed sample's own threshold (all positive cells tied with
        # it) also loses one recall step: (pos - 1)(TP - 1) / (N - 1). When
        # that was its only positive, the threshold has no positives left and
        # contributes nothing, even if N - 1 == 0.
        level_gain = prefix_sums(gain)
        level_gain = level_gain[upto] - level_gain[below] - 1.0
        own_level = level_gain * divide_or_zero(true_pos - 1.0, predicted_pos - 1.0)
        return safe_divide(shifted[below] + own_level + kept_terms[upto], n_pos - 1.0)


class _EceKernel(Kernel):
    """Expected calibration error, ``sum over bins |sum(score) - sum(y)| / n``.

    Bins follow ``sklearn.calibration.calibration_curve``: a sample goes to
    bin ``searchsorted(inner_edges, score)``, so a score equal to an edge falls
    in the lower bin. Bins are contiguous ranges of score-sorted cells, given
    per row by "cut" indices: the number of cells with ``score <= edge``.

    Parameters
    ----------
    y : ndarray of shape (k,), bool
        Label of each cell.
    score : ndarray of shape (k,)
        Score of each cell, in [0, 1].
    mult : ndarray of shape (k,)
        Full-data multiplicity of each cell.
    n_bins : int
        Number of bins.
    """

    def __init__(self, y: np.ndarray, score: np.ndarray, mult: np.ndarray, n_bins: int) -> None:
        super().__init__(mult)
        self._order = np.argsort(score, kind="stable")
        self._sorted_score = score[self._order]
        self._gap = (score - y)[self._order]
        self._n_bins = n_bins

    @abstractmethod
    def _cuts(self, x: np.ndarray) -> np.ndarray:
        """Cut indices of the inner bin edges, shape (r or 1, n_bins - 1)."""

    def _bin_bounds(self, x: np.ndarray) -> np.ndarray:
        """Sorted-cell index range of each bin, shape (r, n_bins + 1).

        Bin ``b`` holds the sorted cells ``bounds[:, b]`` to
        ``bounds[:, b + 1] - 1``.
        """
        r, k = x.shape
        cuts = np.broadcast_to(self._cuts(x), (r, self._n_bins - 1))
        return np.concatenate(
            [np.zeros((r, 1), dtype=np.intp), cuts, np.full((r, 1), k, dtype=np.intp)],
            axis=1,
        )

    def _bin_gaps(self, x: np.ndarray, bounds: np.ndarray) -> np.ndarray:
        """``sum(score) - sum(y)`` per bin, shape (r, n_bins).

        Parameters
        ----------
        x : ndarray of shape (r, k)
            Counts in sorted cell order.
        bounds : ndarray of shape (r, n_bins + 1)
            Bin bounds, as returned by `_bin_bounds`.
        """
        cum_gap = padded_cumsum(x * self._gap)
        return np.diff(np.take_along_axis(cum_gap, bounds, axis=1), axis=1)

    def __call__(self, counts: np.ndarray) -> np.ndarray:
        x = _columns(as_counts(counts), self._order)
        bin_gap = self._bin_gaps(x, self._bin_bounds(x))
        return safe_divide(row_sum(np.abs(bin_gap)), x.sum(axis=1))


class _UniformEceKernel(_EceKernel):
    """ECE with ``n_bins`` equal-width bins on [0, 1].

    `loo` is closed-form, ``O(k + n_bins)``: the bins do not depend on the
    data, so removing one sample only changes the gap of its own bin.
    """

    def __init__(self, y: np.ndarray, score: np.ndarray, mult: np.ndarray, n_bins: int) -> None:
        super().__init__(y, score, mult, n_bins)
        # Edges as in the installed scikit-learn (>= 1.5): linspace(0, 1),
        # without the 1e-8 widening of older releases.
        inner_edges = np.linspace(0.0, 1.0, n_bins + 1)[1:-1]
        self._fixed_cuts = np.searchsorted(self._sorted_score, inner_edges, side="right")

    def _cuts(self, x: np.ndarray) -> np.ndarray:
        return self._fixed_cuts[np.newaxis, :]

    def loo(self) -> np.ndarray:
        x = self._mult[self._order][np.newaxis, :]
        bounds = self._bin_bounds(x)
        bin_gap = self._bin_gaps(x, bounds)[0]
        abs_gap = np.abs(bin_gap)
        # Sum over the other bins, as a prefix plus a suffix rather than the
        # total minus the own bin, which could cancel.
        other_bins = prefix_sums(abs_gap)[:-1] + suffix_sums(abs_gap)[1:]
        # Bins are contiguous runs of sorted cells.
        cell_bin = np.repeat(np.arange(self._n_bins), np.diff(bounds[0]))
        own_bin = np.abs(bin_gap[cell_bin] - self._gap)
        out = np.empty(self._mult.size)
        out[self._order] = safe_divide(other_bins[cell_bin] + own_bin, x.sum() - 1.0)
        return out


class _QuantileEceKernel(_EceKernel):
    """ECE with bin edges at the percentiles of each resample.

    Edges replicate ``np.percentile(s, np.linspace(0, 1, n_bins + 1) * 100)``
    (linear interpolation) bit for bit, so that scores equal to an edge are
    binned exactly as the reference does.

    `loo` is the generic ``O(k^2)`` evaluation: removing one sample may move
    every edge, hence every bin, so there is no closed form as for uniform
    bins.
    """

    def __init__(self, y: np.ndarray, score: np.ndarray, mult: np.ndarray, n_bins: int) -> None:
        super().__init__(y, score, mult, n_bins)
        # Same arithmetic as np.percentile: percent, then divided by 100.
        self._quantiles = (np.linspace(0.0, 1.0, n_bins + 1) * 100 / 100)[1:-1]

    def _cuts(self, x: np.ndarray) -> np.ndarray:
        n = x.sum(axis=1)[:, np.newaxis]
        last = np.maximum(n - 1.0, 0.0)
        position = last * self._quantiles
        below = np.floor(position)
        ranks = np.concatenate([np.minimum(below, last), np.minimum(below + 1.0, last)], axis=1)
        lower, upper = np.split(self._order_statistic(x, ranks), 2, axis=1)
        edges = _lerp(lower, upper, position - below)
        return np.searchsorted(self._sorted_score, edges, side="right")

    def _order_statistic(self, x: np.ndarray, index: np.ndarray) -> np.ndarray:
        """Score of rank `index` (0-based) in each row's expanded sample.

        Parameters
        ----------
        x : ndarray of shape (r, k)
            Counts in sorted cell order.
        index : ndarray of shape (r, m)
            Ranks, float64 holding integers.

        Returns
        -------
        ndarray of shape (r, m)
        """
        cell = order_statistic_cells(x, index)
        return self._sorted_score[cell]


def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Linear interpolation with NumPy's quantile arithmetic (monotone, exact ends)."""
    diff = b - a
    return np.where(t >= 0.5, b - diff * (1 - t), a + diff * t)


def _exact_counts(counts: np.ndarray) -> np.ndarray:
    """Count matrix as C-ordered int64 if it is integer, else as `as_counts`.

    For kernels whose intermediate values are integer counts (cumulative
    counts, pair counts): those are exact in either type, so the result is
    the same bit for bit, but a cumulative sum along rows is ~7x faster in
    int64 than in float64 (no floating-point add latency chain).
    """
    if counts.dtype.kind in "iu":
        return np.ascontiguousarray(counts, dtype=np.int64)
    return as_counts(counts)


def _columns(x: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Columns `index` of `x`, C-ordered (``x[:, index]`` is Fortran-ordered)."""
    return np.take(x, index, axis=1)


class _DebiasedEceKernel(_QuantileEceKernel):
    """Debiased L2 calibration error with equal-mass bins (Kumar, Liang & Ma 2019).

    With ``g = score - y`` and, per bin ``b``, ``n_b`` samples, ``S1 = sum(g)``
    and ``S2 = sum(g**2)``, the squared error is estimated by the bin-weighted
    U-statistic ``sum_b (S1**2 - S2) / ((n_b - 1) * n)``: each bin's
    ``mean(g)**2`` minus its sampling variance ``var(g) / n_b``, which is the
    upward bias of the plug-in (Kumar et al. 2019, sec. 5). It is unbiased for
    ``sum_b P(b) E[g | b]**2`` given the bins; a bin with fewer than two
    samples has no variance estimate and contributes 0. The metric is the
    square root of the estimate floored at 0, in probability units.

    Bins are those of `_QuantileEceKernel` (edges at ``np.percentile`` of each
    resample). `loo` is the generic ``O(k^2)`` evaluation.

    Replicates of a debiased estimator are centred on the plug-in value of
    the data, not on the estimate (the bias it removes reappears in every
    resample), so `replicate_offset` gives the distance the engine subtracts.
    """

    def __call__(self, counts: np.ndarray) -> np.ndarray:
        squared, _ = self._squared_errors(_columns(as_counts(counts), self._order))
        return np.sqrt(np.maximum(squared, 0.0))

    def _squared_errors(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Debiased and plug-in squared L2 errors of each row, shape (r,) each.

        Parameters
        ----------
        x : ndarray of shape (r, k)
            Counts in sorted cell order.
        """
        bounds = self._bin_bounds(x)

        def per_bin(values: np.ndarray) -> np.ndarray:
            return np.diff(np.take_along_axis(padded_cumsum(values), bounds, axis=1), axis=1)

        s1, s2, n_b = per_bin(x * self._gap), per_bin(x * self._gap**2), per_bin(x)
        n = x.sum(axis=1)
        # A bin of one sample (or none) has no variance estimate: it adds 0.
        debiased = np.where(n_b > 1, divide_or_zero(s1**2 - s2, n_b - 1.0), 0.0)
        plug_in = divide_or_zero(s1**2, n_b)
        return safe_divide(row_sum(debiased), n), safe_divide(row_sum(plug_in), n)

    def replicate_offset(self) -> float:
        squared, plug_in = self._squared_errors(self._mult[self._order][np.newaxis, :])
        return float(np.sqrt(plug_in[0]) - np.sqrt(max(squared[0], 0.0)))
