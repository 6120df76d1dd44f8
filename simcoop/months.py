"""Month arithmetic on calendar months written YYYY-MM: the one place that counts months."""

from __future__ import annotations

import re

__all__ = ["MONTH_PATTERN", "month_end_offset", "month_offset", "shift_month"]

#: A calendar month written YYYY-MM.
MONTH_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def month_offset(start: str, month: str) -> int:
    """Months from ``start`` to ``month`` (both YYYY-MM); negative when before."""
    y0, m0 = (int(x) for x in start.split("-"))
    y1, m1 = (int(x) for x in month.split("-"))
    return (y1 - y0) * 12 + (m1 - m0)


def shift_month(month: str, months: int) -> str:
    """``month`` (YYYY-MM) moved by ``months`` (may be negative)."""
    year, mon = (int(x) for x in month.split("-"))
    index = year * 12 + (mon - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_end_offset(start: str, end: str) -> int:
    """Months from ``start`` to ``end`` inclusive (2027-01 to 2027-12 is 12)."""
    return month_offset(start, end) + 1


