"""Tests for the one parallel helper, eval_toolkit._parallel.parallel_map."""

from __future__ import annotations

import functools
import io
import logging
import os
import socket
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pytest

from eval_toolkit import _parallel, register_worker_state, unregister_worker_state
from eval_toolkit._parallel import _SniffPickler, parallel_map

N_CORES = os.cpu_count() or 1


# ---- top-level work functions (picklable by reference) -------------------------------------


def _square(x):
    return x * x


def _pid(_):
    return os.getpid()


def _sleep_then_return(x):
    time.sleep(0.05 * (x % 3))
    return x


def _block_sum(scale, seed_seq):
    rng = np.random.default_rng(seed_seq)
    return scale * rng.standard_normal(64).sum()


class ProbeError(RuntimeError):
    pass


def _raise_probe(x):
    raise ProbeError(f"worker failed on item {x}")


def _sklearn_assume_finite(_):
    import sklearn

    return sklearn.get_config()["assume_finite"]


def _warn_probe(_):
    warnings.warn("eval-toolkit-probe", UserWarning, stacklevel=2)
    return "no error"


_PROBE_STATE = {"value": "import-time"}


def _read_probe(_):
    return _PROBE_STATE["value"]


def _set_probe(value):
    _PROBE_STATE["value"] = value


def _capture_probe():
    return _PROBE_STATE["value"], _set_probe


def _array_kind(arr, _):
    return type(arr).__name__, float(arr[-1])


def _blas_threads(_):
    from threadpoolctl import threadpool_info

    return [info["num_threads"] for info in threadpool_info()]


class HoldsFile:
    def __init__(self, handle):
        self.handle = handle

    def __call__(self, x):
        return x


# ---- the smart-defaults table ---------------------------------------------------------------


def test_n_jobs_1_runs_sequentially_in_this_process():
    assert parallel_map(_pid, range(5), n_jobs=1) == [os.getpid()] * 5


def test_n_jobs_1_info_hint_once_per_process(caplog, monkeypatch):
    monkeypatch.setattr(_parallel, "_hint_emitted", False)
    with caplog.at_level(logging.INFO, logger="eval_toolkit"):
        parallel_map(_square, range(999), n_jobs=1)
        assert not caplog.records
        parallel_map(_square, range(1000), n_jobs=1, description="resampling")
        parallel_map(_square, range(5000), n_jobs=1)
    infos = [r for r in caplog.records if r.levelno == logging.INFO]
    assert len(infos) == 1
    assert "parallel_map of resampling" in infos[0].getMessage()
    assert "n_jobs=-1" in infos[0].getMessage()


@pytest.mark.parametrize("bad", [0])
def test_n_jobs_0_is_rejected_with_guidance(bad):
    with pytest.raises(ValueError, match=r"use 1 or -1"):
        parallel_map(_square, [1], n_jobs=bad)


@pytest.mark.parametrize("bad", [-2, -8, 1.5, "2", None, True, np.float64(2.0)])
def test_nonsense_n_jobs_is_rejected(bad):
    with pytest.raises(ValueError, match=r"The 'n_jobs' parameter of parallel_map of work"):
        parallel_map(_square, [1], n_jobs=bad)


def test_n_jobs_minus_1_uses_worker_processes_without_cap_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="eval_toolkit"):
        pids = parallel_map(_pid, range(20), n_jobs=-1)
    assert not caplog.records
    assert os.getpid() not in pids
    assert 1 <= len(set(pids)) <= N_CORES


def test_n_jobs_within_core_count_uses_that_many_workers():
    pids = parallel_map(_pid, range(40), n_jobs=min(2, N_CORES) if N_CORES > 1 else 2)
    assert os.getpid() not in pids
    assert len(set(pids)) <= max(2, N_CORES)


def test_n_jobs_above_core_count_is_capped_with_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="eval_toolkit"):
        out = parallel_map(_square, range(10), n_jobs=N_CORES + 62, description="capping")
    assert out == [x * x for x in range(10)]
    msgs = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert msgs == [
        f"parallel_map of capping: n_jobs={N_CORES + 62} exceeds the {N_CORES} available "
        f"cores; using {N_CORES}."
    ]


# ---- ordering, reproducibility, streaming ---------------------------------------------------


def test_results_keep_input_order():
    items = list(range(30))
    assert parallel_map(_sleep_then_return, items, n_jobs=2) == items


def test_seeded_workload_is_bit_identical_for_any_n_jobs():
    children = np.random.SeedSequence(123).spawn(50)
    fn = functools.partial(_block_sum, 2.5)
    ref = parallel_map(fn, children, n_jobs=1)
    for n_jobs in (2, -1):
        assert parallel_map(fn, children, n_jobs=n_jobs) == ref


def test_dispatch_batching_does_not_change_results(monkeypatch):
    children = np.random.SeedSequence(321).spawn(37)
    fn = functools.partial(_block_sum, 0.5)
    ref = parallel_map(fn, children, n_jobs=1)
    for per_worker in (1, 3, 100):
        monkeypatch.setattr(_parallel, "BATCHES_PER_WORKER", per_worker)
        assert parallel_map(fn, children, n_jobs=2) == ref
        assert parallel_map(fn, children, n_jobs=2, progress=True) == ref


@pytest.mark.parametrize("workers", [2, 3, 4])
def test_batches_split_evenly_across_workers(workers):
    for n_items in range(1, 300):
        size = _parallel.even_batch_size(n_items, workers)
        n_batches = -(-n_items // size)
        assert size == 1 or n_batches % workers == 0, (n_items, size)
        # At least BATCHES_PER_WORKER batches per worker when there are enough items.
        assert size <= max(1, -(-n_items // (_parallel.BATCHES_PER_WORKER * workers)))
    assert _parallel.even_batch_size(10, 2) == 1  # not 2: 5 batches would split 3 / 2
    assert _parallel.even_batch_size(32, 2) == 4


def test_generator_output_streams_in_order():
    gen = parallel_map(_square, range(25), n_jobs=2, return_as="generator")
    assert not isinstance(gen, list)
    assert list(gen) == [x * x for x in range(25)]
    seq = parallel_map(_square, range(5), n_jobs=1, return_as="generator")
    assert list(seq) == [0, 1, 4, 9, 16]


def test_worker_exception_keeps_type_and_message():
    with pytest.raises(ProbeError, match="worker failed on item"):
        parallel_map(_raise_probe, range(4), n_jobs=2)


# ---- picklability sniff ---------------------------------------------------------------------


_TOP_LEVEL_LAMBDA = lambda x: x  # noqa: E731 - the point of the test


def _make_closure():
    offset = 3

    def add(x):
        return x + offset

    return add


def _local_class_instance():
    class Local:
        def __call__(self, x):
            return x

    return Local()


@pytest.fixture
def no_workers(monkeypatch):
    """Fail the test if a joblib.Parallel is ever created."""
    import joblib

    def forbidden(*args, **kwargs):
        raise AssertionError("a worker pool was created before the picklability check")

    monkeypatch.setattr(joblib, "Parallel", forbidden)


@pytest.mark.parametrize(
    "make_fn, what",
    [
        (lambda: _TOP_LEVEL_LAMBDA, "the callable '<lambda>'"),
        (_make_closure, "the callable '_make_closure.<locals>.add'"),
        (_local_class_instance, "the callable"),
        (lambda: functools.partial(_block_sum, lambda: 1), "positional argument 0"),
    ],
    ids=["lambda", "closure", "local-class", "partial-arg"],
)
def test_unpicklable_work_raises_before_dispatch(no_workers, make_fn, what):
    with pytest.raises(TypeError) as exc_info:
        parallel_map(make_fn(), range(3), n_jobs=2, description="paired bootstrap")
    msg = str(exc_info.value)
    assert msg.startswith(f"parallel_map of paired bootstrap: {what}")
    assert "is not picklable" in msg
    assert "named top-level function or class" in msg
    assert "Underlying error:" in msg


def test_open_file_and_socket_are_rejected(no_workers, tmp_path):
    with open(tmp_path / "f.txt", "w") as handle:
        with pytest.raises(TypeError, match=r"^parallel_map of work: the callable"):
            parallel_map(HoldsFile(handle), range(3), n_jobs=2)
    with socket.socket() as sock:
        with pytest.raises(TypeError, match=r"the first work item is not picklable"):
            parallel_map(_square, [sock], n_jobs=2)


def test_sniff_skips_numeric_array_buffers():
    big = np.zeros(5_000_000)  # 40 MB
    sink = io.BytesIO()
    _SniffPickler(sink).dump(functools.partial(_array_kind, big))
    assert len(sink.getvalue()) < 1_000


def test_main_module_function_works_with_loky(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(
        textwrap.dedent(
            """
            from eval_toolkit._parallel import parallel_map

            def triple(x):
                return 3 * x

            class Adder:
                def __init__(self, k):
                    self.k = k
                def __call__(self, x):
                    return x + self.k

            if __name__ == "__main__":
                print(parallel_map(triple, range(4), n_jobs=2))
                print(parallel_map(Adder(10), range(4), n_jobs=2))
            """
        )
    )
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=True, timeout=300
    )
    assert out.stdout.split("\n")[:2] == ["[0, 3, 6, 9]", "[10, 11, 12, 13]"]


# ---- worker state, memory, threads ----------------------------------------------------------


def test_sklearn_config_reaches_workers(fresh_loky):
    import sklearn

    with sklearn.config_context(assume_finite=True):
        assert parallel_map(_sklearn_assume_finite, range(4), n_jobs=2) == [True] * 4
    assert parallel_map(_sklearn_assume_finite, range(4), n_jobs=2) == [False] * 4


def test_warning_filters_reach_workers(fresh_loky):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="eval-toolkit-probe")
        with pytest.raises(UserWarning, match="eval-toolkit-probe"):
            parallel_map(_warn_probe, range(2), n_jobs=2)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="eval-toolkit-probe")
        assert parallel_map(_warn_probe, range(2), n_jobs=2) == ["no error"] * 2


def test_registered_worker_state_is_restored_in_workers(fresh_loky, monkeypatch):
    monkeypatch.setitem(_PROBE_STATE, "value", "set-in-parent")
    assert parallel_map(_read_probe, range(4), n_jobs=2) == ["import-time"] * 4
    key = register_worker_state(_capture_probe)
    try:
        assert parallel_map(_read_probe, range(4), n_jobs=2) == ["set-in-parent"] * 4
    finally:
        unregister_worker_state(key)
    with pytest.raises(KeyError, match="No worker-state callback"):
        unregister_worker_state(key)


def test_large_arrays_are_memory_mapped_not_copied():
    big = np.arange(500_000, dtype=np.float64)  # 4 MB, above joblib's 1 MB threshold
    out = parallel_map(functools.partial(_array_kind, big), range(4), n_jobs=2)
    assert out == [("memmap", 499_999.0)] * 4


def test_blas_threads_are_limited_in_workers():
    pytest.importorskip("threadpoolctl")
    counts = parallel_map(_blas_threads, range(2), n_jobs=2)
    limit = max(1, N_CORES // 2)
    assert all(c <= limit for per_worker in counts for c in per_worker)


@pytest.mark.cluster
def test_dask_backend_gives_same_results_as_sequential():
    distributed = pytest.importorskip("distributed")
    from joblib import parallel_config

    children = np.random.SeedSequence(7).spawn(40)
    fn = functools.partial(_block_sum, 1.5)
    ref = parallel_map(fn, children, n_jobs=1)
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        with parallel_config(backend="dask"):
            out = parallel_map(fn, children, n_jobs=2)
            pids = parallel_map(_pid, range(8), n_jobs=2)
        worker_pids = set(client.run(os.getpid).values())
    assert out == ref
    assert set(pids) <= worker_pids


def test_caller_threads_follow_n_jobs_capped_at_the_cores():
    import joblib

    from eval_toolkit._parallel import caller_threads

    cores = joblib.cpu_count()
    assert caller_threads(1) == 1
    assert caller_threads(-1) == cores
    assert caller_threads(10**6) == cores
    assert caller_threads(2) == min(2, cores)
