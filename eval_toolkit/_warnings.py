"""Warnings attributed to the user's line, never to the package's internals.

A fixed ``stacklevel`` is right for one call path only: the same warning can
be raised two, three or four frames below the public function the user
called (``bootstrap_ci``, ``PairedBootstrap.fit``, ``compare_scores``, the
CLI).  :func:`warn` therefore attributes it to the first frame outside this
package, as ``warnings.warn(..., skip_file_prefixes=...)`` does on Python >=
3.12 (with a frame walk that does the same on 3.10 and 3.11), so filters by
module and the printed file and line are the caller's.
"""

from __future__ import annotations

import os
import sys
import warnings
from types import FrameType

__all__: list[str] = []

#: Frames whose file starts with this are package internals.
PACKAGE_PREFIX = os.path.dirname(os.path.abspath(__file__)) + os.sep


def warn(message: str, category: type[Warning]) -> None:
    """``warnings.warn(message, category)``, pointing at the first caller outside eval_toolkit."""
    if sys.version_info >= (3, 12):
        warnings.warn(message, category, skip_file_prefixes=(PACKAGE_PREFIX,))
    else:
        warnings.warn(message, category, stacklevel=_external_stacklevel())


def _external_stacklevel() -> int:
    """``stacklevel`` of the first frame outside the package, for the call in :func:`warn`."""
    frame: FrameType | None = sys._getframe(2)  # warn()'s caller: stacklevel 2 there
    level = 2
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(
        PACKAGE_PREFIX
    ):
        frame = frame.f_back
        level += 1
    return level
