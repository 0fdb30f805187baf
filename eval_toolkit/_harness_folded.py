"""Cross-validated comparisons: :func:`evaluate_folded` and the corrected resampled t-test."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._harness_common import (
    adjust_rows,
    check_classes,
    check_metrics,
    check_pairs,
    fresh_root,
    metric_label,
    outcome_rows,
    run_params,
    shipped_features,
)
from ._harness_results import FoldedRunResult, ResultRow
from ._harness_tasks import TASKS, detect_task, point_value
from ._harness_work import BootOptions, diff_step, fit_step, metric_step
from ._intervals import CI_METHODS
from ._parallel import parallel_map, sniff_pickle
from ._pvalues import P_ADJUST_METHODS
from ._validation import (
    check_bool,
    check_int,
    check_n_jobs,
    check_open_unit,
    check_option,
    check_seed,
    param_error,
)

__all__ = ["evaluate_folded"]

#: Slice name of the pooled out-of-fold rows.
OOF_SLICE = "out-of-fold"


def corrected_ttest(diffs: np.ndarray, test_fraction: float, confidence: float):
    """Nadeau & Bengio (2003) corrected resampled t-test of per-fold differences.

    The J = folds x repeats training sets overlap, so the per-fold differences
    are positively correlated and the naive variance ``s^2 / J`` is too small.
    Nadeau & Bengio replace it by ``(1/J + n_test/n_train) s^2`` (their
    eq. for the "corrected resampled t-test"), with ``J - 1`` degrees of freedom.

    Returns ``(mean, se, t, dof, p_value, ci_low, ci_high)``.
    """
    from scipy import stats

    j = diffs.shape[0]
    mean = float(np.mean(diffs))
    se = float(np.sqrt((1.0 / j + test_fraction) * np.var(diffs, ddof=1)))
    dof = j - 1
    half = float(stats.t.ppf(0.5 + confidence / 2, dof)) * se
    if se == 0.0:
        return mean, se, None, dof, None, mean - half, mean + half
    t = mean / se
    return mean, se, t, dof, float(2 * stats.t.sf(abs(t), dof)), mean - half, mean + half


def _partition_repeats(splits: list[tuple[np.ndarray, np.ndarray]], n: int, func: str):
    """Group splits into repetitions; each must put every sample in one test fold."""
    repeats: list[list[tuple[np.ndarray, np.ndarray]]] = [[]]
    covered = np.zeros(n, dtype=bool)
    for train, test in splits:
        if covered[test].any():
            repeats.append([])
            covered[:] = False
        covered[test] = True
        repeats[-1].append((np.asarray(train), np.asarray(test)))
    counts = np.zeros((len(repeats), n), dtype=int)
    for r, folds in enumerate(repeats):
        for _, test in folds:
            counts[r, test] += 1
    if not np.all(counts == 1) or any(len(f) < 2 for f in repeats):
        raise ValueError(
            param_error(func, "cv", "a splitter whose test folds partition the samples (every "
                        "sample in exactly one test fold per repetition), as cross_val_predict "
                        "requires", "folds that do not")
        )
    return repeats


def _make_splits(cv, X, y, groups, repeats, task, stage, func):
    """Splits per repetition: given by a splitter, or seeded from the run's seed."""
    from sklearn import model_selection as ms

    if hasattr(cv, "split"):
        return _partition_repeats(list(cv.split(X, y, groups)), y.shape[0], func)
    states = [int(s.generate_state(1)[0]) for s in stage.spawn(repeats)]
    classifier = task != "regression"
    kind = {
        (True, False): ms.StratifiedKFold,
        (True, True): ms.StratifiedGroupKFold,
        (False, False): ms.KFold,
        (False, True): ms.GroupKFold,
    }[classifier, groups is not None]
    out = []
    for state in states:
        splitter = kind(n_splits=cv, shuffle=True, random_state=state)
        out.append([(tr, te) for tr, te in splitter.split(X, y, groups)])
    return out


@dataclass(frozen=True)
class _Folded:
    """Validated inputs of :func:`evaluate_folded`."""

    estimators: dict[str, Any]
    y: np.ndarray  # as given: what the estimators are fit on
    y_eval: np.ndarray  # what metrics see (binary: bool, True = positive)
    positive: Any  # binary: the label whose scores the estimators give
    task: str
    cv: Any
    groups: np.ndarray | None
    repeats: int
    metrics: tuple[Any, ...]
    pairs: tuple[tuple[str, str], ...]
    opts: BootOptions
    p_adjust: str
    root: np.random.SeedSequence
    n_jobs: int
    progress: bool


def _evaluate_folded_iv(estimators, X, y, cv, groups, repeats, metrics, reference, paired_diffs,
                        task, pos_label, n_resamples, confidence, method, p_adjust, seed, n_jobs,
                        progress):
    func = "evaluate_folded"
    if not isinstance(estimators, Mapping) or not estimators or not all(
        isinstance(k, str) and callable(getattr(v, "fit", None)) for k, v in estimators.items()
    ):
        raise ValueError(
            param_error(func, "estimators", "a non-empty dict of name -> scikit-learn estimator",
                        estimators)
        )
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] < 4:
        raise ValueError(param_error(func, "y", "a 1-D array of at least 4 targets",
                                     f"shape {y.shape}"))
    task = (detect_task([y], func, list(estimators.values())) if task is None
            else check_option(task, func, "task", TASKS))
    # Estimators are unfitted: the classes are those of y, sorted as classes_ will be.
    (y_eval,), positive, labels = check_classes(task, [y], pos_label, None, None, func, "y")
    if not hasattr(cv, "split"):
        cv = check_int(cv, func, "cv", low=2)
    repeats = check_int(repeats, func, "repeats", low=1)
    if hasattr(cv, "split") and repeats != 1:
        raise ValueError(param_error(func, "repeats", "1 when cv is a splitter (use a repeated "
                                     "splitter such as RepeatedStratifiedKFold)", repeats))
    if groups is not None:
        groups = np.asarray(groups)
        if groups.shape != y.shape:
            raise ValueError(param_error(func, "groups", f"a 1-D array of length {y.shape[0]}",
                                         f"shape {groups.shape}"))
    n_jobs = check_n_jobs(n_jobs, func)
    if n_jobs != 1:
        for name, est in estimators.items():
            sniff_pickle(est, f"estimator {name!r} ({type(est).__qualname__})", func)
    return _Folded(
        estimators=dict(estimators), y=y, y_eval=y_eval, positive=positive, task=task, cv=cv,
        groups=groups, repeats=repeats,
        metrics=check_metrics(metrics, task, func),
        pairs=check_pairs(reference, paired_diffs, list(estimators), func),
        opts=BootOptions(check_int(n_resamples, func, "n_resamples", low=1),
                         check_open_unit(confidence, func, "confidence"),
                         check_option(method, func, "method", CI_METHODS), record=False,
                         labels=labels),
        p_adjust=check_option(p_adjust, func, "p_adjust", P_ADJUST_METHODS),
        root=fresh_root(check_seed(seed, func)),
        n_jobs=n_jobs,
        progress=check_bool(progress, func, "progress"),
    )


def _fit_all(v: _Folded, X: Any, splits: list) -> dict[str, np.ndarray]:
    """Fit every (model, repetition, fold) in parallel; out-of-fold predictions per model."""
    names = list(v.estimators)
    flat = [(r, f, tr, te) for r, folds in enumerate(splits) for f, (tr, te) in enumerate(folds)]
    items = [(i, tr, te) for i in range(len(names)) for _, _, tr, te in flat]
    with shipped_features([X], v.n_jobs) as (shipped,):
        step = functools.partial(fit_step, tuple(v.estimators.values()), shipped, v.y,
                                 v.task, v.positive)
        preds = parallel_map(step, items, n_jobs=v.n_jobs, description="fold fits",
                             progress=v.progress)
    n, oof = v.y.shape[0], {}
    for i, name in enumerate(names):
        per_model = preds[i * len(flat):(i + 1) * len(flat)]
        out = np.empty((len(splits), n, *per_model[0].shape[1:]))
        for (r, _, _, te), p in zip(flat, per_model):
            out[r, te] = p
        oof[name] = out
    return oof


def _fold_rows(v: _Folded, splits: list, oof: dict) -> tuple[list[ResultRow], dict]:
    """Metric of every model on every test fold (and the values, for the t-test)."""
    rows, values = [], {}
    for name, pred in oof.items():
        for metric in v.metrics:
            label = metric_label(metric)
            vals = []
            for r, folds in enumerate(splits):
                for f, (_, te) in enumerate(folds):
                    value = point_value(metric, v.y_eval[te], pred[r, te], v.task,
                                        labels=v.opts.labels)
                    vals.append(value)
                    rows.append(ResultRow(kind="fold_metric", model=name, slice=OOF_SLICE,
                                          metric=label, estimate=value, n=int(te.shape[0]),
                                          fold=f, repeat=r))
            values[name, label] = np.array(vals)
    return rows, values


def _ttest_rows(v: _Folded, splits: list, values: dict) -> list[ResultRow]:
    n = v.y.shape[0]
    # n_test / n_train, averaged over folds (equal up to rounding for k-fold)
    ratio = float(np.mean([te.shape[0] / (n - te.shape[0]) for f in splits for _, te in f]))
    rows = []
    for a, b in v.pairs:
        for metric in v.metrics:
            label = metric_label(metric)
            diffs = values[b, label] - values[a, label]
            mean, se, t, dof, p, low, high = corrected_ttest(diffs, ratio, v.opts.confidence)
            rows.append(ResultRow(kind="corrected_ttest", model=b, reference=a, slice=OOF_SLICE,
                                  metric=label, estimate=mean, ci_low=low, ci_high=high,
                                  confidence=v.opts.confidence, method="t", n=n,
                                  std_error=se, p_value=p, statistic=t, dof=dof))
    return rows


def _pooled_rows(v: _Folded, oof: dict, stages: list) -> list[ResultRow]:
    """Bootstraps of the pooled out-of-fold predictions (repetitions stacked).

    With several repetitions every sample appears once per repetition; the
    stacked rows are resampled by sample (cluster bootstrap with the sample,
    or the user's group, as cluster), so repetitions never pass for new data.
    """
    repeats, y = len(next(iter(oof.values()))), v.y_eval
    y_stack = np.tile(y, repeats)
    groups: np.ndarray | None
    if v.groups is not None:
        groups = np.tile(v.groups, repeats)
    else:
        groups = np.tile(np.arange(y.shape[0]), repeats) if repeats > 1 else None
    stack = {m: p.reshape(repeats * y.shape[0], *p.shape[2:]) for m, p in oof.items()}
    names, k = list(oof), len(v.metrics)
    labels = [metric_label(m) for m in v.metrics]
    seeds = stages[0].spawn(len(names))  # one per model: its metrics share one draw
    items: list[tuple] = [
        (y_stack, stack[m], groups, v.metrics, seeds[i], f"evaluate_folded: model {m!r}")
        for i, m in enumerate(names)
    ]
    step = functools.partial(metric_step, v.opts)
    rows = []
    for i, out in enumerate(parallel_map(step, items, n_jobs=v.n_jobs,
                                         description="metric bootstraps",
                                         progress=v.progress)):
        rows += outcome_rows("metric", out, [seeds[i]] * k, labels, model=names[i],
                             slice=OOF_SLICE)
    seeds = stages[1].spawn(len(v.pairs))
    items = [(y_stack, stack[a], stack[b], groups, v.metrics, seeds[i],
              f"evaluate_folded: {b!r} - {a!r}") for i, (a, b) in enumerate(v.pairs)]
    step = functools.partial(diff_step, v.opts)
    for i, out in enumerate(parallel_map(step, items, n_jobs=v.n_jobs,
                                         description="paired differences",
                                         progress=v.progress)):
        a, b = v.pairs[i]
        rows += outcome_rows("diff", out, [seeds[i]] * k, labels, model=b, reference=a,
                             slice=OOF_SLICE)
    return rows


def evaluate_folded(
    estimators: Mapping[str, Any],
    X: Any,
    y: Any,
    *,
    cv: int | Any = 5,
    groups: Any = None,
    repeats: int = 1,
    metrics: Sequence[Any] | None = None,
    reference: str | None = None,
    paired_diffs: Sequence[tuple[str, str]] | None = None,
    task: str | None = None,
    pos_label: Any = None,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    method: str = "percentile",
    p_adjust: str = "holm",
    seed: int | np.random.SeedSequence = 42,
    n_jobs: int = 1,
    progress: bool = False,
) -> FoldedRunResult:
    """Cross-validated comparison: fold fits in parallel, out-of-fold bootstrap, corrected t-test.

    A clone of every estimator is fit on every training fold of every
    repetition (all fits in parallel); its predictions on the test fold
    make the out-of-fold predictions.  The result holds

    * ``"fold_metric"`` rows: each metric on each test fold;
    * ``"metric"`` and ``"diff"`` rows: bootstraps of the pooled out-of-fold
      predictions (slice ``"out-of-fold"``); they describe *these fitted
      models*' predictions and treat the folds' models as one;
    * ``"corrected_ttest"`` rows: the Nadeau & Bengio (2003) corrected
      resampled t-test of each paired difference over folds, which accounts
      for the variability of training sets as well (a question about the
      *learning algorithm*).

    Parameters
    ----------
    estimators : dict of str to estimator
        Unfitted scikit-learn estimators (cloned per fold).
    X : array-like, sparse matrix or DataFrame
        Features.  With ``n_jobs != 1`` numpy arrays are memory-mapped once;
        a DataFrame is written once to a temporary file that workers reload.
    y : array-like of shape (n,)
        Targets.
    cv : int or splitter, default=5
        Number of folds, or a scikit-learn splitter whose test folds
        partition the samples (``KFold``, ``RepeatedStratifiedKFold``, ...).
        An int gives ``StratifiedKFold`` for classification (as
        ``cross_validate``), ``KFold`` for regression, their group variants
        with ``groups``; always shuffled, seeded from ``seed``.
    groups : array-like of shape (n,), optional
        Groups for the splitter; the pooled bootstrap then resamples groups.
    repeats : int, default=1
        Repetitions with different shuffles (int ``cv`` only).
    metrics, reference, paired_diffs, task, n_resamples, confidence, method
        As in :func:`~eval_toolkit.harness.evaluate`.
    pos_label : object, optional
        Binary only: the positive class, needed unless ``y`` is {0, 1},
        {-1, 1} or bool; estimators are fit on ``y`` as given and their
        scores read for this class.  (Multiclass runs use the sorted classes
        of ``y``, the fitted estimators' ``classes_``.)
    p_adjust, seed, n_jobs, progress
        As in :func:`~eval_toolkit.harness.evaluate`.

    Returns
    -------
    FoldedRunResult

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.naive_bayes import GaussianNB
    >>> from eval_toolkit.harness import evaluate_folded
    >>> X, y = make_classification(300, random_state=0)
    >>> run = evaluate_folded({"nb": GaussianNB(), "lr": LogisticRegression()}, X, y,
    ...                       metrics=["roc_auc"], reference="nb", n_resamples=200)
    >>> test = run.rows_of("corrected_ttest")[0]
    >>> test.dof, test.model, test.reference
    (4, 'lr', 'nb')
    """
    v = _evaluate_folded_iv(estimators, X, y, cv, groups, repeats, metrics, reference,
                            paired_diffs, task, pos_label, n_resamples, confidence, method,
                            p_adjust, seed, n_jobs, progress)
    stages = v.root.spawn(3)
    splits = _make_splits(v.cv, X, v.y, v.groups, v.repeats, v.task, stages[0],
                          "evaluate_folded")
    oof = _fit_all(v, X, splits)
    rows, values = _fold_rows(v, splits, oof)
    rows += _pooled_rows(v, oof, stages[1:])
    rows += _ttest_rows(v, splits, values)
    params = {
        "models": list(v.estimators),
        "n": int(v.y.shape[0]),
        "cv": repr(v.cv) if hasattr(v.cv, "split") else v.cv,
        "folds_per_repeat": [len(f) for f in splits],
        "repeats": len(splits),
        "metrics": [metric_label(m) for m in v.metrics],
        "pairs": [list(p) for p in v.pairs],
        "pos_label": pos_label.item() if isinstance(pos_label, np.generic) else pos_label,
        "n_resamples": v.opts.n_resamples,
        "confidence": v.opts.confidence,
        "method": v.opts.method,
        "p_adjust": v.p_adjust,
    }
    return FoldedRunResult(tuple(adjust_rows(rows, v.p_adjust)), v.task,
                           run_params(params, v.root), oof_predictions=oof)
