"""Global sensitivity analysis with SALib: Morris screening and Sobol indices on common random numbers.

The one-at-a-time analysis of ``simcoop.studies.sensitivity.sensitivity`` moves each assumption
alone around the base scenario; this module moves them all at once over their ranges,
so that interactions and non-linear effects show:

- **Morris** (elementary effects) screens many assumptions cheaply: ``r`` trajectories
  of ``D + 1`` points on a grid of ``num_levels`` levels. ``mu_star`` (mean absolute
  effect of moving one assumption over its range, in the output's unit) ranks them,
  ``sigma`` says how much that effect depends on the others (interactions, non-linearity).
- **Sobol** (Saltelli's scheme, second order) apportions the output's variance among a
  few assumptions: ``N (2D + 2)`` points; ``S1`` is the share of variance due to one
  assumption alone, ``ST`` its share including every interaction.

Each sample point is a scenario run over a few replications on the same root seed for
every point (common random numbers: replication ``r`` meets the same entrants and
chance events whatever the assumptions), and the model output ``Y`` is the mean over
those replications of a KPI. The differences between points are then due to the
assumptions, not to Monte Carlo noise, which is what elementary effects need.

Parameters are ``(dotted key, low, high)`` like ``experiments.sensitivity``: a plain key
takes values in ``[low, high]`` (clipped to the field's allowed range, whole numbers
rounded); a grouped key with ``*`` (``activities.sectors.*.turnover_median_eur_per_year``)
is one factor that multiplies every matched item, ``low`` and ``high`` being factors.

The functions follow SALib's shape: ``problem(params)``, ``sample(problem, method, n,
seed)``, ``evaluate(scenario, problem, X, ...)`` (the model runs) and ``analyze(problem,
method, X, Y, seed)``, pure apart from ``evaluate``; ``run_gsa`` chains them. Plotting
is in ``figure`` and imports matplotlib only when called. Confidence intervals are 95%
(bootstrap over trajectories for Morris, over sample rows for Sobol).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simcoop.executors import ChunkExecutor
from simcoop.results import KPI_LABELS, Results
from simcoop.results.manifest import build_manifest
from simcoop.scenario import Scenario, validate_data
from simcoop.scenario.dotted import expand, get_path
from simcoop.scenario.uncertain import set_numbers
from simcoop.scenario.errors import clip_to_field
from simcoop.studies.batch import simulate_many
from simcoop.studies.compare import COMPARISON_KPIS, DERIVED_KPIS, kpi_values
from simcoop.studies.sensitivity import default_sensitivity_parameters

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "DEFAULT_GSA_KEYS",
    "DEFAULT_OUTPUT",
    "DEFAULT_REPLICATIONS",
    "DEFAULT_SAMPLES",
    "METHODS",
    "GsaResult",
    "analyze",
    "check_parameters",
    "default_parameters",
    "evaluate",
    "figure",
    "output_names",
    "parse_param",
    "point_count",
    "problem",
    "run_gsa",
    "sample",
    "scenario_at",
    "uncertain_parameters",
]

METHODS: tuple[str, ...] = ("morris", "sobol")

#: Default sample size per method: Morris trajectories ``r``; Sobol base sample ``N`` (a power of 2).
DEFAULT_SAMPLES: dict[str, int] = {"morris": 10, "sobol": 64}

#: Replications per sample point by default (their mean is the output).
DEFAULT_REPLICATIONS = 10

#: Levels of the Morris grid (values at 0, 1/3, 2/3 and 1 of each range).
MORRIS_LEVELS = 4

#: The output analysed by default: the mean over replications of the lowest cooperative treasury.
DEFAULT_OUTPUT = "min_coop_treasury_eur"

#: The assumptions varied without ``--params``: eight of ``experiments.DEFAULT_SENSITIVITY``,
#: with the same ranges around the scenario's values. Left out: the ramp-up duration (whole
#: months, a coarse factor on a 4-level grid) and the initial treasury (it shifts every
#: treasury by the same amount; its effect is known without simulating).
DEFAULT_GSA_KEYS: tuple[str, ...] = (
    "territory.accueils_per_year_at_maturity",
    "pathway.entry_share",
    "activities.sectors.*.turnover_median_eur_per_year",
    "cooperative.contribution.rate",
    "pathway.exits.cesa_rate_per_year",
    "cooperative.staff.gross_salary_eur_per_month",
    "cooperative.overheads_eur_per_month",
    "cooperative.public_funding.*.amount_eur",
)

_CONFIDENCE = 0.95
_RESAMPLES = 100
_SAMPLING_TAG = 0x6A5A  # keeps the sampling generator apart from the simulation streams of the same seed


# --------------------------------------------------------------------------- problem


def parse_param(text: str) -> tuple[str, float, float]:
    """``"key.path=low:high"`` -> ``(key, low, high)``; raises ValueError saying what is wrong."""
    key, sep, bounds = text.partition("=")
    low_text, sep2, high_text = bounds.partition(":")
    if not sep or not sep2 or not key.strip():
        raise ValueError(f"{text!r}: expected key.path=low:high, e.g. cooperative.contribution.rate=0.08:0.12")
    try:
        low, high = float(low_text), float(high_text)
    except ValueError:
        raise ValueError(f"{text!r}: low and high must be numbers") from None
    if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
        raise ValueError(f"{text!r}: low must be below high")
    return key.strip(), low, high


def default_parameters(scenario: Scenario) -> list[tuple[str, float, float]]:
    """The scenario's uncertain keys over their declared distributions, else ``DEFAULT_GSA_KEYS``.

    With uncertain keys (``scenario.uncertainty``), each is varied over the central 90 % of
    its distribution (a uniform or triangular one over its whole range) or of its joint
    samples' column; keys whose samples do not vary are left out. Without, the ranges of
    ``experiments.default_sensitivity_parameters``: plain keys get absolute bounds around
    the scenario's value (clipped to the field's range); grouped keys are factors (0.8 to
    1.2); a grouped key that matches nothing in the scenario (no public funding, say) is
    left out.
    """
    if not scenario.uncertainty.empty:
        return uncertain_parameters(scenario)
    resolved = {key: (key, low, high) for key, low, high in default_sensitivity_parameters(scenario)}
    return [resolved[key] for key in DEFAULT_GSA_KEYS if key in resolved]


def uncertain_parameters(scenario: Scenario) -> list[tuple[str, float, float]]:
    """Each uncertain key of ``scenario`` with the range its distribution or joint samples declare (``default_parameters``)."""
    out = []
    for key, dist in scenario.uncertainty.distributions.items():
        bounded = dist.dist in ("uniform", "triangular")
        low, high = dist.support() if bounded else (dist.ppf(0.05), dist.ppf(0.95))
        out.append((key, float(low), float(high)))
    joint = scenario.uncertainty.joint
    if joint is not None:
        for key in joint.columns:
            low, high = np.quantile(np.asarray(joint.column(key), dtype=float), [0.05, 0.95])
            if high > low:
                out.append((key, float(low), float(high)))
    return out


def problem(params: Sequence[tuple[str, float, float]]) -> dict[str, Any]:
    """The SALib problem of some parameters: ``{"num_vars", "names", "bounds"}``."""
    if not params:
        raise ValueError("a sensitivity analysis needs at least one parameter")
    names = [key for key, _, _ in params]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ValueError(f"parameter given twice: {', '.join(duplicated)}")
    for key, low, high in params:
        if not low < high:
            raise ValueError(f"{key}: low ({low:g}) must be below high ({high:g})")
    return {"num_vars": len(params), "names": names, "bounds": [[float(low), float(high)] for _, low, high in params]}


def point_count(method: str, num_vars: int, samples: int) -> int:
    """How many scenario runs a sample of this size means (before removing duplicate points)."""
    if method == "morris":
        return samples * (num_vars + 1)
    if method == "sobol":
        return samples * (2 * num_vars + 2)
    raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")


def output_names() -> list[str]:
    """The KPIs that can be analysed: ``COMPARISON_KPIS`` (incl. ``insolvency_probability``) and every ``kpis`` column."""
    names = [k.key for k in COMPARISON_KPIS]
    return names + [k for k in KPI_LABELS if k not in names]


# --------------------------------------------------------------------------- sampling


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """Any seed input as a numpy Generator, kept apart from the simulation streams of the same seed."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(None if seed is None else [_SAMPLING_TAG, int(seed)])


def sample(
    problem: dict[str, Any],
    method: str,
    n: int | None = None,
    seed: int | np.random.Generator | None = None,
    num_levels: int = MORRIS_LEVELS,
) -> np.ndarray:
    """The sample matrix (one row per point, one column per parameter) of ``method``.

    ``n`` is the number of Morris trajectories, or Sobol's base sample size (a power of 2;
    the sample has ``n (2D + 2)`` rows); ``None`` takes ``DEFAULT_SAMPLES``. The same
    seed gives the same matrix.
    """
    n = DEFAULT_SAMPLES[method] if n is None and method in DEFAULT_SAMPLES else n
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(problem, int(n), num_levels=num_levels, seed=_rng(seed))
    if method == "sobol":
        if n is None or n < 2 or n & (n - 1):
            raise ValueError(f"the Sobol sample size must be a power of 2 (got {n}); e.g. 32, 64 or 128")
        from SALib.sample import sobol

        return sobol.sample(problem, int(n), calc_second_order=True, seed=_rng(seed))
    raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")


# --------------------------------------------------------------------------- model runs


def scenario_at(scenario: Scenario, names: Sequence[str], values: Sequence[float]) -> Scenario:
    """``scenario`` with every parameter set at once, validated once.

    Plain keys take the value clipped to the field's range (whole numbers rounded);
    grouped keys multiply every matched item of the base scenario by the value. A varied
    key is fixed at the point's value (no longer drawn); the scenario's other uncertain
    keys are still drawn by each replication.
    """
    data = scenario.to_dict()  # read as the base scenario until set_numbers changes it, after the loop
    fixed: list[tuple[str, float]] = []
    for key, value in zip(names, values, strict=True):
        parts = key.split(".")
        if "*" not in parts:
            fixed.append((key, clip_to_field(Scenario, key, float(value))))
            continue
        locations = expand(data, parts)
        if not locations:
            raise KeyError(f"{key}: matches nothing in scenario {scenario.meta.name!r}")
        for loc in locations:
            dotted = ".".join(str(p) for p in loc)
            current = get_path(data, [str(p) for p in loc])
            fixed.append((dotted, clip_to_field(Scenario, dotted, float(current) * float(value))))
    set_numbers(data, fixed)  # each key fixed, as set_key does, the joint samples filtered once
    return validate_data(data, source="<sensitivity point>")


def _output_means(results: Results, outputs: Sequence[str]) -> dict[str, float]:
    """Each output's mean over the replications (replications without a value left out)."""
    kpis = results.kpis
    # The derived KPIs only when asked: the others are kpis columns (the same floats either way),
    # and kpi_values reads the events for people_supported (3 ms a point of the parent's CPU).
    frame = kpi_values(results) if any(name in DERIVED_KPIS or name not in kpis for name in outputs) else {}
    means = {}
    for name in outputs:
        column = frame[name] if name in frame else pd.to_numeric(kpis[name], errors="coerce")
        values = column.to_numpy(dtype=float)
        values = values[~np.isnan(values)]
        means[name] = float(values.mean()) if values.size else math.nan
    return means


def evaluate(
    scenario: Scenario,
    problem: dict[str, Any],
    X: np.ndarray,
    outputs: Sequence[str] = (DEFAULT_OUTPUT,),
    replications: int = DEFAULT_REPLICATIONS,
    seed: int | None = None,
    jobs: int = 1,
    progress: bool = False,
    executor: ChunkExecutor | None = None,
) -> pd.DataFrame:
    """Run the scenario at every row of ``X``; one row per point, one column per output.

    Every point is run over ``replications`` replications on the same root ``seed``
    (common random numbers; default: the scenario's seed), and each output is the mean
    over them. Identical points (a Morris grid may repeat one) run once; how many runs
    that made is in ``frame.attrs["distinct_runs"]``.
    """
    unknown = [o for o in outputs if o not in output_names()]
    if unknown:
        raise ValueError(f"unknown output {', '.join(unknown)}; expected one of {', '.join(output_names())}")
    seed = scenario.simulation.seed if seed is None else int(seed)
    names = problem["names"]
    runs: list[Scenario] = []
    index_of_row: list[int] = []
    hashes: dict[str, int] = {}
    for row in X:
        point = scenario_at(scenario, names, row)
        digest = point.scenario_hash()
        if digest not in hashes:
            hashes[digest] = len(runs)
            runs.append(point)
        index_of_row.append(hashes[digest])
    means: dict[int, dict[str, float]] = {}
    for index, results in simulate_many(runs, replications, seed, jobs, progress, executor):
        means[index] = _output_means(results, outputs)
    frame = pd.DataFrame([means[i] for i in index_of_row], columns=list(outputs))
    frame.attrs["distinct_runs"] = len(runs)
    return frame


# --------------------------------------------------------------------------- analysis

#: Columns of the indices table per method (after ``output``, ``parameter`` and ``rank``).
INDEX_COLUMNS: dict[str, tuple[str, ...]] = {
    "morris": ("mu_star", "mu_star_conf", "mu", "sigma"),
    "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
}


def analyze(
    problem: dict[str, Any],
    method: str,
    X: np.ndarray,
    Y: pd.DataFrame | np.ndarray,
    seed: int | np.random.Generator | None = None,
    num_levels: int = MORRIS_LEVELS,
) -> pd.DataFrame:
    """The sensitivity indices of every output column of ``Y``, ranked within each output.

    Columns: ``output``, ``parameter``, ``rank`` (1 = most influential: by ``mu_star`` for
    Morris, by ``ST`` for Sobol), then ``INDEX_COLUMNS[method]``, then ``note``. An output
    that is constant over the sample (e.g. an insolvency probability of 1 everywhere)
    gets zero Morris effects or NaN Sobol indices, and the note ``constant``; one with
    missing values (no replication broke even at some point) gets NaN and the note
    ``missing values``. The bootstrap intervals depend on ``seed``.
    """
    if method not in INDEX_COLUMNS:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    frame = Y if isinstance(Y, pd.DataFrame) else pd.DataFrame({"y": np.asarray(Y, dtype=float)})
    columns = INDEX_COLUMNS[method]
    parts = []
    for output in frame.columns:
        y = frame[output].to_numpy(dtype=float)
        note = ""
        if np.isnan(y).any():
            values = {c: np.full(problem["num_vars"], np.nan) for c in columns}
            note = "missing values"
        elif np.ptp(y) == 0:
            fill = 0.0 if method == "morris" else np.nan
            values = {c: np.full(problem["num_vars"], fill) for c in columns}
            note = "constant"
        elif method == "morris":
            from SALib.analyze import morris

            found = morris.analyze(
                problem, X, y, num_resamples=_RESAMPLES, conf_level=_CONFIDENCE, num_levels=num_levels, seed=_rng(seed)
            )
            values = {c: np.asarray(found[c], dtype=float) for c in columns}
        else:
            from SALib.analyze import sobol

            found = sobol.analyze(
                problem, y, calc_second_order=True, num_resamples=_RESAMPLES, conf_level=_CONFIDENCE, seed=_rng(seed)
            )
            values = {c: np.asarray(found[c], dtype=float) for c in columns}
        part = pd.DataFrame({"output": output, "parameter": problem["names"], **values, "note": note})
        key = "mu_star" if method == "morris" else "ST"
        part = part.sort_values(key, ascending=False, kind="stable", na_position="last").reset_index(drop=True)
        part.insert(2, "rank", np.arange(1, len(part) + 1))
        parts.append(part)
    return pd.concat(parts, ignore_index=True)[["output", "parameter", "rank", *columns, "note"]]


# --------------------------------------------------------------------------- all together


@dataclass(frozen=True)
class GsaResult:
    """A global sensitivity analysis: its design, the sample, the outputs and the indices."""

    method: str
    problem: dict[str, Any]
    X: np.ndarray
    Y: pd.DataFrame
    indices: pd.DataFrame
    scenario_name: str
    scenario_hash: str
    seed: int
    replications: int
    samples: int
    runs: int  # distinct scenario runs (identical sample points run once)
    runtime_seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def samples_frame(self) -> pd.DataFrame:
        """One row per sample point: the parameter values, then the outputs (replication means)."""
        frame = pd.DataFrame(self.X, columns=self.problem["names"])
        frame.insert(0, "point", np.arange(len(frame)))
        return pd.concat([frame, self.Y.reset_index(drop=True)], axis=1)

    def manifest(self) -> dict[str, Any]:
        """Provenance: version, scenario hash, method, sizes, seed, the problem and the outputs."""
        return build_manifest(
            "sensitivity",
            self.seed,
            None,
            self.runtime_seconds,
            method=self.method,
            scenario_name=self.scenario_name,
            scenario_hash=self.scenario_hash,
            replications_per_point=self.replications,
            samples=self.samples,
            points=len(self.X),
            distinct_runs=self.runs,
            morris_levels=MORRIS_LEVELS if self.method == "morris" else None,
            confidence=_CONFIDENCE,
            bootstrap_resamples=_RESAMPLES,
            parameters=[
                {"key": name, "low": low, "high": high, "grouped_factor": "*" in name}
                for name, (low, high) in zip(self.problem["names"], self.problem["bounds"], strict=True)
            ],
            outputs=list(self.Y.columns),
        )

    def to_text(self) -> str:
        """The ranked indices for the terminal, one block per output."""
        columns = INDEX_COLUMNS[self.method]
        title = {
            "morris": f"Morris screening: {self.samples} trajectories, {MORRIS_LEVELS} levels",
            "sobol": f"Sobol indices (Saltelli): N = {self.samples}",
        }[self.method]
        lines = [
            (
                f"{title}, {len(self.X)} points x {self.replications} replications on common random numbers "
                f"(seed {self.seed}); output = mean over the replications; 95% intervals"
            )
        ]
        for output, part in self.indices.groupby("output", sort=False):
            note = part["note"].iloc[0]
            lines += ["", f"{output}{f'  ({note})' if note else ''}"]
            lines.append(f"  {'#':>2}  {'parameter':54}" + "".join(f"{c:>14}" for c in columns))
            for _, row in part.iterrows():
                cells = "".join(f"{_number(row[c]):>14}" for c in columns)
                lines.append(f"  {row['rank']:>2}  {_short(row['parameter'], 53):54}{cells}")
        return "\n".join(lines)


def run_gsa(
    scenario: Scenario,
    params: Sequence[tuple[str, float, float]] | None = None,
    method: str = "morris",
    outputs: Sequence[str] = (DEFAULT_OUTPUT,),
    replications: int = DEFAULT_REPLICATIONS,
    samples: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    progress: bool = False,
    executor: ChunkExecutor | None = None,
) -> GsaResult:
    """Sample, run and analyse: ``problem`` -> ``sample`` -> ``evaluate`` -> ``analyze``.

    ``params`` default to ``default_parameters(scenario)``; ``samples`` to
    ``DEFAULT_SAMPLES[method]``; ``seed`` (the scenario's by default) drives the sample,
    the simulations and the bootstrap, so the same seed gives the same indices.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    if replications < 1:
        raise ValueError("replications must be >= 1")
    seed = scenario.simulation.seed if seed is None else int(seed)
    samples = DEFAULT_SAMPLES[method] if samples is None else int(samples)
    spec = problem(default_parameters(scenario) if params is None else params)
    started = time.perf_counter()
    X = sample(spec, method, samples, seed)
    Y = evaluate(scenario, spec, X, outputs, replications, seed, jobs, progress, executor)
    indices = analyze(spec, method, X, Y, seed)
    return GsaResult(
        method=method, problem=spec, X=X, Y=Y, indices=indices, scenario_name=scenario.meta.name,
        scenario_hash=scenario.scenario_hash(), seed=seed, replications=replications, samples=samples,
        runs=int(Y.attrs.get("distinct_runs", len(X))), runtime_seconds=time.perf_counter() - started,
    )  # fmt: skip


def check_parameters(scenario: Scenario, params: Sequence[tuple[str, float, float]]) -> list[str]:
    """Check each parameter on ``scenario`` before spending time.

    Raises KeyError for a key that does not exist, ValueError for a bound outside the
    field's allowed range, ScenarioError for bounds that make an invalid scenario; returns
    warnings for bounds rounded to whole numbers.
    """
    warnings = []
    names = [key for key, _, _ in params]
    for key, low, high in params:
        for bound in (low, high):
            scenario_at(scenario, [key], [bound])  # KeyError or ScenarioError
            if "*" not in key:
                applied = clip_to_field(Scenario, key, bound)
                if applied == bound:
                    continue
                if applied != round(bound):  # not a whole-number field's rounding
                    raise ValueError(
                        f"{key}: {bound:g} is outside the field's allowed range (it would be clipped to {applied:g})"
                    )
                warnings.append(f"{key}: {bound:g} is rounded or clipped to {applied:g}")
    scenario_at(scenario, names, [low for _, low, _ in params])
    scenario_at(scenario, names, [high for _, _, high in params])
    return warnings


# --------------------------------------------------------------------------- chart


def figure(result: GsaResult) -> Figure:
    """A ranked horizontal bar chart per output: Morris ``mu_star`` (with ``sigma`` as dots) or Sobol
    ``S1`` and ``ST``, each with its 95% interval. Imports matplotlib (Agg) only when called."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    outputs = list(result.Y.columns)
    d = result.problem["num_vars"]
    fig, axes = plt.subplots(
        len(outputs), 1, figsize=(9, 1.2 + 0.45 * d * len(outputs) + 0.6 * len(outputs)), squeeze=False
    )
    for ax, output in zip(axes[:, 0], outputs, strict=True):
        part = result.indices[result.indices["output"] == output].iloc[::-1]  # most influential on top
        y = np.arange(len(part))
        labels = [_short(p, 60) for p in part["parameter"]]
        if result.method == "morris":
            ax.barh(
                y, part["mu_star"], xerr=part["mu_star_conf"], color="#3b6ea5", capsize=3, label="mu* (mean |effect|)"
            )
            ax.plot(part["sigma"], y, "o", color="#d98c1f", label="sigma (interactions)")
            ax.set_xlabel(f"effect on {output} over the parameter's range")
        else:
            h = 0.38
            ax.barh(y + h / 2, part["ST"], h, xerr=part["ST_conf"], color="#3b6ea5", capsize=3, label="ST (total)")
            ax.barh(
                y - h / 2, part["S1"], h, xerr=part["S1_conf"], color="#9cc3e6", capsize=3, label="S1 (first order)"
            )
            ax.set_xlabel(f"share of the variance of {output}")
        ax.set_yticks(y, labels, fontsize=8)
        ax.axvline(0, color="#444", linewidth=0.6)
        note = part["note"].iloc[0]
        if note:
            ax.text(0.5, 0.5, f"no indices: {note}", transform=ax.transAxes, ha="center", va="center", color="#666")
        ax.set_title(f"{output}{f' ({note})' if note else ''}", fontsize=10)
        ax.legend(fontsize=8, loc="lower right")
    title = {"morris": "Morris screening", "sobol": "Sobol indices"}[result.method]
    fig.suptitle(
        f"{result.scenario_name}: {title}, {len(result.X)} points x {result.replications} replications, 95% intervals",
        fontsize=10,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    return fig


# --------------------------------------------------------------------------- formatting


def _number(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    value = float(value)
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else "…" + text[-(width - 1) :]
