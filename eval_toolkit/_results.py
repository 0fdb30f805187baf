"""Result types of the bootstrap functions: frozen dataclasses."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

__all__ = ["BootstrapCI", "PairedBootstrapCI", "MDEEstimate"]

_METHOD_LABELS = {
    "percentile": "percentile",
    "basic": "basic",
    "bca": "BCa",
    "studentized": "studentized",
}


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def seed_record(seed: Any) -> int | None:
    """The int that reproduces a run's seed: the int itself, or a root SeedSequence's entropy."""
    if isinstance(seed, (int, np.integer)):
        return int(seed)
    if isinstance(seed, np.random.SeedSequence) and not seed.spawn_key:
        entropy = seed.entropy
        return int(entropy) if isinstance(entropy, (int, np.integer)) else None
    return None


def _std_error(values: np.ndarray) -> float:
    return float(np.std(values, ddof=1)) if values.shape[0] > 1 else float("nan")


class _ToDict:
    def to_dict(self) -> dict[str, Any]:
        """Return the fields as plain Python values (the distribution is left out)."""
        out = asdict(self)  # type: ignore[call-overload]
        out.pop("distribution", None)
        return {k: _plain(v) for k, v in out.items()}

    def _repr_html_(self) -> str:
        """Notebook display: the one-line summary, then every field in a table."""
        import html

        def cell(value: Any) -> str:
            return f"{value:.4g}" if isinstance(value, float) else str(value)

        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
            f"<td style='text-align:right'>{html.escape(cell(v))}</td></tr>"
            for k, v in self.to_dict().items()
        )
        caption = html.escape(f"{type(self).__name__}: {self}")
        return f"<table><caption style='text-align:left'>{caption}</caption>{rows}</table>"


@dataclass(frozen=True, repr=True)
class BootstrapCI(_ToDict):
    """Bootstrap confidence interval of one model's metric.

    Attributes
    ----------
    point_estimate : float
        The metric on the full data.
    ci_low, ci_high : float
        Interval endpoints.
    confidence : float
        Nominal coverage, e.g. 0.95.
    n_resamples : int
        Resamples used (degenerate ones excluded).
    method : str
        ``"percentile"``, ``"basic"``, ``"bca"`` or ``"studentized"``.
    std_error : float
        Standard deviation of the bootstrap distribution.
    n_degenerate : int
        Resamples on which the metric was undefined (dropped).
    n_samples : int
        Number of samples in the data.
    metric : str
        Name of the metric.
    seed : int or None
        The seed as an int when one reproduces the run (``seed=result.seed``):
        the caller's int, or the fresh entropy drawn for ``seed=None``;
        ``None`` for a spawned ``SeedSequence``.
    greater_is_better : bool
        Direction of the metric (False for errors and losses, also when it
        was given as a ``neg_`` scorer name: the metric itself is reported).
    task : str
        ``"binary"``, ``"multiclass"`` or ``"regression"``.
    distribution : ndarray
        The bootstrap distribution (not shown in ``repr``).
    """

    point_estimate: float
    ci_low: float
    ci_high: float
    confidence: float
    n_resamples: int
    method: str
    std_error: float
    n_degenerate: int
    n_samples: int = 0
    metric: str = "metric"
    greater_is_better: bool = True
    task: str = "binary"
    distribution: np.ndarray | None = field(default=None, repr=False, compare=False)
    seed: int | None = field(default=None, repr=False, compare=False)

    def __str__(self) -> str:
        return (
            f"{self.metric} = {self.point_estimate:.3f} [{self.ci_low:.3f}, {self.ci_high:.3f}], "
            f"{self.confidence:.0%} {_METHOD_LABELS[self.method]}, {self.n_resamples} resamples"
        )


@dataclass(frozen=True, repr=True)
class PairedBootstrapCI(_ToDict):
    """Paired bootstrap comparison of two models, delta = metric(B) - metric(A).

    Attributes
    ----------
    delta : float
        metric(B) - metric(A) on the full data.
    ci_low, ci_high : float
        Interval endpoints for delta.
    overlaps_zero : bool
        Whether the interval contains 0 (no significant difference at
        ``1 - confidence``).
    confidence : float
        Nominal coverage.
    n_resamples : int
        Resamples used (degenerate ones excluded).
    method : str
        CI method.
    std_error : float
        Standard deviation of the bootstrap distribution of delta.
    p_value : float
        Two-sided bootstrap p-value for delta = 0, found by inverting the
        interval of ``method`` (the smallest 1 - confidence at which that
        interval excludes 0), so it agrees with ``overlaps_zero``; floored at
        2 / (B + 1), never exactly 0.
    n_degenerate : int
        Resamples on which either metric was undefined (dropped).
    n_samples : int
        Number of samples in the data.
    metric : str
        Name of the metric.
    seed : int or None
        The seed as an int when one reproduces the run (``seed=result.seed``):
        the caller's int, or the fresh entropy drawn for ``seed=None``;
        ``None`` for a spawned ``SeedSequence``.
    value_a, value_b : float
        The metric of model A and of model B on the full data.
    ci_a, ci_b : tuple of float
        Percentile interval of each model's metric, from the same resamples
        as delta (so free; a per-model BCa would need its own jackknife).
    greater_is_better : bool
        Direction of the metric (False for errors and losses, also when it
        was given as a ``neg_`` scorer name: the metric itself is reported).
    task : str
        ``"binary"``, ``"multiclass"`` or ``"regression"``.
    distribution : ndarray
        Bootstrap distribution of delta (not shown in ``repr``).
    """

    delta: float
    ci_low: float
    ci_high: float
    overlaps_zero: bool
    confidence: float
    n_resamples: int
    method: str
    std_error: float
    p_value: float
    n_degenerate: int
    n_samples: int = 0
    metric: str = "metric"
    value_a: float = float("nan")
    value_b: float = float("nan")
    ci_a: tuple[float, float] = (float("nan"), float("nan"))
    ci_b: tuple[float, float] = (float("nan"), float("nan"))
    greater_is_better: bool = True
    task: str = "binary"
    distribution: np.ndarray | None = field(default=None, repr=False, compare=False)
    seed: int | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_distribution(
        cls,
        delta: float,
        delta_b: np.ndarray,
        interval: Any,
        *,
        confidence: float,
        method: str,
        n_degenerate: int,
        n_samples: int,
        metric: str,
        seed: int | None = None,
        **arms: Any,
    ) -> PairedBootstrapCI:
        """Build the result from delta, its bootstrap distribution and an interval.

        ``arms``: the optional per-model fields (``value_a``, ``ci_a``, ...,
        ``greater_is_better``, ``task``).
        """
        return cls(
            delta=float(delta),
            ci_low=interval.low,
            ci_high=interval.high,
            overlaps_zero=bool(interval.low <= 0.0 <= interval.high),
            confidence=confidence,
            n_resamples=int(delta_b.shape[0]),
            method=method,
            std_error=_std_error(delta_b),
            p_value=interval.p_value,
            n_degenerate=n_degenerate,
            n_samples=n_samples,
            metric=metric,
            distribution=delta_b,
            seed=seed,
            **arms,
        )

    def __str__(self) -> str:
        return (
            f"B - A {self.metric} = {self.delta:+.3f} [{self.ci_low:.3f}, {self.ci_high:.3f}], "
            f"p = {self.p_value:.3g}, {self.confidence:.0%} {_METHOD_LABELS[self.method]}, "
            f"{self.n_resamples} resamples"
        )


@dataclass(frozen=True, repr=True)
class MDEEstimate(_ToDict):
    """Minimum detectable effect of a paired comparison.

    ``mde = (z_{1 - alpha/2} + z_{power}) * sigma_delta``: the smallest true
    difference a two-sided test at level ``alpha`` detects with probability
    ``power``, given the paired bootstrap standard error ``sigma_delta``.

    Attributes
    ----------
    mde : float
        Minimum detectable effect, in metric units.
    sigma_delta : float
        Bootstrap standard error of delta.
    delta_observed : float
        Observed delta = metric(B) - metric(A).
    alpha : float
        Two-sided significance level.
    power : float
        Target power.
    n_resamples : int
        Resamples behind ``sigma_delta``.
    n : int
        Number of samples.
    """

    mde: float
    sigma_delta: float
    delta_observed: float
    alpha: float
    power: float
    n_resamples: int
    n: int

    def __str__(self) -> str:
        return (
            f"MDE = {self.mde:.4f} (alpha = {self.alpha:g}, power = {self.power:.0%}, "
            f"sigma_delta = {self.sigma_delta:.4f}, observed delta = {self.delta_observed:+.4f})"
        )
