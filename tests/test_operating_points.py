"""Tests for eval_toolkit.operating_points."""

from __future__ import annotations

import pickle
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics

from eval_toolkit import paired_bootstrap_op_point_diff
from eval_toolkit.operating_points import (
    F1,
    FPR,
    AtFPR,
    AtPrecision,
    AtSensitivity,
    AtSpecificity,
    MaxF1,
    Precision,
    Sensitivity,
    Specificity,
    YoudenJ,
)

SELECTORS = [
    AtSpecificity(0.8),
    AtSensitivity(0.7),
    AtFPR(0.25),
    AtPrecision(0.6),
    MaxF1(),
    YoudenJ(),
]
METRICS = [Sensitivity(), Specificity(), Precision(), F1(), FPR()]


def _confusion(y, s, t):
    pred = s >= t
    return (np.sum(pred & y), np.sum(pred & ~y), np.sum(~pred & y), np.sum(~pred & ~y))


def _reference_threshold(selector, y, s):
    """Brute force over every candidate threshold, in increasing order."""
    y = y.astype(bool)
    candidates = list(np.unique(s)) + [np.inf]
    n_pos, n_neg = y.sum(), (~y).sum()
    rows = []
    for t in candidates:
        tp, fp, fn, tn = _confusion(y, s, t)
        sens = tp / n_pos if n_pos else np.nan
        spec = tn / n_neg if n_neg else np.nan
        prec = tp / (tp + fp) if tp + fp else np.nan
        f1 = 2 * tp / (2 * tp + fp + fn) if (2 * tp + fp + fn) else np.nan
        rows.append((t, sens, spec, prec, f1))
    name = type(selector).__name__
    if name == "AtSpecificity":
        ok = [t for t, _, spec, _, _ in rows if spec >= selector.target - 1e-12]
        return ok[0] if n_neg and ok else np.nan
    if name == "AtFPR":
        ok = [t for t, _, spec, _, _ in rows if 1 - spec <= selector.target + 1e-12]
        return ok[0] if n_neg and ok else np.nan
    if name == "AtSensitivity":
        ok = [t for t, sens, _, _, _ in rows if sens >= selector.target - 1e-12]
        return ok[-1] if n_pos and ok else np.nan
    if name == "AtPrecision":
        ok = [t for t, _, _, prec, _ in rows if prec >= selector.target - 1e-12]
        return ok[0] if n_pos and ok else np.nan
    if name == "MaxF1":
        if not n_pos:
            return np.nan
        scores = [f if np.isfinite(f) else -1 for *_, f in rows]
        return rows[int(np.argmax(scores))][0]
    if not (n_pos and n_neg):
        return np.nan
    # Exact rationals, so that mathematically tied thresholds stay tied.
    j = [Fraction(int(round(sens * n_pos)), int(n_pos)) + Fraction(int(round(spec * n_neg)), int(n_neg))
         for _, sens, spec, _, _ in rows]
    return rows[int(np.argmax(j))][0]


@settings(max_examples=150, deadline=None)
@given(
    data=st.lists(
        st.tuples(st.booleans(), st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.6, 0.75, 0.9, 1.0])),
        min_size=1,
        max_size=40,
    ),
    which=st.integers(0, len(SELECTORS) - 1),
)
def test_selectors_match_brute_force(data, which):
    y = np.array([d[0] for d in data])
    s = np.array([d[1] for d in data])
    selector = SELECTORS[which]
    got = selector(y.astype(int), s)
    ref = _reference_threshold(selector, y, s)
    assert (np.isnan(got) and np.isnan(ref)) or got == ref


def test_metrics_match_sklearn():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    s = np.round(rng.uniform(size=200), 1)
    pred = s >= 0.6
    assert Sensitivity()(y, s, 0.6) == pytest.approx(metrics.recall_score(y, pred))
    assert Specificity()(y, s, 0.6) == pytest.approx(metrics.recall_score(y, pred, pos_label=0))
    assert Precision()(y, s, 0.6) == pytest.approx(metrics.precision_score(y, pred))
    assert F1()(y, s, 0.6) == pytest.approx(metrics.f1_score(y, pred))
    assert FPR()(y, s, 0.6) == pytest.approx(1 - metrics.recall_score(y, pred, pos_label=0))


def test_selector_on_sklearn_roc_curve():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 500)
    s = y + rng.normal(0, 1, 500)
    t = AtSpecificity(0.9)(y, s)
    fpr, tpr, thr = metrics.roc_curve(y, s, drop_intermediate=False)
    ok = fpr <= 0.1 + 1e-12
    assert t == thr[ok][np.argmax(tpr[ok])]


def test_objects_pickle():
    for obj in SELECTORS + METRICS:
        assert pickle.loads(pickle.dumps(obj)) == obj


def _split(rng, n, gap):
    y = rng.integers(0, 2, n)
    return y, np.round(y + rng.normal(0, 1.0, n), 2), np.round(y * gap + rng.normal(0, 1.0, n), 2)


@pytest.fixture
def op_data():
    rng = np.random.default_rng(np.random.SeedSequence([5, 5]))
    return _split(rng, 600, 1.4), _split(rng, 700, 1.4)


def test_point_estimate_is_threshold_transfer(op_data):
    (vy, va, vb), (ty, ta, tb) = op_data
    res = paired_bootstrap_op_point_diff(
        vy, va, vb, ty, ta, tb, AtSpecificity(0.9), Sensitivity(), n_resamples=50
    )
    t_a, t_b = AtSpecificity(0.9)(vy, va), AtSpecificity(0.9)(vy, vb)
    expected = metrics.recall_score(ty, tb >= t_b) - metrics.recall_score(ty, ta >= t_a)
    assert res.delta == pytest.approx(expected, abs=1e-12)


def test_resampled_values_match_expanded_data(op_data):
    """One resample's arm value equals the plain computation on the expanded rows."""
    from eval_toolkit.operating_points import op_point_statistic

    (vy, va, vb), (ty, ta, tb) = op_data
    stat = op_point_statistic(
        vy.astype(bool), (va, vb), ty.astype(bool), (ta, tb), MaxF1(), F1(), False
    )
    rng = np.random.default_rng(3)
    vc = stat.val_table.draw_counts(rng, 5)
    tc = stat.test_table.draw_counts(rng, 5)
    got = stat.evaluate([vc, tc])
    vinv = np.empty(vy.shape[0], dtype=int)
    vinv[stat.val_table.strata[0].samples] = stat.val_table.strata[0].cells
    tinv = np.empty(ty.shape[0], dtype=int)
    tinv[stat.test_table.strata[0].samples] = stat.test_table.strata[0].cells
    for r in range(5):
        # Expand counts back to rows: take each sample of a cell as often as drawn.
        vrows = np.concatenate(
            [np.flatnonzero(vinv == c)[:1].repeat(k) for c, k in enumerate(vc[r])]
        )
        trows = np.concatenate(
            [np.flatnonzero(tinv == c)[:1].repeat(k) for c, k in enumerate(tc[r])]
        )
        for arm, (vs, ts) in enumerate([(va, ta), (vb, tb)]):
            t = MaxF1()(vy[vrows], vs[vrows])
            assert got[r, arm] == pytest.approx(F1()(ty[trows], ts[trows], t), abs=1e-12)


def test_paired_bootstrap_op_point_diff_n_jobs_reproducibility(op_data):
    (vy, va, vb), (ty, ta, tb) = op_data
    for method in ("percentile", "bca"):
        one = paired_bootstrap_op_point_diff(
            vy,
            va,
            vb,
            ty,
            ta,
            tb,
            AtSpecificity(0.9),
            Sensitivity(),
            n_resamples=200,
            method=method,
            n_jobs=1,
        )
        two = paired_bootstrap_op_point_diff(
            vy,
            va,
            vb,
            ty,
            ta,
            tb,
            AtSpecificity(0.9),
            Sensitivity(),
            n_resamples=200,
            method=method,
            n_jobs=2,
        )
        assert one == two
        np.testing.assert_array_equal(one.distribution, two.distribution)


def test_threshold_uncertainty_widens_the_interval(op_data):
    """Refitting the threshold per resample adds variance versus a fixed threshold."""
    (vy, va, vb), (ty, ta, tb) = op_data
    res = paired_bootstrap_op_point_diff(
        vy, va, vb, ty, ta, tb, AtSpecificity(0.9), Sensitivity(), n_resamples=400
    )
    assert res.ci_low < res.delta < res.ci_high
    assert res.delta > 0 and res.std_error > 0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(threshold_fn=0.5), r"'threshold_fn' parameter of paired_bootstrap_op_point_diff"),
        (dict(metric_fn=metrics.recall_score), r"'metric_fn' parameter"),
        (dict(method="studentized"), r"'method' parameter .* one of 'percentile', 'basic', 'bca'"),
        (dict(test_score_b=np.zeros(3)), r"'test_score_b' parameter .* same length"),
        (dict(val_y=np.full(600, 2)), r"'val_y' parameter"),
        (dict(n_resamples=0), r"'n_resamples'"),
        (dict(n_jobs=0), r"'n_jobs'"),
        (dict(confidence=2), r"'confidence'"),
    ],
)
def test_paired_bootstrap_op_point_diff_input_errors(op_data, kwargs, message):
    (vy, va, vb), (ty, ta, tb) = op_data
    args = dict(
        val_y=vy,
        val_score_a=va,
        val_score_b=vb,
        test_y=ty,
        test_score_a=ta,
        test_score_b=tb,
        threshold_fn=AtSpecificity(0.9),
        metric_fn=Sensitivity(),
        n_resamples=10,
    )
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        paired_bootstrap_op_point_diff(**args)


def test_bootstrap_op_point_ci_n_jobs_reproducibility():
    from eval_toolkit.operating_points import AtSpecificity, Sensitivity, bootstrap_op_point_ci

    rng = np.random.default_rng(5)
    vy, ty = rng.integers(0, 2, 600), rng.integers(0, 2, 500)
    vs, ts = vy + rng.normal(0, 1, 600), ty + rng.normal(0, 1, 500)
    kw = dict(n_resamples=2000, seed=3)
    one = bootstrap_op_point_ci(vy, vs, ty, ts, AtSpecificity(0.9), Sensitivity(), **kw)
    two = bootstrap_op_point_ci(vy, vs, ty, ts, AtSpecificity(0.9), Sensitivity(), n_jobs=2, **kw)
    assert one == two
    np.testing.assert_array_equal(one.distribution, two.distribution)
    threshold = AtSpecificity(0.9)(vy, vs)
    assert one.point_estimate == np.mean(ts[ty == 1] >= threshold)
    # the one-model bootstrap is the B arm of the paired one: same resamples, same values
    from eval_toolkit import paired_bootstrap_op_point_diff

    paired = paired_bootstrap_op_point_diff(vy, vs, vs, ty, ts, ts, AtSpecificity(0.9),
                                            Sensitivity(), **kw)
    assert paired.delta == 0.0 and np.all(paired.distribution == 0.0)


def test_bootstrap_op_point_ci_threshold_uncertainty_widens_interval():
    from eval_toolkit import bootstrap_ci
    from eval_toolkit.operating_points import AtSpecificity, Sensitivity, bootstrap_op_point_ci

    rng = np.random.default_rng(6)
    vy, ty = rng.integers(0, 2, 300), rng.integers(0, 2, 3000)
    vs, ts = vy + rng.normal(0, 1, 300), ty + rng.normal(0, 1, 3000)
    two_level = bootstrap_op_point_ci(vy, vs, ty, ts, AtSpecificity(0.9), Sensitivity(),
                                      n_resamples=1000, seed=1)
    threshold = AtSpecificity(0.9)(vy, vs)
    fixed = bootstrap_ci(ty[ty == 1], (ts[ty == 1] >= threshold).astype(float), "accuracy",
                         n_resamples=1000, method="percentile", seed=1)
    # a 300-row validation set makes the threshold, not the 3000-row test set, dominate
    assert two_level.std_error > 2 * fixed.std_error


def test_progress_must_be_a_bool():
    # Regression: the operating-point path once read progress="no" as true.
    y = np.array([0, 1] * 10)
    s = np.linspace(0, 1, 20)
    with pytest.raises(ValueError, match=r"^The 'progress' parameter of "
                       r"paired_bootstrap_op_point_diff must be a bool\. Got 'no' instead\.$"):
        paired_bootstrap_op_point_diff(y, s, s, y, s, s, MaxF1(), F1(), progress="no")


# ---- more than two classes: one-vs-rest on pos_label; regression refused --------------------


def _multiclass_split(rng, n):
    y = rng.choice(np.array(["ant", "bee", "cat", "dog"]), n)
    signal = (y == "cat").astype(float)
    return y, np.round(signal + rng.normal(0, 1.0, n), 2), np.round(1.5 * signal + rng.normal(0, 1.0, n), 2)


@pytest.fixture
def multiclass_data():
    rng = np.random.default_rng(np.random.SeedSequence([5, 6]))
    return _multiclass_split(rng, 500), _multiclass_split(rng, 400)


def test_multiclass_is_the_binarised_problem(multiclass_data):
    from eval_toolkit.operating_points import bootstrap_op_point_ci

    (vy, va, vb), (ty, ta, tb) = multiclass_data
    kw = dict(n_resamples=300, method="bca", stratify=True)
    got = paired_bootstrap_op_point_diff(vy, va, vb, ty, ta, tb, YoudenJ(), Precision(),
                                         pos_label="cat", **kw)
    binary = paired_bootstrap_op_point_diff(vy == "cat", va, vb, ty == "cat", ta, tb, YoudenJ(),
                                            Precision(), **kw)
    assert got == binary and got.distribution.tobytes() == binary.distribution.tobytes()

    def sklearn_value(vs, ts):
        fpr, tpr, thresholds = metrics.roc_curve(vy == "cat", vs, drop_intermediate=False)
        j = tpr - fpr
        threshold = thresholds[np.isclose(j, j.max(), rtol=0, atol=1e-12)].min()
        return metrics.precision_score(ty == "cat", ts >= threshold)

    assert got.delta == pytest.approx(sklearn_value(vb, tb) - sklearn_value(va, ta), abs=1e-12)
    one = bootstrap_op_point_ci(vy, vb, ty, tb, YoudenJ(), Precision(), pos_label="cat", **kw)
    assert one.point_estimate == pytest.approx(sklearn_value(vb, tb), abs=1e-12)


def test_paired_bootstrap_op_point_diff_n_jobs_reproducibility_multiclass(multiclass_data):
    (vy, va, vb), (ty, ta, tb) = multiclass_data
    runs = [paired_bootstrap_op_point_diff(vy, va, vb, ty, ta, tb, AtSensitivity(0.8),
                                           Specificity(), pos_label="dog", n_resamples=200,
                                           n_jobs=n_jobs) for n_jobs in (1, 2)]
    assert runs[0] == runs[1]
    np.testing.assert_array_equal(runs[0].distribution, runs[1].distribution)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(), r"^The 'pos_label' parameter of paired_bootstrap_op_point_diff must be one of "
                 r"the classes of val_y \['ant', 'bee', 'cat', 'dog'\] \(with more than two "
                 r"classes, the positive class of a one-vs-rest problem\)\. Got None instead\.$"),
        (dict(pos_label="eel"), r"'pos_label' parameter .* Got 'eel' instead\.$"),
        (dict(pos_label="cat", val_score_a=np.zeros((500, 4))),
         r"^The 'val_score_a' parameter of paired_bootstrap_op_point_diff must be a 1-D array "
         r"of scores \(for more than two classes, the scores of the class pos_label, e\.g\. "
         r"predict_proba\(X\)\[:, k\]\)\. Got 'shape \(500, 4\)' instead\.$"),
        (dict(val_y=np.linspace(0.5, 3.5, 500)),
         r"^The 'val_y' parameter of paired_bootstrap_op_point_diff must be class labels: an "
         r"operating point thresholds a classifier's scores for a positive class, which "
         r"regression targets do not have \(for regression, use bootstrap_ci or "
         r"paired_bootstrap_diff with a regression metric such as 'mean_absolute_error'\)\. "
         r"Got 'continuous values' instead\.$"),
    ],
)
def test_multiclass_and_regression_input_errors(multiclass_data, kwargs, message):
    (vy, va, vb), (ty, ta, tb) = multiclass_data
    args = dict(val_y=vy, val_score_a=va, val_score_b=vb, test_y=ty, test_score_a=ta,
                test_score_b=tb, threshold_fn=MaxF1(), metric_fn=F1(), n_resamples=10)
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        paired_bootstrap_op_point_diff(**args)
