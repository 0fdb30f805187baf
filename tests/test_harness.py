"""Tests of eval_toolkit.harness: evaluate, correct_p_values and the result model."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from scipy import stats
from sklearn import metrics as skm

from eval_toolkit import bootstrap_ci, paired_bootstrap_diff, paired_bootstrap_op_point_diff
from eval_toolkit.harness import (
    EvalSlice,
    OperatingPointSpec,
    RunResult,
    correct_p_values,
    evaluate,
)
from eval_toolkit.operating_points import (
    F1,
    FPR,
    AtSpecificity,
    Precision,
    Sensitivity,
    Specificity,
    YoudenJ,
    bootstrap_op_point_ci,
)

OP_METRICS = (Sensitivity(), Specificity(), Precision(), F1(), FPR())


def _slice_data(rng, n, shift):
    y = rng.integers(0, 2, n)
    latent = y * shift + rng.normal(0, 1, n)
    return y, latent


def _probs(latent, rng, noise):
    return 1 / (1 + np.exp(-(latent + rng.normal(0, noise, latent.shape[0]))))


@pytest.fixture
def precomputed():
    """Three models' probabilities on three slices."""
    rng = np.random.default_rng(np.random.SeedSequence(10).spawn(1)[0])
    slices, preds = [], {"a": {}, "b": {}, "c": {}}
    for name, n, shift in (("s1", 300, 1.0), ("s2", 200, 1.5), ("s3", 250, 0.8)):
        y, latent = _slice_data(rng, n, shift)
        slices.append(EvalSlice(name, None, y))
        for model, noise in (("a", 1.0), ("b", 0.5), ("c", 0.8)):
            preds[model][name] = _probs(latent, rng, noise)
    return preds, slices


def _expected_seeds(seed, stage, n_units, per_unit):
    """Operating-point units: one seed per metric of a unit."""
    stages = np.random.SeedSequence(seed).spawn(4)
    return [u.spawn(per_unit) for u in stages[stage].spawn(n_units)]


def _cell_seeds(seed, stage, n_units):
    """Metric and diff units: one seed per cell, shared by all its metrics (one draw)."""
    return np.random.SeedSequence(seed).spawn(4)[stage].spawn(n_units)


def test_evaluate_agrees_with_functional_api_per_cell(precomputed):
    preds, slices = precomputed
    metrics = ["roc_auc", "average_precision", "brier", "ece_debiased"]
    run = evaluate(preds, slices, reference="a", n_resamples=200, seed=3)
    assert run.task == "binary" and run.params["metrics"] == metrics
    seeds = _cell_seeds(3, 0, 9)
    rows = run.rows_of("metric")
    assert len(rows) == 3 * 3 * 4
    for model in "abc":
        for j, sl in enumerate(slices):
            for i, metric in enumerate(metrics):
                row = rows[("abc".index(model) * 3 + j) * 4 + i]
                ci = bootstrap_ci(sl.y, preds[model][sl.name], metric, n_resamples=200,
                                  seed=seeds[("abc".index(model)) * 3 + j])
                assert (row.model, row.slice, row.metric) == (model, sl.name, metric)
                assert row.seed_key == tuple(seeds["abc".index(model) * 3 + j].spawn_key)
                assert (row.estimate, row.ci_low, row.ci_high, row.std_error) == (
                    ci.point_estimate, ci.ci_low, ci.ci_high, ci.std_error)
                assert row.n == len(sl.y) and row.n_degenerate == 0
    # point estimates against scikit-learn
    by_key = {(r.model, r.slice, r.metric): r.estimate for r in rows}
    for model in "abc":
        for sl in slices:
            p = preds[model][sl.name]
            assert by_key[model, sl.name, "roc_auc"] == pytest.approx(skm.roc_auc_score(sl.y, p))
            assert by_key[model, sl.name, "average_precision"] == pytest.approx(
                skm.average_precision_score(sl.y, p))
            assert by_key[model, sl.name, "brier"] == pytest.approx(
                skm.brier_score_loss(sl.y, p))


def test_evaluate_paired_diffs_and_holm_family(precomputed):
    preds, slices = precomputed
    run = evaluate(preds, slices, metrics=["roc_auc", "brier"], reference="a",
                   paired_diffs=[("b", "c")], n_resamples=300, method="percentile", seed=5)
    pairs = [("a", "b"), ("a", "c"), ("b", "c")]
    assert run.params["pairs"] == [list(p) for p in pairs]
    seeds = _cell_seeds(5, 1, 9)
    diffs = run.rows_of("diff")
    assert len(diffs) == 18
    for u, ((a, b), sl) in enumerate((p, s) for p in pairs for s in slices):
        for i, metric in enumerate(["roc_auc", "brier"]):
            row = diffs[u * 2 + i]
            ref = paired_bootstrap_diff(sl.y, preds[a][sl.name], preds[b][sl.name], metric,
                                        n_resamples=300, method="percentile", seed=seeds[u])
            assert (row.reference, row.model, row.metric) == (a, b, metric)
            assert (row.estimate, row.ci_low, row.ci_high, row.p_value) == (
                ref.delta, ref.ci_low, ref.ci_high, ref.p_value)
            assert row.seed_key == tuple(seeds[u].spawn_key)
    raw = np.array([r.p_value for r in diffs])
    np.testing.assert_allclose([r.p_adjusted for r in diffs], correct_p_values(raw, "holm"))
    assert {r.p_family for r in diffs} == {"diff: 18 tests, holm"}


def test_seed_key_reproduces_a_row(precomputed):
    preds, slices = precomputed
    run = evaluate(preds, slices, metrics=["roc_auc"], n_resamples=100, seed=11)
    row = run.rows_of("metric")[4]
    sl = slices[[s.name for s in slices].index(row.slice)]
    seed = np.random.SeedSequence(run.params["seed"]["entropy"], spawn_key=row.seed_key)
    ci = bootstrap_ci(sl.y, preds[row.model][row.slice], "roc_auc", n_resamples=100, seed=seed)
    assert (ci.ci_low, ci.ci_high) == (row.ci_low, row.ci_high)


# ---- correct_p_values --------------------------------------------------------------------


def _holm_by_hand(p):
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    out, running = [0.0] * m, 0.0
    for k, i in enumerate(order):
        running = max(running, min(1.0, (m - k) * p[i]))
        out[i] = running
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_correct_p_values_against_references(seed):
    rng = np.random.default_rng(seed)
    p = np.concatenate([rng.uniform(0, 0.05, 5), rng.uniform(0, 1, 15), [0.02, 0.02]])
    np.testing.assert_allclose(correct_p_values(p, "bh"),
                               stats.false_discovery_control(p, method="bh"))
    np.testing.assert_allclose(correct_p_values(p, "by"),
                               stats.false_discovery_control(p, method="by"))
    np.testing.assert_allclose(correct_p_values(p, "holm"), _holm_by_hand(list(p)))
    np.testing.assert_allclose(correct_p_values(p, "bonferroni"), np.minimum(1, len(p) * p))
    np.testing.assert_array_equal(correct_p_values(p, "none"), p)


@pytest.mark.parametrize(
    ("p", "method", "message"),
    [
        ([0.1, 1.2], "holm", "The 'p' parameter of correct_p_values must be p-values in [0, 1]"),
        ([0.1, np.nan], "bh", "The 'p' parameter of correct_p_values must be p-values in [0, 1]"),
        ([[0.1]], "bh", "The 'p' parameter of correct_p_values must be a 1-D array"),
        ([0.1], "fdr", "The 'method' parameter of correct_p_values must be one of 'holm'"),
    ],
)
def test_correct_p_values_errors(p, method, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        correct_p_values(p, method)


# ---- results -----------------------------------------------------------------------------


def test_run_result_round_trips_and_frames(precomputed):
    preds, slices = precomputed
    run = evaluate(preds, slices, metrics=["roc_auc", "ece"], reference="b", n_resamples=100)
    back = RunResult.from_json(run.to_json())
    assert back == run and back.to_dict() == run.to_dict()
    json.loads(run.to_json())  # strict JSON: no NaN
    frame = run.to_frame()
    assert len(frame) == len(run.rows)
    assert set(frame["kind"]) == {"metric", "diff"}
    assert run.params["version"] and run.params["seed"] == {"entropy": 42, "spawn_key": []}
    html = run._repr_html_()
    assert html.startswith("<table>") and "roc_auc" in html


# ---- models, parallelism, errors ---------------------------------------------------------


def _pipelines():
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import GaussianNB
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return {
        "nb": make_pipeline(StandardScaler(), GaussianNB()),
        "lr": make_pipeline(StandardScaler(), LogisticRegression(C=0.1)),
        "rf": make_pipeline(RandomForestClassifier(n_estimators=20, max_depth=4,
                                                   random_state=0)),
    }


@pytest.fixture(scope="module")
def fitted():
    from sklearn.datasets import make_classification

    X, y = make_classification(1400, n_features=8, n_informative=4, random_state=0)
    models = {name: m.fit(X[:600], y[:600]) for name, m in _pipelines().items()}
    slices = [EvalSlice(f"part{i}", X[600 + 200 * i: 800 + 200 * i],
                        y[600 + 200 * i: 800 + 200 * i]) for i in range(4)]
    return models, slices


def _run_models(models, slices, n_jobs):
    spec = OperatingPointSpec("part0", ["part1", "part2"], [AtSpecificity(0.8), YoudenJ()])
    return evaluate(models, slices, reference="nb", operating_point_specs=[spec],
                    n_resamples=120, n_jobs=n_jobs, seed=8)


def test_evaluate_n_jobs_reproducibility(fitted):
    models, slices = fitted
    one, two = _run_models(models, slices, 1), _run_models(models, slices, 2)
    assert one == two
    assert len(one.rows_of("op_point")) == 3 * 2 * 2 * 5
    assert len(one.rows_of("op_point_diff")) == 2 * 2 * 2 * 5


def test_evaluate_models_equal_precomputed_predictions(fitted):
    models, slices = fitted
    by_model = evaluate(models, slices, metrics=["roc_auc"], reference="nb", n_resamples=100)
    preds = {m: {s.name: model.predict_proba(s.X)[:, 1] for s in slices}
             for m, model in models.items()}
    given = evaluate(preds, [EvalSlice(s.name, None, s.y) for s in slices],
                     metrics=["roc_auc"], reference="nb", n_resamples=100)
    assert by_model.rows == given.rows


def test_operating_points_agree_with_functional_api(fitted):
    models, slices = fitted
    run = _run_models(models, slices, 1)
    p = {(m, s.name): model.predict_proba(s.X)[:, 1] for m, model in models.items()
         for s in slices}
    ys = {s.name: s.y for s in slices}
    spec_seed = np.random.SeedSequence(8).spawn(4)[2].spawn(1)[0]
    cells = [(m, sel, a) for m in models for sel in (AtSpecificity(0.8), YoudenJ())
             for a in ("part1", "part2")]
    seeds = [u.spawn(5) for u in spec_seed.spawn(len(cells))]
    rows = run.rows_of("op_point")
    for k, (m, sel, a) in enumerate(cells):
        threshold = sel(ys["part0"], p[m, "part0"])
        for i, metric_fn in enumerate(OP_METRICS):
            row = rows[k * 5 + i]
            ci = bootstrap_op_point_ci(ys["part0"], p[m, "part0"], ys[a], p[m, a], sel,
                                       metric_fn, n_resamples=120, seed=seeds[k][i])
            assert (row.model, row.slice, row.selector) == (m, a, repr(sel))
            assert row.threshold == threshold
            assert row.estimate == pytest.approx(metric_fn(ys[a], p[m, a], threshold))
            assert (row.estimate, row.ci_low, row.ci_high) == (
                ci.point_estimate, ci.ci_low, ci.ci_high)
    diff_seed = np.random.SeedSequence(8).spawn(4)[3].spawn(1)[0]
    pairs = [("nb", "lr"), ("nb", "rf")]
    cells = [(pr, sel, a) for pr in pairs for sel in (AtSpecificity(0.8), YoudenJ())
             for a in ("part1", "part2")]
    seeds = [u.spawn(5) for u in diff_seed.spawn(len(cells))]
    rows = run.rows_of("op_point_diff")
    for k, ((a, b), sel, t) in enumerate(cells):
        row = rows[k * 5 + 2]
        ref = paired_bootstrap_op_point_diff(ys["part0"], p[a, "part0"], p[b, "part0"], ys[t],
                                             p[a, t], p[b, t], sel, Precision(),
                                             n_resamples=120, seed=seeds[k][2])
        assert (row.estimate, row.ci_low, row.ci_high, row.p_value) == (
            ref.delta, ref.ci_low, ref.ci_high, ref.p_value)


class FailsOnLargeInput:
    """A picklable scorer that raises on slices with a feature above a cutoff."""

    def __init__(self, model, cutoff):
        self.model, self.cutoff = model, cutoff

    def predict_proba(self, X):
        if np.max(X) > self.cutoff:
            raise RuntimeError("scorer went away")
        return self.model.predict_proba(X)


class Passthrough(FailsOnLargeInput):
    def predict_proba(self, X):
        return self.model.predict_proba(X)


class Unpicklable:
    def __init__(self, model):
        self.model = model
        self.transform = lambda X: X

    def predict_proba(self, X):
        return self.model.predict_proba(self.transform(X))


def test_on_scorer_error_record_keeps_every_other_row(fitted):
    models, slices = fitted
    worst = max(range(4), key=lambda i: np.max(slices[i].X))
    cutoff = max(np.max(s.X) for i, s in enumerate(slices) if i != worst)
    failing = dict(models, lr=FailsOnLargeInput(models["lr"], cutoff))
    healthy = dict(models, lr=Passthrough(models["lr"], cutoff))
    kw = dict(metrics=["roc_auc", "brier"], reference="nb", n_resamples=80)
    run = evaluate(failing, slices, on_scorer_error="record", n_jobs=2, **kw)
    ref = evaluate(healthy, slices, **kw)
    errors = run.errors
    assert [(r.model, r.slice) for r in errors] == [("lr", slices[worst].name)]
    assert "RuntimeError: scorer went away" in errors[0].error
    lost = {("lr", slices[worst].name)}
    kept = [r for r in ref.rows if (r.model, r.slice) not in lost]
    got = [r for r in run.rows if r.kind != "error"]
    assert [r.estimate for r in got] == [r.estimate for r in kept]
    assert [(r.ci_low, r.ci_high) for r in got] == [(r.ci_low, r.ci_high) for r in kept]
    with pytest.raises(RuntimeError, match="scorer went away"):
        evaluate(failing, slices, **kw)


def test_unpicklable_model_is_named_before_any_work(fitted):
    models, slices = fitted
    bad = dict(models, wrapped=Unpicklable(models["lr"]))
    with pytest.raises(TypeError, match=r"evaluate: model 'wrapped' \(Unpicklable\) is not "
                                        "picklable"):
        evaluate(bad, slices, n_jobs=2)
    assert evaluate(bad, slices[:1], metrics=["roc_auc"], n_resamples=50).rows


def test_evaluate_dataframe_features_travel_as_files(fitted):
    pd = pytest.importorskip("pandas")
    models, slices = fitted
    frames = [EvalSlice(s.name, pd.DataFrame(s.X), s.y) for s in slices]
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression().fit(pd.DataFrame(slices[0].X), slices[0].y)
    one = evaluate({"lr": lr}, frames, metrics=["roc_auc"], n_resamples=60)
    two = evaluate({"lr": lr}, frames, metrics=["roc_auc"], n_resamples=60, n_jobs=2)
    assert one == two


@pytest.mark.cluster
def test_evaluate_on_dask_local_cluster_is_identical(fitted):
    distributed = pytest.importorskip("distributed")
    from joblib import parallel_config

    models, slices = fitted
    ref = _run_models(models, slices, 1)
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                 host="127.0.0.1", dashboard_address=None) as cluster,
        distributed.Client(cluster),
        parallel_config(backend="dask"),
    ):
        out = _run_models(models, slices, 2)
    assert out == ref


# ---- validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (dict(scorers={}), "The 'scorers' parameter of evaluate must be a non-empty dict"),
        (dict(scorers={"a": {"s1": np.zeros(3)}}),
         "The 'scorers['a']' parameter of evaluate must be predictions for every slice"),
        (dict(slices=[]), "The 'slices' parameter of evaluate must be a non-empty list"),
        (dict(reference="zz"), "The 'reference' parameter of evaluate must be one of"),
        (dict(paired_diffs=[("a", "a")]), "The 'paired_diffs' parameter of evaluate must be"),
        (dict(metrics=[]), "The 'metrics' parameter of evaluate must be a non-empty list"),
        (dict(p_adjust="fdr"), "The 'p_adjust' parameter of evaluate must be one of"),
        (dict(on_scorer_error="skip"),
         "The 'on_scorer_error' parameter of evaluate must be one of 'raise', 'record'"),
        (dict(n_jobs=0), "The 'n_jobs' parameter of evaluate must be a positive int or -1"),
        (dict(method="normal"), "The 'method' parameter of evaluate must be one of"),
        (dict(operating_point_specs=[OperatingPointSpec("nope", ["s1"], [YoudenJ()])]),
         "The 'operating_point_specs' parameter of evaluate must be slices among"),
    ],
)
def test_evaluate_errors(precomputed, change, message):
    preds, slices = precomputed
    kwargs = {"scorers": preds, "slices": slices, **change}
    with pytest.raises(ValueError, match=re.escape(message)):
        evaluate(**kwargs)


def test_evaluate_bad_prediction_length_names_the_cell(precomputed):
    preds, slices = precomputed
    bad = {m: dict(p) for m, p in preds.items()}
    bad["b"]["s2"] = bad["b"]["s2"][:-1]
    with pytest.raises(ValueError, match=r"evaluate: scorers\['b'\]\['s2'\]: predictions must "
                                         r"be a numeric array with one row per sample \(200\)"):
        evaluate(bad, slices)


# ---- report ------------------------------------------------------------------------------


def test_write_report_for_a_run(fitted, tmp_path):
    from eval_toolkit import write_report

    models, slices = fitted
    run = _run_models(models, slices, 1)
    html_file = write_report(run, tmp_path / "rep")
    text = html_file.read_text()
    assert text.count("data:image/png") == len(run.params["metrics"])
    for metric in run.params["metrics"]:
        assert f"{metric}: estimate [95% CI], slice x model" in text
    assert "Operating points: threshold chosen on the fit slice" in text
    assert "Operating-point differences" in text
    back = RunResult.from_json((tmp_path / "rep" / "results.json").read_text())
    assert back == run


def test_plot_intervals_takes_arrays_and_labels():
    import matplotlib

    matplotlib.use("Agg")
    from eval_toolkit.plotting import plot_intervals

    ax = plot_intervals([0.1, -0.2, 0.0], [0.05, -0.3, -0.1], [0.2, -0.1, 0.1], ["a", "b", "c"])
    filled = [line for line in ax.get_lines() if line.get_label() == "CI excludes reference"]
    assert filled and len(filled[0].get_xdata()) == 2
    with pytest.raises(ValueError, match="The 'labels' parameter of plot_intervals must be as "
                                         "many labels as estimates"):
        plot_intervals([0.1], [0.0], [0.2], ["a", "b"])


# ---- checkpoint --------------------------------------------------------------------------


def test_evaluate_checkpoint_resumes_bit_identically(precomputed, tmp_path):
    preds, slices = precomputed
    kw = dict(metrics=["roc_auc", "brier", "accuracy"], reference="a", n_resamples=200, seed=6)
    plain = evaluate(preds, slices, **kw)
    first = evaluate(preds, slices, checkpoint=tmp_path, **kw)
    assert first == plain
    units = sorted(p for p in tmp_path.iterdir() if p.is_dir())
    assert len(units) == 9 + 6  # metric cells (model x slice) and diff cells (pair x slice)
    # an interruption: some blocks of one unit were never written
    blocks = sorted(units[4].rglob("block_*.npy"))
    kept = {b: b.stat().st_mtime_ns for b in blocks[::2]}
    for b in blocks[1::2]:
        b.unlink()
    resumed = evaluate(preds, slices, checkpoint=tmp_path, **kw)
    assert resumed == plain
    assert all(b.exists() for b in blocks)
    assert all(b.stat().st_mtime_ns == t for b, t in kept.items())  # read, not recomputed


def test_evaluate_checkpoint_refuses_another_run(precomputed, tmp_path):
    preds, slices = precomputed
    evaluate(preds, slices, metrics=["roc_auc"], n_resamples=64, seed=1, checkpoint=tmp_path)
    with pytest.raises(ValueError, match="The 'checkpoint' parameter of bootstrap_ci must be a "
                                         "directory holding no checkpoint or a checkpoint of "
                                         "this same computation"):
        changed = {m: {s: p[::-1] for s, p in per.items()} for m, per in preds.items()}
        evaluate(changed, slices, metrics=["roc_auc"], n_resamples=64, seed=1,
                 checkpoint=tmp_path)
    with pytest.raises(TypeError, match="The 'checkpoint' parameter of evaluate must be None"):
        evaluate(preds, slices, metrics=["roc_auc"], n_resamples=64, checkpoint=3)
