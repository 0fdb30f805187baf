"""PairedBootstrap and Bootstrap with regressors and multiclass classifiers."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from sklearn import metrics
from sklearn.base import clone
from sklearn.datasets import load_iris, make_regression
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate

from eval_toolkit.compare import Bootstrap, OperatingPoint, PairedBootstrap
from eval_toolkit.operating_points import (
    F1,
    AtSpecificity,
    MaxF1,
    Sensitivity,
    paired_bootstrap_op_point_diff,
)
from eval_toolkit.protocols import validate_scorer
from eval_toolkit.utils.estimator_checks import parametrize_with_checks

FAST = dict(n_resamples=100, seed=0)

X_REG, Y_REG = make_regression(n_samples=240, n_features=5, noise=20.0, random_state=0)
X_IRIS, Y_IRIS = load_iris(return_X_y=True)
NAMES = np.array(["setosa", "versicolor", "virginica"])[Y_IRIS]
RIDGE = Ridge().fit(X_REG, Y_REG)
FOREST = RandomForestRegressor(n_estimators=10, random_state=0).fit(X_REG, Y_REG)
WEAK = LogisticRegression(C=0.01, max_iter=500).fit(X_IRIS, NAMES)
STRONG = LogisticRegression(max_iter=500).fit(X_IRIS, NAMES)


def test_regressor_pair_uses_predict():
    pb = PairedBootstrap(RIDGE, FOREST, metric="neg_mean_absolute_error", **FAST)
    pb.fit(X_REG, Y_REG)
    res = pb.result_
    assert pb.task_ == "regression" and res.metric == "mean_absolute_error"
    assert math.isclose(res.value_a, metrics.mean_absolute_error(Y_REG, RIDGE.predict(X_REG)))
    assert math.isclose(res.value_b, metrics.mean_absolute_error(Y_REG, FOREST.predict(X_REG)))
    # score() is greater-is-better: an error difference is negated.
    assert pb.score(X_REG, Y_REG) == pytest.approx(-pb.delta_, abs=1e-12)


def test_multiclass_pair_from_the_issue():
    # PairedBootstrap(LogisticRegression(...), LogisticRegression(...), metric="accuracy")
    # on iris used to fail with "must be binary".
    pb = PairedBootstrap(WEAK, STRONG, metric="accuracy", **FAST).fit(X_IRIS, NAMES)
    assert pb.task_ == "multiclass"
    expected = metrics.accuracy_score(NAMES, STRONG.predict(X_IRIS)) - metrics.accuracy_score(
        NAMES, WEAK.predict(X_IRIS))
    assert math.isclose(pb.delta_, expected)


@pytest.mark.parametrize("metric", ["roc_auc_ovr", "neg_log_loss", "f1_macro"])
def test_multiclass_probability_and_label_metrics(metric):
    pb = PairedBootstrap(WEAK, STRONG, metric=metric, **FAST).fit(X_IRIS, NAMES)
    reference = {"roc_auc_ovr": lambda m: metrics.roc_auc_score(
        NAMES, m.predict_proba(X_IRIS), multi_class="ovr"),
        "neg_log_loss": lambda m: metrics.log_loss(NAMES, m.predict_proba(X_IRIS)),
        "f1_macro": lambda m: metrics.f1_score(NAMES, m.predict(X_IRIS), average="macro")}
    assert math.isclose(pb.result_.value_b, reference[metric](STRONG), rel_tol=1e-12)


def test_cross_validate_and_grid_search_with_regressors():
    pb = PairedBootstrap(Ridge(), Ridge(alpha=1e4), metric="r2", refit=True, cv=3, **FAST)
    scores = cross_validate(pb, X_REG, Y_REG, cv=3)["test_score"]
    assert np.all(np.isfinite(scores)) and np.all(scores < 0)  # B (over-regularised) is worse
    grid = GridSearchCV(pb, {"scorer_b__alpha": [1e4, 1.0]}, cv=3).fit(X_REG, Y_REG)
    assert grid.best_params_ == {"scorer_b__alpha": 1.0}


def test_cross_validate_and_grid_search_with_classifiers():
    bs = Bootstrap(LogisticRegression(max_iter=500), metric="neg_log_loss", refit=True, cv=3,
                   **FAST)
    # iris is sorted by class: stratified outer folds keep all three classes.
    outer = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = cross_validate(bs, X_IRIS, NAMES, cv=outer)["test_score"]
    assert np.all(scores < 0)  # a loss, negated
    grid = GridSearchCV(bs, {"scorer__C": [1e-3, 1.0]}, cv=outer).fit(X_IRIS, NAMES)
    assert grid.best_params_ == {"scorer__C": 1.0}


def test_clone_keeps_prefit_regressors():
    pb = PairedBootstrap(RIDGE, FOREST, metric="rmse", **FAST)
    fitted = pb.fit(X_REG, Y_REG)
    again = clone(pb).fit(X_REG, Y_REG)
    assert again.result_ == fitted.result_
    np.testing.assert_array_equal(again.result_.distribution, fitted.result_.distribution)


def test_regressor_has_no_predict_proba():
    with pytest.raises(TypeError, match=r"expected a Scorer \(an object with a predict_proba"):
        validate_scorer(RIDGE)
    assert validate_scorer(RIDGE, methods=("predict",)) is RIDGE


# ---- OperatingPoint: one-vs-rest on a named class; refused for regressors ---------------------

OVR_POINT = OperatingPoint(AtSpecificity(0.8), Sensitivity())


def _same(r1, r2):
    return r1 == r2 and r1.distribution.tobytes() == r2.distribution.tobytes()


def test_operating_point_is_one_vs_rest_on_pos_label():
    pb = PairedBootstrap(WEAK, STRONG, metric=OVR_POINT, pos_label="versicolor", **FAST)
    pb.fit(X_IRIS, NAMES)
    assert pb.task_ == "multiclass"
    positive = NAMES == "versicolor"
    val, test = OVR_POINT.split(positive, FAST["seed"])
    k = list(STRONG.classes_).index("versicolor")
    a, b = (m.predict_proba(X_IRIS)[:, k] for m in (WEAK, STRONG))

    def sklearn_value(s):
        # lowest threshold with specificity >= 0.8 on validation, recall on test
        fpr, _, thresholds = metrics.roc_curve(positive[val], s[val], drop_intermediate=False)
        threshold = thresholds[fpr <= 0.2 + 1e-12].min()
        return metrics.recall_score(positive[test], s[test] >= threshold)

    assert pb.delta_ == pytest.approx(sklearn_value(b) - sklearn_value(a), abs=1e-12)
    assert pb.score(X_IRIS, NAMES) == pytest.approx(pb.delta_, abs=1e-12)
    # the whole bootstrap is the binary problem's (y == pos_label, that class's scores)
    binary = paired_bootstrap_op_point_diff(
        positive[val], a[val], b[val], positive[test], a[test], b[test], OVR_POINT.threshold_fn,
        OVR_POINT.metric_fn, **FAST)
    assert _same(pb.result_, binary)


def test_operating_point_one_vs_rest_in_cross_validate_grid_search_and_clone():
    pb = PairedBootstrap(LogisticRegression(C=0.01, max_iter=500), LogisticRegression(max_iter=500),
                         metric=OperatingPoint(MaxF1(), F1()), pos_label="versicolor",
                         refit=True, cv=3, **FAST)
    outer = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = cross_validate(pb, X_IRIS, NAMES, cv=outer)["test_score"]
    assert np.all(np.isfinite(scores)) and np.all(scores > 0)  # B separates versicolor better
    grid = GridSearchCV(pb, {"scorer_b__C": [1e-3, 1.0]}, cv=outer).fit(X_IRIS, NAMES)
    assert grid.best_params_ == {"scorer_b__C": 1.0}
    prefit = PairedBootstrap(WEAK, STRONG, metric=OVR_POINT, pos_label="virginica", **FAST)
    assert _same(clone(prefit).fit(X_IRIS, NAMES).result_, prefit.fit(X_IRIS, NAMES).result_)


@pytest.mark.parametrize("pos_label, got", [(None, "None"), ("rose", "'rose'")])
def test_operating_point_with_many_classes_needs_pos_label(pos_label, got):
    pb = PairedBootstrap(WEAK, STRONG, metric=OVR_POINT, pos_label=pos_label, **FAST)
    with pytest.raises(ValueError, match=re.escape(
            "The 'pos_label' parameter of PairedBootstrap must be one of the classes of y "
            "['setosa', 'versicolor', 'virginica'] (with more than two classes, the positive "
            f"class of a one-vs-rest problem). Got {got} instead.")):
        pb.fit(X_IRIS, NAMES)


def test_operating_point_refuses_regressors():
    pb = PairedBootstrap(RIDGE, FOREST, metric=OVR_POINT, **FAST)
    with pytest.raises(ValueError, match=r"^The 'metric' parameter of PairedBootstrap must be a "
                       r"metric name or callable when the scorers are regressors: an "
                       r"OperatingPoint thresholds a classifier's scores .* such as "
                       r"'mean_absolute_error' with Bootstrap or PairedBootstrap\)\. Got "
                       r"OperatingPoint\("):
        pb.fit(X_REG, Y_REG)


@parametrize_with_checks([
    RIDGE,
    FOREST,
    STRONG,
    PairedBootstrap(RIDGE, FOREST, metric="mae", **FAST),
    Bootstrap(STRONG, metric="f1_macro", **FAST),
    PairedBootstrap(WEAK, STRONG, metric="roc_auc_ovr", **FAST),
    PairedBootstrap(WEAK, STRONG, metric=OVR_POINT, pos_label="virginica", **FAST),
])
def test_checks_pass_on_regressors_and_multiclass(obj, check):
    check(obj)
