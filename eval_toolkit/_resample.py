"""Bootstrap resampling as counts over distinct data cells.

A data set of n rows is compressed to k distinct *cells* (for a paired
comparison, distinct ``(label, score_a, score_b)`` triples) with
multiplicities ``m``.  Drawing n indices uniformly with replacement gives cell
counts distributed Multinomial(n, m / n), so a resample is a vector of k counts
and every metric is a weighted sum over cells.  This is an exact equivalent of
index resampling, not an approximation (Efron & Tibshirani 1993, sec. 6.2).

Two exact samplers are used, chosen from the data alone (never from the
machine or ``n_jobs``): a multinomial draw over the cells when they are few
(cost O(k) per resample; accuracy at a threshold has k <= 8), else n uniform
indices folded to cell counts with one ``bincount`` (cost O(n) per resample).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import sparse

from ._fast_path import compiled as compiled_kernels

__all__: list[str] = []

#: Resamples per work unit.  A constant of the algorithm: block b always draws
#: from child b of ``SeedSequence(seed).spawn(n_blocks)``, so results do not
#: depend on ``n_jobs``, batching or backend, and the first r resamples are the
#: same whatever ``n_resamples`` is (prefix stability).  Changing it changes
#: every result.
BLOCK_SIZE = 64

#: Upper bound on ``rows * width`` of one draw chunk inside a block; bounds the
#: working memory of a block to a few arrays of 2**20 entries (8 MiB each),
#: whatever n is.  Below glibc's 32 MiB mmap ceiling such arrays are reused
#: from the heap instead of being page-faulted afresh each time: 2**22 was
#: ~25% slower at n = 1e6 and scaled worse across processes.  With one stream
#: (one stratum, one table) the chunking never changes a result: the stream is
#: drawn row after row, and kernels are row-wise.  With several (stratified,
#: or validation and test tables) a chunk draws each stream's rows in turn,
#: so this constant fixes their interleaving and is part of the result.
CHUNK_ENTRIES = 2**20

#: Rows of a drawn chunk are gathered and counted in slices of at most this
#: many entries (1 MiB of int64, the L2 cache size), so that those passes run
#: from cache; the draw itself keeps CHUNK_ENTRIES.  At n = 1e4 the engine
#: took 1.4x the exact-work floor with slices of 2**17 against 2.7x with
#: 2**20 (same run, CPU time, paired ROC AUC).  Slicing never changes a count.
CACHE_ENTRIES = 2**17

#: From this many samples on, sample-to-cell lookup tables are int32: a table
#: of 2**18 int64 (2 MiB) no longer fits the L2 cache, and halving it made the
#: random gather ~2x faster at n = 1e6; below, int64 avoids the cast inside
#: ``bincount`` and was ~10% faster at n = 1e4.  Cell numbers fit either way.
_INT32_LOOKUP_FROM = 2**18

#: Columns of at least this many samples are ranked in threads when the
#: caller may use several (``n_threads``): numpy's sort releases the GIL, and
#: two columns of 1e6 scores took 92 ms in two threads against 179 ms in
#: turn.  Below, a column sorts in under ~5 ms and a thread is not worth it.
THREADED_RANKS_FROM = 2**16

# The multinomial sampler costs ~10-20x more per cell than the index sampler
# per sample, so it pays off only when cells are this much fewer than samples.
_MULTINOMIAL_RATIO = 16


@dataclass(frozen=True)
class Stratum:
    """Samples resampled together: all of them, or one class when stratified."""

    samples: np.ndarray  # sample indices in the caller's row order
    cells: np.ndarray  # cell of each of those samples
    mult: np.ndarray  # (k,) multiplicity of each cell within the stratum
    occupied: np.ndarray  # cells present in the stratum

    @property
    def uses_multinomial(self) -> bool:
        return self.occupied.shape[0] * _MULTINOMIAL_RATIO <= self.samples.shape[0]

    @cached_property
    def lookup(self) -> np.ndarray:
        """``cells`` in the gather dtype (see `lookup_dtype`)."""
        return self.cells.astype(lookup_dtype(self.samples.shape[0]))

    def probabilities(self) -> np.ndarray:
        """Probability of each occupied cell: the multinomial sampler's ``p``."""
        return self.mult[self.occupied] / self.samples.shape[0]


@dataclass(frozen=True)
class CellTable:
    """Distinct cells of one data set and how to resample them.

    Attributes
    ----------
    mult : ndarray of shape (k,)
        Multiplicity of each cell in the data.
    strata : tuple of Stratum
        One stratum holding all samples, or one per class when the bootstrap
        is stratified.
    """

    mult: np.ndarray
    strata: tuple[Stratum, ...]
    clusters: Clusters | None = None

    @property
    def n_cells(self) -> int:
        return self.mult.shape[0]

    @property
    def n_samples(self) -> int:
        return int(self.mult.sum())

    def chunk_rows(self) -> int:
        """Rows per draw chunk so that a chunk stays within CHUNK_ENTRIES."""
        by_index = any(not s.uses_multinomial for s in self.strata)
        width = self.n_samples if by_index else self.n_cells
        return int(np.clip(CHUNK_ENTRIES // width, 1, BLOCK_SIZE))

    def draw_counts(self, rng: np.random.Generator, rows: int) -> np.ndarray:
        """Return a (rows, k) int64 matrix of bootstrap cell counts."""
        if self.clusters is not None:
            return self.clusters.draw_counts(rng, rows)
        parts = [self._stratum_counts(rng, rows, stratum) for stratum in self.strata]
        return parts[0] if len(parts) == 1 else np.sum(parts, axis=0)

    def _stratum_counts(self, rng: np.random.Generator, rows: int, stratum: Stratum) -> np.ndarray:
        k = self.n_cells
        if stratum.uses_multinomial:
            return self._multinomial_counts(rng, rows, stratum)
        n_s = stratum.samples.shape[0]
        return draw_and_count(rng, rows, n_s, (stratum.lookup,), 0, (k,))[0]

    def _multinomial_counts(
        self, rng: np.random.Generator, rows: int, stratum: Stratum
    ) -> np.ndarray:
        drawn = rng.multinomial(stratum.samples.shape[0], stratum.probabilities(), size=rows)
        if stratum.occupied.shape[0] == self.n_cells:  # one stratum: no empty cell to fill
            return drawn
        counts = np.zeros((rows, self.n_cells), dtype=np.int64)
        counts[:, stratum.occupied] = drawn
        return counts

    @property
    def entries_per_resample(self) -> int:
        """Random draws per resample: indices, cells of a multinomial or groups."""
        if self.clusters is not None:
            return self.clusters.n_groups
        return sum(
            s.occupied.shape[0] if s.uses_multinomial else s.samples.shape[0] for s in self.strata
        )

    def draw_indices(self, rng: np.random.Generator, rows: int) -> np.ndarray | list[np.ndarray]:
        """Return a (rows, n) matrix of bootstrap sample indices (generic metrics).

        Under the cluster bootstrap resamples differ in size: a list of rows.
        """
        if self.clusters is not None:
            return self.clusters.draw_indices(rng, rows)
        if len(self.strata) == 1:
            # One stratum holds every sample in row order: the drawn positions
            # are the indices (same draws, one gather pass fewer).
            n = self.strata[0].samples.shape[0]
            return rng.integers(0, n, size=(rows, n))
        parts = [
            s.samples[rng.integers(0, s.samples.shape[0], size=(rows, s.samples.shape[0]))]
            for s in self.strata
        ]
        return np.concatenate(parts, axis=1)


    def jackknife_sets(self, loo: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Split per-cell leave-one-out values by independently resampled stratum.

        Each stratum is a separate sample of the multi-sample jackknife (one
        class each when stratified); a cell lies in one stratum only, since
        the label is part of the cell.  Returns (values, multiplicities) per
        stratum.
        """
        return [(loo[s.occupied], s.mult[s.occupied]) for s in self.strata]


@dataclass(frozen=True)
class Clusters:
    """Groups of rows resampled whole (the cluster bootstrap).

    Drawing G group ids with replacement and adding up the drawn groups' cell
    counts gives the cells' counts: ``group_counts @ members``, an exact
    equivalent of concatenating the drawn groups' rows (Davison & Hinkley
    1997, sec. 3.8).
    """

    members: sparse.csr_matrix  # (G, k) count of each cell in each group
    order: np.ndarray  # sample indices sorted by group
    starts: np.ndarray  # (G + 1,) offsets of each group in ``order``

    @property
    def n_groups(self) -> int:
        return int(self.members.shape[0])

    def draw_groups(self, rng: np.random.Generator, rows: int) -> np.ndarray:
        return rng.integers(0, self.n_groups, size=(rows, self.n_groups))

    def draw_counts(self, rng: np.random.Generator, rows: int) -> np.ndarray:
        drawn = self.draw_groups(rng, rows)
        g = self.n_groups
        drawn += (np.arange(rows) * g)[:, None]
        group_counts = np.bincount(drawn.ravel(), minlength=rows * g).reshape(rows, g)
        return np.asarray((self.members.T @ group_counts.T).T, dtype=np.int64)

    def draw_indices(self, rng: np.random.Generator, rows: int) -> list[np.ndarray]:
        drawn = self.draw_groups(rng, rows)
        return [
            np.concatenate([self.order[self.starts[g] : self.starts[g + 1]] for g in row])
            for row in drawn
        ]

    def samples_of(self, group: int) -> np.ndarray:
        return self.order[self.starts[group] : self.starts[group + 1]]

    def loo_counts(self, mult: np.ndarray) -> list[np.ndarray]:
        """Full-data cell counts minus each group's, in chunks of dense rows."""
        k = mult.shape[0]
        chunk = max(1, CHUNK_ENTRIES // k)
        dense = mult.astype(np.float64)[None, :]
        return [
            dense - self.members[start : start + chunk].toarray()
            for start in range(0, self.n_groups, chunk)
        ]


def build_cells(
    columns: list[np.ndarray],
    strata_labels: np.ndarray | None,
    groups: np.ndarray | None = None,
    *,
    n_threads: int = 1,
) -> tuple[CellTable, np.ndarray, np.ndarray]:
    """Compress rows of ``columns`` to distinct cells.

    Parameters
    ----------
    columns : list of ndarray of shape (n,)
        Values that define a cell (label first, then the per-arm keys).
    strata_labels : ndarray of shape (n,) or None
        Resample within each distinct value (stratified bootstrap) if given.
    groups : ndarray of shape (n,) of int64 codes 0..G-1, or None
        Resample whole groups (cluster bootstrap) if given.
    n_threads : int, default=1
        Threads that may rank columns at once (`THREADED_RANKS_FROM`); the
        cells do not depend on it.

    Returns
    -------
    table : CellTable
    values : ndarray of shape (k, len(columns))
        The distinct rows, in lexicographic order.
    ranks : ndarray of shape (k, len(columns)), int64
        Dense rank of each value within its column (equal values share one),
        so that integer sorts can replace float ones (`joint_order`).
    """
    # Rows are ranked through one int64 mixed-radix code of per-column dense
    # ranks: a 1-D unique is ~5x faster than np.unique(axis=0) on n x c floats
    # and keeps the same lexicographic order.  The code is re-densified
    # whenever the next digit could overflow int64.
    columns = [np.asarray(c, dtype=np.float64) for c in columns]
    n = columns[0].shape[0]
    key = np.zeros(n, dtype=np.int64)
    threads = n_threads if n >= THREADED_RANKS_FROM else 1
    radices: list[int] = []
    densified: list[tuple[int, np.ndarray]] = []  # (column, distinct keys before it)
    for radix, code in _ranked(columns, threads):
        if (int(key.max()) + 1) * radix >= 2**62:
            levels, key = np.unique(key, return_inverse=True)
            densified.append((len(radices), levels))
            key = key.reshape(-1).astype(np.int64)
        key = key * radix + code
        radices.append(radix)
    first, inverse, mult = _distinct(key)
    values = np.column_stack([c[first] for c in columns])
    ranks = _digits(key[first], radices, densified)
    k = values.shape[0]
    if strata_labels is None:
        by_stratum = [np.arange(inverse.shape[0])]
    else:
        by_stratum = [np.flatnonzero(strata_labels == v) for v in np.unique(strata_labels)]
    strata = []
    for samples in by_stratum:
        cells = inverse[samples]
        sub_mult = np.bincount(cells, minlength=k)
        strata.append(Stratum(samples, cells, sub_mult, np.flatnonzero(sub_mult)))
    clusters = None if groups is None else _clusters(groups, inverse, k)
    table = CellTable(mult=mult.astype(np.int64), strata=tuple(strata), clusters=clusters)
    return table, values, ranks


def _digits(
    keys: np.ndarray, radices: list[int], densified: list[tuple[int, np.ndarray]]
) -> np.ndarray:
    """Each column's rank from the mixed-radix keys of `build_cells` (its inverse).

    Columns after the last re-densification are digits of ``keys``; what is
    left is a dense rank of the keys before it, which ``levels`` turns back
    into them, and so on down to the first column.
    """
    out = np.empty((keys.shape[0], len(radices)), dtype=np.int64)
    marks = list(densified)
    end = len(radices)
    while end:
        start, levels = marks.pop() if marks else (0, None)
        for column in range(end - 1, start - 1, -1):
            keys, out[:, column] = np.divmod(keys, radices[column])
        if levels is not None:
            keys = levels[keys]
        end = start
    return out


def joint_order(ranks: np.ndarray, column: int) -> np.ndarray:
    """Rank of each distinct row's (label, ``column``) pair, lexicographic (int64).

    Sorting by it (stably) orders rows as ``np.lexsort((values[:, column],
    values[:, 0]))`` does, through an integer sort (see `stable_order`).
    """
    label, key = ranks[:, 0], ranks[:, column]
    return label * (int(key.max(initial=0)) + 1) + key


def stable_order(order: np.ndarray) -> np.ndarray:
    """``np.argsort(order, kind="stable")``, as a radix sort when values fit 16 bits.

    numpy sorts 16-bit integers stably by radix: 9 ms for 6e5 values against
    38 ms as int64 and 23-67 ms for the float lexsort it replaces.
    """
    if order.shape[0] and int(order.max()) < 2**16:
        order = order.astype(np.uint16)
    return np.argsort(order, kind="stable")


def _rank(column: np.ndarray) -> tuple[int, np.ndarray]:
    """Radix and dense rank of each value of a column (equal values, equal ranks).

    The inverse of ``np.unique(column, return_inverse=True)`` (values are
    finite, validated at the boundary), with fewer temporaries: the sorted
    copy is freed before the ranks are made, and ranks are int32 below 2**31
    samples.  About 17 bytes per sample at the peak against numpy's 33, so
    that two columns ranked at once in threads need what one needed before.
    """
    n = column.shape[0]
    if np.all((column == 0.0) | (column == 1.0)):
        # Labels and thresholded scores: the value is its rank (radix 2 even
        # if one value is absent; keys keep their order), without the
        # O(n log n) sort.
        return 2, column.astype(np.int64)
    order = np.argsort(column)
    ordered = column[order]
    new = np.empty(n, dtype=bool)
    new[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    del ordered
    ranks = np.cumsum(new, dtype=np.int32 if n < 2**31 else np.int64)
    ranks -= 1
    code = np.empty_like(ranks)
    code[order] = ranks
    return int(ranks[-1]) + 1, code  # n > 0: an empty column took the branch above


def _ranked(columns: list[np.ndarray], n_threads: int) -> Iterator[tuple[int, np.ndarray]]:
    """`_rank` of each column, in order; up to ``n_threads`` columns ranked at once.

    At most ``n_threads`` ranks wait to be consumed, so that memory stays
    that of a few columns whatever their number.
    """
    if n_threads <= 1 or len(columns) <= 1:
        yield from map(_rank, columns)
        return
    with ThreadPoolExecutor(min(n_threads, len(columns))) as pool:
        pending = deque(pool.submit(_rank, c) for c in columns[:n_threads])
        rest = iter(columns[n_threads:])
        while pending:
            done = pending.popleft().result()
            upcoming = next(rest, None)
            if upcoming is not None:
                pending.append(pool.submit(_rank, upcoming))
            yield done


def _distinct(key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First index, inverse and count of each distinct key, keys in increasing order.

    What ``np.unique(key, return_index=True, return_inverse=True,
    return_counts=True)`` returns; by counting when the keys span at most 2n
    values (threshold metrics: a few cells), which is ~4x faster than its sort.
    """
    n = key.shape[0]
    span = int(key.max(initial=0)) + 1
    if span > 2 * n:
        _, first, inverse, mult = np.unique(
            key, return_index=True, return_inverse=True, return_counts=True
        )
        return first, inverse.reshape(-1).astype(np.int64), mult
    counts = np.bincount(key, minlength=span)
    present = np.flatnonzero(counts)
    rank = np.zeros(span, dtype=np.int64)
    rank[present] = np.arange(present.shape[0])
    first = np.full(span, n, dtype=np.int64)
    np.minimum.at(first, key, np.arange(n, dtype=np.int64))
    return first[present], rank[key], counts[present]


def _clusters(groups: np.ndarray, inverse: np.ndarray, k: int) -> Clusters:
    n_groups = int(groups.max()) + 1
    ones = np.ones(groups.shape[0], dtype=np.int64)
    members = sparse.csr_matrix((ones, (groups, inverse)), shape=(n_groups, k))
    members.sum_duplicates()
    order = np.argsort(groups, kind="stable")
    starts = np.concatenate([[0], np.cumsum(np.bincount(groups, minlength=n_groups))])
    return Clusters(members, order, starts)


_heap_primed = False


def prime_heap() -> None:
    """Let glibc serve the engine's working arrays from the heap (once per process).

    glibc maps blocks above its mmap threshold (initially 128 KiB) afresh
    and, after freeing them, raises the threshold to the largest block freed
    so far.  In a fresh process the 0.1-1 MiB arrays of small problems
    (n ~ 1e3) were otherwise mapped, page-faulted and trimmed again at every
    chunk: ~4,500 page faults and 20% of the time of a paired bootstrap at
    n = 1e3 with 1,000 resamples.  Freeing one untouched 16 MiB block
    (twice a chunk's int64 array) raises the threshold once; nothing is
    written, and no other allocator is affected.
    """
    global _heap_primed
    if not _heap_primed:
        np.empty(2 * CHUNK_ENTRIES, dtype=np.int64)
        _heap_primed = True


def lookup_dtype(n_samples: int) -> type:
    """Integer type of the sample-to-cell tables of a stratum of ``n_samples``."""
    return np.int32 if n_samples >= _INT32_LOOKUP_FROM else np.int64


def draw_positions(rng: np.random.Generator, rows: int, n_s: int) -> np.ndarray:
    """The (rows, n_s) uniform positions of one chunk: the only draw of the index sampler."""
    return rng.integers(0, n_s, size=(rows, n_s))


def drawn_pieces(
    rng: np.random.Generator, rows: int, n_s: int
) -> Iterator[tuple[slice, np.ndarray]]:
    """The positions of `draw_positions`, drawn piece by piece (the compiled path).

    Yields (rows, positions) per cache-sized piece (`pieces`), in the order
    of the random stream: ``Generator.integers`` gives the same values
    whether a row-major block is drawn at once or in consecutive pieces, and
    the same values in int32 as in int64 for a range below 2**31.  Counted
    at once, a piece never leaves the cache: at n = 1e6 the positions of a
    resample (8 MB as one int64 row) are not written to memory and read back.
    """
    dtype = np.int32 if n_s < 2**31 else np.int64
    for row_slice, col_slice in pieces((rows, n_s)):
        shape = (len(range(rows)[row_slice]), len(range(n_s)[col_slice]))
        yield row_slice, rng.integers(0, n_s, size=shape, dtype=dtype)


def draw_and_count(
    rng: np.random.Generator,
    rows: int,
    n_s: int,
    lookups: tuple[np.ndarray, ...],
    shift: int,
    widths: tuple[int, ...],
) -> list[np.ndarray]:
    """Draw a chunk of ``rows`` resamples of ``n_s`` positions; each arm's (rows, width) counts.

    ``lookups`` and ``shift`` as in `ArmStratum`: one packed table serving
    two arms when ``shift`` is set, else one table per arm.  With the
    compiled kernels (`compiled_kernels` decides from the size) positions are
    drawn and counted piece by piece (`drawn_pieces`); else drawn at once and
    counted by numpy.  The counts are the same either way.
    """
    fast = compiled_kernels(rows * n_s)
    if fast is None:
        drawn = draw_positions(rng, rows, n_s)
        if shift:
            return count_pair(drawn, lookups[0], shift, widths)
        return [count_cells(drawn, lookup, w) for lookup, w in zip(lookups, widths)]
    parts = [np.zeros((rows, w), dtype=np.int64) for w in widths]
    for row_slice, positions in drawn_pieces(rng, rows, n_s):
        if shift:
            fast.count_packed(positions, lookups[0], shift, *(p[row_slice] for p in parts))
        else:
            for lookup, part in zip(lookups, parts):
                fast.count_one(positions, lookup, part[row_slice])
    return parts


def count_pair(
    drawn: np.ndarray, packed: np.ndarray, shift: int, widths: tuple[int, ...]
) -> list[np.ndarray]:
    """Two arms' (rows, width) counts from one packed lookup (numpy path; see `ArmStratum`)."""
    (w0, w1), n_rows = widths, drawn.shape[0]
    # Pieces of whole rows write each row once: no zeroing, no reading back.
    whole_rows = drawn.shape[1] <= CACHE_ENTRIES
    new = np.empty if whole_rows else np.zeros
    out = [new((n_rows, w0), dtype=np.int64), new((n_rows, w1), dtype=np.int64)]
    for rows, cols in pieces(drawn.shape):
        piece = drawn[rows, cols]
        both = np.take(packed, piece, mode="clip")  # positions are in range
        r = np.arange(piece.shape[0], dtype=np.int64)[:, None]
        if shift == 32:  # int64: shift both halves by their row offsets at once
            both += r * w0 | (r * w1) << 32  # no carry: each half stays < 2**31
        low = np.bitwise_and(both, (1 << shift) - 1, out=piece)  # the positions are spent
        high = np.right_shift(both, shift, out=both if shift == 32 else None, dtype=np.int64)
        if shift != 32 and piece.shape[0] > 1:
            low += r * w0
            high += r * w1
        for total, cells, width in ((out[0], low, w0), (out[1], high, w1)):
            size = piece.shape[0] * width
            counted = np.bincount(cells.reshape(-1), minlength=size).reshape(-1, width)
            if whole_rows:
                total[rows] = counted
            else:
                total[rows] += counted
    return out


def count_cells(drawn: np.ndarray, lookup: np.ndarray, width: int) -> np.ndarray:
    """Counts per row of the cells ``lookup[drawn]``, shape (rows, width), int64.

    One ``bincount`` per cache-sized piece of ``drawn`` (`pieces`), each
    row's cells shifted by ``row * width``; pieces of one row add up.
    """
    out = np.zeros((drawn.shape[0], width), dtype=np.int64)
    for rows, cols in pieces(drawn.shape):
        # Positions are in range by construction: "clip" skips the bounds
        # check of the default mode and does not change any value.
        picked = np.take(lookup, drawn[rows, cols], mode="clip")
        out[rows] += _count_rows(picked, width)
    return out


def pieces(shape: tuple[int, int]) -> list[tuple[slice, slice]]:
    """(rows, columns) pieces of a (rows, width) matrix of at most CACHE_ENTRIES entries.

    Whole rows when a row fits, else one row cut in column ranges (counts are
    additive over the positions of a resample).  Every piece is C-contiguous,
    and the pieces follow the matrix's row-major order.
    """
    n_rows, width = shape
    if width <= CACHE_ENTRIES:
        step = CACHE_ENTRIES // max(width, 1)
        return [
            (slice(start, min(start + step, n_rows)), slice(None))
            for start in range(0, n_rows, step)
        ]
    return [
        (slice(r, r + 1), slice(start, start + CACHE_ENTRIES))
        for r in range(n_rows)
        for start in range(0, width, CACHE_ENTRIES)
    ]


def _count_rows(cells: np.ndarray, width: int) -> np.ndarray:
    """Per-row counts of a (rows, m) matrix of cell numbers; shifts ``cells`` in place."""
    rows = cells.shape[0]
    if rows > 1:
        cells += (np.arange(rows, dtype=cells.dtype) * width)[:, None]
    return np.bincount(cells.reshape(-1), minlength=rows * width).reshape(rows, width)


def fold_counts(counts: np.ndarray, mapping: np.ndarray, width: int) -> np.ndarray:
    """Sum the columns of ``counts`` that ``mapping`` sends to the same target (int64).

    Turns joint-cell counts (label, score_a, score_b) into one arm's
    (label, score) cell counts, for every row at once.
    """
    rows = counts.shape[0]
    target = mapping[None, :] + (np.arange(rows) * width)[:, None]
    folded = np.bincount(target.ravel(), weights=counts.ravel(), minlength=rows * width)
    # Sums of integer counts below 2**53 are exact in float64.
    return folded.reshape(rows, width).astype(np.int64)


@dataclass(frozen=True)
class ArmSampler:
    """Resample a cell table straight into each arm's cells.

    A paired comparison needs each arm's (label, score) cell counts, not the
    joint (label, score_a, score_b) ones.  With joint cells nearly as many as
    samples (distinct scores), counting the joint cells and then folding them
    into each arm's costs more than counting each arm's cells from the same
    drawn positions; with few joint cells, it costs less (`worth_it` decides,
    from the data's shape only).  The random stream, and so every count, is
    the same as :meth:`CellTable.draw_counts`.

    Attributes
    ----------
    table : CellTable
    mappings : tuple of ndarray of shape (k,)
        Joint cell -> arm cell, one per arm.
    widths : tuple of int
        Number of cells of each arm.
    """

    table: CellTable
    mappings: tuple[np.ndarray, ...]
    widths: tuple[int, ...]

    @staticmethod
    def worth_it(table: CellTable, n_arms: int) -> bool:
        """Count per arm unless joint cells are few or groups are resampled.

        Per drawn position, counting per arm costs one gather and one
        ``bincount`` per arm; the joint route costs one of each plus a fold of
        O(k) per arm and row, which only pays when k is well below n (< n / 4)
        and its ``bincount`` runs in cache (k <= CACHE_ENTRIES).  With k out
        of cache every drawn position misses it: at n = 1e7 with k = n / 7
        the joint route took 1.35x the per-arm one, at n = 1e5 with k = n / 7
        (in cache) 0.87x (paired ROC AUC, same run).
        """
        if table.clusters is not None:
            return False
        few = 4 * table.n_cells <= table.n_samples and table.n_cells <= CACHE_ENTRIES
        return n_arms == 1 or not few

    @cached_property
    def draws(self) -> ArmDraws:
        """The sampler without the joint-cell table: what workers are sent.

        Per stratum, the table mapping a stratum position to arm cells.  With
        two arms, both cells are packed in one integer when they fit (arm 0 in
        the low ``shift`` bits, arm 1 above), so one random gather serves both
        arms and two streaming passes unpack it.  The packed table is int32
        when the cells fit 31 bits, else int64 for fewer than
        ``_INT32_LOOKUP_FROM`` samples (a small table stays in cache), else
        two int32 tables are gathered.  ``shift`` is 0 when not packed.
        """
        strata = []
        bits = [max(int(w) - 1, 1).bit_length() for w in self.widths]
        for s in self.table.strata:
            n_s = s.samples.shape[0]
            if s.uses_multinomial:  # drawn as cell counts: no per-sample table
                occupied = s.occupied
                targets = tuple(m[occupied] for m in self.mappings)
                strata.append(ArmStratum(n_s, (), 0, s.probabilities(), targets))
                continue
            dtype = lookup_dtype(n_s)
            cells = [m[s.cells] for m in self.mappings]
            if len(cells) == 2 and dtype == np.int64:
                # 32 bits each: room for the row offsets, added before unpacking.
                lookups, shift = (cells[0] | (cells[1] << 32),), 32
            elif len(cells) == 2 and sum(bits) <= 31:
                lookups, shift = ((cells[0] | (cells[1] << bits[0])).astype(np.int32),), bits[0]
            else:
                lookups, shift = tuple(c.astype(dtype) for c in cells), 0
            strata.append(ArmStratum(n_s, lookups, shift))
        return ArmDraws(
            tuple(strata), self.widths, self.table.chunk_rows(), self.table.entries_per_resample
        )

    def chunk_rows(self) -> int:
        return self.table.chunk_rows()

    @property
    def entries_per_resample(self) -> int:
        return self.table.entries_per_resample

    def draw_counts(self, rng: np.random.Generator, rows: int) -> list[np.ndarray]:
        """Return one (rows, width) int64 count matrix per arm."""
        return self.draws.draw_counts(rng, rows)


@dataclass(frozen=True)
class ArmStratum:
    """One stratum of an :class:`ArmDraws`: n_s positions, or a multinomial over its cells."""

    n_samples: int
    lookups: tuple[np.ndarray, ...]  # position -> arm cell(s); () when multinomial
    shift: int  # bits of arm 0 in a packed lookup; 0 when not packed
    probabilities: np.ndarray | None = None  # multinomial: of each occupied joint cell
    targets: tuple[np.ndarray, ...] = ()  # multinomial: arm cell of each occupied joint cell


@dataclass(frozen=True)
class ArmDraws:
    """Draw each arm's cell counts: the part of an :class:`ArmSampler` a worker needs.

    Built once in the caller (:attr:`ArmSampler.draws`) and sent to the
    workers in its place: its lookup tables are n_s entries per stratum in
    the gather dtype, while the sampler's joint-cell table holds n sample
    indices, n cell numbers and four arrays of k cells.  At n = 1e6 (paired
    ROC AUC, scores with ties) a dispatched statistic carried 57 MiB of
    arrays, of which the workers used 4 MiB after rebuilding the lookups in
    every batch (10 ms each).

    Attributes
    ----------
    strata : tuple of ArmStratum
    widths : tuple of int
        Number of cells of each arm.
    chunk : int
        Rows per draw chunk (:meth:`CellTable.chunk_rows` of the table).
    entries_per_resample : int
        Random draws per resample.
    """

    strata: tuple[ArmStratum, ...]
    widths: tuple[int, ...]
    chunk: int
    entries_per_resample: int

    def chunk_rows(self) -> int:
        return self.chunk

    def draw_counts(self, rng: np.random.Generator, rows: int) -> list[np.ndarray]:
        """Return one (rows, width) int64 count matrix per arm.

        The random stream, and so every count, is that of
        :meth:`CellTable.draw_counts` on the joint cells, folded per arm.
        """
        totals: list[np.ndarray] | None = None
        for s in self.strata:
            if s.probabilities is not None:
                joint = rng.multinomial(s.n_samples, s.probabilities, size=rows)
                parts = [fold_counts(joint, t, w) for t, w in zip(s.targets, self.widths)]
            else:
                parts = draw_and_count(rng, rows, s.n_samples, s.lookups, s.shift, self.widths)
            totals = parts if totals is None else [t + p for t, p in zip(totals, parts)]
        assert totals is not None  # a table has at least one stratum
        return totals


def block_sizes(n_resamples: int) -> list[int]:
    """Sizes of the blocks that make up ``n_resamples`` resamples."""
    full, rest = divmod(n_resamples, BLOCK_SIZE)
    return [BLOCK_SIZE] * full + ([rest] if rest else [])
