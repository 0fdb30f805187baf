"""Result model of the harness: one flat row type, and the run that holds the rows.

Rows are tidy (one estimate per row) so that a run becomes a long data frame
with one call, and a JSON file that reads back into an equal run.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

__all__ = ["ResultRow", "RunResult", "FoldedRunResult"]

#: Row kinds, in display order.
ROW_KINDS = (
    "metric",
    "diff",
    "op_point",
    "op_point_diff",
    "fold_metric",
    "corrected_ttest",
    "error",
)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None  # JSON has no NaN/inf; None reads back as "not available"
    return value


@dataclass(frozen=True)
class ResultRow:
    """One estimate of a run (fields that do not apply to a row kind are None).

    Attributes
    ----------
    kind : str
        ``"metric"`` (a model's metric on a slice), ``"diff"`` (paired
        difference model - reference), ``"op_point"`` / ``"op_point_diff"``
        (metric at a transferred threshold, of a model / of a difference),
        ``"fold_metric"`` (a metric on one test fold), ``"corrected_ttest"``
        (Nadeau-Bengio test of a difference over folds) or ``"error"``.
    model : str
        Model name; for differences the candidate B.
    reference : str or None
        For differences, model A (delta = metric(B) - metric(A)).
    slice : str
        Slice name (``"all"`` for cross-validated rows).
    metric : str
        Metric name; operating-point rows read ``"Sensitivity at AtSpecificity(target=0.95)"``.
    estimate : float or None
        Metric value or difference on the full data (mean over folds for the
        corrected t-test).
    ci_low, ci_high : float or None
        Interval endpoints.
    confidence : float or None
        Nominal coverage of the interval.
    method : str or None
        Interval method (``"t"`` for the corrected t-test).
    n : int or None
        Samples the estimate is computed on.
    n_resamples : int or None
        Bootstrap resamples used (degenerate ones excluded).
    n_degenerate : int or None
        Resamples on which the metric was undefined (dropped).
    std_error : float or None
        Bootstrap standard error (corrected standard error for the t-test).
    p_value : float or None
        Two-sided p-value for "no difference".
    p_adjusted : float or None
        ``p_value`` adjusted over its family (:func:`correct_p_values`).
    p_family : str or None
        The family the adjustment ran over, e.g. ``"diff: 24 tests, holm"``.
    fit_slice : str or None
        Operating points: slice the threshold was chosen on.
    selector : str or None
        Operating points: the threshold selector.
    threshold : float or None
        Operating points: the threshold chosen on the full fit slice.
    fold, repeat : int or None
        Cross-validation: test fold and repetition.
    statistic : float or None
        Corrected t statistic.
    dof : int or None
        Degrees of freedom of the t-test (folds x repeats - 1).
    error : str or None
        Error rows: the exception, as ``"ValueError: ..."``.
    seed_key : tuple of int or None
        ``spawn_key`` of the seed of this row's bootstrap:
        ``numpy.random.SeedSequence(run_seed, spawn_key=seed_key)`` passed as
        ``seed=`` to the functional API reproduces the row exactly.  The
        metric rows of one (model, slice) cell share it (they share one draw
        of resamples), as do the difference rows of one (pair, slice).
    """

    kind: str
    model: str
    slice: str
    metric: str
    reference: str | None = None
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    confidence: float | None = None
    method: str | None = None
    n: int | None = None
    n_resamples: int | None = None
    n_degenerate: int | None = None
    std_error: float | None = None
    p_value: float | None = None
    p_adjusted: float | None = None
    p_family: str | None = None
    fit_slice: str | None = None
    selector: str | None = None
    threshold: float | None = None
    fold: int | None = None
    repeat: int | None = None
    statistic: float | None = None
    dof: int | None = None
    error: str | None = None
    seed_key: tuple[int, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Fields as plain JSON-ready values (``seed_key`` as a list, NaN as None)."""
        out = {k: _plain(v) for k, v in asdict(self).items()}
        if self.seed_key is not None:
            out["seed_key"] = list(self.seed_key)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ResultRow:
        """Inverse of :meth:`to_dict`."""
        data = dict(data)
        if data.get("seed_key") is not None:
            data["seed_key"] = tuple(data["seed_key"])
        return cls(**data)


def _fmt(value: Any) -> str:
    return "" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class RunResult:
    """Everything :func:`~eval_toolkit.harness.evaluate` computed, as tidy rows.

    Attributes
    ----------
    rows : tuple of ResultRow
        Every estimate (see :class:`ResultRow` for the kinds).
    task : str
        ``"binary"``, ``"multiclass"`` or ``"regression"``.
    params : dict
        The run's parameters (models, slices, metrics, pairs, resamples,
        confidence, method, p-value adjustment), its ``seed`` (entropy and
        spawn key) and the ``eval_toolkit`` ``version``: enough to reproduce
        every number.
    """

    rows: tuple[ResultRow, ...]
    task: str
    params: dict[str, Any]

    def rows_of(self, kind: str) -> list[ResultRow]:
        """Rows of one ``kind`` (``"metric"``, ``"diff"``, ...), in run order."""
        return [row for row in self.rows if row.kind == kind]

    @property
    def errors(self) -> list[ResultRow]:
        """Error rows (``on_scorer_error="record"``)."""
        return self.rows_of("error")

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready dict; :meth:`from_dict` reads it back into an equal result."""
        return {
            "result": type(self).__name__,
            "task": self.task,
            "params": self.params,
            "rows": [row.to_dict() for row in self.rows],
        }

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as JSON (``kwargs`` go to :func:`json.dumps`)."""
        return json.dumps(self.to_dict(), allow_nan=False, **kwargs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunResult:
        """Rebuild a result from :meth:`to_dict` output."""
        kind = FoldedRunResult if data.get("result") == "FoldedRunResult" else RunResult
        return kind(
            rows=tuple(ResultRow.from_dict(r) for r in data["rows"]),
            task=data["task"],
            params=data["params"],
        )

    @classmethod
    def from_json(cls, text: str) -> RunResult:
        """Rebuild a result from :meth:`to_json` output."""
        return cls.from_dict(json.loads(text))

    def to_frame(self) -> Any:
        """The rows as a long pandas DataFrame (one row per estimate; needs pandas)."""
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - pandas is in the test extras
            raise ImportError("to_frame() needs pandas: pip install pandas") from None
        columns = [f.name for f in fields(ResultRow)]
        return pd.DataFrame([row.to_dict() for row in self.rows], columns=columns)

    def estimates(self, metric: str, kind: str = "metric") -> dict[tuple[str, str], ResultRow]:
        """``{(slice, model): row}`` of one metric (the slice x model table)."""
        return {(r.slice, r.model): r for r in self.rows_of(kind) if r.metric == metric}

    def _repr_html_(self) -> str:
        import html

        shown = ("kind", "model", "reference", "slice", "metric", "estimate", "ci_low",
                 "ci_high", "p_value", "p_adjusted", "error")
        head = "".join(f"<th>{c}</th>" for c in shown)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_fmt(getattr(r, c)))}</td>" for c in shown)
            + "</tr>"
            for r in self.rows
        )
        caption = html.escape(
            f"{type(self).__name__}: {self.task}, {len(self.rows)} rows, "
            f"seed {self.params.get('seed')}, eval_toolkit {self.params.get('version')}"
        )
        return f"<table><caption>{caption}</caption><tr>{head}</tr>{body}</table>"


@dataclass(frozen=True)
class FoldedRunResult(RunResult):
    """Result of :func:`~eval_toolkit.harness.evaluate_folded`.

    Attributes
    ----------
    rows, task, params
        As in :class:`RunResult`; rows of kind ``"fold_metric"``, ``"metric"``
        and ``"diff"`` (pooled out-of-fold predictions) and ``"corrected_ttest"``.
    oof_predictions : dict of str to ndarray
        Per model, out-of-fold predictions of shape ``(repeats, n)`` (or
        ``(repeats, n, C)``).  Not part of :meth:`to_dict`, and not compared.
    """

    oof_predictions: dict[str, np.ndarray] = field(default_factory=dict, compare=False,
                                                   repr=False)
