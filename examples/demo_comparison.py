"""Is logistic regression better than naive Bayes?  The demo, through the Python API.

``eval-toolkit demo`` runs the same job from the command line.  Two models are
trained on the breast-cancer data that ships with scikit-learn, then compared
on a held-out test split with paired bootstrap confidence intervals; the
report (HTML with plots, plus JSON) goes to ``./eval_toolkit_report/``.

Run it with ``python examples/demo_comparison.py``.
"""

from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from eval_toolkit import mde_from_ci, paired_bootstrap_op_point_diff
from eval_toolkit.operating_points import AtSpecificity, Sensitivity
from eval_toolkit.report import compare_scores, write_report


def main() -> None:
    X, target = load_breast_cancer(return_X_y=True)
    y = (target == 0).astype(int)  # malignant is the positive class
    # train / validation / test = 50 / 20 / 30 %: the validation split is only
    # used to choose the operating threshold, as it would be in deployment.
    X_train, X_rest, y_train, y_rest = train_test_split(
        X, y, test_size=0.5, stratify=y, random_state=0
    )
    X_val, X_test, y_val, y_test = train_test_split(
        X_rest, y_rest, test_size=0.6, stratify=y_rest, random_state=0
    )
    model_a = GaussianNB().fit(X_train, y_train)
    model_b = make_pipeline(StandardScaler(), LogisticRegression()).fit(X_train, y_train)
    a, b = (m.predict_proba(X_test)[:, 1] for m in (model_a, model_b))

    # Every row is paired_bootstrap_diff(y_test, a, b, metric, seed=42, ...).
    report = compare_scores(
        y_test,
        a,
        b,
        name_a="naive Bayes",
        name_b="logistic regression",
        n_resamples=2000,
        n_jobs=-1,
    )
    print(report.to_text())

    # Sensitivity at 95% specificity: each model's threshold is chosen on the
    # validation split and refit in every resample, then applied to the test split.
    a_val, b_val = (m.predict_proba(X_val)[:, 1] for m in (model_a, model_b))
    op_point = paired_bootstrap_op_point_diff(
        y_val,
        a_val,
        b_val,
        y_test,
        a,
        b,
        AtSpecificity(0.95),
        Sensitivity(),
        n_resamples=2000,
        n_jobs=-1,
    )
    print()
    print(op_point)
    print(mde_from_ci(op_point))

    html_file = write_report(report, "eval_toolkit_report")
    print(f"\nReport: {html_file}")


if __name__ == "__main__":  # loky workers may import this file; do not rerun the job there
    main()
