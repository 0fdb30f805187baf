"""Tests for eval_toolkit.utils.estimator_checks, and the checks run on our own objects."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from eval_toolkit.compare import Bootstrap, OperatingPoint, PairedBootstrap
from eval_toolkit.operating_points import AtSpecificity, Sensitivity
from eval_toolkit.utils.estimator_checks import (
    check_reproducibility,
    check_scorer,
    parametrize_with_checks,
)

# Built at import: parametrize_with_checks needs the objects at collection time.
X, y = make_classification(n_samples=240, n_features=5, n_informative=3, flip_y=0.1,
                           random_state=0)
LOGISTIC = LogisticRegression(C=0.1).fit(X, y)
PIPELINE = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
BOOSTING = HistGradientBoostingClassifier(max_iter=10, max_leaf_nodes=8).fit(X, y)
FAST = {"n_resamples": 200}

META_OBJECTS = [
    PairedBootstrap(LOGISTIC, PIPELINE, **FAST),
    PairedBootstrap(PIPELINE, BOOSTING, metric="ece", method="percentile", **FAST),
    PairedBootstrap(LOGISTIC, BOOSTING, metric=OperatingPoint(AtSpecificity(0.8), Sensitivity()),
                    **FAST),
    PairedBootstrap(LogisticRegression(), make_pipeline(StandardScaler(), LogisticRegression()),
                    refit=True, cv=3, **FAST),
    Bootstrap(BOOSTING, **FAST),
    Bootstrap(HistGradientBoostingClassifier(max_iter=10, max_leaf_nodes=8), metric="brier",
              refit=True, cv=3, **FAST),
]


# ---- our own objects pass the checks ---------------------------------------------------------


@parametrize_with_checks([LOGISTIC, PIPELINE, BOOSTING, *META_OBJECTS], X=X, y=y)
def test_checks_pass_on_our_objects(obj, check):
    check(obj)


@parametrize_with_checks([PIPELINE, PairedBootstrap(LOGISTIC, BOOSTING, **FAST)])
def test_checks_pass_with_default_data(obj, check):
    check(obj)


# ---- scorers that must fail ------------------------------------------------------------------


class LambdaAttributeScorer:
    def __init__(self):
        self.predict_proba = lambda X: np.zeros(len(X))


def _closure_scorer():
    shift = 0.3

    def predict_proba(X):
        return np.full(len(X), shift)

    scorer = ConstantScorer()
    scorer.predict_proba = predict_proba
    return scorer


def _local_class_scorer():
    class LocalScorer:
        def predict_proba(self, X):
            return np.zeros(len(X))

    return LocalScorer()


class ConstantScorer:
    def predict_proba(self, X):
        return np.full(len(X), 0.5)


_UNSEEDED = np.random.default_rng()


class RandomScorer:
    """Draws from a shared, advancing generator: not deterministic."""

    def predict_proba(self, X):
        return _UNSEEDED.random(len(X))


class ThreeDimensional:
    def predict_proba(self, X):
        return np.full((len(X), 3, 1), 1 / 3)


class NaNScorer:
    def predict_proba(self, X):
        return np.full(len(X), np.nan)


class UnnormalisedScorer:
    def predict_proba(self, X):
        return np.full((len(X), 2), 0.7)


class ForgetfulScorer:
    """Loses its calibration when pickled: workers would see another model."""

    def __init__(self):
        self.scale = 0.5

    def __getstate__(self):
        return {"scale": 1.0}

    def predict_proba(self, X):
        return self.scale * np.asarray(X)[:, 0] ** 2


BAD_SCORERS = [LambdaAttributeScorer, _closure_scorer, _local_class_scorer]


@pytest.mark.parametrize("make", BAD_SCORERS, ids=["lambda-attribute", "closure", "local-class"])
def test_unpicklable_scorer_fails_with_documented_message(make):
    with pytest.raises(TypeError, match=r"^scorer: .* is not picklable \(lambdas, closures "
                       r".*Underlying error: "):
        check_scorer(make(), X)


@pytest.mark.parametrize("make", BAD_SCORERS, ids=["lambda-attribute", "closure", "local-class"])
def test_meta_object_with_unpicklable_scorer_fails(make):
    with pytest.raises(TypeError, match=r"^scorer_b: .* is not picklable"):
        check_reproducibility(PairedBootstrap(LOGISTIC, make(), **FAST), X, y)


def test_non_scorer_fails_with_documented_message():
    with pytest.raises(TypeError, match=r"^scorer: expected a Scorer .* Got str instead\.$"):
        check_scorer("model", X)


@pytest.mark.parametrize(
    "scorer, message",
    [
        (RandomScorer(), "RandomScorer.predict_proba is not deterministic"),
        (ThreeDimensional(), "ThreeDimensional.predict_proba must return shape (n,) or "
                             "(n, n_classes); got shape (240, 3, 1)."),
        (NaNScorer(), "NaNScorer.predict_proba returned NaN or inf."),
        (UnnormalisedScorer(), "UnnormalisedScorer.predict_proba returned columns whose rows "
                               "do not sum to 1."),
        (ForgetfulScorer(), "ForgetfulScorer.predict_proba changes after a pickle round trip"),
    ],
    ids=["random", "three-dimensional", "nan", "unnormalised", "pickle-round-trip"],
)
def test_check_scorer_failures(scorer, message):
    with pytest.raises(AssertionError, match="^check_scorer: " + re.escape(message)):
        check_scorer(scorer, X)


def test_check_scorer_needs_X_without_n_features_in():
    with pytest.raises(ValueError, match=re.escape(
            "The 'X' parameter of check_scorer must be given for a scorer without "
            "n_features_in_. Got None instead.")):
        check_scorer(ConstantScorer())


# ---- meta-objects that must fail -------------------------------------------------------------


class NJobsDependent(PairedBootstrap):
    """Leaks n_jobs into the result, as a badly seeded parallel loop would."""

    def _bootstrap(self, y, scores, *options):
        result = super()._bootstrap(y, scores, *options)
        return dataclasses.replace(result, delta=result.delta + 1e-12 * self.n_jobs)


class SeedIgnoring(PairedBootstrap):
    def _params_iv(self, methods):
        resampling, stratify = super()._params_iv(methods)
        return dataclasses.replace(resampling, seed=0), stratify


@pytest.mark.parametrize(
    "cls, message",
    [(NJobsDependent, "result_ differs with n_jobs=2 (fields ['delta'])"),
     (SeedIgnoring, "a different seed gave the same bootstrap resamples")],
)
def test_check_reproducibility_catches_failures(cls, message):
    with pytest.raises(AssertionError, match="^check_reproducibility: " + re.escape(message)):
        check_reproducibility(cls(LOGISTIC, PIPELINE, **FAST), X, y)


def test_check_reproducibility_leaves_obj_unchanged():
    obj = PairedBootstrap(LOGISTIC, PIPELINE, n_jobs=1, **FAST)
    check_reproducibility(obj, X, y)
    assert not hasattr(obj, "result_") and obj.n_jobs == 1


def test_check_reproducibility_rejects_non_meta_objects():
    with pytest.raises(TypeError, match=re.escape(
            "The 'obj' parameter of check_reproducibility must be a PairedBootstrap or "
            "Bootstrap. Got LogisticRegression(C=0.1) instead.")):
        check_reproducibility(LOGISTIC, X, y)


# ---- parametrize_with_checks -----------------------------------------------------------------


def test_parametrize_with_checks_ids_and_checks():
    mark = parametrize_with_checks([PIPELINE, ConstantScorer(), META_OBJECTS[0]], X=X, y=y)
    assert mark.args[0] == "obj, check"
    params = mark.args[1]
    ids = [p.id for p in params]
    assert ids[0].startswith("Pipeline(steps=[('standardscaler',StandardScaler())")
    assert ids[0].endswith("-check_scorer")
    assert ids[1] == "ConstantScorer-check_scorer"
    assert ids[2].startswith("PairedBootstrap(") and ids[2].endswith("-check_reproducibility")
    assert [p.values[1].func for p in params] == [check_scorer, check_scorer,
                                                  check_reproducibility]


def test_parametrize_with_checks_needs_X_and_y_together():
    with pytest.raises(ValueError, match=re.escape(
            "The 'y' parameter of parametrize_with_checks must be given together with X "
            "(both or neither). Got None instead.")):
        parametrize_with_checks([PIPELINE], X=X)
