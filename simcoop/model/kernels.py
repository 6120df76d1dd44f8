"""Compiled kernels of the monthly hot path (numba), the same numbers as the numpy code of ``processes``.

A month of the CESA pay is some 60 numpy calls on arrays of ~70 activities: almost all of
its cost is the fixed cost of each call (benchmarks/README.md). These kernels do the same
operations element by element in one compiled loop. They are a literal transcription of the
numpy code in ``simcoop.model.processes`` (``_cesa_pay``, ``_relief_regularisation``,
``_activity_accounts``, ``_activity_charges``, ``_decisions``, and the Python code of
``_public_funding`` and of the cooperative's own month, ``_coop_month_python``), of
``Book.stocks`` and its sums ``Book.stock_sums``, and of ``simcoop.economics``
(``pay_budget_cents``, ``fixed_gross_cents``, the table reads of ``PayrollTables``, the
employer cost and the employee contributions beyond the tables, where the relief is 0,
``annual_reduction_generale_cents``, ``progressive_relief_correction_cents``,
``are_months_saved``, ``rsa_not_paid_cents``, ``bracket_contribution_cents``,
``per_head_costs_cents``, ``payroll_taxes_cents``): the same IEEE operations in the same
order on each element, so the same bits. The exponentials and the power (the entrants' mature
turnovers, the turnover noise, the 2026 relief taper) are the C library's on both sides: ``math``
in the kernels, ``simcoop.libm`` in the numpy code, whatever numpy's SIMD routines for the
processor. What stays in numpy, on purpose:

- sums of non-integers (the hour equivalents, the ARE months saved): numpy sums pairwise, so
  the kernels return the terms and numpy adds them (the VAT-exempt turnover is added in the
  activities' order on both sides, ``np.cumsum``'s, no longer by a BLAS dot whose order depends
  on the processor; sums of whole cents are exact in any order and are done here; where a
  kernel cannot know its terms are whole cents, it checks them and hands the sum back to
  numpy otherwise: ``stock_sums``, ``public_funding``);
- every random draw (the streams, their order and sizes are untouched).

The numpy code is the fallback, and stays the reference: ``ENABLED`` is False when numba
does not import or when the environment variable ``SIMCOOP_NO_NUMBA`` is set to anything
but ``""`` or ``"0"`` (``simcoop.jit``, the one switch, read when this module is imported);
``processes`` reads ``ENABLED`` at every call, so a test can switch it.
``tests/test_kernels.py`` checks that both paths give every output array bit for bit.
Kernels are compiled on first use and cached on disk next to this module
(``njit(cache=True)``), so later processes (and the process pool's workers) load them.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import numpy.typing as npt

from simcoop.jit import enabled, njit, njit_no_alloc, njit_whole_sum
from simcoop.model.book import (
    CS_ADVANCES,
    CS_ALLOCATIONS_PAID,
    CS_CAPITAL,
    CS_CAPITAL_REPAID,
    CS_DAILLY,
    CS_DEBT,
    CS_EARNED,
    CS_FINANCING_NET,
    CS_FUNDING_RECEIVED,
    CS_HEADCOUNT_MONTHS,
    CS_HEADCOUNT_SUM,
    CS_INTEREST,
    CS_LAST_COSTS,
    CS_LEDGER,
    CS_LEGAL_RESERVE,
    CS_LOSS_CARRIED_FORWARD,
    CS_OTHER_FUNDS,
    CS_OWN_TREASURY,
    CS_QUASI,
    CS_RECEIVED,
    CS_RECOVERED,
    CS_REPAID,
    CS_RESULT,
    CS_STAFF_FTE,
    CS_STATUTORY_RESERVES,
    CS_SUPPORT_FTE,
    CS_YEAR_CONTRIBUTIONS,
    CS_YEAR_RECOVERED,
)
from simcoop.model.columns import (
    ROW_ARE_END_MONTH,
    ROW_ASSOCIE_DEADLINE_MONTH,
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
    ROW_STAGE,
    ROW_TREASURY_CENTS,
    ROW_TRIAL_END_MONTH,
    open_columns,
)
from simcoop.model.params import CAPE, CESA

__all__ = [
    "ENABLED", "activity_month", "activity_charges", "decision_masks", "fixed_gross", "fixed_gross_one", "hold_back", "cesa_pay_budgets", "cesa_pay_instalments", "cesa_pay_gross",
    "cesa_pay_month", "cesa_pay_settle", "cesa_settlement", "stock_sums", "year_earned", "month_close", "public_funding", "C_COLUMNS",
    "coop_month", "month_stocks", "P_COLUMNS", "add_reduce", "pairwise_is_numpys", "entrants", "cesa_pay_settle_charged",
    "month_end", "activity_pay_month",
]

#: True when the compiled kernels are used (numba imported, ``SIMCOOP_NO_NUMBA`` not set).
ENABLED = enabled()
#: The kernels allocate no array (they write into the arrays they are given), so they are compiled without
#: numba's reference-counting runtime (``simcoop.jit.njit_no_alloc``); the two that return or make one
#: (``fixed_gross``, ``hold_back``) are ``njit``'s.
_jit = njit_no_alloc


# Indices into ``PayrollTables.kernel_constants`` (see simcoop.economics.payroll).
K_RELIEF_RATIO, K_RELIEF_CAP, K_RGDU = 0, 1, 2
K_EXIT, K_MAX_COEFFICIENT, K_T_MIN, K_T_DELTA = 3, 4, 5, 6
K_PSS, K_CHOMAGE_CAP, K_MALADIE_ABOVE, K_MALADIE_REDUCED, K_MALADIE = 7, 8, 9, 10, 11
K_FAMILLE_ABOVE, K_FAMILLE_REDUCED, K_FAMILLE, K_COVERED_GROSS_RATE, K_T1_RATE, K_CHOMAGE_RATE = 12, 13, 14, 15, 16, 17
K_HOURLY_CENTS, K_FULL_TIME_HOURS = 18, 19
K_BEYOND, K_GROSS_RATE, K_T2_RATE, K_CHOMAGE_AGS_RATE, K_CET_RATE, K_T2_CAP = 20, 21, 22, 23, 24, 25
K_CSG_CAP, K_CSG_KEPT, K_EMPLOYEE_GROSS, K_EMPLOYEE_T1, K_EMPLOYEE_T2, K_EMPLOYEE_CET, K_CSG_RATE = 26, 27, 28, 29, 30, 31, 32
K_RGDU_POWER = 33


@_jit
def _max(x: float, y: float) -> float:
    """numpy's maximum of two floats (the first when equal or NaN)."""
    return x if (x >= y or x != x) else y


@_jit
def _min(x: float, y: float) -> float:
    """numpy's minimum of two floats (the first when equal or NaN)."""
    return x if (x <= y or x != x) else y


@_jit
def _search_right(table: npt.NDArray[np.float64], value: float) -> int:
    """``np.searchsorted(table, value, side="right")`` on a non-decreasing table."""
    lo, hi = 0, table.shape[0]
    while lo < hi:
        mid = (lo + hi) >> 1
        if value < table[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo


#: Budgets per bucket of a cost table's bucket index (``bucket_index``), as a power of 2.
BUCKET_SHIFT = 7

_BUCKETS: dict[int, tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]] = {}


def bucket_index(table: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Where to start ``_search_right_bucketed`` in a non-decreasing table of whole cents: for each
    bucket k of ``2 ** BUCKET_SHIFT`` cents, the last index whose entry is at most its first cent.

    Built once per table (looked up by identity: the payroll tables live as long as their rules;
    at most a few tables are kept alive here, as many as ``payroll_tables`` keeps by value).
    Small enough to stay in cache, where a search over the whole table (megabytes) misses it at
    every step.
    """
    hit = _BUCKETS.get(id(table))
    if hit is not None and hit[0] is table:
        return hit[1]
    width = float(1 << BUCKET_SHIFT)
    starts = np.arange(0.0, float(table[-1]) + 2.0 * width, width)
    index = np.searchsorted(table, starts, side="right").astype(np.int64) - 1
    np.clip(index, 0, max(len(table) - 2, 0), out=index)
    if len(_BUCKETS) >= 8:
        _BUCKETS.clear()
    _BUCKETS[id(table)] = (table, index)
    return index


@_jit
def _bucket_guess(buckets: npt.NDArray[np.int64], value: float) -> int:
    """Where ``value`` (>= 0, below the table's end) should lie in the table: its bucket's first
    index, plus its place within the bucket in proportion to the bucket's entries."""
    k = int(value) >> BUCKET_SHIFT
    first = buckets[k]
    return first + (((buckets[k + 1] - first) * (int(value) - (k << BUCKET_SHIFT))) >> BUCKET_SHIFT)


@_jit
def _search_right_bucketed(table: npt.NDArray[np.float64], buckets: npt.NDArray[np.int64], value: float) -> int:
    """``_search_right(table, value)`` for ``value < table[-1]`` (the same index), from a guess in
    ``value``'s bucket of ``bucket_index`` then a walk to the answer (one or two cache lines).

    The walk finds the answer from any guess, since the table does not decrease; the bucket only
    makes it short.
    """
    if not value >= 0.0:  # NaN or negative: no bucket
        return _search_right(table, value)
    g = _bucket_guess(buckets, value)
    while g > 0 and table[g] > value:
        g -= 1
    while table[g + 1] <= value:  # stops before the end: value < table[-1]
        g += 1
    return g + 1 if table[g] <= value else 0


@_jit
def _bases(g: float, kc: npt.NDArray[np.float64]) -> tuple[float, float, float, float]:
    """``payroll._bases``: tranche 1, tranche 2, the gross up to 4 PASS and the CET base of a gross >= 0."""
    pss = kc[K_PSS]
    t1 = _min(g, pss)
    up_to_4 = _min(g, kc[K_CHOMAGE_CAP])
    t2 = g - pss
    t2 = t2 if t2 > 0.0 else 0.0  # np.clip
    t2 = t2 if t2 < kc[K_T2_CAP] else kc[K_T2_CAP]
    cet = t1 + t2 if g >= pss + 1.0 else 0.0
    return t1, t2, up_to_4, cet


@_jit
def _cost_beyond(g: float, kc: npt.NDArray[np.float64]) -> float:
    """``employer_cost_cents`` of a whole-cent gross beyond the cost table, where the relief is 0 (``kc[K_BEYOND]``)."""
    t1, t2, up_to_4, cet = _bases(g, kc)
    maladie = kc[K_MALADIE_REDUCED] if g < kc[K_MALADIE_ABOVE] else kc[K_MALADIE]
    famille = kc[K_FAMILLE_REDUCED] if g < kc[K_FAMILLE_ABOVE] else kc[K_FAMILLE]
    full = (
        g * (maladie + famille + kc[K_GROSS_RATE])
        + t1 * kc[K_T1_RATE]
        + t2 * kc[K_T2_RATE]
        + up_to_4 * kc[K_CHOMAGE_AGS_RATE]
        + cet * kc[K_CET_RATE]
    )
    return g + (np.rint(full) - 0.0)


@_jit
def _employee_beyond(g: float, kc: npt.NDArray[np.float64]) -> tuple[float, float]:
    """``employee_contributions_cents`` and ``csg_crds_cents`` of a gross >= 0."""
    t1, t2, _, cet = _bases(g, kc)
    abated = _min(g, kc[K_CSG_CAP])
    csg_base = abated * kc[K_CSG_KEPT] + (g - abated)
    total = (
        g * kc[K_EMPLOYEE_GROSS]
        + t1 * kc[K_EMPLOYEE_T1]
        + t2 * kc[K_EMPLOYEE_T2]
        + cet * kc[K_EMPLOYEE_CET]
        + csg_base * kc[K_CSG_RATE]
    )
    return np.rint(total), np.rint(csg_base * kc[K_CSG_RATE])


@_jit
def _gross_beyond(cost_table: npt.NDArray[np.float64], kc: npt.NDArray[np.float64], budget: float) -> float:
    """``gross_for_employer_budget_cents`` of a whole-cent budget at or beyond the table's last cost.

    The largest whole-cent gross whose cost fits: the cost never decreases (every base and
    rate does not, the relief is 0), so a bisection between the table's last gross and
    the budget finds the one answer the rules' own search finds.
    """
    lo = float(cost_table.shape[0] - 1)  # cost(lo) <= budget
    hi = np.floor(budget) + 1.0  # cost(hi) >= hi > budget
    while hi - lo > 1.0:
        mid = np.floor((lo + hi) / 2.0)
        if _cost_beyond(mid, kc) <= budget:
            lo = mid
        else:
            hi = mid
    return lo


@_jit
def _gross_for_budget(cost_table: npt.NDArray[np.float64], kc: npt.NDArray[np.float64], budget: float, hint: float) -> float:
    """``gross_for_employer_budget_cents`` of one whole-cent budget, NaN when it is beyond the table
    and the relief is not 0 there. ``hint`` (any float) is tried first: often last month's answer."""
    size = cost_table.shape[0]
    b = _max(budget, 0.0)
    if b >= cost_table[size - 1]:
        return _gross_beyond(cost_table, kc, b) if kc[K_BEYOND] != 0.0 else np.nan
    if hint >= 0.0 and hint < size - 1:
        h = int(hint)
        if cost_table[h] <= b and b < cost_table[h + 1]:
            return float(h)  # the largest index whose cost fits, as the search finds it
    return float(max(_search_right(cost_table, b) - 1, 0))


@_jit
def _gross_for_budget_bucketed(
    cost_table: npt.NDArray[np.float64], buckets: npt.NDArray[np.int64], kc: npt.NDArray[np.float64], budget: float
) -> float:
    """``_gross_for_budget``, the same answer, searching from the table's ``bucket_index`` (no hint:
    reading the table where a hint points costs about what the bucketed search costs)."""
    size = cost_table.shape[0]
    b = _max(budget, 0.0)
    if b >= cost_table[size - 1]:
        return _gross_beyond(cost_table, kc, b) if kc[K_BEYOND] != 0.0 else np.nan
    return float(max(_search_right_bucketed(cost_table, buckets, b) - 1, 0))


@njit
def fixed_gross(
    cost_table: npt.NDArray[np.float64], kc: npt.NDArray[np.float64], margins: npt.NDArray[np.float64], fixed_pay_share: float, min_gross_cents: float
) -> npt.NDArray[np.float64]:
    """``simcoop.economics.cesa.fixed_gross_cents`` of an array of recent margins, with the table and
    the kernel constants of its rules; NaN in the first element when some budget is beyond the
    table where the relief is not 0 (the caller then runs the numpy function)."""
    gross = np.empty(margins.shape[0])
    for i in range(margins.shape[0]):
        g = fixed_gross_one(cost_table, kc, margins[i], fixed_pay_share, min_gross_cents)
        if g != g:
            gross[0] = np.nan
            return gross
        gross[i] = g
    return gross


@_jit
def fixed_gross_one(cost_table: npt.NDArray[np.float64], kc: npt.NDArray[np.float64], margin: float, fixed_pay_share: float, min_gross_cents: float) -> float:
    """``fixed_gross`` of one recent margin (a Python float in, a float out: no arrays to make for one
    person); NaN when its budget is beyond the table where the relief is not 0."""
    budget = np.rint(_max(margin, 0.0) * fixed_pay_share)
    g = _gross_for_budget(cost_table, kc, budget, -1.0)
    if g != g:
        return g
    return _max(g, min_gross_cents)


@njit
def hold_back(  # noqa: PLR0913
    a: npt.NDArray[np.float64],
    candidates: npt.NDArray[np.int64],
    c: int,
    t: int,
    cost_table: npt.NDArray[np.float64],
    kc: npt.NDArray[np.float64],
    fixed_pay_share: float,
    min_gross_cents: float,
    are_cumul_reduction_rate: float,
    are_average_cents: float,
    rsa_cents: float,
    prime_activite_share: float,
    min_gain_share: float,
    viable: npt.NDArray[np.bool_],
    gain_net: npt.NDArray[np.float64],
) -> bool:
    """``processes._stay_while_are_lasts`` on the slots ``candidates[:c]`` (viable, CAPE term not
    over, on ARE or RSA): each one's fixed part (``fixed_gross``), its net pay (the employee
    contributions by the arithmetic the payroll tables were computed with, ``_employee_beyond``: the
    same numbers without reading a table of megabytes), the income a CESA adds (ARE reduced, or RSA
    replaced: ``rsa_income_gain_cents``), and ``viable`` set False where the gain is below
    ``min_gain_share`` of the net pay. Each candidate's gain and net pay go to ``gain_net[:, k]``.

    False, having changed nothing, when some fixed part is off the table (beyond it, or not a
    whole cent): the numpy code then decides, as it would have.
    """
    size = cost_table.shape[0]
    gross = np.empty(c)
    for k in range(c):
        budget = np.rint(_max(a[ROW_RECENT_NET_MARGIN_CENTS, candidates[k]], 0.0) * fixed_pay_share)
        g = _gross_for_budget(cost_table, kc, budget, -1.0)
        if g != g:
            return False
        g = _max(g, min_gross_cents)
        if not (g >= 0.0 and g < size and g == np.floor(g)):  # PayrollTables.index: a whole cent in the table
            return False
        gross[k] = g
    prime_kept = 1.0 - prime_activite_share
    for k in range(c):
        j = candidates[k]
        g = gross[k]
        net = g - _employee_beyond(g, kc)[0]
        if a[ROW_ARE_END_MONTH, j] > t:
            gain = net - _min(are_cumul_reduction_rate * g, are_average_cents)
        else:  # rsa_income_gain_cents
            positive = _max(net, 0.0)
            gain = positive - prime_kept * _min(_max(positive, 0.0), rsa_cents)
        gain_net[0, k] = gain
        gain_net[1, k] = net
    for k in range(c):
        if gain_net[0, k] < min_gain_share * gain_net[1, k]:
            viable[candidates[k]] = False
    return True


@_jit
def add_reduce(values: npt.NDArray[np.float64]) -> float:
    """``np.add.reduce`` of a contiguous 1-d float64 array of at most 128 values, the same bits where
    ``pairwise_is_numpys()``; NaN for a longer one (the caller then lets numpy add it).

    numpy's pairwise summation on one block (its ``pairwise_sum``) added to 0.0: below 8 terms one at a
    time from 0.0; up to 128, eight partial sums combined as a tree, then the rest. (Longer arrays are cut in halves
    recursively; a recursive kernel cannot be cached on disk, so they are left to numpy.)
    """
    n = values.shape[0]
    if n < 8:
        total = 0.0
        for i in range(n):
            total += values[i]
        return total
    if n > 128:
        return np.nan
    r0, r1, r2, r3 = values[0], values[1], values[2], values[3]
    r4, r5, r6, r7 = values[4], values[5], values[6], values[7]
    i = 8
    end = n - n % 8
    while i < end:
        r0 += values[i]
        r1 += values[i + 1]
        r2 += values[i + 2]
        r3 += values[i + 3]
        r4 += values[i + 4]
        r5 += values[i + 5]
        r6 += values[i + 6]
        r7 += values[i + 7]
        i += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        total += values[i]
        i += 1
    return 0.0 + total  # added to numpy's starting 0.0 (a sum of -0.0 only is 0.0)


@functools.cache
def pairwise_is_numpys() -> bool:
    """Whether ``add_reduce`` gives ``np.add.reduce``'s bits on this numpy: every size up to 128, values of
    every magnitude and both signs of zero (numpy documents its summation as pairwise, not its exact
    tree: checked here, once per process, at the first run's start, rather than assumed). When it does
    not, the kernels leave the non-integer sums they could add (the hour equivalents, the ARE months
    saved) to numpy. False without the kernels."""
    if not ENABLED:
        return False
    rng = np.random.default_rng(20261202)
    for n in range(129):
        values = rng.normal(0.0, 1.0, n) * 10.0 ** rng.uniform(-3.0, 9.0, n)
        values[rng.random(n) < 0.1] = -0.0
        for x in (values, np.round(values, 2), np.full(n, -0.0)):
            if np.float64(add_reduce(x)).tobytes() != np.float64(np.add.reduce(x)).tobytes():
                return False
    return True


# Rows of the scratch table ``out`` that the CESA pay kernels share (one column per activity).
O_BUDGET, O_COST, O_RELIEF, O_EMPLOYEE, O_CSG, O_INSTALMENT, O_FAR, O_FAR_WITHOUT = 0, 1, 2, 3, 4, 5, 6, 7
O_GROSS, O_GROSS_WITHOUT, O_BASE, O_RATIO, O_HOURS, O_ARE_SAVED = 8, 9, 10, 11, 12, 13
OUT_ROWS = 14


@_jit
def cesa_pay_budgets(
    a: npt.NDArray[np.float64],
    m: int,
    salaried: npt.NDArray[np.bool_],
    cost_table: npt.NDArray[np.float64],
    kc: npt.NDArray[np.float64],
    payout_rate: float,
    floor_cents: float,
    advance_cap_cents: float,
    out: npt.NDArray[np.float64],
) -> bool:
    """The month's pay budgets before any settlement instalment (``pay_budget_cents``) into ``out[O_BUDGET]``,
    and the fixed part's employer cost into ``out[O_COST]``: from the table, or beyond it by the
    rules' arithmetic where the relief is 0 there (``kc[K_BEYOND]``; a high earner's fixed part).

    Returns False, having written nothing to the book, when some fixed part is not a whole
    cent, or is beyond the table where the relief is not 0 (the caller then runs the numpy code).
    """
    size = cost_table.shape[0]
    beyond = kc[K_BEYOND] != 0.0
    for i in range(m):
        fixed = a[ROW_FIXED_GROSS_CENTS, i]
        if not (fixed >= 0.0 and (fixed < size or beyond) and float(int(fixed)) == fixed):
            return False
    for i in range(m):
        fixed = a[ROW_FIXED_GROSS_CENTS, i]
        fixed_cost = cost_table[int(fixed)] if fixed < size else _cost_beyond(fixed, kc)
        treasury = a[ROW_TREASURY_CENTS, i] - a[ROW_SETTLEMENT_OWED_CENTS, i]
        target = np.rint(_max(a[ROW_RECENT_NET_MARGIN_CENTS, i], 0.0) * payout_rate)
        above_floor = treasury - floor_cents
        b = _max(_min(target, above_floor), _min(fixed_cost, above_floor + advance_cap_cents))
        out[O_BUDGET, i] = _max(b, 0.0)
        out[O_COST, i] = fixed_cost
    return True


@_jit
def cesa_pay_instalments(
    a: npt.NDArray[np.float64],
    m: int,
    salaried: npt.NDArray[np.bool_],
    cost_table: npt.NDArray[np.float64],
    kc: npt.NDArray[np.float64],
    out: npt.NDArray[np.float64],
) -> int:
    """The settlement instalment paid this month, debited from what is owed and added to the budget.

    Marks in ``out[O_FAR]`` (``out[O_FAR_WITHOUT]``) the budgets (without their instalment)
    beyond the cost table whose gross the caller finds with the rules: none when the relief
    is 0 beyond the table (``kc[K_BEYOND]``), where ``cesa_pay_gross`` finds it. Returns a bit set:
    1 when some instalment is paid, 2 when some budget is beyond the table.
    """
    top = cost_table[cost_table.shape[0] - 1]
    if kc[K_BEYOND] != 0.0:
        top = np.inf  # the kernels find every gross (cesa_pay_gross)
    any_instalment = False
    for i in range(m):
        s = 1.0 if salaried[i] else 0.0
        owed = a[ROW_SETTLEMENT_OWED_CENTS, i]
        inst = _min(a[ROW_SETTLEMENT_INSTALMENT_CENTS, i], owed) * s
        a[ROW_SETTLEMENT_OWED_CENTS, i] = owed - inst
        b = out[O_BUDGET, i] + inst
        out[O_BUDGET, i] = b * s
        out[O_INSTALMENT, i] = inst
        if inst != 0.0:
            any_instalment = True
    far = False
    for i in range(m):
        b = out[O_BUDGET, i]
        out[O_FAR, i] = 0.0 if b < top else 1.0
        out[O_FAR_WITHOUT, i] = 0.0 if (not any_instalment or b - out[O_INSTALMENT, i] < top) else 1.0
        if out[O_FAR, i] != 0.0 or out[O_FAR_WITHOUT, i] != 0.0:
            far = True
    return (1 if any_instalment else 0) + (2 if far else 0)


@_jit
def cesa_settlement(  # noqa: PLR0913
    a: npt.NDArray[np.float64],
    m: int,
    salaried: npt.NDArray[np.bool_],
    cost_table: npt.NDArray[np.float64],
    buckets: npt.NDArray[np.int64],
    kc: npt.NDArray[np.float64],
    floor_cents: float,
    reserve_months: float,
    payout_share: float,
    instalments: float,
    fixed_pay_share: float,
    min_gross_cents: float,
    out: npt.NDArray[np.float64],
) -> bool:
    """``processes._settlement`` (the settlement month, after ``cesa_pay_budgets``): the variable part's
    settlement (``settlement_bonus_cents``) added to what is owed, its instalment, and the fixed part
    reset on the recent margin (``fixed_gross_cents``, for the salaried only: the others keep theirs).

    Uses ``out[O_GROSS]`` as scratch. Returns False, having written nothing to ``a``, when some
    salaried fixed part's budget is beyond the table where the relief is not 0 (the caller then runs
    the numpy code).
    """
    for i in range(m):
        if salaried[i]:
            budget = np.rint(_max(a[ROW_RECENT_NET_MARGIN_CENTS, i], 0.0) * fixed_pay_share)
            g = _gross_for_budget_bucketed(cost_table, buckets, kc, budget)
            if g != g:
                return False
            out[O_GROSS, i] = _max(g, min_gross_cents)
    for i in range(m):
        owed = a[ROW_SETTLEMENT_OWED_CENTS, i]
        above_floor = a[ROW_TREASURY_CENTS, i] - owed - floor_cents
        surplus = above_floor - out[O_BUDGET, i] - reserve_months * out[O_COST, i]
        bonus = np.rint(_max(surplus, 0.0) * payout_share)
        owed += bonus * (1.0 if salaried[i] else 0.0)
        a[ROW_SETTLEMENT_OWED_CENTS, i] = owed
        a[ROW_SETTLEMENT_INSTALMENT_CENTS, i] = np.ceil(owed / instalments)
        if salaried[i]:
            a[ROW_FIXED_GROSS_CENTS, i] = out[O_GROSS, i]
    return True


@_jit
def cesa_pay_gross(  # noqa: PLR0913
    a: npt.NDArray[np.float64],
    m: int,
    salaried: npt.NDArray[np.bool_],
    cost_table: npt.NDArray[np.float64],
    buckets: npt.NDArray[np.int64],
    relief_table: npt.NDArray[np.float64],
    kc: npt.NDArray[np.float64],
    january: bool,
    any_instalment: bool,
    out: npt.NDArray[np.float64],
) -> float:
    """The gross each budget buys (one search in the cost table, from its ``bucket_index``), its
    employer cost and provisional relief from the tables, its employee contributions and CSG/CRDS
    (by the arithmetic the tables were computed with: the same numbers without reading two tables
    of megabytes), the settlement instalment's gross (into ``out[O_INSTALMENT]``), and the
    year-to-date rows of the annual relief.

    Budgets marked in ``out[O_FAR]`` (``out[O_FAR_WITHOUT]``) come with their gross and
    table values already in ``out`` (``out[O_GROSS_WITHOUT]``). Writes ``out[O_BASE]``, the
    base of the relief taper's power (RGDU; the ratio for Fillon) and ``out[O_RATIO]``, the
    ratio SMIC_ref / gross of the year so far. Returns a number of no use (see the first loop).
    """
    if january:  # _relief_regularisation's new year
        for i in range(m):
            a[ROW_PREVIOUS_YEAR_GROSS_CENTS, i] = a[ROW_GROSS_YTD_CENTS, i]
            a[ROW_PREVIOUS_YEAR_MONTHS, i] = a[ROW_PAID_MONTHS_YTD, i]
            a[ROW_GROSS_YTD_CENTS, i] = 0.0
            a[ROW_RELIEF_YTD_CENTS, i] = 0.0
            a[ROW_PAID_MONTHS_YTD, i] = 0.0
    rgdu = kc[K_RGDU] != 0.0
    size = cost_table.shape[0]
    top = cost_table[size - 1]
    # First touch the table lines where each search will land (independent loads, which the
    # processor overlaps, where the searches' loads wait for each other): the searches then find
    # them in cache. Returned, so that the loads are not optimised away.
    touched = 0.0
    for i in range(m):
        b = out[O_BUDGET, i]
        if b > 0.0 and b < top:
            g = _bucket_guess(buckets, b)
            touched += cost_table[g] + relief_table[g]
    # A budget of 0 (every activity not salaried): its gross and table values, found once.
    zero_gross = _gross_for_budget_bucketed(cost_table, buckets, kc, 0.0)
    zero_cost, zero_relief = cost_table[int(zero_gross)], relief_table[int(zero_gross)]
    zero_employee, zero_csg = _employee_beyond(zero_gross, kc)
    for i in range(m):
        s = 1.0 if salaried[i] else 0.0
        b = out[O_BUDGET, i]
        if out[O_FAR, i] != 0.0:  # found by the caller with the rules
            gross = out[O_GROSS, i]
        elif b == 0.0:  # (-0.0 too: the same search, the same answer)
            gross = zero_gross
            out[O_GROSS, i] = gross
            out[O_COST, i] = zero_cost
            out[O_RELIEF, i] = zero_relief
            out[O_EMPLOYEE, i], out[O_CSG, i] = zero_employee, zero_csg
        else:  # in the table, or beyond it where the relief is 0 (O_FAR marks the others)
            gross = _gross_for_budget_bucketed(cost_table, buckets, kc, b)
            out[O_GROSS, i] = gross
            if gross < size:
                index = int(gross)
                out[O_COST, i] = cost_table[index]
                out[O_RELIEF, i] = relief_table[index]
            else:
                out[O_COST, i] = _cost_beyond(gross, kc)
                out[O_RELIEF, i] = 0.0
            # The tables' employee contributions are these (computed by the same arithmetic): no table read.
            out[O_EMPLOYEE, i], out[O_CSG, i] = _employee_beyond(gross, kc)
        if any_instalment:
            if out[O_FAR_WITHOUT, i] != 0.0:
                without = out[O_GROSS_WITHOUT, i]
            elif out[O_INSTALMENT, i] == 0.0 and out[O_FAR, i] == 0.0:
                without = gross  # the same budget: the same gross (the search's answer is unique)
            else:
                without = _gross_for_budget_bucketed(cost_table, buckets, kc, b - out[O_INSTALMENT, i])
            out[O_INSTALMENT, i] = (gross - without) * s
        else:
            out[O_INSTALMENT, i] = 0.0
        # The annual relief's inputs (annual_reduction_generale_cents, before its power).
        a[ROW_GROSS_YTD_CENTS, i] += gross - 0.0
        a[ROW_PAID_MONTHS_YTD, i] += s
        g = _max(a[ROW_GROSS_YTD_CENTS, i], 0.0)
        n = _max(a[ROW_PAID_MONTHS_YTD, i], 1.0)
        smic_ref = _min(g * kc[K_RELIEF_RATIO], kc[K_RELIEF_CAP] * n)
        ratio = smic_ref / _max(g, 1.0)
        out[O_RATIO, i] = ratio
        out[O_BASE, i] = _max(0.5 * (3.0 * ratio - 1.0), 0.0) if rgdu else ratio
    return touched


@_jit
def cesa_pay_month(  # noqa: PLR0913
    a: npt.NDArray[np.float64],
    m: int,
    salaried: npt.NDArray[np.bool_],
    cost_table: npt.NDArray[np.float64],
    buckets: npt.NDArray[np.int64],
    relief_table: npt.NDArray[np.float64],
    kc: npt.NDArray[np.float64],
    payout_rate: float,
    floor_cents: float,
    advance_cap_cents: float,
    january: bool,
    out: npt.NDArray[np.float64],
) -> int:
    """``cesa_pay_budgets``, ``cesa_pay_instalments`` and ``cesa_pay_gross`` in one call, for a month
    that is not the settlement month (nothing to do between them but what a budget beyond the
    table needs). Returns -1 when ``cesa_pay_budgets`` hands the month back; else
    ``cesa_pay_instalments``' bit set, plus 4 when ``cesa_pay_gross`` ran too (when bit 2 is not
    set: no budget the caller must find with the rules, which it then does before calling
    ``cesa_pay_gross`` itself).
    """
    if not cesa_pay_budgets(a, m, salaried, cost_table, kc, payout_rate, floor_cents, advance_cap_cents, out):
        return -1
    status = cesa_pay_instalments(a, m, salaried, cost_table, kc, out)
    if status & 2:
        return status
    cesa_pay_gross(a, m, salaried, cost_table, buckets, relief_table, kc, january, (status & 1) != 0, out)
    return status + 4


@_jit
def cesa_pay_settle(  # noqa: PLR0913
    a: npt.NDArray[np.float64],
    m: int,
    salaried: npt.NDArray[np.bool_],
    prior_status: npt.NDArray[np.int64],
    out: npt.NDArray[np.float64],
    kc: npt.NDArray[np.float64],
    t: int,
    are_average_cents: float,
    are_cumul_reduction_rate: float,
    rsa_cents: float,
    capital_instalment_cents: float,
    sums: npt.NDArray[np.float64],
) -> None:
    """The second half: the relief's regularisation, the treasury, ARE, RSA and capital withheld.

    The RGDU's taper takes the C library's power of ``out[O_BASE]`` (``math.pow``, as ``simcoop.libm.power``). Writes
    ``out[O_HOURS]`` the hour equivalents and ``out[O_ARE_SAVED]`` the ARE months saved (numpy sums them), and
    ``sums``: 0 employer cost, 1 employee contributions, 2 CSG/CRDS, 3 settlement pay,
    4 RSA not paid, 5 capital withheld, 6 whether someone is on ARE, 7 whether some RSA
    recipient is paid, 8 whether some capital is owed; and, when ``sums`` has a tenth element,
    9 the sum of the gross pay (``np.add.reduce(out[O_GROSS, :m])``: every gross is a whole cent
    within range, NaN when some is not and numpy must add them); when it has twelve (only where
    ``pairwise_is_numpys()``), 10 and 11 numpy's sums of the hours and of the ARE months saved (``add_reduce``:
    NaN when numpy must add them).
    """
    rgdu = kc[K_RGDU] != 0.0
    exit_multiple = kc[K_EXIT]
    max_coefficient = kc[K_MAX_COEFFICIENT]
    cost_total = employee_total = csg_total = settlement_total = 0.0
    any_are = any_rsa = any_owing = False
    for i in range(m):
        if salaried[i] and a[ROW_ARE_END_MONTH, i] > t:
            any_are = True
        if salaried[i] and prior_status[int(a[ROW_PERSON_ID, i])] == 2:
            any_rsa = True
        if a[ROW_CAPITAL_DUE_CENTS, i] > 0:
            any_owing = True
    rsa_total = capital_total = 0.0
    for i in range(m):
        s = salaried[i]
        gross = out[O_GROSS, i]
        cost = out[O_COST, i] - 0.0  # not salaried: no regularisation (the relief's figures are not read)
        if s:
            # annual_reduction_generale_cents (exact coefficient).
            g = _max(a[ROW_GROSS_YTD_CENTS, i], 0.0)
            n = _max(a[ROW_PAID_MONTHS_YTD, i], 1.0)
            ratio = out[O_RATIO, i]
            if rgdu:
                taper = kc[K_T_DELTA] * math.pow(out[O_BASE, i], kc[K_RGDU_POWER])
                c = kc[K_T_MIN] + np.rint(taper * 10000.0) / 10000.0
                c = _min(c, max_coefficient)
                if not ratio * exit_multiple > 1.0:
                    c = 0.0
            else:
                v = (exit_multiple * ratio - 1.0) / (exit_multiple - 1.0)
                v = v if v > 0.0 else 0.0
                v = v if v < 1.0 else 1.0
                c = max_coefficient * v
                c = np.rint(c * 10000.0) / 10000.0
            x = g / n  # the covered contributions of the average month
            t1 = _min(x, kc[K_PSS])
            up_to_4 = _min(x, kc[K_CHOMAGE_CAP])
            maladie = kc[K_MALADIE_REDUCED] if x < kc[K_MALADIE_ABOVE] else kc[K_MALADIE]
            famille = kc[K_FAMILLE_REDUCED] if x < kc[K_FAMILLE_ABOVE] else kc[K_FAMILLE]
            covered = x * (maladie + famille + kc[K_COVERED_GROSS_RATE]) + t1 * kc[K_T1_RATE] + up_to_4 * kc[K_CHOMAGE_RATE]
            due = np.rint(_min(c * g, covered * n))
            correction = due - a[ROW_RELIEF_YTD_CENTS, i] - out[O_RELIEF, i]
            a[ROW_RELIEF_YTD_CENTS, i] = due
            cost = out[O_COST, i] - correction
        a[ROW_TREASURY_CENTS, i] -= cost
        cost_total += cost
        employee = out[O_EMPLOYEE, i]
        employee_total += employee
        csg_total += out[O_CSG, i]
        settlement_total += out[O_INSTALMENT, i]
        out[O_HOURS, i] = _min(gross / kc[K_HOURLY_CENTS], kc[K_FULL_TIME_HOURS])
        net = gross - employee
        if any_rsa and s and prior_status[int(a[ROW_PERSON_ID, i])] == 2:
            rsa_total += _min(_max(net, 0.0), rsa_cents)
        if any_are:
            on_are = 1.0 if (s and a[ROW_ARE_END_MONTH, i] > t) else 0.0
            saved = _min(are_cumul_reduction_rate * gross / are_average_cents, 1.0) * on_are
            a[ROW_ARE_END_MONTH, i] += saved
            out[O_ARE_SAVED, i] = saved
        if any_owing:
            withheld = _min(_min(a[ROW_CAPITAL_DUE_CENTS, i], capital_instalment_cents), net)
            withheld = _max(withheld, 0.0)
            withheld *= 1.0 if a[ROW_CAPITAL_DUE_CENTS, i] > 0 else 0.0
            a[ROW_CAPITAL_DUE_CENTS, i] -= withheld
            a[ROW_CAPITAL_PAID_CENTS, i] += withheld
            capital_total += withheld
    sums[0] = cost_total
    sums[1] = employee_total
    sums[2] = csg_total
    sums[3] = settlement_total
    sums[4] = rsa_total
    sums[5] = capital_total
    sums[6] = 1.0 if any_are else 0.0
    sums[7] = 1.0 if any_rsa else 0.0
    sums[8] = 1.0 if any_owing else 0.0
    if sums.shape[0] > 9:
        total, ok = _exact_sum(out[O_GROSS, :m], False)
        sums[9] = total if ok else np.nan
    if sums.shape[0] > 11:  # (only where ``pairwise_is_numpys``: numpy's own sums of the hours and of the ARE months saved)
        sums[10] = add_reduce(out[O_HOURS, :m])
        sums[11] = add_reduce(out[O_ARE_SAVED, :m]) if any_are else 0.0


@_jit
def _cumulative_contribution(base: float, own_rate: float, thresholds: npt.NDArray[np.float64], rates: npt.NDArray[np.float64]) -> float:
    """``simcoop.economics.contribution.cumulative_contribution_cents`` of one base (thresholds not empty)."""
    total = _min(base, thresholds[0]) * own_rate
    k = thresholds.shape[0]
    for j in range(k):
        low = thresholds[j]
        high = thresholds[j + 1] if j + 1 < k else np.inf
        part = base - low
        part = part if part > 0.0 else 0.0  # np.clip
        width = high - low
        part = part if part < width else width
        total = total + part * rates[j]
    return total


@_jit
def activity_month(  # noqa: PLR0913
    a: npt.NDArray[np.float64],
    m: int,
    t: int,
    january: bool,
    noise: npt.NDArray[np.float64],
    pending: npt.NDArray[np.float64],
    lag: npt.NDArray[np.int64],
    col: int,
    base_is_turnover: bool,
    thresholds: npt.NDArray[np.float64],
    bracket_rates: npt.NDArray[np.float64],
    contribution_minimum_cents: float,
    cape_fee_cents: float,
    margin_smoothing_months: float,
    vat_exempt_share: npt.NDArray[np.float64],
    invoiced: npt.NDArray[np.float64],
    salaried: npt.NDArray[np.bool_],
    sums: npt.NDArray[np.float64],
) -> None:
    """``processes._activity_accounts`` (every activity's month before pay) in one loop.

    ``noise`` is the month's standard normal draws: the lognormal factor of mean 1 is
    ``exp(noise x volatility - half variance)`` by activity, the C library's ``exp`` (the numpy code
    takes the same operations, the ``exp`` by ``simcoop.libm``). Writes the turnover invoiced and who
    is salaried by activity, and ``sums`` (zeros in): contributions, turnover, turnover of salaried
    activities, cash received, purchases (whole cents, exact in any order), how many activities
    are salaried, and the VAT-exempt turnover (each turnover times its sector's
    ``vat_exempt_share``, added in the activities' order: ``np.cumsum``'s order, on any processor).
    """
    slots = pending.shape[0]
    brackets = thresholds.shape[0] > 0
    for i in range(m):
        ramp = a[ROW_RAMPUP_SLOPE_PER_MONTH, i] * (float(t - 1) - a[ROW_ENTRY_MONTH, i])
        ramp += a[ROW_RAMPUP_START_SHARE, i]
        ramp = _min(ramp, 1.0)
        factor = math.exp(noise[i] * a[ROW_MONTHLY_VOLATILITY, i] - a[ROW_HALF_VARIANCE, i])
        inv = np.rint(a[ROW_MATURE_TURNOVER_CENTS, i] * ramp * factor)
        margin = np.rint(inv * a[ROW_GROSS_MARGIN_RATE, i])
        purchases = inv - margin
        stage = a[ROW_STAGE, i]
        s = stage >= CESA
        base = inv if base_is_turnover else margin
        if january:
            a[ROW_CONTRIBUTION_BASE_YTD_CENTS, i] = 0.0
        before = a[ROW_CONTRIBUTION_BASE_YTD_CENTS, i]
        rate = a[ROW_CONTRIBUTION_RATE, i]
        if brackets:
            after = _cumulative_contribution(before + base, rate, thresholds, bracket_rates)
            contrib = np.rint(after - _cumulative_contribution(before, rate, thresholds, bracket_rates))
        else:
            contrib = np.rint(base * rate)
        a[ROW_CONTRIBUTION_BASE_YTD_CENTS, i] = before + base
        if contribution_minimum_cents > 0:
            contrib = _max(contrib, contribution_minimum_cents) if s else contrib
        if cape_fee_cents > 0:
            contrib = contrib + (cape_fee_cents if stage == CAPE else 0.0)
        on_time = np.rint(inv * a[ROW_ON_TIME_SHARE, i])
        due = (lag[i] + t) % slots
        pending[due, i] += on_time
        due = (due + 1) % slots
        pending[due, i] += inv - on_time
        received = pending[col, i]
        pending[col, i] = 0.0
        net_margin = margin - contrib
        recent = a[ROW_RECENT_NET_MARGIN_CENTS, i]
        a[ROW_RECENT_NET_MARGIN_CENTS, i] = recent + (net_margin - recent) / margin_smoothing_months
        a[ROW_TREASURY_CENTS, i] += received - purchases - contrib
        invoiced[i] = inv
        salaried[i] = s
        sums[6] += inv * vat_exempt_share[int(a[ROW_SECTOR, i])]
        sums[0] += contrib
        sums[1] += inv
        if s:
            sums[2] += inv
            sums[5] += 1.0
        sums[3] += received
        sums[4] += purchases


@_jit
def activity_pay_month(activity: tuple, pay: tuple) -> int:  # type: ignore[type-arg]
    """``activity_month(*activity)``, then, when some activity is salaried, ``cesa_pay_month`` on what it left (the
    first steps of the pay in a month that is not the settlement month: nothing the pay reads changes between them
    in ``processes._accounting``), in one call. ``pay``: ``cesa_pay_month``'s arguments from ``cost_table`` to
    ``advance_cap_cents``, then its ``out``. Returns ``cesa_pay_month``'s answer, or -2 when no one is salaried
    (it did not run)."""
    activity_month(*activity)
    a, m, january, salaried, sums = activity[0], activity[1], activity[3], activity[16], activity[17]
    if sums[5] == 0.0:
        return -2
    return cesa_pay_month(a, m, salaried, *pay[:7], january, pay[7])


@_jit
def activity_charges(  # noqa: PLR0913
    a: npt.NDArray[np.float64],
    m: int,
    salaried: npt.NDArray[np.bool_],
    gross: npt.NDArray[np.float64],
    paid: bool,
    insurance: npt.NDArray[np.float64],
    at_mp: npt.NDArray[np.float64],
    table_at_mp: float,
    per_head_cents: float,
    versement_mobilite_rate: float,
    taxe_ratio: float,
    bounds: npt.NDArray[np.float64],
    taxe_rates: npt.NDArray[np.float64],
) -> float:
    """``processes._activity_charges``' charges (``employment.per_head_costs_cents``,
    ``payroll_taxes_cents``), debited from each treasury; returns their total (whole cents).

    ``paid``: some CESA pay this month (``gross`` is read only then); ``per_head_cents`` is
    ``mutuelle + occupational health / 12`` as ``per_head_costs_cents`` computes it. Each
    activity's sector is read from the table.
    """
    total = 0.0
    for i in range(m):
        sector = int(a[ROW_SECTOR, i])
        charges = insurance[sector]
        if paid:
            charges += np.rint((1.0 if salaried[i] else 0.0) * per_head_cents)
            rate = at_mp[sector]
            g = gross[i]
            charges += np.rint(g * (0.0 if rate != rate else rate - table_at_mp))
            g = _max(g, 0.0)
            tax = 0.0
            if not taxe_ratio <= 0.0:  # taxe_salaires_cents: none when the ratio is <= 0
                for k in range(taxe_rates.shape[0]):
                    tax += taxe_rates[k] * _min(_max(g - bounds[k], 0.0), bounds[k + 1] - bounds[k])
                tax = np.rint(tax * taxe_ratio)
            charges += np.rint(g * versement_mobilite_rate) + tax
        a[ROW_TREASURY_CENTS, i] -= charges
        total += charges
    return total


@_jit
def decision_masks(  # noqa: PLR0913
    a: npt.NDArray[np.float64],
    m: int,
    t: int,
    u_exit: npt.NDArray[np.float64],
    u_decide: npt.NDArray[np.float64],
    exit_after_are: float,
    exit_in_trial: float,
    min_cost_now: float,
    after_are_min_salary_share: float,
    treasury_months_required: float,
    uptake: float,
    exiting: npt.NDArray[np.bool_],
    in_trial: npt.NDArray[np.bool_],
    viable: npt.NDArray[np.bool_],
    term_over: npt.NDArray[np.bool_],
    subscribe: npt.NDArray[np.bool_],
) -> None:
    """The vectorised part of ``processes._decisions``: who exits, may convert to CESA, ends a CAPE term, subscribes."""
    for i in range(m):
        stage = a[ROW_STAGE, i]
        cape = stage == CAPE
        cesa = stage == CESA
        are_end = a[ROW_ARE_END_MONTH, i]
        are_out = cape and are_end >= 0 and are_end <= t
        trial = cesa and a[ROW_TRIAL_END_MONTH, i] > t
        p_exit = exit_after_are if are_out else a[ROW_EXIT_PROBABILITY, i]
        p_exit = exit_in_trial if trial else p_exit
        exiting[i] = u_exit[i] < p_exit
        in_trial[i] = trial
        min_cost = min_cost_now * (after_are_min_salary_share if are_out else 1.0)
        viable[i] = (
            cape
            and a[ROW_CESA_POSSIBLE_FROM_MONTH, i] <= t
            and a[ROW_RECENT_NET_MARGIN_CENTS, i] >= min_cost
            and a[ROW_TREASURY_CENTS, i] >= treasury_months_required * min_cost
        )
        term_over[i] = cape and a[ROW_CAPE_TERM_END_MONTH, i] <= t
        subscribe[i] = cesa and not trial and (u_decide[i] < uptake or a[ROW_ASSOCIE_DEADLINE_MONTH, i] <= t)


#: Whole cents of at most this size add up to the same number in any order when there are at most
#: ``_EXACT_TERMS`` of them (every partial sum stays below 2**53, where float64 counts exactly).
_WHOLE_BOUND = 2.0**40
_EXACT_TERMS = 1 << 13


@njit_whole_sum
def _whole_sum(values: npt.NDArray[np.float64], negative_only: bool) -> tuple[float, int]:
    """The sum of the row ``values`` (of ``np.minimum(values, 0.0)`` when ``negative_only``) and how many of its
    terms are not whole cents within ``_WHOLE_BOUND`` (a NaN or an infinity is not): added in any order
    (``simcoop.jit.njit_whole_sum``, vector lanes), which is the sum in order when that count is 0 and there are
    at most ``_EXACT_TERMS`` terms. No branch in the loop, so that it runs as vector instructions."""
    total = 0.0
    misses = 0
    for k in range(values.shape[0]):
        v = values[k]
        if negative_only:
            v = _min(v, 0.0)
        total += v
        misses += (abs(v) > _WHOLE_BOUND) | (v != np.floor(v))
    return total, misses


@_jit
def _exact_sum(values: npt.NDArray[np.float64], negative_only: bool) -> tuple[float, bool]:
    """``np.add.reduce(values, axis=None)`` of a row (of ``np.minimum(values, 0.0)`` when ``negative_only``)
    where every value is a whole cent within ``_WHOLE_BOUND``, and whether that is so.

    Such a sum is the same number in any order, so a loop finds numpy's pairwise answer; like
    numpy's, it starts from 0.0 (a sum of -0.0 terms only is 0.0). (0.0, False) when a term is not such a cent.
    """
    total, misses = _whole_sum(values, negative_only)
    if misses:
        return 0.0, False
    return total, values.shape[0] <= _EXACT_TERMS


@_jit
def _exact_sum_rows(values: npt.NDArray[np.float64]) -> tuple[float, bool]:
    """``_exact_sum`` of a table (every term of every row, ``np.add.reduce(values, axis=None)``), row by row."""
    total = 0.0
    for r in range(values.shape[0]):
        part, misses = _whole_sum(values[r], False)
        if misses:
            return 0.0, False
        total += part
    return total, values.shape[0] * values.shape[1] <= _EXACT_TERMS


@_jit
def stock_sums(  # noqa: PLR0913
    a: npt.NDArray[np.float64],
    m: int,
    pending: npt.NDArray[np.float64],
    coop_pending: npt.NDArray[np.float64],
    funding_due: npt.NDArray[np.float64],
    advance_left: npt.NDArray[np.float64],
    capital_due: npt.NDArray[np.float64],
    allocations_due: npt.NDArray[np.float64],
    month: int,
) -> tuple[tuple[float, bool], ...]:
    """The sums of ``Book.stock_sums`` (the same numbers, in its order), each with whether it is exact
    (``_exact_sum``): when one is not (a term that is not a whole cent within range), the caller lets
    numpy add them."""
    treasury = a[ROW_TREASURY_CENTS, :m]
    return (
        _exact_sum(treasury, False),
        _exact_sum(treasury, True),
        _exact_sum_rows(pending[:, :m]),
        _exact_sum(coop_pending, False),
        _exact_sum_rows(funding_due[:, month + 1 :]),
        _exact_sum(advance_left, False),
        _exact_sum(capital_due[month + 1 :], False),
        _exact_sum(allocations_due[month + 1 :], False),
    )


@_jit
def year_earned(funding_earned: npt.NDArray[np.float64], first: int, t: int, by_convention: npt.NDArray[np.float64]) -> bool:
    """What each convention earned from month ``first`` to ``t`` (``np.add.reduce(funding_earned[:, first : t + 1],
    axis=1)``) into ``by_convention``, and their total into its last element (one longer than the conventions).

    Returns False, ``by_convention`` of no use, when some term is not a whole cent within range
    (the caller then lets numpy add them).
    """
    n = funding_earned.shape[0]
    for c in range(n):
        total, ok = _exact_sum(funding_earned[c, first : t + 1], False)
        if not ok:
            return False
        by_convention[c] = total
    total, ok = _exact_sum(by_convention[:n], False)
    by_convention[n] = total
    return ok


# Columns of the conventions' table that ``public_funding`` reads (``processes._convention_table``).
C_FIRST, C_KIND, C_AMOUNT, C_CEILING, C_PERIOD, C_LAG, C_ADVANCE, C_DAILLY = 0, 1, 2, 3, 4, 5, 6, 7
C_COLUMNS = 8
# ``processes``' kinds of conventions (params.FUNDING_KINDS order).
_FIXED, _PER_ACCUEIL, _PER_SUPPORTED, _PER_CESA_START = 0, 1, 2, 3


@_jit
def _py_min(x: float, y: float) -> float:
    """Python's ``min(x, y)`` of two floats (the first unless the second is smaller)."""
    return y if y < x else x


@_jit
def _py_max(x: float, y: float) -> float:
    """Python's ``max(x, y)`` of two floats (the first unless the second is larger)."""
    return y if y > x else x


@_jit
def _ceiling_sum(
    conventions: npt.NDArray[np.float64], last: npt.NDArray[np.int64], funding_earned: npt.NDArray[np.float64], c: int, t: int
) -> tuple[float, bool]:
    """What convention ``c`` has earned so far in its convention year before month ``t``, and whether that sum is exact
    (``_exact_sum``); (0.0, True) when it has no ceiling or does not cover ``t``."""
    first = int(conventions[c, C_FIRST])
    if not (first <= t <= last[c] and np.isfinite(conventions[c, C_CEILING])):
        return 0.0, True
    k = t - first
    year_start = first + 12 * (k // 12)
    return _exact_sum(funding_earned[c, max(year_start, 0) : t], False)


@_jit
def public_funding(  # noqa: PLR0913
    conventions: npt.NDArray[np.float64],
    last: npt.NDArray[np.int64],
    t: int,
    accueils: float,
    n_active: int,
    cesa_entries: float,
    rsa_entries: float,
    funding_earned: npt.NDArray[np.float64],
    funding_due: npt.NDArray[np.float64],
    funding_received: npt.NDArray[np.float64],
    advance_left: npt.NDArray[np.float64],
    advance_settle_due: npt.NDArray[np.float64],
    dailly_in: npt.NDArray[np.float64],
    dailly_out: npt.NDArray[np.float64],
    totals: npt.NDArray[np.float64],
) -> bool:
    """``processes._public_funding`` (with ``_convention_advance``): what each convention earns this
    month and what it pays, the same operations in the same order.

    ``conventions`` holds one row per convention (columns ``C_*``, whole amounts), ``last`` the
    last month each covers. ``totals`` (in and out): the month's public funding earned and
    received, the year's result, the cooperative's ledger and the convention advances, each
    added to convention after convention as the Python code adds them. Returns False, having
    changed nothing, when a ceiling's sum of the year's earnings has a term that is not a
    whole cent within range (the caller then runs the Python code, whose sum is numpy's).
    """
    n = conventions.shape[0]
    for c in range(n):  # the ceilings' sums first: nothing is written before they are known exact
        if not _ceiling_sum(conventions, last, funding_earned, c, t)[1]:
            return False
    earned_total, received_total, result, ledger, advances = totals[0], totals[1], totals[2], totals[3], totals[4]
    for c in range(n):
        first = int(conventions[c, C_FIRST])
        if first <= t <= last[c]:
            k = t - first
            kind = int(conventions[c, C_KIND])
            amount = conventions[c, C_AMOUNT]
            if kind == _FIXED:  # money.monthly_instalment_cents, in integers
                whole = int(amount)
                earned = float((whole * (k + 1) + 6) // 12 - (whole * k + 6) // 12)
            elif kind == _PER_ACCUEIL:
                earned = accueils * amount
            elif kind == _PER_SUPPORTED:
                earned = np.rint(float(n_active * int(amount)) / 12.0)
            elif kind == _PER_CESA_START:
                earned = cesa_entries * amount
            else:
                earned = rsa_entries * amount
            ceiling = conventions[c, C_CEILING]
            if np.isfinite(ceiling):  # (the sum of the months before this one: this month's is not written yet)
                earned = _py_max(_py_min(earned, ceiling - _ceiling_sum(conventions, last, funding_earned, c, t)[0]), 0.0)
            period = int(conventions[c, C_PERIOD])
            period_end = first + period * (k // period + 1) - 1
            funding_earned[c, t] = earned
            due_month = period_end + int(conventions[c, C_LAG])
            payable = earned
            advance = conventions[c, C_ADVANCE]
            if advance != 0.0:  # processes._convention_advance
                if k % 12 == 0:
                    funding_due[c, t] += advance
                    advances += advance
                    advance_left[c] = advance
                left = advance_left[c]
                covered = _py_min(earned, left)
                left = left - covered
                advance_left[c] = left
                advance_settle_due[due_month] += covered
                payable = earned - covered
                if (k % 12 == 11 or t == last[c]) and left > 0:
                    refund = advance_left[c]
                    advance_left[c] = 0.0
                    advance_settle_due[due_month] += refund
                    payable -= refund
            funding_due[c, due_month] += payable
            share = conventions[c, C_DAILLY]
            if share != 0.0 and payable > 0 and due_month > period_end:
                financed = np.rint(payable * share)
                dailly_in[period_end] += financed
                dailly_out[due_month] += financed
            earned_total += earned
            result += earned
        received = funding_due[c, t]
        if received != 0.0:
            funding_received[c, t] = received
            received_total += received
            ledger += received
    totals[0], totals[1], totals[2], totals[3], totals[4] = earned_total, received_total, result, ledger, advances
    return True


# Entries of ``month_close``'s state (in and out): the book's figures and the month's flows it changes,
# the first sixteen numbers of the book's ``cs`` (``Book.cs``, which the kernel works on in place).
(S_ADVANCES, S_QUASI, S_DAILLY, S_DEBT, S_LEDGER, S_FINANCING_NET, S_RESULT, S_RECEIVED, S_REPAID, S_INTEREST,
 S_CAPITAL_REPAID, S_ALLOCATIONS_PAID, S_EARNED, S_RECOVERED, S_YEAR_RECOVERED, S_FUNDING_RECEIVED) = (
    CS_ADVANCES, CS_QUASI, CS_DAILLY, CS_DEBT, CS_LEDGER, CS_FINANCING_NET, CS_RESULT, CS_RECEIVED, CS_REPAID, CS_INTEREST,
    CS_CAPITAL_REPAID, CS_ALLOCATIONS_PAID, CS_EARNED, CS_RECOVERED, CS_YEAR_RECOVERED, CS_FUNDING_RECEIVED,
)  # fmt: skip
S_SIZE = 16
# Rows of ``month_close``'s financing schedule (``processes._financing_tables``).
F_QUASI_RECEIVED, F_QUASI_PRINCIPAL, F_RECEIVED, F_DEBT_PRINCIPAL, F_INTEREST = 0, 1, 2, 3, 4


@_jit
def _interest(balance_cents: float, annual_rate: float) -> float:
    """``processes._interest`` (``monthly_interest_cents``): one month's interest, whole cents."""
    if balance_cents <= 0 or annual_rate <= 0:
        return 0.0
    return np.rint(balance_cents * annual_rate / 12.0)


@_jit
def month_close(  # noqa: PLR0913
    t: int,
    conventions: npt.NDArray[np.float64],
    last: npt.NDArray[np.int64],
    n_active: int,
    counts: npt.NDArray[np.float64],
    funding_due: npt.NDArray[np.float64],
    funding_received: npt.NDArray[np.float64],
    advance_left: npt.NDArray[np.float64],
    schedule: npt.NDArray[np.float64],
    from_caf: npt.NDArray[np.float64],
    caf_outstanding: npt.NDArray[np.float64],
    caf_due: npt.NDArray[np.float64],
    advance_settle_due: npt.NDArray[np.float64],
    dailly_in: npt.NDArray[np.float64],
    dailly_out: npt.NDArray[np.float64],
    capital_due: npt.NDArray[np.float64],
    allocations_due: npt.NDArray[np.float64],
    rates: npt.NDArray[np.float64],
    funding_earned: npt.NDArray[np.float64],
    first: int,
    year_contributions: float,
    earned: npt.NDArray[np.float64],
    state: npt.NDArray[np.float64],
) -> int:
    """``public_funding`` (when ``conventions`` has rows; ``counts``: the month's accueils, CESA entries and
    RSA entrants, then five numbers of room for ``public_funding``'s totals), then ``processes._financing``,
    the capital repaid and allocations paid of ``close_month``,
    and the month's provision of ``processes._recover_over_compensation`` (not its sharing at the
    closing), the same operations in the same order, on ``state`` (entries ``S_*``).

    ``schedule`` holds the financing plan's monthly rows ``F_*`` (no row: no financing plan),
    ``from_caf`` one row per instrument repaid from the CAF (month received, amount, yearly rate,
    quasi-equity 1.0 or 0.0); ``rates``: the Dailly's and the overdraft's yearly rates, the
    authorised overdraft, the own treasury at the end of last month, the recovery's margin share
    (NaN: no clause de reversement). ``earned`` receives ``year_earned``'s sums (the recovery's).
    Returns 0, having changed nothing, when ``public_funding`` hands the month back; 1, having done
    only the public funding, when the recovery's sums have a term that is not a whole cent within
    range (the caller then runs the Python code for the rest); 2 when all is done.
    """
    if conventions.shape[0] > 0:
        totals = counts[3:8]  # public_funding's: earned, received, the year's result, the ledger, the advances
        totals[0], totals[1], totals[2] = state[S_EARNED], state[S_FUNDING_RECEIVED], state[S_RESULT]
        totals[3], totals[4] = state[S_LEDGER], state[S_ADVANCES]
        if not public_funding(
            conventions, last, t, counts[0], n_active, counts[1], counts[2], funding_earned, funding_due, funding_received,
            advance_left, advance_settle_due, dailly_in, dailly_out, totals,
        ):  # fmt: skip
            return 0
        state[S_EARNED], state[S_FUNDING_RECEIVED], state[S_RESULT] = totals[0], totals[1], totals[2]
        state[S_LEDGER], state[S_ADVANCES] = totals[3], totals[4]
    recovery = rates[4] == rates[4]
    if recovery and not (first >= 0 and year_earned(funding_earned, first, t, earned)):
        return 1
    advances = state[S_ADVANCES] - advance_settle_due[t]
    d_in, d_out = dailly_in[t], dailly_out[t]
    if schedule.shape[0] == 0:
        received = repaid = interest = 0.0
        quasi_in = quasi_out = 0.0
    else:
        quasi_in, quasi_out = schedule[F_QUASI_RECEIVED, t], schedule[F_QUASI_PRINCIPAL, t]
        received = schedule[F_RECEIVED, t]
        repaid = quasi_out + schedule[F_DEBT_PRINCIPAL, t]
        interest = schedule[F_INTEREST, t]
        for i in range(from_caf.shape[0]):
            if t == from_caf[i, 0]:
                caf_outstanding[i] += from_caf[i, 1]
            else:
                outstanding = caf_outstanding[i]
                if outstanding > 0:
                    interest += _interest(outstanding, from_caf[i, 2])
                    paid = _py_min(caf_due[i, t], outstanding)
                    caf_outstanding[i] = outstanding - paid
                    repaid += paid
                    if from_caf[i, 3] != 0.0:
                        quasi_out += paid
        interest += _interest(state[S_DAILLY], rates[0])
        interest += _interest(_py_min(-rates[3], rates[2]), rates[1])
    state[S_ADVANCES] = advances
    state[S_QUASI] += quasi_in - quasi_out
    state[S_DAILLY] += d_in - d_out
    state[S_DEBT] += (received - quasi_in) - (repaid - quasi_out) + d_in - d_out
    received += d_in
    repaid += d_out
    state[S_LEDGER] += received - repaid - interest
    state[S_FINANCING_NET] += received - repaid - interest
    state[S_RESULT] -= interest
    state[S_RECEIVED] += received
    state[S_REPAID] += repaid
    state[S_INTEREST] += interest
    capital, allocations = capital_due[t], allocations_due[t]
    state[S_LEDGER] -= capital + allocations
    state[S_CAPITAL_REPAID] += capital
    state[S_ALLOCATIONS_PAID] += allocations
    if recovery:
        total = earned[funding_earned.shape[0]]
        result = state[S_RESULT] + state[S_YEAR_RECOVERED]  # before the provision
        costs = total + year_contributions - result
        margin = rates[4] * costs
        target = _py_min(_py_max(total, 0.0), _py_max(result - np.rint(margin), 0.0))
        delta = target - state[S_YEAR_RECOVERED]
        if delta != 0.0:  # (Python's ``if delta``: NaN too)
            state[S_EARNED] -= delta
            state[S_RECOVERED] += delta
            state[S_RESULT] -= delta
            state[S_YEAR_RECOVERED] = target
    return 2


# Entries of ``coop_month``'s constants (``processes._constants``: one array per set of parameters).
(
    P_HIRE_ABOVE, P_HIRING_STEP, P_RECRUITMENT_DELAY, P_FREEZE_MONTHS, P_SUPPORT_RATIO, P_SUPPORT_PER_100, P_SUPPORT_AT_OPENING,
    P_PER_HEAD, P_OVERHEADS, P_PER_ENTREPRENEUR, P_OVERHEADS_PER_FTE, P_OUTSOURCING, P_AUDIT_AND_LEGAL, P_SETUP,
) = range(14)  # fmt: skip
P_COLUMNS = 14


@_jit
def coop_month(  # noqa: PLR0913
    t: int,
    calendar: int,
    m: int,
    cs: npt.NDArray[np.float64],
    active: int,
    payslips: int,
    coop_pending: npt.NDArray[np.float64],
    col: int,
    contributions: float,
    capital_in: float,
    turnover: float,
    site_opening: npt.NDArray[np.int64],
    site_fte_at_opening: npt.NDArray[np.float64],
    site_hire_month: npt.NDArray[np.int64],
    site_staff: npt.NDArray[np.float64],
    funding_due: npt.NDArray[np.float64],
    advance_left: npt.NDArray[np.float64],
    staff_fte_cost: float,
    support_fte_cost: float,
    rent: float,
    pc: npt.NDArray[np.float64],
    dues: npt.NDArray[np.float64],
    dues_year: npt.NDArray[np.float64],
    out: npt.NDArray[np.float64],
) -> bool:
    """The cooperative's own month after its activities' (``processes._accounting``'s end): the
    receivables of closed activities collected, the capital paid in, ``_staffing``, ``_structure_costs``,
    the month's part of ``_headcount_band`` and the year's result, contributions and ledger, on ``cs``
    in place, the same operations in the same order, for one site.

    ``active``: the people in CAPE, CESA or associé; ``payslips``: those in CESA or associé; ``staff_fte_cost``, ``support_fte_cost``: the
    cost of one staff and one support FTE (``processes._fte_costs``); ``pc``: the constants ``P_*``; ``dues``: one row
    per due (rate, 1.0 when on turnover, floor). Writes the receivables collected, the staff costs
    and all costs into ``out``. Returns False, having changed nothing, when a hire depends on sums
    whose terms are not whole cents within range (the caller then runs the Python code).
    """
    step = pc[P_HIRING_STEP]
    staff0 = site_staff[0]
    hire0 = site_hire_month[0]
    opening0 = site_opening[0]
    opened = t > 0 and opening0 == t
    if opened:
        staff0 += site_fte_at_opening[0]
    arrived = hire0 == t
    if arrived:
        staff0 += step
        hire0 = -1
    crowded = hire0 < 0 and opening0 <= t and m > pc[P_HIRE_ABOVE] * staff0
    hiring = False
    if crowded:  # processes._cash_for_hiring
        due, ok_due = _exact_sum_rows(funding_due[:, t + 1 :])
        left, ok_left = _exact_sum(advance_left, False)
        if not (ok_due and ok_left):
            return False
        receivable = (due - left) - cs[CS_DAILLY]
        cash = cs[CS_OWN_TREASURY] + _py_max(receivable, 0.0)
        hiring = cash >= pc[P_FREEZE_MONTHS] * cs[CS_LAST_COSTS]
    # Nothing is written before this line.
    collected = coop_pending[col]
    coop_pending[col] = 0.0
    cs[CS_CAPITAL] += capital_in
    if opened:
        site_staff[0] = site_staff[0] + site_fte_at_opening[0]
    if arrived:
        site_staff[0] = site_staff[0] + step
        site_hire_month[0] = -1
    if hiring:
        delay = int(pc[P_RECRUITMENT_DELAY])
        if delay == 0:
            site_staff[0] = site_staff[0] + step
        else:
            site_hire_month[0] = t + delay
    staff_fte = 0.0 + site_staff[0]
    cs[CS_STAFF_FTE] = staff_fte
    needed = pc[P_SUPPORT_RATIO] * staff_fte + pc[P_SUPPORT_PER_100] * float(active) / 100.0
    support = _py_max(_py_max(pc[P_SUPPORT_AT_OPENING], cs[CS_SUPPORT_FTE]), float(math.ceil(needed / step)) * step)
    cs[CS_SUPPORT_FTE] = support
    # _structure_costs
    team = staff_fte + support
    staff = np.rint(staff_fte * staff_fte_cost + support * support_fte_cost)
    staff += np.rint(team * pc[P_PER_HEAD])
    costs = staff + rent + pc[P_OVERHEADS] + pc[P_PER_ENTREPRENEUR] * float(active)
    costs += np.rint(pc[P_OVERHEADS_PER_FTE] * team)
    costs += pc[P_OUTSOURCING] * float(payslips)
    n_dues = dues.shape[0]
    if n_dues:
        if calendar == 1:
            for j in range(n_dues):
                dues_year[j] = 0.0
        total = 0.0
        for j in range(n_dues):
            due = np.rint(dues[j, 0] * (turnover if dues[j, 1] != 0.0 else contributions))
            if calendar == 12:
                top_up = dues[j, 2] - dues_year[j]
                due = due if (due >= top_up or due != due) else top_up
            dues_year[j] += due
            total += due
        costs += total
    if calendar == 12:
        costs += pc[P_AUDIT_AND_LEGAL]
    if t == 0:
        costs += pc[P_SETUP]
    # _headcount_band's month
    cs[CS_HEADCOUNT_SUM] += float(payslips) + staff_fte + support
    cs[CS_HEADCOUNT_MONTHS] += 1.0
    cs[CS_RESULT] += contributions - costs
    cs[CS_YEAR_CONTRIBUTIONS] += contributions
    cs[CS_LEDGER] += contributions + collected + capital_in - costs
    out[0], out[1], out[2] = collected, staff, costs
    return True


@_jit
def month_stocks(  # noqa: PLR0913
    a: npt.NDArray[np.float64],
    m: int,
    pending: npt.NDArray[np.float64],
    coop_pending: npt.NDArray[np.float64],
    funding_due: npt.NDArray[np.float64],
    advance_left: npt.NDArray[np.float64],
    capital_due: npt.NDArray[np.float64],
    allocations_due: npt.NDArray[np.float64],
    month: int,
    cs: npt.NDArray[np.float64],
    n_cape: int,
    n_cesa: int,
    n_associe: int,
    n_exited: int,
    n_waiting: int,
    costs: float,
    row: npt.NDArray[np.float64],
) -> bool:
    """``Book.stocks`` (its sums by ``stock_sums``) into ``row``, in ``book.STOCK_COLUMNS``' order, then the
    own treasury and the month's costs that the next month reads into ``cs``.

    ``n_*``: the people in CAPE, CESA, associé, exited and waiting. Returns False, having written
    nothing, when some term of a sum is not a whole cent within range (the caller then lets numpy add them).
    """
    parts = stock_sums(a, m, pending, coop_pending, funding_due, advance_left, capital_due, allocations_due, month)
    for k in range(8):
        if not parts[k][1]:
            return False
    sums = (parts[0][0], parts[1][0], parts[2][0], parts[3][0], parts[4][0], parts[5][0], parts[6][0], parts[7][0])
    activities, negative = sums[0], sums[1]
    advances = -(negative + 0.0)
    ledger = cs[CS_LEDGER]
    retained = cs[CS_RESULT] - cs[CS_LOSS_CARRIED_FORWARD]
    row[0], row[1], row[2], row[3], row[4] = n_cape, n_cesa, n_associe, n_exited, n_waiting
    row[5] = cs[CS_STAFF_FTE]
    row[6] = cs[CS_SUPPORT_FTE]
    row[7] = ledger
    row[8] = activities
    row[9] = advances
    row[10] = ledger - advances
    row[11] = ledger + activities
    row[12] = sums[2] + sums[3]
    row[13] = sums[4] - sums[5]
    row[14] = cs[CS_CAPITAL]
    row[15] = sums[6]
    row[16] = sums[7]
    row[17] = cs[CS_LEGAL_RESERVE]
    row[18] = cs[CS_STATUTORY_RESERVES]
    row[19] = cs[CS_LOSS_CARRIED_FORWARD]
    row[20] = cs[CS_OTHER_FUNDS] + cs[CS_CAPITAL] + cs[CS_LEGAL_RESERVE] + cs[CS_STATUTORY_RESERVES] + retained
    row[21] = cs[CS_QUASI]
    row[22] = cs[CS_DEBT]
    row[23] = cs[CS_ADVANCES]
    row[24] = ledger - advances - cs[CS_FINANCING_NET] - cs[CS_ADVANCES]
    cs[CS_LAST_COSTS] = costs
    cs[CS_OWN_TREASURY] = row[10]
    return True


@_jit
def entrants(  # noqa: PLR0913
    t: int,
    cumshares: npt.NDArray[np.float64],
    log_median: npt.NDArray[np.float64],
    sigma: npt.NDArray[np.float64],
    u_sector: npt.NDArray[np.float64],
    z: npt.NDArray[np.float64],
    u_status: npt.NDArray[np.float64],
    are_share: float,
    older_share: float,
    between_share: float,
    are_max_older: float,
    are_max_between: float,
    are_max: float,
    rsa_share: float,
    sector: npt.NDArray[np.int64],
    mature: npt.NDArray[np.float64],
    columns: npt.NDArray[np.float64],
) -> int:
    """The k entrants' draws made numbers, as ``processes._start_taken`` makes them: each one's sector
    (``cumshares.searchsorted(u_sector, side="right")``), its mature turnover (``exp(log_median`` +
    ``sigma`` x ``z)`` of its sector: the C library's ``exp``, as ``simcoop.libm``'s), and its prior status and ARE end month from
    the two uniforms of ``u_status`` (the first k, then the next k). Writes the ARE end months to
    ``columns[:k]`` and the prior statuses to ``columns[3k:4k]`` (``Book.add_entrants``' columns; the
    caller writes the zones and sites between); returns how many are on RSA.
    """
    k = u_sector.shape[0]
    rsa = 0
    for j in range(k):
        s = _search_right(cumshares, u_sector[j])
        sector[j] = s
        mature[j] = math.exp(log_median[s] + sigma[s] * z[j])
        u = u_status[j]
        if u < are_share:
            # Given ARE, u / are_share is uniform on [0, 1): it draws the age band without a new draw.
            v = u / _py_max(are_share, 1e-300)
            if v < older_share:
                longest = are_max_older
            elif v < older_share + between_share:
                longest = are_max_between
            else:
                longest = are_max
            columns[3 * k + j] = 1.0
            columns[j] = float(t + 1) + np.floor(u_status[k + j] * longest)
        else:
            status = 2 if u < are_share + rsa_share else 0
            if status == 2:
                rsa += 1
            columns[3 * k + j] = float(status)
            columns[j] = -1.0
    return rsa


@_jit
def entrants_open(draw: tuple, opening: tuple) -> int:  # type: ignore[type-arg]
    """``entrants(*draw)``, then ``book.open_columns(*opening)`` on what it wrote, in one call: the entrants' draws
    made numbers and their activities opened (``processes._start_taken``). ``opening``'s mature turnovers are
    ``draw``'s (its ``mature``). Returns how many are on RSA."""
    rsa = entrants(*draw)
    open_columns(*opening)
    return rsa


@_jit
def cesa_pay_settle_charged(  # noqa: PLR0913
    settle: tuple,  # type: ignore[type-arg]
    insurance: npt.NDArray[np.float64],
    at_mp: npt.NDArray[np.float64],
    table_at_mp: float,
    per_head_cents: float,
    versement_mobilite_rate: float,
    taxe_ratio: float,
    bounds: npt.NDArray[np.float64],
    taxe_rates: npt.NDArray[np.float64],
) -> float:
    """``cesa_pay_settle(*settle)``, then the month's ``activity_charges`` on the gross it paid (what ``processes``
    does next when no CAPE pay comes between), in one call; returns the charges' total."""
    cesa_pay_settle(*settle)
    a, m, salaried, out = settle[0], settle[1], settle[2], settle[4]
    return activity_charges(
        a, m, salaried, out[O_GROSS], True, insurance, at_mp, table_at_mp, per_head_cents, versement_mobilite_rate, taxe_ratio, bounds,
        taxe_rates,
    )  # fmt: skip


@_jit
def month_end(  # noqa: PLR0913
    close: tuple,  # type: ignore[type-arg]
    a: npt.NDArray[np.float64],
    m: int,
    pending: npt.NDArray[np.float64],
    coop_pending: npt.NDArray[np.float64],
    n_cape: int,
    n_cesa: int,
    n_associe: int,
    n_exited: int,
    n_waiting: int,
    costs: float,
    row: npt.NDArray[np.float64],
    site_active: npt.NDArray[np.float64],
    site_waiting: npt.NDArray[np.float64],
    site_staff_series: npt.NDArray[np.float64],
    site_staff: npt.NDArray[np.float64],
    zone_active: npt.NDArray[np.float64],
) -> int:
    """A month's end outside a closing, one site and one zone, in one call: ``month_close(*close)``, then (when it
    has done all) ``month_stocks`` and the month's series of the site and the zone (``processes.close_month``:
    the activities, the waiting list and the team at the site, the activities in the zone).

    Returns ``month_close``'s answer (0, 1: the caller goes on in Python, the stocks too), 2 when the
    stocks were left to numpy, or 6 when everything was done.
    """
    done = month_close(*close)
    if done != 2:
        return done
    t, funding_due, advance_left, capital_due, allocations_due, cs = close[0], close[5], close[7], close[15], close[16], close[22]
    if not month_stocks(
        a, m, pending, coop_pending, funding_due, advance_left, capital_due, allocations_due, t, cs, n_cape, n_cesa, n_associe, n_exited,
        n_waiting, costs, row,
    ):  # fmt: skip
        return 2
    site_active[0, t] = m
    site_waiting[0, t] = n_waiting
    site_staff_series[0, t] = site_staff[0]
    zone_active[0, t] = m
    return 6
