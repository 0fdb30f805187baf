"""The metric registry: every metric the package knows, described once.

Each :class:`MetricSpec` says what a metric needs (task, model output,
classes present), which way is better, its scikit-learn reference function,
its vectorised kernel and which closed forms it has.  :func:`resolve_metric`
turns whatever a user passes as ``metric=`` into one :class:`ResolvedMetric`;
every layer (functional API, meta-estimators, reports, command line) calls it
and nothing else keeps a list of metric names.

``metric=`` accepts

* a registry name (:func:`list_metrics`), e.g. ``"roc_auc"``, ``"f1_macro"``,
  ``"r2"``, ``"mean_absolute_error"`` (aliases ``"mae"``, ``"mse"``, ``"rmse"``);
* any scikit-learn scorer name (``sklearn.metrics.get_scorer_names()``).  A
  ``neg_`` name reports the metric itself (``"neg_log_loss"`` reports the log
  loss, with ``greater_is_better=False`` recorded in the result); a scorer
  name without a fast kernel runs the scorer's function on the generic path;
* a ``sklearn.metrics`` function, dispatched to the fast kernel when one
  computes exactly that function (keyword arguments of a ``make_scorer``
  scorer or a ``functools.partial`` are honoured);
* a scorer from ``sklearn.metrics.make_scorer`` (its score function and
  keyword arguments are used);
* any callable ``metric(y_true, y_pred) -> float`` (generic path: one call per
  resample and model, still parallel and reproducible).

Examples
--------
>>> from eval_toolkit.metrics import list_metrics, resolve_metric
>>> [spec.name for spec in list_metrics("regression")][:3]
['mean_absolute_error', 'mean_squared_error', 'root_mean_squared_error']
>>> m = resolve_metric("neg_root_mean_squared_error")
>>> m.name, m.greater_is_better
('root_mean_squared_error', False)
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from ._validation import param_error

__all__ = ["TASKS", "MetricSpec", "ResolvedMetric", "default_metrics", "get_metric",
           "list_metrics", "lookup_metric", "resolve_metric"]

TASKS = ("binary", "multiclass", "regression")

_PROBA = ("predict_proba",)
_RANKING = ("predict_proba", "decision_function")
_PREDICT = ("predict",)
_NO_OPTIONS: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class MetricSpec:
    """Everything the package knows about one metric.

    Attributes
    ----------
    name : str
        Registry name, e.g. ``"f1_macro"``.
    label : str
        Display name, e.g. ``"macro F1"``.
    tasks : tuple of str
        Among ``"binary"``, ``"multiclass"``, ``"regression"``.
    greater_is_better : bool
        Direction of the metric.
    response_method : dict of str to tuple of str
        Per task, the model outputs it is computed from, in order of
        preference (scikit-learn's ``response_method``).  Binary label metrics
        threshold the positive-class probability at ``0.5``.
    needs_probabilities : bool
        Whether its inputs must be probabilities in [0, 1].
    thresholded : bool
        Binary only: computed from ``score >= 0.5`` (a label metric).
    requires_classes : {"none", "both", "all"}
        Classes a resample must hold for the metric to be defined.
    sklearn_function : str
        Name of the reference function in :mod:`sklearn.metrics`.
    sklearn_kwargs : dict
        Keyword arguments that make that function compute this metric.
    parameters : dict
        Tunable options and their defaults (``{"alpha": 0.5}``); accepted as
        keyword arguments of the scikit-learn function or scorer.
    closed_form_loo : bool
        Leave-one-out values (BCa acceleration) in closed form, ``O(k)``;
        otherwise by evaluating the kernel once per distinct cell.
    influence : bool
        Influence values exist, so ``method="studentized"`` is available.
    bounds : tuple of float
        Range of the metric (the studentized interval works on a scale that
        keeps it); see :meth:`bounds_for`.
    task_bounds : dict of str to tuple of float
        Per-task ranges that differ from ``bounds`` (the binary Brier score
        is at most 1, the multiclass one at most 2).
    scorer_names : tuple of str
        scikit-learn scorer names that resolve to this metric.
    report_default : tuple of str
        Tasks whose comparison reports show it when no metric is named.
    gather_kind : str or None
        Regression metrics that are functions of per-sample sums: the family
        of their evaluator on resampled index rows (:meth:`gather`), used
        when nearly every sample is its own cell.
    kernels : dict of str to callable
        Per task, the factory of the vectorised kernel.
    """

    name: str
    label: str
    tasks: tuple[str, ...]
    greater_is_better: bool
    response_method: Mapping[str, tuple[str, ...]]
    sklearn_function: str
    kernels: Mapping[str, Callable[..., Any]] = field(repr=False)
    sklearn_kwargs: Mapping[str, Any] = field(default_factory=dict)
    parameters: Mapping[str, Any] = field(default_factory=dict)
    needs_probabilities: bool = False
    thresholded: bool = False
    requires_classes: str = "none"
    closed_form_loo: bool = True
    influence: bool = False
    bounds: tuple[float, float] = (0.0, 1.0)
    task_bounds: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    scorer_names: tuple[str, ...] = ()
    report_default: tuple[str, ...] = ()
    gather_kind: str | None = None

    def bounds_for(self, task: str) -> tuple[float, float]:
        """Range of the metric on ``task``.

        Parameters
        ----------
        task : str
            One of :data:`TASKS`.

        Returns
        -------
        tuple of float
            ``(low, high)``, possibly infinite.
        """
        return self.task_bounds.get(task, self.bounds)

    def reference(self, **options: Any) -> Callable[..., float]:
        """The scikit-learn function with this metric's keyword arguments.

        Parameters
        ----------
        **options
            Values of :attr:`parameters` (e.g. ``alpha=0.9``) and extra
            keyword arguments of the function (e.g. ``labels``).

        Returns
        -------
        callable
            ``f(y_true, y_pred) -> float``.
        """
        from sklearn import metrics

        kwargs = {**self.sklearn_kwargs, **self.parameters, **options}
        return functools.partial(getattr(metrics, self.sklearn_function), **kwargs)

    def gather(self, y: np.ndarray, pred: np.ndarray, **options: Any):
        """The regression evaluator on resampled index rows, or None (see :attr:`gather_kind`).

        Parameters
        ----------
        y, pred : ndarray of shape (n,)
            Targets and predictions.
        **options
            Values of :attr:`parameters`.

        Returns
        -------
        callable or None
            ``f(idx) -> values`` for an ``(r, n)`` index matrix.
        """
        if self.gather_kind is None:
            return None
        from ._kernels_regression import gather_evaluator

        return gather_evaluator(self.gather_kind, y, pred, **{**self.parameters, **options})

    def kernel(self, task: str, y: np.ndarray, pred: np.ndarray, mult: np.ndarray,
               **options: Any):
        """Build this metric's kernel for ``task`` on cells (see ``eval_toolkit._kernels``)."""
        return self.kernels[task](y, pred, mult, **{**self.parameters, **options})


@dataclass(frozen=True)
class ResolvedMetric:
    """What ``metric=`` resolved to: a registry metric with options, or a generic callable.

    Attributes
    ----------
    name : str
        Registry name, or the callable's name.
    label : str
        Display name.
    spec : MetricSpec or None
        The registry entry; None on the generic path.
    function : callable or None
        The callable the user passed (``f(y_true, y_pred) -> float``); the
        generic path runs it when no kernel applies.  None for names with a
        kernel.
    options : dict
        Kernel options (``alpha``, ``k``, ``labels``).
    greater_is_better : bool
        Direction (for a ``neg_`` scorer name: of the metric itself).
    response_method : tuple of str or None
        Model outputs it needs, when known.
    """

    name: str
    label: str
    spec: MetricSpec | None
    function: Callable[..., float] | None
    options: Mapping[str, Any]
    greater_is_better: bool
    response_method: tuple[str, ...] | None

    @property
    def is_fast(self) -> bool:
        """Whether a vectorised kernel computes it."""
        return self.spec is not None

    def check_method(self, method: Any, func: str) -> str:
        """Validate an interval method for this metric (the one place that does).

        Parameters
        ----------
        method : object
            The ``method`` argument as given.
        func : str
            Public function named in the error message.

        Returns
        -------
        str
            ``method``; ``"studentized"`` only for metrics with influence values.
        """
        from ._intervals import CI_METHODS
        from ._validation import check_option

        method = check_option(method, func, "method", CI_METHODS)
        if method == "studentized" and (self.spec is None or not self.spec.influence):
            names = ", ".join(s.name for s in _REGISTRY.values() if s.influence)
            raise ValueError(param_error(
                func, "method", "'percentile', 'basic' or 'bca' for this metric ('studentized' "
                f"needs a closed-form standard error: {names})", method))
        return method


# ---- kernel factories -------------------------------------------------------------------------


def _binary(name: str) -> Callable[..., Any]:
    def build(y, score, mult, *, n_bins=10, strategy="uniform", threshold=0.5, **_):
        from ._kernels import make_kernel

        return make_kernel(name, y, score, mult, n_bins=n_bins, strategy=strategy,
                           threshold=threshold)

    return build


def _confusion(metric: str, average: str = "macro") -> Callable[..., Any]:
    def build(y, pred, mult, *, n_classes, fixed_labels=False, **_):
        from ._kernels_multiclass import ConfusionTableKernel

        return ConfusionTableKernel(y, pred, mult, n_classes, metric, average=average,
                                    fixed_labels=fixed_labels)

    return build


def _per_sample(values: str) -> Callable[..., Any]:
    def build(y, proba, mult, **options):
        from . import _kernels_multiclass as mc
        from ._kernel_utils import MeanKernel

        if values == "top_k":
            return MeanKernel(mc.top_k_hits(y, proba, options["k"]), mult)
        return MeanKernel(getattr(mc, values)(y, proba), mult)

    return build


def _ece_multiclass(y, proba, mult, *, n_bins=10, **_):
    from ._kernels_multiclass import top_label_ece_kernel

    return top_label_ece_kernel(y, proba, mult, n_bins)


def _auc(kind: str, average: str) -> Callable[..., Any]:
    def build(y, proba, mult, **_):
        from . import _kernels_multiclass as mc

        cls = mc.OneVsRestAucKernel if kind == "ovr" else mc.OneVsOneAucKernel
        return cls(y, proba, mult, average)

    return build


def _regression(kind: str) -> Callable[..., Any]:
    def build(y, pred, mult, **options):
        from . import _kernels_regression as reg
        from ._kernel_utils import MeanKernel

        if kind in ("absolute_errors", "squared_errors", "absolute_percentage_errors"):
            return MeanKernel(getattr(reg, kind)(y, pred), mult)
        if kind == "pinball":
            return MeanKernel(reg.pinball_losses(y, pred, options["alpha"]), mult)
        return getattr(reg, kind)(y, pred, mult)

    return build


# ---- the table --------------------------------------------------------------------------------


def _spec(name, label, tasks, greater, response, function, kernels, **fields) -> MetricSpec:
    frozen = {k: MappingProxyType(dict(v)) for k, v in fields.items()
              if k in ("sklearn_kwargs", "parameters", "task_bounds")}
    return MetricSpec(
        name=name, label=label, tasks=tuple(tasks), greater_is_better=greater,
        response_method=MappingProxyType(dict(response)), sklearn_function=function,
        kernels=MappingProxyType(dict(kernels)), **{**fields, **frozen},
    )


def _classification_label_specs() -> list[MetricSpec]:
    specs = [
        _spec("accuracy", "accuracy", ("binary", "multiclass"), True,
              {"binary": _PROBA, "multiclass": _PREDICT}, "accuracy_score",
              # A mean of hits, not the confusion table's trace: the same
              # exact-integer ratio, with closed-form LOO and influence values.
              {"binary": _binary("accuracy"), "multiclass": _per_sample("label_hits")},
              influence=True, thresholded=True, report_default=("multiclass",),
              scorer_names=("accuracy",)),
        _spec("balanced_accuracy", "balanced accuracy", ("binary", "multiclass"), True,
              {"binary": _PROBA, "multiclass": _PREDICT}, "balanced_accuracy_score",
              {"binary": _binary("balanced_accuracy"),
               "multiclass": _confusion("balanced_accuracy")},
              requires_classes="both", closed_form_loo=False, thresholded=True,
              scorer_names=("balanced_accuracy",)),
    ]
    for metric, title in (("f1", "F1"), ("precision", "precision"), ("recall", "recall")):
        specs.append(_spec(
            metric, title, ("binary",), True, {"binary": _PROBA}, f"{metric}_score",
            {"binary": _binary(metric)}, closed_form_loo=False, thresholded=True,
            scorer_names=(metric,)))
        for average in ("macro", "micro", "weighted"):
            specs.append(_spec(
                f"{metric}_{average}", f"{average} {title}", ("multiclass",), True,
                {"multiclass": _PREDICT}, f"{metric}_score",
                {"multiclass": _confusion(metric, average)},
                sklearn_kwargs={"average": average, "zero_division": 0.0},
                closed_form_loo=False, scorer_names=(f"{metric}_{average}",),
                report_default=(
                    ("multiclass",) if (metric, average) == ("f1", "macro") else ())))
    specs += [
        _spec("specificity", "specificity", ("binary",), True, {"binary": _PROBA},
              "recall_score", {"binary": _binary("specificity")},
              sklearn_kwargs={"pos_label": 0}, closed_form_loo=False, thresholded=True),
        _spec("matthews_corrcoef", "Matthews correlation", ("multiclass",), True,
              {"multiclass": _PREDICT}, "matthews_corrcoef",
              {"multiclass": _confusion("matthews_corrcoef")}, closed_form_loo=False,
              bounds=(-1.0, 1.0), scorer_names=("matthews_corrcoef",)),
        _spec("cohen_kappa", "Cohen's kappa", ("multiclass",), True, {"multiclass": _PREDICT},
              "cohen_kappa_score", {"multiclass": _confusion("cohen_kappa")},
              closed_form_loo=False, bounds=(-1.0, 1.0)),
    ]
    return specs


def _classification_score_specs() -> list[MetricSpec]:
    specs = [
        _spec("roc_auc", "ROC AUC", ("binary",), True, {"binary": _RANKING}, "roc_auc_score",
              {"binary": _binary("roc_auc")}, requires_classes="both", influence=True,
              scorer_names=("roc_auc",), report_default=("binary",)),
        _spec("average_precision", "PR AUC (AP)", ("binary",), True, {"binary": _RANKING},
              "average_precision_score", {"binary": _binary("average_precision")},
              requires_classes="both", scorer_names=("average_precision",),
              report_default=("binary",)),
        _spec("log_loss", "log loss", ("binary", "multiclass"), False,
              {"binary": _PROBA, "multiclass": _PROBA}, "log_loss",
              {"binary": _binary("log_loss"), "multiclass": _per_sample("log_losses")},
              needs_probabilities=True, influence=True, bounds=(0.0, np.inf),
              scorer_names=("neg_log_loss",), report_default=("multiclass",)),
        _spec("brier", "Brier score", ("binary", "multiclass"), False,
              {"binary": _PROBA, "multiclass": _PROBA}, "brier_score_loss",
              {"binary": _binary("brier"), "multiclass": _per_sample("brier_values")},
              needs_probabilities=True, influence=True, bounds=(0.0, 2.0),
              task_bounds={"binary": (0.0, 1.0)}, scorer_names=("neg_brier_score",),
              report_default=("binary", "multiclass")),
        _spec("ece", "ECE", ("binary", "multiclass"), False,
              {"binary": _PROBA, "multiclass": _PROBA}, "",
              {"binary": _binary("ece"), "multiclass": _ece_multiclass},
              needs_probabilities=True, report_default=("multiclass",)),
        # Debiased L2 calibration error: its intervals cover where the plug-in
        # ECE's do not (doc/user_guide/coverage.rst), hence the report default.
        _spec("ece_debiased", "ECE (L2, debiased)", ("binary",), False, {"binary": _PROBA}, "",
              {"binary": _binary("ece_debiased")}, needs_probabilities=True,
              closed_form_loo=False, report_default=("binary",)),
        _spec("top_k_accuracy", "top-k accuracy", ("multiclass",), True,
              {"multiclass": _RANKING}, "top_k_accuracy_score",
              {"multiclass": _per_sample("top_k")}, parameters={"k": 2}, influence=True,
              scorer_names=("top_k_accuracy",)),
    ]
    for kind in ("ovr", "ovo"):
        for average in ("macro", "weighted"):
            suffix = "" if average == "macro" else "_weighted"
            specs.append(_spec(
                f"roc_auc_{kind}{suffix}", f"ROC AUC {kind.upper()} {average}", ("multiclass",),
                True, {"multiclass": _PROBA}, "roc_auc_score",
                {"multiclass": _auc(kind, average)},
                sklearn_kwargs={"multi_class": kind, "average": average},
                needs_probabilities=True, requires_classes="all", closed_form_loo=False,
                scorer_names=(f"roc_auc_{kind}{suffix}",),
                report_default=("multiclass",) if (kind, average) == ("ovr", "macro") else ()))
    return specs


def _regression_specs() -> list[MetricSpec]:
    reg = {"regression": _PREDICT}
    inf = (0.0, np.inf)
    return [
        _spec("mean_absolute_error", "MAE", ("regression",), False, reg, "mean_absolute_error",
              {"regression": _regression("absolute_errors")},
              gather_kind="absolute_errors", influence=True, bounds=inf,
              scorer_names=("neg_mean_absolute_error",), report_default=("regression",)),
        _spec("mean_squared_error", "MSE", ("regression",), False, reg, "mean_squared_error",
              {"regression": _regression("squared_errors")},
              gather_kind="squared_errors", influence=True, bounds=inf,
              scorer_names=("neg_mean_squared_error",)),
        _spec("root_mean_squared_error", "RMSE", ("regression",), False, reg,
              "root_mean_squared_error",
              {"regression": _regression("RootMeanSquaredErrorKernel")},
              gather_kind="RootMeanSquaredErrorKernel", influence=True,
              bounds=inf, scorer_names=("neg_root_mean_squared_error",),
              report_default=("regression",)),
        _spec("r2", "R^2", ("regression",), True, reg, "r2_score",
              {"regression": _regression("R2Kernel")},
              gather_kind="R2Kernel", influence=True,
              bounds=(-np.inf, 1.0), scorer_names=("r2",), report_default=("regression",)),
        _spec("explained_variance", "explained variance", ("regression",), True, reg,
              "explained_variance_score",
              {"regression": _regression("ExplainedVarianceKernel")}, closed_form_loo=False,
              bounds=(-np.inf, 1.0), scorer_names=("explained_variance",)),
        _spec("mean_absolute_percentage_error", "MAPE", ("regression",), False, reg,
              "mean_absolute_percentage_error",
              {"regression": _regression("absolute_percentage_errors")},
              gather_kind="absolute_percentage_errors", influence=True,
              bounds=inf, scorer_names=("neg_mean_absolute_percentage_error",)),
        _spec("median_absolute_error", "median absolute error", ("regression",), False, reg,
              "median_absolute_error",
              {"regression": _regression("MedianAbsoluteErrorKernel")},
              closed_form_loo=False, bounds=inf, scorer_names=("neg_median_absolute_error",)),
        _spec("mean_pinball_loss", "pinball loss", ("regression",), False, reg,
              "mean_pinball_loss", {"regression": _regression("pinball")},
              gather_kind="pinball",
              parameters={"alpha": 0.5}, influence=True, bounds=inf),
        _spec("d2_absolute_error", "D^2 absolute error", ("regression",), True, reg,
              "d2_absolute_error_score",
              {"regression": _regression("D2AbsoluteErrorKernel")}, closed_form_loo=False,
              bounds=(-np.inf, 1.0), scorer_names=("d2_absolute_error_score",)),
    ]


_REGISTRY: Mapping[str, MetricSpec] = MappingProxyType({
    spec.name: spec
    for spec in _classification_score_specs() + _classification_label_specs()
    + _regression_specs()
})
_ALIASES = MappingProxyType({"mae": "mean_absolute_error", "mse": "mean_squared_error",
                             "rmse": "root_mean_squared_error", "mape":
                             "mean_absolute_percentage_error", "brier_score_loss": "brier"})
_BY_SCORER = MappingProxyType({
    scorer: spec.name for spec in _REGISTRY.values() for scorer in spec.scorer_names
})


def list_metrics(task: str | None = None) -> tuple[MetricSpec, ...]:
    """The metrics with a vectorised kernel, optionally only those of one task.

    Parameters
    ----------
    task : {"binary", "multiclass", "regression"}, optional
        Keep only the metrics of this task.

    Returns
    -------
    tuple of MetricSpec
        In registry order.

    Examples
    --------
    >>> from eval_toolkit.metrics import list_metrics
    >>> [m.name for m in list_metrics("multiclass")][:4]
    ['log_loss', 'brier', 'ece', 'top_k_accuracy']
    """
    if task is not None and task not in TASKS:
        raise ValueError(param_error("list_metrics", "task", f"one of {TASKS} or None", task))
    return tuple(s for s in _REGISTRY.values() if task is None or task in s.tasks)


#: What :func:`default_metrics` returns.  Calibration is the debiased ECE, as
#: in the reports: the plug-in ECE's intervals undercover
#: (doc/user_guide/coverage.rst).  No multiclass ROC AUC: a slice lacking a
#: class would leave it undefined.
_DEFAULT_METRICS = MappingProxyType({
    "binary": ("roc_auc", "average_precision", "brier", "ece_debiased"),
    "multiclass": ("accuracy", "f1_macro", "log_loss"),
    "regression": ("mean_absolute_error", "root_mean_squared_error", "r2"),
})


def default_metrics(task: str) -> tuple[str, ...]:
    """The metrics an evaluation run reports when none are named.

    Used by :func:`eval_toolkit.harness.evaluate` and
    :func:`~eval_toolkit.harness.evaluate_folded`.  (Comparison reports pick
    theirs from ``MetricSpec.report_default`` and the kind of scores.)

    Parameters
    ----------
    task : {"binary", "multiclass", "regression"}

    Returns
    -------
    tuple of str
        Registry names.

    Examples
    --------
    >>> from eval_toolkit.metrics import default_metrics
    >>> default_metrics("regression")
    ('mean_absolute_error', 'root_mean_squared_error', 'r2')
    """
    if task not in TASKS:
        raise ValueError(param_error("default_metrics", "task", f"one of {TASKS}", task))
    return _DEFAULT_METRICS[task]


def get_metric(name: str) -> MetricSpec:
    """The registry entry of a metric name, alias or scikit-learn scorer name.

    Parameters
    ----------
    name : str
        E.g. ``"roc_auc"``, ``"mae"``, ``"neg_log_loss"``.

    Returns
    -------
    MetricSpec

    Examples
    --------
    >>> from eval_toolkit.metrics import get_metric
    >>> get_metric("neg_mean_absolute_error").label
    'MAE'
    """
    spec = lookup_metric(name)
    if spec is None:
        raise ValueError(param_error("get_metric", "name", _names_hint(), name))
    return spec


def lookup_metric(name: str) -> MetricSpec | None:
    """The registry entry of ``name`` (name, alias or scorer name), or None.

    Parameters
    ----------
    name : str
        A metric name.

    Returns
    -------
    MetricSpec or None

    Examples
    --------
    >>> from eval_toolkit.metrics import lookup_metric
    >>> lookup_metric("rmse").name, lookup_metric("max_error")
    ('root_mean_squared_error', None)
    """
    key = _ALIASES.get(name, name)
    key = _BY_SCORER.get(key, key)
    return _REGISTRY.get(key)


def _names_hint(also: str = "") -> str:
    return ("a metric name of eval_toolkit.metrics.list_metrics() (e.g. 'roc_auc', "
            "'f1_macro', 'r2'), a scikit-learn scorer name (sklearn.metrics.get_scorer_names()), "
            f"a callable{also}")


def resolve_metric(metric: Any, *, func: str = "resolve_metric", param: str = "metric",
                   also: str = "") -> ResolvedMetric:
    """Resolve anything accepted as ``metric=`` (see the module docstring).

    Parameters
    ----------
    metric : str, callable or scikit-learn scorer
        The metric as the user wrote it.
    func, param : str
        Public function and parameter named in error messages.
    also : str, default=""
        What else the caller accepts, appended to the error message
        (e.g. ``" or an OperatingPoint"``).

    Returns
    -------
    ResolvedMetric

    Raises
    ------
    ValueError
        If ``metric`` is an unknown name, or a scorer whose score function
        cannot be recovered.

    Examples
    --------
    >>> from sklearn.metrics import f1_score, make_scorer
    >>> from eval_toolkit.metrics import resolve_metric
    >>> resolve_metric(make_scorer(f1_score, average="macro")).name
    'f1_macro'
    >>> resolve_metric(lambda y, p: 0.0).is_fast
    False
    """
    if isinstance(metric, str):
        return _resolve_name(metric, func, param, also)
    if _is_sklearn_scorer(metric):
        return _resolve_scorer(metric, func, param)
    if callable(metric):
        return _resolve_callable(metric)
    raise ValueError(param_error(func, param, _names_hint(also), metric))


def _from_spec(spec: MetricSpec, options: Mapping[str, Any] | None = None,
               label: str | None = None, function: Callable | None = None) -> ResolvedMetric:
    return ResolvedMetric(
        name=spec.name, label=label or spec.name, spec=spec, function=function,
        options=MappingProxyType(dict(options or {})), greater_is_better=spec.greater_is_better,
        response_method=None,
    )


def _resolve_name(name: str, func: str, param: str, also: str) -> ResolvedMetric:
    spec = lookup_metric(name)
    if spec is not None:
        return _from_spec(spec)
    from sklearn.metrics import get_scorer, get_scorer_names

    if name in get_scorer_names():
        scorer = get_scorer(name)
        resolved = _resolve_scorer(scorer, func, param)
        label = name[4:] if name.startswith("neg_") else name
        return ResolvedMetric(label, label, None, resolved.function, resolved.options,
                              resolved.greater_is_better, resolved.response_method)
    raise ValueError(param_error(func, param, _names_hint(also), name))


def _is_sklearn_scorer(obj: Any) -> bool:
    from sklearn.metrics._scorer import _BaseScorer

    return isinstance(obj, _BaseScorer)


def _resolve_scorer(scorer: Any, func: str, param: str) -> ResolvedMetric:
    score_func = getattr(scorer, "_score_func", None)
    kwargs = getattr(scorer, "_kwargs", None)
    if not callable(score_func) or not isinstance(kwargs, Mapping):
        raise ValueError(param_error(
            func, param, "a scorer from sklearn.metrics.make_scorer (its score function and "
            "keyword arguments are needed to resample it; pass the metric function instead)",
            scorer))
    resolved = _resolve_callable(functools.partial(score_func, **kwargs) if kwargs
                                 else score_func)
    greater = getattr(scorer, "_sign", 1) > 0
    response = getattr(scorer, "_response_method", None)
    response = (response,) if isinstance(response, str) else tuple(response or ()) or None
    if resolved.spec is not None:
        greater = resolved.spec.greater_is_better
    return ResolvedMetric(resolved.name, resolved.label, resolved.spec, resolved.function,
                          resolved.options, greater, response)


def _resolve_callable(fn: Callable[..., float]) -> ResolvedMetric:
    base, kwargs = fn, {}
    if isinstance(fn, functools.partial) and not fn.args:
        base, kwargs = fn.func, dict(fn.keywords)
    label = getattr(base, "__name__", type(base).__name__)
    spec, options = _match_function(base, kwargs)
    if spec is not None:
        return _from_spec(spec, options, label, fn)
    greater = not label.endswith(("_error", "_loss", "_deviance"))
    return ResolvedMetric(label, label, None, fn, _NO_OPTIONS, greater, None)


def _match_function(fn: Any, kwargs: dict[str, Any]) -> tuple[MetricSpec | None, dict]:
    """The registry entry computing ``fn(**kwargs)`` exactly, with its options."""
    if getattr(fn, "__module__", "").split(".")[0] != "sklearn":
        return None, {}
    kwargs = _drop_defaults(fn, kwargs)
    for spec in _REGISTRY.values():
        if spec.sklearn_function != getattr(fn, "__name__", None) or spec.name == "specificity":
            continue
        # zero_division=0 is what the kernels do ("warn" also gives 0); pos_label
        # does not matter to multiclass averages.
        ignored = {"zero_division"} | ({"pos_label"} if "average" in spec.sklearn_kwargs else set())
        fixed = _drop_defaults(fn, dict(spec.sklearn_kwargs))
        extra = {k: v for k, v in kwargs.items() if k not in fixed and k not in ignored}
        same = all(kwargs.get(k, _MISSING) == v for k, v in fixed.items() if k not in ignored)
        if kwargs.get("zero_division", 0.0) not in (0, 0.0, "warn"):
            continue
        if same and set(extra) <= set(spec.parameters):
            return spec, extra
    return None, {}


_MISSING = object()


def _drop_defaults(fn: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    try:
        defaults = {p.name: p.default for p in inspect.signature(fn).parameters.values()}
    except (TypeError, ValueError):
        return kwargs
    return {k: v for k, v in kwargs.items()
            if not (k in defaults and _same(defaults[k], v))}


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b) and type(a) is type(b)
    except (TypeError, ValueError):
        return False
