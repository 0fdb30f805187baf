"""Benchmark: ``eval_toolkit.harness.evaluate`` against a plain nested loop over sklearn.metrics.

Run ``python benchmarks/bench_harness.py`` (several minutes on 2 cores) or
``python benchmarks/bench_harness.py --quick`` (a smoke run of a few seconds).
The workload is the issue's: 4 models x 8 slices x 4 metrics (ROC AUC, average
precision, Brier score, ECE) x 1,000 bootstrap resamples, n = 20,000 rows per
slice, models given as precomputed probabilities.  Side by side in one process:

* ``evaluate(..., n_jobs=1)`` and ``evaluate(..., n_jobs=-1)`` (percentile
  intervals, the default, and BCa); the four metrics of a (model, slice)
  cell share one draw of resamples;
* the plain loop a user writes today: for every model, slice, metric and
  resample, draw row indices, call the scikit-learn metric (a numpy ECE with
  10 uniform bins, scikit-learn has none) and take percentiles at the end.  It
  is timed on ``--baseline-resamples`` resamples per cell and extrapolated
  linearly to the full count (its cost per resample is constant), marked ``*``.

Every time is the median over ``--repeats`` runs, as wall time and as CPU
time of this process (all of the work at ``n_jobs=1``; on a machine shared
with other jobs the CPU-time ratio is the steadier one).  ``--methods``
limits the interval methods run.  While ``evaluate`` runs, a
thread samples the resident memory (RSS) of this process and of every worker
process every 50 ms (the list of workers refreshed every second); the table
reports the peak of the parent and the largest
peak of any worker.  This is a benchmark, not a test: it prints the table and
PASS/FAIL against the target (>= 30x the loop at n_jobs=1) and never fails.
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import statistics
import threading
import time

import joblib
import numpy as np
import psutil
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

import eval_toolkit
from eval_toolkit.harness import EvalSlice, evaluate

METRICS = ("roc_auc", "average_precision", "brier", "ece")
TARGET_SPEEDUP = 30.0
_EDGES = np.linspace(0.0, 1.0, 11)[1:-1]


def _ece(y: np.ndarray, p: np.ndarray) -> float:
    bins = np.searchsorted(_EDGES, p, side="right")
    gap = np.bincount(bins, weights=p - y, minlength=10)
    return float(np.sum(np.abs(gap)) / y.shape[0])


NAIVE = {
    "roc_auc": roc_auc_score,
    "average_precision": average_precision_score,
    "brier": brier_score_loss,
    "ece": _ece,
}


def make_workload(n_models: int, n_slices: int, n: int, seed: int = 0):
    """Probabilities of correlated models (different noise levels) on slices of n rows."""
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
    slices, preds = [], {f"model{i}": {} for i in range(n_models)}
    for s in range(n_slices):
        y = rng.integers(0, 2, n)
        latent = y * (0.8 + 0.1 * s) + rng.normal(0, 1, n)
        slices.append(EvalSlice(f"slice{s}", None, y))
        for i, name in enumerate(preds):
            noisy = latent + rng.normal(0, 0.4 + 0.2 * i, n)
            preds[name][f"slice{s}"] = 1 / (1 + np.exp(-noisy))
    return preds, slices


def naive_loop(preds, slices, n_resamples: int, seed: int = 1) -> list[tuple[float, float]]:
    """The nested loop: models x slices x metrics x resamples, percentile intervals."""
    rng = np.random.default_rng(seed)
    out = []
    for per_slice in preds.values():
        for sl in slices:
            y, p, n = sl.y, per_slice[sl.name], sl.y.shape[0]
            for metric in METRICS:
                values = []
                for _ in range(n_resamples):
                    idx = rng.integers(0, n, n)
                    values.append(NAIVE[metric](y[idx], p[idx]))
                out.append(tuple(np.percentile(values, [2.5, 97.5])))
    return out


class PeakRSS:
    """Peak resident memory of this process and of its child processes, sampled every 50 ms."""

    def __init__(self) -> None:
        self.parent = 0
        self.worker = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        # Listing children scans every process of the machine: done once a
        # second, not every 50 ms, else the sampler's own CPU time (in this
        # process) inflated the n_jobs=1 times ~2x on a busy machine.
        me, children, tick = psutil.Process(), [], 0
        while not self._stop.is_set():
            try:
                if tick % 20 == 0:
                    children = me.children(recursive=True)
                self.parent = max(self.parent, me.memory_info().rss)
                for child in children:
                    self.worker = max(self.worker, child.memory_info().rss)
            except psutil.Error:
                children = []
            tick += 1
            self._stop.wait(0.05)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def timed(fn, repeats: int):
    """Median wall time and median CPU time of this process (all of the work at n_jobs=1)."""
    times, cpu, result = [], [], None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(times), statistics.median(cpu), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--baseline-resamples", type=int, default=10)
    parser.add_argument("--methods", nargs="+", default=["percentile", "bca"],
                        choices=["percentile", "bca"])
    args = parser.parse_args()
    n, n_resamples = (2000, 100) if args.quick else (20_000, 1000)
    preds, slices = make_workload(4, 8, n)
    cells = 4 * 8 * len(METRICS)
    print(f"eval_toolkit {eval_toolkit.__version__}, numpy {np.__version__}, "
          f"Python {platform.python_version()}, {joblib.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"workload: 4 models x 8 slices x {len(METRICS)} metrics x {n_resamples} resamples, "
          f"n = {n} per slice ({cells} intervals)\n")

    # start the worker pool once, so that no configuration pays for it
    evaluate(preds, slices[:1], metrics=["brier"], n_resamples=10, n_jobs=-1)
    base_b = min(args.baseline_resamples, n_resamples)
    t_base, c_base, _ = timed(lambda: naive_loop(preds, slices, base_b), args.repeats)
    t_naive, c_naive = t_base * n_resamples / base_b, c_base * n_resamples / base_b
    rows = [("nested loop over sklearn.metrics (percentile)", f"{t_naive:.1f}*", "1.0",
             f"{c_naive:.1f}*", "1.0", "", "")]
    for method in args.methods:
        for n_jobs in (1, -1):
            with PeakRSS() as mem:
                t, c, run = timed(functools.partial(evaluate, preds, slices,
                                                    metrics=list(METRICS),
                                                    n_resamples=n_resamples, method=method,
                                                    n_jobs=n_jobs), args.repeats)
            assert len(run.rows_of("metric")) == cells
            # CPU time of this process is all of the work only at n_jobs=1
            cpu = (f"{c:.1f}", f"{c_naive / c:.1f}") if n_jobs == 1 else ("-", "-")
            rows.append((f"evaluate, {method}, n_jobs={n_jobs}", f"{t:.1f}",
                         f"{t_naive / t:.1f}", *cpu, f"{mem.parent / 2**20:.0f}",
                         f"{mem.worker / 2**20:.0f}" if n_jobs != 1 else "-"))
    header = ("configuration", "time (s)", "speed-up", "CPU (s)", "speed-up (CPU)",
              "peak RSS parent (MiB)", "peak RSS per worker (MiB)")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))
    print(f"\n* timed on {base_b} resamples per interval, extrapolated to {n_resamples}.")
    best = max(float(r[2]) for r in rows[1:] if "n_jobs=1" in r[0])
    best_cpu = max(float(r[4]) for r in rows[1:] if "n_jobs=1" in r[0])
    verdict = "PASS" if best >= TARGET_SPEEDUP else "FAIL"
    print(f"target >= {TARGET_SPEEDUP:.0f}x the loop at n_jobs=1: best {best:.1f}x wall time, "
          f"{best_cpu:.1f}x CPU time -> {verdict} (wall); load average now "
          f"{os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
