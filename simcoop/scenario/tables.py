"""Read a roster CSV: the entrepreneurs present in an operating CAE (warm start).

Columns (header row; names as in ``RosterEntry``): ``entrepreneur_id, stage, entry_month,
cesa_month, associe_month, sector, monthly_turnover_eur`` and optionally ``treasury_eur,
are_months_left``. Months are YYYY-MM, empty when not applicable; money in euros with a
dot decimal. Only ids are needed, no names. Each problem names the file, the line and the
column; the scenario's own checks (sector names, month order) run when it is validated.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from simcoop.scenario import ScenarioError

__all__ = ["read_roster", "RosterError", "ROSTER_COLUMNS"]

ROSTER_COLUMNS: tuple[str, ...] = (
    "entrepreneur_id", "stage", "entry_month", "cesa_month", "associe_month", "sector",
    "monthly_turnover_eur", "treasury_eur", "are_months_left",
)  # fmt: skip
_REQUIRED = ROSTER_COLUMNS[:7]
_NUMBERS = {"monthly_turnover_eur": float, "treasury_eur": float, "are_months_left": int}


class RosterError(ScenarioError):
    """Problems in the CSV (each a ``simcoop.scenario.Problem``: file, line, column, message)."""


def read_roster(path: str | Path) -> list[dict[str, Any]]:
    """The roster rows as plain dicts (validated later as ``RosterEntry``)."""
    from simcoop.scenario import Problem

    path = Path(path)
    source = str(path)
    problems: list[Problem] = []
    rows: list[dict[str, Any]] = []
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        missing = [c for c in _REQUIRED if c not in header]
        unknown = [c for c in header if c not in ROSTER_COLUMNS]
        if missing:
            problems.append(Problem(source, 1, ", ".join(missing), f"missing column(s); the columns are: {', '.join(ROSTER_COLUMNS)}"))
        if unknown:
            problems.append(Problem(source, 1, ", ".join(unknown), f"unknown column(s); allowed: {', '.join(ROSTER_COLUMNS)}"))
        if problems:
            raise RosterError(problems)
        for record in reader:
            line = reader.line_num
            row: dict[str, Any] = {}
            for column, text in record.items():
                value = (text or "").strip()
                if column in _NUMBERS:
                    if value == "":
                        continue
                    try:
                        row[column] = _NUMBERS[column](value)
                    except ValueError:
                        kind = "a whole number" if _NUMBERS[column] is int else "a number (dot decimal)"
                        problems.append(Problem(source, line, column, f"expected {kind}, got {value!r}"))
                elif value != "" or column in ("entrepreneur_id", "stage", "entry_month", "sector"):
                    row[column] = value
            rows.append(row)
    if problems:
        raise RosterError(problems)
    return rows
