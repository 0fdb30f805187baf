"""Plots of paired comparisons, for notebooks and reports (matplotlib, the ``plot`` extra).

Every function draws on ``ax`` (a new figure when omitted) and returns the
matplotlib ``Axes``, so plots compose into the caller's own figures.
matplotlib is imported on first use, never by ``import eval_toolkit``.
Plots take data (results, labels, arrays), never a report: the HTML report
calls them, not the other way round.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ._results import BootstrapCI, PairedBootstrapCI
from ._validation import check_int, check_labels, check_option, check_scores, param_error

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "plot_forest",
    "plot_intervals",
    "plot_bootstrap_distribution",
    "plot_reliability",
    "plot_roc",
]

_INSTALL_HINT = "pip install 'eval_toolkit[plot]'"


def _axes(ax: Axes | None, func: str) -> Axes:
    """``ax`` itself, or the axes of a new pyplot figure (shown inline in notebooks)."""
    if ax is not None:
        return ax
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(f"{func} needs matplotlib: {_INSTALL_HINT}.") from exc
    return plt.subplots()[1]


def _forest_items(results: Any, labels: Sequence[str] | None, func: str):
    if not (
        isinstance(results, Sequence)
        and results
        and all(isinstance(r, PairedBootstrapCI) for r in results)
    ):
        raise ValueError(
            param_error(
                func,
                "results",
                "a non-empty list of PairedBootstrapCI (for a ComparisonReport: "
                "report.intervals, with labels=report.row_labels)",
                results,
            )
        )
    if labels is not None and len(labels) != len(results):
        raise ValueError(
            param_error(func, "labels", f"a list of {len(results)} names", f"{len(labels)} names")
        )
    return list(results), list(labels) if labels is not None else [r.metric for r in results]


def plot_forest(
    results: Sequence[PairedBootstrapCI],
    *,
    labels: Sequence[str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Forest plot: each delta B - A with its confidence interval, one row per result.

    Parameters
    ----------
    results : list of PairedBootstrapCI
        Rows to draw, top to bottom; for a
        :class:`~eval_toolkit.report.ComparisonReport`, ``report.intervals``.
    labels : list of str, optional
        Row names; default: the metric of each result (for a report,
        ``report.row_labels`` names metric and slice).
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from eval_toolkit import paired_bootstrap_diff
    >>> from eval_toolkit.plotting import plot_forest
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 300)
    >>> a, b = rng.uniform(size=300), np.clip(0.4 * y + rng.uniform(0, 0.6, 300), 0, 1)
    >>> cis = [paired_bootstrap_diff(y, a, b, m, n_resamples=200) for m in ("roc_auc", "brier")]
    >>> ax = plot_forest(cis)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['roc_auc', 'brier']
    """
    cis, names = _forest_items(results, labels, "plot_forest")
    ax = _axes(ax, "plot_forest")
    position = np.arange(len(cis))[::-1]  # first row on top
    delta = np.array([ci.delta for ci in cis])
    low = np.array([ci.ci_low for ci in cis])
    high = np.array([ci.ci_high for ci in cis])
    significant = np.array([not ci.overlaps_zero for ci in cis])
    ax.axvline(0.0, color="0.5", linewidth=1, linestyle="--")
    ax.hlines(position, low, high, color="C0", linewidth=2)
    for mask, fill, label in (
        (~significant, "white", "CI includes 0"),
        (significant, "C0", "CI excludes 0"),
    ):
        if mask.any():
            ax.plot(delta[mask], position[mask], "o", color="C0", mfc=fill, label=label)
    ax.set_yticks(position, names)
    ax.set_ylim(-0.7, len(cis) - 0.3)
    confidence = cis[0].confidence
    ax.set_xlabel(f"B - A, with {confidence:.0%} confidence interval")
    # Outside the axes: inside, it would hide whichever row lies under it.
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    return ax


def plot_intervals(
    estimates: Sequence[float],
    ci_low: Sequence[float],
    ci_high: Sequence[float],
    labels: Sequence[str],
    *,
    reference: float = 0.0,
    xlabel: str = "",
    ax: Axes | None = None,
) -> Axes:
    """Forest plot from arrays: one row per estimate with its interval, first row on top.

    Rows whose interval excludes ``reference`` have filled markers.

    Parameters
    ----------
    estimates, ci_low, ci_high : sequence of float
        Estimates and interval endpoints, one per row.
    labels : sequence of str
        Row names.
    reference : float, default=0.0
        Value marked by a dashed line (no difference).
    xlabel : str, default=""
        Label of the x axis.
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from eval_toolkit.plotting import plot_intervals
    >>> ax = plot_intervals([0.02, -0.01], [0.01, -0.03], [0.03, 0.01], ["site A", "site B"])
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['site A', 'site B']
    """
    func = "plot_intervals"
    arrays = [np.asarray(v, dtype=float) for v in (estimates, ci_low, ci_high)]
    if len({a.shape for a in arrays} | {(len(labels),)}) != 1 or arrays[0].ndim != 1:
        raise ValueError(
            param_error(func, "labels", "as many labels as estimates and interval endpoints",
                        f"{len(labels)} labels for shapes {[a.shape for a in arrays]}")
        )
    delta, low, high = arrays
    ax = _axes(ax, func)
    position = np.arange(delta.shape[0])[::-1]
    excludes = (low > reference) | (high < reference)
    ax.axvline(reference, color="0.5", linewidth=1, linestyle="--")
    ax.hlines(position, low, high, color="C0", linewidth=2)
    for mask, fill, label in ((~excludes, "white", "CI includes reference"),
                              (excludes, "C0", "CI excludes reference")):
        if mask.any():
            ax.plot(delta[mask], position[mask], "o", color="C0", mfc=fill, label=label)
    ax.set_yticks(position, list(labels))
    ax.set_ylim(-0.7, delta.shape[0] - 0.3)
    ax.set_xlabel(xlabel)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    return ax


def plot_bootstrap_distribution(
    result: PairedBootstrapCI | BootstrapCI, *, bins: int = 40, ax: Axes | None = None
) -> Axes:
    """Histogram of the bootstrap distribution with the estimate and the interval marked.

    Parameters
    ----------
    result : PairedBootstrapCI or BootstrapCI
        A result that kept its bootstrap ``distribution`` (all toolkit
        functions keep it).
    bins : int, default=40
        Number of histogram bins.
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from eval_toolkit import paired_bootstrap_diff
    >>> from eval_toolkit.plotting import plot_bootstrap_distribution
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 300)
    >>> a, b = rng.uniform(size=300), np.clip(0.4 * y + rng.uniform(0, 0.6, 300), 0, 1)
    >>> ax = plot_bootstrap_distribution(paired_bootstrap_diff(y, a, b, "roc_auc"))
    >>> ax.get_xlabel()
    'B - A roc_auc'
    """
    func = "plot_bootstrap_distribution"
    if not isinstance(result, (PairedBootstrapCI, BootstrapCI)) or result.distribution is None:
        raise ValueError(
            param_error(
                func,
                "result",
                "a PairedBootstrapCI or BootstrapCI that kept its distribution",
                result,
            )
        )
    bins = check_int(bins, func, "bins", low=1)
    ax = _axes(ax, func)
    paired = isinstance(result, PairedBootstrapCI)
    estimate = result.delta if isinstance(result, PairedBootstrapCI) else result.point_estimate
    ax.hist(result.distribution, bins=bins, color="C0", alpha=0.6)
    ax.axvline(estimate, color="C3", linewidth=2, label=f"estimate {estimate:+.3f}")
    ax.axvspan(
        result.ci_low,
        result.ci_high,
        color="C1",
        alpha=0.15,
        label=f"{result.confidence:.0%} CI [{result.ci_low:+.3f}, {result.ci_high:+.3f}]",
    )
    if paired:
        ax.axvline(0.0, color="0.3", linewidth=1, linestyle="--")
    ax.set_xlabel(f"B - A {result.metric}" if paired else result.metric)
    ax.set_ylabel("resamples")
    ax.legend(loc="best", fontsize="small")
    return ax


def _scores_iv(y_true: Any, scores: Any, func: str, probabilities: bool):
    y = check_labels(y_true, func)
    if not isinstance(scores, Mapping) or not scores:
        raise ValueError(
            param_error(func, "scores", "a non-empty dict {model name: scores}", scores)
        )
    checked = {
        str(name): check_scores(
            s, func, param=f"scores[{name!r}]", n=y.shape[0], probabilities=probabilities
        )
        for name, s in scores.items()
    }
    return y, checked


def _reliability_bins(y: np.ndarray, score: np.ndarray, n_bins: int, strategy: str):
    """Mean score, fraction of positives and count per non-empty bin.

    The binning of :func:`sklearn.calibration.calibration_curve`, which the
    ECE kernel also follows; the counts are what it does not return.
    """
    if strategy == "quantile":
        edges = np.percentile(score, np.linspace(0, 100, n_bins + 1))
    else:
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = np.searchsorted(edges[1:-1], score)
    counts = np.bincount(bins, minlength=n_bins)
    filled = counts > 0
    predicted = np.bincount(bins, weights=score, minlength=n_bins)[filled] / counts[filled]
    observed = np.bincount(bins, weights=y, minlength=n_bins)[filled] / counts[filled]
    return predicted, observed, counts[filled]


def plot_reliability(
    y_true: Any,
    scores: Mapping[str, Any],
    *,
    n_bins: int = 10,
    strategy: str = "uniform",
    ax: Axes | None = None,
) -> Axes:
    """Reliability diagram: observed frequency of positives against mean predicted probability.

    Bins follow :func:`sklearn.calibration.calibration_curve`, as the ECE
    does; a perfectly calibrated model lies on the diagonal.  Marker area is
    proportional to the number of samples in the bin.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Binary labels.
    scores : dict of str to array-like of shape (n,)
        Predicted probabilities of each model, by model name.
    n_bins : int, default=10
        Number of bins.
    strategy : {"uniform", "quantile"}, default="uniform"
        Equal-width bins, or bins with equal counts.
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from eval_toolkit.plotting import plot_reliability
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(size=500)
    >>> y = rng.uniform(size=500) < p
    >>> ax = plot_reliability(y, {"calibrated": p, "overconfident": p ** 3})
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['perfect calibration', 'calibrated', 'overconfident']
    """
    func = "plot_reliability"
    y, checked = _scores_iv(y_true, scores, func, probabilities=True)
    n_bins = check_int(n_bins, func, "n_bins", low=1)
    strategy = check_option(strategy, func, "strategy", ("uniform", "quantile"))
    ax = _axes(ax, func)
    ax.plot([0, 1], [0, 1], color="0.5", linestyle="--", linewidth=1, label="perfect calibration")
    for i, (name, s) in enumerate(checked.items()):
        predicted, observed, counts = _reliability_bins(y, s, n_bins, strategy)
        ax.plot(predicted, observed, "-", color=f"C{i}", label=name)
        # Marker area shows how many samples a bin holds: sparse bins are noisy.
        ax.scatter(
            predicted,
            observed,
            s=12 + 240 * counts / counts.max(),
            color=f"C{i}",
            alpha=0.7,
            edgecolors="white",
        )
    # A small margin: bins at 0 and 1 are common, and their markers would be cut in half.
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_aspect("equal")
    ax.set_xlabel("mean predicted probability")
    ax.set_ylabel("fraction of positives")
    ax.legend(loc="upper left", fontsize="small")
    return ax


def plot_roc(y_true: Any, scores: Mapping[str, Any], *, ax: Axes | None = None) -> Axes:
    """ROC curves of several models on the same samples, with their AUC in the legend.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Binary labels (both classes present).
    scores : dict of str to array-like of shape (n,)
        Scores of each model, by model name.
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from eval_toolkit.plotting import plot_roc
    >>> ax = plot_roc([0, 0, 1, 1], {"A": [0.1, 0.4, 0.35, 0.8], "B": [0.1, 0.2, 0.7, 0.8]})
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['A (AUC = 0.750)', 'B (AUC = 1.000)', 'chance']
    """
    from sklearn.metrics import roc_auc_score, roc_curve

    func = "plot_roc"
    y, checked = _scores_iv(y_true, scores, func, probabilities=False)
    if y.all() or not y.any():
        raise ValueError(param_error(func, "y_true", "labels of both classes", "a single class"))
    ax = _axes(ax, func)
    for name, s in checked.items():
        fpr, tpr, _ = roc_curve(y, s)
        ax.plot(fpr, tpr, label=f"{name} (AUC = {roc_auc_score(y, s):.3f})")
    ax.plot([0, 1], [0, 1], color="0.5", linestyle="--", linewidth=1, label="chance")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.set_aspect("equal")
    ax.set_xlabel("false-positive rate (1 - specificity)")
    ax.set_ylabel("true-positive rate (sensitivity)")
    ax.legend(loc="lower right", fontsize="small")
    return ax
