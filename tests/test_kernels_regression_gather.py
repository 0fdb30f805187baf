"""R^2 on resampled index rows: the shortcut for constant rows never changes a value."""

from __future__ import annotations

import numpy as np
import pytest

from eval_toolkit._kernels_regression import R2OfSamples


def _exact_rule(y, pred, idx):
    """The evaluator before the shortcut: every row checked with min/max."""
    yy = y[idx]
    dev = yy - (yy.sum(axis=1) / idx.shape[1])[:, np.newaxis]
    sst = (dev * dev).sum(axis=1)
    sse = ((y - pred) ** 2)[idx].sum(axis=1)
    sst = np.where(yy.min(axis=1) == yy.max(axis=1), 0.0, sst)
    ratio = np.divide(sse, sst, out=np.zeros_like(sse), where=sst != 0)
    return np.where(sse == 0, 1.0, np.where(sst == 0, 0.0, 1.0 - ratio))


@pytest.mark.parametrize("scale", [1e-120, 1e-8, 1.0, 1e6, 1e150])
@pytest.mark.parametrize("gap", [0.0, 1e-12, 1e-3, 1.0])
def test_r2_rows_equal_the_exact_rule(scale, gap):
    rng = np.random.default_rng(0)
    n = 300
    y = scale * (0.1 + np.round(rng.normal(size=n), 2))
    y[:3] = y[3] + gap * scale  # close but distinct targets (or equal with gap 0)
    pred = y + scale * rng.normal(0, 0.5, n)
    idx = rng.integers(0, n, size=(40, n))
    idx[0] = 3  # a constant row
    idx[1] = np.where(np.arange(n) % 2, 0, 3)  # two targets gap * scale apart
    idx[2] = 4
    pred_exact = pred.copy()
    pred_exact[4] = y[4]  # constant row predicted exactly: R^2 = 1
    for p in (pred, pred_exact):
        got = R2OfSamples(y, p)(idx)
        np.testing.assert_array_equal(got, _exact_rule(y, p, idx))
    assert got[2] == 1.0 and R2OfSamples(y, pred)(idx)[0] == 0.0
