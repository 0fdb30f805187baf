"""Tests for eval_toolkit.report: compare_scores, ComparisonReport and write_report."""

from __future__ import annotations

import base64
import dataclasses
import json
from html.parser import HTMLParser

import numpy as np
import pytest
from conftest import ROW_KEYS

from eval_toolkit import BootstrapCI, MDEEstimate, PairedBootstrapCI, paired_bootstrap_diff
from eval_toolkit.report import (
    ComparisonReport,
    ComparisonRow,
    compare_scores,
    write_report,
)
from eval_toolkit.report import _html as report_html

N_RESAMPLES = 200



@pytest.fixture
def data():
    rng = np.random.default_rng(np.random.SeedSequence(11).spawn(1)[0])
    n = 300
    y = rng.integers(0, 2, n)
    a = np.clip(0.25 * y + rng.uniform(0, 0.75, n), 0, 1)
    b = np.clip(0.45 * y + rng.uniform(0, 0.55, n), 0, 1)
    site = rng.choice(["north", "south"], n)
    return y, a, b, site


@pytest.fixture
def report(data):
    y, a, b, site = data
    return compare_scores(
        y, a, b, slices=site, slice_name="site", name_a="old", name_b="new", n_resamples=N_RESAMPLES
    )


# ---- compare_scores ------------------------------------------------------------------------


def test_rows_are_the_functional_api(data):
    y, a, b, site = data
    report = compare_scores(
        y,
        a,
        b,
        slices=site,
        slice_name="site",
        n_resamples=N_RESAMPLES,
        method="percentile",
        seed=3,
    )
    expected_slices = [
        ("all", np.ones(y.shape, bool)),
        ("site=north", site == "north"),
        ("site=south", site == "south"),
    ]
    metrics = ["roc_auc", "average_precision", "brier", "ece_debiased"]
    assert [(r.slice, r.metric) for r in report.rows] == [
        (s, m) for s, _ in expected_slices for m in metrics
    ]
    for row, (_, mask) in zip(report.rows, [e for e in expected_slices for _ in metrics]):
        ref = paired_bootstrap_diff(
            y[mask],
            a[mask],
            b[mask],
            row.metric,
            n_resamples=N_RESAMPLES,
            method="percentile",
            seed=3,
        )
        assert row.ci == ref
        np.testing.assert_array_equal(row.ci.distribution, ref.distribution)
        assert row.value_b - row.value_a == pytest.approx(row.ci.delta, abs=1e-12)


def test_values_match_scikit_learn(data):
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

    y, a, b, _ = data
    report = compare_scores(
        y, a, b, metrics=["roc_auc", "average_precision", "brier"], n_resamples=N_RESAMPLES
    )
    for row, fn in zip(report.rows, (roc_auc_score, average_precision_score, brier_score_loss)):
        assert row.value_a == pytest.approx(fn(y, a), abs=1e-12)
        assert row.value_b == pytest.approx(fn(y, b), abs=1e-12)


def test_default_metrics_skip_probability_metrics_for_unbounded_scores(data):
    y, a, b, _ = data
    report = compare_scores(y, 3 * a - 1, b, n_resamples=N_RESAMPLES)
    assert [r.metric for r in report.rows] == ["roc_auc", "average_precision"]


def test_compare_scores_n_jobs_reproducibility(data):
    y, a, b, site = data
    one = compare_scores(y, a, b, slices=site, n_resamples=N_RESAMPLES, n_jobs=1)
    two = compare_scores(y, a, b, slices=site, n_resamples=N_RESAMPLES, n_jobs=2)
    assert one.to_dict() == two.to_dict()
    for r1, r2 in zip(one.rows, two.rows):
        np.testing.assert_array_equal(r1.ci.distribution, r2.ci.distribution)


def test_better_follows_the_direction_of_the_metric(report):
    by_metric = {r.metric: r for r in report.rows if r.slice == "all"}
    assert by_metric["roc_auc"].ci.delta > 0 and by_metric["roc_auc"].better == "B"
    assert by_metric["brier"].ci.delta < 0 and by_metric["brier"].better == "B"
    assert not by_metric["brier"].higher_is_better


def test_better_is_none_when_the_interval_contains_zero():
    ci = PairedBootstrapCI(0.01, -0.01, 0.03, True, 0.95, 1000, "percentile", 0.01, 0.3, 0, 500)
    assert ComparisonRow("roc_auc", "all", ci, 0.8, 0.81).better is None


def test_slice_with_one_class_names_the_slice(data):
    y, a, b, _ = data
    slices = np.where(y == 1, "pos", np.where(np.arange(y.size) % 2 == 0, "even", "odd"))
    with pytest.raises(ValueError, match="On slice 'slice=even'"):
        compare_scores(y, a, b, metrics=["roc_auc"], slices=slices, n_resamples=N_RESAMPLES)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"metrics": "roc_auc"},
            "The 'metrics' parameter of compare_scores must be a non-empty list of metric names. "
            "Got 'roc_auc' instead.",
        ),
        (
            {"metrics": []},
            "The 'metrics' parameter of compare_scores must be a non-empty list of metric names. "
            "Got [] instead.",
        ),
        ({"metrics": ["auc"]}, "The 'metrics' parameter of compare_scores must be one of "),
        (
            {"slices": ["x", "y"]},
            "The 'slices' parameter of compare_scores must be a 1-D array of length 300 (one slice "
            "per sample). Got 'shape (2,)' instead.",
        ),
        (
            {"score_a": "scale"},
            "The 'score_a' parameter of compare_scores must be probabilities in [0, 1] for this "
            "metric.",
        ),
        ({"y_true": "three"}, "The 'y_true' parameter of compare_scores must be binary"),
        (
            {"n_resamples": 0},
            "The 'n_resamples' parameter of compare_scores must be an int >= 1. Got 0 instead.",
        ),
        (
            {"confidence": 95},
            "The 'confidence' parameter of compare_scores must be a float in the open interval "
            "(0, 1). Got 95 instead.",
        ),
        ({"method": "normal"}, "The 'method' parameter of compare_scores must be one of "),
        ({"seed": -1}, "The 'seed' parameter of compare_scores must be a non-negative int"),
        ({"n_jobs": 0}, "The 'n_jobs' parameter of compare_scores must be a positive int or -1"),
        (
            {"stratify": "yes"},
            "The 'stratify' parameter of compare_scores must be a bool. Got 'yes' instead.",
        ),
    ],
)
def test_compare_scores_errors(data, kwargs, message):
    y, a, b, _ = data
    args = {"y_true": y, "score_a": a, "score_b": b, "metrics": ["roc_auc", "brier"]}
    if kwargs.pop("y_true", None) == "three":
        args["y_true"] = np.arange(y.size) % 3
    if kwargs.pop("score_a", None) == "scale":
        args["score_a"] = a * 2
    args.update({"n_resamples": N_RESAMPLES, **kwargs})
    with pytest.raises(ValueError) as info:
        compare_scores(**args)
    assert str(info.value).startswith(message)


# ---- JSON and text -------------------------------------------------------------------------


def test_json_layout_is_stable(report):
    document = json.loads(report.to_json())
    assert list(document) == [
        "schema_version",
        "eval_toolkit_version",
        "title",
        "model_a",
        "model_b",
        "n_samples",
        "seed",
        "rows",
    ]
    assert document["schema_version"] == 1
    assert (document["model_a"], document["model_b"], document["n_samples"]) == ("old", "new", 300)
    assert all(list(row) == ROW_KEYS for row in document["rows"])
    first = document["rows"][0]
    ci = report.rows[0].ci
    assert (first["delta"], first["ci_low"], first["ci_high"]) == (ci.delta, ci.ci_low, ci.ci_high)
    assert first["mde"] == report.rows[0].mde().mde


def test_json_writes_nan_as_null():
    ci = PairedBootstrapCI(0.0, float("nan"), float("nan"), True, 0.95, 10, "bca", 0.0, 1.0, 0, 5)
    report = ComparisonReport(
        (ComparisonRow("roc_auc", "all", ci, 0.5, 0.5),),
        np.array([True, False]),
        np.zeros(2),
        np.zeros(2),
    )
    row = json.loads(report.to_json())["rows"][0]
    assert row["ci_low"] is None and row["ci_high"] is None


def test_text_table(report):
    text = report.to_text()
    lines = text.splitlines()
    assert lines[0] == "Paired comparison"
    assert "A = old, B = new; n = 300" in lines[1]
    assert lines[3].split() == [
        "metric",
        "slice",
        "A",
        "B",
        "B",
        "-",
        "A",
        "95%",
        "CI",
        "MDE",
        "better",
    ]
    assert sum("site=north" in line for line in lines) == 4
    assert "ROC AUC" in text and "Brier score" in text


def test_text_table_without_slices_has_no_slice_column(data):
    y, a, b, _ = data
    text = compare_scores(y, a, b, metrics=["roc_auc"], n_resamples=N_RESAMPLES).to_text()
    assert "slice" not in text.splitlines()[3]


def test_mde_of_a_row_is_mde_from_ci(report):
    from eval_toolkit import mde_from_ci

    row = report.rows[0]
    assert row.mde() == mde_from_ci(row.ci, alpha=0.05, power=0.8)
    assert isinstance(row.mde(0.9), MDEEstimate) and row.mde(0.9).mde > row.mde().mde


# ---- HTML ----------------------------------------------------------------------------------


class _Figures(HTMLParser):
    """Collect <figure id> elements and the data-URI images inside them."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: dict[str, list[str]] = {}
        self.tables = 0
        self.links: list[str] = []
        self._current: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure":
            self._current = attrs["id"]
            self.figures[self._current] = []
        elif tag == "img" and self._current is not None:
            self.figures[self._current].append(attrs["src"])
        elif tag == "table":
            self.tables += 1
        elif tag == "a":
            self.links.append(attrs.get("href", ""))

    def handle_endtag(self, tag):
        if tag == "figure":
            self._current = None


def _parse(html_text: str) -> _Figures:
    parser = _Figures()
    parser.feed(html_text)
    parser.close()
    return parser


def _is_png(uri: str) -> bool:
    prefix = "data:image/png;base64,"
    return (
        uri.startswith(prefix) and base64.b64decode(uri[len(prefix) :])[:8] == b"\x89PNG\r\n\x1a\n"
    )


def test_write_report_embeds_every_plot(data, tmp_path):
    pytest.importorskip("matplotlib")
    y, a, b, site = data
    report = compare_scores(
        y, a, b, metrics=["roc_auc", "ece"], slices=site, n_resamples=N_RESAMPLES
    )
    html_file = write_report(report, tmp_path / "out")
    assert html_file == tmp_path / "out" / "report.html"
    parsed = _parse(html_file.read_text(encoding="utf-8"))
    expected = (
        ["forest"] + [f"distribution-{i}" for i in range(len(report.rows))] + ["reliability", "roc"]
    )
    assert list(parsed.figures) == expected
    assert all(len(images) == 1 and _is_png(images[0]) for images in parsed.figures.values())
    assert parsed.tables == 1
    assert "results.json" in parsed.links
    saved = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert saved == report.to_dict()


def test_write_report_skips_reliability_for_unbounded_scores(data, tmp_path):
    pytest.importorskip("matplotlib")
    y, a, b, _ = data
    report = compare_scores(y, 4 * a - 2, b, metrics=["roc_auc"], n_resamples=N_RESAMPLES)
    parsed = _parse(write_report(report, tmp_path).read_text(encoding="utf-8"))
    assert list(parsed.figures) == ["forest", "distribution-0", "roc"]


def test_write_report_without_plots(report, tmp_path):
    text = write_report(report, tmp_path, plots=False).read_text(encoding="utf-8")
    parsed = _parse(text)
    assert parsed.figures == {} and parsed.tables == 1
    assert "matplotlib is not installed" not in text


def test_write_report_without_matplotlib_writes_a_note(report, tmp_path, monkeypatch):
    monkeypatch.setattr(report_html, "plots_available", lambda: False)
    text = write_report(report, tmp_path).read_text(encoding="utf-8")
    assert _parse(text).figures == {}
    assert "pip install &#x27;eval_toolkit[plot]&#x27;" in text
    with pytest.raises(ImportError, match=r"pip install 'eval_toolkit\[plot\]'"):
        write_report(report, tmp_path, plots=True)


def test_write_report_escapes_names(data, tmp_path):
    y, a, b, _ = data
    report = compare_scores(
        y, a, b, metrics=["roc_auc"], n_resamples=N_RESAMPLES, name_a="<script>", name_b="b&b"
    )
    text = write_report(report, tmp_path, plots=False).read_text(encoding="utf-8")
    assert "<script>" not in text and "&lt;script&gt;" in text and "b&amp;b" in text


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"report": "report"},
            "The 'report' parameter of write_report must be a ComparisonReport (see compare_scores) or a RunResult."
            " Got 'str' instead.",
        ),
        (
            {"plots": "yes"},
            "The 'plots' parameter of write_report must be None, True or False. Got 'yes' instead.",
        ),
    ],
)
def test_write_report_errors(report, tmp_path, kwargs, message):
    args = {"report": report, "path": tmp_path, **kwargs}
    with pytest.raises(ValueError) as info:
        write_report(**args)
    assert str(info.value) == message


# ---- notebook display ----------------------------------------------------------------------


def test_repr_html_of_the_report(report):
    parsed = _parse(report._repr_html_())
    assert parsed.tables == 1
    assert report._repr_html_().count("<tr>") == len(report.rows) + 1


def test_repr_html_of_results(report):
    y = np.array([0, 1, 0, 1, 1, 0])
    results = [
        report.rows[0].ci,
        report.rows[0].mde(),
        BootstrapCI(0.7, 0.6, 0.8, 0.95, 100, "bca", 0.05, 0, len(y), "roc_auc"),
    ]
    for result in results:
        html_text = result._repr_html_()
        assert html_text.startswith("<table>") and type(result).__name__ in html_text
        assert html_text.count("<tr>") == len(result.to_dict())


def test_repr_html_of_delong_result(data):
    from eval_toolkit import delong_test

    y, a, b, _ = data
    html_text = delong_test(y, a, b)._repr_html_()
    assert "DeLongResult" in html_text and "p_value" in html_text


def test_report_is_frozen(report):
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.title = "x"


def test_compare_scores_validates_each_input_once(data, count_checks):
    # Two metrics on three slices: six paired bootstraps, still one check of each input.
    y, a, b, site = data
    compare_scores(y, a, b, metrics=["roc_auc", "brier"], slices=site, n_resamples=20)
    assert count_checks == {"check_labels": 1, "check_scores": 2, "check_n_jobs": 1,
                            "check_resampling": 1, "check_seed": 1}
