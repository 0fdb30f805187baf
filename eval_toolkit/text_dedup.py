"""Exact and near-duplicate texts, within a corpus and between train and test.

Evaluation numbers mean little when test items also sit in the training set.
:func:`near_dedup` finds near-duplicates within one corpus and keeps one
document of each group; :func:`cross_dedup` finds test items that
near-duplicate a training item (leaks).  Both take a strategy:

* :class:`ExactNormalizedHashStrategy`: identical texts after
  :func:`normalize_text_for_dedup`;
* :class:`MinHashLSHStrategy` (default): MinHash signatures and LSH banding
  propose candidate pairs; every candidate is verified with the exact Jaccard
  similarity of the two shingle sets, so no reported pair is below the
  threshold;
* :class:`JaccardNgramStrategy`: every pair compared exactly; quadratic, the
  reference for small inputs.

All strategies first merge texts that are identical after
:meth:`DedupStrategy.prepare` (exact duplicates, similarity 1), then look for
similar pairs among the distinct texts.  Results are bit-identical for any
``n_jobs`` and do not depend on Python's ``hash()`` randomisation.
"""

from __future__ import annotations

import abc
import functools
import numbers
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from . import _minhash
from ._parallel import parallel_map
from ._validation import check_bool, check_int, check_n_jobs, check_option, param_error

__all__ = [
    "CrossDedupReport",
    "DedupReport",
    "DedupStrategy",
    "DuplicatePair",
    "ExactNormalizedHashStrategy",
    "JaccardNgramStrategy",
    "LeakedPair",
    "MinHashLSHStrategy",
    "SimilarPairs",
    "cross_dedup",
    "near_dedup",
    "normalize_text_for_dedup",
]

#: Before exact verification, LSH candidates whose signatures agree on too few
#: values are discarded: a pair at exactly the threshold agrees on fewer with
#: probability below this (binomial model of MinHash), so the filter costs
#: recall of that order and saves verifying the many low-similarity
#: candidates that 32 bands of 4 rows let through (P = 2e-4 at Jaccard 0.05).
PREFILTER_MISS = 1e-6

#: Bins of the similarity histograms in the reports (width 0.02).
HISTOGRAM_BINS = 50

#: Candidate pairs per work item of the exact verification.
PAIRS_PER_BATCH = 2048

#: Documents per work item of parallel_map: a few MB of code points, enough to
#: amortise numpy's per-call overhead; which documents share a batch never
#: changes a result.
DOCS_PER_BATCH = 512


# ---- normalisation -------------------------------------------------------------------------


@functools.cache
def _punctuation_table() -> dict[int, None]:
    # Every code point of Unicode category P* (about 800), built once per process.
    return {
        cp: None
        for cp in range(sys.maxunicode + 1)
        if unicodedata.category(chr(cp)).startswith("P")
    }


def normalize_text_for_dedup(text: str) -> str:
    """Normalise a text so that trivial differences do not hide a duplicate.

    In this order: Unicode NFKC normalisation (compatibility forms such as
    full-width letters and ligatures become plain ones), case folding
    (:meth:`str.casefold`, stronger than ``lower``: "Straße" matches
    "STRASSE"), removal of every punctuation character (Unicode categories
    P*; removed, not replaced by a space, so "e-mail" matches "email"), and
    whitespace runs collapsed to one space, without leading or trailing space.
    Symbols, digits and letters of every script are kept.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    str
        The normalised text.

    Examples
    --------
    >>> from eval_toolkit import normalize_text_for_dedup
    >>> normalize_text_for_dedup("  Hello,   WORLD!\\n It's  ﬁne. ")
    'hello world its fine'
    """
    if not isinstance(text, str):
        raise TypeError(param_error("normalize_text_for_dedup", "text", "a str", text))
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(text.translate(_punctuation_table()).split())


# ---- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SimilarPairs:
    """Pairs of distinct texts at or above a similarity threshold (a strategy's answer).

    Attributes
    ----------
    first, second : ndarray of int64
        Positions of the two texts in the strategy's input, ``first < second``,
        sorted by ``(first, second)``.
    estimated_jaccard : ndarray of float64
        The strategy's estimate (MinHash: fraction of equal signature values).
    jaccard : ndarray of float64
        Exact Jaccard similarity of the two shingle sets (``>= threshold``).
    histogram : ndarray of int64
        How many pairs the strategy examined, by estimated Jaccard, in
        ``HISTOGRAM_BINS`` equal bins over [0, 1] (MinHash: its LSH
        candidates; brute force: every pair; exact hashing: none).
    """

    first: np.ndarray
    second: np.ndarray
    estimated_jaccard: np.ndarray
    jaccard: np.ndarray
    histogram: np.ndarray

    @classmethod
    def empty(cls) -> SimilarPairs:
        """No pairs, none examined."""
        none = np.zeros(0, dtype=np.int64)
        return cls(none, none.copy(), np.zeros(0), np.zeros(0), similarity_histogram([]))


def similarity_histogram(similarities: Any) -> np.ndarray:
    """Counts of ``similarities`` in ``HISTOGRAM_BINS`` equal bins over [0, 1] (int64)."""
    counts, _ = np.histogram(similarities, bins=HISTOGRAM_BINS, range=(0.0, 1.0))
    return counts.astype(np.int64)


@dataclass(frozen=True)
class DuplicatePair:
    """A dropped document and the kept document it near-duplicates.

    Attributes
    ----------
    kept : int
        Index of the kept document (the earlier one).
    dropped : int
        Index of the dropped document.
    estimated_jaccard : float
        The strategy's estimate of the Jaccard similarity.
    jaccard : float
        Exact Jaccard similarity of the shingle sets (1.0 for exact duplicates).
    """

    kept: int
    dropped: int
    estimated_jaccard: float
    jaccard: float


@dataclass(frozen=True)
class LeakedPair:
    """A test item and the training item it near-duplicates.

    Attributes
    ----------
    test_index : int
        Index in ``test_texts``.
    train_index : int
        Index in ``train_texts`` of the most similar training item (ties: the
        smallest index).
    estimated_jaccard : float
        The strategy's estimate of the Jaccard similarity.
    jaccard : float
        Exact Jaccard similarity of the shingle sets (1.0 for exact duplicates).
    """

    test_index: int
    train_index: int
    estimated_jaccard: float
    jaccard: float


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value.item() if isinstance(value, np.generic) else value


@dataclass(frozen=True)
class DedupReport:
    """Result of :func:`near_dedup`.

    Attributes
    ----------
    kept_indices : ndarray of int64
        Documents to keep, ascending: one per group of near-duplicates (its
        first member) and every document without a near-duplicate.
    dropped_pairs : tuple of DuplicatePair
        One per dropped document, ascending by ``dropped``: the first kept
        document it near-duplicates.
    clusters : tuple of tuple of int
        Groups of two or more documents: a kept document followed by the
        documents dropped in its favour, ascending; sorted by kept document.
    threshold : float
        The Jaccard threshold used.
    n_input : int
        Number of input documents.
    n_exact_duplicates : int
        Dropped documents identical to an earlier one after
        :meth:`DedupStrategy.prepare`.
    similarity_histogram : ndarray of int64
        Pairs of distinct texts the strategy examined, by estimated Jaccard,
        in ``HISTOGRAM_BINS`` equal bins over [0, 1] (see
        :attr:`SimilarPairs.histogram`): where the threshold falls among them.
    strategy : str
        ``repr`` of the strategy.

    Examples
    --------
    >>> from eval_toolkit import near_dedup
    >>> report = near_dedup(["a b c d e f", "A b c d e f!", "x y z"])
    >>> print(report)
    3 documents: keep 2, drop 1 (1 exact, 0 near duplicates at Jaccard >= 0.8)
    >>> report.to_dict()["dropped_pairs"]
    [{'kept': 0, 'dropped': 1, 'estimated_jaccard': 1.0, 'jaccard': 1.0}]
    """

    kept_indices: np.ndarray
    dropped_pairs: tuple[DuplicatePair, ...]
    clusters: tuple[tuple[int, ...], ...]
    threshold: float
    n_input: int
    n_exact_duplicates: int
    similarity_histogram: np.ndarray
    strategy: str

    @property
    def dropped_indices(self) -> np.ndarray:
        """Documents dropped as near-duplicates of a kept one, ascending."""
        return np.array([p.dropped for p in self.dropped_pairs], dtype=np.int64)

    def to_dict(self) -> dict[str, Any]:
        """Plain Python values (lists, ints, floats), ready for JSON."""
        return _plain(asdict(self))

    def __str__(self) -> str:
        n_near = len(self.dropped_pairs) - self.n_exact_duplicates
        return (
            f"{self.n_input} documents: keep {len(self.kept_indices)}, drop "
            f"{len(self.dropped_pairs)} ({self.n_exact_duplicates} exact, {n_near} near "
            f"duplicates at Jaccard >= {self.threshold:g})"
        )


@dataclass(frozen=True)
class CrossDedupReport:
    """Result of :func:`cross_dedup`.

    Attributes
    ----------
    leaked_test_indices : ndarray of int64
        Test items that near-duplicate a training item, ascending.
    pairs : tuple of LeakedPair
        One per leaked test item, in the same order, with its most similar
        training item.
    threshold : float
        The Jaccard threshold used.
    n_train, n_test : int
        Numbers of training and test items.
    n_exact_duplicates : int
        Leaked test items identical to a training item after
        :meth:`DedupStrategy.prepare`.
    similarity_histogram : ndarray of int64
        (train, test) pairs the strategy examined, by estimated Jaccard, in
        ``HISTOGRAM_BINS`` equal bins over [0, 1].
    strategy : str
        ``repr`` of the strategy.

    Examples
    --------
    >>> from eval_toolkit import cross_dedup
    >>> report = cross_dedup(["the cat sat on the mat", "dogs bark"], ["The cat sat on the mat."])
    >>> print(report)
    1 of 1 test items near-duplicate one of 2 training items (Jaccard >= 0.8)
    >>> report.pairs[0]
    LeakedPair(test_index=0, train_index=0, estimated_jaccard=1.0, jaccard=1.0)
    """

    leaked_test_indices: np.ndarray
    pairs: tuple[LeakedPair, ...]
    threshold: float
    n_train: int
    n_test: int
    n_exact_duplicates: int
    similarity_histogram: np.ndarray
    strategy: str

    def to_dict(self) -> dict[str, Any]:
        """Plain Python values (lists, ints, floats), ready for JSON."""
        return _plain(asdict(self))

    def __str__(self) -> str:
        return (
            f"{len(self.leaked_test_indices)} of {self.n_test} test items near-duplicate one of "
            f"{self.n_train} training items (Jaccard >= {self.threshold:g})"
        )


# ---- strategies ----------------------------------------------------------------------------


class DedupStrategy(abc.ABC):
    """What every de-duplication strategy provides.

    :func:`near_dedup` and :func:`cross_dedup` call :meth:`prepare` on every
    text, merge texts whose prepared forms are identical (exact duplicates,
    Jaccard 1), and ask :meth:`similar_pairs` for the near-duplicates among
    the distinct prepared texts.  Strategies must be picklable (top-level
    classes) for ``n_jobs != 1``.
    """

    normalize: bool = True

    def prepare(self, text: str) -> str:
        """The form of ``text`` that is compared: :func:`normalize_text_for_dedup` or as is."""
        return normalize_text_for_dedup(text) if self.normalize else text

    @abc.abstractmethod
    def similar_pairs(
        self,
        texts: Sequence[str],
        threshold: float,
        *,
        split: int | None = None,
        n_jobs: int = 1,
        progress: bool = False,
    ) -> SimilarPairs:
        """Pairs of ``texts`` with Jaccard similarity >= ``threshold``.

        Parameters
        ----------
        texts : sequence of str
            Prepared, pairwise distinct texts.
        threshold : float
            Jaccard threshold in (0, 1].
        split : int, optional
            Only pairs ``(i, j)`` with ``i < split <= j`` (train, then test).
        n_jobs : int, default=1
            Worker processes; the result does not depend on it.
        progress : bool, default=False
            Progress bar on stderr.

        Returns
        -------
        SimilarPairs
        """


def _check_shingles(n: Any, analyzer: Any, normalize: Any, cls: str) -> None:
    check_int(n, cls, "n", low=1)
    check_option(analyzer, cls, "analyzer", ("char", "word"))
    check_bool(normalize, cls, "normalize")


def _prepare_for(text: str, normalize: bool, analyzer: str) -> str:
    text = normalize_text_for_dedup(text) if normalize else text
    # Word shingles are read off single spaces; normalisation already collapsed them.
    return " ".join(text.split()) if analyzer == "word" and not normalize else text


@dataclass(frozen=True)
class ExactNormalizedHashStrategy(DedupStrategy):
    """Exact duplicates only: texts identical after :func:`normalize_text_for_dedup`.

    The threshold does not matter: every reported pair has Jaccard 1.  Texts
    are grouped through a dictionary keyed by the prepared text, so the
    grouping is exact (no hash collisions) and linear in the corpus size.

    Parameters
    ----------
    normalize : bool, default=True
        Compare normalised texts; ``False`` compares the raw strings.

    Examples
    --------
    >>> from eval_toolkit import ExactNormalizedHashStrategy, near_dedup
    >>> report = near_dedup(["A cat.", "a  CAT", "a dog"],
    ...                     strategy=ExactNormalizedHashStrategy())
    >>> report.kept_indices.tolist()
    [0, 2]
    """

    normalize: bool = True

    def __post_init__(self) -> None:
        check_bool(self.normalize, type(self).__name__, "normalize")

    def similar_pairs(
        self,
        texts: Sequence[str],
        threshold: float,
        *,
        split: int | None = None,
        n_jobs: int = 1,
        progress: bool = False,
    ) -> SimilarPairs:
        """No pairs: distinct prepared texts are never exact duplicates."""
        return SimilarPairs.empty()


def _char_shingles(text: str, n: int) -> set[str]:
    if len(text) < n:
        return {text} if text else set()
    return {text[i : i + n] for i in range(len(text) - n + 1)}


def _word_shingles(text: str, n: int) -> set[str]:
    words = text.split(" ") if text else []
    if len(words) < n:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


def _set_jaccard(first: set[str], second: set[str]) -> float:
    union = len(first | second)
    return len(first & second) / union if union else 1.0


def _brute_force_rows(
    rows: range, sets: list[set[str]], split: int | None, threshold: float
) -> tuple[list[tuple[int, int, float]], np.ndarray]:
    start = 0 if split is None else split
    out, seen = [], []
    for i in rows:
        similarities = [_set_jaccard(sets[i], sets[j]) for j in range(max(i + 1, start), len(sets))]
        seen += similarities
        out += [(i, max(i + 1, start) + k, s) for k, s in enumerate(similarities) if s >= threshold]
    return out, similarity_histogram(seen)


@dataclass(frozen=True)
class JaccardNgramStrategy(DedupStrategy):
    """Exact Jaccard similarity of the shingle sets of every pair: the reference.

    Compares all ``n (n - 1) / 2`` pairs with Python sets of shingle strings,
    so it is slow beyond a few thousand texts; its shingles are the same as
    :class:`MinHashLSHStrategy`'s (same ``n``, ``analyzer``, ``normalize``).

    Parameters
    ----------
    n : int, default=5
        Shingle size, in characters or words.
    analyzer : {"char", "word"}, default="char"
        Character or word n-grams.  A non-empty text shorter than ``n`` is one
        shingle (itself); an empty text has none, and two empty texts count as
        identical (Jaccard 1).
    normalize : bool, default=True
        Shingle the normalised text (:func:`normalize_text_for_dedup`).

    Examples
    --------
    >>> from eval_toolkit import JaccardNgramStrategy, near_dedup
    >>> texts = ["the quick brown fox jumps", "the quick brown fox jumped", "lorem ipsum"]
    >>> near_dedup(texts, 0.7, strategy=JaccardNgramStrategy(n=3)).kept_indices.tolist()
    [0, 2]
    """

    n: int = 5
    analyzer: str = "char"
    normalize: bool = True

    def __post_init__(self) -> None:
        _check_shingles(self.n, self.analyzer, self.normalize, type(self).__name__)

    def prepare(self, text: str) -> str:
        """Normalised (or raw) text; for word shingles, words separated by one space."""
        return _prepare_for(text, self.normalize, self.analyzer)

    def similar_pairs(
        self,
        texts: Sequence[str],
        threshold: float,
        *,
        split: int | None = None,
        n_jobs: int = 1,
        progress: bool = False,
    ) -> SimilarPairs:
        """Every pair compared exactly (see :meth:`DedupStrategy.similar_pairs`)."""
        shingle = _char_shingles if self.analyzer == "char" else _word_shingles
        sets = [shingle(t, self.n) for t in texts]
        last = len(texts) if split is None else split
        chunks = [range(i, min(i + 64, last)) for i in range(0, last, 64)]
        work = functools.partial(_brute_force_rows, sets=sets, split=split, threshold=threshold)
        found = parallel_map(
            work, chunks, n_jobs=n_jobs, description="exact Jaccard", progress=progress
        )
        rows = [pair for chunk, _ in found for pair in chunk]
        histogram = sum((h for _, h in found), similarity_histogram([]))
        first = np.array([r[0] for r in rows], dtype=np.int64)
        second = np.array([r[1] for r in rows], dtype=np.int64)
        similarity = np.array([r[2] for r in rows], dtype=np.float64)
        return SimilarPairs(first, second, similarity, similarity, histogram)


def _signature_batch(
    texts: Sequence[str], n: int, analyzer: str, num_perm: int, seed: int
) -> np.ndarray:
    hashes, counts = _minhash.shingle_hashes(texts, n, analyzer)
    a, b = _minhash.permutation_parameters(num_perm, seed)
    return _minhash.minhash_signatures(hashes, counts, a, b)


def _prepared_signature_batch(
    texts: Sequence[str], normalize: bool, n: int, analyzer: str, num_perm: int, seed: int
) -> np.ndarray:
    prepared = [_prepare_for(t, normalize, analyzer) for t in texts]
    return _signature_batch(prepared, n, analyzer, num_perm, seed)


def _batches(texts: Sequence[str]) -> list[Sequence[str]]:
    return [texts[i : i + DOCS_PER_BATCH] for i in range(0, len(texts), DOCS_PER_BATCH)]


@dataclass(frozen=True)
class MinHashLSHStrategy(DedupStrategy):
    """MinHash signatures, LSH banding for candidates, exact Jaccard to verify them.

    Each text's shingles are hashed once (a 64-bit polynomial hash of the code
    points, independent of ``PYTHONHASHSEED``); ``num_perm`` multiply-shift
    hash functions seeded by ``seed`` give the signature, the minimum of each
    over the shingles.  The signature is cut into ``bands`` bands of
    ``r = num_perm // bands`` rows; two texts sharing a whole band become a
    candidate, which happens with probability ``1 - (1 - s**r)**bands`` at
    Jaccard ``s`` (:meth:`candidate_probability`; with the defaults 0.5 at
    s = 0.38, 0.95 at s = 0.55, above 0.9999 from s = 0.71).  Every
    candidate is then verified with the exact Jaccard similarity of the two
    sets of 64-bit shingle hashes, so reported pairs are never below the
    threshold; what LSH can do is miss a pair (see
    :meth:`candidate_probability`).  Candidates whose signatures
    agree on so few values that a pair at the threshold would do so with
    probability below ``PREFILTER_MISS`` (1e-6, binomial model) are dropped
    before verification, which spares verifying the many dissimilar
    candidates that wide banding lets through.

    Parameters
    ----------
    n : int, default=5
        Shingle size, in characters or words.  Shorter shingles make
        unrelated texts look more alike; longer ones make small edits cost more.
    num_perm : int, default=128
        Hash functions per signature; the standard error of the estimated
        Jaccard is ``sqrt(s (1 - s) / num_perm)``.
    bands : int, default=32
        LSH bands; must divide ``num_perm``.  More bands (fewer rows each)
        find more pairs and produce more candidates to verify.
    seed : int, default=42
        Seed of the hash functions.
    analyzer : {"char", "word"}, default="char"
        Character or word n-grams.  A non-empty text shorter than ``n`` is
        one shingle (itself); an empty text has none, and two empty texts
        count as identical.
    normalize : bool, default=True
        Shingle the normalised text (:func:`normalize_text_for_dedup`).

    Examples
    --------
    >>> from eval_toolkit import MinHashLSHStrategy
    >>> strategy = MinHashLSHStrategy()
    >>> strategy.candidate_probability([0.383, 0.8]).round(2).tolist()
    [0.5, 1.0]
    >>> sig = strategy.signatures(["a short text", "A short text!"])
    >>> sig.shape, bool((sig[0] == sig[1]).all())
    ((2, 128), True)
    """

    n: int = 5
    num_perm: int = 128
    bands: int = 32
    seed: int = 42
    analyzer: str = "char"
    normalize: bool = True

    def __post_init__(self) -> None:
        cls = type(self).__name__
        _check_shingles(self.n, self.analyzer, self.normalize, cls)
        check_int(self.num_perm, cls, "num_perm", low=1)
        check_int(self.seed, cls, "seed", low=0)
        check_int(self.bands, cls, "bands", low=1)
        if self.num_perm % self.bands:
            raise ValueError(
                param_error(cls, "bands", f"a divisor of num_perm ({self.num_perm})", self.bands)
            )

    @property
    def rows(self) -> int:
        """Signature values per band, ``num_perm // bands``."""
        return self.num_perm // self.bands

    def candidate_probability(self, jaccard: Any) -> np.ndarray:
        """Probability that two texts at Jaccard ``jaccard`` share a band (the S-curve).

        Parameters
        ----------
        jaccard : float or array_like
            Jaccard similarities in [0, 1].

        Returns
        -------
        ndarray
            ``1 - (1 - jaccard**rows)**bands``.
        """
        s = np.asarray(jaccard, dtype=np.float64)
        return 1.0 - (1.0 - s**self.rows) ** self.bands

    def prepare(self, text: str) -> str:
        """Normalised (or raw) text; for word shingles, words separated by one space."""
        return _prepare_for(text, self.normalize, self.analyzer)

    def signatures(
        self, texts: Sequence[str], *, n_jobs: int = 1, progress: bool = False
    ) -> np.ndarray:
        """MinHash signatures of raw ``texts`` (prepared first), uint32 (n_texts, num_perm).

        The fraction of equal values in two rows estimates the Jaccard
        similarity of the two shingle sets.
        """
        texts = _texts_iv(texts, "MinHashLSHStrategy.signatures", "texts")
        n_jobs = check_n_jobs(n_jobs, "MinHashLSHStrategy.signatures")
        work = functools.partial(
            _prepared_signature_batch,
            normalize=self.normalize,
            n=self.n,
            analyzer=self.analyzer,
            num_perm=self.num_perm,
            seed=self.seed,
        )
        return self._map(work, texts, n_jobs, progress)

    def _map(self, work: Any, texts: Sequence[str], n_jobs: int, progress: bool) -> np.ndarray:
        parts = parallel_map(
            work,
            _batches(texts),
            n_jobs=n_jobs,
            description="MinHash signatures",
            progress=progress,
        )
        if not parts:
            return np.zeros((0, self.num_perm), dtype=np.uint32)
        return np.concatenate(parts)

    def similar_pairs(
        self,
        texts: Sequence[str],
        threshold: float,
        *,
        split: int | None = None,
        n_jobs: int = 1,
        progress: bool = False,
    ) -> SimilarPairs:
        """Candidates from LSH, verified exactly (see :meth:`DedupStrategy.similar_pairs`)."""
        work = functools.partial(
            _signature_batch,
            n=self.n,
            analyzer=self.analyzer,
            num_perm=self.num_perm,
            seed=self.seed,
        )
        signatures = self._map(work, texts, n_jobs, progress)
        first, second = _minhash.candidate_pairs(_minhash.band_keys(signatures, self.bands), split)
        matches = _minhash.matching_values(signatures, first, second)
        histogram = similarity_histogram(matches / self.num_perm)
        plausible = matches >= _minhash.min_matches(self.num_perm, threshold, PREFILTER_MISS)
        first, second, matches = first[plausible], second[plausible], matches[plausible]
        exact = self._exact_jaccard(texts, first, second, n_jobs)
        keep = exact >= threshold
        estimated = matches[keep] / self.num_perm
        return SimilarPairs(first[keep], second[keep], estimated, exact[keep], histogram)

    def _exact_jaccard(
        self, texts: Sequence[str], first: np.ndarray, second: np.ndarray, n_jobs: int
    ) -> np.ndarray:
        """Exact Jaccard of each candidate pair, in chunks of pairs shipped with their texts."""
        chunks = []
        for start in range(0, first.shape[0], PAIRS_PER_BATCH):
            pair_docs = (
                first[start : start + PAIRS_PER_BATCH],
                second[start : start + PAIRS_PER_BATCH],
            )
            involved, local = np.unique(np.concatenate(pair_docs), return_inverse=True)
            chunks.append(([texts[i] for i in involved.tolist()], local.reshape(2, -1)))
        work = functools.partial(_verify_batch, n=self.n, analyzer=self.analyzer)
        parts = parallel_map(work, chunks, n_jobs=n_jobs, description="exact Jaccard")
        return np.concatenate(parts) if parts else np.zeros(0)


def _verify_batch(chunk: tuple[list[str], np.ndarray], n: int, analyzer: str) -> np.ndarray:
    texts, pairs = chunk
    sets = _minhash.shingle_sets(*_minhash.shingle_hashes(texts, n, analyzer))
    return np.array(
        [_minhash.jaccard_of_sets(sets[i], sets[j]) for i, j in pairs.T.tolist()],
        dtype=np.float64,
    )


# ---- validation ----------------------------------------------------------------------------


def _texts_iv(texts: Any, func: str, param: str) -> list[str]:
    if isinstance(texts, (str, bytes)) or not hasattr(texts, "__len__"):
        raise TypeError(
            param_error(func, param, "a sequence of str (a list, array or Series)", texts)
        )
    values = list(texts.tolist() if hasattr(texts, "tolist") else texts)
    for i, value in enumerate(values):
        if not isinstance(value, str):
            raise TypeError(param_error(func, f"{param}[{i}]", "a str", value))
    return values


def _threshold_iv(threshold: Any, func: str) -> float:
    ok = isinstance(threshold, numbers.Real) and not isinstance(threshold, (bool, np.bool_))
    if ok and 0.0 < float(threshold) <= 1.0:
        return float(threshold)
    raise ValueError(param_error(func, "threshold", "a float in (0, 1]", threshold))


def _strategy_iv(strategy: Any, func: str) -> DedupStrategy:
    if strategy is None:
        return MinHashLSHStrategy()
    if isinstance(strategy, DedupStrategy):
        return strategy
    raise TypeError(param_error(func, "strategy", "None or a DedupStrategy instance", strategy))


def _common_iv(func: str, threshold, strategy, n_jobs, progress):
    return (
        _threshold_iv(threshold, func),
        _strategy_iv(strategy, func),
        check_n_jobs(n_jobs, func),
        check_bool(progress, func, "progress"),
    )


# ---- the pipeline --------------------------------------------------------------------------


def _prepare_batch(texts: Sequence[str], strategy: DedupStrategy) -> list[str]:
    return [strategy.prepare(t) for t in texts]


def _prepare_all(texts: list[str], strategy: DedupStrategy, n_jobs: int) -> list[str]:
    work = functools.partial(_prepare_batch, strategy=strategy)
    parts = parallel_map(work, _batches(texts), n_jobs=n_jobs, description="text normalisation")
    return [t for part in parts for t in part]


def _first_occurrences(prepared: list[str]) -> tuple[np.ndarray, list[int]]:
    """Group of each text (by identical prepared text) and the first index of each group."""
    group_of: dict[str, int] = {}
    groups = np.empty(len(prepared), dtype=np.int64)
    firsts: list[int] = []
    for i, text in enumerate(prepared):
        g = group_of.setdefault(text, len(firsts))
        if g == len(firsts):
            firsts.append(i)
        groups[i] = g
    return groups, firsts


def _leaders(pairs: SimilarPairs) -> dict[int, tuple[int, float, float]]:
    """Greedy pass in input order: a group is dropped for the first kept group it matches."""
    dropped: dict[int, tuple[int, float, float]] = {}
    order = np.lexsort((pairs.first, pairs.second))
    for k in order.tolist():
        lo, hi = int(pairs.first[k]), int(pairs.second[k])
        if hi not in dropped and lo not in dropped:
            dropped[hi] = (lo, float(pairs.estimated_jaccard[k]), float(pairs.jaccard[k]))
    return dropped


def near_dedup(
    texts: Sequence[str],
    threshold: float = 0.8,
    *,
    strategy: DedupStrategy | None = None,
    n_jobs: int = 1,
    progress: bool = False,
) -> DedupReport:
    """Near-duplicates within one corpus: which documents to keep and which to drop.

    Documents are visited in input order; a document is dropped when it
    near-duplicates (Jaccard >= ``threshold``) a document already kept, and
    assigned to the first such one.  So the first member of each group is
    kept, kept documents are pairwise below the threshold, and every dropped
    document has a kept near-duplicate.  Unlike single-linkage clustering, a
    chain of small edits (A ~ B ~ C, A !~ C) does not drop C: C is kept when
    its only near-duplicate B was itself dropped.

    Parameters
    ----------
    texts : sequence of str
        The corpus (a list, a numpy array or a pandas Series of str).
    threshold : float, default=0.8
        Jaccard similarity of the shingle sets, in (0, 1], at or above which
        two documents are near-duplicates.
    strategy : DedupStrategy, optional
        Default: ``MinHashLSHStrategy()``.
    n_jobs : int, default=1
        Worker processes for normalisation and signatures (``-1``: all cores);
        the report is bit-identical for any value.
    progress : bool, default=False
        Progress bar on stderr.

    Returns
    -------
    DedupReport

    Examples
    --------
    >>> from eval_toolkit import near_dedup
    >>> texts = ["The cat sat on the mat today.", "the cat sat on the mat today",
    ...          "A completely different sentence.", "The cat sat on the mat, today!"]
    >>> report = near_dedup(texts)
    >>> report.kept_indices.tolist(), report.clusters
    ([0, 2], ((0, 1, 3),))
    """
    func = "near_dedup"
    texts = _texts_iv(texts, func, "texts")
    threshold, strategy, n_jobs, progress = _common_iv(func, threshold, strategy, n_jobs, progress)
    prepared = _prepare_all(texts, strategy, n_jobs)
    groups, firsts = _first_occurrences(prepared)
    pairs = strategy.similar_pairs(
        [prepared[i] for i in firsts], threshold, n_jobs=n_jobs, progress=progress
    )
    dropped_groups = _leaders(pairs)
    kept, dropped_pairs = [], []
    for i, g in enumerate(groups.tolist()):
        if g in dropped_groups:
            leader, estimated, exact = dropped_groups[g]
            dropped_pairs.append(DuplicatePair(firsts[leader], i, estimated, exact))
        elif firsts[g] != i:
            dropped_pairs.append(DuplicatePair(firsts[g], i, 1.0, 1.0))
        else:
            kept.append(i)
    members: dict[int, list[int]] = {}
    for pair in dropped_pairs:
        members.setdefault(pair.kept, [pair.kept]).append(pair.dropped)
    return DedupReport(
        kept_indices=np.array(kept, dtype=np.int64),
        dropped_pairs=tuple(dropped_pairs),
        clusters=tuple(tuple(members[k]) for k in sorted(members)),
        threshold=threshold,
        n_input=len(texts),
        n_exact_duplicates=int(len(texts) - len(firsts)),
        similarity_histogram=pairs.histogram,
        strategy=repr(strategy),
    )


def cross_dedup(
    train_texts: Sequence[str],
    test_texts: Sequence[str],
    threshold: float = 0.8,
    *,
    strategy: DedupStrategy | None = None,
    n_jobs: int = 1,
    progress: bool = False,
) -> CrossDedupReport:
    """Test items that near-duplicate a training item (train/test leakage).

    Each leaked test item is reported once, with its most similar training
    item (highest exact Jaccard; ties go to the smallest training index).
    Duplicates within the training set or within the test set are not
    reported (use :func:`near_dedup`).

    Parameters
    ----------
    train_texts, test_texts : sequence of str
        The two corpora.
    threshold : float, default=0.8
        Jaccard similarity, in (0, 1], at or above which a test item leaks.
    strategy : DedupStrategy, optional
        Default: ``MinHashLSHStrategy()``.
    n_jobs : int, default=1
        Worker processes (``-1``: all cores); the report is bit-identical for
        any value.
    progress : bool, default=False
        Progress bar on stderr.

    Returns
    -------
    CrossDedupReport

    Examples
    --------
    >>> from eval_toolkit import cross_dedup
    >>> train = ["How do I reset my password?", "Where is my order?"]
    >>> test = ["how do i reset my password", "Can I pay by card?"]
    >>> report = cross_dedup(train, test)
    >>> report.leaked_test_indices.tolist(), report.pairs[0].train_index
    ([0], 0)
    """
    func = "cross_dedup"
    train = _texts_iv(train_texts, func, "train_texts")
    test = _texts_iv(test_texts, func, "test_texts")
    threshold, strategy, n_jobs, progress = _common_iv(func, threshold, strategy, n_jobs, progress)
    prepared_train = _prepare_all(train, strategy, n_jobs)
    prepared_test = _prepare_all(test, strategy, n_jobs)
    _, train_firsts = _first_occurrences(prepared_train)
    train_index = {prepared_train[i]: i for i in train_firsts}
    unseen = [t for t in dict.fromkeys(prepared_test) if t not in train_index]
    pairs = strategy.similar_pairs(
        [prepared_train[i] for i in train_firsts] + unseen,
        threshold,
        split=len(train_firsts),
        n_jobs=n_jobs,
        progress=progress,
    )
    best: dict[str, tuple[int, float, float]] = {}
    # Ascending Jaccard, then descending train index: the last write wins.
    order = np.lexsort((-pairs.first, pairs.jaccard))
    for k in order.tolist():
        text = unseen[int(pairs.second[k]) - len(train_firsts)]
        best[text] = (
            train_firsts[int(pairs.first[k])],
            float(pairs.estimated_jaccard[k]),
            float(pairs.jaccard[k]),
        )
    leaked = []
    for i, text in enumerate(prepared_test):
        if text in train_index:
            leaked.append(LeakedPair(i, train_index[text], 1.0, 1.0))
        elif text in best:
            leaked.append(LeakedPair(i, *best[text]))
    return CrossDedupReport(
        leaked_test_indices=np.array([p.test_index for p in leaked], dtype=np.int64),
        pairs=tuple(leaked),
        threshold=threshold,
        n_train=len(train),
        n_test=len(test),
        n_exact_duplicates=sum(text in train_index for text in prepared_test),
        similarity_histogram=pairs.histogram,
        strategy=repr(strategy),
    )
