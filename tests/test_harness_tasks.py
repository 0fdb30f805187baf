"""evaluate end to end on multiclass and regression tasks with real scikit-learn pipelines."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from eval_toolkit import bootstrap_ci, paired_bootstrap_diff
from eval_toolkit.harness import EvalSlice, evaluate
from eval_toolkit.metrics import default_metrics


def _cell_seeds(seed, stage, n_units):
    return np.random.SeedSequence(seed).spawn(4)[stage].spawn(n_units)


@pytest.fixture(scope="module")
def multiclass():
    """Three classifiers fit on half of wine; four slices of the other half by alcohol quartile.

    One slice is cut so that it lacks a class: the harness must still use every
    class the models know (probability columns), as scikit-learn's ``labels=``.
    """
    from sklearn.datasets import load_wine
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import GaussianNB
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_wine(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(y))
    X, y = X[order], y[order]
    train, test = slice(0, 89), slice(89, None)
    models = {
        "nb": make_pipeline(StandardScaler(), GaussianNB()),
        "lr": make_pipeline(StandardScaler(), LogisticRegression(C=0.05)),
        "rf": RandomForestClassifier(n_estimators=15, max_depth=2, random_state=0),
    }
    for model in models.values():
        model.fit(X[train], y[train])
    X_test, y_test = X[test], y[test]
    cuts = np.quantile(X_test[:, 0], [0.5])
    slices = [
        EvalSlice("all", X_test, y_test),
        EvalSlice("low alcohol", X_test[X_test[:, 0] <= cuts[0]], y_test[X_test[:, 0] <= cuts[0]]),
        EvalSlice("high alcohol", X_test[X_test[:, 0] > cuts[0]], y_test[X_test[:, 0] > cuts[0]]),
        EvalSlice("classes 0-1", X_test[y_test < 2], y_test[y_test < 2]),
    ]
    return models, slices


@pytest.fixture(scope="module")
def regression():
    """Three regressors fit on half of diabetes; slices by the sex feature and all."""
    from sklearn.datasets import load_diabetes
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.linear_model import Ridge
    from sklearn.neighbors import KNeighborsRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_diabetes(return_X_y=True)
    models = {
        "ridge": Ridge(alpha=1.0),
        "knn": make_pipeline(StandardScaler(), KNeighborsRegressor(15)),
        "rf": RandomForestRegressor(n_estimators=20, max_depth=4, random_state=0),
    }
    for model in models.values():
        model.fit(X[:221], y[:221])
    X_test, y_test = X[221:], y[221:]
    sex = X_test[:, 1] > 0
    slices = [EvalSlice("all", X_test, y_test), EvalSlice("sex=a", X_test[sex], y_test[sex]),
              EvalSlice("sex=b", X_test[~sex], y_test[~sex])]
    return models, slices


def _check_run(run, models, slices, task, reference, predict, n_resamples, seed, **functional):
    names = list(models)
    metrics = list(default_metrics(task))
    assert run.task == task and run.params["metrics"] == metrics
    seeds = _cell_seeds(seed, 0, len(names) * len(slices))
    rows = run.rows_of("metric")
    assert len(rows) == len(names) * len(slices) * len(metrics)
    for row in rows:
        u = names.index(row.model) * len(slices) + [s.name for s in slices].index(row.slice)
        sl = slices[u % len(slices)]
        ci = bootstrap_ci(sl.y, predict(models[row.model], sl.X), row.metric,
                          n_resamples=n_resamples, seed=seeds[u], **functional)
        assert (row.estimate, row.ci_low, row.ci_high, row.std_error, row.n_degenerate) == (
            ci.point_estimate, ci.ci_low, ci.ci_high, ci.std_error, ci.n_degenerate)
        assert row.seed_key == tuple(seeds[u].spawn_key)
    others = [m for m in names if m != reference]
    seeds = _cell_seeds(seed, 1, len(others) * len(slices))
    diffs = run.rows_of("diff")
    assert len(diffs) == len(others) * len(slices) * len(metrics)
    for row in diffs:
        u = others.index(row.model) * len(slices) + [s.name for s in slices].index(row.slice)
        sl = slices[u % len(slices)]
        ref = paired_bootstrap_diff(sl.y, predict(models[reference], sl.X),
                                    predict(models[row.model], sl.X), row.metric,
                                    n_resamples=n_resamples, seed=seeds[u], **functional)
        assert (row.reference, row.estimate, row.ci_low, row.ci_high, row.p_value) == (
            reference, ref.delta, ref.ci_low, ref.ci_high, ref.p_value)
    assert {r.p_family for r in diffs} == {f"diff: {len(diffs)} tests, holm"}


def test_evaluate_multiclass_pipelines(multiclass):
    models, slices = multiclass
    run = evaluate(models, slices, reference="nb", n_resamples=150, seed=21)
    labels = models["nb"].classes_
    _check_run(run, models, slices, "multiclass", "nb", lambda m, X: m.predict_proba(X), 150, 21,
               labels=labels)
    # point estimates against scikit-learn, also on the slice that lacks class 2
    by_key = {(r.model, r.slice, r.metric): r.estimate for r in run.rows_of("metric")}
    for name, model in models.items():
        for sl in slices:
            proba = model.predict_proba(sl.X)
            assert by_key[name, sl.name, "accuracy"] == pytest.approx(
                skm.accuracy_score(sl.y, labels[proba.argmax(axis=1)]))
            assert by_key[name, sl.name, "f1_macro"] == pytest.approx(
                skm.f1_score(sl.y, labels[proba.argmax(axis=1)], average="macro",
                             labels=labels))
            assert by_key[name, sl.name, "log_loss"] == pytest.approx(
                skm.log_loss(sl.y, proba, labels=labels))


def test_evaluate_regression_pipelines(regression):
    models, slices = regression
    run = evaluate(models, slices, reference="ridge", n_resamples=150, seed=22)
    _check_run(run, models, slices, "regression", "ridge", lambda m, X: m.predict(X), 150, 22)
    by_key = {(r.model, r.slice, r.metric): r.estimate for r in run.rows_of("metric")}
    for name, model in models.items():
        for sl in slices:
            pred = model.predict(sl.X)
            assert by_key[name, sl.name, "mean_absolute_error"] == pytest.approx(
                skm.mean_absolute_error(sl.y, pred))
            assert by_key[name, sl.name, "root_mean_squared_error"] == pytest.approx(
                skm.root_mean_squared_error(sl.y, pred))
            assert by_key[name, sl.name, "r2"] == pytest.approx(skm.r2_score(sl.y, pred))


@pytest.mark.parametrize("task", ["multiclass", "regression"])
def test_evaluate_tasks_n_jobs_reproducibility(task, multiclass, regression):
    models, slices = multiclass if task == "multiclass" else regression
    reference = next(iter(models))
    one = evaluate(models, slices, reference=reference, n_resamples=80, seed=3)
    two = evaluate(models, slices, reference=reference, n_resamples=80, seed=3, n_jobs=2)
    assert one == two and one.task == task
