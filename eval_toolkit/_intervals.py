"""Confidence intervals and p-values from a bootstrap distribution.

Percentile, basic and BCa follow Efron & Tibshirani (1993), ch. 12-14 and
Davison & Hinkley (1997), ch. 5; the studentized interval uses the
infinitesimal-jackknife standard error of each resample (Efron 1981).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri

__all__: list[str] = []

CI_METHODS = ("percentile", "basic", "bca", "studentized")


def percentile_interval(theta_b: np.ndarray, confidence: float) -> tuple[float, float]:
    alpha = (1.0 - confidence) / 2.0
    low, high = np.percentile(theta_b, [100 * alpha, 100 * (1 - alpha)])
    return float(low), float(high)


def basic_interval(theta_b: np.ndarray, theta_hat: float, confidence: float) -> tuple[float, float]:
    low, high = percentile_interval(theta_b, confidence)
    return 2 * theta_hat - high, 2 * theta_hat - low


def bca_interval(
    theta_b: np.ndarray,
    theta_hat: float,
    jackknife: list[tuple[np.ndarray, np.ndarray]],
    confidence: float,
) -> tuple[float, float]:
    """BCa interval.

    The bias correction counts ties as one half, z0 = Phi^-1((#less + #equal/2) / B):
    threshold metrics have very discrete bootstrap distributions, where the
    usual #less / B is biased.  ``jackknife`` holds, per independently
    resampled data set, the leave-one-out values of its distinct cells and how
    many samples share each.
    """
    n_b = theta_b.shape[0]
    below = np.count_nonzero(theta_b < theta_hat) + 0.5 * np.count_nonzero(theta_b == theta_hat)
    z0 = ndtri(below / n_b)
    accel = jackknife_acceleration(jackknife)
    alpha = (1.0 - confidence) / 2.0
    z = ndtri(np.array([alpha, 1 - alpha]))
    adjusted = ndtr(z0 + (z0 + z) / (1 - accel * (z0 + z)))
    if not np.all(np.isfinite(adjusted)):
        # z0 is infinite when every resample lies on one side of theta_hat:
        # the BCa correction is undefined there (Efron 1987, sec. 3).
        return float("nan"), float("nan")
    low, high = np.percentile(theta_b, 100 * adjusted)
    return float(low), float(high)


def jackknife_acceleration(groups: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """Efron's acceleration from leave-one-out values, one group per data set.

    a = sum U^3 / (6 (sum U^2)^1.5) with U = (n - 1)(mean - theta_(i)) summed
    over the samples of every independently resampled data set, as in
    scipy.stats.bootstrap (Efron 1987, eq. 6.6).
    """
    num = den = 0.0
    for values, weights in groups:
        n = weights.sum()
        u = (n - 1) * (np.average(values, weights=weights) - values)
        num += float(np.sum(weights * u**3))
        den += float(np.sum(weights * u**2))
    return num / (6.0 * den**1.5) if den > 0 else 0.0


def studentized_interval(
    theta_b: np.ndarray, se_b: np.ndarray, theta_hat: float, se_hat: float, confidence: float
) -> tuple[float, float]:
    """Bootstrap-t interval; resamples with a zero standard error are dropped."""
    ok = se_b > 0
    t_b = (theta_b[ok] - theta_hat) / se_b[ok]
    t_low, t_high = percentile_interval(t_b, confidence)
    return theta_hat - t_high * se_hat, theta_hat - t_low * se_hat


def bootstrap_p_value(delta_b: np.ndarray) -> float:
    """Two-sided bootstrap p-value for delta = 0, by inverting the percentile interval.

    p = 2 min(#{delta* <= 0}, #{delta* >= 0}) / B with ties counted one half and
    the (1 + count) / (1 + B) correction of Davison & Hinkley (1997, eq. 4.11),
    so a finite number of resamples never reports p = 0.
    """
    n_b = delta_b.shape[0]
    ties = 0.5 * np.count_nonzero(delta_b == 0)
    tail = min(np.count_nonzero(delta_b < 0), np.count_nonzero(delta_b > 0)) + ties
    return float(min(1.0, 2.0 * (1.0 + tail) / (1.0 + n_b)))
