"""The functional API on multiclass and regression tasks."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from sklearn import metrics

from eval_toolkit import (
    DegenerateResampleWarning,
    bootstrap_ci,
    metric_value,
    paired_bootstrap_diff,
    paired_mde,
)

CLASSES = np.array(["ant", "bee", "cat", "dog"])


@pytest.fixture
def regression_data():
    rng = np.random.default_rng(11)
    n = 300
    y = rng.normal(size=n)
    return y, y + rng.normal(size=n), y + 0.8 * rng.normal(size=n)


@pytest.fixture
def multiclass_data():
    """String labels, label predictions and probability matrices of two models."""
    rng = np.random.default_rng(12)
    n = 300
    code = rng.integers(0, 4, n)
    logits_a = rng.normal(size=(n, 4))
    logits_a[np.arange(n), code] += 1.0
    logits_b = logits_a + rng.normal(scale=0.7, size=(n, 4))
    logits_b[np.arange(n), code] += 0.5
    proba = [np.exp(z) / np.exp(z).sum(axis=1, keepdims=True) for z in (logits_a, logits_b)]
    labels = [CLASSES[p.argmax(axis=1)] for p in proba]
    return CLASSES[code], labels, proba


REGRESSION_METRICS = ["mae", "neg_mean_squared_error", "rmse", "r2", "explained_variance",
                      "mape", "median_absolute_error", "mean_pinball_loss", "d2_absolute_error"]
LABEL_METRICS = ["accuracy", "balanced_accuracy", "f1_macro", "precision_weighted",
                 "recall_micro", "matthews_corrcoef", "cohen_kappa"]
PROBA_METRICS = ["neg_log_loss", "brier", "ece", "top_k_accuracy", "roc_auc_ovr",
                 "roc_auc_ovo_weighted"]


@pytest.mark.parametrize("metric", REGRESSION_METRICS)
def test_regression_point_values_are_sklearn(regression_data, metric):
    y, a, b = regression_data
    res = paired_bootstrap_diff(y, a, b, metric, n_resamples=50)
    from eval_toolkit.metrics import get_metric

    reference = get_metric(metric).reference()
    assert math.isclose(res.value_a, reference(y, a), rel_tol=1e-12)
    assert math.isclose(res.value_b, reference(y, b), rel_tol=1e-12)
    assert math.isclose(res.delta, res.value_b - res.value_a, rel_tol=1e-12, abs_tol=1e-15)
    assert res.task == "regression"
    assert res.ci_a[0] <= res.value_a <= res.ci_a[1]


@pytest.mark.parametrize("metric", LABEL_METRICS + PROBA_METRICS)
def test_multiclass_point_values_are_sklearn(multiclass_data, metric):
    y, labels, proba = multiclass_data
    preds = proba if metric in PROBA_METRICS else labels
    res = paired_bootstrap_diff(y, preds[0], preds[1], metric, n_resamples=50)
    assert res.task == "multiclass"
    if metric == "ece":
        return  # no scikit-learn reference; the kernel test compares it to a slow one
    from eval_toolkit.metrics import get_metric

    spec = get_metric(metric)
    reference = spec.reference(labels=CLASSES) if metric in PROBA_METRICS else spec.reference()
    for value, pred in zip((res.value_a, res.value_b), preds):
        assert math.isclose(value, reference(y, pred), rel_tol=1e-12)


def test_neg_scorer_name_reports_the_metric(regression_data):
    y, a, b = regression_data
    res = bootstrap_ci(y, a, "neg_mean_absolute_error", n_resamples=50)
    assert res.metric == "mean_absolute_error" and res.greater_is_better is False
    assert math.isclose(res.point_estimate, metrics.mean_absolute_error(y, a))


def test_sklearn_function_and_scorer_dispatch_to_the_kernel(regression_data, multiclass_data):
    y, a, b = regression_data
    by_name = paired_bootstrap_diff(y, a, b, "r2", n_resamples=100)
    for metric in (metrics.r2_score, metrics.make_scorer(metrics.r2_score)):
        res = paired_bootstrap_diff(y, a, b, metric, n_resamples=100)
        np.testing.assert_array_equal(res.distribution, by_name.distribution)
    yc, labels, _ = multiclass_data
    by_name = paired_bootstrap_diff(yc, *labels, "f1_macro", n_resamples=100)
    partial = functools.partial(metrics.f1_score, average="macro")
    res = paired_bootstrap_diff(yc, *labels, partial, n_resamples=100)
    np.testing.assert_array_equal(res.distribution, by_name.distribution)


def test_generic_metric_gets_original_labels(multiclass_data):
    y, labels, _ = multiclass_data
    seen = []

    def share_of_cats(t, p):
        seen.append(t[0])
        return float(np.mean(p == "cat"))

    bootstrap_ci(y, labels[0], share_of_cats, n_resamples=20)
    assert set(seen) <= set(CLASSES)


def test_generic_and_kernel_paths_agree_in_distribution(regression_data):
    # Different random streams (indices vs counts), same bootstrap distribution.
    y, a, b = regression_data
    fast = bootstrap_ci(y, a, "mae", n_resamples=2000, method="percentile")
    slow = bootstrap_ci(y, a, lambda t, p: float(np.mean(np.abs(t - p))), n_resamples=2000,
                        method="percentile")
    assert math.isclose(fast.point_estimate, slow.point_estimate, rel_tol=1e-12)
    assert math.isclose(fast.std_error, slow.std_error, rel_tol=0.1)


def test_probability_metric_on_label_predictions_is_an_error(multiclass_data):
    y, labels, _ = multiclass_data
    with pytest.raises(ValueError, match=r"'y_score_a' .* matrix of class probabilities"):
        paired_bootstrap_diff(y, labels[0], labels[1], "roc_auc_ovr", n_resamples=10)


def test_label_metric_of_probabilities_uses_argmax(multiclass_data):
    y, labels, proba = multiclass_data
    res = bootstrap_ci(y, proba[0], "accuracy", n_resamples=20)
    assert math.isclose(res.point_estimate, metrics.accuracy_score(y, labels[0]))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(y_true=np.arange(6) % 3, y_score_a=np.arange(6) % 3,
              y_score_b=np.arange(6) % 2, metric=lambda t, p: 0.0),
         r"'task' parameter .* pass task='multiclass' or task='regression'"),
        (dict(y_true=np.arange(6) % 3, y_score_a=np.ones(6), y_score_b=np.ones(6),
              metric="roc_auc"), r"'y_true' .* binary labels for metric 'roc_auc'"),
        (dict(y_true=np.linspace(0, 1, 6), y_score_a=np.ones(6), y_score_b=np.ones(6),
              metric="f1_macro"), r"'y_true' .* class labels .* Got 'continuous values'"),
        (dict(y_true=np.arange(6) % 3, y_score_a=np.ones((6, 2)), y_score_b=np.ones((6, 3)),
              metric="neg_log_loss"), r"'y_score_a' .* of shape \(6, 3\)"),
        (dict(y_true=np.arange(6) % 3, y_score_a=np.arange(6) % 3, y_score_b=np.arange(6) % 3,
              metric="accuracy", labels=[0, 1]), r"'labels' .* holding every class"),
        (dict(y_true=np.linspace(0, 1, 6), y_score_a=np.ones(6), y_score_b=np.ones(5),
              metric="mae"), r"'y_score_b' .* 1-D array of 6 predictions"),
        (dict(y_true=np.linspace(0, 1, 6), y_score_a=np.ones(6), y_score_b=np.ones(6),
              metric="mae", stratify=True), r"'stratify' .* False for regression"),
        (dict(y_true=np.linspace(0, 1, 6), y_score_a=np.ones(6), y_score_b=np.ones(6),
              metric="median_absolute_error", method="studentized"), r"'method'"),
        (dict(y_true=np.arange(6) % 3, y_score_a=np.arange(6) % 3, y_score_b=np.arange(6) % 3,
              metric="accuracy", task="ordinal"), r"'task' .* one of"),
    ],
)
def test_task_errors_name_the_argument(kwargs, message):
    kwargs = {"n_resamples": 10, **kwargs}
    with pytest.raises(ValueError, match=message):
        paired_bootstrap_diff(**kwargs)


def test_task_argument_resolves_ambiguity():
    y = np.arange(60) % 3
    a, b = (y + 1) % 3, y.copy()
    res = paired_bootstrap_diff(y, a, b, lambda t, p: float(np.mean(t == p)), task="multiclass",
                                n_resamples=20)
    assert res.task == "multiclass" and res.delta == 1.0
    res = paired_bootstrap_diff(y, a, b, lambda t, p: float(np.mean(t - p)), task="regression",
                                n_resamples=20)
    assert res.task == "regression"


def test_stratify_keeps_every_class():
    rng = np.random.default_rng(3)
    n = 200
    y = rng.integers(0, 3, n)
    y[:3] = 3  # absent from ~5% of plain resamples: (1 - 3/200)^200
    proba = rng.dirichlet(np.ones(4), n)
    with pytest.warns(DegenerateResampleWarning):
        loose = bootstrap_ci(y, proba, "roc_auc_ovr", n_resamples=200)
    tight = bootstrap_ci(y, proba, "roc_auc_ovr", n_resamples=200, stratify=True)
    assert loose.n_degenerate > 0 and tight.n_degenerate == 0


def test_metric_value_matches_bootstrap_point(multiclass_data, regression_data):
    y, labels, proba = multiclass_data
    assert metric_value(y, proba[0], "roc_auc_ovr") == bootstrap_ci(
        y, proba[0], "roc_auc_ovr", n_resamples=10).point_estimate
    yr, a, _ = regression_data
    assert metric_value(yr, a, "r2") == metrics.r2_score(yr, a) or math.isclose(
        metric_value(yr, a, "r2"), metrics.r2_score(yr, a), rel_tol=1e-12)


# ---- reproducibility --------------------------------------------------------------------------

CASES = [
    ("regression", "mae", "bca"),
    ("regression", "r2", "studentized"),
    ("regression", "median_absolute_error", "bca"),
    ("labels", "f1_macro", "bca"),
    ("proba", "roc_auc_ovr", "percentile"),
    ("proba", "neg_log_loss", "studentized"),
    ("labels", "custom", "bca"),
]


def _case(kind, regression_data, multiclass_data):
    if kind == "regression":
        return regression_data
    y, labels, proba = multiclass_data
    return (y, *labels) if kind == "labels" else (y, *proba)


def _accuracy(t, p):
    return float(np.mean(t == p))


@pytest.mark.parametrize("kind, metric, method", CASES)
def test_bootstrap_ci_n_jobs_reproducibility(kind, metric, method, regression_data,
                                            multiclass_data):
    y, a, _ = _case(kind, regression_data, multiclass_data)
    metric = _accuracy if metric == "custom" else metric
    one = bootstrap_ci(y, a, metric, n_resamples=200, method=method, n_jobs=1)
    two = bootstrap_ci(y, a, metric, n_resamples=200, method=method, n_jobs=2)
    assert one == two
    np.testing.assert_array_equal(one.distribution, two.distribution)


@pytest.mark.parametrize("kind, metric, method", CASES)
def test_paired_bootstrap_diff_n_jobs_reproducibility(kind, metric, method, regression_data,
                                                     multiclass_data):
    y, a, b = _case(kind, regression_data, multiclass_data)
    metric = _accuracy if metric == "custom" else metric
    one = paired_bootstrap_diff(y, a, b, metric, n_resamples=200, method=method, n_jobs=1)
    two = paired_bootstrap_diff(y, a, b, metric, n_resamples=200, method=method, n_jobs=2)
    assert one == two
    np.testing.assert_array_equal(one.distribution, two.distribution)


@pytest.mark.parametrize("kind, metric", [("regression", "rmse"), ("labels", "accuracy"),
                                          ("proba", "brier")])
def test_paired_mde_n_jobs_reproducibility(kind, metric, regression_data, multiclass_data):
    y, a, b = _case(kind, regression_data, multiclass_data)
    assert paired_mde(y, a, b, metric, n_resamples=200, n_jobs=1) == paired_mde(
        y, a, b, metric, n_resamples=200, n_jobs=2)


@pytest.mark.cluster
def test_dask_backend_is_bit_identical_for_multiclass_and_regression(regression_data,
                                                                     multiclass_data):
    distributed = pytest.importorskip("distributed")
    from joblib import parallel_config

    cases = [(regression_data, "r2", "bca"), (_case("proba", None, multiclass_data),
                                              "roc_auc_ovr", "bca")]
    refs = [paired_bootstrap_diff(*data, metric, n_resamples=300, method=method)
            for data, metric, method in cases]
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                 host="127.0.0.1", dashboard_address=None) as cluster,
        distributed.Client(cluster),
        parallel_config(backend="dask"),
    ):
        outs = [paired_bootstrap_diff(*data, metric, n_resamples=300, method=method, n_jobs=2)
                for data, metric, method in cases]
    for out, ref in zip(outs, refs):
        assert out == ref
        np.testing.assert_array_equal(out.distribution, ref.distribution)
