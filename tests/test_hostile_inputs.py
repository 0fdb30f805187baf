"""Hostile and odd input: every case gets a correct answer or a clear, named error.

A clear error is a ValueError or TypeError in the package's one template
("The '<argument>' parameter of <function> ..."), naming the argument as the
user wrote it (the function's parameter, the estimator's parameter, the
scorer and its method, the CLI flag or column) and the public function, never
an internal function, and never an exception from inside numpy, scikit-learn
or matplotlib.  Correct answers are checked against an independent
reference (the same call on plain numpy input, scikit-learn, or an analytic
value).
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score

from eval_toolkit import (
    Bootstrap,
    PairedBootstrap,
    SmallSampleWarning,
    bootstrap_ci,
    delong_test,
    paired_bootstrap_diff,
    paired_bootstrap_ece_diff,
    paired_mde,
)
from eval_toolkit.report import compare_scores

ROOT = Path(__file__).resolve().parents[1]
#: Names that must never reach a user: private helpers of the package.
INTERNAL = ("_iv", "checked_problem", "paired_result", "build_comparison", "bootstrap_distribution",
            "_engine", "run_block", "Traceback")

RNG = np.random.default_rng(12)
N = 120
Y = RNG.integers(0, 2, N)
A = np.clip(0.2 * Y + RNG.uniform(0, 0.8, N), 0, 1)
B = np.clip(0.35 * Y + RNG.uniform(0, 0.65, N), 0, 1)
FAST = dict(n_resamples=64)


def _roles(func):
    """(callable taking y, a, b and keyword options, parameter names of y, a and b)."""
    if func is bootstrap_ci:
        return (lambda y, a, b, **kw: bootstrap_ci(y, b, "roc_auc", **kw)), ("y_true", None,
                                                                                "y_score")
    if func is compare_scores:
        return (lambda y, a, b, **kw: compare_scores(y, a, b, metrics=["roc_auc"], **kw)), (
            "y_true", "score_a", "score_b")
    if func is paired_bootstrap_ece_diff:
        return (lambda y, a, b, **kw: func(y, a, b, **kw)), ("y_true", "y_score_a", "y_score_b")
    if func is delong_test:
        return (lambda y, a, b, **kw: delong_test(y, a, b, **kw)), ("y_true", "y_score_a",
                                                                    "y_score_b")
    return (lambda y, a, b, **kw: func(y, a, b, "roc_auc", **kw)), ("y_true", "y_score_a",
                                                                    "y_score_b")


FUNCTIONS = [bootstrap_ci, paired_bootstrap_diff, paired_bootstrap_ece_diff, paired_mde,
             delong_test, compare_scores]


def _accepts(func, name: str) -> bool:
    return name in inspect.signature(func).parameters


def _raised_by_us(exc: BaseException) -> bool:
    """The exception was raised by eval_toolkit's own code, not inside numpy or sklearn."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and f"{os.sep}eval_toolkit{os.sep}" in tb.tb_frame.f_code.co_filename


def _assert_named(exc: BaseException, param: str, func_name: str) -> None:
    message = str(exc)
    assert isinstance(exc, (ValueError, TypeError)), repr(exc)
    assert _raised_by_us(exc), repr(exc)
    assert message.startswith(f"The '{param}' parameter of {func_name}"), message
    assert not any(word in message for word in INTERNAL), message


# ---- bad data, every function --------------------------------------------------------------


def _with(role: str, value):
    def transform(y, a, b):
        data = {"y": y, "a": a, "b": b}
        data[role] = value(data[role]) if callable(value) else value
        return data["y"], data["a"], data["b"]

    return transform


BAD_DATA = {
    "y-nan": ("y", _with("y", lambda y: np.where(np.arange(N) == 3, np.nan, y))),
    "y-inf": ("y", _with("y", lambda y: np.where(np.arange(N) == 3, np.inf, y))),
    "y-2d": ("y", _with("y", lambda y: np.column_stack([y, y]))),
    "y-object-none": ("y", _with("y", lambda y: np.array([None, *y[1:].tolist()], dtype=object))),
    "y-strings-without-pos-label": ("y", _with("y", lambda y: np.where(y == 1, "yes", "no"))),
    "y-three-classes": ("y", _with("y", lambda y: np.where(np.arange(N) == 0, 2, y))),
    "y-one-class": ("y", _with("y", lambda y: np.ones_like(y))),
    "score-nan": ("b", _with("b", lambda b: np.where(np.arange(N) == 5, np.nan, b))),
    "score-inf": ("b", _with("b", lambda b: np.where(np.arange(N) == 5, -np.inf, b))),
    "score-length-mismatch": ("b", _with("b", lambda b: b[:-1])),
    "score-2d-three-columns": ("b", _with("b", lambda b: np.column_stack([b, b, b]))),
    "score-strings": ("b", _with("b", lambda b: b.astype(str))),
    "score-object-none": ("b", _with("b", lambda b: np.array([None, *b[1:]], dtype=object))),
    "score-empty": ("b", _with("b", lambda b: b[:0])),
}


@pytest.mark.parametrize("case", list(BAD_DATA))
@pytest.mark.parametrize("func", FUNCTIONS, ids=lambda f: f.__name__)
def test_bad_data_is_named(func, case):
    call, names = _roles(func)
    role, transform = BAD_DATA[case]
    param = names[{"y": 0, "a": 1, "b": 2}[role]]
    y, a, b = transform(Y, A, B)
    kwargs = FAST if _accepts(func, "n_resamples") else {}
    if func is paired_bootstrap_ece_diff and case == "y-one-class":
        # Calibration is defined on one class: a correct answer, |mean score - 1| per bin.
        result = call(y, a, b, **kwargs)
        assert result.delta == pytest.approx(np.mean(np.abs(b - 1)) - np.mean(np.abs(a - 1)),
                                             abs=0.2)
        return
    with pytest.raises((ValueError, TypeError)) as info:
        call(y, a, b, **kwargs)
    _assert_named(info.value, param, func.__name__)


# ---- bad options, every function that has them ---------------------------------------------

BAD_OPTIONS = [
    ("n_resamples", 0), ("n_resamples", -5), ("n_resamples", 1.5), ("n_resamples", "100"),
    ("n_resamples", True), ("n_resamples", 10**12), ("n_resamples", 1e9),
    ("confidence", 0), ("confidence", 1), ("confidence", 95), ("confidence", "0.95"),
    ("confidence", float("nan")),
    ("seed", -1), ("seed", 1.5), ("seed", "7"), ("seed", True),
    ("n_jobs", 0), ("n_jobs", -2), ("n_jobs", 1.5), ("n_jobs", "2"), ("n_jobs", True),
    ("method", "nope"), ("stratify", "yes"), ("pos_label", 7), ("checkpoint", 3),
    ("retries", -1),
]


def _option_cases():
    for func in FUNCTIONS:
        for name, value in BAD_OPTIONS:
            if _accepts(func, name):
                yield pytest.param(func, name, value, id=f"{func.__name__}-{name}={value!r}")


@pytest.mark.parametrize(("func", "name", "value"), list(_option_cases()))
def test_bad_option_is_named(func, name, value):
    call, _ = _roles(func)
    kwargs = dict(FAST) if _accepts(func, "n_resamples") else {}
    kwargs[name] = value
    with pytest.raises((ValueError, TypeError)) as info:
        call(Y, A, B, **kwargs)
    _assert_named(info.value, name, func.__name__)


# ---- metric callables and scikit-learn functions -------------------------------------------


def _nan_metric(y, s):
    return float("nan")


def _string_metric(y, s):
    return "0.8"


def _array_metric(y, s):
    return np.array([0.1, 0.2])


def _none_metric(y, s):
    return None


@pytest.mark.parametrize("metric", [_nan_metric, _string_metric, _array_metric, _none_metric, 3,
                                    "nope"])
@pytest.mark.parametrize("func", [bootstrap_ci, paired_bootstrap_diff], ids=lambda f: f.__name__)
def test_bad_metric_is_named(func, metric):
    args = (Y, B) if func is bootstrap_ci else (Y, A, B)
    with pytest.raises((ValueError, TypeError)) as info:
        func(*args, metric, **FAST)
    _assert_named(info.value, "metric", func.__name__)


def test_accuracy_score_given_probabilities_names_the_scores():
    with pytest.raises(ValueError) as info:
        paired_bootstrap_diff(Y, A, B, accuracy_score, **FAST)
    _assert_named(info.value, "y_score_a", "paired_bootstrap_diff")
    assert "metric='accuracy'" in str(info.value)


def test_accuracy_score_given_predictions_matches_sklearn():
    pred = (B >= 0.5).astype(float)
    ci = bootstrap_ci(Y, pred, accuracy_score, **FAST)
    assert ci.point_estimate == pytest.approx(accuracy_score(Y, pred))


# ---- correct answers for odd but valid input -----------------------------------------------


def _same(r1, r2) -> bool:
    return r1 == r2 and np.array_equal(r1.distribution, r2.distribution)


@pytest.mark.parametrize("func", [bootstrap_ci, paired_bootstrap_diff, paired_bootstrap_ece_diff],
                         ids=lambda f: f.__name__)
def test_pandas_with_a_non_default_index_equals_numpy(func):
    call, _ = _roles(func)
    index = np.arange(N)[::-1] * 7 + 1000
    as_series = [pd.Series(v, index=index) for v in (Y, A, B)]
    assert _same(call(*as_series, **FAST), call(Y, A, B, **FAST))


@pytest.mark.parametrize(("labels", "pos_label"), [
    (np.where(Y == 1, 1, -1), None), (Y.astype(bool), None),
    (np.where(Y == 1, "pos", "neg"), "pos"), (np.where(Y == 1, 2.0, 7.0), 2.0),
], ids=["minus-one-one", "bool", "strings", "floats-with-pos-label"])
def test_label_encodings_give_the_same_answer(labels, pos_label):
    expected = paired_bootstrap_diff(Y, A, B, "roc_auc", **FAST)
    assert _same(paired_bootstrap_diff(labels, A, B, "roc_auc", pos_label=pos_label, **FAST),
                 expected)


def test_predict_proba_columns_are_read_as_the_positive_class():
    two = np.column_stack([1 - B, B])
    assert _same(bootstrap_ci(Y, two, "roc_auc", **FAST), bootstrap_ci(Y, B, "roc_auc", **FAST))


def test_all_tied_scores_give_auc_one_half_and_no_width():
    ci = bootstrap_ci(Y, np.full(N, 0.3), "roc_auc", method="percentile", **FAST)
    assert ci.point_estimate == 0.5 and ci.ci_low == ci.ci_high == 0.5


def test_one_positive_in_100000_with_stratify():
    y = np.zeros(100_000, dtype=int)
    y[12_345] = 1
    score = np.linspace(0, 1, 100_000)
    with pytest.warns(SmallSampleWarning, match="only 1 positive"):
        ci = bootstrap_ci(y, score, "roc_auc", stratify=True, method="percentile", **FAST)
    assert ci.point_estimate == pytest.approx(roc_auc_score(y, score))


@pytest.mark.parametrize("n", [1, 2])
def test_tiny_samples(n):
    y, s = np.array([1, 0][:n]), np.array([0.8, 0.2][:n])
    if n == 1:
        with pytest.raises(ValueError) as info:
            bootstrap_ci(y, s, "roc_auc", **FAST)
        _assert_named(info.value, "y_true", "bootstrap_ci")
        return
    with pytest.warns(SmallSampleWarning):
        ci = bootstrap_ci(y, s, "roc_auc", stratify=True, method="percentile", **FAST)
    assert ci.point_estimate == 1.0 and ci.ci_low == ci.ci_high == 1.0  # every resample keeps both


def test_huge_seed_is_accepted_and_reproducible():
    seed = 2**200 + 12345
    first = paired_bootstrap_diff(Y, A, B, "roc_auc", seed=seed, **FAST)
    assert _same(first, paired_bootstrap_diff(Y, A, B, "roc_auc", seed=seed, **FAST))
    assert first.seed == seed


@pytest.mark.parametrize("func", [bootstrap_ci, paired_bootstrap_diff], ids=lambda f: f.__name__)
def test_seed_none_draws_fresh_entropy_recorded_in_the_result(func):
    call, _ = _roles(func)
    one, two = call(Y, A, B, seed=None, **FAST), call(Y, A, B, seed=None, **FAST)
    assert one.seed is not None and one.seed != two.seed  # fresh entropy each time
    assert not np.array_equal(one.distribution, two.distribution)
    assert _same(call(Y, A, B, seed=one.seed, **FAST), one)  # the recorded seed repeats the run


def test_n_jobs_beyond_the_cores_is_capped_with_the_same_result(caplog):
    got = paired_bootstrap_diff(Y, A, B, "roc_auc", n_jobs=10_000, **FAST)
    assert _same(got, paired_bootstrap_diff(Y, A, B, "roc_auc", **FAST))
    assert "exceeds the" in caplog.text


# ---- meta-objects --------------------------------------------------------------------------


class _BadScorer:
    """A model whose predict_proba returns whatever it was given (top level: picklable)."""

    def __init__(self, output):
        self.output = output

    def predict_proba(self, X):
        return self.output


@pytest.fixture(scope="module")
def model():
    X = np.column_stack([A, B])
    return LogisticRegression().fit(X, Y), X


@pytest.mark.parametrize(("output", "expected"), [
    (np.where(np.arange(N) == 2, np.nan, B), "free of NaN"),
    (B[:-3], "of the same length"),
    (B.astype(str), "numeric"),
    (np.column_stack([B, B, B]), "shape (n,) or (n, 2)"),
], ids=["nan", "wrong-length", "strings", "three-columns"])
def test_bad_scorer_output_names_the_scorer_and_its_method(model, output, expected):
    fitted, X = model
    with pytest.raises((ValueError, TypeError)) as info:
        PairedBootstrap(fitted, _BadScorer(output), **FAST).fit(X, Y)
    message = str(info.value)
    assert "scorer_b" in message and "PairedBootstrap" in message and expected in message
    assert "paired_bootstrap_diff" not in message and "y_score" not in message


@pytest.mark.parametrize("estimator", [PairedBootstrap, Bootstrap], ids=lambda e: e.__name__)
@pytest.mark.parametrize(("X", "y", "param"), [
    (None, Y, "X"), (np.zeros((N - 1, 2)), Y, "X"), ("X", np.ones(N), "y"),
    ("X", np.where(np.arange(N) == 0, np.nan, Y), "y"),
    ("X", np.array([None, *Y[1:].tolist()], dtype=object), "y"),
    ("X", np.zeros(N), "y"), ("X", np.where(np.arange(N) == 0, 2, Y), "y"),
], ids=["X-None", "X-rows", "y-one-class", "y-nan", "y-none", "y-only-negatives",
        "y-three-classes-binary-metric"])
def test_meta_object_fit_names_its_arguments(model, estimator, X, y, param):
    fitted, X_ok = model
    X = X_ok if isinstance(X, str) else X
    obj = PairedBootstrap(fitted, fitted, **FAST) if estimator is PairedBootstrap else \
        Bootstrap(fitted, **FAST)
    with pytest.raises((ValueError, TypeError)) as info:
        obj.fit(X, y)
    message = str(info.value)
    # Exactly fit's argument: not the functional API's y_true, task or y_score.
    assert message.startswith(f"The '{param}' parameter of {estimator.__name__}"), message
    assert not any(w in message for w in (*INTERNAL, "y_true", "y_score", "'task'")), message


@pytest.mark.parametrize("estimator", [PairedBootstrap, Bootstrap], ids=lambda e: e.__name__)
def test_meta_object_metric_returning_nan_names_fits_arguments(model, estimator):
    fitted, X = model
    scorers = (fitted, fitted) if estimator is PairedBootstrap else (fitted,)
    with pytest.raises(ValueError) as info:
        estimator(*scorers, metric=_nan_metric, **FAST).fit(X, Y)
    _assert_named(info.value, "metric", estimator.__name__)
    assert "_nan_metric(y, predictions) = nan" in str(info.value)


@pytest.mark.parametrize(("name", "value"), [
    ("n_resamples", 0), ("n_resamples", 10**12), ("confidence", 95), ("n_jobs", 0), ("seed", -1),
    ("metric", "nope"), ("metric", _string_metric), ("method", "x"), ("stratify", "yes"),
    ("refit", "x"),
])
def test_meta_object_parameters_are_named(model, name, value):
    fitted, X = model
    with pytest.raises((ValueError, TypeError)) as info:
        PairedBootstrap(fitted, fitted, **{**FAST, name: value}).fit(X, Y)
    _assert_named(info.value, name, "PairedBootstrap")


# ---- the command line ----------------------------------------------------------------------


def _csv(tmp_path: Path, y=Y, a=A, b=B, names=("y", "a", "b")) -> Path:
    path = tmp_path / "p.csv"
    pd.DataFrame({names[0]: y, names[1]: a, names[2]: b}).to_csv(path, index=False)
    return path


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "eval_toolkit", *args], capture_output=True,
                          text=True, cwd=cwd, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          timeout=300)


CLI_CASES = {
    "n-resamples-0": (["--n-resamples", "0"], 2, "--n-resamples"),
    "n-resamples-huge": (["--n-resamples", str(10**12)], 2, "--n-resamples"),
    "n-resamples-text": (["--n-resamples", "many"], 2, "--n-resamples"),
    "confidence-95": (["--confidence", "95"], 2, "--confidence"),
    "n-jobs-0": (["--n-jobs", "0"], 2, "--n-jobs"),
    "n-jobs--2": (["--n-jobs", "-2"], 2, "--n-jobs"),
    "seed--1": (["--seed", "-1"], 2, "--seed"),
    "retries--1": (["--retries", "-1"], 2, "--retries"),
    "label-column-missing": (["--label", "nope"], 2, "--label"),
    "score-column-missing": (["--score-b", "nope"], 2, "--score-b"),
    "pos-label-absent": (["--pos-label", "7"], 2, "--pos-label"),
}


@pytest.mark.parametrize("case", list(CLI_CASES))
def test_cli_options_are_named(tmp_path, case):
    extra, code, flag = CLI_CASES[case]
    base = {"--label": "y", "--score-a": "a", "--score-b": "b"}
    for i in range(0, len(extra), 2):
        base[extra[i]] = extra[i + 1]
    args = [x for kv in base.items() for x in kv]
    out = _cli("compare", str(_csv(tmp_path)), *args, "--format", "json")
    assert out.returncode == code, out.stderr
    # argparse's own type errors say "argument --n-resamples: invalid int value".
    assert flag in out.stderr and out.stderr.count("\n") == 1, out.stderr
    assert not any(w in out.stderr for w in INTERNAL), out.stderr


@pytest.mark.parametrize(("data", "flag"), [
    (dict(y=np.ones(N, dtype=int)), "--label"),
    (dict(y=np.zeros(N, dtype=int)), "--label"),
    (dict(y=np.where(Y == 1, "M", "B")), "--label"),
    (dict(b=np.where(np.arange(N) == 4, "oops", B.astype(str))), "--score-b"),
    (dict(a=np.where(np.arange(N) == 4, np.nan, A)), "--score-a"),
], ids=["one-class-positive", "one-class-negative", "strings-no-pos-label", "text-score",
        "nan-score"])
def test_cli_bad_columns_are_named(tmp_path, data, flag):
    cols = {**dict(y=Y, a=A, b=B), **data}
    out = _cli("compare", str(_csv(tmp_path, cols["y"], cols["a"], cols["b"])), "--label", "y",
               "--score-a", "a", "--score-b", "b", "--n-resamples", "64")
    assert out.returncode == 1, out.stderr
    assert f"'{flag}'" in out.stderr and out.stderr.count("\n") == 1, out.stderr
    assert "paired_bootstrap_diff" not in out.stderr and "y_true" not in out.stderr
    assert not any(w in out.stderr for w in INTERNAL), out.stderr


# ---- property tests ------------------------------------------------------------------------

_labels = st.lists(st.integers(0, 1), min_size=12, max_size=60).filter(
    lambda v: 3 <= sum(v) <= len(v) - 3)


@st.composite
def _data(draw):
    y = np.array(draw(_labels))
    scores = st.lists(st.floats(0, 1, allow_nan=False), min_size=len(y), max_size=len(y))
    return y, np.array(draw(scores)), np.array(draw(scores))


_QUIET = pytest.mark.filterwarnings("ignore::eval_toolkit.SmallSampleWarning",
                                    "ignore::eval_toolkit.DegenerateResampleWarning")


@_QUIET
@settings(max_examples=25, deadline=None)
@given(_data(), st.sampled_from(["percentile", "basic", "bca"]))
def test_interval_endpoints_are_ordered(data, method):
    y, a, b = data
    ci = paired_bootstrap_diff(y, a, b, "brier", method=method, stratify=True, **FAST)
    assert ci.ci_low <= ci.ci_high


@_QUIET
@settings(max_examples=25, deadline=None)
@given(_data())
def test_a_model_against_itself_gives_zero_and_no_width(data):
    y, a, _ = data
    ci = paired_bootstrap_diff(y, a, a, "roc_auc", stratify=True, **FAST)
    assert ci.delta == 0.0 and ci.ci_low == 0.0 and ci.ci_high == 0.0


@_QUIET
@settings(max_examples=25, deadline=None)
@given(_data())
def test_swapping_models_negates_delta_and_mirrors_the_interval(data):
    y, a, b = data
    ab = paired_bootstrap_diff(y, a, b, "brier", method="percentile", stratify=True, **FAST)
    ba = paired_bootstrap_diff(y, b, a, "brier", method="percentile", stratify=True, **FAST)
    assert ba.delta == pytest.approx(-ab.delta, abs=1e-12)
    assert ba.ci_low == pytest.approx(-ab.ci_high, abs=1e-12)
    assert ba.ci_high == pytest.approx(-ab.ci_low, abs=1e-12)


#: KS level per example.  The examples are derandomized (a fixed sequence from
#: hypothesis, no example database), so the verdict is the same on every run:
#: with 40 KS tests at 1e-3 a correct implementation passes with probability
#: >= 0.96 over the choice of sequence, and once passing, it always passes.
_KS_LEVEL = 1e-3
_PERMUTATION_B = 2000


def _accuracy_at_half(y, s):
    """A user callable: the generic (index-drawing) path rather than a kernel."""
    return float(np.mean((s >= 0.5) == y))


def _ks_pvalue(x, y) -> float:
    from scipy.stats import ks_2samp

    return float(ks_2samp(x, y).pvalue)


@_QUIET
@settings(max_examples=20, deadline=None, derandomize=True, database=None)
@given(_data(), st.sampled_from(["roc_auc", "brier", "average_precision", _accuracy_at_half]),
       st.integers(0, 2**32 - 1), st.data())
def test_permuting_rows_leaves_the_bootstrap_distribution_unchanged(data, metric, seed, draw):
    # Permuted rows are the same empirical distribution, so with the same seed
    # the two bootstrap distributions are independent draws of the same law
    # (not equal draws: the seed's resamples pick other rows).  Two-sample KS,
    # conservative for the discrete laws of small samples.
    y, a, b = data
    order = np.array(draw.draw(st.permutations(range(y.size))))
    kwargs = dict(n_resamples=_PERMUTATION_B, seed=seed, method="percentile")
    paired = [paired_bootstrap_diff(y_, a_, b_, metric, **kwargs).distribution
              for y_, a_, b_ in ((y, a, b), (y[order], a[order], b[order]))]
    single = [bootstrap_ci(y_, b_, metric, **kwargs).distribution
              for y_, b_ in ((y, b), (y[order], b[order]))]
    assert _ks_pvalue(*paired) > _KS_LEVEL
    assert _ks_pvalue(*single) > _KS_LEVEL


def test_the_permutation_check_detects_a_changed_distribution():
    # The check above can fail: permuting the labels alone (breaking the pairing
    # of labels and scores) changes the law, and KS rejects it at the same level.
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 60)
    b = np.clip(0.4 * y + rng.uniform(0, 0.6, 60), 0, 1)
    kwargs = dict(n_resamples=_PERMUTATION_B, seed=1, method="percentile")
    same = bootstrap_ci(y, b, "roc_auc", **kwargs).distribution
    broken = bootstrap_ci(rng.permutation(y), b, "roc_auc", **kwargs).distribution
    assert _ks_pvalue(same, broken) < _KS_LEVEL
