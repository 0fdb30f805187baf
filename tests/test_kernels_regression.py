"""Regression kernels against scikit-learn on expanded resamples."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics

from eval_toolkit._kernels import Kernel
from eval_toolkit.metrics import get_metric, list_metrics

TOL = 1e-12
NAMES = [m.name for m in list_metrics("regression")]
# Values with many ties (and zeros, for MAPE's guard), or any moderate float
# whose square is a normal number (subnormal squares lose precision anywhere).
VALUES = st.one_of(
    st.sampled_from([0.0, 1.0, -1.0, 2.5, 3.0, 10.0]),
    st.floats(-100, 100, allow_nan=False, allow_subnormal=False).filter(
        lambda v: v == 0 or abs(v) > 1e-100
    ),
)


@st.composite
def cells_and_counts(draw, max_cells=40, max_count=12):
    """Distinct (y, pred) cells, multiplicities, and count rows of total 0..~500."""
    k = draw(st.integers(1, max_cells))
    pairs = draw(st.lists(st.tuples(VALUES, VALUES), min_size=k, max_size=k, unique=True))
    y, pred = (np.array(v, dtype=np.float64) for v in zip(*pairs))
    mult = np.array(draw(st.lists(st.integers(1, 5), min_size=k, max_size=k)))
    rows = draw(st.integers(1, 4))
    counts = np.array(draw(st.lists(st.lists(st.integers(0, max_count), min_size=k, max_size=k),
                                    min_size=rows, max_size=rows)))
    return y, pred, mult, counts


def _kernel(name, y, pred, mult, **options):
    return get_metric(name).kernel("regression", y, pred, mult, **options)


def _reference(name, y, pred, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # R^2 on one sample warns and returns nan
        return float(get_metric(name).reference(**options)(y, pred))


def _constant(values):
    return values.size > 0 and np.all(values == values[0])


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=80, deadline=None)
@given(data=cells_and_counts(), alpha=st.sampled_from([0.1, 0.5, 0.9]))
def test_kernel_matches_sklearn(name, data, alpha):
    y, pred, mult, counts = data
    options = {"alpha": alpha} if name == "mean_pinball_loss" else {}
    values = _kernel(name, y, pred, mult, **options)(counts)
    for row, value in zip(counts, values, strict=True):
        yy, pp = np.repeat(y, row), np.repeat(pred, row)
        if yy.size == 0:
            assert np.isnan(value)
            continue
        if name in ("r2", "explained_variance") and _constant(yy) and yy.size >= 2:
            # scikit-learn decides "zero variance" after rounding its mean;
            # the kernel decides it exactly (constant targets), with the same
            # force_finite rule: 1 for a zero numerator, else 0.
            perfect = np.sum((yy - pp) ** 2) == 0 if name == "r2" else _constant(yy - pp)
            assert value == (1.0 if perfect else 0.0)
            continue
        expected = _reference(name, yy, pp, **options)
        assert math.isclose(value, expected, rel_tol=TOL, abs_tol=TOL) or (
            np.isnan(value) and np.isnan(expected)
        ), (value, expected)


@pytest.mark.parametrize(
    "name", [m.name for m in list_metrics("regression") if m.closed_form_loo]
)
@settings(max_examples=60, deadline=None)
@given(data=cells_and_counts())
def test_closed_form_loo_equals_deletion(name, data):
    y, pred, mult, _ = data
    kernel = _kernel(name, y, pred, mult, alpha=0.3)
    brute = Kernel.loo(kernel)  # evaluates the kernel on mult minus one sample
    np.testing.assert_allclose(kernel.loo(), brute, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name", [m.name for m in list_metrics("regression") if m.influence])
@settings(max_examples=30, deadline=None)
@given(data=cells_and_counts(max_count=6))
def test_influence_is_derivative_of_the_metric(name, data):
    """psi_j = d/de metric((1 - e) F + e delta_j), by extrapolated central differences.

    Richardson extrapolation of two central differences cancels the h^2
    truncation term.  The step that resolves the derivative depends on the
    data: an outlying target over a tiny variance puts a pole of R^2(e)
    within 1e-4 of 0, where rounding limits the smallest useful step.  So
    the extrapolated difference is taken at steps 1e-3 .. 1e-7 and must agree
    with psi_j at one of them; a wrong psi_j agrees at none.  The tolerance
    scales with the quantities compared (MAPE with a zero target is ~1e15).
    """
    y, pred, mult, counts = data
    kernel = _kernel(name, y, pred, mult, alpha=0.3)
    for row in counts:
        n = row.sum()
        if n < 3 or _constant(np.repeat(y, row)):
            continue
        psi = kernel.influence(row[np.newaxis, :])[0]
        value = kernel(row[np.newaxis, :])[0]
        for j in range(row.shape[0]):
            if not np.isfinite(psi[j]):
                continue
            point_mass = n * np.eye(row.shape[0])[j]

            def central(h, point_mass=point_mass, row=row):
                up, down = kernel(np.array([(1 - s) * row + s * point_mass for s in (h, -h)]))
                return (up - down) / (2 * h)

            derivatives = [(4 * central(h / 2) - central(h)) / 3 for h in 10.0 ** -np.arange(3, 8)]
            scale = max(1.0, abs(value), abs(psi[j]))
            assert any(
                math.isclose(psi[j], d, rel_tol=1e-5, abs_tol=1e-5 * scale) for d in derivatives
            ), (psi[j], derivatives, value)


def test_median_absolute_error_even_and_odd():
    y = np.array([0.0, 1.0, 2.0, 3.0])
    pred = np.zeros(4)
    kernel = _kernel("median_absolute_error", y, pred, np.ones(4))
    counts = np.array([[1, 1, 1, 1], [1, 1, 1, 0], [0, 0, 0, 5]])
    np.testing.assert_array_equal(kernel(counts), [1.5, 1.0, 3.0])


def test_registry_references_are_the_sklearn_functions():
    assert get_metric("r2").reference().func is metrics.r2_score
    assert get_metric("neg_root_mean_squared_error").reference().func is (
        metrics.root_mean_squared_error
    )


@pytest.mark.parametrize("name", [m.name for m in list_metrics("regression") if m.gather_kind])
@settings(max_examples=60, deadline=None)
@given(data=cells_and_counts(max_cells=30), seed=st.integers(0, 2**32 - 1))
def test_index_evaluator_matches_sklearn(name, data, seed):
    y, pred, _, _ = data
    spec = get_metric(name)
    options = {"alpha": 0.3} if name == "mean_pinball_loss" else {}
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, y.shape[0], size=(3, y.shape[0]))
    values = spec.gather(y, pred, **options)(idx)
    for rows, value in zip(idx, values, strict=True):
        yy, pp = y[rows], pred[rows]
        if name == "r2" and _constant(yy) and yy.size >= 2:
            assert value == (1.0 if np.sum((yy - pp) ** 2) == 0 else 0.0)
            continue
        expected = _reference(name, yy, pp, **options)
        assert math.isclose(value, expected, rel_tol=TOL, abs_tol=TOL) or (
            np.isnan(value) and np.isnan(expected)
        ), (value, expected)
