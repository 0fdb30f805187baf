"""Whether the compiled kernels of the ``fast`` extra run for an array of a given size.

The compiled kernels (:mod:`eval_toolkit._compiled`, numba) compute the same
values bit for bit as the numpy code they replace; which path runs changes
the time, never a result.  The first use in a process imports numba and loads
the cached kernels (~0.3 s; ~1 s the first time after installing, to compile
them), so only a large array loads them (`LOAD_FROM`);
a small problem, whose whole call takes milliseconds, never pays that.
"""

from __future__ import annotations

import os
from types import ModuleType

__all__: list[str] = []

#: An array this large loads the compiled kernels, once per process: one
#: block of 64 resamples of 4,096 samples, about 1 ms of counting in numpy
#: (loading costs ~0.3 s, so a small problem never triggers it).
LOAD_FROM = 2**18

#: Once loaded, arrays from this size use them (a compiled call costs a few
#: microseconds, like a numpy call).
USE_FROM = 2**12

#: Set this environment variable to "0" to keep the numpy path although
#: numba is installed.
ENV = "EVAL_TOOLKIT_COMPILED"

_loaded: ModuleType | None = None
_tried = False


def _import_compiled() -> ModuleType | None:
    try:
        from . import _compiled
    except ImportError:  # numba is an optional extra
        return None
    return _compiled


def compiled(entries: int) -> ModuleType | None:
    """The compiled kernels for an array of ``entries`` entries, or None.

    None when numba is not installed, when ``EVAL_TOOLKIT_COMPILED=0``, below
    `USE_FROM`, or below `LOAD_FROM` while no larger array has loaded them
    in this process.
    """
    global _loaded, _tried
    if entries < USE_FROM or os.environ.get(ENV) == "0":
        return None
    if not _tried and entries >= LOAD_FROM:
        _loaded, _tried = _import_compiled(), True
    return _loaded
