"""Vectorised regression metric kernels.

Cells are distinct ``(y_true_j, y_pred_j)`` pairs with multiplicities, as in
``eval_toolkit._kernels``; a block of resamples is an ``(r, k)`` count matrix.
Mean-type metrics (MAE, MSE, RMSE, MAPE, pinball loss) are a weighted mean of
a per-cell value, one row sum per resample.  R^2 and explained variance are
ratios of such sums.  The median absolute error and D^2 absolute error need a
median per resample, found by one vectorised search in cumulative counts
(``O(k)`` per resample).  Kernels trust their input; a row with no samples is
NaN, like a metric scikit-learn cannot compute.
"""

from __future__ import annotations

import numpy as np

from ._kernel_utils import (
    Kernel,
    MeanKernel,
    as_counts,
    order_statistic_cells,
    row_sum,
    safe_divide,
)

__all__: list[str] = []


def absolute_errors(y: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """``|pred - y|`` per cell, as scikit-learn computes it."""
    return np.abs(pred - y)


def squared_errors(y: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """``(y - pred)**2`` per cell."""
    return (y - pred) ** 2


def absolute_percentage_errors(y: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """``|pred - y| / max(|y|, eps)`` per cell (scikit-learn's guard against y = 0)."""
    return np.abs(pred - y) / np.maximum(np.abs(y), np.finfo(np.float64).eps)


def pinball_losses(y: np.ndarray, pred: np.ndarray, alpha: float) -> np.ndarray:
    """Pinball (quantile) loss per cell, with scikit-learn's arithmetic."""
    diff = y - pred
    sign = (diff >= 0).astype(np.float64)
    return alpha * sign * diff - (1 - alpha) * (1 - sign) * diff


class RootMeanSquaredErrorKernel(MeanKernel):
    """RMSE: the square root of the mean squared error.

    Parameters
    ----------
    y, pred : ndarray of shape (k,)
        Target and prediction of each cell.
    mult : ndarray of shape (k,)
        Full-data multiplicity of each cell.
    """

    def __init__(self, y: np.ndarray, pred: np.ndarray, mult: np.ndarray) -> None:
        super().__init__(squared_errors(y, pred), mult)

    def __call__(self, counts: np.ndarray) -> np.ndarray:
        return np.sqrt(super().__call__(counts))

    def loo(self) -> np.ndarray:
        return np.sqrt(super().loo())

    def influence(self, counts: np.ndarray) -> np.ndarray:
        # Delta method: d sqrt(m) = dm / (2 sqrt(m)).
        mse = super().__call__(counts)[:, np.newaxis]
        with np.errstate(divide="ignore", invalid="ignore"):
            return (self._values - mse) / (2.0 * np.sqrt(mse))


class _DevianceRatioKernel(Kernel):
    """``1 - numerator / denominator`` with scikit-learn's ``force_finite`` rules.

    A zero numerator gives 1 (perfect predictions, even on a constant
    target); a non-zero numerator over a zero denominator gives 0.  Whether
    the denominator is zero is decided exactly: the resample's targets are
    all equal.  A resample of fewer than ``_min_samples`` samples is NaN
    (scikit-learn warns and returns NaN for R^2 on one sample).

    Parameters
    ----------
    y, pred : ndarray of shape (k,)
        Target and prediction of each cell.
    mult : ndarray of shape (k,)
        Full-data multiplicity of each cell.
    """

    _min_samples = 1

    def __init__(self, y: np.ndarray, pred: np.ndarray, mult: np.ndarray) -> None:
        super().__init__(mult)
        self._y, self._pred = y, pred

    @staticmethod
    def _constant(x: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Whether each row's samples share one value, shape (r,)."""
        present = x > 0
        low = np.where(present, values, np.inf).min(axis=1)
        high = np.where(present, values, -np.inf).max(axis=1)
        return low == high

    def _centred_sum_of_squares(self, x: np.ndarray, v: np.ndarray) -> np.ndarray:
        """``sum(c (v - mean_row(v))^2)`` per row, in two passes as scikit-learn does.

        One pass (``sum(c v^2) - n mean^2``) would lose small variances of
        large values; the second pass costs one more ``(r, k)`` product.
        """
        mean = safe_divide(row_sum(x * v), x.sum(axis=1))
        dev = v[np.newaxis, :] - mean[:, np.newaxis]
        return row_sum(x * dev * dev)

    def _assemble(self, x: np.ndarray, num: np.ndarray, den: np.ndarray) -> np.ndarray:
        den = np.where(self._constant(x, self._y), 0.0, den)
        return self._force_finite(num, den, x.sum(axis=1))

    def _force_finite(self, num: np.ndarray, den: np.ndarray, n: np.ndarray) -> np.ndarray:
        ratio = np.divide(num, den, out=np.zeros_like(num), where=den != 0)
        score = np.where(num == 0, 1.0, np.where(den == 0, 0.0, 1.0 - ratio))
        return np.where(n < self._min_samples, np.nan, score)


class R2Kernel(_DevianceRatioKernel):
    """Coefficient of determination ``1 - SSE / SST``.

    `loo` is closed-form, ``O(k)``: removing sample i lowers SSE by ``e_i^2``
    and SST by ``n / (n - 1) (y_i - mean)^2``.  Influence values follow from
    the ratio's delta method.
    """

    _min_samples = 2

    def __init__(self, y: np.ndarray, pred: np.ndarray, mult: np.ndarray) -> None:
        super().__init__(y, pred, mult)
        self._sq = squared_errors(y, pred)

    def __call__(self, counts: np.ndarray) -> np.ndarray:
        x = as_counts(counts)
        sse = row_sum(x * self._sq)
        return self._assemble(x, sse, self._centred_sum_of_squares(x, self._y))

    def loo(self) -> np.ndarray:
        m = self._mult
        n = m.sum()
        dev = self._y - np.average(self._y, weights=m)
        sse = (m * self._sq).sum()
        sst = (m * dev * dev).sum()
        sse_loo = sse - self._sq
        sst_loo = sst - safe_divide(n * dev * dev, n - 1.0)
        # Zero numerator and constant targets are decided exactly, by counts:
        # samples with an error, and distinct targets left after the removal.
        errors_left = (m * (self._sq != 0)).sum() - (self._sq != 0)
        _, level, level_count = np.unique(self._y, return_inverse=True, return_counts=True)
        level_total = np.bincount(level.ravel(), weights=m)
        levels_left = level_count.shape[0] - (level_total[level.ravel()] == 1)
        loo = self._force_finite(
            np.where(errors_left == 0, 0.0, sse_loo),
            np.where(levels_left <= 1, 0.0, sst_loo),
            np.full(m.shape, n - 1.0),
        )
        # Deleting a sample that carries over half of SSE or SST leaves a
        # difference made mostly of rounding error (it can even round to 0
        # while errors remain).  At most one cell per sum can do that, so
        # those deletions are evaluated exactly, by the kernel: still O(k).
        ill = ((sse_loo < 0.5 * sse) & (errors_left > 0)) | (
            (sst_loo < 0.5 * sst) & (levels_left > 1)
        )
        rows = np.flatnonzero(ill)
        if rows.size:
            deleted = np.tile(m, (rows.size, 1))
            deleted[np.arange(rows.size), rows] -= 1
            loo[rows] = self(deleted)
        return loo

    def influence(self, counts: np.ndarray) -> np.ndarray:
        x = as_counts(counts)
        n = x.sum(axis=1)[:, np.newaxis]
        mse = row_sum(x * self._sq)[:, np.newaxis] / n
        mean = row_sum(x * self._y)[:, np.newaxis] / n
        var = self._centred_sum_of_squares(x, self._y)[:, np.newaxis] / n
        dev2 = (self._y - mean) ** 2
        # R2 = 1 - mse / var:  dR2 = -(dmse - (mse / var) dvar) / var.
        with np.errstate(divide="ignore", invalid="ignore"):
            return -((self._sq - mse) - (mse / var) * (dev2 - var)) / var


class ExplainedVarianceKernel(_DevianceRatioKernel):
    """Explained variance ``1 - Var(y - pred) / Var(y)``."""

    def __init__(self, y: np.ndarray, pred: np.ndarray, mult: np.ndarray) -> None:
        super().__init__(y, pred, mult)
        self._residual = y - pred

    def __call__(self, counts: np.ndarray) -> np.ndarray:
        x = as_counts(counts)
        # A constant residual has exactly zero variance (perfect up to a shift).
        num = np.where(self._constant(x, self._residual), 0.0,
                       self._centred_sum_of_squares(x, self._residual))
        return self._assemble(x, num, self._centred_sum_of_squares(x, self._y))


def _row_medians(x: np.ndarray, sorted_values: np.ndarray) -> np.ndarray:
    """Median of each row's expanded sample, as ``np.median`` computes it.

    Parameters
    ----------
    x : ndarray of shape (r, k)
        Counts, columns in increasing order of `sorted_values`.
    sorted_values : ndarray of shape (k,)
        Non-decreasing cell values.

    Returns
    -------
    ndarray of shape (r,)
        Mean of the two middle order statistics (the middle one for odd n).
    """
    n = x.sum(axis=1)
    ranks = np.stack([np.floor((n - 1) / 2), np.ceil((n - 1) / 2)], axis=1)
    cell = order_statistic_cells(x, ranks)
    lower, upper = sorted_values[cell].T
    return np.where(n > 0, (lower + upper) / 2, np.nan)


class MedianAbsoluteErrorKernel(Kernel):
    """Median of ``|y - pred|`` per resample.

    Parameters
    ----------
    y, pred : ndarray of shape (k,)
        Target and prediction of each cell.
    mult : ndarray of shape (k,)
        Full-data multiplicity of each cell.
    """

    def __init__(self, y: np.ndarray, pred: np.ndarray, mult: np.ndarray) -> None:
        super().__init__(mult)
        errors = absolute_errors(y, pred)
        self._order = np.argsort(errors, kind="stable")
        self._sorted = errors[self._order]

    def __call__(self, counts: np.ndarray) -> np.ndarray:
        x = np.take(as_counts(counts), self._order, axis=1)
        return _row_medians(x, self._sorted)


class D2AbsoluteErrorKernel(Kernel):
    """D^2 absolute error: ``1 - sum|y - pred| / sum|y - median(y)|``.

    The median of the resample's targets is recomputed on every resample
    (it is part of the baseline model), with scikit-learn's ``force_finite``
    rules for zero numerators and denominators; NaN on fewer than two samples.

    Parameters
    ----------
    y, pred : ndarray of shape (k,)
        Target and prediction of each cell.
    mult : ndarray of shape (k,)
        Full-data multiplicity of each cell.
    """

    def __init__(self, y: np.ndarray, pred: np.ndarray, mult: np.ndarray) -> None:
        super().__init__(mult)
        self._y = y
        self._abs = absolute_errors(y, pred)
        self._order = np.argsort(y, kind="stable")

    def __call__(self, counts: np.ndarray) -> np.ndarray:
        x = as_counts(counts)
        median = _row_medians(np.take(x, self._order, axis=1), self._y[self._order])
        num = row_sum(x * self._abs)
        den = row_sum(x * np.abs(self._y[np.newaxis, :] - median[:, np.newaxis]))
        score = np.where(num == 0, 1.0, np.where(den == 0, 0.0, 1.0 - safe_divide(num, den)))
        # scikit-learn: not defined on fewer than two samples.
        return np.where(x.sum(axis=1) >= 2, score, np.nan)


# ---- evaluation on resampled indices -----------------------------------------------------------
#
# With continuous targets nearly every sample is its own cell, so a count
# matrix costs a bincount and an (r, n) product per resample.  Gathering
# per-sample values at the drawn indices costs one pass of n per value: these
# evaluators take an (r, n) index matrix and return (r,) metric values, with
# the same arithmetic rules as the count kernels above.


class MeanOfSamples:
    """Mean of a per-sample value (MAE, MSE, MAPE, pinball loss), or its root (RMSE).

    Parameters
    ----------
    values : ndarray of shape (n,)
        Per-sample value, in the caller's row order.
    root : bool, default=False
        Take the square root of the mean (RMSE).
    """

    def __init__(self, values: np.ndarray, *, root: bool = False) -> None:
        self._values, self._root = values, root

    def __call__(self, idx: np.ndarray) -> np.ndarray:
        """Metric of each row of sample indices, idx of shape (r, n) -> (r,)."""
        mean = np.take(self._values, idx).sum(axis=1) / idx.shape[1]
        return np.sqrt(mean) if self._root else mean


class R2OfSamples:
    """R^2 of resampled rows: two-pass SST and the force_finite rules of `R2Kernel`.

    A row of constant targets has SST 0 (decided exactly, as in `R2Kernel`).
    Its computed SST is only rounding residue: the mean of n copies of ``c``
    is within ``n * eps * |c|`` of ``c`` in any summation order, so the SST
    stays below ``residue = 4 n (n eps max|y|)**2``.  Only rows with SST at or
    below ``residue`` can be constant, and only those are checked exactly
    with min/max (two passes over every other row saved).  Near underflow the
    bound is not trusted and every row is checked.

    Parameters
    ----------
    y, pred : ndarray of shape (n,)
        Targets and predictions, in the caller's row order.
    """

    def __init__(self, y: np.ndarray, pred: np.ndarray) -> None:
        self._y, self._sq = y, squared_errors(y, pred)
        n, scale = y.shape[0], float(np.max(np.abs(y), initial=0.0))
        residue = 4.0 * n * (n * np.finfo(np.float64).eps * scale) ** 2
        self._residue = residue if residue > 1e-290 else np.inf

    def __call__(self, idx: np.ndarray) -> np.ndarray:
        """Metric of each row of sample indices, idx of shape (r, n) -> (r,)."""
        dev = np.take(self._y, idx)
        mean = dev.sum(axis=1) / idx.shape[1]
        np.subtract(dev, mean[:, np.newaxis], out=dev)
        np.multiply(dev, dev, out=dev)
        sst = dev.sum(axis=1)
        sse = np.take(self._sq, idx).sum(axis=1)
        suspect = np.flatnonzero(sst <= self._residue)
        if suspect.size:
            y = np.take(self._y, idx[suspect])
            sst[suspect] = np.where(y.min(axis=1) == y.max(axis=1), 0.0, sst[suspect])
        ratio = np.divide(sse, sst, out=np.zeros_like(sse), where=sst != 0)
        score = np.where(sse == 0, 1.0, np.where(sst == 0, 0.0, 1.0 - ratio))
        return np.where(idx.shape[1] < 2, np.nan, score)


def gather_evaluator(kind: str, y: np.ndarray, pred: np.ndarray, **options) -> object:
    """The index-path evaluator of a regression metric kernel family (see metrics.py)."""
    if kind == "R2Kernel":
        return R2OfSamples(y, pred)
    if kind == "RootMeanSquaredErrorKernel":
        return MeanOfSamples(squared_errors(y, pred), root=True)
    if kind == "pinball":
        return MeanOfSamples(pinball_losses(y, pred, options["alpha"]))
    return MeanOfSamples(globals()[kind](y, pred))
