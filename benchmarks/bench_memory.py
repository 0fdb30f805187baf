"""Benchmark: peak resident memory of a paired bootstrap, per process, for large n.

Run ``python benchmarks/bench_memory.py --n 1e7`` (add ``--dask`` for a
two-worker ``distributed.LocalCluster``).  One paired ROC AUC bootstrap
(scores rounded to 3 decimals, as in bench_bootstrap.py) runs with
``n_jobs=1`` and ``n_jobs=2`` (loky, or Dask with ``--dask``); a thread samples
the resident set size (RSS) of this process and of every descendant process
every 20 ms with psutil, and the table reports the peak of each: the caller
(data, validation, cell tables, result) and each worker (its share of the
memory-mapped tables plus its working arrays).  RSS counts memory-mapped
pages a worker touched, so pages shared through ``/dev/shm`` are counted in
every worker that read them; the sum over processes is therefore an upper
bound of the machine's use.  Memory is sampled, so a peak shorter than 20 ms
can be missed.  This is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import warnings

import numpy as np
import psutil

from eval_toolkit import paired_bootstrap_diff


def make_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.4
    latent = 1.2 * y + rng.standard_normal(n)
    a = np.round(1.0 / (1.0 + np.exp(0.5 - latent - 0.8 * rng.standard_normal(n))), 3)
    b = np.round(1.0 / (1.0 + np.exp(0.5 - 1.1 * latent - 0.6 * rng.standard_normal(n))), 3)
    return y.astype(np.int64), a, b


class PeakRss:
    """Sample the RSS of this process and its descendants until stopped."""

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.peaks: dict[int, tuple[str, int]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        me = psutil.Process()
        mine = me.cmdline()
        for proc in [me, *me.children(recursive=True)]:
            try:
                if proc.pid != me.pid and proc.cmdline() == mine:
                    # Forked, not yet exec'd (a worker starting): its RSS is
                    # the caller's pages, shared copy-on-write, not its own.
                    continue
                rss = proc.memory_info().rss
                name = "caller" if proc.pid == me.pid else " ".join(proc.cmdline()[-3:])[-40:]
            except psutil.Error:
                continue
            if rss > self.peaks.get(proc.pid, ("", 0))[1]:
                self.peaks[proc.pid] = (name, rss)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            time.sleep(self.interval)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


def measure(y, a, b, n_resamples: int, n_jobs: int, baseline: dict[int, int]) -> list[str]:
    with PeakRss() as peaks:
        start = time.perf_counter()
        result = paired_bootstrap_diff(y, a, b, "roc_auc", n_resamples=n_resamples,
                                       n_jobs=n_jobs, seed=1)
        seconds = time.perf_counter() - start
    lines = [f"  n_jobs={n_jobs}: {seconds:.1f} s, delta {result.delta:+.5f}, "
             f"CI [{result.ci_low:+.5f}, {result.ci_high:+.5f}]"]
    for pid, (name, rss) in sorted(peaks.peaks.items(), key=lambda kv: -kv[1][1]):
        before = baseline.get(pid)
        extra = f" (was {before / 2**20:,.0f} MiB before the call)" if before else ""
        lines.append(f"    pid {pid} {name:40s} peak RSS {rss / 2**20:8,.0f} MiB{extra}")
    return lines


def current_rss() -> dict[int, int]:
    me = psutil.Process()
    out = {}
    for proc in [me, *me.children(recursive=True)]:
        try:
            out[proc.pid] = proc.memory_info().rss
        except psutil.Error:
            pass
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=float, default=1e7)
    parser.add_argument("--resamples", type=int, default=256)
    parser.add_argument("--dask", action="store_true", help="n_jobs=2 on a 2-worker LocalCluster")
    parser.add_argument("--jobs", default="1,2", help="n_jobs values to run (default 1,2)")
    args = parser.parse_args()
    n = int(args.n)
    y, a, b = make_data(n)
    print(f"n = {n:,}, {args.resamples} resamples, paired ROC AUC; input arrays "
          f"{(y.nbytes + a.nbytes + b.nbytes) / 2**20:,.0f} MiB; machine RAM "
          f"{psutil.virtual_memory().total / 2**30:.1f} GiB, pid {os.getpid()}", flush=True)
    jobs = [int(j) for j in args.jobs.split(",")]
    if args.dask:
        from distributed import Client, LocalCluster
        from joblib import parallel_config

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster, \
                Client(cluster), parallel_config(backend="dask"):
            baseline = current_rss()
            for n_jobs in jobs:
                print("\n".join(measure(y, a, b, args.resamples, n_jobs, baseline)), flush=True)
    else:
        baseline = current_rss()
        for n_jobs in jobs:
            print("\n".join(measure(y, a, b, args.resamples, n_jobs, baseline)), flush=True)


if __name__ == "__main__":
    warnings.simplefilter("default")
    sys.exit(main())
