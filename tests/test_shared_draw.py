"""One draw for several metrics (eval_toolkit._shared_draw) equals one functional call per metric."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

from eval_toolkit import BootstrapCI, PairedBootstrapCI, bootstrap_ci, paired_bootstrap_diff
from eval_toolkit._shared_draw import _groups, bootstrap_cis, paired_bootstrap_diffs


def custom_auc(y_true, y_score):
    return skm.roc_auc_score(y_true, y_score)


def broken(y_true, y_score):
    raise RuntimeError("this metric always fails")


def _binary(n=400, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    a = 1 / (1 + np.exp(-(y + rng.normal(0, 1.2, n))))
    b = 1 / (1 + np.exp(-(1.4 * y + rng.normal(0, 1.2, n))))
    return y, a, b


def _multiclass(n=300, seed=1):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    logits = rng.normal(0, 1, (n, 3))
    logits[np.arange(n), y] += 1.0
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    other = np.roll(proba, 1, axis=0) * 0.3 + proba * 0.7
    return y, proba, other


def _regression(n=300, seed=2):
    rng = np.random.default_rng(seed)
    y = rng.normal(0, 1, n)
    return y, y + rng.normal(0, 0.5, n), y + rng.normal(0, 0.7, n)


def _same(got, want):
    if isinstance(want, BootstrapCI):
        assert isinstance(got, BootstrapCI)
        assert (got.point_estimate, got.ci_low, got.ci_high, got.std_error, got.n_degenerate) == (
            want.point_estimate, want.ci_low, want.ci_high, want.std_error, want.n_degenerate)
        np.testing.assert_array_equal(got.distribution, want.distribution)
    else:
        assert isinstance(got, PairedBootstrapCI)
        assert (got.delta, got.ci_low, got.ci_high, got.p_value, got.n_degenerate) == (
            want.delta, want.ci_low, want.ci_high, want.p_value, want.n_degenerate)


CASES = {
    # score metrics share one table; accuracy (thresholded) and the callable draw alone
    "binary": (_binary, ["roc_auc", "average_precision", "brier", "ece", "accuracy",
                         custom_auc, "log_loss"]),
    "multiclass": (_multiclass, ["accuracy", "f1_macro", "log_loss", "roc_auc_ovr", "brier"]),
    "regression": (_regression, ["mean_absolute_error", "root_mean_squared_error", "r2",
                                 "mean_squared_error"]),
}


@pytest.mark.parametrize("task", list(CASES))
@pytest.mark.parametrize("method", ["percentile", "bca", "studentized"])
def test_shared_draw_equals_one_call_per_metric(task, method):
    make, metrics = CASES[task]
    y, a, b = make()
    if method == "studentized":  # only metrics with influence values
        # (multiclass accuracy is refused with a TypeError from the engine, not a ValueError)
        keep = ("brier", "log_loss", "mean_absolute_error", "r2") + (
            ("roc_auc", "accuracy") if task == "binary" else ())
        metrics = [m for m in metrics if m in keep]
    kw = dict(n_resamples=150, method=method, seed=np.random.SeedSequence(5, spawn_key=(2,)))
    for got, metric in zip(bootstrap_cis(y, a, metrics, **kw), metrics):
        _same(got, bootstrap_ci(y, a, metric, **kw))
    for got, metric in zip(paired_bootstrap_diffs(y, a, b, metrics, **kw), metrics):
        _same(got, paired_bootstrap_diff(y, a, b, metric, **kw))


def test_shared_draw_with_groups_and_pos_label():
    y, a, b = _binary(n=300)
    groups = np.arange(300) // 3
    labels = np.where(y == 1, "sick", "well")
    metrics = ["roc_auc", "brier", "recall"]
    kw = dict(n_resamples=120, seed=3, groups=groups, pos_label="sick", method="bca")
    for got, metric in zip(bootstrap_cis(labels, a, metrics, **kw), metrics):
        _same(got, bootstrap_ci(labels, a, metric, **kw))
    for got, metric in zip(paired_bootstrap_diffs(labels, a, b, metrics, **kw), metrics):
        _same(got, paired_bootstrap_diff(labels, a, b, metric, **kw))


def test_score_metrics_share_one_draw_and_thresholded_ones_do_not():
    from eval_toolkit import _engine
    from eval_toolkit.bootstrap import problem_iv, problem_statistic

    y, a, _ = _binary()
    stats = {}
    for i, metric in enumerate(["roc_auc", "average_precision", "brier", "ece", "accuracy"]):
        problem = problem_iv("bootstrap_ci", y, {"y_score": a}, metric, n_resamples=10,
                              confidence=0.95, method="percentile", seed=0, n_jobs=1,
                              stratify=False, pos_label=None)
        stats[i] = problem_statistic(problem, _engine.KernelOptions())
    assert _groups(stats) == [[0, 1, 2, 3], [4]]


def test_a_failing_metric_is_its_own_error_and_the_others_still_run():
    y, a, b = _binary()
    metrics = ["roc_auc", broken, "no_such_metric", "brier"]
    got = bootstrap_cis(y, a, metrics, n_resamples=100, seed=1)
    _same(got[0], bootstrap_ci(y, a, "roc_auc", n_resamples=100, seed=1))
    _same(got[3], bootstrap_ci(y, a, "brier", n_resamples=100, seed=1))
    assert isinstance(got[1], RuntimeError) and "always fails" in str(got[1])
    with pytest.raises(ValueError) as want:
        bootstrap_ci(y, a, "no_such_metric", n_resamples=100, seed=1)
    assert type(got[2]) is ValueError and str(got[2]) == str(want.value)


def test_warnings_are_raised_once_as_in_the_functional_call():
    y, a, _ = _binary(n=60)
    y[:] = 0
    y[:6] = 1  # 6 positives: SmallSampleWarning
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bootstrap_cis(y, a, ["roc_auc", "brier"], n_resamples=50, seed=0)
    with warnings.catch_warnings(record=True) as expected:
        warnings.simplefilter("always")
        for metric in ("roc_auc", "brier"):
            bootstrap_ci(y, a, metric, n_resamples=50, seed=0)
    assert [str(w.message) for w in caught] == [str(w.message) for w in expected]
