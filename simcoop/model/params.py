"""The scenario turned into the plain numbers and arrays the model reads every month.

Built once per replication from the frozen scenario, so the monthly loop never walks
pydantic objects or converts units.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from simcoop.economics import (
    AllocationRules,
    amortisation_schedule_cents,
    PayrollRates,
    employer_cost_cents,
    payment_split,
    payroll_rates_at,
    to_cents,
)
from simcoop.economics.payroll import EMPLOYER_SIZES
from simcoop.economics.rules import interest_on_capital_cap_rate, rule_at
from simcoop.months import shift_month
from simcoop.scenario import ExitDestinations, Scenario, month_offset

__all__ = ["ModelParams", "ConventionParams", "FinancingParams", "financing_params", "RosterParams", "model_params", "FUNDING_KINDS", "PAYMENTS", "CAPE", "CESA", "ASSOCIE", "SORTIE", "ACCUEIL", "STAGES"]

#: Stage codes; the names are the spelling used in every output.
ACCUEIL, CAPE, CESA, ASSOCIE, SORTIE = 0, 1, 2, 3, 4
STAGES: tuple[str, ...] = ("accueil", "cape", "cesa", "associe", "sortie")

FloatArray = npt.NDArray[np.float64]


#: Kinds of public funding conventions and payment schedules, as coded in ``ConventionParams``.
FUNDING_KINDS: tuple[str, ...] = ("fixed", "per_accueil", "per_supported", "per_cesa_start", "per_rsa_entrant")
#: What a prestation is paid per (scenario ``Prestation.per``), in order.
PRESTATION_BASES: tuple[str, ...] = ("accueil", "cape_entrant", "rsa_entrant", "supported")
PAYMENTS: tuple[str, ...] = ("monthly", "quarterly", "annual")
_PERIOD_MONTHS = {"monthly": 1, "quarterly": 3, "annual": 12}


@dataclass(frozen=True)
class ConventionParams:
    """One public funding convention in model units (months from opening, cents)."""

    funder: str
    kind: int  # index in FUNDING_KINDS
    amount_cents: int  # per year (fixed, per_supported) or per unit
    ceiling_cents: float  # per convention year; inf when none
    first: int  # month offset of the first month (may be < 0: started before opening)
    term_months: int
    max_renewals: int
    renewal_probability: float
    period_months: int  # 1, 3 or 12: what is earned in a period is paid together
    lag_months: int
    advance_cents: int = 0  # paid at the start of each convention year, then deducted (avance à la signature)
    dailly_share: float = 0.0  # share of each receivable a bank advances until the funder pays (Dailly)


@dataclass(frozen=True)
class RosterParams:
    """The entrepreneurs present at month 0 (warm start), one array entry per person."""

    stage: npt.NDArray[np.int64]  # CAPE, CESA or ASSOCIE
    entry: npt.NDArray[np.int64]  # month offsets from the start (<= 0)
    cesa: npt.NDArray[np.int64]  # -1 sentinel replaced by offsets; only meaningful from CESA on
    associe: npt.NDArray[np.int64]
    sector: npt.NDArray[np.int64]
    turnover_cents: FloatArray  # recent monthly turnover
    treasury_cents: FloatArray
    are_months_left: npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class ModelParams:
    """Numbers of one scenario in model units (months, cents, monthly probabilities)."""

    horizon_months: int
    calendar_month: npt.NDArray[np.int64]  # 1..12 for each simulated month
    # arrivals
    accueils_rate_per_month: FloatArray  # expected accueils in each simulated month
    n_zones: int  # 1 pseudo-zone when the territory has no zones
    n_sites: int
    pair_probabilities: tuple[FloatArray, ...]  # per configuration of open sites: P(zone, site) flattened zone-major
    pair_config_by_month: npt.NDArray[np.int64]  # which configuration applies each month
    site_opening: npt.NDArray[np.int64]  # month offset each site opens (>= 0)
    site_fte_at_opening: FloatArray
    entry_share: float
    direct_cesa_share: float
    diagnostic_months: int
    # prior status
    are_share: float
    rsa_share: float
    rsa_cents: float  # montant forfaitaire of the RSA (a differential allowance, CASF L262-2)
    prime_activite_earnings_share: float  # share of earnings the prime d'activité adds (CSS L842-3)
    are_max_months: int  # under the first age limit
    are_max_months_between: float  # between the two age limits
    are_max_months_older: float  # from the second age limit on
    are_aged_between_share: float
    are_aged_older_share: float
    are_average_cents: float
    are_cumul_reduction_rate: float  # ARE reduced by this share of gross pay (cae_rules_fr.yaml)
    # contracts
    cape_term_months: int
    cape_max_renewals: int
    cape_renewal_probability: float
    cape_min_months_before_cesa: int
    cape_exit_probability_after_are: float
    min_income_gain_share_on_are: float
    cape_remuneration_cents: int  # optional monthly gross a CAPE carries (0 = none)
    cape_fee_cents: int  # flat monthly fee of a CAPE activity (0 = none)
    after_are_min_salary_share: float
    min_gross_cents: float
    min_salary_cost_by_month: FloatArray  # the same under the payroll rules of each month
    treasury_months_required: float
    margin_smoothing_months: float
    trial_period_months: int
    trial_exit_probability: float
    fixed_pay_share: float
    salary_payout_rate: float
    treasury_floor_cents: int
    advance_cap_cents: int
    settlement_month: int
    settlement_reserve_months: float
    settlement_payout_share: float
    settlement_instalments: int  # the settlement paid in this many monthly instalments
    associe_deadline_months: int
    associe_uptake_probability_per_month: float
    associe_at_deadline_probability: float
    capital_subscription_cents: int
    capital_instalment_cents: int
    capital_repayment_delay_months: int
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
    sector_at_mp_rate: FloatArray  # NaN: the payroll table's rate
    sector_insurance_cents_per_month: FloatArray
    sector_vat_exempt_share: FloatArray
    receivable_slots: int
    # contribution
    contribution_base: str
    sector_rate_cape: FloatArray
    sector_rate_cesa: FloatArray
    bracket_thresholds_cents: FloatArray  # per calendar year, increasing
    bracket_rates: FloatArray
    contribution_minimum_cents: int
    # staff and costs
    fte_at_opening: float
    staff_gross_cents: float
    hire_above_caseload: float
    max_caseload: float
    recruitment_delay_months: int
    hiring_freeze_months: float
    max_wait_months: int
    support_fte_at_opening: float
    support_ratio: float
    support_gross_cents: float
    hiring_step_fte: float
    rent_cents_by_month: FloatArray
    overheads_cents_per_month: int
    per_entrepreneur_cents_per_month: int
    audit_cents_per_year: int
    legal_cents_per_year: int
    overheads_cents_per_fte_month: int
    payroll_outsourcing_cents_per_payslip: int
    support_fte_per_100_entrepreneurs: float
    mutuelle_cents_per_month: int
    occupational_health_cents_per_year: int
    versement_mobilite_rate: float
    dues_rate: FloatArray  # per membership due
    dues_on_turnover: npt.NDArray[np.bool_]  # else on contributions
    dues_floor_cents: FloatArray
    taxe_salaires_rates: tuple[float, ...]
    taxe_salaires_thresholds_by_month: tuple[tuple[float, ...], ...]
    size_band_at_opening: int  # index in EMPLOYER_SIZES
    size_follows_headcount: bool
    headcount_threshold_years: int
    setup_cents: int
    initial_cash_cents: int
    initial_capital_cents: int
    roster: RosterParams
    partner_conventions: tuple[tuple[float, tuple[int, ...]], ...]  # (probability, conventions of that funder)
    conventions: tuple[ConventionParams, ...]
    prestations: tuple[tuple[int, int, int, int], ...]  # (index in PRESTATION_BASES, cents per unit, first, last month)
    allocation: AllocationRules
    interest_cap_by_month: FloatArray  # highest interest rate on capital at a closing in that month (loi 47-1775 art. 14)
    # payroll: the rules in force each simulated month
    payroll_by_month: tuple[PayrollRates, ...]  # at the opening band
    payroll_by_band: tuple[tuple[PayrollRates, ...], ...]  # [band][month]: the rules for each employer size
    # financing plan (simcoop.economics.financing): scheduled cash by month, cents
    financing: "FinancingParams | None" = None
    # go/no-go gate: (required partner indexes, min committed share, planned weight of each
    # partner, total planned, postpone months, max postponements); None when there is no gate
    go_gate: "tuple[tuple[int, ...], float, tuple[float, ...], float, int, int] | None" = None
    # clause de reversement: the share of the year's costs allowed above the net cost, or
    # None when over-compensation is not recovered (Décision 2012/21/UE art. 6)
    recovery_margin_share: float | None = None


@dataclass(frozen=True)
class FinancingParams:
    """The financing plan in model units: what instruments pay in and out each month (cents)."""

    received_cents: FloatArray  # funds received from instruments
    quasi_principal_cents: FloatArray  # principal repaid on quasi-fonds propres
    debt_principal_cents: FloatArray  # principal repaid on loans and repayable advances
    interest_cents: FloatArray  # interest and remuneration on instruments
    quasi_received_cents: FloatArray  # the quasi-fonds propres part of received_cents
    dailly_rate: float  # yearly cost of the Dailly outstanding
    overdraft_rate: float  # yearly interest on the overdraft used
    overdraft_limit_cents: float = math.inf  # the authorised overdraft: interest runs on the part used within it
    # instruments repaid from the CAF: (received month, amount, yearly rate, deferral months,
    # CAF share, is quasi-equity); their receipt is in received_cents, their repayment and
    # interest are decided in the run (close_month's _financing and the annual closing)
    from_caf: tuple[tuple[int, float, float, int, float, bool], ...] = ()


def _monthly_probability(rate_per_year: float) -> float:
    """A constant annual hazard rate as the probability of the event within one month."""
    return 1.0 - math.exp(-rate_per_year / 12.0)


def _cumshares(d: ExitDestinations) -> list[float]:
    return [d.own_company, d.own_company + d.salaried_job, 1.0]


@lru_cache(maxsize=1024)
def _rules_key(month: str, size: str) -> str:
    """What tells the payroll rules of two months apart (all but the month); once per (month, size), not per run."""
    return repr(payroll_rates_at(month, size).__dict__ | {"month": ""})


@lru_cache(maxsize=256)
def _interest_cap(year: int) -> float:
    """``interest_on_capital_cap_rate`` of a year, looked up once per year, not per month of every run."""
    return interest_on_capital_cap_rate(year)


def _once_per_rules(payroll: list[PayrollRates], f: Callable[[PayrollRates], float]) -> list[float]:
    """``f`` of each month's rules, computed once per rules object (a run has a few, shared by its months)."""
    seen: dict[int, float] = {}
    return [seen[id(r)] if id(r) in seen else seen.setdefault(id(r), f(r)) for r in payroll]


@lru_cache(maxsize=256)
def _amortisation(amount_cents: float, annual_rate: float, duration_months: int, deferral_months: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """``amortisation_schedule_cents`` as tuples, computed once per loan (each run gets arrays of its own)."""
    principal, interest = amortisation_schedule_cents(amount_cents, annual_rate, duration_months, deferral_months)
    return tuple(principal.tolist()), tuple(interest.tolist())


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one object per calendar (_dated_rules)
class _DatedRules:
    """The dated rules of a calendar (opening month, horizon, rules month, employer size): the same for every run on it."""

    months_text: tuple[str, ...]  # the month whose rules apply, each simulated month
    by_band: tuple[tuple[PayrollRates, ...], ...]  # [band][month]; empty for bands the run never reaches
    payroll: tuple[PayrollRates, ...]  # at the opening band
    taxe_salaires_rates: tuple[float, ...]
    taxe_salaires_thresholds_by_month: tuple[tuple[float, ...], ...]
    interest_cap_by_month: tuple[float, ...]


@lru_cache(maxsize=64)
def _dated_rules(start: str, horizon: int, rules_month: str | None, employer_size: str, follows_headcount: bool) -> _DatedRules:
    """The rules in force each month of a calendar, looked up once per calendar instead of once per run.

    Tuples and immutable rules only, so every run reading them gets the same values it
    would have looked up itself (one ``PayrollRates`` object per distinct set of rules).
    """
    months_text = tuple(rules_month or shift_month(start, t) for t in range(horizon))
    cache: dict[str, PayrollRates] = {}
    by_band: list[tuple[PayrollRates, ...]] = []
    for size in EMPLOYER_SIZES:
        if size != employer_size and not follows_headcount:
            by_band.append(())
            continue
        by_band.append(tuple(cache.setdefault(_rules_key(month, size), payroll_rates_at(month, size)) for month in months_text))
    return _DatedRules(
        months_text=months_text,
        by_band=tuple(by_band),
        payroll=by_band[EMPLOYER_SIZES.index(employer_size)],
        taxe_salaires_rates=tuple(float(x) for x in rule_at("taxe_salaires_rates", months_text[0])),
        taxe_salaires_thresholds_by_month=tuple(tuple(float(x) for x in rule_at("taxe_salaires_thresholds_eur_per_year", m)) for m in months_text),
        interest_cap_by_month=tuple(_interest_cap(int(m[:4]) + 1) for m in months_text),
    )


@lru_cache(maxsize=256)
def _min_salary_costs(dated: _DatedRules, min_gross_cents: float) -> tuple[float, ...]:
    """The employer's cost of the minimum gross pay under each month's rules, once per (calendar, pay)."""
    return tuple(_once_per_rules(list(dated.payroll), lambda r: float(employer_cost_cents(np.array([min_gross_cents]), r)[0])))


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
    shape = ramp * season[calendar]  # notoriety ramp-up and seasonality

    # Sites and zones: which sites are open each month, and where accueils come from.
    sites = coop.sites
    opening = np.array(
        [0 if s.opening_month is None else max(month_offset(meta.start_month, s.opening_month), 0) for s in sites], dtype=np.int64
    )
    site_fte = np.array(
        [s.fte_at_opening if s.fte_at_opening is not None else (coop.staff.fte_at_opening if k == 0 else coop.staff.antenna_fte_at_opening) for k, s in enumerate(sites)]
    )
    zones = terr.zones
    configs: list[FloatArray] = []
    config_index: dict[bytes, int] = {}
    config_of_month = np.zeros(horizon, dtype=np.int64)
    # The open sites change only in the months a site opens: one configuration per such month.
    starts = sorted({0, *(int(o) for o in opening if 0 < o < horizon)}) if horizon > 0 else []
    for k, t in enumerate(starts):
        is_open = opening <= t
        if not is_open.any():
            is_open = opening == opening.min()
        key = is_open.tobytes()
        if key not in config_index:
            if zones:
                from simcoop.demand import demand_matrix

                matrix = demand_matrix(scenario, is_open)
            else:
                weights = np.array([s.attraction for s in sites]) * is_open
                matrix = (scenario.accueils_per_year * weights / weights.sum())[None, :]
            total = float(matrix.sum())
            config_index[key] = len(configs)
            configs.append(np.concatenate([(matrix / total).ravel() if total > 0 else np.full(matrix.size, 1.0 / matrix.size), [total]]))
        config_of_month[t : starts[k + 1] if k + 1 < len(starts) else horizon] = config_index[key]
    totals = np.array([cfg[-1] for cfg in configs])
    rate = totals[config_of_month] / 12.0 * shape * terr.accueils_multiplier if configs else np.zeros(horizon)
    pair_probabilities = tuple(cfg[:-1] for cfg in configs)

    # Payroll rules in force each month (one object per distinct set of rules).
    dated = _dated_rules(meta.start_month, horizon, pay.rules_month, pay.employer_size, pay.employer_size_follows_headcount)
    by_band, payroll = dated.by_band, dated.payroll

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

    contribution = coop.contribution
    cesa_rates = np.array([contribution.sector_rates.get(s.name, contribution.rate) for s in sectors])
    cape_rates = np.full(len(sectors), contribution.cape_rate) if contribution.cape_rate is not None else cesa_rates.copy()

    rent = np.zeros(horizon)
    for site in coop.sites:
        opens = 0 if site.opening_month is None else month_offset(meta.start_month, site.opening_month)
        if opens < horizon:
            rent[max(opens, 0) :] += to_cents(site.rent_eur_per_month)

    conventions = tuple(
        ConventionParams(
            funder=c.funder,
            kind=FUNDING_KINDS.index(c.kind),
            amount_cents=to_cents(c.amount_eur),
            ceiling_cents=math.inf if c.ceiling_eur_per_year is None else float(to_cents(c.ceiling_eur_per_year)),
            first=month_offset(meta.start_month, c.first_month),
            term_months=month_offset(c.first_month, c.last_month) + 1,
            max_renewals=_renewals(c, meta.start_month, horizon),
            renewal_probability=c.renewal_probability,
            period_months=_PERIOD_MONTHS[c.payment],
            lag_months=c.payment_lag_months,
            advance_cents=round(
                c.advance_at_signature_share * to_cents(c.amount_eur if c.kind == "fixed" else (c.ceiling_eur_per_year or 0.0))
            ),
            dailly_share=_dailly_share(coop.financing.receivable_financing, c.funder),
        )
        for c in coop.public_funding
    )
    closing = coop.closing
    allocation = AllocationRules(
        legal_reserve_share=closing.legal_reserve_share,
        part_travail_share=closing.part_travail_share,
        interest_rate_on_capital=closing.interest_rate_on_capital,
        form=closing.form,
        scic_reserve_share=closing.scic_reserve_share,
    )

    # Pre-opening set-up costs are paid out of the opening cash; partners' commitments decide,
    # replication by replication, whether their conventions exist.
    setup = scenario.creation.setup
    preopening = to_cents(setup.legal_costs_eur) + to_cents(setup.recruitment_costs_eur) if setup is not None else 0
    partner_conventions = tuple(
        (partner.probability, tuple(k for k, c in enumerate(coop.public_funding) if c.funder == partner.funder))
        for partner in scenario.creation.partners
    )

    people = scenario.warm_start.entrepreneurs
    sector_index = {s.name: k for k, s in enumerate(scenario.activities.sectors)}
    stage_code = {"cape": CAPE, "cesa": CESA, "associe": ASSOCIE}

    def offsets(months: list[str | None]) -> npt.NDArray[np.int64]:
        return np.array([month_offset(meta.start_month, m) if m else 0 for m in months], dtype=np.int64)

    roster = RosterParams(
        stage=np.array([stage_code[e.stage] for e in people], dtype=np.int64),
        entry=offsets([e.entry_month for e in people]),
        cesa=offsets([e.cesa_month for e in people]),
        associe=offsets([e.associe_month for e in people]),
        sector=np.array([sector_index[e.sector] for e in people], dtype=np.int64),
        turnover_cents=np.array([float(to_cents(e.monthly_turnover_eur)) for e in people]),
        treasury_cents=np.array([float(to_cents(e.treasury_eur)) for e in people]),
        are_months_left=np.array([e.are_months_left for e in people], dtype=np.int64),
    )

    cesa, associe = path.cesa, path.associe
    # The CAE rules of the opening month, or of payroll.rules_month for a historical scenario.
    rules_date = pay.rules_month or meta.start_month
    are_durations = rule_at("are_max_duration_months", rules_date)
    min_gross = to_cents(cesa.min_gross_salary_eur_per_month)
    subscription = to_cents(associe.capital_subscription_eur)
    return ModelParams(
        horizon_months=horizon,
        calendar_month=(calendar + 1).astype(np.int64),
        accueils_rate_per_month=rate,
        n_zones=max(len(zones), 1),
        n_sites=len(sites),
        pair_probabilities=pair_probabilities,
        pair_config_by_month=config_of_month,
        site_opening=opening,
        site_fte_at_opening=site_fte,
        entry_share=path.entry_share,
        direct_cesa_share=path.direct_cesa_share,
        diagnostic_months=path.diagnostic_months,
        are_share=path.prior_status.are_share,
        rsa_share=path.prior_status.rsa_share,
        rsa_cents=float(to_cents(path.prior_status.rsa_eur_per_month)),
        prime_activite_earnings_share=path.prior_status.prime_activite_earnings_share,
        are_max_months=path.prior_status.are_remaining_months_max,
        are_max_months_between=float(are_durations["between"]),
        are_max_months_older=float(are_durations["from_second"]),
        are_aged_between_share=path.prior_status.aged_55_56_share,
        are_aged_older_share=path.prior_status.aged_57_plus_share,
        are_average_cents=float(to_cents(path.prior_status.are_average_eur_per_month)),
        are_cumul_reduction_rate=float(rule_at("are_cumul_reduction_rate", rules_date)),
        cape_term_months=path.cape.term_months,
        cape_max_renewals=path.cape.max_renewals,
        cape_renewal_probability=path.cape.renewal_probability,
        cape_min_months_before_cesa=path.cape.min_months_before_cesa,
        min_income_gain_share_on_are=path.cape.min_income_gain_share_on_are,
        cape_remuneration_cents=to_cents(path.cape.remuneration_eur_per_month),
        cape_fee_cents=to_cents(path.cape.fee_eur_per_month),
        cape_exit_probability_after_are=_monthly_probability(exits.cape_rate_per_year * path.cape.after_are_exit_multiplier),
        after_are_min_salary_share=path.cape.after_are_min_salary_share,
        min_gross_cents=float(min_gross),
        min_salary_cost_by_month=np.array(_min_salary_costs(dated, float(min_gross))),
        treasury_months_required=cesa.treasury_months_required,
        margin_smoothing_months=cesa.margin_smoothing_months,
        trial_period_months=cesa.trial_period_months,
        trial_exit_probability=_monthly_probability(cesa.trial_exit_rate_per_year),
        fixed_pay_share=cesa.fixed_pay_share,
        salary_payout_rate=cesa.salary_payout_rate,
        treasury_floor_cents=to_cents(cesa.treasury_floor_eur),
        advance_cap_cents=to_cents(cesa.advance_cap_eur),
        settlement_month=cesa.settlement_month,
        settlement_reserve_months=cesa.settlement_reserve_months,
        settlement_payout_share=cesa.settlement_payout_share,
        settlement_instalments=cesa.settlement_instalments,
        associe_deadline_months=associe.deadline_months,
        associe_uptake_probability_per_month=_monthly_probability(associe.uptake_rate_per_year),
        associe_at_deadline_probability=associe.at_deadline_probability,
        capital_subscription_cents=subscription,
        capital_instalment_cents=-(-subscription // associe.capital_instalment_months),
        capital_repayment_delay_months=associe.capital_repayment_delay_months,
        exit_probability_by_stage=exit_p,
        destination_cumshares_by_stage=dest,
        sector_shares=np.array([s.share for s in sectors]),
        sector_cumshares=np.cumsum([s.share for s in sectors])[:-1],
        # The C library's log (math), not numpy's, whose routine depends on the processor (simcoop.libm).
        sector_log_median_cents_per_month=np.array([math.log(s.turnover_median_eur_per_year * 100.0 / 12.0) for s in sectors]),
        sector_sigma=np.array([s.turnover_sigma for s in sectors]),
        sector_rampup_months=np.array([float(s.rampup_months) for s in sectors]),
        sector_rampup_start_share=np.array([s.rampup_start_share for s in sectors]),
        sector_volatility=np.array([s.monthly_volatility for s in sectors]),
        sector_margin_rate=np.array([s.gross_margin_rate for s in sectors]),
        sector_lag_months=lag,
        sector_late_share=np.array([f for _, f in splits]),
        sector_at_mp_rate=np.array([np.nan if s.at_mp_rate is None else s.at_mp_rate for s in sectors]),
        sector_insurance_cents_per_month=np.array([float(to_cents(s.insurance_eur_per_month)) for s in sectors]),
        sector_vat_exempt_share=np.array([s.vat_exempt_share for s in sectors]),
        receivable_slots=int(lag.max()) + 2,
        contribution_base=contribution.base,
        sector_rate_cape=cape_rates,
        sector_rate_cesa=cesa_rates,
        bracket_thresholds_cents=np.array([to_cents(b.above_eur_per_year) for b in contribution.brackets], dtype=float),
        bracket_rates=np.array([b.rate for b in contribution.brackets], dtype=float),
        contribution_minimum_cents=to_cents(contribution.minimum_eur_per_month),
        fte_at_opening=coop.staff.fte_at_opening,
        staff_gross_cents=float(to_cents(coop.staff.gross_salary_eur_per_month)),
        hire_above_caseload=coop.staff.hire_above_caseload_per_fte,
        max_caseload=coop.staff.max_caseload_per_fte,
        recruitment_delay_months=coop.staff.recruitment_delay_months,
        hiring_freeze_months=coop.staff.hiring_freeze_below_months,
        max_wait_months=coop.staff.max_wait_months,
        support_fte_at_opening=coop.staff.support_fte_at_opening,
        support_ratio=coop.staff.support_fte_per_accompaniment_fte,
        support_gross_cents=float(to_cents(coop.staff.support_gross_salary_eur_per_month)),
        hiring_step_fte=coop.staff.hiring_step_fte,
        rent_cents_by_month=rent,
        overheads_cents_per_month=to_cents(coop.overheads_eur_per_month),
        per_entrepreneur_cents_per_month=to_cents(coop.software_eur_per_entrepreneur_month) + to_cents(coop.insurance_eur_per_entrepreneur_month),
        audit_cents_per_year=to_cents(coop.audit_eur_per_year),
        legal_cents_per_year=to_cents(coop.legal_and_accounts_eur_per_year),
        overheads_cents_per_fte_month=to_cents(coop.overheads_eur_per_fte_month),
        payroll_outsourcing_cents_per_payslip=to_cents(coop.payroll_outsourcing_eur_per_payslip),
        support_fte_per_100_entrepreneurs=coop.staff.support_fte_per_100_entrepreneurs,
        mutuelle_cents_per_month=to_cents(coop.mutuelle_employer_eur_per_month),
        occupational_health_cents_per_year=to_cents(coop.occupational_health_eur_per_year),
        versement_mobilite_rate=terr.versement_mobilite_rate,
        dues_rate=np.array([d.rate for d in coop.membership_dues], dtype=float),
        dues_on_turnover=np.array([d.base == "turnover" for d in coop.membership_dues], dtype=bool),
        dues_floor_cents=np.array([float(to_cents(d.floor_eur_per_year)) for d in coop.membership_dues], dtype=float),
        taxe_salaires_rates=dated.taxe_salaires_rates,
        taxe_salaires_thresholds_by_month=dated.taxe_salaires_thresholds_by_month,
        size_band_at_opening=EMPLOYER_SIZES.index(pay.employer_size),
        size_follows_headcount=pay.employer_size_follows_headcount,
        headcount_threshold_years=int(rule_at("headcount_threshold_years", rules_date)),
        setup_cents=to_cents(coop.setup_costs_eur),
        initial_cash_cents=to_cents(coop.initial_treasury_eur) + to_cents(scenario.opening_capital_eur) - preopening,
        # Associés of the roster hold their capital shares (assumed fully paid in).
        initial_capital_cents=to_cents(scenario.opening_capital_eur) + subscription * int((roster.stage == ASSOCIE).sum()),
        roster=roster,
        partner_conventions=partner_conventions,
        conventions=conventions,
        prestations=tuple(
            (PRESTATION_BASES.index(x.per), to_cents(x.amount_eur), month_offset(meta.start_month, x.first_month), month_offset(meta.start_month, x.last_month))
            for x in coop.prestations
        ),
        allocation=allocation,
        interest_cap_by_month=np.array(dated.interest_cap_by_month),
        payroll_by_month=payroll,
        payroll_by_band=by_band,
        financing=financing_params(scenario),
        go_gate=_go_gate(scenario),
        recovery_margin_share=scenario.viability.compensation_margin_share if coop.recover_over_compensation else None,
    )


def _planned_cents(c: Any) -> float:
    """A convention's planned first-year amount: its fixed amount, else its ceiling (0 when it has none)."""
    if c.kind == "fixed":
        return float(to_cents(c.amount_eur))
    return float(to_cents(c.ceiling_eur_per_year)) if c.ceiling_eur_per_year is not None else 0.0


def _go_gate(scenario: Scenario) -> "tuple[tuple[int, ...], float, tuple[float, ...], float, int, int] | None":
    gate = scenario.creation.go_decision
    if gate is None:
        return None
    partners = scenario.creation.partners
    conventions = scenario.cooperative.public_funding
    weights = tuple(sum(_planned_cents(c) for c in conventions if c.funder == p.funder) for p in partners)
    total = sum(_planned_cents(c) for c in conventions)
    required = tuple(k for k, p in enumerate(partners) if p.funder in gate.required_funders)
    return (required, gate.min_committed_share, weights, total, gate.postpone_months, gate.max_postponements)


def _renewals(c: Any, start: str, horizon: int) -> int:
    """Renewals a convention may have: its ``max_renewals``, or (null) as many terms as reach the horizon's end."""
    if c.max_renewals is not None:
        return int(c.max_renewals)
    term = month_offset(c.first_month, c.last_month) + 1
    beyond = horizon - 1 - month_offset(start, c.last_month)  # months of the horizon after the first term
    return max(math.ceil(beyond / term), 0)


def _dailly_share(dailly: Any, funder: str) -> float:
    """Share of this funder's receivables financed by Dailly (0 when none)."""
    if dailly is None or (dailly.funders and funder not in dailly.funders):
        return 0.0
    return float(dailly.share)


def financing_params(scenario: Scenario) -> FinancingParams:
    """The instruments' schedules laid on the months of the horizon (funds received before opening count at month 0)."""
    horizon = scenario.meta.horizon_months
    plan = scenario.cooperative.financing
    received = np.zeros(horizon)
    quasi_received = np.zeros(horizon)
    quasi_principal = np.zeros(horizon)
    debt_principal = np.zeros(horizon)
    interest = np.zeros(horizon)
    from_caf: list[tuple[int, float, float, int, float, bool]] = []
    for inst in plan.instruments:
        month = 0 if inst.received_month is None else max(month_offset(scenario.meta.start_month, inst.received_month), 0)
        if month >= horizon:
            continue
        amount = float(to_cents(inst.amount_eur))
        if inst.repayment == "from_caf":
            received[month] += amount
            if inst.kind == "quasi_equity":
                quasi_received[month] += amount
            from_caf.append((month, amount, inst.annual_rate, inst.deferral_months, inst.caf_share, inst.kind == "quasi_equity"))
            continue
        principal, paid_interest = (np.array(x) for x in _amortisation(amount, inst.annual_rate, inst.duration_months, inst.deferral_months))
        received[month] += amount
        span = slice(month + 1, min(month + 1 + len(principal), horizon))
        k = span.stop - span.start
        if inst.kind == "quasi_equity":
            quasi_received[month] += amount
            quasi_principal[span] += principal[:k]
        else:
            debt_principal[span] += principal[:k]
        interest[span] += paid_interest[:k]
    return FinancingParams(
        received_cents=received,
        quasi_principal_cents=quasi_principal,
        debt_principal_cents=debt_principal,
        interest_cents=interest,
        quasi_received_cents=quasi_received,
        dailly_rate=plan.receivable_financing.annual_rate if plan.receivable_financing is not None else 0.0,
        overdraft_rate=plan.overdraft_annual_rate,
        overdraft_limit_cents=float(to_cents(scenario.viability.overdraft_eur)),
        from_caf=tuple(from_caf),
    )
