"""Benchmark: multiclass and regression paired bootstraps against a naive loop.

Run ``python benchmarks/bench_tasks.py`` (a few minutes on 2 cores).  Each row
times, side by side in one process and with ``n_jobs=1``, 2,000 paired
resamples of B - A:

* ``eval_toolkit.paired_bootstrap_diff(..., method="percentile")``;
* a naive Python loop: index resampling, then the ``sklearn.metrics``
  function on both models' predictions of every resample, percentile CI.

The naive loop is timed on ``--baseline-resamples`` resamples (default 100)
and scaled linearly to 2,000 (it costs the same per resample).  Times are the
median over ``--repeats`` runs.  Rows: macro F1 with 10 classes and one-vs-rest
macro ROC AUC with 5 classes (n = 10,000), MAE, RMSE and R^2 (n = 100,000),
and the binary paired ROC AUC (n = 10,000) as the regression guard.  The data
come from a fixed seed: two correlated models of accuracy ~0.8 (multiclass),
two noisy predictors of a normal target (regression).  This is a benchmark,
not a test: it prints PASS/FAIL against the targets and never fails.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn import metrics

from eval_toolkit import paired_bootstrap_diff

N_RESAMPLES = 2000


@dataclass(frozen=True)
class Case:
    name: str
    n: int
    metric: str
    reference: Callable[..., float]
    target: float
    data: Callable[[int], tuple[np.ndarray, np.ndarray, np.ndarray]]


def _multiclass_labels(n: int, classes: int = 10):
    rng = np.random.default_rng(1)
    y = rng.integers(0, classes, n)
    a = np.where(rng.random(n) < 0.8, y, rng.integers(0, classes, n))
    b = np.where(rng.random(n) < 0.85, a, rng.integers(0, classes, n))
    return y, a, b


def _multiclass_proba(n: int, classes: int = 5):
    rng = np.random.default_rng(2)
    y = rng.integers(0, classes, n)
    logits = rng.normal(size=(n, classes))
    logits[np.arange(n), y] += 1.0
    other = logits + rng.normal(scale=0.5, size=(n, classes))
    soft = [np.exp(z) / np.exp(z).sum(axis=1, keepdims=True) for z in (logits, other)]
    return y, soft[0], soft[1]


def _regression(n: int):
    rng = np.random.default_rng(3)
    y = rng.normal(size=n)
    return y, y + rng.normal(size=n), y + 0.9 * rng.normal(size=n)


def _binary(n: int):
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, n)
    latent = y + rng.normal(0, 1.2, n)
    a = np.round(1 / (1 + np.exp(-latent)), 3)
    b = np.round(1 / (1 + np.exp(-(latent + 0.3 * rng.normal(size=n)))), 3)
    return y, a, b


CASES = [
    Case("paired macro F1, 10 classes", 10_000, "f1_macro",
         lambda y, p: metrics.f1_score(y, p, average="macro"), 300, _multiclass_labels),
    Case("paired OvR macro ROC AUC, 5 classes", 10_000, "roc_auc_ovr",
         lambda y, p: metrics.roc_auc_score(y, p, multi_class="ovr"), 20, _multiclass_proba),
    Case("paired MAE", 100_000, "mae", metrics.mean_absolute_error, 30, _regression),
    Case("paired RMSE", 100_000, "rmse", metrics.root_mean_squared_error, 30, _regression),
    Case("paired R^2", 100_000, "r2", metrics.r2_score, 30, _regression),
    Case("paired ROC AUC (binary)", 10_000, "roc_auc", metrics.roc_auc_score, 40, _binary),
]


def naive(y, a, b, reference, n_resamples: int) -> np.ndarray:
    """The loop a user would write: index resampling, sklearn on both arms."""
    rng = np.random.default_rng(0)
    n = y.shape[0]
    out = np.empty(n_resamples)
    for r in range(n_resamples):
        idx = rng.integers(0, n, n)
        out[r] = reference(y[idx], b[idx]) - reference(y[idx], a[idx])
    return np.percentile(out, [2.5, 97.5])


def _median_time(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline-resamples", type=int, default=100)
    args = parser.parse_args(argv)
    rows = []
    for case in CASES:
        y, a, b = case.data(case.n)
        ours = _median_time(functools.partial(
            paired_bootstrap_diff, y, a, b, case.metric, n_resamples=N_RESAMPLES,
            method="percentile"), args.repeats)
        per = _median_time(functools.partial(
            naive, y, a, b, case.reference, args.baseline_resamples),
            args.repeats) / args.baseline_resamples
        loop = per * N_RESAMPLES
        rows.append((case, ours, loop, loop / ours))
    header = f"{'case':40s} {'n':>8s} {'eval_toolkit s':>15s} {'naive loop s*':>14s} " \
             f"{'speed-up':>9s} {'target':>7s}  result"
    print(header)
    print("-" * len(header))
    for case, ours, loop, ratio in rows:
        verdict = "PASS" if ratio >= case.target else "FAIL"
        print(f"{case.name:40s} {case.n:8,d} {ours:15.3f} {loop:14.2f} {ratio:8.0f}x "
              f"{case.target:6.0f}x  {verdict}")
    print(f"* naive loop timed on {args.baseline_resamples} resamples, scaled to "
          f"{N_RESAMPLES}; medians of {args.repeats} runs; n_jobs=1.")


if __name__ == "__main__":
    main()
