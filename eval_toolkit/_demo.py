"""The built-in demo behind ``eval-toolkit demo``: no arguments, no network.

Two scikit-learn models are trained on the Wisconsin breast-cancer data that
ships with scikit-learn (malignant is the positive class) and compared on a
held-out test split.  A validation split sits between the two, so that the
operating point (sensitivity at 95% specificity) uses a threshold chosen on
validation data and transferred to the test data, as it would be in use.

The splits and the models are fixed (``random_state=0``); ``seed`` only drives
the bootstrap.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np

from ._validation import Resampling
from .report import ComparisonReport, ComparisonRow, build_comparison

__all__: list[str] = []

DATASET = "Wisconsin breast cancer (569 samples, from scikit-learn)"
NAME_A = "naive Bayes"
NAME_B = "logistic regression"
TARGET_SPECIFICITY = 0.95
#: The slice breakdown: halves of a feature cut at its training median.  Mean
#: fractal dimension is nearly unrelated to the diagnosis, so both halves keep
#: enough malignant cases for every metric.
SLICE_FEATURE, SLICE_NAME = 9, "mean fractal dimension"


@dataclass(frozen=True)
class Scores:
    """Labels and both models' probabilities on one split."""

    y: np.ndarray
    a: np.ndarray
    b: np.ndarray
    slices: np.ndarray


def _splits():
    """Train / validation / test = 50% / 20% / 30%, stratified."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    X, target = load_breast_cancer(return_X_y=True)
    y = (target == 0).astype(int)  # scikit-learn codes malignant as 0
    X_train, X_rest, y_train, y_rest = train_test_split(
        X, y, test_size=0.5, stratify=y, random_state=0
    )
    X_val, X_test, y_val, y_test = train_test_split(
        X_rest, y_rest, test_size=0.6, stratify=y_rest, random_state=0
    )
    return (X_train, y_train), (X_val, y_val), (X_test, y_test)


def _models():
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import GaussianNB
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return GaussianNB(), make_pipeline(StandardScaler(), LogisticRegression())


def fit_and_score() -> tuple[Scores, Scores]:
    """Train both models; return their probabilities on the validation and test splits."""
    (X_train, y_train), (X_val, y_val), (X_test, y_test) = _splits()
    model_a, model_b = (m.fit(X_train, y_train) for m in _models())

    cut = np.median(X_train[:, SLICE_FEATURE])

    def scores(X, y):
        halves = np.where(X[:, SLICE_FEATURE] <= cut, "low", "high")
        return Scores(y, model_a.predict_proba(X)[:, 1], model_b.predict_proba(X)[:, 1], halves)

    return scores(X_val, y_val), scores(X_test, y_test)


def operating_point_row(val: Scores, test: Scores, **bootstrap) -> ComparisonRow:
    """Sensitivity at 95% specificity, threshold chosen on validation, measured on test."""
    from .operating_points import AtSpecificity, Sensitivity, paired_bootstrap_op_point_diff

    select, sensitivity = AtSpecificity(TARGET_SPECIFICITY), Sensitivity()
    ci = paired_bootstrap_op_point_diff(
        val.y, val.a, val.b, test.y, test.a, test.b, select, sensitivity, **bootstrap
    )
    return ComparisonRow(
        metric="sensitivity_at_specificity",
        slice="all",
        ci=ci,
        value_a=sensitivity(test.y, test.a, select(val.y, val.a)),
        value_b=sensitivity(test.y, test.b, select(val.y, val.b)),
        label=f"sensitivity @ {TARGET_SPECIFICITY:.0%} specificity",
    )


def run_demo(resampling: Resampling) -> ComparisonReport:
    """Train, score and compare the two demo models; return the report.

    ``resampling`` is validated by the command line; the operating-point row
    goes through the public function, which checks the demo's own data.
    """
    val, test = fit_and_score()
    y = test.y.astype(bool)
    report = build_comparison(
        "eval-toolkit demo",
        y,
        test.a,
        test.b,
        metrics=None,  # the registry's binary report metrics
        slices=test.slices,
        slice_name=SLICE_NAME,
        name_a=NAME_A,
        name_b=NAME_B,
        resampling=resampling,
        stratify=False,
    )
    op_row = operating_point_row(val, test, **asdict(resampling))
    title = f"Demo: {NAME_B} (B) vs {NAME_A} (A), breast-cancer test split"
    return replace(report, rows=report.rows + (op_row,), title=title)
