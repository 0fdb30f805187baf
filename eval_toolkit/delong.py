"""DeLong's test for the difference of two correlated ROC AUCs.

The analytic companion of the paired bootstrap: both models are scored on the
same samples, so their AUCs are correlated, and DeLong's structural components
estimate the variance of the difference without resampling [1]_.  The
components come from one sort per model, in O(n log n), as in Sun & Xu [2]_.

References
----------
.. [1] E. R. DeLong, D. M. DeLong and D. L. Clarke-Pearson, "Comparing the
   areas under two or more correlated receiver operating characteristic
   curves: a nonparametric approach", Biometrics 44(3), 837-845, 1988.
.. [2] X. Sun and W. Xu, "Fast implementation of DeLong's algorithm for
   comparing the areas under correlated receiver operating characteristic
   curves", IEEE Signal Processing Letters 21(11), 1389-1393, 2014.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import norm

from ._results import _ToDict
from ._validation import check_labels, check_open_unit, check_scores, param_error

__all__ = ["DeLongResult", "delong_test"]

_FUNC = "delong_test"


@dataclass(frozen=True)
class DeLongResult(_ToDict):
    """Result of :func:`delong_test`.

    ``to_dict()`` returns the fields as plain Python numbers; ``str()`` gives a
    one-line summary.

    Attributes
    ----------
    auc_a, auc_b : float
        ROC AUC of model A and of model B.
    delta : float
        ``auc_b - auc_a``.
    std_error : float
        DeLong standard error of ``delta``.
    z : float
        ``delta / std_error`` (0 when both are 0, see :func:`delong_test`).
    p_value : float
        Two-sided p-value of ``z`` under the standard normal.
    ci_low, ci_high : float
        Normal confidence interval for ``delta`` at level ``confidence``.
    confidence : float
        Confidence level of the interval.
    n_positive, n_negative : int
        Number of positive and negative samples.
    """

    auc_a: float
    auc_b: float
    delta: float
    std_error: float
    z: float
    p_value: float
    ci_low: float
    ci_high: float
    confidence: float
    n_positive: int
    n_negative: int

    def __str__(self) -> str:
        p = f"{self.p_value:.3f}" if self.p_value >= 1e-3 else f"{self.p_value:.1e}"
        return (
            f"B - A roc_auc = {self.delta:+.3f} [{self.ci_low:.3f}, {self.ci_high:.3f}], "
            f"z = {self.z:.2f}, p = {p} (DeLong, {100 * self.confidence:g}% CI)"
        )


def _delong_test_iv(
    y_true: Any, y_score_a: Any, y_score_b: Any, confidence: Any, pos_label: Any
) -> tuple[np.ndarray, np.ndarray, float]:
    """Validate the inputs; return (positive mask, 2 x n scores, confidence)."""
    positive = check_labels(y_true, _FUNC, pos_label=pos_label)
    n = positive.shape[0]
    scores = np.stack(
        [
            check_scores(y_score_a, _FUNC, param="y_score_a", n=n),
            check_scores(y_score_b, _FUNC, param="y_score_b", n=n),
        ]
    )
    confidence = check_open_unit(confidence, _FUNC, "confidence")
    m = int(positive.sum())
    # the structural components' covariances divide by m - 1 and n - 1, see [1]
    if m < 2 or n - m < 2:
        raise ValueError(
            param_error(
                _FUNC,
                "y_true",
                "contain both classes, with at least 2 samples of each",
                f"{m} positive and {n - m} negative samples",
            )
        )
    return positive, scores, confidence


def _placements(positive: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return DeLong's placement values for each row (model) of ``scores``.

    ``V10[k, i]`` is the fraction of negatives that positive ``i`` outranks
    under model ``k`` (ties count 1/2); ``V01[k, j]`` is the fraction of
    positives that outrank negative ``j``, see [1].  Sun & Xu [2] get them as
    differences of midranks (over all samples minus within the class); one
    argsort per model yields the same counts directly, ~2.5x faster than
    three ``rankdata`` calls.
    """
    m = int(positive.sum())
    placement = np.empty(scores.shape)
    for k, s in enumerate(scores):  # one pass per model, vectorised over samples
        order = np.argsort(s)
        placement[k, order] = _sorted_placements(s[order], positive[order], m)
    return placement[:, positive], placement[:, ~positive]


def _sorted_placements(s: np.ndarray, positive: np.ndarray, m: int) -> np.ndarray:
    """Placement value of each sample, for ascending scores ``s``.

    A run of equal scores is a tie group; a sample counts the other class
    strictly below its group plus half of it inside the group.
    """
    n = s.size - m
    first = np.empty(s.size, dtype=bool)
    first[0] = True
    np.not_equal(s[1:], s[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    pos_in = np.add.reduceat(positive, starts, dtype=np.int64)
    neg_in = np.diff(np.append(starts, s.size)) - pos_in
    v10 = (np.cumsum(neg_in) - 0.5 * neg_in) / n
    v01 = 1.0 - (np.cumsum(pos_in) - 0.5 * pos_in) / m
    group = np.cumsum(first) - 1
    return np.where(positive, v10[group], v01[group])


def _delta_variance(v10: np.ndarray, v01: np.ndarray) -> float:
    """Return DeLong's variance of ``auc_b - auc_a`` from the placement values.

    Uses var(V_b - V_a) rather than S[0, 0] + S[1, 1] - 2 S[0, 1]: the same
    value, but exactly 0 when the two rows agree and free of cancellation when
    the models are highly correlated.
    """
    var10 = np.var(v10[1] - v10[0], ddof=1) / v10.shape[1]
    var01 = np.var(v01[1] - v01[0], ddof=1) / v01.shape[1]
    return float(var10 + var01)


def delong_test(
    y_true: ArrayLike,
    y_score_a: ArrayLike,
    y_score_b: ArrayLike,
    *,
    confidence: float = 0.95,
    pos_label: Any = None,
) -> DeLongResult:
    """DeLong's test for the difference of two correlated ROC AUCs.

    Compares two models scored on the same samples: the variance of
    ``auc_b - auc_a`` comes from DeLong's structural components [1]_, computed
    in O(n log n) from one sort per model [2]_.  This is the analytic,
    resampling-free counterpart of a paired bootstrap of ROC AUC.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels: {0, 1}, {-1, 1} or booleans; other labels need
        ``pos_label``.  Each class must have at least 2 samples.
    y_score_a, y_score_b : array-like of shape (n_samples,) or (n_samples, 2)
        Scores of model A and model B (higher means more likely positive).  A
        2-column array is read as ``predict_proba`` output.
    confidence : float, default=0.95
        Level of the normal confidence interval for the difference, in (0, 1).
    pos_label : scalar, default=None
        The positive class; needed only for labels other than those above.

    Returns
    -------
    DeLongResult
        AUCs, ``delta = auc_b - auc_a``, its standard error, ``z``, the
        two-sided p-value and the confidence interval.

    Raises
    ------
    ValueError
        If a parameter is invalid, the score lengths differ from ``y_true``,
        scores are not finite, or a class has fewer than 2 samples.

    Notes
    -----
    With ``m`` positives and ``n`` negatives, ``var(delta) = var(V10_b -
    V10_a) / m + var(V01_b - V01_a) / n`` with the unbiased (``m - 1``,
    ``n - 1``) sample variances; this equals DeLong's
    ``(S10[0,0] + S10[1,1] - 2 S10[0,1]) / m + (same for S01) / n``.

    The variance is exactly zero when both models rank every positive against
    every negative identically (for instance identical scores, or any
    increasing transform of the same scores).  Then ``delta`` is 0 and, by
    convention, ``z = 0``, ``p_value = 1`` and the interval is ``[0, 0]``.  In
    the rare degenerate case of zero variance with a non-zero ``delta`` (a
    perfect model against a constant one) ``z`` is ``±inf``, ``p_value`` is 0
    and the interval collapses to ``[delta, delta]``.

    References
    ----------
    .. [1] E. R. DeLong, D. M. DeLong and D. L. Clarke-Pearson, Biometrics 44(3),
       837-845, 1988.
    .. [2] X. Sun and W. Xu, IEEE Signal Processing Letters 21(11),
       1389-1393, 2014.

    Examples
    --------
    >>> import numpy as np
    >>> from eval_toolkit.delong import delong_test
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 1000)
    >>> score_a = y + rng.normal(0, 1.5, 1000)
    >>> score_b = score_a + 0.15 * y + rng.normal(0, 0.5, 1000)
    >>> res = delong_test(y, score_a, score_b)
    >>> print(round(res.auc_a, 3), round(res.auc_b, 3), round(res.p_value, 4))
    0.714 0.732 0.0023
    >>> print(res)
    B - A roc_auc = +0.018 [0.006, 0.029], z = 3.04, p = 0.002 (DeLong, 95% CI)
    """
    positive, scores, confidence = _delong_test_iv(
        y_true, y_score_a, y_score_b, confidence, pos_label
    )
    v10, v01 = _placements(positive, scores)
    auc_a, auc_b = v10.mean(axis=1)
    delta = auc_b - auc_a
    se = float(np.sqrt(_delta_variance(v10, v01)))
    if se > 0.0:
        z = delta / se
    else:
        z = 0.0 if delta == 0.0 else float(np.copysign(np.inf, delta))
    half_width = norm.ppf(0.5 + confidence / 2) * se
    return DeLongResult(
        auc_a=float(auc_a),
        auc_b=float(auc_b),
        delta=float(delta),
        std_error=se,
        z=float(z),
        p_value=float(2 * norm.sf(abs(z))),
        ci_low=float(delta - half_width),
        ci_high=float(delta + half_width),
        confidence=confidence,
        n_positive=int(v10.shape[1]),
        n_negative=int(v01.shape[1]),
    )
