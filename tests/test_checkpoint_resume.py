"""checkpoint= on every resumable entry point: interrupted then resumed == uninterrupted.

The in-process interruption replaces ``_engine.run_block`` by one that raises
after k blocks (as Ctrl-C would between blocks); the resumed run must compute
only the missing blocks and return bit-identical results.  Another
computation's directory is refused (never mixed in) and a damaged block file is
recomputed with a CheckpointWarning.  paired_bootstrap_diff and bootstrap_ci
themselves, the CLI and a real SIGKILL are covered in test_reliability.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from eval_toolkit import (
    Bootstrap,
    CheckpointWarning,
    PairedBootstrap,
    _engine,
    paired_bootstrap_diff,
    paired_bootstrap_ece_diff,
    paired_bootstrap_op_point_diff,
    paired_mde,
)
from eval_toolkit.compare import OperatingPoint
from eval_toolkit.operating_points import AtSpecificity, Sensitivity, bootstrap_op_point_ci

N_RESAMPLES = 640  # 10 blocks of 64
INTERRUPT_AFTER = 4


def _data(seed: int, n: int = 400):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    a = np.clip(0.2 * y + rng.uniform(0, 0.8, n), 0, 1)
    b = np.clip(0.3 * y + rng.uniform(0, 0.7, n), 0, 1)
    return y, a, b


def _models():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(400, 3))
    y = (X[:, 0] + rng.normal(0, 1, 400) > 0).astype(int)
    a = LogisticRegression().fit(X[:, 1:], y)  # weak: misses the informative column
    b = LogisticRegression().fit(X, y)
    return X, y, a, b


class _Cols:
    """Feeds a model its own columns of X, so both models see the same X (picklable)."""

    def __init__(self, model, cols):
        self.model, self.cols, self.classes_ = model, cols, model.classes_

    def predict_proba(self, X):
        return self.model.predict_proba(np.asarray(X)[:, self.cols])


def _op_diff(checkpoint, other=False):
    (vy, va, vb), (ty, ta, tb) = _data(1), _data(2)
    vb = vb[::-1].copy() if other else vb
    return paired_bootstrap_op_point_diff(
        vy, va, vb, ty, ta, tb, AtSpecificity(0.8), Sensitivity(),
        n_resamples=N_RESAMPLES, checkpoint=checkpoint)


def _op_ci(checkpoint, other=False):
    (vy, va, _), (ty, ta, _) = _data(1), _data(2)
    ta = ta[::-1].copy() if other else ta
    return bootstrap_op_point_ci(vy, va, ty, ta, AtSpecificity(0.8), Sensitivity(),
                                 n_resamples=N_RESAMPLES, method="bca", checkpoint=checkpoint)


def _ece(checkpoint, other=False):
    y, a, b = _data(3)
    return paired_bootstrap_ece_diff(y, a, b, estimator="debiased", n_bins=8 if other else 10,
                                     n_resamples=N_RESAMPLES, checkpoint=checkpoint)


def _mde(checkpoint, other=False):
    y, a, b = _data(4)
    return paired_mde(y, a, b, "roc_auc", n_resamples=N_RESAMPLES, seed=7 if other else 42,
                      checkpoint=checkpoint)


def _paired_meta(checkpoint, other=False, metric="roc_auc"):
    X, y, a, b = _models()
    y = np.where(np.arange(y.size) == 0, 1 - y, y) if other else y
    est = PairedBootstrap(_Cols(a, [1, 2]), _Cols(b, [0, 1, 2]), metric=metric,
                          n_resamples=N_RESAMPLES, checkpoint=checkpoint).fit(X, y)
    return est.result_


def _paired_op_point(checkpoint, other=False):
    spec = OperatingPoint(AtSpecificity(0.9 if other else 0.8), Sensitivity())
    return _paired_meta(checkpoint, metric=spec)


def _single_meta(checkpoint, other=False):
    X, y, _, b = _models()
    est = Bootstrap(_Cols(b, [0, 1, 2]), metric="average_precision" if other else "roc_auc",
                    n_resamples=N_RESAMPLES, checkpoint=checkpoint).fit(X, y)
    return est.result_


CALLS = {
    "paired_bootstrap_op_point_diff": (_op_diff, "val_score_b"),
    "bootstrap_op_point_ci": (_op_ci, "test_score"),
    "paired_bootstrap_ece_diff": (_ece, "options"),
    "paired_mde": (_mde, "seed"),
    "PairedBootstrap": (_paired_meta, r"\by\b"),
    "PairedBootstrap(OperatingPoint)": (_paired_op_point, "metric"),
    "Bootstrap": (_single_meta, "metric"),
}


def _interrupting(run_block, after: int):
    calls = {"n": 0}

    def wrapped(statistic, block):
        if calls["n"] == after:
            raise KeyboardInterrupt  # as Ctrl-C between two blocks
        calls["n"] += 1
        return run_block(statistic, block)

    return wrapped, calls


def _same(got, expected) -> None:
    assert got == expected
    for name in ("distribution",):
        if hasattr(expected, name):
            np.testing.assert_array_equal(getattr(got, name), getattr(expected, name))


@pytest.mark.parametrize("name", list(CALLS))
def test_interrupted_then_resumed_equals_uninterrupted(name, tmp_path, monkeypatch):
    call, _ = CALLS[name]
    expected = call(None)
    wrapped, _ = _interrupting(_engine.run_block, after=INTERRUPT_AFTER)
    monkeypatch.setattr(_engine, "run_block", wrapped)
    with pytest.raises(KeyboardInterrupt):
        call(tmp_path)
    assert len(list(tmp_path.glob("block_*.npy"))) == INTERRUPT_AFTER  # saved as they finished
    monkeypatch.undo()
    counting, calls = _interrupting(_engine.run_block, after=-1)  # never interrupts
    monkeypatch.setattr(_engine, "run_block", counting)
    resumed = call(tmp_path)
    assert calls["n"] == N_RESAMPLES // 64 - INTERRUPT_AFTER  # only the missing blocks
    _same(resumed, expected)


@pytest.mark.parametrize("name", list(CALLS))
def test_checkpoint_of_another_computation_is_refused(name, tmp_path):
    call, named = CALLS[name]
    call(tmp_path)
    before = sorted(p.read_bytes() for p in tmp_path.iterdir())
    func = name.split("(")[0]
    with pytest.raises(ValueError, match=rf"'checkpoint' parameter of {func} .*whose .*{named}"):
        call(tmp_path, other=True)
    assert sorted(p.read_bytes() for p in tmp_path.iterdir()) == before  # untouched


@pytest.mark.parametrize("name", list(CALLS))
def test_corrupt_block_is_recomputed_with_a_warning(name, tmp_path):
    call, _ = CALLS[name]
    expected = call(tmp_path)
    block = tmp_path / "block_0000003.npy"
    data = bytearray(block.read_bytes())
    data[-5] ^= 0x55
    block.write_bytes(bytes(data))
    with pytest.warns(CheckpointWarning, match="block_0000003.npy is corrupt or truncated"):
        again = call(tmp_path)
    _same(again, expected)


def test_paired_mde_resumes_from_paired_bootstrap_diff(tmp_path, monkeypatch):
    y, a, b = _data(4)
    paired_bootstrap_diff(y, a, b, "roc_auc", n_resamples=N_RESAMPLES, checkpoint=tmp_path)
    counting, calls = _interrupting(_engine.run_block, after=-1)
    monkeypatch.setattr(_engine, "run_block", counting)
    resumed = paired_mde(y, a, b, "roc_auc", n_resamples=N_RESAMPLES, checkpoint=tmp_path)
    assert calls["n"] == 0  # every block read back
    monkeypatch.undo()
    assert resumed == paired_mde(y, a, b, "roc_auc", n_resamples=N_RESAMPLES)


def test_meta_objects_keep_checkpoint_as_a_parameter(tmp_path):
    from sklearn.base import clone

    X, y, a, b = _models()
    for est in (PairedBootstrap(a, b, checkpoint=tmp_path), Bootstrap(b, checkpoint=tmp_path)):
        assert est.get_params()["checkpoint"] == tmp_path
        assert clone(est).checkpoint == tmp_path
        assert est.set_params(checkpoint=None).checkpoint is None
