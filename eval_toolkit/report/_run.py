"""The HTML page of a harness run (:func:`eval_toolkit.write_report` on a ``RunResult``).

One forest plot per metric (one row per slice and pair), a slice x model
table of estimates per metric, the paired differences with raw and adjusted
p-values, operating-point tables, corrected t-tests and error rows.  Plots
are drawn by :mod:`eval_toolkit.plotting` from plain arrays and labels.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

from .._harness_results import ResultRow, RunResult
from ._html import _CSS, HTML_NAME, JSON_NAME, _figure

__all__: list[str] = []


def _num(value: float | None, spec: str = ".3f") -> str:
    return "" if value is None else format(value, spec)


def _interval(row: ResultRow) -> str:
    return f"{_num(row.estimate)} [{_num(row.ci_low)}, {_num(row.ci_high)}]"


def _table(caption: str, header: Sequence[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows
    )
    return f"<table><caption>{html.escape(caption)}</caption><tr>{head}</tr>{body}</table>"


def _slice_model_table(run: RunResult, metric: str) -> str:
    cells = run.estimates(metric)
    models = run.params["models"]
    slices = list(dict.fromkeys(s for s, _ in cells))
    rows = [[s] + [_interval(cells[s, m]) if (s, m) in cells else "" for m in models]
            for s in slices]
    return _table(f"{metric}: estimate [{_confidence(run)} CI], slice x model",
                  ["slice", *models], rows)


def _confidence(run: RunResult) -> str:
    return f"{run.params['confidence']:.0%}"


def _diff_cells(row: ResultRow) -> list[str]:
    return [row.slice, f"{row.model} - {row.reference}", row.metric, _num(row.estimate, "+.4f"),
            f"[{_num(row.ci_low, '.4f')}, {_num(row.ci_high, '.4f')}]", _num(row.p_value, ".3g"),
            _num(row.p_adjusted, ".3g")]


_DIFF_HEADER = ["slice", "pair (B - A)", "metric", "delta", "CI", "p", "p adjusted"]


def _op_point_tables(run: RunResult) -> list[str]:
    out = []
    rows = run.rows_of("op_point")
    if rows:
        out.append(_table(
            "Operating points: threshold chosen on the fit slice, metrics on the apply slice "
            "(two-level bootstrap intervals, including the threshold's uncertainty)",
            ["model", "selector", "fit slice", "slice", "threshold", "metric", "estimate [CI]"],
            [[r.model, r.selector or "", r.fit_slice or "", r.slice, _num(r.threshold, ".4g"),
              r.metric, _interval(r)] for r in rows]))
    diffs = run.rows_of("op_point_diff")
    if diffs:
        out.append(_table("Operating-point differences (each model at its own threshold)",
                          ["selector", *_DIFF_HEADER],
                          [[r.selector or "", *_diff_cells(r)] for r in diffs]))
    return out


def _figures(run: RunResult) -> list[tuple[str, str]]:
    """(caption, PNG data URI): one forest plot per metric of the paired differences."""
    from ..plotting import plot_intervals

    out = []
    diffs = run.rows_of("diff")
    for metric in run.params["metrics"]:
        rows = [r for r in diffs if r.metric == metric and r.ci_low is not None]
        if not rows:
            continue
        uri = _figure(plot_intervals, [r.estimate for r in rows], [r.ci_low for r in rows],
                      [r.ci_high for r in rows],
                      [f"{r.slice}: {r.model} - {r.reference}" for r in rows],
                      xlabel=f"{metric}, B - A with {_confidence(run)} CI",
                      size=(6.4, 1.2 + 0.4 * len(rows)))
        out.append((f"{metric}: paired differences per slice and pair.", uri))
    return out


def _summary(run: RunResult) -> str:
    p = run.params
    seed = p["seed"]
    return (
        f"Task {run.task}; models {', '.join(p['models'])}; metrics {', '.join(p['metrics'])}; "
        f"{p['n_resamples']} resamples, {_confidence(run)} {p['method']} intervals; p-values "
        f"adjusted with {p['p_adjust']} within each kind of test; seed {seed['entropy']} "
        f"(spawn key {seed['spawn_key']}); eval_toolkit {p['version']}."
    )


def run_html(run: RunResult, title: str) -> str:
    """The whole page as a string."""
    parts = [
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="note">{html.escape(_summary(run))} All numbers are also in '
        f'<a href="{JSON_NAME}">{JSON_NAME}</a>.</p>',
    ]
    for caption, uri in _figures(run):
        parts.append(f'<figure><img src="{uri}" alt="{html.escape(caption)}">'
                     f"<figcaption>{html.escape(caption)}</figcaption></figure>")
    for metric in run.params["metrics"]:
        if run.estimates(metric):
            parts.append(_slice_model_table(run, metric))
    if run.rows_of("diff"):
        parts.append(_table("Paired differences", _DIFF_HEADER,
                            [_diff_cells(r) for r in run.rows_of("diff")]))
    parts += _op_point_tables(run)
    if run.rows_of("corrected_ttest"):
        parts.append(_table(
            "Nadeau-Bengio corrected resampled t-test over folds",
            [*_DIFF_HEADER, "t", "dof"],
            [[*_diff_cells(r), _num(r.statistic, ".3f"), str(r.dof)]
             for r in run.rows_of("corrected_ttest")]))
    if run.errors:
        parts.append(_table("Errors (on_scorer_error='record')", ["model", "slice", "error"],
                            [[r.model, r.slice, r.error or ""] for r in run.errors]))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def run_text(run: RunResult) -> str:
    """Fixed-width table of the metric and difference rows, for terminals."""
    header = ["kind", "slice", "model", "reference", "metric", "estimate", "CI", "p adj"]
    rows = [[r.kind, r.slice, r.model, r.reference or "", r.metric, _num(r.estimate, ".4f"),
             f"[{_num(r.ci_low, '.4f')}, {_num(r.ci_high, '.4f')}]", _num(r.p_adjusted, ".3g")]
            for r in run.rows if r.kind in ("metric", "diff")]
    rows += [["error", r.slice, r.model, "", r.metric, "", r.error or "", ""] for r in run.errors]
    widths = [max(len(x[i]) for x in [header, *rows]) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
                     for r in [header, *rows])


def write_run_report(run: RunResult, path: str | Path, title: str = "") -> Path:
    """Write ``report.html`` and ``results.json`` for a run into directory ``path``."""
    directory = Path(path)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / JSON_NAME).write_text(run.to_json(indent=2) + "\n", encoding="utf-8")
    html_file = directory / HTML_NAME
    where = (f"{len(run.params['slices'])} slices" if "slices" in run.params
             else f"{run.params['repeats']} x {run.params['folds_per_repeat'][0]}-fold CV")
    default = f"{', '.join(run.params['models'])} on {where}"
    html_file.write_text(run_html(run, title or default), encoding="utf-8")
    return html_file

