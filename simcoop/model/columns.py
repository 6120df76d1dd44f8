"""The activity table's layout, and the compiled loop that opens its columns.

``Book.a`` holds one column per active activity and one row per field (``ROW_*``, ``N_ACTIVITY_ROWS``
rows). ``open_columns`` fills the columns of new entrants (``processes.Parcours._close_slot`` frees the column
of an activity that closes). It lives here, apart from ``simcoop.model.book``,
because numba compiles it from its Python bytecode while ``book.py`` itself may be compiled by Cython
(``setup.py``): a function Cython compiled has no bytecode for numba to read.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simcoop.jit import njit_no_alloc

__all__ = [
    "N_ACTIVITY_ROWS", "ROW_ARE_END_MONTH", "ROW_ASSOCIE_DEADLINE_MONTH", "ROW_CAPE_RENEWALS_LEFT",
    "ROW_CAPE_TERM_END_MONTH", "ROW_CAPITAL_DUE_CENTS", "ROW_CAPITAL_PAID_CENTS", "ROW_CESA_POSSIBLE_FROM_MONTH",
    "ROW_CONTRIBUTION_BASE_YTD_CENTS", "ROW_CONTRIBUTION_RATE", "ROW_ENTRY_MONTH", "ROW_EXIT_PROBABILITY",
    "ROW_FIXED_GROSS_CENTS", "ROW_GROSS_MARGIN_RATE", "ROW_GROSS_YTD_CENTS", "ROW_HALF_VARIANCE",
    "ROW_MATURE_TURNOVER_CENTS", "ROW_MONTHLY_VOLATILITY", "ROW_ON_TIME_SHARE", "ROW_PAID_MONTHS_YTD",
    "ROW_PERSON_ID", "ROW_PREVIOUS_YEAR_GROSS_CENTS", "ROW_PREVIOUS_YEAR_MONTHS", "ROW_RAMPUP_SLOPE_PER_MONTH",
    "ROW_RAMPUP_START_SHARE", "ROW_RECENT_NET_MARGIN_CENTS", "ROW_RELIEF_YTD_CENTS", "ROW_SECTOR",
    "ROW_SETTLEMENT_INSTALMENT_CENTS", "ROW_SETTLEMENT_OWED_CENTS", "ROW_SITE", "ROW_STAGE", "ROW_TREASURY_CENTS",
    "ROW_TRIAL_END_MONTH", "ROW_ZONE", "open_columns",
]  # fmt: skip

# Rows of the activity table ``Book.a`` (one column per active activity).
(
    ROW_PERSON_ID,
    ROW_STAGE,
    ROW_ENTRY_MONTH,
    ROW_RAMPUP_START_SHARE,
    ROW_RAMPUP_SLOPE_PER_MONTH,
    ROW_MATURE_TURNOVER_CENTS,
    ROW_MONTHLY_VOLATILITY,
    ROW_HALF_VARIANCE,
    ROW_GROSS_MARGIN_RATE,
    ROW_ON_TIME_SHARE,
    ROW_TREASURY_CENTS,
    ROW_RECENT_NET_MARGIN_CENTS,
    ROW_CESA_POSSIBLE_FROM_MONTH,
    ROW_CAPE_TERM_END_MONTH,
    ROW_CAPE_RENEWALS_LEFT,
    ROW_ASSOCIE_DEADLINE_MONTH,
    ROW_EXIT_PROBABILITY,
    ROW_SECTOR,
    ROW_CONTRIBUTION_RATE,
    ROW_CONTRIBUTION_BASE_YTD_CENTS,
    ROW_FIXED_GROSS_CENTS,
    ROW_ARE_END_MONTH,
    ROW_TRIAL_END_MONTH,
    ROW_CAPITAL_DUE_CENTS,
    ROW_CAPITAL_PAID_CENTS,
    ROW_SITE,
    ROW_ZONE,
    ROW_GROSS_YTD_CENTS,  # gross pay since January (réduction générale, annual)
    ROW_RELIEF_YTD_CENTS,  # réduction générale granted since January
    ROW_PAID_MONTHS_YTD,  # months paid since January
    ROW_PREVIOUS_YEAR_GROSS_CENTS,  # last calendar year's gross (and the settlement attached to it)
    ROW_PREVIOUS_YEAR_MONTHS,  # months paid last calendar year
    ROW_SETTLEMENT_OWED_CENTS,  # the last settlement's budget (employer cost) not yet paid in instalments
    ROW_SETTLEMENT_INSTALMENT_CENTS,  # the monthly instalment of that settlement
) = range(34)
N_ACTIVITY_ROWS = 34


@njit_no_alloc
def open_columns(
    a: npt.NDArray[np.float64],
    lag: npt.NDArray[np.int64],
    pending: npt.NDArray[np.float64],
    prior_status: npt.NDArray[np.int64],
    template: npt.NDArray[np.float64],
    lag_by_sector: npt.NDArray[np.int64],
    sector: npt.NDArray[np.int64],
    mature_cents: npt.NDArray[np.float64],
    columns: npt.NDArray[np.float64],
    m: int,
    first_id: int,
    month: int,
) -> None:
    """The columns of ``add_entrants``' numpy path, for the k entrants in slots ``m, m + 1, ...``
    (``columns``: their ARE end months, zones, sites and prior statuses, k of each in a row)."""
    k = sector.shape[0]
    for j in range(k):
        s = m + j
        sec = sector[j]
        for row in range(a.shape[0]):
            a[row, s] = template[row, sec]
        a[ROW_PERSON_ID, s] = first_id + j
        a[ROW_ENTRY_MONTH, s] = month
        a[ROW_MATURE_TURNOVER_CENTS, s] = mature_cents[j]
        a[ROW_ARE_END_MONTH, s] = columns[j]
        a[ROW_ZONE, s] = columns[k + j]
        a[ROW_SITE, s] = columns[2 * k + j]
        lag[s] = lag_by_sector[sec]
        for r in range(pending.shape[0]):
            pending[r, s] = 0.0
        prior_status[first_id + j] = int(columns[3 * k + j])
