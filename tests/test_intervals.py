"""Interval methods and p-values (eval_toolkit._intervals) and the issue-8 regressions."""

from __future__ import annotations

import types

import numpy as np
import pytest
import scipy.stats

from eval_toolkit import bootstrap_ci, paired_bootstrap_diff
from eval_toolkit._intervals import (
    _quantile,
    bootstrap_interval,
    jackknife_acceleration,
)

# ---- defect 1: studentized intervals on point distributions ---------------------------------

Y8 = np.array([0, 1] * 4)
S8 = np.array([0.2, 0.8, 0.3, 0.7, 0.4, 0.6, 0.1, 0.9])


@pytest.mark.parametrize(
    "call",
    [
        lambda: paired_bootstrap_diff(Y8, S8, S8.copy(), "accuracy", method="studentized"),
        lambda: paired_bootstrap_diff(
            Y8, S8, S8.copy(), "roc_auc", method="studentized", stratify=True
        ),
        lambda: bootstrap_ci(Y8, S8, "accuracy", method="studentized"),
    ],
)
def test_studentized_point_distribution_gives_zero_width_interval(call):
    # Every resample has standard error 0 and the bootstrap distribution is a
    # point; the percentile method's answer, not an IndexError.
    res = call()
    point = getattr(res, "delta", getattr(res, "point_estimate", None))
    assert res.ci_low == res.ci_high == point


def test_studentized_zero_width_matches_percentile():
    stud = paired_bootstrap_diff(Y8, S8, S8.copy(), "accuracy", method="studentized")
    perc = paired_bootstrap_diff(Y8, S8, S8.copy(), "accuracy", method="percentile")
    assert (stud.ci_low, stud.ci_high, stud.p_value) == (perc.ci_low, perc.ci_high, perc.p_value)


# ---- defect 3: studentized intervals stay inside the metric's range -------------------------


def _rare_positive_data(seed, n=100, prevalence=0.05):
    rng = np.random.default_rng(seed)
    y = (rng.uniform(size=n) < prevalence).astype(int)
    y[:2] = [0, 1]  # both classes on the full data
    a = y * 0.8 + rng.normal(size=n)
    b = y * 1.2 + rng.normal(size=n)
    return y, a, b


def test_studentized_auc_difference_stays_in_range():
    # The failing cell: n = 100, 5% prevalence, where the untransformed
    # bootstrap-t gave widths up to 8.7.
    for seed in range(25):
        y, a, b = _rare_positive_data(seed)
        res = paired_bootstrap_diff(
            y, a, b, "roc_auc", method="studentized", n_resamples=300, stratify=True
        )
        assert -1 <= res.ci_low <= res.delta <= res.ci_high <= 1, (seed, res)


def test_studentized_single_metric_stays_in_range():
    for seed in range(10):
        y, a, _ = _rare_positive_data(seed, n=60, prevalence=0.2)
        p = 1 / (1 + np.exp(-a))
        for metric, (low, high) in {"roc_auc": (0, 1), "brier": (0, 1), "log_loss": (0, np.inf)}.items():
            res = bootstrap_ci(y, p, metric, method="studentized", n_resamples=200, stratify=True)
            assert low <= res.ci_low <= res.point_estimate <= res.ci_high <= high, (metric, res)


def test_studentized_transform_reduces_to_bootstrap_t_on_unbounded_scale():
    # With no bounds the interval is theta - t_q * se (Efron & Tibshirani 1993, eq. 12.22).
    rng = np.random.default_rng(0)
    theta_b = rng.normal(0.3, 0.1, 999)
    se_b = np.abs(rng.normal(0.1, 0.01, 999))
    t = np.sort((theta_b - 0.3) / se_b)
    res = bootstrap_interval("studentized", theta_b, 0.3, 0.9, se_b=se_b, se_hat=0.1)
    assert res.low == pytest.approx(0.3 - np.percentile(t, 95) * 0.1, abs=1e-12)
    assert res.high == pytest.approx(0.3 - np.percentile(t, 5) * 0.1, abs=1e-12)


# ---- defect 2: multi-sample BCa acceleration -------------------------------------------------


def _two_sample_means(seed, n_x=60, n_y=600):
    rng = np.random.default_rng(seed)
    return rng.exponential(1.0, n_x), rng.exponential(2.0, n_y)


def test_acceleration_of_difference_of_means_matches_theory():
    # a = k3 / (6 sd^3) of the statistic mean(y) - mean(x): the third cumulant
    # and the variance of a sum of independent means add up.
    x, y = _two_sample_means(1)
    loo_x = (x.sum() - x) / (x.size - 1)
    loo_y = (y.sum() - y) / (y.size - 1)
    delta_loo = [(y.mean() - loo_x, np.ones(x.size)), (loo_y - x.mean(), np.ones(y.size))]
    k3 = -np.mean((x - x.mean()) ** 3) / x.size**2 + np.mean((y - y.mean()) ** 3) / y.size**2
    var = np.var(x) / x.size + np.var(y) / y.size
    assert jackknife_acceleration(delta_loo) == pytest.approx(k3 / (6 * var**1.5), rel=1e-10)


def _scipy_bca(data, statistic, distribution, confidence=0.95):
    result = types.SimpleNamespace(bootstrap_distribution=distribution)
    return scipy.stats.bootstrap(
        data,
        statistic,
        n_resamples=0,
        bootstrap_result=result,
        method="BCa",
        confidence_level=confidence,
        vectorized=True,
    ).confidence_interval


def test_bca_matches_scipy_on_unequal_two_sample_statistic():
    x, y = _two_sample_means(2)

    def delta(a, b, axis=-1):
        return np.mean(b, axis=axis) - np.mean(a, axis=axis)

    rng = np.random.default_rng(3)
    theta_b = np.array(
        [delta(rng.choice(x, x.size), rng.choice(y, y.size)) for _ in range(2000)]
    )
    loo_x = (x.sum() - x) / (x.size - 1)
    loo_y = (y.sum() - y) / (y.size - 1)
    sets = [(y.mean() - loo_x, np.ones(x.size)), (loo_y - x.mean(), np.ones(y.size))]
    ours = bootstrap_interval("bca", theta_b, delta(x, y), 0.95, jackknife=lambda: sets)
    ref = _scipy_bca((x, y), delta, theta_b)
    assert ours.low == pytest.approx(ref.low, abs=1e-12)
    assert ours.high == pytest.approx(ref.high, abs=1e-12)


def test_stratified_bca_uses_one_jackknife_sample_per_class():
    # Stratified Brier score: each class is resampled on its own, so scipy's
    # two-sample BCa on (per-sample losses of positives, of negatives) is the
    # reference, given the same bootstrap distribution.
    rng = np.random.default_rng(4)
    y = (rng.uniform(size=400) < 0.15).astype(int)
    p = np.clip(0.15 + 0.5 * y + rng.normal(0, 0.15, 400), 0, 1)
    ours = bootstrap_ci(y, p, "brier", method="bca", stratify=True, n_resamples=2000, seed=5)
    loss_pos, loss_neg = (p[y == 1] - 1) ** 2, p[y == 0] ** 2

    def brier(pos, neg, axis=-1):
        total = np.sum(pos, axis=axis) + np.sum(neg, axis=axis)
        return total / (pos.shape[axis] + neg.shape[axis])

    ref = _scipy_bca((loss_pos, loss_neg), brier, ours.distribution)
    assert ours.point_estimate == pytest.approx(brier(loss_pos, loss_neg), abs=1e-14)
    assert ours.ci_low == pytest.approx(ref.low, abs=1e-12)
    assert ours.ci_high == pytest.approx(ref.high, abs=1e-12)


# ---- defect 4: p-values agree with their intervals exactly ---------------------------------


@pytest.mark.parametrize("method", ["percentile", "basic", "bca", "studentized"])
def test_p_value_agrees_with_interval_on_every_distribution(method):
    rng = np.random.default_rng(6)
    for trial in range(300):
        n_b = int(rng.integers(20, 400))
        center = rng.normal(0, 0.05)
        theta_b = center + rng.normal(0, 0.03, n_b)
        if trial % 3 == 0:
            theta_b = np.round(theta_b, 2)  # discrete distributions with ties, as at thresholds
        theta_hat = float(np.median(theta_b) + rng.normal(0, 0.005))
        se_b = np.abs(rng.normal(0.03, 0.005, n_b))
        sets = [(rng.normal(0, 0.01, 30), np.ones(30)), (rng.normal(0, 0.01, 70), np.ones(70))]
        for confidence in (0.8, 0.9, 0.95, 0.99):
            res = bootstrap_interval(
                method, theta_b, theta_hat, confidence,
                jackknife=lambda sets=sets: sets, se_b=se_b, se_hat=0.03, bounds=(-1.0, 1.0),
            )
            if np.isnan(res.low) or 1 - confidence <= 2 / (n_b + 1):
                continue  # BCa undefined (all resamples on one side); below the p floor
            excludes = res.low > 0 or res.high < 0
            assert (res.p_value < 1 - confidence) == excludes, (trial, confidence, res)


def test_quantile_matches_numpy_and_handles_infinities():
    rng = np.random.default_rng(7)
    v = np.sort(rng.normal(size=101))
    for p in np.linspace(0, 1, 37):
        assert _quantile(v, p) == pytest.approx(np.percentile(v, 100 * p), abs=1e-14)
    w = np.array([-np.inf, -np.inf, 1.0, 2.0, np.inf])
    assert _quantile(w, 0.3) == -np.inf and _quantile(w, 0.5) == 1.0
    assert _quantile(w, 0.9) == np.inf
