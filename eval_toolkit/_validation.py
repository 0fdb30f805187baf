"""Input validation shared by every public function.

Public functions validate once, here, and pass standardised arrays on; the
kernels and the engine never re-check.  Every message follows one template
(scikit-learn's): "The 'x' parameter of f must be <constraint>. Got <value>
instead."
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__: list[str] = []


def param_error(func: str, param: str, expected: str, got: Any) -> str:
    """Return the one error message template used across the package."""
    return f"The '{param}' parameter of {func} must be {expected}. Got {_short_repr(got)} instead."


def _short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_int(value: Any, func: str, param: str, *, low: int, high: int | None = None) -> int:
    """Check that ``value`` is an integer (not a bool) in ``[low, high]``."""
    if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
        if int(value) >= low and (high is None or int(value) <= high):
            return int(value)
    bound = f">= {low}" if high is None else f"in [{low}, {high}]"
    raise ValueError(param_error(func, param, f"an int {bound}", value))


def check_n_jobs(n_jobs: Any, func: str, *, param: str = "n_jobs") -> int:
    """Check ``n_jobs``: a positive int or -1 (all cores); 0 is a typo."""
    if isinstance(n_jobs, numbers.Integral) and not isinstance(n_jobs, (bool, np.bool_)):
        n_jobs = int(n_jobs)
        if n_jobs == 0:
            raise ValueError(
                param_error(func, param, "a positive int or -1 (use 1 or -1, not 0)", n_jobs)
            )
        if n_jobs >= 1 or n_jobs == -1:
            return int(n_jobs)
    raise ValueError(param_error(func, param, "a positive int or -1 (all cores)", n_jobs))


def check_open_unit(value: Any, func: str, param: str) -> float:
    """Check a float strictly inside (0, 1), such as a confidence level."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
    if ok and 0.0 < float(value) < 1.0:
        return float(value)
    raise ValueError(param_error(func, param, "a float in the open interval (0, 1)", value))


def check_option(value: Any, func: str, param: str, options: tuple[str, ...]) -> str:
    """Check that ``value`` is one of the string ``options``."""
    if isinstance(value, str) and value in options:
        return value
    expected = "one of " + ", ".join(repr(o) for o in options)
    raise ValueError(param_error(func, param, expected, value))


def check_seed(seed: Any, func: str) -> int | np.random.SeedSequence:
    """Accept a non-negative int or a ``SeedSequence`` (nothing stateful).

    ``None`` draws fresh entropy from the OS: the result records it as its
    ``seed``, so the run can be repeated exactly with ``seed=result.seed``.
    """
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, numbers.Integral) and not isinstance(seed, (bool, np.bool_)):
        if int(seed) >= 0:
            return int(seed)
    raise ValueError(
        param_error(func, "seed", "a non-negative int, a numpy.random.SeedSequence or None",
                    seed)
    )


def check_no_missing(y: np.ndarray, func: str, param: str) -> None:
    """Refuse NaN, inf or None among labels/targets before any task detection sorts them."""
    missing = (y.dtype.kind == "f" and not np.all(np.isfinite(y))) or (
        y.dtype.kind == "O" and any(v is None for v in y.tolist()))
    if missing:
        raise ValueError(param_error(func, param, "free of missing values (NaN, inf, None)",
                                     "missing labels"))


def check_labels(
    y_true: Any,
    func: str,
    *,
    param: str = "y_true",
    pos_label: Any = None,
    one_vs_rest: bool = False,
) -> np.ndarray:
    """Return binary labels as a 1-D bool array (True = positive class).

    Accepted without ``pos_label``: {0, 1}, {-1, 1} and booleans (1 / True is
    positive).  Any other pair of values (for instance strings) needs
    ``pos_label``, so that the positive class is never guessed.  With
    ``one_vs_rest=True``, more than two classes are accepted when
    ``pos_label`` names one of them: that class against all the others.
    """
    y = np.asarray(y_true)
    if y.ndim != 1:
        raise ValueError(
            param_error(func, param, "a 1-D array of binary labels", f"shape {y.shape}")
        )
    if y.size == 0:
        raise ValueError(param_error(func, param, "a non-empty array", "an empty array"))
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        raise ValueError(param_error(func, param, "free of NaN and inf", "non-finite labels"))
    try:
        values = np.unique(y)
    except TypeError:  # object labels mixing kinds, or holding None
        shown = list(dict.fromkeys(y.tolist()))[:5]
        raise ValueError(
            param_error(func, param, "labels of one comparable kind, without None",
                        f"values {shown}")
        ) from None
    if values.size > 2 and one_vs_rest:
        return _one_vs_rest(y, values, func, param, pos_label)
    if values.size > 2:
        shown = values[:5].tolist()
        raise ValueError(
            param_error(
                func, param, "binary (two distinct values)", f"{values.size} values {shown}"
            )
        )
    if pos_label is not None:
        if values.size == 2 and pos_label not in values.tolist():
            raise ValueError(param_error(func, "pos_label", f"one of {values.tolist()}", pos_label))
        return y == pos_label
    if y.dtype.kind == "b":
        return y.copy()
    if y.dtype.kind in "iuf" and set(values.tolist()) <= {0, 1}:
        return y == 1
    if y.dtype.kind in "iuf" and set(values.tolist()) <= {-1, 1}:
        return y == 1
    raise ValueError(
        param_error(
            func,
            param,
            "labels in {0, 1}, {-1, 1} or booleans (pass pos_label for other labels)",
            f"values {values.tolist()}",
        )
    )


def _one_vs_rest(
    y: np.ndarray, values: np.ndarray, func: str, param: str, pos_label: Any
) -> np.ndarray:
    classes = values.tolist()
    if pos_label is None or pos_label not in classes:
        shown = classes if len(classes) <= 10 else [*classes[:10], "..."]
        raise ValueError(
            param_error(
                func,
                "pos_label",
                f"one of the classes of {param} {shown} (with more than two classes, the "
                "positive class of a one-vs-rest problem)",
                pos_label,
            )
        )
    return y == pos_label


def check_scores(
    y_score: Any, func: str, *, param: str, n: int, probabilities: bool = False
) -> np.ndarray:
    """Return scores as a finite 1-D float64 array of length ``n``.

    A 2-column array is read as ``predict_proba`` output (column 1 is the
    positive class).  With ``probabilities=True`` values must lie in [0, 1].
    """
    s = np.asarray(y_score)
    if s.ndim == 2 and s.shape[1] == 2:
        s = s[:, 1]
    if s.ndim != 1:
        raise ValueError(param_error(func, param, "a 1-D array of scores", f"shape {s.shape}"))
    if s.dtype.kind not in "biuf":
        raise ValueError(param_error(func, param, "numeric", f"dtype {s.dtype}"))
    if s.shape[0] != n:
        raise ValueError(
            param_error(func, param, f"of the same length as y_true ({n})", f"length {s.shape[0]}")
        )
    s = s.astype(np.float64)
    if not np.all(np.isfinite(s)):
        bad = int(np.sum(~np.isfinite(s)))
        raise ValueError(
            param_error(func, param, "free of NaN and inf", f"{bad} non-finite values")
        )
    if probabilities:
        check_probabilities(s, func, param)
    return s


def check_probabilities(s: np.ndarray, func: str, param: str) -> np.ndarray:
    """Check that already-validated scores lie in [0, 1] (log_loss, brier, ece)."""
    if s.min() < 0.0 or s.max() > 1.0:
        raise ValueError(
            param_error(
                func,
                param,
                "probabilities in [0, 1] for this metric",
                f"values in [{s.min():.4g}, {s.max():.4g}]",
            )
        )
    return s


def check_bool(value: Any, func: str, param: str) -> bool:
    """Check a flag such as ``stratify``: a bool, not a truthy string."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise ValueError(param_error(func, param, "a bool", value))


@dataclass(frozen=True)
class Resampling:
    """Validated resampling options of one bootstrap call (see :func:`check_resampling`).

    Entry points validate these once and pass the object down; nothing below
    re-checks it.
    """

    n_resamples: int
    confidence: float
    method: str
    seed: int | np.random.SeedSequence
    n_jobs: int
    progress: bool = False
    retries: int = 0
    checkpoint: str | os.PathLike | None = None


def check_resampling(
    func: str,
    *,
    n_resamples: Any,
    confidence: Any,
    method: Any,
    seed: Any,
    n_jobs: Any,
    progress: Any = False,
    methods: Sequence[str],
    retries: Any = 0,
    checkpoint: Any = None,
    n_columns: int = 2,
) -> Resampling:
    """Check the options every bootstrap entry point shares; ``methods``: the allowed ones.

    ``n_columns``: values per resample (arms, one more for the studentized
    standard error), to refuse an ``n_resamples`` that cannot fit in memory.
    """
    method = check_option(method, func, "method", tuple(methods))
    return Resampling(
        n_resamples=check_n_resamples(
            n_resamples, func, n_columns=n_columns + (method == "studentized")
        ),
        confidence=check_open_unit(confidence, func, "confidence"),
        method=method,
        seed=check_seed(seed, func),
        n_jobs=check_n_jobs(n_jobs, func),
        progress=check_bool(progress, func, "progress"),
        retries=check_int(retries, func, "retries", low=0),
        checkpoint=check_checkpoint(checkpoint, func),
    )


def check_checkpoint(checkpoint: Any, func: str) -> str | os.PathLike | None:
    """``checkpoint``: None or a directory path (checked for writing when opened)."""
    if checkpoint is None or isinstance(checkpoint, (str, os.PathLike)):
        return checkpoint
    raise TypeError(param_error(func, "checkpoint", "None or a directory path", checkpoint))


def check_groups(
    groups: Any, func: str, *, n: int, stratify: bool = False, param: str = "groups"
) -> np.ndarray | None:
    """Return cluster ids as dense int64 codes ``0..G-1`` (or None without groups).

    Any hashable ids of one kind are accepted, as in scikit-learn's group
    splitters; at least two groups are needed to resample them.
    """
    if groups is None:
        return None
    g = np.asarray(groups)
    if g.ndim != 1 or g.shape[0] != n:
        raise ValueError(
            param_error(func, param, f"a 1-D array of length {n} (one id per row)",
                        f"shape {g.shape}")
        )
    if g.dtype.kind == "f" and not np.all(np.isfinite(g)):
        raise ValueError(param_error(func, param, "free of NaN and inf", "non-finite ids"))
    try:
        codes = group_codes(g)
    except TypeError:
        raise ValueError(
            param_error(func, param, "ids of one comparable kind (ints or strings)",
                        "mixed or unorderable values")
        ) from None
    if codes.max(initial=0) < 1:
        raise ValueError(param_error(func, param, "at least 2 distinct groups", "1 group"))
    if stratify:
        raise ValueError(
            param_error(func, "stratify", "False when groups are given (the cluster bootstrap "
                        "resamples whole groups, which may hold both classes)", stratify)
        )
    return codes


def group_codes(groups: np.ndarray) -> np.ndarray:
    """Dense int64 codes ``0..G-1`` of cluster ids, in sorted order of the ids."""
    return np.unique(groups, return_inverse=True)[1].reshape(-1).astype(np.int64)


def available_memory_bytes() -> int | None:
    """Memory this process can still get without swapping (Linux MemAvailable), or None."""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def _bytes_text(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if n < 1000 or unit == "PB":
            return f"{n:.3g} {unit}"
        n /= 1000
    raise AssertionError("unreachable")


def distribution_peak_bytes(n_resamples: int, n_columns: int) -> int:
    """Peak memory of a bootstrap distribution of ``n_resamples`` x ``n_columns`` float64.

    The matrix is held while its finite rows are copied out, then one column
    (the statistic) is taken and sorted for the interval: about
    ``2 * n_columns + 2`` float64 values per resample at the peak.
    """
    return 8 * n_resamples * (2 * n_columns + 2)


def check_n_resamples(value: Any, func: str, param: str = "n_resamples", *, n_columns: int) -> int:
    """Check ``n_resamples``: an int >= 1 whose distribution fits in the memory available.

    Refused before anything is allocated, with the memory it would need, so a
    typo such as 10**12 fails at once instead of ending in MemoryError or in
    swapping for hours.
    """
    n = check_int(value, func, param, low=1)
    need = distribution_peak_bytes(n, n_columns)
    available = available_memory_bytes()
    if available is not None and need > available:
        matrix = 8 * n * n_columns
        fits = available // (8 * (2 * n_columns + 2))
        raise ValueError(
            param_error(
                func,
                param,
                f"small enough for the bootstrap distribution to fit in memory: {n} resamples "
                f"x {n_columns} float64 columns are {_bytes_text(matrix)}, about "
                f"{_bytes_text(need)} at the peak, but {_bytes_text(available)} are available "
                f"(at most about {fits} resamples fit here)",
                value,
            )
        )
    return n
