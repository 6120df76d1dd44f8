"""The same entrants under portage salarial rules: the comparison DOMAIN.md §5 asks for.

A portage company employs independent workers too, but (DOMAIN.md §5; code du travail
L1254-1 ff.):

- **entry condition on billing**: the worker must bring missions that pay at least the
  floor (about 75% of the monthly social-security ceiling, gross, full time: L1254-2);
- **no test phase**: the contract starts with a mission and its pay;
- **a contract per mission**: when a mission ends (``mission_months``) it is renewed only if
  billing still pays the floor;
- **fees** of 3-10% of turnover, and **reserves** at the legal minimum (5% of the result).

The comparison replays each CAE entrant of a replication (same sector, same mature
turnover, same ramp-up, same entry month) under those rules. Billing follows the
activity's expected path (mature level × ramp-up, without the monthly noise). Those who
left the CAE by their own choice (own company, a job, personal reasons) leave portage in
the same month; other CAE exits (a CAPE or trial period that ended, an activity not
viable, no associé in time) are contract matters, which portage decides by its own rule.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simcoop.economics import employer_cost_cents, gross_for_employer_budget_cents, hour_equivalents
from simcoop.model.book import R_OWN_COMPANY, R_PERSONAL, R_SALARIED_JOB
from simcoop.model.params import ModelParams

__all__ = ["PortageRules", "portage_replication", "cae_measures", "PORTAGE_MEASURES"]

#: Measures reported for each model (CAE and portage), per replication.
PORTAGE_MEASURES: tuple[str, ...] = (
    "entrants",
    "admitted",
    "present_end",
    "salaried_end",
    "salaried_person_months",
    "gross_pay_eur",
    "gross_pay_per_salaried_year_eur",
    "jobs_fte_final_year",
    "reserves_end_eur",
    "public_funding_eur",
)

#: Exit reasons that are the person's own choice: they would leave portage too.
_OWN_CHOICE = [R_OWN_COMPANY, R_SALARIED_JOB, R_PERSONAL]


class PortageRules:
    """Portage salarial parameters in model units."""

    def __init__(
        self,
        pay_floor_share_of_pass: float,
        fee_rate: float,
        reserve_share: float,
        mission_months: int,
        cost_per_consultant_cents: float,
        financial_reserve_share: float = 0.0,
        excluded_sectors: npt.NDArray[np.bool_] | None = None,
        legal_reserve_cap_cents: float = float("inf"),
    ) -> None:
        self.financial_reserve_share = financial_reserve_share
        self.excluded_sectors = excluded_sectors
        self.legal_reserve_cap_cents = legal_reserve_cap_cents
        self.pay_floor_share_of_pass = pay_floor_share_of_pass
        self.fee_rate = fee_rate
        self.reserve_share = reserve_share
        self.mission_months = mission_months
        self.cost_per_consultant_cents = cost_per_consultant_cents


def portage_replication(
    people: dict[str, npt.NDArray], p: ModelParams, rules: PortageRules, horizon: int
) -> dict[str, float]:
    """The portage measures for one replication's entrants (money in euros)."""
    sector = people["sector"].astype(np.int64)
    entry = people["entry_month"].astype(np.int64)
    mature = people["mature_turnover_cents"].astype(np.float64)
    own_choice = np.isin(people["exit_reason"], _OWN_CHOICE)
    leaves = np.where(own_choice & (people["exit_month"] >= 0), people["exit_month"], horizon)
    n = len(sector)
    ramp_months = p.sector_rampup_months[sector]
    start_share = np.where(ramp_months > 0, p.sector_rampup_start_share[sector], 1.0)
    slope = (1.0 - start_share) / np.maximum(ramp_months, 1.0)
    margin_rate = p.sector_margin_rate[sector]
    keep_share = margin_rate * (1.0 - rules.fee_rate)

    def floor_cost(t: int) -> float:
        rates = p.payroll_by_month[t]
        # The CCN's minimum pay plus its réserve financière (art. 21.3).
        floor_gross = np.rint(rules.pay_floor_share_of_pass * (1.0 + rules.financial_reserve_share) * rates.pass_monthly_eur * 100.0)
        return float(employer_cost_cents(np.array([floor_gross]), rates)[0])

    # Entry: the expected billing, once established, must pay the floor after fees and expenses.
    # People of a warm-start roster entered before month 0: their entry is judged on month 0's rules.
    entry_cost = np.array([floor_cost(int(t)) for t in np.clip(entry, 0, horizon - 1)]) if n else np.zeros(0)
    admitted = mature * keep_share >= entry_cost
    if rules.excluded_sectors is not None and n:
        admitted &= ~rules.excluded_sectors[sector]  # services to households cannot be porté
    employed = admitted.copy()
    gross_total = 0.0
    person_months = 0
    fte_by_month = np.zeros(horizon)
    fees_by_month = np.zeros(horizon)
    active_by_month = np.zeros(horizon)
    for t in range(horizon):
        rates = p.payroll_by_month[t]
        # Billing starts the month after entry, as in the CAE.
        on = employed & (entry < t) & (t < leaves)
        if not on.any():
            continue
        ramp = np.minimum(start_share + slope * (t - 1 - entry), 1.0)
        billing = np.rint(mature * ramp) * on
        # A mission ends every `mission_months`; it is renewed only if billing pays the floor.
        months_in = t - 1 - entry
        renewal = on & (months_in > 0) & (months_in % rules.mission_months == 0)
        if renewal.any():
            stop = renewal & (billing * keep_share < floor_cost(t))
            employed &= ~stop
            on &= ~stop
            billing *= on
        budget = np.rint(billing * keep_share)
        gross = gross_for_employer_budget_cents(budget, rates)
        gross_total += float(gross.sum())
        person_months += int(on.sum())
        fte_by_month[t] = float(hour_equivalents(gross, rates).sum()) / rates.full_time_hours_per_month
        fees_by_month[t] = float(np.rint(billing * rules.fee_rate).sum())
        active_by_month[t] = float(on.sum())
    # The portage company's result: fees minus its own cost per consultant; reserves at the
    # legal share of each positive yearly result.
    result = fees_by_month - rules.cost_per_consultant_cents * active_by_month
    years = [result[k : k + 12].sum() for k in range(0, horizon, 12)]
    # The legal reserve stops at 10 % of the company's capital (code de commerce L232-10).
    reserves = min(sum(max(y, 0.0) * rules.reserve_share for y in years), rules.legal_reserve_cap_cents)
    last_year = fte_by_month[max(horizon - 12, 0) :]
    return {
        "entrants": float(n),
        "admitted": float(admitted.sum()),
        "present_end": float(active_by_month[-1]) if horizon else 0.0,
        "salaried_end": float(active_by_month[-1]) if horizon else 0.0,
        "salaried_person_months": float(person_months),
        "gross_pay_eur": round(gross_total / 100.0, 2),
        "gross_pay_per_salaried_year_eur": round(gross_total / 100.0 / (person_months / 12.0), 2) if person_months else float("nan"),
        "jobs_fte_final_year": float(last_year.mean()) if len(last_year) else 0.0,
        "reserves_end_eur": round(reserves / 100.0, 2),
        "public_funding_eur": 0.0,
    }


def cae_measures(monthly: dict[str, npt.NDArray[np.float64]], entrants: int) -> dict[str, float]:
    """The same measures for the CAE run itself (every entrant is admitted; CAPE is not salaried)."""
    salaried = monthly["n_cesa"] + monthly["n_associe"]
    present = salaried + monthly["n_cape"]
    months = int(salaried.sum())
    gross = float(monthly["gross_salaries_cents"].sum())
    fte = monthly["jobs_fte"]
    return {
        "entrants": float(entrants),
        "admitted": float(entrants),
        "present_end": float(present[-1]) if len(present) else 0.0,
        "salaried_end": float(salaried[-1]) if len(salaried) else 0.0,
        "salaried_person_months": float(months),
        "gross_pay_eur": round(gross / 100.0, 2),
        "gross_pay_per_salaried_year_eur": round(gross / 100.0 / (months / 12.0), 2) if months else float("nan"),
        "jobs_fte_final_year": float(fte[-12:].mean()) if len(fte) else 0.0,
        "reserves_end_eur": round(float(monthly["legal_reserve_cents"][-1] + monthly["statutory_reserves_cents"][-1]) / 100.0, 2)
        if len(fte)
        else 0.0,
        # Shown beside the reserves: the public money the cooperative received over the horizon.
        "public_funding_eur": round(float(monthly["public_funding_cents"].sum()) / 100.0, 2),
    }


