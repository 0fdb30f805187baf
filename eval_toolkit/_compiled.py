"""Compiled kernels of the optional ``fast`` extra (numba): counting and running sums.

Counting.  The index sampler draws a (rows, n) matrix of positions with numpy's
``Generator.integers`` and turns it into per-row cell counts.  In numpy that
is a gather, an offset pass and one ``bincount`` (itself a max pass and a
count pass) per arm; here it is one pass that reads each position once and
increments every arm's counter.  Counts are integers, so the result is the
same array bit for bit whichever path runs; the numpy path
(:func:`eval_toolkit._resample.count_cells`) stays the reference, and the
tests run both.

Running sums.  The rank and calibration kernels take cumulative sums along
the rows of count matrices.  numpy's ``cumsum`` adds strictly left to right,
as the loops below do (no fast-math: LLVM keeps the order of floating-point
additions), so the sums are the same bit for bit; on (64, 20,000) float64
rows they took 1.1 ms against numpy's 4.2 ms.

Importing this module imports numba and loads the kernels from
numba's on-disk cache (compiled once per installation): about 0.3 s, so
:mod:`eval_toolkit._fast_path` imports it lazily, and only for arrays large
enough to pay that once.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__: list[str] = []

_JIT = {"cache": True, "nogil": True, "boundscheck": False}

#: Positions looked up before their cells are counted.  Separating the two
#: loops keeps the lookups independent of the increments, so that the CPU
#: overlaps their cache misses: at n = 1e6 (a 4 MB table) counting two arms
#: took 2.5 ms per million positions this way against 4.2 ms with one fused
#: loop; at n = 1e4 1.1 ms against 1.3 ms.
_BATCH = 4096


@njit(**_JIT)
def _gather(positions: np.ndarray, start: int, table: np.ndarray, cells: np.ndarray) -> int:
    """``cells[:size] = table[positions[start:start + size]]`` for the batch at ``start``.

    Returns ``size`` (at most `_BATCH`).  Kept apart from the counting loop
    that follows it so that the lookups' cache misses overlap (see `_BATCH`).
    """
    size = min(cells.shape[0], positions.shape[0] - start)
    for j in range(size):
        cells[j] = table[positions[start + j]]
    return size


@njit(**_JIT)
def count_one(drawn: np.ndarray, lookup: np.ndarray, out: np.ndarray) -> None:
    """Add to ``out[r, c]`` one for every ``c = lookup[drawn[r, j]]``.

    Parameters
    ----------
    drawn : ndarray of shape (rows, m), int32 or int64
        Positions in ``lookup``.
    lookup : ndarray of shape (n_s,), int32 or int64
        Cell of each position.
    out : ndarray of shape (rows, width), int64
        Counts, updated in place.
    """
    rows, m = drawn.shape
    cells = np.empty(_BATCH, dtype=lookup.dtype)
    for r in range(rows):
        row = out[r]
        for start in range(0, m, _BATCH):
            size = _gather(drawn[r], start, lookup, cells)
            for j in range(size):
                row[cells[j]] += 1


@njit(**_JIT)
def count_packed(
    drawn: np.ndarray, packed: np.ndarray, shift: int, out0: np.ndarray, out1: np.ndarray
) -> None:
    """Count two arms' cells from the same positions in one pass.

    Parameters
    ----------
    drawn : ndarray of shape (rows, m), int32 or int64
        Positions in ``packed``.
    packed : ndarray of shape (n_s,), int32 or int64
        Arm 0's cell in the low ``shift`` bits, arm 1's above: one lookup
        serves both arms (the layout of
        :attr:`eval_toolkit._resample.ArmSampler.draws`).
    shift : int
    out0, out1 : ndarray of shape (rows, width_0) and (rows, width_1), int64
        Counts, updated in place.
    """
    rows, m = drawn.shape
    mask = (1 << shift) - 1
    cells = np.empty(_BATCH, dtype=packed.dtype)
    for r in range(rows):
        row0 = out0[r]
        row1 = out1[r]
        for start in range(0, m, _BATCH):
            size = _gather(drawn[r], start, packed, cells)
            for j in range(size):
                row0[cells[j] & mask] += 1
                row1[cells[j] >> shift] += 1


@njit(**_JIT)
def cumsum_rows(x: np.ndarray, out: np.ndarray) -> None:
    """``np.cumsum(x, axis=1, out=out)``, the same values bit for bit.

    Parameters
    ----------
    x : ndarray of shape (r, k), int64 or float64
        Any strides: a reversed view ``x[:, ::-1]`` gives suffix sums.
    out : ndarray of shape (r, k), same dtype (may be a view of a wider array)
    """
    rows, k = x.shape
    for i in range(rows):
        if k == 0:
            continue
        total = x[i, 0]
        out[i, 0] = total
        for j in range(1, k):
            total += x[i, j]
            out[i, j] = total

