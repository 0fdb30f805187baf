"""``eval-toolkit compare`` on regression and multiclass prediction files."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest
from sklearn import metrics

from eval_toolkit.cli import main

CLASSES = np.array(["cat", "dog", "eel"])


def _write(path, header, rows):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


@pytest.fixture
def regression_file(tmp_path):
    rng = np.random.default_rng(0)
    y = rng.normal(size=150)
    a, b = y + rng.normal(size=150), y + 0.7 * rng.normal(size=150)
    return _write(tmp_path / "reg.csv", ["price", "ridge", "forest"], zip(y, a, b)), (y, a, b)


@pytest.fixture
def multiclass_file(tmp_path):
    rng = np.random.default_rng(1)
    y = CLASSES[rng.integers(0, 3, 150)]
    pa, pb = rng.dirichlet(np.ones(3), 150), rng.dirichlet(np.ones(3), 150)
    rows = [[y[i], *pa[i], *pb[i]] for i in range(150)]
    header = ["species", *(f"a_{c}" for c in CLASSES), *(f"b_{c}" for c in CLASSES)]
    return _write(tmp_path / "mc.csv", header, rows), (y, pa, pb)


def _json(capsys):
    return json.loads(capsys.readouterr().out)


def test_regression_columns(regression_file, capsys):
    path, (y, a, b) = regression_file
    code = main(["compare", path, "--label", "price", "--pred-a", "ridge", "--pred-b", "forest",
                 "--n-resamples", "100", "--format", "json"])
    assert code == 0
    rows = {r["metric"]: r for r in _json(capsys)["rows"]}
    assert set(rows) == {"mean_absolute_error", "root_mean_squared_error", "r2"}
    assert math.isclose(rows["r2"]["value_b"], metrics.r2_score(y, b), rel_tol=1e-9)
    assert rows["mean_absolute_error"]["higher_is_better"] is False


@pytest.mark.parametrize("proba_b", [["b_"], ["b_cat", "b_dog", "b_eel"]],
                         ids=["prefix", "columns"])
def test_multiclass_probability_columns(multiclass_file, capsys, proba_b):
    path, (y, pa, pb) = multiclass_file
    code = main(["compare", path, "--label", "species", "--proba-a", "a_", "--proba-b", *proba_b,
                 "--metric", "neg_log_loss", "--n-resamples", "100", "--format", "json"])
    assert code == 0
    (row,) = _json(capsys)["rows"]
    assert math.isclose(row["value_b"], metrics.log_loss(y, pb), rel_tol=1e-9)


def test_integer_labels_and_predictions_are_ambiguous(tmp_path, capsys):
    rng = np.random.default_rng(2)
    path = _write(tmp_path / "int.csv", ["y", "p", "q"], rng.integers(0, 3, (60, 3)))
    assert main(["compare", path, "--label", "y", "--pred-a", "p", "--pred-b", "q"]) == 2
    assert "pass --task multiclass or --task regression" in capsys.readouterr().err
    assert main(["compare", path, "--label", "y", "--pred-a", "p", "--pred-b", "q", "--task",
                 "multiclass", "--n-resamples", "50", "--format", "json"]) == 0


@pytest.mark.parametrize("args, message", [
    (["--pred-a", "ridge", "--score-b", "forest"], "give one pair of prediction options"),
    (["--pred-a", "ridge"], "the following arguments are required: --pred-b"),
])
def test_prediction_option_errors(regression_file, capsys, args, message):
    path, _ = regression_file
    assert main(["compare", path, "--label", "price", *args]) == 2
    assert message in capsys.readouterr().err


def test_missing_probability_prefix(multiclass_file, capsys):
    path, _ = multiclass_file
    assert main(["compare", path, "--label", "species", "--proba-a", "x_", "--proba-b",
                 "b_"]) == 2
    assert "'--proba-a' parameter" in capsys.readouterr().err
