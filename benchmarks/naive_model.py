"""A NAIVE SimPy model of the simcoop workload, used only as a speed baseline.

This is the model "written the naive way": one SimPy process per entrepreneur that
wakes every month with ``yield env.timeout(1)`` and does that entrepreneur's monthly
accounting and stage decisions in plain Python scalars, plus one cooperative process
for the accueil flow, the entries and the cooperative's own accounts.

It follows the rules of ``simcoop.model`` (``processes.py`` and ``book.py``) and reads
the same numbers through ``simcoop.model.params.model_params``:

- accueils ~ Poisson(ramp-up x seasonality) per month, entry ~ Binomial, a share
  entering straight into a CESA, parcours starting after the diagnostic months;
- turnover invoiced = mature level x linear ramp-up x lognormal noise of mean 1,
  gross margin, contribution (with the CESA minimum), client payments split between
  ``lag`` and ``lag + 1`` months later (a small per-entrepreneur list of receivables),
  exponential moving average of the net margin, salary as a share of that average
  capped by the treasury above the floor, employer cost, treasury;
- monthly exit hazards by stage, CAPE terms renewable ``cape_max_renewals`` times,
  conversion CAPE -> CESA when the recent margin and the treasury can carry the
  minimum salary, associé uptake and the associé deadline, in simcoop's order of
  precedence, with three uniforms drawn per entrepreneur and month;
- the cooperative's ledger: contributions, receivables of exited activities,
  public funding, staff sized on the caseload, overheads and per-head costs.

Random numbers come from ``random.Random(seed + replication)`` (per-entrepreneur
scalar draws) and ``numpy.random.default_rng(seed + replication)`` (the monthly
Poisson and binomial counts); nothing uses a global RNG. The draws are not the ones
simcoop makes, so individual replications differ, but the expected workload
(entrepreneur-months per replication) is the same.

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

from simcoop.model.params import ASSOCIE, CAPE, CESA, ModelParams

__all__ = ["NaiveReplication", "run_naive_replication"]


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


class _Coop:
    """State shared by all processes of one replication."""

    def __init__(self, p: ModelParams) -> None:
        self.count = [0, 0, 0, 0, 0]  # people by stage code
        self.slots = p.receivable_slots
        self.pending = [0.0] * self.slots  # receivables of exited activities, by month modulo slots
        self.ledger = float(p.initial_cash_cents)
        self.active_end_of_month: list[int] = []
        self.entrants = 0
        self.exits = 0
        self.exits_by_destination = [0, 0, 0]  # own company, salaried job, stop
        self.cesa_entries = 0
        self.associe_entries = 0
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
            )
        )
    return sectors


def _entrepreneur(
    env: simpy.Environment,
    coop: _Coop,
    p: ModelParams,
    rng: random.Random,
    first_stage: int,
    sector: _Sector,
    mature: float,
) -> Generator[simpy.Event, Any, None]:
    """One entrepreneur: monthly accounts and decisions, one timeout a month, until exit."""
    t0 = int(env.now)
    stage = first_stage
    cape_start = t0
    term_end = t0 + p.cape_term_months
    renewals = p.cape_max_renewals
    cesa_from = t0 + p.cape_min_months_before_cesa
    deadline = -1
    if stage == CESA:
        deadline = t0 + p.associe_deadline_months
        coop.cesa_entries += 1
    coop.count[stage] += 1
    coop.entrants += 1
    slots = coop.slots
    receivables = [0.0] * slots
    treasury = 0.0
    ema = 0.0
    contribution_on_turnover = p.contribution_base == "turnover"
    exit_p = [float(x) for x in p.exit_probability_by_stage]
    cum = [[float(x) for x in row] for row in p.destination_cumshares_by_stage]
    min_cost = p.min_salary_cost_cents
    p_up = p.associe_uptake_probability_per_month
    p_late = p_up + p.associe_at_deadline_probability * (1.0 - p_up)
    while True:
        yield env.timeout(1)
        t = int(env.now)

        # ---- accounting of the month
        ramp = sector.ramp_start + sector.ramp_slope * (t - 1 - t0)
        if ramp > 1.0:
            ramp = 1.0
        noise = math.exp(sector.volatility * rng.gauss(0.0, 1.0) - sector.half_variance)
        invoiced = float(round(mature * ramp * noise))
        margin = float(round(invoiced * sector.margin_rate))
        purchases = invoiced - margin
        salaried = stage >= CESA
        contrib = float(round((invoiced if contribution_on_turnover else margin) * p.contribution_rate))
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
            budget = float(round(max(ema, 0.0) * p.salary_payout_rate))
            room = max(treasury - p.treasury_floor_cents, 0.0)
            if budget > room:
                budget = room
            # The largest whole-cent gross pay whose employer cost fits in the budget.
            gross = float(math.floor(budget / (1.0 + p.employer_rate)))
            if gross + round(gross * p.employer_rate) > budget:
                gross -= 1.0
            if gross + 1.0 + round((gross + 1.0) * p.employer_rate) <= budget:
                gross += 1.0
            treasury -= gross + round(gross * p.employer_rate)
        coop.ledger += contrib
        coop.turnover += invoiced

        # ---- decisions of the month (three uniforms whatever the outcome)
        u_exit = rng.random()
        u_dest = rng.random()
        u_decide = rng.random()
        leave = False
        if u_exit < exit_p[stage]:
            leave = True
        elif stage == CAPE:
            if cesa_from <= t and ema >= min_cost and treasury >= p.treasury_months_required * min_cost:
                coop.count[CAPE] -= 1
                coop.count[CESA] += 1
                coop.cesa_entries += 1
                stage = CESA
                deadline = t + max(p.associe_deadline_months - (t - cape_start), 0)
            elif term_end <= t:
                if renewals > 0 and u_decide < p.cape_renewal_probability:
                    renewals -= 1
                    term_end = t + p.cape_term_months
                else:
                    leave = True
        elif stage == CESA and (u_decide < p_up or deadline <= t):
            if u_decide < p_late:
                coop.count[CESA] -= 1
                coop.count[ASSOCIE] += 1
                coop.associe_entries += 1
                stage = ASSOCIE
            else:
                leave = True
        if leave:
            destination = int(u_dest >= cum[stage][0]) + int(u_dest >= cum[stage][1])
            coop.exits_by_destination[destination] += 1
            balance = treasury + sum(receivables)
            payout = balance if balance > 0.0 else 0.0
            coop.ledger += treasury - payout
            for k in range(slots):
                coop.pending[k] += receivables[k]
            coop.count[stage] -= 1
            coop.exits += 1
            return


def _cooperative(
    env: simpy.Environment, coop: _Coop, p: ModelParams, rng: random.Random, counts: np.random.Generator
) -> Generator[simpy.Event, Any, None]:
    """Accueils, entries after the diagnostic, the cooperative's accounts, monthly stocks."""
    sectors = _sectors(p)
    cumshares = [float(x) for x in p.sector_cumshares]
    rates = [float(x) for x in p.accueils_rate_per_month]
    funding = [float(x) for x in p.funding_cents_by_month]
    scheduled: dict[int, list[int]] = {}
    for t in range(p.horizon_months):
        if t > 0:  # every entrepreneur process of month t-1 has run: end-of-month stock
            coop.active_end_of_month.append(coop.count[CAPE] + coop.count[CESA] + coop.count[ASSOCIE])
        accueils = int(counts.poisson(rates[t]))
        if accueils:
            entering = int(counts.binomial(accueils, p.entry_share))
            if entering:
                direct = int(counts.binomial(entering, p.direct_cesa_share))
                due = scheduled.setdefault(t + p.diagnostic_months, [0, 0])
                due[0] += entering - direct
                due[1] += direct
        # The cooperative's accounts.
        active = coop.count[CAPE] + coop.count[CESA] + coop.count[ASSOCIE]
        col = t % coop.slots
        collected = coop.pending[col]
        coop.pending[col] = 0.0
        fte = max(p.fte_at_opening, math.ceil(2.0 * active / p.caseload_per_fte) / 2.0)
        staff = float(round(fte * p.staff_cost_cents_per_fte_month))
        costs = staff + p.overheads_cents_per_month + p.cost_per_entrepreneur_cents_per_month * active
        coop.ledger += collected + funding[t] - costs
        # Entries due this month: one process each.
        due_now = scheduled.pop(t, None)
        if due_now:
            n_cape, n_cesa = due_now
            for k in range(n_cape + n_cesa):
                sector = sectors[bisect_right(cumshares, rng.random())]
                mature = math.exp(sector.log_median + sector.sigma * rng.gauss(0.0, 1.0))
                first = CAPE if k < n_cape else CESA
                env.process(_entrepreneur(env, coop, p, rng, first, sector, mature))
        yield env.timeout(1)


def run_naive_replication(p: ModelParams, seed: int, replication: int) -> NaiveReplication:
    """Simulate one replication of the naive model."""
    rng = random.Random(seed + replication)
    counts = np.random.default_rng(seed + replication)
    coop = _Coop(p)
    env = simpy.Environment()
    env.process(_cooperative(env, coop, p, rng, counts))
    env.run(until=p.horizon_months)
    coop.active_end_of_month.append(coop.count[CAPE] + coop.count[CESA] + coop.count[ASSOCIE])
    return NaiveReplication(
        replication=replication,
        entrepreneur_months=sum(coop.active_end_of_month),
        entrants=coop.entrants,
        exits=coop.exits,
        cesa_entries=coop.cesa_entries,
        associe_entries=coop.associe_entries,
        turnover_cents=coop.turnover,
        coop_ledger_cents=coop.ledger,
    )
