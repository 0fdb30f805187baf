"""scikit-learn meta-estimators for bootstrap model comparison.

:class:`PairedBootstrap` compares two scorers on the same samples and
:class:`Bootstrap` gives one scorer's confidence interval.  Both are
``BaseEstimator`` subclasses shaped like scikit-learn's ``FrozenEstimator``:
``__init__`` stores parameters, ``fit`` validates them, gets the scorers'
predictions and runs the functional API (:func:`~eval_toolkit.paired_bootstrap_diff`,
:func:`~eval_toolkit.bootstrap_ci`, :func:`~eval_toolkit.paired_bootstrap_op_point_diff`),
which resamples through ``parallel_map``; results are bit-identical for any
``n_jobs``.

Two modes:

* ``refit=False`` (default): the scorers are already fitted models.  ``fit``
  only evaluates them; ``clone`` keeps them (``__sklearn_clone__``), so a
  clone's ``fit`` gives an identical result.
* ``refit=True``: the scorers are estimators to train.  ``fit(X, y)`` trains
  clones on ``(X, y)``; the bootstrap runs on out-of-fold predictions
  (``cross_val_predict`` over ``cv``), never on the training predictions,
  which would be optimistic.  ``score(X_test, y_test)`` is the point estimate on
  held-out data, so ``cross_validate`` and ``GridSearchCV`` work directly.
"""

from __future__ import annotations

import numbers
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, clone, is_regressor
from sklearn.exceptions import NotFittedError, UndefinedMetricWarning
from sklearn.utils.validation import check_is_fitted

from . import bootstrap as _bootstrap
from ._intervals import CI_METHODS
from ._results import BootstrapCI, PairedBootstrapCI
from ._tasks import binary_scores_iv, task_data_iv
from ._validation import (
    Resampling,
    check_bool,
    check_groups,
    check_labels,
    check_no_missing,
    check_open_unit,
    check_option,
    check_resampling,
    check_scores,
    param_error,
)
from ._warnings import warn
from .metrics import TASKS, ResolvedMetric, resolve_metric
from .operating_points import (
    OP_POINT_METHODS,
    OperatingPointMetric,
    ThresholdSelector,
    op_point_labels,
    op_point_result,
    op_point_statistic,
)
from .protocols import get_response, response_methods, validate_scorer

__all__ = ["Bootstrap", "OperatingPoint", "PairedBootstrap"]

#: Entropy word appended to the seed for the validation/test split of an
#: OperatingPoint.  The bootstrap engine only draws from *spawned children* of
#: ``SeedSequence(seed)``, so ``SeedSequence([seed, 1])`` is a separate stream:
#: changing ``n_resamples`` never moves the split, and vice versa.
_SPLIT_STREAM = 1

#: What to use instead of an OperatingPoint for regression (named in the error).
_REGRESSION_INSTEAD = "Bootstrap or PairedBootstrap"

@dataclass(frozen=True)
class OperatingPoint:
    """Operating-point metric spec for :class:`PairedBootstrap`'s ``metric``.

    ``fit`` splits its data, stratified by label, into a validation part
    (``validation_size``) where each model's threshold is chosen with
    ``threshold_fn``, and a test part where ``metric_fn`` is measured at that
    threshold; the two-level bootstrap of
    :func:`~eval_toolkit.paired_bootstrap_op_point_diff` then includes the
    uncertainty of choosing the threshold.  The split is seeded from
    ``SeedSequence([seed, 1])``, a stream the bootstrap never uses.

    With more than two classes, give :class:`PairedBootstrap` a ``pos_label``:
    the operating point is one-vs-rest on that class (thresholds on
    ``predict_proba(X)[:, k]`` for ``classes_[k] == pos_label``), and split,
    stratification and counts are those of the binary problem
    ``y == pos_label``.  Regressors have no positive class to threshold for,
    and there is no established operating point of a regressor, so ``fit``
    refuses them (ValueError naming ``metric``); compare them with a
    regression metric such as ``"mean_absolute_error"``.

    Parameters
    ----------
    threshold_fn : ThresholdSelector
        E.g. ``AtSpecificity(0.95)``, ``AtSensitivity(0.9)``, ``MaxF1()``.
    metric_fn : OperatingPointMetric
        E.g. ``Sensitivity()``, ``Precision()``, ``F1()``.
    validation_size : float, default=0.5
        Share of the samples used to choose thresholds, in (0, 1).

    Examples
    --------
    >>> from eval_toolkit.compare import OperatingPoint
    >>> from eval_toolkit.operating_points import AtSpecificity, Sensitivity
    >>> OperatingPoint(AtSpecificity(0.95), Sensitivity())  # doctest: +NORMALIZE_WHITESPACE
    OperatingPoint(threshold_fn=AtSpecificity(target=0.95), metric_fn=Sensitivity(),
                   validation_size=0.5)
    """

    threshold_fn: ThresholdSelector
    metric_fn: OperatingPointMetric
    validation_size: float = 0.5

    def __post_init__(self) -> None:
        func = "OperatingPoint"
        if not isinstance(self.threshold_fn, ThresholdSelector):
            raise ValueError(param_error(
                func, "threshold_fn", "a threshold selector from eval_toolkit.operating_points "
                "(AtSpecificity, AtSensitivity, AtFPR, AtPrecision, MaxF1, YoudenJ)",
                self.threshold_fn))
        if not isinstance(self.metric_fn, OperatingPointMetric):
            raise ValueError(param_error(
                func, "metric_fn", "an operating-point metric from eval_toolkit.operating_points "
                "(Sensitivity, Specificity, Precision, F1, FPR)", self.metric_fn))
        check_open_unit(self.validation_size, func, "validation_size")

    def split(self, y: np.ndarray, seed: Any) -> tuple[np.ndarray, np.ndarray]:
        """Sorted (validation, test) row indices: stratified, seeded from ``seed``."""
        from sklearn.model_selection import train_test_split

        val, test = train_test_split(
            np.arange(y.shape[0]), train_size=self.validation_size, stratify=y,
            random_state=_split_random_state(seed),
        )
        return np.sort(val), np.sort(test)

    def point_delta(self, y: np.ndarray, scores: list[np.ndarray], seed: Any) -> float:
        """metric(B) - metric(A) on the test part, thresholds chosen on the validation part."""
        val, test = self.split(y, seed)
        values = [
            self.metric_fn(y[test], s[test], self.threshold_fn(y[val], s[val])) for s in scores
        ]
        return float(values[1] - values[0])


def _split_random_state(seed: int | np.random.SeedSequence) -> int:
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    words = np.atleast_1d(np.asarray(root.entropy, dtype=object)).tolist()
    stream = np.random.SeedSequence([*words, _SPLIT_STREAM], spawn_key=root.spawn_key)
    return int(stream.generate_state(1)[0])


def _n_rows(X: Any, func: str) -> int:
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) >= 1:
        return int(shape[0])
    try:
        return len(X)
    except TypeError:
        raise TypeError(param_error(
            func, "X", "an array-like or DataFrame of shape (n_samples, n_features)", X)) from None


def _positive_column(
    proba: Any, classes: Any, pos_label: Any, func: str, param: str
) -> np.ndarray:
    """The positive-class scores from ``predict_proba`` output.

    Two columns: column 1, or ``pos_label``'s column through ``classes``.  More
    columns (an operating point, one-vs-rest): ``pos_label``'s column, found
    through the scorer's ``classes_``.
    """
    proba = np.asarray(proba)
    if proba.ndim == 1:
        return proba
    two = proba.ndim == 2 and proba.shape[1] == 2
    many = proba.ndim == 2 and proba.shape[1] > 2 and pos_label is not None
    if not (two or many):
        raise ValueError(param_error(
            func, param, "a Scorer whose predict_proba returns shape (n,) or (n, 2) "
            "(binary problems only)", f"predictions of shape {proba.shape}"))
    if two and (pos_label is None or classes is None):
        return proba[:, 1]
    if classes is None or len(classes) != proba.shape[1]:
        raise ValueError(param_error(
            func, param, "a Scorer with a classes_ attribute naming its predict_proba columns "
            "(to find the column of pos_label)", f"predictions of shape {proba.shape}"))
    classes = list(np.asarray(classes).tolist())
    if pos_label not in classes:
        raise ValueError(param_error(func, "pos_label", f"one of {param}'s classes {classes}",
                                     pos_label))
    return proba[:, classes.index(pos_label)]


class _BaseBootstrap(BaseEstimator, ABC):
    """Shared machinery; subclasses set ``_SCORERS`` and implement ``_bootstrap``."""

    _SCORERS: tuple[str, ...] = ()

    # ----- validation: everything is checked before any model is trained or called
    def _params_iv(self, methods: tuple[str, ...]) -> tuple[Resampling, bool]:
        """Check this object's parameters once; return the validated resampling options.

        ``methods``: the model outputs the metric needs (each scorer must have one).
        """
        func = type(self).__name__
        if not isinstance(self.refit, (bool, np.bool_)):
            raise ValueError(param_error(func, "refit", "a bool", self.refit))
        if self.refit and not _is_cv(self.cv):
            raise ValueError(param_error(
                func, "cv", "an int >= 2 or a cross-validation splitter", self.cv))
        for name in self._SCORERS:
            self._scorer_iv(func, name, getattr(self, name), methods)
        ci_methods = OP_POINT_METHODS if isinstance(self.metric, OperatingPoint) else CI_METHODS
        resampling = check_resampling(
            func, n_resamples=self.n_resamples, confidence=self.confidence, method=self.method,
            seed=self.seed, n_jobs=self.n_jobs, methods=ci_methods,
            checkpoint=self.checkpoint, n_columns=len(self._SCORERS))
        return resampling, check_bool(self.stratify, func, "stratify")

    def _scorer_iv(self, func: str, name: str, scorer: Any, methods: tuple[str, ...]) -> None:
        validate_scorer(scorer, name=name, methods=methods)
        is_estimator = hasattr(scorer, "fit") and hasattr(scorer, "get_params")
        if self.refit and not is_estimator:
            raise TypeError(param_error(
                func, name, "a scikit-learn estimator (with fit and get_params) when "
                "refit=True", scorer))
        if not self.refit and is_estimator and not _is_fitted(scorer):
            raise ValueError(param_error(
                func, name, "a fitted model when refit=False (pass refit=True to train it)",
                scorer))

    def _metric_iv(self, func: str) -> ResolvedMetric | None:
        metric = self.metric
        if isinstance(metric, OperatingPoint):
            check_option(self.method, func, "method", OP_POINT_METHODS)
            return None
        resolved = resolve_metric(metric, func=func, also=" or an OperatingPoint")
        resolved.check_method(self.method, func)
        return resolved

    def _task_iv(self, resolved: ResolvedMetric | None, y: np.ndarray) -> str:
        """The task, from the metric, the target and the scorers (see the module docstring)."""
        regressors = all(_is_regressor(getattr(self, n)) for n in self._SCORERS)
        if resolved is None:  # an OperatingPoint: binary, or one-vs-rest on pos_label
            if regressors:
                raise ValueError(param_error(
                    type(self).__name__, "metric", "a metric name or callable when the scorers "
                    "are regressors: an OperatingPoint thresholds a classifier's scores for a "
                    "positive class, which regression does not have (use a regression metric "
                    "such as 'mean_absolute_error' with Bootstrap or PairedBootstrap)",
                    self.metric))
            return "binary" if np.unique(y).shape[0] <= 2 else "multiclass"
        tasks = resolved.spec.tasks if resolved.spec is not None else TASKS
        if tasks == ("regression",) or ("regression" in tasks and regressors):
            return "regression"
        n_classes = np.unique(y).shape[0]
        if "binary" in tasks and n_classes <= 2:
            return "binary"
        if "multiclass" not in tasks:  # name fit's y, not the functional API's task
            raise ValueError(param_error(
                type(self).__name__, "y", f"binary labels for metric {resolved.name!r} (for "
                "more classes use a multiclass metric, e.g. 'roc_auc_ovr', 'f1_macro')",
                f"{n_classes} classes"))
        return "multiclass"

    # ----- fitting
    def fit(self, X: Any, y: Any, groups: Any = None) -> _BaseBootstrap:
        """Validate, get the scorers' predictions on ``(X, y)`` and bootstrap.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Input of the scorers.
        y : array-like of shape (n_samples,)
            Class labels (binary or multiclass) or regression targets.
        groups : array-like of shape (n_samples,), optional
            Cluster ids (patient, user, document): the bootstrap resamples
            whole groups (see :func:`~eval_toolkit.bootstrap_ci`), and with
            ``refit=True`` they are passed to the ``cv`` splitter, so use a
            group-aware one such as ``GroupKFold``.

        Returns
        -------
        self : object
            The fitted meta-estimator.
        """
        func = type(self).__name__
        resolved = self._metric_iv(func)
        labels = np.asarray(y)
        if labels.ndim != 1 or labels.size == 0:
            raise ValueError(param_error(func, "y", "a non-empty 1-D array", f"shape "
                                         f"{labels.shape}"))
        check_no_missing(labels, func, "y")
        task = self._task_iv(resolved, labels)
        methods = ("predict_proba",) if resolved is None else response_methods(resolved, task)
        resampling, stratify = self._params_iv(methods)
        if isinstance(self.metric, OperatingPoint):  # before any model is called
            labels = op_point_labels(labels, func, "y", self.pos_label, _REGRESSION_INSTEAD)
        elif task == "binary":
            labels = check_labels(labels, func, param="y", pos_label=self.pos_label)
        if _n_rows(X, func) != labels.shape[0]:
            raise ValueError(param_error(func, "X", f"of the same length as y ({labels.shape[0]})",
                                         f"{_n_rows(X, func)} rows"))
        codes = check_groups(groups, func, n=labels.shape[0], stratify=stratify)
        if codes is not None and isinstance(self.metric, OperatingPoint):
            raise ValueError(param_error(
                func, "groups", "None with an OperatingPoint metric (its validation/test "
                "split is by rows)", "cluster ids"))
        self._record_input(X)
        self.task_, self._methods = task, methods
        scores = self._fit_scorers(X, y, groups)
        self.result_ = self._bootstrap(labels, scores, resampling, stratify, codes)
        return self

    def _record_input(self, X: Any) -> None:
        shape = getattr(X, "shape", None)
        if shape is not None and len(shape) == 2:
            self.n_features_in_ = int(shape[1])
        columns = getattr(X, "columns", None)
        if columns is not None and all(isinstance(c, str) for c in columns):
            self.feature_names_in_ = np.asarray(columns, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_

    def _fit_scorers(self, X: Any, y: Any, groups: Any = None) -> list[np.ndarray]:
        """Set the fitted ``<scorer>_`` attributes; return the scores to bootstrap."""
        if not self.refit:
            for name in self._SCORERS:
                setattr(self, f"{name}_", getattr(self, name))
            return [self._scores(name, X) for name in self._SCORERS]
        from sklearn.model_selection import check_cv, cross_val_predict

        # One list of splits for every scorer, so the out-of-fold predictions
        # stay paired even with a shuffling splitter.
        classifier = self.task_ != "regression"
        splits = list(check_cv(self.cv, y, classifier=classifier).split(X, y, groups))
        scores = []
        for name in self._SCORERS:
            fitted = clone(getattr(self, name)).fit(X, y)
            setattr(self, f"{name}_", fitted)
            method = next(m for m in self._methods if callable(getattr(fitted, m, None)))
            oof = cross_val_predict(clone(getattr(self, name)), X, y, cv=splits, method=method)
            scores.append(self._prepare(name, method, oof))
        return scores

    def _scores(self, name: str, X: Any) -> np.ndarray:
        method, output = get_response(getattr(self, f"{name}_"), X, self._methods)
        return self._prepare(name, method, output)

    def _prepare(self, name: str, method: str, output: Any) -> np.ndarray:
        """Binary and operating points: the positive-class column; otherwise the output as is."""
        one_column = self.task_ == "binary" or isinstance(self.metric, OperatingPoint)
        if one_column and method == "predict_proba":
            classes = getattr(getattr(self, f"{name}_"), "classes_", None)
            return _positive_column(output, classes, self.pos_label, type(self).__name__, name)
        return np.asarray(output)

    def _class_labels(self) -> Any:
        """The scorers' ``classes_`` (column order of multiclass probabilities), if any."""
        if self.task_ != "multiclass":
            return None
        found = [getattr(getattr(self, f"{n}_"), "classes_", None) for n in self._SCORERS]
        if any(c is None for c in found):
            return None
        if any(not np.array_equal(found[0], c) for c in found[1:]):
            raise ValueError(param_error(type(self).__name__, self._SCORERS[1], "a model of the "
                                         f"same classes as {self._SCORERS[0]}", found[1]))
        return found[0]

    def _problem(
        self,
        y: np.ndarray,
        scores: list[np.ndarray],
        resampling: Resampling,
        stratify: bool,
        groups: np.ndarray | None,
    ) -> _bootstrap.Problem:
        """The functional API's problem: the scorers' predictions checked, the rest validated."""
        func = type(self).__name__
        resolved = resolve_metric(self.metric, func=func)
        predictions = dict(zip(self._SCORERS, scores))
        if self.task_ == "binary":  # labels checked in fit
            data = binary_scores_iv(func, y, predictions, resolved)
        else:
            data = task_data_iv(func, y, predictions, resolved, task=self.task_,
                                labels=self._class_labels(), y_param="y")
        names = ("y", *(f"{name} predictions" for name in self._SCORERS))
        return _bootstrap.checked_problem(func, data, resolved, resampling, stratify, groups,
                                          input_names=names)

    @abstractmethod
    def _bootstrap(
        self,
        y: np.ndarray,
        scores: list[np.ndarray],
        resampling: Resampling,
        stratify: bool,
        groups: np.ndarray | None,
    ) -> Any:
        """Run the subclass's bootstrap on validated labels, options and cluster codes."""

    # ----- fitted use
    def score(self, X: Any, y: Any) -> float:
        """Point estimate on ``(X, y)`` with the fitted scorers, without resampling.

        The same statistic as ``result_`` (for :class:`PairedBootstrap`,
        delta = metric(B) - metric(A)), so ``cross_validate`` and
        ``GridSearchCV`` see held-out values and stay fast.  Greater is better,
        as scikit-learn expects: for an error or loss (``greater_is_better``
        False in ``result_``) the value is negated, as scikit-learn's ``neg_``
        scorers are.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Held-out input.
        y : array-like of shape (n_samples,)
            Held-out labels or targets.

        Returns
        -------
        float
            The point estimate (negated for errors and losses); ``nan`` (with
            an ``UndefinedMetricWarning``) when the metric is undefined on
            ``(X, y)``, e.g. a single class.
        """
        check_is_fitted(self)
        labels = np.asarray(y)
        scores = [self._scores(name, X) for name in self._SCORERS]
        if isinstance(self.metric, OperatingPoint):
            value = self.metric.point_delta(
                op_point_labels(labels, type(self).__name__, "y", self.pos_label,
                                _REGRESSION_INSTEAD),
                scores, self.seed)
        else:
            values = [_bootstrap.metric_value(labels, s, self.metric, task=self.task_,
                                              labels=self._class_labels(),
                                              pos_label=self.pos_label)
                      for s in scores]
            value = values[0] if len(values) == 1 else values[1] - values[0]
            value = value if self.result_.greater_is_better else -value
        if not np.isfinite(value):
            warn(f"{type(self).__name__}.score: {self.result_.metric} is undefined on these "
                 "data (e.g. a single class); returning nan.", UndefinedMetricWarning)
        return value

    def summary(self) -> str:
        """The result as one human sentence, e.g. ``B - A roc_auc = +0.021 [...]``."""
        check_is_fitted(self)
        return str(self.result_)

    def to_dict(self) -> dict[str, Any]:
        """``result_`` as plain Python values (the bootstrap distribution left out)."""
        check_is_fitted(self)
        return self.result_.to_dict()

    def to_frame(self):
        """``result_`` as a one-row :class:`pandas.DataFrame`.

        Raises
        ------
        ImportError
            If pandas is not installed (``pip install "eval_toolkit[dataframe]"``).
        """
        check_is_fitted(self)
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError(
                f"{type(self).__name__}.to_frame() needs pandas; install it with "
                "pip install \"eval_toolkit[dataframe]\" (the 'dataframe' extra), or use "
                "to_dict()."
            ) from exc
        return pd.DataFrame([self.to_dict()])

    # ----- scikit-learn protocols
    def __sklearn_clone__(self) -> _BaseBootstrap:
        new = super().__sklearn_clone__()
        if not self.refit:
            # Prefit scorers are the models under evaluation: a default clone
            # would return unfitted copies.  Share them, as FrozenEstimator does.
            for name in self._SCORERS:
                setattr(new, name, getattr(self, name))
        return new

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "result_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.allow_nan = all(
            _allows_nan(getattr(self, name)) for name in self._SCORERS
        )
        return tags

    def set_params(self, **params: Any) -> _BaseBootstrap:
        """Set parameters; nested scorer parameters (``scorer_b__C``) need ``refit=True``.

        Parameters
        ----------
        **params : dict
            Parameter names mapped to their new values.

        Returns
        -------
        self : object
            This meta-estimator.
        """
        refit = params.get("refit", getattr(self, "refit", False))
        nested = [k for k in params if k.split("__", 1)[0] in self._SCORERS and "__" in k]
        if nested and not refit:
            # Prefit scorers are shared with clones and never retrained: the
            # change would alter the caller's model and not the result.
            raise ValueError(param_error(
                type(self).__name__, nested[0], "set only with refit=True (prefit scorers are "
                "never retrained, so the change would have no effect)", params[nested[0]]))
        return super().set_params(**params)


def _is_cv(cv: Any) -> bool:
    if isinstance(cv, numbers.Integral) and not isinstance(cv, (bool, np.bool_)):
        return int(cv) >= 2
    return hasattr(cv, "split") and hasattr(cv, "get_n_splits")


def _is_fitted(estimator: Any) -> bool:
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        return False
    return True


def _is_regressor(scorer: Any) -> bool:
    """A scikit-learn regressor (by its tags); a plain scorer object is not."""
    return hasattr(scorer, "__sklearn_tags__") and is_regressor(scorer)


def _allows_nan(scorer: Any) -> bool:
    if not hasattr(scorer, "__sklearn_tags__"):
        return False
    from sklearn.utils import get_tags

    return bool(get_tags(scorer).input_tags.allow_nan)


class PairedBootstrap(_BaseBootstrap):
    """Paired bootstrap comparison of two scorers: delta = metric(B) - metric(A).

    A scikit-learn meta-estimator around
    :func:`~eval_toolkit.paired_bootstrap_diff` (any metric it takes, including
    ``"ece"``) and :func:`~eval_toolkit.paired_bootstrap_op_point_diff` (an
    :class:`OperatingPoint`).  Both models are scored on the same resampled
    rows, which keeps the correlation of their errors.

    Parameters
    ----------
    scorer_a, scorer_b : Scorer
        Model A (reference) and model B (candidate): objects with
        ``predict_proba(X)`` returning shape (n,) or (n, 2), picklable.  Fitted
        models when ``refit=False``; scikit-learn estimators to train when
        ``refit=True``.
    metric : str, callable or OperatingPoint, default="roc_auc"
        Any metric of :func:`~eval_toolkit.paired_bootstrap_diff` (``"ece"``
        uses 10 uniform bins), or an :class:`OperatingPoint`.
    n_resamples : int, default=1000
        Number of bootstrap resamples.
    confidence : float, default=0.95
        Confidence level, in (0, 1).
    method : {"percentile", "bca", "basic", "studentized"}, default="percentile"
        Interval method (``"studentized"`` only for ``roc_auc``, ``accuracy``,
        ``brier``, ``log_loss``; not for an ``OperatingPoint``).
    seed : int or numpy.random.SeedSequence, default=42
        Root of all random streams (bootstrap and, for an ``OperatingPoint``,
        the validation/test split).
    n_jobs : int, default=1
        Workers for the resampling; results do not depend on it.
    refit : bool, default=False
        Train clones of the scorers in ``fit`` (see the module docstring).
    cv : int or cross-validation splitter, default=5
        With ``refit=True``: folds of the out-of-fold predictions that are
        bootstrapped (an int means ``StratifiedKFold(cv)``).  Ignored otherwise.
    stratify : bool, default=False
        Resample within each class.
    pos_label : object, optional
        The positive label, needed unless labels are {0, 1}, {-1, 1} or bool;
        selects the matching ``predict_proba`` column through ``classes_``.
        With an :class:`OperatingPoint` and more than two classes it is
        required: the class of the one-vs-rest operating point.
    checkpoint : str or os.PathLike, optional
        Directory keeping finished blocks of resamples, so an interrupted
        ``fit`` resumes where it stopped (see
        :func:`~eval_toolkit.paired_bootstrap_diff`), also with an
        :class:`OperatingPoint` metric.

    Attributes
    ----------
    result_ : PairedBootstrapCI
        The full result.
    delta_ : float
        metric(B) - metric(A).
    ci_ : tuple of float
        ``(ci_low, ci_high)``.
    p_value_ : float
        Two-sided bootstrap p-value for delta = 0.
    scorer_a_, scorer_b_ : Scorer
        The scorers used: the given ones, or clones trained on ``(X, y)``.
    n_features_in_ : int
        Number of columns of ``X`` (when ``X`` is 2-D).
    feature_names_in_ : ndarray of str
        Column names of ``X``, when it has string column names.

    See Also
    --------
    Bootstrap : One scorer's confidence interval.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import train_test_split
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from eval_toolkit.compare import PairedBootstrap
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    >>> a = make_pipeline(StandardScaler(), LogisticRegression(C=0.01)).fit(X_train, y_train)
    >>> b = make_pipeline(StandardScaler(), LogisticRegression()).fit(X_train, y_train)
    >>> pb = PairedBootstrap(a, b, n_resamples=500).fit(X_test, y_test)
    >>> print(pb.summary())  # doctest: +SKIP
    B - A roc_auc = -0.001 [-0.022, 0.009], p = 0.992, 95% BCa, 500 resamples
    >>> pb.ci_[0] <= pb.delta_ <= pb.ci_[1]
    True
    """

    _SCORERS = ("scorer_a", "scorer_b")

    def __init__(
        self,
        scorer_a: Any,
        scorer_b: Any,
        *,
        metric: Any = "roc_auc",
        n_resamples: int = 1000,
        confidence: float = 0.95,
        method: str = "percentile",
        seed: int | np.random.SeedSequence = 42,
        n_jobs: int = 1,
        refit: bool = False,
        cv: Any = 5,
        stratify: bool = False,
        pos_label: Any = None,
        checkpoint: Any = None,
    ) -> None:
        self.scorer_a = scorer_a
        self.scorer_b = scorer_b
        self.metric = metric
        self.n_resamples = n_resamples
        self.confidence = confidence
        self.method = method
        self.seed = seed
        self.n_jobs = n_jobs
        self.refit = refit
        self.cv = cv
        self.stratify = stratify
        self.pos_label = pos_label
        self.checkpoint = checkpoint

    def _bootstrap(
        self,
        y: np.ndarray,
        scores: list[np.ndarray],
        resampling: Resampling,
        stratify: bool,
        groups: np.ndarray | None,
    ) -> PairedBootstrapCI:
        if isinstance(self.metric, OperatingPoint):
            result = self._op_point(y, scores, resampling, stratify)
        else:
            problem = self._problem(y, scores, resampling, stratify, groups)
            result = _bootstrap.paired_result(problem)
        self.delta_ = result.delta
        self.ci_ = (result.ci_low, result.ci_high)
        self.p_value_ = result.p_value
        return result

    def _op_point(
        self, y: np.ndarray, scores: list[np.ndarray], resampling: Resampling, stratify: bool
    ) -> PairedBootstrapCI:
        func, spec = type(self).__name__, self.metric
        scores = [check_scores(s, func, param=name, n=y.shape[0])
                  for name, s in zip(self._SCORERS, scores)]
        val, test = spec.split(y, self.seed)
        statistic = op_point_statistic(
            y[val], tuple(s[val] for s in scores), y[test], tuple(s[test] for s in scores),
            spec.threshold_fn, spec.metric_fn, stratify)
        # The split follows from y, the spec and the seed (in the key already).
        fingerprint = {"y": y, "metric": spec, "stratify": stratify,
                       **{f"{name} predictions": s for name, s in zip(self._SCORERS, scores)}}
        return op_point_result(func, statistic, resampling, fingerprint)


class Bootstrap(_BaseBootstrap):
    """Bootstrap confidence interval of one scorer's metric.

    A scikit-learn meta-estimator around :func:`~eval_toolkit.bootstrap_ci`;
    parameters and modes as in :class:`PairedBootstrap`.

    Parameters
    ----------
    scorer : Scorer
        The model: an object with ``predict_proba(X)``, picklable.  Fitted when
        ``refit=False``; a scikit-learn estimator to train when ``refit=True``.
    metric : str or callable, default="roc_auc"
        Any metric of :func:`~eval_toolkit.bootstrap_ci`, including ``"ece"``.
        Operating points are compared with :class:`PairedBootstrap` only.
    n_resamples : int, default=1000
        Number of bootstrap resamples.
    confidence : float, default=0.95
        Confidence level, in (0, 1).
    method : {"percentile", "bca", "basic", "studentized"}, default="percentile"
        Interval method.
    seed : int or numpy.random.SeedSequence, default=42
        Root of all random streams.
    n_jobs : int, default=1
        Workers for the resampling; results do not depend on it.
    refit : bool, default=False
        Train a clone of the scorer in ``fit``; the bootstrap then runs on
        out-of-fold predictions.
    cv : int or cross-validation splitter, default=5
        Folds of the out-of-fold predictions when ``refit=True``.
    stratify : bool, default=False
        Resample within each class.
    pos_label : object, optional
        The positive label for non-standard labels.
    checkpoint : str or os.PathLike, optional
        Directory keeping finished blocks of resamples, so an interrupted
        ``fit`` resumes where it stopped (see :func:`~eval_toolkit.bootstrap_ci`).

    Attributes
    ----------
    result_ : BootstrapCI
        The full result.
    estimate_ : float
        The metric on the data.
    ci_ : tuple of float
        ``(ci_low, ci_high)``.
    scorer_ : Scorer
        The scorer used: the given one, or a clone trained on ``(X, y)``.
    n_features_in_ : int
        Number of columns of ``X`` (when ``X`` is 2-D).
    feature_names_in_ : ndarray of str
        Column names of ``X``, when it has string column names.

    See Also
    --------
    PairedBootstrap : Compare two scorers on the same samples.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.ensemble import HistGradientBoostingClassifier
    >>> from eval_toolkit.compare import Bootstrap
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> bs = Bootstrap(HistGradientBoostingClassifier(max_iter=10), refit=True, cv=3,
    ...                n_resamples=300).fit(X, y)
    >>> print(bs.summary())  # doctest: +SKIP
    roc_auc = 0.976 [0.954, 0.986], 95% BCa, 300 resamples
    >>> 0.9 < bs.estimate_ < 1.0
    True
    """

    _SCORERS = ("scorer",)

    def __init__(
        self,
        scorer: Any,
        *,
        metric: Any = "roc_auc",
        n_resamples: int = 1000,
        confidence: float = 0.95,
        method: str = "percentile",
        seed: int | np.random.SeedSequence = 42,
        n_jobs: int = 1,
        refit: bool = False,
        cv: Any = 5,
        stratify: bool = False,
        pos_label: Any = None,
        checkpoint: Any = None,
    ) -> None:
        self.scorer = scorer
        self.metric = metric
        self.n_resamples = n_resamples
        self.confidence = confidence
        self.method = method
        self.seed = seed
        self.n_jobs = n_jobs
        self.refit = refit
        self.cv = cv
        self.stratify = stratify
        self.pos_label = pos_label
        self.checkpoint = checkpoint

    def _metric_iv(self, func: str) -> ResolvedMetric | None:
        if isinstance(self.metric, OperatingPoint):
            raise ValueError(param_error(
                func, "metric", "a metric name or callable (compare operating points with "
                "PairedBootstrap)", self.metric))
        return super()._metric_iv(func)

    def _bootstrap(
        self,
        y: np.ndarray,
        scores: list[np.ndarray],
        resampling: Resampling,
        stratify: bool,
        groups: np.ndarray | None,
    ) -> BootstrapCI:
        result = _bootstrap.ci_result(self._problem(y, scores, resampling, stratify, groups))
        self.estimate_ = result.point_estimate
        self.ci_ = (result.ci_low, result.ci_high)
        return result
