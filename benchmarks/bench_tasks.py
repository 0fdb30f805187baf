"""Benchmark: multiclass and regression paired bootstraps against a naive loop.

Run ``PYTHONPATH=. python benchmarks/bench_tasks.py`` (a few minutes on 2
cores).  Each row times, side by side in one process and with ``n_jobs=1``,
2,000 paired resamples of B - A:

* ``eval_toolkit.paired_bootstrap_diff(..., method="percentile")``;
* a naive Python loop: index resampling, then the ``sklearn.metrics``
  function on both models' predictions of every resample, percentile CI;
* the **exact-work floor** of any index bootstrap: drawing the 2,000 x n
  indices (one ``SeedSequence`` child per block of 64, as the package) and
  folding them into counts with one ``bincount`` per block, no metric
  (``bench_bootstrap.exact_work_floor``);
* the package's own **draws** alone, in its blocks of 64 and chunks: the
  cell counts of the joint cells of ``(y, a, b)`` (for 10-class labels a
  multinomial over the ~400 joint cells, cheaper than the floor; otherwise n
  indices folded to cells), or for regression the index rows its values are
  gathered at; no metric.

``naive / floor`` is the most any exact index bootstrap can gain over the
naive loop, and ``naive / draws`` the most the package's sampler allows; the
larger of the two is the row's ceiling: a target above it cannot be met by
shortening anything but the draws (the result then says so).

The naive loop is timed on ``--baseline-resamples`` resamples (default 100)
and scaled linearly to 2,000 (it costs the same per resample).  The four
timings of a row are taken in turn, repeat by repeat, so that load from other
processes hits them alike; times are medians over ``--repeats`` runs
(default 5).  Rows: macro F1 with 10 classes and one-vs-rest macro ROC AUC
with 5 classes (n = 10,000), MAE, RMSE and R^2 (n = 100,000), and the binary
paired ROC AUC (n = 10,000) as the regression guard.  The data come from a
fixed seed: two correlated models of accuracy ~0.8 (multiclass), two noisy
predictors of a normal target (regression).  This is a benchmark, not a test:
it prints PASS/FAIL against the targets and never fails.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from bench_bootstrap import exact_work_floor
from sklearn import metrics

from eval_toolkit import paired_bootstrap_diff
from eval_toolkit._resample import BLOCK_SIZE, build_cells

N_RESAMPLES = 2000


@dataclass(frozen=True)
class Case:
    name: str
    n: int
    metric: str
    reference: Callable[..., float]
    target: float
    data: Callable[[int], tuple[np.ndarray, np.ndarray, np.ndarray]]
    gathers: bool = False  # the package resamples index rows (regression), not counts


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
    Case("paired MAE", 100_000, "mae", metrics.mean_absolute_error, 30, _regression, gathers=True),
    Case("paired RMSE", 100_000, "rmse", metrics.root_mean_squared_error, 30, _regression,
         gathers=True),
    Case("paired R^2", 100_000, "r2", metrics.r2_score, 30, _regression, gathers=True),
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


def package_draws(y, a, b, n_resamples: int, gathers: bool) -> int:
    """The package's sampler alone on the joint cells of (y, a, b): no metric.

    Counts per cell, or with ``gathers`` the index rows (no bincount): the
    draws the package's regression path gathers values at.
    """
    columns = [np.asarray(y, dtype=np.float64)]
    for pred in (a, b):
        columns += list(np.asarray(pred, dtype=np.float64).reshape(y.shape[0], -1).T)
    table, _ = build_cells(columns, None)
    full, rest = divmod(n_resamples, BLOCK_SIZE)
    total = 0
    for child in np.random.SeedSequence(0).spawn(full + bool(rest)):
        rng = np.random.default_rng(child)
        for start in range(0, BLOCK_SIZE, table.chunk_rows()):
            rows = min(table.chunk_rows(), BLOCK_SIZE - start)
            draw = table.draw_indices if gathers else table.draw_counts
            total += int(draw(rng, rows)[0, 0])
    return total


def _seconds(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def time_case(case: Case, repeats: int, baseline: int) -> dict[str, float]:
    """Median seconds of each timing of a row, taken in turn repeat by repeat."""
    y, a, b = case.data(case.n)
    fns = {
        "ours": functools.partial(paired_bootstrap_diff, y, a, b, case.metric,
                                  n_resamples=N_RESAMPLES, method="percentile"),
        "naive": functools.partial(naive, y, a, b, case.reference, baseline),
        "floor": functools.partial(exact_work_floor, case.n, N_RESAMPLES,
                                   np.random.SeedSequence(0)),
        "draws": functools.partial(package_draws, y, a, b, N_RESAMPLES, case.gathers),
    }
    for fn in fns.values():  # warm-up: imports, first allocations
        if fn.func is not naive:
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            times[name].append(_seconds(fn))
    out = {name: statistics.median(values) for name, values in times.items()}
    out["naive"] *= N_RESAMPLES / baseline
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--baseline-resamples", type=int, default=100)
    args = parser.parse_args(argv)
    print(f"load average at start: {os.getloadavg()}")
    rows = [(case, time_case(case, args.repeats, args.baseline_resamples)) for case in CASES]
    header = (f"{'case':38s} {'n':>8s} {'ours s':>7s} {'naive s*':>9s} {'floor s':>8s} "
              f"{'draws s':>8s} {'naive/ours':>10s} {'naive/floor':>11s} {'naive/draws':>11s} "
              f"{'ours/floor':>10s} {'target':>7s}  result")
    print(header)
    print("-" * len(header))
    for case, t in rows:
        ratio = t["naive"] / t["ours"]
        ceiling = t["naive"] / min(t["floor"], t["draws"])
        verdict = "PASS" if ratio >= case.target else (
            "FAIL" if ceiling >= case.target else "FAIL (target above the ceiling)")
        print(f"{case.name:38s} {case.n:8,d} {t['ours']:7.3f} {t['naive']:9.2f} "
              f"{t['floor']:8.3f} {t['draws']:8.3f} {ratio:9.0f}x "
              f"{t['naive'] / t['floor']:10.0f}x {t['naive'] / t['draws']:10.0f}x "
              f"{t['ours'] / t['floor']:9.2f}x {case.target:6.0f}x  {verdict}")
    print(f"* naive loop timed on {args.baseline_resamples} resamples, scaled to "
          f"{N_RESAMPLES}; medians of {args.repeats} interleaved runs; n_jobs=1.")
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
