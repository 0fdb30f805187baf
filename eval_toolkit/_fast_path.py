"""Whether the compiled kernels of the ``fast`` extra run for an array of a given size.

The compiled kernels (:mod:`eval_toolkit._compiled`, numba) compute the same
values bit for bit as the numpy code they replace; which path runs changes
the time, never a result.  The first use in a process imports numba and loads
the cached kernels (~0.4 s), so arrays below `MIN_ENTRIES` keep numpy: a
small problem, whose whole call takes milliseconds, never pays that.
"""

from __future__ import annotations

import os
from functools import cache
from types import ModuleType

__all__: list[str] = []

#: Entries from which an array (drawn positions, or a count matrix) goes
#: through the compiled kernels: one block of 64 resamples of 1,024 samples.
MIN_ENTRIES = 2**16

#: Set this environment variable to "0" to keep the numpy path although
#: numba is installed.
ENV = "EVAL_TOOLKIT_COMPILED"


@cache
def _import_compiled() -> ModuleType | None:
    try:
        from . import _compiled
    except ImportError:  # numba is an optional extra
        return None
    return _compiled


def compiled(entries: int) -> ModuleType | None:
    """The compiled kernels for an array of ``entries`` entries, or None.

    None when numba is not installed, when ``EVAL_TOOLKIT_COMPILED=0``, or
    below `MIN_ENTRIES`.
    """
    if entries < MIN_ENTRIES or os.environ.get(ENV) == "0":
        return None
    return _import_compiled()
