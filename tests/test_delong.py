"""Tests for eval_toolkit.delong: DeLong's test for two correlated ROC AUCs."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm
from sklearn.metrics import roc_auc_score

from eval_toolkit.delong import DeLongResult, delong_test


def slow_delong(y, score_a, score_b):
    """DeLong et al. (1988) straight from the paper, O(m * n), no ranks.

    psi(x, y) = 1 if x > y, 1/2 if x == y, 0 otherwise; V10 averages psi over
    negatives for each positive, V01 over positives for each negative.
    Returns (auc_a, auc_b, var(auc_b - auc_a)).
    """
    pos = np.asarray(y) == 1
    v10, v01, aucs = [], [], []
    for s in (np.asarray(score_a, float), np.asarray(score_b, float)):
        x, yy = s[pos], s[~pos]
        psi = (x[:, None] > yy[None, :]) + 0.5 * (x[:, None] == yy[None, :])
        v10.append(psi.mean(axis=1))
        v01.append(psi.mean(axis=0))
        aucs.append(psi.mean())
    m, n = len(v10[0]), len(v01[0])
    s10 = np.empty((2, 2))
    s01 = np.empty((2, 2))
    for r in range(2):
        for c in range(2):
            s10[r, c] = np.sum((v10[r] - aucs[r]) * (v10[c] - aucs[c])) / (m - 1)
            s01[r, c] = np.sum((v01[r] - aucs[r]) * (v01[c] - aucs[c])) / (n - 1)
    var = (s10[0, 0] + s10[1, 1] - 2 * s10[0, 1]) / m + (s01[0, 0] + s01[1, 1] - 2 * s01[0, 1]) / n
    return aucs[0], aucs[1], var


@st.composite
def tied_problems(draw):
    """Labels with >= 2 of each class and two score vectors with many ties."""
    n = draw(st.integers(4, 60))
    y = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    y[:4] = [0, 0, 1, 1]
    levels = draw(st.integers(1, 8))
    scores = st.lists(st.integers(0, levels), min_size=n, max_size=n)
    a = np.array(draw(scores), float) / levels
    b = np.array(draw(scores), float) / levels
    if draw(st.booleans()):  # correlated arms, as in a real comparison
        b = np.round((a + b) / 2, 1)
    return np.array(y), a, b


@settings(max_examples=100, deadline=None)
@given(tied_problems())
def test_matches_slow_reference_and_sklearn(problem):
    y, a, b = problem
    res = delong_test(y, a, b)
    auc_a, auc_b, var = slow_delong(y, a, b)
    assert res.auc_a == pytest.approx(roc_auc_score(y, a), abs=1e-12)
    assert res.auc_b == pytest.approx(roc_auc_score(y, b), abs=1e-12)
    assert res.auc_a == pytest.approx(auc_a, abs=1e-12)
    assert res.auc_b == pytest.approx(auc_b, abs=1e-12)
    assert res.std_error**2 == pytest.approx(var, abs=1e-12)
    assert res.delta == pytest.approx(res.auc_b - res.auc_a, abs=1e-15)
    assert 0.0 <= res.p_value <= 1.0
    assert res.ci_low <= res.delta <= res.ci_high
    assert (res.n_positive, res.n_negative) == (int(y.sum()), int((1 - y).sum()))


def test_fixture_data_matches_reference(binary_data):
    y, a, b = binary_data
    res = delong_test(y, a, b)
    auc_a, auc_b, var = slow_delong(y, a, b)
    assert res.auc_a == pytest.approx(roc_auc_score(y, a), abs=1e-12)
    assert res.auc_b == pytest.approx(roc_auc_score(y, b), abs=1e-12)
    assert res.std_error == pytest.approx(np.sqrt(var), rel=1e-10)
    assert res.z == pytest.approx(res.delta / res.std_error, rel=1e-12)
    assert res.p_value == pytest.approx(2 * norm.sf(abs(res.z)), rel=1e-12)


@pytest.mark.parametrize("confidence", [0.5, 0.9, 0.95, 0.99])
def test_confidence_interval_is_normal_interval(binary_data, confidence):
    res = delong_test(*binary_data, confidence=confidence)
    half = norm.ppf(0.5 + confidence / 2) * res.std_error
    assert res.confidence == confidence
    assert res.ci_low == pytest.approx(res.delta - half, abs=1e-15)
    assert res.ci_high == pytest.approx(res.delta + half, abs=1e-15)


def test_swapping_models_flips_the_sign(binary_data):
    y, a, b = binary_data
    ab, ba = delong_test(y, a, b), delong_test(y, b, a)
    assert ba.delta == pytest.approx(-ab.delta, abs=1e-15)
    assert ba.z == pytest.approx(-ab.z, rel=1e-12)
    assert ba.p_value == pytest.approx(ab.p_value, rel=1e-12)
    assert ba.std_error == pytest.approx(ab.std_error, rel=1e-12)


@pytest.mark.parametrize("transform", [lambda s: s, lambda s: 3 * s + 1, np.exp])
def test_same_ranking_gives_zero_delta_and_p_one(binary_data, transform):
    y, a, _ = binary_data
    res = delong_test(y, a, transform(a))
    assert res.delta == 0.0
    assert res.std_error == 0.0
    assert res.z == 0.0
    assert res.p_value == 1.0
    assert res.ci_low == res.ci_high == 0.0


def test_zero_variance_with_nonzero_delta():
    # perfect model A against a constant model B: every placement is constant
    y = np.array([0, 0, 0, 1, 1, 1])
    res = delong_test(y, y.astype(float), np.zeros(6))
    assert res.delta == -0.5
    assert res.std_error == 0.0
    assert res.z == -np.inf
    assert res.p_value == 0.0
    assert res.ci_low == res.ci_high == -0.5


def test_clearly_better_model_has_small_p():
    rng = np.random.default_rng(np.random.SeedSequence(7))
    n = 2000
    y = rng.integers(0, 2, n)
    latent = y + rng.normal(0, 1.0, n)
    a = latent + rng.normal(0, 1.5, n)
    res = delong_test(y, a, latent)
    assert res.delta > 0.05
    assert 0.0 <= res.p_value < 1e-8
    assert res.ci_low > 0


def test_label_and_score_formats(binary_data):
    y, a, b = binary_data
    ref = delong_test(y, a, b)
    proba = np.column_stack([1 - b, b])
    assert delong_test(y, a, proba) == ref
    assert delong_test(y.astype(bool), a, b) == ref
    assert delong_test(np.where(y == 1, 1, -1), a, b) == ref
    assert delong_test(np.where(y == 1, "spam", "ham"), a, b, pos_label="spam") == ref
    flipped = delong_test(y, a, b, pos_label=0)
    assert flipped.auc_a == pytest.approx(1 - ref.auc_a, abs=1e-12)


def test_result_is_frozen_with_dict_and_str(binary_data):
    res = delong_test(*binary_data)
    assert isinstance(res, DeLongResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.delta = 0.0
    d = res.to_dict()
    assert list(d) == [f.name for f in dataclasses.fields(DeLongResult)]
    assert all(type(v) in (float, int) for v in d.values())
    assert DeLongResult(**d) == res
    text = str(res)
    assert text.startswith(f"B - A roc_auc = {res.delta:+.3f} [{res.ci_low:.3f}, ")
    assert f"z = {res.z:.2f}" in text and text.endswith("(DeLong, 95% CI)")


Y = np.array([0, 1, 0, 1, 1, 0])
S = np.array([0.1, 0.9, 0.3, 0.6, 0.7, 0.2])


@pytest.mark.parametrize(
    "kwargs, param, detail",
    [
        ({"y_score_b": S[:5]}, "y_score_b", "of the same length as y_true"),
        ({"y_score_a": np.append(S[:5], np.nan)}, "y_score_a", "free of NaN and inf"),
        ({"y_score_b": np.append(S[:5], np.inf)}, "y_score_b", "free of NaN and inf"),
        ({"y_score_a": S.astype(str)}, "y_score_a", "numeric"),
        ({"y_score_a": np.ones((6, 3))}, "y_score_a", "a 1-D array of scores"),
        ({"y_true": np.array([0, 1, 2, 1, 1, 0])}, "y_true", "binary"),
        ({"y_true": np.array([0, 2, 0, 2, 2, 0])}, "y_true", "labels in {0, 1}"),
        ({"y_true": np.ones(6, int)}, "y_true", "contain both classes"),
        ({"y_true": np.zeros(6, int)}, "y_true", "contain both classes"),
        ({"y_true": np.array([0, 1, 0, 0, 0, 0])}, "y_true", "at least 2 samples of each"),
        ({"y_true": Y, "pos_label": 3}, "pos_label", "one of"),
        ({"confidence": 0.0}, "confidence", "open interval"),
        ({"confidence": 1.0}, "confidence", "open interval"),
        ({"confidence": 95}, "confidence", "open interval"),
        ({"confidence": -0.5}, "confidence", "open interval"),
        ({"confidence": "0.95"}, "confidence", "open interval"),
        ({"confidence": True}, "confidence", "open interval"),
    ],
)
def test_invalid_inputs(kwargs, param, detail):
    args = {"y_true": Y, "y_score_a": S, "y_score_b": S[::-1].copy()} | kwargs
    with pytest.raises(ValueError, match=f"^The '{param}' parameter of delong_test must be ") as e:
        delong_test(**args)
    assert detail in str(e.value)


@pytest.mark.slow
def test_null_rejection_rate():
    # H0: two exchangeable scorers (same signal, independent noise) have equal AUC
    rng = np.random.default_rng(np.random.SeedSequence(20240601))
    n, reps, alpha = 300, 400, 0.05
    rejections = 0
    for _ in range(reps):
        y = rng.integers(0, 2, n)
        latent = y + rng.normal(0, 1.0, n)
        a = np.round(latent + rng.normal(0, 1.0, n), 1)
        b = np.round(latent + rng.normal(0, 1.0, n), 1)
        rejections += delong_test(y, a, b).p_value < alpha
    assert 0.02 <= rejections / reps <= 0.085
