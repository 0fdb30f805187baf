"""Reading the CLI's input: pyarrow's columnar CSV reader vs the row-by-row stdlib reader.

One command::

    python benchmarks/bench_cli_read.py [--rows 5500000] [--repeats 3]

Generates a CSV like the one of issue 12 (5.5 M rows, ~212 MB: label, two
scores, a site and two columns the comparison does not need), then reads the
three needed columns with ``eval_toolkit.cli.read_predictions`` in a fresh
process per run, each way, and prints the median wall time and the peak
resident memory (ru_maxrss, minus that of the same process before reading),
with the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
import numpy as np
from eval_toolkit import cli
if {stdlib}:
    sys.modules["pyarrow.csv"] = None  # the reader's fallback without pyarrow
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
table = cli.read_predictions({path!r}, ["y", "score_a", "score_b"])
elapsed = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps(dict(seconds=elapsed, peak_mb=(after - before) / 1024, rows=len(table["y"]))))
"""


def make_csv(path: Path, rows: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    chunk = 500_000
    with path.open("w") as handle:
        handle.write("id,y,score_a,score_b,site,note\n")
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            y = rng.integers(0, 2, n)
            a = np.clip(0.2 * y + rng.uniform(0, 0.8, n), 0, 1)
            b = np.clip(0.3 * y + rng.uniform(0, 0.7, n), 0, 1)
            site = rng.integers(0, 20, n)
            ids = np.arange(start, start + n)
            lines = [
                f"{i},{yy},{aa:.6f},{bb:.6f},site{s},x"
                for i, yy, aa, bb, s in zip(ids, y, a, b, site)
            ]
            handle.write("\n".join(lines) + "\n")


def measure(path: Path, stdlib: bool) -> dict:
    code = _CHILD.format(root=str(ROOT), stdlib=stdlib, path=str(path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_500_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "preds.csv"
        make_csv(path, args.rows)
        size_mb = os.path.getsize(path) / 2**20
        print(f"file: {args.rows} rows, {size_mb:.0f} MiB; 3 of 6 columns read; "
              f"median of {args.repeats} runs, each in a fresh process")
        results = {}
        for name, stdlib in (("pyarrow.csv (columnar)", False), ("stdlib csv (row loop)", True)):
            runs = [measure(path, stdlib) for _ in range(args.repeats)]
            assert all(r["rows"] == args.rows for r in runs)
            results[name] = (
                statistics.median(r["seconds"] for r in runs),
                statistics.median(r["peak_mb"] for r in runs),
            )
        fast = results["pyarrow.csv (columnar)"]
        print(f"{'reader':<26}{'seconds':>9}{'peak MiB':>10}{'x file':>8}{'time ratio':>12}")
        for name, (seconds, peak) in results.items():
            print(f"{name:<26}{seconds:>9.2f}{peak:>10.0f}{peak / size_mb:>8.2f}"
                  f"{seconds / fast[0]:>12.1f}")


if __name__ == "__main__":
    main()
