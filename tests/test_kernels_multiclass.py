"""Multiclass kernels against scikit-learn on expanded resamples."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics

from eval_toolkit._kernel_utils import Kernel
from eval_toolkit.metrics import get_metric, list_metrics

TOL = 1e-12
LABEL_METRICS = [m.name for m in list_metrics("multiclass")
                 if m.response_method["multiclass"] == ("predict",)]
PROBA_METRICS = [m.name for m in list_metrics("multiclass")
                 if m.response_method["multiclass"] != ("predict",) and m.name != "ece"]


@st.composite
def label_cells(draw, max_classes=10, max_count=25):
    """Distinct (y, pred) class-code cells, multiplicities and count rows (n up to ~500)."""
    c = draw(st.integers(2, max_classes))
    pairs = draw(st.lists(st.tuples(st.integers(0, c - 1), st.integers(0, c - 1)),
                          min_size=1, max_size=min(c * c, 20), unique=True))
    y, pred = (np.array(v) for v in zip(*pairs))
    k = y.shape[0]
    mult = np.array(draw(st.lists(st.integers(1, 5), min_size=k, max_size=k)))
    rows = draw(st.integers(1, 4))
    counts = np.array(draw(st.lists(st.lists(st.integers(0, max_count), min_size=k, max_size=k),
                                    min_size=rows, max_size=rows)))
    return c, y, pred, mult, counts


@st.composite
def proba_cells(draw, max_classes=6, max_cells=25):
    """Cells (y, probability row) with tied probabilities, multiplicities and count rows."""
    c = draw(st.integers(3, max_classes))
    k = draw(st.integers(1, max_cells))
    y = np.array(draw(st.lists(st.integers(0, c - 1), min_size=k, max_size=k)))
    raw = np.array(draw(st.lists(st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0]),
                                          min_size=c, max_size=c), min_size=k, max_size=k)))
    raw[raw.sum(axis=1) == 0, 0] = 1.0
    proba = raw / raw.sum(axis=1, keepdims=True)
    mult = np.array(draw(st.lists(st.integers(1, 5), min_size=k, max_size=k)))
    rows = draw(st.integers(1, 4))
    counts = np.array(draw(st.lists(st.lists(st.integers(0, 20), min_size=k, max_size=k),
                                    min_size=rows, max_size=rows)))
    return c, y, proba, mult, counts


def _close(value, expected):
    return math.isclose(value, expected, rel_tol=TOL, abs_tol=TOL) or (
        np.isnan(value) and np.isnan(expected)
    )


def _sklearn(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zero-division and undefined-metric warnings
        try:
            return float(fn(*args, **kwargs))
        except (ValueError, ZeroDivisionError):  # e.g. ROC AUC when a class is missing
            return float("nan")


@pytest.mark.parametrize("name", LABEL_METRICS)
@pytest.mark.parametrize("fixed_labels", [False, True])
@settings(max_examples=60, deadline=None)
@given(data=label_cells())
def test_label_kernel_matches_sklearn(name, fixed_labels, data):
    c, y, pred, mult, counts = data
    spec = get_metric(name)
    kernel = spec.kernel("multiclass", y, pred, mult, n_classes=c, fixed_labels=fixed_labels)
    reference = spec.reference()
    if fixed_labels and "average" in spec.sklearn_kwargs:
        reference = spec.reference(labels=np.arange(c))
    for row, value in zip(counts, kernel(counts), strict=True):
        yy, pp = np.repeat(y, row), np.repeat(pred, row)
        if yy.size == 0:
            assert np.isnan(value)
            continue
        expected = _sklearn(reference, yy, pp)
        assert _close(value, expected), (value, expected)


@pytest.mark.parametrize("name", PROBA_METRICS)
@settings(max_examples=60, deadline=None)
@given(data=proba_cells(), k=st.integers(1, 3))
def test_probability_kernel_matches_sklearn(name, data, k):
    c, y, proba, mult, counts = data
    spec = get_metric(name)
    options = {"k": k} if name == "top_k_accuracy" else {}
    kernel = spec.kernel("multiclass", y, proba, mult, **options)
    reference = spec.reference(labels=np.arange(c), **options)
    for row, value in zip(counts, kernel(counts), strict=True):
        yy, pp = np.repeat(y, row), np.repeat(proba, row, axis=0)
        if yy.size == 0:
            assert np.isnan(value)
            continue
        expected = _sklearn(reference, yy, pp)
        assert _close(value, expected), (value, expected)


def _top_label_ece(y, proba, n_bins=10):
    """Slow obvious top-label ECE: sklearn's calibration bins on (max p, argmax correct)."""
    confidence, correct = proba.max(axis=1), (proba.argmax(axis=1) == y)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = np.searchsorted(edges[1:-1], confidence)  # calibration_curve's binning
    gaps = [abs(confidence[bins == b].sum() - correct[bins == b].sum()) for b in range(n_bins)]
    return sum(gaps) / y.shape[0]


@settings(max_examples=60, deadline=None)
@given(data=proba_cells())
def test_top_label_ece_matches_slow_reference(data):
    c, y, proba, mult, counts = data
    kernel = get_metric("ece").kernel("multiclass", y, proba, mult)
    for row, value in zip(counts, kernel(counts), strict=True):
        if row.sum() == 0:
            continue
        expected = _top_label_ece(np.repeat(y, row), np.repeat(proba, row, axis=0))
        assert _close(value, expected), (value, expected)


@pytest.mark.parametrize("name", ["log_loss", "brier", "top_k_accuracy", "accuracy",
                                  "roc_auc_ovr"])
@settings(max_examples=30, deadline=None)
@given(data=proba_cells())
def test_loo_equals_deletion(name, data):
    c, y, proba, mult, _ = data
    spec = get_metric(name)
    pred = proba.argmax(axis=1) if name == "accuracy" else proba
    kernel = spec.kernel("multiclass", y, pred, mult, n_classes=c, k=2)
    np.testing.assert_allclose(kernel.loo(), Kernel.loo(kernel), rtol=1e-9, atol=1e-12)


def test_labels_include_absent_class():
    # With fixed labels, a class absent from a resample counts as F1 = 0, as in sklearn.
    y, pred = np.array([0, 1, 2]), np.array([0, 1, 1])
    kernel = get_metric("f1_macro").kernel("multiclass", y, pred, np.ones(3), n_classes=4,
                                           fixed_labels=True)
    expected = metrics.f1_score(y, pred, average="macro", labels=[0, 1, 2, 3], zero_division=0)
    assert math.isclose(kernel(np.ones((1, 3)))[0], expected)


@settings(max_examples=40, deadline=None)
@given(data=label_cells())
def test_accuracy_influence_is_hits_minus_accuracy(data):
    """Accuracy is a mean of hits, whose influence function is ``hit - accuracy``."""
    c, y, pred, mult, counts = data
    kernel = get_metric("accuracy").kernel("multiclass", y, pred, mult, n_classes=c)
    accuracy = kernel(counts)
    hits = (y == pred).astype(float)
    expected = hits[np.newaxis, :] - accuracy[:, np.newaxis]
    present = counts.sum(axis=1) > 0
    np.testing.assert_allclose(kernel.influence(counts)[present], expected[present], atol=TOL)


def test_multiclass_accuracy_studentized_interval():
    from eval_toolkit import bootstrap_ci

    rng = np.random.default_rng(5)
    y = rng.integers(0, 4, 400)
    pred = np.where(rng.random(400) < 0.7, y, rng.integers(0, 4, 400))
    result = bootstrap_ci(y, pred, "accuracy", method="studentized", n_resamples=400, seed=1)
    assert result.point_estimate == metrics.accuracy_score(y, pred)
    # Same resamples as the percentile interval; both near the normal
    # approximation sqrt(p (1 - p) / n) = 0.023 at p = 0.74.
    percentile = bootstrap_ci(y, pred, "accuracy", n_resamples=400, seed=1)
    assert 0 <= result.ci_low < result.point_estimate < result.ci_high <= 1
    assert abs(result.ci_low - percentile.ci_low) < 0.01
    assert abs(result.ci_high - percentile.ci_high) < 0.01
