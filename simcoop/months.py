"""Month arithmetic on calendar months written YYYY-MM: the one place that counts months.

A month has an absolute index ``year * 12 + month - 1`` (``month_index``); every other
function here is that index and its inverse, so that no module does its own ``* 12``.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = [
    "MONTH_PATTERN",
    "calendar_years",
    "month_end_offset",
    "month_index",
    "month_of_index",
    "month_offset",
    "shift_month",
    "year_and_month",
]

#: A calendar month written YYYY-MM.
MONTH_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def year_and_month(month: str) -> tuple[int, int]:
    """``(year, month)`` of ``YYYY-MM`` (a longer date such as ``YYYY-MM-DD`` is cut to its month)."""
    year, mon = (int(x) for x in str(month).split("-")[:2])
    return year, mon


@lru_cache(maxsize=4096)
def month_index(month: str) -> int:
    """The absolute index of a month: ``year * 12 + month - 1`` (parsed once per month text:
    a drawn run asks the same dozen months again at every replication)."""
    year, mon = year_and_month(month)
    return year * 12 + mon - 1


def month_of_index(index: int) -> str:
    """The month (YYYY-MM) of an absolute index (``month_index``'s inverse)."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_offset(start: str, month: str) -> int:
    """Months from ``start`` to ``month`` (both YYYY-MM); negative when before."""
    return month_index(month) - month_index(start)


def shift_month(month: str, months: int) -> str:
    """``month`` (YYYY-MM) moved by ``months`` (may be negative)."""
    return month_of_index(month_index(month) + int(months))


def month_end_offset(start: str, end: str) -> int:
    """Months from ``start`` to ``end`` inclusive (2027-01 to 2027-12 is 12)."""
    return month_offset(start, end) + 1


def calendar_years(start: str, months: int) -> list[int]:
    """The calendar year of each of ``months`` months from ``start`` (month 0 is ``start``)."""
    first = month_index(start)
    return [(first + k) // 12 for k in range(months)]
