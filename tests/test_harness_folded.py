"""Tests of eval_toolkit.harness.evaluate_folded (cross-validated comparisons)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold, cross_val_predict
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from eval_toolkit import bootstrap_ci, paired_bootstrap_diff
from eval_toolkit.harness import FoldedRunResult, RunResult, evaluate_folded


@pytest.fixture(scope="module")
def data():
    return make_classification(400, n_features=6, n_informative=3, random_state=1)


def _estimators():
    return {
        "nb": GaussianNB(),
        "lr": make_pipeline(StandardScaler(), LogisticRegression()),
        "tree": DecisionTreeClassifier(max_depth=3, random_state=0),
    }


def test_oof_predictions_equal_cross_val_predict(data):
    X, y = data
    cv = StratifiedKFold(5, shuffle=True, random_state=3)
    run = evaluate_folded(_estimators(), X, y, cv=cv, metrics=["roc_auc"], n_resamples=50)
    for name, est in _estimators().items():
        expected = cross_val_predict(est, X, y, cv=cv, method="predict_proba")[:, 1]
        np.testing.assert_array_equal(run.oof_predictions[name][0], expected)


def _nadeau_bengio_by_hand(d, n_train, n_test):
    # Nadeau & Bengio (2003), corrected resampled t: t = mean / sqrt((1/J + n2/n1) s^2)
    J = len(d)
    mean = sum(d) / J
    s2 = sum((x - mean) ** 2 for x in d) / (J - 1)
    t = mean / ((1 / J + n_test / n_train) * s2) ** 0.5
    return mean, t, 2 * stats.t.sf(abs(t), J - 1)


def test_corrected_ttest_against_hand_computation(data):
    X, y = data
    cv = RepeatedStratifiedKFold(n_splits=4, n_repeats=3, random_state=0)
    run = evaluate_folded(_estimators(), X, y, cv=cv, metrics=["roc_auc", "brier"],
                          reference="nb", n_resamples=50)
    splits = list(cv.split(X, y))
    for metric, fn in (("roc_auc", roc_auc_score), ("brier", brier_score_loss)):
        per = {}
        for name, est in _estimators().items():
            per[name] = [fn(y[te], est.fit(X[tr], y[tr]).predict_proba(X[te])[:, 1])
                         for tr, te in splits]
        for other in ("lr", "tree"):
            d = [b - a for a, b in zip(per["nb"], per[other])]
            mean, t, p = _nadeau_bengio_by_hand(d, n_train=300, n_test=100)
            row = next(r for r in run.rows_of("corrected_ttest")
                       if r.model == other and r.metric == metric)
            assert row.reference == "nb" and row.dof == 11
            assert row.estimate == pytest.approx(mean, rel=1e-12)
            assert row.statistic == pytest.approx(t, rel=1e-10)
            assert row.p_value == pytest.approx(p, rel=1e-9)
        folds = [r.estimate for r in run.rows_of("fold_metric")
                 if r.model == "tree" and r.metric == metric]
        np.testing.assert_allclose(folds, per["tree"], rtol=1e-12)
    assert run.params["repeats"] == 3 and run.params["folds_per_repeat"] == [4, 4, 4]


def test_pooled_oof_bootstrap_is_the_functional_api(data):
    X, y = data
    metrics = ["roc_auc", "brier"]
    run = evaluate_folded(_estimators(), X, y, metrics=metrics, reference="nb",
                          n_resamples=120, seed=4)
    stages = np.random.SeedSequence(4).spawn(3)
    # one seed per model (per pair), shared by its metrics: one draw for all of them
    metric_seeds = stages[1].spawn(3)
    diff_seeds = stages[2].spawn(2)
    oof = run.oof_predictions
    for metric in metrics:
        for i, name in enumerate(["nb", "lr", "tree"]):
            row = [r for r in run.rows_of("metric") if r.model == name and r.metric == metric][0]
            ci = bootstrap_ci(y, oof[name][0], metric, n_resamples=120, seed=metric_seeds[i])
            assert (row.estimate, row.ci_low, row.ci_high) == (ci.point_estimate, ci.ci_low,
                                                               ci.ci_high)
            assert row.seed_key == tuple(metric_seeds[i].spawn_key)
        for i, other in enumerate(["lr", "tree"]):
            row = [r for r in run.rows_of("diff") if r.model == other and r.metric == metric][0]
            ref = paired_bootstrap_diff(y, oof["nb"][0], oof[other][0], metric, n_resamples=120,
                                        seed=diff_seeds[i])
            assert (row.estimate, row.ci_low, row.ci_high, row.p_value) == (
                ref.delta, ref.ci_low, ref.ci_high, ref.p_value)
    # folds are StratifiedKFold(shuffle=True) seeded from the run's seed
    state = int(stages[0].spawn(1)[0].generate_state(1)[0])
    cv = StratifiedKFold(5, shuffle=True, random_state=state)
    np.testing.assert_array_equal(
        oof["nb"][0], cross_val_predict(GaussianNB(), X, y, cv=cv, method="predict_proba")[:, 1])


def test_evaluate_folded_n_jobs_reproducibility(data):
    X, y = data
    kw = dict(metrics=["roc_auc", "ece"], reference="nb", repeats=2, n_resamples=80, seed=9)
    one = evaluate_folded(_estimators(), X, y, n_jobs=1, **kw)
    two = evaluate_folded(_estimators(), X, y, n_jobs=2, **kw)
    assert one == two
    for name in one.oof_predictions:
        np.testing.assert_array_equal(one.oof_predictions[name], two.oof_predictions[name])
    assert len(one.rows_of("fold_metric")) == 3 * 2 * 10


def test_folded_result_round_trips(data):
    X, y = data
    run = evaluate_folded(_estimators(), X, y, metrics=["roc_auc"], reference="nb",
                          n_resamples=50)
    back = RunResult.from_json(run.to_json())
    assert isinstance(back, FoldedRunResult) and back == run
    families = {r.p_family for r in run.rows if r.p_value is not None}
    assert families == {"diff: 2 tests, holm", "corrected_ttest: 2 tests, holm"}


def test_evaluate_folded_dataframe_and_groups(data):
    pd = pytest.importorskip("pandas")
    X, y = data
    groups = np.arange(y.shape[0]) // 4
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    kw = dict(metrics=["roc_auc"], reference="nb", groups=groups, n_resamples=60)
    one = evaluate_folded(_estimators(), frame, y, n_jobs=1, **kw)
    two = evaluate_folded(_estimators(), frame, y, n_jobs=2, **kw)
    assert one == two
    # StratifiedGroupKFold: no group is split between train and test
    oof = one.oof_predictions["nb"][0]
    assert np.all(np.isfinite(oof))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (dict(estimators={}), "The 'estimators' parameter of evaluate_folded must be"),
        (dict(cv=1), "The 'cv' parameter of evaluate_folded must be an int >= 2"),
        (dict(repeats=0), "The 'repeats' parameter of evaluate_folded must be an int >= 1"),
        (dict(cv=StratifiedKFold(3), repeats=2), "The 'repeats' parameter of evaluate_folded"),
        (dict(groups=np.arange(3)), "The 'groups' parameter of evaluate_folded must be"),
        (dict(reference="svm"), "The 'reference' parameter of evaluate_folded must be one of"),
    ],
)
def test_evaluate_folded_errors(data, change, message):
    X, y = data
    kwargs = {"estimators": _estimators(), "X": X, "y": y, **change}
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        evaluate_folded(**kwargs)


def test_evaluate_folded_rejects_non_partition_splitter(data):
    from sklearn.model_selection import ShuffleSplit

    X, y = data
    with pytest.raises(ValueError, match="test folds partition the samples"):
        evaluate_folded(_estimators(), X, y, cv=ShuffleSplit(3, random_state=0))
