"""The engine's one pipeline and the statistic protocol it relies on."""

from __future__ import annotations

import numpy as np
import pytest

from eval_toolkit import _engine
from eval_toolkit._resample import build_cells
from eval_toolkit._validation import Resampling, check_resampling
from eval_toolkit.operating_points import MaxF1, Sensitivity, op_point_statistic


@pytest.fixture
def data():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 300).astype(bool)
    a = np.round(np.clip(0.3 * y + rng.uniform(0, 0.7, 300), 0, 1), 2)
    b = np.round(np.clip(0.4 * y + rng.uniform(0, 0.6, 300), 0, 1), 2)
    return y, a, b


def _statistics(y, a, b):
    opts = _engine.KernelOptions()
    return {
        "kernel": _engine.kernel_statistic("roc_auc", y, (a, b), opts, stratify=False,
                                           with_se=True),
        "generic": _engine.generic_statistic(lambda t, s: float(np.mean(s[t])), y, (a, b),
                                             stratify=False),
        "op_point": op_point_statistic(y[:150], (a[:150], b[:150]), y[150:],
                                        (a[150:], b[150:]), MaxF1(), Sensitivity(), False),
    }


def test_every_statistic_satisfies_the_protocol(data):
    stats = _statistics(*data)
    assert all(isinstance(s, _engine.Statistic) for s in stats.values())
    # Only the kernel statistic has a closed-form standard error.
    assert isinstance(stats["kernel"], _engine.StudentizedStatistic)
    assert not isinstance(stats["generic"], _engine.StudentizedStatistic)
    assert not isinstance(stats["op_point"], _engine.StudentizedStatistic)


@pytest.mark.parametrize("name", ["kernel", "generic", "op_point"])
def test_run_equals_the_pipeline_written_out(data, name):
    """Percentile interval of B - A over the kept resamples, computed by hand."""
    statistic = _statistics(*data)[name]
    resampling = Resampling(200, 0.9, "percentile", 11, 1)
    out = _engine.run(statistic, resampling, func="f", label="m", description="d",
                      check_point=lambda point: None)
    values = _engine.bootstrap_distribution(statistic, 200, 11, n_jobs=1, description="d")
    values = values[np.all(np.isfinite(values), axis=1)]
    delta = values[:, 1] - values[:, 0]
    np.testing.assert_array_equal(out.distribution, delta)
    assert out.n_degenerate == 200 - delta.shape[0]
    assert out.point == statistic.point()
    alpha = (1 - 0.9) / 2
    low, high = np.percentile(delta, 100 * np.array([alpha, 1 - alpha]))
    assert (out.interval.low, out.interval.high) == (low, high)


def test_run_checks_the_point_before_resampling():
    y = np.ones(10, dtype=bool)
    score = np.linspace(0, 1, 10)
    statistic = _engine.kernel_statistic("roc_auc", y, (score,), _engine.KernelOptions(),
                                         stratify=False, with_se=False)
    seen = []

    def check_point(point):
        seen.append(point)
        raise ValueError("undefined here")

    with pytest.raises(ValueError, match="undefined here"):
        _engine.run(statistic, Resampling(10, 0.9, "percentile", 0, 1), func="f",
                    label="m", description="d", check_point=check_point)
    assert len(seen) == 1 and np.isnan(seen[0])


def test_check_resampling_rejects_a_truthy_string_for_progress():
    with pytest.raises(ValueError, match="'progress' parameter of f must be a bool"):
        check_resampling("f", methods=("bca",), n_resamples=10, confidence=0.9, method="bca", seed=0,
                              n_jobs=1, progress="no")


def test_table_cells_are_shared_by_the_arms(data):
    y, a, b = data
    table, _, _ = build_cells([y, a, b], None)
    stat = _statistics(y, a, b)["kernel"]
    assert stat.tables[0].n_cells == table.n_cells
