"""Tests for the Scorer protocol and validate_scorer."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from eval_toolkit import Scorer, validate_scorer


class ConstantScorer:
    def __init__(self, value):
        self.value = value

    def predict_proba(self, X):
        return np.full(len(X), self.value)


class LambdaAttributeScorer:
    def __init__(self):
        self.predict_proba = lambda X: np.zeros(len(X))


def _closure_scorer():
    threshold = 0.3

    class Holder:
        pass

    def predict_proba(X):
        return np.full(len(X), threshold)

    h = ConstantScorer(0.0)
    h.predict_proba = predict_proba
    return h


def _local_class_scorer():
    class LocalScorer:
        def predict_proba(self, X):
            return np.zeros(len(X))

    return LocalScorer()


def test_fitted_classifier_and_top_level_class_are_scorers():
    X = np.random.default_rng(0).normal(size=(30, 2))
    clf = LogisticRegression().fit(X, (X[:, 0] > 0).astype(int))
    assert isinstance(clf, Scorer)
    assert validate_scorer(clf) is clf
    assert validate_scorer(ConstantScorer(0.5), name="scorer_b").value == 0.5


def test_non_scorer_is_rejected():
    with pytest.raises(TypeError, match=r"^scorer_a: expected a Scorer .* Got str instead"):
        validate_scorer("model", name="scorer_a")


@pytest.mark.parametrize(
    "make",
    [LambdaAttributeScorer, _closure_scorer, _local_class_scorer],
    ids=["lambda-attribute", "closure", "local-class"],
)
def test_unpicklable_scorers_are_rejected(make):
    with pytest.raises(TypeError) as exc_info:
        validate_scorer(make(), name="scorer_b")
    msg = str(exc_info.value)
    assert msg.startswith("scorer_b: ")
    assert "is not picklable" in msg and "Underlying error:" in msg


def test_scorer_holding_open_file_is_rejected(tmp_path):
    scorer = ConstantScorer(0.1)
    with open(tmp_path / "log.txt", "w") as handle:
        scorer.log = handle
        with pytest.raises(TypeError, match="is not picklable"):
            validate_scorer(scorer)
