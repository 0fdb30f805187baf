"""Text and HTML tables of a comparison report (the views ``to_text`` and ``_repr_html_``).

Functions take a report and return text; they import nothing from the result
model at run time, so the model can use them without an import circle.
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._model import ComparisonReport, ComparisonRow

__all__: list[str] = []

#: Slice label of the rows computed on all samples.
ALL_SLICE = "all"



def _fmt(value: float, spec: str = ".3f") -> str:
    return format(value, spec) if math.isfinite(value) else "nan"


def _row_cells(report: ComparisonReport, row: ComparisonRow, with_slice: bool) -> list[str]:
    ci = row.ci
    winner = {"A": report.name_a, "B": report.name_b, None: "-"}[row.better]
    cells = [row.display_name]
    if with_slice:
        cells.append(row.slice)
    return cells + [
        _fmt(row.value_a),
        _fmt(row.value_b),
        _fmt(ci.delta, "+.3f"),
        f"[{_fmt(ci.ci_low, '+.3f')}, {_fmt(ci.ci_high, '+.3f')}]",
        _fmt(row.mde().mde),
        winner,
    ]


def _headers(report: ComparisonReport, with_slice: bool) -> list[str]:
    confidence = report.rows[0].ci.confidence if report.rows else 0.95
    columns = ["metric", "slice", "A", "B", "B - A", f"{confidence:.0%} CI", "MDE", "better"]
    return columns if with_slice else [c for c in columns if c != "slice"]


def _with_slice(report: ComparisonReport) -> bool:
    return any(row.slice != ALL_SLICE for row in report.rows)


def _summary(report: ComparisonReport) -> str:
    first = report.rows[0].ci if report.rows else None
    parts = [f"A = {report.name_a}, B = {report.name_b}", f"n = {report.y_true.shape[0]}"]
    if first is not None:
        method = {"bca": "BCa"}.get(first.method, first.method)
        parts.append(f"{first.n_resamples + first.n_degenerate} paired resamples, {method} CIs")
    if report.seed is not None:
        parts.append(f"seed {report.seed}")
    return "; ".join(parts)


def text_table(report: ComparisonReport) -> str:
    with_slice = _with_slice(report)
    table = [_headers(report, with_slice)]
    table += [_row_cells(report, row, with_slice) for row in report.rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    footer = (
        "MDE: the smallest true difference these data detect with 80% power.  "
        "better: the model favoured when the CI excludes 0."
    )
    return "\n".join([report.title, _summary(report), "", *lines, "", footer])


def html_table(report: ComparisonReport) -> str:
    with_slice = _with_slice(report)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in _headers(report, with_slice))
    body = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape(c)}</td>" for c in _row_cells(report, r, with_slice))
        + "</tr>"
        for r in report.rows
    )
    caption = html.escape(f"{report.title}: {_summary(report)}")
    return (
        f'<table class="eval-toolkit-results"><caption>{caption}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )
