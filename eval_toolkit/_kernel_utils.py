"""The count-kernel interface and the array helpers every kernel module shares.

A kernel evaluates one metric on every row of an ``(r, k)`` matrix of
bootstrap counts over ``k`` cells (see ``eval_toolkit._kernels``).  The binary
(``_kernels``), multiclass (``_kernels_multiclass``) and regression
(``_kernels_regression``) kernel modules build on :class:`Kernel`,
:class:`MeanKernel` and the helpers here, which keep row results
bit-identical whatever the block: each row is reduced on its own, in one
fixed order.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from ._fast_path import compiled as compiled_kernels

__all__ = [
    "LOO_CHUNK_ENTRIES",
    "Kernel",
    "MeanKernel",
    "as_counts",
    "cumsum_rows",
    "divide_or_zero",
    "order_statistic_cells",
    "padded_cumsum",
    "padded_suffix_sums",
    "prefix_sums",
    "ranked_auc",
    "row_sum",
    "safe_divide",
    "suffix_sums",
]

#: Largest number of count-matrix entries evaluated at once by the generic
#: leave-one-out fallback, to bound its memory.
LOO_CHUNK_ENTRIES = 2**22


class Kernel(ABC):
    """Metric evaluated on count vectors over a fixed set of cells.

    Parameters
    ----------
    mult : ndarray of shape (k,), float64
        Full-data multiplicity of each cell.
    """

    def __init__(self, mult: np.ndarray) -> None:
        self._mult = mult

    @abstractmethod
    def __call__(self, counts: np.ndarray) -> np.ndarray:
        """Evaluate the metric on each row of a count matrix.

        Parameters
        ----------
        counts : ndarray of shape (r, k)
            Non-negative integer counts (int64, or float64 holding integers),
            columns in the cell order given to the constructor.

        Returns
        -------
        ndarray of shape (r,), float64
            Metric per row, NaN where undefined.
        """

    def point(self) -> float:
        """Metric on the full data.

        Returns
        -------
        float
        """
        return float(self(self._mult[np.newaxis, :])[0])

    def loo(self) -> np.ndarray:
        """Leave-one-out (jackknife) values.

        Returns
        -------
        ndarray of shape (k,), float64
            Entry ``j`` is the metric on the full data with one sample of cell
            ``j`` removed.
        """
        k = self._mult.size
        out = np.empty(k)
        chunk = max(1, LOO_CHUNK_ENTRIES // k)
        for start in range(0, k, chunk):
            cells = np.arange(start, min(start + chunk, k))
            rows = np.repeat(self._mult[np.newaxis, :], cells.size, axis=0)
            rows[np.arange(cells.size), cells] -= 1
            out[cells] = self(rows)
        return out

    def replicate_offset(self) -> float:
        """How far the bootstrap replicates' centre lies above `point`.

        0 for plug-in metrics, whose replicates centre on the estimate. A
        debiased estimator is unbiased in the bootstrap world for the plug-in
        value of the data, so its replicates centre there; the engine
        subtracts this offset so that ``replicate - estimate`` mimics
        ``estimate - population value`` (Efron & Tibshirani 1993, ch. 10).

        Returns
        -------
        float
        """
        return 0.0

    def influence(self, counts: np.ndarray) -> np.ndarray | None:
        """Empirical influence values for the infinitesimal jackknife.

        With ``psi = influence(counts)`` and row totals ``n``, the standard
        error of row ``i`` is
        ``sqrt(sum_j counts[i, j] * psi[i, j]**2) / n[i]``.

        Parameters
        ----------
        counts : ndarray of shape (r, k)
            Count matrix, as for `__call__`.

        Returns
        -------
        ndarray of shape (r, k), float64, or None
            Influence of one sample of each cell on each row, or None when the
            metric has no influence function here.
        """
        return None


class MeanKernel(Kernel):
    """Metric that is the mean of a per-sample value (accuracy, brier, log_loss).

    Parameters
    ----------
    values : ndarray of shape (k,)
        Per-sample value of each cell.
    mult : ndarray of shape (k,)
        Full-data multiplicity of each cell.
    """

    def __init__(self, values: np.ndarray, mult: np.ndarray) -> None:
        super().__init__(mult)
        self._values = values

    def __call__(self, counts: np.ndarray) -> np.ndarray:
        x = as_counts(counts)
        # Not a matrix product: BLAS may sum a block differently from a row.
        return safe_divide(row_sum(x * self._values), x.sum(axis=1))

    def loo(self) -> np.ndarray:
        # The other cells as a prefix plus a suffix sum, not the total minus
        # the own cell: values of very different size would cancel.
        weighted = self._mult * self._values
        others = prefix_sums(weighted)[:-1] + suffix_sums(weighted)[1:]
        remaining = others + (self._mult - 1.0) * self._values
        return safe_divide(remaining, self._mult.sum() - 1.0)

    def influence(self, counts: np.ndarray) -> np.ndarray:
        return self._values - self(counts)[:, np.newaxis]


def as_counts(counts: np.ndarray) -> np.ndarray:
    """Count matrix as C-ordered float64 (integer counts are exact)."""
    return np.ascontiguousarray(counts, dtype=np.float64)


def row_sum(x: np.ndarray) -> np.ndarray:
    """Sum along rows, bit-identical whatever the other rows and the layout.

    NumPy sums each row of a C-ordered array pairwise, as it would a single
    row; on other layouts it may accumulate across rows in another order.
    """
    return np.ascontiguousarray(x).sum(axis=1)


def prefix_sums(v: np.ndarray) -> np.ndarray:
    """Sums of the first ``i`` entries of a vector, for ``i = 0 .. len(v)`` (float64).

    `padded_cumsum` of the vector as one row.
    """
    return padded_cumsum(np.asarray(v, dtype=np.float64)[np.newaxis])[0]


def suffix_sums(v: np.ndarray) -> np.ndarray:
    """Sums of the entries from ``i`` on, for ``i = 0 .. len(v)`` (float64).

    Accumulated from the end rather than as ``total - prefix``, so that a
    small suffix is not the difference of two large sums: `padded_suffix_sums`
    of the vector as one row.
    """
    return padded_suffix_sums(np.asarray(v, dtype=np.float64)[np.newaxis])[0]


def divide_or_zero(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den``, 0 where ``den == 0`` (an empty threshold or bin term, or
    scikit-learn's ``zero_division=0``)."""
    return np.divide(num, den, out=np.zeros(np.broadcast(num, den).shape), where=den != 0)


def safe_divide(num: np.ndarray, den: np.ndarray | float) -> np.ndarray:
    """``num / den``, NaN where ``den == 0`` (metric undefined)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = num / den
    return np.where(den == 0, np.nan, ratio)


def padded_cumsum(x: np.ndarray) -> np.ndarray:
    """Cumulative sum along rows with a leading zero column, shape (r, k + 1).

    int64 for int64 ``x``, else float64.
    """
    dtype = np.int64 if x.dtype == np.int64 else np.float64
    out = np.zeros((x.shape[0], x.shape[1] + 1), dtype=dtype)
    cumsum_rows(x, out[:, 1:])
    return out


def padded_suffix_sums(x: np.ndarray) -> np.ndarray:
    """Sums along rows from each column on, with a trailing zero column, shape (r, k + 1).

    int64 for int64 ``x``, else float64.
    """
    dtype = np.int64 if x.dtype == np.int64 else np.float64
    out = np.zeros((x.shape[0], x.shape[1] + 1), dtype=dtype)
    cumsum_rows(x[:, ::-1], out[:, -2::-1])
    return out


def cumsum_rows(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``np.cumsum(x, axis=1, out=out)``; compiled for large arrays (same values)."""
    fast = compiled_kernels(x.size)
    if fast is not None and x.dtype == out.dtype:
        fast.cumsum_rows(x, out)
    else:
        np.cumsum(x, axis=1, out=out)
    return out


def order_statistic_cells(x: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """Cell holding the sample of each rank (0-based) in each row's expanded sample.

    Parameters
    ----------
    x : ndarray of shape (r, k)
        Counts, cells in sorted value order.
    ranks : ndarray of shape (r, m)
        Ranks, float64 holding integers.

    Returns
    -------
    ndarray of shape (r, m), int
        Cell indices; rows without samples (whose metric is NaN) get some cell.
    """
    r, k = x.shape
    # One searchsorted over all rows: shifting row i by i * stride keeps the
    # concatenated cumulative counts sorted and the rows apart.
    stride = x.sum(axis=1).max() + 1.0
    shift = (np.arange(r) * stride)[:, np.newaxis]
    cum = cumsum_rows(x, np.empty(x.shape, dtype=x.dtype)) + shift
    flat = np.searchsorted(cum.ravel(), ranks + shift, side="right")
    return np.clip(flat - (np.arange(r) * k)[:, np.newaxis], 0, k - 1)


def ranked_auc(
    x_pos: np.ndarray, x_neg: np.ndarray, below: np.ndarray, upto: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """ROC AUC (ties 1/2) and positives per row, from counts of one binary ranking.

    Parameters
    ----------
    x_pos : ndarray of shape (r, p)
        Counts of the positive cells.
    x_neg : ndarray of shape (r, q)
        Counts of the negative cells, in increasing score order.
    below, upto : ndarray of shape (p,)
        Negative cells scored below / at or below each positive cell.

    Returns
    -------
    auc, n_pos : ndarray of shape (r,)
    """
    cum_neg = padded_cumsum(x_neg)
    # Twice the placements, halved after the sum: every term is an integer,
    # so the sum is exact (in int64, or in float64 below 2**53) in any order
    # and equals the sum of the halved placements bit for bit.
    twice = np.take(cum_neg, below, axis=1)
    twice += np.take(cum_neg, upto, axis=1)
    numerator = 0.5 * np.einsum("ij,ij->i", x_pos, twice)
    n_pos = x_pos.sum(axis=1)
    return safe_divide(numerator, n_pos * cum_neg[:, -1]), n_pos
