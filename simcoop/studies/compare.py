"""Experiments on common random numbers: comparisons, variants in one file, sensitivity.

Replication ``r`` under root seed ``s`` draws the same random streams whatever the
scenario (``simcoop.streams``), so scenarios run on the same seed meet the same
entrants, the same turnover shocks and the same funders' decisions as far as their
rules let them. Their differences are therefore read replication by replication
(paired), which removes most of the Monte Carlo noise from a comparison.

- ``compare``: several scenarios side by side, each against the first (the baseline);
- ``load_variants``: a scenario file with a ``variants:`` block, as named scenarios;
- ``sensitivity``: one-at-a-time variations of the assumptions that matter (the
  report's tornado chart).

Confidence intervals are 95%: Student t on means and on paired differences (for a
proportion the paired difference is the mean of per-replication differences in 0/1,
i.e. the Wald interval for paired proportions), Wilson on a scenario's proportions.
"""

from __future__ import annotations

import difflib
import json
import math
import multiprocessing
import os
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simcoop._atomic import write_json_atomically, write_text_atomically
from simcoop._version import __version__
from simcoop._yaml import parse_yaml
from simcoop.results import OutputExistsError, Results
from simcoop.runner import run_replications
from simcoop.scenario import (
    VARIANTS_KEY,
    Problem,
    Scenario,
    ScenarioError,
    load_scenario,
    split_variants,
    validate_data,
)
from simcoop.verdict import wilson_interval

if TYPE_CHECKING:
    from simcoop.model import ReplicationOutput

__all__ = [
    "COMPARISON_KPIS",
    "DEFAULT_SENSITIVITY",
    "SENSITIVITY_COLUMNS",
    "Comparison",
    "ComparisonKpi",
    "Variation",
    "check_comparison_output",
    "compare",
    "comparison_manifest_key",
    "default_sensitivity_parameters",
    "load_variants",
    "sensitivity",
    "sensitivity_swings",
    "sensitivity_text",
    "simulate_many",
    "write_csv",
]

_CONFIDENCE = 0.95


# --------------------------------------------------------------------------- running


def _run_chunk(scenario: Scenario, seed: int, replications: list[int]) -> tuple[list[ReplicationOutput], float]:
    """Run some replications of one scenario in a worker; also says how long it took (s)."""
    started = time.perf_counter()
    outputs = run_replications(scenario, seed, replications, jobs=1)
    return outputs, time.perf_counter() - started


def simulate_many(
    scenarios: Sequence[Scenario],
    replications: int,
    seed: int,
    jobs: int = 1,
    progress: bool = False,
) -> Iterator[tuple[int, Results]]:
    """Simulate several scenarios on the same seed and yield ``(index, Results)`` as each completes.

    One pool of ``jobs`` worker processes serves every scenario (rather than one pool per
    scenario), and each scenario's results are assembled as soon as its last replication
    is in, so a long list never holds every scenario's raw outputs at once. Numbers do not
    depend on ``jobs``. ``runtime_seconds`` of each Results is the time its replications
    took, summed over workers.
    """
    if replications < 1:
        raise ValueError("replications must be >= 1")
    if jobs < 1:
        raise ValueError("jobs must be >= 1")
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=replications * len(scenarios), desc="simulating", unit="rep", leave=False)
    try:
        if jobs == 1 or replications * len(scenarios) <= 1:
            for index, scenario in enumerate(scenarios):
                if bar is not None:
                    bar.set_description(f"simulating {scenario.meta.name}")
                started = time.perf_counter()
                outputs = run_replications(
                    scenario, seed, range(replications), jobs=1, on_progress=bar.update if bar else None
                )
                runtime = time.perf_counter() - started
                yield index, Results.from_outputs(scenario, outputs, seed=seed, runtime_seconds=runtime, jobs=1)
            return
        yield from _simulate_in_pool(scenarios, replications, seed, jobs, bar)
    finally:
        if bar is not None:
            bar.close()


def _simulate_in_pool(
    scenarios: Sequence[Scenario], replications: int, seed: int, jobs: int, bar: Any
) -> Iterator[tuple[int, Results]]:
    # Chunks small enough to keep both workers busy and the bar moving, large enough that
    # sending the scenario to the worker is negligible.
    size = max(1, min(25, replications // (jobs * 2)))
    indices = list(range(replications))
    chunks = [indices[i : i + size] for i in range(0, replications, size)]
    outputs: dict[int, list[ReplicationOutput]] = {i: [] for i in range(len(scenarios))}
    seconds = dict.fromkeys(range(len(scenarios)), 0.0)
    left = dict.fromkeys(range(len(scenarios)), len(chunks))
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context)
    try:
        pending: dict[Future[tuple[list[ReplicationOutput], float]], int] = {}
        for index, scenario in enumerate(scenarios):
            for chunk in chunks:
                pending[pool.submit(_run_chunk, scenario, seed, chunk)] = index
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                index = pending.pop(future)
                chunk_outputs, chunk_seconds = future.result()
                outputs[index].extend(chunk_outputs)
                seconds[index] += chunk_seconds
                left[index] -= 1
                if bar is not None:
                    bar.update(len(chunk_outputs))
                if left[index] == 0:
                    done_outputs = sorted(outputs.pop(index), key=lambda o: o.replication)
                    scenario = scenarios[index]
                    yield (
                        index,
                        Results.from_outputs(
                            scenario, done_outputs, seed=seed, runtime_seconds=seconds[index], jobs=jobs
                        ),
                    )
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# --------------------------------------------------------------------------- statistics


def _t_quantile(df: int) -> float:
    from scipy.stats import t

    return float(t.ppf(0.5 + _CONFIDENCE / 2, df))


def _mean_interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and its 95% Student t interval (NaN bounds with fewer than two values)."""
    n = values.size
    if n == 0:
        return (math.nan, math.nan, math.nan)
    mean = float(values.mean())
    if n < 2:
        return (mean, math.nan, math.nan)
    half = _t_quantile(n - 1) * float(values.std(ddof=1)) / math.sqrt(n)
    return (mean, mean - half, mean + half)


# --------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class ComparisonKpi:
    """One line of the comparison table: a KPI, how it is summarised and how it is printed."""

    key: str
    label: str
    kind: str  # "proportion" (0/1 per replication: Wilson interval) or "mean" (Student t)
    unit: str  # "share" (printed as %), "eur", "months", "people", "fte", "ratio"


#: The KPIs a funder reads, in the order of the table (labels short enough for a terminal line).
COMPARISON_KPIS: tuple[ComparisonKpi, ...] = (
    ComparisonKpi("insolvency_probability", "probability of insolvency", "proportion", "share"),
    ComparisonKpi("break_even_reached", "breaks even within the horizon (share)", "proportion", "share"),
    ComparisonKpi("break_even_month", "break-even month (when reached)", "mean", "months"),
    ComparisonKpi("people_supported", "people supported (CAPE or CESA)", "mean", "people"),
    ComparisonKpi("active_end", "entrepreneurs active at the end", "mean", "people"),
    ComparisonKpi("jobs_fte_final_year", "jobs in FTE, last year", "mean", "fte"),
    ComparisonKpi("positive_exit_rate", "positive exits (own company or job)", "mean", "share"),
    ComparisonKpi("turnover_eur", "turnover invoiced (EUR)", "mean", "eur"),
    ComparisonKpi("public_funding_eur", "public funding received (EUR)", "mean", "eur"),
    ComparisonKpi("public_cost_eur", "public money incl. feasibility (EUR)", "mean", "eur"),
    ComparisonKpi("public_cost_per_supported_eur", "public money per person supported (EUR)", "mean", "eur"),
    ComparisonKpi("public_funding_per_job_eur", "public funding per FTE job-year (EUR)", "mean", "eur"),
    ComparisonKpi("contributions_to_funding_ratio", "social contributions per EUR of funding", "mean", "ratio"),
    ComparisonKpi("public_share_in_criterion_year", "public share of budget, criterion year", "mean", "share"),
    ComparisonKpi("min_coop_treasury_eur", "lowest cooperative treasury (EUR)", "mean", "eur"),
    ComparisonKpi("final_coop_treasury_eur", "cooperative treasury at the end (EUR)", "mean", "eur"),
    ComparisonKpi("final_own_funds_eur", "own funds at the end (EUR)", "mean", "eur"),
)


def _kpi_values(results: Results) -> pd.DataFrame:
    """One row per replication (indexed by replication), one float column per comparison KPI."""
    from simcoop.verdict import _people_supported  # one definition of "people supported"

    kpis = results.kpis
    be = kpis["break_even_month"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    frame = pd.DataFrame(
        {
            "insolvency_probability": kpis["insolvent"].to_numpy(dtype=float),
            "break_even_reached": (~np.isnan(be)).astype(float),
            "break_even_month": be,
            "people_supported": np.asarray(_people_supported(results), dtype=float),
        },
        index=pd.Index(kpis["replication"].to_numpy(), name="replication"),
    )
    for kpi in COMPARISON_KPIS:
        if kpi.key not in frame:
            frame[kpi.key] = pd.to_numeric(kpis[kpi.key], errors="coerce").to_numpy(dtype=float)
    return frame[[k.key for k in COMPARISON_KPIS]]


@dataclass(frozen=True)
class Comparison:
    """Scenarios run on common random numbers, each compared with the first (the baseline)."""

    results: dict[str, Results]  # label -> results, baseline first
    replications: int
    seed: int

    @property
    def baseline(self) -> str:
        return next(iter(self.results))

    @property
    def outcomes(self) -> dict[str, str]:
        """Each scenario's verdict outcome (``simcoop.verdict.OUTCOMES``)."""
        return {label: results.verdict().outcome for label, results in self.results.items()}

    def long(self) -> pd.DataFrame:
        """The tidy form: one row per KPI and scenario.

        Columns: kpi, label, scenario, n, mean, ci_low, ci_high, and against the baseline
        (NaN on the baseline's own rows): diff, diff_ci_low, diff_ci_high, pairs, significant.
        ``mean`` is a proportion for the ``proportion`` KPIs; ``n`` counts the replications
        with a value (e.g. those that break even), ``pairs`` the replications where both
        scenarios have one.
        """
        values = {label: _kpi_values(results) for label, results in self.results.items()}
        base = values[self.baseline]
        rows = []
        for kpi in COMPARISON_KPIS:
            for label, frame in values.items():
                column = frame[kpi.key].to_numpy()
                present = column[~np.isnan(column)]
                if kpi.kind == "proportion":
                    mean = float(present.mean()) if present.size else math.nan
                    low, high = (
                        wilson_interval(int(present.sum()), int(present.size)) if present.size else (math.nan, math.nan)
                    )
                else:
                    mean, low, high = _mean_interval(present)
                row: dict[str, Any] = {
                    "kpi": kpi.key, "label": kpi.label, "scenario": label, "n": int(present.size),
                    "mean": mean, "ci_low": low, "ci_high": high,
                    "diff": math.nan, "diff_ci_low": math.nan, "diff_ci_high": math.nan, "pairs": 0, "significant": pd.NA,
                }  # fmt: skip
                if label != self.baseline:
                    paired = pd.concat([frame[kpi.key], base[kpi.key]], axis=1, join="inner").dropna().to_numpy()
                    diffs = paired[:, 0] - paired[:, 1]
                    diff, d_low, d_high = _mean_interval(diffs)
                    if diffs.size >= 2 and np.all(diffs == diffs[0]):
                        d_low = d_high = diff  # no spread at all: the interval is the point
                    if kpi.kind == "proportion" and diffs.size >= 2:
                        d_low, d_high = max(d_low, -1.0), min(d_high, 1.0)
                    row.update(diff=diff, diff_ci_low=d_low, diff_ci_high=d_high, pairs=int(diffs.size))
                    if diffs.size >= 2:
                        row["significant"] = bool(d_low > 0 or d_high < 0)
                rows.append(row)
        frame = pd.DataFrame(rows)
        frame["significant"] = frame["significant"].astype("boolean")
        return frame

    def table(self) -> pd.DataFrame:
        """One row per KPI; per scenario ``<name>:mean``, ``:ci_low``, ``:ci_high``, ``:n``; per
        scenario other than the baseline ``:diff``, ``:diff_ci_low``, ``:diff_ci_high``,
        ``:significant`` (difference scenario minus baseline, paired). A last row,
        ``verdict_outcome``, holds each scenario's verdict in ``<name>:verdict`` (a text
        column empty on the other rows, so the number columns stay numbers).
        """
        long = self.long()
        table = pd.DataFrame({"kpi": [k.key for k in COMPARISON_KPIS], "label": [k.label for k in COMPARISON_KPIS]})
        outcomes = self.outcomes
        for label in self.results:
            part = long[long["scenario"] == label].set_index("kpi").reindex(table["kpi"])
            fields = ["mean", "ci_low", "ci_high", "n"]
            if label != self.baseline:
                fields += ["diff", "diff_ci_low", "diff_ci_high", "significant"]
            for name in fields:
                table[f"{label}:{name}"] = part[name].to_numpy()
            table[f"{label}:verdict"] = pd.Series([pd.NA] * len(table), dtype="string")
        verdict_row: dict[str, Any] = {"kpi": "verdict_outcome", "label": "feasibility verdict"}
        verdict_row.update({f"{label}:verdict": outcome for label, outcome in outcomes.items()})
        table = pd.concat([table, pd.DataFrame([verdict_row])], ignore_index=True)
        for label in self.results:
            table[f"{label}:n"] = table[f"{label}:n"].astype("Int64")
            if label != self.baseline:
                table[f"{label}:significant"] = table[f"{label}:significant"].astype("boolean")
            table[f"{label}:verdict"] = table[f"{label}:verdict"].astype("string")
        return table

    def manifest(self) -> dict[str, Any]:
        """Provenance of the comparison: version, seed, replications, each scenario's hash and verdict."""
        return {
            "simcoop_version": __version__,
            "kind": "comparison",
            "seed": self.seed,
            "replications": self.replications,
            "baseline": self.baseline,
            "scenarios": [
                {
                    "label": label,
                    "name": r.scenario.meta.name,
                    "scenario_hash": r.scenario.scenario_hash(),
                    "outcome": outcome,
                }
                for (label, r), outcome in zip(self.results.items(), self.outcomes.values(), strict=True)
            ],
            "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        }

    def to_csv(self, path: str | os.PathLike[str]) -> Path:
        """Write ``table()`` to ``path`` and the manifest next to it (same name, ``.json``), atomically."""
        path = Path(path)
        write_csv(self.table(), path)
        write_json_atomically(path.with_suffix(".json"), self.manifest())
        return path

    def to_text(self) -> str:
        """The comparison for the terminal: per KPI, each scenario's mean [95% CI], then its
        paired difference with the baseline [95% CI] (``*`` when significant)."""
        long = self.long().set_index(["kpi", "scenario"])
        labels = list(self.results)
        outcomes = self.outcomes
        columns: dict[str, list[str]] = {label: [label, outcomes[label]] for label in labels}
        for kpi in COMPARISON_KPIS:
            for label in labels:
                row = long.loc[(kpi.key, label)]
                columns[label].append(
                    f"{_fmt(row['mean'], kpi.unit)} {_interval(row['ci_low'], row['ci_high'], kpi.unit)}"
                )
                if label == self.baseline:
                    columns[label].append("")
                else:
                    star = " *" if row["significant"] is True else "  "
                    columns[label].append(
                        f"{_fmt(row['diff'], kpi.unit, diff=True)} "
                        f"{_interval(row['diff_ci_low'], row['diff_ci_high'], kpi.unit, diff=True)}{star}"
                    )
        names = ["", "verdict"]
        for kpi in COMPARISON_KPIS:
            names += [kpi.label, "  difference"]
        label_width = max(len(n) for n in names) + 2
        widths = {label: max(len(c) for c in cells) + 3 for label, cells in columns.items()}
        lines = [
            f"{len(labels)} scenarios on common random numbers: {self.replications} replications each, seed {self.seed}",
            f"mean [95% CI]; under it, the paired difference with {self.baseline!r} [95% CI], * = significant",
            "",
        ]
        for k, name in enumerate(names):
            if name == "  difference" and len(labels) == 1:
                continue
            cells = "".join(f"{columns[label][k]:>{widths[label]}}" for label in labels)
            lines.append(f"{name:{label_width}}{cells}".rstrip())
        return "\n".join(lines)


def compare(
    scenarios: dict[str, Scenario],
    replications: int,
    seed: int,
    jobs: int = 1,
    progress: bool = False,
) -> Comparison:
    """Run every scenario on the same seed (common random numbers) and compare them with the first.

    ``scenarios`` maps a label (as the table will name it) to a scenario; the first is the
    baseline. Replication ``r`` of every scenario draws the same random streams, so the
    table reads differences replication by replication.
    """
    if not scenarios:
        raise ValueError("compare needs at least one scenario")
    labels = list(scenarios)
    runs: dict[int, Results] = dict(simulate_many(list(scenarios.values()), replications, seed, jobs, progress))
    return Comparison(results={labels[i]: runs[i] for i in range(len(labels))}, replications=replications, seed=seed)


def check_comparison_output(path: Path, manifest: dict[str, Any], force: bool = False) -> None:
    """Raise OutputExistsError unless ``path`` is absent, ``force``, or holds the same comparison.

    "The same" means: the manifest next to it (``.json``) names the same scenarios (by hash,
    in the same order), seed and replications as ``manifest``.
    """
    if force or not path.exists():
        return
    if not path.is_file():
        raise OutputExistsError(f"{path} exists and is not a file; choose another --out or use --force")
    sidecar = path.with_suffix(".json")
    try:
        old = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        old = None
    if old is None or old.get("kind") != "comparison":
        raise OutputExistsError(
            f"{path} exists and is not a simcoop comparison (no {sidecar.name} beside it); "
            "it will not be overwritten (choose another --out, or use --force)"
        )

    def key(m: dict[str, Any]) -> tuple[Any, ...]:
        return (
            m.get("seed"),
            m.get("replications"),
            [(s.get("label"), s.get("scenario_hash")) for s in m.get("scenarios", [])],
        )

    if key(old) != key(manifest):
        names = ", ".join(s.get("label", "?") for s in old.get("scenarios", []))
        raise OutputExistsError(
            f"{path} holds a different comparison ({names}; seed {old.get('seed')}, {old.get('replications')} "
            "replications); use --force to replace it, or choose another --out"
        )


def comparison_manifest_key(scenarios: dict[str, Scenario], replications: int, seed: int) -> dict[str, Any]:
    """The part of a comparison's manifest that identifies it, known before running it."""
    return {
        "kind": "comparison",
        "seed": seed,
        "replications": replications,
        "scenarios": [{"label": label, "scenario_hash": s.scenario_hash()} for label, s in scenarios.items()],
    }


# --------------------------------------------------------------------------- variants


def load_variants(path: str | os.PathLike[str]) -> dict[str, Scenario]:
    """Read a scenario file and its ``variants:`` block: ``{base name: base, variant name: variant, ...}``.

    Each variant is the base scenario (defaults included) with its dotted keys replaced
    and ``meta.name`` set to the variant's name, validated like a file. A dotted key walks
    mappings by key and lists by index (``cooperative.public_funding.3.amount_eur``) or by
    the item's ``name`` / ``funder`` (``activities.sectors.conseil_formation.share``).
    Problems name the file, the line of the override and the variant, e.g.
    ``scenario.yaml:88: variants.sans FSE: cooperative.public_funding.9.amount_eur: no such key``.
    A file without variants gives the base scenario alone.
    """
    path = Path(path)
    source = str(path)
    base = load_scenario(path)  # the base's problems and the variants block's shape
    parsed = parse_yaml(path.read_text(encoding="utf-8"))
    marks = parsed.marks
    _, variants, _ = split_variants(parsed.data, source, marks)
    scenarios = {base.meta.name: base}
    problems: list[Problem] = []
    for name, overrides in variants.items():
        where = f"{VARIANTS_KEY}.{name}"
        name_line = marks.get((VARIANTS_KEY, name))
        if name in scenarios:
            problems.append(
                Problem(source, name_line, where, f"a variant cannot be named like the base scenario ({name!r})")
            )
            continue
        data = base.to_dict()
        data["meta"]["name"] = name
        local_marks: dict[tuple[Any, ...], int] = {(): name_line} if name_line is not None else {}
        failed = False
        for key, value in overrides.items():
            line = marks.get((VARIANTS_KEY, name, key), name_line)
            try:
                loc = _set_dotted(data, key, value)
            except KeyError as exc:
                problems.append(Problem(source, line, where, f"{key}: {exc.args[0]}"))
                failed = True
                continue
            if line is not None:
                local_marks[loc] = line
        if failed:
            continue
        try:
            scenarios[name] = validate_data(data, source=source, marks=local_marks)
        except ScenarioError as exc:
            for p in exc.problems:
                message = f"{p.key_path}: {p.message}" if p.key_path else p.message
                problems.append(Problem(source, p.line, where, message))
    if problems:
        raise ScenarioError(sorted(problems, key=lambda p: (p.line is None, p.line or 0)))
    return scenarios


def _set_dotted(data: dict[str, Any], key: str, value: Any) -> tuple[Any, ...]:
    """Set ``value`` at dotted ``key`` in resolved scenario data; return its location (list indices as ints).

    Raises KeyError with a message saying what exists there.
    """
    node: Any = data
    loc: list[Any] = []
    parts = key.split(".")
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        where = ".".join(parts[:i]) or "the scenario"
        if isinstance(node, list):
            index = _list_index(node, part, where)
            loc.append(index)
            if last:
                node[index] = value
            else:
                node = node[index]
        elif isinstance(node, dict):
            if part not in node:
                message = "no such key"
                close = difflib.get_close_matches(part, [str(k) for k in node], n=1, cutoff=0.65)
                if close:
                    message += f"; did you mean '{close[0]}'?"
                raise KeyError(message)
            loc.append(part)
            if last:
                node[part] = value
            else:
                node = node[part]
        else:
            state = "null" if node is None else "a single value"
            raise KeyError(f"no such key ({where} is {state})")
    return tuple(loc)


def _list_index(items: list[Any], part: str, where: str) -> int:
    if part.isdigit():
        index = int(part)
        if index >= len(items):
            raise KeyError(f"no such key ({where} has {len(items)} items, numbered 0 to {len(items) - 1})")
        return index
    found = [
        k for k, item in enumerate(items) if isinstance(item, dict) and part in (item.get("name"), item.get("funder"))
    ]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise KeyError(f"no such key ({where} has {len(found)} items named {part!r}; use the item's number)")
    raise KeyError(f"no such key ({where} is a list: use an item's number, 0 to {len(items) - 1}, or its name)")


# --------------------------------------------------------------------------- sensitivity

#: Columns of the sensitivity table, in order.
SENSITIVITY_COLUMNS: tuple[str, ...] = (
    "parameter", "side", "value", "insolvency_probability", "break_even_month_p50",
    "min_coop_treasury_eur_p50", "final_coop_treasury_eur_p50", "outcome", "replications",
)  # fmt: skip


@dataclass(frozen=True)
class Variation:
    """How far one assumption is moved each way in the default sensitivity analysis.

    ``how`` is ``"factor"`` (low and high multiply the base value) or ``"delta"`` (they
    are added to it). A ``*`` in ``key`` groups every item of a list (each is moved by
    the same factor); grouped parameters are always factors.
    """

    key: str
    how: str
    low: float
    high: float
    why: str


#: The assumptions that matter, each moved one at a time: the default list of ``sensitivity``.
DEFAULT_SENSITIVITY: tuple[Variation, ...] = (
    Variation("territory.accueils_per_year_at_maturity", "factor", 0.75, 1.25, "accueil flow at maturity ±25%"),
    Variation("territory.rampup_months", "delta", -12, 12, "months to reach the mature flow ±12"),
    Variation("pathway.entry_share", "factor", 0.75, 1.25, "share of accueils who start a parcours ±25%"),
    Variation(
        "activities.sectors.*.turnover_median_eur_per_year", "factor", 0.8, 1.2, "turnover medians of every sector ±20%"
    ),
    Variation("cooperative.contribution.rate", "delta", -0.02, 0.02, "contribution rate ±2 points (8%/12% around 10%)"),
    Variation("pathway.exits.cesa_rate_per_year", "factor", 0.7, 1.3, "exit hazard under a CESA ±30%"),
    Variation(
        "cooperative.staff.gross_salary_eur_per_month", "factor", 0.85, 1.15, "pay of the accompaniment team ±15%"
    ),
    Variation("cooperative.overheads_eur_per_month", "factor", 0.75, 1.25, "overheads of the structure ±25%"),
    Variation(
        "cooperative.public_funding.*.amount_eur",
        "factor",
        0.8,
        1.2,
        "every public funding amount ±20% (ceilings unchanged)",
    ),
    Variation("cooperative.initial_treasury_eur", "factor", 0.7, 1.3, "cash at opening beyond capital ±30%"),
)


def default_sensitivity_parameters(scenario: Scenario) -> list[tuple[str, float, float]]:
    """``DEFAULT_SENSITIVITY`` resolved on ``scenario``: ``(key, low, high)``, clipped to each field's range.

    Plain keys get absolute values; grouped keys (with ``*``) keep their factors. A
    grouped key that matches nothing in the scenario (no public funding, say) is left out.
    """
    data = scenario.to_dict()
    out: list[tuple[str, float, float]] = []
    for v in DEFAULT_SENSITIVITY:
        if "*" in v.key:
            if _expand(data, v.key.split(".")):
                out.append((v.key, float(v.low), float(v.high)))
            continue
        base = _get(data, v.key.split("."))
        if base is None and v.key == "territory.accueils_per_year_at_maturity" and not scenario.territory.zones:
            base = scenario.accueils_per_year  # the default flow, made explicit
        if base is None:  # e.g. accueils derived from zones: nothing to vary under this key
            continue
        lows_highs = [base * f if v.how == "factor" else base + f for f in (v.low, v.high)]
        low, high = (float(f"{_clip_to_field(v.key, x):.10g}") for x in lows_highs)  # 0.3*0.75 -> 0.225
        out.append((v.key, low, high))
    return out


def sensitivity(
    scenario: Scenario,
    parameters: Sequence[tuple[str, float, float]] | None = None,
    replications: int = 100,
    seed: int | None = None,
    jobs: int = 1,
    progress: bool = False,
) -> pd.DataFrame:
    """One-at-a-time sensitivity on common random numbers; columns ``SENSITIVITY_COLUMNS``.

    Each parameter is ``(dotted key, low, high)``: for a plain key the values it takes
    (clipped to the field's allowed range; whole numbers rounded); for a grouped key with
    ``*`` (``activities.sectors.*.turnover_median_eur_per_year``) factors applied to every
    item, and the ``value`` column holds the factor (1 on the base row). ``None`` uses
    ``default_sensitivity_parameters(scenario)``.

    Three rows per parameter (low, base, high; the base rows repeat the base run), every
    run on the same seed. Parameters come ranked by their swing in the median of the
    lowest cooperative treasury, largest first, then by their swing in the probability of
    insolvency (``sensitivity_swings`` gives both). ``break_even_month_p50`` counts
    replications that never break even as later than any month, so it is empty when half
    of them or more never do.
    """
    seed = scenario.simulation.seed if seed is None else int(seed)
    params = default_sensitivity_parameters(scenario) if parameters is None else list(parameters)
    base_data = scenario.to_dict()
    runs: list[Scenario] = [scenario]
    plan: list[tuple[str, str, float, int]] = []  # parameter, side, value, index in runs
    hashes = {scenario.scenario_hash(): 0}
    for key, low, high in params:
        grouped = "*" in key
        current = 1.0 if grouped else _get(base_data, key.split("."))
        base_value = math.nan if current is None else float(current)
        plan.append((key, "base", base_value, 0))
        for side, value in (("low", low), ("high", high)):
            varied, actual = _vary(scenario, key, float(value))
            digest = varied.scenario_hash()
            if digest not in hashes:  # e.g. a bound clipped back to the base value
                hashes[digest] = len(runs)
                runs.append(varied)
            plan.append((key, side, actual, hashes[digest]))
    summaries: dict[int, dict[str, Any]] = {}
    for index, results in simulate_many(runs, replications, seed, jobs, progress):
        summaries[index] = _sensitivity_summary(results)
    rows = [{"parameter": key, "side": side, "value": value, **summaries[index]} for key, side, value, index in plan]
    table = pd.DataFrame(rows, columns=list(SENSITIVITY_COLUMNS))
    order = {p: k for k, p in enumerate(sensitivity_swings(table)["parameter"])}
    side_order = {"low": 0, "base": 1, "high": 2}
    table = table.sort_values(
        by=["parameter", "side"],
        key=lambda s: s.map(order) if s.name == "parameter" else s.map(side_order),
        kind="stable",
    )
    return table.reset_index(drop=True)


def sensitivity_swings(table: pd.DataFrame) -> pd.DataFrame:
    """Per parameter of a sensitivity table: the swing (largest minus smallest over low, base,
    high) of the median lowest treasury and of the probability of insolvency, ranked."""
    grouped = table.groupby("parameter", sort=False)
    swings = pd.DataFrame(
        {
            "min_coop_treasury_eur_p50_swing": grouped["min_coop_treasury_eur_p50"].agg(lambda s: s.max() - s.min()),
            "insolvency_probability_swing": grouped["insolvency_probability"].agg(lambda s: s.max() - s.min()),
        }
    ).reset_index()
    return swings.sort_values(
        ["min_coop_treasury_eur_p50_swing", "insolvency_probability_swing"], ascending=False, kind="stable"
    ).reset_index(drop=True)


def sensitivity_text(table: pd.DataFrame) -> str:
    """A sensitivity table for the terminal: per parameter (ranked), low and high values and what they give."""
    swings = sensitivity_swings(table)
    rows = table.set_index(["parameter", "side"])
    lines = [
        (
            "sensitivity, one assumption at a time on common random numbers "
            f"({int(table['replications'].iloc[0])} replications per run; medians; grouped keys are factors)"
        ),
        f"{'parameter':52}{'low':>10}{'high':>10}{'lowest treasury (EUR), low/high':>36}{'P(insolvency) low/high':>26}",
    ]
    for parameter in swings["parameter"]:
        low, high = rows.loc[(parameter, "low")], rows.loc[(parameter, "high")]
        treasury = f"{_fmt(low['min_coop_treasury_eur_p50'], 'eur')} / {_fmt(high['min_coop_treasury_eur_p50'], 'eur')}"
        insolvency = f"{_fmt(low['insolvency_probability'], 'share')} / {_fmt(high['insolvency_probability'], 'share')}"
        lines.append(
            f"{_short(parameter, 51):52}{_plain(low['value']):>10}{_plain(high['value']):>10}{treasury:>36}{insolvency:>26}"
        )
    return "\n".join(lines)


def _plain(value: float) -> str:
    """A parameter value: thousands separators from 1,000, else up to four significant digits."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else "…" + text[-(width - 1) :]


def _sensitivity_summary(results: Results) -> dict[str, Any]:
    kpis = results.kpis
    be = kpis["break_even_month"].astype("Float64").to_numpy(dtype=float, na_value=np.inf)
    median_be = float(np.median(be)) if be.size else math.nan
    return {
        "insolvency_probability": float(kpis["insolvent"].mean()),
        "break_even_month_p50": median_be if math.isfinite(median_be) else math.nan,
        "min_coop_treasury_eur_p50": float(kpis["min_coop_treasury_eur"].median()),
        "final_coop_treasury_eur_p50": float(kpis["final_coop_treasury_eur"].median()),
        "outcome": results.verdict().outcome,
        "replications": len(kpis),
    }


def _vary(scenario: Scenario, key: str, value: float) -> tuple[Scenario, float]:
    """The scenario with ``key`` moved to ``value`` (a factor for a grouped key), and the value used."""
    parts = key.split(".")
    if "*" not in parts:
        value = _clip_to_field(key, value)
        return scenario.replace({key: value}), value
    data = scenario.to_dict()
    locations = _expand(data, parts)
    if not locations:
        raise KeyError(f"{key}: matches nothing in scenario {scenario.meta.name!r}")
    for loc in locations:
        dotted = ".".join(str(p) for p in loc)
        current = _get(data, [str(p) for p in loc])
        _set_dotted(data, dotted, _clip_to_field(dotted, current * value))
    return validate_data(data, source=f"<sensitivity {key} x{value:g}>"), value


def _expand(data: Any, parts: list[str]) -> list[tuple[Any, ...]]:
    """Every location matched by a dotted key where ``*`` stands for each item of a list."""
    if not parts:
        return [()]
    head, rest = parts[0], parts[1:]
    if head == "*":
        if not isinstance(data, list):
            return []
        return [(i, *tail) for i, item in enumerate(data) for tail in _expand(item, rest)]
    if isinstance(data, dict) and head in data:
        return [(head, *tail) for tail in _expand(data[head], rest)]
    if isinstance(data, list) and head.isdigit() and int(head) < len(data):
        return [(int(head), *tail) for tail in _expand(data[int(head)], rest)]
    return []


def _get(data: Any, parts: list[str]) -> Any:
    node = data
    for part in parts:
        if isinstance(node, list):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise KeyError(f"{'.'.join(parts)}: no such key")
    return node


def _clip_to_field(key: str, value: float) -> float:
    """Clip ``value`` to the inclusive bounds (ge/le) of the scenario field at ``key``; round whole numbers.

    Strict bounds (gt/lt) are left to validation: they name the field when crossed.
    """
    from pydantic import BaseModel

    model: Any = Scenario
    field = None
    for part in key.split("."):
        if part.isdigit() or part == "*":
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or part not in model.model_fields:
            return value
        field = model.model_fields[part]
        model = _inner_model(field.annotation)
    if field is None:
        return value
    low, high = -math.inf, math.inf
    for meta in [*field.metadata, *_annotated_metadata(field.annotation)]:
        if getattr(meta, "ge", None) is not None:
            low = max(low, float(meta.ge))
        if getattr(meta, "le", None) is not None:
            high = min(high, float(meta.le))
    clipped = min(max(float(value), low), high)
    if field.annotation is int:
        return float(round(clipped))
    return clipped


def _inner_model(annotation: Any) -> Any:
    from typing import get_args

    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        inner = _inner_model(arg)
        if inner is not None:
            return inner
    return None


def _annotated_metadata(annotation: Any) -> list[Any]:
    """Constraints inside ``Optional[Annotated[float, Field(ge=..)]]`` and the like."""
    from typing import get_args

    found: list[Any] = []
    for arg in get_args(annotation):
        found.extend(getattr(arg, "metadata", []) or [])
        found.extend(_annotated_metadata(arg))
    return found


# --------------------------------------------------------------------------- files


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``frame`` as CSV atomically (UTF-8, dot decimals): a temporary file renamed into place."""
    path = Path(path)
    text = frame.to_csv(index=False, float_format="%.10g", lineterminator="\n")
    write_text_atomically(path, text)
    return path


# --------------------------------------------------------------------------- formatting


def _interval(low: Any, high: Any, unit: str, diff: bool = False) -> str:
    return f"[{_fmt(low, unit, diff=diff, bare=True)}; {_fmt(high, unit, diff=diff, bare=True)}]"


def _fmt(value: Any, unit: str, diff: bool = False, bare: bool = False) -> str:
    """A number for the terminal: thousands separators, % for shares, points for share differences."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "-"
    value = float(value)
    sign = "+" if diff and value > 0 else ""
    if unit == "share":
        text = f"{sign}{100 * value:,.1f}"
        return text if bare else text + (" pts" if diff else "%")
    if unit == "eur":
        return f"{sign}{value:,.0f}"
    if unit == "ratio":
        return f"{sign}{value:,.2f}"
    return f"{sign}{value:,.1f}"
