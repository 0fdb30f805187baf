"""Leaked test items inflate an evaluation; find them with cross_dedup, then evaluate again.

A generated text-classification task (two topics that share most of their
vocabulary, 15 % label noise) is split into training and test texts; then
150 training texts are copied into the test set with small edits, as happens
when a corpus is scraped twice or test items are paraphrased from training
data.  A 1-nearest-neighbour model on TF-IDF features memorises its training
set, so it gets the leaked items "right" for the wrong reason.
:func:`eval_toolkit.cross_dedup` finds the leaks (and is scored against the
planted ones), and :func:`eval_toolkit.bootstrap_ci` shows the accuracy with
and without them.

Run it with ``python examples/leakage_before_evaluation.py``.
"""

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.neighbors import KNeighborsClassifier

from eval_toolkit import bootstrap_ci, cross_dedup

N_TRAIN, N_TEST, N_LEAKED, WORDS = 3000, 600, 150, 60


def make_texts(rng, n, vocab, topic_weights):
    """``n`` texts and labels; each text draws its words from its topic's distribution."""
    labels = rng.integers(0, 2, n)
    texts = [" ".join(rng.choice(vocab, WORDS, p=topic_weights[y])) for y in labels]
    noisy = rng.random(n) < 0.15  # label noise: what no model can learn
    return texts, np.where(noisy, 1 - labels, labels)


def near_copy(rng, text, vocab):
    """A lightly edited copy: about 3 % of the words replaced."""
    words = text.split()
    for k in rng.choice(len(words), size=2, replace=False):
        words[k] = rng.choice(vocab)
    return " ".join(words)


def main() -> None:
    rng = np.random.default_rng(2024)
    vocab = np.array([f"w{k:04d}" for k in range(2000)])
    base = 1.0 / np.arange(1, vocab.size + 1)
    # The two topics weight 100 of the 2000 words differently; the rest is shared.
    topic = [base.copy(), base.copy()]
    topic[0][rng.choice(vocab.size, 100, replace=False)] *= 3.0
    topic[1][rng.choice(vocab.size, 100, replace=False)] *= 3.0
    topic = [t / t.sum() for t in topic]
    train, y_train = make_texts(rng, N_TRAIN, vocab, topic)
    test, y_test = make_texts(rng, N_TEST, vocab, topic)

    # Plant the leaks: edited copies of training texts, with the training label.
    sources = rng.choice(N_TRAIN, N_LEAKED, replace=False)
    test += [near_copy(rng, train[i], vocab) for i in sources]
    y_test = np.concatenate([y_test, y_train[sources]])
    planted = set(range(N_TEST, N_TEST + N_LEAKED))

    report = cross_dedup(train, test, threshold=0.8)
    found = set(report.leaked_test_indices.tolist())
    print(report)
    print(
        f"planted leaks found: {len(found & planted)} of {len(planted)}; "
        f"reported but not planted: {len(found - planted)}"
    )
    low = min(p.jaccard for p in report.pairs)
    print(f"lowest exact Jaccard among reported pairs: {low:.3f} (threshold 0.8)")

    vectorizer = TfidfVectorizer().fit(train)
    model = KNeighborsClassifier(n_neighbors=1).fit(vectorizer.transform(train), y_train)
    predicted = model.predict(vectorizer.transform(test))
    clean = np.setdiff1d(np.arange(len(test)), report.leaked_test_indices)
    print("\naccuracy of 1-NN on the test set, 95% BCa interval (2000 resamples):")
    for name, rows in [("with the leaks", np.arange(len(test))), ("leaks removed", clean)]:
        ci = bootstrap_ci(y_test[rows], predicted[rows], "accuracy", n_resamples=2000)
        print(
            f"  {name:15} n = {rows.size:4d}: {ci.point_estimate:.3f} "
            f"[{ci.ci_low:.3f}, {ci.ci_high:.3f}]"
        )
    leaked = report.leaked_test_indices
    accuracy = np.mean(predicted[leaked] == y_test[leaked])
    print(f"  on the {leaked.size} leaked items alone: {accuracy:.3f} (memorised)")


if __name__ == "__main__":
    main()
