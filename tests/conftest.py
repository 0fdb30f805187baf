"""Shared fixtures for the eval_toolkit test suite."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import settings

# A CI verdict must not depend on the draw: property tests run a fixed,
# derandomised set of examples by default.  HYPOTHESIS_PROFILE=explore draws
# fresh examples (and more of them) to hunt for new counterexamples locally.
settings.register_profile("ci", derandomize=True, database=None)
settings.register_profile("explore", max_examples=500, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

#: The documented, stable JSON row schema of reports and ``eval-toolkit compare``
#: (doc/command_line.rst); CLI and report tests both pin it.
ROW_KEYS = [
    "metric",
    "label",
    "slice",
    "n_samples",
    "value_a",
    "value_b",
    "delta",
    "ci_low",
    "ci_high",
    "confidence",
    "method",
    "p_value",
    "std_error",
    "mde",
    "n_resamples",
    "n_degenerate",
    "overlaps_zero",
    "higher_is_better",
    "better",
]


@pytest.fixture
def fresh_loky():
    """Shut the reusable loky executor down before and after the test.

    loky reuses worker processes across ``Parallel`` calls, so a test that
    mutates worker globals could otherwise leak state into the next one.
    """
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor().shutdown(wait=True, kill_workers=True)
    yield
    get_reusable_executor().shutdown(wait=True, kill_workers=True)


@pytest.fixture
def binary_data():
    """Correlated scores of two models on 400 samples, with ties."""
    rng = np.random.default_rng(np.random.SeedSequence(2024).spawn(1)[0])
    n = 400
    y = rng.integers(0, 2, n)
    latent = y + rng.normal(0, 1.2, n)
    score_a = np.round(1 / (1 + np.exp(-latent)), 2)
    score_b = np.round(1 / (1 + np.exp(-(latent + 0.6 * y + rng.normal(0, 0.5, n)))), 2)
    return y, score_a, score_b


@pytest.fixture(autouse=True)
def _small_jobs_use_workers(monkeypatch):
    """Let n_jobs != 1 start workers even for the suite's small problems.

    The engine runs jobs below ``IN_PROCESS_ENTRIES`` drawn entries in the
    calling process (the result is the same); the suite's problems are all
    that small, and its n_jobs tests must exercise real workers.
    tests/test_resample.py tests the rule itself.
    """
    from eval_toolkit import _engine

    monkeypatch.setattr(_engine, "IN_PROCESS_ENTRIES", 0)


@pytest.fixture
def count_checks(monkeypatch):
    """Count calls of the shared validators, wherever a module imported them by name.

    Returns a dict {validator name: calls}; the point is that each value is
    validated once at the public boundary, not again by every inner layer.
    ``parallel_map`` keeps its own guard on ``n_jobs`` (it is the dispatcher
    every module calls, not a layer of the public API), so it is left out.
    """
    import sys

    from eval_toolkit import _validation

    names = ("check_labels", "check_scores", "check_n_jobs", "check_resampling", "check_seed")
    calls = dict.fromkeys(names, 0)
    for name in names:
        original = getattr(_validation, name)

        def counted(*args, _name=name, _original=original, **kwargs):
            calls[_name] += 1
            return _original(*args, **kwargs)

        for module_name, module in list(sys.modules.items()):
            if module_name == "eval_toolkit._parallel" or not module_name.startswith("eval_toolkit"):
                continue
            if getattr(module, name, None) is original:
                monkeypatch.setattr(module, name, counted)
    return calls
