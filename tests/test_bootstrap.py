"""Tests for eval_toolkit.bootstrap: correctness, statistics, reproducibility, errors."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
import scipy.stats
from sklearn import metrics

import eval_toolkit
from eval_toolkit import (
    BootstrapCI,
    DegenerateResampleWarning,
    PairedBootstrapCI,
    _resample,
    bootstrap_ci,
    delong_test,
    mde_from_ci,
    paired_bootstrap_diff,
    paired_bootstrap_ece_diff,
    paired_mde,
)

NAMED = [
    "roc_auc",
    "average_precision",
    "accuracy",
    "balanced_accuracy",
    "log_loss",
    "brier",
    "ece",
    "ece_debiased",
    "f1",
    "precision",
    "recall",
    "specificity",
]


def _data(seed: int, n: int, *, decimals: int | None = 2, shift: float = 0.4):
    """Labels and two correlated probability scores; its own SeedSequence child."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 99]))
    y = rng.integers(0, 2, n)
    latent = y + rng.normal(0, 1.2, n)
    a = 1 / (1 + np.exp(-latent))
    b = 1 / (1 + np.exp(-(latent + shift * y + rng.normal(0, 0.6, n))))
    if decimals is not None:
        a, b = np.round(a, decimals), np.round(b, decimals)
    return y, a, b


# Top-level so that it pickles for n_jobs=2.
def custom_auc(y_true, y_score):
    return metrics.roc_auc_score(y_true, y_score)


def nan_when_first_positive(y_true, y_score):
    return float("nan") if y_true[0] == 1 else float(np.mean(y_score))


# ---- correctness of the point estimate and the resamples ------------------------------------


@pytest.mark.parametrize("metric", NAMED)
def test_point_estimate_matches_sklearn(metric, binary_data):
    y, a, b = binary_data
    ref = {
        "roc_auc": metrics.roc_auc_score,
        "average_precision": metrics.average_precision_score,
        "log_loss": lambda yy, s: metrics.log_loss(yy, s, labels=[0, 1]),
        "brier": metrics.brier_score_loss,
        "accuracy": lambda yy, s: metrics.accuracy_score(yy, s >= 0.5),
        "balanced_accuracy": lambda yy, s: metrics.balanced_accuracy_score(yy, s >= 0.5),
        "f1": lambda yy, s: metrics.f1_score(yy, s >= 0.5),
        "precision": lambda yy, s: metrics.precision_score(yy, s >= 0.5),
        "recall": lambda yy, s: metrics.recall_score(yy, s >= 0.5),
        "specificity": lambda yy, s: metrics.recall_score(yy, s >= 0.5, pos_label=0),
        "ece": _ece_uniform,
        "ece_debiased": _ece_debiased,
    }[metric]
    res = paired_bootstrap_diff(y, a, b, metric, n_resamples=20)
    assert res.delta == pytest.approx(ref(y, b) - ref(y, a), abs=1e-12)
    single = bootstrap_ci(y, a, metric, n_resamples=20, method="percentile")
    assert single.point_estimate == pytest.approx(ref(y, a), abs=1e-12)


def _ece_uniform(y, s, n_bins=10):
    bins = np.searchsorted(np.linspace(0, 1, n_bins + 1)[1:-1], s)
    return sum(abs(s[bins == b].sum() - y[bins == b].sum()) for b in range(n_bins)) / len(y)


def _ece_debiased(y, s, n_bins=10):
    """Kumar et al.'s debiased L2 error, per bin mean(g)**2 - var(g) / n_b, equal-mass bins."""
    edges = np.percentile(s, np.linspace(0, 100, n_bins + 1))
    bins = np.searchsorted(edges[1:-1], s)
    gaps = [s[bins == b] - y[bins == b] for b in range(n_bins)]
    squared = sum(len(g) * (g.mean() ** 2 - g.var(ddof=1) / len(g)) for g in gaps if len(g) > 1)
    return np.sqrt(max(squared / len(y), 0.0))


def test_ece_debiased_replicates_are_centred_on_the_estimate():
    # Scores far from calibrated in every bin: each replicate of the debiased
    # error is unbiased for the data's plug-in error, which lies well above the
    # estimate; the recentred replicates must average near the estimate.
    rng = np.random.default_rng(5)
    s = rng.uniform(0.2, 0.8, 400)
    y = (rng.uniform(size=400) < 0.5).astype(int)
    res = bootstrap_ci(y, s, "ece_debiased", n_resamples=2000, method="percentile")
    edges = np.percentile(s, np.linspace(0, 100, 11))
    bins = np.searchsorted(edges[1:-1], s)
    plug_in = np.sqrt(
        sum((s[bins == b] - y[bins == b]).sum() ** 2 / (bins == b).sum() for b in range(10))
        / len(y)
    )
    offset = plug_in - res.point_estimate
    mc_error = res.distribution.std() / np.sqrt(res.n_resamples)
    assert offset > 20 * mc_error
    assert abs(res.distribution.mean() - res.point_estimate) < 0.2 * offset


def test_fast_kernel_and_generic_path_see_the_same_resamples():
    # With (nearly) all-distinct scores the fast path draws indices exactly as
    # the generic path does, so the two distributions must agree to rounding.
    y, a, b = _data(1, 300, decimals=None)
    fast = paired_bootstrap_diff(y, a, b, "roc_auc", n_resamples=150, seed=3)
    slow = paired_bootstrap_diff(y, a, b, custom_auc, n_resamples=150, seed=3)
    np.testing.assert_allclose(fast.distribution, slow.distribution, rtol=0, atol=1e-12)
    assert fast.delta == pytest.approx(slow.delta, abs=1e-15)


def test_sklearn_function_dispatches_to_fast_kernel(binary_data):
    y, a, b = binary_data
    by_name = paired_bootstrap_diff(y, a, b, "roc_auc", n_resamples=200)
    by_func = paired_bootstrap_diff(y, a, b, metrics.roc_auc_score, n_resamples=200)
    np.testing.assert_array_equal(by_name.distribution, by_func.distribution)
    hard_a, hard_b = (a >= 0.5).astype(float), (b >= 0.5).astype(float)
    acc_name = paired_bootstrap_diff(y, hard_a, hard_b, "accuracy", n_resamples=200)
    acc_func = paired_bootstrap_diff(y, hard_a, hard_b, metrics.accuracy_score, n_resamples=200)
    np.testing.assert_array_equal(acc_name.distribution, acc_func.distribution)
    assert acc_func.metric == "accuracy_score"


def test_label_encodings_give_identical_results(binary_data):
    y, a, b = binary_data
    ref = paired_bootstrap_diff(y, a, b, "roc_auc", n_resamples=100)
    for labels, pos_label in [
        (y.astype(bool), None),
        (np.where(y == 1, 1, -1), None),
        (np.where(y == 1, "sick", "healthy"), "sick"),
    ]:
        res = paired_bootstrap_diff(labels, a, b, "roc_auc", n_resamples=100, pos_label=pos_label)
        np.testing.assert_array_equal(res.distribution, ref.distribution)
    two_col = np.column_stack([1 - a, a])
    res = paired_bootstrap_diff(y, two_col, b, "roc_auc", n_resamples=100)
    np.testing.assert_array_equal(res.distribution, ref.distribution)


# ---- reproducibility ------------------------------------------------------------------------


def test_bootstrap_ci_n_jobs_reproducibility(binary_data):
    y, a, _ = binary_data
    for metric in ("roc_auc", "brier", custom_auc):
        one = bootstrap_ci(y, a, metric, n_resamples=300, n_jobs=1)
        two = bootstrap_ci(y, a, metric, n_resamples=300, n_jobs=2)
        assert one == two
        np.testing.assert_array_equal(one.distribution, two.distribution)


def test_paired_bootstrap_diff_n_jobs_reproducibility(binary_data):
    y, a, b = binary_data
    for metric, method in [
        ("roc_auc", "bca"),
        ("accuracy", "percentile"),
        ("log_loss", "studentized"),
        (custom_auc, "bca"),
    ]:
        one = paired_bootstrap_diff(y, a, b, metric, n_resamples=300, method=method, n_jobs=1)
        two = paired_bootstrap_diff(y, a, b, metric, n_resamples=300, method=method, n_jobs=2)
        assert one == two
        np.testing.assert_array_equal(one.distribution, two.distribution)


def test_paired_bootstrap_diff_n_jobs_reproducibility_large_n(monkeypatch):
    # From THREADED_RANKS_FROM samples on, n_jobs=2 also ranks the columns in
    # two threads in the caller, and 128 resamples of 70,000 go to the
    # workers (above IN_PROCESS_ENTRIES): same result as n_jobs=1.
    from eval_toolkit import _engine, _resample

    n = 70_000
    assert n >= _resample.THREADED_RANKS_FROM and 128 * n > _engine.IN_PROCESS_ENTRIES
    rng = np.random.default_rng(12)
    y = (rng.random(n) < 0.3).astype(int)
    a = np.round(rng.random(n) * 0.7 + 0.3 * y, 3)
    b = rng.random(n) * 0.6 + 0.4 * y
    threads = []
    ranked = _resample._ranked
    monkeypatch.setattr(_resample, "_ranked", lambda cols, k: threads.append(k) or ranked(cols, k))
    one = paired_bootstrap_diff(y, a, b, "roc_auc", n_resamples=128, method="bca", n_jobs=1)
    two = paired_bootstrap_diff(y, a, b, "roc_auc", n_resamples=128, method="bca", n_jobs=2)
    assert threads == [1, 2]
    assert one == two
    np.testing.assert_array_equal(one.distribution, two.distribution)


def test_paired_bootstrap_ece_diff_n_jobs_reproducibility(binary_data):
    y, a, b = binary_data
    variants = [("plugin", "uniform"), ("plugin", "quantile"), ("debiased", "uniform")]
    for estimator, strategy in variants:
        kwargs = dict(estimator=estimator, strategy=strategy, n_resamples=300)
        one = paired_bootstrap_ece_diff(y, a, b, n_jobs=1, **kwargs)
        two = paired_bootstrap_ece_diff(y, a, b, n_jobs=2, **kwargs)
        assert one == two
        np.testing.assert_array_equal(one.distribution, two.distribution)


def test_paired_mde_n_jobs_reproducibility(binary_data):
    y, a, b = binary_data
    one = paired_mde(y, a, b, "roc_auc", n_resamples=300, n_jobs=1)
    two = paired_mde(y, a, b, "roc_auc", n_resamples=300, n_jobs=2)
    assert one == two


def test_chunking_and_prefix_do_not_change_results(binary_data, monkeypatch):
    y, a, b = binary_data
    ref = paired_bootstrap_diff(y, a, b, "roc_auc", n_resamples=200, method="bca")
    # A tiny memory budget forces one resample per chunk: same draws, same result.
    monkeypatch.setattr(_resample, "CHUNK_ENTRIES", 1)
    small = paired_bootstrap_diff(y, a, b, "roc_auc", n_resamples=200, method="bca")
    assert small == ref
    np.testing.assert_array_equal(small.distribution, ref.distribution)
    monkeypatch.undo()
    longer = paired_bootstrap_diff(y, a, b, "roc_auc", n_resamples=500)
    np.testing.assert_array_equal(longer.distribution[:200], ref.distribution)


def test_generator_seed_and_seed_sequence(binary_data):
    y, a, b = binary_data
    ss = np.random.SeedSequence(5)
    first = paired_bootstrap_diff(y, a, b, "brier", n_resamples=100, seed=ss)
    again = paired_bootstrap_diff(y, a, b, "brier", n_resamples=100, seed=ss)
    assert first == again  # the caller's SeedSequence is not consumed
    other = paired_bootstrap_diff(y, a, b, "brier", n_resamples=100, seed=6)
    assert not np.array_equal(first.distribution, other.distribution)


@pytest.mark.cluster
def test_dask_backend_is_bit_identical():
    distributed = pytest.importorskip("distributed")
    from joblib import parallel_config

    y, a, b = _data(4, 500)
    ref = paired_bootstrap_diff(y, a, b, "roc_auc", n_resamples=400, method="bca")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster),
    ):
        with parallel_config(backend="dask"):
            out = paired_bootstrap_diff(y, a, b, "roc_auc", n_resamples=400, method="bca", n_jobs=2)
    assert out == ref
    np.testing.assert_array_equal(out.distribution, ref.distribution)


# ---- statistics -----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["percentile", "bca"])
def test_agrees_with_scipy_paired_bootstrap(method):
    y, a, b = _data(7, 250)

    def delta(yy, aa, bb):
        return metrics.roc_auc_score(yy, bb) - metrics.roc_auc_score(yy, aa)

    ref = scipy.stats.bootstrap(
        (y, a, b),
        delta,
        paired=True,
        vectorized=False,
        n_resamples=2000,
        method="BCa" if method == "bca" else method,
        rng=np.random.default_rng(0),
    )
    ours = paired_bootstrap_diff(y, a, b, "roc_auc", n_resamples=4000, method=method, seed=1)
    assert ours.delta == pytest.approx(delta(y, a, b), abs=1e-12)
    se = ref.standard_error
    assert ours.std_error == pytest.approx(se, rel=0.08)
    # Endpoints of independent 2000- and 4000-resample runs differ by ~0.07 SE (MC error).
    assert abs(ours.ci_low - ref.confidence_interval.low) < 0.25 * se
    assert abs(ours.ci_high - ref.confidence_interval.high) < 0.25 * se


def test_bootstrap_se_matches_delong():
    y, a, b = _data(8, 2000, decimals=3)
    boot = paired_bootstrap_diff(y, a, b, "roc_auc", n_resamples=2000)
    dl = delong_test(y, a, b)
    assert boot.delta == pytest.approx(dl.delta, abs=1e-12)
    assert boot.std_error == pytest.approx(dl.std_error, rel=0.1)


def test_mde_matches_analytic_formula():
    # Correctness indicators of two independent classifiers: the paired delta of
    # accuracy is a mean of d = c_b - c_a with known variance.
    rng = np.random.default_rng(np.random.SeedSequence([11, 1]))
    n = 4000
    y = rng.integers(0, 2, n)
    correct_a = rng.uniform(size=n) < 0.80
    correct_b = rng.uniform(size=n) < 0.85
    a = np.where(correct_a, y, 1 - y).astype(float)
    b = np.where(correct_b, y, 1 - y).astype(float)
    est = paired_mde(y, a, b, "accuracy", n_resamples=4000, alpha=0.05, power=0.8)
    d = correct_b.astype(float) - correct_a.astype(float)
    sigma = d.std() / np.sqrt(n)
    z = scipy.stats.norm.ppf(0.975) + scipy.stats.norm.ppf(0.8)
    assert est.sigma_delta == pytest.approx(sigma, rel=0.05)
    assert est.mde == pytest.approx(z * sigma, rel=0.05)
    assert est.delta_observed == pytest.approx(d.mean(), abs=1e-12)
    assert est.n == n and est.n_resamples == 4000
    # mde_from_ci is the exact formula on the interval's standard error.
    ci = paired_bootstrap_diff(y, a, b, "accuracy", n_resamples=500)
    assert mde_from_ci(ci, alpha=0.01, power=0.9).mde == pytest.approx(
        (scipy.stats.norm.ppf(0.995) + scipy.stats.norm.ppf(0.9)) * ci.std_error, rel=1e-12
    )


def test_p_value_behaviour(binary_data):
    y, a, _ = binary_data
    same = paired_bootstrap_diff(y, a, a, "roc_auc", n_resamples=200)
    assert same.delta == 0 and same.p_value == 1.0 and same.overlaps_zero
    y2, a2, b2 = _data(9, 3000, shift=1.0)
    clear = paired_bootstrap_diff(y2, a2, b2, "roc_auc", n_resamples=999)
    assert clear.p_value == pytest.approx(2 / 1000) and not clear.overlaps_zero


@pytest.mark.parametrize("method", ["percentile", "basic", "bca", "studentized"])
@pytest.mark.parametrize("metric", ["roc_auc", "brier"])
def test_p_value_agrees_with_the_interval(method, metric):
    # p is the inverted interval: p < 1 - confidence exactly when the interval
    # excludes 0, at every level above the resolution floor 2 / (B + 1).
    for seed, shift in enumerate([0.0, 0.1, 0.2, 0.3, 0.5, 0.05, 0.15, 0.25]):
        y, a, b = _data(40 + seed, 300, shift=shift)
        for confidence in (0.9, 0.95, 0.99):
            res = paired_bootstrap_diff(
                y, a, b, metric, n_resamples=1000, method=method, confidence=confidence
            )
            assert 2 / 1001 <= res.p_value <= 1
            assert (res.p_value < 1 - confidence) == (not res.overlaps_zero), (shift, res)


@pytest.mark.parametrize("method", ["percentile", "basic", "bca", "studentized"])
def test_every_method_brackets_the_estimate(method, binary_data):
    y, a, b = binary_data
    res = paired_bootstrap_diff(y, a, b, "roc_auc", n_resamples=400, method=method, n_jobs=2)
    assert res.ci_low < res.delta < res.ci_high
    assert res.method == method


def _binormal(rng, n, mu_a, mu_b, rho):
    # Correlated unit normals from standard_normal only (no LAPACK), so the data
    # are identical on every platform.
    y = rng.integers(0, 2, n)
    z1, z2 = rng.standard_normal(n), rng.standard_normal(n)
    return y, mu_a * y + z1, mu_b * y + rho * z1 + np.sqrt(1 - rho**2) * z2


@pytest.mark.slow
@pytest.mark.parametrize("method", ["percentile", "bca"])
def test_coverage_of_auc_difference(method):
    # Binormal model: AUC = Phi(mu / sqrt(2)) for unit-variance classes.
    # 1000 repetitions: the Monte Carlo SE of the coverage is 0.7%.
    mu_a, mu_b, rho, n, reps = 1.0, 1.4, 0.5, 500, 1000
    truth = scipy.stats.norm.cdf(mu_b / np.sqrt(2)) - scipy.stats.norm.cdf(mu_a / np.sqrt(2))
    data_seeds, boot_seeds = np.random.SeedSequence(2026).spawn(2)
    covered = 0
    for data_seed, boot_seed in zip(data_seeds.spawn(reps), boot_seeds.spawn(reps)):
        y, a, b = _binormal(np.random.default_rng(data_seed), n, mu_a, mu_b, rho)
        res = paired_bootstrap_diff(
            y, a, b, "roc_auc", n_resamples=1000, method=method, seed=boot_seed
        )
        covered += res.ci_low <= truth <= res.ci_high
    assert 0.93 <= covered / reps <= 0.97, covered / reps


@pytest.mark.slow
def test_ten_million_samples_fit_in_memory():
    import tracemalloc

    rng = np.random.default_rng(np.random.SeedSequence([10, 7]))
    n = 10_000_000
    y = rng.integers(0, 2, n)
    a = rng.uniform(size=n)
    b = np.clip(a + 0.1 * y - 0.05, 0, 1)
    tracemalloc.start()
    res = paired_bootstrap_diff(y, a, b, "roc_auc", n_resamples=3, method="percentile")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert res.ci_low <= res.delta <= res.ci_high
    assert peak < 6 * 2**30, f"peak {peak / 2**30:.1f} GiB"


# ---- degenerate resamples -------------------------------------------------------------------


def test_degenerate_resamples_are_counted_dropped_and_warned():
    rng = np.random.default_rng(np.random.SeedSequence([3, 3]))
    y = np.zeros(40, dtype=int)
    y[:2] = 1  # P(no positive in a resample) = (38/40)^40 ~ 13%
    a, b = rng.uniform(size=40), rng.uniform(size=40)
    with pytest.warns(DegenerateResampleWarning, match=r"resamples .* left roc_auc undefined"):
        res = paired_bootstrap_diff(y, a, b, "roc_auc", n_resamples=500)
    assert 0.05 * 500 < res.n_degenerate < 0.25 * 500
    assert res.n_resamples + res.n_degenerate == 500
    assert np.all(np.isfinite(res.distribution))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateResampleWarning)
        strat = paired_bootstrap_diff(y, a, b, "roc_auc", n_resamples=500, stratify=True)
    assert strat.n_degenerate == 0 and strat.n_resamples == 500


def test_mostly_degenerate_raises():
    rng = np.random.default_rng(0)
    y = (rng.uniform(size=60) < 0.7).astype(int)
    y[0] = 0  # defined on the full data; undefined in ~70% of resamples
    s = rng.uniform(size=60)
    with pytest.raises(ValueError, match=r"more than half is too many"):
        bootstrap_ci(y, s, nan_when_first_positive, n_resamples=200, method="percentile")


# ---- results --------------------------------------------------------------------------------


def test_results_are_frozen_and_convert(binary_data):
    y, a, b = binary_data
    res = paired_bootstrap_diff(y, a, b, "roc_auc", n_resamples=100, method="bca")
    assert isinstance(res, PairedBootstrapCI)
    with pytest.raises(AttributeError):
        res.delta = 0.0  # type: ignore[misc]
    d = res.to_dict()
    assert set(d) >= {
        "delta",
        "ci_low",
        "ci_high",
        "overlaps_zero",
        "confidence",
        "n_resamples",
        "method",
        "std_error",
        "p_value",
        "n_degenerate",
    }
    assert "distribution" not in d and all(not isinstance(v, np.generic) for v in d.values())
    assert str(res).startswith("B - A roc_auc = +")
    assert "95% BCa, 100 resamples" in str(res)
    ci = bootstrap_ci(y, a, "roc_auc", n_resamples=100)
    assert isinstance(ci, BootstrapCI) and "distribution" not in repr(ci)


# ---- input validation -----------------------------------------------------------------------


def _good():
    y = np.array([0, 1, 0, 1, 1, 0, 1, 0])
    s = np.array([0.1, 0.9, 0.3, 0.7, 0.6, 0.2, 0.8, 0.4])
    return y, s


@pytest.mark.parametrize(
    "change, message",
    [
        (
            dict(y_score_b=np.ones(5) / 2),
            r"The 'y_score_b' parameter of paired_bootstrap_diff must be of the same length",
        ),
        (dict(y_true=np.array([])), r"The 'y_true' parameter .* must be a non-empty array"),
        (
            dict(y_score_a=np.array([0.1, np.nan, 0.3, 0.7, 0.6, 0.2, 0.8, 0.4])),
            r"'y_score_a' .* free of NaN and inf",
        ),
        (
            dict(y_score_a=np.array([0.1, np.inf, 0.3, 0.7, 0.6, 0.2, 0.8, 0.4])),
            r"'y_score_a' .* free of NaN and inf",
        ),
        (dict(y_true=np.array([0, 1, 2, 1, 1, 0, 1, 0])), r"'y_true' .* must be binary"),
        (dict(y_true=np.array(list("abababab"))), r"'y_true' .*pass pos_label"),
        (
            dict(metric="brier", y_score_a=np.linspace(-1, 2, 8)),
            r"'y_score_a' .* probabilities in \[0, 1\]",
        ),
        (dict(metric="roc_auc", y_true=np.ones(8, dtype=int)), r"'y_true' .* roc_auc is defined"),
        (dict(metric="auc"), r"The 'metric' parameter .* must be a metric name of .*'roc_auc'"),
        (dict(metric=3), r"The 'metric' parameter .* a scikit-learn scorer name .*, a callable"),
        (dict(confidence=1.0), r"'confidence' .* open interval \(0, 1\)"),
        (dict(confidence=0), r"'confidence' .* open interval \(0, 1\)"),
        (dict(n_resamples=0), r"'n_resamples' .* an int >= 1"),
        (dict(n_resamples=10.5), r"'n_resamples' .* an int >= 1"),
        (dict(method="bootstrap-t"), r"'method' .* one of 'percentile', 'basic', 'bca'"),
        (dict(method="studentized", metric="ece"), r"'method' .*'studentized' needs"),
        (dict(n_jobs=0), r"'n_jobs' .*use 1 or -1"),
        (dict(seed=-1), r"'seed' .* non-negative int"),
        (dict(stratify="yes"), r"'stratify' .* a bool"),
        (dict(progress=1), r"'progress' .* a bool"),
        (dict(y_score_a=np.ones((8, 3))), r"'y_score_a' .* a 1-D array of scores"),
        (dict(groups=np.arange(5)), r"'groups' .* a 1-D array of length 8"),
        (dict(groups=np.zeros(8)), r"'groups' .* at least 2 distinct groups"),
        (dict(groups=np.array([0, 1, np.nan, 1, 0, 1, 0, 1])), r"'groups' .* free of NaN"),
        (dict(groups=np.array([0, "a"] * 4, dtype=object)), r"'groups' .* one comparable kind"),
        (dict(groups=np.arange(8) // 2, stratify=True), r"'stratify' .* False when groups"),
        (
            dict(groups=np.arange(8) // 2, method="studentized"),
            r"'method' .* 'percentile', 'basic' or 'bca' with groups",
        ),
    ],
)
def test_paired_bootstrap_diff_input_errors(change, message):
    y, s = _good()
    kwargs = dict(y_true=y, y_score_a=s, y_score_b=s[::-1].copy(), metric="roc_auc", n_resamples=10)
    kwargs.update(change)
    with pytest.raises(ValueError, match=message):
        paired_bootstrap_diff(**kwargs)


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(n_bins=0), r"'n_bins' parameter of paired_bootstrap_ece_diff must be an int >= 1"),
        (dict(strategy="kmeans"), r"'strategy' .* one of 'uniform', 'quantile'"),
        (dict(estimator="kumar"), r"'estimator' .* one of 'plugin', 'debiased'"),
        (dict(y_score_a=np.linspace(0, 2, 8)), r"probabilities in \[0, 1\]"),
    ],
)
def test_paired_bootstrap_ece_diff_input_errors(change, message):
    y, s = _good()
    kwargs = dict(y_true=y, y_score_a=s, y_score_b=s[::-1].copy(), n_resamples=10)
    kwargs.update(change)
    with pytest.raises(ValueError, match=message):
        paired_bootstrap_ece_diff(**kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(alpha=0.0), r"'alpha' parameter of paired_mde"),
        (dict(power=1.2), r"'power' parameter of paired_mde"),
    ],
)
def test_paired_mde_input_errors(kwargs, message):
    y, s = _good()
    with pytest.raises(ValueError, match=message):
        paired_mde(y, s, s[::-1].copy(), "roc_auc", n_resamples=10, **kwargs)


def test_mde_from_ci_rejects_other_objects():
    with pytest.raises(
        ValueError, match=r"'ci' parameter of mde_from_ci must be a PairedBootstrapCI"
    ):
        mde_from_ci({"std_error": 0.1})


def test_bootstrap_ci_input_errors():
    y, s = _good()
    with pytest.raises(
        ValueError, match=r"'y_score' parameter of bootstrap_ci must be of the same"
    ):
        bootstrap_ci(y, s[:4], "roc_auc")
    with pytest.raises(ValueError, match=r"'n_jobs' parameter of bootstrap_ci"):
        bootstrap_ci(y, s, "roc_auc", n_jobs=-3)


def test_unpicklable_custom_metric_is_rejected_before_work(binary_data):
    y, a, b = binary_data
    with pytest.raises(TypeError, match=r"^parallel_map of paired_bootstrap_diff .*not picklable"):
        paired_bootstrap_diff(y, a, b, lambda t, s: 0.0, n_resamples=10, n_jobs=2)


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two cores")
def test_worker_error_in_custom_metric_keeps_type(binary_data):
    y, a, b = binary_data
    with pytest.raises(ZeroDivisionError):
        paired_bootstrap_diff(y, a, b, divide_by_zero, n_resamples=10, n_jobs=2)


def divide_by_zero(y_true, y_score):
    return 1 / 0


def test_few_samples_in_a_class_warn_that_no_interval_is_reliable():
    rng = np.random.default_rng(12)
    y = np.zeros(300, dtype=int)
    y[:9] = 1
    s = rng.uniform(size=300) + 0.3 * y
    with pytest.warns(eval_toolkit.SmallSampleWarning, match="only 9 positive samples"):
        bootstrap_ci(y, s, "roc_auc", n_resamples=50)
    y[:10] = 1
    with warnings.catch_warnings():
        warnings.simplefilter("error", eval_toolkit.SmallSampleWarning)
        paired_bootstrap_diff(y, s, s[::-1].copy(), "roc_auc", n_resamples=50)
