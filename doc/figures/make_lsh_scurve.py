"""Make ``lsh_scurve.png``: LSH candidate probability against Jaccard similarity.

Theory, ``1 - (1 - s**r)**b``, for three ways of cutting a 128-value MinHash
signature into ``b`` bands of ``r`` rows, and the rate measured with
:class:`eval_toolkit.MinHashLSHStrategy` on 400 pairs of texts at each exact
Jaccard similarity (word 1-gram sets of 200 distinct words).  Run from the
repository root: ``python doc/figures/make_lsh_scurve.py``; it prints the
measured table quoted in doc/user_guide/leakage.rst and rewrites the PNG.

It also prints the second table of that page: the mean Jaccard similarity
between a 100-word text and a copy with k words substituted, for several
shingle sizes (200 texts of Zipf-distributed pseudo-words per cell), and
between two unrelated such texts.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from eval_toolkit import MinHashLSHStrategy

SIMILARITIES = np.round(np.arange(0.1, 1.0, 0.1), 2)
LAYOUTS = [(64, 2), (32, 4), (16, 8)]  # (bands, rows); 32 x 4 is the default
PAIRS, UNION = 400, 200


def pair_texts(similarity: float, pair: int) -> tuple[str, str]:
    """Two texts whose word sets have exactly the given Jaccard similarity."""
    shared = round(similarity * UNION)
    only = (UNION - shared) // 2
    words = [f"p{pair}w{k}" for k in range(shared + 2 * only)]
    first = words[:shared] + words[shared : shared + only]
    second = words[:shared] + words[shared + only :]
    return " ".join(first), " ".join(second)


def measured_rate(bands: int, similarity: float) -> float:
    strategy = MinHashLSHStrategy(n=1, analyzer="word", bands=bands, seed=7)
    texts = [t for pair in range(PAIRS) for t in pair_texts(similarity, pair)]
    sig = strategy.signatures(texts).reshape(PAIRS, 2, bands, strategy.rows)
    shares_band = (sig[:, 0] == sig[:, 1]).all(axis=2).any(axis=1)
    return float(shares_band.mean())


def shingles(text: str, n: int, analyzer: str) -> set[str]:
    units = text if analyzer == "char" else text.split()
    joiner = "" if analyzer == "char" else " "
    return {joiner.join(units[k : k + n]) for k in range(len(units) - n + 1)}


def edit_table() -> None:
    rng = np.random.default_rng(3)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    vocab = ["".join(rng.choice(letters, rng.integers(2, 10))) for _ in range(20_000)]
    weights = 1.0 / np.arange(1, len(vocab) + 1)
    weights /= weights.sum()
    texts = [[vocab[i] for i in rng.choice(len(vocab), 100, p=weights)] for _ in range(200)]
    settings = [(3, "char"), (5, "char"), (8, "char"), (1, "word"), (3, "word")]
    print("\nwords substituted  " + "  ".join(f"{a} {n}-grams" for n, a in settings))
    for k in (1, 2, 5, 10, 20):
        means = []
        for n, analyzer in settings:
            sims = []
            for words in texts:
                copy = list(words)
                for pos in rng.choice(len(words), k, replace=False):
                    copy[pos] = vocab[rng.integers(len(vocab))]
                a, b = (shingles(" ".join(w), n, analyzer) for w in (words, copy))
                sims.append(len(a & b) / len(a | b))
            means.append(np.mean(sims))
        print(f"{k:17d}  " + "  ".join(f"{m:12.3f}" for m in means))
    unrelated = []
    for n, analyzer in settings:
        pairs = [
            (
                shingles(" ".join(texts[i]), n, analyzer),
                shingles(" ".join(texts[i + 1]), n, analyzer),
            )
            for i in range(0, len(texts), 2)
        ]
        unrelated.append(np.mean([len(a & b) / len(a | b) for a, b in pairs]))
    print(f"{'unrelated texts':>17}  " + "  ".join(f"{m:12.3f}" for m in unrelated))


def main() -> None:
    edit_table()
    grid = np.linspace(0, 1, 201)
    fig = Figure(figsize=(6.4, 3.8), layout="constrained")
    ax = fig.add_subplot()
    print("Jaccard  " + "  ".join(f"{b}x{r} (theory / measured)" for b, r in LAYOUTS))
    rows = {s: [] for s in SIMILARITIES}
    for (bands, r), color in zip(LAYOUTS, ["#7aa6c2", "#1f4e79", "#c07a2c"]):
        strategy = MinHashLSHStrategy(bands=bands)
        label = f"{bands} bands x {r} rows" + (" (default)" if bands == 32 else "")
        ax.plot(grid, strategy.candidate_probability(grid), color=color, label=label)
        rates = [measured_rate(bands, s) for s in SIMILARITIES]
        ax.plot(SIMILARITIES, rates, "o", color=color, markersize=4)
        for s, rate in zip(SIMILARITIES, rates):
            rows[s].append((float(strategy.candidate_probability(s)), rate))
    for s, values in rows.items():
        print(f"{s:7.1f}  " + "  ".join(f"{t:12.4f} / {m:6.4f}     " for t, m in values))
    ax.axvline(0.8, color="#c03030", linestyle="--", linewidth=1, label="threshold 0.8")
    ax.set_xlabel("Jaccard similarity of the two shingle sets")
    ax.set_ylabel("probability of becoming a candidate")
    ax.set_title(f"LSH banding of 128 MinHash values (dots: {PAIRS} measured pairs each)")
    ax.legend(loc="lower right", fontsize="small")
    ax.set_xlim(0, 1)
    fig.savefig(Path(__file__).with_name("lsh_scurve.png"), dpi=90)


if __name__ == "__main__":
    main()
