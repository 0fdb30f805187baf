"""Tests for eval_toolkit.plotting, on matplotlib's non-interactive Agg backend."""

from __future__ import annotations

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from eval_toolkit import bootstrap_ci, paired_bootstrap_diff, plotting  # noqa: E402
from eval_toolkit.plotting import (  # noqa: E402
    plot_bootstrap_distribution,
    plot_forest,
    plot_reliability,
    plot_roc,
)
from eval_toolkit.report import compare_scores  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def data():
    rng = np.random.default_rng(np.random.SeedSequence(5).spawn(1)[0])
    n = 400
    y = rng.integers(0, 2, n)
    a = np.clip(0.25 * y + rng.uniform(0, 0.75, n), 0, 1)
    b = np.clip(0.45 * y + rng.uniform(0, 0.55, n), 0, 1)
    return y, a, b


@pytest.fixture
def cis(data):
    y, a, b = data
    return [paired_bootstrap_diff(y, a, b, m, n_resamples=200) for m in ("roc_auc", "brier", "ece")]


def test_forest_one_row_per_result(cis):
    ax = plot_forest(cis)
    assert isinstance(ax, Axes)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["roc_auc", "brier", "ece"]
    # The first result is drawn on top.
    assert list(ax.get_yticks()) == [2, 1, 0]
    (segments,) = ax.collections
    lows = sorted(seg[0][0] for seg in segments.get_segments())
    assert lows == sorted(ci.ci_low for ci in cis)


def test_forest_of_a_report_labels_metric_and_slice(data):
    y, a, b = data
    report = compare_scores(
        y,
        a,
        b,
        metrics=["roc_auc"],
        slices=np.arange(y.size) % 2 == 0,
        slice_name="even",
        n_resamples=200,
    )
    ax = plot_forest(report.intervals, labels=report.row_labels)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["ROC AUC (all)", "ROC AUC (even=False)", "ROC AUC (even=True)"]
    deltas = sorted(np.concatenate([line.get_xdata() for line in ax.get_lines()[1:]]))
    assert deltas == sorted(row.ci.delta for row in report.rows)


def test_plotting_does_not_import_the_report():
    # Lower layers take data: plots never need the report model (no import circle).
    import subprocess
    import sys

    code = (
        "import sys, eval_toolkit.plotting;"
        "print(sorted(m for m in sys.modules if m.startswith('eval_toolkit.report')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_forest_draws_on_the_given_axes(cis):
    fig, (left, right) = plt.subplots(1, 2)
    assert plot_forest(cis, labels=["x", "y", "z"], ax=right) is right
    assert not left.has_data() and right.has_data()


def test_bootstrap_distribution_marks_estimate_and_interval(cis):
    ci = cis[0]
    ax = plot_bootstrap_distribution(ci, bins=25)
    assert len(ax.patches) >= 25  # histogram bars (+ the interval span)
    vertical = [line.get_xdata()[0] for line in ax.get_lines()]
    assert vertical == [ci.delta, 0.0]
    assert ax.get_xlabel() == "B - A roc_auc"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[1] == f"95% CI [{ci.ci_low:+.3f}, {ci.ci_high:+.3f}]"


def test_bootstrap_distribution_of_a_single_model_ci(data):
    y, a, _ = data
    ci = bootstrap_ci(y, a, "roc_auc", n_resamples=200)
    ax = plot_bootstrap_distribution(ci)
    assert [line.get_xdata()[0] for line in ax.get_lines()] == [ci.point_estimate]
    assert ax.get_xlabel() == "roc_auc"


def test_reliability_bins_match_scikit_learn(data):
    from sklearn.calibration import calibration_curve

    y, a, _ = data
    for strategy in ("uniform", "quantile"):
        predicted, observed, counts = plotting._reliability_bins(y, a, 10, strategy)
        sk_observed, sk_predicted = calibration_curve(y, a, n_bins=10, strategy=strategy)
        np.testing.assert_allclose(predicted, sk_predicted)
        np.testing.assert_allclose(observed, sk_observed)
        assert counts.sum() == y.size


def test_reliability_one_curve_per_model(data):
    y, a, b = data
    ax = plot_reliability(y, {"A": a, "B": b}, n_bins=5)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["perfect calibration", "A", "B"]
    assert len(ax.get_lines()) == 3 and len(ax.collections) == 2
    assert ax.get_xlim() == (-0.02, 1.02)


def test_roc_one_curve_per_model(data):
    from sklearn.metrics import roc_auc_score

    y, a, b = data
    ax = plot_roc(y, {"A": a, "B": b})
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [
        f"A (AUC = {roc_auc_score(y, a):.3f})",
        f"B (AUC = {roc_auc_score(y, b):.3f})",
        "chance",
    ]
    fpr = ax.get_lines()[0].get_xdata()
    assert fpr[0] == 0.0 and fpr[-1] == 1.0


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda d, c: plot_forest([]),
            "The 'results' parameter of plot_forest must be a non-empty list of PairedBootstrapCI "
            "(for a ComparisonReport: report.intervals, with labels=report.row_labels). Got [] "
            "instead.",
        ),
        (
            lambda d, c: plot_forest(c, labels=["x"]),
            "The 'labels' parameter of plot_forest must be a list of 3 names. Got '1 names' "
            "instead.",
        ),
        (
            lambda d, c: plot_bootstrap_distribution("ci"),
            "The 'result' parameter of plot_bootstrap_distribution must be a PairedBootstrapCI or "
            "BootstrapCI that kept its distribution. Got 'ci' instead.",
        ),
        (
            lambda d, c: plot_bootstrap_distribution(c[0], bins=0),
            "The 'bins' parameter of plot_bootstrap_distribution must be an int >= 1. Got 0 "
            "instead.",
        ),
        (
            lambda d, c: plot_reliability(d[0], d[1]),
            "The 'scores' parameter of plot_reliability must be a non-empty dict {model name: "
            "scores}.",
        ),
        (
            lambda d, c: plot_reliability(d[0], {"A": d[1] * 2}),
            "The 'scores['A']' parameter of plot_reliability must be probabilities in [0, 1]",
        ),
        (
            lambda d, c: plot_reliability(d[0], {"A": d[1]}, n_bins=0),
            "The 'n_bins' parameter of plot_reliability must be an int >= 1. Got 0 instead.",
        ),
        (
            lambda d, c: plot_reliability(d[0], {"A": d[1]}, strategy="kmeans"),
            "The 'strategy' parameter of plot_reliability must be one of 'uniform', 'quantile'. "
            "Got 'kmeans' instead.",
        ),
        (
            lambda d, c: plot_roc(d[0], {"A": d[1][:10]}),
            "The 'scores['A']' parameter of plot_roc must be of the same length as y_true (400).",
        ),
        (
            lambda d, c: plot_roc(np.ones(400), {"A": d[1]}),
            "The 'y_true' parameter of plot_roc must be labels of both classes. Got 'a single "
            "class' instead.",
        ),
    ],
)
def test_errors(data, cis, call, message):
    with pytest.raises(ValueError) as info:
        call(data, cis)
    assert str(info.value).startswith(message)


def test_missing_matplotlib_gives_install_hint(cis, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(
        ImportError,
        match=r"plot_forest needs matplotlib: pip install "
        r"'eval_toolkit\[plot\]'",
    ):
        plot_forest(cis)
