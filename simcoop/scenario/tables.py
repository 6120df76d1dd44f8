"""The CSV tables a scenario attaches (zones, roster): read next to the scenario file.

- zones (``territory.zones_file``): ``zone_code, name, population, job_seekers_abc,
  business_creations_per_year`` and optionally ``creations_by_job_seekers_per_year, lat,
  lon``, then ``travel_minutes_<site name>`` columns.
- roster (``warm_start.roster_file``): the entrepreneurs present in an operating CAE:
  ``entrepreneur_id, stage, entry_month, cesa_month, associe_month, sector,
  monthly_turnover_eur`` and optionally ``treasury_eur, are_months_left``. Months are
  YYYY-MM, empty when not applicable; money in euros; ids, no names, each id once.

Rows come back as plain dicts, validated later as ``Zone`` / ``RosterEntry`` with the
scenario. Any CSV a spreadsheet writes is read (``simcoop.csvfile``: encoding, ``,``/``;``/tab
separator, decimal comma), inside the scenario's folder unless allowed otherwise, and
each problem names the file, the line and the column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simcoop.problems import Problem, ScenarioError

__all__ = [
    "ATTACHED_TABLES",
    "ROSTER_COLUMNS",
    "ZONE_COLUMNS",
    "read_attached_table",
    "read_roster",
    "read_roster_with_lines",
    "read_zones",
    "read_zones_with_lines",
]

#: Sections a CSV next to the scenario can fill: section -> (file key, rows key).
ATTACHED_TABLES: dict[str, tuple[str, str]] = {"territory": ("zones_file", "zones"), "warm_start": ("roster_file", "entrepreneurs")}


def read_attached_table(section: str, csv_path: Path, root: Path | None = None) -> tuple[list[dict[str, Any]], list[int]]:
    """The rows of the CSV that fills ``section`` (zones or roster) and the line of each; raises ScenarioError.

    With ``root``, the file must be inside that folder (symbolic links resolved).
    """
    if section == "territory":
        return read_zones_with_lines(csv_path, root)
    return read_roster_with_lines(csv_path, root)


#: Columns of a zones CSV; ``travel_minutes_<site name>`` columns may follow.
ZONE_COLUMNS: tuple[str, ...] = (
    "zone_code", "name", "population", "job_seekers_abc", "business_creations_per_year",
    "creations_by_job_seekers_per_year", "lat", "lon",
)  # fmt: skip
_ZONE_REQUIRED = ZONE_COLUMNS[:5]
_TRAVEL = "travel_minutes_"



def read_zones(path: str | Path, root: Path | None = None) -> list[dict[str, Any]]:
    """The zones of a CSV as plain dicts (validated later as ``Zone``); problems name file, line and column."""
    return read_zones_with_lines(path, root)[0]


def read_zones_with_lines(path: str | Path, root: Path | None = None) -> tuple[list[dict[str, Any]], list[int]]:
    """The zones of a CSV and the line of each, so that later checks can point at it.

    Any CSV a spreadsheet writes is read (``simcoop.csvfile``: encoding, ``,``/``;``/tab,
    decimal comma); ``root`` confines the file to a folder.
    """
    from simcoop.csvfile import TableError, parse_number, read_table, shown

    source = str(path)
    try:
        table = read_table(path, root)
    except TableError as exc:
        raise ScenarioError([Problem(source, p.line, p.column, p.message) for p in exc.problems]) from None
    problems = [Problem(source, p.line, p.column, p.message) for p in table.problems]
    header = table.header
    missing = [c for c in _ZONE_REQUIRED if c not in header]
    unknown = [c for c in header if c not in ZONE_COLUMNS and not c.startswith(_TRAVEL)]
    if missing:
        hint = ""
        if len(header) == 1 and any(sep in header[0] for sep in ",;\t"):
            hint = " (the header is one single column: is the separator a ',', a ';' or a tab?)"
        problems.append(Problem(source, 1, ", ".join(missing), f"missing column(s); required: {', '.join(_ZONE_REQUIRED)}{hint}"))
    if unknown:
        names = ", ".join(shown(c, 30) for c in unknown[:5]) + (" ..." if len(unknown) > 5 else "")
        problems.append(Problem(source, 1, "", f"unknown column(s) {names}; allowed: {', '.join(ZONE_COLUMNS)} and travel_minutes_<site name>"))
    if len(missing) == len(_ZONE_REQUIRED) and not any(h in header for h in _ZONE_REQUIRED):
        # Nothing expected in the header: not this kind of table (its content is not echoed).
        what = "zones"
        raise ScenarioError([Problem(source, 1, "", f"the header has none of the {what} table's columns ({', '.join(_ZONE_REQUIRED)}): is this the {what} CSV?")])
    if missing or unknown:
        raise ScenarioError(problems)
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    for line, record in table.records():
        row: dict[str, Any] = {"travel_minutes": {}}
        for column, value in record.items():
            if column in ("zone_code", "name"):
                row[column] = value
                continue
            if value == "":
                if column in _ZONE_REQUIRED:
                    problems.append(Problem(source, line, column, "a number is required"))
                continue
            try:
                number = parse_number(value)
            except ValueError as exc:
                problems.append(Problem(source, line, column, str(exc)))
                continue
            if column.startswith(_TRAVEL):
                row["travel_minutes"][column[len(_TRAVEL) :]] = number
            else:
                row[column] = number
        rows.append(row)
        lines.append(line)
        if len(problems) >= 50:
            problems.append(Problem(source, None, "", "more problems follow; fix these first"))
            break
    if problems:
        raise ScenarioError(problems)
    return rows, lines


ROSTER_COLUMNS: tuple[str, ...] = (
    "entrepreneur_id", "stage", "entry_month", "cesa_month", "associe_month", "sector",
    "monthly_turnover_eur", "treasury_eur", "are_months_left",
)  # fmt: skip
_ROSTER_REQUIRED = ROSTER_COLUMNS[:7]
_NUMBERS = {"monthly_turnover_eur": float, "treasury_eur": float, "are_months_left": int}



def read_roster(path: str | Path, root: Path | None = None) -> list[dict[str, Any]]:
    """The roster rows as plain dicts (validated later as ``RosterEntry``)."""
    return read_roster_with_lines(path, root)[0]


def read_roster_with_lines(path: str | Path, root: Path | None = None) -> tuple[list[dict[str, Any]], list[int]]:
    """The roster rows and the line of each (``simcoop.csvfile`` reads any spreadsheet CSV; ``root`` confines it)."""
    from simcoop.csvfile import TableError, parse_number, read_table, shown

    source = str(path)
    try:
        table = read_table(path, root)
    except TableError as exc:
        raise ScenarioError([Problem(source, p.line, p.column, p.message) for p in exc.problems]) from None
    problems = [Problem(source, p.line, p.column, p.message) for p in table.problems]
    header = table.header
    missing = [c for c in _ROSTER_REQUIRED if c not in header]
    unknown = [c for c in header if c not in ROSTER_COLUMNS]
    if missing:
        problems.append(Problem(source, 1, ", ".join(missing), f"missing column(s); the columns are: {', '.join(ROSTER_COLUMNS)}"))
    if unknown:
        names = ", ".join(shown(c, 30) for c in unknown[:5]) + (" ..." if len(unknown) > 5 else "")
        problems.append(Problem(source, 1, "", f"unknown column(s) {names}; allowed: {', '.join(ROSTER_COLUMNS)}"))
    if len(missing) == len(_ROSTER_REQUIRED) and not any(h in header for h in _ROSTER_REQUIRED):
        # Nothing expected in the header: not this kind of table (its content is not echoed).
        what = "roster"
        raise ScenarioError([Problem(source, 1, "", f"the header has none of the {what} table's columns ({', '.join(_ROSTER_REQUIRED)}): is this the {what} CSV?")])
    if missing or unknown:
        raise ScenarioError(problems)
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
        raise ScenarioError(problems)
    return rows, lines
