"""Kernels of the MinHash-LSH de-duplication: shingle hashing, signatures, banding, Jaccard.

Everything here is plain numpy on valid input (``text_dedup`` validates) and
independent of Python's per-process ``hash()`` randomisation: the same texts
give the same bits in every process, on every run.

A batch of texts becomes one array of code points; a shingle is a segment
``[start, end)`` of that array (``n`` characters, or ``n`` words with their
single separating spaces), and all segments are hashed at once from prefix
sums of a polynomial hash.  MinHash applies every permutation to every shingle
hash as one ``(num_perm, n_shingles)`` array operation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__: list[str] = []

_U64 = np.uint64
#: Odd base of the polynomial string hash (wrap-around arithmetic mod 2**64);
#: odd, so it is invertible and a segment's hash can be read off prefix sums.
_BASE = 0x9E3779B97F4A7C15
_BASE_INV = pow(_BASE, -1, 2**64)
#: Mixes the segment length in, so "a" and "a\0" (code point 0) differ.
_LENGTH_MIX = 0xD6E8FEB86659FD93
#: Shingles per vectorised block of the permutation step: (num_perm, block)
#: uint64 arrays of ~4 MB stay in cache; measured 2x faster than whole batches.
SHINGLE_BLOCK = 4096
_SPACE = 32


def fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser (in place on a uint64 array): avalanche every bit."""
    h ^= h >> _U64(33)
    h *= _U64(0xFF51AFD7ED558CCD)
    h ^= h >> _U64(33)
    h *= _U64(0xC4CEB9FE1A85EC53)
    h ^= h >> _U64(33)
    return h


def code_points(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Concatenated code points of ``texts`` (uint64, shape (L,)) and offsets (shape (n+1,))."""
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    # surrogatepass: lone surrogates (from broken decoding) are still one code point each.
    raw = "".join(texts).encode("utf-32-le", "surrogatepass")
    return np.frombuffer(raw, dtype=np.uint32).astype(np.uint64), offsets


def _segments_per_doc(units: np.ndarray, n: int) -> np.ndarray:
    """Shingles per document holding ``units`` characters or words: n-grams, or 1 if shorter."""
    return np.where(units >= n, units - n + 1, np.minimum(units, 1))


def _ranks(counts: np.ndarray) -> np.ndarray:
    """``concatenate([arange(c) for c in counts])``, vectorised."""
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(starts.shape[0], dtype=np.int64) - starts


def _char_segments(offsets: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Character n-gram segments, found with a mask over positions (no per-shingle repeat)."""
    doc_len = np.diff(offsets)
    counts = _segments_per_doc(doc_len, n)
    # A position starts no shingle if it is among the last n - 1 of a long
    # document, or not the first of a short one.
    tail = offsets[1:, None] - np.arange(1, n)[None, :]
    first_excluded = np.where(doc_len >= n, offsets[1:] - n + 1, offsets[:-1] + 1)
    is_start = np.ones(int(offsets[-1]), dtype=bool)
    is_start[tail[tail >= first_excluded[:, None]]] = False
    starts = np.flatnonzero(is_start)
    ends = starts + n
    short = (doc_len > 0) & (doc_len < n)
    ends[np.searchsorted(starts, offsets[:-1][short])] = offsets[1:][short]
    return starts, ends, counts


def segments(
    cps: np.ndarray, offsets: np.ndarray, n: int, analyzer: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shingle segments of every document: ``(starts, ends, counts)``.

    Character shingles are the ``n``-grams of code points; word shingles the
    runs of ``n`` consecutive words (words are separated by single spaces, as
    prepared by the strategy).  A non-empty document shorter than ``n`` is one
    shingle, itself; an empty document has none.  ``counts`` (shape (n_docs,))
    gives the shingles of each document, which come in document order.
    """
    if analyzer == "char":
        return _char_segments(offsets, n)
    position = np.arange(cps.shape[0], dtype=np.int64)
    is_char = cps != _SPACE
    doc_start = np.zeros(cps.shape[0], dtype=bool)
    doc_start[offsets[:-1][offsets[:-1] < cps.shape[0]]] = True
    prev_space = np.ones(cps.shape[0], dtype=bool)
    prev_space[1:] = ~is_char[:-1]
    next_space = np.ones(cps.shape[0], dtype=bool)
    next_space[:-1] = ~is_char[1:]
    doc_end = np.zeros(cps.shape[0] + 1, dtype=bool)
    doc_end[offsets[1:]] = True
    word_starts = position[is_char & (prev_space | doc_start)]
    word_ends = position[is_char & (next_space | doc_end[1:])] + 1
    words_per_doc = np.diff(np.searchsorted(word_starts, offsets))
    counts = _segments_per_doc(words_per_doc, n)
    first_word = np.repeat(np.cumsum(words_per_doc) - words_per_doc, counts) + _ranks(counts)
    last_word = np.minimum(first_word + n - 1, np.repeat(np.cumsum(words_per_doc) - 1, counts))
    return word_starts[first_word], word_ends[last_word], counts


def _prefix_polynomial(cps: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """``sum(c_j * B**(j - start))`` over each segment, from prefix sums (any lengths).

    ``B`` is odd, so ``B**-start`` exists mod 2**64 and a segment's sum can be
    shifted back to start at power 0.
    """
    powers = np.full(cps.shape[0] + 1, _BASE, dtype=np.uint64)
    powers[0] = 1
    np.cumprod(powers, out=powers)
    inverse = np.full(cps.shape[0] + 1, _BASE_INV, dtype=np.uint64)
    inverse[0] = 1
    np.cumprod(inverse, out=inverse)
    prefix = np.zeros(cps.shape[0] + 1, dtype=np.uint64)
    np.cumsum(cps * powers[:-1], out=prefix[1:])
    return (prefix[ends] - prefix[starts]) * inverse[starts]


def _horner_polynomial(cps: np.ndarray, starts: np.ndarray, ends: np.ndarray, n: int):
    """The same sum for segments of at most ``n`` code points, by Horner's rule.

    Full-length segments use shifted slices of ``cps`` (every position at
    once, then the starts picked), shorter ones a masked gather; both cost
    O(n) passes instead of the prefix method's cumulative products.
    """
    out = np.zeros(starts.shape[0], dtype=np.uint64)
    length = ends - starts
    full = length == n
    if cps.shape[0] >= n:
        windows = cps.shape[0] - n + 1
        h = cps[n - 1 :].copy()
        for k in range(n - 2, -1, -1):
            h *= _U64(_BASE)
            h += cps[k : k + windows]
        out[full] = h[starts[full]]
    short = np.flatnonzero(~full)
    h = np.zeros(short.shape[0], dtype=np.uint64)
    for k in range(n - 1, -1, -1):
        inside = k < length[short]
        index = np.minimum(starts[short] + k, cps.shape[0] - 1)
        h = np.where(inside, h * _U64(_BASE) + cps[index], h)
    out[short] = h
    return out


def segment_hashes(
    cps: np.ndarray, starts: np.ndarray, ends: np.ndarray, max_length: int | None = None
) -> np.ndarray:
    """64-bit hash of every segment ``cps[start:end]`` (uint64, shape (n_segments,)).

    Polynomial hash ``sum((c_j + 1) * B**(j - start))`` mod 2**64 (by Horner's
    rule when no segment is longer than ``max_length``, else from prefix
    sums: the same value), then the length mixed in and MurmurHash3's
    finaliser, which spreads the bits for the permutations.
    """
    if starts.shape[0] == 0:
        return np.zeros(0, dtype=np.uint64)
    shifted = cps + _U64(1)  # code point 0 must still change the hash
    if max_length is None:
        h = _prefix_polynomial(shifted, starts, ends)
    else:
        h = _horner_polynomial(shifted, starts, ends, max_length)
    h ^= (ends - starts).astype(np.uint64) * _U64(_LENGTH_MIX)
    return fmix64(h)


def shingle_hashes(texts: Sequence[str], n: int, analyzer: str) -> tuple[np.ndarray, np.ndarray]:
    """Shingle hashes of prepared ``texts`` in document order, and shingles per document."""
    cps, offsets = code_points(texts)
    starts, ends, counts = segments(cps, offsets, n, analyzer)
    return segment_hashes(cps, starts, ends, n if analyzer == "char" else None), counts


def permutation_parameters(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(a, b)`` of the multiply-shift hash family, shape (num_perm, 1) each, from ``seed``."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    a = rng.integers(0, 2**64, size=(num_perm, 1), dtype=np.uint64, endpoint=False)
    b = rng.integers(0, 2**64, size=(num_perm, 1), dtype=np.uint64, endpoint=False)
    return a | _U64(1), b


def minhash_signatures(
    hashes: np.ndarray, counts: np.ndarray, a: np.ndarray, b: np.ndarray
) -> np.ndarray:
    """MinHash signatures, uint32 of shape (n_docs, num_perm).

    Permutation ``i`` maps a shingle's 32-bit key ``x`` (the top half of its
    64-bit hash) to ``(a_i * x + b_i) mod 2**64 >> 32``, Dietzfelbinger's
    multiply-shift scheme, strongly universal for 32-bit keys [1]_.  It costs
    a multiply, an add and a shift, where ``(a x + b) mod p`` (datasketch)
    also needs a modulo.  A document without shingles (empty text) gets the
    all-``2**32 - 1`` signature.

    .. [1] M. Dietzfelbinger, "Universal hashing and k-wise independent random
       variables via integer arithmetic without primes", STACS 1996.
    """
    num_perm = a.shape[0]
    out = np.full((counts.shape[0], num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
    keys = hashes >> _U64(32)
    doc_ends = np.cumsum(counts)
    nonempty = np.flatnonzero(counts)
    buffer = np.empty((num_perm, SHINGLE_BLOCK), dtype=np.uint64)
    # Blocks hold whole documents (a longer document is a block of its own).
    i = 0
    while i < nonempty.shape[0]:
        first = doc_ends[nonempty[i]] - counts[nonempty[i]]
        j = int(np.searchsorted(doc_ends[nonempty], first + SHINGLE_BLOCK, side="right"))
        j = max(j, i + 1)
        docs = nonempty[i:j]
        stop = doc_ends[docs[-1]]
        width = stop - first
        block = buffer[:, :width] if width <= SHINGLE_BLOCK else np.empty((num_perm, width), _U64)
        np.multiply(a, keys[first:stop], out=block)
        block += b
        local_starts = doc_ends[docs] - counts[docs] - first
        # The shift is monotone, so it is applied to the minima, not to every value.
        out[docs] = (np.minimum.reduceat(block, local_starts, axis=1) >> _U64(32)).T
        i = j
    return out


def band_keys(signatures: np.ndarray, bands: int) -> np.ndarray:
    """64-bit key of each band of each signature, uint64 of shape (n_docs, bands).

    Equal bands give equal keys; unequal bands collide with probability about
    2**-64, and a collision only adds a candidate that verification rejects.
    """
    n_docs, num_perm = signatures.shape
    rows = num_perm // bands
    parts = signatures.reshape(n_docs, bands, rows).astype(np.uint64)
    key = np.zeros((n_docs, bands), dtype=np.uint64)
    for r in range(rows):
        key ^= parts[:, :, r] + _U64((r + 1) * _BASE & (2**64 - 1))
        fmix64(key)
    return key


def _pairs_in_runs(order: np.ndarray, run_starts: np.ndarray, run_sizes: np.ndarray):
    """All ``(i, j)`` pairs of members within each run of ``order`` (runs of size >= 2)."""
    lo_parts, hi_parts = [], []
    for size in np.unique(run_sizes):
        members = order[run_starts[run_sizes == size][:, None] + np.arange(size)]
        first, second = np.triu_indices(int(size), 1)
        lo_parts.append(members[:, first].ravel())
        hi_parts.append(members[:, second].ravel())
    return lo_parts, hi_parts


def candidate_pairs(keys: np.ndarray, split: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Documents sharing a band key: unique pairs ``(lo, hi)``, ``lo < hi``, sorted.

    Buckets are found by sorting each band's keys (no shared hash table, so
    the result is the same whatever computed the signatures).  With ``split``,
    only pairs with ``lo < split <= hi`` are kept.
    """
    n_docs = keys.shape[0]
    lo_parts: list[np.ndarray] = []
    hi_parts: list[np.ndarray] = []
    for band in range(keys.shape[1]):
        order = np.argsort(keys[:, band], kind="stable")
        sorted_keys = keys[order, band]
        boundary = np.flatnonzero(np.diff(sorted_keys)) + 1
        run_starts = np.concatenate(([0], boundary))
        run_sizes = np.diff(np.concatenate((run_starts, [n_docs])))
        big = run_sizes >= 2
        lo, hi = _pairs_in_runs(order, run_starts[big], run_sizes[big])
        lo_parts += lo
        hi_parts += hi
    if not lo_parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    first, second = np.concatenate(lo_parts), np.concatenate(hi_parts)
    lo, hi = np.minimum(first, second), np.maximum(first, second)
    if split is not None:
        keep = (lo < split) & (hi >= split)
        lo, hi = lo[keep], hi[keep]
    code = np.unique(lo.astype(np.int64) * n_docs + hi)
    return code // n_docs, code % n_docs


def matching_values(
    signatures: np.ndarray, first: np.ndarray, second: np.ndarray, block: int = 65536
) -> np.ndarray:
    """Equal signature values of each pair ``(first[k], second[k])``, int64 (n_pairs,)."""
    out = np.empty(first.shape[0], dtype=np.int64)
    for s in range(0, first.shape[0], block):
        rows = slice(s, s + block)
        out[rows] = (signatures[first[rows]] == signatures[second[rows]]).sum(axis=1)
    return out


def min_matches(num_perm: int, threshold: float, miss: float) -> int:
    """Fewest equal values that a pair at Jaccard ``threshold`` falls below with prob. < ``miss``.

    Equal values of a pair at Jaccard ``s`` are Binomial(num_perm, s) under
    min-wise independent hashing, so pairs with fewer than this many are
    dropped at a cost of less than ``miss`` recall at the threshold (less above).
    """
    from scipy.stats import binom

    return int(binom.ppf(miss, num_perm, threshold))


def shingle_sets(hashes: np.ndarray, counts: np.ndarray) -> list[np.ndarray]:
    """Sorted unique shingle hashes of each document."""
    ends = np.cumsum(counts)
    return [np.unique(hashes[e - c : e]) for e, c in zip(ends.tolist(), counts.tolist())]


def jaccard_of_sets(first: np.ndarray, second: np.ndarray) -> float:
    """Jaccard similarity of two sorted unique hash arrays; two empty sets count as identical."""
    union = first.shape[0] + second.shape[0]
    if union == 0:
        return 1.0
    inter = np.intersect1d(first, second, assume_unique=True).shape[0]
    return inter / (union - inter)
