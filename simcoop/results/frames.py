"""Replication outputs -> the tidy tables of a run (monthly, yearly, events, kpis, ...).

Every table has ``scenario`` and ``replication`` columns. Money columns end in ``_eur`` and
hold euros rounded to the cent (the model counts in cents).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from simcoop.model import DESTINATIONS, REASONS, STAGES, ReplicationOutput
from simcoop.months import calendar_years
from simcoop.scenario import Scenario

__all__ = [
    "KPI_LABELS",
    "MONTHLY_COLUMNS",
    "PORTAGE_LABELS",
    "TABLES",
    "parameters_frame",
    "YEARLY_COLUMNS",
    "break_even_month",
    "events_frame",
    "funding_frame",
    "kpis_frame",
    "monthly_frame",
    "people_frame",
    "portage_frame",
    "territory_frames",
    "yearly_frame",
]

#: Columns of ``monthly``, in order.
MONTHLY_COLUMNS: tuple[str, ...] = (
    "scenario", "replication", "month", "date",
    "accueils", "accueils_not_entered", "accueils_lost_waiting", "n_waiting", "roster_starts",
    "cape_entries", "cesa_entries", "rsa_entries", "associe_entries", "cape_renewals",
    "exits", "exits_own_company", "exits_salaried_job", "exits_stop",
    "exits_activity_not_viable", "exits_personal_reasons", "exits_end_of_cape", "exits_end_of_trial_period",
    "exits_not_associe_in_time",
    "n_cape", "n_cesa", "n_associe", "n_active", "n_exited", "staff_fte", "support_fte",
    "turnover_eur", "turnover_salaried_eur", "cash_received_eur", "purchases_eur", "contributions_eur",
    "gross_salaries_eur", "settlement_pay_eur", "employer_contributions_eur", "employee_contributions_eur",
    "csg_crds_eur", "activity_charges_eur", "jobs_fte", "are_months_saved", "rsa_saved_eur", "cape_pay_eur", "prestations_eur",
    "exit_payouts_eur", "exit_losses_eur", "collected_for_exited_eur",
    "public_funding_earned_eur", "public_funding_eur", "public_funding_recovered_eur", "staff_costs_eur", "coop_costs_eur", "coop_result_eur",
    "capital_paid_in_eur", "capital_repaid_eur",
    "closing_result_eur", "corporate_tax_eur", "part_travail_eur", "interest_on_capital_eur",
    "legal_reserve_allocated_eur", "statutory_reserves_allocated_eur", "allocations_paid_eur",
    "financing_received_eur", "financing_repaid_eur", "interest_eur",
    "coop_ledger_eur", "coop_treasury_eur", "advances_eur", "activities_treasury_eur", "consolidated_cash_eur",
    "receivables_eur", "funding_receivable_eur",
    "capital_eur", "capital_to_repay_eur", "allocations_payable_eur",
    "legal_reserve_eur", "statutory_reserves_eur", "loss_carried_forward_eur", "own_funds_eur",
    "quasi_equity_eur", "debt_outstanding_eur", "convention_advances_eur", "treasury_before_financing_eur",
)  # fmt: skip

#: Columns of ``yearly``, in order.
YEARLY_COLUMNS: tuple[str, ...] = (
    "scenario", "replication", "year", "months",
    "accueils", "accueils_lost_waiting", "cape_entries", "cesa_entries", "rsa_entries", "associe_entries",
    "supported", "salaried", "associes", "exits", "exits_own_company", "exits_salaried_job", "exits_stop",
    "exits_activity_not_viable", "exits_personal_reasons", "exits_end_of_cape", "exits_end_of_trial_period",
    "exits_not_associe_in_time",
    "active_end", "turnover_eur", "turnover_salaried_eur", "contributions_eur", "gross_salaries_eur", "settlement_pay_eur",
    "employer_contributions_eur", "employee_contributions_eur", "csg_crds_eur", "activity_charges_eur", "jobs_fte", "are_months_saved",
    "rsa_saved_eur", "cape_pay_eur", "prestations_eur",
    "public_funding_earned_eur", "public_funding_eur", "public_funding_per_supported_eur", "public_funding_per_job_eur",
    "contributions_to_funding_ratio", "public_share_of_budget",
    "staff_fte_end", "coop_costs_eur", "coop_result_eur", "exit_losses_eur", "interest_eur",
    "financing_received_eur", "financing_repaid_eur", "net_cost_eur", "over_compensation_eur",
    "corporate_tax_eur", "part_travail_eur", "interest_on_capital_eur",
    "coop_treasury_end_eur", "consolidated_cash_end_eur", "advances_end_eur",
    "capital_end_eur", "legal_reserve_end_eur", "statutory_reserves_end_eur", "own_funds_end_eur",
    "quasi_equity_end_eur", "debt_outstanding_end_eur",
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
    "employee_contributions_eur": "employee social contributions, CSG and CRDS included (EUR)",
    "csg_crds_eur": "CSG and CRDS on the entrepreneurs' pay, part of the employee contributions (EUR)",
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
    "are_saved_eur": "ARE saved against the counterfactual: months saved x are_counterfactual_share x average ARE (EUR)",
    "startup_need_eur": "start-up financing need: deepest fall of the own treasury before financing below zero (EUR)",
    "startup_need_month": "month the start-up financing need is reached",
    "cash_shortfall_eur": "one-off funds at opening that would have kept the own treasury above minus the overdraft (EUR)",
    "over_compensation_eur": "public subsidies above the net cost of the service plus the margin, all years (EUR)",
    "over_compensation_years": "years with over-compensation",
    "max_public_to_costs": "largest yearly ratio of public subsidies to the structure's costs",
    "rupture_without_over_compensation": "1 if the own treasury, less the over-compensation recovered each year-end, fell below minus the overdraft",
}
#: Columns of ``kpis`` set from the creation steps (after the KPI_LABELS columns).
GO_LABELS: dict[str, str] = {
    "opened": "1 if the go/no-go gate was passed and the CAE opened (creation.go_decision)",
    "opening_delay_months": "months the opening was postponed by the gate",
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
    "public_funding_eur": "public funding received (EUR), beside the reserves",
}

#: The tables of a Results and of a run folder (``<name>.parquet``), in the order they are written.
TABLES: tuple[str, ...] = ("monthly", "yearly", "events", "kpis", "funding", "zones", "sites", "portage", "parameters")

_CENTS_SUFFIX = "_cents"
_FRACTIONAL = frozenset({"staff_fte", "support_fte", "jobs_fte", "are_months_saved"})


# ---------------------------------------------------------------------- frames


def _named(name: str, rows: int) -> pd.Categorical:
    """``pd.Categorical([name] * rows)`` (the scenario column), from codes rather than from a list of ``rows`` strings."""
    if rows == 0:
        return pd.Categorical([])
    return pd.Categorical.from_codes(np.zeros(rows, dtype=np.int8), categories=pd.Index([name]))


def _month_dates(scenario: Scenario) -> pd.DatetimeIndex:
    return pd.period_range(scenario.meta.start_month, periods=scenario.meta.horizon_months, freq="M").to_timestamp()


def monthly_frame(scenario: Scenario, outputs: Sequence[ReplicationOutput]) -> pd.DataFrame:
    """One row per replication and month: the monthly records in euros (from cents) and counts (``MONTHLY_COLUMNS``)."""
    horizon = scenario.meta.horizon_months
    reps = len(outputs)
    data: dict[str, Any] = {
        "scenario": _named(scenario.meta.name, reps * horizon),
        "replication": np.repeat([o.replication for o in outputs], horizon).astype(np.int64),
        "month": np.tile(np.arange(horizon, dtype=np.int64), reps),
        "date": np.tile(_month_dates(scenario).values, reps),
    }
    names = list(outputs[0].monthly) if outputs else []
    table = np.empty((len(names), horizon * reps))  # record by record: 8 ms for 200 replications, 20 ms concatenated
    for k, o in enumerate(outputs):
        table[:, k * horizon : (k + 1) * horizon] = [o.monthly[name] for name in names]
    stacked = dict(zip(names, table, strict=True))
    for name, values in stacked.items():
        if name.endswith(_CENTS_SUFFIX):
            data[name[: -len(_CENTS_SUFFIX)] + "_eur"] = np.round(values / 100.0, 2)
        elif name in _FRACTIONAL:
            data[name] = np.round(values, 4)
        else:
            data[name] = values.astype(np.int64)
    if not stacked:
        frame = pd.DataFrame(data)
        frame["n_active"] = frame["n_cape"] + frame["n_cesa"] + frame["n_associe"]
        frame["coop_result_eur"] = np.zeros(0)
        return frame[list(MONTHLY_COLUMNS)]
    data["n_active"] = data["n_cape"] + data["n_cesa"] + data["n_associe"]
    # The cooperative's result before tax: what it earns (contributions, funding earned) minus
    # its costs, exit losses and financial charges (interest).
    result_cents = (
        stacked["contributions_cents"] + stacked["public_funding_earned_cents"] + stacked["prestations_cents"]
        - stacked["coop_costs_cents"] - stacked["exit_losses_cents"] - stacked["interest_cents"]
    )  # fmt: skip
    data["coop_result_eur"] = np.round(result_cents / 100.0, 2)
    return pd.DataFrame({name: data[name] for name in MONTHLY_COLUMNS})  # (one frame, in column order: no copy after)


def people_frame(outputs: Sequence[ReplicationOutput]) -> pd.DataFrame:
    """The per-person records of every replication, with a ``replication`` column."""
    if not outputs:
        return pd.DataFrame()
    names = list(outputs[0].people)
    if any(list(o.people) != names for o in outputs):  # not the same records everywhere: let pandas align them
        parts = []
        for o in outputs:
            part = pd.DataFrame(o.people)
            part.insert(0, "replication", o.replication)
            parts.append(part)
        return pd.concat(parts, ignore_index=True)
    # One frame from whole columns (the same dtypes and values as concatenating a frame per replication).
    sizes = [len(o.people[names[0]]) if names else 0 for o in outputs]
    data: dict[str, Any] = {"replication": np.repeat(np.array([o.replication for o in outputs], dtype=np.int64), sizes)}
    data.update({name: np.concatenate([np.asarray(o.people[name]) for o in outputs]) for name in names})
    return pd.DataFrame(data)


def yearly_frame(scenario: Scenario, monthly: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """One row per replication and calendar year, in the shape CAE report (``YEARLY_COLUMNS``)."""
    horizon = scenario.meta.horizon_months
    year_of_month = np.array(calendar_years(scenario.meta.start_month, horizon), dtype=np.int64)
    years = np.unique(year_of_month)
    sums = [
        "accueils", "accueils_lost_waiting", "cape_entries", "cesa_entries", "rsa_entries", "associe_entries", "exits",
        "exits_own_company", "exits_salaried_job", "exits_stop", "exits_activity_not_viable",
        "exits_personal_reasons", "exits_end_of_cape", "exits_end_of_trial_period", "exits_not_associe_in_time",
        "turnover_eur", "turnover_salaried_eur", "contributions_eur", "gross_salaries_eur", "settlement_pay_eur",
        "employer_contributions_eur", "employee_contributions_eur", "csg_crds_eur", "activity_charges_eur", "jobs_fte", "are_months_saved",
        "rsa_saved_eur", "cape_pay_eur", "prestations_eur",
        "public_funding_earned_eur", "public_funding_eur", "coop_costs_eur", "coop_result_eur", "exit_losses_eur",
        "interest_eur", "financing_received_eur", "financing_repaid_eur",
        "corporate_tax_eur", "part_travail_eur", "interest_on_capital_eur",
    ]  # fmt: skip
    ends = {
        "active_end": "n_active", "staff_fte_end": "staff_fte", "coop_treasury_end_eur": "coop_treasury_eur",
        "consolidated_cash_end_eur": "consolidated_cash_eur", "advances_end_eur": "advances_eur",
        "capital_end_eur": "capital_eur", "legal_reserve_end_eur": "legal_reserve_eur",
        "statutory_reserves_end_eur": "statutory_reserves_eur", "own_funds_end_eur": "own_funds_eur",
        "quasi_equity_end_eur": "quasi_equity_eur", "debt_outstanding_end_eur": "debt_outstanding_eur",
    }  # fmt: skip
    # Only the columns aggregated, with the year (not a copy of the whole monthly table).
    frame = monthly[["replication", "month", *sums, *ends.values()]].assign(year=year_of_month[monthly["month"].to_numpy()])
    grouped = frame.groupby(["replication", "year"], sort=True)
    # The table's columns as arrays, made into one frame at the end (each column added to a frame
    # cost about 0.1 ms, most of it in the str column index); the same numpy operations as on Series.
    summed = grouped[sums].sum()
    yearly: dict[str, Any] = {
        "replication": summed.index.get_level_values(0).to_numpy(),
        "year": summed.index.get_level_values(1).to_numpy(),
        "months": grouped["month"].count().to_numpy(),
    }
    summed = summed.reset_index(drop=True)  # (a column of a frame with a MultiIndex copies the index)
    for name in sums:  # money rounded to the cent (as Series.round)
        values = summed[name].to_numpy()
        yearly[name] = np.round(values, 2) if name.endswith("_eur") else values
    # Jobs in FTE: the year's mean of the monthly FTE (hour equivalents / 151.67 h).
    yearly["jobs_fte"] = np.round(yearly["jobs_fte"] / yearly["months"], 4)
    yearly["are_months_saved"] = np.round(yearly["are_months_saved"], 4)
    last = grouped[list(ends.values())].last().reset_index(drop=True)
    for name, column in ends.items():
        yearly[name] = last[column].to_numpy()

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
    r_idx = np.array([rep_pos[r] for r in yearly["replication"].tolist()], dtype=np.int64)
    y_idx = np.array([year_pos[y] for y in yearly["year"].tolist()], dtype=np.int64)
    for name, table in counts.items():
        yearly[name] = table[r_idx, y_idx]
    # What an elected official asks: public money per person supported and per job, and the
    # social contributions generated per euro of public funding (received in the year).
    funding = yearly["public_funding_eur"]
    job_years = yearly["jobs_fte"] * yearly["months"] / 12.0
    yearly["public_funding_per_supported_eur"] = np.round(funding / _positive(yearly["supported"]), 2)
    yearly["public_funding_per_job_eur"] = np.round(funding / _positive(job_years), 2)
    social = yearly["employer_contributions_eur"] + yearly["employee_contributions_eur"]
    yearly["contributions_to_funding_ratio"] = np.round(social / _positive(funding), 4)
    # The share of the cooperative's budget (contributions + funding earned) that is public.
    budget = yearly["contributions_eur"] + yearly["prestations_eur"] + yearly["public_funding_earned_eur"]  # prestations: own revenue
    yearly["public_share_of_budget"] = np.round(yearly["public_funding_earned_eur"] / _positive(budget), 4)
    # Compensation check (Décision 2012/21/UE arts. 5-6): public operating subsidies above the
    # net cost of the service (the structure's costs less its own revenue, the contributions)
    # plus a reasonable profit (viability.compensation_margin_share of the costs).
    costs = yearly["coop_costs_eur"] + yearly["exit_losses_eur"] + yearly["interest_eur"]
    yearly["net_cost_eur"] = np.round(costs - yearly["contributions_eur"] - yearly["prestations_eur"], 2)
    limit = yearly["net_cost_eur"] + scenario.viability.compensation_margin_share * costs
    excess = np.minimum(yearly["public_funding_earned_eur"], np.maximum(yearly["public_funding_earned_eur"] - limit, 0.0))
    # Below one euro the excess is the rounding of the margin to the cent (the clause de
    # reversement computes it in whole cents), not over-compensation.
    yearly["over_compensation_eur"] = np.round(np.where(excess >= 1.0, excess, 0.0), 2)
    yearly["scenario"] = _named(scenario.meta.name, len(yearly["replication"]))
    return pd.DataFrame({name: yearly[name] for name in YEARLY_COLUMNS})


def _positive(values: np.ndarray) -> np.ndarray:
    """``values`` where above 0, NaN elsewhere (``Series.where(values > 0)``: floats, NaN for the rest)."""
    return np.where(values > 0, values, np.nan)


def funding_frame(scenario: Scenario, outputs: Sequence[ReplicationOutput]) -> pd.DataFrame:
    """Public funding earned and received, by replication, calendar year and convention."""
    conventions = scenario.cooperative.public_funding
    columns = ["scenario", "replication", "year", "funder", "kind", "earned_eur", "received_eur"]
    if not conventions or not outputs:
        return pd.DataFrame({c: [] for c in columns})
    horizon = scenario.meta.horizon_months
    year_of_month = np.array(calendar_years(scenario.meta.start_month, horizon), dtype=np.int64)
    years = np.unique(year_of_month)
    in_year = [year_of_month == year for year in years]
    # Each convention's year sums, every replication at once: row by row (the year's months of one
    # convention, contiguous), the same sums as summing each convention's months apart.
    # The rows in (replication, convention, year) order, column by column; euros rounded by Python's round.
    data: dict[str, Any] = {}
    for name, column in (("funding_earned", "earned_eur"), ("funding_received", "received_eur")):
        stacked = np.stack([getattr(o, name) for o in outputs])  # [replication, convention, month]
        sums = np.stack([stacked[:, :, months].sum(axis=2) for months in in_year], axis=2)
        data[column] = np.array([round(cents / 100.0, 2) for cents in sums.ravel().tolist()], dtype=np.float64)
    per_replication = len(conventions) * len(years)
    data["scenario"] = _named(scenario.meta.name, len(outputs) * per_replication)
    data["replication"] = np.repeat(np.array([o.replication for o in outputs], dtype=np.int64), per_replication)
    data["year"] = np.tile(years.astype(np.int64), len(outputs) * len(conventions))
    data["funder"] = [conv.funder for conv in conventions for _ in years] * len(outputs)
    data["kind"] = [conv.kind for conv in conventions for _ in years] * len(outputs)
    return pd.DataFrame({name: data[name] for name in columns})


def territory_frames(
    scenario: Scenario, outputs: Sequence[ReplicationOutput], people: pd.DataFrame
) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """Accueils, entries and people by zone and by site, per replication and calendar year."""
    if not outputs or outputs[0].by_site is None:
        return None, None
    horizon = scenario.meta.horizon_months
    year_of_month = np.array(calendar_years(scenario.meta.start_month, horizon), dtype=np.int64)
    years = np.unique(year_of_month)
    last_of_year = {int(y): int(np.flatnonzero(year_of_month == y)[-1]) for y in years}
    first_of_year = {int(y): int(np.flatnonzero(year_of_month == y)[0]) for y in years}
    site_names = [s.name for s in scenario.cooperative.sites]
    zones = scenario.territory.zones
    zone_codes = [z.zone_code for z in zones] or [""]
    zone_names = [z.name for z in zones] or [scenario.meta.territory_name or "territoire"]
    seekers = [z.job_seekers_abc for z in zones] or [np.nan]
    population = [z.population for z in zones] or [np.nan]
    n_zones = len(zone_codes)
    # Every replication's series at once, [replication, site or zone, month].
    sites_by = {key: np.stack([o.by_site[key] for o in outputs]) for key in ("accueils", "entries", "lost_waiting", "active", "waiting", "staff_fte")}
    zones_by = {key: np.stack([o.by_zone[key] for o in outputs]) for key in ("accueils", "entries", "active")}
    owner = exit_or_end = entry = zone = np.zeros(0, dtype=np.int64)
    if len(people):  # each person's replication as the position of its output (replications are distinct)
        position = {o.replication: k for k, o in enumerate(outputs)}
        replications, of_person = np.unique(people["replication"].to_numpy(), return_inverse=True)
        owner = np.array([position.get(r, -1) for r in replications.tolist()], dtype=np.int64)[of_person]
        exit_or_end, entry, zone = people["exit_month"].to_numpy().copy(), people["entry_month"].to_numpy(), people["zone"].to_numpy()
        exit_or_end[exit_or_end < 0] = horizon - 1
        kept = owner >= 0
        owner, exit_or_end, entry, zone = owner[kept], exit_or_end[kept], entry[kept], zone[kept]
    # Each column at once, rows in (replication, year, site or zone) order: the year sums of counts (whole
    # numbers, the same in any order) and the year-end values, as whole numbers where they are counts.
    R, Y = len(outputs), len(years)
    lasts = [last_of_year[int(y)] for y in years]
    in_year = [year_of_month == year for year in years]

    def by_year(series: Any, summed: bool) -> Any:
        """``series[replication, site or zone, month]`` as ``[replication, year, site or zone]``, flattened."""
        if summed:
            values = np.stack([series[:, :, months].sum(axis=2) for months in in_year], axis=1)
        else:
            values = series[:, :, lasts].transpose(0, 2, 1)
        return values.reshape(-1)

    n_sites = len(site_names)
    replication = np.array([o.replication for o in outputs], dtype=np.int64)
    sites = pd.DataFrame({
        "replication": np.repeat(replication, Y * n_sites),
        "year": np.tile(np.repeat(years.astype(np.int64), n_sites), R),
        "site": site_names * (R * Y),
        **{key: by_year(sites_by[key], True).astype(np.int64) for key in ("accueils", "entries", "lost_waiting")},
        "active_end": by_year(sites_by["active"], False).astype(np.int64),
        "waiting_end": by_year(sites_by["waiting"], False).astype(np.int64),
        "staff_fte_end": by_year(sites_by["staff_fte"], False).astype(np.float64),
    })  # fmt: skip
    # The people a zone supported in each year: present at some point of it (entered by its last month, not
    # exited before its first).
    supported = np.zeros((R, Y, n_zones), dtype=np.int64)
    for j, year in enumerate(years):
        y = int(year)
        present = (exit_or_end >= first_of_year[y]) & (entry <= last_of_year[y])
        supported[:, j, :] = np.bincount(owner[present] * n_zones + zone[present], minlength=R * n_zones).reshape(R, n_zones)
    seekers_by_row = np.tile(np.array(seekers, dtype=np.float64), R * Y)
    supported_rows = supported.reshape(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_1000 = np.where(
            (seekers_by_row != 0) & ~np.isnan(seekers_by_row), 1000.0 * supported_rows / seekers_by_row, np.nan
        )  # (np.nan where there are no job seekers to count, as before)
    zones_frame = pd.DataFrame({
        "replication": np.repeat(replication, Y * n_zones),
        "year": np.tile(np.repeat(years.astype(np.int64), n_zones), R),
        "zone_code": zone_codes * (R * Y),
        "zone_name": zone_names * (R * Y),
        "population": population * (R * Y),
        "job_seekers_abc": seekers * (R * Y),
        "accueils": by_year(zones_by["accueils"], True).astype(np.int64),
        "entries": by_year(zones_by["entries"], True).astype(np.int64),
        "supported": supported_rows,
        "active_end": by_year(zones_by["active"], False).astype(np.int64),
        "supported_per_1000_job_seekers": np.round(per_1000, 4),
    })  # fmt: skip
    for frame in (sites, zones_frame):
        frame.insert(0, "scenario", _named(scenario.meta.name, len(frame)))
    return zones_frame, sites


def parameters_frame(scenario: Scenario, seed: int, replications: Sequence[int]) -> pd.DataFrame | None:
    """One row per replication: the value it drew for each uncertain key (one column per dotted key); None when nothing is uncertain.

    Draws depend only on (scenario, seed, replication) (``simcoop.draws``), so they are
    recomputed here exactly as the runner drew them, whatever worker ran the replication.
    """
    if scenario.uncertainty.empty:
        return None
    from simcoop.draws import drawn_rows

    frame = pd.DataFrame(drawn_rows(scenario, seed, replications))
    frame.insert(0, "scenario", scenario.meta.name)
    frame["replication"] = frame["replication"].astype(np.int64)
    return frame


def portage_frame(scenario: Scenario, outputs: Sequence[ReplicationOutput]) -> pd.DataFrame | None:
    """One row per replication and model (cae, portage) with the comparison measures."""
    if not outputs or outputs[0].portage is None:
        return None
    rows = []
    for o in outputs:
        for model in ("cae", "portage"):
            rows.append({"replication": o.replication, "model": model, **o.portage[model]})
    frame = pd.DataFrame(rows)
    frame.insert(0, "scenario", _named(scenario.meta.name, len(frame)))
    return frame


def events_frame(scenario: Scenario, outputs: Sequence[ReplicationOutput]) -> pd.DataFrame:
    """One row per change of state of an entrepreneur (stages, reason and destination as categories)."""
    arrays = [o.events for o in outputs]
    events = np.concatenate(arrays) if arrays else np.zeros((0, 6), dtype=np.int64)
    reps = np.concatenate([np.full(len(o.events), o.replication, dtype=np.int64) for o in outputs]) if outputs else np.zeros(0, dtype=np.int64)
    dates = _month_dates(scenario)
    destinations = ["", *DESTINATIONS]
    return pd.DataFrame(
        {
            "scenario": _named(scenario.meta.name, len(events)),
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


def kpis_frame(scenario: Scenario, monthly: pd.DataFrame, yearly: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """One row per replication: the KPIs of ``KPI_LABELS``, from the monthly, yearly and per-person tables."""
    horizon = scenario.meta.horizon_months
    g = monthly.groupby("replication", sort=True)
    sums = g[
        ["accueils", "accueils_lost_waiting", "cape_entries", "cesa_entries", "associe_entries", "exits",
         "exits_own_company", "exits_salaried_job", "exits_stop", "exits_end_of_trial_period", "turnover_eur",
         "gross_salaries_eur", "employer_contributions_eur", "employee_contributions_eur", "csg_crds_eur", "are_months_saved",
         "contributions_eur", "public_funding_eur", "coop_result_eur", "exit_losses_eur"]
    ].sum()  # fmt: skip
    # The table's columns as arrays (per-replication Series aligned on the replications first), made
    # into one frame at the end: the same numpy operations as on Series, without a frame insertion each.
    index = sums.index
    kpis: dict[str, Any] = {}
    for col in sums.columns:
        values = sums[col].to_numpy()
        kpis[col] = np.round(values, 2) if col.endswith("_eur") else values
    positive = kpis["exits_own_company"] + kpis["exits_salaried_job"]
    exits = kpis["exits"]
    kpis["positive_exit_rate"] = np.where(exits > 0, positive / np.where(exits > 0, exits, 1), np.nan)
    kpis["active_end"] = _aligned(g["n_active"].last(), index)
    kpis["entrepreneur_months"] = _aligned(g["n_active"].sum(), index)
    kpis["max_advances_eur"] = _aligned(g["advances_eur"].max(), index)
    treasury = monthly["coop_treasury_eur"].to_numpy().reshape(-1, horizon)
    kpis["min_coop_treasury_eur"] = treasury.min(axis=1)
    kpis["min_coop_treasury_month"] = treasury.argmin(axis=1)
    kpis["final_coop_treasury_eur"] = treasury[:, -1]
    kpis["final_own_funds_eur"] = _aligned(g["own_funds_eur"].last(), index)
    kpis["jobs_fte_final_year"] = _aligned(yearly.groupby("replication", sort=True)["jobs_fte"].last(), index)
    if len(people):
        supported = people.groupby("replication").size().reindex(index, fill_value=0).to_numpy()
    else:
        supported = np.zeros(len(index), dtype=np.int64)
    job_years = _aligned(g["jobs_fte"].sum(), index) / 12.0
    funding = kpis["public_funding_eur"]
    kpis["public_funding_per_supported_eur"] = np.round(funding / _positive(supported), 2)
    kpis["public_funding_per_job_eur"] = np.round(funding / _positive(job_years), 2)
    social = kpis["employer_contributions_eur"] + kpis["employee_contributions_eur"]
    kpis["contributions_to_funding_ratio"] = np.round(social / _positive(funding), 4)
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
        columns = ["replication", "contributions_eur", "prestations_eur", "public_funding_earned_eur"]
        sub = monthly[columns].loc[in_year].groupby("replication", sort=True)[columns[1:]].sum()
        total = sub["contributions_eur"] + sub["prestations_eur"] + sub["public_funding_earned_eur"]  # prestations: own revenue
        share = (sub["public_funding_earned_eur"] / total.where(total > 0)).round(4)
        kpis["public_share_in_criterion_year"] = _aligned(share, index)
    else:
        kpis["public_share_in_criterion_year"] = np.full(len(index), np.nan)
    feasibility = scenario.creation.feasibility
    study = feasibility.cost_eur if feasibility is not None else 0.0
    kpis["public_cost_eur"] = np.round(kpis["public_funding_eur"] + study, 2)
    kpis["public_cost_per_supported_eur"] = np.round(kpis["public_cost_eur"] / _positive(supported), 2)
    result = monthly["coop_result_eur"].to_numpy().reshape(-1, horizon)
    kpis["break_even_month"] = pd.array([break_even_month(r) for r in result], dtype="Int64")
    status = scenario.pathway.prior_status
    are_saved = kpis["are_months_saved"] * status.are_counterfactual_share * status.are_average_eur_per_month
    kpis["are_saved_eur"] = np.round(are_saved, 2)
    # The cash layer: the start-up need (before financing) and the shortfall after it.
    before = monthly["treasury_before_financing_eur"].to_numpy().reshape(-1, horizon)
    kpis["startup_need_eur"] = np.maximum(-before.min(axis=1), 0.0).round(2)
    kpis["startup_need_month"] = before.argmin(axis=1)
    kpis["cash_shortfall_eur"] = np.maximum(-viability.overdraft_eur - treasury.min(axis=1), 0.0).round(2)
    # The compensation check, and whether the cash held only thanks to the over-compensation
    # (recovered at each year-end).
    yg = yearly.groupby("replication", sort=True)
    kpis["over_compensation_eur"] = np.round(_aligned(yg["over_compensation_eur"].sum(), index), 2)
    over_years = (yearly["over_compensation_eur"] > 0.005).groupby(yearly["replication"], sort=True).sum()
    kpis["over_compensation_years"] = _aligned(over_years, index)
    costs = yearly["coop_costs_eur"] + yearly["exit_losses_eur"] + yearly["interest_eur"]
    ratio = (yearly["public_funding_earned_eur"] / costs.where(costs > 0)).groupby(yearly["replication"]).max()
    kpis["max_public_to_costs"] = np.round(_aligned(ratio, index), 4)
    n_years = len(yearly) // max(len(index), 1)
    month_year = (int(scenario.meta.start_month.split("-")[1]) - 1 + np.arange(horizon)) // 12
    last_of_year = np.r_[month_year[1:] != month_year[:-1], True]
    if n_years and len(index):
        cum = np.cumsum(yearly["over_compensation_eur"].to_numpy().reshape(len(index), n_years), axis=1)
        before_year = np.concatenate([np.zeros((len(index), 1)), cum[:, :-1]], axis=1)
        recovered = np.where(last_of_year[None, :], cum[:, month_year], before_year[:, month_year])
    else:
        recovered = np.zeros_like(treasury)
    kpis["rupture_without_over_compensation"] = ((treasury - recovered) < -viability.overdraft_eur - 1e-9).any(axis=1).astype(np.int64)
    kpis["scenario"] = _named(scenario.meta.name, len(index))
    kpis["replication"] = index.to_numpy()
    return pd.DataFrame({name: kpis[name] for name in ("scenario", "replication", *KPI_LABELS)})


def _aligned(series: pd.Series, index: pd.Index) -> np.ndarray:
    """The values of ``series`` on ``index`` (as assigning it to a frame of that index aligns it)."""
    return series.to_numpy() if series.index.equals(index) else series.reindex(index).to_numpy()


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
