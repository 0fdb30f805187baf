"""The single place where eval_toolkit creates a :class:`joblib.Parallel`.

Every public function with an ``n_jobs`` parameter calls :func:`parallel_map`.
The contract (doc/parallelism.rst) is the parallelism chapter's six principles
plus two project decisions:

* the default backend is loky, but an active ``joblib.parallel_config(backend=...)``
  (for example ``"dask"``) is honoured, so the same call runs on a cluster;
* callers dispatch *blocks* of work seeded from ``SeedSequence.spawn`` children,
  so results never depend on ``n_jobs``, batching or backend.
"""

from __future__ import annotations

import functools
import glob
import logging
import os
import pickle
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any, Literal, TypeVar, overload

import numpy as np

from ._validation import check_int, check_n_jobs, check_option

__all__ = ["WorkerDiedError", "register_worker_state", "unregister_worker_state"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

#: n_jobs=1 runs with at least this many items log one INFO hint per process.
SEQUENTIAL_HINT_ITEMS = 1000

_hint_emitted = False
_state_callbacks: dict[str, Callable[[], tuple[Any, Callable[[Any], Any]]]] = {}


def register_worker_state(
    callback: Callable[[], tuple[Any, Callable[[Any], Any]]], *, name: str | None = None
) -> str:
    """Carry a piece of process-global state from the caller into parallel workers.

    Worker processes start from import-time globals: anything the caller set at
    run time (a library's global config, a registry, a monkey-patch) is missing
    there.  ``callback`` runs in the caller each time :func:`parallel_map`
    dispatches work and returns ``(value, setter)``; in the worker,
    ``setter(value)`` runs before each task.  Both ``value`` and ``setter`` must
    be picklable (a top-level function, not a lambda).  scikit-learn's global
    config and the warnings filters are always carried; this hook is for
    anything else (the design follows tpcp's ``register_global_parallel_callback``).

    Parameters
    ----------
    callback : callable
        ``callback() -> (value, setter)``, called in the parent process.
    name : str, optional
        Key under which the callback is stored; defaults to its qualified name.

    Returns
    -------
    name : str
        Pass it to :func:`unregister_worker_state` to remove the callback.

    Examples
    --------
    >>> import numpy as np
    >>> from eval_toolkit import register_worker_state, unregister_worker_state
    >>> def numpy_print_state():
    ...     return np.get_printoptions(), _set_print_options
    >>> def _set_print_options(options):
    ...     np.set_printoptions(**options)
    >>> key = register_worker_state(numpy_print_state)
    >>> unregister_worker_state(key)
    """
    key = name if name is not None else getattr(callback, "__qualname__", repr(callback))
    _state_callbacks[key] = callback
    return key


def unregister_worker_state(name: str) -> None:
    """Remove a callback added with :func:`register_worker_state`."""
    if name not in _state_callbacks:
        raise KeyError(f"No worker-state callback is registered under {name!r}.")
    del _state_callbacks[name]


def _set_warning_filters(filters: list[tuple[Any, ...]]) -> None:
    # Rebuilt through the public API, as sklearn.utils.parallel does; the
    # enclosing catch_warnings() undoes it, so reused workers do not leak it.
    warnings.resetwarnings()
    for action, message, category, module, lineno in filters:
        if message is None and module is None:
            warnings.simplefilter(action, category, lineno, append=True)
        else:
            warnings.filterwarnings(
                action,
                getattr(message, "pattern", message) or "",
                category,
                getattr(module, "pattern", module) or "",
                lineno,
                append=True,
            )


def _current_warning_filters() -> list[tuple[Any, ...]]:
    # Python >= 3.14 may keep filters in a context variable (concurrent-safe
    # warnings); warnings._get_filters() is the accessor there.
    get_filters = getattr(warnings, "_get_filters", None)
    return list(get_filters() if get_filters is not None else warnings.filters)


def _set_sklearn_config(config: dict[str, Any]) -> None:
    import sklearn

    sklearn.set_config(**config)


def _capture_state() -> list[tuple[Callable[[Any], Any], Any]]:
    """Snapshot, in the parent, every piece of state the workers must see."""
    state: list[tuple[Callable[[Any], Any], Any]] = [
        (_set_warning_filters, _current_warning_filters())
    ]
    # A parent that never imported scikit-learn has its default config, which
    # the workers have anyway; importing it here would cost ~0.5 s.
    if "sklearn" in sys.modules:
        state.append((_set_sklearn_config, sys.modules["sklearn"].get_config()))
    for callback in _state_callbacks.values():
        value, setter = callback()
        state.append((setter, value))
    return state


@contextmanager
def _restored(state: list[tuple[Callable[[Any], Any], Any]]) -> Iterator[None]:
    with ExitStack() as stack:
        stack.enter_context(warnings.catch_warnings())
        if "sklearn" in sys.modules or any(s is _set_sklearn_config for s, _ in state):
            import sklearn

            stack.enter_context(sklearn.config_context())
        for setter, value in state:
            setter(value)
        yield


def _run_task(
    func: Callable[..., R],
    state: list[tuple[Callable[[Any], Any], Any]],
    item: Any,
    /,
    *args: Any,
    **kwargs: Any,
) -> R:
    """Worker-side entry point: restore the parent's state, then call ``func``."""
    with _restored(state):
        return func(*args, item, **kwargs)


class _NullSink:
    def write(self, data: bytes) -> int:
        return len(data)


class _SniffPickler(pickle.Pickler):
    """Plain pickle that skips numeric array buffers.

    Numeric ndarrays always pickle, so writing a 1 GB buffer to test them would
    only waste time; object arrays may hold anything and are pickled.
    """

    def persistent_id(self, obj: Any) -> str | None:
        if isinstance(obj, np.ndarray) and not obj.dtype.hasobject:
            return "ndarray"
        return None


def sniff_pickle(obj: Any, what: str, context: str) -> None:
    """Raise ``TypeError("<context>: <what> is not picklable ...")`` if ``obj`` is not."""
    try:
        _SniffPickler(_NullSink(), protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    except Exception as exc:  # pickle raises PicklingError, TypeError, AttributeError...
        raise TypeError(
            f"{context}: {what} is not picklable (lambdas, closures "
            "over local state, classes defined inside functions and objects holding "
            "open files or sockets are not supported with n_jobs != 1). Define a named "
            "top-level function or class, and open files or connections inside the "
            f"work instead of storing them. Underlying error: {type(exc).__name__}: {exc}"
        ) from exc


def check_picklable(fn: Callable[..., Any], items: Sequence[Any], description: str) -> None:
    """Raise a helpful ``TypeError`` if the work cannot be shipped to a worker.

    Uses plain :mod:`pickle` semantics (objects by reference): lambdas and
    closures are rejected even where cloudpickle could ship them, because that
    is fragile across backends and processes.  Named top-level functions and
    classes, including those of ``__main__``, pass.
    """
    context = f"parallel_map of {description}"
    func = fn.func if isinstance(fn, functools.partial) else fn
    sniff_pickle(func, f"the callable {getattr(func, '__qualname__', repr(func))!r}", context)
    if isinstance(fn, functools.partial):
        for i, arg in enumerate(fn.args):
            sniff_pickle(arg, f"positional argument {i} bound to the callable", context)
        for key, arg in fn.keywords.items():
            sniff_pickle(arg, f"keyword argument {key!r} bound to the callable", context)
    if items:
        sniff_pickle(items[0], "the first work item", context)
    for setter, value in _capture_state():
        sniff_pickle((setter, value), f"worker state registered via {setter!r}", context)


def _is_local_backend() -> bool:
    from joblib._parallel_backends import (
        LokyBackend,
        MultiprocessingBackend,
        SequentialBackend,
        ThreadingBackend,
    )
    from joblib.parallel import get_active_backend

    backend, _ = get_active_backend()
    return isinstance(
        backend, (LokyBackend, MultiprocessingBackend, ThreadingBackend, SequentialBackend)
    )


def effective_n_jobs(n_jobs: int, description: str) -> int:
    """Cap ``n_jobs`` at the local core count, with a WARNING (local backends only).

    On a cluster backend such as Dask, cores are the cluster's, not this
    machine's, so no cap applies there.
    """
    import joblib

    n_cores = joblib.cpu_count()
    if n_jobs > n_cores and _is_local_backend():
        logger.warning(
            "parallel_map of %s: n_jobs=%d exceeds the %d available cores; using %d.",
            description,
            n_jobs,
            n_cores,
            n_cores,
        )
        return n_cores
    return n_jobs


def caller_threads(n_jobs: int) -> int:
    """Threads the caller may use for its own preparation of a job of ``n_jobs``.

    ``n_jobs`` (as validated, -1 = all cores) capped at this machine's cores:
    workers, local or on a cluster, start only once the caller has prepared
    the work, so its cores are free meanwhile.  1 for ``n_jobs=1``.
    """
    import joblib

    n_cores = joblib.cpu_count()
    return n_cores if n_jobs < 0 else min(n_jobs, n_cores)


def _hint_sequential(n_items: int, description: str) -> None:
    global _hint_emitted
    if n_items >= SEQUENTIAL_HINT_ITEMS and not _hint_emitted:
        _hint_emitted = True
        logger.info(
            "parallel_map of %s: %d work items run sequentially (n_jobs=1); "
            "pass n_jobs=-1 to use all cores.",
            description,
            n_items,
        )


def _tagged(func: Callable[..., R], index: int, /, *args: Any, **kwargs: Any) -> tuple[int, R]:
    return index, func(*args, **kwargs)


def _progress_bar(total: int, description: str) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=description, file=sys.stderr, unit="task")


class WorkerDiedError(RuntimeError):
    """A worker process died (killed by the OS, e.g. out of memory) during parallel work.

    The message names the work and the unfinished items, the likely cause and
    how to resume.  Finished items were already handed to the caller (and,
    with ``checkpoint=``, saved), so a rerun computes only what is missing.
    """


#: Seconds between a worker's checks that the process that started it is alive.
PARENT_POLL_SECONDS = 0.5


def _exit_with_parent() -> None:
    """Worker initializer: exit as soon as the parent process is gone.

    loky keeps idle workers for 300 s and lets a running batch finish, so a
    parent killed with SIGKILL (no chance to clean up) left its workers and
    their resource trackers alive for minutes.  Once the parent dies the worker
    is re-parented (getppid changes): a daemon thread notices within
    ``PARENT_POLL_SECONDS`` and ends the process, even mid-task (numpy releases
    the GIL, and the interpreter switches threads every few ms anyway).  The
    resource trackers then see their last client go and exit, removing any
    memory-mapped folder left behind.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="eval_toolkit-parent-watch", daemon=True).start()


def _is_loky_backend() -> bool:
    from joblib._parallel_backends import LokyBackend
    from joblib.parallel import get_active_backend

    return isinstance(get_active_backend()[0], LokyBackend)


def _make_parallel(n_jobs: int, n_items: int) -> Any:
    """The one ``joblib.Parallel`` of the package: unordered results, even batches."""
    from joblib import Parallel

    extra = {"initializer": _exit_with_parent} if _is_loky_backend() else {}
    return Parallel(
        n_jobs=n_jobs,
        return_as="generator_unordered",
        batch_size=_batch_size(n_items, n_jobs),
        **extra,
    )


#: How long to wait, after a call, for loky's resource tracker to unlink the
#: call's memory-mapped arrays before giving up on removing their folder.
CLEANUP_WAIT_SECONDS = 2.0


def _memmap_roots() -> set[str]:
    """Where joblib may put memory-mapped arguments (its own choice of folder)."""
    import tempfile

    roots = {"/dev/shm", tempfile.gettempdir()}
    for configured in (os.environ.get("JOBLIB_TEMP_FOLDER"), _configured_temp_folder()):
        if configured:
            roots.add(os.path.expanduser(configured))
    return roots


def _configured_temp_folder() -> str | None:
    from joblib.parallel import _backend

    config = getattr(_backend, "config", None) or {}
    value = config.get("temp_folder")
    return value if isinstance(value, str) else None


def _clean_memmap_folders() -> None:
    """Remove the empty ``joblib_memmapping_folder_<pid>_*`` folders of this process.

    joblib asks its resource tracker (another process) to unlink a call's
    memmaps, then at once tries to remove their folder, which fails while the
    tracker has not got there yet (and a reused executor's default folder is
    never removed).  Each parallel call so left an empty folder in /dev/shm
    until the interpreter exited (770 after 1,500 calls).  Wait briefly for the
    tracker, then remove this process's folders that are empty: ``os.rmdir``
    never removes one in use, and joblib recreates a folder when it needs it.
    """
    pattern = f"joblib_memmapping_folder_{os.getpid()}_*"
    try:
        folders = [f for root in _memmap_roots() for f in glob.glob(os.path.join(root, pattern))]
    except Exception as exc:  # never let cleanup mask the result or the real error
        logger.debug("cannot list joblib's memmapping folders: %r", exc)
        return
    deadline = time.monotonic() + CLEANUP_WAIT_SECONDS
    for folder in folders:
        try:
            while os.listdir(folder) and time.monotonic() < deadline:
                time.sleep(0.01)
            os.rmdir(folder)
        except OSError:  # gone already, or still in use
            pass


def _worker_died_types() -> tuple[type[BaseException], ...]:
    from concurrent.futures.process import BrokenProcessPool

    from joblib.externals.loky.process_executor import BrokenProcessPool as LokyBroken

    return (BrokenProcessPool, LokyBroken)


def _run_once(func, state, items, indices, args, kwargs, n_jobs) -> Iterator[tuple[int, Any]]:
    from joblib import delayed

    parallel = _make_parallel(n_jobs, len(indices))
    tasks = (
        delayed(_run_task)(functools.partial(_tagged, func, i), state, items[i], *args, **kwargs)
        for i in indices
    )
    try:
        yield from parallel(tasks)
    finally:
        _clean_memmap_folders()


def _death_message(
    description: str,
    missing: list[int],
    n_items: int,
    item_label: Callable[[int], str] | None,
    advice: str,
    retries: int,
    exc: BaseException,
) -> str:
    label = item_label or (lambda i: f"item {i}")
    shown = "; ".join(label(i) for i in missing[:3])
    more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
    tried = f" after {retries} retr{'y' if retries == 1 else 'ies'}" if retries else ""
    return (
        f"parallel_map of {description}: a worker process died{tried} with {len(missing)} of "
        f"{n_items} work items unfinished ({shown}{more}). It was most likely killed by the "
        "operating system, for example for lack of memory (see the kernel log: "
        "`dmesg | grep -i kill`). "
        + (advice + " " if advice else "")
        + "To go on: pass retries=N to resubmit lost work (same seeds, same result), use "
        "fewer workers (n_jobs) so each has more memory"
        + (", or rerun with the same checkpoint to compute only what is missing" if advice else "")
        + f". (joblib: {type(exc).__name__}: {exc})"
    )


def _stream(
    fn: Callable[[T], R],
    items: list[T],
    n_jobs: int,
    description: str,
    retries: int,
    item_label: Callable[[int], str] | None,
    death_advice: str,
) -> Iterator[tuple[int, R]]:
    """Yield ``(index, fn(items[index]))`` as items finish, resubmitting lost ones."""
    func, args, kwargs = (
        (fn.func, fn.args, fn.keywords) if isinstance(fn, functools.partial) else (fn, (), {})
    )
    state = _capture_state()
    pending = list(range(len(items)))
    for attempt in range(retries + 1):
        finished: set[int] = set()
        try:
            for index, result in _run_once(func, state, items, pending, args, kwargs, n_jobs):
                finished.add(index)
                yield index, result
            return
        except _worker_died_types() as exc:
            pending = [i for i in pending if i not in finished]
            if attempt == retries:
                message = _death_message(
                    description, pending, len(items), item_label, death_advice, retries, exc
                )
                raise WorkerDiedError(message) from exc
            logger.warning(
                "parallel_map of %s: a worker process died; resubmitting %d unfinished work "
                "items (retry %d of %d).",
                description,
                len(pending),
                attempt + 1,
                retries,
            )


def _in_order(stream: Iterator[tuple[int, R]]) -> Iterator[R]:
    buffered: dict[int, R] = {}
    expected = 0
    for index, result in stream:
        buffered[index] = result
        while expected in buffered:
            yield buffered.pop(expected)
            expected += 1


@overload
def parallel_map(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    n_jobs: int = ...,
    description: str = ...,
    return_as: Literal["list"] = ...,
    progress: bool = ...,
    on_result: Callable[[int, R], None] | None = ...,
    retries: int = ...,
    item_label: Callable[[int], str] | None = ...,
    death_advice: str = ...,
) -> list[R]: ...


@overload
def parallel_map(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    n_jobs: int = ...,
    description: str = ...,
    return_as: Literal["generator"],
    progress: bool = ...,
    on_result: Callable[[int, R], None] | None = ...,
    retries: int = ...,
    item_label: Callable[[int], str] | None = ...,
    death_advice: str = ...,
) -> Iterator[R]: ...


def parallel_map(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    n_jobs: int = 1,
    description: str = "work",
    return_as: Literal["list", "generator"] = "list",
    progress: bool = False,
    on_result: Callable[[int, R], None] | None = None,
    retries: int = 0,
    item_label: Callable[[int], str] | None = None,
    death_advice: str = "",
) -> list[R] | Iterator[R]:
    """Apply ``fn`` to every item, in input order, sequentially or with joblib.

    Parameters
    ----------
    fn : callable
        ``fn(item) -> result``.  Bind shared data with :func:`functools.partial`:
        its arguments are passed to joblib as separate arguments, so loky
        memory-maps large arrays and Dask scatters them, once per call rather
        than once per item.
    items : iterable
        Work units, typically ``SeedSequence`` children of blocks of resamples.
    n_jobs : int, default=1
        ``1`` runs a plain loop in this process; ``-1`` uses all cores;
        ``2..cpu_count()`` that many workers; more than ``cpu_count()`` is capped
        (WARNING).  ``0`` and values below ``-1`` raise ``ValueError``.
    description : str, default="work"
        Names the work in messages: ``"parallel_map of <description>: ..."``.
    return_as : {"list", "generator"}, default="list"
        ``"generator"`` yields results in order as they finish, so callers can
        reduce them on the fly and bound memory.
    progress : bool, default=False
        Show a tqdm bar on stderr counting *finished* items.
    on_result : callable, optional
        ``on_result(index, result)``, called in this process as each item
        finishes (in any order), e.g. to save it; an exception stops the work.
    retries : int, default=0
        How many times to resubmit unfinished items after a worker process
        died.  Items are pure functions of themselves (seeded before
        dispatch), so a retried item gives the same result.
    item_label : callable, optional
        ``item_label(index) -> str`` names an item in the error raised when a
        worker dies (e.g. "block 3: resamples 192-255, seed child 3").
    death_advice : str, optional
        A sentence added to that error (memory per item, how to resume).

    Returns
    -------
    list or iterator
        ``[fn(item) for item in items]`` (or a generator of it).

    Raises
    ------
    WorkerDiedError
        A worker process died and ``retries`` were used up.
    """
    func_name = f"parallel_map of {description}"
    n_jobs = check_n_jobs(n_jobs, func_name)
    check_option(return_as, func_name, "return_as", ("list", "generator"))
    retries = check_int(retries, func_name, "retries", low=0)
    items = list(items)
    if n_jobs == 1:
        _hint_sequential(len(items), description)
        stream: Iterator[tuple[int, Any]] = ((i, fn(item)) for i, item in enumerate(items))
    else:
        check_picklable(fn, items, description)
        n_jobs = effective_n_jobs(n_jobs, description)
        logger.debug("parallel_map of %s: %d items, n_jobs=%d", description, len(items), n_jobs)
        stream = _stream(fn, items, n_jobs, description, retries, item_label, death_advice)
    if on_result is not None:
        stream = _reported(stream, on_result)
    if progress:
        stream = _counted(stream, len(items), description)
    if return_as == "generator":
        return _in_order(stream)
    out: list[Any] = [None] * len(items)
    for index, result in stream:
        out[index] = result
    return out


#: Batches per worker: enough to balance the tail of the schedule, few enough
#: that data bound to ``fn`` is pickled a handful of times per worker.
BATCHES_PER_WORKER = 4


def _batch_size(n_items: int, n_jobs: int) -> int:
    """Items per dispatched batch: about BATCHES_PER_WORKER batches per worker.

    joblib's adaptive batching grows batches of fast tasks and can leave one
    worker with a long last batch while the other idles; equal work units
    (blocks of resamples) balance best with a fixed, even split.  Which items
    share a batch never changes a result.
    """
    import joblib

    workers = joblib.effective_n_jobs(n_jobs)  # honours an active parallel_config backend
    return even_batch_size(n_items, workers)


def even_batch_size(n_items: int, workers: int) -> int:
    """About BATCHES_PER_WORKER batches per worker, in a number of batches ``workers`` divides.

    Otherwise one worker runs one batch more than the others: 10 blocks on 2
    workers in batches of 2 leave one worker 6 blocks against 4, capping the
    gain at 1.67x; batches of 1 give 5 each.  The batch shrinks until the
    batches split evenly (always so at 1).
    """
    size = max(1, -(-n_items // (BATCHES_PER_WORKER * workers)))
    while size > 1 and -(-n_items // size) % workers:
        size -= 1
    return size


def _reported(
    stream: Iterator[tuple[int, R]], on_result: Callable[[int, R], None]
) -> Iterator[tuple[int, R]]:
    for index, result in stream:
        on_result(index, result)
        yield index, result


def _counted(
    stream: Iterator[tuple[int, R]], total: int, description: str
) -> Iterator[tuple[int, R]]:
    with _progress_bar(total, description) as bar:
        for pair in stream:
            bar.update(1)
            yield pair
