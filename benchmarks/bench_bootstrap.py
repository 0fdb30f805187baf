"""Benchmark: eval_toolkit's paired bootstrap against a naive loop and scipy.

Run ``python benchmarks/bench_bootstrap.py`` (about 20 minutes on 2 cores) or
``python benchmarks/bench_bootstrap.py --quick`` (a smoke run of about 25
seconds).  For every sample size n and metric (paired ROC AUC, accuracy and
ECE differences, B - A) it times, side by side in the same process:

* ``eval_toolkit`` percentile and BCa intervals at ``n_jobs=1`` and
  ``n_jobs=-1``;
* a naive Python loop: index resampling, then the scikit-learn metric (or a
  plain numpy ECE with 10 uniform bins) on every resample, percentile CI;
* ``scipy.stats.bootstrap((y, a, b), stat, paired=True, vectorized=False)``
  with ``method='percentile'`` and ``method='BCa'``;
* ``eval_toolkit.delong_test``, the analytic reference for ROC AUC;
* the **exact-work floor**: drawing the same ``n_resamples x n`` bootstrap
  indices with ``Generator.integers`` (one ``SeedSequence`` child per block of
  64 resamples, as the package) and folding them into counts with one
  ``bincount`` per block (per chunk of at most 2**20 entries when a block is
  larger, as the package chunks its draws), with no metric at all.  Every
  row prints it and the package's ratio to it.

Every time is the median over ``--repeats`` runs (calls shorter than 0.2 s are
looped and averaged inside each run); the four eval_toolkit configurations of
a row are timed in turn, repeat by repeat, so that load from other processes
hits n_jobs=1 and n_jobs=-1 alike.  The slow baselines are timed on a
subset of resamples and extrapolated linearly to the full count: measured
time + (remaining resamples) x (measured cost per resample); such cells are
marked ``*``.  scipy's BCa also evaluates the statistic on all n jackknife
samples, which is timed in full where it runs and, for large n, only
estimated from the measured cost of one statistic call (the cell then says
"skipped (est. > X)", a lower bound).  Before every n_jobs=-1 run a "2-core
probe" measures how much two pure-Python processes gain over one at that
moment: on a small shared VM the second core comes and goes, and the n_jobs
gain cannot be read without it.

Data: binary labels and two correlated score vectors rounded to 3 decimals
(so with ties), from a SeedSequence child that is separate from the one that
drives the resampling.  This is a benchmark, not a test: it never fails, it
prints PASS/FAIL against the performance targets at the end.
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import joblib
import numpy as np
import scipy
import sklearn
from scipy import stats
from sklearn.metrics import accuracy_score, average_precision_score, f1_score, roc_auc_score

import eval_toolkit
from eval_toolkit import _fast_path, delong_test, paired_bootstrap_diff, paired_bootstrap_ece_diff
from eval_toolkit._parallel import parallel_map

METRICS = ("roc_auc", "average_precision", "accuracy", "f1", "ece")
FULL_SIZES = (10**3, 10**4, 10**5, 10**6)
QUICK_SIZES = (300, 1000)
QUICK_RESAMPLES, QUICK_BASELINE_RESAMPLES = 300, 30

# Streams derived from the root seed: data and resampling never share one.
_DATA_STREAM, _RESAMPLE_STREAM = 0, 1

#: Calls shorter than this are looped inside one timed run.
_MIN_RUN_SECONDS = 0.2

#: scipy's index arrays hold batch x n entries; bound them like the package does.
_SCIPY_BATCH_ENTRIES = 2**22

_ECE_INNER_EDGES = np.linspace(0.0, 1.0, 11)[1:-1]

#: Pure-Python work of the core probe, about 0.1 s.
_SPIN_ITERATIONS = 2_000_000


# --------------------------------------------------------------------------- data


def make_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels and two correlated, tied probability scores (B a bit better than A)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_DATA_STREAM, n)))
    y = rng.random(n) < 0.4
    latent = 1.2 * y + rng.standard_normal(n)
    a = 1.0 / (1.0 + np.exp(0.5 - latent - 0.8 * rng.standard_normal(n)))
    b = 1.0 / (1.0 + np.exp(0.5 - 1.1 * latent - 0.6 * rng.standard_normal(n)))
    return y.astype(np.int64), np.round(a, 3), np.round(b, 3)


def resample_seed(n: int, seed: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(seed, spawn_key=(_RESAMPLE_STREAM, n))


# ------------------------------------------------------------ reference statistics


def roc_auc_delta(y: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    return roc_auc_score(y, b) - roc_auc_score(y, a)


def average_precision_delta(y: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    return average_precision_score(y, b) - average_precision_score(y, a)


def f1_delta(y: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    return f1_score(y, b >= 0.5) - f1_score(y, a >= 0.5)


def accuracy_delta(y: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    return accuracy_score(y, b >= 0.5) - accuracy_score(y, a >= 0.5)


def numpy_ece(y: np.ndarray, p: np.ndarray) -> float:
    """ECE with 10 uniform bins, binned as sklearn's ``calibration_curve``."""
    gap = np.bincount(np.searchsorted(_ECE_INNER_EDGES, p), weights=p - y, minlength=10)
    return float(np.abs(gap).sum() / y.shape[0])


def ece_delta(y: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    return numpy_ece(y, b) - numpy_ece(y, a)


REFERENCE_STATISTICS: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], float]] = {
    "roc_auc": roc_auc_delta,
    "average_precision": average_precision_delta,
    "accuracy": accuracy_delta,
    "f1": f1_delta,
    "ece": ece_delta,
}


# ------------------------------------------------------------------ the contenders


def run_package(metric, y, a, b, *, n_resamples, method, seed, n_jobs):
    kwargs = dict(n_resamples=n_resamples, method=method, seed=seed, n_jobs=n_jobs)
    if metric == "ece":
        return paired_bootstrap_ece_diff(y, a, b, n_bins=10, strategy="uniform", **kwargs)
    return paired_bootstrap_diff(y, a, b, metric, **kwargs)


def run_package_numpy(metric, y, a, b, **kwargs):
    """The package with the compiled kernels of the ``fast`` extra switched off."""
    before = os.environ.get(_fast_path.ENV)
    os.environ[_fast_path.ENV] = "0"
    try:
        return run_package(metric, y, a, b, **kwargs)
    finally:
        if before is None:
            del os.environ[_fast_path.ENV]
        else:
            os.environ[_fast_path.ENV] = before


def counting_path() -> str:
    """Which kernels the default runs use: numba's (the ``fast`` extra) or numpy's."""
    if os.environ.get(_fast_path.ENV) == "0":
        return f"numpy only ({_fast_path.ENV}=0)"
    try:
        import numba
    except ImportError:
        return "numpy only (numba not installed)"
    return f"compiled kernels of the fast extra (numba {numba.__version__})"


def run_naive(stat, y, a, b, *, n_resamples, seed):
    """Index resampling in a Python loop, percentile CI: (delta, low, high, deltas)."""
    rng = np.random.default_rng(seed)
    n = y.shape[0]
    point = stat(y, a, b)
    deltas = np.empty(n_resamples)
    for r in range(n_resamples):
        idx = rng.integers(0, n, n)
        deltas[r] = stat(y[idx], a[idx], b[idx])
    low, high = np.percentile(deltas, [2.5, 97.5])
    return point, low, high, deltas


def run_scipy(stat, y, a, b, *, n_resamples, method, seed):
    batch = max(1, min(n_resamples, _SCIPY_BATCH_ENTRIES // y.shape[0]))
    return stats.bootstrap(
        (y, a, b), stat, paired=True, vectorized=False, method=method,
        n_resamples=n_resamples, batch=batch, rng=np.random.default_rng(seed),
    )


#: Entries per bincount of the floor when a 64-resample block is larger (the
#: package's own CHUNK_ENTRIES: one block of 64 x 1e6 indices would need 1 GB).
_FLOOR_CHUNK_ENTRIES = 2**20


def exact_work_floor(n: int, n_resamples: int, seed: np.random.SeedSequence) -> int:
    """Draw the bootstrap indices and count them, one bincount per block: no metric.

    The unavoidable work of any index-resampling bootstrap of n samples; the
    package must at least do this (its draws are these draws).
    """
    full, rest = divmod(n_resamples, 64)
    sizes = [64] * full + ([rest] if rest else [])
    step = max(1, min(64, _FLOOR_CHUNK_ENTRIES // n))
    total = 0
    for child, rows in zip(np.random.SeedSequence(seed.entropy, spawn_key=seed.spawn_key)
                           .spawn(len(sizes)), sizes):
        rng = np.random.default_rng(child)
        for start in range(0, rows, step):
            size = min(step, rows - start)
            idx = rng.integers(0, n, size=(size, n))
            idx += (np.arange(size) * n)[:, None]
            total += int(np.bincount(idx.ravel(), minlength=size * n)[0])
    return total


# ------------------------------------------------------------------------- timing


def _timed(fn: Callable[[], object], loops: int) -> tuple[float, float, object]:
    """Wall and CPU time (of this process) per call, and the last result."""
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(loops):
        result = fn()
    return (time.perf_counter() - start) / loops, (time.process_time() - cpu) / loops, result


def median_times(
    fns: dict[object, Callable[[], object]],
    repeats: int,
    prepare: Callable[[object], None] | None = None,
) -> dict[object, tuple[float, object, float]]:
    """Median wall time of one call of each function, its last result, median CPU time.

    The CPU time is this process's only (meaningless for n_jobs != 1); on a
    loaded machine it is the steadier measure of in-process work, since wall
    time also counts the time other processes held the core.

    The functions are timed in turn, repeat by repeat, so that a burst of
    load from other processes hits all of them alike (their ratios are what
    the benchmark reports).  A call shorter than ``_MIN_RUN_SECONDS`` is looped
    within each run, after one untimed call, so that timer resolution and
    scheduler noise do not dominate; a longer call is timed as is, the first
    call included.  ``prepare(key)`` runs untimed before each run.
    """
    runs: dict[object, list[float]] = {key: [] for key in fns}
    cpu_runs: dict[object, list[float]] = {key: [] for key in fns}
    loops, results = {}, {}
    for key, fn in fns.items():
        if prepare:
            prepare(key)
        first, first_cpu, results[key] = _timed(fn, 1)
        loops[key] = 1 if first >= _MIN_RUN_SECONDS else math.ceil(
            _MIN_RUN_SECONDS / max(first, 1e-7)
        )
        if loops[key] == 1:
            runs[key].append(first)
            cpu_runs[key].append(first_cpu)
    for _ in range(repeats):
        for key, fn in fns.items():
            if len(runs[key]) < repeats:
                if prepare:
                    prepare(key)
                seconds, cpu, results[key] = _timed(fn, loops[key])
                runs[key].append(seconds)
                cpu_runs[key].append(cpu)
    return {
        key: (statistics.median(runs[key]), results[key], statistics.median(cpu_runs[key]))
        for key in fns
    }


def median_time(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    """Median wall time of one ``fn()`` call and its result (see :func:`median_times`)."""
    return median_times({None: fn}, repeats)[None][:2]


def _spin(iterations: int) -> int:
    total = 0
    for i in range(iterations):
        total += i
    return total


def core_probe() -> float:
    """Throughput gain of two pure-Python worker processes over one, right now.

    About 2 when both cores are free; about 1 when other load (or the
    hypervisor of a shared VM) leaves only one.  No n_jobs=2 run can beat it.
    """
    def run(k: int) -> None:
        # Through the package's own helper: loky keeps its worker pool only
        # for identical settings, and the package's pool has an initializer
        # (workers exit with their parent), so a plain joblib.Parallel here
        # would shut it down and make the next n_jobs=-1 run start a new one
        # (2.2-2.6 s on the loaded benchmark machine).
        parallel_map(_spin, [_SPIN_ITERATIONS] * k, n_jobs=2, description="core probe")

    one = _timed(lambda: run(1), 1)[0]
    two = _timed(lambda: run(2), 1)[0]
    return 2 * one / two


@dataclass
class Timing:
    """A measured or extrapolated time, or a skipped measurement with an estimate."""

    seconds: float
    extrapolated_from: int | None = None  # resamples actually timed
    skipped: bool = False

    def text(self) -> str:
        if self.skipped:
            return f"skipped (est. > {fmt_seconds(self.seconds)})"
        return fmt_seconds(self.seconds) + ("*" if self.extrapolated_from else "")


def extrapolate(t_sub: float, t_point: float, timed: int, total: int) -> Timing:
    """Scale a run of ``timed`` resamples to ``total``; ``t_point`` is its one-off part."""
    if timed >= total:
        return Timing(t_sub)
    per_resample = max(t_sub - t_point, 0.0) / timed
    return Timing(t_sub + (total - timed) * per_resample, extrapolated_from=timed)


def fmt_seconds(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} us"
    if seconds < 1.0:
        return f"{seconds * 1e3:.3g} ms"
    if seconds < 120.0:
        return f"{seconds:.3g} s"
    if seconds < 7200.0:
        return f"{seconds / 60:.3g} min"
    return f"{seconds / 3600:.3g} h"


def fmt_ratio(num: Timing | None, den: Timing | None) -> str:
    if num is None or den is None or num.skipped or den.skipped:
        return "n/a"
    ratio = float(f"{num.seconds / den.seconds:.3g}")  # 3 significant digits
    text = f"{ratio:,.0f}x" if ratio >= 1000 else f"{ratio:g}x"
    return text + ("*" if num.extrapolated_from or den.extrapolated_from else "")


# ------------------------------------------------------------------ measurements


@dataclass
class Row:
    metric: str
    n: int
    package: dict[tuple[str, int], Timing] = field(default_factory=dict)
    results: dict[tuple[str, int], object] = field(default_factory=dict)
    probes: list[float] = field(default_factory=list)  # core_probe() before n_jobs=-1 runs
    floor: Timing | None = None
    floor_cpu: float = math.nan  # CPU seconds of the floor, and of pct n_jobs=1 below
    package_cpu: float = math.nan
    naive: Timing | None = None
    scipy_pct: Timing | None = None
    scipy_bca: Timing | None = None
    baseline_resamples: int = 0

    def ratio(self, name: str) -> float | None:
        """Speed-up of the package (n_jobs=1) over a baseline, or of n_jobs=-1 over 1."""
        pairs = {
            "naive": (self.naive, ("percentile", 1)),
            "scipy_pct": (self.scipy_pct, ("percentile", 1)),
            "scipy_bca": (self.scipy_bca, ("bca", 1)),
            "jobs_pct": (self.package[("percentile", 1)], ("percentile", -1)),
            "jobs_bca": (self.package[("bca", 1)], ("bca", -1)),
        }
        if name == "floor":  # package time over the floor: lower is better
            return self.package[("percentile", 1)].seconds / self.floor.seconds
        baseline, key = pairs[name]
        if baseline is None or baseline.skipped:
            return None
        return baseline.seconds / self.package[key].seconds


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def warm_up(metrics: Sequence[str], seed: int) -> None:
    """Import everything and start the loky pool outside any timed region."""
    y, a, b = make_data(1000, seed)
    for metric in metrics:
        for n_jobs in (1, -1):
            run_package(metric, y, a, b, n_resamples=128, method="bca", seed=seed,
                        n_jobs=n_jobs)
        run_naive(REFERENCE_STATISTICS[metric], y, a, b, n_resamples=4, seed=seed)
        run_scipy(REFERENCE_STATISTICS[metric], y, a, b, n_resamples=4, method="percentile",
                  seed=seed)
    delong_test(y, a, b)
    keep_pool_warm(seed)


def keep_pool_warm(seed: int) -> None:
    """The loky pool shuts down after idling; restart it before timing n_jobs=-1.

    Through the package's own helper (a small bootstrap would run in process,
    without the pool: see IN_PROCESS_ENTRIES), so the pool has its settings.
    """
    parallel_map(_spin, [seed % 1000] * 4, n_jobs=-1, description="warm-up")


def baseline_resamples(n: int, n_resamples: int, override: int | None) -> int:
    """Resamples actually run by the slow baselines: 200 up to n = 1e4, fewer above."""
    if override is not None:
        return min(override, n_resamples)
    return min(n_resamples, int(np.clip(10**7 // n, 20, 200)))


def measure_row(metric, y, a, b, args, seed) -> Row:
    n, n_res = y.shape[0], args.resamples
    row = Row(metric, n)
    fns = {
        (method, n_jobs): functools.partial(
            run_package, metric, y, a, b, n_resamples=n_res, method=method, seed=seed,
            n_jobs=n_jobs,
        )
        for method in ("percentile", "bca")
        for n_jobs in (1, -1)
    }
    # The floor is timed in the same rotation, so that load hits it alike.
    fns[("floor", 1)] = functools.partial(exact_work_floor, n, n_res, seed)
    fns[("numpy", 1)] = functools.partial(
        run_package_numpy, metric, y, a, b, n_resamples=n_res, method="percentile", seed=seed,
        n_jobs=1,
    )

    def prepare(key: tuple[str, int]) -> None:
        if key[1] != 1:
            keep_pool_warm(args.seed)
            row.probes.append(core_probe())

    timed = median_times(fns, args.repeats, prepare=prepare)
    floor_wall, _, row.floor_cpu = timed.pop(("floor", 1))
    row.floor = Timing(floor_wall)
    row.package_cpu = timed[("percentile", 1)][2]
    log(f"  {metric} n={n} exact-work floor: {fmt_seconds(row.floor.seconds)}")
    for key, (t, result, _) in timed.items():
        row.package[key] = Timing(t)
        row.results[key] = result
        log(f"  {metric} n={n} eval_toolkit {key[0]} n_jobs={key[1]}: {fmt_seconds(t)}")
    # Both paths must give the same distribution bit for bit; a difference is a bug.
    if not np.array_equal(row.results[("numpy", 1)].distribution,
                          row.results[("percentile", 1)].distribution):
        raise SystemExit(f"{metric} n={n}: the numpy path's distribution differs from the "
                         "default path's")
    log(f"  {metric} n={n} core probes: {', '.join(f'{p:.2f}' for p in row.probes)}; "
        f"load average {os.getloadavg()[0]:.2f}")

    stat = REFERENCE_STATISTICS[metric]
    sub = baseline_resamples(n, n_res, args.baseline_resamples)
    row.baseline_resamples = sub
    t_stat, _ = median_time(lambda: stat(y, a, b), args.repeats)
    t_naive, _ = median_time(
        lambda: run_naive(stat, y, a, b, n_resamples=sub, seed=seed), args.repeats
    )
    row.naive = extrapolate(t_naive, t_stat, sub, n_res)
    log(f"  {metric} n={n} naive loop ({sub} resamples): {fmt_seconds(t_naive)}")
    t_pct, _ = median_time(
        lambda: run_scipy(stat, y, a, b, n_resamples=sub, method="percentile", seed=seed),
        args.repeats,
    )
    row.scipy_pct = extrapolate(t_pct, t_stat, sub, n_res)
    log(f"  {metric} n={n} scipy percentile ({sub} resamples): {fmt_seconds(t_pct)}")
    per_resample = max(t_pct - t_stat, 0.0) / sub
    if n <= args.scipy_bca_max_n:
        t_bca, _ = median_time(
            lambda: run_scipy(stat, y, a, b, n_resamples=sub, method="BCa", seed=seed),
            args.repeats,
        )
        # The jackknife part was run in full; only the resamples are extrapolated.
        row.scipy_bca = Timing(
            t_bca + (n_res - sub) * per_resample,
            extrapolated_from=sub if sub < n_res else None,
        )
        log(f"  {metric} n={n} scipy BCa ({sub} resamples): {fmt_seconds(t_bca)}")
    else:
        # n jackknife calls on n - 1 samples plus the resamples: a lower bound.
        row.scipy_bca = Timing(n * t_stat + n_res * per_resample, skipped=True)
    return row


@dataclass
class DeLongRow:
    n: int
    seconds: float
    ci: tuple[float, float]
    bootstrap: Row | None  # the ROC AUC row of the same n, if measured


def measure_delong(y, a, b, args, roc_row: Row | None) -> DeLongRow:
    t, res = median_time(lambda: delong_test(y, a, b), max(args.repeats, 5))
    log(f"  delong_test n={y.shape[0]}: {fmt_seconds(t)}")
    return DeLongRow(y.shape[0], t, (res.ci_low, res.ci_high), roc_row)


# --------------------------------------------------------------- sanity check


def _quantile_mc_se(distribution: np.ndarray, q: float) -> float:
    """Monte Carlo SE of a bootstrap quantile (normal density approximation)."""
    sd = float(np.std(distribution, ddof=1))
    density = stats.norm.pdf(stats.norm.ppf(q)) / sd
    return math.sqrt(q * (1 - q) / distribution.shape[0]) / density


def sanity_check(sizes: Sequence[int], metrics: Sequence[str], args) -> str:
    """Package vs naive loop, full resample count: same delta, CI within MC error."""
    n = min(sizes, key=lambda s: abs(math.log(s / 10**4)))
    y, a, b = make_data(n, args.seed)
    seed = resample_seed(n, args.seed)
    parts, ok = [], True
    for metric in metrics:
        pkg = run_package(metric, y, a, b, n_resamples=args.resamples, method="percentile",
                          seed=seed, n_jobs=1)
        point, low, high, _ = run_naive(
            REFERENCE_STATISTICS[metric], y, a, b, n_resamples=args.resamples, seed=seed
        )
        # Two independent Monte Carlo estimates of each endpoint: SE times sqrt(2).
        se = [math.sqrt(2) * _quantile_mc_se(pkg.distribution, q) for q in (0.025, 0.975)]
        gap = max(abs(pkg.ci_low - low) / se[0], abs(pkg.ci_high - high) / se[1])
        same_point = math.isclose(pkg.delta, point, rel_tol=1e-9, abs_tol=1e-12)
        ok &= same_point and gap <= 4.0
        parts.append(
            f"{metric} delta {pkg.delta:+.5f} {'==' if same_point else '!='} {point:+.5f}, "
            f"CI [{pkg.ci_low:+.4f}, {pkg.ci_high:+.4f}] vs [{low:+.4f}, {high:+.4f}] "
            f"(max gap {gap:.2f} MC SE)"
        )
    verdict = "OK" if ok else "MISMATCH"
    return (f"Sanity check vs naive loop (n={n}, {args.resamples} resamples each): "
            + "; ".join(parts) + f" -> {verdict}")


# -------------------------------------------------------------------- targets


@dataclass
class Target:
    label: str
    metric: str
    n: int
    ratio: str  # key of Row.ratio
    need: float
    at_most: bool = False  # the ratio must stay below ``need`` (times over the floor)


TARGETS = (
    # Issue 13: the exact-work floor, measured in the same run.
    Target("ROC AUC percentile / floor, n=1e4, n_jobs=1", "roc_auc", 10**4, "floor", 1.5, True),
    Target("average precision percentile / floor, n=1e4, n_jobs=1", "average_precision",
           10**4, "floor", 1.5, True),
    Target("ROC AUC percentile / floor, n=1e6, n_jobs=1", "roc_auc", 10**6, "floor", 1.5, True),
    Target("ECE percentile / floor, n=1e4, n_jobs=1", "ece", 10**4, "floor", 2.0, True),
    Target("ECE percentile / floor, n=1e6, n_jobs=1", "ece", 10**6, "floor", 2.0, True),
    Target("ROC AUC percentile n_jobs=2 vs n_jobs=1, n=1e6", "roc_auc", 10**6, "jobs_pct", 1.8),
    Target("accuracy percentile vs naive loop, n=1e4, n_jobs=1", "accuracy", 10**4, "naive", 500),
    Target("F1 percentile vs naive loop, n=1e4, n_jobs=1", "f1", 10**4, "naive", 500),
    # Earlier targets (issue 3).
    Target("ROC AUC percentile vs naive loop, n=1e4, n_jobs=1", "roc_auc", 10**4, "naive", 30),
    Target("ROC AUC percentile vs scipy percentile, n=1e4, n_jobs=1", "roc_auc", 10**4,
           "scipy_pct", 30),
    Target("ROC AUC BCa vs scipy BCa, n=1e4, n_jobs=1", "roc_auc", 10**4, "scipy_bca", 100),
    Target("ROC AUC BCa n_jobs=2 vs n_jobs=1, n=1e6", "roc_auc", 10**6, "jobs_bca", 1.7),
    Target("ECE percentile n_jobs=2 vs n_jobs=1, n=1e6", "ece", 10**6, "jobs_pct", 1.7),
)

#: Small-problem latency (issue 13): one paired comparison, end to end.
LATENCY_N, LATENCY_RESAMPLES, LATENCY_TARGET = 1000, 1000, 0.030


def target_lines(rows: Sequence[Row]) -> list[str]:
    by_key = {(r.metric, r.n): r for r in rows}
    lines = []
    for target in TARGETS:
        row = by_key.get((target.metric, target.n))
        ratio = row.ratio(target.ratio) if row else None
        if ratio is None:
            lines.append(f"n/a   {target.label}: not measured in this run")
            continue
        met = ratio <= target.need if target.at_most else ratio >= target.need
        probe = (f"; 2-core probe {statistics.median(row.probes):.2f}x"
                 if target.ratio.startswith("jobs") else "")
        if target.ratio == "floor":
            probe = f"; {row.package_cpu / row.floor_cpu:.3g}x in CPU time"
        bound = "<=" if target.at_most else ">="
        lines.append(
            f"{'PASS' if met else 'FAIL'}  {target.label}: {ratio:.3g}x "
            f"(target {bound} {target.need:g}x{probe})"
        )
    return lines


def latency_line(seed: int, repeats: int) -> str:
    """Median wall time of a small paired comparison, end to end (validation included)."""
    y, a, b = make_data(LATENCY_N, seed)
    t, _ = median_time(
        lambda: paired_bootstrap_diff(y, a, b, "roc_auc", n_resamples=LATENCY_RESAMPLES,
                                      seed=seed),
        max(repeats, 5),
    )
    # CPU time too: on a loaded machine wall time of a 20 ms call is mostly waiting.
    cpu = []
    for _ in range(max(repeats, 5)):
        start = time.process_time()
        paired_bootstrap_diff(y, a, b, "roc_auc", n_resamples=LATENCY_RESAMPLES, seed=seed)
        cpu.append(time.process_time() - start)
    verdict = "PASS" if t <= LATENCY_TARGET else "FAIL"
    return (f"{verdict}  paired ROC AUC, n={LATENCY_N:,}, {LATENCY_RESAMPLES:,} resamples, end to "
            f"end: {fmt_seconds(t)} wall, {fmt_seconds(statistics.median(cpu))} CPU "
            f"(target <= {fmt_seconds(LATENCY_TARGET)} wall)")


# --------------------------------------------------------------------- tables

MAIN_HEADER = (
    "metric", "n", "floor", "pct j=1", "pct / floor", "pct / floor CPU", "BCa / floor",
    "numpy pct j=1", "numpy / floor", "pct j=-1", "BCa j=1",
    "BCa j=-1", "naive loop (pct)",
    "scipy pct", "scipy BCa", "vs naive", "vs scipy pct", "vs scipy BCa", "j=-1 gain pct",
    "j=-1 gain BCa", "2-core probe", "notes",
)


def main_table(rows: Sequence[Row], n_resamples: int) -> list[list[str]]:
    body = []
    for r in rows:
        p = r.package
        extrapolated = r.baseline_resamples < n_resamples
        note = f"* extrapolated from {r.baseline_resamples} resamples" if extrapolated else ""
        body.append([
            r.metric, f"{r.n:,}", r.floor.text(),
            p[("percentile", 1)].text(),
            fmt_ratio(p[("percentile", 1)], r.floor),
            fmt_ratio(Timing(r.package_cpu), Timing(r.floor_cpu)),
            fmt_ratio(p[("bca", 1)], r.floor),
            p[("numpy", 1)].text(), fmt_ratio(p[("numpy", 1)], r.floor),
            p[("percentile", -1)].text(),
            p[("bca", 1)].text(), p[("bca", -1)].text(),
            r.naive.text(), r.scipy_pct.text(), r.scipy_bca.text(),
            fmt_ratio(r.naive, p[("percentile", 1)]),
            fmt_ratio(r.scipy_pct, p[("percentile", 1)]),
            fmt_ratio(r.scipy_bca, p[("bca", 1)]),
            fmt_ratio(p[("percentile", 1)], p[("percentile", -1)]),
            fmt_ratio(p[("bca", 1)], p[("bca", -1)]),
            f"{statistics.median(r.probes):.2f}x",
            note,
        ])
    return body


DELONG_HEADER = ("n", "delong_test", "bootstrap pct j=1", "bootstrap / DeLong",
                 "DeLong 95% CI", "bootstrap 95% CI")


def delong_table(rows: Sequence[DeLongRow]) -> list[list[str]]:
    body = []
    for r in rows:
        cells = [f"{r.n:,}", fmt_seconds(r.seconds), "n/a", "n/a",
                 f"[{r.ci[0]:+.4f}, {r.ci[1]:+.4f}]", "n/a"]
        if r.bootstrap is not None:
            boot_t = r.bootstrap.package[("percentile", 1)].seconds
            boot = r.bootstrap.results[("percentile", 1)]
            cells[2:4] = [fmt_seconds(boot_t), f"{boot_t / r.seconds:.3g}x"]
            cells[5] = f"[{boot.ci_low:+.4f}, {boot.ci_high:+.4f}]"
        body.append(cells)
    return body


def markdown(header: Sequence[str], body: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(header, *body)]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), rule, *(line(r) for r in body)])


def rst_grid(header: Sequence[str], body: Sequence[Sequence[str]]) -> str:
    widths = [max(1, max(len(str(c)) for c in col)) for col in zip(header, *body)]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"
    rule = lambda ch: "+" + "+".join(ch * (w + 2) for w in widths) + "+"
    out = [rule("-"), line(header), rule("=")]
    for r in body:
        out += [line(r), rule("-")]
    return "\n".join(out)


LEGEND = (
    "Times are medians over {repeats} runs of {resamples} resamples (95% CI of the paired "
    "difference B - A). 'floor': the exact-work floor, drawing the same bootstrap indices "
    "with Generator.integers and counting them with one bincount per 64-resample block "
    "(chunks of 2**20 entries when larger), no metric, timed in the same rotation as the "
    "package; 'pct / floor' and 'BCa / floor': eval_toolkit at n_jobs=1 over the floor "
    "(1.0x = nothing but the unavoidable work), in wall time; 'pct / floor CPU': the same in "
    "this process's CPU time, steadier on a loaded machine (wall time also counts waiting "
    "for a core). 'numpy pct j=1': percentile at n_jobs=1 with the compiled kernels of the "
    "fast extra switched off (EVAL_TOOLKIT_COMPILED=0; same distribution bit for bit, "
    "checked in every row), 'numpy / floor' its ratio to the floor. "
    "'pct'/'BCa': eval_toolkit percentile/BCa "
    "interval; j = n_jobs "
    "(-1 = all {cores} cores). 'vs naive' and 'vs scipy pct' compare eval_toolkit percentile "
    "at n_jobs=1, 'vs scipy BCa' compares BCa at n_jobs=1; 'j=-1 gain' is the n_jobs=1 time "
    "over the n_jobs=-1 time. '2-core probe': median, over the row's n_jobs=-1 runs, of the "
    "throughput gain of two pure-Python processes over one, measured just before each run "
    "(about 2 when both cores are free, about 1 when only one is; roughly a ceiling for "
    "the n_jobs gain). * = baseline timed on fewer resamples and extrapolated linearly "
    "(scipy BCa: its jackknife over all n samples is run in full, only the resamples are "
    "extrapolated). 'skipped (est. > X)': scipy BCa not run; X = n jackknife calls + "
    "resamples at the measured cost of one statistic call, a lower bound."
)


def package_origin() -> str:
    """Where eval_toolkit was imported from, and its git commit when known."""
    where = os.path.dirname(os.path.dirname(os.path.abspath(eval_toolkit.__file__)))
    commit = ""
    marker = os.path.join(where, "COMMIT")  # written next to a `git archive` snapshot
    if os.path.exists(marker):
        with open(marker) as f:
            commit = f.read().strip()
    else:
        try:
            commit = subprocess.run(
                ["git", "-C", where, "rev-parse", "--short", "HEAD"],
                capture_output=True, text=True, timeout=10, check=True,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
    return f"eval_toolkit {eval_toolkit.__version__} from {where}" + (
        f" (commit {commit})" if commit else ""
    )


def machine_lines() -> list[str]:
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f
                         if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    blas = {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS")}
    return [
        f"Machine: {os.cpu_count()} logical CPUs (joblib.cpu_count() = {joblib.cpu_count()}), "
        f"{model}; {platform.platform()}",
        f"Python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"scikit-learn {sklearn.__version__}, joblib {joblib.__version__}; {package_origin()}"
        + (f"; env {blas}" if blas else ""),
        f"Kernels: {counting_path()}",
        # Other processes on a 2-core machine distort every timing; say so.
        "Load average (1, 5, 15 min) at the end of the run: "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg()),
    ]


def write_rst(path, args, rows, delong_rows, check, targets) -> None:
    legend = LEGEND.format(repeats=args.repeats, resamples=args.resamples,
                           cores=joblib.cpu_count())
    parts = [
        "Paired bootstrap, 95% CI of B - A",
        "----------------------------------",
        "",
        rst_grid(MAIN_HEADER, main_table(rows, args.resamples)),
        "",
        legend,
        "",
        "DeLong test (analytic reference for ROC AUC)",
        "--------------------------------------------",
        "",
        rst_grid(DELONG_HEADER, delong_table(delong_rows)),
        "",
        "Checks and targets",
        "------------------",
        "",
        "::",
        "",
        *("    " + line for line in [*machine_lines(), check, *targets]),
        "",
    ]
    with open(path, "w") as f:
        f.write("\n".join(parts))


# ----------------------------------------------------------------------- main


def parse_sizes(text: str) -> list[int]:
    return [int(float(s)) for s in text.split(",") if s.strip()]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: n in {300, 1000}, 1 repeat, 300 resamples (30 for the "
                             "baselines)")
    parser.add_argument("--sizes", type=parse_sizes, default=None,
                        help="comma-separated sample sizes (default 1e3,1e4,1e5,1e6)")
    parser.add_argument("--repeats", type=int, default=None, help="runs per timing (default 3)")
    parser.add_argument("--resamples", type=int, default=None,
                        help="bootstrap resamples (default 2000)")
    parser.add_argument("--baseline-resamples", type=int, default=None,
                        help="resamples actually run by the naive loop and scipy "
                             "(default: 200 up to n=1e4, 100 at 1e5, 20 at 1e6)")
    parser.add_argument("--scipy-bca-max-n", type=float, default=1e4,
                        help="largest n at which scipy BCa is run (default 1e4)")
    parser.add_argument("--metrics", default=",".join(METRICS),
                        help="comma-separated subset of " + ", ".join(METRICS))
    parser.add_argument("--seed", type=int, default=20240601, help="root seed")
    parser.add_argument("--rst", metavar="FILE", help="also write the tables as RST to FILE")
    parser.add_argument("--skip-sanity", action="store_true",
                        help="skip the check against the naive loop (it runs all resamples "
                             "of the naive loop at the size closest to 1e4)")
    args = parser.parse_args(argv)
    quick = args.quick
    args.sizes = args.sizes or list(QUICK_SIZES if quick else FULL_SIZES)
    args.repeats = args.repeats or (1 if quick else 3)
    args.resamples = args.resamples or (QUICK_RESAMPLES if quick else 2000)
    if quick and args.baseline_resamples is None:
        args.baseline_resamples = QUICK_BASELINE_RESAMPLES
    args.metrics = [m.strip() for m in args.metrics.split(",")]
    unknown = set(args.metrics) - set(METRICS)
    if unknown:
        parser.error(f"unknown metrics {sorted(unknown)}; choose from {METRICS}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    log(f"sizes={args.sizes} metrics={args.metrics} repeats={args.repeats} "
        f"resamples={args.resamples}; load average {os.getloadavg()}; warming up")
    warm_up(args.metrics, args.seed)
    check = ("Sanity check skipped (--skip-sanity)" if args.skip_sanity
             else sanity_check(args.sizes, args.metrics, args))
    print(check, flush=True)

    rows, delong_rows = [], []
    for n in args.sizes:
        y, a, b = make_data(n, args.seed)
        seed = resample_seed(n, args.seed)
        log(f"n={n}: {int(y.sum())} positives, {len(np.unique(a))} / {len(np.unique(b))} "
            "distinct scores")
        for metric in args.metrics:
            rows.append(measure_row(metric, y, a, b, args, seed))
        roc_row = next((r for r in rows if r.n == n and r.metric == "roc_auc"), None)
        delong_rows.append(measure_delong(y, a, b, args, roc_row))

    targets = target_lines(rows) + [latency_line(args.seed, args.repeats)]
    legend = LEGEND.format(repeats=args.repeats, resamples=args.resamples,
                           cores=joblib.cpu_count())
    print()
    print("\n".join(machine_lines()))
    print()
    print(markdown(MAIN_HEADER, main_table(rows, args.resamples)))
    print()
    print(legend)
    print()
    print("DeLong test (analytic reference for ROC AUC):")
    print()
    print(markdown(DELONG_HEADER, delong_table(delong_rows)))
    print()
    print("Targets:")
    print("\n".join("  " + line for line in targets))
    print(f"\nTotal wall time: {fmt_seconds(time.perf_counter() - started)}")
    if args.rst:
        write_rst(args.rst, args, rows, delong_rows, check, targets)
        print(f"RST tables written to {args.rst}")
    return 0


if __name__ == "__main__":
    warnings.simplefilter("default")
    sys.exit(main())
