"""Vectorised multiclass metric kernels.

Classes are integer codes ``0 .. C-1`` (the public layer encodes any hashable
labels).  Label metrics work on cells ``(y_j, pred_j)``, at most ``C^2`` of
them: a block of resamples becomes an ``(r, C, C)`` stack of confusion
tables by one product with a cell-to-table indicator (integer sums, exact).
Probability metrics work on cells ``(y_j, proba_j)`` with ``proba_j`` a row of
``C`` probabilities; each is a weighted mean of a per-cell value, except ROC
AUC, built from the binary ROC AUC kernel of ``eval_toolkit._kernels`` per
class (one-vs-rest) or per pair of classes (one-vs-one).  Shapes are given as
``(r, k)`` for count matrices, as in ``eval_toolkit._kernels``.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from ._kernel_utils import (
    Kernel,
    as_counts,
    divide_or_zero,
    ranked_auc,
    row_sum,
    safe_divide,
)
from ._kernels import make_kernel

__all__: list[str] = []

AVERAGES = ("macro", "micro", "weighted")


class ConfusionTableKernel(Kernel):
    """A label metric computed from each row's C x C confusion table.

    Parameters
    ----------
    y, pred : ndarray of shape (k,), int
        True and predicted class code of each cell.
    mult : ndarray of shape (k,)
        Full-data multiplicity of each cell.
    n_classes : int
        Number of classes C.
    metric : {"balanced_accuracy", "precision", "recall", "f1", "matthews_corrcoef", \
"cohen_kappa"}
        The metric (accuracy is a mean of per-cell hits, `label_hits`).
    average : {"macro", "micro", "weighted"}, default="macro"
        Averaging of the per-class precision, recall and F1.
    fixed_labels : bool, default=False
        Average over all C classes, as scikit-learn does when ``labels`` is
        passed; otherwise over the classes present in the row's true or
        predicted labels, as it does by default.

    Notes
    -----
    A per-class precision, recall or F1 whose denominator is 0 counts as 0
    (scikit-learn's ``zero_division=0``; its default also gives 0, with a
    warning).  Cohen's kappa is NaN when its expected disagreement is
    (numerically) 0, as scikit-learn's; Matthews' coefficient is 0 there.
    """

    def __init__(
        self,
        y: np.ndarray,
        pred: np.ndarray,
        mult: np.ndarray,
        n_classes: int,
        metric: str,
        *,
        average: str = "macro",
        fixed_labels: bool = False,
    ) -> None:
        super().__init__(mult)
        c = n_classes
        self._c, self._metric, self._average, self._fixed = c, metric, average, fixed_labels
        self._indicator = np.zeros((y.shape[0], c * c))
        self._indicator[np.arange(y.shape[0]), y.astype(np.intp) * c + pred.astype(np.intp)] = 1.0

    def tables(self, counts: np.ndarray) -> np.ndarray:
        """Confusion tables, shape (r, C, C): ``[i, true, predicted]``."""
        return (as_counts(counts) @ self._indicator).reshape(-1, self._c, self._c)

    def __call__(self, counts: np.ndarray) -> np.ndarray:
        table = self.tables(counts)
        true, predicted = table.sum(axis=2), table.sum(axis=1)
        tp = np.diagonal(table, axis1=1, axis2=2)
        n = true.sum(axis=1)
        if self._metric == "balanced_accuracy":
            return _mean_where(divide_or_zero(tp, true), true > 0)
        if self._metric == "matthews_corrcoef":
            return _matthews(tp.sum(axis=1), n, true, predicted)
        if self._metric == "cohen_kappa":
            return _cohen_kappa(tp.sum(axis=1), n, true, predicted)
        return np.where(n > 0, self._averaged(tp, true, predicted), np.nan)

    def _averaged(self, tp: np.ndarray, true: np.ndarray, predicted: np.ndarray) -> np.ndarray:
        fp, fn = predicted - tp, true - tp
        included = np.ones_like(tp, dtype=bool) if self._fixed else (true + predicted) > 0
        if self._average == "micro":
            tp, fp, fn = (np.where(included, v, 0.0).sum(axis=1) for v in (tp, fp, fn))
        per_class = {
            "precision": lambda: divide_or_zero(tp, tp + fp),
            "recall": lambda: divide_or_zero(tp, tp + fn),
            "f1": lambda: divide_or_zero(2.0 * tp, 2.0 * tp + fp + fn),
        }[self._metric]()
        if self._average == "micro":
            return np.where(true.sum(axis=1) > 0, per_class, np.nan)
        if self._average == "macro":
            return _mean_where(per_class, included)
        support = np.where(included, true, 0.0)
        total = support.sum(axis=1)
        weighted = divide_or_zero(row_sum(per_class * support), total)
        return np.where(true.sum(axis=1) > 0, weighted, np.nan)


def _mean_where(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Row means of ``values`` over ``mask``, NaN for a row with an empty mask."""
    return safe_divide(row_sum(np.where(mask, values, 0.0)), mask.sum(axis=1))


def _matthews(
    correct: np.ndarray, n: np.ndarray, true: np.ndarray, predicted: np.ndarray
) -> np.ndarray:
    """Multiclass Matthews correlation, scikit-learn's formula (Gorodkin 2004)."""
    cov_ytyp = correct * n - row_sum(true * predicted)
    cov_ypyp = n**2 - row_sum(predicted * predicted)
    cov_ytyt = n**2 - row_sum(true * true)
    den = cov_ytyt * cov_ypyp
    with np.errstate(divide="ignore", invalid="ignore"):
        value = cov_ytyp / np.sqrt(den)
    return np.where(n == 0, np.nan, np.where(den == 0, 0.0, value))


def _cohen_kappa(
    correct: np.ndarray, n: np.ndarray, true: np.ndarray, predicted: np.ndarray
) -> np.ndarray:
    """Unweighted Cohen's kappa, ``1 - observed / expected disagreement``."""
    observed = n - correct
    expected = n - safe_divide(row_sum(true * predicted), n)
    undefined = np.isclose(expected, 0.0) | (n == 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(undefined, np.nan, 1.0 - observed / expected)


def log_losses(y: np.ndarray, proba: np.ndarray) -> np.ndarray:
    """Per-cell log loss ``-log(clip(p_y))``, clipped as scikit-learn does.

    Parameters
    ----------
    y : ndarray of shape (k,), int
    proba : ndarray of shape (k, C)
    """
    eps = np.finfo(np.float64).eps
    p_true = np.take_along_axis(proba, y[:, np.newaxis].astype(np.intp), axis=1)[:, 0]
    return -np.log(np.clip(p_true, eps, 1.0 - eps))


def brier_values(y: np.ndarray, proba: np.ndarray) -> np.ndarray:
    """Per-cell multiclass Brier score ``sum_c (1[y = c] - p_c)^2`` (no halving, C >= 3)."""
    onehot = np.zeros_like(proba)
    onehot[np.arange(y.shape[0]), y.astype(np.intp)] = 1.0
    return ((onehot - proba) ** 2).sum(axis=1)


def label_hits(y: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """1.0 where the predicted class is the true one (accuracy's per-cell value)."""
    return (y == pred).astype(np.float64)


def top_k_hits(y: np.ndarray, proba: np.ndarray, k: int) -> np.ndarray:
    """1.0 where the true class is among the k highest scores (scikit-learn's tie order)."""
    ranked = np.argsort(proba, axis=1, kind="mergesort")[:, ::-1][:, :k]
    return (ranked == y[:, np.newaxis]).any(axis=1).astype(np.float64)


def top_label_ece_kernel(y: np.ndarray, proba: np.ndarray, mult: np.ndarray, n_bins: int) -> Kernel:
    """Top-label ECE: binary uniform-bin ECE of (argmax correct, max probability).

    Parameters
    ----------
    y : ndarray of shape (k,), int
    proba : ndarray of shape (k, C)
    mult : ndarray of shape (k,)
    n_bins : int
    """
    correct = np.argmax(proba, axis=1) == y
    return make_kernel("ece", correct, proba.max(axis=1), mult, n_bins=n_bins)


#: Rows of counts the one-vs-rest kernel evaluates at once.  Its C passes over
#: a piece then run from cache: with 64 rows of 10,000 cells (5 MiB of counts)
#: each class pass went to memory, and pieces of 16 rows were ~3x faster
#: (benchmarks/bench_tasks.py).  Rows are independent: never changes a value.
_OVR_ROWS = 16


class OneVsRestAucKernel(Kernel):
    """ROC AUC one-vs-rest: class c's scores rank class c against the others.

    A row lacking some class is NaN for the macro average (scikit-learn
    cannot rank an absent class); the weighted average gives it weight 0, as
    scikit-learn does.  ``stratify=True`` keeps every class.

    Each class's AUC is the binary kernel's (ties count 1/2, DeLong
    placements), computed in int64: counts, cumulative counts and the pair
    count are integers, so the result equals the float64 binary kernel bit
    for bit (every term is exact there too, below 2**53) while integer
    cumulative sums run several times faster.

    Parameters
    ----------
    y : ndarray of shape (k,), int
    proba : ndarray of shape (k, C)
    mult : ndarray of shape (k,)
    average : {"macro", "weighted"}
        Plain mean over classes, or weighted by each class's count in the row.
    """

    def __init__(self, y: np.ndarray, proba: np.ndarray, mult: np.ndarray, average: str) -> None:
        super().__init__(mult)
        self._classes = [_ranked(y == c, proba[:, c]) for c in range(proba.shape[1])]
        self._weighted = average == "weighted"

    def __call__(self, counts: np.ndarray) -> np.ndarray:
        # Counts are integers (float64 ones from the jackknife, exactly).
        x = np.asarray(counts).astype(np.int64, copy=False)
        out = np.empty(x.shape[0])
        for start in range(0, x.shape[0], _OVR_ROWS):
            rows = slice(start, start + _OVR_ROWS)
            out[rows] = self._average(x[rows])
        return out

    def _average(self, x: np.ndarray) -> np.ndarray:
        parts = [_class_auc(x, *ranked) for ranked in self._classes]
        auc = np.column_stack([a for a, _ in parts])
        if not self._weighted:
            return auc.mean(axis=1)
        support = np.column_stack([n_pos for _, n_pos in parts])
        # An absent class has weight 0 and drops out, as in scikit-learn.
        weighted = row_sum(np.where(support > 0, auc * support, 0.0))
        return safe_divide(weighted, support.sum(axis=1))


def _ranked(is_pos: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, ...]:
    """Cells of one binary ranking: positives, negatives in score order, and for each
    positive the number of negative cells below / at or below its score."""
    pos, neg = np.flatnonzero(is_pos), np.flatnonzero(~is_pos)
    neg = neg[np.argsort(score[neg], kind="stable")]
    below = np.searchsorted(score[neg], score[pos], side="left")
    upto = np.searchsorted(score[neg], score[pos], side="right")
    return pos, neg, below, upto


def _class_auc(
    x: np.ndarray, pos: np.ndarray, neg: np.ndarray, below: np.ndarray, upto: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(AUC, number of positives) per row of int64 counts ``x`` (r, k), as float64."""
    auc, n_pos = ranked_auc(np.take(x, pos, axis=1), np.take(x, neg, axis=1), below, upto)
    return auc, n_pos.astype(np.float64)


class OneVsOneAucKernel(Kernel):
    """ROC AUC one-vs-one (Hand & Till 2001), as scikit-learn averages it.

    For each pair (a, b), the mean of AUC(a vs b by score a) and AUC(b vs a
    by score b) over the samples of classes a and b; pairs are averaged
    uniformly (``"macro"``) or weighted by their share of samples.  Only pairs
    of classes present in the row count, as scikit-learn pairs the classes of
    ``y_true`` (with ``labels`` given).

    Parameters
    ----------
    y : ndarray of shape (k,), int
    proba : ndarray of shape (k, C)
    mult : ndarray of shape (k,)
    average : {"macro", "weighted"}
    """

    def __init__(self, y: np.ndarray, proba: np.ndarray, mult: np.ndarray, average: str) -> None:
        super().__init__(mult)
        self._pairs = []
        for a, b in combinations(range(proba.shape[1]), 2):
            cells = np.flatnonzero((y == a) | (y == b))
            is_a = y[cells] == a
            self._pairs.append((
                cells,
                is_a,
                make_kernel("roc_auc", is_a, proba[cells, a], mult[cells]),
                make_kernel("roc_auc", ~is_a, proba[cells, b], mult[cells]),
            ))
        self._weighted = average == "weighted"

    def __call__(self, counts: np.ndarray) -> np.ndarray:
        x = as_counts(counts)
        scores, shares, present = [], [], []
        for cells, is_a, kernel_a, kernel_b in self._pairs:
            sub = np.take(x, cells, axis=1)
            n_a = row_sum(np.where(is_a, sub, 0.0))
            n_ab = sub.sum(axis=1)
            with np.errstate(invalid="ignore"):
                scores.append((kernel_a(sub) + kernel_b(sub)) / 2)
            shares.append(n_ab)
            present.append((n_a > 0) & (n_ab > n_a))
        score, share, both = (np.column_stack(v) for v in (scores, shares, present))
        # Pairs of classes present in the row, as scikit-learn pairs the
        # classes of y_true; a row with fewer than two classes is NaN.
        weight = np.where(both, share if self._weighted else 1.0, 0.0)
        return safe_divide(row_sum(np.where(both, score, 0.0) * weight), weight.sum(axis=1))
