"""Work units of the harness: top-level, picklable step functions for ``parallel_map``.

Each unit receives everything it needs in its item (labels and predictions,
never a whole slice's features except where a model must predict or fit) and
its seeds, spawned before dispatch.  Units call the public functional API
with ``n_jobs=1``: the harness parallelises across units, so nesting a second
pool inside each worker would only oversubscribe the cores.
"""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._harness_tasks import predict

__all__: list[str] = []


@dataclass(frozen=True)
class Failure:
    """What a unit returns instead of a result under ``on_scorer_error="record"``."""

    text: str


@dataclass(frozen=True)
class BootOptions:
    """Bootstrap options shared by every unit of a run."""

    n_resamples: int
    confidence: float
    method: str
    record: bool
    labels: Any = None  # multiclass: the classes, in the column order of probabilities
    checkpoint: Any = None  # a directory: each unit keeps its blocks in a subdirectory

    def unit_checkpoint(self, seed: np.random.SeedSequence) -> Any:
        """The unit's own checkpoint directory, named by its seed's spawn key (unique)."""
        if self.checkpoint is None:
            return None
        return os.path.join(self.checkpoint, "unit_" + "_".join(map(str, seed.spawn_key)))


@dataclass(frozen=True)
class FrameFile:
    """A DataFrame written once to disk by the parent; workers reload it.

    pandas objects have no shared-memory fast path in joblib, so shipping one
    to every task copies it per task (doc/parallelism.rst, memory model).
    """

    path: str

    def load(self) -> Any:
        with open(self.path, "rb") as fh:
            return pickle.load(fh)


def _own_threads() -> Any:
    """Run a user model's own joblib calls sequentially.

    The harness already parallelises across work units.  Left alone, a random
    forest sums its trees' probabilities in threads, in an order that changes
    the last bits (on Dask, joblib's nested backend is Dask again with every
    core), so predictions would depend on where they ran.
    """
    from joblib import parallel_config

    return parallel_config(backend="sequential")


def features(X: Any) -> Any:
    return X.load() if isinstance(X, FrameFile) else X


def _fail(exc: BaseException, where: str, record: bool) -> Failure:
    if record:
        return Failure(f"{type(exc).__name__}: {exc}")
    if isinstance(exc, ValueError):  # our validation messages: say which cell they are about
        raise ValueError(f"{where}: {exc}") from exc
    raise exc


def predict_step(models: tuple, xs: tuple, task: str, positive: Any, record: bool,
                 item: tuple) -> Any:
    """Predictions of model ``m`` on slice ``s``: ``item = (m, s, where)``."""
    m, s, where = item
    try:
        with _own_threads():
            return predict(models[m], features(xs[s]), task, positive)
    except Exception as exc:  # the user's model may raise anything
        return _fail(exc, where, record)


def metric_step(opts: BootOptions, item: tuple) -> list[Any]:
    """Bootstrap CIs of every metric of one (model, slice) cell, from one draw.

    Equal to ``bootstrap_ci(y, pred, metric, seed=seed)`` for each metric
    (``eval_toolkit._shared_draw``).
    """
    from ._shared_draw import bootstrap_cis

    y, pred, groups, metrics, seed, where = item
    outcomes = bootstrap_cis(y, pred, metrics, n_resamples=opts.n_resamples,
                             confidence=opts.confidence, method=opts.method, seed=seed,
                             groups=groups, labels=opts.labels, n_jobs=1,
                             checkpoint=opts.unit_checkpoint(seed))
    return _failures(outcomes, metrics, where, opts.record)


def diff_step(opts: BootOptions, item: tuple) -> list[Any]:
    """Paired bootstrap differences of every metric of one (pair, slice) cell, from one draw."""
    from ._shared_draw import paired_bootstrap_diffs

    y, pred_a, pred_b, groups, metrics, seed, where = item
    outcomes = paired_bootstrap_diffs(y, pred_a, pred_b, metrics, n_resamples=opts.n_resamples,
                                      confidence=opts.confidence, method=opts.method,
                                      seed=seed, groups=groups, labels=opts.labels, n_jobs=1,
                                      checkpoint=opts.unit_checkpoint(seed))
    return _failures(outcomes, metrics, where, opts.record)


def _failures(outcomes: list[Any], metrics: tuple, where: str, record: bool) -> list[Any]:
    """Exceptions become Failures (or are raised, naming the cell and metric)."""
    return [
        _fail(out, f"{where}, metric {metric!r}", record) if isinstance(out, Exception) else out
        for out, metric in zip(outcomes, metrics)
    ]


def op_point_step(opts: BootOptions, item: tuple) -> tuple[Any, list[Any]]:
    """Threshold of one model fit on the fit slice, and its metrics on an apply slice."""
    from .operating_points import bootstrap_op_point_ci

    val_y, val_pred, test_y, test_pred, selector, op_metrics, seeds, where = item
    try:
        threshold = selector(val_y, val_pred)
    except Exception as exc:
        return _fail(exc, where, opts.record), []
    out: list[Any] = []
    for metric_fn, seed in zip(op_metrics, seeds):
        try:
            out.append(
                bootstrap_op_point_ci(val_y, val_pred, test_y, test_pred, selector, metric_fn,
                                      n_resamples=opts.n_resamples, confidence=opts.confidence,
                                      method=opts.method, seed=seed, n_jobs=1)
            )
        except Exception as exc:
            out.append(_fail(exc, f"{where}, {metric_fn!r}", opts.record))
    return threshold, out


def op_point_diff_step(opts: BootOptions, item: tuple) -> list[Any]:
    """Paired two-level differences at transferred thresholds, every operating-point metric."""
    from .operating_points import paired_bootstrap_op_point_diff

    val_y, val_a, val_b, test_y, test_a, test_b, selector, op_metrics, seeds, where = item
    out: list[Any] = []
    for metric_fn, seed in zip(op_metrics, seeds):
        try:
            out.append(
                paired_bootstrap_op_point_diff(
                    val_y, val_a, val_b, test_y, test_a, test_b, selector, metric_fn,
                    n_resamples=opts.n_resamples, confidence=opts.confidence,
                    method=opts.method, seed=seed, n_jobs=1)
            )
        except Exception as exc:
            out.append(_fail(exc, f"{where}, {metric_fn!r}", opts.record))
    return out


def fit_step(estimators: tuple, X: Any, y: np.ndarray, task: str, positive: Any,
             item: tuple) -> np.ndarray:
    """Fit a clone of estimator ``m`` on a training fold; predict its test fold."""
    from sklearn.base import clone

    m, train, test = item
    X = features(X)
    with _own_threads():
        model = clone(estimators[m]).fit(_rows(X, train), y[train])
        return predict(model, _rows(X, test), task, positive)


def _rows(X: Any, index: np.ndarray) -> Any:
    from sklearn.utils import _safe_indexing

    return _safe_indexing(X, index)
