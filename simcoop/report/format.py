"""French number, money, percentage and date formats for the report.

French typography: a narrow no-break space (U+202F) groups thousands, a comma marks the
decimals, a no-break space (U+00A0) separates a number from its unit (``€``, ``%``),
and negative numbers take the true minus sign (U+2212). ``1 234 567 €``, ``12,5 %``,
``janvier 2027``, ``de 12 à 18``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from simcoop.months import shift_month, year_and_month

__all__ = [
    "MINUS",
    "MONTHS_FR",
    "NBSP",
    "NNBSP",
    "add_months",
    "fmt_date",
    "fmt_eur",
    "fmt_int",
    "fmt_keur",
    "fmt_keur_round",
    "fmt_money",
    "fmt_median_range",
    "fmt_month",
    "fmt_month_index",
    "fmt_number",
    "fmt_pct",
    "fmt_range",
    "is_missing",
]

NNBSP = "\u202f"  # narrow no-break space: thousands separator
NBSP = "\u00a0"  # no-break space: before a unit
MINUS = "\u2212"

MONTHS_FR: tuple[str, ...] = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip

DASH = "—"


def is_missing(value: Any) -> bool:
    """True for None, NaN, pandas NA and empty strings."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    if type(value).__name__ in ("NAType", "NaTType"):  # pandas.NA, pandas.NaT
        return True
    try:
        return math.isnan(value)
    except TypeError:
        return False


def fmt_number(value: Any, decimals: int = 0) -> str:
    """``1234567.891`` -> ``1 234 567,89`` (with ``decimals=2``); missing -> ``—``."""
    if is_missing(value):
        return DASH
    number = round(float(value), decimals)
    if number == 0:
        number = 0.0  # no "−0"
    text = f"{abs(number):,.{decimals}f}"
    text = text.replace(",", NNBSP).replace(".", ",")
    return (MINUS if number < 0 else "") + text


def fmt_int(value: Any) -> str:
    """A whole number with grouped thousands: ``1 234``."""
    return fmt_number(value, 0)


def fmt_eur(value: Any, decimals: int = 0) -> str:
    """Euros: ``1 234 567 €``."""
    if is_missing(value):
        return DASH
    return f"{fmt_number(value, decimals)}{NBSP}€"


def fmt_keur(value: Any, decimals: int = 0) -> str:
    """Thousands of euros without the unit (tables say "k€" in their header): ``-69 053`` -> ``−69``."""
    if is_missing(value):
        return DASH
    return fmt_number(float(value) / 1000.0, decimals)


def fmt_money(value: Any) -> str:
    """Euros rounded to what a simulation can claim: ``1 073 317`` -> ``1,07 M€``, ``-94 312`` -> ``−94 k€``, ``850`` -> ``850 €``."""
    if is_missing(value):
        return DASH
    v = float(value)
    a = abs(v)
    if a >= 1_000_000:
        return f"{fmt_number(v / 1_000_000, 2)}{NBSP}M€"
    if a >= 10_000:
        return f"{fmt_number(v / 1000, 0)}{NBSP}k€"
    if a >= 1000:
        return f"{fmt_number(v / 1000, 1)}{NBSP}k€"
    return f"{fmt_number(v, 0)}{NBSP}€"


def fmt_keur_round(value: Any) -> str:
    """Euros in k€, rounded as a reader quotes them: ``827 400`` -> ``830 k€``, ``1 462 000`` -> ``1,5 M€``, ``23 600`` -> ``24 k€``."""
    if is_missing(value):
        return DASH
    v = float(value)
    a = abs(v)
    if a >= 1_000_000:
        return f"{fmt_number(v / 1_000_000, 1)}{NBSP}M€"
    if a >= 100_000:
        return f"{fmt_number(round(v / 10_000) * 10, 0)}{NBSP}k€"
    if a >= 1000:
        return f"{fmt_number(v / 1000, 0)}{NBSP}k€"
    return f"{fmt_number(round(v / 100) * 100, 0)}{NBSP}€"


def fmt_pct(value: Any, decimals: int = 0) -> str:
    """A share as a percentage: ``0.125`` -> ``12,5 %`` (``decimals=1``), ``0.12`` -> ``12 %``."""
    if is_missing(value):
        return DASH
    return f"{fmt_number(float(value) * 100.0, decimals)}{NBSP}%"


def add_months(year_month: str, months: int) -> tuple[int, int]:
    """(year, month) ``months`` after ``YYYY-MM``."""
    return year_and_month(shift_month(year_month[:7], months))


def fmt_month(value: Any) -> str:
    """``2027-01`` (or a date) -> ``janvier 2027``."""
    if is_missing(value):
        return DASH
    if isinstance(value, (date, datetime)):
        return f"{MONTHS_FR[value.month - 1]} {value.year}"
    if hasattr(value, "month") and hasattr(value, "year"):  # pandas Timestamp / Period
        return f"{MONTHS_FR[int(value.month) - 1]} {int(value.year)}"
    year, month = year_and_month(str(value))
    return f"{MONTHS_FR[month - 1]} {year}"


def fmt_month_index(index: Any, start_month: str) -> str:
    """Month index of the run (0 = ``start_month``) -> ``avril 2029``."""
    if is_missing(index):
        return DASH
    year, month = add_months(start_month, round(float(index)))
    return f"{MONTHS_FR[month - 1]} {year}"


def fmt_date(value: Any) -> str:
    """A date -> ``26 novembre 2026`` (``1er`` for the first of the month)."""
    if is_missing(value):
        return DASH
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS_FR[value.month - 1]} {value.year}"


def fmt_range(low: Any, high: Any, fmt: Callable[[Any], str] = fmt_int) -> str:
    """``de 12 à 18``; one value when both bounds format alike; ``—`` when missing.

    With a unit the unit is written once, at the end: ``de 12 à 18 %``, ``de 1 200 à 1 500 €``.
    """
    if is_missing(low) or is_missing(high):
        return DASH
    a, b = fmt(low), fmt(high)
    if a == b:
        return a
    for unit in (f"{NBSP}€", f"{NBSP}%"):
        if a.endswith(unit) and b.endswith(unit):
            a = a[: -len(unit)]
    return f"de {a} à {b}"


def fmt_median_range(q: dict[str, Any] | None, fmt: Callable[[Any], str] = fmt_int) -> tuple[str, str]:
    """(median, "de p5 à p95") from a ``{p5, p50, p95}`` mapping."""
    if not q:
        return DASH, DASH
    return fmt(q.get("p50")), fmt_range(q.get("p5"), q.get("p95"), fmt)
