"""The compiled kernels of the ``fast`` extra against the numpy code they replace.

Every kernel must give the numpy path's values bit for bit (counts are
integers; running sums add in the same order), so these tests compare with
``assert_array_equal``, never a tolerance.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from eval_toolkit import _fast_path, _kernel_utils, _resample

pytest.importorskip("numba")
from eval_toolkit import _compiled  # noqa: E402  (needs numba)

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False, allow_subnormal=True)
shapes = hnp.array_shapes(min_dims=2, max_dims=2, min_side=0, max_side=40)


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, shapes, elements=finite))
def test_cumsum_rows_equals_numpy_float(x):
    out = np.full(x.shape, np.nan)
    _compiled.cumsum_rows(x, out)
    np.testing.assert_array_equal(out, np.cumsum(x, axis=1))


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, shapes, elements=finite))
def test_cumsum_rows_of_reversed_views_gives_suffix_sums_float(x):
    out = np.full(x.shape, np.nan)
    _compiled.cumsum_rows(x[:, ::-1], out[:, ::-1])
    np.testing.assert_array_equal(out, np.cumsum(x[:, ::-1], axis=1)[:, ::-1])


@settings(max_examples=30, deadline=None)
@given(hnp.arrays(np.int64, shapes, elements=st.integers(0, 10**6)))
def test_running_sums_equal_numpy_int(x):
    out = np.empty_like(x)
    _compiled.cumsum_rows(x, out)
    np.testing.assert_array_equal(out, np.cumsum(x, axis=1))
    _compiled.cumsum_rows(x[:, ::-1], out[:, ::-1])
    np.testing.assert_array_equal(out, np.cumsum(x[:, ::-1], axis=1)[:, ::-1])


def test_running_sums_into_views_of_padded_arrays():
    # The kernel writes into out[:, 1:] (prefix sums) or, reversed, into
    # out[:, -2::-1] (suffix sums) of a zero-padded array.
    x = np.random.default_rng(0).random((5, 7)) * 3.3
    out = np.zeros((5, 8))
    _compiled.cumsum_rows(x, out[:, 1:])
    np.testing.assert_array_equal(out[:, 0], 0.0)
    np.testing.assert_array_equal(out[:, 1:], np.cumsum(x, axis=1))
    out = np.zeros((5, 8))
    _compiled.cumsum_rows(x[:, ::-1], out[:, -2::-1])
    np.testing.assert_array_equal(out[:, -1], 0.0)
    np.testing.assert_array_equal(out[:, :-1], np.cumsum(x[:, ::-1], axis=1)[:, ::-1])


def test_negative_zero_kept_as_numpy_does():
    x = np.array([[-0.0, -0.0], [-0.0, 1.0]])
    out = np.empty_like(x)
    _compiled.cumsum_rows(x, out)
    np.testing.assert_array_equal(np.signbit(out), np.signbit(np.cumsum(x, axis=1)))


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
@pytest.mark.parametrize("m", [1, 4095, 4096, 4097, 10_000])
def test_count_one_is_bincount(dtype, m):
    rng = np.random.default_rng(m)
    lookup = rng.integers(0, 50, 300).astype(dtype)
    drawn = rng.integers(0, 300, (3, m))
    out = np.zeros((3, 50), dtype=np.int64)
    _compiled.count_one(drawn, lookup, out)
    for row, positions in zip(out, drawn):
        np.testing.assert_array_equal(row, np.bincount(lookup[positions], minlength=50))


@pytest.mark.parametrize(("dtype", "shift"), [(np.int32, 7), (np.int64, 32)])
def test_count_packed_counts_both_arms(dtype, shift):
    rng = np.random.default_rng(shift)
    cells0, cells1 = rng.integers(0, 100, 500), rng.integers(0, 60, 500)
    packed = (cells0 | (cells1 << shift)).astype(dtype)
    drawn = rng.integers(0, 500, (4, 9000))
    out0, out1 = np.zeros((4, 100), dtype=np.int64), np.zeros((4, 60), dtype=np.int64)
    _compiled.count_packed(drawn, packed, shift, out0, out1)
    for r, positions in enumerate(drawn):
        np.testing.assert_array_equal(out0[r], np.bincount(cells0[positions], minlength=100))
        np.testing.assert_array_equal(out1[r], np.bincount(cells1[positions], minlength=60))


def test_kernel_helpers_pick_either_path_with_the_same_values(monkeypatch):
    x = np.random.default_rng(1).random((64, 2000)) * np.linspace(0, 5, 2000)
    monkeypatch.setattr(_fast_path, "_loaded", _compiled)
    monkeypatch.setattr(_fast_path, "_tried", True)
    calls, kernel = [], _compiled.cumsum_rows
    monkeypatch.setattr(_compiled, "cumsum_rows", lambda *a: calls.append(1) or kernel(*a))
    values = {}
    for flag in ("0", "1"):
        monkeypatch.setenv(_fast_path.ENV, flag)
        values[flag] = (_kernel_utils.padded_cumsum(x), _kernel_utils.padded_suffix_sums(x))
    assert calls == [1, 1]  # only the compiled run (prefix and suffix sums) used the kernel
    for numpy_value, compiled_value in zip(values["0"], values["1"]):
        np.testing.assert_array_equal(numpy_value, compiled_value)


def test_compiled_kernels_are_loaded_by_a_large_array_then_used_from_a_smaller_size(
    monkeypatch,
):
    monkeypatch.delenv(_fast_path.ENV, raising=False)
    monkeypatch.setattr(_fast_path, "_loaded", None)
    monkeypatch.setattr(_fast_path, "_tried", False)
    assert _fast_path.compiled(_fast_path.USE_FROM) is None  # not loaded yet
    assert _fast_path.compiled(_fast_path.LOAD_FROM) is _compiled
    assert _fast_path.compiled(_fast_path.USE_FROM) is _compiled
    assert _fast_path.compiled(_fast_path.USE_FROM - 1) is None
    monkeypatch.setenv(_fast_path.ENV, "0")
    assert _fast_path.compiled(_fast_path.LOAD_FROM) is None


def test_numpy_path_without_numba(monkeypatch):
    # Without the extra (numba not importable) every caller keeps numpy, and
    # the import is tried once.
    attempts = []
    monkeypatch.setattr(_fast_path, "_import_compiled", lambda: attempts.append(1))
    monkeypatch.setattr(_fast_path, "_loaded", None)
    monkeypatch.setattr(_fast_path, "_tried", False)
    monkeypatch.delenv(_fast_path.ENV, raising=False)
    assert _fast_path.compiled(10**6) is None
    assert _fast_path.compiled(10**6) is None
    assert attempts == [1]
    counts = _resample.count_cells(np.array([[0, 2, 2, 1]]), np.array([1, 0, 1]), 3)
    np.testing.assert_array_equal(counts, [[1, 3, 0]])
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(_kernel_utils.padded_cumsum(x)[:, 1:], np.cumsum(x, axis=1))


@pytest.mark.parametrize("n_s", [1, 2, 1000, 10**6, 2**31 - 1])
def test_int32_positions_are_the_int64_draws(n_s):
    # The compiled path draws positions as int32: the same values as the
    # int64 draws the reference sampler makes, for every range below 2**31.
    seed = np.random.SeedSequence(n_s)
    wide = np.random.default_rng(seed).integers(0, n_s, size=(3, 5000))
    narrow = np.random.default_rng(seed).integers(0, n_s, size=(3, 5000), dtype=np.int32)
    np.testing.assert_array_equal(wide, narrow)


@pytest.mark.parametrize(("rows", "n_s", "cache"), [
    (64, 1000, 5000),  # pieces of 5 whole rows
    (7, 1000, 1000),  # one row per piece
    (3, 2500, 1000),  # rows cut in three column ranges, the last shorter
    (1, 10**6, 2**17),  # one resample of 1e6 positions in 8 pieces
])
def test_drawn_pieces_are_the_chunk_in_stream_order(rows, n_s, cache, monkeypatch):
    # Drawing piece by piece must give the chunk the reference draws at once.
    monkeypatch.setattr(_resample, "CACHE_ENTRIES", cache)
    whole = _resample.draw_positions(np.random.default_rng(5), rows, n_s)
    rebuilt = np.full((rows, n_s), -1, dtype=np.int64)
    cursor = {r: 0 for r in range(rows)}
    for row_slice, positions in _resample.drawn_pieces(np.random.default_rng(5), rows, n_s):
        assert positions.dtype == np.int32 and positions.size <= cache
        for offset, row in enumerate(range(rows)[row_slice]):
            start = cursor[row]
            rebuilt[row, start : start + positions.shape[1]] = positions[offset]
            cursor[row] += positions.shape[1]
    np.testing.assert_array_equal(rebuilt, whole)


@pytest.mark.parametrize("stratify", [False, True])
def test_joint_cell_counts_same_on_both_paths(stratify, monkeypatch):
    # CellTable.draw_counts (the joint-cell route and single tables) through
    # the compiled path equals the numpy path, stratum after stratum.
    rng = np.random.default_rng(0)
    y, a = rng.random(5000) < 0.4, rng.random(5000)
    table, _, _ = _resample.build_cells([y, a], y if stratify else None)
    assert not any(s.uses_multinomial for s in table.strata)
    monkeypatch.setattr(_fast_path, "_loaded", _compiled)
    monkeypatch.setattr(_fast_path, "_tried", True)
    monkeypatch.setenv(_fast_path.ENV, "0")
    numpy_counts = table.draw_counts(np.random.default_rng(3), 40)
    monkeypatch.setenv(_fast_path.ENV, "1")
    compiled_counts = table.draw_counts(np.random.default_rng(3), 40)
    np.testing.assert_array_equal(numpy_counts, compiled_counts)
