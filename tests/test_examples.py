"""Smoke test: every script in examples/ runs to completion."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

#: Scripts that take more than ~20 s on 2 cores (still run in CI).
SLOW: set[str] = set()

#: Optional dependencies per script: the test is skipped if one is missing.
REQUIRES = {
    "dask_cluster.py": ["distributed"],
    "demo_comparison.py": ["matplotlib"],
}


def _params():
    for path in sorted(EXAMPLES.glob("*.py")):
        marks = [pytest.mark.slow] if path.name in SLOW else []
        yield pytest.param(path, id=path.name, marks=marks)


@pytest.mark.parametrize("script", list(_params()))
def test_example_runs(script, tmp_path):
    for module in REQUIRES.get(script.name, []):
        pytest.importorskip(module)
    # A fresh directory, so reports written by the examples land outside the repository;
    # Agg, so no example can open a window.
    env = {**os.environ, "MPLBACKEND": "Agg"}
    out = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, f"{script.name} failed:\n{out.stdout}\n{out.stderr}"
    assert out.stdout.strip(), f"{script.name} printed nothing"
