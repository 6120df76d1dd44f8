"""The scenario turned into the plain numbers and arrays the model reads every month.

Built once per replication from the frozen scenario, so the monthly loop never walks
pydantic objects or converts units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simcoop.economics import payment_split, to_cents
from simcoop.scenario import ExitDestinations, Scenario, month_offset

__all__ = ["ModelParams", "model_params", "CAPE", "CESA", "ASSOCIE", "SORTIE", "ACCUEIL", "STAGES"]

#: Stage codes; the names are the spelling used in every output.
ACCUEIL, CAPE, CESA, ASSOCIE, SORTIE = 0, 1, 2, 3, 4
STAGES: tuple[str, ...] = ("accueil", "cape", "cesa", "associe", "sortie")

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ModelParams:
    """Numbers of one scenario in model units (months, cents, monthly probabilities)."""

    horizon_months: int
    # arrivals
    accueils_rate_per_month: FloatArray  # expected accueils in each simulated month
    entry_share: float
    direct_cesa_share: float
    diagnostic_months: int
    # contracts
    cape_term_months: int
    cape_max_renewals: int
    cape_renewal_probability: float
    cape_min_months_before_cesa: int
    min_salary_cost_cents: float
    treasury_months_required: float
    margin_smoothing_months: float
    salary_payout_rate: float
    treasury_floor_cents: int
    associe_deadline_months: int
    associe_uptake_probability_per_month: float
    associe_at_deadline_probability: float
    exit_probability_by_stage: FloatArray  # indexed by stage code
    destination_cumshares_by_stage: FloatArray  # [stage, 3] cumulative shares
    # activities, per sector
    sector_shares: FloatArray
    sector_cumshares: FloatArray  # cumulative shares without the final 1.0
    sector_log_median_cents_per_month: FloatArray
    sector_sigma: FloatArray
    sector_rampup_months: FloatArray
    sector_rampup_start_share: FloatArray
    sector_volatility: FloatArray
    sector_margin_rate: FloatArray
    sector_lag_months: npt.NDArray[np.int64]
    sector_late_share: FloatArray
    receivable_slots: int
    # cooperative
    contribution_rate: float
    contribution_base: str
    contribution_minimum_cents: int
    fte_at_opening: float
    staff_cost_cents_per_fte_month: float
    caseload_per_fte: float
    overheads_cents_per_month: int
    cost_per_entrepreneur_cents_per_month: int
    initial_cash_cents: int
    funding_cents_by_month: npt.NDArray[np.int64]
    # payroll
    employer_rate: float
    employee_rate: float


def _monthly_probability(rate_per_year: float) -> float:
    """A constant annual hazard rate as the probability of the event within one month."""
    return 1.0 - math.exp(-rate_per_year / 12.0)


def _monthly_instalments(annual_cents: int, skip: int, count: int) -> npt.NDArray[np.int64]:
    """Monthly payments of an annual amount, whole cents, each 12 months adding up exactly.

    Month k of the line gets ``round(A*(k+1)/12) - round(A*k/12)``; ``skip`` months of the
    line fall before the simulation starts.
    """
    k = np.arange(skip, skip + count + 1, dtype=np.int64)
    cumulative = (annual_cents * k + 6) // 12
    return np.diff(cumulative)


def _cumshares(d: ExitDestinations) -> list[float]:
    return [d.own_company, d.own_company + d.salaried_job, 1.0]


def model_params(scenario: Scenario) -> ModelParams:
    """Resolve a scenario into model units."""
    meta, terr, path = scenario.meta, scenario.territory, scenario.pathway
    coop, pay = scenario.cooperative, scenario.payroll
    horizon = meta.horizon_months
    start_month = int(meta.start_month.split("-")[1])
    months = np.arange(horizon)
    calendar = (start_month - 1 + months) % 12
    season = np.asarray(terr.seasonality, dtype=float)
    season = season / season.mean()
    if terr.rampup_months > 0:
        ramp = terr.rampup_start_share + (1 - terr.rampup_start_share) * np.minimum(1.0, months / terr.rampup_months)
    else:
        ramp = np.ones(horizon)
    rate = terr.accueils_per_year_at_maturity / 12.0 * ramp * season[calendar]

    exits = path.exits
    exit_p = np.zeros(len(STAGES))
    exit_p[CAPE] = _monthly_probability(exits.cape_rate_per_year)
    exit_p[CESA] = _monthly_probability(exits.cesa_rate_per_year)
    exit_p[ASSOCIE] = _monthly_probability(exits.associe_rate_per_year)
    dest = np.ones((len(STAGES), 3))
    dest[CAPE] = _cumshares(exits.cape_destinations)
    dest[CESA] = _cumshares(exits.cesa_destinations)
    dest[ASSOCIE] = _cumshares(exits.associe_destinations)

    sectors = scenario.activities.sectors
    splits = [payment_split(s.payment_delay_days) for s in sectors]
    lag = np.array([k for k, _ in splits], dtype=np.int64)

    funding = np.zeros(horizon, dtype=np.int64)
    for line in coop.public_funding:
        first = max(month_offset(meta.start_month, line.first_month), 0)
        last = min(month_offset(meta.start_month, line.last_month), horizon - 1)
        if last >= first:
            funding[first : last + 1] += _monthly_instalments(to_cents(line.amount_eur_per_year), first - month_offset(meta.start_month, line.first_month), last + 1 - first)

    min_cost = path.cesa.min_gross_salary_eur_per_month * 100.0 * (1.0 + pay.employer_rate)
    return ModelParams(
        horizon_months=horizon,
        accueils_rate_per_month=rate,
        entry_share=path.entry_share,
        direct_cesa_share=path.direct_cesa_share,
        diagnostic_months=path.diagnostic_months,
        cape_term_months=path.cape.term_months,
        cape_max_renewals=path.cape.max_renewals,
        cape_renewal_probability=path.cape.renewal_probability,
        cape_min_months_before_cesa=path.cape.min_months_before_cesa,
        min_salary_cost_cents=min_cost,
        treasury_months_required=path.cesa.treasury_months_required,
        margin_smoothing_months=path.cesa.margin_smoothing_months,
        salary_payout_rate=path.cesa.salary_payout_rate,
        treasury_floor_cents=to_cents(path.cesa.treasury_floor_eur),
        associe_deadline_months=path.associe.deadline_months,
        associe_uptake_probability_per_month=_monthly_probability(path.associe.uptake_rate_per_year),
        associe_at_deadline_probability=path.associe.at_deadline_probability,
        exit_probability_by_stage=exit_p,
        destination_cumshares_by_stage=dest,
        sector_shares=np.array([s.share for s in sectors]),
        sector_cumshares=np.cumsum([s.share for s in sectors])[:-1],
        sector_log_median_cents_per_month=np.log(np.array([s.turnover_median_eur_per_year for s in sectors]) * 100.0 / 12.0),
        sector_sigma=np.array([s.turnover_sigma for s in sectors]),
        sector_rampup_months=np.array([float(s.rampup_months) for s in sectors]),
        sector_rampup_start_share=np.array([s.rampup_start_share for s in sectors]),
        sector_volatility=np.array([s.monthly_volatility for s in sectors]),
        sector_margin_rate=np.array([s.gross_margin_rate for s in sectors]),
        sector_lag_months=lag,
        sector_late_share=np.array([f for _, f in splits]),
        receivable_slots=int(lag.max()) + 2,
        contribution_rate=coop.contribution.rate,
        contribution_base=coop.contribution.base,
        contribution_minimum_cents=to_cents(coop.contribution.minimum_eur_per_month),
        fte_at_opening=coop.staff.fte_at_opening,
        staff_cost_cents_per_fte_month=coop.staff.loaded_cost_eur_per_fte_year * 100.0 / 12.0,
        caseload_per_fte=coop.staff.caseload_per_fte,
        overheads_cents_per_month=to_cents(coop.overheads_eur_per_month),
        cost_per_entrepreneur_cents_per_month=to_cents(coop.cost_per_entrepreneur_eur_per_month),
        initial_cash_cents=to_cents(coop.initial_treasury_eur) + to_cents(coop.initial_capital_eur),
        funding_cents_by_month=funding,
        employer_rate=pay.employer_rate,
        employee_rate=pay.employee_rate,
    )
