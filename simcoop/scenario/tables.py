"""Read a roster CSV: the entrepreneurs present in an operating CAE (warm start).

Columns (header row; names as in ``RosterEntry``): ``entrepreneur_id, stage, entry_month,
cesa_month, associe_month, sector, monthly_turnover_eur`` and optionally ``treasury_eur,
are_months_left``. Months are YYYY-MM, empty when not applicable; money in euros with a
dot or a decimal comma, any separator a spreadsheet writes. Only ids are needed, no names,
and each id once. Each problem names the file, the line and the column; the scenario's
own checks (sector names, month order) run when it is validated.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simcoop.scenario import ScenarioError

__all__ = ["read_roster", "read_roster_with_lines", "RosterError", "ROSTER_COLUMNS"]

ROSTER_COLUMNS: tuple[str, ...] = (
    "entrepreneur_id", "stage", "entry_month", "cesa_month", "associe_month", "sector",
    "monthly_turnover_eur", "treasury_eur", "are_months_left",
)  # fmt: skip
_REQUIRED = ROSTER_COLUMNS[:7]
_NUMBERS = {"monthly_turnover_eur": float, "treasury_eur": float, "are_months_left": int}


class RosterError(ScenarioError):
    """Problems in the CSV (each a ``simcoop.scenario.Problem``: file, line, column, message)."""


def read_roster(path: str | Path, root: Path | None = None) -> list[dict[str, Any]]:
    """The roster rows as plain dicts (validated later as ``RosterEntry``)."""
    return read_roster_with_lines(path, root)[0]


def read_roster_with_lines(path: str | Path, root: Path | None = None) -> tuple[list[dict[str, Any]], list[int]]:
    """The roster rows and the line of each (``simcoop.tables`` reads any spreadsheet CSV; ``root`` confines it)."""
    from simcoop.scenario import Problem
    from simcoop.tables import TableError, parse_number, read_table, shown

    source = str(path)
    try:
        table = read_table(path, root)
    except TableError as exc:
        raise RosterError([Problem(source, p.line, p.column, p.message) for p in exc.problems]) from None
    problems = [Problem(source, p.line, p.column, p.message) for p in table.problems]
    header = table.header
    missing = [c for c in _REQUIRED if c not in header]
    unknown = [c for c in header if c not in ROSTER_COLUMNS]
    if missing:
        problems.append(Problem(source, 1, ", ".join(missing), f"missing column(s); the columns are: {', '.join(ROSTER_COLUMNS)}"))
    if unknown:
        names = ", ".join(shown(c, 30) for c in unknown[:5]) + (" ..." if len(unknown) > 5 else "")
        problems.append(Problem(source, 1, "", f"unknown column(s) {names}; allowed: {', '.join(ROSTER_COLUMNS)}"))
    if len(missing) == len(_REQUIRED) and not any(h in header for h in _REQUIRED):
        # Nothing expected in the header: not this kind of table (its content is not echoed).
        what = "roster"
        raise RosterError([Problem(source, 1, "", f"the header has none of the {what} table's columns ({', '.join(_REQUIRED)}): is this the {what} CSV?")])
    if missing or unknown:
        raise RosterError(problems)
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    first_line: dict[str, int] = {}
    for line, record in table.records():
        row: dict[str, Any] = {}
        for column, value in record.items():
            if column in _NUMBERS:
                if value == "":
                    continue
                try:
                    number = parse_number(value)
                except ValueError as exc:
                    problems.append(Problem(source, line, column, str(exc)))
                    continue
                if _NUMBERS[column] is int:
                    if not number.is_integer():
                        problems.append(Problem(source, line, column, f"expected a whole number, got {shown(value)}"))
                        continue
                    number = int(number)
                row[column] = number
            elif value != "" or column in ("entrepreneur_id", "stage", "entry_month", "sector"):
                row[column] = value
        pid = row.get("entrepreneur_id", "")
        if pid and pid in first_line:
            problems.append(Problem(source, line, "entrepreneur_id", f"id {shown(pid)} already given on line {first_line[pid]}; each entrepreneur appears once"))
        elif pid:
            first_line[pid] = line
        rows.append(row)
        lines.append(line)
        if len(problems) >= 50:
            problems.append(Problem(source, None, "", "more problems follow; fix these first"))
            break
    if problems:
        raise RosterError(problems)
    return rows, lines
