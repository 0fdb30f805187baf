"""The engine statistic of a validated call, for any task.

Binary metrics keep the binary cells of ``eval_toolkit._engine``.  Multiclass
label metrics resample joint cells ``(y, pred_a[, pred_b])`` (at most
``C^3``) and fold them, per model, to ``(y, pred)`` cells (at most ``C^2``),
the confusion table's cells.  Probability and regression metrics evaluate
their kernels directly on the joint cells: their per-model cells are nearly
all distinct, so folding would only cost time.  Metrics without a kernel run
on the generic path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import _engine
from ._resample import build_cells
from ._tasks import TaskData
from .metrics import ResolvedMetric

__all__: list[str] = []


def build_statistic(
    data: TaskData,
    metric: ResolvedMetric,
    opts: _engine.KernelOptions,
    *,
    stratify: bool,
    with_se: bool,
    groups: np.ndarray | None = None,
    n_threads: int = 1,
):
    """Return the statistic the engine resamples (kernel or generic).

    ``groups``: cluster ids (dense codes) for the cluster bootstrap, or None.
    ``n_threads``: threads that may rank the data's columns (kernel metrics).
    """
    spec = metric.spec
    if spec is None or not _kernel_applies(data, metric):
        return _generic(data, metric, stratify, groups)
    bounds = spec.bounds_for(data.task)
    if data.task == "binary":
        return _engine.kernel_statistic(spec.name, data.y, data.preds, opts, stratify=stratify,
                                        with_se=with_se, thresholded=spec.thresholded,
                                        groups=groups, bounds=bounds, n_threads=n_threads)
    columns = [data.y.astype(np.float64)]
    widths = []
    for pred in data.preds:
        block = pred.reshape(pred.shape[0], -1).astype(np.float64)
        columns += list(block.T)
        widths.append(block.shape[1])
    table, values, ranks = build_cells(columns, data.y if stratify else None, groups,
                                       n_threads=n_threads)
    options = {"n_bins": opts.n_bins, "n_classes": data.n_classes,
               "fixed_labels": data.fixed_labels, **metric.options}
    arms, start = [], 1
    for width in widths:
        y_cells, pred_cells = values[:, 0], values[:, start:start + width]
        start += width
        if width == 1 and data.task == "multiclass":
            fold = _engine.Fold.build(values, ranks, start - width, table.mult)
            # Fold keeps binary labels; the class code of each arm cell is that
            # of any joint cell mapped to it.
            y_arm = np.empty(fold.mult.shape[0], dtype=np.int64)
            y_arm[fold.mapping] = y_cells
            kernel = spec.kernel("multiclass", y_arm, fold.key.astype(np.int64), fold.mult,
                                 **options)
        else:
            fold = _identity_fold(y_cells, table.mult)
            pred = pred_cells[:, 0] if width == 1 else pred_cells
            kernel = spec.kernel(data.task, y_cells if data.task == "regression"
                                 else y_cells.astype(np.int64), pred, table.mult, **options)
        arms.append(_engine.Arm(fold, kernel, kernel.replicate_offset()))
    statistic = _engine.KernelStatistic(table, tuple(arms), with_se, bounds)
    if _gathers(data, metric, statistic, groups):
        evaluators = tuple(spec.gather(data.y, p, **metric.options) for p in data.preds)
        return GatherStatistic(statistic, evaluators)
    return statistic


def _gathers(data: TaskData, metric: ResolvedMetric, statistic, groups) -> bool:
    """Resample indices instead of counts: regression, nearly all cells distinct.

    The studentized interval and the cluster bootstrap keep the count path
    (influence values and group counts live there).
    """
    assert metric.spec is not None
    return (data.task == "regression" and metric.spec.gather_kind is not None
            and not statistic.with_se and groups is None
            and not any(s.uses_multinomial for s in statistic.table.strata))


@dataclass(frozen=True)
class GatherStatistic:
    """A regression metric on resampled index rows; the rest from the count statistic.

    ``evaluate`` gathers per-sample values at the drawn indices (one pass of n
    per value and resample) instead of folding them into cell counts.  The
    point estimate, the closed-form jackknife and the bounds are the count
    statistic's (``inner``), so intervals use the same leave-one-out values.
    """

    inner: _engine.KernelStatistic
    evaluators: tuple[Callable[[np.ndarray], np.ndarray], ...]

    uses_indices = True
    with_se = False

    @property
    def tables(self):
        return self.inner.tables

    @property
    def bounds(self) -> tuple[float, float]:
        return self.inner.bounds

    def evaluate(self, draws: list[np.ndarray]) -> np.ndarray:
        """Return (rows, n_arms) metric values of an (rows, n) index matrix."""
        return np.column_stack([evaluator(draws[0]) for evaluator in self.evaluators])

    def arm_points(self) -> list[float]:
        return self.inner.arm_points()

    def point(self) -> float:
        return self.inner.point()

    def jackknife(self, n_jobs: int = 1):
        return self.inner.jackknife(n_jobs)

    def for_blocks(self):
        """Sent to the workers whole."""
        return self


def _kernel_applies(data: TaskData, metric: ResolvedMetric) -> bool:
    spec = metric.spec
    assert spec is not None
    if data.task not in spec.tasks:
        return False
    # A scikit-learn label function given scores is not the thresholded
    # kernel: it runs as given, on the generic path.
    if data.task == "binary" and spec.thresholded and metric.function is not None:
        return all(np.isin(s, (0.0, 1.0)).all() for s in data.preds)
    return True


def _identity_fold(y: np.ndarray, mult: np.ndarray) -> _engine.Fold:
    k = mult.shape[0]
    return _engine.Fold(y=y, key=np.arange(k, dtype=np.float64), mult=mult,
                        mapping=np.arange(k), perm=None, starts=None)


def _generic(data: TaskData, metric: ResolvedMetric, stratify: bool,
             groups: np.ndarray | None):
    function = metric.function
    if function is None:
        assert metric.spec is not None
        function = metric.spec.reference(**metric.options)
    if data.task == "binary":
        return _engine.generic_statistic(function, data.y, data.preds, stratify=stratify,
                                         groups=groups)
    columns = [data.y.astype(np.float64)]
    for pred in data.preds:
        columns += list(pred.reshape(pred.shape[0], -1).astype(np.float64).T)
    return _engine.generic_statistic(function, data.y_call, data.preds_call, stratify=stratify,
                                     groups=groups, cell_columns=columns,
                                     n_classes=data.n_classes)
