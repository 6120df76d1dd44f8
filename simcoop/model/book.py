"""The books of one replication: every activity's accounts and the cooperative's own.

Two kinds of storage:

- **people** records, indexed by ``entrepreneur_id``, hold each person's path (entry,
  CESA, associé and exit months, exit destination and motive) and are what the run
  returns: Python lists, one item per person, since they are read and written one person
  at a time (a list item costs a few nanoseconds, a numpy scalar several tens), turned
  into arrays once at the end of the run (the first ``n`` items: the lists that every
  entrant starts at the same value are allocated ahead, at that value); the prior status
  alone is a numpy array, which the monthly accounting indexes by person;
- **activity** arrays hold what the monthly accounting reads and writes, for the active
  activities only, packed in the first ``m`` slots (an activity that closes is replaced
  by the last one), so that the accounting of all of them is a few vectorised
  operations on contiguous slices;
- the **cooperative's** own numbers (its ledger, the year's result, capital, reserves, team,
  financing, the year's headcount and turnover: ``CS_*``) sit in one float64 array, ``cs``,
  which the month's compiled kernels and the exits work on in place; Python reads and writes
  them by name (``book.coop_ledger_cents``), as attributes.

Money is counted in whole cents held in float64 (exact up to 2**53 cents, about
90 000 billion euros), so sums never lose a cent and no int/float conversions are
needed in the monthly loop.

Cash identity kept exact to the cent (tests check it): the consolidated cash
``coop_ledger + sum(activity treasuries)`` changes only by external flows: cash received
from clients and from public funders, minus purchases, salary costs (gross pay and
employer contributions), the cooperative's costs and payouts to people leaving.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any

import numpy as np
import numpy.typing as npt

from simcoop.model.columns import (
    N_ACTIVITY_ROWS,
    ROW_ARE_END_MONTH,
    ROW_ASSOCIE_DEADLINE_MONTH,
    ROW_CAPE_TERM_END_MONTH,
    ROW_ENTRY_MONTH,
    ROW_GROSS_MARGIN_RATE,
    ROW_HALF_VARIANCE,
    ROW_MATURE_TURNOVER_CENTS,
    ROW_MONTHLY_VOLATILITY,
    ROW_ON_TIME_SHARE,
    ROW_PERSON_ID,
    ROW_RAMPUP_SLOPE_PER_MONTH,
    ROW_RAMPUP_START_SHARE,
    ROW_SECTOR,
    ROW_SITE,
    ROW_STAGE,
    ROW_TREASURY_CENTS,
    ROW_TRIAL_END_MONTH,
    ROW_ZONE,
    open_columns,
)
from simcoop.model.params import ACCUEIL, ASSOCIE, CAPE, CESA, SORTIE, ModelParams

__all__ = [
    "Book",
    "FLOW_COLUMNS",
    "STOCK_COLUMNS",
    "REASONS",
    "DESTINATIONS",
    "PRIOR_STATUSES",
    "SITE_SERIES",
    "ZONE_SERIES",
    "MOTIVE_FLOWS",
    "DESTINATION_FLOWS",
    "R_DIAGNOSTIC",
    "R_DIRECT_CESA",
    "R_RENEWAL",
    "R_VIABLE",
    "R_SUBSCRIPTION",
    "R_END_OF_CAPE",
    "R_NOT_ASSOCIE",
    "R_END_OF_TRIAL",
    "R_PERSONAL",
    "R_ROSTER",
    "R_NOT_VIABLE",
    "R_OWN_COMPANY",
    "R_SALARIED_JOB",
]

#: Destinations of exits, in the order of the cumulative shares.
DESTINATIONS: tuple[str, ...] = ("own_company", "salaried_job", "stop")

#: Reasons (motives) of state changes, as written in ``events``: enDI's vocabulary of
#: career-path steps and exit motives (DOMAIN.md §7).
REASONS: tuple[str, ...] = (
    "diagnostic",  # accueil -> cape
    "direct_cesa",  # accueil -> cesa
    "cape_renewal",  # cape -> cape (avenant)
    "activity_viable",  # cape -> cesa
    "capital_subscription",  # cesa -> associe
    "own_company",  # exit to own company (essaimage)
    "salaried_job",  # exit to a job elsewhere
    "activity_not_viable",  # exit: the activity does not carry the minimum salary
    "end_of_cape",  # exit when a CAPE ends without conversion
    "not_associe_in_time",  # exit when the associé deadline passes
    "end_of_trial_period",  # exit during the CESA trial period
    "personal_reasons",  # exit: stop while the activity was viable
    "roster",  # present when the run starts (warm start)
)
R_DIAGNOSTIC, R_DIRECT_CESA, R_RENEWAL, R_VIABLE, R_SUBSCRIPTION = 0, 1, 2, 3, 4
R_OWN_COMPANY, R_SALARIED_JOB, R_NOT_VIABLE, R_END_OF_CAPE, R_NOT_ASSOCIE, R_END_OF_TRIAL, R_PERSONAL = 5, 6, 7, 8, 9, 10, 11
R_ROSTER = 12
#: Exit motives counted in the monthly ``exits_<motive>`` columns besides the destinations.
MOTIVE_FLOWS: dict[int, str] = {
    R_NOT_VIABLE: "exits_activity_not_viable",
    R_END_OF_CAPE: "exits_end_of_cape",
    R_NOT_ASSOCIE: "exits_not_associe_in_time",
    R_END_OF_TRIAL: "exits_end_of_trial_period",
    R_PERSONAL: "exits_personal_reasons",
}
#: Series recorded by site and by zone, ``[site or zone, month]``.
SITE_SERIES: tuple[str, ...] = ("accueils", "entries", "lost_waiting", "active", "waiting", "staff_fte")
ZONE_SERIES: tuple[str, ...] = ("accueils", "entries", "active")

#: Prior status of entrants (DOMAIN.md §2).
PRIOR_STATUSES: tuple[str, ...] = ("none", "are", "rsa")

#: The flow counted for each exit destination (``DESTINATIONS`` order).
DESTINATION_FLOWS: tuple[str, ...] = ("exits_own_company", "exits_salaried_job", "exits_stop")

#: Monthly flow counters, in output order (money in cents).
FLOW_COLUMNS: tuple[str, ...] = (
    "accueils",
    "accueils_not_entered",
    "accueils_lost_waiting",
    "roster_starts",
    "cape_entries",
    "cesa_entries",
    "rsa_entries",
    "associe_entries",
    "cape_renewals",
    "exits",
    "exits_own_company",
    "exits_salaried_job",
    "exits_stop",
    "exits_activity_not_viable",
    "exits_personal_reasons",
    "exits_end_of_cape",
    "exits_end_of_trial_period",
    "exits_not_associe_in_time",
    "turnover_cents",
    "turnover_salaried_cents",
    "cash_received_cents",
    "purchases_cents",
    "contributions_cents",
    "public_funding_earned_cents",
    "public_funding_cents",
    "public_funding_recovered_cents",
    "coop_costs_cents",
    "staff_costs_cents",
    "gross_salaries_cents",
    "settlement_pay_cents",
    "employer_contributions_cents",
    "employee_contributions_cents",
    "csg_crds_cents",
    "activity_charges_cents",
    "jobs_fte",
    "are_months_saved",
    "rsa_saved_cents",
    "cape_pay_cents",
    "prestations_cents",
    "capital_paid_in_cents",
    "capital_repaid_cents",
    "exit_payouts_cents",
    "exit_losses_cents",
    "collected_for_exited_cents",
    "closing_result_cents",
    "corporate_tax_cents",
    "part_travail_cents",
    "interest_on_capital_cents",
    "legal_reserve_allocated_cents",
    "statutory_reserves_allocated_cents",
    "allocations_paid_cents",
    "financing_received_cents",
    "financing_repaid_cents",
    "interest_cents",
)

#: Each flow's place in ``Book.flows``, the month's counters (a list in ``FLOW_COLUMNS`` order): the month's
#: steps add to ``flows[F_TURNOVER_CENTS]``, not to a dictionary entry by name (compiled, an index into a list).
(
    F_ACCUEILS, F_ACCUEILS_NOT_ENTERED, F_ACCUEILS_LOST_WAITING, F_ROSTER_STARTS, F_CAPE_ENTRIES, F_CESA_ENTRIES,
    F_RSA_ENTRIES, F_ASSOCIE_ENTRIES, F_CAPE_RENEWALS, F_EXITS, F_EXITS_OWN_COMPANY, F_EXITS_SALARIED_JOB,
    F_EXITS_STOP, F_EXITS_ACTIVITY_NOT_VIABLE, F_EXITS_PERSONAL_REASONS, F_EXITS_END_OF_CAPE,
    F_EXITS_END_OF_TRIAL_PERIOD, F_EXITS_NOT_ASSOCIE_IN_TIME, F_TURNOVER_CENTS, F_TURNOVER_SALARIED_CENTS,
    F_CASH_RECEIVED_CENTS, F_PURCHASES_CENTS, F_CONTRIBUTIONS_CENTS, F_PUBLIC_FUNDING_EARNED_CENTS,
    F_PUBLIC_FUNDING_CENTS, F_PUBLIC_FUNDING_RECOVERED_CENTS, F_COOP_COSTS_CENTS, F_STAFF_COSTS_CENTS,
    F_GROSS_SALARIES_CENTS, F_SETTLEMENT_PAY_CENTS, F_EMPLOYER_CONTRIBUTIONS_CENTS, F_EMPLOYEE_CONTRIBUTIONS_CENTS,
    F_CSG_CRDS_CENTS, F_ACTIVITY_CHARGES_CENTS, F_JOBS_FTE, F_ARE_MONTHS_SAVED, F_RSA_SAVED_CENTS, F_CAPE_PAY_CENTS,
    F_PRESTATIONS_CENTS, F_CAPITAL_PAID_IN_CENTS, F_CAPITAL_REPAID_CENTS, F_EXIT_PAYOUTS_CENTS, F_EXIT_LOSSES_CENTS,
    F_COLLECTED_FOR_EXITED_CENTS, F_CLOSING_RESULT_CENTS, F_CORPORATE_TAX_CENTS, F_PART_TRAVAIL_CENTS,
    F_INTEREST_ON_CAPITAL_CENTS, F_LEGAL_RESERVE_ALLOCATED_CENTS, F_STATUTORY_RESERVES_ALLOCATED_CENTS,
    F_ALLOCATIONS_PAID_CENTS, F_FINANCING_RECEIVED_CENTS, F_FINANCING_REPAID_CENTS, F_INTEREST_CENTS,
) = range(len(FLOW_COLUMNS))  # fmt: skip

#: ``DESTINATION_FLOWS`` and ``MOTIVE_FLOWS`` as places in ``Book.flows``.
DESTINATION_FLOW_PLACES: tuple[int, ...] = tuple(FLOW_COLUMNS.index(name) for name in DESTINATION_FLOWS)
MOTIVE_FLOW_PLACES: dict[int, int] = {reason: FLOW_COLUMNS.index(name) for reason, name in MOTIVE_FLOWS.items()}

#: End-of-month stocks (money in cents).
STOCK_COLUMNS: tuple[str, ...] = (
    "n_cape",
    "n_cesa",
    "n_associe",
    "n_exited",
    "n_waiting",
    "staff_fte",
    "support_fte",
    "coop_ledger_cents",
    "activities_treasury_cents",
    "advances_cents",
    "coop_treasury_cents",
    "consolidated_cash_cents",
    "receivables_cents",
    "funding_receivable_cents",
    "capital_cents",
    "capital_to_repay_cents",
    "allocations_payable_cents",
    "legal_reserve_cents",
    "statutory_reserves_cents",
    "loss_carried_forward_cents",
    "own_funds_cents",
    "quasi_equity_cents",
    "debt_outstanding_cents",
    "convention_advances_cents",
    "treasury_before_financing_cents",
)

#: A month's flow counters before anything happens (``Book.take_flows`` copies it).
_ZERO_FLOWS: list[float] = [0.0] * len(FLOW_COLUMNS)

#: ``x.sum()`` (the same reduction, without the method's Python wrapper).
_add = np.add.reduce




# The cooperative's own numbers, in one float64 array ``Book.cs`` (read and written by name through
# ``_Scalar``): the month's kernels (``kernels.month_close``, ``kernels.coop_month``,
# ``kernels.month_stocks``) and the exits (``processes.Parcours``) work on it in place, with nothing
# to copy in and out every month. The first sixteen are ``kernels.S_*`` (``month_close``'s state),
# among them eight of the month's flows, which only the month's close writes (``CS_CLOSE_FLOWS``).
(
    CS_ADVANCES, CS_QUASI, CS_DAILLY, CS_DEBT, CS_LEDGER, CS_FINANCING_NET, CS_RESULT, CS_RECEIVED, CS_REPAID,
    CS_INTEREST, CS_CAPITAL_REPAID, CS_ALLOCATIONS_PAID, CS_EARNED, CS_RECOVERED, CS_YEAR_RECOVERED, CS_FUNDING_RECEIVED,
    CS_CAPITAL, CS_STAFF_FTE, CS_SUPPORT_FTE, CS_OWN_TREASURY, CS_LAST_COSTS, CS_HEADCOUNT_SUM, CS_HEADCOUNT_MONTHS,
    CS_TURNOVER_YEAR, CS_EXEMPT_TURNOVER_YEAR, CS_RATIO_LAST_YEAR, CS_SIZE_BAND, CS_YEAR_CONTRIBUTIONS, CS_LEGAL_RESERVE,
    CS_STATUTORY_RESERVES, CS_LOSS_CARRIED_FORWARD, CS_OTHER_FUNDS, CS_YEAR_FIRST_MONTH,
) = range(33)  # fmt: skip
N_CS = 33
#: The flows of ``CS_*`` and their places in ``Book.flows``, in the order of ``kernels.month_close``'s state.
CS_CLOSE_FLOWS: tuple[tuple[int, int], ...] = (
    (CS_RECEIVED, F_FINANCING_RECEIVED_CENTS), (CS_REPAID, F_FINANCING_REPAID_CENTS), (CS_INTEREST, F_INTEREST_CENTS),
    (CS_CAPITAL_REPAID, F_CAPITAL_REPAID_CENTS), (CS_ALLOCATIONS_PAID, F_ALLOCATIONS_PAID_CENTS),
    (CS_EARNED, F_PUBLIC_FUNDING_EARNED_CENTS), (CS_RECOVERED, F_PUBLIC_FUNDING_RECOVERED_CENTS),
    (CS_FUNDING_RECEIVED, F_PUBLIC_FUNDING_CENTS),
)  # fmt: skip


class _Scalar:
    """One number of ``Book.cs`` as an attribute: a Python float, or a Python int when ``whole``, or
    None for NaN when ``optional`` (the same numbers as plain attributes held)."""

    __slots__ = ("index", "whole", "optional")

    def __init__(self, index: int, whole: bool = False, optional: bool = False) -> None:
        self.index = index
        self.whole = whole
        self.optional = optional

    def __get__(self, book: Any, owner: Any = None) -> Any:
        if book is None:
            return self
        value = book.cs.item(self.index)
        if self.whole:
            return int(value)
        if self.optional and value != value:
            return None
        return value

    def __set__(self, book: Any, value: Any) -> None:
        book.cs[self.index] = math.nan if value is None else value


#: The per-person lists every entrant starts at the same value, and that value (``Book._alloc_people``).
_STARTING: tuple[tuple[str, int], ...] = (
    ("stage", ACCUEIL),
    ("cape_start", -1),
    ("cesa_month", -1),
    ("associe_month", -1),
    ("exit_month", -1),
    ("exit_destination", -1),
    ("exit_reason", -1),
    ("capital_paid", 0),
)


class Book:
    """Per-person records, per-activity accounts and the cooperative's ledger."""

    # Its fields as slots: the compiled month reads them tens of thousands of times a replication, and a slot
    # is found by the type's attribute cache alone, without a look-up in an instance dictionary.
    __slots__ = (
        "a", "activity_capacity", "advance_left", "advance_settle_due", "allocations_due", "arange", "associe_month",
        "brackets_hit", "by_site", "by_zone", "caf_due", "caf_outstanding", "cape_start", "capital_due",
        "capital_paid", "cesa_month", "close_scratch", "compiled", "convention_last", "coop_out", "coop_pending",
        "cs", "dailly_in", "dailly_out", "dues_year_cents", "entry_month", "exit_destination", "exit_month",
        "exit_probability_by_stage", "exit_reason", "first_site_accueils", "first_site_entries", "first_stage",
        "first_zone_accueils", "first_zone_entries", "fixed_gross_memo", "flows", "fte_cost_cache",
        "funding_due", "funding_earned", "funding_received", "funding_recovered", "highest_capital_cents", "lag",
        "m", "mask_rows", "masks", "mature", "n", "opened", "opening_delay_months", "outcomes", "p", "parcours",
        "partner_failed", "pending", "people_capacity", "prior_status", "rows", "sector", "sector_rate_cape",
        "sector_rate_cesa", "sector_template", "site", "site_hire_month", "site_staff", "slot_of", "slots", "stage",
        "stage_count", "tables_hit", "tax_loss_carried_forward_cents", "waiting", "years_at_or_above", "zone",
    )

    # The cooperative's numbers held in ``cs`` (see ``CS_*``).
    convention_advances_cents = _Scalar(CS_ADVANCES)
    quasi_equity_cents = _Scalar(CS_QUASI)
    dailly_outstanding_cents = _Scalar(CS_DAILLY)
    debt_outstanding_cents = _Scalar(CS_DEBT)
    coop_ledger_cents = _Scalar(CS_LEDGER)
    financing_net_cents = _Scalar(CS_FINANCING_NET)
    year_result_cents = _Scalar(CS_RESULT)
    year_recovered_cents = _Scalar(CS_YEAR_RECOVERED)
    capital_cents = _Scalar(CS_CAPITAL)
    staff_fte = _Scalar(CS_STAFF_FTE)
    support_fte = _Scalar(CS_SUPPORT_FTE)
    own_treasury_cents = _Scalar(CS_OWN_TREASURY)
    last_costs_cents = _Scalar(CS_LAST_COSTS)
    headcount_sum_year = _Scalar(CS_HEADCOUNT_SUM)
    headcount_months_year = _Scalar(CS_HEADCOUNT_MONTHS, whole=True)
    turnover_year_cents = _Scalar(CS_TURNOVER_YEAR)
    exempt_turnover_year_cents = _Scalar(CS_EXEMPT_TURNOVER_YEAR)
    taxe_salaires_ratio_last_year = _Scalar(CS_RATIO_LAST_YEAR, optional=True)
    size_band = _Scalar(CS_SIZE_BAND, whole=True)
    year_contributions_cents = _Scalar(CS_YEAR_CONTRIBUTIONS)
    legal_reserve_cents = _Scalar(CS_LEGAL_RESERVE)
    statutory_reserves_cents = _Scalar(CS_STATUTORY_RESERVES)
    loss_carried_forward_cents = _Scalar(CS_LOSS_CARRIED_FORWARD)
    other_funds_cents = _Scalar(CS_OTHER_FUNDS)
    year_first_month = _Scalar(CS_YEAR_FIRST_MONTH, whole=True)

    def __init__(self, params: ModelParams, capacity: int, compiled: bool = False) -> None:
        self.p = params
        # Open activities' columns by the compiled loop (``open_columns``) and close them by the compiled
        # engine's (``processes.Parcours._close_slot``) rather than by numpy calls on a few values: the same numbers.
        self.compiled = compiled
        self.n = 0  # people who started a parcours (ids 0..n-1)
        self.m = 0  # active activities (slots 0..m-1)
        self.slots = params.receivable_slots
        self._alloc_people(max(capacity, 16))
        self._alloc_activities(max(capacity // 2, 16))
        self.stage_count = [0] * 5
        self.cs = np.zeros(N_CS)  # never replaced: ``Parcours`` holds a view of it
        self.taxe_salaires_ratio_last_year = None
        self.coop_ledger_cents = float(params.initial_cash_cents)
        self.coop_pending = np.zeros(self.slots)  # receivables taken over from closed activities
        # Accompaniment team per site (0 until the site opens), hires pending per site, and the
        # waiting list of each site: FIFO of (month joined, zone, starts under a CESA).
        n_sites, horizon = params.n_sites, params.horizon_months
        self.site_staff = np.where(params.site_opening <= 0, params.site_fte_at_opening, 0.0)
        self.site_hire_month = np.full(n_sites, -1, dtype=np.int64)
        self.staff_fte = float(self.site_staff.sum())
        self.support_fte = params.support_fte_at_opening
        self.waiting: list[deque[tuple[int, int, bool]]] = [deque() for _ in range(n_sites)]
        # Flows and stocks by site and by zone, [site or zone, month].
        self.by_site = {name: np.zeros((n_sites, horizon)) for name in SITE_SERIES}
        self.by_zone = {name: np.zeros((params.n_zones, horizon)) for name in ZONE_SERIES}
        # The first site's and zone's accueils and entries by month (views of row 0): where every accueil of a
        # CAE with one site and one zone is counted, a few times a month (typed views in the compiled book).
        self.first_site_accueils, self.first_site_entries = self.by_site["accueils"][0], self.by_site["entries"][0]
        self.first_zone_accueils, self.first_zone_entries = self.by_zone["accueils"][0], self.by_zone["entries"][0]
        self.last_costs_cents = 0.0
        self.own_treasury_cents = float(params.initial_cash_cents)  # at the end of the previous month
        # Capital, reserves and what the cooperative owes (cents).
        self.capital_cents = float(params.initial_capital_cents)
        # Opening funds other than capital (start-up grants, quasi-equity), net of pre-opening
        # costs: with the capital they make the opening cash, all of it own funds.
        self.other_funds_cents = float(params.initial_cash_cents - params.initial_capital_cents)
        self.highest_capital_cents = self.capital_cents
        self.legal_reserve_cents = 0.0
        self.statutory_reserves_cents = 0.0
        self.loss_carried_forward_cents = 0.0
        self.tax_loss_carried_forward_cents = 0.0
        self.year_result_cents = 0.0  # the cooperative's result since the last closing
        self.year_contributions_cents = 0.0  # contributions since the last closing (the compensation check)
        self.year_recovered_cents = 0.0  # over-compensation provisioned since the last closing (clause de reversement)
        self.year_first_month = 0  # first month of the year being closed
        horizon = params.horizon_months
        self.capital_due = np.zeros(horizon + params.capital_repayment_delay_months + 1)  # repayments by month
        self.allocations_due = np.zeros(horizon + 13)  # tax, part travail and interest by month of payment
        # Public funding: what each convention has earned, and what falls due, by month.
        n_conv = len(params.conventions)
        self.convention_last = np.full(n_conv, -1, dtype=np.int64)  # last month covered (after renewals)
        self.partner_failed = np.zeros(n_conv, dtype=bool)  # the funder's commitment did not come through
        self.opened = True  # the go/no-go gate was passed (always, without a gate)
        self.opening_delay_months = 0  # postponements of the opening, in months
        self.funding_earned = np.zeros((n_conv, horizon))
        self.funding_received = np.zeros((n_conv, horizon))
        self.funding_recovered = np.zeros((n_conv, horizon))  # over-compensation taken back, at each closing
        self.funding_due = np.zeros((n_conv, horizon + 12 + 60 + 1))
        # Financing (close_month's _financing): what is owed on instruments and Dailly, the
        # convention advances not yet settled, and the net cash the financing brought so far.
        span = horizon + 12 + 60 + 1
        self.advance_left = np.zeros(n_conv)  # advance of the current convention year not yet covered by earnings
        self.advance_settle_due = np.zeros(span)  # advances settled (deducted or paid back) by month of payment
        self.convention_advances_cents = 0.0
        self.dailly_in = np.zeros(span)
        self.dailly_out = np.zeros(span)
        self.quasi_equity_cents = 0.0
        n_caf = len(params.financing.from_caf) if params.financing is not None else 0
        self.caf_outstanding = np.zeros(n_caf)  # instruments repaid from the CAF: owed
        self.caf_due = np.zeros((n_caf, span))  # their repayments decided at the closings, by month
        self.debt_outstanding_cents = 0.0  # loans, repayable advances and Dailly
        self.dailly_outstanding_cents = 0.0
        self.financing_net_cents = 0.0
        self.flows: list[float] = _ZERO_FLOWS.copy()  # the month's counters, ``F_*`` their places
        # Who carries out each person's changes of state (``processes.Parcours``, set when the run starts).
        self.parcours: Any = None
        self.sector_template = _sector_template(params)
        # Fixed part of a CESA by (payroll rules, recent margin): every direct CESA entrant
        # starts from the margin 0 of a new activity under the month's rules.
        self.fixed_gross_memo: dict[tuple[int, float, float], float] = {}
        # The parameters ``processes.Parcours.set_stage`` reads, as Python floats (the same doubles).
        self.exit_probability_by_stage: list[float] = params.exit_probability_by_stage.tolist()
        self.sector_rate_cape: list[float] = params.sector_rate_cape.tolist()
        self.sector_rate_cesa: list[float] = params.sector_rate_cesa.tolist()
        # Employer size band (index in EMPLOYER_SIZES) and what the smoothing rule needs:
        # this year's headcount so far, consecutive years at or above each band's threshold.
        self.size_band = params.size_band_at_opening
        self.headcount_sum_year = 0.0
        self.headcount_months_year = 0
        self.years_at_or_above = [0, 0, 0]
        # Taxe sur les salaires: turnover and VAT-exempt turnover of the year, last year's ratio.
        self.turnover_year_cents = 0.0
        self.exempt_turnover_year_cents = 0.0
        self.dues_year_cents = np.zeros(len(params.dues_rate))
        # (rules, versement mobilité, taxe ratio, thresholds) -> employer cost of one staff and one support FTE.
        self.fte_cost_cache: dict[tuple[int, float, float, tuple[float, ...]], tuple[float, float]] = {}
        # The last (payroll rules, their tables) and (taxe sur les salaires thresholds, brackets) the
        # month's steps looked up: the same most months, found here without a look-up by identity or hash.
        self.tables_hit: tuple[Any, Any] = (None, None)
        self.brackets_hit: tuple[Any, Any] = (None, None)
        # ``processes._close_compiled``'s arrays for ``kernels.month_close``, made at its first call.
        self.close_scratch: Any = None
        # ``processes._coop_month``'s output (``kernels.coop_month``: collected, staff costs, costs).
        self.coop_out = np.empty(3)

    def rates(self, month: int) -> Any:
        """The payroll rules of ``month`` for the cooperative's current employer size."""
        return self.p.payroll_by_band[int(self.cs.item(CS_SIZE_BAND))][month]

    def taxe_salaires_ratio(self) -> float:
        """Share of turnover exempt from VAT: last calendar year's, or this year's so far in the first year."""
        cs = self.cs  # (its numbers read directly: the month's steps call this every month)
        last = cs.item(CS_RATIO_LAST_YEAR)
        if last == last:  # (NaN: no last year yet)
            return last
        turnover = cs.item(CS_TURNOVER_YEAR)
        return cs.item(CS_EXEMPT_TURNOVER_YEAR) / turnover if turnover > 0 else 0.0

    # ------------------------------------------------------------------ storage
    def _alloc_people(self, capacity: int) -> None:
        self.people_capacity = capacity  # of ``prior_status`` and of the lists that start at a default
        self.prior_status = np.full(capacity, -1, dtype=np.int64)
        # Per-person lists, appended by ``add_entrants`` (see the module docstring).
        self.sector: list[int] = []
        self.first_stage: list[int] = []
        self.entry_month: list[int] = []
        self.mature: list[float] = []  # mature monthly turnover drawn at entry, cents
        self.zone: list[int] = []
        self.site: list[int] = []
        self.slot_of: list[int] = []  # activity slot, -1 once the activity is closed
        # Per-person lists whose entrants all start at the same value (``_STARTING``): allocated
        # ahead at it, like ``prior_status`` (``add_entrants`` leaves them alone); only the first
        # ``n`` items are people.
        self.stage: list[int]
        self.cape_start: list[int]
        self.cesa_month: list[int]
        self.associe_month: list[int]
        self.exit_month: list[int]
        self.exit_destination: list[int]
        self.exit_reason: list[int]
        self.capital_paid: list[int]
        for name, value in _STARTING:
            setattr(self, name, [value] * capacity)

    def _grow_people(self, needed: int) -> None:
        old = self.prior_status
        self.people_capacity = max(needed, 2 * self.people_capacity)
        more = self.people_capacity - len(old)
        self.prior_status = np.full(self.people_capacity, -1, dtype=np.int64)
        self.prior_status[: len(old)] = old
        for name, value in _STARTING:
            getattr(self, name).extend([value] * more)

    def _alloc_activities(self, capacity: int) -> None:
        self.activity_capacity = capacity
        self.a = np.zeros((N_ACTIVITY_ROWS, capacity))
        self.lag = np.zeros(capacity, dtype=np.int64)
        self.pending = np.zeros((self.slots, capacity))
        self.arange = np.arange(capacity)
        # One view per row of ``a``: ``rows[row][slot]`` reads and writes one field of one
        # activity for about half the cost of ``a[row, slot]``.
        self.rows: list[npt.NDArray[np.float64]] = list(self.a)
        # The month's decisions (``processes._decisions``): who exits, is in trial, viable, at
        # the end of a CAPE term, subscribing; then what each person concerned is told.
        self.masks = np.zeros((5, capacity), dtype=np.bool_)
        self.mask_rows: list[npt.NDArray[np.bool_]] = list(self.masks)
        self.outcomes = np.zeros((4, capacity), dtype=np.int64)

    def _grow_activities(self, needed: int) -> None:
        a, lag, pending = self.a, self.lag, self.pending
        self._alloc_activities(max(needed, 2 * self.activity_capacity))
        m = self.m
        self.a[:, :m] = a[:, :m]
        self.lag[:m] = lag[:m]
        self.pending[:, :m] = pending[:, :m]

    # ------------------------------------------------------------------ entries
    def add_entrants(
        self,
        month: int,
        first_stage: npt.ArrayLike,
        sector: npt.NDArray[np.int64],
        mature_cents: npt.ArrayLike,
        prior_status: npt.ArrayLike,
        are_end: npt.ArrayLike,
        zone: npt.ArrayLike | None = None,
        site: npt.ArrayLike | None = None,
        columns: npt.NDArray[np.float64] | None = None,
    ) -> range:
        """Open a person record and an activity for each entrant (stage set by its parcours).

        ``are_end`` is the month their ARE entitlement runs out (-1 when not on ARE). Every
        argument but ``sector`` (an index array) may be an array or a sequence of numbers.
        ``columns``: the ARE end months, zones, sites and prior statuses in one array, k of each
        in a row, when the caller has them so (``kernels.entrants``; ``are_end`` and
        ``prior_status`` are then not read).
        """
        k = len(first_stage)
        first_id, m = self.reserve(k)
        if self.compiled and zone is not None and site is not None:
            # The per-entrant numbers in one array, one run of k after the other (small whole numbers
            # and doubles: exact in float64).
            if columns is None:
                columns = np.array([*are_end, *zone, *site, *prior_status], dtype=np.float64)
            open_columns(
                self.a, self.lag, self.pending, self.prior_status, self.sector_template, self.p.sector_lag_months,
                sector, np.asarray(mature_cents, dtype=np.float64), columns, m, first_id, month,
            )  # fmt: skip
        else:
            ids = range(first_id, first_id + k)
            self.prior_status[ids.start : ids.stop] = prior_status
            slots = slice(m, m + k)
            a = self.a
            a[:, slots] = self.sector_template[:, sector]  # zone and site 0 there
            a[ROW_PERSON_ID, slots] = ids
            a[ROW_ENTRY_MONTH, slots] = month
            a[ROW_MATURE_TURNOVER_CENTS, slots] = mature_cents
            a[ROW_ARE_END_MONTH, slots] = are_end
            if zone is not None:
                a[ROW_ZONE, slots] = zone
            if site is not None:
                a[ROW_SITE, slots] = site
            self.lag[slots] = self.p.sector_lag_months[sector]
            self.pending[:, slots] = 0.0
        return self.record_entrants(
            month, _listed(first_stage), sector.tolist(), _listed(mature_cents),
            [0] * k if zone is None else _listed(zone), [0] * k if site is None else _listed(site),
        )  # fmt: skip

    def reserve(self, k: int) -> tuple[int, int]:
        """Room for ``k`` more people and activities: (the first one's id, its activity slot)."""
        n, m = self.n, self.m
        if n + k > self.people_capacity:
            self._grow_people(n + k)
        if m + k > self.activity_capacity:
            self._grow_activities(m + k)
        return n, m

    def record_entrants(
        self, month: int, first_stage: list[int], sector: list[int], mature_cents: list[float], zone: list[int], site: list[int]
    ) -> range:
        """The per-person records of ``len(first_stage)`` entrants whose activities are open in the slots
        after the last (``reserve``, then ``open_columns`` or the numpy path of ``add_entrants``); their ids."""
        k = len(first_stage)
        n, m = self.n, self.m
        self.first_stage += first_stage
        self.sector += sector
        self.entry_month += [month] * k
        self.mature += mature_cents
        self.zone += zone
        self.site += site
        self.slot_of += range(m, m + k)
        self.n = n + k
        self.m = m + k
        return range(n, n + k)

    # ------------------------------------------------------------------ activity fields
    def set_activity(self, i: int, field: int, value: float) -> None:
        """Set one accounting field of person ``i``'s activity."""
        self.rows[field][self.slot_of[i]] = value

    def get_activity(self, i: int, field: int) -> float:
        return float(self.rows[field][self.slot_of[i]])

    # ------------------------------------------------------------------ exits
    def close_slot(self, s: int, last: int) -> float:
        """Free activity slot ``s`` of a person who leaves, ``last`` being the last active slot: its
        receivables go to the cooperative (returned, summed), and the activity of slot ``last`` moves
        into it. The caller (``processes.Parcours.settle_exit``) does the rest of the exit.

        By numpy; the compiled engine's ``Parcours`` does the same by C loops when the book is ``compiled``
        (``Parcours._close_slot``): the same numbers.
        """
        receivables = self.pending[:, s]
        # Whole non-negative cents: a Python sum is exact, so it is numpy's sum, for less.
        total = sum(receivables.tolist())
        self.coop_pending += receivables
        if s != last:  # free the slot: the last active activity moves into it
            a = self.a
            a[:, s] = a[:, last]
            self.lag[s] = self.lag[last]
            self.pending[:, s] = self.pending[:, last]
        return total

    # ------------------------------------------------------------------ queries
    @property
    def n_active(self) -> int:
        return self.stage_count[CAPE] + self.stage_count[CESA] + self.stage_count[ASSOCIE]

    def take_flows(self) -> list[float]:
        """The month's flow counters, reset for the next month."""
        flows = self.flows
        self.flows = _ZERO_FLOWS.copy()
        return flows

    def stock_sums(self, month: int) -> list[float]:
        """The sums the end-of-month stocks read, in cents: the activities' treasuries, their negative
        part, the activities' receivables, those taken over from closed activities, the public funding
        due after ``month``, the convention advances not yet covered, the capital to repay and the
        allocations payable after ``month`` (``kernels.stock_sums`` finds the same numbers)."""
        treasury = self.a[ROW_TREASURY_CENTS, : self.m]
        return [
            float(_add(treasury)),
            float(_add(np.minimum(treasury, 0.0))),
            float(_add(self.pending[:, : self.m], axis=None)),
            float(_add(self.coop_pending)),
            float(_add(self.funding_due[:, month + 1 :], axis=None)),
            float(_add(self.advance_left)),
            float(_add(self.capital_due[month + 1 :])),
            float(_add(self.allocations_due[month + 1 :])),
        ]

    def stocks(self, month: int, sums: list[float] | None = None) -> dict[str, float]:
        """End-of-month stocks: people by stage, team size, cash, capital and reserves, in cents.

        ``sums`` are :meth:`stock_sums` when the caller has them already.
        """
        activities, negative, pending, coop_pending, funding_due, advance_left, capital_to_repay, allocations = (
            self.stock_sums(month) if sums is None else sums
        )
        # Whole cents: the sum of the negative treasuries whatever the zeros added to it (+ 0.0: no -0.0 sum).
        advances = -(negative + 0.0)
        retained = self.year_result_cents - self.loss_carried_forward_cents
        waiting = 0
        for w in self.waiting:
            waiting += len(w)
        return {
            "n_cape": self.stage_count[CAPE],
            "n_cesa": self.stage_count[CESA],
            "n_associe": self.stage_count[ASSOCIE],
            "n_exited": self.stage_count[SORTIE],
            "n_waiting": float(waiting),
            "staff_fte": self.staff_fte,
            "support_fte": self.support_fte,
            "coop_ledger_cents": self.coop_ledger_cents,
            "activities_treasury_cents": activities,
            "advances_cents": advances,
            "coop_treasury_cents": self.coop_ledger_cents - advances,
            "consolidated_cash_cents": self.coop_ledger_cents + activities,
            "receivables_cents": pending + coop_pending,
            # Net of the convention advances received and not yet earned (negative when they exceed it).
            "funding_receivable_cents": funding_due - advance_left,
            "capital_cents": self.capital_cents,
            "capital_to_repay_cents": capital_to_repay,
            "allocations_payable_cents": allocations,
            "legal_reserve_cents": self.legal_reserve_cents,
            "statutory_reserves_cents": self.statutory_reserves_cents,
            "loss_carried_forward_cents": self.loss_carried_forward_cents,
            "own_funds_cents": self.other_funds_cents + self.capital_cents + self.legal_reserve_cents
            + self.statutory_reserves_cents + retained,
            "quasi_equity_cents": self.quasi_equity_cents,
            "debt_outstanding_cents": self.debt_outstanding_cents,
            "convention_advances_cents": self.convention_advances_cents,
            # The own treasury as it would be without the financing plan (instruments, Dailly,
            # convention advances and their interest): what measures the start-up need.
            "treasury_before_financing_cents": self.coop_ledger_cents - advances - self.financing_net_cents
            - self.convention_advances_cents,
        }


def _listed(values: Any) -> list[Any]:
    """``values`` (an array or a sequence) as a list of Python numbers."""
    return values.tolist() if isinstance(values, np.ndarray) else list(values)


def _sector_template(p: ModelParams) -> npt.NDArray[np.float64]:
    """The activity-table column of a new activity of each sector (per-entrant fields zero)."""
    k = len(p.sector_shares)
    template = np.zeros((N_ACTIVITY_ROWS, k))
    ramp_months = p.sector_rampup_months
    start_share = np.where(ramp_months > 0, p.sector_rampup_start_share, 1.0)
    template[ROW_STAGE] = ACCUEIL
    template[ROW_RAMPUP_START_SHARE] = start_share
    template[ROW_RAMPUP_SLOPE_PER_MONTH] = (1.0 - start_share) / np.maximum(ramp_months, 1.0)
    template[ROW_MONTHLY_VOLATILITY] = p.sector_volatility
    template[ROW_HALF_VARIANCE] = 0.5 * p.sector_volatility**2
    template[ROW_GROSS_MARGIN_RATE] = p.sector_margin_rate
    template[ROW_ON_TIME_SHARE] = 1.0 - p.sector_late_share
    template[ROW_CAPE_TERM_END_MONTH] = -1
    template[ROW_ASSOCIE_DEADLINE_MONTH] = -1
    template[ROW_SECTOR] = np.arange(k)
    template[ROW_TRIAL_END_MONTH] = -1
    return template
