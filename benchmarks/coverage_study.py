"""Coverage study: do eval_toolkit's 95% paired intervals contain the population difference?

Run ``python benchmarks/coverage_study.py --config full`` from the repository
root (see ``doc/user_guide/coverage.rst`` for its run time) or ``--config
small`` for a smoke run of well under a minute.  Every repetition draws a fresh
data set from a model whose population metrics are known, calls the public
paired functions, and records whether the 95% interval for delta =
metric(B) - metric(A) contains the population delta.  It writes a CSV of the
aggregated cells and, with ``--table``, the reStructuredText table that the
docs include (``doc/_generated/coverage_table.rst``).

Data-generating model (binormal on a latent scale, two correlated models):
``y ~ Bernoulli(prevalence)``; model m has a latent score
``eta_m = d_m * y + e_m`` with ``e_m ~ N(0, v_m)``, ``corr(e_A, e_B) = 0.5``,
and outputs the probability ``s_m = expit(t_m * (d_m * eta_m - d_m**2 / 2 +
logit(prevalence)))``: the true posterior (for v_m = 1) with temperature
``t_m``, so ``t_m < 1`` is under- and ``t_m > 1`` over-confident.  Model A has
``d = 1.0, t = 0.8``, model B ``d = 1.5, t = 1.6``.  The clustered scenarios
add an independent cluster effect ``N(0, tau**2)`` (``tau = 1``) to each
model's ``e_m``, shared by the 20 rows of a cluster, so rows are not
independent and ``v_m = 1 + tau**2``.

Population values (per model; the target is B's minus A's):

* ROC AUC ``Phi(d / sqrt(2 v))`` (closed form);
* accuracy at 0.5 (closed form: ``s >= 0.5`` iff ``eta >= (d**2/2 -
  logit(prevalence)) / d``);
* average precision ``integral of precision(t) dTPR(t)``, Brier score, and
  the calibration errors, by adaptive quadrature (``scipy.integrate.quad``)
  over the class-conditional normal densities of ``eta``:
  plug-in ECE ``sum_b |E[(s - y) 1{s in b}]|`` over 10 equal-width bins of
  [0, 1]; debiased L2 ECE ``sqrt(sum_b P(b) E[s - y | b]**2)`` over the 10
  equal-mass bins of the population score distribution;
* sensitivity at 90% specificity: the threshold is chosen on a validation set
  of the same size and transferred to the test set
  (``paired_bootstrap_op_point_diff`` with ``AtSpecificity(0.9)``,
  ``Sensitivity()``); population value ``1 - Phi((sqrt(v) z_0.9 - d) /
  sqrt(v))``.

Data sets with fewer than 2 samples of either class (in any split) are redrawn
(at most 0.6% of draws at n = 100, prevalence 0.05).  A call that raises or
returns a non-finite endpoint counts as a miss and in the ``failed`` column.
Each repetition has its own ``SeedSequence((scenario key, repetition))`` for the
data and bootstrap seed = repetition, so results do not depend on ``--n-jobs``.
Monte-Carlo standard error of a coverage c over R repetitions:
``sqrt(c (1 - c) / R)``.
"""

from __future__ import annotations

import argparse
import csv
import functools
import inspect
import math
import os
import sys
import time
import warnings
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import integrate, optimize, stats
from scipy.special import expit, logit

import eval_toolkit
from eval_toolkit import (
    paired_bootstrap_diff,
    paired_bootstrap_ece_diff,
    paired_bootstrap_op_point_diff,
)
from eval_toolkit._parallel import parallel_map
from eval_toolkit.operating_points import AtSpecificity, Sensitivity

N_BINS = 10
CI_METHODS = ("percentile", "basic", "bca", "studentized")
SPECIFICITY = 0.9
CLUSTER_SIZE = 20
TAU = 1.0
RHO = 0.5
CONFIDENCE = 0.95


# ---- the generating model and its population values ------------------------------------------


@dataclass(frozen=True)
class Model:
    """One model's latent score ``eta | y ~ N(d y, v)`` and its probability output."""

    d: float
    t: float
    prevalence: float
    v: float = 1.0

    def score(self, eta: np.ndarray) -> np.ndarray:
        return expit(self.t * (self.d * eta - self.d**2 / 2 + logit(self.prevalence)))

    def _eta_of_score(self, s: float) -> float:
        return (logit(s) / self.t + self.d**2 / 2 - logit(self.prevalence)) / self.d

    def _density(self, eta: float, y: int) -> float:
        return stats.norm.pdf(eta, loc=self.d * y, scale=math.sqrt(self.v))

    def _survival(self, eta: float, y: int) -> float:
        return stats.norm.sf(eta, loc=self.d * y, scale=math.sqrt(self.v))

    def _integral(self, f, lo: float = -np.inf, hi: float = np.inf) -> float:
        return integrate.quad(f, lo, hi, epsabs=1e-12, epsrel=1e-10, limit=400)[0]

    def roc_auc(self) -> float:
        return float(stats.norm.cdf(self.d / math.sqrt(2 * self.v)))

    def accuracy(self) -> float:
        cut = (self.d**2 / 2 - logit(self.prevalence)) / self.d
        pi = self.prevalence
        return pi * self._survival(cut, 1) + (1 - pi) * (1 - self._survival(cut, 0))

    def average_precision(self) -> float:
        pi = self.prevalence

        def precision_times_density(eta):
            tp, fp = pi * self._survival(eta, 1), (1 - pi) * self._survival(eta, 0)
            return tp / (tp + fp) * self._density(eta, 1)

        # Beyond 12 sd the density is < 1e-31 and tp + fp underflows to 0.
        half_width = 12 * math.sqrt(self.v)
        return self._integral(precision_times_density, self.d - half_width, self.d + half_width)

    def brier(self) -> float:
        pi = self.prevalence
        return self._integral(
            lambda e: (
                pi * (1 - self.score(e)) ** 2 * self._density(e, 1)
                + (1 - pi) * self.score(e) ** 2 * self._density(e, 0)
            )
        )

    def _gap(self, lo: float, hi: float) -> float:
        """``E[(s - y) 1{lo < eta <= hi}]``."""
        pi = self.prevalence
        return self._integral(
            lambda e: (
                pi * (self.score(e) - 1) * self._density(e, 1)
                + (1 - pi) * self.score(e) * self._density(e, 0)
            ),
            lo,
            hi,
        )

    def ece(self) -> float:
        inner = [self._eta_of_score(b / N_BINS) for b in range(1, N_BINS)]
        edges = [-np.inf, *inner, np.inf]
        return sum(abs(self._gap(lo, hi)) for lo, hi in zip(edges[:-1], edges[1:]))

    def ece_debiased(self) -> float:
        pi, sd = self.prevalence, math.sqrt(self.v)

        def cdf(eta):
            return pi * stats.norm.cdf(eta, self.d, sd) + (1 - pi) * stats.norm.cdf(eta, 0, sd)

        inner = [
            optimize.brentq(lambda e, q=q: cdf(e) - q / N_BINS, -30, 30, xtol=1e-14)
            for q in range(1, N_BINS)
        ]
        edges = [-np.inf, *inner, np.inf]
        squared = sum(self._gap(lo, hi) ** 2 * N_BINS for lo, hi in zip(edges[:-1], edges[1:]))
        return math.sqrt(squared)

    def sensitivity_at_specificity(self) -> float:
        threshold = math.sqrt(self.v) * stats.norm.ppf(SPECIFICITY)
        return self._survival(threshold, 1)


def models(sc: Scenario) -> tuple[Model, Model]:
    v = 1.0 + TAU**2 if sc.clustered else 1.0
    t_a = 1.0 if sc.calibrated_a else 0.8
    return Model(1.0, t_a, sc.prevalence, v), Model(1.5, 1.6, sc.prevalence, v)


# ---- scenarios, metrics, methods ----------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    n: int
    prevalence: float
    clustered: bool = False
    calibrated_a: bool = False  # model A with t = 1: calibrated, population CE 0

    @property
    def data(self) -> str:
        if self.clustered:
            return "clustered"
        return "A calibrated" if self.calibrated_a else "independent"

    @property
    def name(self) -> str:
        suffix = "" if self.data == "independent" else f" {self.data}"
        return f"n={self.n} prev={self.prevalence}{suffix}"

    @property
    def key(self) -> int:
        return zlib.crc32(self.name.encode())


@dataclass(frozen=True)
class Data:
    y: np.ndarray
    a: np.ndarray
    b: np.ndarray
    groups: np.ndarray


def _draw_split(rng: np.random.Generator, sc: Scenario, model_a: Model, model_b: Model) -> Data:
    while True:
        y = rng.random(sc.n) < sc.prevalence
        if min(y.sum(), (~y).sum()) >= 2:
            break
    noise = rng.multivariate_normal([0.0, 0.0], [[1.0, RHO], [RHO, 1.0]], size=sc.n)
    groups = np.arange(sc.n) // CLUSTER_SIZE
    if sc.clustered:
        effect = rng.normal(0.0, TAU, size=(groups[-1] + 1, 2))
        noise = noise + effect[groups]
    eta = y[:, None] * np.array([model_a.d, model_b.d]) + noise
    return Data(y.astype(int), model_a.score(eta[:, 0]), model_b.score(eta[:, 1]), groups)


@dataclass(frozen=True)
class Metric:
    name: str
    methods: tuple[str, ...]
    kind: str = "paired"  # "paired", "ece" (estimator=...), "op_point"
    estimator: str | None = None


METRICS = {
    "roc_auc": Metric("roc_auc", ("percentile", "bca", "studentized")),
    "average_precision": Metric("average_precision", ("percentile", "bca")),
    "accuracy": Metric("accuracy", ("percentile", "bca", "studentized")),
    "brier": Metric("brier", ("percentile", "bca", "studentized")),
    # "basic" is the bootstrap bias correction: does it rescue either estimator?
    "ece": Metric("ece", ("percentile", "basic", "bca"), "ece", "plugin"),
    "ece_debiased": Metric("ece_debiased", ("percentile", "basic", "bca"), "ece", "debiased"),
    "sensitivity_at_specificity": Metric(
        "sensitivity_at_specificity", ("percentile", "bca"), "op_point"
    ),
}


def population_delta(metric: str, sc: Scenario) -> float:
    model_a, model_b = models(sc)
    return float(getattr(model_b, metric)() - getattr(model_a, metric)())


@dataclass(frozen=True)
class Plan:
    """One scenario of a configuration: repetitions, resamples, metrics and methods."""

    scenario: Scenario
    repetitions: int
    n_resamples: int
    metrics: tuple[str, ...]
    methods: tuple[str, ...] = CI_METHODS
    skip: frozenset[tuple[str, str]] = frozenset()  # (metric, method) pairs not run

    def intervals(self) -> list[tuple[Metric, str]]:
        return [
            (METRICS[name], method)
            for name in self.metrics
            for method in METRICS[name].methods
            if method in self.methods and (name, method) not in self.skip
        ]


ALL = tuple(METRICS)
CALIBRATION = ("ece", "ece_debiased")
CLUSTER = ("roc_auc", "accuracy", "brier", "ece_debiased")
# BCa's jackknife is generic, O(n^2), for these two: 6-30 CPU-s per interval at n = 10,000.
_SLOW_BCA = frozenset({("ece_debiased", "bca"), ("sensitivity_at_specificity", "bca")})
_NO_STUDENTIZED = ("percentile", "basic", "bca")

# Scenarios run in this order; the table is rewritten after each one, so an
# interrupted run still leaves the most important rows.
CONFIGS = {
    "small": (
        Plan(
            Scenario(1000, 0.5),
            40,
            200,
            ("roc_auc", "brier", "ece", "ece_debiased"),
            ("percentile",),
        ),
        Plan(Scenario(1000, 0.5, clustered=True), 40, 200, ("roc_auc",), ("percentile",)),
    ),
    "full": (
        Plan(Scenario(1000, 0.5), 250, 500, ALL),
        Plan(Scenario(1000, 0.05), 250, 500, ALL),
        Plan(Scenario(1000, 0.5, calibrated_a=True), 250, 500, CALIBRATION),
        Plan(Scenario(1000, 0.5, clustered=True), 200, 500, CLUSTER, ("percentile", "bca")),
        Plan(Scenario(100, 0.5), 400, 1000, ALL),
        Plan(Scenario(100, 0.05), 400, 1000, ALL),
        Plan(Scenario(10_000, 0.5), 40, 500, ALL, skip=_SLOW_BCA),
        Plan(Scenario(10_000, 0.05), 40, 500, ALL, skip=_SLOW_BCA),
        Plan(Scenario(10_000, 0.5, calibrated_a=True), 40, 500, CALIBRATION, skip=_SLOW_BCA),
    ),
}


def groups_supported() -> bool:
    """Whether the installed eval_toolkit has the cluster bootstrap (``groups=``)."""
    return "groups" in inspect.signature(paired_bootstrap_diff).parameters


def _interval(metric: Metric, method: str, test: Data, val: Data, groups, **common):
    common.update(confidence=CONFIDENCE, method=method)
    if groups is not None:
        common["groups"] = groups
    if metric.kind == "op_point":
        return paired_bootstrap_op_point_diff(
            val.y,
            val.a,
            val.b,
            test.y,
            test.a,
            test.b,
            AtSpecificity(SPECIFICITY),
            Sensitivity(),
            **common,
        )
    if metric.kind == "ece":
        return paired_bootstrap_ece_diff(
            test.y, test.a, test.b, estimator=metric.estimator, n_bins=N_BINS, **common
        )
    return paired_bootstrap_diff(test.y, test.a, test.b, metric.name, **common)


def run_repetition(task: tuple[Plan, int], truths: dict) -> list[dict]:
    """All metrics and methods on one data set; one record per interval."""
    plan, rep = task
    sc = plan.scenario
    rng = np.random.default_rng(np.random.SeedSequence((sc.key, rep)))
    model_a, model_b = models(sc)
    test = _draw_split(rng, sc, model_a, model_b)
    val = _draw_split(rng, sc, model_a, model_b)
    resamplings = ["rows", "groups"] if sc.clustered and groups_supported() else ["rows"]
    records = []
    for metric, method in plan.intervals():
        for resampling in resamplings:
            groups = test.groups if resampling == "groups" else None
            record = _record(
                metric,
                method,
                test,
                val,
                truths[(sc, metric.name)],
                groups=groups,
                seed=rep,
                n_resamples=plan.n_resamples,
            )
            records.append(record | {"scenario": sc, "resampling": resampling})
    return records


def _record(metric, method, test, val, truth, **kwargs) -> dict:
    record = dict(
        metric=metric.name,
        method=method,
        failed=False,
        covered=False,
        width=math.nan,
        outside_range=False,
        degenerate_warning=False,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = _interval(metric, method, test, val, **kwargs)
        except Exception as exc:  # noqa: BLE001 - a failing method is a finding, not a crash
            record.update(failed=True, error=f"{type(exc).__name__}: {exc}"[:200])
            return record
    low, high = res.ci_low, res.ci_high
    record["estimate"] = res.delta
    record["degenerate_warning"] = any("undefined" in str(w.message) for w in caught)
    if not (math.isfinite(low) and math.isfinite(high)):
        record["failed"] = True
        return record
    record.update(
        covered=bool(low <= truth <= high),
        width=high - low,
        outside_range=bool(low < -1 or high > 1),
    )
    return record


# ---- aggregation and output ---------------------------------------------------------------------


@dataclass
class Cell:
    scenario: Scenario
    metric: str
    method: str
    resampling: str
    truth: float
    records: list = field(default_factory=list)

    @property
    def reps(self) -> int:
        return len(self.records)

    @property
    def coverage(self) -> float:
        return float(np.mean([r["covered"] for r in self.records]))

    @property
    def mc_error(self) -> float:
        c = self.coverage
        return math.sqrt(c * (1 - c) / self.reps)

    @property
    def bias_over_sd(self) -> float:
        """(mean estimate - population delta) / sd of the estimates."""
        estimates = [r["estimate"] for r in self.records if "estimate" in r]
        if len(estimates) < 2:
            return math.nan
        return float((np.mean(estimates) - self.truth) / np.std(estimates, ddof=1))

    def row(self) -> dict:
        widths = [r["width"] for r in self.records if not r["failed"]]
        return dict(
            n=self.scenario.n,
            prevalence=self.scenario.prevalence,
            data=self.scenario.data,
            metric=self.metric,
            method=self.method,
            resampling=self.resampling,
            population_delta=f"{self.truth:.6f}",
            repetitions=self.reps,
            coverage=f"{self.coverage:.3f}",
            mc_error=f"{self.mc_error:.3f}",
            failed=sum(r["failed"] for r in self.records),
            degenerate_warnings=sum(r["degenerate_warning"] for r in self.records),
            outside_range=sum(r["outside_range"] for r in self.records),
            mean_width=f"{np.mean(widths):.4f}" if widths else "nan",
            bias_over_sd=f"{self.bias_over_sd:+.2f}",
        )


def aggregate(records: list[dict], truths: dict) -> list[Cell]:
    cells: dict[tuple, Cell] = {}
    for r in records:
        key = (r["scenario"], r["metric"], r["method"], r["resampling"])
        if key not in cells:
            cells[key] = Cell(*key, truth=truths[(r["scenario"], r["metric"])])
        cells[key].records.append(r)
    return list(cells.values())


def write_csv(cells: list[Cell], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [c.row() for c in cells]
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def write_table(cells: list[Cell], path: Path, header: str) -> None:
    """One row per (scenario, metric, resampling), one column per method: coverage +- MC error."""
    methods = [m for m in CI_METHODS if any(c.method == m for c in cells)]
    rows: dict[tuple, dict] = {}
    for c in cells:
        order = list(METRICS).index(c.metric)
        sc = c.scenario
        key = (sc.clustered, sc.calibrated_a, sc.n, -sc.prevalence, order, c.resampling)
        entry = rows.setdefault(key, dict(cell=c, by_method={}))
        fail = sum(r["failed"] for r in c.records)
        text = f"{c.coverage:.3f} ± {c.mc_error:.3f}" + (f" ({fail} failed)" if fail else "")
        entry["by_method"][c.method] = text
    head = ["n", "prevalence", "data", "metric", "resampling", "delta", "bias / sd", "R"]
    head += methods
    body = []
    for key in sorted(rows):
        c = rows[key]["cell"]
        body.append(
            [
                str(c.scenario.n),
                str(c.scenario.prevalence),
                c.scenario.data,
                c.metric,
                c.resampling,
                f"{c.truth:+.4f}",
                f"{c.bias_over_sd:+.2f}",
                str(c.reps),
                *[rows[key]["by_method"].get(m, "") for m in methods],
            ]
        )
    lines = [
        ".. This file is generated by benchmarks/coverage_study.py; do not edit.",
        "",
        header,
        "",
        ".. list-table::",
        "   :header-rows: 1",
        "",
    ]
    for row in [head, *body]:
        lines.append("   * - " + row[0])
        lines.extend(f"     - {cell}" for cell in row[1:])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run(
    config_name: str, n_jobs: int, csv_path: Path, table_path: Path | None, progress: bool = False
) -> list[Cell]:
    """Run a configuration; rewrite the CSV (and table) each time a scenario completes."""
    plans = CONFIGS[config_name]
    tasks = [(plan, rep) for plan in plans for rep in range(plan.repetitions)]
    truths = {}
    for plan in plans:
        for name in plan.metrics:
            truths[(plan.scenario, name)] = population_delta(name, plan.scenario)
    start = time.perf_counter()
    fn = functools.partial(run_repetition, truths=truths)
    results = parallel_map(
        fn,
        tasks,
        n_jobs=n_jobs,
        description="coverage study",
        return_as="generator",
        progress=progress,
    )
    records: list[dict] = []
    done = 0
    remaining = {plan.scenario: plan.repetitions for plan in plans}
    for part, (plan, _) in zip(results, tasks):
        records.extend(part)
        remaining[plan.scenario] -= 1
        if remaining[plan.scenario] == 0:
            done += 1
            cells = aggregate(records, truths)
            elapsed = time.perf_counter() - start
            write_csv(cells, csv_path)
            if table_path is not None:
                write_table(cells, table_path, _header(config_name, plans, done, n_jobs, elapsed))
            print(
                f"[{elapsed:.0f} s] {plan.scenario.name}: done ({done} of {len(plans)} scenarios)",
                flush=True,
            )
            for c in cells:
                if c.scenario == plan.scenario:
                    print("  " + " ".join(f"{k}={v}" for k, v in c.row().items()), flush=True)
    return aggregate(records, truths)


def _header(config_name: str, plans: tuple, done: int, n_jobs: int, elapsed: float) -> str:
    done_text = "; ".join(
        f"n = {p.scenario.n:,}, prevalence {p.scenario.prevalence}, {p.scenario.data}: "
        f"R = {p.repetitions}, "
        f"B = {p.n_resamples}"
        for p in plans[:done]
    )
    text = (
        f"Configuration ``{config_name}`` ({done} of {len(plans)} scenarios: {done_text}). "
        "Each entry is the coverage of 95% intervals for delta = metric(B) - metric(A) "
        "± its Monte-Carlo standard error sqrt(c(1 - c)/R); failed = no finite interval "
        "(counted as a miss); delta = population value; bias / sd = (mean estimate - delta) "
        f"/ sd of the estimates. eval_toolkit {eval_toolkit.__version__}, "
        f"{elapsed / 60:.0f} min with n_jobs={n_jobs} on {os.cpu_count()} cores."
    )
    if not groups_supported():
        text += " The cluster bootstrap (``groups=``) was not available in this build."
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", choices=sorted(CONFIGS), default="small")
    parser.add_argument(
        "--n-jobs",
        type=int,
        default=1,
        help="processes for the repetitions (results do not depend on it)",
    )
    parser.add_argument(
        "--csv",
        type=Path,
        default=None,
        help="output CSV (default: benchmarks/results/coverage_<config>.csv)",
    )
    parser.add_argument(
        "--table",
        type=Path,
        default=None,
        help="also write the RST table here (the docs include doc/_generated/coverage_table.rst)",
    )
    parser.add_argument("--progress", action="store_true")
    args = parser.parse_args(argv)
    csv_path = args.csv or Path("benchmarks/results") / f"coverage_{args.config}.csv"
    run(args.config, args.n_jobs, csv_path, args.table, args.progress)
    return 0


if __name__ == "__main__":
    sys.exit(main())
