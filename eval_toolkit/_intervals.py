"""Confidence intervals and p-values from a bootstrap distribution.

Percentile, basic and BCa follow Efron & Tibshirani (1993), ch. 12-14 and
Davison & Hinkley (1997), ch. 5; the studentized interval uses the
infinitesimal-jackknife standard error of each resample (Efron 1981) on a
variance-stabilising scale that keeps it inside the metric's range.

Every quantile is numpy's default ("linear", Hyndman & Fan type 7), and every
p-value inverts the very quantile function the interval uses: the p-value is
the smallest ``1 - confidence`` at which the interval excludes 0.  Hence
``p_value < 1 - confidence`` exactly when the interval excludes 0, for every
method and every ``1 - confidence > 2 / (n_resamples + 1)`` (the floor of the
p-value, below which a finite bootstrap has no resolution; Davison & Hinkley
1997, eq. 4.11).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

__all__: list[str] = []

CI_METHODS = ("percentile", "basic", "bca", "studentized")

JackknifeSets = list[tuple[np.ndarray, np.ndarray]]


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
    jackknife: Callable[[], JackknifeSets] | None = None,
    se_b: np.ndarray | None = None,
    se_hat: float | None = None,
    bounds: tuple[float, float] = (-math.inf, math.inf),
) -> Interval:
    """Interval by ``method``, with the p-value obtained by inverting that same interval.

    ``bounds`` is the range of the statistic (used by ``"studentized"`` only:
    the other intervals are quantiles of the distribution, inside it anyway).
    """
    alpha = (1.0 - confidence) / 2.0
    values = np.sort(theta_b)
    if method == "percentile":
        low, high = _quantile(values, alpha), _quantile(values, 1 - alpha)
        return Interval(low, high, _p_value(values, 0.0))
    if method == "basic":
        low, high = _quantile(values, alpha), _quantile(values, 1 - alpha)
        return Interval(2 * theta_hat - high, 2 * theta_hat - low, _p_value(values, 2 * theta_hat))
    if method == "studentized":
        assert se_b is not None and se_hat is not None
        return _studentized(theta_b, se_b, theta_hat, se_hat, alpha, bounds)
    assert jackknife is not None
    return _bca(values, theta_hat, jackknife_acceleration(jackknife()), alpha)


def _quantile(values: np.ndarray, p: float) -> float:
    """Type-7 quantile of sorted ``values`` that also handles infinite entries.

    Equals ``np.percentile(values, 100 * p)`` up to rounding for finite
    values; between a finite and an infinite order statistic the quantile is
    the infinite one (numpy returns NaN there).
    """
    last = values.shape[0] - 1
    h = p * last
    i = min(int(math.floor(h)), max(last - 1, 0))
    f = h - i
    lo = float(values[i])
    if last == 0 or f == 0.0:
        return lo
    hi = float(values[i + 1])
    if f == 1.0 or lo == hi:
        return hi if f == 1.0 else lo
    if math.isinf(lo):
        return lo
    if math.isinf(hi):
        return hi
    return lo + f * (hi - lo)


def _crossing(values: np.ndarray, cut: float) -> tuple[float, float]:
    """Where the quantile function of sorted ``values`` crosses ``cut``.

    Returns ``(h_hi, h_lo)`` = (sup{p : q(p) <= cut}, inf{p : q(p) >= cut}),
    with sup of the empty set 0 and inf of the empty set 1, for the
    interpolated quantile function ``q`` of :func:`_quantile`.
    """
    last = values.shape[0] - 1
    if last == 0:
        return (1.0 if values[0] <= cut else 0.0), (0.0 if values[0] >= cut else 1.0)
    n_le = int(np.searchsorted(values, cut, side="right"))
    n_lt = int(np.searchsorted(values, cut, side="left"))
    if n_le == 0:
        h_hi = 0.0
    elif n_le == last + 1:
        h_hi = 1.0
    else:
        h_hi = (n_le - 1 + _segment_share(values[n_le - 1], values[n_le], cut)) / last
    if n_lt == 0:
        h_lo = 0.0
    elif n_lt == last + 1:
        h_lo = 1.0
    else:
        h_lo = (n_lt - 1 + _segment_share(values[n_lt - 1], values[n_lt], cut)) / last
    return h_hi, h_lo


def _segment_share(lo: float, hi: float, cut: float) -> float:
    """Share of the segment from ``lo`` to ``hi`` (lo <= cut <= hi) below ``cut``."""
    if math.isinf(lo):
        return 1.0  # q is -inf on the whole open segment
    if math.isinf(hi):
        return 0.0  # q is +inf on the whole open segment
    return (cut - lo) / (hi - lo) if hi > lo else 0.0


def _p_value(values: np.ndarray, cut: float) -> float:
    """Smallest 2 alpha at which the [q(alpha), q(1 - alpha)] interval excludes ``cut``."""
    h_hi, h_lo = _crossing(values, cut)
    return _floor_p(2.0 * min(h_hi, 1.0 - h_lo), values.shape[0])


def _floor_p(p: float, n_b: int) -> float:
    return float(min(1.0, max(p, 2.0 / (n_b + 1))))


def _studentized(
    theta_b: np.ndarray,
    se_b: np.ndarray,
    theta_hat: float,
    se_hat: float,
    alpha: float,
    bounds: tuple[float, float],
) -> Interval:
    """Bootstrap-t interval on the scale ``g`` that maps ``bounds`` to the real line.

    ``g`` is the logit of the position in a bounded range, the log above a
    lower bound, the identity otherwise; standard errors follow by the delta
    method (Davison & Hinkley 1997, sec. 5.2.2), so the back-transformed
    interval never leaves the metric's range.  A resample with no spread
    (standard error 0) that still moved away from ``theta_hat`` is infinitely
    far in t; one that did not move has t = 0.
    """
    if np.all(theta_b == theta_hat):
        # The bootstrap distribution is a point: the interval has zero width.
        return Interval(theta_hat, theta_hat, _p_value(np.sort(theta_b), 0.0))
    g, dg, g_inv = _transform(bounds, theta_hat)
    if not se_hat > 0:
        raise ValueError(
            "The studentized interval is undefined here: the standard error on the full "
            "data is 0 while the resampled values vary. Use method='percentile' or 'bca'."
        )
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        num = g(theta_b) - g(theta_hat)
        t_b = num / (dg(theta_b) * se_b)
    undefined = np.isnan(t_b)
    t_b[undefined] = np.copysign(np.inf, num[undefined])
    t_b[num == 0] = 0.0
    t_values = np.sort(t_b)
    se_g = float(dg(np.float64(theta_hat)) * se_hat)
    t_low, t_high = _quantile(t_values, alpha), _quantile(t_values, 1 - alpha)
    g_hat = float(g(np.float64(theta_hat)))
    low, high = float(g_inv(g_hat - t_high * se_g)), float(g_inv(g_hat - t_low * se_g))
    with np.errstate(divide="ignore"):
        cut = (g_hat - float(g(np.float64(0.0)))) / se_g
    return Interval(low, high, _p_value(t_values, cut))


def _transform(bounds: tuple[float, float], theta_hat: float):
    """Return (g, g', g^-1) for a statistic with range ``bounds``."""
    lo, hi = bounds
    inside = lo < theta_hat < hi
    if math.isfinite(lo) and math.isfinite(hi) and inside:
        width = hi - lo
        return (
            lambda x: np.log((x - lo) / (hi - x)),
            lambda x: width / ((x - lo) * (hi - x)),
            lambda z: lo + width * ndtr_logistic(z),
        )
    if math.isfinite(lo) and inside:
        return (lambda x: np.log(x - lo), lambda x: 1.0 / (x - lo), lambda z: lo + np.exp(z))
    # theta_hat on a bound (a point distribution in practice) or no bounds:
    # no transform, then clip to the range.
    return (lambda x: x, lambda x: np.ones_like(x), lambda z: min(max(z, lo), hi))


def ndtr_logistic(z: float) -> float:
    """Logistic function 1 / (1 + exp(-z)), stable for large |z| (+-inf map to 1, 0)."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z)) if math.isfinite(z) else 1.0
    return math.exp(z) / (1.0 + math.exp(z)) if math.isfinite(z) else 0.0


def _bca(values: np.ndarray, theta_hat: float, accel: float, alpha: float) -> Interval:
    """BCa interval (Efron 1987) and its inverted p-value, ``values`` sorted.

    The bias correction counts ties as one half, z0 = Phi^-1((#less + #equal/2) / B):
    threshold metrics have very discrete bootstrap distributions, where the
    usual #less / B is biased.
    """
    z0 = float(ndtri(_share_below(values, theta_hat)))
    if not math.isfinite(z0):
        # Every resample lies on one side of theta_hat: the bias correction,
        # hence BCa, is undefined (Efron 1987, sec. 3).
        return Interval(float("nan"), float("nan"), float("nan"))
    low, high = _bca_endpoints(values, z0, accel, alpha)

    def excludes_zero(two_alpha: float) -> bool:
        lo, hi = _bca_endpoints(values, z0, accel, two_alpha / 2)
        return lo > 0 or hi < 0

    return Interval(low, high, _floor_p(_smallest_level(excludes_zero), values.shape[0]))


def _bca_endpoints(
    values: np.ndarray, z0: float, accel: float, alpha: float
) -> tuple[float, float]:
    z = ndtri(np.array([alpha, 1 - alpha]))
    with np.errstate(divide="ignore", invalid="ignore"):
        adjusted = np.nan_to_num(ndtr(z0 + (z0 + z) / (1 - accel * (z0 + z))), nan=0.5)
    return _quantile(values, float(adjusted[0])), _quantile(values, float(adjusted[1]))


def _smallest_level(excludes_zero: Callable[[float], bool]) -> float:
    """Smallest 1 - confidence at which an interval excludes 0, by bisection.

    The BCa map has no closed-form inverse once the quantile function is
    interpolated, and bisecting on the interval itself makes the p-value agree
    with it by construction (to 2**-60); an interval that shrinks as
    1 - confidence grows makes ``excludes_zero`` monotone.
    """
    if not excludes_zero(1.0):
        return 1.0
    low, high = 0.0, 1.0
    for _ in range(60):
        mid = 0.5 * (low + high)
        low, high = (low, mid) if excludes_zero(mid) else (mid, high)
    return high


def _share_below(values: np.ndarray, cut: float) -> float:
    n_lt = int(np.searchsorted(values, cut, side="left"))
    n_le = int(np.searchsorted(values, cut, side="right"))
    return (n_lt + 0.5 * (n_le - n_lt)) / values.shape[0]


def jackknife_acceleration(sets: JackknifeSets) -> float:
    """Efron's acceleration from leave-one-out values of several independent samples.

    ``sets`` holds, per independently resampled data set j, the leave-one-out
    values of its distinct units and how many samples share each.  With
    U_ji = (n_j - 1)(mean_j - theta_(ji)),

        a = sum_j (sum_i U_ji^3 / n_j^3) / (6 (sum_j sum_i U_ji^2 / n_j^2)^1.5),

    the multi-sample jackknife of ``scipy.stats.bootstrap`` (Efron 1987,
    eq. 6.6; Efron & Tibshirani 1993, eq. 14.15 for one sample).  The 1/n_j
    weights make each sample's contribution independent of its size, as the
    skewness of a statistic's influence requires.
    """
    num = den = 0.0
    for values, weights in sets:
        n = float(weights.sum())
        u = (n - 1) * (np.average(values, weights=weights) - values)
        num += float(np.sum(weights * u**3)) / n**3
        den += float(np.sum(weights * u**2)) / n**2
    return num / (6.0 * den**1.5) if den > 0 else 0.0
