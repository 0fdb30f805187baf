"""Confidence intervals and p-values from a bootstrap distribution.

Percentile, basic and BCa follow Efron & Tibshirani (1993), ch. 12-14 and
Davison & Hinkley (1997), ch. 5; the studentized interval uses the
infinitesimal-jackknife standard error of each resample (Efron 1981).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

__all__: list[str] = []

CI_METHODS = ("percentile", "basic", "bca", "studentized")


@dataclass(frozen=True)
class Interval:
    """Interval endpoints and the two-sided p-value for a null value of 0."""

    low: float
    high: float
    p_value: float


def bootstrap_interval(
    method: str,
    theta_b: np.ndarray,
    theta_hat: float,
    confidence: float,
    *,
    jackknife: Callable[[], list[tuple[np.ndarray, np.ndarray]]] | None = None,
    se_b: np.ndarray | None = None,
    se_hat: float | None = None,
) -> Interval:
    """Interval by ``method``, with the p-value obtained by inverting that same interval.

    The p-value is the smallest 1 - confidence at which the interval of the
    chosen method excludes 0, so ``p < 1 - confidence`` exactly when the
    reported interval excludes 0 (up to the resolution of B resamples).  It
    is floored at 2 / (B + 1): a finite bootstrap cannot support a smaller one
    (Davison & Hinkley 1997, eq. 4.11).
    """
    alpha = (1.0 - confidence) / 2.0
    if method == "percentile":
        low, high = _quantiles(theta_b, alpha, 1 - alpha)
        return Interval(low, high, _tail_p_value(theta_b, 0.0))
    if method == "basic":
        q_low, q_high = _quantiles(theta_b, alpha, 1 - alpha)
        return Interval(2 * theta_hat - q_high, 2 * theta_hat - q_low,
                        _tail_p_value(theta_b, 2 * theta_hat))
    if method == "studentized":
        assert se_b is not None and se_hat is not None
        ok = se_b > 0  # a resample with one distinct value has no spread
        t_b = (theta_b[ok] - theta_hat) / se_b[ok]
        t_low, t_high = _quantiles(t_b, alpha, 1 - alpha)
        p = _tail_p_value(t_b, theta_hat / se_hat) if se_hat > 0 else float("nan")
        return Interval(theta_hat - t_high * se_hat, theta_hat - t_low * se_hat, p)
    assert jackknife is not None
    return _bca(theta_b, theta_hat, jackknife_acceleration(jackknife()), confidence)


def _quantiles(values: np.ndarray, *probabilities: float) -> tuple[float, ...]:
    return tuple(float(q) for q in np.percentile(values, 100 * np.asarray(probabilities)))


def _tail_p_value(values: np.ndarray, cut: float) -> float:
    """2 min(#{v < cut}, #{v > cut}) / B, ties counted one half, (1 + count) / (1 + B)."""
    n_b = values.shape[0]
    ties = 0.5 * np.count_nonzero(values == cut)
    tail = min(np.count_nonzero(values < cut), np.count_nonzero(values > cut)) + ties
    return float(min(1.0, 2.0 * (1.0 + tail) / (1.0 + n_b)))


def _bca(theta_b: np.ndarray, theta_hat: float, accel: float, confidence: float) -> Interval:
    """BCa interval (Efron 1987) and its inverted p-value.

    The bias correction counts ties as one half, z0 = Phi^-1((#less + #equal/2) / B):
    threshold metrics have very discrete bootstrap distributions, where the
    usual #less / B is biased.
    """
    n_b = theta_b.shape[0]
    z0 = ndtri(_share_below(theta_b, theta_hat, n_b))
    if not np.isfinite(z0):
        # Every resample lies on one side of theta_hat: the bias correction,
        # hence BCa, is undefined (Efron 1987, sec. 3).
        return Interval(float("nan"), float("nan"), float("nan"))
    alpha = (1.0 - confidence) / 2.0
    z = ndtri(np.array([alpha, 1 - alpha]))
    adjusted = ndtr(z0 + (z0 + z) / (1 - accel * (z0 + z)))
    low, high = _quantiles(theta_b, *adjusted)
    # Invert the BCa map at the quantile where 0 sits: w = Phi^-1(q0) - z0 =
    # (z0 + z_a) / (1 - a (z0 + z_a))  =>  z0 + z_a = w / (1 + a w).  The +1/+2
    # keeps q0 inside (0, 1) as the (1 + count) / (1 + B) rule does.
    w = ndtri((_share_below(theta_b, 0.0, n_b) * n_b + 1) / (n_b + 2)) - z0
    if 1 + accel * w <= 0:
        p = 0.0
    else:
        z_a = w / (1 + accel * w) - z0
        p = 2 * min(ndtr(z_a), ndtr(-z_a))
    return Interval(low, high, float(min(1.0, max(p, 2.0 / (n_b + 1)))))


def _share_below(values: np.ndarray, cut: float, n_b: int) -> float:
    return (np.count_nonzero(values < cut) + 0.5 * np.count_nonzero(values == cut)) / n_b


def jackknife_acceleration(groups: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """Efron's acceleration from leave-one-out values, one group per data set.

    a = sum U^3 / (6 (sum U^2)^1.5) with U = (n - 1)(mean - theta_(i)) summed
    over the samples of every independently resampled data set, as in
    scipy.stats.bootstrap (Efron 1987, eq. 6.6).  ``groups`` holds the
    leave-one-out values of each data set's distinct cells and how many
    samples share each.
    """
    num = den = 0.0
    for values, weights in groups:
        n = weights.sum()
        u = (n - 1) * (np.average(values, weights=weights) - values)
        num += float(np.sum(weights * u**3))
        den += float(np.sum(weights * u**2))
    return num / (6.0 * den**1.5) if den > 0 else 0.0
