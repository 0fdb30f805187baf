"""Tests of the count-based metric kernels against scikit-learn on expanded data."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn import metrics
from sklearn.calibration import calibration_curve

from eval_toolkit import _kernel_utils
from eval_toolkit._kernels import cell_scores, make_kernel
from eval_toolkit.metrics import list_metrics

METRIC_NAMES = tuple(m.name for m in list_metrics("binary"))
THRESHOLD_METRICS = frozenset(m.name for m in list_metrics("binary") if m.thresholded)

# (metric, ece strategy): every metric once, plus the second ECE strategy.
VARIANTS = [(name, "uniform") for name in METRIC_NAMES] + [("ece", "quantile")]
VARIANT_IDS = [f"{name}-{strategy}" if name == "ece" else name for name, strategy in VARIANTS]
MEAN_METRICS = ("accuracy", "brier", "log_loss")

# Scores with many ties, including the exact uniform bin edges of several
# n_bins, so that edge conventions are exercised.
SCORE_POOL = sorted(
    {round(0.1 * i, 1) for i in range(11)}
    | {0.25, 0.75}
    | {float(e) for n_bins in (3, 5, 7, 10) for e in np.linspace(0.0, 1.0, n_bins + 1)}
)
SCORES = st.one_of(
    st.sampled_from(SCORE_POOL),
    st.floats(0.0, 1.0, allow_nan=False, allow_subnormal=False),
)
THRESHOLDS = st.sampled_from([0.5, 0.1, 0.25, 0.3, 0.7, 0.75, 1.0])
TOL = 1e-12


@st.composite
def cells(draw, max_samples: int = 30):
    """Distinct (y, score) cells in shuffled order, with multiplicities."""
    n = draw(st.integers(1, max_samples))
    y = draw(arrays(bool, n))
    score = draw(arrays(np.float64, n, elements=SCORES))
    pairs = np.unique(np.column_stack([y, score]), axis=0)
    order = np.array(draw(st.permutations(range(len(pairs)))), dtype=np.intp)
    pairs = pairs[order]
    mult = draw(arrays(np.int64, len(pairs), elements=st.integers(1, 5)))
    return pairs[:, 0].astype(bool), pairs[:, 1], mult


@st.composite
def cells_and_counts(draw, max_samples: int = 30, max_random_rows: int = 3):
    """Cells plus a count matrix mixing random and degenerate rows."""
    y, score, mult = draw(cells(max_samples))
    k = len(y)
    n_random = draw(st.integers(1, max_random_rows))
    random_rows = draw(arrays(np.int64, (n_random, k), elements=st.integers(0, 4)))
    single = np.zeros(k, dtype=np.int64)
    single[draw(st.integers(0, k - 1))] = draw(st.integers(1, 3))
    # The full-data row is covered by the point() tests.
    special_rows = [np.zeros(k, dtype=np.int64), mult * y, mult * ~y, single]
    return y, score, mult, np.vstack([random_rows, *special_rows])


def _expand(y: np.ndarray, score: np.ndarray, counts: np.ndarray):
    return np.repeat(y, counts).astype(int), np.repeat(score, counts)


def _ece_reference(y: np.ndarray, s: np.ndarray, n_bins: int, strategy: str) -> float:
    """ECE with calibration_curve's binning, written plainly."""
    if strategy == "quantile":
        bins = np.percentile(s, np.linspace(0, 1, n_bins + 1) * 100)
    else:
        bins = np.linspace(0.0, 1.0, n_bins + 1)
    binids = np.searchsorted(bins[1:-1], s)
    bin_score = np.bincount(binids, weights=s, minlength=n_bins)
    bin_true = np.bincount(binids, weights=y, minlength=n_bins)
    return float(np.abs(bin_score - bin_true).sum() / len(s))


def _ece_debiased_reference(y: np.ndarray, s: np.ndarray, n_bins: int) -> float:
    """Debiased L2 calibration error, bin by bin: mean(g)**2 - var(g) / n_b."""
    edges = np.percentile(s, np.linspace(0, 1, n_bins + 1) * 100)
    binids = np.searchsorted(edges[1:-1], s)
    total = 0.0
    for b in range(n_bins):
        g = (s - y)[binids == b]
        if len(g) > 1:
            total += len(g) * (g.mean() ** 2 - g.var(ddof=1) / len(g))
    return math.sqrt(max(total / len(s), 0.0))


def _undefined(name: str, y: np.ndarray, s: np.ndarray, threshold: float) -> bool:
    """The NaN rules of the kernels, on expanded samples."""
    pred = s >= threshold
    n_pos, n_neg = int(y.sum()), int((1 - y).sum())
    if len(y) == 0:
        return True
    if name in ("roc_auc", "balanced_accuracy"):
        return n_pos == 0 or n_neg == 0
    if name in ("average_precision", "recall"):
        return n_pos == 0
    if name == "specificity":
        return n_neg == 0
    if name == "precision":
        return not pred.any()
    if name == "f1":
        return not (pred.any() or n_pos)
    return False


def _reference(
    name: str,
    y: np.ndarray,
    s: np.ndarray,
    *,
    threshold: float = 0.5,
    n_bins: int = 10,
    strategy: str = "uniform",
) -> float:
    """scikit-learn's value on expanded samples; NaN where the kernel's is."""
    if _undefined(name, y, s, threshold):
        return math.nan
    pred = (s >= threshold).astype(int)
    if name == "roc_auc":
        return metrics.roc_auc_score(y, s)
    if name == "average_precision":
        return metrics.average_precision_score(y, s)
    if name == "log_loss":
        return metrics.log_loss(y, s, labels=[0, 1])
    if name == "brier":
        return metrics.brier_score_loss(y, s)
    if name == "ece":
        return _ece_reference(y, s, n_bins, strategy)
    if name == "ece_debiased":
        return _ece_debiased_reference(y, s, n_bins)
    if name == "accuracy":
        return metrics.accuracy_score(y, pred)
    if name == "balanced_accuracy":
        return metrics.balanced_accuracy_score(y, pred)
    if name == "f1":
        return metrics.f1_score(y, pred)
    if name == "precision":
        return metrics.precision_score(y, pred)
    if name == "recall":
        return metrics.recall_score(y, pred)
    return metrics.recall_score(y, pred, pos_label=0)


def _assert_matches(actual: float, expected: float, where: tuple) -> None:
    if where[0] == "ece_debiased":
        # A square root amplifies rounding near 0 (sqrt(1e-17) ~ 3e-9): compare
        # the squared errors, which the kernel and the reference both sum.
        actual, expected = actual**2, expected**2
    if math.isnan(expected):
        assert math.isnan(actual), (where, actual)
    else:
        assert math.isclose(actual, expected, rel_tol=TOL, abs_tol=TOL), (where, actual, expected)


def _per_sample_values(name: str, y: np.ndarray, s: np.ndarray, threshold: float):
    """Per-sample values whose mean is the metric (scikit-learn's clipping)."""
    if name == "accuracy":
        return ((s >= threshold) == y).astype(float)
    if name == "brier":
        return (y - s) ** 2
    eps = np.finfo(np.float64).eps
    return -np.log(np.clip(np.where(y == 1, s, 1 - s), eps, 1 - eps))


def _delong_variance(y: np.ndarray, s: np.ndarray) -> float:
    """DeLong variance of the AUC, O(P * N), 1/P and 1/N normalisation."""
    pos, neg = s[y == 1], s[y == 0]
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    auc = psi.mean()
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    return np.mean((v10 - auc) ** 2) / len(pos) + np.mean((v01 - auc) ** 2) / len(neg)


# Every metric is checked on each drawn example: drawing dominates the cost.
@settings(max_examples=200, deadline=None)
@given(data=cells_and_counts(), n_bins=st.integers(1, 12), threshold=THRESHOLDS)
def test_call_matches_sklearn(data, n_bins, threshold):
    y, score, mult, counts = data
    for name, strategy in VARIANTS:
        kernel = make_kernel(
            name, y, score, mult, n_bins=n_bins, strategy=strategy, threshold=threshold
        )
        values = kernel(counts)
        assert values.shape == (len(counts),) and values.dtype == np.float64
        for row, value in zip(counts, values, strict=True):
            expected = _reference(
                name,
                *_expand(y, score, row),
                threshold=threshold,
                n_bins=n_bins,
                strategy=strategy,
            )
            _assert_matches(value, expected, (name, strategy, row))


@settings(max_examples=100, deadline=None)
@given(data=cells(), n_bins=st.integers(1, 12), threshold=THRESHOLDS)
def test_point_matches_sklearn(data, n_bins, threshold):
    y, score, mult = data
    for name, strategy in VARIANTS:
        kernel = make_kernel(
            name, y, score, mult, n_bins=n_bins, strategy=strategy, threshold=threshold
        )
        expected = _reference(
            name, *_expand(y, score, mult), threshold=threshold, n_bins=n_bins, strategy=strategy
        )
        _assert_matches(kernel.point(), expected, (name, strategy))


@settings(max_examples=60, deadline=None)
@given(data=cells(max_samples=15), n_bins=st.integers(1, 12), threshold=THRESHOLDS)
def test_loo_matches_deletion(data, n_bins, threshold):
    y, score, mult = data
    for name, strategy in VARIANTS:
        kernel = make_kernel(
            name, y, score, mult, n_bins=n_bins, strategy=strategy, threshold=threshold
        )
        loo = kernel.loo()
        assert loo.shape == (len(y),)
        for j in range(len(y)):
            deleted = mult.copy()
            deleted[j] -= 1
            expected = _reference(
                name,
                *_expand(y, score, deleted),
                threshold=threshold,
                n_bins=n_bins,
                strategy=strategy,
            )
            _assert_matches(loo[j], expected, (name, strategy, j))


@pytest.mark.parametrize(("name", "strategy"), VARIANTS, ids=VARIANT_IDS)
def test_generic_loo_is_chunk_independent(name, strategy, monkeypatch):
    rng = np.random.default_rng(0)
    y, score = rng.random(40) < 0.4, rng.random(40)
    mult = rng.integers(1, 4, 40)
    kernel = make_kernel(name, y, score, mult, strategy=strategy)
    generic = _kernel_utils.Kernel.loo(kernel)
    np.testing.assert_allclose(kernel.loo(), generic, rtol=TOL, atol=TOL)
    monkeypatch.setattr(_kernel_utils, "LOO_CHUNK_ENTRIES", 7 * 40)
    np.testing.assert_array_equal(_kernel_utils.Kernel.loo(kernel), generic)


# Metrics whose loo() is closed-form rather than the generic O(k^2) fallback
# (roc_auc and the mean metrics are covered by the tests above).
CLOSED_FORM_LOO = [("average_precision", "uniform"), ("ece", "uniform")]
CLOSED_FORM_IDS = ["average_precision", "ece-uniform"]


@st.composite
def tied_cells(draw, max_cells: int = 12):
    """Cells whose scores come from a few levels, so that both classes tie.

    Multiplicities 1 and 2 dominate: removing a sample of a multiplicity-1
    cell empties it, which may empty its whole threshold or bin.
    """
    levels = draw(st.lists(SCORES, min_size=1, max_size=4, unique=True))
    n = draw(st.integers(1, max_cells))
    y = draw(arrays(bool, n))
    score = np.array(draw(st.lists(st.sampled_from(levels), min_size=n, max_size=n)))
    pairs = np.unique(np.column_stack([y, score]), axis=0)
    pairs = pairs[np.array(draw(st.permutations(range(len(pairs)))), dtype=np.intp)]
    mult = draw(arrays(np.int64, len(pairs), elements=st.sampled_from([1, 1, 2, 3])))
    return pairs[:, 0].astype(bool), pairs[:, 1], mult


def _check_loo(kernel, y, score, mult, name, n_bins=10):
    """Closed-form loo() against the generic fallback and against deletion."""
    assert type(kernel).loo is not _kernel_utils.Kernel.loo
    loo = kernel.loo()
    generic = _kernel_utils.Kernel.loo(kernel)
    for j in range(len(y)):
        _assert_matches(loo[j], generic[j], (name, "generic", j))
        deleted = mult.copy()
        deleted[j] -= 1
        expected = _reference(name, *_expand(y, score, deleted), n_bins=n_bins)
        _assert_matches(loo[j], expected, (name, "deletion", j))


@settings(max_examples=100, deadline=None)
@given(data=tied_cells(), n_bins=st.integers(1, 12))
def test_closed_form_loo_with_ties(data, n_bins):
    y, score, mult = data
    for name, strategy in CLOSED_FORM_LOO:
        kernel = make_kernel(name, y, score, mult, n_bins=n_bins, strategy=strategy)
        _check_loo(kernel, y, score, mult, name, n_bins)


@pytest.mark.parametrize(
    ("y", "score", "mult"),
    [
        # The top threshold holds a single positive: removing it empties it.
        ([1, 1, 0], [0.9, 0.6, 0.3], [1, 2, 1]),
        # The only positive of a threshold tied with a negative: removing it
        # leaves a threshold with no positive; removing the negative instead
        # leaves a threshold of positives only.
        ([1, 0, 1, 0], [0.8, 0.8, 0.5, 0.2], [1, 1, 3, 2]),
        # A single positive: removing it leaves no positive (NaN).
        ([1, 0, 0], [0.4, 0.4, 0.7], [1, 2, 1]),
        # One sample in all: removing it leaves no sample (NaN).
        ([1], [0.3], [1]),
        # Only negatives: undefined before and after any removal.
        ([0, 0], [0.3, 0.6], [2, 1]),
    ],
    ids=["top-emptied", "tied-emptied", "single-positive", "single-sample", "no-positive"],
)
@pytest.mark.parametrize(("name", "strategy"), CLOSED_FORM_LOO, ids=CLOSED_FORM_IDS)
def test_closed_form_loo_edge_cases(y, score, mult, name, strategy):
    y, score, mult = np.array(y, dtype=bool), np.array(score), np.array(mult)
    kernel = make_kernel(name, y, score, mult, n_bins=5, strategy=strategy)
    _check_loo(kernel, y, score, mult, name, n_bins=5)


@pytest.mark.parametrize(("name", "strategy"), CLOSED_FORM_LOO, ids=CLOSED_FORM_IDS)
@settings(max_examples=40, deadline=None)
@given(data=tied_cells(), n_bins=st.integers(1, 12), where=st.data())
def test_closed_form_loo_groups_split_cells(name, strategy, data, n_bins, where):
    # Splitting a cell into two cells with the same (y, score) is the same
    # data: the leave-one-out value of each piece is that of the whole cell.
    # This checks that ties are grouped by score, not by cell.
    y, score, mult = data
    j = where.draw(st.integers(0, len(y) - 1))
    mult = mult.copy()
    mult[j] += 1
    first = where.draw(st.integers(1, mult[j] - 1))
    split_y, split_score = np.append(y, y[j]), np.append(score, score[j])
    split_mult = np.append(mult, mult[j] - first)
    split_mult[j] = first
    whole = make_kernel(name, y, score, mult, n_bins=n_bins, strategy=strategy).loo()
    split = make_kernel(
        name, split_y, split_score, split_mult, n_bins=n_bins, strategy=strategy
    ).loo()
    np.testing.assert_allclose(split, np.append(whole, whole[j]), rtol=TOL, atol=TOL)


@pytest.mark.parametrize("name", ["roc_auc", "average_precision"])
def test_rank_kernels_on_split_cells_equal_merged_cells(name):
    # Cells sharing a (y, score) (as the multiclass kernels build them) take
    # the rank kernels' general path; splitting each row's count of a cell
    # between its pieces is the same data, so the values are the same.
    y, score, mult, rng = _fixed_cells(300, seed=3)
    pieces = rng.choice(len(y), 40, replace=False)
    split_y, split_score = np.append(y, y[pieces]), np.append(score, score[pieces])
    split_mult = np.append(mult, np.ones(len(pieces), dtype=np.int64))
    counts = rng.multinomial(mult.sum(), mult / mult.sum(), size=25)
    moved = np.minimum(counts[:, pieces], rng.integers(0, 3, (25, len(pieces))))
    split_counts = np.hstack([counts, moved])
    for i, j in enumerate(pieces):
        split_counts[:, j] -= moved[:, i]
    assert (split_counts >= 0).all()
    merged = make_kernel(name, y, score, mult)(counts)
    split = make_kernel(name, split_y, split_score, split_mult)
    np.testing.assert_allclose(split(split_counts), merged, rtol=TOL, atol=TOL)
    np.testing.assert_array_equal(split(split_counts.astype(np.float64)), split(split_counts))


@pytest.mark.parametrize(("name", "strategy"), CLOSED_FORM_LOO, ids=CLOSED_FORM_IDS)
def test_closed_form_loo_at_larger_k(name, strategy):
    y, score, mult, _ = _fixed_cells(3000, seed=1)
    kernel = make_kernel(name, y, score, mult, n_bins=15, strategy=strategy)
    np.testing.assert_allclose(kernel.loo(), _kernel_utils.Kernel.loo(kernel), rtol=TOL, atol=TOL)


@settings(max_examples=200, deadline=None)
@given(data=cells_and_counts())
def test_roc_auc_influence_gives_delong_variance(data):
    y, score, mult, counts = data
    kernel = make_kernel("roc_auc", y, score, mult)
    psi = kernel.influence(counts)
    assert psi.shape == counts.shape
    n = counts.sum(axis=1)
    for row, row_psi, row_n in zip(counts, psi, n, strict=True):
        y_row, s_row = _expand(y, score, row)
        if _undefined("roc_auc", y_row, s_row, 0.5):
            assert np.isnan(row_psi).all()
            continue
        se2 = np.sum(row * row_psi**2) / row_n**2
        assert math.isclose(se2, _delong_variance(y_row, s_row), rel_tol=1e-10, abs_tol=TOL)


@pytest.mark.parametrize("name", MEAN_METRICS)
@settings(max_examples=60, deadline=None)
@given(data=cells_and_counts(), threshold=THRESHOLDS)
def test_mean_influence_gives_variance_over_n(name, data, threshold):
    y, score, mult, counts = data
    kernel = make_kernel(name, y, score, mult, threshold=threshold)
    psi = kernel.influence(counts)
    for row, row_psi in zip(counts, psi, strict=True):
        n = row.sum()
        if n == 0:
            assert np.isnan(row_psi).all()
            continue
        per_sample = _per_sample_values(name, *_expand(y, score, row), threshold)
        se2 = np.sum(row * row_psi**2) / n**2
        assert math.isclose(se2, per_sample.var() / n, rel_tol=1e-10, abs_tol=TOL)


@pytest.mark.parametrize("name", [m.name for m in list_metrics("binary") if not m.influence])
def test_influence_unavailable(name):
    kernel = make_kernel(name, np.array([True, False]), np.array([0.7, 0.2]), np.array([1, 1]))
    assert kernel.influence(np.ones((3, 2), dtype=np.int64)) is None


def test_cell_scores():
    score = np.array([0.0, 0.2, 0.3, 0.5, 0.9, 1.0])
    reduced = cell_scores(score, threshold=0.3)
    np.testing.assert_array_equal(reduced, [0.0, 0.0, 1.0, 1.0, 1.0, 1.0])
    assert reduced.dtype == np.float64


@pytest.mark.parametrize("name", sorted(THRESHOLD_METRICS))
@settings(max_examples=30, deadline=None)
@given(data=cells_and_counts(), threshold=THRESHOLDS)
def test_merged_threshold_cells_give_same_values(name, data, threshold):
    y, score, mult, counts = data
    reduced = cell_scores(score, threshold=threshold)
    merged, inverse = np.unique(np.column_stack([y, reduced]), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    merge = np.zeros((len(y), len(merged)), dtype=np.int64)
    merge[np.arange(len(y)), inverse] = 1
    kernel = make_kernel(
        name, merged[:, 0].astype(bool), merged[:, 1], mult @ merge, threshold=threshold
    )
    raw = make_kernel(name, y, score, mult, threshold=threshold)
    np.testing.assert_allclose(kernel(counts @ merge), raw(counts), rtol=TOL, atol=TOL)


def _fixed_cells(k: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = rng.random(k) < 0.3
    score = np.where(rng.random(k) < 0.5, np.round(rng.random(k), 1), rng.random(k))
    cells_ = np.unique(np.column_stack([y, score]), axis=0)
    cells_ = cells_[rng.permutation(len(cells_))]
    mult = rng.integers(1, 6, len(cells_))
    return cells_[:, 0].astype(bool), cells_[:, 1], mult, rng


@pytest.mark.parametrize(("name", "strategy"), VARIANTS, ids=VARIANT_IDS)
def test_pickle_round_trip(name, strategy):
    y, score, mult, rng = _fixed_cells(200)
    kernel = make_kernel(name, y, score, mult, strategy=strategy, n_bins=7, threshold=0.4)
    clone = pickle.loads(pickle.dumps(kernel))
    counts = rng.multinomial(mult.sum(), mult / mult.sum(), size=16)
    np.testing.assert_array_equal(clone(counts), kernel(counts))
    np.testing.assert_array_equal(clone.loo(), kernel.loo())
    assert clone.point() == kernel.point()


@pytest.mark.parametrize(("name", "strategy"), VARIANTS, ids=VARIANT_IDS)
@pytest.mark.parametrize("k", [5, 300])
def test_rows_are_evaluated_independently(name, strategy, k):
    y, score, mult, rng = _fixed_cells(k, seed=k)
    kernel = make_kernel(name, y, score, mult, strategy=strategy, n_bins=9)
    counts = rng.multinomial(mult.sum(), mult / mult.sum(), size=40)
    counts[3] = 0
    counts[5] = mult * y
    block = kernel(counts)
    stacked = np.concatenate([kernel(counts[i : i + 1]) for i in range(len(counts))])
    np.testing.assert_array_equal(block, stacked)
    np.testing.assert_array_equal(kernel(counts.astype(np.float64)), block)
    np.testing.assert_array_equal(kernel(np.asfortranarray(counts)), block)
    psi = kernel.influence(counts)
    if psi is not None:
        rows = np.vstack([kernel.influence(counts[i : i + 1]) for i in range(len(counts))])
        np.testing.assert_array_equal(psi, rows)


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
@settings(max_examples=100, deadline=None)
@given(data=cells(), n_bins=st.integers(1, 12))
def test_ece_reference_matches_calibration_curve(strategy, data, n_bins):
    y, s = _expand(*data)
    prob_true, prob_pred = calibration_curve(y, s, n_bins=n_bins, strategy=strategy)
    if strategy == "quantile":
        edges = np.percentile(s, np.linspace(0, 1, n_bins + 1) * 100)
    else:
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    totals = np.bincount(np.searchsorted(edges[1:-1], s), minlength=n_bins)
    weights = totals[totals > 0] / len(s)
    expected = float(np.sum(weights * np.abs(prob_true - prob_pred)))
    assert math.isclose(_ece_reference(y, s, n_bins, strategy), expected, abs_tol=TOL)


def test_ece_score_on_uniform_edge_falls_in_lower_bin():
    # 0.2 is an inner edge of 5 uniform bins: it belongs to bin [0, 0.2].
    y = np.array([False, True])
    score = np.array([0.2, 0.3])
    kernel = make_kernel("ece", y, score, np.array([1, 1]), n_bins=5)
    assert kernel.point() == pytest.approx((0.2 + 0.7) / 2, abs=TOL)


def test_ece_score_just_above_uniform_edge_falls_in_upper_bin():
    # Older scikit-learn widened the uniform edges by 1e-8, which would put
    # this score in the lower bin; the installed version does not.
    y = np.array([False, True])
    score = np.array([np.nextafter(0.2, 1.0), 0.3])
    kernel = make_kernel("ece", y, score, np.array([1, 1]), n_bins=5)
    prob_true, prob_pred = calibration_curve([0, 1], score, n_bins=5)
    assert len(prob_true) == 1
    assert kernel.point() == pytest.approx(abs(prob_pred[0] - prob_true[0]), abs=TOL)


def test_quantile_edge_rounds_like_numpy_percentile():
    # 16 samples, 9 bins: the 3rd inner edge interpolates between a and b
    # with a weight just below 1. The naive a + (b - a) * t rounds up to b,
    # which would move the sample at b into the lower bin; NumPy does not.
    a, b = 0.688939791286174, 0.7549003383649948
    score = np.array([0.1] * 4 + [a, b] + [0.9] * 10)
    weight = 15 * (np.linspace(0, 1, 10)[3] * 100 / 100) % 1
    assert a + (b - a) * weight == b
    assert np.percentile(score, np.linspace(0, 1, 10) * 100)[3] < b
    y = score == 0.9
    cells_, inverse = np.unique(np.column_stack([y, score]), axis=0, return_inverse=True)
    kernel = make_kernel(
        "ece",
        cells_[:, 0].astype(bool),
        cells_[:, 1],
        np.bincount(inverse.ravel()),
        n_bins=9,
        strategy="quantile",
    )
    expected = _ece_reference(y.astype(int), score, 9, "quantile")
    assert kernel.point() == pytest.approx(expected, abs=TOL)


def test_ece_debiased_replicate_offset_is_plug_in_minus_estimate():
    y, score, mult, _ = _fixed_cells(300, seed=3)
    kernel = make_kernel("ece_debiased", y, score, mult, n_bins=6)
    ys, s = _expand(y, score, mult)
    edges = np.percentile(s, np.linspace(0, 100, 7))
    bins = np.searchsorted(edges[1:-1], s)
    gap = s - ys
    plug_in = sum(gap[bins == b].sum() ** 2 / (bins == b).sum() for b in range(6)) / len(s)
    expected = math.sqrt(plug_in) - _ece_debiased_reference(ys, s, 6)
    assert kernel.replicate_offset() == pytest.approx(expected, rel=1e-12)
    assert make_kernel("ece", y, score, mult).replicate_offset() == 0.0


def test_ece_debiased_squared_is_unbiased_for_the_plug_in_under_resampling():
    # The rationale of replicate_offset: with one (fixed) bin, the squared
    # debiased error is a U-statistic, so over multinomial resamples of the
    # data it averages exactly the data's plug-in value mean(g)**2. Gaps far
    # from 0 keep every replicate positive (no flooring).
    rng = np.random.default_rng(8)
    score = rng.uniform(0.6, 0.9, 50)
    y = rng.random(50) < 0.3
    mult = rng.integers(1, 4, 50)
    kernel = make_kernel("ece_debiased", y, score, mult, n_bins=1)
    counts = rng.multinomial(mult.sum(), mult / mult.sum(), size=40_000)
    squared = kernel(counts) ** 2
    plug_in = (np.repeat(score - y, mult).mean()) ** 2
    assert squared.min() > 0
    assert abs(squared.mean() - plug_in) < 4 * squared.std() / np.sqrt(squared.size)
    assert plug_in - kernel.point() ** 2 > 5 * squared.std() / np.sqrt(squared.size)
