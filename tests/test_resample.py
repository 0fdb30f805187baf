"""The engine's fast resampling against a kept, plainly written reference.

The reference below is the bootstrap as documented (doc/parallelism.rst):
block b draws from child b of ``SeedSequence(seed)``; a block is drawn in
chunks of ``clip(2**20 // width, 1, 64)`` rows; in a chunk each stratum, in
order, draws ``integers(0, n_s, (rows, n_s))`` positions (or a multinomial
over its occupied cells when they are few); a resample's count of a cell is
the number of drawn positions that hold it, added up one by one.  The fast
path (per-arm gathers, packed lookups, cache-sized slices, int32 tables, and
the compiled counter of the ``fast`` extra) must give exactly these counts,
hence bit-identical metric values, for every problem shape.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn import metrics

from eval_toolkit import _engine, _fast_path, _resample, bootstrap_ci, paired_bootstrap_diff
from eval_toolkit._engine import KernelOptions, kernel_statistic
from eval_toolkit.metrics import get_metric

REFERENCE_CHUNK_ENTRIES = 2**20


def _reference_chunks(rows: int, width: int) -> list[int]:
    step = int(np.clip(REFERENCE_CHUNK_ENTRIES // width, 1, 64))
    return [min(step, rows - start) for start in range(0, rows, step)]


def _reference_joint_counts(table, seed: int, n_resamples: int) -> np.ndarray:
    """Joint-cell counts of every resample, drawn and counted the slow, obvious way."""
    by_index = any(not s.uses_multinomial for s in table.strata)
    width = table.n_samples if by_index else table.n_cells
    sizes = [64] * (n_resamples // 64) + ([n_resamples % 64] if n_resamples % 64 else [])
    out = []
    for child, rows in zip(np.random.SeedSequence(seed).spawn(len(sizes)), sizes):
        rng = np.random.default_rng(child)
        for chunk in _reference_chunks(rows, width):
            counts = np.zeros((chunk, table.n_cells), dtype=np.int64)
            for stratum in table.strata:
                n_s = stratum.samples.shape[0]
                if stratum.uses_multinomial:
                    p = stratum.mult[stratum.occupied] / n_s
                    counts[:, stratum.occupied] += rng.multinomial(n_s, p, size=chunk)
                    continue
                drawn = rng.integers(0, n_s, size=(chunk, n_s))
                for r in range(chunk):
                    np.add.at(counts[r], stratum.cells[drawn[r]], 1)
            out.append(counts)
    return np.concatenate(out)


def _reference_arm_counts(joint: np.ndarray, mapping: np.ndarray, width: int) -> np.ndarray:
    arm = np.zeros((joint.shape[0], width), dtype=np.int64)
    for j, target in enumerate(mapping):
        arm[:, target] += joint[:, j]
    return arm


def _engine_arm_counts(statistic, seed: int, n_resamples: int) -> list[np.ndarray]:
    """Arm counts the engine's sampler produces, in block and chunk order."""
    sampler = statistic.tables[0]
    sizes = _resample.block_sizes(n_resamples)
    parts = []
    for child, rows in zip(np.random.SeedSequence(seed).spawn(len(sizes)), sizes):
        rng = np.random.default_rng(child)
        step = sampler.chunk_rows()
        for start in range(0, rows, step):
            drawn = sampler.draw_counts(rng, min(step, rows - start))
            if statistic.sampler is None:
                drawn = [arm.fold.counts(drawn) for arm in statistic.arms]
            parts.append(drawn)
    return [np.concatenate([p[i] for p in parts]) for i in range(len(statistic.arms))]


def _problem(n: int, decimals: int | None, seed: int = 0, positives: float = 0.4):
    rng = np.random.default_rng(seed)
    y = rng.random(n) < positives
    latent = 1.2 * y + rng.standard_normal(n)
    a = 1 / (1 + np.exp(0.5 - latent - 0.8 * rng.standard_normal(n)))
    b = 1 / (1 + np.exp(0.5 - 1.1 * latent - 0.6 * rng.standard_normal(n)))
    if decimals is not None:
        a, b = np.round(a, decimals), np.round(b, decimals)
    return y, a, b


SHAPES = [
    # (n, decimals, metric, stratify): distinct scores, heavy ties, threshold
    # metrics (multinomial strata), stratified, one row per chunk.
    (50, None, "roc_auc", False),
    (300, 1, "average_precision", True),
    (2000, 3, "roc_auc", False),
    (2000, 2, "ece", True),
    (5000, None, "accuracy", False),
    (600, None, "f1", True),
    (40000, 3, "brier", True),
]


def use_counter(counter: str, monkeypatch) -> None:
    """Force the numpy counting path, or the compiled one on every chunk."""
    if counter == "numpy":
        monkeypatch.setenv(_fast_path.ENV, "0")
    else:
        pytest.importorskip("numba")
        monkeypatch.delenv(_fast_path.ENV, raising=False)
        monkeypatch.setattr(_fast_path, "LOAD_FROM", 0)
        monkeypatch.setattr(_fast_path, "USE_FROM", 0)
        monkeypatch.setattr(_fast_path, "_tried", False)


@pytest.mark.parametrize("counter", ["numpy", "compiled"])
@pytest.mark.parametrize("n_arms", [1, 2])
@pytest.mark.parametrize("piece", ["rows", "columns"])
@pytest.mark.parametrize(("n", "decimals", "metric", "stratify"), SHAPES)
def test_arm_counts_equal_the_reference(
    n, decimals, metric, stratify, piece, n_arms, counter, monkeypatch
):
    use_counter(counter, monkeypatch)
    y, a, b = _problem(n, decimals)
    # Small cache pieces (several rows, or a row cut in three) and int32
    # tables from 1,000 samples on, so that every code path runs on these
    # small problems.
    cache = 3 * n // 2 + 1 if piece == "rows" else n // 3 + 1
    monkeypatch.setattr(_resample, "CACHE_ENTRIES", cache)
    monkeypatch.setattr(_resample, "_INT32_LOOKUP_FROM", 1000)
    stat = kernel_statistic(
        metric, y, (a, b)[:n_arms], KernelOptions(), stratify=stratify, with_se=False,
        thresholded=get_metric(metric).thresholded,
    )
    n_resamples = 70
    joint = _reference_joint_counts(stat.table, 11, n_resamples)
    got = _engine_arm_counts(stat, 11, n_resamples)
    for arm, counts in zip(stat.arms, got):
        expected = _reference_arm_counts(joint, arm.fold.mapping, arm.fold.y.shape[0])
        np.testing.assert_array_equal(counts, expected)


@pytest.mark.parametrize(("n", "decimals", "metric", "stratify"), SHAPES)
def test_distribution_is_the_kernel_on_reference_counts(n, decimals, metric, stratify):
    y, a, b = _problem(n, decimals, seed=1)
    n_resamples = 130
    result = paired_bootstrap_diff(
        y, a, b, metric, n_resamples=n_resamples, seed=5, stratify=stratify
    )
    stat = kernel_statistic(metric, y, (a, b), KernelOptions(), stratify=stratify, with_se=False,
                            thresholded=get_metric(metric).thresholded)
    joint = _reference_joint_counts(stat.table, 5, n_resamples)
    values = [
        arm.kernel(_reference_arm_counts(joint, arm.fold.mapping, arm.fold.y.shape[0]))
        for arm in stat.arms
    ]
    expected = values[1] - values[0]
    np.testing.assert_array_equal(result.distribution, expected[np.isfinite(expected)])


@pytest.mark.parametrize("metric", ["roc_auc", "average_precision", "ece", "brier"])
@pytest.mark.parametrize("stratify", [False, True])
def test_compiled_and_numpy_counters_give_identical_results(metric, stratify, monkeypatch):
    # End to end at the default threshold (n = 6,000: chunks of 64 x 6,000
    # positions are above it; so are the kernels' count matrices with
    # continuous scores), paired and single, BCa so that the jackknife path
    # runs too.
    pytest.importorskip("numba")
    y, a, b = _problem(6000, 3 if metric == "brier" else None, seed=4)
    assert 64 * 6000 >= _fast_path.LOAD_FROM
    results = {}
    for counter in ("numpy", "compiled"):
        monkeypatch.setenv(_fast_path.ENV, "0" if counter == "numpy" else "1")
        paired = paired_bootstrap_diff(y, a, b, metric, n_resamples=200, seed=3,
                                       stratify=stratify, method="bca")
        single = bootstrap_ci(y, a, metric, n_resamples=200, seed=3, stratify=stratify)
        results[counter] = (paired.distribution, paired.ci_low, paired.ci_high,
                            single.distribution, single.ci_low, single.ci_high)
    for numpy_value, compiled_value in zip(results["numpy"], results["compiled"]):
        np.testing.assert_array_equal(numpy_value, compiled_value)


def test_joint_and_per_arm_routes_agree():
    # The route is chosen from the data's shape; forcing the other one must
    # not change a single value.
    y, a, b = _problem(3000, 3, seed=2)
    stat = kernel_statistic("roc_auc", y, (a, b), KernelOptions(), stratify=True, with_se=False)
    assert stat.sampler is not None
    joint_route = _engine.KernelStatistic(stat.table, stat.arms, metric_range=stat.metric_range)
    per_arm = _engine.bootstrap_distribution(stat, 200, 3, n_jobs=1, description="test")
    folded = _engine.bootstrap_distribution(joint_route, 200, 3, n_jobs=1, description="test")
    np.testing.assert_array_equal(per_arm, folded)


def test_reference_counts_are_index_resampling():
    # The reference itself: counts of the cells of the drawn rows, so that a
    # metric on them equals scikit-learn on the resampled rows.
    y, a, _ = _problem(500, 2, seed=3)
    stat = kernel_statistic("roc_auc", y, (a,), KernelOptions(), stratify=False, with_se=False)
    joint = _reference_joint_counts(stat.table, 9, 5)
    arm = stat.arms[0]
    values = arm.kernel(_reference_arm_counts(joint, arm.fold.mapping, arm.fold.y.shape[0]))
    rng = np.random.default_rng(np.random.SeedSequence(9).spawn(1)[0])
    for value, rows in zip(values, rng.integers(0, 500, size=(5, 500))):
        assert value == pytest.approx(metrics.roc_auc_score(y[rows], a[rows]), abs=1e-12)


@pytest.mark.parametrize(("n_resamples", "expected_jobs"), [(1000, 1), (9000, 2)])
def test_small_jobs_run_in_process(n_resamples, expected_jobs, monkeypatch):
    # 1,000 samples: 1e6 drawn entries stay in process, 9e6 go to workers;
    # where the blocks run never changes the distribution.
    monkeypatch.setattr(_engine, "IN_PROCESS_ENTRIES", 2**23)
    calls = []

    def recording_map(fn, items, *, n_jobs, **kwargs):
        calls.append(n_jobs)
        return original(fn, items, n_jobs=1, **kwargs)

    original = _engine.parallel_map
    monkeypatch.setattr(_engine, "parallel_map", recording_map)
    y, a, b = _problem(1000, 3, seed=4)
    sequential = paired_bootstrap_diff(y, a, b, "roc_auc", n_resamples=n_resamples, n_jobs=1)
    asked = paired_bootstrap_diff(y, a, b, "roc_auc", n_resamples=n_resamples, n_jobs=2)
    assert calls == [1, expected_jobs]
    np.testing.assert_array_equal(asked.distribution, sequential.distribution)


def test_custom_metrics_always_honour_n_jobs(monkeypatch):
    monkeypatch.setattr(_engine, "IN_PROCESS_ENTRIES", 2**23)
    y, a, b = _problem(200, 2, seed=5)
    stat = _engine.generic_statistic(metrics.roc_auc_score, y, (a, b), stratify=False)
    assert not _engine.runs_in_process(stat, 10)


@pytest.mark.parametrize("decimals, arms", [(3, 2), (1, 1), (None, 2)])
def test_workers_are_sent_the_arm_draws_not_the_joint_table(decimals, arms):
    # run_block runs on statistic.for_blocks(): per-stratum lookup tables
    # (or multinomial cell probabilities) and the arms' kernels, without the
    # joint-cell table and folds the caller keeps for the jackknife.  It must
    # compute the blocks of the joint route, value for value.
    y, a, b = _problem(40_000, decimals, seed=4)
    scores = (a, b)[:arms]
    stat = kernel_statistic("roc_auc", y, scores, KernelOptions(), stratify=True, with_se=False)
    assert stat.sampler is not None
    shipped = stat.for_blocks()
    assert isinstance(shipped, _engine.ArmBlocks)
    assert len(pickle.dumps(shipped)) < 0.5 * len(pickle.dumps(stat))
    joint_route = _engine.KernelStatistic(stat.table, stat.arms, metric_range=stat.metric_range)
    assert joint_route.for_blocks() is joint_route
    for seed, rows in ((7, 64), (8, 13)):
        block = (np.random.SeedSequence(seed), rows)
        np.testing.assert_array_equal(
            _engine.run_block(shipped, block), _engine.run_block(joint_route, block)
        )


def test_a_shared_draw_sends_its_sampler_once():
    from eval_toolkit._shared_draw import _Joint

    y, a, b = _problem(20_000, 3, seed=5)
    members = tuple(
        kernel_statistic(name, y, (a, b), KernelOptions(), stratify=True, with_se=False)
        for name in ("roc_auc", "average_precision")
    )
    shipped = _Joint(members).for_blocks()
    assert shipped.members[0].draws is shipped.members[1].draws
    alone = [len(pickle.dumps(m.for_blocks())) for m in members]
    assert len(pickle.dumps(shipped)) < 0.75 * sum(alone)
    block = (np.random.SeedSequence(3), 64)
    np.testing.assert_array_equal(
        _engine.run_block(shipped, block),
        np.column_stack([_engine.run_block(m, block) for m in members]),
    )


@pytest.mark.parametrize("n_columns, levels", [(3, 7), (5, 40_000), (9, 3_000)])
@pytest.mark.parametrize("n_threads", [1, 2])
def test_build_cells_ranks_are_each_columns_dense_ranks(n_columns, levels, n_threads):
    # Radices of 40,000 and 3,000 overflow the int64 row code within a few
    # columns, so the code is re-densified on the way; the ranks must still
    # be read back for every column.
    rng = np.random.default_rng(n_columns)
    n = 70_000  # above THREADED_RANKS_FROM: n_threads=2 ranks in threads
    y = (rng.random(n) < 0.3).astype(np.float64)
    columns = [y] + [rng.integers(0, levels, n) / levels for _ in range(n_columns - 1)]
    table, values, ranks = _resample.build_cells(columns, None, n_threads=n_threads)
    expected = np.unique(np.column_stack(columns), axis=0)
    np.testing.assert_array_equal(values, expected)
    for j in range(n_columns):
        np.testing.assert_array_equal(ranks[:, j], np.unique(values[:, j], return_inverse=True)[1])
    assert table.n_samples == n
    single = _resample.build_cells(columns, None, n_threads=1)
    np.testing.assert_array_equal(single[1], values)
    np.testing.assert_array_equal(single[2], ranks)
    assert all(
        np.array_equal(s.cells, t.cells) for s, t in zip(single[0].strata, table.strata)
    )


@pytest.mark.parametrize("levels", [5, 30_000, 200_000])
def test_joint_order_sorts_as_the_float_lexsort(levels):
    # Fold.build sorts arm cells by integer ranks (a radix sort below 2**16
    # values) where it used to lexsort the float (label, score) pairs.
    rng = np.random.default_rng(levels)
    n = 50_000
    y = rng.integers(0, 3, n).astype(np.float64)
    a = np.round(rng.random(n) * levels) / levels
    a[rng.random(n) < 0.01] = -0.0  # -0.0 and 0.0 are the same score
    b = rng.random(n)
    _, values, ranks = _resample.build_cells([y, a, b], None)
    for column in (1, 2):
        order = _resample.joint_order(ranks, column)
        np.testing.assert_array_equal(
            _resample.stable_order(order), np.lexsort((values[:, column], values[:, 0]))
        )


@pytest.mark.parametrize("kind", ["ties", "distinct", "signed_zeros", "tiny", "binary", "one"])
def test_rank_is_numpys_unique_inverse(kind):
    rng = np.random.default_rng(11)
    column = {
        "ties": np.round(rng.random(5000), 2),
        "distinct": rng.standard_normal(5000),
        "signed_zeros": np.where(rng.random(5000) < 0.5, -0.0, 0.0) + (rng.random(5000) < 0.1),
        "tiny": rng.choice([5e-324, 1e-310, -5e-324, 0.0, 1e300], 5000),
        "binary": (rng.random(5000) < 0.3).astype(np.float64),
        "one": np.array([0.25]),
    }[kind]
    levels, inverse = np.unique(column, return_inverse=True)
    radix, code = _resample._rank(column)
    assert radix == (2 if kind == "binary" else levels.shape[0])
    np.testing.assert_array_equal(code, inverse)
