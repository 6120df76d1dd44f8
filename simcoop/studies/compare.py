"""Comparisons on common random numbers: several scenarios side by side, each against the first.

Replication ``r`` under root seed ``s`` draws the same random streams whatever the
scenario (``simcoop.streams``), so scenarios run on the same seed meet the same
entrants, the same turnover shocks and the same funders' decisions as far as their
rules let them. Their differences are therefore read replication by replication
(paired), which removes most of the Monte Carlo noise from a comparison.

- ``compare``: several scenarios side by side, each against the first (the baseline);
  a scenario file's ``variants:`` block gives such a list (``simcoop.scenario.edit.load_variants``).

Confidence intervals are 95%: Student t on means and on paired differences (for a
proportion the paired difference is the mean of per-replication differences in 0/1,
i.e. the Wald interval for paired proportions), Wilson on a scenario's proportions.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from simcoop._atomic import write_json_atomically
from simcoop.executors import ChunkExecutor
from simcoop.results import OutputExistsError, Results
from simcoop.results.folder import write_csv
from simcoop.results.manifest import build_manifest
from simcoop.scenario import Scenario
from simcoop.stats import mean_interval, wilson_interval
from simcoop.studies.batch import simulate_many
from simcoop.verdict import people_supported

__all__ = [
    "check_comparable",
    "COMPARISON_KPIS",
    "Comparison",
    "ComparisonKpi",
    "check_comparison_output",
    "compare",
    "comparison_manifest_key",
    "comparison_manifest_path",
    "fmt_interval",
    "fmt_value",
    "kpi_values",
    "DERIVED_KPIS",
]


@dataclass(frozen=True)
class ComparisonKpi:
    """One line of the comparison table: a KPI, how it is summarised and how it is printed."""

    key: str
    label: str
    kind: str  # "proportion" (0/1 per replication: Wilson interval) or "mean" (Student t)
    unit: str  # "share" (printed as %), "eur", "months", "people", "fte", "ratio"


#: The KPIs a funder reads, in the order of the table (labels short enough for a terminal line).
COMPARISON_KPIS: tuple[ComparisonKpi, ...] = (
    ComparisonKpi("insolvency_probability", "probability of rupture de trésorerie", "proportion", "share"),
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


#: The comparison KPIs ``kpi_values`` derives (from several columns, or the events); the others are
#: ``kpis`` columns as floats.
DERIVED_KPIS: tuple[str, ...] = ("insolvency_probability", "break_even_reached", "break_even_month", "people_supported")


def kpi_values(results: Results) -> pd.DataFrame:
    """One row per replication (indexed by replication), one float column per comparison KPI."""
    kpis = results.kpis
    be = kpis["break_even_month"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    derived = {
        "insolvency_probability": kpis["insolvent"].to_numpy(dtype=float),
        "break_even_reached": (~np.isnan(be)).astype(float),
        "break_even_month": be,
        "people_supported": np.asarray(people_supported(results), dtype=float),
    }
    frame = pd.DataFrame(
        {key: derived[key] for key in DERIVED_KPIS}, index=pd.Index(kpis["replication"].to_numpy(), name="replication")
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
        """The label of the first scenario, which the others are compared with."""
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
        values = {label: kpi_values(results) for label, results in self.results.items()}
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
                    mean, low, high = mean_interval(present)
                row: dict[str, Any] = {
                    "kpi": kpi.key, "label": kpi.label, "scenario": label, "n": int(present.size),
                    "mean": mean, "ci_low": low, "ci_high": high,
                    "diff": math.nan, "diff_ci_low": math.nan, "diff_ci_high": math.nan, "pairs": 0, "significant": pd.NA,
                }  # fmt: skip
                if label != self.baseline:
                    paired = pd.concat([frame[kpi.key], base[kpi.key]], axis=1, join="inner").dropna().to_numpy()
                    diffs = paired[:, 0] - paired[:, 1]
                    diff, d_low, d_high = mean_interval(diffs)
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

    def plot(self, kpis: Sequence[str] | None = None, columns: int = 2) -> Any:
        """A matplotlib Figure: per KPI, each scenario's paired difference with the baseline and its
        95% interval, significant ones filled (``simcoop.studies.compare_chart.plot_comparison``)."""
        from simcoop.studies.compare_chart import plot_comparison

        return plot_comparison(self, COMPARISON_KPIS, kpis, columns)

    def manifest(self) -> dict[str, Any]:
        """Provenance of the comparison: version, seed, replications, each scenario's hash and verdict."""
        return build_manifest(
            "comparison",
            self.seed,
            self.replications,
            baseline=self.baseline,
            scenarios=[
                {
                    "label": label,
                    "name": r.scenario.meta.name,
                    "scenario_hash": r.scenario.scenario_hash(),
                    "outcome": outcome,
                }
                for (label, r), outcome in zip(self.results.items(), self.outcomes.values(), strict=True)
            ],
        )

    def to_csv(self, path: str | os.PathLike[str]) -> Path:
        """Write ``table()`` to ``path`` and the manifest next to it (``comparison_manifest_path``), atomically."""
        path = Path(path)
        write_csv(self.table(), path)
        write_json_atomically(comparison_manifest_path(path), self.manifest())
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
                    f"{fmt_value(row['mean'], kpi.unit)} {fmt_interval(row['ci_low'], row['ci_high'], kpi.unit)}"
                )
                if label == self.baseline:
                    columns[label].append("")
                else:
                    # a numpy/pandas boolean, or NA without two pairs: never ``is True``
                    star = " *" if _is_true(row["significant"]) else "  "
                    columns[label].append(
                        f"{fmt_value(row['diff'], kpi.unit, diff=True)} "
                        f"{fmt_interval(row['diff_ci_low'], row['diff_ci_high'], kpi.unit, diff=True)}{star}"
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


def _is_true(value: Any) -> bool:
    """True for a true Python, numpy or pandas boolean; False for false and for NA."""
    return not pd.isna(value) and bool(value)


def check_comparable(scenarios: dict[str, Scenario], seed_given: bool = False) -> list[str]:
    """Raise ValueError if the scenarios cannot be compared month by month; return notes for the user.

    Every scenario must run over the same number of months (the table compares KPIs over the
    horizon). Each runs on the comparison's seed and replications (common random numbers),
    so a scenario's own ``simulation`` section is ignored: the notes say so.
    """
    items = list(scenarios.items())
    base_label, base = items[0]
    horizon = base.meta.horizon_months
    differ = [(label, s.meta.horizon_months) for label, s in items if s.meta.horizon_months != horizon]
    if differ:
        listed = "; ".join(f"{label!r}: {months} months" for label, months in differ)
        raise ValueError(
            f"cannot compare scenarios over different horizons: the baseline {base_label!r} runs {horizon} months, "
            f"{listed}; give them the same meta.horizon_months"
        )
    notes = []
    for label, s in items[1:]:
        if s.simulation.seed != base.simulation.seed and not seed_given:
            notes.append(
                f"{label!r} sets simulation.seed {s.simulation.seed}; it is ignored: every scenario runs on the "
                f"comparison's seed (common random numbers)"
            )
        if s.simulation.replications != base.simulation.replications:
            notes.append(
                f"{label!r} sets simulation.replications {s.simulation.replications}; it is ignored: every scenario "
                "runs the comparison's replications"
            )
    return notes


def compare(
    scenarios: dict[str, Scenario],
    replications: int,
    seed: int,
    jobs: int = 1,
    progress: bool = False,
    executor: ChunkExecutor | None = None,
) -> Comparison:
    """Run every scenario on the same seed (common random numbers) and compare them with the first.

    ``scenarios`` maps a label (as the table will name it) to a scenario; the first is the
    baseline. Replication ``r`` of every scenario draws the same random streams, so the
    table reads differences replication by replication. ``executor`` (``simcoop.executors``: a
    process pool or a Dask cluster) runs them, else ``jobs`` processes; the numbers are the same.
    """
    if not scenarios:
        raise ValueError("compare needs at least one scenario")
    check_comparable(scenarios)
    labels = list(scenarios)
    runs: dict[int, Results] = dict(simulate_many(list(scenarios.values()), replications, seed, jobs, progress, executor))
    return Comparison(results={labels[i]: runs[i] for i in range(len(labels))}, replications=replications, seed=seed)


def comparison_manifest_path(path: str | os.PathLike[str]) -> Path:
    """The manifest of the comparison table ``path``: ``<stem>.manifest.json`` beside it, never ``path`` itself."""
    path = Path(path)
    return path.with_name(f"{path.stem}.manifest.json")


def check_comparison_output(path: Path, manifest: dict[str, Any], force: bool = False) -> None:
    """Raise OutputExistsError unless ``path`` is absent, ``force``, or holds the same comparison.

    "The same" means: the manifest next to it (``<stem>.manifest.json``) names the same scenarios (by hash,
    in the same order), seed and replications as ``manifest``.
    """
    sidecar = comparison_manifest_path(path)
    for target in (path, sidecar):
        if target.is_symlink() or (target.exists() and not target.is_file()):
            raise OutputExistsError(f"{target} exists and is not a file; simcoop never replaces it (choose another --out)")
    if not path.exists() and not sidecar.exists():
        return
    try:
        old = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        old = None
    if not isinstance(old, dict) or old.get("kind") != "comparison" or not path.exists():
        what = path if path.exists() else sidecar
        raise OutputExistsError(
            f"{what} exists and is not part of a simcoop comparison (no comparison manifest {sidecar.name} beside "
            f"{path.name}); simcoop never overwrites it, even with --force: choose another --out"
        )
    if force:
        return

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


# --------------------------------------------------------------------------- formatting


def fmt_interval(low: Any, high: Any, unit: str, diff: bool = False) -> str:
    """A 95 % interval for the terminal: ``[low; high]`` in the KPI's unit."""
    return f"[{fmt_value(low, unit, diff=diff, bare=True)}; {fmt_value(high, unit, diff=diff, bare=True)}]"


def fmt_value(value: Any, unit: str, diff: bool = False, bare: bool = False) -> str:
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
