"""What the harness needs to know about a task: which one it is, its default
metrics, how to get predictions from a model and a metric's point value.

The task comes from scikit-learn's ``type_of_target`` of the labels of every
slice together (one slice may hold a single class), unless the caller says
``task=``.  Metric knowledge itself lives in the metric layer; this module
only asks it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import param_error

__all__: list[str] = []

TASKS = ("binary", "multiclass", "regression")

#: Default metrics per task (the issue's list).  The one place that keeps it.
#: Calibration is the debiased ECE, as in the reports: the plug-in ECE's
#: intervals undercover (doc/user_guide/coverage.rst).
_DEFAULT_METRICS = {
    "binary": ("roc_auc", "average_precision", "brier", "ece_debiased"),
    "multiclass": ("accuracy", "f1_macro", "log_loss"),
    "regression": ("mean_absolute_error", "root_mean_squared_error", "r2"),
}

_TARGET_TO_TASK = {"binary": "binary", "multiclass": "multiclass", "continuous": "regression"}


def detect_task(ys: list[np.ndarray], func: str) -> str:
    """``type_of_target`` of all labels pooled: binary, multiclass or regression."""
    from sklearn.utils.multiclass import type_of_target

    kind = type_of_target(np.concatenate([np.asarray(y).ravel() for y in ys]))
    if kind not in _TARGET_TO_TASK:
        raise ValueError(
            param_error(
                func,
                "slices",
                "slices whose targets are binary, multiclass or continuous (scikit-learn's "
                "type_of_target), or pass task=",
                f"targets of type {kind!r}",
            )
        )
    return _TARGET_TO_TASK[kind]


def default_metrics(task: str) -> tuple[str, ...]:
    """Metrics reported when the caller names none."""
    return _DEFAULT_METRICS[task]


def predict(model: Any, X: Any, task: str) -> np.ndarray:
    """A model's predictions in the form the task's metrics take.

    Classifiers give probabilities (binary: the positive column, which is what
    every binary metric of the package reads; multiclass: the (n, C) matrix),
    falling back to ``decision_function`` and then ``predict`` as scikit-learn's
    ``response_method`` lists do; regressors give ``predict``.
    """
    methods = ("predict",) if task == "regression" else (
        "predict_proba", "decision_function", "predict")
    for method in methods:
        if callable(getattr(model, method, None)):
            out = np.asarray(getattr(model, method)(X))
            if task == "binary" and out.ndim == 2 and out.shape[1] == 2:
                out = out[:, 1]
            return out
    raise TypeError(f"{type(model).__name__} has none of the methods {', '.join(methods)}.")


def has_response(model: Any, task: str | None) -> bool:
    """Whether ``model`` can produce predictions for ``task`` (any task when None)."""
    methods: tuple[str, ...] = ("predict_proba", "decision_function", "predict")
    if task == "regression":
        methods = ("predict",)
    return any(callable(getattr(model, m, None)) for m in methods)


def point_value(metric: str, y: np.ndarray, pred: np.ndarray) -> float:
    """Value of ``metric`` on the full data (per-fold metrics of ``evaluate_folded``)."""
    from . import _engine
    from ._validation import check_labels, check_scores

    labels = check_labels(y, "evaluate_folded")
    scores = check_scores(pred, "evaluate_folded", param="predictions", n=labels.shape[0])
    statistic = _engine.kernel_statistic(
        metric, labels, (scores,), _engine.KernelOptions(), stratify=False, with_se=False
    )
    return float(statistic.point())
