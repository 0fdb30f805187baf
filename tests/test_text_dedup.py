"""Tests of eval_toolkit.text_dedup against brute-force Jaccard and datasketch."""

from __future__ import annotations

import doctest
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import eval_toolkit.text_dedup as text_dedup
from eval_toolkit import (
    CrossDedupReport,
    DedupReport,
    ExactNormalizedHashStrategy,
    JaccardNgramStrategy,
    MinHashLSHStrategy,
    _minhash,
    cross_dedup,
    near_dedup,
    normalize_text_for_dedup,
)

ROOT = Path(__file__).resolve().parent.parent


# ---- a generated corpus with planted near-duplicates ---------------------------------------


def _vocabulary(rng: np.random.Generator, size: int = 3000) -> list[str]:
    letters = np.array(list("abcdefghijklmnopqrstuvwxyzéüß"))
    return ["".join(rng.choice(letters, rng.integers(2, 9))) for _ in range(size)]


def _edit(words: list[str], rate: float, rng: np.random.Generator, vocab: list[str]) -> list[str]:
    """Substitute, insert, delete and swap words, each at about ``rate / 4`` per word."""
    out = list(words)
    for _ in range(rng.binomial(len(words), rate / 4)):
        out[rng.integers(len(out))] = vocab[rng.integers(len(vocab))]
    for _ in range(rng.binomial(len(words), rate / 4)):
        out.insert(rng.integers(len(out) + 1), vocab[rng.integers(len(vocab))])
    for _ in range(rng.binomial(len(words), rate / 4)):
        if len(out) > 1:
            del out[rng.integers(len(out))]
    for _ in range(rng.binomial(len(words), rate / 4)):
        k = rng.integers(len(out) - 1)
        out[k], out[k + 1] = out[k + 1], out[k]
    return out


def planted_corpus(n_docs: int, n_planted: int, seed: int, n_words: int = 60):
    """``n_docs`` base documents, then ``n_planted`` edited copies of random ones.

    Returns the texts and the planted ``(original, copy)`` index pairs.  Edit
    rates run from 0 to 0.25, so planted Jaccard similarities (character
    5-grams) cover about [0.3, 1].
    """
    rng = np.random.default_rng(seed)
    vocab = _vocabulary(rng)
    weights = 1.0 / np.arange(1, len(vocab) + 1)
    weights /= weights.sum()
    docs = [[vocab[i] for i in rng.choice(len(vocab), n_words, p=weights)] for _ in range(n_docs)]
    planted = []
    for rate in np.linspace(0.0, 0.25, n_planted):
        source = int(rng.integers(n_docs))
        docs.append(_edit(docs[source], rate, rng, vocab))
        planted.append((source, len(docs) - 1))
    texts = [" ".join(d) for d in docs]
    # Punctuation and case that normalisation must see through.
    texts = [t.capitalize() + "." if i % 3 == 0 else t for i, t in enumerate(texts)]
    return texts, planted


def reference_jaccard(a: str, b: str, n: int = 5, analyzer: str = "char") -> float:
    """Jaccard of the string shingle sets, computed the obvious way."""
    first, second = (
        text_dedup._char_shingles(t, n) if analyzer == "char" else text_dedup._word_shingles(t, n)
        for t in (
            normalize_text_for_dedup(a),
            normalize_text_for_dedup(b),
        )
    )
    union = first | second
    return len(first & second) / len(union) if union else 1.0


def _comparable(report):
    """A report as a dict, without the strategy name and estimates (which differ by design)."""
    out = report.to_dict()
    out.pop("strategy")
    out.pop("similarity_histogram")
    for pair in out.get("dropped_pairs", out.get("pairs", [])):
        pair.pop("estimated_jaccard")
    return out


# ---- normalisation and shingle hashing ------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Hello,   World!", "hello world"),
        ("ＡＢＣ　ｄｅｆ", "abc def"),  # full-width letters and space (NFKC)
        ("ﬁne ﬂow", "fine flow"),  # ligatures (NFKC)
        ("STRASSE Straße", "strasse strasse"),  # casefold, not lower
        ("«Ça va?» — oui…", "ça va oui"),  # Unicode punctuation, categories P*
        ("e-mail\t\n 3 + 4 = 7 $", "email 3 + 4 = 7 $"),  # symbols are kept
        ("", ""),
        ("  ...  ", ""),
        ("日本語、テキスト。", "日本語テキスト"),
    ],
)
def test_normalize_text_for_dedup(raw, expected):
    assert normalize_text_for_dedup(raw) == expected


def _string_shingles(text, n, analyzer):
    shingle = text_dedup._char_shingles if analyzer == "char" else text_dedup._word_shingles
    return shingle(text, n)


@pytest.mark.parametrize("analyzer", ["char", "word"])
@pytest.mark.parametrize("n", [1, 3, 5])
def test_shingle_hashes_match_string_shingles(analyzer, n):
    texts, _ = planted_corpus(30, 10, seed=n)
    texts = [normalize_text_for_dedup(t) for t in texts]
    texts += ["", "ab", "a", "日本語のテキスト 🙂 emoji", "x" * 7, "two words"]
    hashes, counts = _minhash.shingle_hashes(texts, n, analyzer)
    sets = _minhash.shingle_sets(hashes, counts)
    strings = [_string_shingles(t, n, analyzer) for t in texts]
    # One distinct hash per distinct shingle string (no collisions) ...
    assert [len(s) for s in sets] == [len(s) for s in strings]
    # ... and equal shingles hash equally across documents: Jaccard agrees exactly.
    rng = np.random.default_rng(0)
    for i, j in rng.integers(0, len(texts), size=(200, 2)):
        expected = reference_jaccard(texts[i], texts[j], n, analyzer)
        assert _minhash.jaccard_of_sets(sets[i], sets[j]) == expected


def test_segment_hash_is_position_independent():
    cps, offsets = _minhash.code_points(["xxabcyy", "abc"])
    h = _minhash.segment_hashes(cps, np.array([2, 7]), np.array([5, 10]))
    assert h[0] == h[1]


def test_horner_and_prefix_hashes_agree():
    # Char shingles are hashed by Horner's rule, word shingles from prefix sums:
    # the same polynomial, so equal strings hash equally whichever path they take.
    cps, _ = _minhash.code_points(["ab\x00cdé 🙂 fghij", ""])
    rng = np.random.default_rng(0)
    starts = rng.integers(0, cps.shape[0] - 5, 300)
    ends = starts + rng.integers(0, 6, 300)
    np.testing.assert_array_equal(
        _minhash.segment_hashes(cps, starts, ends, max_length=5),
        _minhash.segment_hashes(cps, starts, ends),
    )


def test_signatures_estimate_jaccard_like_datasketch():
    datasketch = pytest.importorskip("datasketch")
    texts, planted = planted_corpus(150, 150, seed=1)
    strategy = MinHashLSHStrategy()
    ours = strategy.signatures(texts)
    prepared = [strategy.prepare(t) for t in texts]
    z_ours, z_ref = [], []
    for i, j in planted:
        exact = reference_jaccard(texts[i], texts[j])
        if not 0.05 < exact < 0.95:
            continue
        sd = np.sqrt(exact * (1 - exact) / strategy.num_perm)
        z_ours.append((np.mean(ours[i] == ours[j]) - exact) / sd)
        m1, m2 = (datasketch.MinHash(num_perm=128, seed=1) for _ in range(2))
        m1.update_batch([s.encode() for s in text_dedup._char_shingles(prepared[i], 5)])
        m2.update_batch([s.encode() for s in text_dedup._char_shingles(prepared[j], 5)])
        z_ref.append((m1.jaccard(m2) - exact) / sd)
    z_ours, z_ref = np.array(z_ours), np.array(z_ref)
    assert len(z_ours) > 80
    # Both unbiased (mean z within 4 standard errors of 0), both with binomial spread.
    for z in (z_ours, z_ref):
        assert abs(z.mean()) < 4 / np.sqrt(len(z))
        assert 0.7 < z.std() < 1.3
    assert abs(z_ours.std() - z_ref.std()) < 0.3


def test_signatures_of_empty_and_short_texts():
    sig = MinHashLSHStrategy(n=5).signatures(["", "", "abc", "ABC!", "abcd"])
    assert (sig[0] == np.iinfo(np.uint32).max).all()
    assert (sig[0] == sig[1]).all() and (sig[2] == sig[3]).all()
    assert not (sig[2] == sig[4]).all()


# ---- agreement with the brute-force reference -----------------------------------------------


@pytest.mark.parametrize(
    ("threshold", "analyzer", "n", "seed"),
    [(0.8, "char", 5, 0), (0.7, "char", 4, 1), (0.9, "char", 5, 2), (0.7, "word", 2, 3)],
)
def test_near_dedup_agrees_with_brute_force(threshold, analyzer, n, seed):
    texts, _ = planted_corpus(100, 120, seed=seed)
    texts += ["", "", "ab", "AB", "日本語のテキスト", "日本語のテキスト。"]
    fast = near_dedup(texts, threshold, strategy=MinHashLSHStrategy(n=n, analyzer=analyzer))
    slow = near_dedup(texts, threshold, strategy=JaccardNgramStrategy(n=n, analyzer=analyzer))
    assert len(slow.dropped_pairs) > 5
    assert _comparable(fast) == _comparable(slow)


def test_similarity_histograms():
    texts, _ = planted_corpus(60, 40, seed=5)
    slow = near_dedup(texts, 0.8, strategy=JaccardNgramStrategy())
    n_distinct = len(texts) - slow.n_exact_duplicates
    assert slow.similarity_histogram.sum() == n_distinct * (n_distinct - 1) // 2
    # Every near-duplicate pair lies in a bin at or above the threshold (bin 40 of 50).
    n_near = len(slow.dropped_pairs) - slow.n_exact_duplicates
    assert slow.similarity_histogram[40:].sum() >= n_near
    fast = near_dedup(texts, 0.8)
    # MinHash examines only its LSH candidates: all near-duplicates, few of the rest.
    assert n_near <= fast.similarity_histogram.sum() < slow.similarity_histogram.sum()
    cross = cross_dedup(texts[:60], texts[60:], 0.8, strategy=JaccardNgramStrategy())
    assert cross.similarity_histogram.sum() <= 60 * 40
    empty = near_dedup(texts, strategy=ExactNormalizedHashStrategy())
    assert empty.similarity_histogram.tolist() == [0] * text_dedup.HISTOGRAM_BINS


def test_cross_dedup_agrees_with_brute_force():
    texts, _ = planted_corpus(100, 120, seed=4)
    train, test = texts[:130], texts[130:]
    fast = cross_dedup(train, test, 0.75)
    slow = cross_dedup(train, test, 0.75, strategy=JaccardNgramStrategy())
    assert len(slow.pairs) > 10
    assert _comparable(fast) == _comparable(slow)


# ---- quality on planted near-duplicates -----------------------------------------------------


@pytest.mark.parametrize("threshold", [0.7, 0.8, 0.9])
def test_recall_and_precision_on_planted_pairs(threshold):
    texts, planted = planted_corpus(600, 400, seed=7)
    report = near_dedup(texts, threshold)
    truth = {pair: reference_jaccard(texts[pair[0]], texts[pair[1]]) for pair in planted}
    # No reported pair is below the threshold (exact Jaccard, recomputed independently).
    for pair in report.dropped_pairs:
        exact = reference_jaccard(texts[pair.kept], texts[pair.dropped])
        assert exact >= threshold and exact == pair.jaccard
    # Recall: planted copies well above the threshold are dropped.  (A copy can
    # be kept only if its original was itself dropped for an earlier document.)
    dropped = set(report.dropped_indices.tolist())
    clear = [(i, j) for (i, j), s in truth.items() if s >= threshold + 0.05 and i not in dropped]
    assert len(clear) > 40
    recall = np.mean([j in dropped for _, j in clear])
    assert recall >= 0.95


def test_cross_dedup_recall_on_planted_leaks():
    texts, planted = planted_corpus(600, 300, seed=8)
    train, test = texts[:600], texts[600:]
    report = cross_dedup(train, test, 0.8)
    leaked = dict(zip(report.leaked_test_indices.tolist(), report.pairs))
    for pair in report.pairs:
        assert reference_jaccard(train[pair.train_index], test[pair.test_index]) == pair.jaccard
        assert pair.jaccard >= 0.8
    clear = [j - 600 for i, j in planted if reference_jaccard(texts[i], texts[j]) >= 0.85]
    assert len(clear) > 40
    assert np.mean([k in leaked for k in clear]) >= 0.95


# ---- edge cases -----------------------------------------------------------------------------


def test_duplicates_of_duplicates_and_chains():
    base = "the quick brown fox jumps over the lazy dog near the river bank"
    near = base.replace("lazy", "sleepy")
    texts = [base, "", base.upper() + "!", near, near + ".", "", "x", "X"]
    report = near_dedup(texts, 0.7)
    assert report.kept_indices.tolist() == [0, 1, 6]
    assert report.clusters == ((0, 2, 3, 4), (1, 5), (6, 7))
    assert report.n_exact_duplicates == 4  # 2, 4 (of 3), 5, 7
    assert [p.dropped for p in report.dropped_pairs] == [2, 3, 4, 5, 7]
    assert all(p.kept == 0 for p in report.dropped_pairs[:3])


def test_chain_keeps_the_far_end():
    # A ~ B and B ~ C but A !~ C: B is dropped for A, C is kept (B was not kept).
    a = "one two three four five six seven eight nine ten"
    b = "one two three four five six seven eight nine ten eleven twelve"
    c = "three four five six seven eight nine ten eleven twelve thirteen fourteen"
    strategy = JaccardNgramStrategy(n=1, analyzer="word")
    sims = [reference_jaccard(x, y, 1, "word") for x, y in [(a, b), (b, c), (a, c)]]
    assert sims[0] >= 0.6 and sims[1] >= 0.6 and sims[2] < 0.6
    for s in (strategy, MinHashLSHStrategy(n=1, analyzer="word", num_perm=256, bands=128)):
        report = near_dedup([a, b, c], 0.6, strategy=s)
        assert report.kept_indices.tolist() == [0, 2]
        assert [(p.kept, p.dropped) for p in report.dropped_pairs] == [(0, 1)]


@pytest.mark.parametrize(
    "strategy",
    [MinHashLSHStrategy(), JaccardNgramStrategy(), ExactNormalizedHashStrategy()],
    ids=["minhash", "jaccard", "exact"],
)
def test_empty_short_and_non_ascii(strategy):
    texts = ["", "", "ab", "Ab.", "ab c", "Ünïcödé ✓ 🙂", "ünïcödé ✓ 🙂", "日本語", "中文文本"]
    report = near_dedup(texts, 0.8, strategy=strategy)
    assert report.clusters == ((0, 1), (2, 3), (5, 6))
    assert all(p.jaccard == 1.0 for p in report.dropped_pairs)
    assert report.to_dict()["kept_indices"] == [0, 2, 4, 5, 7, 8]


def test_empty_inputs():
    report = near_dedup([])
    assert report.kept_indices.shape == (0,) and report.dropped_pairs == ()
    cross = cross_dedup([], ["a"])
    assert cross.leaked_test_indices.shape == (0,)
    assert cross_dedup(["a"], []).n_test == 0


def test_exact_strategy_ignores_near_duplicates():
    texts = ["a b c d e f g h", "a b c d e f g i", "A B C D E F G H!"]
    report = near_dedup(texts, 0.1, strategy=ExactNormalizedHashStrategy())
    assert report.kept_indices.tolist() == [0, 1]
    raw = near_dedup(texts, strategy=ExactNormalizedHashStrategy(normalize=False))
    assert raw.kept_indices.tolist() == [0, 1, 2]


def test_cross_dedup_best_train_match():
    train = ["alpha beta gamma delta epsilon zeta", "alpha beta gamma delta epsilon eta", "other"]
    test = ["alpha beta gamma delta epsilon eta!", "nothing", "Other"]
    report = cross_dedup(train, test, 0.5, strategy=JaccardNgramStrategy(n=1, analyzer="word"))
    assert [(p.test_index, p.train_index, p.jaccard) for p in report.pairs] == [
        (0, 1, 1.0),
        (2, 2, 1.0),
    ]
    assert report.n_exact_duplicates == 2


def test_reports_are_json_ready():
    texts, _ = planted_corpus(30, 10, seed=3)
    report = near_dedup(texts, 0.7)
    cross = cross_dedup(texts[:30], texts[30:], 0.7)
    assert isinstance(report, DedupReport) and isinstance(cross, CrossDedupReport)
    for r in (report, cross):
        json.dumps(r.to_dict())
        assert str(r)


# ---- determinism ----------------------------------------------------------------------------


def test_near_dedup_n_jobs_reproducibility():
    texts, _ = planted_corpus(700, 300, seed=11)
    one = near_dedup(texts, 0.8, n_jobs=1)
    two = near_dedup(texts, 0.8, n_jobs=2)
    assert one.to_dict() == two.to_dict()
    np.testing.assert_array_equal(
        MinHashLSHStrategy().signatures(texts, n_jobs=1),
        MinHashLSHStrategy().signatures(texts, n_jobs=2),
    )


def test_cross_dedup_n_jobs_reproducibility():
    texts, _ = planted_corpus(700, 300, seed=12)
    one = cross_dedup(texts[:700], texts[700:], 0.8, n_jobs=1)
    two = cross_dedup(texts[:700], texts[700:], 0.8, n_jobs=2)
    assert one.to_dict() == two.to_dict()
    brute_one = cross_dedup(texts[:50], texts[700:], 0.8, strategy=JaccardNgramStrategy())
    brute_two = cross_dedup(texts[:50], texts[700:], 0.8, strategy=JaccardNgramStrategy(), n_jobs=2)
    assert brute_one.to_dict() == brute_two.to_dict()


def test_batch_and_block_sizes_do_not_change_results(monkeypatch):
    texts, _ = planted_corpus(200, 100, seed=13)
    texts += ["x" * 5000]  # longer than a shingle block on its own
    strategy = MinHashLSHStrategy()
    signatures = strategy.signatures(texts)
    report = near_dedup(texts, 0.8).to_dict()
    monkeypatch.setattr(text_dedup, "DOCS_PER_BATCH", 7)
    monkeypatch.setattr(text_dedup, "PAIRS_PER_BATCH", 3)
    monkeypatch.setattr(_minhash, "SHINGLE_BLOCK", 300)
    np.testing.assert_array_equal(strategy.signatures(texts), signatures)
    assert near_dedup(texts, 0.8).to_dict() == report


def test_hashing_does_not_depend_on_pythonhashseed():
    code = (
        "from eval_toolkit import MinHashLSHStrategy, near_dedup;"
        "import hashlib;"
        "texts = ['Ünïcödé text number %d, with words' % (i % 7) + ' x' * i for i in range(40)];"
        "sig = MinHashLSHStrategy(analyzer='word', n=2).signatures(texts);"
        "print(hashlib.sha256(sig.tobytes()).hexdigest(), near_dedup(texts, 0.5).to_dict())"
    )
    outputs = set()
    for seed in ("1", "2"):
        env = {"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"}
        out = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert out.returncode == 0, out.stderr
        outputs.add(out.stdout)
    assert len(outputs) == 1


# ---- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: near_dedup("abc"),
            TypeError,
            "'texts' parameter of near_dedup must be a sequence of str",
        ),
        (
            lambda: near_dedup(["a", None]),
            TypeError,
            "'texts[1]' parameter of near_dedup must be a str. Got None",
        ),
        (
            lambda: near_dedup(["a"], 0),
            ValueError,
            "'threshold' parameter of near_dedup must be a float in (0, 1]. Got 0",
        ),
        (lambda: near_dedup(["a"], 1.5), ValueError, "must be a float in (0, 1]. Got 1.5"),
        (lambda: near_dedup(["a"], True), ValueError, "Got True instead"),
        (
            lambda: near_dedup(["a"], strategy="minhash"),
            TypeError,
            "'strategy' parameter of near_dedup must be None or a DedupStrategy",
        ),
        (lambda: near_dedup(["a"], n_jobs=0), ValueError, "'n_jobs' parameter of near_dedup"),
        (
            lambda: near_dedup(["a"], progress="yes"),
            ValueError,
            "'progress' parameter of near_dedup must be a bool",
        ),
        (
            lambda: cross_dedup(["a"], [1]),
            TypeError,
            "'test_texts[0]' parameter of cross_dedup must be a str",
        ),
        (lambda: cross_dedup(5, ["a"]), TypeError, "'train_texts' parameter of cross_dedup"),
        (
            lambda: normalize_text_for_dedup(b"bytes"),
            TypeError,
            "'text' parameter of normalize_text_for_dedup must be a str. Got b'bytes'",
        ),
        (
            lambda: MinHashLSHStrategy(bands=30),
            ValueError,
            "'bands' parameter of MinHashLSHStrategy must be a divisor of num_perm (128). Got 30",
        ),
        (
            lambda: MinHashLSHStrategy(n=0),
            ValueError,
            "'n' parameter of MinHashLSHStrategy must be an int >= 1",
        ),
        (
            lambda: MinHashLSHStrategy(analyzer="token"),
            ValueError,
            "'analyzer' parameter of MinHashLSHStrategy must be one of 'char', 'word'",
        ),
        (lambda: MinHashLSHStrategy(seed=-1), ValueError, "'seed' parameter of MinHashLSHStrategy"),
        (
            lambda: JaccardNgramStrategy(normalize=1),
            ValueError,
            "'normalize' parameter of JaccardNgramStrategy must be a bool",
        ),
        (
            lambda: ExactNormalizedHashStrategy(normalize="no"),
            ValueError,
            "'normalize' parameter of ExactNormalizedHashStrategy",
        ),
    ],
)
def test_errors(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)


def test_accepts_arrays_and_series():
    pd = pytest.importorskip("pandas")
    texts = ["a b c", "A b c!", "d e f"]
    expected = near_dedup(texts).to_dict()
    assert near_dedup(np.array(texts)).to_dict() == expected
    assert near_dedup(pd.Series(texts)).to_dict() == expected


def test_doctests():
    failures, attempted = doctest.testmod(text_dedup, optionflags=doctest.ELLIPSIS)
    assert attempted > 10 and failures == 0
