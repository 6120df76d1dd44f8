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
    "monthly_instalments_cents",
    "monthly_instalment_cents",
    "payment_split",
    "rint_cents",
]

FloatArray = npt.NDArray[np.float64]

#: Mean days in a month (365.25 / 12), to turn payment delays in days into months.
DAYS_PER_MONTH = 365.25 / 12


def to_cents(amount_eur: float) -> int:
    """Euros to whole cents, rounding half away from zero as accountants do."""
    cents = abs(amount_eur) * 100.0
    rounded = math.floor(cents + 0.5)
    return int(rounded if amount_eur >= 0 else -rounded)


def rint_cents(x: float) -> float:
    """``float(np.rint(x))`` of a finite Python float (nearest whole cent, half to even, the sign of a zero kept),
    without numpy's call (about a microsecond): Python's ``round`` of a float rounds half to even too."""
    return math.copysign(float(round(x)), x)


def share_cents(amount_cents: npt.ArrayLike, rate: npt.ArrayLike) -> FloatArray:
    """``rate`` × ``amount_cents``, rounded to the nearest cent (half to even)."""
    return np.rint(np.multiply(amount_cents, rate, dtype=np.float64))


def monthly_instalments_cents(annual_cents: int, skip: int, count: int) -> npt.NDArray[np.int64]:
    """Monthly payments of an annual amount, whole cents, each 12 months adding up exactly.

    Month k of a line gets ``round(A*(k+1)/12) - round(A*k/12)``; the result covers months
    ``skip .. skip+count-1`` of the line.
    """
    k = np.arange(skip, skip + count + 1, dtype=np.int64)
    cumulative = (int(annual_cents) * k + 6) // 12
    return np.diff(cumulative)


def monthly_instalment_cents(annual_cents: int, k: int) -> int:
    """Month ``k`` of :func:`monthly_instalments_cents` alone, in Python integers (no array)."""
    a = int(annual_cents)
    return (a * (k + 1) + 6) // 12 - (a * k + 6) // 12


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
