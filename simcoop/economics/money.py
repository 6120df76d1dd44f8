"""Money rules for one month of an activity, in whole cents.

Amounts are whole numbers of cents held in float64 arrays: exact up to 2**53 cents, so
sums and differences never lose a cent, and the model's monthly loop needs no
integer conversions. Every function returns whole cents (``np.rint`` where a rate
applies).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = [
    "DAYS_PER_MONTH",
    "to_cents",
    "share_cents",
    "contribution_cents",
    "employer_cost_cents",
    "gross_for_employer_budget_cents",
    "payment_split",
]

FloatArray = npt.NDArray[np.float64]

#: Mean days in a month (365.25 / 12), to turn payment delays in days into months.
DAYS_PER_MONTH = 365.25 / 12


def to_cents(amount_eur: float) -> int:
    """Euros to whole cents, rounding half away from zero as accountants do."""
    cents = abs(amount_eur) * 100.0
    rounded = math.floor(cents + 0.5)
    return int(rounded if amount_eur >= 0 else -rounded)


def share_cents(amount_cents: npt.ArrayLike, rate: npt.ArrayLike) -> FloatArray:
    """``rate`` × ``amount_cents``, rounded to the nearest cent (half to even)."""
    return np.rint(np.multiply(amount_cents, rate, dtype=np.float64))


def contribution_cents(
    turnover_cents: npt.ArrayLike,
    gross_margin_cents: npt.ArrayLike,
    rate: float,
    base: str,
    minimum_cents: float,
    salaried: npt.ArrayLike,
) -> FloatArray:
    """The monthly contribution an activity pays the cooperative.

    ``rate`` applies to turnover excl. VAT (``base="turnover"``) or to the gross margin
    (``base="gross_margin"``). Activities under a CESA (``salaried`` true) pay at least
    ``minimum_cents`` a month (DOMAIN.md §3: some CAE add a €150-250 minimum).
    """
    if base == "turnover":
        basis = turnover_cents
    elif base == "gross_margin":
        basis = gross_margin_cents
    else:
        raise ValueError(f"unknown contribution base {base!r}")
    contribution = share_cents(basis, rate)
    if minimum_cents > 0:
        contribution = np.where(salaried, np.maximum(contribution, minimum_cents), contribution)
    return contribution


def employer_cost_cents(gross_cents: npt.ArrayLike, employer_rate: float) -> FloatArray:
    """Gross pay plus employer contributions at a flat rate."""
    gross = np.asarray(gross_cents, dtype=np.float64)
    return gross + share_cents(gross, employer_rate)


def gross_for_employer_budget_cents(budget_cents: npt.ArrayLike, employer_rate: float) -> FloatArray:
    """The largest whole-cent gross pay whose employer cost fits in ``budget_cents``.

    The cost ``g + rint(g * rate)`` lies within half a cent of ``g * (1 + rate)``, so no
    gross above ``(budget + 0.5) / (1 + rate)`` fits and every gross at or below one less
    than that does: the answer is ``g0 = floor((budget + 0.5) / (1 + rate))`` when its cost
    fits, else ``g0 - 1``. (A plain ``floor(budget / 1.12)`` would be wrong: 112 000 / 1.12
    is 99 999.999... in floats.) Negative budgets buy nothing.
    """
    budget = np.maximum(np.asarray(budget_cents, dtype=np.float64), 0.0)
    gross = np.floor((budget + 0.5) / (1.0 + employer_rate))
    cost = gross + np.rint(gross * employer_rate)
    gross -= cost > budget
    return gross


def payment_split(payment_delay_days: float) -> tuple[int, float]:
    """When an invoice is paid: ``(k, late_share)``.

    A share ``1 - late_share`` of the invoice is received ``k`` months after the month it
    is invoiced, and ``late_share`` one month later, so the mean delay is exact in months.
    """
    if payment_delay_days < 0:
        raise ValueError("payment delay must be >= 0 days")
    months = payment_delay_days / DAYS_PER_MONTH
    k = math.floor(months)
    return k, months - k
