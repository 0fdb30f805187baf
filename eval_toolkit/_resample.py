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

from dataclasses import dataclass

import numpy as np
from scipy import sparse

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
#: ~25% slower at n = 1e6 and scaled worse across processes.  The chunking
#: never changes a result (the stream is drawn row after row, and kernels are
#: row-wise).
CHUNK_ENTRIES = 2**20

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
        n_s, k = stratum.samples.shape[0], self.n_cells
        if stratum.uses_multinomial:
            counts = np.zeros((rows, k), dtype=np.int64)
            p = stratum.mult[stratum.occupied] / n_s
            counts[:, stratum.occupied] = rng.multinomial(n_s, p, size=rows)
            return counts
        picked = stratum.cells[rng.integers(0, n_s, size=(rows, n_s))]
        picked += (np.arange(rows) * k)[:, None]
        return np.bincount(picked.ravel(), minlength=rows * k).reshape(rows, k)

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
    columns: list[np.ndarray], strata_labels: np.ndarray | None, groups: np.ndarray | None = None
) -> tuple[CellTable, np.ndarray]:
    """Compress rows of ``columns`` to distinct cells.

    Parameters
    ----------
    columns : list of ndarray of shape (n,)
        Values that define a cell (label first, then the per-arm keys).
    strata_labels : ndarray of shape (n,) or None
        Resample within each distinct value (stratified bootstrap) if given.
    groups : ndarray of shape (n,) of int64 codes 0..G-1, or None
        Resample whole groups (cluster bootstrap) if given.

    Returns
    -------
    table : CellTable
    values : ndarray of shape (k, len(columns))
        The distinct rows, in lexicographic order.
    """
    # Rows are ranked through one int64 mixed-radix code of per-column dense
    # ranks: a 1-D unique is ~5x faster than np.unique(axis=0) on n x c floats
    # and keeps the same lexicographic order.  The code is re-densified
    # whenever the next digit could overflow int64.
    columns = [np.asarray(c, dtype=np.float64) for c in columns]
    key = np.zeros(columns[0].shape[0], dtype=np.int64)
    for column in columns:
        level, code = np.unique(column, return_inverse=True)
        if (int(key.max()) + 1) * level.shape[0] >= 2**62:
            key = np.unique(key, return_inverse=True)[1].reshape(-1).astype(np.int64)
        key = key * level.shape[0] + code.reshape(-1)
    _, first, inverse, mult = np.unique(
        key, return_index=True, return_inverse=True, return_counts=True
    )
    inverse = inverse.reshape(-1).astype(np.int64)
    values = np.column_stack([c[first] for c in columns])
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
    return CellTable(mult=mult.astype(np.int64), strata=tuple(strata), clusters=clusters), values


def _clusters(groups: np.ndarray, inverse: np.ndarray, k: int) -> Clusters:
    n_groups = int(groups.max()) + 1
    ones = np.ones(groups.shape[0], dtype=np.int64)
    members = sparse.csr_matrix((ones, (groups, inverse)), shape=(n_groups, k))
    members.sum_duplicates()
    order = np.argsort(groups, kind="stable")
    starts = np.concatenate([[0], np.cumsum(np.bincount(groups, minlength=n_groups))])
    return Clusters(members, order, starts)


def block_sizes(n_resamples: int) -> list[int]:
    """Sizes of the blocks that make up ``n_resamples`` resamples."""
    full, rest = divmod(n_resamples, BLOCK_SIZE)
    return [BLOCK_SIZE] * full + ([rest] if rest else [])
