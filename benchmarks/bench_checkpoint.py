"""Cost of ``checkpoint=``: writing every block vs no checkpoint, and resuming a finished run.

One command::

    python benchmarks/bench_checkpoint.py [--n 10000] [--n-resamples 20000] [--repeats 3]

Prints the median wall time of ``paired_bootstrap_diff(..., "roc_auc")``
without a checkpoint, with a fresh checkpoint directory (every block written
atomically: temporary file, fsync, rename) and with a complete one (every
block read back and checked), side by side, with ratios to the plain run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eval_toolkit import paired_bootstrap_diff  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--n-resamples", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, args.n)
    a = np.clip(0.2 * y + rng.uniform(0, 0.8, args.n), 0, 1)
    b = np.clip(0.3 * y + rng.uniform(0, 0.7, args.n), 0, 1)

    def run(checkpoint=None) -> float:
        start = time.perf_counter()
        paired_bootstrap_diff(y, a, b, "roc_auc", n_resamples=args.n_resamples,
                              checkpoint=checkpoint)
        return time.perf_counter() - start

    times: dict[str, list[float]] = {"no checkpoint": [], "fresh checkpoint": [],
                                     "resume, all blocks saved": []}
    for _ in range(args.repeats):
        times["no checkpoint"].append(run())
        with tempfile.TemporaryDirectory() as tmp:
            times["fresh checkpoint"].append(run(tmp))
            times["resume, all blocks saved"].append(run(tmp))
    base = statistics.median(times["no checkpoint"])
    blocks = -(-args.n_resamples // 64)
    print(f"paired_bootstrap_diff roc_auc, n={args.n}, n_resamples={args.n_resamples} "
          f"({blocks} blocks), n_jobs=1, median of {args.repeats}")
    print(f"{'run':<28}{'seconds':>9}{'ratio':>8}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<28}{median:>9.2f}{median / base:>8.2f}")


if __name__ == "__main__":
    main()
