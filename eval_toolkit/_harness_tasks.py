"""What the harness needs to know about a task: which one it is, how to get
predictions from a model and a metric's point value.

The task comes from scikit-learn's ``type_of_target`` of the labels of every
slice together (one slice may hold a single class), unless the caller says
``task=``.  Metric knowledge, default metrics included
(:func:`eval_toolkit.metrics.default_metrics`), lives in the metric registry.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import param_error
from .metrics import TASKS

__all__: list[str] = ["TASKS"]

_TARGET_TO_TASK = {"binary": "binary", "multiclass": "multiclass", "continuous": "regression"}


def detect_task(ys: list[np.ndarray], func: str, models: Any = None) -> str:
    """The task of a run: regression when every model is a scikit-learn regressor,
    else ``type_of_target`` of all labels pooled (binary, multiclass or regression).

    Asking the models first keeps integer-valued targets (counts, scores,
    scikit-learn's diabetes data) from passing for hundreds of classes.
    """
    from sklearn.base import is_regressor
    from sklearn.utils.multiclass import type_of_target

    if models and all(is_regressor(m) for m in models):
        return "regression"
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


def check_given_task(task: str, preds: Any, func: str) -> None:
    """Integer targets with non-integer 1-D predictions: a regression, not classes.

    ``type_of_target`` calls integer-valued targets multiclass; predicted
    values that are not class labels say otherwise, and the caller must say
    which (nothing is guessed).
    """
    if task != "multiclass":
        return
    for per_slice in preds.values():
        for pred in per_slice.values():
            if pred.ndim == 1 and pred.dtype.kind == "f" and np.any(pred != np.round(pred)):
                raise ValueError(param_error(
                    func, "task", "'regression' for integer-valued targets predicted by "
                    "non-integer values (the targets alone look like classes)", None))


def predict(model: Any, X: Any, task: str, positive: Any = 1) -> np.ndarray:
    """A model's predictions in the form the task's metrics take.

    Classifiers give probabilities (binary: the column of the ``positive``
    class in ``classes_``, which is what every binary metric of the package
    reads; multiclass: the (n, C) matrix in ``classes_`` order), falling back
    to ``decision_function`` (negated when the positive class is
    ``classes_[0]``) and then ``predict`` (1.0 where the positive class is
    predicted), as scikit-learn's ``response_method`` lists do; regressors
    give ``predict``.
    """
    methods = ("predict",) if task == "regression" else (
        "predict_proba", "decision_function", "predict")
    for method in methods:
        if callable(getattr(model, method, None)):
            out = np.asarray(getattr(model, method)(X))
            return _positive_scores(model, method, out, positive) if task == "binary" else out
    raise TypeError(f"{type(model).__name__} has none of the methods {', '.join(methods)}.")


def _positive_scores(model: Any, method: str, out: np.ndarray, positive: Any) -> np.ndarray:
    classes = getattr(model, "classes_", None)
    if method == "predict":
        return (out == positive).astype(np.float64)
    if classes is None or len(classes) != 2:
        return out[:, 1] if out.ndim == 2 and out.shape[1] == 2 else out
    column = int(np.flatnonzero(np.asarray(classes) == positive)[0])
    if out.ndim == 2:
        return out[:, column]
    return out if column == 1 else -out  # decision_function scores classes_[1]


def check_model_classes(models: dict[str, Any], task: str, positive: Any,
                        labels: np.ndarray | None, func: str) -> None:
    """Each classifier knows the classes its predictions are read by.

    Binary: the positive class is one of ``classes_``; multiclass: ``classes_``
    equals ``labels`` (the column order of every probability matrix).
    """
    for name, model in models.items():
        classes = getattr(model, "classes_", None)
        if classes is None or task == "regression":
            continue
        classes = np.asarray(classes)
        if task == "binary" and len(classes) == 2 and not np.any(classes == positive):
            raise ValueError(param_error(func, "pos_label", f"a class of model {name!r} "
                                         f"(classes_ {classes.tolist()})", positive))
        if task == "multiclass" and labels is not None and not np.array_equal(classes, labels):
            raise ValueError(param_error(
                func, "labels", f"the classes_ of every model, in order (model {name!r} has "
                f"{classes.tolist()})", labels.tolist()))


def has_response(model: Any, task: str | None) -> bool:
    """Whether ``model`` can produce predictions for ``task`` (any task when None)."""
    methods: tuple[str, ...] = ("predict_proba", "decision_function", "predict")
    if task == "regression":
        methods = ("predict",)
    return any(callable(getattr(model, m, None)) for m in methods)


def point_value(metric: Any, y: np.ndarray, pred: np.ndarray, task: str, *,
                labels: Any = None, pos_label: Any = None) -> float:
    """Value of ``metric`` on the full data (per-fold metrics of ``evaluate_folded``),
    exactly as the bootstrap functions compute their point estimate."""
    from .bootstrap import metric_value

    return metric_value(y, pred, metric, task=task, labels=labels, pos_label=pos_label)
