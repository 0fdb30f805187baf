"""The :class:`Scorer` protocol: anything with ``predict_proba``.

A fitted scikit-learn classifier satisfies it.  Parallel work ships scorers to
worker processes, so they must also be picklable; :func:`validate_scorer`
checks both before any work starts.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np

from ._parallel import sniff_pickle

__all__ = ["Scorer", "validate_scorer"]


@runtime_checkable
class Scorer(Protocol):
    """An object that scores samples: ``predict_proba(X) -> ndarray``.

    A 2-column output is read as scikit-learn's ``predict_proba`` (column 1 is
    the positive class); a 1-D output is used as is.
    """

    def predict_proba(self, X: Any) -> np.ndarray:
        """Return scores for the positive class, shape (n,) or (n, 2)."""


def validate_scorer(obj: Any, *, name: str = "scorer") -> Scorer:
    """Check that ``obj`` follows the :class:`Scorer` protocol and is picklable.

    Parameters
    ----------
    obj : object
        The candidate scorer.
    name : str, default="scorer"
        How to call ``obj`` in error messages (e.g. ``"scorer_a"``).

    Returns
    -------
    Scorer
        ``obj`` itself.

    Raises
    ------
    TypeError
        If ``obj`` has no callable ``predict_proba``, or cannot be pickled with
        plain :mod:`pickle` (a lambda attribute, a closure, a class defined
        inside a function, an open file or socket).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from eval_toolkit.protocols import validate_scorer
    >>> validate_scorer(LogisticRegression(), name="scorer_a")
    LogisticRegression()
    """
    if not isinstance(obj, Scorer) or not callable(getattr(obj, "predict_proba", None)):
        raise TypeError(
            f"{name}: expected a Scorer (an object with a predict_proba(X) method, such "
            f"as a fitted scikit-learn classifier). Got {type(obj).__name__} instead."
        )
    sniff_pickle(obj, f"{type(obj).__qualname__} object", name)
    return obj
