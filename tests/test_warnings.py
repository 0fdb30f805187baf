"""Warnings point at the caller's line, whichever path inside the package raised them."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest
from sklearn.exceptions import UndefinedMetricWarning

from eval_toolkit import (
    DegenerateResampleWarning,
    PairedBootstrap,
    SmallSampleWarning,
    bootstrap_ci,
    compare_scores,
    paired_bootstrap_diff,
    paired_bootstrap_op_point_diff,
)
from eval_toolkit._warnings import warn
from eval_toolkit.operating_points import MaxF1, Sensitivity

RNG = np.random.default_rng(np.random.SeedSequence([3, 3]))
Y = np.zeros(40, dtype=int)
Y[:2] = 1  # P(no positive in a resample) = (38/40)^40 ~ 13%: degenerate resamples, warned
A, B = RNG.uniform(size=40), RNG.uniform(size=40)
FAST = dict(n_resamples=300, n_jobs=1)


class _Model:
    def __init__(self, s):
        self.s = s

    def predict_proba(self, X):
        idx = np.asarray(X)[:, 0].astype(int)
        return np.column_stack([1 - self.s[idx], self.s[idx]])


def _call_and_catch(call, category):
    """Run ``call`` and return its first warning of ``category``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    ours = [w for w in caught if w.category is category]
    assert ours, [str(w.message) for w in caught]
    return ours[0]


CALLS = {
    "bootstrap_ci": lambda: bootstrap_ci(Y, A, "roc_auc", method="percentile", **FAST),
    "paired_bootstrap_diff": lambda: paired_bootstrap_diff(Y, A, B, "roc_auc", **FAST),
    "compare_scores": lambda: compare_scores(Y, A, B, metrics=["roc_auc"], method="percentile",
                                             **FAST),
    "PairedBootstrap.fit": lambda: PairedBootstrap(
        _Model(A), _Model(B), method="percentile", **FAST
    ).fit(np.arange(40)[:, None], Y),
    "paired_bootstrap_op_point_diff": lambda: paired_bootstrap_op_point_diff(
        Y, A, B, Y, A, B, MaxF1(), Sensitivity(), **FAST),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_degenerate_resample_warning_points_at_the_caller(name):
    caught = _call_and_catch(CALLS[name], DegenerateResampleWarning)
    # The lambda that called the public function lives in this file.
    assert caught.filename == __file__


@pytest.mark.parametrize("name", [n for n in CALLS if n != "paired_bootstrap_op_point_diff"])
def test_small_sample_warning_points_at_the_caller(name):
    # Two positives: fewer than 10 in a class.
    caught = _call_and_catch(CALLS[name], SmallSampleWarning)
    assert caught.filename == __file__


def test_warning_points_at_the_calling_line():
    line = inspect.currentframe().f_lineno + 3
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        paired_bootstrap_diff(Y, A, B, "roc_auc", **FAST)
    assert len(caught) == 2  # too few positives, and degenerate resamples
    assert all((w.filename, w.lineno) == (__file__, line) for w in caught)


def test_score_undefined_metric_warning_points_at_the_caller():
    X = np.arange(40)[:, None]
    pb = PairedBootstrap(_Model(A), _Model(B), n_resamples=50, stratify=True).fit(X, Y)
    with pytest.warns(UndefinedMetricWarning) as record:
        pb.score(X[Y == 0], Y[Y == 0])
    assert record[0].filename == __file__


def test_warn_outside_the_package_points_at_its_own_caller():
    # Called from outside the package, the frame walk stops at once.
    with pytest.warns(UserWarning) as record:
        warn("from a test", UserWarning)
    assert record[0].filename == __file__
