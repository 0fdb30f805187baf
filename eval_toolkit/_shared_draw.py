"""Several metrics of the same data from one draw of resamples (the harness's cells).

``bootstrap_ci(y, s, m, seed=seed)`` for metrics m1, m2, ... on the same
``(y, s)`` resamples the same rows in every replicate whenever the metrics'
cell tables are the same (every score metric of a binary task: ROC AUC,
average precision, Brier, ECE compress ``(y, s)`` to the same cells; every
regression metric; every multiclass probability metric): the random stream
depends on the seed and the table only.  :func:`bootstrap_cis` and
:func:`paired_bootstrap_diffs` therefore draw once per group of metrics with
the same table and evaluate each metric's kernel on that draw.  Every result
is bit-identical to the functional call with the same ``seed``; metrics whose
tables differ (thresholded metrics, custom callables) draw on their own, from
the same seed.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from . import _engine
from ._resample import ArmSampler, CellTable
from .bootstrap import (
    Problem,
    bootstrap_ci,
    check_problem_point,
    ci_result,
    paired_bootstrap_diff,
    paired_result,
    problem_fingerprint,
    problem_iv,
    problem_statistic,
)

__all__: list[str] = []


@dataclass(frozen=True)
class _Joint:
    """Statistics with the same tables seen by the engine as one: one draw, all columns."""

    members: tuple[Any, ...]

    @property
    def tables(self) -> tuple[Any, ...]:
        return self.members[0].tables

    @property
    def uses_indices(self) -> bool:
        return self.members[0].uses_indices

    with_se = False  # the members' columns carry their own standard errors

    def evaluate(self, draws: list[Any]) -> np.ndarray:
        return np.concatenate([m.evaluate(draws) for m in self.members], axis=1)

    def for_blocks(self) -> _Joint:
        """The members' parts; their samplers are equal (`_same_table`), so one is sent."""
        parts = [m.for_blocks() for m in self.members]
        if isinstance(parts[0], _engine.ArmBlocks):
            parts = [replace(p, draws=parts[0].draws) for p in parts]
        return _Joint(tuple(parts))


def _same_table(a: CellTable | ArmSampler, b: CellTable | ArmSampler) -> bool:
    """True when ``a`` and ``b`` draw identical resamples from the same random stream."""
    if isinstance(a, ArmSampler) or isinstance(b, ArmSampler):
        return (isinstance(a, ArmSampler) and isinstance(b, ArmSampler)
                and a.widths == b.widths
                and all(np.array_equal(x, y) for x, y in zip(a.mappings, b.mappings))
                and _same_table(a.table, b.table))
    if not np.array_equal(a.mult, b.mult) or len(a.strata) != len(b.strata):
        return False
    if any(not (np.array_equal(s.samples, t.samples) and np.array_equal(s.cells, t.cells))
           for s, t in zip(a.strata, b.strata)):
        return False
    if a.clusters is None or b.clusters is None:
        return a.clusters is b.clusters
    return (np.array_equal(a.clusters.order, b.clusters.order)
            and np.array_equal(a.clusters.starts, b.clusters.starts))


def _same_draws(a: Any, b: Any) -> bool:
    return (a.uses_indices == b.uses_indices and len(a.tables) == len(b.tables)
            and all(_same_table(s, t) for s, t in zip(a.tables, b.tables)))


def _groups(statistics: dict[int, Any]) -> list[list[int]]:
    """Indices of the statistics, grouped by identical draws (first-seen order)."""
    groups: list[list[int]] = []
    for i, statistic in statistics.items():
        for group in groups:
            if _same_draws(statistics[group[0]], statistic):
                group.append(i)
                break
        else:
            groups.append([i])
    return groups


def _attempt(fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return fn(*args)
    except Exception as exc:  # reported per metric, as the functional call would raise it
        return exc


def _shared(
    func: str,
    y_true: Any,
    raw_scores: dict[str, Any],
    metrics: Sequence[Any],
    finish: Callable[[Problem, tuple[Any, np.ndarray] | None], Any],
    options: dict[str, Any],
) -> list[Any]:
    """One result (or the exception the functional call raises) per metric.

    Each metric is validated, built and its point checked on its own; the
    metrics that pass share draws by group; a metric that fails before its
    draw, or whose group's draw fails, is rerun alone through the functional
    path so that it raises exactly what the functional call raises.

    With ``checkpoint=DIR`` each group keeps its blocks in ``DIR/draw_<g>``
    (bound to the group's labels, scores, metrics and seed) and a metric run
    alone in ``DIR/metric_<i>``, so an interrupted call resumes as
    :func:`~eval_toolkit.bootstrap_ci` does.
    """
    out: list[Any] = [None] * len(metrics)
    problems: dict[int, Problem] = {}
    statistics: dict[int, Any] = {}
    alone: list[int] = []
    for i, metric in enumerate(metrics):
        try:
            problems[i] = problem_iv(func, y_true, raw_scores, metric, **options)
        except Exception as exc:  # invalid for this metric only: the others still run
            out[i] = exc
            continue
        try:
            statistic = problem_statistic(problems[i], _engine.KernelOptions())
            check_problem_point(problems[i], statistic.point())
        except Exception:
            alone.append(i)
            continue
        statistics[i] = statistic
    n_arms = len(raw_scores)
    for g, group in enumerate(_groups(statistics)):
        resampling = problems[group[0]].resampling
        members = tuple(statistics[i] for i in group)
        try:
            checkpoint = _group_checkpoint([problems[i] for i in group], g)
        except Exception as exc:  # a refused or unwritable directory: every member's error
            for i in group:
                out[i] = exc
            continue
        try:
            values = _engine.bootstrap_distribution(
                _Joint(members), resampling.n_resamples, resampling.seed,
                n_jobs=resampling.n_jobs, description=f"{func} (shared draw)",
                progress=resampling.progress, retries=resampling.retries,
                checkpoint=checkpoint)
        except Exception:
            alone += group
            continue
        ends = np.cumsum([n_arms + int(s.with_se) for s in members])
        for i, statistic, columns in zip(group, members, np.split(values, ends[:-1], axis=1)):
            out[i] = _attempt(finish, problems[i], (statistic, columns))
    for i in sorted(alone):
        out[i] = _attempt(finish, _in_subdirectory(problems[i], f"metric_{i}"), None)
    return out


def _in_subdirectory(problem: Problem, name: str) -> Problem:
    """The problem with its checkpoint directory (if any) moved to ``DIR/name``."""
    checkpoint = problem.resampling.checkpoint
    if checkpoint is None:
        return problem
    return replace(problem, resampling=replace(problem.resampling,
                                               checkpoint=Path(checkpoint) / name))


def _group_checkpoint(problems: list[Problem], g: int) -> Any:
    """The checkpoint of group ``g``'s shared draw: its inputs, every member metric."""
    first = _in_subdirectory(problems[0], f"draw_{g}")
    if first.resampling.checkpoint is None:
        return None
    opts = _engine.KernelOptions()
    prints = [problem_fingerprint(p, opts) for p in problems]
    fingerprint = dict(prints[0], metric=[f["metric"] for f in prints],
                       metric_options=[f["metric_options"] for f in prints])
    return _engine.open_checkpoint(first.resampling, first.func, fingerprint)


def bootstrap_cis(y_true: Any, y_score: Any, metrics: Sequence[Any], **options: Any) -> list[Any]:
    """``[bootstrap_ci(y_true, y_score, m, **options) for m in metrics]``, drawing once.

    Each entry is the :class:`~eval_toolkit.BootstrapCI` that call returns, or
    the exception it raises.  ``options``: keyword arguments of
    :func:`~eval_toolkit.bootstrap_ci` (``checkpoint``: see ``_shared``).
    """
    return _shared("bootstrap_ci", y_true, {"y_score": y_score}, metrics, ci_result,
                   _options(bootstrap_ci, options))


def paired_bootstrap_diffs(
    y_true: Any, y_score_a: Any, y_score_b: Any, metrics: Sequence[Any], **options: Any
) -> list[Any]:
    """``[paired_bootstrap_diff(y_true, a, b, m, **options) for m in metrics]``, drawing once."""
    return _shared("paired_bootstrap_diff", y_true, {"y_score_a": y_score_a,
                                                     "y_score_b": y_score_b},
                   metrics, lambda problem, drawn: paired_result(problem, None, drawn),
                   _options(paired_bootstrap_diff, options))


def _options(public: Callable[..., Any], options: dict[str, Any]) -> dict[str, Any]:
    """``options`` completed with the keyword defaults of the functional call ``public``."""
    parameters = inspect.signature(public).parameters.values()
    defaults = {p.name: p.default for p in parameters if p.kind is p.KEYWORD_ONLY}
    return {**defaults, **options}
