"""The :class:`Scorer` protocol: a fitted model and the output a metric needs.

Like scikit-learn's ``response_method``, a metric asks for model outputs in
order of preference (:func:`response_methods`): classifiers are scored through
``predict_proba`` (or ``decision_function`` for ranking metrics when that is
all they have; ``predict`` for label metrics of several classes), regressors
through ``predict``.  A fitted scikit-learn estimator satisfies the protocol.
Parallel work ships scorers to worker processes, so they must also be
picklable; :func:`validate_scorer` checks both before any work starts.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np

from ._parallel import sniff_pickle

__all__ = ["RESPONSE_METHODS", "Scorer", "get_response", "response_methods", "validate_scorer"]

#: Model outputs a scorer may provide, as scikit-learn names them.
RESPONSE_METHODS = ("predict_proba", "decision_function", "predict")

_KIND = {"predict_proba": "classifier", "decision_function": "classifier", "predict": "model"}


@runtime_checkable
class Scorer(Protocol):
    """An object that scores samples: ``predict_proba(X) -> ndarray``.

    The classic case, a classifier.  A 2-column output is read as
    scikit-learn's ``predict_proba`` (column 1 is the positive class); a 1-D
    output is used as is.  Metrics of other tasks take other outputs
    (``decision_function``, ``predict``; see :func:`response_methods`).
    """

    def predict_proba(self, X: Any) -> np.ndarray:
        """Return scores for the positive class, shape (n,) or (n, 2)."""


def response_methods(metric: Any, task: str) -> tuple[str, ...]:
    """The model outputs ``metric`` needs on ``task``, in order of preference.

    Parameters
    ----------
    metric : ResolvedMetric
        From :func:`eval_toolkit.metrics.resolve_metric`.
    task : {"binary", "multiclass", "regression"}
        The task.

    Returns
    -------
    tuple of str
        E.g. ``("predict_proba", "decision_function")`` for ROC AUC.  A custom
        callable takes a scikit-learn scorer's own ``response_method``, else
        the positive-class probability (binary) or ``predict`` (other tasks).

    Examples
    --------
    >>> from eval_toolkit.metrics import resolve_metric
    >>> from eval_toolkit.protocols import response_methods
    >>> response_methods(resolve_metric("roc_auc"), "binary")
    ('predict_proba', 'decision_function')
    >>> response_methods(resolve_metric("neg_mean_absolute_error"), "regression")
    ('predict',)
    """
    if metric.spec is not None and task in metric.spec.response_method:
        return metric.spec.response_method[task]
    if metric.response_method:
        return metric.response_method
    return ("predict_proba", "decision_function") if task == "binary" else ("predict",)


def validate_scorer(
    obj: Any, *, name: str = "scorer", methods: tuple[str, ...] = ("predict_proba",)
) -> Any:
    """Check that ``obj`` has one of the output ``methods`` and is picklable.

    Parameters
    ----------
    obj : object
        The candidate scorer.
    name : str, default="scorer"
        How to call ``obj`` in error messages (e.g. ``"scorer_a"``).
    methods : tuple of str, default=("predict_proba",)
        Accepted output methods (see :func:`response_methods`).

    Returns
    -------
    object
        ``obj`` itself.

    Raises
    ------
    TypeError
        If ``obj`` has none of ``methods`` as a callable, or cannot be pickled
        with plain :mod:`pickle` (a lambda attribute, a closure, a class
        defined inside a function, an open file or socket).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression, Ridge
    >>> from eval_toolkit.protocols import validate_scorer
    >>> validate_scorer(LogisticRegression(), name="scorer_a")
    LogisticRegression()
    >>> validate_scorer(Ridge(), methods=("predict",))
    Ridge()
    """
    if not any(callable(getattr(obj, m, None)) for m in methods):
        wanted = " or ".join(f"{m}(X)" for m in methods)
        kind = _KIND[methods[0]] if len(set(map(_KIND.get, methods))) == 1 else "model"
        raise TypeError(
            f"{name}: expected a Scorer (an object with a {wanted} method, such "
            f"as a fitted scikit-learn {kind}). Got {type(obj).__name__} instead."
        )
    sniff_pickle(obj, f"{type(obj).__qualname__} object", name)
    return obj


def get_response(obj: Any, X: Any, methods: tuple[str, ...]) -> tuple[str, np.ndarray]:
    """Call the first of ``methods`` that ``obj`` has.

    Parameters
    ----------
    obj : Scorer
        A validated scorer.
    X : array-like
        Input.
    methods : tuple of str
        Output methods in order of preference.

    Returns
    -------
    method : str
        The method called.
    output : ndarray
        Its output on ``X``.
    """
    method = next(m for m in methods if callable(getattr(obj, m, None)))
    return method, np.asarray(getattr(obj, method)(X))
