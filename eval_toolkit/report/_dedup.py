"""The HTML page of a de-duplication run (``eval-toolkit dedup --report DIR``).

One self-contained page: the counts, a histogram of the estimated
similarities the strategy examined with the threshold marked, and the pairs
found, side by side with their word-level differences highlighted
(:mod:`difflib`).  Every piece of user text is HTML-escaped.
"""

from __future__ import annotations

import difflib
import html
import json
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..text_dedup import CrossDedupReport, DedupReport, normalize_text_for_dedup
from ._html import HTML_NAME, JSON_NAME, _png_data_uri, plots_available

__all__ = ["write_dedup_report"]

#: Pairs shown on the page (all of them are in results.json).
MAX_PAIRS = 200
#: Characters of each text shown in a pair; longer texts are cut with "…".
MAX_CHARS = 3000

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: .4em; text-align: left; vertical-align: top; }
td.text { width: 42%; font-family: ui-monospace, monospace; font-size: .85em;
          white-space: pre-wrap; }
del { background: #fdd; text-decoration: line-through; }
ins { background: #dfd; text-decoration: none; }
.note { color: #666; }
"""


def _diff_html(left: str, right: str) -> tuple[str, str]:
    """Both texts as HTML: words only in ``left`` in <del>, words only in ``right`` in <ins>.

    Words are compared after :func:`normalize_text_for_dedup`, as the
    similarity was, so case and punctuation alone are not marked.
    """
    a, b = (re.split(r"(\s+)", text[:MAX_CHARS]) for text in (left, right))
    key_a, key_b = ([normalize_text_for_dedup(t) for t in x] for x in (a, b))
    matcher = difflib.SequenceMatcher(None, key_a, key_b, autojunk=False)
    out_a, out_b = [], []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        part_a, part_b = html.escape("".join(a[i1:i2])), html.escape("".join(b[j1:j2]))
        if op == "equal":
            out_a.append(part_a)
            out_b.append(part_b)
            continue
        if part_a:
            out_a.append(f"<del>{part_a}</del>")
        if part_b:
            out_b.append(f"<ins>{part_b}</ins>")
    cut = ["…" if len(text) > MAX_CHARS else "" for text in (left, right)]
    return "".join(out_a) + cut[0], "".join(out_b) + cut[1]


def _histogram_uri(counts: np.ndarray, threshold: float, title: str) -> str | None:
    """PNG data URI of the similarity histogram, or None without matplotlib."""
    if not plots_available():
        return None
    from matplotlib.figure import Figure

    edges = np.linspace(0.0, 1.0, counts.shape[0] + 1)
    fig = Figure(figsize=(7.0, 3.2))
    ax = fig.add_subplot()
    ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color="#4878a8")
    if counts.any():
        ax.set_yscale("log")
    ax.axvline(threshold, color="#c03030", linestyle="--", label=f"threshold {threshold:g}")
    ax.set_xlim(0.0, 1.0)
    ax.set_xlabel("estimated Jaccard similarity")
    ax.set_ylabel("pairs examined")
    ax.set_title(title, fontsize="medium")
    ax.legend(loc="upper center")
    return _png_data_uri(fig)


def _pair_rows(report: DedupReport | CrossDedupReport, left: Sequence[str], right: Sequence[str]):
    """``(left label, right label, jaccard, estimate, left text, right text)`` per pair."""
    if isinstance(report, DedupReport):
        for d in report.dropped_pairs:
            yield (
                f"kept #{d.kept}",
                f"dropped #{d.dropped}",
                d.jaccard,
                d.estimated_jaccard,
                left[d.kept],
                right[d.dropped],
            )
    else:
        for leak in report.pairs:
            yield (
                f"train #{leak.train_index}",
                f"test #{leak.test_index}",
                leak.jaccard,
                leak.estimated_jaccard,
                left[leak.train_index],
                right[leak.test_index],
            )


def _pairs_table(report, left: Sequence[str], right: Sequence[str]) -> str:
    rows = []
    for k, (label_a, label_b, exact, estimate, text_a, text_b) in enumerate(
        _pair_rows(report, left, right)
    ):
        if k == MAX_PAIRS:
            break
        diff_a, diff_b = _diff_html(text_a, text_b)
        rows.append(
            f"<tr><td>{html.escape(label_a)}<br>{html.escape(label_b)}</td>"
            f"<td>{exact:.3f}<br><span class='note'>est. {estimate:.3f}</span></td>"
            f"<td class='text'>{diff_a}</td><td class='text'>{diff_b}</td></tr>"
        )
    head = "<tr><th>pair</th><th>Jaccard</th><th>first text</th><th>second text</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def write_dedup_report(
    report: DedupReport | CrossDedupReport,
    left: Sequence[str],
    right: Sequence[str],
    directory: str | Path,
    *,
    title: str,
    summary: Sequence[str],
) -> Path:
    """Write ``report.html`` and ``results.json`` into ``directory``; return the HTML path.

    ``left`` and ``right`` are the raw texts: the corpus twice for a
    :class:`~eval_toolkit.DedupReport`, train and test texts for a
    :class:`~eval_toolkit.CrossDedupReport`.  ``summary`` lines head the page.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    n_pairs = len(report.dropped_pairs if isinstance(report, DedupReport) else report.pairs)
    uri = _histogram_uri(report.similarity_histogram, report.threshold, title)
    figure = (
        f'<figure><img src="{uri}" alt="histogram of estimated similarities"><figcaption>'
        "Pairs of distinct texts the strategy examined, by estimated Jaccard similarity "
        "(log scale); exact duplicates are counted above, not here.</figcaption></figure>"
        if uri
        else "<p class='note'>No histogram: pip install 'eval_toolkit[plot]'.</p>"
    )
    shown = f"first {MAX_PAIRS} of {n_pairs}" if n_pairs > MAX_PAIRS else f"all {n_pairs}"
    items = "".join(f"<li>{html.escape(line)}</li>" for line in summary)
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><ul>{items}</ul>{figure}"
        f"<h2>Pairs ({shown})</h2><p class='note'>Words only in the first text are "
        "<del>struck out</del>, words only in the second are <ins>highlighted</ins>.</p>"
        f"{_pairs_table(report, left, right)}</body></html>"
    )
    html_file = out / HTML_NAME
    html_file.write_text(page, encoding="utf-8")
    (out / JSON_NAME).write_text(json.dumps(report.to_dict(), indent=1), encoding="utf-8")
    return html_file
