"""``eval-toolkit dedup`` and its HTML page, against the Python API."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from eval_toolkit import cross_dedup, near_dedup
from eval_toolkit.cli import main
from eval_toolkit.report._dedup import _diff_html

BASE = [
    "The cat sat on the mat today, in the warm afternoon sun.",
    "Stock markets fell sharply on Monday after the announcement.",
    "the cat sat on the mat today in the warm afternoon sun",
    "The cat sat on the mat today, in the hot afternoon sun.",
    "A recipe: mix <b>flour</b> & water, then <script>bake</script>.",
    "",
    "Stock markets fell sharply on Monday after the announcements!",
]
TEST = [
    "A recipe: mix <b>flour</b> & water, then <script>bake</script> it.",
    "Something entirely new and unrelated to the training texts.",
    "THE CAT SAT ON THE MAT TODAY, IN THE WARM AFTERNOON SUN",
]
FAST = ["--n-jobs", "1", "--threshold", "0.7"]


@pytest.fixture
def files(tmp_path):
    train = tmp_path / "train.csv"
    with train.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text"])
        writer.writerows(enumerate(BASE))
    test = tmp_path / "test.txt"
    test.write_text("\n".join(TEST) + "\n", encoding="utf-8")
    return train, test


def _run(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_help_has_examples():
    out = subprocess.run(
        [sys.executable, "-m", "eval_toolkit", "dedup", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0 and "examples:" in out.stdout and "--text-column" in out.stdout


def test_single_corpus_matches_the_python_api(files, capsys):
    train, _ = files
    expected = near_dedup(BASE, 0.7)
    code, out, err = _run(
        capsys, "dedup", train, "--text-column", "text", *FAST, "--format", "json"
    )
    assert code == 0, err
    assert json.loads(out) == json.loads(json.dumps(expected.to_dict()))
    code, out, _ = _run(capsys, "dedup", train, "--text-column", "text", *FAST)
    assert code == 0
    assert "exact duplicates: 1" in out and f"kept: {len(expected.kept_indices)}" in out
    near = len(expected.dropped_pairs) - expected.n_exact_duplicates
    assert f"near duplicates: {near}" in out
    # The table lists the near (non-identical) pairs side by side, not the exact one.
    lines = out.splitlines()
    assert any(line.split()[:2] == ["0", "3"] and "0.727" in line for line in lines)
    assert any(line.split()[:2] == ["1", "6"] for line in lines)
    code, out, _ = _run(capsys, "dedup", train, "--text-column", "text", *FAST, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(int(r["kept"]), int(r["dropped"]), float(r["jaccard"])) for r in rows] == [
        (p.kept, p.dropped, p.jaccard) for p in expected.dropped_pairs
    ]


def test_train_and_test_files(files, capsys, tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    train, test = files
    expected = cross_dedup(BASE, TEST, 0.7)
    assert len(expected.pairs) == 2
    parquet = tmp_path / "train.parquet"
    pd.DataFrame({"text": BASE}).to_parquet(parquet)
    for source in (train, parquet):
        code, out, err = _run(
            capsys, "dedup", source, test, "--text-column", "text", *FAST, "--format", "json"
        )
        assert code == 0, err
        assert json.loads(out) == json.loads(json.dumps(expected.to_dict()))
    code, out, _ = _run(capsys, "dedup", train, test, "--text-column", "text", *FAST)
    assert "leaked test items: 2 (1 exact duplicates, 1 near duplicates)" in out


def test_report_page(files, capsys, tmp_path):
    pytest.importorskip("matplotlib")
    train, test = files
    out_dir = tmp_path / "leaks"
    code, _, err = _run(
        capsys, "dedup", train, test, "--text-column", "text", *FAST, "--report", out_dir
    )
    assert code == 0 and "report written to" in err
    page = (out_dir / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page  # user text is escaped
    assert "<ins> it.</ins>" in page  # the word the leaked copy adds
    assert "<ins>THE</ins>" not in page  # case alone is not a difference
    assert "data:image/png;base64," in page
    results = json.loads((out_dir / "results.json").read_text())
    assert results == json.loads(json.dumps(cross_dedup(BASE, TEST, 0.7).to_dict()))


def test_diff_marks_and_escapes():
    left, right = _diff_html("a <b> c d", "a <b> x d e")
    assert left == "a &lt;b&gt; <del>c</del> d"
    assert right == "a &lt;b&gt; <ins>x</ins> d<ins> e</ins>"
    # Compared as the similarity is, after normalisation: case and punctuation are not edits.
    assert _diff_html("The cat, sat", "THE CAT SAT!") == ("The cat, sat", "THE CAT SAT!")


def test_progress_bar_on_request(files, capsys):
    train, _ = files
    code, _, err = _run(capsys, "dedup", train, "--text-column", "text", *FAST, "--progress")
    assert code == 0 and "MinHash signatures" in err


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        ([], 2, "'--text-column' parameter of eval-toolkit dedup must be given for train.csv"),
        (["--text-column", "body"], 2, "must be a column of train.csv (available: 'id', 'text')"),
        (["--text-column", "text", "--threshold", "0"], 2, "'--threshold' parameter"),
        (["--text-column", "text", "--threshold", "1.5"], 2, "must be a float in (0, 1]"),
        (["--text-column", "text", "--n-jobs", "0"], 2, "'--n-jobs' parameter"),
        (["--text-column", "text", "--shingle-size", "0"], 2, "'--shingle-size' parameter"),
        (["--text-column", "text", "--analyzer", "bytes"], 2, "invalid choice"),
    ],
)
def test_errors(files, capsys, args, code, message):
    train, _ = files
    got, _, err = _run(capsys, "dedup", train, *args)
    assert got == code and message in err
    assert len(err.strip().splitlines()) == 1


def test_unreadable_inputs(tmp_path, capsys):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    code, _, err = _run(capsys, "dedup", tmp_path / "missing.txt")
    assert code == 1 and "no such file" in err
    parquet = tmp_path / "gaps.parquet"
    pd.DataFrame({"text": ["a", None, "c"]}).to_parquet(parquet)
    code, _, err = _run(capsys, "dedup", parquet, "--text-column", "text")
    assert code == 1 and "1 missing values (row 1)" in err
