"""evaluate end to end on multiclass and regression tasks with real scikit-learn pipelines."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from eval_toolkit import bootstrap_ci, paired_bootstrap_diff
from eval_toolkit.harness import EvalSlice, evaluate, evaluate_folded
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


def _unit(models, slices, row):
    """The work unit of a row (models vary slowest, as evaluate spawns seeds) and its slice."""
    s = [sl.name for sl in slices].index(row.slice)
    return models.index(row.model) * len(slices) + s, slices[s]


def _check_run(run, models, slices, task, reference, predict, n_resamples, seed, **functional):
    names = list(models)
    metrics = list(default_metrics(task))
    assert run.task == task and run.params["metrics"] == metrics
    seeds = _cell_seeds(seed, 0, len(names) * len(slices))
    rows = run.rows_of("metric")
    assert len(rows) == len(names) * len(slices) * len(metrics)
    for row in rows:
        u, sl = _unit(names, slices, row)
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
        u, sl = _unit(others, slices, row)
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


def _sklearn_value(metric, y, pred, classes):
    if metric in ("accuracy", "f1_macro"):
        labels = classes[pred.argmax(axis=1)]
        if metric == "accuracy":
            return skm.accuracy_score(y, labels)
        return skm.f1_score(y, labels, average="macro", labels=classes)
    if metric == "log_loss":
        return skm.log_loss(y, pred, labels=classes)
    return {"mean_absolute_error": skm.mean_absolute_error, "r2": skm.r2_score,
            "root_mean_squared_error": skm.root_mean_squared_error}[metric](y, pred)


def test_evaluate_folded_multiclass_and_regression(multiclass, regression):
    from sklearn.base import clone
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict

    for task, (models, slices) in (("multiclass", multiclass), ("regression", regression)):
        X, y = slices[0].X, slices[0].y
        estimators = {name: clone(m) for name, m in list(models.items())[:2]}
        cv = (StratifiedKFold(3, shuffle=True, random_state=0) if task == "multiclass"
              else KFold(3, shuffle=True, random_state=0))
        run = evaluate_folded(estimators, X, y, cv=cv, reference=next(iter(estimators)),
                              n_resamples=60, seed=2)
        assert run.task == task and run.params["metrics"] == list(default_metrics(task))
        method = "predict_proba" if task == "multiclass" else "predict"
        for name, est in estimators.items():
            oof = cross_val_predict(clone(est), X, y, cv=cv, method=method)
            np.testing.assert_array_equal(run.oof_predictions[name][0], oof)
        folds = list(cv.split(X, y))
        for row in run.rows_of("fold_metric"):
            _, test = folds[row.fold]
            pred = run.oof_predictions[row.model][0][test]
            expected = _sklearn_value(row.metric, y[test], pred, np.unique(y))
            assert row.estimate == pytest.approx(expected, rel=1e-10)
        assert len(run.rows_of("corrected_ttest")) == len(default_metrics(task))


def test_integer_targets_with_value_predictions_ask_for_the_task(regression):
    models, slices = regression
    preds = {name: {s.name: m.predict(s.X) for s in slices} for name, m in models.items()}
    bare = [EvalSlice(s.name, None, s.y) for s in slices]  # diabetes targets are integers
    with pytest.raises(ValueError, match="The 'task' parameter of evaluate must be 'regression'"):
        evaluate(preds, bare, n_resamples=20)
    run = evaluate(preds, bare, task="regression", n_resamples=40, seed=1)
    by_model = evaluate(models, slices, n_resamples=40, seed=1)
    assert run.task == "regression" and run.rows == by_model.rows


# ---- pos_label ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def string_labels():
    """Binary labels 'sick' / 'well' (sorted: 'sick' is classes_[0], the positive class)."""
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import GaussianNB
    from sklearn.svm import LinearSVC

    X, y01 = make_classification(900, n_features=6, n_informative=3, random_state=3)
    y = np.where(y01 == 1, "sick", "well")
    models = {"nb": GaussianNB(), "lr": LogisticRegression(),
              "svm": LinearSVC(C=0.1)}  # decision_function only
    for m in models.values():
        m.fit(X[:300], y[:300])
    slices = [EvalSlice("a", X[300:600], y[300:600]), EvalSlice("b", X[600:], y[600:])]
    return models, slices


def _sick_scores(model, X):
    if hasattr(model, "predict_proba"):
        return model.predict_proba(X)[:, list(model.classes_).index("sick")]
    return -model.decision_function(X)  # decision_function scores classes_[1] = 'well'


def test_evaluate_pos_label_reads_the_positive_class(string_labels):
    models, slices = string_labels
    metrics = ["roc_auc", "average_precision", "brier"]
    run = evaluate({k: v for k, v in models.items() if k != "svm"}, slices, metrics=metrics,
                   pos_label="sick", reference="nb", n_resamples=100, seed=4)
    assert run.params["pos_label"] == "sick"
    seeds = _cell_seeds(4, 0, 4)
    for row in run.rows_of("metric"):
        u = ["nb", "lr"].index(row.model) * 2 + ["a", "b"].index(row.slice)
        sl = slices[u % 2]
        score = _sick_scores(models[row.model], sl.X)
        reference = {"roc_auc": skm.roc_auc_score(sl.y == "sick", score),
                     "average_precision": skm.average_precision_score(sl.y, score,
                                                                      pos_label="sick"),
                     "brier": skm.brier_score_loss(sl.y, score, pos_label="sick")}
        assert row.estimate == pytest.approx(reference[row.metric], rel=1e-12)
        ci = bootstrap_ci(sl.y, score, row.metric, pos_label="sick", n_resamples=100,
                          seed=seeds[u])
        assert (row.estimate, row.ci_low, row.ci_high) == (ci.point_estimate, ci.ci_low,
                                                           ci.ci_high)
    # a decision_function model: scores for 'well' negated, with operating points
    from eval_toolkit.harness import OperatingPointSpec
    from eval_toolkit.operating_points import YoudenJ

    spec = OperatingPointSpec("a", ["b"], [YoudenJ()])
    run = evaluate(models, slices, metrics=["roc_auc"], pos_label="sick",
                   operating_point_specs=[spec], n_resamples=60, seed=4)
    svm = [r for r in run.rows_of("metric") if r.model == "svm" and r.slice == "b"][0]
    assert svm.estimate == pytest.approx(
        skm.roc_auc_score(slices[1].y == "sick", _sick_scores(models["svm"], slices[1].X)))
    op = [r for r in run.rows_of("op_point") if r.model == "lr" and r.metric == "Sensitivity"][0]
    score_b = _sick_scores(models["lr"], slices[1].X)
    threshold = YoudenJ()(slices[0].y == "sick", _sick_scores(models["lr"], slices[0].X))
    assert op.threshold == threshold
    assert op.estimate == pytest.approx(skm.recall_score(slices[1].y == "sick",
                                                         score_b >= threshold))


def test_evaluate_folded_pos_label(string_labels):
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    models, slices = string_labels
    X, y = slices[0].X, slices[0].y
    cv = StratifiedKFold(3, shuffle=True, random_state=1)
    run = evaluate_folded({"lr": clone(models["lr"])}, X, y, cv=cv, metrics=["roc_auc"],
                          pos_label="sick", n_resamples=50)
    oof = cross_val_predict(clone(models["lr"]), X, y, cv=cv, method="predict_proba")[:, 0]
    np.testing.assert_array_equal(run.oof_predictions["lr"][0], oof)
    row = run.rows_of("metric")[0]
    assert row.estimate == pytest.approx(skm.roc_auc_score(y == "sick", oof))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "The 'slices' parameter of evaluate must be"),  # strings need pos_label
        ({"pos_label": "ill"}, "The 'pos_label' parameter of evaluate must be one of"),
        ({"pos_label": "sick", "labels": ["sick", "well"]},
         "The 'labels' parameter of evaluate must be None unless the task is multiclass"),
    ],
)
def test_evaluate_pos_label_errors(string_labels, kwargs, message):
    models, slices = string_labels
    with pytest.raises(ValueError, match=message):
        evaluate(models, slices, n_resamples=10, **kwargs)


def test_evaluate_multiclass_label_errors(multiclass):
    models, slices = multiclass
    with pytest.raises(ValueError, match="The 'pos_label' parameter of evaluate must be None "
                                         "unless the task is binary"):
        evaluate(models, slices, pos_label=1, n_resamples=10)
    with pytest.raises(ValueError, match=r"The 'labels' parameter of evaluate must be the "
                                         r"classes_ of every model, in order"):
        evaluate(models, slices, labels=[2, 1, 0], n_resamples=10)
    with pytest.raises(ValueError, match=r"must be every class of the data"):
        evaluate(models, slices, labels=[0, 1], n_resamples=10)


def test_default_metrics_come_from_the_registry():
    from eval_toolkit.metrics import get_metric

    for task in ("binary", "multiclass", "regression"):
        assert all(task in get_metric(m).tasks for m in default_metrics(task))
    with pytest.raises(ValueError, match="The 'task' parameter of default_metrics must be one of"):
        default_metrics("ranking")
