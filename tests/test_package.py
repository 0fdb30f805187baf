"""Package-level contracts: public names, cheap import, logging."""

from __future__ import annotations

import logging
import subprocess
import sys

import eval_toolkit


def test_every_public_name_resolves():
    for name in eval_toolkit.__all__:
        assert getattr(eval_toolkit, name) is not None, name
    assert sorted(eval_toolkit.__all__) == eval_toolkit.__all__


def test_import_is_cheap_and_lazy():
    # Heavy dependencies load only when a function that needs them runs.
    code = (
        "import sys, eval_toolkit;"
        "heavy = [m for m in ('sklearn', 'scipy', 'joblib', 'matplotlib', 'pandas', 'dask')"
        " if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_package_logger_has_null_handler():
    logger = logging.getLogger("eval_toolkit")
    assert any(isinstance(h, logging.NullHandler) for h in logger.handlers)
