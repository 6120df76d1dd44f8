"""The results of a run: tidy DataFrames, KPIs, summaries, notebook views, and the run folder.

Tables (every one has ``scenario`` and ``replication`` columns):

- ``monthly``: one row per replication and month (flows in the month, stocks at its end);
- ``yearly``: one row per replication and calendar year, in the shape CAE report;
- ``events``: one row per change of state of an entrepreneur;
- ``kpis``: one row per replication;
- ``summary()``: per KPI, mean and 5/50/95% quantiles across replications.

Money columns end in ``_eur`` and hold euros rounded to the cent.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simcoop.outdir import write_owned_folder
from simcoop.model import PORTAGE_MEASURES, ReplicationOutput
from simcoop.results import plots
from simcoop.results.folder import run_identity, to_csv, to_parquet
from simcoop.results.verdict_text import claimable
from simcoop.results.frames import (
    KPI_LABELS,
    PORTAGE_LABELS,
    TABLES,
    events_frame,
    funding_frame,
    kpis_frame,
    monthly_frame,
    parameters_frame,
    people_frame,
    portage_frame,
    territory_frames,
    yearly_frame,
)
from simcoop.results.manifest import build_manifest
from simcoop.results.plots import plain_number
from simcoop.scenario import Scenario, scenario_from_dict
from simcoop.reality import RealityRow, reality_check, reality_frame, reality_sentence_fr

if TYPE_CHECKING:  # the plotting methods import matplotlib lazily
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["Results", "load_results"]

@dataclass
class Results:
    """The tidy results of one Monte Carlo experiment."""

    scenario: Scenario
    seed: int
    replications: int
    monthly: pd.DataFrame
    yearly: pd.DataFrame
    events: pd.DataFrame
    kpis: pd.DataFrame
    runtime_seconds: float = 0.0
    jobs: int = 1
    funding: pd.DataFrame | None = None
    zones: pd.DataFrame | None = None
    sites: pd.DataFrame | None = None
    portage: pd.DataFrame | None = None
    #: Per replication, the value it drew for each uncertain key (None when nothing is uncertain).
    parameters: pd.DataFrame | None = None

    # ------------------------------------------------------------------ building
    @classmethod
    def from_outputs(
        cls,
        scenario: Scenario,
        outputs: Sequence[ReplicationOutput],
        seed: int,
        runtime_seconds: float = 0.0,
        jobs: int = 1,
    ) -> "Results":
        """Assemble replication outputs (in replication order) into tables."""
        monthly = monthly_frame(scenario, outputs)
        people = people_frame(outputs)
        yearly = yearly_frame(scenario, monthly, people)
        events = events_frame(scenario, outputs)
        kpis = kpis_frame(scenario, monthly, yearly, people)
        kpis["opened"] = np.array([int(o.opened) for o in outputs], dtype=np.int64)
        kpis["opening_delay_months"] = np.array([o.opening_delay_months for o in outputs], dtype=np.int64)
        funding = funding_frame(scenario, outputs)
        zones, sites = territory_frames(scenario, outputs, people)
        portage = portage_frame(scenario, outputs)
        parameters = parameters_frame(scenario, seed, [o.replication for o in outputs])
        return cls(
            scenario=scenario,
            seed=seed,
            replications=len(outputs),
            monthly=monthly,
            yearly=yearly,
            events=events,
            kpis=kpis,
            runtime_seconds=runtime_seconds,
            jobs=jobs,
            funding=funding,
            zones=zones,
            sites=sites,
            portage=portage,
            parameters=parameters,
        )

    def _whole_run(self, replications: int) -> bool:
        """Whether ``first(replications)`` is the whole run; ValueError outside 1 .. ``self.replications``."""
        if not 1 <= replications <= self.replications:
            raise ValueError(f"replications must be from 1 to {self.replications}, got {replications}")
        return replications == self.replications

    @staticmethod
    def _head(frame: pd.DataFrame | None, replications: int) -> pd.DataFrame | None:
        """The rows of ``frame`` of replications ``0 .. replications - 1`` (None stays None)."""
        if frame is None:
            return None
        return frame.loc[frame["replication"].to_numpy() < replications].reset_index(drop=True)

    def first(self, replications: int) -> "Results":
        """The results of replications ``0 .. replications - 1`` only: equal, table for table, to
        ``simulate(scenario, replications, seed)`` (every table is per replication, and a
        replication's numbers depend only on scenario, seed and its index). Lets a study reuse
        a run instead of simulating its first replications again."""
        if self._whole_run(replications):
            return self

        def head(frame: pd.DataFrame | None) -> pd.DataFrame | None:
            return self._head(frame, replications)

        return Results(
            scenario=self.scenario, seed=self.seed, replications=replications, monthly=head(self.monthly),
            yearly=head(self.yearly), events=head(self.events), kpis=head(self.kpis), runtime_seconds=0.0, jobs=self.jobs,
            funding=head(self.funding), zones=head(self.zones), sites=head(self.sites), portage=head(self.portage),
            parameters=head(self.parameters),
        )  # fmt: skip

    def reused_for(self, scenario: Scenario, seed: int, replications: int) -> "Results | None":
        """``first(replications)`` when this run is of ``scenario`` (same hash) on ``seed`` with at least that many replications, else None."""
        if self.seed != seed or self.replications < replications or self.scenario.scenario_hash() != scenario.scenario_hash():
            return None
        return self.first(replications)

    # ------------------------------------------------------------------ views
    def verdict(self) -> "Verdict":  # noqa: F821 - imported lazily
        """The feasibility verdict on the scenario's viability criteria (``simcoop.verdict.assess``)."""
        from simcoop.verdict import assess

        return assess(self)

    def portage_comparison(self) -> pd.DataFrame:
        """The CAE and portage salarial side by side: per measure, medians and 5-95% ranges.

        Needs a run with ``compare_portage=True`` (``simcoop run --compare-portage``).
        """
        if self.portage is None or self.portage.empty:
            raise ValueError("this run has no portage comparison; simulate with compare_portage=True")
        rows = []
        for measure in PORTAGE_MEASURES:
            row: dict[str, Any] = {"measure": measure, "label": PORTAGE_LABELS[measure]}
            for model in ("cae", "portage"):
                values = self.portage.loc[self.portage["model"] == model, measure].astype(float)
                row[f"{model}_p50"] = values.median()
                row[f"{model}_p5"] = values.quantile(0.05)
                row[f"{model}_p95"] = values.quantile(0.95)
            cae = self.portage.loc[self.portage["model"] == "cae"].set_index("replication")[measure].astype(float)
            por = self.portage.loc[self.portage["model"] == "portage"].set_index("replication")[measure].astype(float)
            row["difference_p50"] = (cae - por).median()  # paired: same entrants, same replication
            rows.append(row)
        return pd.DataFrame(rows)

    def portage_table(self) -> str:
        """The portage comparison as plain text for the terminal."""
        table = self.portage_comparison()
        lines = [
            f"CAE vs portage salarial, same entrants ({self.replications} replications; median [5%-95%])",
            f"{'':48}{'CAE':>36}{'portage':>36}",
        ]
        for _, row in table.iterrows():
            cells = [
                f"{_fmt(row[f'{m}_p50'], row['measure'])} [{_fmt(row[f'{m}_p5'], row['measure'])}-{_fmt(row[f'{m}_p95'], row['measure'])}]"
                for m in ("cae", "portage")
            ]
            lines.append(f"{row['label'][:47]:48}" + "".join(f"{c:>36}" for c in cells))
        return "\n".join(lines)
    def summary(self) -> pd.DataFrame:
        """Per KPI: mean, standard deviation and 5/50/95% quantiles across replications."""
        rows = []
        for name in KPI_LABELS:
            values = pd.to_numeric(self.kpis[name], errors="coerce").astype(float)
            present = values.dropna()
            rows.append(
                {
                    "kpi": name,
                    "label": KPI_LABELS[name],
                    "n": int(present.size),
                    "mean": present.mean() if present.size else np.nan,
                    "std": present.std(ddof=1) if present.size > 1 else np.nan,
                    "p5": present.quantile(0.05) if present.size else np.nan,
                    "p50": present.quantile(0.50) if present.size else np.nan,
                    "p95": present.quantile(0.95) if present.size else np.nan,
                }
            )
        return pd.DataFrame(rows)

    def manifest(self) -> dict[str, Any]:
        """Provenance of the run: version, scenario and its hash, seed, replications, runtime."""
        return build_manifest(
            None,
            self.seed,
            self.replications,
            self.runtime_seconds,
            scenario_name=self.scenario.meta.name,
            scenario_hash=self.scenario.scenario_hash(),
            jobs=self.jobs,
            opening_cash_eur=self.scenario.opening_cash_eur,
            tables={
                "monthly": "one row per replication and month: flows in the month, stocks at its end",
                "yearly": "one row per replication and calendar year",
                "events": "one row per change of state of an entrepreneur",
                "kpis": "one row per replication",
                "summary": "per KPI: mean, std and 5/50/95% quantiles across replications",
                "verdict": "the viability criteria checked across replications and the verdict",
                "funding": "public funding earned and received by replication, year and convention",
                "zones": "accueils, entries and people supported by replication, year and zone of origin",
                "sites": "accueils, entries, waiting, people and team by replication, year and site",
                **(
                    {
                        "portage": "per replication, the CAE and portage salarial measures of the same entrants",
                        "portage_comparison": "per measure, CAE and portage medians and 5-95% ranges",
                    }
                    if self.portage is not None
                    else {}
                ),
                **(
                    {"parameters": "per replication, the value it drew for each uncertain key (dotted key columns)"}
                    if self.parameters is not None
                    else {}
                ),
            },
            scenario=self.scenario.to_dict(),
        )

    def headline(self) -> str:
        """A short plain-text summary of the main KPIs, for the terminal."""
        s = self.summary().set_index("kpi")
        meta = self.scenario.meta
        lines = [
            f"{meta.name}: {self.replications} replications, seed {self.seed}, "
            f"{meta.horizon_months} months from {meta.start_month}",
            f"{'':67}{'mean':>14}{'p5':>14}{'p50':>14}{'p95':>14}",
        ]
        for name in (
            "accueils", "cape_entries", "cesa_entries", "associe_entries", "active_end", "exits",
            "positive_exit_rate", "turnover_eur", "gross_salaries_eur", "jobs_fte_final_year", "public_funding_eur",
            "public_funding_per_supported_eur", "contributions_to_funding_ratio",
            "coop_result_eur", "min_coop_treasury_eur", "final_coop_treasury_eur", "final_own_funds_eur",
            "break_even_month",
        ):  # fmt: skip
            row = s.loc[name]
            label = str(row["label"])[:66]
            cells = [_fmt(row[c], name) for c in ("mean", "p5", "p50", "p95")]
            lines.append(f"{label:67}" + "".join(f"{c:>14}" for c in cells))
        be = s.loc["break_even_month"]
        missing = self.replications - int(be["n"])
        if missing:
            lines.append(f"  (break-even not reached within the horizon in {missing} of {self.replications} replications)")
        lines.append("")
        lines.append("reality check (medians, last year, against published ranges; reality_check.csv):")
        for r in self.reality_check():
            mark = "ok     " if r.within else "OUTSIDE"
            lines.append(f"  {mark} {r.measure:36} {r.value:12.4g}   observed {r.low:g} to {r.high:g}")
        lines.append("  " + reality_sentence_fr(self.reality_check()))
        return "\n".join(lines)

    def reality_check(self) -> list[RealityRow]:
        """The run's figures against the ranges observed in existing CAE (``simcoop.reality``)."""
        return reality_check(self.scenario.to_dict(), self.monthly, self.yearly)

    def _repr_html_(self) -> str:
        """Jupyter view: the scenario, the run, the verdict and the headline KPIs (mean, 5/50/95%)."""
        esc = html.escape
        meta = self.scenario.meta
        end = (pd.Period(meta.start_month, freq="M") + max(meta.horizon_months - 1, 0)).strftime("%Y-%m")
        verdict = self.verdict()
        colour = _OUTCOME_COLOURS.get(verdict.outcome, "#555")
        criteria = "".join(
            f"<li>{esc(_criterion_text(c))}: <strong>{esc(_criterion_status(c))}</strong></li>" for c in verdict.criteria
        )
        summary = self.summary().set_index("kpi")
        cell = 'style="text-align:right;padding:1px 8px"'
        head = "".join(f"<th {cell}>{name}</th>" for name in ("mean", "p5", "p50", "p95"))
        rows = []
        for name in _HTML_KPIS:
            row = summary.loc[name]
            values = "".join(f"<td {cell}>{esc(_html_value(row[c], name))}</td>" for c in ("mean", "p5", "p50", "p95"))
            rows.append(f'<tr><td style="text-align:left;padding:1px 8px">{esc(str(row["label"]))}</td>{values}</tr>')
        missing = self.replications - int(summary.loc["break_even_month", "n"])
        note = (
            f"<div style='font-size:90%'>Break-even not reached within the horizon in {missing} of "
            f"{self.replications} replications (not in its quantiles).</div>"
            if missing
            else ""
        )
        return (
            '<div class="simcoop-results">'
            f"<div><strong>simcoop results: {esc(meta.name)}</strong> — {esc(meta.territory_name)}</div>"
            f"<div>{meta.horizon_months} months, {esc(meta.start_month)} to {esc(end)}; "
            f"{self.replications} replications, seed {self.seed}</div>"
            f'<div>Verdict: <strong style="color:{colour}">{esc(verdict.outcome.replace("_", " "))}</strong></div>'
            f'<ul style="margin:2px 0">{criteria}</ul>'
            f'<table style="border-collapse:collapse;font-size:90%"><thead><tr><th style="text-align:left;padding:1px 8px">'
            f"KPI over the horizon</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{note}"
            "<div style='font-size:90%'>All KPIs: <code>.summary()</code>; tables: <code>.monthly</code>, "
            "<code>.yearly</code>, <code>.events</code>, <code>.kpis</code>; charts: <code>.plot_fan()</code>, "
            "<code>.plot_yearly()</code>, <code>.plot_kpi()</code>.</div></div>"
        )

    def __repr__(self) -> str:
        return f"<Results {self.scenario.meta.name!r}: {self.replications} replications, seed {self.seed}>"

    def to_xarray(self, table: str = "monthly") -> "xarray.Dataset":  # noqa: F821 - imported lazily
        """``monthly`` (replication x month), ``yearly`` (replication x year) or ``kpis`` (replication)
        as an ``xarray.Dataset``, one variable per column with its unit (``simcoop.results.arrays``)."""
        from simcoop.results.arrays import to_xarray

        return to_xarray(self, table)

    # ------------------------------------------------------------------ plots
    def plot_fan(
        self,
        column: str | Sequence[str],
        quantiles: Sequence[float] = (5, 25, 50, 75, 95),
        ax: Axes | None = None,
    ) -> Figure:
        """Fan chart of a monthly column over the months: quantile bands across replications.

        ``quantiles`` are percentages, paired from the outside in (5-95, then 25-75); an odd
        middle one (50) is drawn as a line. Several columns (``["n_cape", "n_cesa",
        "n_associe"]``) share the axes, one colour each. Draws on ``ax`` if given, else on a
        new figure that pyplot does not track; returns the figure.
        """
        return plots.plot_fan(self, column, quantiles, ax)

    def plot_yearly(self, column: str, ax: Axes | None = None) -> Figure:
        """Bars of a yearly column by calendar year: the median, with whiskers from 5% to 95% across replications.

        Partial first or last years (``months`` < 12) are drawn lighter and say how many
        months they cover.
        """
        return plots.plot_yearly(self, column, ax)

    def plot_kpi(self, kpi: str, bins: int | str = "auto", ax: Axes | None = None) -> Figure:
        """Histogram of a KPI across replications, with its median (solid), 5% (dashed) and 95% (dotted) quantiles.

        Replications without a value (e.g. break-even not reached) are counted in the title.
        """
        return plots.plot_kpi(self, kpi, bins, ax)

    # ------------------------------------------------------------------ disk
    def save(
        self, directory: str | os.PathLike[str], force: bool = False, csv_rows: dict[str, Sequence[Path]] | None = None
    ) -> Path:
        """Write the run folder atomically; refuse to replace a different run unless ``force``.

        Everything is written to a temporary folder next to ``directory`` and swapped
        into place at the end, under the folder's lock, so an interrupted save leaves the
        previous content (or nothing), never a half-written folder. The folder is marked
        as simcoop's (``.simcoop.json``, see ``simcoop.outdir``): a folder that is not
        simcoop's is never replaced, and the user's own files in a run folder are kept.
        ``csv_rows``: by table, files holding the CSV rows of its parts in order
        (``simcoop.csvout.csv_rows``, made where the parts were computed), copied instead of
        turning the table into text here.
        """
        write = self._write if not csv_rows else lambda folder: self._write(folder, csv_rows)
        return write_owned_folder(
            Path(directory), "run", self.identity(), write, force, scenario_hash=self.scenario.scenario_hash()
        )

    def identity(self) -> dict[str, Any]:
        """What identifies this run: scenario (name and hash), seed, replications."""
        return run_identity(self.scenario, self.seed, self.replications)

    def _write(self, folder: Path, csv_rows: dict[str, Sequence[Path]] | None = None) -> None:
        csv_rows = csv_rows or {}
        # Every table as Parquet (exact: dtypes, categories, cents kept; what load_results
        # reads) and, except events, as CSV for spreadsheets and other tools.
        for name in TABLES:
            frame = getattr(self, name)
            if frame is None:
                continue
            to_parquet(frame, folder / f"{name}.parquet")
            if name != "events":
                to_csv(frame, folder / f"{name}.csv", csv_rows.get(name))
            del frame
        self._write_derived(folder)

    def _write_derived(self, folder: Path) -> None:
        """The run folder's files besides the tables: manifest, summaries, reality check, verdict."""
        with open(folder / "manifest.json", "w", encoding="utf-8") as fh:
            json.dump(self.manifest(), fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        if self.portage is not None:
            to_csv(self.portage_comparison(), folder / "portage_comparison.csv")
        to_csv(self.summary(), folder / "summary.csv")
        to_csv(reality_frame(self.reality_check()), folder / "reality_check.csv")
        with open(folder / "verdict.json", "w", encoding="utf-8") as fh:
            # Rounded to what the model can claim (simcoop.results.verdict_text; docs/outputs.md).
            json.dump({"run": self.identity(), **claimable(self.verdict().to_dict())}, fh, indent=2, ensure_ascii=False)
            fh.write("\n")



def load_results(directory: str | os.PathLike[str]) -> Results:
    """Read a run folder written by ``Results.save`` (or ``simcoop run``): the same Results, table for table.

    Every table is read from its Parquet file, so dtypes (categories, nullable integers,
    dates) and values come back exactly as saved. A folder written before the tables had
    Parquet twins (kpis, funding, zones, sites, portage) is read from their CSV files.
    """
    folder = Path(directory)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    scenario = scenario_from_dict(manifest["scenario"], source=str(folder / "manifest.json"))
    tables = {name: _read_table(folder, name) for name in TABLES}
    for name in ("monthly", "yearly", "events", "kpis"):
        if tables[name] is None:
            raise FileNotFoundError(f"{folder} is not a complete run folder: {name}.parquet is missing")
    return Results(
        scenario=scenario,
        seed=int(manifest["seed"]),
        replications=int(manifest["replications"]),
        runtime_seconds=float(manifest.get("runtime_seconds", 0.0)),
        jobs=int(manifest.get("jobs", 1)),
        **tables,
    )


def _read_table(folder: Path, name: str) -> pd.DataFrame | None:
    """One table of a run folder: its Parquet file, else its CSV (older folders), else None."""
    if (folder / f"{name}.parquet").is_file():
        return pd.read_parquet(folder / f"{name}.parquet")
    csv = folder / f"{name}.csv"
    if name == "events" or not csv.is_file():
        return None
    frame = pd.read_csv(csv, dtype={"zone_code": str} if name == "zones" else None)
    if name == "kpis":
        for column in ("break_even_month", "insolvency_month"):
            frame[column] = frame[column].astype("Int64")
    return frame


def _fmt(value: Any, name: str) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "-"
    if name.endswith("_rate"):
        return f"{100 * value:.1f}%"
    if name.endswith("_eur"):
        return f"{value:,.0f}"
    return f"{value:,.1f}"


# ---------------------------------------------------------------------- notebook views and charts

#: The KPIs ``Results._repr_html_`` shows (the others are in ``summary()``).
_HTML_KPIS: tuple[str, ...] = (
    "accueils", "cape_entries", "cesa_entries", "associe_entries", "active_end", "positive_exit_rate",
    "turnover_eur", "jobs_fte_final_year", "public_funding_eur", "public_cost_per_supported_eur",
    "coop_result_eur", "min_coop_treasury_eur", "final_coop_treasury_eur", "break_even_month",
)  # fmt: skip

_OUTCOME_COLOURS = {"favourable": "#1a7f37", "favourable_under_conditions": "#b35900", "unfavourable": "#c62828"}

def _html_value(value: Any, name: str) -> str:
    if value is None or pd.isna(value):
        return "-"
    return plain_number(float(value), name)


def _criterion_text(criterion: Any) -> str:
    """One verdict criterion in a line of English: its figure, 95% interval and limit."""
    interval = f"[{100 * criterion.ci_low:.0f}-{100 * criterion.ci_high:.0f}%]"
    detail = criterion.detail
    if detail.get("within_horizon") is False:
        year = detail.get("by_year", detail.get("year"))
        return f"{criterion.key.replace('_', ' ')}: year {year} is beyond the horizon, not checked"
    if criterion.key == "insolvency":
        return (
            f"rupture de trésorerie (insolvency): probability {100 * criterion.value:.0f}% {interval}, "
            f"at most {100 * criterion.threshold:.0f}% allowed"
        )
    if criterion.key == "break_even":
        return (
            f"break-even by year {detail.get('by_year')}: in {100 * criterion.value:.0f}% of replications "
            f"{interval}, at least {100 * criterion.threshold:.0f}% needed"
        )
    if criterion.key == "public_share":
        return (
            f"public share of budget at most {100 * float(detail.get('max_public_share', 0)):.0f}% in year "
            f"{detail.get('year')}: in {100 * criterion.value:.0f}% of replications {interval}, "
            f"at least {100 * criterion.threshold:.0f}% needed"
        )
    return f"{criterion.key}: {criterion.value:.3g} {interval}, threshold {criterion.threshold:.3g}"


def _criterion_status(criterion: Any) -> str:
    if not criterion.met:
        return "missed"
    return "met, borderline" if criterion.borderline else "met"
