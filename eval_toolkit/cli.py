"""The ``eval-toolkit`` command line (also ``python -m eval_toolkit``).

Results go to stdout; progress bars, notes, warnings and errors go to stderr,
one line each.  Exit codes: 0 success, 1 the data or a file cannot be used,
2 the command line is wrong.  Heavy imports (scikit-learn, pandas,
matplotlib) happen inside the commands, so ``--help`` answers at once.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._parallel import WorkerDiedError
from ._validation import (
    Resampling,
    check_int,
    check_labels,
    check_n_jobs,
    check_n_resamples,
    check_open_unit,
    check_scores,
    group_codes,
    param_error,
)
from .metrics import list_metrics

if TYPE_CHECKING:
    from .report import ComparisonReport

__all__ = ["main"]

_BINARY_METRICS = tuple(m.name for m in list_metrics("binary"))
# Registry names, then the scikit-learn scorer names of the same metrics.
_METRIC_CHOICES = tuple(m.name for m in list_metrics()) + tuple(
    s for m in list_metrics() for s in m.scorer_names if s != m.name
)

PROG = "eval-toolkit"
EXIT_OK, EXIT_DATA, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
#: 128 + SIGTERM, the shell's code for a process ended by SIGTERM.
EXIT_TERMINATED = 128 + signal.SIGTERM
DEFAULT_REPORT_DIR = "eval_toolkit_report"
PARQUET_SUFFIXES = (".parquet", ".pq")
_PARQUET_HINT = "pip install 'eval_toolkit[dataframe]'"


class UsageError(Exception):
    """The command line is wrong: exit code 2."""

    def __init__(self, message: str, prog: str | None = None) -> None:
        super().__init__(message)
        self.prog = prog


class DataError(Exception):
    """The input file or its data cannot be used: exit code 1."""


class _Terminated(BaseException):
    """SIGTERM arrived: unwind like Ctrl-C, so joblib kills the workers on the way out.

    Python's default SIGTERM action ends the process at once, without running
    any cleanup, and the loky workers went on computing for minutes.  A
    BaseException (not an Exception) passes through ``except Exception``
    handlers, as KeyboardInterrupt does.
    """


def _raise_terminated(signum: int, frame: Any) -> None:
    raise _Terminated(signum)


@contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """Turn SIGTERM into ``_Terminated`` while a command runs (main thread only)."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (argparse prints the whole usage block)."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')", self.prog)


class _Plain(str):
    """Text shown as is in the error template, which otherwise quotes it with repr()."""

    def __repr__(self) -> str:
        return str(self)


# ---- parsers -------------------------------------------------------------------------------

_MAIN_EPILOG = f"""\
examples:
  {PROG} demo                      compare two models on built-in data, write a report
  {PROG} compare preds.csv --label y --score-a old --score-b new
  {PROG} dedup train.csv test.csv --text-column text   train/test leakage
  {PROG} compare --help            all options of a command

exit codes: 0 success, 1 unusable data or file, 2 wrong command line,
  130 interrupted (Ctrl-C), 143 terminated (SIGTERM); workers are stopped first
"""

_DEMO_EPILOG = f"""\
Trains Gaussian naive Bayes (A) and logistic regression (B) on the Wisconsin
breast-cancer data shipped with scikit-learn (train / validation / test =
50 / 20 / 30 %%), then compares them on the test split: ROC AUC, PR AUC,
Brier score and ECE with paired bootstrap CIs, sensitivity at 95%% specificity
with the threshold chosen on the validation split, and the minimum detectable
effect of each.  No network access.

examples:
  {PROG} demo
  {PROG} demo --n-resamples 5000 --report my_report
  {PROG} demo --format json --no-report > demo.json
"""

_COMPARE_EPILOG = f"""\
PREDICTIONS is a CSV file with a header row, or a Parquet file (.parquet,
.pq; needs pyarrow: {_PARQUET_HINT}, which also reads large CSV files ~20x
faster).  Each row is one
evaluation sample scored by both models.  Each reported delta is B - A.

examples:
  {PROG} compare preds.csv --label y --score-a baseline --score-b candidate
  {PROG} compare preds.parquet --label y --score-a a --score-b b \\
      --metric roc_auc brier --slice-by site --report out/
  {PROG} compare preds.csv --label diagnosis --pos-label M --score-a a --score-b b \\
      --format json > results.json
  {PROG} compare preds.csv --label y --score-a a --score-b b --groups patient_id
  {PROG} compare preds.csv --label y --model base=p0 --model new=p1 --model big=p2 \\
      --reference base --slice-by site --report out/
  {PROG} compare preds.csv --label price --pred-a ridge --pred-b forest
  {PROG} compare preds.csv --label species --proba-a a_ --proba-b b_ --metric neg_log_loss

Binary models are given by --score-a/--score-b, regressors (or multiclass label
predictions) by --pred-a/--pred-b, multiclass probabilities by
--proba-a/--proba-b.
"""


def _add_bootstrap_options(
    parser: argparse.ArgumentParser, *, n_resamples: int, resumable: bool = False
) -> None:
    group = parser.add_argument_group("bootstrap")
    group.add_argument(
        "--n-resamples",
        type=int,
        default=n_resamples,
        metavar="N",
        help=f"paired bootstrap resamples (default: {n_resamples})",
    )
    group.add_argument(
        "--confidence",
        type=float,
        default=0.95,
        metavar="LEVEL",
        help="confidence level of the intervals, in (0, 1) (default: 0.95)",
    )
    group.add_argument(
        "--method",
        choices=("percentile", "bca", "basic"),
        default="percentile",
        help="confidence interval method (default: percentile, which covered best in the "
        "coverage study)",
    )
    group.add_argument(
        "--seed",
        type=int,
        default=42,
        help="seed of the resampling; same seed, same numbers (default: 42)",
    )
    group.add_argument(
        "--n-jobs",
        type=int,
        default=-1,
        metavar="N",
        help="worker processes, -1 for all cores; results do not depend on it (default: -1)",
    )
    if resumable:
        _add_resume_options(group)
    group.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bars on stderr (default: only when stderr is a terminal)",
    )


def _add_resume_options(group: Any) -> None:
    group.add_argument(
        "--checkpoint",
        metavar="DIR",
        help="keep finished blocks of resamples in DIR (one subfolder per metric and slice); "
        "rerun the same command after an interruption to compute only what is missing",
    )
    group.add_argument(
        "--retries",
        type=int,
        default=0,
        metavar="N",
        help="resubmit work lost when a worker process dies, up to N times (default: 0)",
    )


def _add_output_options(parser: argparse.ArgumentParser, *, report_default: str | None) -> None:
    group = parser.add_argument_group("output")
    group.add_argument(
        "--format",
        choices=("table", "json", "csv"),
        default="table",
        help="format of the results on stdout (default: table)",
    )
    default_text = f"default: {report_default}" if report_default else "default: none"
    group.add_argument(
        "--report",
        metavar="DIR",
        default=report_default,
        help=f"write report.html (plots embedded) and results.json into DIR ({default_text})",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``eval-toolkit`` and its subcommands."""
    from . import __version__

    formatter = argparse.RawDescriptionHelpFormatter
    parser = _Parser(
        prog=PROG,
        formatter_class=formatter,
        epilog=_MAIN_EPILOG,
        description="Is model B really better than model A? Paired bootstrap "
        "comparisons of ML models.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(
        title="commands", metavar="COMMAND", dest="command", required=True
    )
    demo = commands.add_parser(
        "demo",
        help="compare two models on built-in data (no arguments)",
        description="Run the main job on built-in data.",
        formatter_class=formatter,
        epilog=_DEMO_EPILOG,
    )
    _add_bootstrap_options(demo, n_resamples=2000)
    _add_output_options(demo, report_default=DEFAULT_REPORT_DIR)
    demo.add_argument(
        "--no-report", dest="report", action="store_const", const=None, help="do not write a report"
    )
    demo.set_defaults(run=_run_demo)

    compare = commands.add_parser(
        "compare",
        help="compare two models' saved predictions",
        description="Compare the scores of two models on the same "
        "samples, read from a CSV or Parquet file.",
        formatter_class=formatter,
        epilog=_COMPARE_EPILOG,
    )
    compare.add_argument("predictions", metavar="PREDICTIONS", help="CSV or Parquet file")
    columns = compare.add_argument_group("columns")
    columns.add_argument(
        "--label", required=True, metavar="COL", help="label column (or regression target)"
    )
    columns.add_argument(
        "--score-a", metavar="COL", help="binary: scores of model A, the reference"
    )
    columns.add_argument(
        "--score-b", metavar="COL", help="binary: scores of model B, the candidate"
    )
    columns.add_argument(
        "--pred-a", metavar="COL", help="predicted values (regression) or labels (multiclass) of A"
    )
    columns.add_argument("--pred-b", metavar="COL", help="predictions of model B")
    columns.add_argument(
        "--proba-a", nargs="+", metavar="COL", help="multiclass: class-probability columns of A, "
        "one per class in sorted class order, or one column prefix (PREFIX + class label)"
    )
    columns.add_argument("--proba-b", nargs="+", metavar="COL", help="the same for model B")
    columns.add_argument(
        "--task", choices=("binary", "multiclass", "regression"),
        help="the task, when the columns leave it open (integer labels and predictions)",
    )
    columns.add_argument(
        "--model",
        action="append",
        dest="models",
        metavar="NAME=COL",
        help="instead of --score-a/--score-b: a model and its score column, repeated for any "
        "number of models (evaluated with eval_toolkit.harness.evaluate)",
    )
    columns.add_argument(
        "--reference", metavar="NAME", help="with --model: compare every other model to this "
        "one (default: the first --model)"
    )
    columns.add_argument(
        "--pos-label",
        metavar="VALUE",
        help="the positive label, if labels are not 0/1, -1/1 or true/false",
    )
    columns.add_argument(
        "--slice-by", metavar="COL", help="also report every metric on each value of this column"
    )
    columns.add_argument(
        "--groups",
        metavar="COL",
        help="cluster id column (patient, user, document): resample whole groups, since "
        "rows of one group are not independent",
    )
    compare.add_argument(
        "--metric",
        nargs="+",
        action="extend",
        choices=_METRIC_CHOICES,
        metavar="NAME",
        dest="metrics",
        help="metrics to compare: names of eval_toolkit.metrics.list_metrics() or scikit-learn "
        "scorer names; binary: "
        + ", ".join(_BINARY_METRICS)
        + " (default: roc_auc average_precision, plus brier ece_debiased when "
        "both scores are probabilities)",
    )
    compare.add_argument(
        "--stratify",
        action="store_true",
        help="resample within each class (for small or imbalanced slices)",
    )
    _add_bootstrap_options(compare, n_resamples=2000, resumable=True)
    _add_output_options(compare, report_default=None)
    compare.set_defaults(run=_run_compare)
    _add_dedup_parser(commands, formatter)
    return parser


# ---- option and column checks --------------------------------------------------------------


def _check_bootstrap_options(args: argparse.Namespace, func: str) -> Resampling:
    """Validated resampling options, checked under the options' names; wrong values are usage
    errors.  ``--method`` is checked by argparse (``choices``)."""
    try:
        return Resampling(
            # Paired comparisons keep n_resamples x 2 values per metric at the peak.
            n_resamples=check_n_resamples(args.n_resamples, func, "--n-resamples", n_columns=2),
            confidence=check_open_unit(args.confidence, func, "--confidence"),
            method=args.method,
            seed=check_int(args.seed, func, "--seed", low=0),
            n_jobs=check_n_jobs(args.n_jobs, func, param="--n-jobs"),
            progress=sys.stderr.isatty() if args.progress is None else args.progress,
            retries=check_int(getattr(args, "retries", 0), func, "--retries", low=0),
            checkpoint=getattr(args, "checkpoint", None),
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _column(table: Any, name: str, option: str, func: str, source: str) -> Any:
    """``table[name]``; a usage error naming ``option`` when the file has no such column.

    ``table`` is the columns read (a dict), or just the header (a list) to check
    names before reading.
    """
    if name not in table:
        available = ", ".join(map(repr, table)) or "none"
        raise UsageError(
            param_error(func, option, f"a column of {source} (available: {available})", name)
        )
    return table[name] if isinstance(table, dict) else None


def _as_numbers(values: np.ndarray) -> np.ndarray | None:
    """Float64 view of a column, or None when it is not numeric."""
    if values.dtype.kind in "biuf":
        return values.astype(np.float64)
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def _scores(values: np.ndarray, name: str, option: str, func: str) -> np.ndarray:
    numbers = _as_numbers(values)
    if numbers is None:
        bad = [v for v in values.tolist() if _as_numbers(np.array([v])) is None][:3]
        raise DataError(
            param_error(
                func,
                option,
                "a column of numbers",
                _Plain(f"column {name!r} with values such as {bad}"),
            )
        )
    return check_scores(numbers, func, param=option, n=numbers.shape[0])


def _positive(values: np.ndarray, pos_label: str, name: str, func: str) -> Any:
    """``--pos-label`` as a value of the label column (a number if the column is numeric)."""
    present = sorted(set(values.tolist()), key=str)
    positive: Any = pos_label
    if values.dtype.kind == "f":
        number = _as_numbers(np.array([pos_label]))
        positive = float(number[0]) if number is not None else pos_label
    if positive not in present:
        shown = ", ".join(f"{v:g}" if isinstance(v, float) else repr(v) for v in present[:5])
        raise UsageError(
            param_error(func, "--pos-label", f"a value of column {name!r} ({shown})", pos_label)
        )
    return positive


def _labels(values: np.ndarray, name: str, pos_label: str | None, func: str) -> np.ndarray:
    y = _binary_labels(values, name, pos_label, func)
    if not 0 < int(y.sum()) < y.shape[0]:
        # Checked here, so the message names the option, not a library function.
        only = "positive" if y.all() else "negative"
        raise DataError(
            param_error(func, "--label", "a column holding both classes (no metric compares "
                        "models on one class)", _Plain(f"column {name!r} with only the {only} "
                                                       "class"))
        )
    return y


def _binary_labels(values: np.ndarray, name: str, pos_label: str | None, func: str) -> np.ndarray:
    numbers = _as_numbers(values)
    column = numbers if numbers is not None else np.asarray(values).astype(str)
    if pos_label is not None:
        positive = _positive(column, pos_label, name, func)
        return check_labels(column, func, param="--label", pos_label=positive)
    if numbers is not None:
        return check_labels(numbers, func, param="--label")
    lower = np.char.lower(column)
    if set(lower.tolist()) <= {"true", "false"}:
        return lower == "true"
    shown = sorted(set(column.tolist()))[:5]
    raise DataError(
        param_error(
            func,
            "--label",
            "a column of 0/1, -1/1 or true/false labels (or give the positive one "
            "with --pos-label)",
            _Plain(f"column {name!r} with values {shown}"),
        )
    )


# ---- reading predictions -------------------------------------------------------------------


def read_header(path: str) -> list[str]:
    """Column names of a CSV or Parquet file (reads the first line or the schema only)."""
    file = _readable(path)
    try:
        if _is_parquet(file):
            return [str(name) for name in _parquet_module().read_schema(file).names]
        with file.open(newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle), None)
    except DataError:
        raise
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"Cannot read {path}: {type(exc).__name__}: {exc}") from exc
    except Exception as exc:  # parquet engines raise their own exception types
        raise DataError(f"Cannot read {path} as Parquet: {type(exc).__name__}: {exc}") from exc
    if not header:
        raise DataError(f"{path} is empty; a CSV file with a header row is expected.")
    if len(set(header)) != len(header):
        raise DataError(f"{path}: the header repeats column names: {header}.")
    return header


def _readable(path: str) -> Path:
    file = Path(path)
    if not file.is_file():
        # Not the parameter template: it shortens long values, and a path must stay whole.
        reason = "it is a directory" if file.is_dir() else "no such file"
        raise DataError(f"Cannot read {path}: {reason}.")
    return file


def _is_parquet(file: Path) -> bool:
    return file.suffix.lower() in PARQUET_SUFFIXES


def _parquet_module() -> Any:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise DataError(f"Reading Parquet needs pyarrow: {_PARQUET_HINT}.") from None
    return pq


def _read_csv_stdlib(path: Path, columns: list[str]) -> dict[str, np.ndarray]:
    """Row-by-row reader, used only without pyarrow: ~10x slower, ~4x more memory."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        where = [header.index(name) for name in columns]
        values: list[list[str]] = [[] for _ in columns]
        for line, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) != len(header):
                raise DataError(
                    f"{path}, row {line}: {len(row)} fields, but the header has {len(header)}."
                )
            for out, i in zip(values, where):
                out.append(row[i])
    return {name: np.array(v, dtype=str) for name, v in zip(columns, values)}


def _read_csv_arrow(path: Path, columns: list[str]) -> dict[str, np.ndarray]:
    """Columnar reader of the needed columns only (pyarrow.csv)."""
    import pyarrow as pa
    from pyarrow import csv as pacsv

    # One thread: on the 2 shared cores of the benchmark machine, pyarrow's
    # thread pool was 2.5x slower (4.5 s vs 1.8 s for 5.5 M rows) under load.
    read = pacsv.ReadOptions(encoding="utf8", use_threads=False)

    def options(types: dict[str, Any] | None = None) -> Any:
        return pacsv.ConvertOptions(include_columns=columns, strings_can_be_null=False,
                                    column_types=types)

    try:
        types = _first_block_types(path, read, options())
        try:
            table = pacsv.read_csv(path, read_options=read, convert_options=options(types))
        except pa.ArrowInvalid as exc:
            if "conversion error" not in str(exc):
                raise
            # A later block holds another type (e.g. "0.5" below integers): infer per block.
            table = pacsv.read_csv(path, read_options=read, convert_options=options())
    except pa.ArrowInvalid as exc:
        if "columns, got" in str(exc):
            # pyarrow does not say which line (not known when parsing in
            # parallel): rescan row by row, which raises with the line number.
            _read_csv_stdlib(path, columns)
        raise
    return {name: _to_numpy(table.column(name)) for name in columns}


def _first_block_types(path: Path, read: Any, convert: Any) -> dict[str, Any]:
    """Column types inferred from the file's first block, to give the full read up front.

    With the types given, pyarrow converts each block once instead of
    inferring per block: the 5.5 M-row read of ``benchmarks/bench_cli_read.py``
    took about half the time and half the peak memory.  A column still empty
    in the first block (type null) is left to inference.
    """
    import pyarrow as pa
    from pyarrow import csv as pacsv

    reader = pacsv.open_csv(path, read_options=read, convert_options=convert)
    try:
        return {f.name: f.type for f in reader.schema if not pa.types.is_null(f.type)}
    finally:
        reader.close()


def _to_numpy(column: Any) -> np.ndarray:
    import pyarrow as pa

    kind = column.type
    if column.null_count == 0 and (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
        # Copy the chunks' value buffers into one array: pyarrow's to_numpy
        # imports pandas on its first call (0.3-0.5 s of a 1-2 s read).
        dtype = np.dtype(kind.to_pandas_dtype())
        out = np.empty(len(column), dtype=dtype)
        start = 0
        for chunk in column.chunks:
            n = len(chunk)
            out[start : start + n] = np.frombuffer(
                chunk.buffers()[1], dtype=dtype, count=n, offset=chunk.offset * dtype.itemsize)
            start += n
        return out
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        values = np.asarray(column.to_pylist(), dtype=object)
        # Missing values stay None (the commands report them); otherwise plain strings.
        return values if column.null_count else values.astype(str)
    if column.null_count and not pa.types.is_floating(kind):
        # Empty cells in a column of ints or bools: floats with NaN, refused by the checks.
        column = column.cast(pa.float64())
    return column.to_numpy()


def read_predictions(path: str, columns: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """The named columns (default: all) of a CSV or Parquet file, by name.

    CSV is read with pyarrow's columnar reader when it is installed (5.5 M rows,
    212 MB: 1.4 s, see ``benchmarks/bench_cli_read.py``), else row by row with
    the standard library.
    """
    header = read_header(path)
    file = Path(path)
    wanted = list(dict.fromkeys(header if columns is None else columns))
    try:
        if _is_parquet(file):
            table = _parquet_module().read_table(file, columns=wanted)
            return {name: _to_numpy(table.column(name)) for name in wanted}
        try:
            import pyarrow.csv  # noqa: F401
        except ImportError:
            return _read_csv_stdlib(file, wanted)
        return _read_csv_arrow(file, wanted)
    except DataError:
        raise
    except (OSError, UnicodeDecodeError, csv.Error, ValueError) as exc:
        raise DataError(f"Cannot read {path}: {type(exc).__name__}: {exc}") from exc
    except Exception as exc:  # pyarrow raises its own exception types (ArrowInvalid, ...)
        raise DataError(f"Cannot read {path}: {type(exc).__name__}: {exc}") from exc


# ---- commands ------------------------------------------------------------------------------


def _emit(report: ComparisonReport, fmt: str) -> None:
    if fmt == "json":
        print(report.to_json())
    elif fmt == "csv":
        records = [row.to_dict() for row in report.rows]
        writer = csv.DictWriter(sys.stdout, fieldnames=list(records[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
    else:
        print(report.to_text())


def _check_report(args: argparse.Namespace, func: str) -> None:
    """Refuse a bad ``--report`` before the work starts, not after it."""
    if args.report is not None:
        from .report import check_report_dir

        check_report_dir(args.report, func, "--report")


def _write_report(report: ComparisonReport, directory: str | None) -> None:
    if directory is None:
        return
    from .report import plots_available, write_report

    try:
        html_file = write_report(report, directory)
    except OSError as exc:  # e.g. the disk filled up meanwhile
        raise DataError(f"Cannot write the report to {directory}: {exc}") from exc
    note = "" if plots_available() else " (no plots: pip install 'eval_toolkit[plot]')"
    _say(f"report written to {html_file} and {html_file.with_name('results.json')}{note}")


def _say(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)


def _run_demo(args: argparse.Namespace) -> int:
    from ._demo import DATASET, NAME_A, NAME_B, run_demo

    resampling = _check_bootstrap_options(args, f"{PROG} demo")
    _check_report(args, f"{PROG} demo")
    _say(
        f"training {NAME_A} (A) and {NAME_B} (B) on {DATASET}, then comparing them "
        f"on the held-out test split with {resampling.n_resamples} paired resamples"
    )
    report = run_demo(resampling)
    _emit(report, args.format)
    _write_report(report, args.report)
    return EXIT_OK


def _compare_inputs(args: argparse.Namespace, func: str):
    """Labels, both scores, the slices and the group codes, read and checked under the
    options' names."""
    header = read_header(args.predictions)
    source = Path(args.predictions).name
    wanted = {"--label": args.label, "--score-a": args.score_a, "--score-b": args.score_b,
              "--slice-by": args.slice_by, "--groups": args.groups}
    for option, name in wanted.items():
        if name is not None:
            _column(header, name, option, func, source)
    kind = _prediction_kind(args, func)
    # Score columns are named; prediction and probability columns may be a
    # prefix, so those tasks read every column.
    needed = [n for n in wanted.values() if n is not None] if kind == "score" else None
    table = read_predictions(args.predictions, needed)

    def column(option: str, name: str) -> np.ndarray:
        return _column(table, name, option, func, source)

    if kind == "score":
        y = _labels(column("--label", args.label), args.label, args.pos_label, func)
        a = _scores(column("--score-a", args.score_a), args.score_a, "--score-a", func)
        b = _scores(column("--score-b", args.score_b), args.score_b, "--score-b", func)
        task = "binary"
    else:
        y = np.asarray(column("--label", args.label))
        numbers = _as_numbers(y)
        y = numbers if numbers is not None else y.astype(str)
        if kind == "pred":
            a, b = (_predictions(column(o, c), numbers is not None, c, o, func)
                    for o, c in (("--pred-a", args.pred_a), ("--pred-b", args.pred_b)))
        else:
            classes = np.unique(y)
            a, b = (_probabilities(table, cols, classes, o, func, source)
                    for o, cols in (("--proba-a", args.proba_a), ("--proba-b", args.proba_b)))
        task = _task(args, kind, y, a, b, func)
    slices = groups = None
    if args.slice_by is not None:
        slices = np.asarray(column("--slice-by", args.slice_by)).astype(str)
    if args.groups is not None:
        raw = np.asarray(column("--groups", args.groups))
        # Numeric ids stay numbers, so they are ordered (and resampled) as in Python.
        numbers = _as_numbers(raw)
        groups = raw.astype(str) if numbers is None or not np.isfinite(numbers).all() else numbers
        if np.unique(groups).size < 2:
            raise DataError(param_error(func, "--groups", "a column with at least 2 distinct "
                                        "groups", _Plain(f"1 group in {args.groups!r}")))
        if args.stratify:
            raise UsageError(f"{func}: --groups and --stratify cannot be combined (the cluster "
                             "bootstrap resamples whole groups, which may hold both classes)")
        groups = group_codes(groups)
    return y, a, b, slices, groups, task


def _prediction_kind(args: argparse.Namespace, func: str) -> str:
    """Which pair of prediction options was given: exactly one is needed."""
    given = [k for k, pair in (("score", (args.score_a, args.score_b)),
                               ("pred", (args.pred_a, args.pred_b)),
                               ("proba", (args.proba_a, args.proba_b))) if any(pair)]
    pairs = {"score": "--score-a/--score-b", "pred": "--pred-a/--pred-b",
             "proba": "--proba-a/--proba-b"}
    help_hint = f"(see '{func} --help')"
    if len(given) != 1:
        raise UsageError("give one pair of prediction options: --score-a/--score-b (binary "
                         "scores), --pred-a/--pred-b (regression values or multiclass labels) "
                         f"or --proba-a/--proba-b (multiclass probabilities) {help_hint}", func)
    kind = given[0]
    a, b = {"score": (args.score_a, args.score_b), "pred": (args.pred_a, args.pred_b),
            "proba": (args.proba_a, args.proba_b)}[kind]
    if not (a and b):
        missing = pairs[kind].split("/")[1 if a else 0]
        raise UsageError(f"the following arguments are required: {missing} {help_hint}", func)
    return kind


def _predictions(values, numeric_labels: bool, name: str, option: str, func: str):
    numbers = _as_numbers(np.asarray(values))
    if numbers is not None and numeric_labels:
        if not np.all(np.isfinite(numbers)):
            raise DataError(param_error(func, option, "a column of finite numbers",
                                        _Plain(f"column {name!r} with NaN or inf")))
        return numbers
    return np.asarray(values).astype(str)


def _probabilities(table, columns: list[str], classes: np.ndarray, option: str, func: str,
                   source: str) -> np.ndarray:
    """One column per class: the columns as given, or PREFIX + class label."""
    if len(columns) == 1 and columns[0] not in table:
        prefix = columns[0]
        columns = [f"{prefix}{_class_text(c)}" for c in classes]
        missing = [c for c in columns if c not in table]
        if missing:
            raise UsageError(param_error(
                func, option, f"a column prefix with one column per class of the label column "
                f"({', '.join(map(repr, columns))}) or a list of columns", prefix))
    return np.column_stack([
        _scores(_column(table, c, option, func, source), c, option, func) for c in columns
    ])


def _class_text(label) -> str:
    return f"{label:g}" if isinstance(label, float) else str(label)


def _task(args, kind: str, y: np.ndarray, a: np.ndarray, b: np.ndarray, func: str) -> str:
    """The task from the label column and the prediction columns, or --task."""
    if args.task is not None:
        return args.task
    if kind == "proba":
        return "multiclass"
    if y.dtype.kind != "f" or a.dtype.kind != "f":
        return "multiclass"  # text labels or text predictions
    integral = all(np.all(v == np.round(v)) for v in (y, a, b))
    if not integral:
        return "regression"
    raise UsageError("the label column and --pred-a/--pred-b hold integers, which fit both "
                     "multiclass labels and regression targets; pass --task multiclass or "
                     "--task regression", func)


def _model_columns(args: argparse.Namespace, func: str) -> dict[str, str]:
    if args.score_a is not None or args.score_b is not None:
        raise UsageError(f"{func}: use either --model (repeated) or --score-a/--score-b")
    pairs = [spec.partition("=") for spec in args.models]
    if any(not name or not sep or not col for name, sep, col in pairs):
        raise UsageError(param_error(func, "--model", "NAME=COLUMN", args.models))
    names = [name for name, _, _ in pairs]
    if len(set(names)) != len(names) or len(names) < 2:
        raise UsageError(param_error(func, "--model", "at least 2 models with distinct names",
                                     names))
    if args.stratify:
        raise UsageError(f"{func}: --stratify is not available with --model")
    return {name: col for name, _, col in pairs}


def _run_compare_models(args: argparse.Namespace, func: str, resampling: Any) -> int:
    """``--model NAME=COL`` (repeated): every model on every slice through the harness."""
    from .harness import EvalSlice, evaluate

    columns = _model_columns(args, func)
    args.score_a = args.score_b = next(iter(columns.values()))
    y, _, _, slices, groups, _ = _compare_inputs(args, func)
    table = read_predictions(args.predictions)
    source = Path(args.predictions).name
    scores = {name: _scores(_column(table, col, "--model", func, source), col, "--model", func)
              for name, col in columns.items()}
    masks = [("all", np.ones(y.shape[0], dtype=bool))]
    if slices is not None:
        masks += [(f"{args.slice_by}={v}", slices == v) for v in sorted(set(slices.tolist()))]
    cuts = [EvalSlice(name, None, y[m], groups=None if groups is None else groups[m])
            for name, m in masks]
    preds = {name: {name_s: s[m] for name_s, m in masks} for name, s in scores.items()}
    reference = args.reference if args.reference is not None else next(iter(columns))
    if reference not in columns:
        raise UsageError(param_error(func, "--reference", f"one of {list(columns)}", reference))
    # The harness takes neither a checkpoint nor retries yet.
    options = {k: v for k, v in asdict(resampling).items() if k not in ("retries", "checkpoint")}
    run = evaluate(preds, cuts, metrics=args.metrics, reference=reference, **options)
    if args.format == "json":
        print(run.to_json(indent=2))
    elif args.format == "csv":
        records = [row.to_dict() for row in run.rows]
        writer = csv.DictWriter(sys.stdout, fieldnames=list(records[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
    else:
        from .report import run_text

        print(run_text(run))
    if args.report is not None:
        from .report import write_report

        html_file = write_report(run, args.report)
        _say(f"report written to {html_file} and {html_file.with_name('results.json')}")
    return EXIT_OK


def _run_compare(args: argparse.Namespace) -> int:
    from .report import build_comparison

    func = f"{PROG} compare"
    resampling = _check_bootstrap_options(args, func)
    _check_report(args, func)
    if args.models:
        return _run_compare_models(args, func, resampling)
    name_a, name_b = (" ".join(v) if isinstance(v, list) else v for v in (
        args.score_a or args.pred_a or args.proba_a, args.score_b or args.pred_b or args.proba_b))
    y, a, b, slices, groups, task = _compare_inputs(args, func)
    source = Path(args.predictions).name
    report = build_comparison(
        func,
        y,
        a,
        b,
        metrics=tuple(args.metrics) if args.metrics else None,
        slices=slices,
        slice_name=args.slice_by or "slice",
        name_a=name_a,
        name_b=name_b,
        resampling=resampling,
        stratify=args.stratify,
        groups=groups,
        task=task,
    )
    report = replace(report, title=f"{name_b} (B) vs {name_a} (A) on {source}")
    _emit(report, args.format)
    _write_report(report, args.report)
    return EXIT_OK


# ---- dedup ---------------------------------------------------------------------------------

_DEDUP_EPILOG = f"""\
TRAIN and TEST are CSV files with a header row (give --text-column), Parquet
files (.parquet, .pq; {_PARQUET_HINT}) or plain text files with one text per
line.  With TRAIN alone, finds exact and near-duplicates within it and keeps
the first of each group; with TEST, finds test texts that near-duplicate a
training text (leakage).  Similarity is the Jaccard similarity of character
5-gram sets after normalisation (NFKC, case folding, no punctuation, single
spaces), found with MinHash-LSH and verified exactly.

examples:
  {PROG} dedup corpus.txt
  {PROG} dedup train.csv test.csv --text-column question --report leaks/
  {PROG} dedup docs.parquet --text-column body --threshold 0.9 --format json
"""


def _add_dedup_parser(commands: Any, formatter: Any) -> None:
    dedup = commands.add_parser(
        "dedup",
        help="find duplicate texts, or test texts leaked from training data",
        description="Find exact and near-duplicate texts within a corpus, or between "
        "training and test texts.",
        formatter_class=formatter,
        epilog=_DEDUP_EPILOG,
    )
    dedup.add_argument("train", metavar="TRAIN", help="CSV, Parquet or text file")
    dedup.add_argument("test", metavar="TEST", nargs="?", help="test texts (optional)")
    dedup.add_argument(
        "--text-column",
        metavar="COL",
        help="text column of CSV and Parquet files (other files: one text per line)",
    )
    group = dedup.add_argument_group("similarity")
    group.add_argument(
        "--threshold",
        type=float,
        default=0.8,
        help="Jaccard similarity, in (0, 1], from which texts are near-duplicates (default: 0.8)",
    )
    group.add_argument(
        "--shingle-size", type=int, default=5, metavar="N", help="n-gram size (default: 5)"
    )
    group.add_argument(
        "--analyzer", choices=("char", "word"), default="char", help="n-grams of (default: char)"
    )
    group.add_argument(
        "--n-jobs",
        type=int,
        default=-1,
        metavar="N",
        help="worker processes, -1 for all cores; results do not depend on it (default: -1)",
    )
    group.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: only when stderr is a terminal)",
    )
    _add_output_options(dedup, report_default=None)
    dedup.add_argument(
        "--top", type=int, default=10, metavar="K", help="pairs shown in the table (default: 10)"
    )
    dedup.set_defaults(run=_run_dedup)


def _read_texts(path: str, column: str | None, func: str) -> list[str]:
    """The texts of a CSV or Parquet column, or the lines of any other file (no column)."""
    file = Path(path)
    if file.suffix.lower() not in (".csv", *PARQUET_SUFFIXES):
        if not file.is_file():
            reason = "it is a directory" if file.is_dir() else "no such file"
            raise DataError(f"Cannot read {path}: {reason}.")
        try:
            content = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise DataError(f"Cannot read {path}: {type(exc).__name__}: {exc}") from exc
        lines = content.split("\n")
        lines = lines[:-1] if lines[-1] == "" else lines
        return [line.removesuffix("\r") for line in lines]
    if column is None:
        raise UsageError(
            param_error(func, "--text-column", f"given for {file.name}", _Plain("nothing"))
        )
    values = _column(read_predictions(path), column, "--text-column", func, file.name)
    texts = values.tolist()
    missing = [i for i, t in enumerate(texts) if not isinstance(t, str)]
    if missing:
        raise DataError(
            param_error(
                func,
                "--text-column",
                "a column of texts",
                _Plain(f"column {column!r} with {len(missing)} missing values (row {missing[0]})"),
            )
        )
    return texts


def _dedup_options(args: argparse.Namespace, func: str) -> dict[str, Any]:
    from .text_dedup import MinHashLSHStrategy

    try:
        n_jobs = check_n_jobs(args.n_jobs, func)
    except ValueError as exc:
        raise UsageError(str(exc).replace("'n_jobs'", "'--n-jobs'")) from None
    if not 0.0 < args.threshold <= 1.0:
        raise UsageError(param_error(func, "--threshold", "a float in (0, 1]", args.threshold))
    try:
        check_int(args.top, func, "--top", low=0)
        n = check_int(args.shingle_size, func, "--shingle-size", low=1)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return dict(
        threshold=args.threshold,
        strategy=MinHashLSHStrategy(n=n, analyzer=args.analyzer),
        n_jobs=n_jobs,
        progress=sys.stderr.isatty() if args.progress is None else args.progress,
    )


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _dedup_table(rows: list[tuple[int, int, float, str, str]], names: tuple[str, str], top: int):
    """The ``top`` most similar non-identical pairs, side by side."""
    shown = sorted(rows, key=lambda r: (-r[2], r[1]))[:top]
    if not shown:
        return []
    lines = [f"{names[0]:>7} {names[1]:>7}  Jaccard  {names[0] + ' text':<38} {names[1] + ' text'}"]
    for a, b, jaccard, text_a, text_b in shown:
        lines.append(f"{a:>7} {b:>7}  {jaccard:7.3f}  {_clip(text_a, 38):<38} {_clip(text_b, 38)}")
    return lines


def _dedup_summary(report: Any, source: str, test: str | None) -> list[str]:
    if test is None:
        n_near = len(report.dropped_pairs) - report.n_exact_duplicates
        return [
            f"{report.n_input} texts in {source}; threshold {report.threshold:g}",
            f"exact duplicates: {report.n_exact_duplicates}",
            f"near duplicates: {n_near}",
            f"kept: {len(report.kept_indices)}",
        ]
    n_leaked = len(report.pairs)
    return [
        f"train: {report.n_train} texts in {source}; test: {report.n_test} texts in {test}; "
        f"threshold {report.threshold:g}",
        f"leaked test items: {n_leaked} ({report.n_exact_duplicates} exact duplicates, "
        f"{n_leaked - report.n_exact_duplicates} near duplicates)",
    ]


def _run_dedup(args: argparse.Namespace) -> int:
    from .text_dedup import cross_dedup, near_dedup

    func = f"{PROG} dedup"
    options = _dedup_options(args, func)
    left = right = _read_texts(args.train, args.text_column, func)
    source, test = Path(args.train).name, args.test and Path(args.test).name
    if args.test is None:
        _say(f"looking for near-duplicates among {len(left)} texts of {source}")
        report: Any = near_dedup(left, **options)
        records, names = report.dropped_pairs, ("kept", "dropped")
        pairs = [(p.kept, p.dropped, p.estimated_jaccard, p.jaccard) for p in records]
    else:
        right = _read_texts(args.test, args.text_column, func)
        _say(f"looking for texts of {test} that near-duplicate one of {source}")
        report = cross_dedup(left, right, **options)
        names = ("train", "test")
        pairs = [
            (p.train_index, p.test_index, p.estimated_jaccard, p.jaccard) for p in report.pairs
        ]
    summary = _dedup_summary(report, source, test)
    if args.format == "json":
        print(json.dumps(report.to_dict()))
    elif args.format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow([*names, "estimated_jaccard", "jaccard"])
        writer.writerows(pairs)
    else:
        prepare = options["strategy"].prepare
        distinct = [
            (a, b, j, left[a], right[b])
            for a, b, _, j in pairs
            if prepare(left[a]) != prepare(right[b])
        ]
        print("\n".join(summary + _dedup_table(distinct, names, args.top)))
    if args.report is not None:
        from .report import write_dedup_report

        title = f"Duplicates in {source}" if test is None else f"Leakage of {test} from {source}"
        html_file = write_dedup_report(
            report, left, right, args.report, title=title, summary=summary
        )
        _say(f"report written to {html_file} and {html_file.with_name('results.json')}")
    return EXIT_OK


# ---- entry point ---------------------------------------------------------------------------


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    text = " ".join(str(message).split())
    print(f"{PROG}: warning: {text}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name; default: ``sys.argv[1:]``.

    Returns
    -------
    int
        0 on success, 1 when the data or a file cannot be used, 2 when the
        command line is wrong, 130 after Ctrl-C, 143 after SIGTERM (workers
        are stopped first in both cases).

    Examples
    --------
    >>> from eval_toolkit.cli import main
    >>> main(["compare", "missing.csv", "--label", "y", "--score-a", "a", "--score-b", "b"])
    1
    """
    parser = build_parser()
    prog = PROG
    try:
        with warnings.catch_warnings(), _sigterm_unwinds():
            warnings.showwarning = _one_line_warning
            args = parser.parse_args(argv)
            prog = f"{PROG} {args.command}"
            return args.run(args)
    except UsageError as exc:
        print(f"{exc.prog or prog}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (DataError, ValueError, ImportError, WorkerDiedError) as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_DATA
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except _Terminated:
        print(f"{prog}: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    except BrokenPipeError:
        # The reader of stdout went away (``| head``): stop quietly, as the
        # Python docs recommend, instead of a traceback at interpreter exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_DATA
