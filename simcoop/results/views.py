"""Replication outputs -> tidy DataFrames, KPIs, summaries, and the run folder on disk.

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
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simcoop._atomic import write_folder_atomically
from simcoop._version import __version__
from simcoop.model import DESTINATIONS, PORTAGE_MEASURES, REASONS, STAGES, ReplicationOutput
from simcoop.scenario import Scenario, scenario_from_dict
from simcoop.reality import RealityRow, reality_check, reality_frame, reality_sentence_fr

if TYPE_CHECKING:  # the plotting methods import matplotlib lazily
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["Results", "load_results", "OutputExistsError", "check_output_folder", "break_even_month", "KPI_LABELS", "MONTHLY_COLUMNS", "YEARLY_COLUMNS"]

#: Columns of ``monthly``, in order.
MONTHLY_COLUMNS: tuple[str, ...] = (
    "scenario", "replication", "month", "date",
    "accueils", "accueils_not_entered", "accueils_lost_waiting", "n_waiting", "roster_starts",
    "cape_entries", "cesa_entries", "associe_entries", "cape_renewals",
    "exits", "exits_own_company", "exits_salaried_job", "exits_stop",
    "exits_activity_not_viable", "exits_personal_reasons", "exits_end_of_cape", "exits_end_of_trial_period",
    "exits_not_associe_in_time",
    "n_cape", "n_cesa", "n_associe", "n_active", "n_exited", "staff_fte", "support_fte",
    "turnover_eur", "turnover_salaried_eur", "cash_received_eur", "purchases_eur", "contributions_eur",
    "gross_salaries_eur", "settlement_pay_eur", "employer_contributions_eur", "employee_contributions_eur",
    "activity_charges_eur", "jobs_fte", "are_months_saved",
    "exit_payouts_eur", "exit_losses_eur", "collected_for_exited_eur",
    "public_funding_earned_eur", "public_funding_eur", "staff_costs_eur", "coop_costs_eur", "coop_result_eur",
    "capital_paid_in_eur", "capital_repaid_eur",
    "closing_result_eur", "corporate_tax_eur", "part_travail_eur", "interest_on_capital_eur",
    "legal_reserve_allocated_eur", "statutory_reserves_allocated_eur", "allocations_paid_eur",
    "coop_ledger_eur", "coop_treasury_eur", "advances_eur", "activities_treasury_eur", "consolidated_cash_eur",
    "receivables_eur", "funding_receivable_eur",
    "capital_eur", "capital_to_repay_eur", "allocations_payable_eur",
    "legal_reserve_eur", "statutory_reserves_eur", "loss_carried_forward_eur", "own_funds_eur",
)  # fmt: skip

#: Columns of ``yearly``, in order.
YEARLY_COLUMNS: tuple[str, ...] = (
    "scenario", "replication", "year", "months",
    "accueils", "accueils_lost_waiting", "cape_entries", "cesa_entries", "associe_entries",
    "supported", "salaried", "associes", "exits", "exits_own_company", "exits_salaried_job", "exits_stop",
    "exits_activity_not_viable", "exits_personal_reasons", "exits_end_of_cape", "exits_end_of_trial_period",
    "exits_not_associe_in_time",
    "active_end", "turnover_eur", "turnover_salaried_eur", "contributions_eur", "gross_salaries_eur", "settlement_pay_eur",
    "employer_contributions_eur", "employee_contributions_eur", "activity_charges_eur", "jobs_fte", "are_months_saved",
    "public_funding_earned_eur", "public_funding_eur", "public_funding_per_supported_eur", "public_funding_per_job_eur",
    "contributions_to_funding_ratio", "public_share_of_budget",
    "staff_fte_end", "coop_costs_eur", "coop_result_eur", "exit_losses_eur",
    "corporate_tax_eur", "part_travail_eur", "interest_on_capital_eur",
    "coop_treasury_end_eur", "consolidated_cash_end_eur", "advances_end_eur",
    "capital_end_eur", "legal_reserve_end_eur", "statutory_reserves_end_eur", "own_funds_end_eur",
)  # fmt: skip

#: KPI columns of ``kpis`` with a short English label (the report translates them).
KPI_LABELS: dict[str, str] = {
    "accueils": "accueils over the horizon",
    "accueils_lost_waiting": "entrants lost while waiting for a place",
    "cape_entries": "entries in CAPE (test phase)",
    "cesa_entries": "entries in CESA (direct or after CAPE)",
    "associe_entries": "new associés",
    "exits": "exits",
    "exits_own_company": "exits to own company",
    "exits_salaried_job": "exits to a salaried job",
    "exits_stop": "exits: stop",
    "exits_end_of_trial_period": "exits during the CESA trial period",
    "positive_exit_rate": "share of exits that are positive (own company or job)",
    "active_end": "entrepreneurs active at the end",
    "entrepreneur_months": "entrepreneur-months simulated",
    "turnover_eur": "turnover invoiced (EUR)",
    "gross_salaries_eur": "gross salaries paid (EUR)",
    "employer_contributions_eur": "employer social contributions (EUR)",
    "employee_contributions_eur": "employee social contributions (EUR)",
    "jobs_fte_final_year": "jobs in full-time equivalents, last year",
    "are_months_saved": "months of ARE not paid (estimate)",
    "contributions_eur": "contributions to the cooperative (EUR)",
    "public_funding_eur": "public funding received (EUR)",
    "public_funding_per_supported_eur": "public funding per person supported (EUR)",
    "public_funding_per_job_eur": "public funding per job-year in FTE (EUR)",
    "contributions_to_funding_ratio": "social contributions generated per euro of public funding",
    "coop_result_eur": "cumulated cooperative result before tax (EUR)",
    "exit_losses_eur": "losses on exits with a negative balance (EUR)",
    "max_advances_eur": "largest advances to activities (EUR)",
    "min_coop_treasury_eur": "lowest cooperative treasury (EUR)",
    "min_coop_treasury_month": "month of the lowest cooperative treasury",
    "final_coop_treasury_eur": "cooperative treasury at the end (EUR)",
    "final_own_funds_eur": "own funds at the end (EUR)",
    "break_even_month": "first month from which the 12-month rolling result stays positive",
    "insolvent": "1 if the cooperative's own treasury fell below minus the authorised overdraft",
    "insolvency_month": "first month the own treasury fell below minus the overdraft",
    "min_consolidated_cash_eur": "lowest consolidated cash (cooperative + activities) (EUR)",
    "public_share_in_criterion_year": "public share of the budget in the criterion year (viability.public_share_year)",
    "public_cost_eur": "public money: funding received + feasibility study (EUR)",
    "public_cost_per_supported_eur": "public money per person supported (EUR)",
}

#: Labels of the portage comparison measures.
PORTAGE_LABELS: dict[str, str] = {
    "entrants": "entrants (the same people in both models)",
    "admitted": "admitted (portage: billing pays the floor)",
    "present_end": "present at the end of the horizon",
    "salaried_end": "salaried at the end of the horizon",
    "salaried_person_months": "salaried person-months",
    "gross_pay_eur": "gross pay over the horizon (EUR)",
    "gross_pay_per_salaried_year_eur": "gross pay per salaried person-year (EUR)",
    "jobs_fte_final_year": "jobs in FTE, last year",
    "reserves_end_eur": "reserves built (EUR)",
}

_CENTS_SUFFIX = "_cents"
_FRACTIONAL = frozenset({"staff_fte", "support_fte", "jobs_fte", "are_months_saved"})


class OutputExistsError(FileExistsError):
    """The output folder holds something else than this very run."""


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
        monthly = _monthly_frame(scenario, outputs)
        people = _people_frame(outputs)
        yearly = _yearly_frame(scenario, monthly, people)
        events = _events_frame(scenario, outputs)
        kpis = _kpis_frame(scenario, monthly, yearly, people)
        funding = _funding_frame(scenario, outputs)
        zones, sites = _territory_frames(scenario, outputs, people)
        portage = _portage_frame(scenario, outputs)
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
        )

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
        return {
            "simcoop_version": __version__,
            "scenario_name": self.scenario.meta.name,
            "scenario_hash": self.scenario.scenario_hash(),
            "seed": self.seed,
            "replications": self.replications,
            "jobs": self.jobs,
            "runtime_seconds": round(self.runtime_seconds, 3),
            "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "tables": {
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
            },
            "scenario": self.scenario.to_dict(),
        }

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
        columns = [column] if isinstance(column, str) else list(column)
        if not columns:
            raise ValueError("plot_fan needs at least one column")
        for name in columns:
            _check_column(name, self.monthly.columns, MONTHLY_COLUMNS[4:], "monthly")
        qs = sorted(float(q) for q in quantiles)
        if not qs or not all(0.0 <= q <= 100.0 for q in qs):
            raise ValueError(f"quantiles must be percentages between 0 and 100, not {tuple(quantiles)}")
        fig, ax = _figure_and_axes(ax, (8.0, 4.0))
        n = len(qs)
        bands = [(qs[i], qs[n - 1 - i]) for i in range(n // 2)]
        lowest, highest = np.inf, -np.inf
        for k, name in enumerate(columns):
            matrix = self.monthly.pivot(index="date", columns="replication", values=name).sort_index()
            dates = pd.DatetimeIndex(matrix.index)
            values = np.nanpercentile(matrix.to_numpy(dtype=float), qs, axis=1) if matrix.size else np.zeros((n, 0))
            if values.size:
                lowest, highest = min(lowest, np.nanmin(values)), max(highest, np.nanmax(values))
            colour = f"C{k}"
            for i, (low, high) in enumerate(bands):
                label = f"{_pct(low)}-{_pct(high)}%" if len(columns) == 1 else None
                if len(columns) > 1 and n % 2 == 0 and i == 0:
                    label = _column_label(name)
                alpha = 0.15 + 0.25 * i / max(len(bands) - 1, 1)
                ax.fill_between(dates, values[i], values[n - 1 - i], color=colour, alpha=alpha, linewidth=0, label=label)
            if n % 2:
                middle = qs[n // 2]
                if len(columns) > 1:
                    label = _column_label(name)
                else:
                    label = "median" if middle == 50 else f"{_pct(middle)}%"
                ax.plot(dates, values[n // 2], color=colour, linewidth=1.8, label=label)
        _date_axis(ax)
        units = {_unit(name) for name in columns}
        ax.set_ylabel(_axis_label(columns[0]) if len(columns) == 1 else (units.pop() if len(units) == 1 else "value"))
        ax.set_xlabel("month")
        if all(name.endswith("_eur") for name in columns):
            _thousands(ax.yaxis)
        if lowest < 0 < highest:  # a treasury or a result that turns negative: show where zero is
            ax.axhline(0.0, color="0.4", linewidth=0.8)
        spread = ", ".join(f"{_pct(lo)}-{_pct(hi)}%" for lo, hi in bands)
        ax.set_title(
            f"{', '.join(_column_label(c) for c in columns)}: "
            f"{'bands ' + spread if bands else 'quantiles'} across {self.replications} replications",
            fontsize="medium",
        )
        ax.legend(fontsize="small", loc="best")
        return fig

    def plot_yearly(self, column: str, ax: Axes | None = None) -> Figure:
        """Bars of a yearly column by calendar year: the median, with whiskers from 5% to 95% across replications.

        Partial first or last years (``months`` < 12) are drawn lighter and say how many
        months they cover.
        """
        _check_column(column, self.yearly.columns, YEARLY_COLUMNS[4:], "yearly")
        fig, ax = _figure_and_axes(ax, (8.0, 4.0))
        grouped = self.yearly.groupby("year", sort=True)
        values = grouped[column]
        median = values.median().astype(float)
        low = values.quantile(0.05).astype(float)
        high = values.quantile(0.95).astype(float)
        months = grouped["months"].max()
        years = median.index.to_numpy()
        alphas = [1.0 if m >= 12 else 0.45 for m in months]
        bars = ax.bar(
            np.arange(len(years)),
            median.to_numpy(),
            yerr=np.vstack([(median - low).to_numpy(), (high - median).to_numpy()]),
            capsize=3,
            color="C0",
            ecolor="0.25",
            error_kw={"linewidth": 1.0},
        )
        for bar, alpha in zip(bars, alphas, strict=True):
            bar.set_alpha(alpha)
        ax.set_xticks(
            np.arange(len(years)),
            [f"{y}" if m >= 12 else f"{y}\n({m} mo.)" for y, m in zip(years, months, strict=True)],
        )
        ax.set_xlabel("calendar year")
        ax.set_ylabel(_axis_label(column))
        if column.endswith("_eur"):
            _thousands(ax.yaxis)
        if np.nanmin(low.to_numpy(), initial=0.0) < 0:
            ax.axhline(0.0, color="0.4", linewidth=0.8)
        ax.set_title(
            f"{_column_label(column)}: median and 5-95% range across {self.replications} replications",
            fontsize="medium",
        )
        return fig

    def plot_kpi(self, kpi: str, bins: int | str = "auto", ax: Axes | None = None) -> Figure:
        """Histogram of a KPI across replications, with its median (solid), 5% (dashed) and 95% (dotted) quantiles.

        Replications without a value (e.g. break-even not reached) are counted in the title.
        """
        if kpi not in KPI_LABELS:
            _check_column(kpi, (), tuple(KPI_LABELS), "KPI")
        fig, ax = _figure_and_axes(ax, (6.5, 4.0))
        values = pd.to_numeric(self.kpis[kpi], errors="coerce").astype(float).dropna().to_numpy()
        if values.size:
            ax.hist(values, bins=bins, color="C0", alpha=0.8, edgecolor="white")
            p5, p50, p95 = np.quantile(values, [0.05, 0.5, 0.95])
            ax.axvline(p50, color="C3", linewidth=1.8, label=f"median {_plain_number(p50, kpi)}")
            ax.axvline(p5, color="C3", linewidth=1.0, linestyle="--", label=f"5% {_plain_number(p5, kpi)}")
            ax.axvline(p95, color="C3", linewidth=1.0, linestyle=":", label=f"95% {_plain_number(p95, kpi)}")
            ax.legend(fontsize="small", loc="best")
        else:
            ax.text(0.5, 0.5, "no replication has a value", ha="center", va="center", transform=ax.transAxes)
        ax.set_xlabel(_kpi_axis_label(kpi))
        ax.set_ylabel("replications")
        _integer_ticks(ax.yaxis)
        if kpi.endswith("_eur"):
            _thousands(ax.xaxis)
        missing = len(self.kpis) - values.size
        ax.set_title(
            f"{kpi}: {values.size} replications" + (f"; no value in {missing}" if missing else ""),
            fontsize="medium",
        )
        return fig

    # ------------------------------------------------------------------ disk
    def save(self, directory: str | os.PathLike[str], force: bool = False) -> Path:
        """Write the run folder atomically; refuse to replace a different run unless ``force``.

        Everything is written to a temporary folder next to ``directory`` and renamed
        into place at the end, so an interrupted save leaves the previous content (or
        nothing), never a half-written folder.
        """
        target = Path(directory)
        check_output_folder(target, self.scenario, self.seed, self.replications, force)
        return write_folder_atomically(target, self._write)

    def _write(self, folder: Path) -> None:
        with open(folder / "manifest.json", "w", encoding="utf-8") as fh:
            json.dump(self.manifest(), fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        for name in ("monthly", "yearly"):
            frame = getattr(self, name)
            frame.to_parquet(folder / f"{name}.parquet", index=False)
            _to_csv(frame, folder / f"{name}.csv")
        self.events.to_parquet(folder / "events.parquet", index=False)
        if self.zones is not None:
            _to_csv(self.zones, folder / "zones.csv")
        if self.sites is not None:
            _to_csv(self.sites, folder / "sites.csv")
        if self.funding is not None:
            _to_csv(self.funding, folder / "funding.csv")
        if self.portage is not None:
            _to_csv(self.portage, folder / "portage.csv")
            _to_csv(self.portage_comparison(), folder / "portage_comparison.csv")
        _to_csv(self.kpis, folder / "kpis.csv")
        _to_csv(self.summary(), folder / "summary.csv")
        _to_csv(reality_frame(self.reality_check()), folder / "reality_check.csv")
        with open(folder / "verdict.json", "w", encoding="utf-8") as fh:
            json.dump(self.verdict().to_dict(), fh, indent=2, ensure_ascii=False)
            fh.write("\n")


def _to_csv(frame: pd.DataFrame, path: Path) -> None:
    """CSV that opens in pandas and spreadsheets: UTF-8, dot decimals, ISO dates."""
    frame.to_csv(path, index=False, date_format="%Y-%m-%d", float_format="%.10g")


def check_output_folder(target: Path, scenario: Scenario, seed: int, replications: int, force: bool = False) -> None:
    """Raise OutputExistsError unless ``target`` is absent, empty, the same run, or ``force``."""
    old = existing_manifest(target, force)
    if old is None:
        return
    same = (
        old.get("scenario_hash") == scenario.scenario_hash()
        and old.get("seed") == seed
        and old.get("replications") == replications
    )
    if not same:
        raise OutputExistsError(
            f"{target} holds a different run (scenario {old.get('scenario_name')!r}, seed {old.get('seed')}, "
            f"{old.get('replications')} replications); use --force to replace it, or choose another --out"
        )


def existing_manifest(target: Path, force: bool = False) -> dict[str, Any] | None:
    """The manifest of what ``target`` holds, or None when it may be written freely (absent, empty, ``force``).

    Raises OutputExistsError when ``target`` is a file, or a non-empty folder without a
    simcoop manifest: something a user made, never overwritten unasked.
    """
    if not target.exists() or force:
        return None
    if not target.is_dir():
        raise OutputExistsError(f"{target} exists and is not a folder; choose another --out or use --force")
    if not any(target.iterdir()):
        return None
    manifest_path = target / "manifest.json"
    if not manifest_path.is_file():
        raise OutputExistsError(
            f"{target} is not empty and holds no simcoop manifest.json; it will not be overwritten "
            "(choose another --out, or use --force to replace it)"
        )
    try:
        old = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        old = {}
    return old if isinstance(old, dict) else {}


def load_results(directory: str | os.PathLike[str]) -> Results:
    """Read a run folder written by ``Results.save`` (or ``simcoop run``)."""
    folder = Path(directory)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    scenario = scenario_from_dict(manifest["scenario"], source=str(folder / "manifest.json"))
    kpis = pd.read_csv(folder / "kpis.csv")
    for column in ("break_even_month", "insolvency_month"):
        kpis[column] = kpis[column].astype("Int64")
    return Results(
        scenario=scenario,
        seed=int(manifest["seed"]),
        replications=int(manifest["replications"]),
        monthly=pd.read_parquet(folder / "monthly.parquet"),
        yearly=pd.read_parquet(folder / "yearly.parquet"),
        events=pd.read_parquet(folder / "events.parquet"),
        kpis=kpis,
        runtime_seconds=float(manifest.get("runtime_seconds", 0.0)),
        jobs=int(manifest.get("jobs", 1)),
        funding=pd.read_csv(folder / "funding.csv") if (folder / "funding.csv").is_file() else None,
        zones=pd.read_csv(folder / "zones.csv", dtype={"zone_code": str}) if (folder / "zones.csv").is_file() else None,
        sites=pd.read_csv(folder / "sites.csv") if (folder / "sites.csv").is_file() else None,
        portage=pd.read_csv(folder / "portage.csv") if (folder / "portage.csv").is_file() else None,
    )


# ---------------------------------------------------------------------- frames


def _month_dates(scenario: Scenario) -> pd.DatetimeIndex:
    return pd.period_range(scenario.meta.start_month, periods=scenario.meta.horizon_months, freq="M").to_timestamp()


def _monthly_frame(scenario: Scenario, outputs: Sequence[ReplicationOutput]) -> pd.DataFrame:
    horizon = scenario.meta.horizon_months
    reps = len(outputs)
    data: dict[str, Any] = {
        "scenario": pd.Categorical([scenario.meta.name] * (reps * horizon)),
        "replication": np.repeat([o.replication for o in outputs], horizon).astype(np.int64),
        "month": np.tile(np.arange(horizon, dtype=np.int64), reps),
        "date": np.tile(_month_dates(scenario).values, reps),
    }
    names = list(outputs[0].monthly) if outputs else []
    stacked = {name: np.concatenate([o.monthly[name] for o in outputs]) for name in names}
    for name, values in stacked.items():
        if name.endswith(_CENTS_SUFFIX):
            data[name[: -len(_CENTS_SUFFIX)] + "_eur"] = np.round(values / 100.0, 2)
        elif name in _FRACTIONAL:
            data[name] = np.round(values, 4)
        else:
            data[name] = values.astype(np.int64)
    frame = pd.DataFrame(data)
    frame["n_active"] = frame["n_cape"] + frame["n_cesa"] + frame["n_associe"]
    # The cooperative's result before tax: what it earns (contributions, funding earned) minus
    # its costs and exit losses.
    if stacked:
        result_cents = (
            stacked["contributions_cents"] + stacked["public_funding_earned_cents"]
            - stacked["coop_costs_cents"] - stacked["exit_losses_cents"]
        )  # fmt: skip
        frame["coop_result_eur"] = np.round(result_cents / 100.0, 2)
    else:
        frame["coop_result_eur"] = np.zeros(0)
    return frame[list(MONTHLY_COLUMNS)]


def _people_frame(outputs: Sequence[ReplicationOutput]) -> pd.DataFrame:
    parts = []
    for o in outputs:
        part = pd.DataFrame(o.people)
        part.insert(0, "replication", o.replication)
        parts.append(part)
    if not parts:
        return pd.DataFrame()
    return pd.concat(parts, ignore_index=True)


def _yearly_frame(scenario: Scenario, monthly: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    horizon = scenario.meta.horizon_months
    start_year, start_month = (int(x) for x in scenario.meta.start_month.split("-"))
    year_of_month = start_year + (start_month - 1 + np.arange(horizon)) // 12
    years = np.unique(year_of_month)
    frame = monthly.assign(year=year_of_month[monthly["month"].to_numpy()])
    sums = [
        "accueils", "accueils_lost_waiting", "cape_entries", "cesa_entries", "associe_entries", "exits",
        "exits_own_company", "exits_salaried_job", "exits_stop", "exits_activity_not_viable",
        "exits_personal_reasons", "exits_end_of_cape", "exits_end_of_trial_period", "exits_not_associe_in_time",
        "turnover_eur", "turnover_salaried_eur", "contributions_eur", "gross_salaries_eur", "settlement_pay_eur",
        "employer_contributions_eur", "employee_contributions_eur", "activity_charges_eur", "jobs_fte", "are_months_saved",
        "public_funding_earned_eur", "public_funding_eur", "coop_costs_eur", "coop_result_eur", "exit_losses_eur",
        "corporate_tax_eur", "part_travail_eur", "interest_on_capital_eur",
    ]  # fmt: skip
    grouped = frame.groupby(["replication", "year"], sort=True)
    yearly = grouped[sums].sum()
    yearly["months"] = grouped["month"].count()
    # Jobs in FTE: the year's mean of the monthly FTE (hour equivalents / 151.67 h).
    yearly["jobs_fte"] = (yearly["jobs_fte"] / yearly["months"]).round(4)
    yearly["are_months_saved"] = yearly["are_months_saved"].round(4)
    ends = {
        "active_end": "n_active", "staff_fte_end": "staff_fte", "coop_treasury_end_eur": "coop_treasury_eur",
        "consolidated_cash_end_eur": "consolidated_cash_eur", "advances_end_eur": "advances_eur",
        "capital_end_eur": "capital_eur", "legal_reserve_end_eur": "legal_reserve_eur",
        "statutory_reserves_end_eur": "statutory_reserves_eur", "own_funds_end_eur": "own_funds_eur",
    }  # fmt: skip
    last = grouped[list(ends.values())].last()
    for name, column in ends.items():
        yearly[name] = last[column]
    for col in [c for c in sums if c.endswith("_eur")]:
        yearly[col] = yearly[col].round(2)
    yearly = yearly.reset_index()

    # Distinct people present in a stage at any time in the year (exit month counts as present).
    reps = np.sort(monthly["replication"].unique())
    rep_pos = {r: k for k, r in enumerate(reps)}
    counts = {name: np.zeros((len(reps), len(years)), dtype=np.int64) for name in ("supported", "salaried", "associes")}
    if len(people):
        rep_index = people["replication"].map(rep_pos).to_numpy()
        exit_or_end = people["exit_month"].to_numpy().copy()
        exit_or_end[exit_or_end < 0] = horizon - 1
        starts = {
            "supported": people["entry_month"].to_numpy().copy(),
            "salaried": people["cesa_month"].to_numpy().copy(),
            "associes": people["associe_month"].to_numpy().copy(),
        }
        if "from_roster" in people:
            # People of a warm-start roster started before month 0 (negative months, which
            # the -1 "never" sentinel would hide): they are present from month 0 in the stages
            # they had reached.
            roster = people["from_roster"].to_numpy() == 1
            first = people["first_stage"].to_numpy()
            starts["supported"][roster] = 0
            starts["salaried"][roster & (first >= 2)] = 0
            starts["associes"][roster & (first == 3)] = 0
        for k, year in enumerate(years):
            months = np.flatnonzero(year_of_month == year)
            first, last_m = months[0], months[-1]
            present = exit_or_end >= first
            for name, start in starts.items():
                mask = present & (start >= 0) & (start <= last_m)
                counts[name][:, k] = np.bincount(rep_index[mask], minlength=len(reps))
    year_pos = {y: k for k, y in enumerate(years)}
    r_idx = yearly["replication"].map(rep_pos).to_numpy()
    y_idx = yearly["year"].map(year_pos).to_numpy()
    for name, table in counts.items():
        yearly[name] = table[r_idx, y_idx]
    # What an elected official asks: public money per person supported and per job, and the
    # social contributions generated per euro of public funding (received in the year).
    funding = yearly["public_funding_eur"]
    job_years = yearly["jobs_fte"] * yearly["months"] / 12.0
    yearly["public_funding_per_supported_eur"] = (funding / yearly["supported"].where(yearly["supported"] > 0)).round(2)
    yearly["public_funding_per_job_eur"] = (funding / job_years.where(job_years > 0)).round(2)
    social = yearly["employer_contributions_eur"] + yearly["employee_contributions_eur"]
    yearly["contributions_to_funding_ratio"] = (social / funding.where(funding > 0)).round(4)
    # The share of the cooperative's budget (contributions + funding earned) that is public.
    budget = yearly["contributions_eur"] + yearly["public_funding_earned_eur"]
    yearly["public_share_of_budget"] = (yearly["public_funding_earned_eur"] / budget.where(budget > 0)).round(4)
    yearly.insert(0, "scenario", pd.Categorical([scenario.meta.name] * len(yearly)))
    return yearly[list(YEARLY_COLUMNS)]


def _funding_frame(scenario: Scenario, outputs: Sequence[ReplicationOutput]) -> pd.DataFrame:
    """Public funding earned and received, by replication, calendar year and convention."""
    conventions = scenario.cooperative.public_funding
    columns = ["scenario", "replication", "year", "funder", "kind", "earned_eur", "received_eur"]
    if not conventions or not outputs:
        return pd.DataFrame({c: [] for c in columns})
    horizon = scenario.meta.horizon_months
    start_year, start_month = (int(x) for x in scenario.meta.start_month.split("-"))
    year_of_month = start_year + (start_month - 1 + np.arange(horizon)) // 12
    years = np.unique(year_of_month)
    rows = []
    for o in outputs:
        for c, conv in enumerate(conventions):
            for year in years:
                months = year_of_month == year
                rows.append(
                    (o.replication, int(year), conv.funder, conv.kind,
                     round(float(o.funding_earned[c, months].sum()) / 100.0, 2),
                     round(float(o.funding_received[c, months].sum()) / 100.0, 2))
                )  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns[1:])
    frame.insert(0, "scenario", pd.Categorical([scenario.meta.name] * len(frame)))
    return frame


def _territory_frames(
    scenario: Scenario, outputs: Sequence[ReplicationOutput], people: pd.DataFrame
) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """Accueils, entries and people by zone and by site, per replication and calendar year."""
    if not outputs or outputs[0].by_site is None:
        return None, None
    horizon = scenario.meta.horizon_months
    start_year, start_month = (int(x) for x in scenario.meta.start_month.split("-"))
    year_of_month = start_year + (start_month - 1 + np.arange(horizon)) // 12
    years = np.unique(year_of_month)
    last_of_year = {int(y): int(np.flatnonzero(year_of_month == y)[-1]) for y in years}
    first_of_year = {int(y): int(np.flatnonzero(year_of_month == y)[0]) for y in years}
    site_names = [s.name for s in scenario.cooperative.sites]
    zones = scenario.territory.zones
    zone_codes = [z.zone_code for z in zones] or [""]
    zone_names = [z.name for z in zones] or [scenario.meta.territory_name or "territoire"]
    seekers = [z.job_seekers_abc for z in zones] or [np.nan]
    population = [z.population for z in zones] or [np.nan]
    site_rows, zone_rows = [], []
    for o in outputs:
        mine = people[people["replication"] == o.replication] if len(people) else people
        exit_or_end = mine["exit_month"].to_numpy().copy() if len(mine) else np.zeros(0, dtype=np.int64)
        exit_or_end[exit_or_end < 0] = horizon - 1
        for year in years:
            y = int(year)
            months = year_of_month == year
            last = last_of_year[y]
            for s, name in enumerate(site_names):
                bs = o.by_site
                site_rows.append(
                    (o.replication, y, name, int(bs["accueils"][s, months].sum()), int(bs["entries"][s, months].sum()),
                     int(bs["lost_waiting"][s, months].sum()), int(bs["active"][s, last]), int(bs["waiting"][s, last]),
                     float(bs["staff_fte"][s, last]))
                )  # fmt: skip
            present = (exit_or_end >= first_of_year[y]) & (mine["entry_month"].to_numpy() <= last) if len(mine) else np.zeros(0, bool)
            supported = np.bincount(mine["zone"].to_numpy()[present], minlength=len(zone_codes)) if len(mine) else np.zeros(len(zone_codes))
            for z, code in enumerate(zone_codes):
                bz = o.by_zone
                per_1000 = 1000.0 * supported[z] / seekers[z] if seekers[z] and not np.isnan(seekers[z]) else np.nan
                zone_rows.append(
                    (o.replication, y, code, zone_names[z], population[z], seekers[z], int(bz["accueils"][z, months].sum()),
                     int(bz["entries"][z, months].sum()), int(supported[z]), int(bz["active"][z, last]), round(per_1000, 4))
                )  # fmt: skip
    sites = pd.DataFrame(
        site_rows,
        columns=["replication", "year", "site", "accueils", "entries", "lost_waiting", "active_end", "waiting_end", "staff_fte_end"],
    )
    zones_frame = pd.DataFrame(
        zone_rows,
        columns=["replication", "year", "zone_code", "zone_name", "population", "job_seekers_abc", "accueils", "entries",
                 "supported", "active_end", "supported_per_1000_job_seekers"],
    )  # fmt: skip
    for frame in (sites, zones_frame):
        frame.insert(0, "scenario", pd.Categorical([scenario.meta.name] * len(frame)))
    return zones_frame, sites


def _portage_frame(scenario: Scenario, outputs: Sequence[ReplicationOutput]) -> pd.DataFrame | None:
    """One row per replication and model (cae, portage) with the comparison measures."""
    if not outputs or outputs[0].portage is None:
        return None
    rows = []
    for o in outputs:
        for model in ("cae", "portage"):
            rows.append({"replication": o.replication, "model": model, **o.portage[model]})
    frame = pd.DataFrame(rows)
    frame.insert(0, "scenario", pd.Categorical([scenario.meta.name] * len(frame)))
    return frame


def _events_frame(scenario: Scenario, outputs: Sequence[ReplicationOutput]) -> pd.DataFrame:
    arrays = [o.events for o in outputs]
    events = np.concatenate(arrays) if arrays else np.zeros((0, 6), dtype=np.int64)
    reps = np.concatenate([np.full(len(o.events), o.replication, dtype=np.int64) for o in outputs]) if outputs else np.zeros(0, dtype=np.int64)
    dates = _month_dates(scenario)
    destinations = ["", *DESTINATIONS]
    return pd.DataFrame(
        {
            "scenario": pd.Categorical([scenario.meta.name] * len(events)),
            "replication": reps,
            "entrepreneur_id": events[:, 0],
            "month": events[:, 1],
            "date": dates.values[events[:, 1]] if len(events) else np.array([], dtype="datetime64[ns]"),
            "from_stage": pd.Categorical.from_codes(events[:, 2], categories=list(STAGES)),
            "to_stage": pd.Categorical.from_codes(events[:, 3], categories=list(STAGES)),
            "reason": pd.Categorical.from_codes(events[:, 4], categories=list(REASONS)),
            "destination": pd.Categorical.from_codes(events[:, 5] + 1, categories=destinations),
        }
    )


def _kpis_frame(scenario: Scenario, monthly: pd.DataFrame, yearly: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    horizon = scenario.meta.horizon_months
    g = monthly.groupby("replication", sort=True)
    sums = g[
        ["accueils", "accueils_lost_waiting", "cape_entries", "cesa_entries", "associe_entries", "exits",
         "exits_own_company", "exits_salaried_job", "exits_stop", "exits_end_of_trial_period", "turnover_eur",
         "gross_salaries_eur", "employer_contributions_eur", "employee_contributions_eur", "are_months_saved",
         "contributions_eur", "public_funding_eur", "coop_result_eur", "exit_losses_eur"]
    ].sum()  # fmt: skip
    kpis = sums.copy()
    for col in [c for c in kpis.columns if c.endswith("_eur")]:
        kpis[col] = kpis[col].round(2)
    positive = kpis["exits_own_company"] + kpis["exits_salaried_job"]
    kpis["positive_exit_rate"] = np.where(kpis["exits"] > 0, positive / kpis["exits"].where(kpis["exits"] > 0, 1), np.nan)
    kpis["active_end"] = g["n_active"].last()
    kpis["entrepreneur_months"] = g["n_active"].sum()
    kpis["max_advances_eur"] = g["advances_eur"].max()
    treasury = monthly["coop_treasury_eur"].to_numpy().reshape(-1, horizon)
    kpis["min_coop_treasury_eur"] = treasury.min(axis=1)
    kpis["min_coop_treasury_month"] = treasury.argmin(axis=1)
    kpis["final_coop_treasury_eur"] = treasury[:, -1]
    kpis["final_own_funds_eur"] = g["own_funds_eur"].last()
    kpis["jobs_fte_final_year"] = yearly.groupby("replication", sort=True)["jobs_fte"].last()
    supported = people.groupby("replication").size().reindex(kpis.index, fill_value=0) if len(people) else 0
    job_years = g["jobs_fte"].sum() / 12.0
    funding = kpis["public_funding_eur"]
    kpis["public_funding_per_supported_eur"] = (funding / pd.Series(supported, index=kpis.index).where(lambda v: v > 0)).round(2)
    kpis["public_funding_per_job_eur"] = (funding / job_years.where(job_years > 0)).round(2)
    social = kpis["employer_contributions_eur"] + kpis["employee_contributions_eur"]
    kpis["contributions_to_funding_ratio"] = (social / funding.where(funding > 0)).round(4)
    # Viability: insolvency against the authorised overdraft, cash minimum,
    # public share of the budget in the criterion year, public cost per person supported.
    viability = scenario.viability
    below = treasury < -viability.overdraft_eur - 1e-9
    kpis["insolvent"] = below.any(axis=1).astype(np.int64)
    kpis["insolvency_month"] = pd.array([int(np.argmax(row)) if row.any() else None for row in below], dtype="Int64")
    kpis["min_consolidated_cash_eur"] = monthly["consolidated_cash_eur"].to_numpy().reshape(-1, horizon).min(axis=1)
    year_k = viability.public_share_year
    months = monthly["month"].to_numpy()
    in_year = (months >= 12 * (year_k - 1)) & (months < 12 * year_k)
    if in_year.any():
        sub = monthly.loc[in_year].groupby("replication", sort=True)[["contributions_eur", "public_funding_earned_eur"]].sum()
        total = sub["contributions_eur"] + sub["public_funding_earned_eur"]
        kpis["public_share_in_criterion_year"] = (sub["public_funding_earned_eur"] / total.where(total > 0)).round(4)
    else:
        kpis["public_share_in_criterion_year"] = np.nan
    feasibility = scenario.creation.feasibility
    study = feasibility.cost_eur if feasibility is not None else 0.0
    kpis["public_cost_eur"] = (kpis["public_funding_eur"] + study).round(2)
    kpis["public_cost_per_supported_eur"] = (kpis["public_cost_eur"] / pd.Series(supported, index=kpis.index).where(lambda v: v > 0)).round(2)
    result = monthly["coop_result_eur"].to_numpy().reshape(-1, horizon)
    kpis["break_even_month"] = pd.array([break_even_month(r) for r in result], dtype="Int64")
    kpis = kpis.reset_index()
    kpis.insert(0, "scenario", pd.Categorical([scenario.meta.name] * len(kpis)))
    return kpis[["scenario", "replication", *KPI_LABELS]]


def break_even_month(result_by_month: np.ndarray, window: int = 12) -> int | None:
    """First month from which the rolling ``window``-month result stays positive, or None.

    The rolling result at month t sums months t-window+1..t, so the earliest possible
    answer is month ``window - 1``.
    """
    values = np.rint(np.asarray(result_by_month, dtype=float) * 100.0)  # whole cents: exact sums
    if len(values) < window:
        return None
    rolling = np.convolve(values, np.ones(window), mode="valid")  # rolling[k] ends at month k+window-1
    not_positive = np.flatnonzero(rolling <= 0)
    if len(not_positive) == 0:
        return window - 1
    k = int(not_positive[-1]) + 1
    if k >= len(rolling):
        return None
    return k + window - 1


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

#: KPIs and columns that are shares (0-1), shown as percentages.
_SHARES = frozenset({"positive_exit_rate", "public_share_in_criterion_year", "public_share_of_budget"})

#: Axis labels for the columns whose name is not self-explanatory once its unit is removed.
_COLUMN_LABELS: dict[str, str] = {
    "n_waiting": "entrants waiting for a place",
    "n_cape": "people in CAPE",
    "n_cesa": "people in CESA (not associés)",
    "n_associe": "associés",
    "n_active": "active entrepreneurs",
    "n_exited": "exits since opening",
    "staff_fte": "accompaniment team",
    "support_fte": "management and accounting team",
    "jobs_fte": "jobs",
    "turnover_eur": "turnover invoiced, excl. VAT",
    "coop_result_eur": "cooperative result before tax",
    "coop_treasury_eur": "cooperative treasury",
    "consolidated_cash_eur": "consolidated cash (cooperative + activities)",
    "supported": "people supported in the year",
    "salaried": "people salaried (CESA) in the year",
    "associes": "associés in the year",
    "active_end": "active entrepreneurs at year end",
    "coop_treasury_end_eur": "cooperative treasury at year end",
    "public_share_of_budget": "public share of the cooperative's budget",
}


def _unit(name: str) -> str:
    """The unit of a column or KPI, read from its name (see docs/outputs.md)."""
    if name.endswith("_eur"):
        return "EUR"
    if name in _SHARES or name.endswith("_rate"):
        return "share"
    if name.endswith("_ratio"):
        return "EUR per EUR"
    if "fte" in name:
        return "FTE"
    if name == "are_months_saved":
        return "months of ARE"
    if name == "entrepreneur_months":
        return "entrepreneur-months"
    if name.endswith("_month"):
        return "month index"
    if name == "months":
        return "months"
    if name == "insolvent":
        return "0 or 1"
    return "people"


def _column_label(name: str) -> str:
    if name in _COLUMN_LABELS:
        return _COLUMN_LABELS[name]
    base = name.removesuffix("_eur")
    if base.endswith("_end"):
        base = base.removesuffix("_end") + " at year end"
    return base.replace("_", " ")


def _axis_label(name: str) -> str:
    return f"{_column_label(name)} ({_unit(name)})"


def _kpi_axis_label(kpi: str) -> str:
    label = KPI_LABELS[kpi]
    return label if label.endswith(")") else f"{label} ({_unit(kpi)})"


def _check_column(name: str, present: Any, allowed: Sequence[str], table: str) -> None:
    """Raise ValueError naming the closest columns when ``name`` is not a plottable column of ``table``."""
    if name in allowed and name in present:
        return
    import difflib

    close = difflib.get_close_matches(name, allowed, n=3)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise ValueError(f"{name!r} is not a {table} column that can be plotted{hint}")


def _figure_and_axes(ax: Any, size: tuple[float, float]) -> tuple[Any, Any]:
    """The axes to draw on: ``ax``, or one on a new Figure outside pyplot (nothing to close, no global state)."""
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


def _date_axis(ax: Any) -> None:
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=4, maxticks=12)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _thousands(axis: Any) -> None:
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:,.0f}"))


def _integer_ticks(axis: Any) -> None:
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def _pct(value: float) -> str:
    return f"{value:g}"


def _plain_number(value: float, name: str) -> str:
    if name in _SHARES or name.endswith("_rate"):
        return f"{100 * value:.1f}%"
    if name.endswith("_eur"):
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def _html_value(value: Any, name: str) -> str:
    if value is None or pd.isna(value):
        return "-"
    return _plain_number(float(value), name)


def _criterion_text(criterion: Any) -> str:
    """One verdict criterion in a line of English: its figure, 95% interval and limit."""
    interval = f"[{100 * criterion.ci_low:.0f}-{100 * criterion.ci_high:.0f}%]"
    detail = criterion.detail
    if detail.get("within_horizon") is False:
        year = detail.get("by_year", detail.get("year"))
        return f"{criterion.key.replace('_', ' ')}: year {year} is beyond the horizon, not checked"
    if criterion.key == "insolvency":
        return (
            f"insolvency: probability {100 * criterion.value:.0f}% {interval}, "
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
