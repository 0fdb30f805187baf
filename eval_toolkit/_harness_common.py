"""Helpers shared by :func:`~eval_toolkit.harness.evaluate` and ``evaluate_folded``."""

from __future__ import annotations

import contextlib
import os
import pickle
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from ._harness_results import ResultRow
from ._harness_work import Failure, FrameFile
from ._pvalues import correct_p_values
from ._validation import check_labels, param_error
from .metrics import default_metrics

__all__: list[str] = []


def check_prediction(pred: Any, n: int, where: str) -> np.ndarray:
    arr = np.asarray(pred)
    if arr.ndim not in (1, 2) or arr.shape[0] != n or arr.dtype.kind not in "biuf":
        raise ValueError(
            f"{where}: predictions must be a numeric array with one row per sample ({n}). "
            f"Got {arr.dtype} of shape {arr.shape} instead."
        )
    return arr


def metric_label(metric: Any) -> str:
    """Display name of a metric given as a name or a callable."""
    return metric if isinstance(metric, str) else getattr(metric, "__name__", repr(metric))


def seed_info(root: np.random.SeedSequence) -> dict[str, Any]:
    """The run's seed as plain values: ``SeedSequence(entropy, spawn_key=...)`` rebuilds it."""
    return {"entropy": root.entropy, "spawn_key": list(root.spawn_key)}


def fresh_root(seed: int | np.random.SeedSequence) -> np.random.SeedSequence:
    """A SeedSequence that has spawned nothing (``spawn`` mutates its caller)."""
    if isinstance(seed, np.random.SeedSequence):
        return np.random.SeedSequence(seed.entropy, spawn_key=seed.spawn_key)
    return np.random.SeedSequence(seed)


def seed_grid(stage: np.random.SeedSequence, n_units: int, per_unit: int) -> list[list[Any]]:
    """``[unit][k]`` seeds: one child per unit, one grandchild per metric in it."""
    return [unit.spawn(per_unit) for unit in stage.spawn(n_units)]


def check_metrics(metrics: Any, task: str, func: str) -> tuple[Any, ...]:
    """The run's metrics: the task's defaults, or a non-empty list of names/callables."""
    if metrics is None:
        return default_metrics(task)
    if isinstance(metrics, str) or callable(metrics):
        metrics = [metrics]
    if not isinstance(metrics, Sequence) or not metrics or not all(
        isinstance(m, str) or callable(m) for m in metrics
    ):
        raise ValueError(
            param_error(func, "metrics", "a non-empty list of metric names or callables", metrics)
        )
    labels = [metric_label(m) for m in metrics]
    if len(set(labels)) != len(labels):
        raise ValueError(param_error(func, "metrics", "metrics with distinct names", labels))
    return tuple(metrics)


def check_classes(task: str, ys: Sequence[np.ndarray], pos_label: Any, labels: Any,
                  default_labels: Any, func: str, y_param: str):
    """The labels metrics see, the positive class and the class labels of a run.

    Binary: every slice's labels as bool (True = ``pos_label``; needed unless
    labels are {0, 1}, {-1, 1} or bool, as in :func:`~eval_toolkit.bootstrap_ci`),
    and the positive label the models' scores are read for.  Multiclass: the
    classes in the column order of probability matrices (``labels``, else
    ``default_labels``, else the sorted classes of all slices), which must
    include every class present.  Returns ``(ys, positive, labels)``.
    """
    if pos_label is not None and task != "binary":
        raise ValueError(param_error(func, "pos_label", "None unless the task is binary",
                                     pos_label))
    if labels is not None and task != "multiclass":
        raise ValueError(param_error(func, "labels", "None unless the task is multiclass",
                                     labels))
    pooled = np.concatenate([np.asarray(y).ravel() for y in ys])
    if task == "binary":
        # Pooled first: a pos_label matching no slice's labels is named even
        # when every slice holds a single class.
        check_labels(pooled, func, param=y_param, pos_label=pos_label)
        bools = tuple(check_labels(y, func, param=y_param, pos_label=pos_label) for y in ys)
        return bools, 1 if pos_label is None else pos_label, None
    if task == "regression":
        return tuple(ys), None, None
    chosen = labels if labels is not None else default_labels
    if chosen is None:
        return tuple(ys), None, np.unique(pooled)
    out = np.asarray(chosen)
    if out.ndim != 1 or np.unique(out).shape[0] != out.shape[0]:
        raise ValueError(param_error(func, "labels", "a 1-D array of distinct class labels",
                                     chosen))
    missing = np.setdiff1d(np.unique(pooled), out)
    if missing.size:
        raise ValueError(param_error(func, "labels", "every class of the data",
                                     f"{out.tolist()}, without {missing.tolist()}"))
    return tuple(ys), None, out


def check_pairs(reference: Any, paired_diffs: Any, names: list[str], func: str):
    """``(a, b)`` pairs, delta = metric(b) - metric(a): the reference against each other
    model, then the explicit pairs."""
    pairs: list[tuple[str, str]] = []
    if reference is not None:
        if reference not in names:
            raise ValueError(param_error(func, "reference", f"one of {names}", reference))
        pairs += [(reference, name) for name in names if name != reference]
    for pair in paired_diffs or ():
        ok = isinstance(pair, Sequence) and not isinstance(pair, str) and len(pair) == 2
        if not ok or pair[0] not in names or pair[1] not in names or pair[0] == pair[1]:
            raise ValueError(
                param_error(func, "paired_diffs", f"(a, b) pairs of two distinct models of {names}",
                            pair)
            )
        if tuple(pair) not in pairs:
            pairs.append((pair[0], pair[1]))
    return tuple(pairs)


@contextlib.contextmanager
def shipped_features(xs: Sequence[Any], n_jobs: int) -> Iterator[tuple[Any, ...]]:
    """Features as they travel to workers: DataFrames become files reloaded there.

    numpy arrays and sparse matrices go as they are (joblib memory-maps large
    arrays once per call); a pandas DataFrame would be pickled into every
    batch of tasks, so with ``n_jobs != 1`` it is written once to a temporary
    file (the parallelism chapter's file-path-and-reload pattern).  The file
    must be visible to the workers: true for loky and a local Dask cluster.
    """
    frames = [i for i, x in enumerate(xs) if type(x).__module__.split(".")[0] == "pandas"]
    if n_jobs == 1 or not frames:
        yield tuple(xs)
        return
    with tempfile.TemporaryDirectory(prefix="eval_toolkit_") as tmp:
        out = list(xs)
        for i in frames:
            path = os.path.join(tmp, f"features_{i}.pkl")
            with open(path, "wb") as fh:
                pickle.dump(xs[i], fh, protocol=pickle.HIGHEST_PROTOCOL)
            out[i] = FrameFile(path)
        yield tuple(out)


def ci_row(kind: str, ci: Any, seed: np.random.SeedSequence, **fields: Any) -> ResultRow:
    """A row from a BootstrapCI or PairedBootstrapCI."""
    paired = hasattr(ci, "delta")
    return ResultRow(
        kind=kind,
        estimate=float(ci.delta if paired else ci.point_estimate),
        ci_low=float(ci.ci_low),
        ci_high=float(ci.ci_high),
        confidence=ci.confidence,
        method=ci.method,
        n=ci.n_samples,
        n_resamples=ci.n_resamples,
        n_degenerate=ci.n_degenerate,
        std_error=ci.std_error,
        p_value=float(ci.p_value) if paired else None,
        seed_key=tuple(seed.spawn_key),
        **fields,
    )


def outcome_rows(kind: str, outcomes: list[Any], seeds: list[Any], labels: list[str],
          **fields: Any) -> list[ResultRow]:
    rows = []
    for outcome, seed, label in zip(outcomes, seeds, labels):
        if isinstance(outcome, Failure):
            rows.append(ResultRow(kind="error", metric=label, error=outcome.text, **fields))
        else:
            rows.append(ci_row(kind, outcome, seed, metric=label, **fields))
    return rows


def adjust_rows(rows: list[ResultRow], method: str) -> list[ResultRow]:
    """Fill ``p_adjusted`` and ``p_family``: each row kind with p-values is one family.

    A family is every test of one kind in the run (all paired metric
    differences, over pairs, slices and metrics; all operating-point
    differences; all corrected t-tests), the table a reader scans for
    "significant" entries.  Two kinds are never pooled: they test the same
    hypotheses by different routes.
    """
    out = list(rows)
    for kind in dict.fromkeys(r.kind for r in rows if r.p_value is not None):
        index = [i for i, r in enumerate(rows) if r.kind == kind and r.p_value is not None]
        adjusted = correct_p_values([rows[i].p_value for i in index], method)
        family = f"{kind}: {len(index)} tests, {method}"
        for i, p in zip(index, adjusted):
            out[i] = replace(rows[i], p_adjusted=float(p), p_family=family)
    return out


def run_params(run_like: dict[str, Any], root: np.random.SeedSequence) -> dict[str, Any]:
    """Parameters recorded with a result: the given ones, the seed and the package version."""
    from . import __version__

    return {**run_like, "seed": seed_info(root), "version": __version__}
