"""Soak test: many consecutive parallel calls must not leak memory, processes or folders.

One command::

    python benchmarks/soak.py [--calls 1000] [--seed 0]

Runs ``--calls`` consecutive calls of ``bootstrap_ci`` / ``paired_bootstrap_diff``
with random sizes (n up to 200,000, so joblib memory-maps the data above its
1 MB threshold), metrics, ``n_resamples`` and ``n_jobs`` in {1, 2, -1}, and
records after every call the parent's resident memory (psutil), its live loky
workers and this process's ``joblib_memmapping_folder_*`` folders in /dev/shm
and the temporary folder.  Prints the median memory per window of 100 calls
(after a warm-up window), the slope of a least-squares line through the
post-warm-up memory, the largest number of workers ever alive, and the
folders and workers left at the end (after shutting down loky's reusable
executor, as the interpreter does at exit).  Exit code 1 if any check fails.
"""

from __future__ import annotations

import argparse
import glob
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eval_toolkit import bootstrap_ci, paired_bootstrap_diff  # noqa: E402

WINDOW = 100
#: Largest accepted memory growth per 1,000 calls after warm-up (allocator noise).
MAX_SLOPE_MB_PER_1000 = 20.0


def folders() -> list[str]:
    pattern = f"joblib_memmapping_folder_{os.getpid()}_*"
    roots = {"/dev/shm", tempfile.gettempdir()}
    return [f for root in roots for f in glob.glob(os.path.join(root, pattern))]


def shm_and_temp() -> set[str]:
    """Every entry of /dev/shm and of the joblib temp folder, whoever made it."""
    roots = {"/dev/shm", tempfile.gettempdir()}
    return {os.path.join(root, name) for root in roots if os.path.isdir(root)
            for name in os.listdir(root)}


def workers() -> list[psutil.Process]:
    out = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "popen_loky" in " ".join(child.cmdline()):
                out.append(child)
        except psutil.Error:
            pass
    return out


def one_call(rng: np.random.Generator) -> None:
    # One call in ten above joblib's 1 MB memory-mapping threshold.
    n = int(rng.choice([200, 2_000, 20_000, 200_000], p=[0.3, 0.3, 0.3, 0.1]))
    y = rng.integers(0, 2, n)
    a = np.clip(0.2 * y + rng.uniform(0, 0.8, n), 0, 1)
    b = np.clip(0.3 * y + rng.uniform(0, 0.7, n), 0, 1)
    metric = str(rng.choice(["roc_auc", "accuracy", "brier", "average_precision"]))
    kwargs = dict(
        n_resamples=int(rng.integers(64, 640)),
        n_jobs=int(rng.choice([1, 2, -1])),
        seed=int(rng.integers(0, 2**31)),
        method="percentile",
    )
    if rng.uniform() < 0.5:
        bootstrap_ci(y, b, metric, **kwargs)
    else:
        paired_bootstrap_diff(y, a, b, metric, **kwargs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    process = psutil.Process()
    rss, max_workers, max_folders = [], 0, 0
    before = shm_and_temp()
    start = time.perf_counter()
    for _ in range(args.calls):
        one_call(rng)
        rss.append(process.memory_info().rss / 2**20)
        max_workers = max(max_workers, len(workers()))
        max_folders = max(max_folders, len(folders()))
    elapsed = time.perf_counter() - start
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor().shutdown(wait=True)
    time.sleep(1.0)
    left_workers, left_folders = workers(), folders()
    # Other processes share /dev/shm and the temp folder: count only the
    # entries named after this process that appeared during the run.
    pid = str(os.getpid())
    new_entries = sorted(e for e in shm_and_temp() - before if pid in os.path.basename(e))

    print(f"{args.calls} calls in {elapsed:.0f} s ({elapsed / args.calls:.2f} s per call), "
          f"{psutil.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"{'calls':>13}  {'median RSS MiB':>14}")
    for lo in range(0, args.calls, WINDOW):
        window = rss[lo : lo + WINDOW]
        print(f"{lo + 1:>6}-{lo + len(window):<6}  {statistics.median(window):>14.1f}")
    steady = np.array(rss[WINDOW:]) if args.calls > 2 * WINDOW else np.array(rss)
    slope = np.polyfit(np.arange(steady.size), steady, 1)[0] * 1000 if steady.size > 1 else 0.0
    checks = {
        f"memory slope after warm-up {slope:+.1f} MiB per 1,000 calls "
        f"(limit {MAX_SLOPE_MB_PER_1000:g})": abs(slope) <= MAX_SLOPE_MB_PER_1000,
        f"most loky workers alive at once: {max_workers} (cores: {psutil.cpu_count()})":
            max_workers <= psutil.cpu_count(),
        f"most memmapping folders present after a call: {max_folders}": max_folders == 0,
        f"workers left after shutdown: {len(left_workers)}": not left_workers,
        f"memmapping folders left at the end: {len(left_folders)}": not left_folders,
        f"new /dev/shm or temp-folder entries of this process left at the end: "
        f"{len(new_entries)} {new_entries[:3]}": not new_entries,
    }
    for text, ok in checks.items():
        print(f"[{'ok' if ok else 'FAIL'}] {text}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
