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
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil
import pytest

from eval_toolkit import (
    CheckpointWarning,
    WorkerDiedError,
    _engine,
    bootstrap_ci,
    paired_bootstrap_diff,
)
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


# ---- worker death --------------------------------------------------------------------------


def _kill_flag(parent_pid: int) -> Path:
    return Path(tempfile.gettempdir()) / f"eval-toolkit-test-kill-{parent_pid}"


def _dying_accuracy(y, score):
    """Accuracy at 0.5; in a worker whose parent armed the flag, SIGKILL the worker.

    Flag "once": the first worker to see it removes it, then dies (a transient
    OOM kill); flag "always": every worker dies.
    """
    flag = _kill_flag(os.getppid())
    if flag.exists():
        mode = flag.read_text()
        if mode == "once":
            flag.unlink(missing_ok=True)
        os.kill(os.getpid(), signal.SIGKILL)
    return float(np.mean((score >= 0.5) == y))


@pytest.fixture
def kill_flag():
    flag = _kill_flag(os.getpid())
    yield flag
    flag.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def small_data():
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, 300)
    a = np.clip(0.2 * y + rng.uniform(0, 0.8, 300), 0, 1)
    b = np.clip(0.3 * y + rng.uniform(0, 0.7, 300), 0, 1)
    return y, a, b


def test_worker_death_names_the_work_the_cause_and_what_to_do(small_data, kill_flag):
    y, a, b = small_data
    kill_flag.write_text("always")
    with pytest.raises(WorkerDiedError) as info:
        paired_bootstrap_diff(y, a, b, _dying_accuracy, n_resamples=256, n_jobs=2)
    message = str(info.value)
    assert "paired_bootstrap_diff (_dying_accuracy)" in message  # the work
    assert "block 0: resamples 0-63, seed SeedSequence(42).spawn(4)[0]" in message
    assert "killed by the operating system" in message and "memory" in message  # the cause
    assert "MiB of working memory" in message
    assert "retries=N" in message and "checkpoint=DIR" in message  # what to do


def test_retries_resubmit_lost_blocks_with_the_same_result(small_data, kill_flag, caplog):
    y, a, b = small_data
    expected = paired_bootstrap_diff(y, a, b, _dying_accuracy, n_resamples=256, n_jobs=1)
    kill_flag.write_text("once")
    got = paired_bootstrap_diff(y, a, b, _dying_accuracy, n_resamples=256, n_jobs=2, retries=2)
    assert not kill_flag.exists()  # a worker did die
    assert "resubmitting" in caplog.text
    np.testing.assert_array_equal(got.distribution, expected.distribution)
    assert got == expected


_DASK_KILL_ENV = "EVAL_TOOLKIT_TEST_DASK_KILL_FLAG"


def _accuracy_exiting_once_in_a_dask_worker(y, score):
    """Accuracy at 0.5; the first Dask worker to remove the armed flag file exits hard.

    Only inside a Dask worker (the caller evaluates the metric too, for the
    point estimate), and only once: unlinking the flag succeeds for one caller.
    """
    flag = os.environ.get(_DASK_KILL_ENV)
    if flag:
        from distributed import get_worker

        try:
            get_worker()
            os.unlink(flag)
        except (ValueError, FileNotFoundError):  # not in a worker, or another one died already
            pass
        else:
            os._exit(1)
    return float(np.mean((score >= 0.5) == y))


@pytest.mark.slow  # ~30 s: the cluster, the death and the nanny's restart
@pytest.mark.cluster
def test_dask_reschedules_the_blocks_of_a_killed_worker(small_data, tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    from joblib import parallel_config

    y, a, b = small_data
    metric = _accuracy_exiting_once_in_a_dask_worker
    expected = paired_bootstrap_diff(y, a, b, metric, n_resamples=640, n_jobs=1)
    flag = tmp_path / "exit-once"
    flag.write_text("")
    monkeypatch.setenv(_DASK_KILL_ENV, str(flag))  # inherited by the workers started below
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                 host="127.0.0.1", dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        before = set(client.run(os.getpid).values())
        with parallel_config(backend="dask"):
            got = paired_bootstrap_diff(y, a, b, metric, n_resamples=640, n_jobs=2)
        client.wait_for_workers(2, timeout=60)
        after = set(client.run(os.getpid).values())
    assert not flag.exists() and before != after  # a worker did die, and was replaced
    np.testing.assert_array_equal(got.distribution, expected.distribution)
    assert got == expected


# ---- huge n_resamples ----------------------------------------------------------------------


@pytest.mark.parametrize("n_resamples", [10**9, 10**12])
def test_huge_n_resamples_is_refused_before_allocation(small_data, n_resamples):
    y, a, b = small_data
    start = time.monotonic()
    with pytest.raises(ValueError, match="'n_resamples' parameter of paired_bootstrap_diff") as e:
        paired_bootstrap_diff(y, a, b, "roc_auc", n_resamples=n_resamples)
    assert time.monotonic() - start < 1.0
    # n_resamples x 2 columns of float64, said in the message
    assert f"{n_resamples} resamples x 2 float64 columns are " in str(e.value)
    assert "available" in str(e.value)


def test_n_resamples_refusal_follows_the_memory_available(small_data, monkeypatch):
    from eval_toolkit import _validation

    y, a, _ = small_data
    monkeypatch.setattr(_validation, "available_memory_bytes", lambda: 10**9)
    # 1e8 resamples x 1 column: 0.8 GB for the matrix, 3.2 GB at the peak > 1 GB
    with pytest.raises(ValueError, match="800 MB, about 3.2 GB at the peak, but 1 GB"):
        bootstrap_ci(y, a, "roc_auc", n_resamples=10**8)
    assert bootstrap_ci(y, a, "roc_auc", n_resamples=100).n_resamples == 100


def test_cli_refuses_huge_n_resamples_at_once(tmp_path):
    csv = _write_predictions(tmp_path / "p.csv", n=50)
    proc = _start_cli(csv, "--n-resamples", str(10**12))
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "'--n-resamples' parameter of eval-toolkit compare" in err and "16 TB" in err
    assert "Traceback" not in err


# ---- checkpoint and resume -----------------------------------------------------------------


class _Interrupt(KeyboardInterrupt):
    pass


def _interrupting(run_block, after: int):
    calls = {"n": 0}

    def wrapped(statistic, block):
        if calls["n"] == after:
            raise _Interrupt
        calls["n"] += 1
        return run_block(statistic, block)

    return wrapped, calls


def test_interrupted_then_resumed_equals_uninterrupted(small_data, tmp_path, monkeypatch):
    y, a, b = small_data
    kwargs = dict(n_resamples=640, method="bca")
    expected = paired_bootstrap_diff(y, a, b, "roc_auc", **kwargs)
    wrapped, _ = _interrupting(_engine.run_block, after=4)
    monkeypatch.setattr(_engine, "run_block", wrapped)
    with pytest.raises(_Interrupt):
        paired_bootstrap_diff(y, a, b, "roc_auc", checkpoint=tmp_path, **kwargs)
    assert len(list(tmp_path.glob("block_*.npy"))) == 4  # saved as they finished
    monkeypatch.undo()
    counting, calls = _interrupting(_engine.run_block, after=-1)  # never interrupts
    monkeypatch.setattr(_engine, "run_block", counting)
    resumed = paired_bootstrap_diff(y, a, b, "roc_auc", checkpoint=tmp_path, **kwargs)
    assert calls["n"] == 10 - 4  # only the missing blocks
    np.testing.assert_array_equal(resumed.distribution, expected.distribution)
    assert resumed == expected


def test_checkpoint_resume_with_workers_and_more_resamples(small_data, tmp_path):
    y, a, b = small_data
    first = bootstrap_ci(y, a, "roc_auc", n_resamples=300, n_jobs=2, checkpoint=tmp_path)
    assert first == bootstrap_ci(y, a, "roc_auc", n_resamples=300)
    more = bootstrap_ci(y, a, "roc_auc", n_resamples=700, n_jobs=2, checkpoint=tmp_path)
    assert more == bootstrap_ci(y, a, "roc_auc", n_resamples=700)
    assert len(list(tmp_path.glob("block_*.npy"))) == 11  # ceil(700 / 64)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (dict(y_score_b="other"), "y_score_b"),
        (dict(seed=43), "seed"),
        (dict(metric="average_precision"), "metric"),
        (dict(stratify=True), "stratify"),
    ],
)
def test_checkpoint_of_another_computation_is_refused(small_data, tmp_path, change, named):
    y, a, b = small_data
    paired_bootstrap_diff(y, a, b, "roc_auc", n_resamples=128, checkpoint=tmp_path)
    before = sorted(p.read_bytes() for p in tmp_path.iterdir())
    kwargs = dict(n_resamples=128, checkpoint=tmp_path, metric="roc_auc")
    kwargs.update(change)
    if kwargs.pop("y_score_b", None) == "other":
        b = b[::-1].copy()
    with pytest.raises(ValueError, match=rf"'checkpoint' parameter of paired_bootstrap_diff.*"
                       rf"whose {named} differ"):
        paired_bootstrap_diff(y, a, b, **kwargs)
    assert sorted(p.read_bytes() for p in tmp_path.iterdir()) == before  # untouched


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_corrupt_block_is_detected_and_recomputed(small_data, tmp_path, damage):
    y, a, b = small_data
    expected = paired_bootstrap_diff(y, a, b, "roc_auc", n_resamples=256, checkpoint=tmp_path)
    block = tmp_path / "block_0000002.npy"
    data = bytearray(block.read_bytes())
    if damage == "truncate":
        block.write_bytes(bytes(data[: len(data) // 2]))
    else:
        data[-3] ^= 0xFF
        block.write_bytes(bytes(data))
    with pytest.warns(CheckpointWarning, match="block_0000002.npy is corrupt or truncated"):
        again = paired_bootstrap_diff(y, a, b, "roc_auc", n_resamples=256, checkpoint=tmp_path)
    assert again == expected
    assert paired_bootstrap_diff(y, a, b, "roc_auc", n_resamples=256, checkpoint=tmp_path) == \
        expected  # rewritten: no warning the second time (warnings are errors here)


def test_checkpoint_that_cannot_be_written_is_named(small_data, tmp_path):
    y, a, _ = small_data
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ValueError, match="'checkpoint' parameter of bootstrap_ci must be a "
                       "directory that can be created and written"):
        bootstrap_ci(y, a, "roc_auc", checkpoint=blocker / "sub")
    with pytest.raises(TypeError, match="'checkpoint' parameter of bootstrap_ci"):
        bootstrap_ci(y, a, "roc_auc", checkpoint=3)


def test_cli_killed_then_resumed_equals_uninterrupted(tmp_path):
    csv = _write_predictions(tmp_path / "p.csv", n=3000, seed=3)
    options = ("--n-resamples", "20000", "--format", "json", "--n-jobs", "2", "--seed", "5")
    reference = _start_cli(csv, *options)
    expected, err = reference.communicate(timeout=300)
    assert reference.returncode == 0, err
    checkpoint = tmp_path / "ck"
    proc = _start_cli(csv, *options, "--checkpoint", str(checkpoint))
    deadline = time.monotonic() + 120
    while len(list(checkpoint.glob("*/block_*.npy"))) < 20 and time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    proc.kill()
    proc.communicate(timeout=30)
    saved = len(list(checkpoint.glob("*/block_*.npy")))
    assert 20 <= saved < 313  # interrupted part-way (20000 resamples = 313 blocks)
    resumed = _start_cli(csv, *options, "--checkpoint", str(checkpoint))
    out, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    assert out == expected


# ---- CLI input and reports -----------------------------------------------------------------


def _cli(*args: str) -> tuple[int, str, str]:
    proc = subprocess.run([sys.executable, "-m", "eval_toolkit", *args], capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


def test_columnar_reader_matches_the_row_reader(tmp_path, monkeypatch):
    from eval_toolkit import cli

    path = tmp_path / "p.csv"
    path.write_text("id,y,a,b,site,note\n1,1,0.25,0.5,s1,x\n2,0,0.75,1e-3,s2,\n3,1,1,0,s1,z\n")
    fast = cli.read_predictions(str(path), ["y", "a", "site"])
    assert list(fast) == ["y", "a", "site"]  # only the columns asked for
    monkeypatch.setitem(sys.modules, "pyarrow.csv", None)
    slow = cli.read_predictions(str(path), ["y", "a", "site"])
    for name in fast:  # same values once read as the CLI reads them (numbers or text)
        numbers = cli._as_numbers(fast[name])
        if numbers is None:
            np.testing.assert_array_equal(fast[name], slow[name])
        else:
            np.testing.assert_array_equal(numbers, cli._as_numbers(slow[name]))


@pytest.mark.parametrize("late", ["0.5", "yes", ""], ids=["float", "text", "empty"])
def test_columnar_reader_handles_a_type_change_after_the_first_block(tmp_path, monkeypatch, late):
    # Types are taken from the first block (1 MiB) and given to the full read;
    # a later row of another type must still be read as the row reader reads it.
    from eval_toolkit import cli

    rows = 150_000  # ~1.5 MiB: the changed row is beyond the first block
    path = tmp_path / "p.csv"
    values = ["1"] * rows
    values[-2] = late
    path.write_text("y,a,s\n" + "".join(f"{i % 2},{v},t{i % 3}\n" for i, v in enumerate(values)))
    fast = cli.read_predictions(str(path), ["y", "a", "s"])
    monkeypatch.setitem(sys.modules, "pyarrow.csv", None)
    slow = cli.read_predictions(str(path), ["y", "a", "s"])
    np.testing.assert_array_equal(fast["y"], cli._as_numbers(slow["y"]))
    np.testing.assert_array_equal(fast["s"], slow["s"])
    numbers = cli._as_numbers(fast["a"])
    if late == "yes":
        assert numbers is None and fast["a"][-2] == "yes"  # text: the commands name the column
    elif late == "":
        expected = np.ones(rows)
        expected[-2] = np.nan  # a missing number: refused by the checks, naming the column
        np.testing.assert_array_equal(numbers, expected)
    else:
        np.testing.assert_array_equal(numbers, cli._as_numbers(slow["a"]))


def _planted(tmp_path: Path, kind: str) -> tuple[Path, Path]:
    report_dir, outside = tmp_path / "out", tmp_path / "elsewhere"
    report_dir.mkdir()
    outside.mkdir()
    target = outside / "victim.html"
    if kind == "planted":
        target.write_text("precious")
    (report_dir / "report.html").symlink_to(target)
    (report_dir / "results.json").symlink_to(outside / "victim.json")  # dangling
    return report_dir, target


@pytest.mark.parametrize("kind", ["planted", "dangling"])
def test_report_never_writes_through_a_symlink(tmp_path, kind):
    csv = _write_predictions(tmp_path / "p.csv", n=200)
    report_dir, target = _planted(tmp_path, kind)
    code, _, err = _cli("compare", str(csv), "--label", "y", "--score-a", "a", "--score-b", "b",
                        "--n-resamples", "50", "--report", str(report_dir), "--no-progress")
    assert code == 0, err
    for name in ("report.html", "results.json"):
        assert not (report_dir / name).is_symlink() and (report_dir / name).stat().st_size > 0
    assert (target.read_text() == "precious") if kind == "planted" else not target.exists()
    assert not (tmp_path / "elsewhere" / "victim.json").exists()
    assert sorted(p.name for p in report_dir.iterdir()) == ["report.html", "results.json"]


@pytest.mark.parametrize("where", ["existing-file", "unwritable", "under-a-file"])
def test_bad_report_destination_fails_before_the_work(tmp_path, where):
    csv = _write_predictions(tmp_path / "p.csv", n=200)
    if where == "existing-file":
        dest = tmp_path / "report"
        dest.write_text("")
    elif where == "unwritable":
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        dest = locked / "report"
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who can write anywhere")
    else:
        (tmp_path / "file").write_text("")
        dest = tmp_path / "file" / "report"
    start = time.monotonic()
    # 10**6 resamples would take minutes: failing fast proves the check comes first.
    code, out, err = _cli("compare", str(csv), "--label", "y", "--score-a", "a", "--score-b",
                          "b", "--n-resamples", "1000000", "--report", str(dest))
    assert code == 1 and out == ""
    assert time.monotonic() - start < 30
    assert err.startswith("eval-toolkit compare: error: The '--report' parameter of "
                          "eval-toolkit compare must be a directory")
    assert "Traceback" not in err and err.count("\n") == 1


def test_user_text_is_shown_literally_in_plots(tmp_path):
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    path = tmp_path / "p.csv"
    with path.open("w") as handle:
        handle.write("y,$\\frac{a,$x$\n")
        for row in zip(y, rng.uniform(size=200), rng.uniform(size=200)):
            handle.write(",".join(map(str, row)) + "\n")
    code, _, err = _cli("compare", str(path), "--label", "y", "--score-a", "$\\frac{a",
                        "--score-b", "$x$", "--n-resamples", "50", "--report",
                        str(tmp_path / "r"), "--no-progress")
    assert code == 0, err
    html = (tmp_path / "r" / "report.html").read_text()
    assert "$\\frac{a" in html and "data:image/png;base64," in html
    from matplotlib.figure import Figure

    from eval_toolkit.plotting import plot_roc

    ax = plot_roc(y, {"$x$": rng.uniform(size=200)}, ax=Figure().add_subplot())
    ax.figure.canvas.draw()  # mathtext would typeset $x$ as an italic x
    assert ax.get_legend().get_texts()[0].get_text().startswith(r"\$x\$")
