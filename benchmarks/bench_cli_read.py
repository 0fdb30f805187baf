"""Reading the CLI's input: pyarrow's columnar CSV reader vs the row-by-row stdlib reader.

One command::

    python benchmarks/bench_cli_read.py [--rows 5500000] [--repeats 3] [--baseline DIR]

Generates a CSV like the one of issue 12 (5.5 M rows, ~212 MB: label, two
scores, a site and two columns the comparison does not need), then reads the
three needed columns with ``eval_toolkit.cli.read_predictions`` in a fresh
process per run, each way, and prints the median wall time of the read, the
median wall time of the whole process (interpreter start, imports, read: what
a user of the CLI waits for before the bootstrap starts) and the peak resident
memory (ru_maxrss, minus that of the same process before reading), with the
ratios.  ``--baseline DIR`` adds the reader of another checkout (e.g. a
``git worktree`` of an older commit), run alternately with this one.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
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


def measure(path: Path, stdlib: bool, root: Path = ROOT) -> dict:
    code = _CHILD.format(root=str(root), stdlib=stdlib, path=str(path))
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout), process=time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_500_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="another checkout's root, to compare with")
    args = parser.parse_args()
    readers = {"pyarrow.csv (columnar)": (False, ROOT)}
    if args.baseline is not None:
        readers[f"baseline {args.baseline.name}"] = (False, args.baseline.resolve())
    readers["stdlib csv (row loop)"] = (True, ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "preds.csv"
        make_csv(path, args.rows)
        size_mb = os.path.getsize(path) / 2**20
        print(f"file: {args.rows} rows, {size_mb:.0f} MiB; 3 of 6 columns read; "
              f"median of {args.repeats} runs, each in a fresh process; "
              f"load average {os.getloadavg()[0]:.1f}")
        runs = {name: [] for name in readers}
        for _ in range(args.repeats):  # alternate, so load changes hit every reader alike
            for name, (stdlib, root) in readers.items():
                runs[name].append(measure(path, stdlib, root))
        results = {}
        for name, rs in runs.items():
            assert all(r["rows"] == args.rows for r in rs)
            results[name] = tuple(statistics.median(r[k] for r in rs)
                                  for k in ("seconds", "process", "peak_mb"))
        fast = results["pyarrow.csv (columnar)"]
        print(f"{'reader':<28}{'read s':>8}{'process s':>11}{'peak MiB':>10}{'x file':>8}"
              f"{'read ratio':>12}")
        for name, (seconds, process, peak) in results.items():
            print(f"{name:<28}{seconds:>8.2f}{process:>11.2f}{peak:>10.0f}{peak / size_mb:>8.2f}"
                  f"{seconds / fast[0]:>12.1f}")


if __name__ == "__main__":
    main()
