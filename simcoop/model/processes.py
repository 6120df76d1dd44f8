"""SimPy processes and events: the accueil flow and monthly books, and each person's changes of state.

Time is in months (``env.now`` = month index, 0 = the opening month). Each month the
monthly books (``monthly_books``, one event of SimPy's queue a month, ``MonthlyBooks``):

1. closes the previous month (flows and end-of-month stocks);
2. draws the month's accueils; those who enter a parcours start it after the diagnostic;
3. does the accounting of every active activity at once (numpy): turnover invoiced, cash
   received after the payment delay, purchases, contribution, salary, treasury;
4. does the cooperative's accounts: contributions, public funding, staff, overheads;
5. decides which stage changes fall due this month (exit hazards, CAPE to CESA when the
   activity can carry a salary, end of a CAPE term, associé uptake and deadline) and
   schedules each as a SimPy event;
6. schedules the start of the parcours of the entrants due this month.

``Parcours`` holds the contract rules of every person: SimPy carries out each change of
state (the start of a parcours, a CAPE renewal, the conversion to CESA, the associé
subscription, an exit) as an event of its own, in the order of its queue; carrying it out
sets CAPE terms and renewals, the CESA trial period and fixed pay, the associé deadline and
capital subscription, or settles the exit. Entrants start invoicing the month after they
enter.

At the end of each month (``close_month``) the cooperative's treasury operations are done:
public funding earned and paid, capital paid back, allocations paid, and in December the
annual closing (result, SCOP allocation, corporate tax).
"""

from __future__ import annotations

import functools
import math
import operator
import struct
import sys
from collections.abc import Callable, Sequence
from heapq import heappop, heappush
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import simpy
from simpy.core import StopSimulation
from simpy.events import NORMAL as _NORMAL, URGENT as _URGENT

from simcoop.economics import (
    close_year,
    csg_crds_cents,
    employee_contributions_cents,
    employer_cost_cents,
    gross_for_employer_budget_cents,
    hour_equivalents,
    monthly_interest_cents,
)
from simcoop.economics.money import monthly_instalment_cents, rint_cents as _rint
from simcoop.economics.closing import capped_interest
from simcoop.economics.cesa import (
    are_months_saved,
    fixed_gross_cents,
    pay_budget_cents,
    rsa_income_gain_cents,
    rsa_not_paid_cents,
    settlement_bonus_cents,
)
from simcoop.economics.contribution import bracket_contribution_cents
from simcoop.economics.payroll import (
    annual_reduction_generale_cents,
    payroll_tables,
    progressive_relief_correction_cents,
)
from simcoop.economics.employment import (
    payroll_taxes_cents,
    per_head_cost_per_month,
    per_head_costs_cents,
    smoothed_size_band,
    taxe_salaires_brackets,
)
from simcoop.model.book import (
    F_ACCUEILS, F_ACCUEILS_LOST_WAITING, F_ACCUEILS_NOT_ENTERED, F_ACTIVITY_CHARGES_CENTS, F_ALLOCATIONS_PAID_CENTS,
    F_ARE_MONTHS_SAVED, F_ASSOCIE_ENTRIES, F_CAPE_ENTRIES, F_CAPE_PAY_CENTS, F_CAPE_RENEWALS,
    F_CAPITAL_PAID_IN_CENTS, F_CAPITAL_REPAID_CENTS, F_CASH_RECEIVED_CENTS, F_CESA_ENTRIES, F_CLOSING_RESULT_CENTS,
    F_COLLECTED_FOR_EXITED_CENTS, F_CONTRIBUTIONS_CENTS, F_COOP_COSTS_CENTS, F_CORPORATE_TAX_CENTS, F_CSG_CRDS_CENTS,
    F_EMPLOYEE_CONTRIBUTIONS_CENTS, F_EMPLOYER_CONTRIBUTIONS_CENTS, F_EXIT_LOSSES_CENTS, F_EXIT_PAYOUTS_CENTS,
    F_EXITS, F_FINANCING_RECEIVED_CENTS, F_FINANCING_REPAID_CENTS, F_GROSS_SALARIES_CENTS, F_INTEREST_CENTS,
    F_INTEREST_ON_CAPITAL_CENTS, F_JOBS_FTE, F_LEGAL_RESERVE_ALLOCATED_CENTS, F_PART_TRAVAIL_CENTS,
    F_PRESTATIONS_CENTS, F_PUBLIC_FUNDING_CENTS, F_PUBLIC_FUNDING_EARNED_CENTS, F_PUBLIC_FUNDING_RECOVERED_CENTS,
    F_PURCHASES_CENTS, F_ROSTER_STARTS, F_RSA_ENTRIES, F_RSA_SAVED_CENTS, F_SETTLEMENT_PAY_CENTS,
    F_STAFF_COSTS_CENTS, F_STATUTORY_RESERVES_ALLOCATED_CENTS, F_TURNOVER_CENTS, F_TURNOVER_SALARIED_CENTS,
    DESTINATION_FLOW_PLACES, MOTIVE_FLOW_PLACES,
    CS_CAPITAL,
    CS_CLOSE_FLOWS,
    CS_EXEMPT_TURNOVER_YEAR,
    CS_LEDGER,
    CS_OWN_TREASURY,
    CS_RESULT,
    CS_SIZE_BAND,
    CS_TURNOVER_YEAR,
    CS_YEAR_CONTRIBUTIONS,
    CS_YEAR_FIRST_MONTH,
    R_DIAGNOSTIC,
    R_DIRECT_CESA,
    R_END_OF_CAPE,
    R_END_OF_TRIAL,
    R_NOT_ASSOCIE,
    R_NOT_VIABLE,
    R_OWN_COMPANY,
    R_PERSONAL,
    R_RENEWAL,
    R_ROSTER,
    R_SALARIED_JOB,
    R_SUBSCRIPTION,
    R_VIABLE,
    Book,
)
from simcoop.model.compiled import running_compiled
from simcoop.model.columns import (
    ROW_ARE_END_MONTH,
    ROW_ASSOCIE_DEADLINE_MONTH,
    ROW_CAPE_RENEWALS_LEFT,
    ROW_CAPE_TERM_END_MONTH,
    ROW_CAPITAL_DUE_CENTS,
    ROW_CAPITAL_PAID_CENTS,
    ROW_CESA_POSSIBLE_FROM_MONTH,
    ROW_CONTRIBUTION_BASE_YTD_CENTS,
    ROW_CONTRIBUTION_RATE,
    ROW_ENTRY_MONTH,
    ROW_EXIT_PROBABILITY,
    ROW_FIXED_GROSS_CENTS,
    ROW_GROSS_MARGIN_RATE,
    ROW_GROSS_YTD_CENTS,
    ROW_HALF_VARIANCE,
    ROW_MATURE_TURNOVER_CENTS,
    ROW_MONTHLY_VOLATILITY,
    ROW_ON_TIME_SHARE,
    ROW_PAID_MONTHS_YTD,
    ROW_PERSON_ID,
    ROW_PREVIOUS_YEAR_GROSS_CENTS,
    ROW_PREVIOUS_YEAR_MONTHS,
    ROW_RAMPUP_SLOPE_PER_MONTH,
    ROW_RAMPUP_START_SHARE,
    ROW_RECENT_NET_MARGIN_CENTS,
    ROW_RELIEF_YTD_CENTS,
    ROW_SECTOR,
    ROW_SETTLEMENT_INSTALMENT_CENTS,
    ROW_SETTLEMENT_OWED_CENTS,
    ROW_SITE,
    ROW_STAGE,
    ROW_TREASURY_CENTS,
    ROW_TRIAL_END_MONTH,
    ROW_ZONE,
)
from simcoop.model import flow_kernels, kernels
from simcoop.model.kernels import (
    O_ARE_SAVED, O_BUDGET, O_COST, O_CSG, O_EMPLOYEE, O_FAR, O_FAR_WITHOUT, O_GROSS, O_GROSS_WITHOUT, O_HOURS, O_INSTALMENT,
    O_RELIEF, OUT_ROWS,
)  # fmt: skip
from simcoop.model.flow_kernels import EXIT, RENEW, TO_ASSOCIE, TO_CESA
from simcoop.model.params import ACCUEIL, ASSOCIE, CAPE, CESA, SORTIE, ModelParams
from simcoop.model.smalldraws import small_draws
from simcoop import libm
from simcoop.memo import by_identity
from simcoop.streams import Streams
from simcoop.jit import DirectCalls

__all__ = ["monthly_books", "MonthlyBooks", "Parcours", "MonthlyRecorder", "close_month", "draw_renewals", "run_until", "start_roster"]

#: The engine's compiled kernels, each called without numba typing its arguments again once it has run
#: (``simcoop.jit.DirectCalls``: the month passes the same types at every call; the test-suite checks it).
_K = DirectCalls(kernels, flow_kernels)


#: ``x.sum()`` (the same reduction, without the method's Python wrapper).
_add = np.add.reduce

#: What the month reads of numpy, math and the kernels' module every month, bound here: a module's attribute is a
#: look-up by name at each read from compiled code (about 250 instructions), a global of this module a cached read.
_empty, _zeros = np.empty, np.zeros
_BOOL, _INT64 = np.bool_, np.int64
_NAN = math.nan
_copysign = math.copysign

#: The third item of a tuple (a sort key).
_THIRD = operator.itemgetter(2)


# Kinds of funding conventions (params.FUNDING_KINDS order).
_FIXED, _PER_ACCUEIL, _PER_SUPPORTED, _PER_CESA_START, _PER_RSA_ENTRANT = 0, 1, 2, 3, 4


#: Doubles drawn ahead at a time from each stream that ``_Uniforms`` serves.
_BLOCK = 2048


class _Uniforms:
    """The doubles of one stream's successive ``random(k)`` calls, drawn ahead in blocks.

    ``Generator.random(k)`` takes the next k doubles of its stream (one 64-bit draw each,
    whatever k), so blocks drawn ahead and handed out k at a time are the very numbers the
    calls would give, for one numpy call per block instead of one per month. Each number is
    handed out once: the caller may write over what it took.
    """

    __slots__ = ("draw", "values", "used")

    def __init__(self, generator: np.random.Generator) -> None:
        self.draw = generator.random
        self.values = np.empty(0)
        self.used = 0

    def take(self, k: int) -> npt.NDArray[np.float64]:
        """The next ``k`` numbers (a view of the block)."""
        used = self.used
        end = used + k
        values = self.values
        if end > len(values):
            values = self.values = np.concatenate((values[used:], self.draw(max(_BLOCK, k))))
            used, end = 0, k
        self.used = end
        return values[used:end]


class _Normals(_Uniforms):
    """The numbers of one stream's successive ``standard_normal(k)`` calls, drawn ahead in blocks (as ``_Uniforms``):
    ``Generator.standard_normal`` draws each number from the stream's next 64-bit words and keeps no state between
    calls, so the blocks hand out the very numbers the calls would."""

    __slots__ = ()

    def __init__(self, generator: np.random.Generator) -> None:
        super().__init__(generator)
        self.draw = generator.standard_normal


class _Draws:
    """The streams the month's flow steps read, with the draws they take in a fixed pattern drawn ahead.

    The accueils of every month (one Poisson draw per month, in month order: numpy draws an
    array of rates one after the other, the same numbers as month by month), and the
    uniforms of the decisions and of the entrants' prior status (``_Uniforms``). Each of
    these streams serves nothing else, so no other draw moves. The entry and the entrants'
    activities, a few numbers a month, are drawn through ``small_draws`` (numpy's C code
    without the Generator's call, the same numbers).
    """

    __slots__ = ("accueils", "entry", "zones", "activities", "status", "hazards", "destinations", "decisions", "volatility")

    def __init__(self, streams: Streams, p: ModelParams) -> None:
        self.accueils: list[int] = streams.arrivals.poisson(p.accueils_rate_per_month[: p.horizon_months]).tolist()
        self.entry = small_draws(streams.entry)  # (numpy's C draws without the Generator's per-call cost, the same numbers)
        self.zones = streams.zones
        self.activities = small_draws(streams.activities)
        self.status = _Uniforms(streams.status)
        self.hazards = _Uniforms(streams.hazards)
        self.destinations = _Uniforms(streams.destinations)
        self.decisions = _Uniforms(streams.decisions)
        self.volatility = _Normals(streams.volatility)  # the turnover's monthly noise


class MonthlyRecorder:
    """Collects one row of flows and stocks per month; ``data`` gives one array per column.

    The month's flows are appended as they are written (``write``); its stocks go into row
    ``month`` of ``stocks``, which ``kernels.month_stocks`` fills in place (``close_month``).
    """

    __slots__ = ("flow_columns", "horizon", "months", "stock_columns", "stocks", "values")

    def __init__(self, horizon: int, flow_columns: Sequence[str], stock_columns: Sequence[str]) -> None:
        self.flow_columns = list(flow_columns)
        self.stock_columns = list(stock_columns)
        self.horizon = horizon
        self.months = 0
        self.values: list[float] = []  # the months' flows one after the other
        self.stocks = np.zeros((horizon, len(self.stock_columns)))

    def write(self, month: int, flows: list[float]) -> None:
        """Append the flows of ``month``, in ``flow_columns`` order (its stocks are in ``stocks[month]`` already)."""
        if month != self.months:
            raise ValueError(f"months must be written in order: expected {self.months}, got {month}")
        values = self.values
        values += flows
        self.months += 1
        if len(values) != self.months * len(self.flow_columns):
            raise ValueError(f"month {month} has {len(flows)} flows for {len(self.flow_columns)} columns")

    @property
    def data(self) -> dict[str, npt.NDArray[np.float64]]:
        # One flat conversion, then one transposed copy whose rows are the columns (each row
        # contiguous, and none overlapping another: as independent as separate copies).
        # (struct.pack: each float's double written as it is, 2.5 times as fast as np.fromiter's conversions one by one,
        # which are themselves faster than np.array's pass over the list for its shape and type)
        values = self.values
        table = np.frombuffer(struct.pack(f"{len(values)}d", *values)).reshape(self.months, len(self.flow_columns))
        data = dict(zip(self.flow_columns, table.T.copy(), strict=True))
        data.update(zip(self.stock_columns, self.stocks[: self.months].T.copy(), strict=True))
        return data


class _Change:
    """One change of state of one person: an event of SimPy's queue, triggered as it is made (as SimPy's own
    ``Initialize`` and ``Timeout`` are), which SimPy carries out (``Parcours.carry_out``, its one callback) when
    it reaches it. The change: ``person``, ``code`` (``ENTER``, ``RESUME``, or what the monthly books decided),
    ``stage`` (``RESUME``: the stage resumed), ``destination`` and ``reason`` (``EXIT``); -1 where unused;
    ``when``, the month it is scheduled in and carried out in (without delay).

    SimPy's ``Environment.step`` reads and writes an event's ``callbacks``, ``_ok`` and ``_value`` and nothing
    else (``simpy.events.Event`` declares them; ``env`` is the environment, as on SimPy's events; ``_value`` is
    None, the value of an event that succeeds without one), so this class is not a subclass of
    ``simpy.Event``, whose ``__init__`` and instance dictionary a change does not need. Compiled, it is a
    ``cdef class`` (``processes.pxd``) with C fields, which ``Parcours._push`` makes and fills without calling
    Python and ``carry_out`` reads as C numbers; as Python source, the same fields in slots.
    """

    __slots__ = ("_ok", "_value", "callbacks", "code", "destination", "env", "person", "reason", "stage", "when")


#: Whether this module runs compiled by Cython (``setup.py``), where ``Parcours`` holds typed views of the book's arrays.
_COMPILED = running_compiled(sys.modules[__name__])

#: How ``simpy.Environment`` schedules an event (``Parcours._push`` writes the same entry into its queue).
_SIMPY_SCHEDULE = simpy.Environment.schedule
#: SimPy's own step: ``run_until`` runs its compiled copy only for an environment that steps with it.
_SIMPY_STEP = simpy.Environment.step

#: The start of a parcours after the diagnostic, and someone already present at the opening (warm start).
ENTER, RESUME = 4, 5


class Parcours:
    """Every person's path: CAPE and/or CESA, maybe associé, then exit.

    Holds the contract rules: a CAPE term of ``cape_term_months`` renewable
    ``cape_max_renewals`` times (décret 2005-505), a conversion to CESA considered after
    ``cape_min_months_before_cesa`` months, the CESA trial period (at most 8 months), and
    the associé deadline of 36 months minus the months spent in CAPE (loi 2014-856
    art. 47). The monthly books decide when a change falls due; each change of state of
    each person (the start of the parcours, each renewal, conversion, subscription and
    exit) is a SimPy event, which SimPy schedules and carries out here. An entry is
    scheduled ahead of the month's other changes (``URGENT``), as SimPy starts a process.

    Carrying a change out keeps its books too: the move between stages (``set_stage``) and
    the settlement of an exit (``settle_exit``). Compiled (``setup.py``), this class is a
    ``cdef class`` declared in ``processes.pxd`` that reads and writes the book's activity
    table through a typed view, ``a``; as Python source, ``a`` is the array itself. The
    same operations either way, so the same numbers.
    """

    def __init__(self, env: simpy.Environment, book: Book, p: ModelParams) -> None:
        self.env = env
        self.book = book
        self.p = p
        # SimPy's event queue and id counter, when ``env`` schedules as ``simpy.Environment`` does (``_push``).
        self.queue, self.eid = _own_queue(env)
        self.held: Any = None  # the activity table ``a`` is a view of (the book replaces it when it grows)
        self.cs = book.cs  # the cooperative's numbers (``Book.cs``, never replaced)
        # The book's per-person lists and the rates ``set_stage`` reads: the book extends the lists in
        # place, so these are its own all run long (found here without a look-up on the book).
        self.stage: list[int] = book.stage
        self.slot_of: list[int] = book.slot_of
        self.sector: list[int] = book.sector
        self.stage_count: list[int] = book.stage_count
        # Each change of state, one row (person, month, from, to, reason, destination), the first
        # ``n_events`` rows used (``event_rows``); written through a typed view when compiled.
        self.events = np.zeros((max(4 * book.people_capacity, 64), 6), dtype=np.int64)
        self.n_events = 0
        self.exit_probability: list[float] = book.exit_probability_by_stage
        # The book's other per-person lists and arrays the changes write (extended or written in place, never
        # replaced), and the contract rules they read: held here, read without a look-up on the book or ``p``.
        self.first_stage: list[int] = book.first_stage
        self.cape_start: list[int] = book.cape_start
        self.cesa_month: list[int] = book.cesa_month
        self.associe_month: list[int] = book.associe_month
        self.exit_month: list[int] = book.exit_month
        self.exit_destination: list[int] = book.exit_destination
        self.exit_reason: list[int] = book.exit_reason
        self.capital_paid: list[int] = book.capital_paid
        self.capital_due = book.capital_due
        self.coop_pending = book.coop_pending  # (never replaced; ``lag`` and ``pending`` are taken by ``_view``)
        # An exit's slot closed by C loops on the views held here (``_close_slot``) when compiled and the
        # book's loops are on; else by the book (its numpy code).
        self.loops = bool(book.compiled) and _COMPILED
        self.fixed_gross_memo = book.fixed_gross_memo
        # What a CESA's fixed pay reads (``start_cesa``): whether the kernels run, the pay rules, and the tables of the
        # last rules it priced (``_book_tables``), held here while the rules are the same object.
        self.kernels_enabled = bool(kernels.ENABLED)
        self.fixed_pay_share = float(p.fixed_pay_share)
        self.min_gross_cents = float(p.min_gross_cents)
        self.rates_held: Any = None
        self.cost_held: Any = None
        self.constants_held: Any = None
        self.term_months = p.cape_term_months
        self.max_renewals = p.cape_max_renewals
        self.months_before_cesa = p.cape_min_months_before_cesa
        self.subscription_cents = p.capital_subscription_cents
        self.deadline_months = p.associe_deadline_months
        self.trial_months = p.trial_period_months
        self.repayment_delay = p.capital_repayment_delay_months
        self.rate_cape: list[float] = book.sector_rate_cape
        self.rate_cesa: list[float] = book.sector_rate_cesa

    def _view(self) -> None:
        """``a``: the book's activity table, taken again when the book has replaced it (and with it ``lag`` and
        ``pending``, which the book replaces at the same time, ``Book._alloc_activities``)."""
        book = self.book
        table = book.a
        if table is not self.held:
            self.held = table
            self.a = table
            self.lag = book.lag
            self.pending = book.pending

    def event_rows(self) -> npt.NDArray[np.int64]:
        """The changes of state written so far, one row each (a copy)."""
        return np.asarray(self.events)[: self.n_events].copy()

    def _event(self, i: int, month: int, from_stage: int, to_stage: int, reason: int, destination: int) -> None:
        """Write one change of state into ``events`` (twice as many rows when it is full)."""
        k = self.n_events
        if k == self.events.shape[0]:
            grown = np.zeros((2 * k, 6), dtype=np.int64)
            grown[:k] = self.events
            self.events = grown
        self.events[k, 0] = i
        self.events[k, 1] = month
        self.events[k, 2] = from_stage
        self.events[k, 3] = to_stage
        self.events[k, 4] = reason
        self.events[k, 5] = destination
        self.n_events = k + 1

    def schedule(self, i: int, code: int, destination: int = -1, reason: int = -1) -> None:
        """Schedule a change of person ``i``'s state, carried out by SimPy after those already due now
        (``destination`` and ``reason``: an exit's)."""
        self._push(self.carry_out, i, code, -1, destination, reason, _NORMAL, self._time())

    def schedule_outcomes(self, out: npt.NDArray[np.int64], n: int) -> None:
        """``schedule`` the month's first ``n`` decisions, the columns of ``out`` (person, code, destination, reason:
        ``kernels.outcomes``), in their order."""
        carry_out = self.carry_out
        now = self._time()
        for k in range(n):
            self._push(carry_out, int(out[0, k]), int(out[1, k]), -1, int(out[2, k]), int(out[3, k]), _NORMAL, now)

    def enter(self, i: int, code: int = ENTER, stage: int = -1) -> None:
        """Schedule the start of person ``i``'s parcours, before the changes already due now (``stage``: the stage
        ``RESUME`` resumes)."""
        self._push(self.carry_out, i, code, stage, -1, -1, _URGENT, self._time())

    def enter_all(self, first: int, stop: int) -> None:
        """``enter`` persons ``first``, ``first + 1``, ..., ``stop - 1``, in that order."""
        carry_out = self.carry_out
        now = self._time()
        for i in range(first, stop):
            self._push(carry_out, i, ENTER, -1, -1, -1, _URGENT, now)

    def _time(self) -> Any:
        """The environment's time (``env.now``; its ``_now`` when it schedules as ``simpy.Environment`` does)."""
        return self.env.now if self.queue is None else self.env._now

    def _push(
        self, carry_out: Callable[[Any], None], i: int, code: int, stage: int, destination: int, reason: int, priority: int, now: Any
    ) -> None:
        """Make the change's event, triggered, and ``env.schedule(event, priority)`` it: SimPy's own entry into its
        queue (time, priority, event id, event), written here when ``env`` schedules as ``simpy.Environment``
        does (saves a call a change). ``carry_out`` is ``self.carry_out`` and ``now`` the time (``_time``), passed
        in: the loops (``schedule_outcomes``, ``enter_all``) read them once for all their changes (each read of
        ``carry_out`` makes a bound method, each of the time a look-up in the environment's dictionary). The event
        keeps the month it is carried out in (``when``: it is scheduled without delay)."""
        event = _Change.__new__(_Change)  # (``Event.__init__`` and ``succeed`` inlined, as in ``simpy.events.Initialize``)
        event.env = self.env
        event.callbacks = [carry_out]
        event._value = None
        event._ok = True
        event.person = i
        event.code = code
        event.stage = stage
        event.destination = destination
        event.reason = reason
        event.when = int(now)
        queue = self.queue
        if queue is None:
            self.env.schedule(event, priority)
        else:
            heappush(queue, (now, priority, next(self.eid), event))

    def carry_out(self, event: _Change) -> None:
        """Carry out one change (the callback of its event)."""
        i = event.person
        code = event.code
        book = self.book
        now = event.when
        self._view()
        if code == EXIT:
            self.settle_exit(i, now, event.destination, event.reason)
        elif code == RENEW:
            slot = self.slot_of[i]
            self.a[ROW_CAPE_RENEWALS_LEFT, slot] = float(self.a[ROW_CAPE_RENEWALS_LEFT, slot]) - 1
            self.a[ROW_CAPE_TERM_END_MONTH, slot] = now + self.term_months
            book.flows[F_CAPE_RENEWALS] += 1
            self._event(i, now, CAPE, CAPE, R_RENEWAL, -1)
        elif code == TO_CESA:
            self.start_cesa(i, now, now - int(self.cape_start[i]))
            self.set_stage(i, now, CESA, R_VIABLE)
        elif code == TO_ASSOCIE:
            self.associe_month[i] = now
            book.flows[F_ASSOCIE_ENTRIES] += 1
            self.a[ROW_CAPITAL_DUE_CENTS, self.slot_of[i]] = self.subscription_cents
            self.set_stage(i, now, ASSOCIE, R_SUBSCRIPTION)
        elif code == ENTER:
            if self.first_stage[i] == CAPE:
                self.cape_start[i] = now
                slot = self.slot_of[i]
                self.a[ROW_CAPE_TERM_END_MONTH, slot] = now + self.term_months
                self.a[ROW_CAPE_RENEWALS_LEFT, slot] = self.max_renewals
                self.a[ROW_CESA_POSSIBLE_FROM_MONTH, slot] = now + self.months_before_cesa
                book.flows[F_CAPE_ENTRIES] += 1
                self.set_stage(i, now, CAPE, R_DIAGNOSTIC)
            else:
                self.start_cesa(i, now, 0)
                self.set_stage(i, now, CESA, R_DIRECT_CESA)
        else:  # RESUME: someone present at the opening (warm start), in their stage; same rules from here on
            stage = event.stage
            self._event(i, 0, ACCUEIL, stage, R_ROSTER, -1)
            self.stage[i] = stage
            self.stage_count[stage] += 1
            book.flows[F_ROSTER_STARTS] += 1

    def start_cesa(self, i: int, now: int, cape_months: int) -> None:
        """Start person ``i``'s CESA: trial period, fixed pay, and the associé deadline (36 months minus the CAPE)."""
        book, p = self.book, self.p
        self._view()
        self.cesa_month[i] = now
        slot = self.slot_of[i]
        self.a[ROW_ASSOCIE_DEADLINE_MONTH, slot] = now + max(self.deadline_months - cape_months, 0)
        self.a[ROW_TRIAL_END_MONTH, slot] = now + self.trial_months
        margin = float(self.a[ROW_RECENT_NET_MARGIN_CENTS, slot])
        rates = p.payroll_by_band[int(self.cs[CS_SIZE_BAND])][now]  # book.rates(now)
        fixed = _NAN
        if self.kernels_enabled:  # one margin: the kernel's scalar form (about a microsecond), NaN when the numpy function must decide
            if rates is not self.rates_held:  # the tables of these rules, kept while they are the month's (most months)
                tables = _book_tables(book, rates)[0]
                self.rates_held, self.cost_held, self.constants_held = rates, tables.cost, tables.kernel_constants
            fixed = _K.fixed_gross_one(self.cost_held, self.constants_held, margin, self.fixed_pay_share, self.min_gross_cents)
        if fixed != fixed:  # the numpy function, remembered by margin (it costs tens of microseconds a call)
            key = (id(rates), margin, _copysign(1.0, margin))  # the rules live as long as the book; -0.0 apart from 0.0
            memo = self.fixed_gross_memo.get(key)
            if memo is None:
                memo = float(_fixed_gross(np.array([margin], dtype=np.float64), p, rates)[0])
                self.fixed_gross_memo[key] = memo
            fixed = memo
        self.a[ROW_FIXED_GROSS_CENTS, slot] = fixed
        book.flows[F_CESA_ENTRIES] += 1

    def set_stage(self, i: int, month: int, to_stage: int, reason: int, destination: int = -1) -> None:
        """Move person ``i`` to ``to_stage`` and write the event."""
        self._view()
        stage = self.stage
        from_stage = stage[i]
        stage[i] = to_stage
        if to_stage != SORTIE:
            slot = self.slot_of[i]
            self.a[ROW_STAGE, slot] = to_stage
            self.a[ROW_EXIT_PROBABILITY, slot] = self.exit_probability[to_stage]
            if to_stage == CAPE:
                self.a[ROW_CONTRIBUTION_RATE, slot] = self.rate_cape[self.sector[i]]
            elif to_stage == CESA:
                self.a[ROW_CONTRIBUTION_RATE, slot] = self.rate_cesa[self.sector[i]]
        count = self.stage_count
        if from_stage > ACCUEIL:
            count[from_stage] -= 1
        count[to_stage] += 1
        self._event(i, month, from_stage, to_stage, reason, destination)

    def settle_exit(self, i: int, month: int, destination: int, reason: int) -> None:
        """Close person ``i``'s activity: its balance goes to them or is the cooperative's loss.

        The cooperative takes over the receivables still due and collects them later, so
        the balance is treasury + receivables: paid out when positive (DOMAIN.md §2: at the
        end of a CAPE a positive balance goes to the entrepreneur; under a CESA it stands
        for the final salary settlement), a loss to the cooperative when negative
        (DOMAIN.md §3: an exit with a negative treasury is a loss to the cooperative).
        """
        book = self.book
        self._view()
        slot_of = self.slot_of
        s = slot_of[i]
        treasury = float(self.a[ROW_TREASURY_CENTS, s])
        paid = float(self.a[ROW_CAPITAL_PAID_CENTS, s])
        last = book.m - 1
        # (the last activity moved into the slot)
        balance = treasury + (self._close_slot(s, last) if self.loops else book.close_slot(s, last))
        payout = balance if balance > 0 else 0.0
        self.cs[CS_LEDGER] += treasury - payout
        flows = book.flows
        flows[F_EXIT_PAYOUTS_CENTS] += payout
        flows[F_EXIT_LOSSES_CENTS] += payout - balance
        flows[F_EXITS] += 1
        flows[DESTINATION_FLOW_PLACES[destination]] += 1
        motive = MOTIVE_FLOW_PLACES.get(reason)
        if motive is not None:
            flows[motive] += 1
        # Capital paid in is paid back after the delay; what was not yet paid is cancelled.
        if paid > 0:
            self.cs[CS_CAPITAL] -= paid
            self.capital_due[month + self.repayment_delay] += paid
            self.capital_paid[i] = int(paid)
        # Exit losses are costs of the cooperative's year.
        self.cs[CS_RESULT] -= payout - balance
        self.exit_month[i] = month
        self.exit_destination[i] = destination
        self.exit_reason[i] = reason
        self.set_stage(i, month, SORTIE, reason, destination)
        if s != last:  # the activity moved into the slot
            slot_of[int(self.a[ROW_PERSON_ID, s])] = s
        slot_of[i] = -1
        book.m = last

    def _close_slot(self, s: int, last: int) -> float:
        """``Book.close_slot`` by C loops on the views held here, when compiled (``loops``; as Python source,
        ``settle_exit`` calls the book's numpy code): slot ``s``'s receivables added to the cooperative's and
        summed (whole non-negative cents: the same sum in any order), then the activity of slot ``last`` moved
        into slot ``s``. A call of a compiled kernel with the book's four arrays cost some 2,300 instructions an
        exit, these loops about half of it (benchmarks/README.md, "Session 30")."""
        pending = self.pending
        coop = self.coop_pending
        total = 0.0
        for r in range(pending.shape[0]):
            v = pending[r, s]
            total += v
            coop[r] += v
        if s != last:
            a = self.a
            for row in range(a.shape[0]):
                a[row, s] = a[row, last]
            self.lag[s] = self.lag[last]
            for r in range(pending.shape[0]):
                pending[r, s] = pending[r, last]
        return total


def run_until(env: simpy.Environment, until: int) -> None:
    """``env.run(until=until)`` for a ``simpy.Environment``: SimPy's own loop, ``Environment.run`` stepping with
    ``Environment.step``, the same code compiled here (SimPy's runs as Python: 1,000 to 1,300 instructions
    more an event, measured, for some 1,300 events a replication of the reference). The same queue, order and
    errors: the stop event at ``until`` first of its time, each event's callbacks in order, a failed event not
    defused raised again, a stop's remaining callbacks put back as SimPy's ``step`` does. Another environment
    class (its own ``step``) runs its own ``run``.
    """
    if type(env).step is not _SIMPY_STEP or until <= env.now:  # another environment's step; SimPy's own error
        env.run(until=until)
        return
    stop = simpy.Event(env)
    stop._ok = True
    stop._value = None
    env.schedule(stop, _URGENT, until - env.now)
    stop.callbacks.append(StopSimulation.callback)
    queue = env._queue
    try:
        while True:
            env._now, _, _, event = heappop(queue)  # (never empty: the stop event stays in it until it stops the loop)
            callbacks, event.callbacks = event.callbacks, None
            try:
                for callback in callbacks:
                    callback(event)
            except StopSimulation:
                event.callbacks = callbacks[callbacks.index(callback) + 1 :]
                env.schedule(event, -1)
                raise
            if not event._ok and not hasattr(event, "_defused"):
                exc = type(event._value)(*event._value.args)
                exc.__cause__ = event._value
                raise exc
    except StopSimulation:
        return


def start_roster(env: simpy.Environment, book: Book, p: ModelParams) -> None:
    """Open the activities of the roster at month 0, in the state the roster gives.

    Each activity's mature turnover is set so that its expected turnover this month is the
    recent turnover reported; its recent margin (the moving average) starts at what that
    turnover leaves after purchases and contribution. CAPE terms and renewals follow from
    the months already spent in CAPE, the associé deadline from the CESA and CAPE months;
    associés' capital shares are taken as fully paid in (an assumption).
    """
    r = p.roster
    k = len(r.stage)
    if k == 0:
        return
    sector = r.sector
    ramp_months = p.sector_rampup_months[sector]
    start_share = np.where(ramp_months > 0, p.sector_rampup_start_share[sector], 1.0)
    slope = (1.0 - start_share) / np.maximum(ramp_months, 1.0)
    # The ramp-up share of month 0, at least one step of the ramp (an entrant of this very
    # month with a ramp starting at 0 would otherwise divide by zero).
    ramp = np.clip(start_share + slope * (-1 - r.entry), np.maximum(slope, 1e-3), 1.0)
    mature = r.turnover_cents / ramp
    status = np.where(r.are_months_left > 0, 1, 0)
    are_end = np.where(r.are_months_left > 0, r.are_months_left.astype(float), -1.0)
    ids = book.add_entrants(0, r.stage.copy(), sector, mature, status, are_end)
    margin_rate = p.sector_margin_rate[sector]
    contribution_rate = np.where(r.stage == CAPE, p.sector_rate_cape[sector], p.sector_rate_cesa[sector])
    base = r.turnover_cents if p.contribution_base == "turnover" else r.turnover_cents * margin_rate
    recent_margin = np.rint(r.turnover_cents * margin_rate - base * contribution_rate)
    rates = p.payroll_by_month[0]
    for j, i in enumerate(ids):
        stage = int(r.stage[j])
        entry = int(r.entry[j])
        book.entry_month[i] = entry
        book.set_activity(i, ROW_ENTRY_MONTH, entry)
        book.set_activity(i, ROW_RECENT_NET_MARGIN_CENTS, float(recent_margin[j]))
        book.set_activity(i, ROW_TREASURY_CENTS, float(r.treasury_cents[j]))
        book.set_activity(i, ROW_CONTRIBUTION_RATE, float(contribution_rate[j]))
        if stage == CAPE:
            used = min(max(-entry, 0) // p.cape_term_months, p.cape_max_renewals)
            book.cape_start[i] = entry
            book.set_activity(i, ROW_CAPE_TERM_END_MONTH, max(entry + p.cape_term_months * (used + 1), 0))
            book.set_activity(i, ROW_CAPE_RENEWALS_LEFT, p.cape_max_renewals - used)
            book.set_activity(i, ROW_CESA_POSSIBLE_FROM_MONTH, entry + p.cape_min_months_before_cesa)
        else:
            cesa = int(r.cesa[j])
            book.cesa_month[i] = cesa
            book.set_activity(i, ROW_ASSOCIE_DEADLINE_MONTH, cesa + max(p.associe_deadline_months - (cesa - entry), 0))
            book.set_activity(i, ROW_TRIAL_END_MONTH, cesa + p.trial_period_months)
            fixed = fixed_gross_cents(recent_margin[j], p.fixed_pay_share, p.min_gross_cents, rates)
            book.set_activity(i, ROW_FIXED_GROSS_CENTS, float(fixed[0]))
            if stage == ASSOCIE:
                book.associe_month[i] = int(r.associe[j])
                book.set_activity(i, ROW_CAPITAL_PAID_CENTS, p.capital_subscription_cents)
        book.set_activity(i, ROW_EXIT_PROBABILITY, p.exit_probability_by_stage[stage])
        book.set_activity(i, ROW_STAGE, stage)
        book.parcours.enter(i, RESUME, stage)


def _fixed_gross(margins: npt.NDArray[np.float64], p: ModelParams, rates: Any) -> npt.NDArray[np.float64]:
    """``fixed_gross_cents`` of a 1-d array of recent margins: by the compiled kernel when it can, else the numpy function."""
    if kernels.ENABLED:
        tables = payroll_tables(rates)
        gross = _K.fixed_gross(tables.cost, tables.kernel_constants, margins, p.fixed_pay_share, float(p.min_gross_cents))
        if len(gross) == 0 or gross[0] == gross[0]:  # NaN: a budget beyond the table where the relief is not 0
            return gross
    return fixed_gross_cents(margins, p.fixed_pay_share, p.min_gross_cents, rates)


def monthly_books(env: simpy.Environment, book: Book, p: ModelParams, streams: Streams, recorder: MonthlyRecorder) -> None:
    """Schedule the accueil flow, the monthly accounting and the decisions of each month (``MonthlyBooks``): the
    first month now, ahead of what is due now (as SimPy starts a process), each month the next."""
    MonthlyBooks(env, book, p, streams, recorder).schedule(_URGENT, 0)


class _Tick:
    """The event of one month of ``MonthlyBooks`` in SimPy's queue: what SimPy's ``Environment.step`` reads of an
    event (``callbacks``, ``_ok``, ``_value``; ``env``, as on SimPy's events), triggered as it is made (as SimPy's
    ``Timeout``). Compiled, a ``cdef class`` (``processes.pxd``); as Python source, the same fields in slots."""

    __slots__ = ("_ok", "_value", "callbacks", "env")


class MonthlyBooks:
    """The accueil flow, the monthly accounting and the decisions of each month, one event of SimPy's queue a month.

    The same events as a SimPy process that loops over the months with ``yield env.timeout(1)`` (what this was until
    session 30), at the same places of the queue: the first month scheduled ``URGENT`` where the process would
    have been started, each next month ``NORMAL`` one month later, at the end of the month before. Without the
    process, SimPy's ``Process._resume`` and ``Timeout``, Python code run each month, are not run (0.9 % of a
    replication's instructions, benchmarks/README.md, "Session 30"). ``month`` is each event's callback.
    """

    def __init__(self, env: simpy.Environment, book: Book, p: ModelParams, streams: Streams, recorder: MonthlyRecorder) -> None:
        self.env = env
        self.book = book
        self.p = p
        self.recorder = recorder
        self.scheduled: dict[int, list[Any]] = {}  # month -> [(zone, site, starts under a CESA)] due
        self.draws = _Draws(streams, p)
        self.c = _constants(p)  # looked up once for the run, not in every month's steps
        self.t = 0  # the month the next event carries out
        self.queue, self.eid = _own_queue(env)

    def schedule(self, priority: int, delay: int) -> None:
        """Schedule the next month's event, ``delay`` months from now, as ``env.schedule(event, priority, delay)``
        does (written into the queue here when ``env`` schedules as ``simpy.Environment`` does)."""
        tick = _Tick.__new__(_Tick)
        env = self.env
        tick.env = env
        tick.callbacks = [self.month]
        tick._value = None
        tick._ok = True
        queue = self.queue
        if queue is None:
            env.schedule(tick, priority, delay)
        else:
            heappush(queue, (env._now + delay, priority, next(self.eid), tick))

    def month(self, event: _Tick) -> None:
        """Month ``t``: the previous month closed, the accueils, the accounts, the decisions and the entries; then
        the next month scheduled (none after the last month: no pending event is left behind)."""
        t = self.t
        book, p, draws, c = self.book, self.p, self.draws, self.c
        if t > 0:
            close_month(book, p, self.recorder, t - 1, c)
        _arrivals(book, p, draws, self.scheduled, t)
        _accounting(book, p, draws, t, c)
        _decisions(book, p, draws, t)
        _start_entries(self.env, book, p, draws, self.scheduled.pop(t, None), t)
        self.t = t + 1
        if t + 1 < p.horizon_months:
            self.schedule(_NORMAL, 1)


def _own_queue(env: simpy.Environment) -> tuple[Any, Any]:
    """SimPy's event queue and id counter of ``env`` when it schedules as ``simpy.Environment`` does (an entry
    written into the queue is then what its ``schedule`` writes), else (None, None)."""
    own = getattr(type(env), "schedule", None) is _SIMPY_SCHEDULE and hasattr(env, "_queue") and hasattr(env, "_eid")
    return (env._queue, env._eid) if own else (None, None)


def draw_renewals(book: Book, p: ModelParams, streams: Streams) -> None:
    """Decide once, for the whole run, which partners come through and how often conventions are renewed.

    Each convention draws ``max_renewals`` uniforms, and each partner one, whatever
    happens, so adding or changing one does not shift the draws of the others. A partner
    whose commitment does not come through has none of its conventions in this
    replication (DOMAIN.md §4, mobilisation des partenaires).
    """
    for c, conv in enumerate(p.conventions):
        u = streams.funding.random(conv.max_renewals)
        renewed = 0
        while renewed < conv.max_renewals and u[renewed] < conv.renewal_probability:
            renewed += 1
        book.convention_last[c] = conv.first + conv.term_months * (1 + renewed) - 1
    committed = [streams.partners.random() < probability for probability, _ in p.partner_conventions]
    if p.go_gate is not None:
        committed = _go_decision(book, p, streams, committed)
    for ok, (_, conventions) in zip(committed, p.partner_conventions, strict=True):
        if not ok:
            for c in conventions:
                book.convention_last[c] = -1
                book.partner_failed[c] = True


def _go_decision(book: Book, p: ModelParams, streams: Streams, committed: list[bool]) -> list[bool]:
    """The go/no-go gate: open when the required partners and the committed share are there.

    Otherwise the opening is postponed and the missing partners decide again (one more draw
    each, after every partner's first draw, so a scenario without a gate draws as before),
    up to ``max_postponements`` times; then the project is abandoned. The operation is
    simulated from the opening, whenever it happens: ``book.opening_delay_months`` says how
    late, and the results mark abandoned replications (``opened`` = 0).
    """
    assert p.go_gate is not None
    required, min_share, weights, total, postpone, max_postponements = p.go_gate

    unconditional = total - sum(weights)  # conventions of funders that are not partners: always there

    def passes(state: list[bool]) -> bool:
        committed = unconditional + sum(w for w, ok in zip(weights, state, strict=True) if ok)
        share = committed / total if total > 0 else 1.0
        return all(state[k] for k in required) and share >= min_share - 1e-12

    state = list(committed)
    rounds = 0
    while not passes(state) and rounds < max_postponements:
        rounds += 1
        for k, (probability, _) in enumerate(p.partner_conventions):
            if not state[k]:
                state[k] = bool(streams.partners.random() < probability)
    book.opened = passes(state)
    book.opening_delay_months = rounds * postpone
    return state


def close_month(book: Book, p: ModelParams, recorder: MonthlyRecorder, month: int, c: _Constants | None = None) -> None:
    """End-of-month treasury operations, the annual closing in December, then the month's row.

    ``c``: ``_constants(p)``, when the caller has it.
    """
    flows = book.flows
    december = p.calendar_month.item(month) == 12
    settle = december or month == p.horizon_months - 1
    m = book.m
    count = book.stage_count
    waiting = 0
    for w in book.waiting:
        waiting += len(w)
    row = recorder.stocks[month]
    done = 0
    if kernels.ENABLED:
        after_close = None
        if not settle and p.n_sites == 1 and p.n_zones == 1:  # the month's end in one kernel call (kernels.month_end)
            by_site, by_zone = book.by_site, book.by_zone
            after_close = (
                book.a, m, book.pending, book.coop_pending, count[CAPE], count[CESA], count[ASSOCIE], count[SORTIE], waiting,
                flows[F_COOP_COSTS_CENTS], row, by_site["active"], by_site["waiting"], by_site["staff_fte"], book.site_staff, by_zone["active"],
            )  # fmt: skip
        done = _close_compiled(book, p, month, settle, c, after_close)
        if done == 6:
            recorder.write(month, book.take_flows())
            return
    if done == 0:
        _public_funding(book, p, month)
        _prestations(book, p, month)
    if done < 2:
        _financing(book, p, month)
        repaid = book.capital_due.item(month)
        paid = book.allocations_due.item(month)
        book.coop_ledger_cents -= repaid + paid
        flows[F_CAPITAL_REPAID_CENTS] += repaid
        flows[F_ALLOCATIONS_PAID_CENTS] += paid
        if p.recovery_margin_share is not None:
            _recover_over_compensation(book, p, month, settle=settle)
    if december:
        _annual_closing(book, p, month)
    # The stocks into the recorder's row, the own treasury and the month's costs into the book.
    if not (kernels.ENABLED and _K.month_stocks(
        book.a, m, book.pending, book.coop_pending, book.funding_due, book.advance_left, book.capital_due, book.allocations_due, month,
        book.cs, count[CAPE], count[CESA], count[ASSOCIE], count[SORTIE], waiting, flows[F_COOP_COSTS_CENTS], row,
    )):  # fmt: skip
        stocks = book.stocks(month)
        row[:] = list(stocks.values())
        book.last_costs_cents = flows[F_COOP_COSTS_CENTS]
        book.own_treasury_cents = stocks["coop_treasury_cents"]
    by_site, by_zone = book.by_site, book.by_zone
    if p.n_sites == 1:  # one site (the most common case): everyone is there, scalar writes
        by_site["active"][0, month] = m
        by_site["waiting"][0, month] = len(book.waiting[0])
        by_site["staff_fte"][0, month] = book.site_staff.item(0)
    else:
        if m:
            by_site["active"][:, month] = np.bincount(book.a[ROW_SITE, :m].astype(np.int64), minlength=p.n_sites)
        by_site["waiting"][:, month] = [len(w) for w in book.waiting]
        by_site["staff_fte"][:, month] = book.site_staff
    if p.n_zones == 1:
        by_zone["active"][0, month] = m
    elif m:
        by_zone["active"][:, month] = np.bincount(book.a[ROW_ZONE, :m].astype(np.int64), minlength=p.n_zones)
    recorder.write(month, book.take_flows())


def _public_funding(book: Book, p: ModelParams, t: int) -> None:
    """What each convention earns this month, and what it pays (after its schedule and lag).

    By ``kernels.public_funding`` when it can (the same operations in the same order), else here.
    """
    flows = book.flows
    if kernels.ENABLED and p.conventions:
        table = _convention_table(p.conventions)
        if table is not None:
            totals = np.array([
                flows[F_PUBLIC_FUNDING_EARNED_CENTS], flows[F_PUBLIC_FUNDING_CENTS], book.year_result_cents, book.coop_ledger_cents,
                book.convention_advances_cents,
            ])  # fmt: skip
            count = book.stage_count
            if _K.public_funding(
                table, book.convention_last, t, flows[F_ACCUEILS], count[CAPE] + count[CESA] + count[ASSOCIE], flows[F_CESA_ENTRIES],
                flows[F_RSA_ENTRIES], book.funding_earned, book.funding_due, book.funding_received, book.advance_left,
                book.advance_settle_due, book.dailly_in, book.dailly_out, totals,
            ):  # fmt: skip
                (
                    flows[F_PUBLIC_FUNDING_EARNED_CENTS], flows[F_PUBLIC_FUNDING_CENTS], book.year_result_cents, book.coop_ledger_cents,
                    book.convention_advances_cents,
                ) = totals.tolist()  # fmt: skip
                return
    funding_due = book.funding_due
    last = book.convention_last.tolist()
    for c, conv in enumerate(p.conventions):
        first = conv.first
        if first <= t <= last[c]:
            k = t - first
            kind = conv.kind
            if kind == _FIXED:
                earned = float(monthly_instalment_cents(conv.amount_cents, k))
            elif kind == _PER_ACCUEIL:
                earned = flows[F_ACCUEILS] * conv.amount_cents
            elif kind == _PER_SUPPORTED:
                earned = float(round(book.n_active * conv.amount_cents / 12.0))
            elif kind == _PER_CESA_START:
                earned = flows[F_CESA_ENTRIES] * conv.amount_cents
            else:
                earned = flows[F_RSA_ENTRIES] * conv.amount_cents
            if math.isfinite(conv.ceiling_cents):
                year_start = first + 12 * (k // 12)
                so_far = float(_add(book.funding_earned[c, max(year_start, 0) : t]))
                earned = max(min(earned, conv.ceiling_cents - so_far), 0.0)
            period_end = first + conv.period_months * (k // conv.period_months + 1) - 1
            book.funding_earned[c, t] = earned
            due_month = period_end + conv.lag_months
            payable = earned
            if conv.advance_cents:
                payable = _convention_advance(book, conv, c, t, k, earned, due_month)
            funding_due[c, due_month] += payable
            if conv.dailly_share and payable > 0 and due_month > period_end:
                # Dailly: the bank advances a share of the receivable when the period's claim is
                # filed, and is repaid when the funder pays. (round: np.rint's answer on a positive float.)
                financed = float(round(payable * conv.dailly_share))
                book.dailly_in[period_end] += financed
                book.dailly_out[due_month] += financed
            flows[F_PUBLIC_FUNDING_EARNED_CENTS] += earned
            book.year_result_cents += earned
        received = funding_due.item(c, t)
        if received:
            book.funding_received[c, t] = received
            flows[F_PUBLIC_FUNDING_CENTS] += received
            book.coop_ledger_cents += received


_CONVENTION_TABLES: dict[int, tuple[Any, npt.NDArray[np.float64] | None]] = {}


def _convention_table(conventions: tuple[Any, ...]) -> npt.NDArray[np.float64] | None:
    """The conventions as ``kernels.public_funding`` reads them (one row each, columns ``kernels.C_*``),
    built once per set of conventions; None when some amount is not a finite whole number below
    2**53 or some rate is not finite (the Python code then runs, as it always could)."""
    hit = _CONVENTION_TABLES.get(id(conventions))
    if hit is not None and hit[0] is conventions:
        return hit[1]
    # In the order of kernels.C_FIRST ... kernels.C_DAILLY.
    rows = [
        (conv.first, conv.kind, conv.amount_cents, conv.ceiling_cents, conv.period_months, conv.lag_months,
         conv.advance_cents, conv.dailly_share)
        for conv in conventions
    ]  # fmt: skip
    table: npt.NDArray[np.float64] | None = np.array(rows, dtype=np.float64).reshape(len(rows), kernels.C_COLUMNS)
    whole = [(conv.first, conv.kind, conv.amount_cents, conv.period_months, conv.lag_months, conv.advance_cents) for conv in conventions]
    if not all(isinstance(x, int) and abs(x) < 2**53 for row in whole for x in row) or not all(
        math.isfinite(conv.dailly_share) and (math.isfinite(conv.ceiling_cents) or conv.ceiling_cents == math.inf) for conv in conventions
    ):
        table = None
    if len(_CONVENTION_TABLES) >= 8:
        _CONVENTION_TABLES.clear()
    _CONVENTION_TABLES[id(conventions)] = (conventions, table)
    return table


def _prestations(book: Book, p: ModelParams, t: int) -> None:
    """Services sold per person to France Travail or the Département: a revenue earned and paid in the month."""
    flows = book.flows
    for base, amount, first, last in p.prestations:
        if first <= t <= last:
            count = (flows[F_ACCUEILS], flows[F_CAPE_ENTRIES], flows[F_RSA_ENTRIES], book.n_active / 12.0)[base]
            earned = float(round(count * amount))
            flows[F_PRESTATIONS_CENTS] += earned
            book.year_result_cents += earned
            book.year_contributions_cents += earned  # own revenue in the clause de reversement, as in the yearly check
            book.coop_ledger_cents += earned


def _convention_advance(book: Book, conv: Any, c: int, t: int, k: int, earned: float, due_month: int) -> float:
    """Avance à la signature: paid at the start of each convention year, deducted from what the year earns.

    Returns what is left to pay at ``due_month`` of this month's earnings. What the year did
    not earn of its advance is paid back with its last payment.
    """
    if k % 12 == 0:
        book.funding_due[c, t] += conv.advance_cents
        book.convention_advances_cents += conv.advance_cents
        book.advance_left[c] = conv.advance_cents
    left = book.advance_left.item(c)
    covered = min(earned, left)
    book.advance_left[c] = left = left - covered
    book.advance_settle_due[due_month] += covered
    payable = earned - covered
    if (k % 12 == 11 or t == book.convention_last.item(c)) and left > 0:
        refund = float(book.advance_left[c])
        book.advance_left[c] = 0.0
        book.advance_settle_due[due_month] += refund
        payable -= refund
    return payable


def _financing(book: Book, p: ModelParams, t: int) -> None:
    """The month's financing cash: instruments received and repaid, Dailly, and interest (a cost of the year)."""
    f = p.financing
    flows = book.flows
    settled = book.advance_settle_due.item(t)
    book.convention_advances_cents -= settled
    dailly_in, dailly_out = book.dailly_in.item(t), book.dailly_out.item(t)
    if f is None:
        received = repaid = interest = 0.0
        quasi_in = quasi_out = 0.0
    else:
        quasi_in, quasi_out = f.quasi_received_cents.item(t), f.quasi_principal_cents.item(t)
        received = f.received_cents.item(t)
        repaid = quasi_out + f.debt_principal_cents.item(t)
        # Interest: on the instruments, on the Dailly outstanding of the month, and on the
        # overdraft used at the end of the previous month, within the authorised overdraft:
        # below it the bank lends nothing more (a rupture de trésorerie, counted as a cash
        # need to finance, not as a loan whose interest would compound).
        interest = f.interest_cents.item(t)
        for i, (month, amount, rate, _, _, quasi) in enumerate(f.from_caf):
            if t == month:
                book.caf_outstanding[i] += amount
            else:
                outstanding = book.caf_outstanding.item(i)
                if outstanding > 0:
                    interest += _interest(outstanding, rate)
                    paid = min(book.caf_due.item(i, t), outstanding)
                    book.caf_outstanding[i] = outstanding - paid
                    repaid += paid
                    if quasi:
                        quasi_out += paid
        interest += _interest(book.dailly_outstanding_cents, f.dailly_rate)
        interest += _interest(min(-book.own_treasury_cents, f.overdraft_limit_cents), f.overdraft_rate)
    book.quasi_equity_cents += quasi_in - quasi_out
    book.dailly_outstanding_cents += dailly_in - dailly_out
    book.debt_outstanding_cents += (received - quasi_in) - (repaid - quasi_out) + dailly_in - dailly_out
    received += dailly_in
    repaid += dailly_out
    book.coop_ledger_cents += received - repaid - interest
    book.financing_net_cents += received - repaid - interest
    book.year_result_cents -= interest
    flows[F_FINANCING_RECEIVED_CENTS] += received
    flows[F_FINANCING_REPAID_CENTS] += repaid
    flows[F_INTEREST_CENTS] += interest


def _interest(balance_cents: float, annual_rate: float) -> float:
    """``monthly_interest_cents`` in Python numbers: the same number (``_rint`` is np.rint on a finite float)."""
    if balance_cents <= 0 or annual_rate <= 0:
        return 0.0
    interest = balance_cents * annual_rate / 12.0
    return _rint(interest) if math.isfinite(interest) else monthly_interest_cents(balance_cents, annual_rate)


def _repayments_from_caf(book: Book, p: ModelParams, t: int) -> None:
    """Instruments repaid from the CAF: past their deferral, each takes its share of the year's
    positive result (in the plan's order, never more than it is owed), paid at the settlement month."""
    assert p.financing is not None
    left = max(book.year_result_cents, 0.0)
    for i, (month, _, _, deferral, share, _) in enumerate(p.financing.from_caf):
        owed = float(book.caf_outstanding[i] - _add(book.caf_due[i, t + 1 :]))
        if t < month + deferral or owed <= 0 or left <= 0:
            continue
        due = min(owed, float(np.floor(share * left)))
        book.caf_due[i, t + p.settlement_month] += due
        left -= due


def _recover_over_compensation(book: Book, p: ModelParams, t: int, settle: bool) -> None:
    """The clause de reversement: public subsidies above the net cost plus the margin go back to the funders.

    Booked month by month on the year to date, as a provision for repayment (it moves with
    the year's result, never below zero), so the monthly result carries the recovery when
    it arises rather than as a lump in December. The year's costs (structure, exit losses,
    interest) are what the result leaves of its revenue: earned + contributions - result.
    At the closing (``settle``: December, or the horizon's last month) the provision is
    shared among the conventions in proportion to what each earned in the year and falls
    due at the settlement month after the closing (a negative payment of the convention).
    Décision 2012/21/UE art. 6.
    """
    assert p.recovery_margin_share is not None
    first = book.year_first_month
    funding_earned = book.funding_earned
    sums = np.empty(len(funding_earned) + 1)
    if kernels.ENABLED and 0 <= first and _K.year_earned(funding_earned, first, t, sums):
        earned_by_conv = sums[:-1]
        earned = sums.item(-1)
    else:
        earned_by_conv = _add(funding_earned[:, first : t + 1], axis=1)
        earned = float(_add(earned_by_conv))
    result = book.year_result_cents + book.year_recovered_cents  # before the provision
    costs = earned + book.year_contributions_cents - result
    margin = p.recovery_margin_share * costs
    target = min(max(earned, 0.0), max(result - (_rint(margin) if math.isfinite(margin) else float(np.rint(margin))), 0.0))
    delta = target - book.year_recovered_cents
    if delta:
        book.flows[F_PUBLIC_FUNDING_EARNED_CENTS] -= delta
        book.flows[F_PUBLIC_FUNDING_RECOVERED_CENTS] += delta
        book.year_result_cents -= delta
        book.year_recovered_cents = target
    _settle_recovery(book, p, t, settle, earned_by_conv, earned)


def _settle_recovery(book: Book, p: ModelParams, t: int, settle: bool, earned_by_conv: npt.NDArray[np.float64], earned: float) -> None:
    """At the closing, the provision of the clause de reversement shared among the conventions, due at the settlement month."""
    if settle and book.year_recovered_cents > 0:
        excess = book.year_recovered_cents
        shares = np.floor(excess * earned_by_conv / earned)
        shares[int(np.argmax(earned_by_conv))] += excess - float(shares.sum())  # the cents rounding left
        book.funding_recovered[:, t] += shares
        book.funding_due[:, t + p.settlement_month] -= shares
    if settle:
        book.year_recovered_cents = 0.0


_FINANCING_TABLES: dict[int, tuple[Any, tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None]] = {}
_NO_SCHEDULE = np.zeros((0, 1))
_NO_CAF = np.zeros((0, 4))
_NO_CONVENTIONS = np.zeros((0, kernels.C_COLUMNS))


def _financing_tables(f: Any) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None:
    """The financing plan as ``kernels.month_close`` reads it (its monthly rows ``kernels.F_*`` and one row
    per instrument repaid from the CAF), built once per plan; None when its rows are not of one length."""
    if f is None:
        return _NO_SCHEDULE, _NO_CAF
    return by_identity(_FINANCING_TABLES, f, _financing_tables_of, limit=8)


def _financing_tables_of(f: Any) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None:
    rows = (f.quasi_received_cents, f.quasi_principal_cents, f.received_cents, f.debt_principal_cents, f.interest_cents)  # kernels.F_* order
    if len({np.shape(row) for row in rows}) != 1 or np.ndim(rows[0]) != 1:
        return None
    caf = [(float(month), float(amount), float(rate), 1.0 if quasi else 0.0) for month, amount, rate, _, _, quasi in f.from_caf]
    return np.array(rows, dtype=np.float64), np.array(caf, dtype=np.float64).reshape(len(caf), 4)


def _close_compiled(
    book: Book, p: ModelParams, t: int, settle: bool, c: _Constants | None = None, after_close: tuple[Any, ...] | None = None
) -> int:
    """``close_month``'s money before the annual closing by ``kernels.month_close``, the same operations
    in the same order: ``_public_funding`` (here or by the kernel), ``_prestations``, ``_financing``, the
    capital repaid and allocations paid, ``_recover_over_compensation``.

    Returns how far it went: 0, having changed nothing; 1, the public funding and the prestations
    done; 2, all done (the caller runs the Python code for the rest). ``c``: ``_constants(p)``, when
    the caller has it. With ``after_close`` (``kernels.month_end``'s arguments after ``month_close``'s: a month
    that closes no year, one site and one zone), the stocks and the site's and zone's series too, when it
    all went through: 6.
    """
    if c is None:
        c = _constants(p)
    f = p.financing
    tables = c.financing
    share = p.recovery_margin_share
    if tables is None or (share is not None and share != share):
        return 0
    flows = book.flows
    conventions = c.conventions
    if conventions is None or p.prestations:  # the public funding apart, before the prestations
        _public_funding(book, p, t)
        _prestations(book, p, t)
        conventions = _NO_CONVENTIONS
    count = book.stage_count
    scratch = book.close_scratch
    if scratch is None:  # the arrays of the run's months (the kernel reads the first two, writes the third; the first has room for its totals)
        rates = np.array([
            0.0 if f is None else f.dailly_rate, 0.0 if f is None else f.overdraft_rate, 0.0 if f is None else f.overdraft_limit_cents,
            0.0, math.nan if share is None else share,
        ])  # fmt: skip
        scratch = book.close_scratch = (np.empty(8), rates, np.empty(len(book.funding_earned) + 1))
    counts, rates, earned = scratch
    counts[0], counts[1], counts[2] = flows[F_ACCUEILS], flows[F_CESA_ENTRIES], flows[F_RSA_ENTRIES]
    cs = book.cs  # the kernel's state: its first entries (kernels.S_*), worked on in place
    values = cs  # (compiled: a typed view of it, its numbers read and written as C doubles)
    rates[3] = values[CS_OWN_TREASURY]
    for index, place in CS_CLOSE_FLOWS:  # the month's flows it adds to, from the flows
        values[index] = flows[place]
    funding_earned = book.funding_earned
    close = (
        t, conventions, book.convention_last, count[CAPE] + count[CESA] + count[ASSOCIE], counts, book.funding_due, book.funding_received,
        book.advance_left, tables[0], tables[1], book.caf_outstanding, book.caf_due, book.advance_settle_due, book.dailly_in, book.dailly_out,
        book.capital_due, book.allocations_due, rates, funding_earned, int(values[CS_YEAR_FIRST_MONTH]), float(values[CS_YEAR_CONTRIBUTIONS]),
        earned, cs,
    )  # fmt: skip
    done = _K.month_close(*close) if after_close is None else _K.month_end(close, *after_close)
    if done == 0:  # the public funding handed back: nothing changed
        return 0
    for index, place in CS_CLOSE_FLOWS:
        flows[place] = float(values[index])
    if done == 2 and share is not None and settle:  # (_settle_recovery does nothing in the other months)
        _settle_recovery(book, p, t, settle, earned[:-1], earned.item(-1))
    return done


def _annual_closing(book: Book, p: ModelParams, t: int) -> None:
    """Close the year: SCOP allocation of the result and corporate tax, paid at the next settlement month."""
    if p.financing is not None and p.financing.from_caf:
        _repayments_from_caf(book, p, t)
    book.highest_capital_cents = max(book.highest_capital_cents, book.capital_cents)
    allocation = close_year(
        book.year_result_cents,
        loss_carried_forward_cents=book.loss_carried_forward_cents,
        tax_loss_carried_forward_cents=book.tax_loss_carried_forward_cents,
        legal_reserve_cents=book.legal_reserve_cents,
        highest_capital_cents=book.highest_capital_cents,
        capital_cents=book.capital_cents,
        rules=capped_interest(p.allocation, float(p.interest_cap_by_month[t])),
    )
    flows = book.flows
    flows[F_CLOSING_RESULT_CENTS] += book.year_result_cents
    flows[F_CORPORATE_TAX_CENTS] += allocation.corporate_tax
    flows[F_PART_TRAVAIL_CENTS] += allocation.part_travail
    flows[F_INTEREST_ON_CAPITAL_CENTS] += allocation.interest_on_capital
    flows[F_LEGAL_RESERVE_ALLOCATED_CENTS] += allocation.legal_reserve
    flows[F_STATUTORY_RESERVES_ALLOCATED_CENTS] += allocation.statutory_reserves
    book.legal_reserve_cents += allocation.legal_reserve
    book.statutory_reserves_cents += allocation.statutory_reserves
    book.loss_carried_forward_cents = allocation.loss_carried_forward
    book.tax_loss_carried_forward_cents = allocation.tax_loss_carried_forward
    payable = allocation.corporate_tax + allocation.part_travail + allocation.interest_on_capital
    book.allocations_due[t + p.settlement_month] += payable
    book.year_result_cents = 0.0
    book.year_contributions_cents = 0.0
    book.year_first_month = t + 1


#: An entrant due at zone 0 and site 0 (zone, site, starts under a CESA): in a CAPE, under a CESA.
_CAPE_AT_FIRST_PAIR, _CESA_AT_FIRST_PAIR = (0, 0, False), (0, 0, True)


def _arrivals(book: Book, p: ModelParams, streams: _Draws, scheduled: dict[int, list[Any]], t: int) -> None:
    """The month's accueils, where they come from and go, and who starts a parcours after the diagnostic.

    Each accueil gets a (zone, site) pair from the month's demand (one draw each from the
    ``zones`` stream when there is more than one pair); those who enter are the first
    ``entering`` accueils of the month, which is a random subset since the draws are
    independent.
    """
    accueils = streams.accueils[t]
    if accueils == 0:
        return
    entering = int(streams.entry.binomial(accueils, p.entry_share))
    direct = int(streams.entry.binomial(entering, p.direct_cesa_share)) if entering else 0
    probabilities = p.pair_probabilities[p.pair_config_by_month[t]]
    if len(probabilities) > 1:
        cumulative = np.cumsum(probabilities)
        pairs = np.minimum(np.searchsorted(cumulative, streams.zones.random(accueils) * cumulative[-1], side="right"), len(probabilities) - 1)
        zone, site = np.divmod(pairs, p.n_sites)
        book.by_zone["accueils"][:, t] += np.bincount(zone, minlength=p.n_zones)
        book.by_site["accueils"][:, t] += np.bincount(site, minlength=p.n_sites)
        zones, sites = zone[:entering].tolist(), site[:entering].tolist()
    else:  # every accueil at the first pair (zone 0, site 0)
        book.first_zone_accueils[t] += accueils
        book.first_site_accueils[t] += accueils
        zones = sites = None
    book.flows[F_ACCUEILS] += accueils
    book.flows[F_ACCUEILS_NOT_ENTERED] += accueils - entering
    if entering:
        due = scheduled.setdefault(t + p.diagnostic_months, [])
        if zones is None:  # the same entries as below, at zone 0 and site 0 (their tuples shared: they are not changed)
            due += [_CAPE_AT_FIRST_PAIR] * (entering - direct) + [_CESA_AT_FIRST_PAIR] * direct
        else:
            cesa = [False] * (entering - direct) + [True] * direct
            due.extend(zip(zones, sites, cesa, strict=True))


def _start_entries(env: simpy.Environment, book: Book, p: ModelParams, streams: _Draws, due: list[Any] | None, t: int) -> None:
    """Start the parcours of entrants whose diagnostic ends, as far as their site's team has room.

    A site's capacity is ``max_caseload`` people per accompaniment FTE of that site;
    entrants beyond it wait at their site, first come first served, and leave after
    ``max_wait_months`` without a place.
    """
    waiting = book.waiting
    if p.n_sites == 1 and not waiting[0] and p.max_wait_months >= 0:
        # No one waits at the one site: the month's entrants, in their order, when the team has room for all
        # (the loop below would queue them, find none too old, and take them all, in order).
        if not due:
            return
        if int(book.site_staff[0] * p.max_caseload) - book.m >= len(due):
            _start_taken(env, book, p, streams, due, t)
            return
    for zone, site, cesa in due or ():
        waiting[site].append((t, zone, cesa))
    taken: list[tuple[int, int, bool]] = []
    active: list[int] | None = None  # activities by site, counted only when someone waits
    for s, queue in enumerate(waiting):
        while queue and queue[0][0] + p.max_wait_months < t:
            queue.popleft()
            book.flows[F_ACCUEILS_LOST_WAITING] += 1
            book.by_site["lost_waiting"][s, t] += 1
        if not queue:
            continue
        if active is None:
            m = book.m
            if p.n_sites == 1:  # every activity is at the one site
                active = [m]
            else:
                sites_of_activities = book.a[ROW_SITE, :m].astype(np.int64)
                active = np.bincount(sites_of_activities, minlength=p.n_sites).tolist() if m else [0] * p.n_sites
        room = max(int(book.site_staff[s] * p.max_caseload) - active[s], 0)
        while queue and room > 0:
            _, zone, cesa = queue.popleft()
            taken.append((zone, s, cesa))
            room -= 1
    if taken:
        _start_taken(env, book, p, streams, taken, t)


def _start_taken(env: simpy.Environment, book: Book, p: ModelParams, streams: _Draws, taken: list[tuple[int, int, bool]], t: int) -> None:
    """Open the activities of the entrants ``taken`` this month, (zone, site, starts under a CESA) each, and start their parcours."""
    k = len(taken)
    taken.sort(key=_THIRD)  # CAPE entrants first, then direct CESA
    zones, sites, cesa_first = zip(*taken, strict=True)
    rng = streams.activities
    first = [CESA if c else CAPE for c in cesa_first]
    if kernels.ENABLED and book.compiled:  # the draws' numbers and the activities opened by a kernel, the same numbers
        u_sector = rng.random(k)
        z = rng.standard_normal(k)
        sector = _empty(k, dtype=_INT64)
        mature = _empty(k)
        if not (any(zones) or any(sites)):  # every entrant at zone 0, site 0 (one zone and one site): zeros, not a conversion
            columns = _zeros(4 * k)
        else:
            columns = _empty(4 * k)
            columns[k : 2 * k] = zones
            columns[2 * k : 3 * k] = sites
        first_id, m = book.reserve(k)
        rsa = _K.entrants_open(
            (
                t, p.sector_cumshares, p.sector_log_median_cents_per_month, p.sector_sigma, u_sector, z, streams.status.take(2 * k), p.are_share,
                p.are_aged_older_share, p.are_aged_between_share, float(p.are_max_months_older), float(p.are_max_months_between),
                float(p.are_max_months), p.rsa_share, sector, mature, columns,
            ),
            (book.a, book.lag, book.pending, book.prior_status, book.sector_template, p.sector_lag_months, sector, mature, columns, m, first_id, t),
        )  # fmt: skip
        ids = book.record_entrants(t, first, sector.tolist(), mature.tolist(), list(zones), list(sites))
        book.flows[F_RSA_ENTRIES] += float(rsa)
    else:
        ids = _open_entrants(book, p, streams, rng, t, k, first, zones, sites)
    if p.n_zones == 1:
        book.first_zone_entries[t] += k
    else:
        _count_into(book.by_zone["entries"], t, zones)
    if p.n_sites == 1:
        book.first_site_entries[t] += k
    else:
        _count_into(book.by_site["entries"], t, sites)
    book.parcours.enter_all(ids.start, ids.stop)


def _open_entrants(
    book: Book, p: ModelParams, streams: _Draws, rng: Any, t: int, k: int, first: list[int], zones: Any, sites: Any
) -> range:
    """The entrants' draws made numbers and their activities opened (``_start_taken``'s numpy path; ``kernels.entrants``
    does the same)."""
    sector = p.sector_cumshares.searchsorted(rng.random(k), side="right")  # (np.searchsorted without its wrapper)
    mature = libm.exp(p.sector_log_median_cents_per_month[sector] + p.sector_sigma[sector] * rng.standard_normal(k))
    # Prior status: ARE with 1..are_max_months months left, RSA, or none (DOMAIN.md §2). A few
    # entrants a month: Python floats (the same doubles as numpy's) cost less than arrays.
    drawn = streams.status.take(2 * k).tolist()  # (what ``random((2, k))`` gives, row after row)
    u_status, u_months = drawn[:k], drawn[k:]
    are_share = p.are_share
    status: list[int] = []
    are_end: list[float] = []
    for u, w in zip(u_status, u_months, strict=True):
        if u < are_share:
            # Given ARE, u / are_share is uniform on [0, 1): it draws the age band, whose longest
            # entitlement is dated data (cae_rules_fr.yaml), without a new draw.
            v = u / max(are_share, 1e-300)
            if v < p.are_aged_older_share:
                are_max = p.are_max_months_older
            elif v < p.are_aged_older_share + p.are_aged_between_share:
                are_max = p.are_max_months_between
            else:
                are_max = p.are_max_months
            status.append(1)
            are_end.append(float(t + 1 + math.floor(w * are_max)))
        else:
            status.append(2 if u < are_share + p.rsa_share else 0)
            are_end.append(-1.0)
    ids = book.add_entrants(t, first, sector, mature, status, are_end, zones, sites)
    book.flows[F_RSA_ENTRIES] += float(status.count(2))
    return ids


def _count_into(series: npt.NDArray[np.float64], t: int, values: Any) -> None:
    """Add one to ``series[v, t]`` for each ``v`` of ``values`` (a few a month: cheaper than a bincount)."""
    for v in values:
        series[v, t] += 1


def _accounting(book: Book, p: ModelParams, streams: _Draws, t: int, c: _Constants) -> None:
    """One month of every active activity's accounts, then of the cooperative's (``c``: ``_constants(p)``)."""
    flows = book.flows
    m = book.m
    slots = book.slots
    col = t % slots
    a = book.a[:, :m]
    pending = book.pending
    cs = book.cs  # (compiled: a typed view of it, its numbers read and written as C doubles)
    rates = p.payroll_by_band[int(cs[CS_SIZE_BAND])][t]  # book.rates(t)
    calendar = p.calendar_month.item(t)
    contributions = capital_in = 0.0
    started = None  # (status, out) of the pay's first steps, when done with the activities' month
    if m:
        # Lognormal noise of mean 1 on the turnover invoiced, exp(z x volatility - half variance) by activity:
        # the kernel takes it from the draws z, the numpy code below by the same operations (the C library's exp).
        noise = streams.volatility.take(m)  # (the stream's standard_normal(m), drawn ahead: may be written over)
        if kernels.ENABLED:
            invoiced = _empty(m)
            salaried = _empty(m, dtype=_BOOL)
            sums = _zeros(7)
            activity = (
                book.a, m, t, calendar == 1, noise, pending, book.lag, col, c.on_turnover, p.bracket_thresholds_cents,
                p.bracket_rates, c.contribution_minimum, c.cape_fee, c.smoothing, p.sector_vat_exempt_share, invoiced, salaried, sums,
            )  # fmt: skip
            if calendar != p.settlement_month:  # with the pay's first steps (_cesa_pay_compiled), in one call
                tables, buckets = _book_tables(book, rates)
                out = _empty((OUT_ROWS, m))
                pay = (tables.cost, buckets, tables.relief, tables.kernel_constants, p.salary_payout_rate, c.treasury_floor, c.advance_cap, out)
                status = _K.activity_pay_month(activity, pay)
                started = None if status == -2 else (status, out)
            else:
                _K.activity_month(*activity)
            contributions, turnover, turnover_salaried, received_total, purchases_total, n_salaried, exempt_turnover = sums.tolist()
        else:
            noise *= a[ROW_MONTHLY_VOLATILITY]  # (a product is the same either way round)
            noise -= a[ROW_HALF_VARIANCE]
            libm.exp(noise, out=noise)
            invoiced, salaried, contributions, turnover, turnover_salaried, received_total, purchases_total = _activity_accounts(
                book, p, a, noise, calendar, t
            )
            exempt_share = p.sector_vat_exempt_share[a[ROW_SECTOR].astype(np.intp)]
            # Added in the activities' order (np.cumsum), as the kernel adds them: a BLAS dot's order
            # depends on the processor (OpenBLAS' kernel for it).
            exempt_turnover = float(np.cumsum(invoiced * exempt_share)[-1])
            n_salaried = salaried.any()
        # The year's turnover and VAT-exempt turnover (the taxe sur les salaires' ratio of the charges below).
        if calendar == 1:
            cs[CS_TURNOVER_YEAR] = cs[CS_EXEMPT_TURNOVER_YEAR] = 0.0
        cs[CS_TURNOVER_YEAR] += turnover  # whole cents: the sum of ``invoiced`` in any order
        cs[CS_EXEMPT_TURNOVER_YEAR] += exempt_turnover
        treasury = a[ROW_TREASURY_CENTS]
        gross_total = cost_total = 0.0
        gross = None
        charged = False
        if n_salaried:
            # The charges follow the pay in its kernel when no CAPE pay comes between.
            charges = _charges_args(book, p, rates, t, c) if kernels.ENABLED and p.cape_remuneration_cents <= 0 else None
            gross, gross_total, cost_total, capital_in, charged = _cesa_pay(book, p, a, salaried, treasury, rates, calendar, t, c, charges, started)
        if p.cape_remuneration_cents > 0:
            cape_gross, cape_cost = _cape_pay(book, p, a, treasury, rates, t)
            gross_total += cape_gross
            cost_total += cape_cost
        if not charged:
            _activity_charges(book, p, a, salaried, gross, invoiced, rates, t, c)
        flows[F_TURNOVER_CENTS] += turnover
        flows[F_TURNOVER_SALARIED_CENTS] += turnover_salaried
        flows[F_CASH_RECEIVED_CENTS] += received_total
        flows[F_PURCHASES_CENTS] += purchases_total
        flows[F_GROSS_SALARIES_CENTS] += gross_total
        flows[F_EMPLOYER_CONTRIBUTIONS_CENTS] += cost_total - gross_total
    if not (kernels.ENABLED and p.n_sites == 1 and _coop_month(book, p, rates, calendar, t, contributions, capital_in, c)):
        _coop_month_python(book, p, rates, calendar, t, contributions, capital_in, c)


def _coop_month_python(
    book: Book, p: ModelParams, rates: Any, calendar: int, t: int, contributions: float, capital_in: float, c: _Constants
) -> None:
    """The end of ``_accounting``: the cooperative's own month (``_coop_month`` does the same by a kernel)."""
    flows = book.flows
    # Receivables of closed activities, collected by the cooperative.
    col = t % book.slots
    collected = float(book.coop_pending[col])
    book.coop_pending[col] = 0.0
    flows[F_CASH_RECEIVED_CENTS] += collected
    flows[F_COLLECTED_FOR_EXITED_CENTS] += collected
    flows[F_CONTRIBUTIONS_CENTS] += contributions
    flows[F_CAPITAL_PAID_IN_CENTS] += capital_in
    book.capital_cents += capital_in
    # The cooperative's own costs.
    active = book.n_active
    _staffing(book, p, t, active)
    staff, costs = _structure_costs(book, p, rates, calendar, t, contributions, c)
    _headcount_band(book, p, calendar)
    flows[F_STAFF_COSTS_CENTS] += staff
    flows[F_COOP_COSTS_CENTS] += costs
    book.year_result_cents += contributions - costs
    book.year_contributions_cents += contributions
    book.coop_ledger_cents += contributions + collected + capital_in - costs


def _coop_month(
    book: Book, p: ModelParams, rates: Any, calendar: int, t: int, contributions: float, capital_in: float, c: _Constants
) -> bool:
    """The end of ``_accounting`` (the cooperative's own month: the receivables collected, the capital paid in,
    ``_staffing``, ``_structure_costs``, ``_headcount_band``, the year's result and the ledger) by
    ``kernels.coop_month``, the same numbers, for one site. False, having changed nothing, when it hands the
    month back (the caller runs the Python code)."""
    cs = book.cs
    per_fte = _one_fte(book, p, rates, t)
    count = book.stage_count
    payslips = count[CESA] + count[ASSOCIE]
    flows = book.flows
    out = book.coop_out
    if not _K.coop_month(
        t, calendar, book.m, cs, count[CAPE] + payslips, payslips, book.coop_pending, t % book.slots, contributions, capital_in,
        flows[F_TURNOVER_CENTS], p.site_opening, p.site_fte_at_opening, book.site_hire_month, book.site_staff, book.funding_due,
        book.advance_left, per_fte[0], per_fte[1], p.rent_cents_by_month.item(t), c.coop, c.dues_table, book.dues_year_cents, out,
    ):  # fmt: skip
        return False
    collected, staff, costs = out.tolist()
    flows[F_CASH_RECEIVED_CENTS] += collected
    flows[F_COLLECTED_FOR_EXITED_CENTS] += collected
    flows[F_CONTRIBUTIONS_CENTS] += contributions
    flows[F_CAPITAL_PAID_IN_CENTS] += capital_in
    flows[F_STAFF_COSTS_CENTS] += staff
    flows[F_COOP_COSTS_CENTS] += costs
    if calendar == 12:
        _size_band_of_year(book, p)
    return True


def _activity_accounts(
    book: Book, p: ModelParams, a: npt.NDArray[np.float64], noise: npt.NDArray[np.float64], calendar: int, t: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], float, float, float, float, float]:
    """Every active activity's month before pay (the numpy path; ``kernels.activity_month`` does the same).

    Turnover invoiced (mature level x linear ramp-up x ``noise``), margin and purchases, the
    contribution, client payments due and received, the recent margin and the treasury.
    Returns the turnover invoiced and who is salaried by activity, and the month's totals:
    contributions, turnover, turnover of salaried activities, cash received, purchases.
    """
    m = book.m
    slots = book.slots
    col = t % slots
    pending = book.pending
    ramp = a[ROW_RAMPUP_SLOPE_PER_MONTH] * (t - 1 - a[ROW_ENTRY_MONTH])
    ramp += a[ROW_RAMPUP_START_SHARE]
    np.minimum(ramp, 1.0, out=ramp)
    invoiced = np.rint(a[ROW_MATURE_TURNOVER_CENTS] * ramp * noise)
    margin = np.rint(invoiced * a[ROW_GROSS_MARGIN_RATE])
    # Assumption: purchases are paid, and the contribution charged, in the month invoiced.
    purchases = invoiced - margin
    salaried = a[ROW_STAGE] >= CESA
    # Contribution: the activity's rate (stage and sector), degressive brackets on the
    # calendar year's base, a monthly minimum under a CESA.
    base = invoiced if p.contribution_base == "turnover" else margin
    if calendar == 1:
        a[ROW_CONTRIBUTION_BASE_YTD_CENTS] = 0.0
    contrib = bracket_contribution_cents(a[ROW_CONTRIBUTION_BASE_YTD_CENTS], base, a[ROW_CONTRIBUTION_RATE], p.bracket_thresholds_cents, p.bracket_rates)
    a[ROW_CONTRIBUTION_BASE_YTD_CENTS] += base
    if p.contribution_minimum_cents > 0:
        contrib = np.where(salaried, np.maximum(contrib, p.contribution_minimum_cents), contrib)
    if p.cape_fee_cents > 0:  # a flat monthly fee under a CAPE
        contrib = contrib + np.where(a[ROW_STAGE] == CAPE, float(p.cape_fee_cents), 0.0)
    # Client payments: a share after `lag` months, the rest one month later.
    on_time = np.rint(invoiced * a[ROW_ON_TIME_SHARE])
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
    recent_margin = a[ROW_RECENT_NET_MARGIN_CENTS]
    recent_margin += (net_margin - recent_margin) / p.margin_smoothing_months
    treasury = a[ROW_TREASURY_CENTS]
    treasury += received - purchases - contrib
    return invoiced, salaried, float(contrib.sum()), float(invoiced.sum()), float(invoiced @ salaried), float(received.sum()), float(purchases.sum())


def _cesa_pay(
    book: Book,
    p: ModelParams,
    a: npt.NDArray[np.float64],
    salaried: npt.NDArray[np.bool_],
    treasury: npt.NDArray[np.float64],
    rates: Any,
    calendar: int,
    t: int,
    c: Any = None,
    charges: tuple[Any, ...] | None = None,
    started: tuple[int, npt.NDArray[np.float64]] | None = None,
) -> tuple[npt.NDArray[np.float64], float, float, float, bool]:
    """Pay every CESA holder this month (``simcoop.economics.cesa``); returns gross pay by activity, its sum, employer cost, capital
    withheld, and whether the month's charges (``_activity_charges``, whose kernel arguments ``charges`` are, when given) were
    debited too, by the pay's kernel. ``started``: what ``kernels.activity_pay_month`` answered and wrote, when it has
    taken the kernels' first steps already (``_cesa_pay_compiled``).

    The fixed part is owed whatever the month brings (the cooperative advances it below the
    floor, within the cap), plus advances on the variable part from the treasury above the
    floor; in the settlement month the variable part is settled and the fixed part reset on
    the recent margin. ``treasury`` (a view of the activity table) is debited in place.
    """
    flows = book.flows
    if kernels.ENABLED and not (calendar == p.settlement_month and p.settlement_instalments == 1):
        paid = _cesa_pay_compiled(book, p, a, salaried, rates, calendar, t, _constants(p) if c is None else c, charges, started)
        if paid is not None:
            return paid
    tables = payroll_tables(rates)  # whole-cent tables: the same numbers as the payroll functions
    recent_margin = a[ROW_RECENT_NET_MARGIN_CENTS]
    fixed_cost = tables.employer_cost(a[ROW_FIXED_GROSS_CENTS])
    owed = a[ROW_SETTLEMENT_OWED_CENTS]  # set aside for the settlement's instalments, not available for pay
    budget = pay_budget_cents(recent_margin, treasury - owed, fixed_cost, p.salary_payout_rate, p.treasury_floor_cents, p.advance_cap_cents)
    if calendar == p.settlement_month:
        _settlement(p, a, salaried, budget, fixed_cost, rates)
    instalment = np.minimum(a[ROW_SETTLEMENT_INSTALMENT_CENTS], owed) * salaried
    owed -= instalment
    budget += instalment
    budget *= salaried
    settlement_gross = None
    if instalment.any():
        # One search for the budgets with and without the instalment (each element's answer is its own).
        n = len(budget)
        both, both_index = tables.gross_and_index(np.concatenate((budget, budget - instalment)))
        gross, index = both[:n], None if both_index is None else both_index[:n]
        if index is None:
            index = tables.index(gross)
        settlement_gross = (gross - both[n:]) * salaried
    else:
        gross, index = tables.gross_and_index(budget)
    cost, provisional = tables.cost_and_relief(gross, index)
    if index is None:
        employee, csg_crds = employee_contributions_cents(gross, rates), csg_crds_cents(gross, rates)
    else:
        employee, csg_crds = tables.employee[index], tables.csg_crds[index]
    # Paid at once, the settlement is a rappel attached to last year's relief; in instalments it is this year's pay.
    attached = settlement_gross if p.settlement_instalments == 1 else None
    cost = cost - _relief_regularisation(a, salaried, gross, attached, rates, calendar, provisional)
    treasury -= cost
    cost_total = float(cost.sum())
    if settlement_gross is not None:
        flows[F_SETTLEMENT_PAY_CENTS] += float(settlement_gross.sum())
    flows[F_EMPLOYEE_CONTRIBUTIONS_CENTS] += float(employee.sum())
    flows[F_CSG_CRDS_CENTS] += float(csg_crds.sum())  # part of the line above, shown apart
    flows[F_JOBS_FTE] += float(hour_equivalents(gross, rates).sum()) / rates.full_time_hours_per_month
    # ARE not paid: a salary reduces the benefit (cumul rule), so a month counts as
    # min(1, rate x gross / average ARE); the entitlement not used is kept for later
    # (droits rechargeables).
    _rsa_not_paid(book, p, a, salaried, gross - employee)
    on_are = salaried & (a[ROW_ARE_END_MONTH] > t)
    if on_are.any():
        saved = are_months_saved(gross, p.are_average_cents, p.are_cumul_reduction_rate) * on_are
        a[ROW_ARE_END_MONTH] += saved
        flows[F_ARE_MONTHS_SAVED] += float(saved.sum())
    # Capital shares of new associés: instalments withheld from net pay.
    capital_in = 0.0
    owing = a[ROW_CAPITAL_DUE_CENTS] > 0
    if owing.any():
        withheld = np.minimum(np.minimum(a[ROW_CAPITAL_DUE_CENTS], p.capital_instalment_cents), gross - employee)
        np.maximum(withheld, 0.0, out=withheld)
        withheld *= owing
        a[ROW_CAPITAL_DUE_CENTS] -= withheld
        a[ROW_CAPITAL_PAID_CENTS] += withheld
        capital_in = float(withheld.sum())
    return gross, float(_add(gross)), cost_total, capital_in, False


def _settlement(
    p: ModelParams, a: npt.NDArray[np.float64], salaried: npt.NDArray[np.bool_], budget: npt.NDArray[np.float64], fixed_cost: npt.NDArray[np.float64], rates: Any
) -> None:
    """The settlement month: the variable part's settlement added to what is owed, its instalment, the fixed part reset."""
    owed = a[ROW_SETTLEMENT_OWED_CENTS]
    above_floor = a[ROW_TREASURY_CENTS] - owed - p.treasury_floor_cents
    bonus = settlement_bonus_cents(above_floor, budget, fixed_cost, p.settlement_reserve_months, p.settlement_payout_share)
    owed += bonus * salaried
    a[ROW_SETTLEMENT_INSTALMENT_CENTS] = np.ceil(owed / p.settlement_instalments)
    new_fixed = _fixed_gross(a[ROW_RECENT_NET_MARGIN_CENTS], p, rates)
    a[ROW_FIXED_GROSS_CENTS] = np.where(salaried, new_fixed, a[ROW_FIXED_GROSS_CENTS])


def _cesa_pay_compiled(
    book: Book,
    p: ModelParams,
    a: npt.NDArray[np.float64],
    salaried: npt.NDArray[np.bool_],
    rates: Any,
    calendar: int,
    t: int,
    c: Any,
    charges: tuple[Any, ...] | None = None,
    started: tuple[int, npt.NDArray[np.float64]] | None = None,
) -> tuple[npt.NDArray[np.float64], float, float, float, bool] | None:
    """``_cesa_pay`` by the compiled kernels (``simcoop.model.kernels``): the same numbers, step for step (with
    the month's charges after the pay when ``charges`` are given: ``kernels.cesa_pay_settle_charged``).

    None, having changed nothing, when some fixed part is beyond the payroll tables where the relief is not 0
    there (the numpy code then runs). ``started``: ``kernels.cesa_pay_month``'s answer and its ``out``, when
    ``kernels.activity_pay_month`` has called it already.
    """
    m = book.m
    tables, buckets = _book_tables(book, rates)
    if started is not None:
        status, out = started
        if status < 0:
            return None
    elif calendar != p.settlement_month:  # budgets, instalments and (mostly) the gross in one call
        out = _empty((OUT_ROWS, m))
        status = _K.cesa_pay_month(
            book.a, m, salaried, tables.cost, buckets, tables.relief, tables.kernel_constants, p.salary_payout_rate,
            c.treasury_floor, c.advance_cap, calendar == 1, out,
        )  # fmt: skip
        if status < 0:
            return None
    else:
        out = _empty((OUT_ROWS, m))
        if not _K.cesa_pay_budgets(
            book.a, m, salaried, tables.cost, tables.kernel_constants, p.salary_payout_rate, c.treasury_floor, c.advance_cap, out
        ):  # fmt: skip
            return None
        if not _K.cesa_settlement(
            book.a, m, salaried, tables.cost, buckets, tables.kernel_constants, c.treasury_floor, float(p.settlement_reserve_months),
            float(p.settlement_payout_share), float(p.settlement_instalments), float(p.fixed_pay_share), float(p.min_gross_cents), out,
        ):  # fmt: skip
            _settlement(p, a, salaried, out[O_BUDGET], out[O_COST], rates)
        status = _K.cesa_pay_instalments(book.a, m, salaried, tables.cost, tables.kernel_constants, out)
    if status & 2:  # budgets beyond the cost table: the gross by the rules (each element's answer is its own)
        budget = out[O_BUDGET]
        far = np.flatnonzero(out[O_FAR])
        if far.size:
            gross = gross_for_employer_budget_cents(budget[far], rates)
            index = tables.index(gross)
            out[O_GROSS, far] = gross
            out[O_COST, far], out[O_RELIEF, far] = tables.cost_and_relief(gross, index)
            if index is None:
                out[O_EMPLOYEE, far], out[O_CSG, far] = employee_contributions_cents(gross, rates), csg_crds_cents(gross, rates)
            else:
                out[O_EMPLOYEE, far], out[O_CSG, far] = tables.employee[index], tables.csg_crds[index]
        far = np.flatnonzero(out[O_FAR_WITHOUT])
        if far.size:
            out[O_GROSS_WITHOUT, far] = gross_for_employer_budget_cents(budget[far] - out[O_INSTALMENT, far], rates)
    if not status & 4:
        _K.cesa_pay_gross(
            book.a, m, salaried, tables.cost, buckets, tables.relief, tables.kernel_constants, calendar == 1, bool(status & 1), out
        )  # fmt: skip
    sums = _empty(12 if c.pairwise else 10)
    flows = book.flows
    settle = (  # (the relief taper's power: the kernel's, the C library's pow, as the payroll tables')
        book.a, m, salaried, book.prior_status, out, tables.kernel_constants, t, c.are_average, c.are_cumul_reduction, c.rsa,
        c.capital_instalment, sums,
    )  # fmt: skip
    if charges is None:
        _K.cesa_pay_settle(*settle)
    else:
        flows[F_ACTIVITY_CHARGES_CENTS] += _K.cesa_pay_settle_charged(settle, *charges)
    cost_total, employee, csg_crds, settlement, rsa, capital, any_are, any_rsa, any_owing, gross_total, *added = sums.tolist()
    if status & 1:
        flows[F_SETTLEMENT_PAY_CENTS] += settlement
    flows[F_EMPLOYEE_CONTRIBUTIONS_CENTS] += employee
    flows[F_CSG_CRDS_CENTS] += csg_crds
    hours, are_saved = added if added else (_NAN, _NAN)  # (NaN: numpy adds them)
    flows[F_JOBS_FTE] += (hours if hours == hours else float(_add(out[O_HOURS]))) / rates.full_time_hours_per_month
    if any_rsa:
        flows[F_RSA_SAVED_CENTS] += rsa
    if any_are:
        flows[F_ARE_MONTHS_SAVED] += are_saved if are_saved == are_saved else float(_add(out[O_ARE_SAVED]))
    gross = out[O_GROSS]
    if gross_total != gross_total:  # some gross not a whole cent within range: numpy's sum
        gross_total = float(_add(gross))
    return gross, gross_total, cost_total, capital if any_owing else 0.0, charges is not None


class _Constants(NamedTuple):
    """What the month's kernels read of a ``ModelParams``, in the Python numbers they take (``_constants``)."""

    on_turnover: bool
    contribution_minimum: float
    cape_fee: float
    smoothing: float
    treasury_floor: float
    advance_cap: float
    are_average: float
    are_cumul_reduction: float
    rsa: float
    capital_instalment: float
    per_head: float  # per_head_cost_per_month of the rules' health cover and occupational health
    dues: list[tuple[float, bool, float]]  # _dues(p)
    financing: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None  # _financing_tables(p.financing)
    conventions: npt.NDArray[np.float64] | None  # _convention_table(p.conventions), None without conventions
    coop: npt.NDArray[np.float64]  # kernels.coop_month's constants (kernels.P_*)
    dues_table: npt.NDArray[np.float64]  # the dues, one row each: rate, 1.0 when on turnover, floor
    pairwise: bool  # kernels.pairwise_is_numpys(): the CESA pay kernel adds the hours and ARE months saved


_CONSTANTS: dict[int, tuple[ModelParams, _Constants]] = {}


def _constants(p: ModelParams) -> _Constants:
    """The month's kernels' arguments that depend on ``p`` only, converted once per ``p``."""
    return by_identity(_CONSTANTS, p, _constants_of, limit=8)


def _constants_of(p: ModelParams) -> _Constants:
    per_head = per_head_cost_per_month(p.mutuelle_cents_per_month, p.occupational_health_cents_per_year)
    dues = _dues(p)
    return _Constants(
        p.contribution_base == "turnover", float(p.contribution_minimum_cents), float(p.cape_fee_cents), float(p.margin_smoothing_months),
        float(p.treasury_floor_cents), float(p.advance_cap_cents), float(p.are_average_cents), float(p.are_cumul_reduction_rate),
        float(p.rsa_cents), float(p.capital_instalment_cents), per_head, dues,
        _financing_tables(p.financing), _convention_table(p.conventions) if p.conventions else None, _coop_constants(p, per_head),
        np.array([(rate, 1.0 if on_turnover else 0.0, floor) for rate, on_turnover, floor in dues], dtype=np.float64).reshape(-1, 3),
        kernels.pairwise_is_numpys(),
    )  # fmt: skip


def _coop_constants(p: ModelParams, per_head: float) -> npt.NDArray[np.float64]:
    """``kernels.coop_month``'s constants of ``p`` (``kernels.P_*``), as the Python code reads them (exact doubles);
    ``per_head``: ``_Constants.per_head``."""
    values = [0.0] * kernels.P_COLUMNS
    values[kernels.P_HIRE_ABOVE] = float(p.hire_above_caseload)
    values[kernels.P_HIRING_STEP] = float(p.hiring_step_fte)
    values[kernels.P_RECRUITMENT_DELAY] = float(p.recruitment_delay_months)
    values[kernels.P_FREEZE_MONTHS] = float(p.hiring_freeze_months)
    values[kernels.P_SUPPORT_RATIO] = float(p.support_ratio)
    values[kernels.P_SUPPORT_PER_100] = float(p.support_fte_per_100_entrepreneurs)
    values[kernels.P_SUPPORT_AT_OPENING] = float(p.support_fte_at_opening)
    values[kernels.P_PER_HEAD] = per_head
    values[kernels.P_OVERHEADS] = float(p.overheads_cents_per_month)
    values[kernels.P_PER_ENTREPRENEUR] = float(p.per_entrepreneur_cents_per_month)
    values[kernels.P_OVERHEADS_PER_FTE] = float(p.overheads_cents_per_fte_month)
    values[kernels.P_OUTSOURCING] = float(p.payroll_outsourcing_cents_per_payslip)
    values[kernels.P_AUDIT_AND_LEGAL] = float(p.audit_cents_per_year + p.legal_cents_per_year)
    values[kernels.P_SETUP] = float(p.setup_cents)
    return np.array(values, dtype=np.float64)


_TABLES: dict[int, tuple[Any, tuple[Any, npt.NDArray[np.int64]]]] = {}


def _tables(rates: Any) -> tuple[Any, npt.NDArray[np.int64]]:
    """``payroll_tables(rates)`` and its cost table's ``kernels.bucket_index``, in one look-up by identity."""
    return by_identity(_TABLES, rates, _tables_of)


def _book_tables(book: Book, rates: Any) -> tuple[Any, npt.NDArray[np.int64]]:
    """``_tables(rates)``, from the book's last look-up when the rules are the same object (most months)."""
    hit = book.tables_hit
    if hit[0] is rates:
        return hit[1]  # type: ignore[no-any-return]
    found = _tables(rates)
    book.tables_hit = (rates, found)
    return found


def _tables_of(rates: Any) -> tuple[Any, npt.NDArray[np.int64]]:
    tables = payroll_tables(rates)
    return tables, kernels.bucket_index(tables.cost)


def _cape_pay(book: Book, p: ModelParams, a: npt.NDArray[np.float64], treasury: npt.NDArray[np.float64], rates: Any, t: int) -> tuple[float, float]:
    """The optional remuneration of CAPE holders, out of their activity's treasury (never advanced).

    Each CAPE activity pays ``cape_remuneration_cents`` of gross when its treasury has the
    employer cost, else the gross its treasury can carry; the ARE is reduced like a salary
    and the RSA by the net. Returns the gross and the employer cost paid (whole cents).
    """
    cape = a[ROW_STAGE] == CAPE
    full_cost = float(employer_cost_cents(np.array([float(p.cape_remuneration_cents)]), rates)[0])
    budget = np.where(cape, np.clip(treasury, 0.0, full_cost), 0.0)
    gross = gross_for_employer_budget_cents(budget, rates)
    cost = employer_cost_cents(gross, rates)
    treasury -= cost
    employee = employee_contributions_cents(gross, rates)
    flows = book.flows
    flows[F_CAPE_PAY_CENTS] += float(gross.sum())
    flows[F_EMPLOYEE_CONTRIBUTIONS_CENTS] += float(employee.sum())
    flows[F_CSG_CRDS_CENTS] += float(csg_crds_cents(gross, rates).sum())
    _rsa_not_paid(book, p, a, cape, gross - employee)
    on_are = cape & (a[ROW_ARE_END_MONTH] > t)
    if on_are.any():
        saved = are_months_saved(gross, p.are_average_cents, p.are_cumul_reduction_rate) * on_are
        a[ROW_ARE_END_MONTH] += saved
        flows[F_ARE_MONTHS_SAVED] += float(saved.sum())
    return float(gross.sum()), float(cost.sum())


def _rsa_not_paid(book: Book, p: ModelParams, a: npt.NDArray[np.float64], paid: npt.NDArray[np.bool_], net: npt.NDArray[np.float64]) -> None:
    """Count the RSA that the net pay of RSA recipients replaces (a differential allowance, CASF L262-2)."""
    on_rsa = paid & (book.prior_status[a[ROW_PERSON_ID].astype(np.intp)] == 2)
    if on_rsa.any():
        book.flows[F_RSA_SAVED_CENTS] += float(rsa_not_paid_cents(net[on_rsa], p.rsa_cents).sum())


def _relief_regularisation(
    a: npt.NDArray[np.float64],
    salaried: npt.NDArray[np.bool_],
    gross: npt.NDArray[np.float64],
    settlement_gross: npt.NDArray[np.float64] | None,
    rates: Any,
    calendar: int,
    provisional: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """This month's correction of the provisional réduction générale, whole cents (CSS L241-13, D241-7).

    The monthly relief inside the employer cost is provisional; the relief due is the
    annual one (``annual_reduction_generale_cents``): each month adds the difference
    between what is due on the pay since January, against the SMIC of the months paid,
    and what was granted (progressive regularisation). A settlement of the variable part
    paid at once (``settlement_gross``, only with ``settlement_instalments == 1``) is pay
    for the previous year's activity: its relief is the previous year's relief recomputed
    with it (rappel de salaire attached to its period), not this month's; instalments are
    this year's pay.
    ``provisional`` is the monthly relief inside this month's employer cost
    (``reduction_generale_cents`` of ``gross``). Positive: more relief, a lower cost.
    """
    if calendar == 1:
        a[ROW_PREVIOUS_YEAR_GROSS_CENTS] = a[ROW_GROSS_YTD_CENTS]
        a[ROW_PREVIOUS_YEAR_MONTHS] = a[ROW_PAID_MONTHS_YTD]
        a[ROW_GROSS_YTD_CENTS] = 0.0
        a[ROW_RELIEF_YTD_CENTS] = 0.0
        a[ROW_PAID_MONTHS_YTD] = 0.0
    attached = np.zeros_like(gross)
    if settlement_gross is not None:
        # Attached to last year when there was pay last year; else it is this year's pay.
        months = a[ROW_PREVIOUS_YEAR_MONTHS]
        attached = np.where(months > 0, settlement_gross, 0.0)
        previous = a[ROW_PREVIOUS_YEAR_GROSS_CENTS]
        recomputed = annual_reduction_generale_cents(previous + attached, months, rates)
        already = annual_reduction_generale_cents(previous, months, rates)
        a[ROW_PREVIOUS_YEAR_GROSS_CENTS] += attached
    a[ROW_GROSS_YTD_CENTS] += gross - attached
    a[ROW_PAID_MONTHS_YTD] += salaried
    correction, due = progressive_relief_correction_cents(a[ROW_GROSS_YTD_CENTS], a[ROW_PAID_MONTHS_YTD], a[ROW_RELIEF_YTD_CENTS], provisional, rates)
    a[ROW_RELIEF_YTD_CENTS] = np.where(salaried, due, a[ROW_RELIEF_YTD_CENTS])
    if settlement_gross is not None:
        correction += np.where(attached > 0, recomputed - already, 0.0)
    return np.where(salaried, correction, 0.0)


def _activity_charges(
    book: Book,
    p: ModelParams,
    a: npt.NDArray[np.float64],
    salaried: npt.NDArray[np.bool_],
    gross: npt.NDArray[np.float64] | None,
    invoiced: npt.NDArray[np.float64],
    rates: Any,
    t: int,
    c: Any = None,
) -> None:
    """What each activity bears besides pay and purchases (``simcoop.economics.employment``).

    Every activity: its sector's insurance (décennale for building trades). Each CESA
    holder's activity: the employer share of the health cover and the occupational health
    fee, the sector's AT/MP rate above the payroll table's office rate, the versement
    mobilité once the employer size band is 11 or more, and the taxe sur les salaires in
    proportion to the cooperative's VAT-exempt turnover (``book.taxe_salaires_ratio``: the
    caller has added this month's turnover and VAT-exempt turnover to the year's).
    """
    if kernels.ENABLED:
        total = _K.activity_charges(
            book.a, book.m, salaried, invoiced if gross is None else gross, gross is not None, *_charges_args(book, p, rates, t, c)
        )  # fmt: skip
        book.flows[F_ACTIVITY_CHARGES_CENTS] += total
        return
    vm = _versement_mobilite(book, p)
    sector = a[ROW_SECTOR].astype(np.intp)
    charges = p.sector_insurance_cents_per_month[sector].copy()
    if gross is not None:
        charges += per_head_costs_cents(salaried.astype(np.float64), p.mutuelle_cents_per_month, p.occupational_health_cents_per_year)
        at_mp = p.sector_at_mp_rate[sector]
        charges += np.rint(gross * np.where(np.isnan(at_mp), 0.0, at_mp - rates.employer_at_mp_rate))
        charges += payroll_taxes_cents(gross, vm, book.taxe_salaires_ratio(), p.taxe_salaires_thresholds_by_month[t], p.taxe_salaires_rates)
    a[ROW_TREASURY_CENTS] -= charges
    book.flows[F_ACTIVITY_CHARGES_CENTS] += float(charges.sum())


def _charges_args(book: Book, p: ModelParams, rates: Any, t: int, c: Any = None) -> tuple[Any, ...]:
    """``kernels.activity_charges``' arguments after the activities' (the caller has added this month's turnover
    and VAT-exempt turnover to the year's: the taxe sur les salaires' ratio)."""
    vm = _versement_mobilite(book, p)
    thresholds = p.taxe_salaires_thresholds_by_month[t]
    hit = book.brackets_hit  # (the same thresholds most months: equal tuples, compared without hashing)
    if hit[0] == thresholds:
        bounds, taxe_rates = hit[1]
    else:
        bounds, taxe_rates = _taxe_brackets(thresholds, p.taxe_salaires_rates)
        book.brackets_hit = (thresholds, (bounds, taxe_rates))
    per_head = (_constants(p) if c is None else c).per_head
    return (
        p.sector_insurance_cents_per_month, p.sector_at_mp_rate, rates.employer_at_mp_rate, per_head, vm, book.taxe_salaires_ratio(), bounds,
        taxe_rates,
    )  # fmt: skip


@functools.lru_cache(maxsize=64)
def _taxe_brackets(
    thresholds_eur_per_year: tuple[float, ...], rates: tuple[float, ...]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """``taxe_salaires_brackets``, built once per set of brackets (read-only arrays: shared safely)."""
    return taxe_salaires_brackets(thresholds_eur_per_year, rates)


@functools.lru_cache(maxsize=64)
def _taxe_bracket_lists(thresholds_eur_per_year: tuple[float, ...], rates: tuple[float, ...]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """``_taxe_brackets`` as Python floats (the same doubles), for ``_fte_costs``' loop: converted once per set of brackets."""
    bounds, marginal = _taxe_brackets(thresholds_eur_per_year, rates)
    return tuple(bounds.tolist()), tuple(marginal.tolist())


def _structure_costs(book: Book, p: ModelParams, rates: Any, calendar: int, t: int, contributions: float, c: Any = None) -> tuple[float, float]:
    """The cooperative's own costs this month: (staff costs, all costs), whole cents.

    Staff: employer cost of each FTE, their health cover and occupational health, and the
    payroll taxes (versement mobilité, taxe sur les salaires). Structure: the sites' rent,
    fixed overheads and overheads per team FTE, software and insurance per entrepreneur,
    payroll outsourced per payslip, membership dues (topped up to their floor in December),
    the audit and legal costs at each closing, set-up costs in the opening month.
    """
    count = book.stage_count
    active = count[CAPE] + count[CESA] + count[ASSOCIE]
    staff_fte, support_fte = book.staff_fte, book.support_fte
    team = staff_fte + support_fte
    per_fte = _one_fte(book, p, rates, t)
    staff = float(round(staff_fte * per_fte[0] + support_fte * per_fte[1]))
    # per_head_costs_cents of the team in Python numbers (round: np.rint's answer on a float >= 0).
    if c is None:
        c = _constants(p)
    staff += float(round(team * c.per_head))
    costs = staff + p.rent_cents_by_month.item(t) + p.overheads_cents_per_month + p.per_entrepreneur_cents_per_month * active
    costs += float(round(p.overheads_cents_per_fte_month * team))
    costs += p.payroll_outsourcing_cents_per_payslip * (count[CESA] + count[ASSOCIE])
    dues = c.dues
    if dues:
        year = book.dues_year_cents
        if calendar == 1:
            year[:] = 0.0
        # Each due in Python numbers (two or three dues): np.rint, np.maximum and the sum's answers.
        turnover = book.flows[F_TURNOVER_CENTS]
        total = 0.0
        for j, (rate, on_turnover, floor) in enumerate(dues):
            due = _rint(rate * (turnover if on_turnover else contributions))
            if calendar == 12:
                top_up = floor - year.item(j)
                due = due if (due >= top_up or due != due) else top_up
            year[j] += due
            total += due
        costs += total
    if calendar == 12:
        costs += p.audit_cents_per_year + p.legal_cents_per_year
    if t == 0:
        costs += p.setup_cents
    return staff, costs


def _versement_mobilite(book: Book, p: ModelParams) -> float:
    """The versement mobilité rate the cooperative pays: from 11 employees (CGCT L2333-64), its size band 1 or more."""
    return p.versement_mobilite_rate if book.cs.item(CS_SIZE_BAND) >= 1 else 0.0


def _one_fte(book: Book, p: ModelParams, rates: Any, t: int) -> tuple[float, float]:
    """The employer cost and payroll taxes of one staff FTE and of one support FTE this month (``_fte_costs``).

    They change only with the rules, the band, the taxe ratio and its brackets: computed once per
    combination and kept in the book (the rules live in ``p`` as long as the run).
    """
    vm = _versement_mobilite(book, p)
    ratio = book.taxe_salaires_ratio()
    thresholds = p.taxe_salaires_thresholds_by_month[t]
    key = (id(rates), vm, ratio, thresholds)
    per_fte = book.fte_cost_cache.get(key)
    if per_fte is None:
        per_fte = book.fte_cost_cache[key] = _fte_costs(p, rates, vm, ratio, thresholds)
    return per_fte


_DUES: dict[int, tuple[Any, list[tuple[float, bool, float]]]] = {}


def _dues(p: ModelParams) -> list[tuple[float, bool, float]]:
    """The membership dues of ``p`` as (rate, on turnover, floor) in Python numbers, built once per ``p``."""
    hit = _DUES.get(id(p.dues_rate))
    if hit is not None and hit[0] is p.dues_rate:
        return hit[1]
    dues = list(zip(p.dues_rate.tolist(), p.dues_on_turnover.tolist(), p.dues_floor_cents.tolist(), strict=True))
    if len(_DUES) >= 8:
        _DUES.clear()
    _DUES[id(p.dues_rate)] = (p.dues_rate, dues)
    return dues


def _fte_costs(p: ModelParams, rates: Any, vm: float, ratio: float, thresholds: tuple[float, ...]) -> tuple[float, float]:
    """The employer cost and payroll taxes of one staff FTE and of one support FTE, whole cents.

    ``employer_cost_cents`` plus ``payroll_taxes_cents`` of the two salaries; the taxes in Python
    numbers (the same operations in the same order) when the salaries, the versement mobilité
    rate and the taxe ratio are finite, else by ``payroll_taxes_cents`` itself.
    """
    one_fte = _employer_costs(rates, p.staff_gross_cents, p.support_gross_cents)
    if not all(map(math.isfinite, (p.staff_gross_cents, p.support_gross_cents, vm, ratio))):
        pay = np.array([p.staff_gross_cents, p.support_gross_cents])
        taxes = payroll_taxes_cents(pay, vm, ratio, thresholds, p.taxe_salaires_rates).tolist()
        return one_fte[0] + taxes[0], one_fte[1] + taxes[1]
    edges, taxe_rates = _taxe_bracket_lists(thresholds, p.taxe_salaires_rates)
    costs = []
    for cost, gross in zip(one_fte, (p.staff_gross_cents, p.support_gross_cents), strict=True):
        g = gross if gross >= 0.0 else 0.0  # np.maximum(gross, 0.0)
        taxe = 0.0
        if ratio > 0.0:  # taxe_salaires_cents: none when the ratio is <= 0
            for k, rate in enumerate(taxe_rates):
                above = g - edges[k]
                above = above if above >= 0.0 else 0.0
                width = edges[k + 1] - edges[k]
                taxe += rate * (above if above <= width else width)
            taxe *= ratio
            taxe = _rint(taxe) if math.isfinite(taxe) else float(np.rint(taxe))
        costs.append(cost + (_rint(g * vm) + taxe))
    return costs[0], costs[1]


_EMPLOYER_COSTS: dict[int, tuple[Any, dict[tuple[str, str], list[float]]]] = {}


def _employer_costs(rates: Any, staff_gross: float, support_gross: float) -> list[float]:
    """``employer_cost_cents`` of the two salaries, computed once per (rules, salaries): ``_fte_costs`` runs
    again whenever the taxe ratio changes (every month of the first year), the employer cost does not."""
    salaries = (float(staff_gross).hex(), float(support_gross).hex())  # the same bits (a -0.0 is not a 0.0)
    by_salaries = by_identity(_EMPLOYER_COSTS, rates, _no_salaries_yet)
    costs = by_salaries.get(salaries)
    if costs is None:
        costs = by_salaries[salaries] = employer_cost_cents(np.array([staff_gross, support_gross]), rates).tolist()
    return costs


def _no_salaries_yet(rates: Any) -> dict[tuple[str, str], list[float]]:
    return {}


def _headcount_band(book: Book, p: ModelParams, calendar: int) -> None:
    """Count this month's headcount; in December, set next year's employer size band (CSS L130-1)."""
    book.headcount_sum_year += book.stage_count[CESA] + book.stage_count[ASSOCIE] + book.staff_fte + book.support_fte
    book.headcount_months_year += 1
    if calendar == 12:
        _size_band_of_year(book, p)


def _size_band_of_year(book: Book, p: ModelParams) -> None:
    """December: next year's employer size band from the year's average headcount (CSS L130-1), last year's taxe ratio."""
    average = book.headcount_sum_year / book.headcount_months_year
    book.headcount_sum_year, book.headcount_months_year = 0.0, 0
    band_of_year = 0 if average < 11 else (1 if average < 50 else 2)
    for b, threshold in ((1, 11), (2, 50)):
        book.years_at_or_above[b] = book.years_at_or_above[b] + 1 if average >= threshold else 0
    if p.size_follows_headcount:
        book.size_band = smoothed_size_band(book.size_band, book.years_at_or_above, band_of_year, p.headcount_threshold_years)
    if book.turnover_year_cents > 0:
        book.taxe_salaires_ratio_last_year = book.exempt_turnover_year_cents / book.turnover_year_cents


def _staffing(book: Book, p: ModelParams, t: int, active: int) -> None:
    """Open sites with their team; hire ``hiring_step_fte`` at a site, after the delay, when its caseload is too high.

    No hiring while the cooperative's own treasury covers fewer than ``hiring_freeze_months``
    months of its costs. Support staff follow the whole team at their ratio, in steps of
    ``hiring_step_fte``; teams never shrink (an assumption: a CAE keeps its staff through a
    bad year).
    """
    del active
    # Per site, in Python numbers (a handful of sites: numpy's calls would cost more than the work).
    opening = p.site_opening.tolist()
    if t > 0 and t in opening:
        mask = p.site_opening == t
        book.site_staff[mask] += p.site_fte_at_opening[mask]
    hire = book.site_hire_month.tolist()
    if t in hire:
        arrived = book.site_hire_month == t
        book.site_staff[arrived] += p.hiring_step_fte
        book.site_hire_month[arrived] = -1
        hire = book.site_hire_month.tolist()
    m = book.m
    n_sites = p.n_sites
    staff = book.site_staff.tolist()
    above = p.hire_above_caseload
    if n_sites == 1:  # everyone at the one site
        crowded = [0] if hire[0] < 0 and opening[0] <= t and m > above * staff[0] else []
    else:
        site = book.a[ROW_SITE, :m].astype(np.int64)
        per_site = np.bincount(site, minlength=n_sites).tolist() if m else [0] * n_sites
        crowded = [s for s in range(n_sites) if hire[s] < 0 and opening[s] <= t and per_site[s] > above * staff[s]]
    if crowded and _cash_for_hiring(book, t) >= p.hiring_freeze_months * book.last_costs_cents:
        if p.recruitment_delay_months == 0:
            book.site_staff[crowded] += p.hiring_step_fte
            staff = book.site_staff.tolist()
        else:
            book.site_hire_month[crowded] = t + p.recruitment_delay_months
    # The sum of the sites' teams: numpy's (from 0.0, one term at a time below 8 terms) for one site.
    book.staff_fte = staff_fte = 0.0 + staff[0] if n_sites == 1 else float(_add(book.site_staff))
    step = p.hiring_step_fte
    count = book.stage_count
    needed = p.support_ratio * staff_fte + p.support_fte_per_100_entrepreneurs * (count[CAPE] + count[CESA] + count[ASSOCIE]) / 100.0
    book.support_fte = max(p.support_fte_at_opening, book.support_fte, math.ceil(needed / step) * step)


def _cash_for_hiring(book: Book, t: int) -> float:
    """What a director counts before hiring: the own treasury plus the public funding earned and not yet paid.

    A convention's receivable (the FSE+ pays a year late) is cash to come, which the bank
    already advances under a Dailly: counting only the treasury would freeze hiring
    through every payment lag. Advances received and not yet earned, and the Dailly
    outstanding (already in the treasury), are taken off.
    """
    receivable = float(_add(book.funding_due[:, t + 1 :], axis=None) - _add(book.advance_left)) - book.dailly_outstanding_cents
    return book.own_treasury_cents + max(receivable, 0.0)


def _decisions(book: Book, p: ModelParams, streams: _Draws, t: int) -> None:
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
    u_exit = streams.hazards.take(m)
    u_dest = streams.destinations.take(m)
    u_decide = streams.decisions.take(m)
    min_cost_now = float(p.min_salary_cost_by_month[t])
    p_up = p.associe_uptake_probability_per_month
    # Given u >= p_up, u is uniform on [p_up, 1): rescaled, it serves the deadline draw.
    p_late = p_up + p.associe_at_deadline_probability * (1.0 - p_up)
    hold_back = p.min_income_gain_share_on_are > 0.0
    if kernels.ENABLED:
        masks = book.masks  # (the kernels read and write the first m columns)
        out = book.outcomes
        cum, p_renew = p.destination_cumshares_by_stage, float(p.cape_renewal_probability)
        masks_of = (
            book.a, m, t, u_exit, u_decide, float(p.cape_exit_probability_after_are), float(p.trial_exit_probability), min_cost_now,
            float(p.after_are_min_salary_share), float(p.treasury_months_required), float(p_up), *book.mask_rows,
        )  # fmt: skip
        outcomes_of = (book.a, m, t, u_dest, u_decide, min_cost_now, p_renew, float(p_late), cum, masks)
        n = _K.decide(masks_of, (*outcomes_of, hold_back, book.prior_status, out))
        if n < 0:  # some conversion may be held back: the rule on those candidates, then the outcomes
            viable, term_over = book.mask_rows[2], book.mask_rows[3]
            tables = _book_tables(book, book.rates(t))[0]
            if not _K.hold_back(
                book.a, out[0], -n, t, tables.cost, tables.kernel_constants, float(p.fixed_pay_share), float(p.min_gross_cents),
                float(p.are_cumul_reduction_rate), float(p.are_average_cents), float(p.rsa_cents), float(p.prime_activite_earnings_share),
                float(p.min_income_gain_share_on_are), viable, _empty((2, -n)),
            ):  # fmt: skip
                _stay_while_are_lasts(book, p, book.a[:, :m], viable, term_over, t, out[0, :-n].copy())
            n = _K.outcomes(*outcomes_of, False, book.prior_status, out)
        if n:
            book.parcours.schedule_outcomes(out, n)
        return
    a = book.a[:, :m]
    stage = a[ROW_STAGE]
    cape = stage == CAPE
    cesa = stage == CESA
    # Once ARE runs out in a CAPE, leaving is likelier and a smaller salary is accepted.
    are_out = cape & (a[ROW_ARE_END_MONTH] >= 0) & (a[ROW_ARE_END_MONTH] <= t)
    in_trial = cesa & (a[ROW_TRIAL_END_MONTH] > t)
    p_exit = np.where(are_out, p.cape_exit_probability_after_are, a[ROW_EXIT_PROBABILITY])
    p_exit = np.where(in_trial, p.trial_exit_probability, p_exit)
    exiting = u_exit < p_exit
    min_cost = min_cost_now * np.where(are_out, p.after_are_min_salary_share, 1.0)
    viable = cape & (a[ROW_CESA_POSSIBLE_FROM_MONTH] <= t) & (a[ROW_RECENT_NET_MARGIN_CENTS] >= min_cost) & (a[ROW_TREASURY_CENTS] >= p.treasury_months_required * min_cost)
    term_over = cape & (a[ROW_CAPE_TERM_END_MONTH] <= t)
    subscribe = cesa & ~in_trial & ((u_decide < p_up) | (a[ROW_ASSOCIE_DEADLINE_MONTH] <= t))
    if hold_back:  # holds back some conversions (after the subscriptions: they do not depend on it)
        _stay_while_are_lasts(book, p, a, viable, term_over, t)
    due = np.flatnonzero(exiting | viable | term_over | subscribe)
    if len(due) == 0:
        return
    ids = a[ROW_PERSON_ID]
    change = book.parcours.schedule
    cum = p.destination_cumshares_by_stage
    p_renew = p.cape_renewal_probability
    for j in due.tolist():
        i = int(ids[j])
        st = int(stage[j])
        if exiting[j]:
            d = _destination(cum[st], u_dest[j])
            if in_trial[j]:
                reason = R_END_OF_TRIAL
            elif d == 0:
                reason = R_OWN_COMPANY
            elif d == 1:
                reason = R_SALARIED_JOB
            else:  # a stop: the activity not carrying the minimum salary, or personal reasons
                reason = R_NOT_VIABLE if a[ROW_RECENT_NET_MARGIN_CENTS, j] < min_cost_now else R_PERSONAL
            change(i, EXIT, d, reason)
        elif st == CAPE:
            if viable[j]:
                change(i, TO_CESA)
            elif a[ROW_CAPE_RENEWALS_LEFT, j] > 0 and u_decide[j] < p_renew:
                change(i, RENEW)
            else:
                change(i, EXIT, _destination(cum[CAPE], u_dest[j]), R_END_OF_CAPE)
        elif u_decide[j] < p_late:  # u < p_up (uptake), or deadline passed and u < p_late
            change(i, TO_ASSOCIE)
        else:  # the associé deadline passed without subscription
            change(i, EXIT, _destination(cum[CESA], u_dest[j]), R_NOT_ASSOCIE)


def _stay_while_are_lasts(
    book: Book,
    p: ModelParams,
    a: npt.NDArray[np.float64],
    viable: npt.NDArray[np.bool_],
    term_over: npt.NDArray[np.bool_],
    t: int,
    candidates: npt.NDArray[np.int64] | None = None,
) -> None:
    """Hold back (in place) the conversions of people on ARE or RSA for whom a CESA adds too little income.

    In CAPE they keep the full ARE; in CESA it is reduced by ``are_cumul_reduction_rate`` of
    the gross pay (the fixed part they would get), so the gain is net pay minus the ARE
    lost. An RSA recipient's RSA falls by the net pay (a differential allowance), the prime
    d'activité giving back a share of it (``rsa_income_gain_cents``). They convert only if
    the gain is at least ``min_income_gain_share_on_are`` of the net pay, or when their CAPE
    term is over (converting beats leaving). ``candidates``: the slots of those who may be
    held back (viable, term not over, on ARE or RSA), when the caller already knows them.
    """
    if candidates is None:
        converting = viable & ~term_over
        if not converting.any():  # most months: no one to hold back, so no need to look up their allowances
            return
        on_are = a[ROW_ARE_END_MONTH] > t
        on_rsa = book.prior_status[a[ROW_PERSON_ID].astype(np.intp)] == 2
        candidates = np.flatnonzero(converting & (on_are | on_rsa))
        if len(candidates) == 0:
            return
    gain, net = _income_gains(book, p, a, candidates, t)
    viable[candidates[gain < p.min_income_gain_share_on_are * net]] = False


def _income_gains(
    book: Book, p: ModelParams, a: npt.NDArray[np.float64], candidates: npt.NDArray[np.int64], t: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """What a CESA would add to the income of the people of slots ``candidates`` (``_stay_while_are_lasts``),
    and the net pay of their fixed part (``kernels.hold_back`` finds the same numbers)."""
    rates = book.rates(t)
    gross = _fixed_gross(a[ROW_RECENT_NET_MARGIN_CENTS, candidates], p, rates)
    tables = payroll_tables(rates)
    index = tables.index(gross) if kernels.ENABLED else None
    # (The tables hold, at each whole cent, what the function gives: read them when the gross is in them.)
    net = gross - (employee_contributions_cents(gross, rates) if index is None else tables.employee[index])
    gain = np.where(
        a[ROW_ARE_END_MONTH, candidates] > t,
        net - np.minimum(p.are_cumul_reduction_rate * gross, p.are_average_cents),
        rsa_income_gain_cents(net, p.rsa_cents, p.prime_activite_earnings_share),
    )
    return gain, net


def _destination(cumshares: npt.NDArray[np.float64], u: float) -> int:
    """Exit destination index from cumulative shares and one uniform draw."""
    return int(u >= cumshares[0]) + int(u >= cumshares[1])
