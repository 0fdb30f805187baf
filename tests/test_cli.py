"""End-to-end tests of the ``eval-toolkit`` command line, through subprocesses."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ROW_KEYS

from eval_toolkit import paired_bootstrap_diff
from eval_toolkit.cli import main

N_RESAMPLES = "200"
FAST = ["--n-resamples", N_RESAMPLES, "--n-jobs", "1"]


#: The checkout under test, first on the path even when a test runs elsewhere (cwd=tmp_path).
ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "default", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "eval_toolkit", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


@pytest.fixture(scope="module")
def arrays():
    rng = np.random.default_rng(np.random.SeedSequence(17).spawn(1)[0])
    n = 240
    y = rng.integers(0, 2, n)
    a = np.clip(0.25 * y + rng.uniform(0, 0.75, n), 0, 1)
    b = np.clip(0.45 * y + rng.uniform(0, 0.55, n), 0, 1)
    site = rng.choice(["north", "south"], n)
    return y, a, b, site


@pytest.fixture(scope="module")
def preds(arrays, tmp_path_factory) -> Path:
    y, a, b, site = arrays
    path = tmp_path_factory.mktemp("cli") / "preds.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["y", "a", "b", "site", "diagnosis"])
        for row in zip(y, a, b, site, np.where(y == 1, "M", "B")):
            # repr() round-trips floats exactly, so the CLI sees the same numbers
            writer.writerow([int(row[0]), repr(float(row[1])), repr(float(row[2])), *row[3:]])
    return path


def _rows(stdout: str) -> list[dict]:
    return json.loads(stdout)["rows"]


# ---- help and entry points -----------------------------------------------------------------


@pytest.mark.parametrize("command", [[], ["demo"], ["compare"]])
def test_help_with_examples(command):
    out = run(*command, "--help")
    assert out.returncode == 0 and out.stderr == ""
    assert "usage: eval-toolkit" in out.stdout and "examples:" in out.stdout


def test_console_script(tmp_path):
    script = Path(sys.executable).with_name("eval-toolkit")
    if not script.exists():
        pytest.skip("the package is not installed with its console script")
    out = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.startswith("eval-toolkit ")


def test_no_command_is_a_usage_error():
    out = run()
    assert out.returncode == 2
    assert out.stderr.splitlines() == [
        "eval-toolkit: error: the following arguments are required: COMMAND "
        "(see 'eval-toolkit --help')"
    ]


def test_import_of_the_cli_is_light():
    code = (
        "import sys, eval_toolkit.cli, eval_toolkit.report, eval_toolkit.plotting;"
        "print([m for m in ('sklearn', 'matplotlib', 'pandas') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---- demo ----------------------------------------------------------------------------------


def test_demo_prints_the_table_and_writes_the_report(tmp_path):
    out = run("demo", *FAST, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    for name in ("ROC AUC", "PR AUC (AP)", "Brier score", "ECE", "sensitivity @ 95% specificity"):
        assert name in out.stdout
    report_dir = tmp_path / "eval_toolkit_report"
    rows = json.loads((report_dir / "results.json").read_text())["rows"]
    metrics = ["roc_auc", "average_precision", "brier", "ece_debiased"]
    assert [r["metric"] for r in rows] == metrics * 3 + ["sensitivity_at_specificity"]
    # the slice breakdown: halves of a feature, each a subset of "all"
    slices = [r["slice"] for r in rows]
    assert slices[0] == "all" and {s for s in slices[4:12]} == {
        "mean fractal dimension=low", "mean fractal dimension=high"}
    halves = [r["n_samples"] for r in rows[4:12:4]]
    assert sum(halves) == rows[0]["n_samples"]
    assert all(r["n_resamples"] + r["n_degenerate"] == int(N_RESAMPLES) for r in rows)
    html_text = (report_dir / "report.html").read_text()
    assert html_text.count('<figure id="') == (16 if _has_matplotlib() else 0)
    # stderr is a pipe here: notes only, no progress bar
    assert "report written to eval_toolkit_report" in out.stderr and "%|" not in out.stderr


def test_demo_json_without_report(tmp_path):
    out = run("demo", *FAST, "--format", "json", "--no-report", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    document = json.loads(out.stdout)
    assert document["model_a"] == "naive Bayes" and len(document["rows"]) == 13
    assert not (tmp_path / "eval_toolkit_report").exists()


def _has_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


# ---- compare -------------------------------------------------------------------------------


def test_compare_gives_the_numbers_of_the_python_api(preds, arrays):
    # n_jobs=2 in the CLI, 1 in Python: the numbers must not depend on it.
    out = run(
        "compare",
        str(preds),
        "--label",
        "y",
        "--score-a",
        "a",
        "--score-b",
        "b",
        "--metric",
        "roc_auc",
        "brier",
        "--slice-by",
        "site",
        "--n-resamples",
        N_RESAMPLES,
        "--n-jobs",
        "2",
        "--format",
        "json",
    )
    assert out.returncode == 0, out.stderr
    y, a, b, site = arrays
    rows = _rows(out.stdout)
    masks = [np.ones(y.size, bool), site == "north", site == "south"]
    assert [(r["slice"], r["metric"]) for r in rows] == [
        (s, m) for s in ("all", "site=north", "site=south") for m in ("roc_auc", "brier")
    ]
    for row, mask in zip(rows, [m for m in masks for _ in range(2)]):
        ref = paired_bootstrap_diff(
            y[mask],
            a[mask],
            b[mask],
            row["metric"],
            n_resamples=int(N_RESAMPLES),
            method="percentile",
            seed=42,
        )
        assert list(row) == ROW_KEYS
        got = (row["delta"], row["ci_low"], row["ci_high"], row["p_value"], row["std_error"])
        assert got == (ref.delta, ref.ci_low, ref.ci_high, ref.p_value, ref.std_error)
        assert row["n_samples"] == int(mask.sum())


def test_compare_csv_output_matches_json(preds):
    common = ["compare", str(preds), "--label", "y", "--score-a", "a", "--score-b", "b", *FAST]
    as_csv = run(*common, "--format", "csv")
    as_json = run(*common, "--format", "json")
    assert as_csv.returncode == 0 and as_json.returncode == 0
    records = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    rows = _rows(as_json.stdout)
    assert [r["metric"] for r in records] == [
        "roc_auc",
        "average_precision",
        "brier",
        "ece_debiased",
    ]
    assert list(records[0]) == ROW_KEYS
    assert [float(r["ci_low"]) for r in records] == [r["ci_low"] for r in rows]


def test_compare_table_and_report(preds, tmp_path):
    out = run(
        "compare",
        str(preds),
        "--label",
        "y",
        "--score-a",
        "a",
        "--score-b",
        "b",
        "--metric",
        "roc_auc",
        *FAST,
        "--report",
        str(tmp_path / "rep"),
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "b (B) vs a (A) on preds.csv"
    assert any(line.startswith("ROC AUC") for line in lines)
    assert (tmp_path / "rep" / "report.html").is_file()
    assert (tmp_path / "rep" / "results.json").is_file()


def test_string_labels_with_pos_label(preds):
    common = [
        "compare",
        str(preds),
        "--score-a",
        "a",
        "--score-b",
        "b",
        "--metric",
        "roc_auc",
        *FAST,
        "--format",
        "json",
    ]
    numeric = run(*common, "--label", "y")
    named = run(*common, "--label", "diagnosis", "--pos-label", "M")
    assert numeric.returncode == 0 and named.returncode == 0, named.stderr
    assert _rows(numeric.stdout) == _rows(named.stdout)


def test_parquet_input(arrays, preds, tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    y, a, b, site = arrays
    path = tmp_path / "preds.parquet"
    pd.DataFrame({"y": y.astype(bool), "a": a, "b": b, "site": site}).to_parquet(path)
    common = [
        "--score-a",
        "a",
        "--score-b",
        "b",
        "--label",
        "y",
        "--slice-by",
        "site",
        *FAST,
        "--format",
        "json",
    ]
    from_parquet = run("compare", str(path), *common)
    from_csv = run("compare", str(preds), *common)
    assert from_parquet.returncode == 0, from_parquet.stderr
    assert _rows(from_parquet.stdout) == _rows(from_csv.stdout)


def test_parquet_without_pyarrow(tmp_path, monkeypatch, capsys):
    path = tmp_path / "preds.parquet"
    path.write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    code = main(["compare", str(path), "--label", "y", "--score-a", "a", "--score-b", "b"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("eval-toolkit compare: error: Reading Parquet needs ")
    assert err.rstrip().endswith("pip install 'eval_toolkit[dataframe]'.")


def test_progress_bar_on_request(preds):
    common = [
        "compare",
        str(preds),
        "--label",
        "y",
        "--score-a",
        "a",
        "--score-b",
        "b",
        "--metric",
        "roc_auc",
        *FAST,
    ]
    shown = run(*common, "--progress")
    hidden = run(*common)
    assert shown.returncode == 0 and hidden.returncode == 0
    assert "eval-toolkit compare (roc_auc)" in shown.stderr and "100%" in shown.stderr
    assert hidden.stderr == ""


def test_warnings_are_one_line(tmp_path):
    # 12 samples with 3 positives: a few percent of resamples have no positive.
    path = tmp_path / "small.csv"
    path.write_text(
        "y,a,b\n"
        + "".join(f"{int(i < 3)},{(i * 7 % 12) / 12},{(i * 5 % 12) / 12}\n" for i in range(12))
    )
    out = run(
        "compare",
        str(path),
        "--label",
        "y",
        "--score-a",
        "a",
        "--score-b",
        "b",
        "--metric",
        "roc_auc",
        "--method",
        "percentile",
        *FAST,
    )
    assert out.returncode == 0, out.stderr
    small, degenerate = out.stderr.splitlines()
    assert small.startswith("eval-toolkit: warning: eval-toolkit compare: only 3 positive")
    assert degenerate.startswith("eval-toolkit: warning: eval-toolkit compare: ")
    assert "were dropped; pass stratify=True" in degenerate


# ---- errors --------------------------------------------------------------------------------

CSV_ERRORS = [
    (
        ["--label", "nope"],
        2,
        "eval-toolkit compare: error: The '--label' parameter of eval-toolkit compare must be a "
        "column of preds.csv (available: 'y', 'a', 'b', 'site', 'diagnosis'). Got 'nope' instead.",
    ),
    (
        ["--score-b", "c"],
        2,
        "eval-toolkit compare: error: The '--score-b' parameter of eval-toolkit compare must be a "
        "column of preds.csv (available: 'y', 'a', 'b', 'site', 'diagnosis'). Got 'c' instead.",
    ),
    (
        ["--slice-by", "region"],
        2,
        "eval-toolkit compare: error: The '--slice-by' parameter of eval-toolkit compare must be a "
        "column of preds.csv (available: 'y', 'a', 'b', 'site', 'diagnosis'). Got 'region' "
        "instead.",
    ),
    (
        ["--score-b", "site"],
        1,
        "eval-toolkit compare: error: The '--score-b' parameter of eval-toolkit compare must be a "
        "column of numbers. Got column 'site' with values such as",
    ),
    (
        ["--label", "diagnosis"],
        1,
        "eval-toolkit compare: error: The '--label' parameter of eval-toolkit compare must be a "
        "column of 0/1, -1/1 or true/false labels (or give the positive one with --pos-label). Got "
        "column 'diagnosis' with values ['B', 'M'] instead.",
    ),
    (
        ["--label", "diagnosis", "--pos-label", "X"],
        2,
        "eval-toolkit compare: error: The '--pos-label' parameter of eval-toolkit compare must be "
        "a value of column 'diagnosis' ('B', 'M'). Got 'X' instead.",
    ),
    (
        ["--score-a", "site", "--label", "a"],
        1,
        "eval-toolkit compare: error: The '--label' "
        "parameter of eval-toolkit compare must be binary (two distinct values).",
    ),
    (
        ["--confidence", "1.5"],
        2,
        "eval-toolkit compare: error: The '--confidence' parameter of eval-toolkit compare must be "
        "a float in the open interval (0, 1). Got 1.5 instead.",
    ),
    (
        ["--n-resamples", "0"],
        2,
        "eval-toolkit compare: error: The '--n-resamples' parameter of eval-toolkit compare must be "
        "an int >= 1. Got 0 instead.",
    ),
    (
        ["--n-jobs", "0"],
        2,
        "eval-toolkit compare: error: The '--n-jobs' parameter of eval-toolkit compare must be a "
        "positive int or -1 (use 1 or -1, not 0). Got 0 instead.",
    ),
    (
        ["--seed", "-1"],
        2,
        "eval-toolkit compare: error: The '--seed' parameter of eval-toolkit compare must be an "
        "int >= 0. Got -1 instead.",
    ),
    (
        ["--confidence", "high"],
        2,
        "eval-toolkit compare: error: argument --confidence: invalid float value: 'high' "
        "(see 'eval-toolkit compare --help')",
    ),
    (
        ["--method", "normal"],
        2,
        "eval-toolkit compare: error: argument --method: invalid choice: 'normal'",
    ),
    (
        ["--metric", "auc"],
        2,
        "eval-toolkit compare: error: argument --metric: invalid choice: 'auc'",
    ),
    (
        ["--format", "xml"],
        2,
        "eval-toolkit compare: error: argument --format: invalid choice: 'xml'",
    ),
    (["--bogus"], 2, "eval-toolkit: error: unrecognized arguments: --bogus"),
    (
        ["--groups", "nope"],
        2,
        "eval-toolkit compare: error: The '--groups' parameter of eval-toolkit compare must be "
        "a column of preds.csv",
    ),
    (
        ["--groups", "site", "--stratify"],
        2,
        "eval-toolkit compare: error: eval-toolkit compare: --groups and --stratify cannot be "
        "combined",
    ),
]


@pytest.mark.parametrize(
    "changes, code, message", CSV_ERRORS, ids=[" ".join(c[0]) for c in CSV_ERRORS]
)
def test_compare_errors(preds, changes, code, message):
    options = {"--label": "y", "--score-a": "a", "--score-b": "b", "--n-jobs": "1"}
    extra = []
    for i in range(0, len(changes), 2):
        if i + 1 < len(changes) and changes[i] in options:
            options[changes[i]] = changes[i + 1]
        else:
            extra += changes[i : i + 2]
    args = [x for pair in options.items() for x in pair] + extra
    out = run("compare", str(preds), *args)
    assert out.returncode == code
    assert out.stdout == ""
    (line,) = out.stderr.splitlines()
    assert line.startswith(message)


def test_scores_outside_unit_interval_for_brier(tmp_path):
    path = tmp_path / "logits.csv"
    path.write_text("y,a,b\n" + "".join(f"{i % 2},{i - 5},{2 * i - 9}\n" for i in range(10)))
    out = run(
        "compare",
        str(path),
        "--label",
        "y",
        "--score-a",
        "a",
        "--score-b",
        "b",
        "--metric",
        "brier",
        *FAST,
    )
    assert out.returncode == 1
    (line,) = out.stderr.splitlines()
    assert "must be probabilities in [0, 1] for this metric" in line


def test_missing_required_option(preds):
    out = run("compare", str(preds), "--label", "y", "--score-a", "a")
    assert out.returncode == 2
    assert out.stderr.splitlines() == [
        "eval-toolkit compare: error: the following arguments are required: --score-b "
        "(see 'eval-toolkit compare --help')"
    ]


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "Cannot read {path}: no such file."),
        ("", "{path} is empty; a CSV file with a header row is expected."),
        ("y,a,b\n1,0.5,0.4\n0,0.3\n", "{path}, row 3: 2 fields, but the header has 3."),
        ("y,a,a\n1,0.5,0.4\n", "{path}: the header repeats column names: ['y', 'a', 'a']."),
        (b"\xff\xfe\x00bad", "Cannot read {path}: UnicodeDecodeError: "),
    ],
    ids=["missing", "empty", "ragged", "duplicate-columns", "binary"],
)
def test_unreadable_files(tmp_path, content, message):
    path = tmp_path / "data.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    out = run("compare", str(path), "--label", "y", "--score-a", "a", "--score-b", "b")
    assert out.returncode == 1
    (line,) = out.stderr.splitlines()
    assert line.startswith("eval-toolkit compare: error: " + message.format(path=path))


def test_directory_is_not_a_file(tmp_path):
    out = run("compare", str(tmp_path), "--label", "y", "--score-a", "a", "--score-b", "b")
    assert out.returncode == 1
    assert (
        out.stderr == f"eval-toolkit compare: error: Cannot read {tmp_path}: it is a directory.\n"
    )


def test_main_returns_exit_codes_in_process(preds, capsys):
    ok = main(
        [
            "compare",
            str(preds),
            "--label",
            "y",
            "--score-a",
            "a",
            "--score-b",
            "b",
            "--metric",
            "roc_auc",
            *FAST,
            "--format",
            "json",
        ]
    )
    assert ok == 0 and json.loads(capsys.readouterr().out)["rows"][0]["metric"] == "roc_auc"
    assert main(["compare", str(preds), "--label", "zz", "--score-a", "a", "--score-b", "b"]) == 2


def test_compare_validates_each_input_once(preds, count_checks, capsys):
    from eval_toolkit.cli import main

    code = main(["compare", str(preds), "--label", "y", "--score-a", "a", "--score-b", "b",
                 "--metric", "roc_auc", "brier", "--slice-by", "site", *FAST])
    assert code == 0, capsys.readouterr().err
    # The command line checks its own options and columns, then passes them on.
    assert count_checks == {"check_labels": 1, "check_scores": 2, "check_n_jobs": 1,
                            "check_resampling": 0, "check_seed": 0}


def test_compare_groups_resamples_whole_groups(tmp_path, arrays):
    y, a, b, _ = arrays
    patient = np.arange(y.size) // 4
    path = tmp_path / "grouped.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["y", "a", "b", "patient", "name"])
        for row in zip(y, a, b, patient):
            writer.writerow([int(row[0]), repr(float(row[1])), repr(float(row[2])), row[3],
                             f"p{row[3]}"])
    for column, ids in (("patient", patient), ("name", np.array([f"p{i}" for i in patient]))):
        out = run("compare", str(path), "--label", "y", "--score-a", "a", "--score-b", "b",
                  "--metric", "roc_auc", "--groups", column, *FAST, "--format", "json")
        assert out.returncode == 0, out.stderr
        (row,) = _rows(out.stdout)
        ref = paired_bootstrap_diff(y, a, b, "roc_auc", n_resamples=int(N_RESAMPLES),
                                    method="percentile", seed=42, groups=ids)
        got = (row["ci_low"], row["ci_high"], row["p_value"])
        assert got == (ref.ci_low, ref.ci_high, ref.p_value)


# ---- compare with --model NAME=COL (the harness) -------------------------------------------


def _three_models_csv(path):
    rng = np.random.default_rng(3)
    n = 500
    y = rng.integers(0, 2, n)
    latent = y + rng.normal(0, 1, n)
    cols = {f"p{i}": 1 / (1 + np.exp(-(latent + rng.normal(0, s, n))))
            for i, s in enumerate((1.0, 0.5, 0.8))}
    site = np.array(["north", "south"])[rng.integers(0, 2, n)]
    lines = ["y,p0,p1,p2,site"] + [
        ",".join([str(y[i]), *(repr(float(cols[c][i])) for c in ("p0", "p1", "p2")), site[i]])
        for i in range(n)
    ]
    path.write_text("\n".join(lines) + "\n")
    return y, cols, site


def test_compare_models_routes_to_evaluate(tmp_path):
    from eval_toolkit.harness import EvalSlice, RunResult, evaluate

    y, cols, site = _three_models_csv(tmp_path / "p.csv")
    out = run("compare", "p.csv", "--label", "y", "--model", "base=p0", "--model", "new=p1",
              "--model", "mid=p2", "--reference", "base", "--slice-by", "site", "--metric",
              "roc_auc", "brier", "--n-resamples", "150", "--n-jobs", "1", "--format", "json",
              "--report", "out", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    got = RunResult.from_json(out.stdout)
    masks = {"all": np.ones(y.shape[0], bool), "site=north": site == "north",
             "site=south": site == "south"}
    slices = [EvalSlice(k, None, y[m]) for k, m in masks.items()]
    preds = {name: {k: cols[c][m] for k, m in masks.items()}
             for name, c in (("base", "p0"), ("new", "p1"), ("mid", "p2"))}
    ref = evaluate(preds, slices, metrics=["roc_auc", "brier"], reference="base",
                   n_resamples=150, method="percentile")
    assert [(r.kind, r.model, r.slice, r.metric) for r in got.rows] == [
        (r.kind, r.model, r.slice, r.metric) for r in ref.rows]
    # repr() round-trips floats exactly through the CSV: same data, same seeds, same numbers
    assert got.rows == ref.rows
    assert len(got.rows_of("diff")) == 2 * 3 * 2
    html_text = (tmp_path / "out" / "report.html").read_text()
    assert html_text.count("data:image/png") == 2  # one forest plot per metric
    assert "roc_auc: estimate [95% CI], slice x model" in html_text


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--model", "base=p0"], "at least 2 models"),
        (["--model", "base=p0", "--model", "p1"], "NAME=COLUMN"),
        (["--model", "a=p0", "--model", "b=p1", "--reference", "zz"],
         "The '--reference' parameter"),
        (["--model", "a=p0", "--model", "b=p1", "--score-a", "p2"], "use either --model"),
        ([], "give one pair of prediction options: --score-a/--score-b"),
    ],
)
def test_compare_models_usage_errors(tmp_path, extra, message):
    _three_models_csv(tmp_path / "p.csv")
    out = run("compare", "p.csv", "--label", "y", *extra, cwd=tmp_path)
    assert out.returncode == 2 and message in out.stderr


def test_compare_models_csv_is_the_tidy_rows(tmp_path):
    _three_models_csv(tmp_path / "p.csv")
    args = ["compare", "p.csv", "--label", "y", "--model", "a=p0", "--model", "b=p1",
            "--metric", "roc_auc", "--n-resamples", "60", "--n-jobs", "1"]
    as_json = run(*args, "--format", "json", cwd=tmp_path)
    as_csv = run(*args, "--format", "csv", cwd=tmp_path)
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    expected = json.loads(as_json.stdout)["rows"]
    assert [(r["kind"], r["model"], r["slice"]) for r in rows] == [
        (r["kind"], r["model"], r["slice"]) for r in expected]
    assert [float(r["estimate"]) for r in rows] == [r["estimate"] for r in expected]
