"""A NAIVE SimPy model of the simcoop workload, used only as a speed baseline.

This is the model "written the naive way": one SimPy process per entrepreneur that
wakes every month with ``yield env.timeout(1)`` and does that entrepreneur's monthly
accounting and stage decisions in plain Python scalars, plus one cooperative process
for the accueil flow, the waiting list, the entries and the cooperative's own accounts.
Where the rules need French payroll, an entrepreneur's process calls the
``simcoop.economics.payroll`` functions on one scalar at a time (what a naive
implementation would do), with the rules in force that month (``p.payroll_by_month[t]``).

It follows the rules of ``simcoop.model`` (``processes.py`` and ``book.py``: the French
CAE economics of commit cac3416, with the minimum salary cost under each month's payroll
rules and the partners' commitments that came after it) and reads the same numbers
through ``simcoop.model.params.model_params``:

- **arrivals**: accueils ~ Poisson(ramp-up x seasonality) per month, entry ~ Binomial, a
  share entering straight into a CESA, entrants due after the diagnostic months;
- **capacity**: entrants wait, first come first served, until the team has room
  (``max_caseload`` people per accompaniment FTE); they leave after ``max_wait_months``;
- **staff**: half an FTE hired, after the recruitment delay, when the caseload passes
  ``hire_above_caseload`` per FTE, unless the cooperative's own treasury (ledger minus the
  advances made to activities in deficit) covers fewer than ``hiring_freeze_months`` of
  last month's costs; support staff follow at their ratio; employer cost from the payroll;
- **entrants**: sector, mature turnover, prior status (ARE with 1..``are_max_months``
  months left, RSA, none);
- **accounts of an activity**: turnover = mature level x linear ramp-up x lognormal noise
  of mean 1, gross margin, contribution at the stage/sector rate with degressive
  brackets on the calendar year's base and the CESA minimum, client payments split
  between ``lag`` and ``lag + 1`` months later, moving average of the net margin,
  treasury; under a CESA the fixed gross pay (advanced by the cooperative within the
  cap) or the variable target, whichever the rules give, the annual settlement (bonus on
  the surplus, fixed pay reset on the margin), employer cost and the gross a budget
  buys from the payroll functions, ARE months saved, capital instalments withheld from
  the net pay of new associés;
- **decisions**, in simcoop's order of precedence with three uniforms drawn per
  entrepreneur and month: exit hazard (higher in a CAPE once ARE has run out, the trial
  hazard during the CESA trial period), conversion CAPE -> CESA when the recent margin
  and the treasury can carry the employer cost of the minimum gross under the month's
  payroll rules (a smaller share after ARE), end of a
  CAPE term (renewed at most ``cape_max_renewals`` times, else exit), associé uptake
  after the trial period and the associé deadline (36 months minus the CAPE);
- **exits**: the balance (treasury + receivables) paid out or lost by the cooperative,
  receivables taken over, capital paid in repaid after the delay;
- **the cooperative's treasury**, because it decides the hiring freeze: contributions,
  capital paid in and repaid, collected receivables of exited activities, staff, rent,
  overheads, per-head costs, audit and set-up costs, the public funding conventions
  (renewals, partners whose commitment does not come through, fixed / per accueil / per
  supported / per CESA start, yearly ceilings, payment period and lag) and the December
  closing (``close_year``: corporate tax, part travail and interest paid at the
  settlement month).

Simplified, because it changes neither who enters, converts or exits nor the
cooperative's treasury: only the totals reported in ``NaiveReplication`` are kept (no
monthly table, no event log, no per-person records), and the reporting-only quantities
of simcoop's books are not computed (employee contributions except when capital is
withheld, hour equivalents / jobs FTE, the variable part of pay, exit motives). So the
naive model does slightly *less* work per entrepreneur-month than simcoop, which makes
the speed ratio conservative.

Random numbers come from ``random.Random(seed + replication)`` (per-entrepreneur
scalar draws) and ``numpy.random.default_rng(seed + replication)`` (the monthly
Poisson and binomial counts, the convention renewals and partners); nothing uses a
global RNG. The
draws are not the ones simcoop makes, so individual replications differ, but the
expected workload (entrepreneur-months, entries, exits per replication) is the same.

This module is part of the benchmarks only; the simcoop package never imports it.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from simcoop.economics import (
    close_year,
    employee_contributions_cents,
    employer_cost_cents,
    gross_for_employer_budget_cents,
)
from simcoop.model.params import ASSOCIE, CAPE, CESA, ModelParams

__all__ = ["NaiveReplication", "run_naive_replication"]

# Kinds of funding conventions (simcoop.model.params.FUNDING_KINDS order).
_FIXED, _PER_ACCUEIL, _PER_SUPPORTED, _PER_CESA_START = 0, 1, 2, 3


@dataclass
class NaiveReplication:
    """What one naive replication reports."""

    replication: int
    entrepreneur_months: int  # people in CAPE, CESA or associé, summed over end-of-month stocks
    entrants: int
    exits: int
    cesa_entries: int
    associe_entries: int
    turnover_cents: float
    coop_ledger_cents: float
    accueils: int = 0
    accueils_lost_waiting: int = 0
    cape_renewals: int = 0
    staff_fte_end: float = 0.0
    coop_treasury_end_cents: float = 0.0  # ledger minus advances, end of the last month


@dataclass(frozen=True)
class _Sector:
    """One sector's constants as Python floats."""

    log_median: float
    sigma: float
    ramp_start: float
    ramp_slope: float
    volatility: float
    half_variance: float
    margin_rate: float
    on_time_share: float
    lag: int
    rate_cape: float
    rate_cesa: float


class _Coop:
    """State shared by all processes of one replication."""

    def __init__(self, p: ModelParams, payroll: Any) -> None:
        self.payroll = payroll  # NumpyPayroll or scalar_payroll.ScalarPayroll
        self.count = [0, 0, 0, 0, 0]  # people by stage code
        self.slots = p.receivable_slots
        self.pending = [0.0] * self.slots  # receivables of exited activities, by month modulo slots
        self.ledger = float(p.initial_cash_cents)
        self.advances = 0.0  # minus the sum of the negative treasuries of active activities
        self.staff_fte = float(p.fte_at_opening)
        self.support_fte = float(p.support_fte_at_opening)
        self.hire_month = -1
        self.waiting: list[list[int]] = []  # [month joined, CAPE entrants, CESA entrants]
        self.own_treasury = float(p.initial_cash_cents)  # end of the previous month
        self.last_costs = 0.0
        self.month_costs = 0.0
        self.month_accueils = 0
        self.month_cesa_entries = 0
        # capital, closing, what is owed
        self.capital = float(p.initial_capital_cents)
        self.highest_capital = self.capital
        self.capital_due: dict[int, float] = {}  # month -> capital repaid
        self.allocations_due: dict[int, float] = {}  # month -> tax, part travail and interest paid
        self.year_result = 0.0
        self.legal_reserve = 0.0
        self.statutory_reserves = 0.0
        self.loss_carried_forward = 0.0
        self.tax_loss_carried_forward = 0.0
        # funding conventions
        n_conv = len(p.conventions)
        self.convention_last = [-1] * n_conv
        self.funding_earned = [[0.0] * p.horizon_months for _ in range(n_conv)]
        self.funding_due: list[dict[int, float]] = [{} for _ in range(n_conv)]
        # totals
        self.active_end_of_month: list[int] = []
        self.entrants = 0
        self.exits = 0
        self.exits_by_destination = [0, 0, 0]  # own company, salaried job, stop
        self.cesa_entries = 0
        self.associe_entries = 0
        self.cape_renewals = 0
        self.accueils = 0
        self.accueils_lost_waiting = 0
        self.turnover = 0.0


def _sectors(p: ModelParams) -> list[_Sector]:
    sectors = []
    for k in range(len(p.sector_shares)):
        ramp_months = float(p.sector_rampup_months[k])
        start = float(p.sector_rampup_start_share[k]) if ramp_months > 0 else 1.0
        vol = float(p.sector_volatility[k])
        sectors.append(
            _Sector(
                log_median=float(p.sector_log_median_cents_per_month[k]),
                sigma=float(p.sector_sigma[k]),
                ramp_start=start,
                ramp_slope=(1.0 - start) / max(ramp_months, 1.0),
                volatility=vol,
                half_variance=0.5 * vol * vol,
                margin_rate=float(p.sector_margin_rate[k]),
                on_time_share=1.0 - float(p.sector_late_share[k]),
                lag=int(p.sector_lag_months[k]),
                rate_cape=float(p.sector_rate_cape[k]),
                rate_cesa=float(p.sector_rate_cesa[k]),
            )
        )
    return sectors


def _contribution(
    cum_before: float, base: float, own_rate: float, thresholds: list[float], rates: list[float]
) -> float:
    """This month's contribution with degressive brackets on the calendar year's base (whole cents)."""
    if not thresholds:
        return float(round(base * own_rate))

    def cumulative(x: float) -> float:
        total = min(x, thresholds[0]) * own_rate
        for j, low in enumerate(thresholds):
            high = thresholds[j + 1] if j + 1 < len(thresholds) else math.inf
            total += min(max(x - low, 0.0), high - low) * rates[j]
        return total

    return float(round(cumulative(cum_before + base) - cumulative(cum_before)))


def _entrepreneur(
    env: simpy.Environment,
    coop: _Coop,
    p: ModelParams,
    rng: random.Random,
    first_stage: int,
    sector: _Sector,
    mature: float,
    are_end: float,
) -> Generator[simpy.Event, Any, None]:
    """One entrepreneur: monthly accounts and decisions, one timeout a month, until exit."""
    t0 = int(env.now)
    pay = coop.payroll
    slots = coop.slots
    receivables = [0.0] * slots
    treasury = ema = cum_base = 0.0
    negative = 0.0  # this activity's part of coop.advances
    capital_due = capital_paid = 0.0
    fixed_gross = 0.0
    stage = first_stage
    cape_start = term_end = renewals = cesa_from = deadline = trial_end = -1
    if stage == CAPE:
        cape_start = t0
        term_end = t0 + p.cape_term_months
        renewals = p.cape_max_renewals
        cesa_from = t0 + p.cape_min_months_before_cesa
        crate = sector.rate_cape
    else:  # direct CESA: no margin yet, so the fixed pay is the minimum gross
        deadline = t0 + p.associe_deadline_months
        trial_end = t0 + p.trial_period_months
        fixed_gross = max(pay.gross_for_budget(0.0, p.payroll_by_month[t0]), p.min_gross_cents)
        crate = sector.rate_cesa
        coop.cesa_entries += 1
        coop.month_cesa_entries += 1
    coop.count[stage] += 1
    coop.entrants += 1
    contribution_on_turnover = p.contribution_base == "turnover"
    thresholds = [float(x) for x in p.bracket_thresholds_cents]
    bracket_rates = [float(x) for x in p.bracket_rates]
    exit_p = [float(x) for x in p.exit_probability_by_stage]
    cum = [[float(x) for x in row] for row in p.destination_cumshares_by_stage]
    min_cost_by_month = _min_salary_cost_by_month(p)
    p_up = p.associe_uptake_probability_per_month
    p_late = p_up + p.associe_at_deadline_probability * (1.0 - p_up)
    while True:
        yield env.timeout(1)
        t = int(env.now)
        rates = p.payroll_by_month[t]
        calendar = int(p.calendar_month[t])

        # ---- accounting of the month
        ramp = sector.ramp_start + sector.ramp_slope * (t - 1 - t0)
        ramp = min(ramp, 1.0)
        noise = math.exp(sector.volatility * rng.gauss(0.0, 1.0) - sector.half_variance)
        invoiced = float(round(mature * ramp * noise))
        margin = float(round(invoiced * sector.margin_rate))
        purchases = invoiced - margin
        salaried = stage >= CESA
        base = invoiced if contribution_on_turnover else margin
        if calendar == 1:
            cum_base = 0.0
        contrib = _contribution(cum_base, base, crate, thresholds, bracket_rates)
        cum_base += base
        if salaried and p.contribution_minimum_cents > 0 and contrib < p.contribution_minimum_cents:
            contrib = float(p.contribution_minimum_cents)
        on_time = float(round(invoiced * sector.on_time_share))
        receivables[(t + sector.lag) % slots] += on_time
        receivables[(t + sector.lag + 1) % slots] += invoiced - on_time
        col = t % slots
        received = receivables[col]
        receivables[col] = 0.0
        ema += (margin - contrib - ema) / p.margin_smoothing_months
        treasury += received - purchases - contrib
        if salaried:
            # Fixed part (advanced below the floor within the cap) or the variable target.
            fixed_cost = pay.employer_cost(fixed_gross, rates)
            target = float(round(max(ema, 0.0) * p.salary_payout_rate))
            above_floor = treasury - p.treasury_floor_cents
            budget = max(min(target, above_floor), min(fixed_cost, above_floor + p.advance_cap_cents), 0.0)
            if calendar == p.settlement_month:
                surplus = above_floor - budget - p.settlement_reserve_months * fixed_cost
                budget += float(round(max(surplus, 0.0) * p.settlement_payout_share))
                fixed_budget = float(round(max(ema, 0.0) * p.fixed_pay_share))
                fixed_gross = max(pay.gross_for_budget(fixed_budget, rates), p.min_gross_cents)
            gross = pay.gross_for_budget(budget, rates)
            treasury -= pay.employer_cost(gross, rates)
            if are_end > t:  # ARE not paid is kept for later
                are_end += min(0.7 * gross / p.are_average_cents, 1.0)
            if capital_due > 0.0:
                net = gross - pay.employee(gross, rates)
                withheld = max(min(capital_due, p.capital_instalment_cents, net), 0.0)
                capital_due -= withheld
                capital_paid += withheld
                coop.capital += withheld
                coop.ledger += withheld
        coop.ledger += contrib
        coop.year_result += contrib
        coop.turnover += invoiced
        new_negative = -treasury if treasury < 0.0 else 0.0
        coop.advances += new_negative - negative
        negative = new_negative

        # ---- decisions of the month (three uniforms whatever the outcome)
        u_exit = rng.random()
        u_dest = rng.random()
        u_decide = rng.random()
        are_out = stage == CAPE and 0 <= are_end <= t
        in_trial = stage == CESA and trial_end > t
        if in_trial:
            p_exit = p.trial_exit_probability
        elif are_out:
            p_exit = p.cape_exit_probability_after_are
        else:
            p_exit = exit_p[stage]
        leave = False
        if u_exit < p_exit:
            leave = True
        elif stage == CAPE:
            min_cost = min_cost_by_month[t] * (p.after_are_min_salary_share if are_out else 1.0)
            if cesa_from <= t and ema >= min_cost and treasury >= p.treasury_months_required * min_cost:
                # Conversion: trial period, fixed pay on the recent margin, deadline minus the CAPE.
                coop.count[CAPE] -= 1
                coop.count[CESA] += 1
                coop.cesa_entries += 1
                coop.month_cesa_entries += 1
                stage = CESA
                crate = sector.rate_cesa
                deadline = t + max(p.associe_deadline_months - (t - cape_start), 0)
                trial_end = t + p.trial_period_months
                budget = float(round(p.fixed_pay_share * max(ema, 0.0)))
                fixed_gross = max(pay.gross_for_budget(budget, rates), p.min_gross_cents)
            elif term_end <= t:
                if renewals > 0 and u_decide < p.cape_renewal_probability:
                    renewals -= 1
                    term_end = t + p.cape_term_months
                    coop.cape_renewals += 1
                else:
                    leave = True
        elif stage == CESA and not in_trial and (u_decide < p_up or deadline <= t):
            if u_decide < p_late:
                coop.count[CESA] -= 1
                coop.count[ASSOCIE] += 1
                coop.associe_entries += 1
                stage = ASSOCIE
                capital_due = float(p.capital_subscription_cents)
            else:
                leave = True
        if leave:
            destination = int(u_dest >= cum[stage][0]) + int(u_dest >= cum[stage][1])
            coop.exits_by_destination[destination] += 1
            balance = treasury + sum(receivables)
            payout = max(0.0, balance)
            coop.ledger += treasury - payout
            coop.year_result -= payout - balance
            coop.advances -= negative
            for k in range(slots):
                coop.pending[k] += receivables[k]
            if capital_paid > 0.0:
                coop.capital -= capital_paid
                month = t + p.capital_repayment_delay_months
                coop.capital_due[month] = coop.capital_due.get(month, 0.0) + capital_paid
            coop.count[stage] -= 1
            coop.exits += 1
            return


def _min_salary_cost_by_month(p: ModelParams) -> list[float]:
    """Employer cost of the minimum CESA gross in each month (one figure at opening in older params)."""
    by_month = getattr(p, "min_salary_cost_by_month", None)
    if by_month is None:
        return [float(p.min_salary_cost_cents)] * p.horizon_months  # type: ignore[attr-defined]
    return [float(x) for x in by_month]


def _draw_renewals(coop: _Coop, p: ModelParams, counts: np.random.Generator) -> None:
    """How many times each funding convention is renewed, and whether each partner comes through."""
    for c, conv in enumerate(p.conventions):
        renewed = 0
        for _ in range(conv.max_renewals):
            if counts.random() >= conv.renewal_probability:
                break
            renewed += 1
        coop.convention_last[c] = conv.first + conv.term_months * (1 + renewed) - 1
    # A partner whose commitment does not come through has none of its conventions.
    for probability, conventions in getattr(p, "partner_conventions", ()):
        if counts.random() >= probability:
            for c in conventions:
                coop.convention_last[c] = -1


def _close_month(coop: _Coop, p: ModelParams, t: int) -> None:
    """End of month ``t``: public funding, capital and allocations paid, December closing, stocks."""
    active = coop.count[CAPE] + coop.count[CESA] + coop.count[ASSOCIE]
    for c, conv in enumerate(p.conventions):
        if conv.first <= t <= coop.convention_last[c]:
            k = t - conv.first
            if conv.kind == _FIXED:
                a = conv.amount_cents
                earned = float((a * (k + 1) + 6) // 12 - (a * k + 6) // 12)
            elif conv.kind == _PER_ACCUEIL:
                earned = float(coop.month_accueils * conv.amount_cents)
            elif conv.kind == _PER_SUPPORTED:
                earned = float(round(active * conv.amount_cents / 12.0))
            else:
                earned = float(coop.month_cesa_entries * conv.amount_cents)
            if math.isfinite(conv.ceiling_cents):
                year_start = max(conv.first + 12 * (k // 12), 0)
                so_far = sum(coop.funding_earned[c][year_start:t])
                earned = max(min(earned, conv.ceiling_cents - so_far), 0.0)
            period_end = conv.first + conv.period_months * (k // conv.period_months + 1) - 1
            coop.funding_earned[c][t] = earned
            due = coop.funding_due[c]
            due[period_end + conv.lag_months] = due.get(period_end + conv.lag_months, 0.0) + earned
            coop.year_result += earned
        coop.ledger += coop.funding_due[c].pop(t, 0.0)
    coop.ledger -= coop.capital_due.pop(t, 0.0) + coop.allocations_due.pop(t, 0.0)
    if int(p.calendar_month[t]) == 12:
        coop.highest_capital = max(coop.highest_capital, coop.capital)
        allocation = close_year(
            coop.year_result,
            loss_carried_forward_cents=coop.loss_carried_forward,
            tax_loss_carried_forward_cents=coop.tax_loss_carried_forward,
            legal_reserve_cents=coop.legal_reserve,
            highest_capital_cents=coop.highest_capital,
            capital_cents=coop.capital,
            rules=p.allocation,
        )
        coop.legal_reserve += allocation.legal_reserve
        coop.statutory_reserves += allocation.statutory_reserves
        coop.loss_carried_forward = allocation.loss_carried_forward
        coop.tax_loss_carried_forward = allocation.tax_loss_carried_forward
        payable = allocation.corporate_tax + allocation.part_travail + allocation.interest_on_capital
        month = t + p.settlement_month
        coop.allocations_due[month] = coop.allocations_due.get(month, 0.0) + payable
        coop.year_result = 0.0
    coop.active_end_of_month.append(active)
    coop.last_costs = coop.month_costs
    coop.own_treasury = coop.ledger - coop.advances
    coop.month_costs = 0.0
    coop.month_accueils = 0
    coop.month_cesa_entries = 0


def _cooperative(
    env: simpy.Environment, coop: _Coop, p: ModelParams, rng: random.Random, counts: np.random.Generator
) -> Generator[simpy.Event, Any, None]:
    """Month ``t``: close ``t - 1``, accueils, the cooperative's accounts and staff, entries."""
    pay = coop.payroll
    sectors = _sectors(p)
    cumshares = [float(x) for x in p.sector_cumshares]
    rates_per_month = [float(x) for x in p.accueils_rate_per_month]
    rent = [float(x) for x in p.rent_cents_by_month]
    scheduled: dict[int, list[int]] = {}
    for t in range(p.horizon_months):
        # Runs before every entrepreneur process of month t: month t-1 is complete.
        if t > 0:
            _close_month(coop, p, t - 1)
        active = coop.count[CAPE] + coop.count[CESA] + coop.count[ASSOCIE]
        # Accueils; entrants due after the diagnostic.
        accueils = int(counts.poisson(rates_per_month[t]))
        if accueils:
            coop.accueils += accueils
            coop.month_accueils += accueils
            entering = int(counts.binomial(accueils, p.entry_share))
            if entering:
                direct = int(counts.binomial(entering, p.direct_cesa_share))
                due = scheduled.setdefault(t + p.diagnostic_months, [0, 0])
                due[0] += entering - direct
                due[1] += direct
        # Receivables of exited activities collected this month.
        col = t % coop.slots
        coop.ledger += coop.pending[col]
        coop.pending[col] = 0.0
        # Staff: a hire falls due, or is decided unless the treasury is too low.
        if coop.hire_month == t:
            coop.staff_fte += 0.5
            coop.hire_month = -1
        overloaded = coop.hire_month < 0 and active > p.hire_above_caseload * coop.staff_fte
        if overloaded and coop.own_treasury >= p.hiring_freeze_months * coop.last_costs:
            if p.recruitment_delay_months == 0:
                coop.staff_fte += 0.5
            else:
                coop.hire_month = t + p.recruitment_delay_months
        coop.support_fte = max(p.support_fte_at_opening, math.ceil(2.0 * p.support_ratio * coop.staff_fte) / 2.0)
        rates = p.payroll_by_month[t]
        staff_cost = pay.employer_cost(p.staff_gross_cents, rates)
        support_cost = pay.employer_cost(p.support_gross_cents, rates)
        costs = float(round(coop.staff_fte * staff_cost + coop.support_fte * support_cost))
        costs += rent[t] + p.overheads_cents_per_month + p.per_entrepreneur_cents_per_month * active
        if int(p.calendar_month[t]) == 12:
            costs += p.audit_cents_per_year
        if t == 0:
            costs += p.setup_cents
        coop.month_costs += costs
        coop.year_result -= costs
        coop.ledger -= costs
        # Entries: the waiting list, first come first served, as far as the team has room.
        due_now = scheduled.pop(t, None)
        if due_now:
            coop.waiting.append([t, due_now[0], due_now[1]])
        while coop.waiting and coop.waiting[0][0] + p.max_wait_months < t:
            _, lost_cape, lost_cesa = coop.waiting.pop(0)
            coop.accueils_lost_waiting += lost_cape + lost_cesa
        room = max(int(coop.staff_fte * p.max_caseload) - active, 0)
        n_cape = n_cesa = 0
        while coop.waiting and room > 0:
            entry = coop.waiting[0]
            take_cape = min(entry[1], room)
            room -= take_cape
            take_cesa = min(entry[2], room)
            room -= take_cesa
            n_cape += take_cape
            n_cesa += take_cesa
            entry[1] -= take_cape
            entry[2] -= take_cesa
            if entry[1] + entry[2] == 0:
                coop.waiting.pop(0)
        for k in range(n_cape + n_cesa):
            sector = sectors[bisect_right(cumshares, rng.random())]
            mature = math.exp(sector.log_median + sector.sigma * rng.gauss(0.0, 1.0))
            u_status, u_months = rng.random(), rng.random()
            are_end = t + 1 + math.floor(u_months * p.are_max_months) if u_status < p.are_share else -1.0
            first = CAPE if k < n_cape else CESA
            env.process(_entrepreneur(env, coop, p, rng, first, sector, mature, float(are_end)))
        yield env.timeout(1)


class NumpyPayroll:
    """The ``simcoop.economics`` payroll functions called on one scalar at a time (numpy per call)."""

    def employer_cost(self, gross: float, rates: Any) -> float:
        return float(employer_cost_cents(gross, rates))

    def gross_for_budget(self, budget: float, rates: Any) -> float:
        return float(gross_for_employer_budget_cents(budget, rates))

    def employee(self, gross: float, rates: Any) -> float:
        return float(employee_contributions_cents(gross, rates))


def run_naive_replication(p: ModelParams, seed: int, replication: int, payroll: Any = None) -> NaiveReplication:
    """Simulate one replication of the naive model.

    ``payroll``: an object with ``employer_cost``, ``gross_for_budget`` and ``employee`` on
    one scalar; default :class:`NumpyPayroll` (the numpy functions one value at a time),
    or ``scalar_payroll.ScalarPayroll()`` (the same rules in plain Python floats). Both
    give the same whole cents, so the same replication.
    """
    rng = random.Random(seed + replication)
    counts = np.random.default_rng(seed + replication)
    coop = _Coop(p, NumpyPayroll() if payroll is None else payroll)
    _draw_renewals(coop, p, counts)
    env = simpy.Environment()
    env.process(_cooperative(env, coop, p, rng, counts))
    env.run(until=p.horizon_months)
    _close_month(coop, p, p.horizon_months - 1)
    return NaiveReplication(
        replication=replication,
        entrepreneur_months=sum(coop.active_end_of_month),
        entrants=coop.entrants,
        exits=coop.exits,
        cesa_entries=coop.cesa_entries,
        associe_entries=coop.associe_entries,
        turnover_cents=coop.turnover,
        coop_ledger_cents=coop.ledger,
        accueils=coop.accueils,
        accueils_lost_waiting=coop.accueils_lost_waiting,
        cape_renewals=coop.cape_renewals,
        staff_fte_end=coop.staff_fte,
        coop_treasury_end_cents=coop.own_treasury,
    )
