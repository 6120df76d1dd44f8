# Cython declarations for processes.py (an "augmenting .pxd"): read only when setup.py compiles
# processes.py, never by Python. They make ``Parcours`` a ``cdef class`` whose changes of state read
# and write the activity table through a typed view and whose numbers are C numbers, the same values
# (integers and IEEE doubles) as the Python source computes, and the month's steps ``cpdef`` functions
# typed on the compiled ``Book`` (book.pxd). See processes.Parcours and setup.py.
cimport cython

from simcoop.model.book cimport Book

# The constants the changes of state read, imported as Python ints, held as C ints (the same values).
cdef Py_ssize_t ROW_CAPE_RENEWALS_LEFT, ROW_CAPE_TERM_END_MONTH, ROW_CAPITAL_DUE_CENTS, ROW_CESA_POSSIBLE_FROM_MONTH
cdef Py_ssize_t CS_LEDGER, CS_CAPITAL, CS_RESULT, CS_SIZE_BAND, CS_OWN_TREASURY, CS_YEAR_FIRST_MONTH, CS_YEAR_CONTRIBUTIONS
cdef Py_ssize_t CS_TURNOVER_YEAR, CS_EXEMPT_TURNOVER_YEAR
cdef Py_ssize_t ROW_ASSOCIE_DEADLINE_MONTH, ROW_TRIAL_END_MONTH, ROW_RECENT_NET_MARGIN_CENTS, ROW_FIXED_GROSS_CENTS
cdef Py_ssize_t ROW_STAGE, ROW_EXIT_PROBABILITY, ROW_CONTRIBUTION_RATE, ROW_TREASURY_CENTS, ROW_CAPITAL_PAID_CENTS, ROW_PERSON_ID
cdef long ACCUEIL, CAPE, CESA, ASSOCIE, SORTIE
# The month's flows by their places in Book.flows (a list), indexed as C ints.
cdef Py_ssize_t F_ACCUEILS, F_ACCUEILS_LOST_WAITING, F_ACCUEILS_NOT_ENTERED, F_ACTIVITY_CHARGES_CENTS
cdef Py_ssize_t F_ALLOCATIONS_PAID_CENTS, F_ARE_MONTHS_SAVED, F_ASSOCIE_ENTRIES, F_CAPE_ENTRIES, F_CAPE_PAY_CENTS
cdef Py_ssize_t F_CAPE_RENEWALS, F_CAPITAL_PAID_IN_CENTS, F_CAPITAL_REPAID_CENTS, F_CASH_RECEIVED_CENTS
cdef Py_ssize_t F_CESA_ENTRIES, F_CLOSING_RESULT_CENTS, F_COLLECTED_FOR_EXITED_CENTS, F_CONTRIBUTIONS_CENTS
cdef Py_ssize_t F_COOP_COSTS_CENTS, F_CORPORATE_TAX_CENTS, F_CSG_CRDS_CENTS, F_EMPLOYEE_CONTRIBUTIONS_CENTS
cdef Py_ssize_t F_EMPLOYER_CONTRIBUTIONS_CENTS, F_EXIT_LOSSES_CENTS, F_EXIT_PAYOUTS_CENTS, F_EXITS
cdef Py_ssize_t F_FINANCING_RECEIVED_CENTS, F_FINANCING_REPAID_CENTS, F_GROSS_SALARIES_CENTS, F_INTEREST_CENTS
cdef Py_ssize_t F_INTEREST_ON_CAPITAL_CENTS, F_JOBS_FTE, F_LEGAL_RESERVE_ALLOCATED_CENTS, F_PART_TRAVAIL_CENTS
cdef Py_ssize_t F_PRESTATIONS_CENTS, F_PUBLIC_FUNDING_CENTS, F_PUBLIC_FUNDING_EARNED_CENTS
cdef Py_ssize_t F_PUBLIC_FUNDING_RECOVERED_CENTS, F_PURCHASES_CENTS, F_ROSTER_STARTS, F_RSA_ENTRIES
cdef Py_ssize_t F_RSA_SAVED_CENTS, F_SETTLEMENT_PAY_CENTS, F_STAFF_COSTS_CENTS, F_STATUTORY_RESERVES_ALLOCATED_CENTS
cdef Py_ssize_t F_TURNOVER_CENTS, F_TURNOVER_SALARIED_CENTS
cdef long EXIT, RENEW, TO_CESA, TO_ASSOCIE
cdef long R_RENEWAL, R_VIABLE, R_SUBSCRIPTION, R_DIAGNOSTIC, R_DIRECT_CESA, R_ROSTER


# A change of state's event in SimPy's queue, made and filled in C by Parcours._push, read in C by carry_out.
@cython.final
cdef class _Change:
    cdef public object env, callbacks, _value
    cdef public bint _ok
    cdef public Py_ssize_t person
    cdef public long code, stage, destination, reason, when


@cython.final
cdef class Parcours:
    cdef public object env, p
    cdef public Book book
    cdef object queue, eid
    cdef object held
    cdef double[:, ::1] a, pending
    cdef long long[::1] lag
    cdef double[::1] cs, coop_pending
    cdef bint loops
    cdef public list stage, slot_of, sector, stage_count, exit_probability, rate_cape, rate_cesa
    cdef list first_stage, cape_start, cesa_month, associe_month, exit_month, exit_destination, exit_reason, capital_paid
    cdef object capital_due, fixed_gross_memo
    cdef bint kernels_enabled
    cdef double fixed_pay_share, min_gross_cents
    cdef object rates_held, cost_held, constants_held
    cdef object term_months, max_renewals, months_before_cesa, subscription_cents, deadline_months, trial_months, repayment_delay
    cdef public long long[:, ::1] events
    cdef public Py_ssize_t n_events

    cdef void _view(self)

    @cython.locals(event=_Change)
    cdef void _push(self, carry_out, Py_ssize_t i, long code, long stage, long destination, long reason, priority, now)

    cdef object _time(self)

    cpdef schedule(self, Py_ssize_t i, long code, long destination=*, long reason=*)

    cpdef enter(self, Py_ssize_t i, long code=*, long stage=*)

    @cython.locals(i=Py_ssize_t)
    cpdef enter_all(self, Py_ssize_t first, Py_ssize_t stop)

    @cython.locals(k=Py_ssize_t)
    cpdef schedule_outcomes(self, const long long[:, ::1] out, Py_ssize_t n)

    @cython.locals(k=Py_ssize_t)
    cdef void _event(self, Py_ssize_t i, long month, long from_stage, long to_stage, long reason, long destination)

    @cython.locals(i=Py_ssize_t, code=long, now=long, slot=Py_ssize_t, stage=long)
    cpdef carry_out(self, _Change event)

    @cython.locals(slot=Py_ssize_t, margin=double, fixed=double)
    cpdef start_cesa(self, Py_ssize_t i, long now, long cape_months)

    @cython.locals(from_stage=long, slot=Py_ssize_t)
    cpdef set_stage(self, Py_ssize_t i, long month, long to_stage, long reason, long destination=*)

    @cython.locals(s=Py_ssize_t, last=Py_ssize_t, treasury=double, paid=double, balance=double, payout=double)
    cpdef settle_exit(self, Py_ssize_t i, long month, long destination, long reason)

    @cython.locals(pending=double[:, ::1], coop=double[::1], a=double[:, ::1], r=Py_ssize_t, row=Py_ssize_t, v=double,
                   total=double)
    cdef double _close_slot(self, Py_ssize_t s, Py_ssize_t last)


# The draws handed out ahead (``_Uniforms``, ``_Normals``): a C count of what is used, a C call per month's take.
cdef class _Uniforms:
    cdef public object draw, values
    cdef public Py_ssize_t used

    @cython.locals(used=Py_ssize_t, end=Py_ssize_t)
    cpdef take(self, Py_ssize_t k)


cdef class _Normals(_Uniforms):
    pass


# The month's streams (``_Draws``): its draws ahead read as C fields.
cdef class _Draws:
    cdef public object accueils, entry, zones, activities
    cdef public _Uniforms status, hazards, destinations, decisions, volatility


# The month's flows and stocks as they are written (``MonthlyRecorder``).
cdef class MonthlyRecorder:
    cdef public object flow_columns, horizon, months, stock_columns, stocks, values

    cpdef write(self, month, flows)


# A month's event in SimPy's queue (``_Tick``), made and filled in C by ``MonthlyBooks.schedule``.
@cython.final
cdef class _Tick:
    cdef public object env, callbacks, _value
    cdef public bint _ok


# The monthly books (``MonthlyBooks``): the month's steps called in C on its typed fields.
@cython.final
cdef class MonthlyBooks:
    cdef public object env, p, scheduled, c, queue, eid
    cdef public Book book
    cdef public MonthlyRecorder recorder
    cdef public _Draws draws
    cdef public long t

    @cython.locals(tick=_Tick)
    cpdef schedule(self, priority, long delay)

    @cython.locals(t=long)
    cpdef month(self, event)

# The month's steps, typed on the book: they read its fields as C struct fields and call one another in C (past
# the module's attributes: a wrapper put on one of them sees only calls from Python). _cesa_pay and
# _cesa_pay_compiled stay Python functions, whose calls tests/test_kernels.py counts through the module.
cpdef close_month(Book book, p, MonthlyRecorder recorder, month, c=*)
cpdef _public_funding(Book book, p, t)
cpdef _prestations(Book book, p, t)
cpdef _financing(Book book, p, t)
cpdef _repayments_from_caf(Book book, p, t)
cpdef _recover_over_compensation(Book book, p, t, settle)
cpdef _settle_recovery(Book book, p, t, settle, earned_by_conv, earned)
@cython.locals(values=double[::1], index=Py_ssize_t, place=Py_ssize_t)
cpdef _close_compiled(Book book, p, t, settle, c=*, after_close=*)
cpdef _annual_closing(Book book, p, t)
cpdef _arrivals(Book book, p, _Draws streams, scheduled, t)
cpdef _start_entries(env, Book book, p, _Draws streams, due, t)
cpdef _start_taken(env, Book book, p, _Draws streams, taken, t)
@cython.locals(cs=double[::1])
cpdef _accounting(Book book, p, _Draws streams, t, c)
cpdef _coop_month(Book book, p, rates, calendar, t, contributions, capital_in, c)
cpdef _coop_month_python(Book book, p, rates, calendar, t, contributions, capital_in, c)
cpdef _book_tables(Book book, rates)
cpdef _cape_pay(Book book, p, a, treasury, rates, t)
cpdef _rsa_not_paid(Book book, p, a, paid, net)
cpdef _activity_charges(Book book, p, a, salaried, gross, invoiced, rates, t, c=*)
cpdef _charges_args(Book book, p, rates, t, c=*)
cpdef _structure_costs(Book book, p, rates, calendar, t, contributions, c=*)
cpdef _versement_mobilite(Book book, p)
cpdef _one_fte(Book book, p, rates, t)
cpdef _headcount_band(Book book, p, calendar)
cpdef _size_band_of_year(Book book, p)
cpdef _staffing(Book book, p, t, active)
cpdef _cash_for_hiring(Book book, t)
cpdef _decisions(Book book, p, _Draws streams, t)
