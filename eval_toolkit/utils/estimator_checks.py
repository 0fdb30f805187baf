"""Reproducibility checks for scorers and eval_toolkit's meta-estimators.

In the style of scikit-learn's ``check_estimator``: :func:`check_scorer` checks
a user's scorer, :func:`check_reproducibility` checks that a
:class:`~eval_toolkit.compare.PairedBootstrap` or
:class:`~eval_toolkit.compare.Bootstrap` gives bit-identical results, and
:func:`parametrize_with_checks` turns both into pytest parameters, so one
decorator adds them to a test suite::

    from eval_toolkit.utils.estimator_checks import parametrize_with_checks

    @parametrize_with_checks([my_fitted_model, PairedBootstrap(model_a, model_b)], X=X, y=y)
    def test_eval_toolkit_checks(obj, check):
        check(obj)

A failed check raises ``AssertionError`` saying what differed, or the
documented ``TypeError`` of :func:`~eval_toolkit.validate_scorer` for an
object that is not a picklable Scorer.
"""

from __future__ import annotations

import functools
import numbers
import pickle
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from .._validation import param_error
from ..protocols import RESPONSE_METHODS, get_response, validate_scorer

__all__ = ["check_reproducibility", "check_scorer", "parametrize_with_checks"]

#: Tolerance for predict_proba rows summing to one (float32 models round).
_PROBA_SUM_ATOL = 1e-6
_DEFAULT_N_SAMPLES = 200


def _predict(scorer: Any, X: Any) -> tuple[str, np.ndarray]:
    """The scorer's first output among predict_proba, decision_function, predict."""
    return get_response(scorer, X, RESPONSE_METHODS)


def _fail(scorer: Any, method: str, what: str) -> AssertionError:
    return AssertionError(f"check_scorer: {type(scorer).__name__}.{method} {what}")


def _check_output(scorer: Any, method: str, out: np.ndarray, n: int) -> None:
    """Shape (n,) or (n, n_classes), finite numbers (predict may return labels);
    rows of probability columns sum to one."""
    if not (out.ndim == 1 or (out.ndim == 2 and method != "predict")):
        raise _fail(scorer, method, f"must return shape (n,) or (n, n_classes); got shape "
                    f"{out.shape}.")
    if out.shape[0] != n:
        raise _fail(scorer, method, f"must return one row per sample ({n}); got {out.shape[0]}.")
    if method == "predict" and out.dtype.kind not in "biuf":
        return  # class labels
    if out.dtype.kind not in "biuf":
        raise _fail(scorer, method, f"must return numbers; got dtype {out.dtype}.")
    if not np.all(np.isfinite(out)):
        raise _fail(scorer, method, "returned NaN or inf.")
    if out.ndim == 2 and method == "predict_proba":
        if out.min() < 0 or out.max() > 1:
            raise _fail(scorer, method, "returned columns outside [0, 1]; columns are read as "
                        "class probabilities.")
        if not np.allclose(out.sum(axis=1), 1.0, rtol=0, atol=_PROBA_SUM_ATOL):
            raise _fail(scorer, method, "returned columns whose rows do not sum to 1.")


def _same_array(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    """Bit-identical: same dtype, shape and bytes (NaN == NaN, -0.0 != 0.0)."""
    if a is None or b is None:
        return a is b
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def check_scorer(scorer: Any, X: Any = None) -> None:
    """Check that ``scorer`` can be used, reproducibly, by eval_toolkit.

    Checks, in order: the :class:`~eval_toolkit.Scorer` protocol (one of
    ``predict_proba``, ``decision_function``, ``predict``; the first one the
    scorer has is checked) and plain pickling
    (:func:`~eval_toolkit.validate_scorer`); the output has shape (n,) or
    (n, n_classes), finite numbers (``predict`` may return class labels) and
    probability rows summing to one; a second call returns bit-identical
    predictions; a pickle round trip returns bit-identical predictions.

    Parameters
    ----------
    scorer : object
        A fitted scorer.
    X : array-like or DataFrame, optional
        Input to predict on.  Defaults to 200 rows of standard-normal data with
        ``scorer.n_features_in_`` columns (named after ``feature_names_in_``
        when pandas is installed).

    Raises
    ------
    TypeError
        If ``scorer`` is not a picklable Scorer (the documented message of
        :func:`~eval_toolkit.validate_scorer`).
    AssertionError
        If a check fails; the message says which.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from eval_toolkit.utils.estimator_checks import check_scorer
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> check_scorer(make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y))
    >>> check_scorer(lambda X: X)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: scorer: expected a Scorer (an object with a predict_proba(X) or ...
    """
    validate_scorer(scorer, name="scorer", methods=RESPONSE_METHODS)
    if X is None:
        X = _default_X(scorer, "check_scorer")
    method, first = _predict(scorer, X)
    _check_output(scorer, method, first, _n_rows(X))
    if not _same_array(first, _predict(scorer, X)[1]):
        raise _fail(scorer, method, "is not deterministic: two calls on the same X differ.")
    restored = pickle.loads(pickle.dumps(scorer, protocol=pickle.HIGHEST_PROTOCOL))
    if not _same_array(first, _predict(restored, X)[1]):
        raise _fail(scorer, method, "changes after a pickle round trip, so parallel workers "
                    "would see a different model.")


def _bits(value: Any) -> Any:
    return np.float64(value).tobytes() if isinstance(value, (float, np.floating)) else value


def _assert_identical(reference: Any, other: Any, what: str) -> None:
    ref, got = reference.to_dict(), other.to_dict()
    differ = [k for k in ref if _bits(ref[k]) != _bits(got[k])]
    if not _same_array(reference.distribution, other.distribution):
        differ.append("distribution")
    if differ:
        raise AssertionError(
            f"check_reproducibility: result_ differs with {what} (fields {differ}); "
            f"expected {reference}, got {other}."
        )


def check_reproducibility(obj: Any, X: Any, y: Any) -> None:
    """Check that a meta-estimator's ``result_`` is bit-reproducible.

    On clones of ``obj`` (``obj`` itself is not changed): two fits with the
    same seed, a ``clone`` of the fitted object and ``n_jobs=2`` must give
    bit-identical ``result_`` (every field and the bootstrap distribution)
    to a fit with ``n_jobs=1``; a different seed must give different
    resamples.

    Parameters
    ----------
    obj : PairedBootstrap or Bootstrap
        The meta-estimator, fitted or not.
    X : array-like or DataFrame of shape (n_samples, n_features)
        Input of ``fit``.
    y : array-like of shape (n_samples,)
        Labels or regression targets.

    Raises
    ------
    AssertionError
        If a result differs; the message names the case and the fields.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from eval_toolkit.compare import Bootstrap
    >>> from eval_toolkit.utils.estimator_checks import check_reproducibility
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    >>> check_reproducibility(Bootstrap(model, n_resamples=200), X, y)
    """
    from sklearn.base import clone

    from ..compare import _BaseBootstrap

    if not isinstance(obj, _BaseBootstrap):
        raise TypeError(param_error("check_reproducibility", "obj",
                                    "a PairedBootstrap or Bootstrap", obj))
    est = clone(obj).set_params(n_jobs=1)
    reference = est.fit(X, y).result_
    _assert_identical(reference, est.fit(X, y).result_, "a second fit with the same seed")
    _assert_identical(reference, clone(est).fit(X, y).result_, "clone() of the fitted object")
    _assert_identical(reference, clone(est).set_params(n_jobs=2).fit(X, y).result_, "n_jobs=2")
    other = clone(est).set_params(seed=_other_seed(obj.seed)).fit(X, y).result_
    if _same_array(reference.distribution, other.distribution):
        raise AssertionError(
            "check_reproducibility: a different seed gave the same bootstrap resamples."
        )


def _other_seed(seed: Any) -> int:
    return 1 if isinstance(seed, numbers.Integral) and seed == 0 else 0


def _n_rows(X: Any) -> int:
    shape = getattr(X, "shape", None)
    return int(shape[0]) if shape is not None else len(X)


def _default_X(scorer: Any, func: str) -> Any:
    """Standard-normal data shaped for a fitted scikit-learn model."""
    n_features = getattr(scorer, "n_features_in_", None)
    if n_features is None:
        raise ValueError(param_error(func, "X", "given for a scorer without n_features_in_",
                                     None))
    rng = np.random.default_rng(0)
    X = rng.standard_normal((_DEFAULT_N_SAMPLES, int(n_features)))
    names = getattr(scorer, "feature_names_in_", None)
    if names is None:
        return X
    import pandas as pd  # a model fitted on a DataFrame warns on arrays

    return pd.DataFrame(X, columns=list(names))


def _default_data(obj: Any) -> tuple[Any, np.ndarray]:
    """Data for ``obj``'s checks: shaped for its (first) fitted scorer, else 4 columns."""
    from ..compare import _BaseBootstrap

    scorers = [getattr(obj, n) for n in obj._SCORERS] if isinstance(obj, _BaseBootstrap) else [obj]
    shaped = [s for s in scorers if getattr(s, "n_features_in_", None) is not None]
    if shaped:
        X = _default_X(shaped[0], "parametrize_with_checks")
    else:
        X = np.random.default_rng(0).standard_normal((_DEFAULT_N_SAMPLES, 4))
    # Targets that depend on the data, so that the metrics are far from
    # degenerate: continuous for regressors, the scorer's classes otherwise.
    signal = np.asarray(X)[:, 0] + np.random.default_rng(1).normal(0, 1, _n_rows(X))
    if scorers and all(_is_regressor(s) for s in scorers):
        return X, signal
    classes = getattr(scorers[0], "classes_", None) if scorers else None
    if classes is not None and len(classes) > 2:
        cuts = np.quantile(signal, np.linspace(0, 1, len(classes) + 1)[1:-1])
        return X, np.asarray(classes)[np.searchsorted(cuts, signal)]
    return X, (signal > 0).astype(int)


def _is_regressor(scorer: Any) -> bool:
    from sklearn.base import is_regressor

    return hasattr(scorer, "__sklearn_tags__") and is_regressor(scorer)


def _yield_checks(obj: Any) -> Iterator[Callable[..., None]]:
    from ..compare import _BaseBootstrap

    if isinstance(obj, _BaseBootstrap):
        yield check_reproducibility
    else:
        yield check_scorer


def _id(obj: Any) -> str:
    text = re.sub(r"\s", "", repr(obj))
    # A default object repr holds a memory address: unstable across runs.
    return type(obj).__name__ if " at 0x" in repr(obj) else text


def parametrize_with_checks(objects: Iterable[Any], *, X: Any = None, y: Any = None):
    """Pytest decorator running eval_toolkit's checks on each object.

    Meta-estimators (:class:`~eval_toolkit.compare.PairedBootstrap`,
    :class:`~eval_toolkit.compare.Bootstrap`) get
    :func:`check_reproducibility`; any other object is treated as a fitted
    scorer and gets :func:`check_scorer`.  The decorated test takes ``obj`` and
    ``check`` and calls ``check(obj)``; the data are already bound.

    Parameters
    ----------
    objects : iterable
        Scorers and meta-estimators.
    X : array-like or DataFrame, optional
        Data for the checks.  Defaults to 200 rows of standard-normal data
        shaped for each object's (first) fitted scikit-learn scorer, with
        targets correlated with the first column: continuous for regressors,
        the classifier's ``classes_`` otherwise.
    y : array-like, optional
        Labels or targets for ``X``; required when ``X`` is given.

    Returns
    -------
    decorator
        ``pytest.mark.parametrize("obj, check", ...)`` with readable ids.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from eval_toolkit.compare import Bootstrap
    >>> from eval_toolkit.utils.estimator_checks import parametrize_with_checks
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    >>> @parametrize_with_checks([model, Bootstrap(model, n_resamples=200)], X=X, y=y)
    ... def test_eval_toolkit_checks(obj, check):
    ...     check(obj)
    """
    import pytest

    if (X is None) != (y is None):
        raise ValueError(param_error("parametrize_with_checks", "y",
                                     "given together with X (both or neither)", y))
    params = []
    for obj in objects:
        data_X, data_y = _default_data(obj) if X is None else (X, y)
        for check in _yield_checks(obj):
            bound = (functools.partial(check, X=data_X, y=data_y)
                     if check is check_reproducibility else functools.partial(check, X=data_X))
            params.append(pytest.param(obj, bound, id=f"{_id(obj)}-{check.__name__}"))
    return pytest.mark.parametrize("obj, check", params)
