"""Multiple-comparison adjustment of p-values (family-wise error and false discovery rate)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import check_option, param_error

__all__ = ["correct_p_values"]

P_ADJUST_METHODS = ("holm", "bh", "by", "bonferroni", "none")


def _correct_p_values_iv(p: Any, method: Any) -> tuple[np.ndarray, str]:
    func = "correct_p_values"
    method = check_option(method, func, "method", P_ADJUST_METHODS)
    try:
        arr = np.asarray(p, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(param_error(func, "p", "a 1-D array of p-values in [0, 1]", p)) from None
    if arr.ndim != 1:
        raise ValueError(
            param_error(func, "p", "a 1-D array of p-values in [0, 1]", f"shape {arr.shape}")
        )
    if not np.all(np.isfinite(arr)) or np.any((arr < 0) | (arr > 1)):
        raise ValueError(param_error(func, "p", "p-values in [0, 1] (no NaN)", p))
    return arr, method


def correct_p_values(p: Any, method: str = "holm") -> np.ndarray:
    """Adjust p-values for the number of comparisons in a family.

    Parameters
    ----------
    p : array-like of shape (m,)
        Raw p-values of the ``m`` hypotheses of one family.
    method : {"holm", "bh", "by", "bonferroni", "none"}, default="holm"
        ``"holm"``: Holm (1979) step-down, controls the family-wise error rate
        under any dependence and is uniformly more powerful than
        ``"bonferroni"`` (``min(1, m p)``).  ``"bh"``: Benjamini-Hochberg (1995)
        step-up, controls the false discovery rate for independent or
        positively dependent tests.  ``"by"``: Benjamini-Yekutieli (2001),
        false discovery rate under any dependence (BH times
        ``sum_{k<=m} 1/k``).  ``"none"`` returns ``p`` unchanged.

    Returns
    -------
    ndarray of shape (m,)
        Adjusted p-values, in the input order: reject hypothesis ``i`` at
        level ``alpha`` when ``adjusted[i] <= alpha``.

    Examples
    --------
    >>> from eval_toolkit.harness import correct_p_values
    >>> correct_p_values([0.01, 0.04, 0.03], method="holm").round(3).tolist()
    [0.03, 0.06, 0.06]
    >>> correct_p_values([0.01, 0.04, 0.03], method="bh").round(3).tolist()
    [0.03, 0.04, 0.04]
    """
    arr, method = _correct_p_values_iv(p, method)
    m = arr.shape[0]
    if m == 0 or method == "none":
        return arr.copy()
    if method == "bonferroni":
        return np.minimum(1.0, m * arr)
    order = np.argsort(arr, kind="stable")
    ranked = arr[order]
    rank = np.arange(1, m + 1)
    if method == "holm":
        # step-down: running maximum of (m - k + 1) p_(k)
        adjusted = np.maximum.accumulate(np.minimum(1.0, (m - rank + 1) * ranked))
    else:
        scale = np.sum(1.0 / rank) if method == "by" else 1.0
        # step-up: running minimum from the largest p-value down
        adjusted = np.minimum.accumulate((scale * m * ranked / rank)[::-1])[::-1]
        adjusted = np.minimum(1.0, adjusted)
    out = np.empty(m)
    out[order] = adjusted
    return out
