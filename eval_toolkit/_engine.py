"""The bootstrap engine: blocks of resamples, seeded and dispatched.

A *statistic* says which cell tables to resample and how to evaluate a chunk
of resamples at once; the engine cuts ``n_resamples`` into blocks of
``BLOCK_SIZE``, gives block b the b-th child of ``SeedSequence(seed)``, and
maps blocks through :func:`~eval_toolkit._parallel.parallel_map`.  Output is
therefore bit-identical for any ``n_jobs``, batching and backend, and the
first r resamples do not depend on ``n_resamples``.

Working memory per block is bounded by ``CHUNK_ENTRIES`` (2**20) entries per
array: a block is drawn and evaluated in row chunks of at most
``CHUNK_ENTRIES // n`` resamples, and never fewer than one, so one resample of
n = 10**7 samples uses a few arrays of 10**7 entries (~80 MB each) per worker.
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ._checkpoint import Checkpoint
from ._intervals import Interval, JackknifeSets, bootstrap_interval
from ._kernel_utils import Kernel
from ._kernels import cell_scores, make_kernel
from ._parallel import parallel_map
from ._resample import (
    BLOCK_SIZE,
    CHUNK_ENTRIES,
    ArmDraws,
    ArmSampler,
    CellTable,
    block_sizes,
    build_cells,
    joint_order,
    prime_heap,
    stable_order,
)
from ._results import PairedBootstrapCI, seed_record
from ._validation import Resampling, param_error
from ._warnings import warn

__all__: list[str] = []

_WARN_DEGENERATE = 0.01
_MAX_DEGENERATE = 0.5


@runtime_checkable
class Statistic(Protocol):
    """What the engine needs of a statistic (kernel, generic or operating-point).

    ``evaluate`` returns one column per arm (one arm: the metric; two arms:
    A then B, delta = B - A), followed by the standard error of the statistic
    in each resample when ``with_se`` is true.
    """

    #: Draw resampled index arrays (True) or cell-count tables (False).
    uses_indices: bool
    #: ``evaluate`` appends the per-resample standard error (studentized intervals).
    with_se: bool

    @property
    def tables(self) -> tuple[CellTable | ArmSampler, ...]:
        """Samplers of the data sets resampled independently (one per data set)."""
        ...

    def evaluate(self, draws: list[Any]) -> np.ndarray:
        """(rows, n_arms [+ 1]) values for one draw per table.

        A draw is a (rows, k) count matrix, a list of one (rows, k_arm) count
        matrix per arm from an :class:`~eval_toolkit._resample.ArmSampler`, or
        with ``uses_indices`` a (rows, n) index matrix (a list of index arrays
        under the cluster bootstrap).
        """
        ...

    def point(self) -> float:
        """The statistic on the full data (NaN when undefined)."""
        ...

    def jackknife(self, n_jobs: int = 1) -> JackknifeSets:
        """Leave-one-out values and their multiplicities, one set per independent sample."""
        ...

    def for_blocks(self) -> BlockStatistic:
        """What :func:`run_block` needs: the object sent to the workers (often ``self``)."""
        ...


class BlockStatistic(Protocol):
    """The part of a :class:`Statistic` that computes blocks of resamples."""

    uses_indices: bool

    @property
    def tables(self) -> tuple[Any, ...]: ...

    def evaluate(self, draws: list[Any]) -> np.ndarray: ...


@runtime_checkable
class StudentizedStatistic(Statistic, Protocol):
    """A statistic with a closed-form standard error (needed by studentized intervals only)."""

    @property
    def bounds(self) -> tuple[float, float]:
        """Range of the statistic (the studentized interval stays inside it)."""
        ...

    def se_hat(self) -> float:
        """Standard error of the statistic on the full data."""
        ...


@dataclass(frozen=True)
class Outcome:
    """What the pipeline returns: estimate, kept distribution, interval, dropped count."""

    point: float
    distribution: np.ndarray  # statistic per valid resample (delta B - A for two arms)
    interval: Interval
    n_degenerate: int
    arm_values: tuple[float, ...] = ()  # each arm's metric on the full data, when known
    arm_distribution: np.ndarray | None = None  # (B, n_arms) per-arm values, same resamples

    def arm_interval(self, arm: int, confidence: float) -> tuple[float, float]:
        """Percentile interval of one arm's metric, from the same resamples (free)."""
        assert self.arm_distribution is not None
        interval = bootstrap_interval("percentile", self.arm_distribution[:, arm],
                                      self.arm_values[arm], confidence)
        return interval.low, interval.high

    def paired_result(
        self, resampling: Resampling, *, n_samples: int, metric: str, **fields: Any
    ) -> PairedBootstrapCI:
        """The outcome of a two-arm statistic as a :class:`PairedBootstrapCI`.

        ``fields``: further result fields (``greater_is_better``, ``task``).
        Each arm's value and percentile interval are added when known.
        """
        if self.arm_values:
            fields.update(
                value_a=self.arm_values[0], value_b=self.arm_values[1],
                ci_a=self.arm_interval(0, resampling.confidence),
                ci_b=self.arm_interval(1, resampling.confidence),
            )
        return PairedBootstrapCI.from_distribution(
            self.point,
            self.distribution,
            self.interval,
            confidence=resampling.confidence,
            method=resampling.method,
            n_degenerate=self.n_degenerate,
            n_samples=n_samples,
            metric=metric,
            seed=seed_record(resampling.seed),
            **fields,
        )


def run(
    statistic: Statistic,
    resampling: Resampling,
    *,
    func: str,
    label: str,
    description: str,
    check_point: Callable[[float], None],
    fingerprint: dict[str, Any] | None = None,
    values: np.ndarray | None = None,
) -> Outcome:
    """The one bootstrap pipeline: point -> distribution -> drop degenerate -> interval.

    ``check_point(point)`` runs before any resampling: it raises when the
    statistic is undefined on the full data (the caller knows which argument
    to blame) and may warn about the data.  ``func`` and ``label`` name the
    public function and the metric in degenerate-resample messages.
    ``fingerprint`` names the inputs that determine the blocks (labels,
    scores, metric, ...) for ``resampling.checkpoint``.  Kernel and generic
    statistics also report each arm's value (``arm_points``).  ``values``:
    the per-resample values drawn already (one draw shared by several
    statistics of the same data, ``eval_toolkit._shared_draw``); they replace
    the draw, nothing else changes.
    """
    arm_points = getattr(statistic, "arm_points", None)
    arm_values = tuple(float(v) for v in arm_points()) if arm_points is not None else ()
    point = statistic.point() if not arm_values else (
        arm_values[0] if len(arm_values) == 1 else arm_values[1] - arm_values[0])
    check_point(point)
    values = values if values is not None else bootstrap_distribution(
        statistic,
        resampling.n_resamples,
        resampling.seed,
        n_jobs=resampling.n_jobs,
        description=description,
        progress=resampling.progress,
        retries=resampling.retries,
        checkpoint=open_checkpoint(resampling, func, fingerprint),
    )
    values, n_degenerate = drop_degenerate(values, func, label)
    n_arms = values.shape[1] - int(statistic.with_se)
    theta_b = values[:, 0] if n_arms == 1 else values[:, 1] - values[:, 0]
    se_b = se_hat = None
    bounds = (-np.inf, np.inf)
    if resampling.method == "studentized":
        # Validation admits "studentized" only for metrics with influence values.
        assert statistic.with_se and isinstance(statistic, StudentizedStatistic)
        se_b, se_hat, bounds = values[:, n_arms], statistic.se_hat(), statistic.bounds
    interval = bootstrap_interval(
        resampling.method,
        theta_b,
        point,
        resampling.confidence,
        jackknife=lambda: statistic.jackknife(resampling.n_jobs),
        se_b=se_b,
        se_hat=se_hat,
        bounds=bounds,
    )
    return Outcome(point, theta_b, interval, n_degenerate, arm_values,
                   values[:, :n_arms] if arm_values else None)


def open_checkpoint(
    resampling: Resampling, func: str, fingerprint: dict[str, Any] | None
) -> Checkpoint | None:
    """Bind ``resampling.checkpoint`` to everything that determines the blocks."""
    if resampling.checkpoint is None:
        return None
    if fingerprint is None:
        raise ValueError(
            param_error(func, "checkpoint", "None: this function cannot resume from a checkpoint",
                        resampling.checkpoint)
        )
    parts = dict(
        fingerprint,
        studentized=resampling.method == "studentized",
        seed=resampling.seed,
        block_size=BLOCK_SIZE,
    )
    return Checkpoint.open(resampling.checkpoint, func, parts)


def undefined_metric_error(
    func: str, y: np.ndarray, label: str, param: str = "y_true"
) -> ValueError:
    """The error of a named or custom metric undefined on the full data (binary labels).

    ``param``: the labels' name as the caller's user wrote it (``y`` of a meta-object's fit).
    """
    present = sorted(set(y.tolist()))
    got = "only the positive class" if present == [True] else "only the negative class"
    if len(present) == 2:
        got = "labels for which it is undefined"
    return ValueError(
        param_error(
            func,
            param,
            f"such that {label} is defined on the full data "
            "(both classes present, and predicted positives for precision)",
            got,
        )
    )


class DegenerateResampleWarning(UserWarning):
    """More than 1% of resamples left the metric undefined and were dropped."""


def drop_degenerate(values: np.ndarray, func: str, label: str) -> tuple[np.ndarray, int]:
    """Drop resamples where any arm's value is undefined (NaN); warn or raise on many.

    Dropping is unbiased only while degenerate resamples are rare, hence a
    warning above 1% and an error above half.
    """
    valid = np.all(np.isfinite(values), axis=1)
    n_degenerate = int(values.shape[0] - valid.sum())
    share = n_degenerate / values.shape[0]
    advice = "pass stratify=True to resample within each class, or use more data"
    if share > _MAX_DEGENERATE:
        raise ValueError(
            f"{func}: {n_degenerate} of {values.shape[0]} resamples ({share:.0%}) left "
            f"{label} undefined (e.g. a single class); more than half is too many to "
            f"drop without bias. {advice.capitalize()}."
        )
    if share > _WARN_DEGENERATE:
        # The message names the public function; the warning points at the user's call.
        warn(
            f"{func}: {n_degenerate} of {values.shape[0]} resamples ({share:.1%}) left "
            f"{label} undefined and were dropped; {advice}.",
            DegenerateResampleWarning,
        )
    return values[valid], n_degenerate


#: Below this many samples in the smaller class, no interval method covered
#: reliably in the coverage study (doc/user_guide/coverage.rst).
MIN_CLASS_COUNT = 10


class SmallSampleWarning(UserWarning):
    """Too few samples of a class for any bootstrap interval to be trusted."""


def warn_if_few_in_class(y: np.ndarray, func: str, where: str = "") -> None:
    """Warn when the smaller class of binary ``y`` has fewer than ``MIN_CLASS_COUNT`` samples."""
    n_pos = int(np.count_nonzero(y))
    smaller, name = min((n_pos, "positive"), (y.shape[0] - n_pos, "negative"))
    if smaller < MIN_CLASS_COUNT:
        warn(
            f"{func}: only {smaller} {name} samples{where}. With fewer than {MIN_CLASS_COUNT} in a "
            "class no bootstrap interval method keeps its confidence level (see 'Coverage' in "
            "the user guide); read the interval as rough and report the class counts.",
            SmallSampleWarning,
        )


@dataclass(frozen=True)
class KernelOptions:
    """Options of the named metric kernels."""

    threshold: float = 0.5
    n_bins: int = 10
    strategy: str = "uniform"


@dataclass(frozen=True)
class Fold:
    """Map joint cells (label, score_a[, score_b]) to one arm's (label, score) cells.

    The joint columns are permuted so that each arm cell's members are
    contiguous, then runs are summed with ``np.add.reduceat``; both steps are
    skipped when not needed.  Arm cells are sorted by (label, score).
    """

    y: np.ndarray  # label of each arm cell
    key: np.ndarray  # score of each arm cell
    mult: np.ndarray  # full-data multiplicity of each arm cell
    mapping: np.ndarray  # joint cell -> arm cell
    perm: np.ndarray | None  # joint column order grouping arm cells; None = already grouped
    starts: np.ndarray | None  # start of each arm cell's run; None = one joint cell each

    @classmethod
    def build(cls, values: np.ndarray, ranks: np.ndarray, column: int, mult: np.ndarray) -> Fold:
        """One arm's fold of the joint cells of :func:`~eval_toolkit._resample.build_cells`.

        ``values``, ``ranks``: its distinct rows and their ranks (label in
        column 0, the arm's score in ``column``); ``mult``: their
        multiplicities.  Arm cells are sorted by the integer (label, score)
        rank (:func:`~eval_toolkit._resample.joint_order`).
        """
        y, key, order = values[:, 0], values[:, column], joint_order(ranks, column)
        perm = stable_order(order)
        y_sorted, key_sorted, order_sorted = y[perm], key[perm], order[perm]
        new_run = np.ones(perm.shape[0], dtype=bool)
        new_run[1:] = order_sorted[1:] != order_sorted[:-1]
        starts = np.flatnonzero(new_run)
        mapping = np.empty(perm.shape[0], dtype=np.int64)
        mapping[perm] = np.cumsum(new_run) - 1
        identity = bool(np.all(perm == np.arange(perm.shape[0])))
        return cls(
            y=y_sorted[starts].astype(bool),
            key=key_sorted[starts],
            mult=np.add.reduceat(mult[perm], starts),
            mapping=mapping,
            perm=None if identity else perm,
            starts=None if starts.shape[0] == perm.shape[0] else starts,
        )

    def counts(self, joint: np.ndarray) -> np.ndarray:
        """Fold joint-cell counts (rows, k) into arm-cell counts (rows, k_arm)."""
        grouped = joint if self.perm is None else joint[:, self.perm]
        return grouped if self.starts is None else np.add.reduceat(grouped, self.starts, axis=1)


@dataclass(frozen=True)
class Arm:
    """One model's metric kernel on its folded cells."""

    fold: Fold
    kernel: Kernel
    offset: float  # kernel.replicate_offset(), subtracted from every replicate

    @classmethod
    def build(
        cls,
        name: str,
        values: np.ndarray,
        ranks: np.ndarray,
        column: int,
        mult: np.ndarray,
        opts: KernelOptions,
    ) -> Arm:
        """The arm whose score is ``column`` of the joint cells, as :meth:`Fold.build`."""
        fold = Fold.build(values, ranks, column, mult)
        kernel = make_kernel(
            name,
            fold.y,
            fold.key,
            fold.mult,
            n_bins=opts.n_bins,
            strategy=opts.strategy,
            threshold=opts.threshold,
        )
        return cls(fold, kernel, kernel.replicate_offset())


def _influence(kernel: Kernel, counts: np.ndarray) -> np.ndarray:
    psi = kernel.influence(counts)
    if psi is None:
        raise TypeError(f"{type(kernel).__name__} has no influence values")
    return psi


def _infinitesimal_jackknife_se(counts: np.ndarray, psi: np.ndarray) -> np.ndarray:
    n = counts.sum(axis=1)
    return np.sqrt(np.einsum("ij,ij->i", counts, psi**2)) / n


@dataclass(frozen=True)
class KernelStatistic:
    """Named metric of one or two arms (delta = arm 1 - arm 0) on shared joint cells.

    Resamples are drawn straight into each arm's cells when that is cheaper
    (``sampler``, see :class:`~eval_toolkit._resample.ArmSampler`), else as
    joint-cell counts folded per arm; both give the same counts.  The
    studentized standard error needs the joint counts, so it always folds.
    """

    table: CellTable
    arms: tuple[Arm, ...]
    with_se: bool = False
    metric_range: tuple[float, float] = (0.0, 1.0)
    sampler: ArmSampler | None = None

    @property
    def tables(self) -> tuple[CellTable | ArmSampler, ...]:
        return (self.table,) if self.sampler is None else (self.sampler,)

    uses_indices = False

    @property
    def bounds(self) -> tuple[float, float]:
        """Range of the statistic: the metric's, or that of a difference of two."""
        low, high = self.metric_range
        return (low, high) if len(self.arms) == 1 else (low - high, high - low)

    def evaluate(self, draws: list) -> np.ndarray:
        """Return (rows, n_arms [+ 1]) metric values [and the SE of the statistic]."""
        if self.sampler is not None:
            return self.for_blocks().evaluate(draws)
        joint = draws[0]
        per_arm = [arm.fold.counts(joint) for arm in self.arms]
        columns = [arm.kernel(c) - arm.offset for arm, c in zip(self.arms, per_arm)]
        if self.with_se:
            columns.append(_infinitesimal_jackknife_se(joint, self._joint_influence(per_arm)))
        return np.column_stack(columns)

    def for_blocks(self) -> KernelStatistic | ArmBlocks:
        """Without the joint-cell table and folds when each arm is drawn directly."""
        if self.sampler is None:
            return self
        return ArmBlocks(
            self.sampler.draws, tuple(arm.kernel for arm in self.arms),
            tuple(arm.offset for arm in self.arms),
        )

    def _joint_influence(self, per_arm: list[np.ndarray]) -> np.ndarray:
        # Only built with with_se=True for metrics whose kernel has influence values.
        psi = [_influence(arm.kernel, c)[:, arm.fold.mapping] for arm, c in zip(self.arms, per_arm)]
        return psi[0] if len(psi) == 1 else psi[1] - psi[0]

    def arm_points(self) -> list[float]:
        """Each arm's metric on the full data."""
        return [arm.kernel.point() for arm in self.arms]

    def point(self) -> float:
        values = self.arm_points()
        return values[0] if len(values) == 1 else values[1] - values[0]

    def jackknife(self, n_jobs: int = 1) -> JackknifeSets:
        """Leave-one-out values per resampling unit, one set per independent sample.

        Units are the joint cells (closed forms in the kernels, so ``n_jobs``
        is not needed), or the groups under the cluster bootstrap (leave one
        group out, evaluated as count rows).
        """
        clusters = self.table.clusters
        if clusters is not None:
            loo_counts = clusters.loo_counts(self.table.mult)
            loo_g = np.concatenate([self._delta(rows) for rows in loo_counts])
            return [(loo_g, np.ones(clusters.n_groups))]
        loo = [arm.kernel.loo()[arm.fold.mapping] for arm in self.arms]
        values = loo[0] if len(loo) == 1 else loo[1] - loo[0]
        return self.table.jackknife_sets(values)

    def _delta(self, joint: np.ndarray) -> np.ndarray:
        values = [arm.kernel(arm.fold.counts(joint)) for arm in self.arms]
        return values[0] if len(values) == 1 else values[1] - values[0]

    def se_hat(self) -> float:
        mult = self.table.mult[None, :].astype(np.float64)
        per_arm = [arm.fold.counts(mult) for arm in self.arms]
        return float(_infinitesimal_jackknife_se(mult, self._joint_influence(per_arm))[0])


@dataclass(frozen=True)
class ArmBlocks:
    """A :class:`KernelStatistic` drawn per arm, as sent to the workers.

    Only the arms' kernels and the :class:`~eval_toolkit._resample.ArmDraws`:
    the joint-cell table and the folds stay in the caller (they serve the
    jackknife and the point estimate).
    """

    draws: ArmDraws
    kernels: tuple[Kernel, ...]
    offsets: tuple[float, ...]

    uses_indices = False

    @property
    def tables(self) -> tuple[ArmDraws]:
        return (self.draws,)

    def evaluate(self, draws: list) -> np.ndarray:
        return np.column_stack([k(c) - o for k, o, c in zip(self.kernels, self.offsets, draws[0])])


def kernel_statistic(
    name: str,
    y: np.ndarray,
    scores: Sequence[np.ndarray],
    opts: KernelOptions,
    *,
    stratify: bool,
    with_se: bool,
    thresholded: bool = False,
    groups: np.ndarray | None = None,
    bounds: tuple[float, float] = (0.0, 1.0),
    n_threads: int = 1,
) -> KernelStatistic:
    """Build the cells of (y, key_a[, key_b]) and one binary kernel per arm.

    ``thresholded``: the metric sees only ``score >= opts.threshold``, so
    scores on the same side of the threshold share a cell.  ``bounds``: the
    metric's range (from the registry).  ``n_threads``: for ranking the
    columns (:func:`~eval_toolkit._resample.build_cells`).
    """
    keys = [cell_scores(s, threshold=opts.threshold) if thresholded else s for s in scores]
    table, values, ranks = build_cells(
        [y, *keys], y if stratify else None, groups, n_threads=n_threads
    )
    arms = tuple(
        Arm.build(name, values, ranks, 1 + i, table.mult, opts) for i in range(len(keys))
    )
    sampler = None
    if not with_se and ArmSampler.worth_it(table, len(arms)):
        sampler = ArmSampler(
            table,
            tuple(arm.fold.mapping for arm in arms),
            tuple(arm.fold.y.shape[0] for arm in arms),
        )
    return KernelStatistic(table, arms, with_se, bounds, sampler)


@dataclass(frozen=True)
class GenericStatistic:
    """A user's metric callable, called once per resample and arm on resampled arrays."""

    metric: Callable[[np.ndarray, np.ndarray], float]
    y: np.ndarray
    scores: tuple[np.ndarray, ...]
    table: CellTable
    representatives: np.ndarray  # first sample index of each distinct cell, in cell order
    n_classes: int = 2  # classes of the full data; 0 for regression

    uses_indices = True
    with_se = False

    @property
    def tables(self) -> tuple[CellTable, ...]:
        return (self.table,)

    def for_blocks(self) -> GenericStatistic:
        """Sent to the workers whole (the metric runs there on the rows)."""
        return self

    def evaluate(self, draws: list) -> np.ndarray:
        idx = draws[0]  # (rows, n) indices, or a list of rows under the cluster bootstrap
        out = np.empty((len(idx), len(self.scores)))
        for r, rows in enumerate(idx):
            out[r] = [self._call(rows, s) for s in self.scores]
        return out

    def _call(self, rows: np.ndarray, score: np.ndarray) -> float:
        y = self.y[rows]
        try:
            value = self.metric(y, score[rows])
        except ValueError:
            # A resample lacking a class leaves most ranking metrics
            # undefined; sklearn raises ValueError there.  It is a degenerate
            # resample, counted and dropped, not an error in the user's metric.
            if self.n_classes and np.unique(y).shape[0] < self.n_classes:
                return float("nan")
            raise
        return metric_value(value, self.metric)

    def arm_points(self) -> list[float]:
        """Each arm's metric on the full data."""
        full = np.arange(self.y.shape[0])
        return [self._call(full, s) for s in self.scores]

    def point(self) -> float:
        values = self.arm_points()
        return values[0] if len(values) == 1 else values[1] - values[0]

    def jackknife(self, n_jobs: int = 1) -> JackknifeSets:
        """Leave-one-out values per distinct cell (the metric only sees the multiset),
        or per group under the cluster bootstrap."""
        clusters = self.table.clusters
        if clusters is not None:
            units = [clusters.samples_of(g) for g in range(clusters.n_groups)]
        else:
            units = [np.array([sample]) for sample in self.representatives]
        chunks = [units[i : i + BLOCK_SIZE] for i in range(0, len(units), BLOCK_SIZE)]
        fn = functools.partial(_generic_loo_chunk, self)
        parts = parallel_map(fn, chunks, n_jobs=n_jobs, description="jackknife of a custom metric")
        loo = np.concatenate(parts)  # representatives are in cell order
        if clusters is not None:
            return [(loo, np.ones(clusters.n_groups))]
        return self.table.jackknife_sets(loo)


def _generic_loo_chunk(stat: GenericStatistic, removed: list[np.ndarray]) -> np.ndarray:
    n = stat.y.shape[0]
    out = np.empty(len(removed))
    for i, samples in enumerate(removed):
        keep = np.delete(np.arange(n), samples)
        values = [stat._call(keep, s) for s in stat.scores]
        out[i] = values[0] if len(values) == 1 else values[1] - values[0]
    return out


class MetricOutputError(TypeError):
    """A custom metric callable returned something other than one number."""


def metric_value(value: Any, metric: Callable[..., Any]) -> float:
    """One call's output as a float; anything but a single real number is the metric's error.

    ``float()`` alone would take a string such as ``"0.5"`` and blame the data
    for ``"abc"``, and would take a 1-element array with a deprecation warning.
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (numbers.Real, np.floating, np.integer)) and not isinstance(
        value, (bool, np.bool_)
    ):
        return float(value)
    name = getattr(metric, "__name__", type(metric).__name__)
    shape = f" of shape {value.shape}" if isinstance(value, np.ndarray) else ""
    raise MetricOutputError(f"{name} returning {type(value).__name__}{shape}")


def generic_statistic(
    metric: Callable[[np.ndarray, np.ndarray], float],
    y: np.ndarray,
    scores: Sequence[np.ndarray],
    *,
    stratify: bool,
    groups: np.ndarray | None = None,
    cell_columns: Sequence[np.ndarray] | None = None,
    n_classes: int = 2,
) -> GenericStatistic:
    """The generic statistic; ``cell_columns`` (numeric, 1-D) define the cells
    when ``y`` or ``scores`` are not numeric vectors (class labels, matrices)."""
    columns = [y, *scores] if cell_columns is None else list(cell_columns)
    table, _, _ = build_cells(columns, columns[0] if stratify else None, groups)
    inverse = np.empty(table.n_samples, dtype=np.int64)
    for stratum in table.strata:
        inverse[stratum.samples] = stratum.cells
    _, representatives = np.unique(inverse, return_index=True)
    y_call = y.astype(np.int64) if y.dtype.kind == "b" else y
    return GenericStatistic(metric, y_call, tuple(scores), table, representatives, n_classes)


def run_block(statistic: BlockStatistic, block: tuple[np.random.SeedSequence, int]) -> np.ndarray:
    """Compute one block of resamples; the work unit shipped to workers."""
    seed_seq, rows = block
    prime_heap()
    rng = np.random.default_rng(seed_seq)
    chunk = min(table.chunk_rows() for table in statistic.tables)
    parts = []
    for start in range(0, rows, chunk):
        size = min(chunk, rows - start)
        if statistic.uses_indices:
            draws = [table.draw_indices(rng, size) for table in statistic.tables]
        else:
            draws = [table.draw_counts(rng, size) for table in statistic.tables]
        parts.append(statistic.evaluate(draws))
    return np.concatenate(parts)


def fresh_seed_sequence(seed: int | np.random.SeedSequence) -> np.random.SeedSequence:
    """A SeedSequence that has spawned nothing yet (spawn() mutates its caller)."""
    if isinstance(seed, np.random.SeedSequence):
        return np.random.SeedSequence(
            seed.entropy, spawn_key=seed.spawn_key, pool_size=seed.pool_size
        )
    return np.random.SeedSequence(seed)


#: A vectorised job drawing fewer than this many entries in all (resamples x
#: samples, or x cells for multinomial strata) runs in this process whatever
#: ``n_jobs`` says: 2**23 is 2,000 resamples of ~4,000 samples, about 50 ms
#: of work, while starting a loky pool took 1.2 s and dispatching to a warm
#: one 20-40 ms; on the benchmark machine n_jobs=2 was slower than n_jobs=1
#: up to 2e7 entries under load (doc/parallelism.rst, "Small jobs").  Only
#: where the work runs changes, never a result (blocks are seeded before).
IN_PROCESS_ENTRIES = 2**23


def runs_in_process(statistic, n_resamples: int) -> bool:
    """True when a vectorised job is too small for worker processes to pay off.

    A custom metric (one Python call per resample) costs far more per entry,
    so its ``n_jobs`` is always honoured.
    """
    if statistic.uses_indices:
        return False
    per_resample = sum(table.entries_per_resample for table in statistic.tables)
    return n_resamples * per_resample < IN_PROCESS_ENTRIES


def _seed_text(seed: int | np.random.SeedSequence) -> str:
    if isinstance(seed, np.random.SeedSequence):
        return f"SeedSequence({seed.entropy}, spawn_key={seed.spawn_key})"
    return f"SeedSequence({seed})"


#: Arrays of one chunk's width held at once while a block is drawn and
#: evaluated (draws, counts, kernel temporaries): a rough multiplier for the
#: memory a worker needs, quoted when a worker dies.
_ARRAYS_PER_CHUNK = 6


def block_memory_bytes(statistic) -> int:
    """Rough working memory of one block in a worker (for messages, not for decisions)."""
    tables = [getattr(t, "table", t) for t in statistic.tables]  # an ArmSampler wraps a table
    width = max(max(t.n_samples, t.n_cells) for t in tables)
    return _ARRAYS_PER_CHUNK * 8 * max(CHUNK_ENTRIES, width)


def _death_advice(statistic, checkpoint: Checkpoint | None, n_done: int) -> str:
    mib = block_memory_bytes(statistic) / 2**20
    memory = (
        f"Each block of {BLOCK_SIZE} resamples needs about {mib:.0f} MiB of working memory "
        "in its worker, besides a copy of the data."
    )
    if checkpoint is None:
        return memory + " Pass checkpoint=DIR to keep finished blocks across a rerun."
    return (
        f"{memory} Finished blocks are saved in {checkpoint.directory} ({n_done} before this "
        "run); rerun the same call with the same checkpoint to compute only the missing ones."
    )


def bootstrap_distribution(
    statistic,
    n_resamples: int,
    seed: int | np.random.SeedSequence,
    *,
    n_jobs: int,
    description: str,
    progress: bool = False,
    retries: int = 0,
    checkpoint: Checkpoint | None = None,
) -> np.ndarray:
    """Return the (n_resamples, n_columns) matrix of per-resample values.

    With a ``checkpoint``, blocks saved by an earlier run are read instead of
    computed, and every block computed now is saved as soon as it finishes.
    ``retries`` resubmits blocks lost to a dead worker (same seeds, same values).
    A job too small for worker processes runs in this process
    (:func:`runs_in_process`); only where it runs changes.
    """
    if n_jobs != 1 and runs_in_process(statistic, n_resamples):
        n_jobs = 1
    sizes = block_sizes(n_resamples)
    children = fresh_seed_sequence(seed).spawn(len(sizes))
    blocks: list[np.ndarray | None] = [None] * len(sizes)
    if checkpoint is not None:
        blocks = [checkpoint.load(b, rows) for b, rows in enumerate(sizes)]
    todo = [b for b, values in enumerate(blocks) if values is None]
    starts = np.concatenate([[0], np.cumsum(sizes)])

    def label(i: int) -> str:
        b = todo[i]
        return (
            f"block {b}: resamples {starts[b]}-{starts[b + 1] - 1}, seed "
            f"{_seed_text(seed)}.spawn({len(sizes)})[{b}]"
        )

    computed = parallel_map(
        functools.partial(run_block, statistic.for_blocks()),
        [(children[b], sizes[b]) for b in todo],
        n_jobs=n_jobs,
        description=description,
        progress=progress,
        on_result=None if checkpoint is None else checkpoint.saver(todo),
        retries=retries,
        item_label=label,
        death_advice=_death_advice(statistic, checkpoint, len(sizes) - len(todo)),
    )
    for b, values in zip(todo, computed):
        blocks[b] = values
    return np.concatenate(blocks)
