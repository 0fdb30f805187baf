"""Which task a call is (binary, multiclass, regression), and its inputs validated for it.

The task follows from the metric (a registry metric declares its tasks) and
from the data (scikit-learn's ``type_of_target`` of ``y_true`` and the shape of
the predictions).  When both leave it open, for instance integer targets with
integer predictions and a custom metric, the caller must say so with
``task=``; nothing is guessed.  Multiclass labels may be any values
``np.unique`` can sort; they are encoded as codes ``0 .. C-1`` in the order of
``labels`` (default: sorted), which is also the column order of probability
matrices, as in scikit-learn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validation import (
    check_labels,
    check_no_missing,
    check_probabilities,
    check_scores,
    param_error,
)
from .metrics import TASKS, ResolvedMetric

__all__: list[str] = []


@dataclass(frozen=True)
class TaskData:
    """Validated inputs of one call.

    ``y`` holds bool labels (binary), class codes (multiclass) or float
    targets (regression).  ``preds`` hold one array per model: 1-D scores,
    codes or values, or (n, C) probability matrices.  ``y_call`` and
    ``preds_call`` are what a generic metric callable receives (original
    labels, predicted labels decoded).
    """

    task: str
    y: np.ndarray
    preds: tuple[np.ndarray, ...]
    y_call: np.ndarray
    preds_call: tuple[np.ndarray, ...]
    classes: np.ndarray | None = None
    fixed_labels: bool = False

    @property
    def is_probability(self) -> bool:
        return self.preds[0].ndim == 2

    @property
    def n_classes(self) -> int:
        return 0 if self.classes is None else int(self.classes.shape[0])

    def subset(self, mask: np.ndarray) -> TaskData:
        """The same data restricted to ``mask`` (a slice); classes are kept."""
        return TaskData(self.task, self.y[mask], tuple(p[mask] for p in self.preds),
                        self.y_call[mask], tuple(p[mask] for p in self.preds_call),
                        self.classes, self.fixed_labels)


def binary_data(y: np.ndarray, scores: tuple[np.ndarray, ...]) -> TaskData:
    """Binary inputs the caller validated already (bool labels, float scores)."""
    return TaskData("binary", y, scores, y.astype(np.int64), scores)


def task_data_iv(
    func: str,
    y_true: Any,
    raw_preds: dict[str, Any],
    metric: ResolvedMetric,
    *,
    task: Any = None,
    labels: Any = None,
    pos_label: Any = None,
    y_param: str = "y_true",
) -> TaskData:
    """Detect the task, then validate and encode every input for it."""
    y = np.asarray(y_true)
    if y.ndim != 1:
        raise ValueError(param_error(func, y_param, "a 1-D array of labels or targets",
                                     f"shape {y.shape}"))
    if y.size == 0:
        raise ValueError(param_error(func, y_param, "a non-empty array", "an empty array"))
    check_no_missing(y, func, y_param)
    preds = {p: np.asarray(v) for p, v in raw_preds.items()}
    task = _task_iv(func, y, preds, metric, task, labels, y_param)
    if task == "regression":
        return _regression_iv(func, y, preds, y_param)
    if task == "multiclass":
        return _multiclass_iv(func, y, preds, metric, labels, y_param)
    y_bool = check_labels(y, func, param=y_param, pos_label=pos_label)
    return binary_scores_iv(func, y_bool, preds, metric)


def binary_scores_iv(
    func: str, y: np.ndarray, raw_preds: dict[str, Any], metric: ResolvedMetric
) -> TaskData:
    """Binary task with labels validated by the caller (bool): check the scores only."""
    scores = tuple(check_scores(v, func, param=p, n=y.shape[0]) for p, v in raw_preds.items())
    _check_label_function(func, metric, raw_preds, scores)
    if metric.spec is not None and metric.spec.needs_probabilities:
        for p, s in zip(raw_preds, scores):
            check_probabilities(s, func, p)
    return binary_data(y, scores)


#: scikit-learn functions that compare predicted labels, and the named metric
#: that thresholds scores at 0.5 instead.
_LABEL_FUNCTIONS = {
    "accuracy_score": "accuracy",
    "balanced_accuracy_score": "balanced_accuracy",
    "f1_score": "f1",
    "precision_score": "precision",
    "recall_score": "recall",
}


def _check_label_function(
    func: str, metric: ResolvedMetric, raw_preds: dict[str, Any], scores: tuple[np.ndarray, ...]
) -> None:
    """A label-comparing sklearn function given scores: name the scores, not sklearn's error."""
    fn = metric.function
    if fn is None or getattr(fn, "__module__", "").split(".")[0] != "sklearn":
        return
    named = _LABEL_FUNCTIONS.get(getattr(fn, "__name__", ""))
    if named is None:
        return
    for param, s in zip(raw_preds, scores):
        if not np.isin(s, (0.0, 1.0)).all():
            raise ValueError(param_error(
                func, param, f"0/1 predictions for {fn.__name__}, which compares predicted "
                f"labels (or pass metric={named!r}: scores >= 0.5 count as positive)",
                f"scores in [{s.min():.4g}, {s.max():.4g}]"))


def _task_iv(func, y, preds, metric, task, labels, y_param) -> str:
    if task is not None:
        if task not in TASKS:
            raise ValueError(param_error(func, "task", f"one of {TASKS} or None", task))
        if metric.spec is not None and task not in metric.spec.tasks \
                and not (task == "binary" and "multiclass" in metric.spec.tasks):
            raise ValueError(param_error(func, "task", f"one of {metric.spec.tasks} for metric "
                                         f"{metric.name!r}", task))
        return "multiclass" if task == "binary" and "binary" not in _tasks(metric) else task
    from sklearn.utils.multiclass import type_of_target

    kind = type_of_target(y) if y.dtype.kind in "biufUSOb" else "unknown"
    two_d = any(v.ndim == 2 and v.shape[1] > 2 for v in preds.values())
    supported = _tasks(metric)
    if supported == ("regression",):
        return "regression"
    if "regression" not in supported:
        if kind == "continuous":
            raise ValueError(param_error(func, y_param, f"class labels for metric "
                                         f"{metric.name!r}", "continuous values"))
        binary_data = kind == "binary" and (labels is None or len(labels) <= 2)
        fits = not two_d and _numeric_scores(preds)
        if "binary" in supported and binary_data and (fits or "multiclass" not in supported):
            return "binary"  # a binary metric: the prediction checks name what is wrong
        if "multiclass" in supported:
            return "multiclass"
        raise ValueError(param_error(
            func, y_param, f"binary labels for metric {metric.name!r} (for more classes use "
            "a multiclass metric, e.g. 'roc_auc_ovr', 'f1_macro')", f"{np.unique(y).size} classes"))
    # A custom metric: decide from the data, or ask.
    if kind == "continuous":
        return "regression"
    if two_d:
        return "multiclass"
    if kind == "binary" and _numeric_scores(preds):
        return "binary"
    if y.dtype.kind in "iub" and _numeric_scores(preds):
        fractional = any(np.any(v != np.round(v)) for v in preds.values()
                         if v.dtype.kind == "f")
        if not fractional:
            raise ValueError(param_error(
                func, "task", "given when integer targets and predictions fit both "
                "classification and regression: pass task='multiclass' or task='regression'",
                None))
        return "regression"
    return "multiclass"


def _tasks(metric: ResolvedMetric) -> tuple[str, ...]:
    return metric.spec.tasks if metric.spec is not None else TASKS


def _numeric_scores(preds: dict[str, np.ndarray]) -> bool:
    return all(v.dtype.kind in "biuf" and (v.ndim == 1 or v.shape[1] == 2)
               for v in preds.values())


def _regression_iv(func, y, preds, y_param) -> TaskData:
    target = _finite_float(y, func, y_param)
    values = []
    for p, v in preds.items():
        if v.ndim != 1 or v.shape[0] != y.shape[0]:
            raise ValueError(param_error(func, p, f"a 1-D array of {y.shape[0]} predictions "
                                         "(same length as the targets)", f"shape {v.shape}"))
        values.append(_finite_float(v, func, p))
    return TaskData("regression", target, tuple(values), target, tuple(values))


def _finite_float(v: np.ndarray, func: str, param: str) -> np.ndarray:
    if v.dtype.kind not in "biuf":
        raise ValueError(param_error(func, param, "numeric", f"dtype {v.dtype}"))
    out = v.astype(np.float64)
    if not np.all(np.isfinite(out)):
        raise ValueError(param_error(func, param, "free of NaN and inf",
                                     f"{int(np.sum(~np.isfinite(out)))} non-finite values"))
    return out


def _multiclass_iv(func, y, preds, metric, labels, y_param) -> TaskData:
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        raise ValueError(param_error(func, y_param, "free of NaN and inf", "non-finite labels"))
    label_preds = [v for v in preds.values() if v.ndim == 1]
    classes = _classes_iv(func, y, label_preds, labels, y_param)
    wants_proba = metric.spec is not None and metric.spec.needs_probabilities
    wants_labels = metric.spec is not None and not wants_proba and \
        "predict" in metric.spec.response_method.get("multiclass", ())
    coded, called = [], []
    for p, v in preds.items():
        if v.ndim == 2:
            proba = _proba_iv(func, p, v, y.shape[0], classes.shape[0], wants_proba)
            if wants_labels:  # a label metric of a probability matrix: predict's argmax
                coded.append(np.argmax(proba, axis=1))
                called.append(classes[coded[-1]])
            else:
                coded.append(proba)
                called.append(proba)
            continue
        if wants_proba:
            raise ValueError(param_error(func, p, f"an (n_samples, {classes.shape[0]}) matrix "
                                         f"of class probabilities for metric {metric.name!r}",
                                         f"shape {v.shape}"))
        if v.shape[0] != y.shape[0]:
            raise ValueError(param_error(func, p, f"of the same length as {y_param} "
                                         f"({y.shape[0]})", f"length {v.shape[0]}"))
        coded.append(np.searchsorted(classes, v) if labels is None else _encode(classes, v))
        called.append(v)
    y_codes = np.searchsorted(classes, y) if labels is None else _encode(classes, y)
    return TaskData("multiclass", y_codes, tuple(coded), y, tuple(called), classes,
                    fixed_labels=labels is not None)


def _classes_iv(func, y, label_preds, labels, y_param) -> np.ndarray:
    seen = np.unique(np.concatenate([y, *label_preds])) if label_preds else np.unique(y)
    if labels is None:
        return seen
    classes = np.asarray(labels)
    if classes.ndim != 1 or np.unique(classes).shape[0] != classes.shape[0]:
        raise ValueError(param_error(func, "labels", "a 1-D list of distinct class labels",
                                     labels))
    missing = np.setdiff1d(seen, classes)
    if missing.size:
        raise ValueError(param_error(func, "labels", f"a list holding every class of {y_param} "
                                     "and of the predicted labels",
                                     f"labels without {missing[:5].tolist()}"))
    return classes


def _encode(classes: np.ndarray, values: np.ndarray) -> np.ndarray:
    order = np.argsort(classes, kind="stable")
    return order[np.searchsorted(classes[order], values)]


def _proba_iv(func, param, v, n, n_classes, wants_proba) -> np.ndarray:
    if v.shape != (n, n_classes):
        raise ValueError(param_error(
            func, param, f"of shape ({n}, {n_classes}): one column per class, in the order of "
            "labels (default: sorted class labels; pass labels= if a class is missing from "
            "y_true)", f"shape {v.shape}"))
    proba = _finite_float(v, func, param)
    if wants_proba:
        check_probabilities(proba.ravel(), func, param)
    return proba
