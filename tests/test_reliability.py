"""Reliability of parallel runs: signals, orphaned workers, temporary folders.

These tests start the real CLI in a child process, interrupt it the ways a
user or the OS does (Ctrl-C, SIGTERM, SIGKILL), and check with psutil that
no worker process or resource tracker outlives it and that joblib's
memory-mapped folders are cleaned up.
"""

from __future__ import annotations

import functools
import glob
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psutil
import pytest

from eval_toolkit._parallel import parallel_map

ROOT = Path(__file__).resolve().parents[1]


def _write_predictions(path: Path, n: int = 20_000, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    a = np.clip(0.2 * y + rng.uniform(0, 0.8, n), 0, 1)
    b = np.clip(0.3 * y + rng.uniform(0, 0.7, n), 0, 1)
    with path.open("w") as handle:
        handle.write("y,a,b\n")
        for row in zip(y, a.round(4), b.round(4)):
            handle.write(",".join(map(str, row)) + "\n")
    return path


def _start_cli(csv: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "eval_toolkit", "compare", str(csv), "--label", "y",
               "--score-a", "a", "--score-b", "b", "--metric", "roc_auc", "--no-progress", *extra]
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait_for_workers(proc: subprocess.Popen, n: int, timeout: float = 60.0) -> list[psutil.Process]:
    """The CLI's descendants once ``n`` python workers are running."""
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = parent.children(recursive=True)
        workers = [c for c in children if _is_worker(c)]
        if len(workers) >= n:
            # Let them start computing: a worker killed while loky is still
            # handing it its setup (the first ~1-2 s) blocks on a pipe that a
            # sibling keeps open, before any of our code runs in it.
            time.sleep(4.0)
            return parent.children(recursive=True)
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    raise AssertionError("the CLI never started its workers")


def _is_worker(process: psutil.Process) -> bool:
    try:
        return "loky" in " ".join(process.cmdline())
    except psutil.Error:
        return False


def _alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    out = []
    for p in processes:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def _wait_gone(processes: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    while _alive(processes) and time.monotonic() < deadline:
        time.sleep(0.1)
    return _alive(processes)


def _shm_folders(pid: int) -> list[str]:
    return glob.glob(f"/dev/shm/joblib_memmapping_folder_{pid}_*")


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory) -> Path:
    return _write_predictions(tmp_path_factory.mktemp("signals") / "preds.csv")


@pytest.mark.parametrize(
    ("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "sigterm"]
)
def test_cli_stops_promptly_and_leaves_no_process(big_csv, sig, code):
    proc = _start_cli(big_csv, "--n-jobs", "2", "--n-resamples", "2000000")
    descendants = _wait_for_workers(proc, 2)
    start = time.monotonic()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    elapsed = time.monotonic() - start
    assert proc.returncode == code, err
    assert elapsed < 2.0, f"took {elapsed:.2f} s to stop"
    assert "Traceback" not in err
    left = _wait_gone(descendants, timeout=5.0)
    assert left == [], [p.cmdline() for p in left]
    assert _shm_folders(proc.pid) == []


def test_workers_exit_when_the_cli_is_killed(big_csv):
    proc = _start_cli(big_csv, "--n-jobs", "2", "--n-resamples", "2000000")
    descendants = _wait_for_workers(proc, 2)
    assert len(descendants) >= 3  # 2 workers and at least one resource tracker
    proc.kill()  # SIGKILL: the CLI gets no chance to clean up
    proc.communicate(timeout=30)
    # Workers poll their parent every 0.5 s; the trackers follow their last client.
    left = _wait_gone(descendants, timeout=10.0)
    assert left == [], [p.cmdline() for p in left]


def _sum_plus(data, x):
    return float(data.sum()) + x


def test_no_memmapping_folder_is_left_after_each_call():
    big = np.ones(500_000)  # 4 MB: above joblib's 1 MB memmapping threshold
    fn = functools.partial(_sum_plus, big)
    for _ in range(3):
        assert parallel_map(fn, range(8), n_jobs=2) == [500_000.0 + x for x in range(8)]
        assert _shm_folders(os.getpid()) == []
