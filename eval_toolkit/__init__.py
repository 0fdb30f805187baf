"""eval_toolkit: is model B really better than model A?

Fast, vectorised, bit-reproducible bootstrap statistics for comparing machine
learning models, shaped like scikit-learn.  Public names are listed in
``__all__`` and imported lazily, so ``import eval_toolkit`` stays cheap.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

# public name -> private module that defines it
_EXPORTS: dict[str, str] = {
    "BootstrapCI": "_results",
    "PairedBootstrapCI": "_results",
    "MDEEstimate": "_results",
    "CheckpointWarning": "bootstrap",
    "DegenerateResampleWarning": "bootstrap",
    "WorkerDiedError": "bootstrap",
    "SmallSampleWarning": "bootstrap",
    "bootstrap_ci": "bootstrap",
    "paired_bootstrap_diff": "bootstrap",
    "paired_bootstrap_ece_diff": "bootstrap",
    "paired_mde": "bootstrap",
    "mde_from_ci": "bootstrap",
    "metric_value": "bootstrap",
    "DeLongResult": "delong",
    "delong_test": "delong",
    "paired_bootstrap_op_point_diff": "operating_points",
    "bootstrap_op_point_ci": "operating_points",
    "EvalSlice": "harness",
    "OperatingPointSpec": "harness",
    "ResultRow": "harness",
    "RunResult": "harness",
    "FoldedRunResult": "harness",
    "evaluate": "harness",
    "evaluate_folded": "harness",
    "correct_p_values": "harness",
    "PairedBootstrap": "compare",
    "Bootstrap": "compare",
    "OperatingPoint": "compare",
    "ComparisonReport": "report",
    "ComparisonRow": "report",
    "compare_scores": "report",
    "write_report": "report",
    "Scorer": "protocols",
    "validate_scorer": "protocols",
    "register_worker_state": "_parallel",
    "CrossDedupReport": "text_dedup",
    "DedupReport": "text_dedup",
    "DedupStrategy": "text_dedup",
    "DuplicatePair": "text_dedup",
    "ExactNormalizedHashStrategy": "text_dedup",
    "JaccardNgramStrategy": "text_dedup",
    "LeakedPair": "text_dedup",
    "MinHashLSHStrategy": "text_dedup",
    "SimilarPairs": "text_dedup",
    "cross_dedup": "text_dedup",
    "near_dedup": "text_dedup",
    "normalize_text_for_dedup": "text_dedup",
    "unregister_worker_state": "_parallel",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
