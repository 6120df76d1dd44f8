"""SimPy processes: the accueil flow and monthly books, and one parcours per entrepreneur.

Time is in months (``env.now`` = month index, 0 = the opening month). Each month the
``monthly_books`` process:

1. closes the previous month (flows and end-of-month stocks);
2. draws the month's accueils; those who enter a parcours start it after the diagnostic;
3. does the accounting of every active activity at once (numpy): turnover invoiced, cash
   received after the payment delay, purchases, contribution, salary, treasury;
4. does the cooperative's accounts: contributions, public funding, staff, overheads;
5. decides which stage changes fall due this month (exit hazards, CAPE to CESA when the
   activity can carry a salary, end of a CAPE term, associé uptake and deadline) and
   wakes the parcours concerned;
6. starts the parcours of the entrants due this month.

Each ``parcours`` process holds the contract rules of one person: it sets CAPE terms and
renewals, the associé deadline, and carries out each change of state as an event.
Entrants start invoicing the month after they enter.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import numpy as np
import numpy.typing as npt
import simpy

from simcoop.economics import contribution_cents, employer_cost_cents, gross_for_employer_budget_cents
from simcoop.model.book import (
    A_CESA_FROM,
    A_DEADLINE,
    A_EMA,
    A_ENTRY,
    A_EXIT_PROBABILITY,
    A_HALF_VAR,
    A_ID,
    A_MARGIN_RATE,
    A_MATURE,
    A_ON_TIME,
    A_RAMP_SLOPE,
    A_RAMP_START,
    A_RENEWALS,
    A_STAGE,
    A_TERM_END,
    A_TREASURY,
    A_VOL,
    R_DIAGNOSTIC,
    R_DIRECT_CESA,
    R_END_OF_CAPE,
    R_NOT_ASSOCIE,
    R_RENEWAL,
    R_SUBSCRIPTION,
    R_VIABLE,
    REASON_OF_DESTINATION,
    Book,
)
from simcoop.model.params import ASSOCIE, CAPE, CESA, ModelParams
from simcoop.streams import Streams

__all__ = ["monthly_books", "parcours", "MonthlyRecorder"]

# What the monthly books tell a parcours when they wake it.
EXIT, TO_CESA, RENEW, TO_ASSOCIE = 0, 1, 2, 3


class MonthlyRecorder:
    """Collects one row of flows and stocks per month; ``data`` gives one array per column."""

    def __init__(self, horizon: int, columns: list[str]) -> None:
        self.columns = columns
        self.horizon = horizon
        self.rows: list[list[float]] = []

    def write(self, month: int, flows: dict[str, float], stocks: dict[str, float]) -> None:
        if month != len(self.rows):
            raise ValueError(f"months must be written in order: expected {len(self.rows)}, got {month}")
        self.rows.append([*flows.values(), *stocks.values()])

    @property
    def data(self) -> dict[str, npt.NDArray[np.float64]]:
        table = np.array(self.rows, dtype=np.float64).reshape(len(self.rows), len(self.columns))
        return {name: table[:, k].copy() for k, name in enumerate(self.columns)}


def parcours(env: simpy.Environment, book: Book, p: ModelParams, i: int) -> Generator[simpy.Event, Any, None]:
    """One entrepreneur's path: CAPE and/or CESA, maybe associé, then exit.

    Holds the contract rules: a CAPE term of ``cape_term_months`` renewable
    ``cape_max_renewals`` times (décret 2005-505), a conversion to CESA considered after
    ``cape_min_months_before_cesa`` months, and the associé deadline of 36 months minus
    the months spent in CAPE (loi 2014-856 art. 47). The monthly books decide when a
    change falls due and wake this process with what it is.
    """
    now = int(env.now)
    if book.first_stage[i] == CAPE:
        book.cape_start[i] = now
        book.set_activity(i, A_TERM_END, now + p.cape_term_months)
        book.set_activity(i, A_RENEWALS, p.cape_max_renewals)
        book.set_activity(i, A_CESA_FROM, now + p.cape_min_months_before_cesa)
        book.flows["cape_entries"] += 1
        book.set_stage(i, now, CAPE, R_DIAGNOSTIC)
    else:
        _start_cesa(book, p, i, now, cape_months=0)
        book.set_stage(i, now, CESA, R_DIRECT_CESA)
    while True:
        wake = env.event()
        book.wake[i] = wake
        code, detail = yield wake
        now = int(env.now)
        if code == RENEW:
            book.set_activity(i, A_RENEWALS, book.get_activity(i, A_RENEWALS) - 1)
            book.set_activity(i, A_TERM_END, now + p.cape_term_months)
            book.flows["cape_renewals"] += 1
            book.record(i, now, CAPE, CAPE, R_RENEWAL)
        elif code == TO_CESA:
            _start_cesa(book, p, i, now, cape_months=now - int(book.cape_start[i]))
            book.set_stage(i, now, CESA, R_VIABLE)
        elif code == TO_ASSOCIE:
            book.associe_month[i] = now
            book.flows["associe_entries"] += 1
            book.set_stage(i, now, ASSOCIE, R_SUBSCRIPTION)
        else:  # EXIT: detail = (destination, reason)
            destination, reason = detail
            book.settle_exit(i, now, destination, reason)
            book.wake[i] = None
            return


def _start_cesa(book: Book, p: ModelParams, i: int, now: int, cape_months: int) -> None:
    """Start a CESA; the associé deadline is 36 months minus the months spent in CAPE."""
    book.cesa_month[i] = now
    book.set_activity(i, A_DEADLINE, now + max(p.associe_deadline_months - cape_months, 0))
    book.flows["cesa_entries"] += 1


def monthly_books(
    env: simpy.Environment, book: Book, p: ModelParams, streams: Streams, recorder: MonthlyRecorder
) -> Generator[simpy.Event, Any, None]:
    """The accueil flow, the monthly accounting and the decisions of each month."""
    scheduled: dict[int, list[int]] = {}  # month -> [entries in CAPE, entries in CESA] due
    for t in range(p.horizon_months):
        if t > 0:
            close_month(book, recorder, t - 1)
        _arrivals(book, p, streams, scheduled, t)
        _accounting(book, p, streams, t)
        _decisions(book, p, streams, t)
        _start_entries(env, book, p, streams, scheduled.pop(t, None), t)
        yield env.timeout(1)


def close_month(book: Book, recorder: MonthlyRecorder, month: int) -> None:
    """Write the month's flows and its end-of-month stocks."""
    recorder.write(month, book.take_flows(), book.stocks())


def _arrivals(book: Book, p: ModelParams, streams: Streams, scheduled: dict[int, list[int]], t: int) -> None:
    accueils = int(streams.arrivals.poisson(p.accueils_rate_per_month[t]))
    if accueils == 0:
        return
    entering = int(streams.entry.binomial(accueils, p.entry_share))
    direct = int(streams.entry.binomial(entering, p.direct_cesa_share)) if entering else 0
    book.flows["accueils"] += accueils
    book.flows["accueils_not_entered"] += accueils - entering
    if entering:
        due = scheduled.setdefault(t + p.diagnostic_months, [0, 0])
        due[0] += entering - direct
        due[1] += direct


def _start_entries(env: simpy.Environment, book: Book, p: ModelParams, streams: Streams, due: list[int] | None, t: int) -> None:
    if not due:
        return
    n_cape, n_cesa = due
    k = n_cape + n_cesa
    rng = streams.activities
    sector = np.searchsorted(p.sector_cumshares, rng.random(k), side="right")
    mature = np.exp(p.sector_log_median_cents_per_month[sector] + p.sector_sigma[sector] * rng.standard_normal(k))
    first = np.full(k, CAPE, dtype=np.int64)
    first[n_cape:] = CESA
    ids = book.add_entrants(t, first, sector, mature)
    book.wake.extend([None] * k)
    for i in ids:
        env.process(parcours(env, book, p, i))


def _accounting(book: Book, p: ModelParams, streams: Streams, t: int) -> None:
    """One month of every active activity's accounts, then of the cooperative's."""
    flows = book.flows
    m = book.m
    slots = book.slots
    col = t % slots
    a = book.a[:, :m]
    pending = book.pending
    contributions = 0.0
    if m:
        # Turnover invoiced: mature level x linear ramp-up x lognormal noise of mean 1.
        ramp = a[A_RAMP_SLOPE] * (t - 1 - a[A_ENTRY])
        ramp += a[A_RAMP_START]
        np.minimum(ramp, 1.0, out=ramp)
        noise = a[A_VOL] * streams.volatility.standard_normal(m)
        noise -= a[A_HALF_VAR]
        np.exp(noise, out=noise)
        invoiced = np.rint(a[A_MATURE] * ramp * noise)
        margin = np.rint(invoiced * a[A_MARGIN_RATE])
        # Assumption: purchases are paid, and the contribution charged, in the month invoiced.
        purchases = invoiced - margin
        salaried = a[A_STAGE] >= CESA
        contrib = contribution_cents(
            invoiced, margin, p.contribution_rate, p.contribution_base, p.contribution_minimum_cents, salaried
        )
        # Client payments: a share after `lag` months, the rest one month later.
        on_time = np.rint(invoiced * a[A_ON_TIME])
        due_col = book.lag[:m] + t
        due_col %= slots
        rows = book.arange[:m]
        pending[due_col, rows] += on_time
        due_col += 1
        due_col %= slots
        pending[due_col, rows] += invoiced - on_time
        received = pending[col, :m].copy()
        pending[col, :m] = 0.0
        # Recent margin after contribution (exponential moving average).
        net_margin = margin - contrib
        ema = a[A_EMA]
        ema += (net_margin - ema) / p.margin_smoothing_months
        treasury = a[A_TREASURY]
        treasury += received - purchases - contrib
        # Salary (CESA and associés): a share of the recent margin, never below the floor.
        budget = np.rint(np.maximum(ema, 0.0) * p.salary_payout_rate)
        np.minimum(budget, np.maximum(treasury - p.treasury_floor_cents, 0.0), out=budget)
        budget *= salaried
        gross = gross_for_employer_budget_cents(budget, p.employer_rate)
        cost = employer_cost_cents(gross, p.employer_rate)
        treasury -= cost
        gross_total = float(gross.sum())
        cost_total = float(cost.sum())
        contributions = float(contrib.sum())
        flows["turnover_cents"] += float(invoiced.sum())
        flows["cash_received_cents"] += float(received.sum())
        flows["purchases_cents"] += float(purchases.sum())
        flows["gross_salaries_cents"] += gross_total
        flows["employer_contributions_cents"] += cost_total - gross_total
        flows["employee_contributions_cents"] += float(np.rint(gross * p.employee_rate).sum())
    # Receivables of closed activities, collected by the cooperative.
    collected = float(book.coop_pending[col])
    book.coop_pending[col] = 0.0
    flows["cash_received_cents"] += collected
    flows["collected_for_exited_cents"] += collected
    flows["contributions_cents"] += contributions
    # The cooperative: team sized on the caseload in half-FTE steps, overheads, per-head costs.
    active = book.n_active
    fte = max(p.fte_at_opening, math.ceil(2.0 * active / p.caseload_per_fte) / 2.0)
    book.staff_fte = fte
    staff = float(round(fte * p.staff_cost_cents_per_fte_month))
    costs = staff + p.overheads_cents_per_month + p.cost_per_entrepreneur_cents_per_month * active
    funding = float(p.funding_cents_by_month[t])
    flows["staff_costs_cents"] += staff
    flows["coop_costs_cents"] += costs
    flows["public_funding_cents"] += funding
    book.coop_ledger_cents += contributions + collected + funding - costs


def _decisions(book: Book, p: ModelParams, streams: Streams, t: int) -> None:
    """Decide this month's stage changes and wake the parcours concerned.

    One uniform per active activity and per source is drawn every month whatever the
    outcome, so a change in one rule does not shift the draws of the others. At most one
    change per person and month, in this order of precedence: exit hazard, conversion of
    a CAPE to a CESA, end of a CAPE term (renewal or exit), associé uptake, associé
    deadline.
    """
    m = book.m
    if m == 0:
        return
    a = book.a[:, :m]
    stage = a[A_STAGE]
    u_exit = streams.hazards.random(m)
    u_dest = streams.destinations.random(m)
    u_decide = streams.decisions.random(m)
    exiting = u_exit < a[A_EXIT_PROBABILITY]
    cape = stage == CAPE
    min_cost = p.min_salary_cost_cents
    viable = cape & (a[A_CESA_FROM] <= t) & (a[A_EMA] >= min_cost) & (a[A_TREASURY] >= p.treasury_months_required * min_cost)
    term_over = cape & (a[A_TERM_END] <= t)
    cesa = stage == CESA
    p_up = p.associe_uptake_probability_per_month
    subscribe = cesa & ((u_decide < p_up) | (a[A_DEADLINE] <= t))
    due = np.flatnonzero(exiting | viable | term_over | subscribe)
    if len(due) == 0:
        return
    ids = a[A_ID]
    wake = book.wake
    cum = p.destination_cumshares_by_stage
    p_renew = p.cape_renewal_probability
    # Given u >= p_up, u is uniform on [p_up, 1): rescaled, it serves the deadline draw.
    p_late = p_up + p.associe_at_deadline_probability * (1.0 - p_up)
    for j in due.tolist():
        event = wake[int(ids[j])]
        st = int(stage[j])
        if exiting[j]:
            d = _destination(cum[st], u_dest[j])
            event.succeed((EXIT, (d, REASON_OF_DESTINATION[d])))
        elif st == CAPE:
            if viable[j]:
                event.succeed((TO_CESA, None))
            elif a[A_RENEWALS, j] > 0 and u_decide[j] < p_renew:
                event.succeed((RENEW, None))
            else:
                event.succeed((EXIT, (_destination(cum[CAPE], u_dest[j]), R_END_OF_CAPE)))
        elif u_decide[j] < p_late:  # u < p_up (uptake), or deadline passed and u < p_late
            event.succeed((TO_ASSOCIE, None))
        else:  # the associé deadline passed without subscription
            event.succeed((EXIT, (_destination(cum[CESA], u_dest[j]), R_NOT_ASSOCIE)))


def _destination(cumshares: npt.NDArray[np.float64], u: float) -> int:
    """Exit destination index from cumulative shares and one uniform draw."""
    return int(u >= cumshares[0]) + int(u >= cumshares[1])
