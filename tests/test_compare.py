"""Tests for eval_toolkit.compare: PairedBootstrap, Bootstrap and OperatingPoint."""

from __future__ import annotations

import re
import sys

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import NotFittedError, UndefinedMetricWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    StratifiedKFold,
    cross_val_predict,
    cross_validate,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from eval_toolkit import (
    BootstrapCI,
    PairedBootstrapCI,
    bootstrap_ci,
    paired_bootstrap_diff,
    paired_bootstrap_ece_diff,
    paired_bootstrap_op_point_diff,
)
from eval_toolkit.compare import Bootstrap, OperatingPoint, PairedBootstrap
from eval_toolkit.operating_points import AtSpecificity, Sensitivity

FAST = {"n_resamples": 200}


# ---- top-level scorers (picklable by reference) -----------------------------------------


class SpyScorer:
    """Records calls, to show that validation errors come before any work."""

    def __init__(self):
        self.calls = 0

    def predict_proba(self, X):
        self.calls += 1
        return np.full(len(X), 0.5)


class ThreeColumnScorer:
    def predict_proba(self, X):
        return np.full((len(X), 3), 1 / 3)


class LambdaAttributeScorer:
    def __init__(self):
        self.predict_proba = lambda X: np.zeros(len(X))


def _closure_scorer():
    shift = 0.3

    def predict_proba(X):
        return np.full(len(X), shift)

    scorer = SpyScorer()
    scorer.predict_proba = predict_proba
    return scorer


def _local_class_scorer():
    class LocalScorer:
        def predict_proba(self, X):
            return np.zeros(len(X))

    return LocalScorer()


def brier_metric(y, score):
    """A custom metric callable (generic, non-kernel path)."""
    return float(np.mean((score - y) ** 2))


# ---- data ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=400, n_features=6, n_informative=3, flip_y=0.1, random_state=0
    )
    return X[:200], y[:200], X[200:], y[200:]


@pytest.fixture(scope="module")
def fitted(data):
    X_train, y_train, _, _ = data
    a = make_pipeline(StandardScaler(), LogisticRegression(C=0.001)).fit(X_train, y_train)
    b = make_pipeline(StandardScaler(), LogisticRegression()).fit(X_train, y_train)
    return a, b


def _same(r1, r2):
    return r1 == r2 and r1.distribution.tobytes() == r2.distribution.tobytes()


# ---- scikit-learn estimator API ------------------------------------------------------------


def test_init_only_stores_parameters():
    pb = PairedBootstrap("not a scorer", 3, metric="nope", n_resamples=-1, refit="x")
    assert pb.get_params(deep=False) == {
        "scorer_a": "not a scorer", "scorer_b": 3, "metric": "nope", "n_resamples": -1,
        "confidence": 0.95, "method": "percentile", "seed": 42, "n_jobs": 1, "refit": "x", "cv": 5,
        "stratify": False, "pos_label": None, "checkpoint": None,
    }


def test_get_params_deep_and_set_params_nested():
    pb = PairedBootstrap(LogisticRegression(), LogisticRegression(), refit=True)
    params = pb.get_params(deep=True)
    assert params["scorer_a__C"] == 1.0 and params["scorer_b__C"] == 1.0
    pb.set_params(scorer_b__C=10.0, n_resamples=300)
    assert pb.scorer_b.C == 10.0 and pb.scorer_a.C == 1.0 and pb.n_resamples == 300


def test_repr_and_html_repr(fitted):
    pb = PairedBootstrap(*fitted, metric="brier")
    text = repr(pb)
    assert text.startswith("PairedBootstrap(") and "metric='brier'" in text
    assert "LogisticRegression(C=0.001)" in text
    html = pb._repr_html_()
    assert "PairedBootstrap" in html and "LogisticRegression" in html


def test_fit_returns_self_with_fitted_attributes(data, fitted):
    _, _, X, y = data
    pb = PairedBootstrap(*fitted, **FAST)
    assert pb.fit(X, y) is pb
    assert isinstance(pb.result_, PairedBootstrapCI)
    assert pb.delta_ == pb.result_.delta and pb.p_value_ == pb.result_.p_value
    assert pb.ci_ == (pb.result_.ci_low, pb.result_.ci_high)
    assert pb.scorer_a_ is fitted[0] and pb.scorer_b_ is fitted[1]
    assert pb.n_features_in_ == 6 and not hasattr(pb, "feature_names_in_")
    assert pb.__sklearn_is_fitted__()


def test_feature_names_in_from_dataframe(data, fitted):
    pd = pytest.importorskip("pandas")
    X_train, y_train, X, y = data
    columns = [f"f{i}" for i in range(6)]
    model = make_pipeline(StandardScaler(), LogisticRegression())
    model.fit(pd.DataFrame(X_train, columns=columns), y_train)
    bs = Bootstrap(model, **FAST).fit(pd.DataFrame(X, columns=columns), y)
    assert list(bs.feature_names_in_) == columns
    # Refitting on an array drops the names, as scikit-learn estimators do.
    plain = Bootstrap(make_pipeline(StandardScaler(), LogisticRegression()), refit=True, **FAST)
    plain.fit(pd.DataFrame(X, columns=columns), y).fit(X, y)
    assert not hasattr(plain, "feature_names_in_")


def test_tags_and_not_fitted(fitted):
    pytest.importorskip("sklearn", minversion="1.6")  # the __sklearn_tags__ protocol
    from sklearn.utils import get_tags

    pb = PairedBootstrap(*fitted)
    assert get_tags(pb).target_tags.required
    assert not get_tags(pb).input_tags.allow_nan
    assert get_tags(Bootstrap(HistGradientBoostingClassifier())).input_tags.allow_nan
    assert not pb.__sklearn_is_fitted__()
    for method in (pb.summary, pb.to_dict, lambda: pb.score(np.zeros((3, 6)), [0, 1, 0])):
        with pytest.raises(NotFittedError):
            method()


# ---- agreement with the functional API -----------------------------------------------------


@pytest.mark.parametrize("metric", ["roc_auc", "brier", "average_precision", roc_auc_score,
                                    brier_metric])
@pytest.mark.parametrize("method", ["bca", "percentile"])
def test_paired_matches_functional_api(data, fitted, metric, method):
    _, _, X, y = data
    a, b = (m.predict_proba(X) for m in fitted)
    pb = PairedBootstrap(*fitted, metric=metric, method=method, seed=7, **FAST).fit(X, y)
    expected = paired_bootstrap_diff(y, a, b, metric, method=method, seed=7, **FAST)
    assert _same(pb.result_, expected)


def test_ece_matches_ece_function(data, fitted):
    _, _, X, y = data
    a, b = (m.predict_proba(X) for m in fitted)
    pb = PairedBootstrap(*fitted, metric="ece", **FAST).fit(X, y)
    assert _same(pb.result_, paired_bootstrap_ece_diff(y, a, b, method="percentile", **FAST))
    assert pb.result_.metric == "ece"


def test_bootstrap_matches_bootstrap_ci(data, fitted):
    _, _, X, y = data
    bs = Bootstrap(fitted[1], metric="log_loss", method="studentized", **FAST).fit(X, y)
    expected = bootstrap_ci(y, fitted[1].predict_proba(X), "log_loss", method="studentized",
                            **FAST)
    assert isinstance(bs.result_, BootstrapCI) and _same(bs.result_, expected)
    assert bs.estimate_ == expected.point_estimate and bs.scorer_ is fitted[1]


def test_operating_point_split_and_functional_api(data, fitted):
    _, _, X, y = data
    spec = OperatingPoint(AtSpecificity(0.8), Sensitivity(), validation_size=0.4)
    pb = PairedBootstrap(*fitted, metric=spec, seed=3, **FAST).fit(X, y)
    val, test = spec.split(y, 3)
    assert len(val) == 80 and np.intersect1d(val, test).size == 0
    assert abs(y[val].mean() - y[test].mean()) < 0.02  # stratified
    a, b = (m.predict_proba(X)[:, 1] for m in fitted)
    expected = paired_bootstrap_op_point_diff(
        y[val], a[val], b[val], y[test], a[test], b[test], spec.threshold_fn, spec.metric_fn,
        method="percentile", seed=3, **FAST)
    assert _same(pb.result_, expected)
    assert pb.score(X, y) == pytest.approx(pb.delta_, abs=1e-15)


def test_operating_point_split_is_its_own_stream(data):
    _, _, _, y = data
    spec = OperatingPoint(AtSpecificity(0.8), Sensitivity())
    assert all(np.array_equal(s, t) for s, t in zip(spec.split(y, 3), spec.split(y, 3)))
    assert not np.array_equal(spec.split(y, 3)[0], spec.split(y, 4)[0])
    ss = np.random.SeedSequence(3)
    assert np.array_equal(spec.split(y, ss)[0], spec.split(y, 3)[0])
    assert ss.n_children_spawned == 0  # the caller's SeedSequence is not consumed


# ---- reproducibility and clone ------------------------------------------------------------


def test_PairedBootstrap_n_jobs_reproducibility(data, fitted):
    _, _, X, y = data
    runs = [PairedBootstrap(*fitted, n_jobs=n, **FAST).fit(X, y).result_ for n in (1, 2)]
    assert _same(*runs)


def test_Bootstrap_n_jobs_reproducibility(data, fitted):
    _, _, X, y = data
    runs = [Bootstrap(fitted[0], metric="ece", n_jobs=n, **FAST).fit(X, y).result_
            for n in (1, 2)]
    assert _same(*runs)


def test_clone_keeps_prefit_scorers(data, fitted):
    _, _, X, y = data
    pb = PairedBootstrap(*fitted, **FAST).fit(X, y)
    copy = clone(pb)
    assert copy.scorer_a is pb.scorer_a and copy.scorer_b is pb.scorer_b
    assert not hasattr(copy, "result_")
    assert _same(copy.fit(X, y).result_, pb.result_)


def test_frozen_estimator_scorers_survive_clone_and_refit(data, fitted):
    _, _, X, y = data
    pytest.importorskip("sklearn", minversion="1.6")  # FrozenEstimator
    from sklearn.frozen import FrozenEstimator

    frozen = [FrozenEstimator(m) for m in fitted]
    pb = PairedBootstrap(*frozen, refit=True, cv=2, **FAST).fit(X, y)
    assert pb.score(X, y) == pytest.approx(
        roc_auc_score(y, fitted[1].predict_proba(X)[:, 1])
        - roc_auc_score(y, fitted[0].predict_proba(X)[:, 1]), abs=1e-12)


def test_refit_trains_clones_and_bootstraps_out_of_fold(data):
    X, y, X_test, y_test = data
    a, b = LogisticRegression(C=0.01), make_pipeline(StandardScaler(), LogisticRegression())
    pb = PairedBootstrap(a, b, refit=True, cv=3, **FAST).fit(X, y)
    assert not hasattr(a, "coef_")  # the given estimators stay untouched
    assert pb.scorer_a_ is not a and hasattr(pb.scorer_a_, "coef_")
    assert clone(pb).scorer_a is not a  # refit mode clones scorers as usual
    cv = StratifiedKFold(3)
    oof = [cross_val_predict(m, X, y, cv=cv, method="predict_proba") for m in (a, b)]
    assert _same(pb.result_, paired_bootstrap_diff(y, *oof, "roc_auc", method="percentile", **FAST))
    held_out = [m.predict_proba(X_test)[:, 1] for m in (pb.scorer_a_, pb.scorer_b_)]
    expected = roc_auc_score(y_test, held_out[1]) - roc_auc_score(y_test, held_out[0])
    assert pb.score(X_test, y_test) == pytest.approx(expected, abs=1e-12)


def test_cross_validate_refit_with_two_jobs(data):
    X, y, _, _ = data
    a, b = LogisticRegression(C=0.001), HistGradientBoostingClassifier(max_iter=10)
    pb = PairedBootstrap(a, b, refit=True, cv=2, **FAST)
    scores = cross_validate(pb, X, y, cv=5, n_jobs=2, return_estimator=True)
    # Not a classifier (no predict), so an int cv means KFold, as for any estimator.
    for (train, test), score, est in zip(KFold(5).split(X), scores["test_score"],
                                         scores["estimator"]):
        fits = [clone(m).fit(X[train], y[train]).predict_proba(X[test])[:, 1] for m in (a, b)]
        assert score == pytest.approx(
            roc_auc_score(y[test], fits[1]) - roc_auc_score(y[test], fits[0]), abs=1e-12)
        assert isinstance(est.result_, PairedBootstrapCI)


def test_grid_search_over_nested_scorer_parameter(data):
    X, y, _, _ = data
    pb = PairedBootstrap(LogisticRegression(C=0.01), LogisticRegression(), refit=True, cv=2,
                         **FAST)
    search = GridSearchCV(pb, {"scorer_b__C": [0.001, 1.0]}, cv=3).fit(X, y)
    assert search.best_params_ in ({"scorer_b__C": 0.001}, {"scorer_b__C": 1.0})
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.best_estimator_.scorer_b_.C == search.best_params_["scorer_b__C"]


# ---- score, results, conversion --------------------------------------------------------------


def test_score_is_the_point_estimate(data, fitted):
    _, _, X, y = data
    pb = PairedBootstrap(*fitted, metric="brier", **FAST).fit(X, y)
    # A loss: score() is greater-is-better, like scikit-learn's neg_ scorers.
    assert pb.result_.greater_is_better is False
    assert pb.score(X, y) == pytest.approx(-pb.delta_, abs=1e-15)
    bs = Bootstrap(fitted[0], metric=brier_metric, **FAST).fit(X, y)
    assert bs.score(X, y) == pytest.approx(bs.estimate_, abs=1e-15)


def test_score_single_class_warns_and_returns_nan(data, fitted):
    _, _, X, y = data
    pb = PairedBootstrap(*fitted, **FAST).fit(X, y)
    with pytest.warns(UndefinedMetricWarning, match="undefined on these data"):
        assert np.isnan(pb.score(X[y == 1], y[y == 1]))


def test_summary_to_dict_and_to_frame(data, fitted):
    _, _, X, y = data
    pb = PairedBootstrap(*fitted, **FAST).fit(X, y)
    pattern = (r"B - A roc_auc = [+-]\d\.\d{3} \[-?\d\.\d{3}, -?\d\.\d{3}\], p = [\d.e-]+, "
               r"95% percentile, 200 resamples")
    assert re.fullmatch(pattern, pb.summary())
    as_dict = pb.to_dict()
    assert as_dict["delta"] == pb.delta_ and "distribution" not in as_dict
    pytest.importorskip("pandas")
    frame = pb.to_frame()
    assert frame.shape == (1, len(as_dict)) and frame.loc[0, "p_value"] == pb.p_value_


def test_to_frame_without_pandas_names_the_extra(data, fitted, monkeypatch):
    _, _, X, y = data
    bs = Bootstrap(fitted[0], **FAST).fit(X, y)
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"eval_toolkit\[dataframe\]"):
        bs.to_frame()


def test_string_labels_with_pos_label(data):
    X, y, _, _ = data
    names = np.where(y == 1, "pos", "neg")
    models = [make_pipeline(StandardScaler(), LogisticRegression(C=c)) for c in (0.001, 1.0)]
    numeric = PairedBootstrap(*[clone(m).fit(X, y) for m in models], **FAST).fit(X, y)
    fitted = [clone(m).fit(X, names) for m in models]
    for pos_label in ("pos", "neg"):  # picks the matching predict_proba column
        pb = PairedBootstrap(*fitted, pos_label=pos_label, **FAST).fit(X, names)
        assert pb.delta_ == pytest.approx(numeric.delta_, abs=1e-12)


# ---- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make", [LambdaAttributeScorer, _closure_scorer, _local_class_scorer],
    ids=["lambda-attribute", "closure", "local-class"],
)
def test_unpicklable_scorer_fails_before_any_work(data, make):
    _, _, X, y = data
    spy = SpyScorer()
    with pytest.raises(TypeError, match=r"^scorer_b: .* is not picklable .*Underlying error:"):
        PairedBootstrap(spy, make(), **FAST).fit(X, y)
    assert spy.calls == 0


def test_non_scorer_fails_before_any_work(data):
    _, _, X, y = data
    spy = SpyScorer()
    with pytest.raises(TypeError, match=r"^scorer_a: expected a Scorer .* Got str instead"):
        PairedBootstrap("model", spy).fit(X, y)
    assert spy.calls == 0


SPEC = OperatingPoint(AtSpecificity(0.9), Sensitivity())


@pytest.mark.parametrize(
    "cls, kwargs, error, message",
    [
        (PairedBootstrap, {"n_resamples": 0}, ValueError,
         "The 'n_resamples' parameter of PairedBootstrap must be an int >= 1. Got 0 instead."),
        (PairedBootstrap, {"confidence": 1.0}, ValueError,
         "The 'confidence' parameter of PairedBootstrap must be a float in the open interval "
         "(0, 1). Got 1.0 instead."),
        (PairedBootstrap, {"method": "normal"}, ValueError,
         "The 'method' parameter of PairedBootstrap must be one of 'percentile', 'basic', "
         "'bca', 'studentized'. Got 'normal' instead."),
        (PairedBootstrap, {"method": "studentized", "metric": "ece"}, ValueError,
         "The 'method' parameter of PairedBootstrap must be 'percentile', 'basic' or 'bca' for "
         "this metric ('studentized' needs a closed-form standard error: roc_auc, log_loss, "
         "brier, top_k_accuracy, accuracy, mean_absolute_error, mean_squared_error, "
         "root_mean_squared_error, r2, mean_absolute_percentage_error, mean_pinball_loss). Got "
         "'studentized' instead."),
        (PairedBootstrap, {"method": "studentized", "metric": SPEC}, ValueError,
         "The 'method' parameter of PairedBootstrap must be one of 'percentile', 'basic', "
         "'bca'. Got 'studentized' instead."),
        (PairedBootstrap, {"metric": "auc"}, ValueError,
         "The 'metric' parameter of PairedBootstrap must be a metric name of "
         "eval_toolkit.metrics.list_metrics() (e.g. 'roc_auc', "),
        (PairedBootstrap, {"metric": 3}, ValueError,
         "The 'metric' parameter of PairedBootstrap must be a metric name of "
         "eval_toolkit.metrics.list_metrics() (e.g. 'roc_auc', 'f1_macro', 'r2'), a scikit-learn "
         "scorer name (sklearn.metrics.get_scorer_names()), a callable or an OperatingPoint. "
         "Got 3 instead."),
        (PairedBootstrap, {"seed": -1}, ValueError,
         "The 'seed' parameter of PairedBootstrap must be a non-negative int, a "
         "numpy.random.SeedSequence or None. Got -1 instead."),
        (PairedBootstrap, {"n_jobs": 0}, ValueError,
         "The 'n_jobs' parameter of PairedBootstrap must be a positive int or -1 (use 1 or -1, "
         "not 0). Got 0 instead."),
        (PairedBootstrap, {"refit": "yes"}, ValueError,
         "The 'refit' parameter of PairedBootstrap must be a bool. Got 'yes' instead."),
        (PairedBootstrap, {"stratify": 1}, ValueError,
         "The 'stratify' parameter of PairedBootstrap must be a bool. Got 1 instead."),
        (PairedBootstrap, {"refit": True, "cv": 1}, ValueError,
         "The 'cv' parameter of PairedBootstrap must be an int >= 2 or a cross-validation "
         "splitter. Got 1 instead."),
        (PairedBootstrap, {"refit": True}, TypeError,
         "The 'scorer_a' parameter of PairedBootstrap must be a scikit-learn estimator (with fit "
         "and get_params) when refit=True. Got <"),
        (Bootstrap, {"metric": SPEC}, ValueError,
         "The 'metric' parameter of Bootstrap must be a metric name or callable (compare "
         "operating points with PairedBootstrap). Got OperatingPoint("),
        (Bootstrap, {"n_resamples": 2.5}, ValueError,
         "The 'n_resamples' parameter of Bootstrap must be an int >= 1. Got 2.5 instead."),
    ],
)
def test_parameter_errors(data, cls, kwargs, error, message):
    _, _, X, y = data
    spies = [SpyScorer() for _ in cls._SCORERS]
    with pytest.raises(error, match="^" + re.escape(message)):
        cls(*spies, **kwargs).fit(X, y)
    assert all(spy.calls == 0 for spy in spies)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: OperatingPoint("spec", Sensitivity()),
         "The 'threshold_fn' parameter of OperatingPoint must be a threshold selector from "
         "eval_toolkit.operating_points (AtSpecificity, AtSensitivity, AtFPR, AtPrecision, "
         "MaxF1, YoudenJ). Got 'spec' instead."),
        (lambda: OperatingPoint(AtSpecificity(), "sens"),
         "The 'metric_fn' parameter of OperatingPoint must be an operating-point metric from "
         "eval_toolkit.operating_points (Sensitivity, Specificity, Precision, F1, FPR). Got "
         "'sens' instead."),
        (lambda: OperatingPoint(AtSpecificity(), Sensitivity(), validation_size=1.0),
         "The 'validation_size' parameter of OperatingPoint must be a float in the open "
         "interval (0, 1). Got 1.0 instead."),
    ],
)
def test_operating_point_errors(make, message):
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        make()


@pytest.mark.parametrize(
    "action, message",
    [
        (lambda X, y, fitted: PairedBootstrap(*fitted).fit(X[:-1], y),
         "The 'X' parameter of PairedBootstrap must be of the same length as y (200). Got '199 "
         "rows' instead."),
        (lambda X, y, fitted: Bootstrap(ThreeColumnScorer()).fit(X, y),
         "The 'scorer' parameter of Bootstrap must be a Scorer whose predict_proba returns shape "
         "(n,) or (n, 2) (binary problems only). Got 'predictions of shape (200, 3)' instead."),
        (lambda X, y, fitted: PairedBootstrap(*fitted, pos_label=2).fit(X, y),
         "The 'pos_label' parameter of PairedBootstrap must be one of [0, 1]. Got 2 instead."),
        (lambda X, y, fitted: PairedBootstrap(*fitted).set_params(scorer_b__C=1.0),
         "The 'scorer_b__C' parameter of PairedBootstrap must be set only with refit=True "
         "(prefit scorers are never retrained, so the change would have no effect). Got 1.0 "
         "instead."),
        (lambda X, y, fitted: PairedBootstrap(fitted[0], LogisticRegression()).fit(X, y),
         "The 'scorer_b' parameter of PairedBootstrap must be a fitted model when refit=False "
         "(pass refit=True to train it). Got LogisticRegression() instead."),
    ],
    ids=["length", "predict_proba-shape", "pos_label", "nested-prefit", "unfitted-prefit"],
)
def test_data_and_usage_errors(data, fitted, action, message):
    _, _, X, y = data
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        action(X, y, fitted)


@pytest.mark.parametrize("metric", ["roc_auc", SPEC])
def test_fit_validates_each_input_once(data, fitted, count_checks, metric):
    _, _, X, y = data
    PairedBootstrap(*fitted, metric=metric, n_resamples=20, method="percentile").fit(X, y)
    # y once in fit; each scorer's predictions once; the options once in _params_iv.
    assert count_checks == {"check_labels": 1, "check_scores": 2, "check_n_jobs": 1,
                            "check_resampling": 1, "check_seed": 1}


# ---- clustered data (groups=) ------------------------------------------------------------


def _grouped_problem():
    X, y = make_classification(n_samples=300, n_features=6, random_state=3)
    groups = np.arange(300) // 6
    return X, y, groups


def test_paired_bootstrap_groups_equal_the_functional_api():
    X, y, groups = _grouped_problem()
    a = LogisticRegression(C=0.01).fit(X, y)
    b = LogisticRegression(C=1.0).fit(X, y)
    est = PairedBootstrap(a, b, metric="roc_auc", method="bca", **FAST).fit(X, y, groups=groups)
    ref = paired_bootstrap_diff(
        y, a.predict_proba(X)[:, 1], b.predict_proba(X)[:, 1], "roc_auc",
        method="bca", groups=groups, **FAST,
    )
    np.testing.assert_array_equal(est.result_.distribution, ref.distribution)
    assert est.ci_ == (ref.ci_low, ref.ci_high)
    single = Bootstrap(a, metric="brier", **FAST).fit(X, y, groups=groups)
    assert single.result_ == bootstrap_ci(y, a.predict_proba(X)[:, 1], "brier", groups=groups,
                                          **FAST)


def test_refit_passes_groups_to_the_splitter():
    from sklearn.model_selection import GroupKFold

    X, y, groups = _grouped_problem()
    est = PairedBootstrap(LogisticRegression(C=0.01), LogisticRegression(), refit=True,
                          cv=GroupKFold(4), **FAST).fit(X, y, groups=groups)
    oof = cross_val_predict(LogisticRegression(), X, y, cv=GroupKFold(4), groups=groups,
                            method="predict_proba")[:, 1]
    oof_a = cross_val_predict(LogisticRegression(C=0.01), X, y, cv=GroupKFold(4), groups=groups,
                              method="predict_proba")[:, 1]
    assert est.delta_ == pytest.approx(roc_auc_score(y, oof) - roc_auc_score(y, oof_a), abs=1e-12)


@pytest.mark.parametrize(
    "kwargs, groups, message",
    [
        ({}, np.arange(5), r"'groups' parameter of PairedBootstrap must be a 1-D array of length"),
        ({"stratify": True}, np.arange(300) // 6, r"'stratify' parameter of PairedBootstrap"),
        ({"metric": OperatingPoint(AtSpecificity(0.9), Sensitivity())}, np.arange(300) // 6,
         r"'groups' parameter of PairedBootstrap must be None with an OperatingPoint"),
    ],
)
def test_paired_bootstrap_groups_errors(kwargs, groups, message):
    X, y, _ = _grouped_problem()
    a = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match=message):
        PairedBootstrap(a, a, **kwargs, **FAST).fit(X, y, groups=groups)
