"""Evaluation harness: many models x slices x metrics in one call.

:func:`evaluate` scores every model on every named slice, bootstraps every
metric, compares models in pairs with p-values corrected for the number of
comparisons, and measures operating points whose thresholds are chosen on one
slice and applied to others.  :func:`evaluate_folded` does the same for
cross-validated models (out-of-fold predictions, per-fold metrics and the
Nadeau-Bengio corrected resampled t-test).

Every work unit (predictions of a model on a slice, the bootstraps of a
cell, a paired difference, a threshold fit, a fold fit) goes through
``parallel_map`` with its seed spawned before dispatch, so a run is
bit-identical for any ``n_jobs`` and on any joblib backend (Dask included).
Only predictions travel between processes, never a slice's features, except
where a model must predict or be fit.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ._harness_common import (
    adjust_rows,
    check_classes,
    check_metrics,
    check_pairs,
    check_prediction,
    fresh_root,
    metric_label,
    outcome_rows,
    run_params,
    seed_grid,
    shipped_features,
)
from ._harness_folded import evaluate_folded
from ._harness_results import FoldedRunResult, ResultRow, RunResult
from ._harness_tasks import (
    TASKS,
    check_given_task,
    check_model_classes,
    detect_task,
    has_response,
)
from ._harness_work import (
    BootOptions,
    Failure,
    diff_step,
    metric_step,
    op_point_diff_step,
    op_point_step,
    predict_step,
)
from ._intervals import CI_METHODS
from ._parallel import parallel_map, sniff_pickle
from ._pvalues import P_ADJUST_METHODS, correct_p_values
from ._validation import (
    check_bool,
    check_checkpoint,
    check_int,
    check_n_jobs,
    check_open_unit,
    check_option,
    check_seed,
    param_error,
)
from .operating_points import (
    F1,
    FPR,
    Precision,
    Sensitivity,
    Specificity,
    ThresholdSelector,
)

__all__ = [
    "EvalSlice",
    "OperatingPointSpec",
    "ResultRow",
    "RunResult",
    "FoldedRunResult",
    "evaluate",
    "evaluate_folded",
    "correct_p_values",
]

#: Metrics reported at every operating point.
OP_POINT_METRICS = (Sensitivity(), Specificity(), Precision(), F1(), FPR())

# Stages of a run; each gets one child of the run's SeedSequence.
_STAGES = ("metric", "diff", "op_point", "op_point_diff")


@dataclass(frozen=True)
class EvalSlice:
    """A named evaluation set.

    Parameters
    ----------
    name : str
        Slice name, unique within a run (``"overall"``, ``"site=3"``).
    X : object or None
        Features, in whatever form the models accept (numpy array, scipy
        sparse matrix, pandas DataFrame, list of texts); ``None`` when the
        models are given as precomputed predictions.
    y : array-like of shape (n,)
        Targets.
    description : str, default=""
        Free text shown in reports.
    groups : array-like of shape (n,), optional
        Cluster ids (patient, user): the bootstraps of this slice resample
        whole groups (see :func:`~eval_toolkit.bootstrap_ci`).

    Examples
    --------
    >>> from eval_toolkit.harness import EvalSlice
    >>> EvalSlice("overall", None, [0, 1, 1, 0]).name
    'overall'
    """

    name: str
    X: Any
    y: Any
    description: str = field(default="", kw_only=True)
    groups: Any = field(default=None, kw_only=True, repr=False)


@dataclass(frozen=True)
class OperatingPointSpec:
    """Thresholds chosen on one slice, applied to others (binary tasks).

    For every model and every selector, the threshold is chosen on
    ``fit_slice``; sensitivity, specificity, precision, F1 and the false
    positive rate are then measured on each slice of ``apply_slices`` at that
    threshold.  Intervals come from the two-level bootstrap of
    :func:`~eval_toolkit.paired_bootstrap_op_point_diff` (the fit slice and
    the apply slice are resampled independently and the threshold is refit
    on each resample), so they include the threshold's own uncertainty.

    Parameters
    ----------
    fit_slice : str
        Name of the slice thresholds are chosen on (a validation set).
    apply_slices : sequence of str
        Names of the slices they are applied to.
    selectors : sequence of ThresholdSelector
        E.g. ``(AtSpecificity(0.95), YoudenJ())``.
    name : str, default=""
        Label in reports (default: ``"fit on <fit_slice>"``).
    scorers : sequence of str, default=()
        Models to include (default: all).
    method : {"percentile", "basic", "bca"}, default="percentile"
        Interval method of these bootstraps (BCa needs a jackknife over every
        distinct score of both slices, which is slow with continuous scores).

    Examples
    --------
    >>> from eval_toolkit.harness import OperatingPointSpec
    >>> from eval_toolkit.operating_points import AtSpecificity
    >>> spec = OperatingPointSpec("validation", ["test"], [AtSpecificity(0.9)])
    >>> spec.label
    'fit on validation'
    """

    fit_slice: str
    apply_slices: Sequence[str]
    selectors: Sequence[ThresholdSelector]
    name: str = field(default="", kw_only=True)
    scorers: Sequence[str] = field(default=(), kw_only=True)
    method: str = field(default="percentile", kw_only=True)

    @property
    def label(self) -> str:
        """Name shown in reports."""
        return self.name or f"fit on {self.fit_slice}"


@dataclass(frozen=True)
class _Run:
    """Validated inputs of :func:`evaluate`."""

    models: dict[str, Any] | None
    given: dict[str, dict[str, np.ndarray]] | None
    slices: tuple[EvalSlice, ...]
    ys: tuple[np.ndarray, ...]
    groups: tuple[np.ndarray | None, ...]
    task: str
    positive: Any  # binary: the label whose scores the models give
    metrics: tuple[Any, ...]
    pairs: tuple[tuple[str, str], ...]
    specs: tuple[OperatingPointSpec, ...]
    opts: BootOptions
    p_adjust: str
    root: np.random.SeedSequence
    n_jobs: int
    progress: bool

    @property
    def names(self) -> list[str]:
        return list(self.models if self.models is not None else self.given or {})

    def slice_index(self, name: str) -> int:
        return [s.name for s in self.slices].index(name)


def _scorers_iv(scorers: Any, slices: tuple[EvalSlice, ...], func: str):
    """Models, or precomputed predictions ``{model: {slice: predictions}}``."""
    if not isinstance(scorers, Mapping) or not scorers or not all(
        isinstance(k, str) for k in scorers
    ):
        raise ValueError(
            param_error(func, "scorers", "a non-empty dict of model name -> fitted model or "
                        "{slice name: predictions}", scorers)
        )
    if all(isinstance(v, Mapping) for v in scorers.values()):
        given = {}
        for name, per_slice in scorers.items():
            missing = [s.name for s in slices if s.name not in per_slice]
            if missing:
                raise ValueError(
                    param_error(func, f"scorers[{name!r}]", "predictions for every slice",
                                f"none for {missing}")
                )
            given[name] = {
                s.name: check_prediction(per_slice[s.name], np.asarray(s.y).shape[0],
                                          f"{func}: scorers[{name!r}][{s.name!r}]")
                for s in slices
            }
        return None, given
    for name, model in scorers.items():
        if isinstance(model, Mapping) or not has_response(model, None):
            raise ValueError(
                param_error(func, f"scorers[{name!r}]", "a fitted model (predict_proba, "
                            "decision_function or predict) or, for every model, a dict of "
                            "predictions per slice", type(model).__name__)
            )
    missing_x = [s.name for s in slices if s.X is None]
    if missing_x:
        raise ValueError(
            param_error(func, "slices", "slices with features X when scorers are models",
                        f"X=None for {missing_x}")
        )
    return dict(scorers), None


def _slices_iv(slices: Any, func: str) -> tuple[EvalSlice, ...]:
    if isinstance(slices, EvalSlice):
        slices = [slices]
    if not isinstance(slices, Sequence) or not slices or not all(
        isinstance(s, EvalSlice) for s in slices
    ):
        raise ValueError(param_error(func, "slices", "a non-empty list of EvalSlice", slices))
    names = [s.name for s in slices]
    if not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
        raise ValueError(param_error(func, "slices", "EvalSlices with distinct str names", names))
    for s in slices:
        y = np.asarray(s.y)
        if y.ndim != 1 or y.shape[0] == 0:
            raise ValueError(
                param_error(func, f"slices[{s.name!r}].y", "a non-empty 1-D array",
                            f"shape {y.shape}")
            )
    return tuple(slices)


def _specs_iv(specs: Any, run_names: list[str], slice_names: list[str], task: str, func: str):
    specs = tuple(specs or ())
    for spec in specs:
        if not isinstance(spec, OperatingPointSpec):
            raise ValueError(
                param_error(func, "operating_point_specs", "a list of OperatingPointSpec", spec)
            )
        if task != "binary":
            raise ValueError(
                param_error(func, "operating_point_specs", "empty unless the task is binary "
                            "(thresholds act on a positive-class score)", f"a {task} task")
            )
        for where in (spec.fit_slice, *spec.apply_slices):
            if where not in slice_names:
                raise ValueError(
                    param_error(func, "operating_point_specs", f"slices among {slice_names}",
                                where)
                )
        if not spec.selectors or not all(isinstance(s, ThresholdSelector) for s in spec.selectors):
            raise ValueError(
                param_error(func, "operating_point_specs", "specs whose selectors are threshold "
                            "selectors (AtSpecificity, YoudenJ, ...)", spec.selectors)
            )
        if any(name not in run_names for name in spec.scorers):
            raise ValueError(
                param_error(func, "operating_point_specs", f"scorers among {run_names}",
                            spec.scorers)
            )
        check_option(spec.method, func, "OperatingPointSpec.method", ("percentile", "basic", "bca"))
    return specs


def _evaluate_iv(scorers, slices, metrics, reference, paired_diffs, specs, task, pos_label,
                 labels, n_resamples, confidence, method, p_adjust, seed, n_jobs,
                 on_scorer_error, progress, checkpoint) -> _Run:
    func = "evaluate"
    slices = _slices_iv(slices, func)
    models, given = _scorers_iv(scorers, slices, func)
    ys = tuple(np.asarray(s.y) for s in slices)
    if task is None:
        task = detect_task(list(ys), func, None if models is None else list(models.values()))
        if given is not None:
            check_given_task(task, given, func)
    task = check_option(task, func, "task", TASKS)
    first = next(iter(models.values())) if models is not None else None
    ys, positive, labels = check_classes(task, ys, pos_label, labels,
                                         getattr(first, "classes_", None), func, "slices")
    if models is not None:
        check_model_classes(models, task, positive, labels, func)
    names = list(scorers)
    n_jobs = check_n_jobs(n_jobs, func)
    if models is not None and n_jobs != 1:
        # Before any work: an unpicklable model would otherwise fail deep in a worker.
        for name, model in models.items():
            sniff_pickle(model, f"model {name!r} ({type(model).__qualname__})", func)
    record = check_option(on_scorer_error, func, "on_scorer_error", ("raise", "record"))
    return _Run(
        models=models,
        given=given,
        slices=slices,
        ys=ys,
        groups=tuple(None if s.groups is None else np.asarray(s.groups) for s in slices),
        task=task,
        positive=positive,
        metrics=check_metrics(metrics, task, func),
        pairs=check_pairs(reference, paired_diffs, names, func),
        specs=_specs_iv(specs, names, [s.name for s in slices], task, func),
        opts=BootOptions(
            n_resamples=check_int(n_resamples, func, "n_resamples", low=1),
            confidence=check_open_unit(confidence, func, "confidence"),
            method=check_option(method, func, "method", CI_METHODS),
            record=record == "record",
            labels=labels,
            checkpoint=check_checkpoint(checkpoint, func),
        ),
        p_adjust=check_option(p_adjust, func, "p_adjust", P_ADJUST_METHODS),
        root=fresh_root(check_seed(seed, func)),
        n_jobs=n_jobs,
        progress=check_bool(progress, func, "progress"),
    )


def _predictions(run: _Run) -> dict[tuple[str, str], Any]:
    """``{(model, slice): predictions or Failure}``."""
    names = run.names
    if run.given is not None:
        return {(m, s.name): run.given[m][s.name] for m in names for s in run.slices}
    assert run.models is not None
    items = [
        (i, j, f"evaluate: model {m!r} on slice {s.name!r}")
        for i, m in enumerate(names)
        for j, s in enumerate(run.slices)
    ]
    with shipped_features([s.X for s in run.slices], run.n_jobs) as xs:
        step = functools.partial(predict_step, tuple(run.models.values()), xs, run.task,
                                 run.positive, run.opts.record)
        preds = parallel_map(step, items, n_jobs=run.n_jobs, description="predictions",
                             progress=run.progress)
    out = {}
    for (i, j, where), pred in zip(items, preds):
        if not isinstance(pred, Failure):
            try:
                pred = check_prediction(pred, run.ys[j].shape[0], where)
            except ValueError as exc:
                if not run.opts.record:
                    raise
                pred = Failure(f"ValueError: {exc}")
        out[names[i], run.slices[j].name] = pred
    return out


def _failure_rows(preds: dict[tuple[str, str], Any]) -> list[ResultRow]:
    return [
        ResultRow(kind="error", model=m, slice=s, metric="", error=p.text)
        for (m, s), p in preds.items()
        if isinstance(p, Failure)
    ]


def _metric_rows(run: _Run, preds: dict, stage: np.random.SeedSequence) -> list[ResultRow]:
    cells = [(m, j) for m in run.names for j in range(len(run.slices))]
    seeds = stage.spawn(len(cells))  # one per cell: its metrics share one draw
    todo = [k for k, (m, j) in enumerate(cells) if not isinstance(preds[m, run.slices[j].name],
                                                                  Failure)]
    items = [
        (run.ys[j], preds[m, run.slices[j].name], run.groups[j], run.metrics, seeds[k],
         f"evaluate: model {m!r} on slice {run.slices[j].name!r}")
        for k in todo
        for m, j in [cells[k]]
    ]
    results = parallel_map(functools.partial(metric_step, run.opts), items, n_jobs=run.n_jobs,
                           description="metric bootstraps", progress=run.progress)
    labels = [metric_label(m) for m in run.metrics]
    rows = []
    for k, outcomes in zip(todo, results):
        m, j = cells[k]
        rows += outcome_rows("metric", outcomes, [seeds[k]] * len(labels), labels, model=m,
                             slice=run.slices[j].name)
    return rows


def _diff_rows(run: _Run, preds: dict, stage: np.random.SeedSequence) -> list[ResultRow]:
    cells = [(pair, j) for pair in run.pairs for j in range(len(run.slices))]
    seeds = stage.spawn(len(cells))  # one per cell: its metrics share one draw

    def ok(pair, j):
        return not any(isinstance(preds[m, run.slices[j].name], Failure) for m in pair)

    todo = [k for k, (pair, j) in enumerate(cells) if ok(pair, j)]
    items = []
    for k in todo:
        (a, b), j = cells[k]
        name = run.slices[j].name
        items.append((run.ys[j], preds[a, name], preds[b, name], run.groups[j], run.metrics,
                      seeds[k], f"evaluate: {b!r} - {a!r} on slice {name!r}"))
    results = parallel_map(functools.partial(diff_step, run.opts), items, n_jobs=run.n_jobs,
                           description="paired differences", progress=run.progress)
    labels = [metric_label(m) for m in run.metrics]
    rows = []
    for k, outcomes in zip(todo, results):
        (a, b), j = cells[k]
        rows += outcome_rows("diff", outcomes, [seeds[k]] * len(labels), labels, model=b,
                             reference=a, slice=run.slices[j].name)
    return rows


def _op_point_rows(run: _Run, preds: dict, stages: list[Any]) -> list[ResultRow]:
    """Thresholds fit per model and selector, applied to slices; then paired differences."""
    labels = [type(m).__name__ for m in OP_POINT_METRICS]
    rows: list[ResultRow] = []
    for spec, stage, diff_stage in zip(run.specs, stages[0].spawn(len(run.specs)),
                                       stages[1].spawn(len(run.specs))):
        models = list(spec.scorers) or run.names
        fit = run.slice_index(spec.fit_slice)
        opts = replace(run.opts, method=spec.method, checkpoint=None)
        cells = [(m, sel, run.slice_index(a)) for m in models for sel in spec.selectors
                 for a in spec.apply_slices]
        seeds = seed_grid(stage, len(cells), len(OP_POINT_METRICS))
        todo = [k for k, (m, _, j) in enumerate(cells)
                if not isinstance(preds[m, spec.fit_slice], Failure)
                and not isinstance(preds[m, run.slices[j].name], Failure)]
        items = [
            (run.ys[fit], preds[m, spec.fit_slice], run.ys[j], preds[m, run.slices[j].name], sel,
             OP_POINT_METRICS, seeds[k], f"evaluate: model {m!r}, {sel!r} fit on "
             f"{spec.fit_slice!r}, applied to {run.slices[j].name!r}")
            for k in todo for m, sel, j in [cells[k]]
        ]
        results = parallel_map(functools.partial(op_point_step, opts), items, n_jobs=run.n_jobs,
                               description="operating points", progress=run.progress)
        for k, (threshold, outcomes) in zip(todo, results):
            m, sel, j = cells[k]
            common: dict[str, Any] = dict(model=m, slice=run.slices[j].name,
                                          fit_slice=spec.fit_slice, selector=repr(sel))
            if isinstance(threshold, Failure):
                rows.append(ResultRow(kind="error", metric="", error=threshold.text, **common))
                continue
            for row in outcome_rows("op_point", outcomes, seeds[k], labels, **common):
                threshold_value = float(threshold) if np.isfinite(threshold) else None
                rows.append(_with(row, threshold=threshold_value))
        rows += _op_point_diff_rows(run, spec, opts, preds, diff_stage, labels)
    return rows


def _with(row: ResultRow, **changes: Any) -> ResultRow:
    return replace(row, **changes) if row.kind != "error" else row


def _op_point_diff_rows(run, spec, opts, preds, stage, labels) -> list[ResultRow]:
    models = list(spec.scorers) or run.names
    pairs = [p for p in run.pairs if p[0] in models and p[1] in models]
    fit = run.slice_index(spec.fit_slice)
    cells = [(pair, sel, run.slice_index(a)) for pair in pairs for sel in spec.selectors
             for a in spec.apply_slices]
    seeds = seed_grid(stage, len(cells), len(OP_POINT_METRICS))
    todo = [k for k, ((a, b), _, j) in enumerate(cells)
            if not any(isinstance(preds[m, s], Failure) for m in (a, b)
                       for s in (spec.fit_slice, run.slices[j].name))]
    items = []
    for k in todo:
        (a, b), sel, j = cells[k]
        test = run.slices[j].name
        items.append((run.ys[fit], preds[a, spec.fit_slice], preds[b, spec.fit_slice],
                      run.ys[j], preds[a, test], preds[b, test], sel, OP_POINT_METRICS,
                      seeds[k], f"evaluate: {b!r} - {a!r}, {sel!r} fit on {spec.fit_slice!r}, "
                      f"applied to {test!r}"))
    results = parallel_map(functools.partial(op_point_diff_step, opts), items, n_jobs=run.n_jobs,
                           description="operating-point differences", progress=run.progress)
    rows = []
    for k, outcomes in zip(todo, results):
        (a, b), sel, j = cells[k]
        rows += outcome_rows("op_point_diff", outcomes, seeds[k], labels, model=b, reference=a,
                      slice=run.slices[j].name, fit_slice=spec.fit_slice, selector=repr(sel))
    return rows


def _plain(value: Any) -> Any:
    """A label as a plain Python value (JSON-friendly run parameters)."""
    return value.item() if isinstance(value, np.generic) else value


def evaluate(
    scorers: Mapping[str, Any],
    slices: Sequence[EvalSlice],
    *,
    metrics: Sequence[Any] | None = None,
    reference: str | None = None,
    paired_diffs: Sequence[tuple[str, str]] | None = None,
    operating_point_specs: Sequence[OperatingPointSpec] = (),
    task: str | None = None,
    pos_label: Any = None,
    labels: Any = None,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    method: str = "percentile",
    p_adjust: str = "holm",
    seed: int | np.random.SeedSequence = 42,
    n_jobs: int = 1,
    on_scorer_error: str = "raise",
    progress: bool = False,
    checkpoint: str | os.PathLike | None = None,
) -> RunResult:
    """Every metric of every model on every slice, paired comparisons and operating points.

    Parameters
    ----------
    scorers : dict
        Model name -> fitted model (``predict_proba`` for classifiers,
        ``predict`` for regressors), **or** model name -> ``{slice name:
        predictions}`` for precomputed predictions (then slices need no ``X``).
    slices : list of EvalSlice
        Named evaluation sets.
    metrics : list of str or callable, optional
        Default per task: binary ROC AUC, average precision, Brier, debiased ECE;
        multiclass accuracy, macro-F1, log loss; regression MAE, RMSE, R^2.
    reference : str, optional
        Compare every other model to this one (delta = other - reference).
    paired_diffs : list of (a, b), optional
        Further pairs, delta = metric(b) - metric(a).
    operating_point_specs : list of OperatingPointSpec, default=()
        Transferred operating points (binary tasks).
    task : {"binary", "multiclass", "regression"}, optional
        Default: scikit-learn's ``type_of_target`` of all slices' labels.
    pos_label : object, optional
        Binary only: the positive class, needed unless labels are {0, 1},
        {-1, 1} or bool (as in :func:`~eval_toolkit.bootstrap_ci`).  Models'
        scores are read for it: the ``predict_proba`` column of ``pos_label``
        in ``classes_``, ``decision_function`` negated when it is
        ``classes_[0]``.  Every metric, difference and operating point then
        treats it as positive; rows equal the functional calls with the same
        ``pos_label``.
    labels : array-like, optional
        Multiclass only: the classes, in the column order of probability
        predictions.  Default: the models' ``classes_`` (which must then
        agree), else the sorted classes of all slices.  Passed to every
        bootstrap, so a slice lacking a class still reads every column and
        label metrics average over all classes (scikit-learn's ``labels=``).
    n_resamples : int, default=1000
        Bootstrap resamples per estimate.
    confidence : float, default=0.95
        Confidence level of every interval.
    method : {"percentile", "bca", "basic", "studentized"}, default="percentile"
        Interval method of metric and difference bootstraps (percentile, the
        package default, covered best in the coverage study).
    p_adjust : {"holm", "bh", "by", "bonferroni", "none"}, default="holm"
        Multiple-comparison adjustment; the family is every test of one kind
        in the run (see :func:`correct_p_values`).
    seed : int or numpy.random.SeedSequence, default=42
        Root of every random stream.  Each row records its ``seed_key``:
        ``SeedSequence(seed, spawn_key=row.seed_key)`` given to the functional
        API (``bootstrap_ci``, ``paired_bootstrap_diff``, ...) with the row's
        inputs reproduces the row bit for bit.  All metrics of one (model,
        slice) cell, and of one paired difference on a slice, share one seed
        and so one draw of resamples (drawn once, evaluated by every metric):
        their intervals come from the same resampled rows.
    n_jobs : int, default=1
        Parallel work units (``-1``: all cores; an active
        ``joblib.parallel_config(backend="dask")`` runs them on a cluster).
        Results do not depend on it.  Models must then be picklable.
    on_scorer_error : {"raise", "record"}, default="raise"
        ``"record"``: a model or metric that raises on a slice becomes an
        ``"error"`` row with the exception text; every other row is computed.
    progress : bool, default=False
        Progress bars (tqdm, stderr), one per stage.
    checkpoint : str or os.PathLike, optional
        Directory keeping every finished block of resamples of the metric
        and paired-difference bootstraps, one subdirectory per work unit
        (``unit_<seed key>``), each bound to its inputs as in
        :func:`~eval_toolkit.bootstrap_ci`.  The same call after an
        interruption computes only the missing blocks, with a bit-identical
        result; a directory of another run is refused.  Predictions are
        recomputed, and operating-point bootstraps are not checkpointed.

    Returns
    -------
    RunResult

    Examples
    --------
    >>> import numpy as np
    >>> from eval_toolkit.harness import EvalSlice, evaluate
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 400)
    >>> preds = {"a": {"s": np.clip(0.1 * y + rng.uniform(0, 0.9, 400), 0, 1)},
    ...          "b": {"s": np.clip(0.2 * y + rng.uniform(0, 0.8, 400), 0, 1)}}
    >>> run = evaluate(preds, [EvalSlice("s", None, y)], metrics=["roc_auc"], reference="a",
    ...                n_resamples=200)
    >>> [(r.kind, r.model, round(r.estimate, 3)) for r in run.rows]
    [('metric', 'a', 0.626), ('metric', 'b', 0.688), ('diff', 'b', 0.061)]
    """
    run = _evaluate_iv(scorers, slices, metrics, reference, paired_diffs, operating_point_specs,
                       task, pos_label, labels, n_resamples, confidence, method, p_adjust,
                       seed, n_jobs, on_scorer_error, progress, checkpoint)
    stages = run.root.spawn(len(_STAGES))
    preds = _predictions(run)
    rows = _failure_rows(preds)
    rows += _metric_rows(run, preds, stages[0])
    rows += _diff_rows(run, preds, stages[1])
    rows += _op_point_rows(run, preds, stages[2:])
    params = {
        "models": run.names,
        "slices": [{"name": s.name, "n": int(y.shape[0]), "description": s.description}
                   for s, y in zip(run.slices, run.ys)],
        "metrics": [metric_label(m) for m in run.metrics],
        "pairs": [list(p) for p in run.pairs],
        "operating_points": [
            {"name": spec.label, "fit_slice": spec.fit_slice,
             "apply_slices": list(spec.apply_slices),
             "selectors": [repr(s) for s in spec.selectors], "method": spec.method}
            for spec in run.specs
        ],
        "predictions": "given" if run.given is not None else "models",
        "pos_label": _plain(pos_label),
        "labels": None if run.opts.labels is None else run.opts.labels.tolist(),
        "n_resamples": run.opts.n_resamples,
        "confidence": run.opts.confidence,
        "method": run.opts.method,
        "p_adjust": run.p_adjust,
        "on_scorer_error": "record" if run.opts.record else "raise",
    }
    return RunResult(tuple(adjust_rows(rows, run.p_adjust)), run.task,
                     run_params(params, run.root))
