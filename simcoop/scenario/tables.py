"""The CSV tables a scenario attaches (zones, roster): read next to the scenario file.

- zones (``territory.zones_file``): ``zone_code, name, population, job_seekers_abc,
  business_creations_per_year`` and optionally ``creations_by_job_seekers_per_year, lat,
  lon``, then ``travel_minutes_<site name>`` columns; numbers with a dot decimal.
- roster (``warm_start.roster_file``): the entrepreneurs present in an operating CAE:
  ``entrepreneur_id, stage, entry_month, cesa_month, associe_month, sector,
  monthly_turnover_eur`` and optionally ``treasury_eur, are_months_left``. Months are
  YYYY-MM, empty when not applicable; money in euros with a dot decimal; ids, no names.

Rows come back as plain dicts, validated later as ``Zone`` / ``RosterEntry`` with the
scenario. Each problem names the file, the line and the column.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from simcoop.problems import Problem, ScenarioError

__all__ = [
    "ATTACHED_TABLES",
    "ROSTER_COLUMNS",
    "RosterError",
    "ZONE_COLUMNS",
    "ZonesError",
    "read_attached_table",
    "read_roster",
    "read_zones",
]

#: Sections a CSV next to the scenario can fill: section -> (file key, rows key).
ATTACHED_TABLES: dict[str, tuple[str, str]] = {"territory": ("zones_file", "zones"), "warm_start": ("roster_file", "entrepreneurs")}


def read_attached_table(section: str, csv_path: Path) -> list[dict[str, Any]]:
    """The rows of the CSV that fills ``section`` (zones or roster); raises ScenarioError or OSError."""
    if section == "territory":
        return read_zones(csv_path)
    return read_roster(csv_path)


#: Columns of a zones CSV; ``travel_minutes_<site name>`` columns may follow.
ZONE_COLUMNS: tuple[str, ...] = (
    "zone_code", "name", "population", "job_seekers_abc", "business_creations_per_year",
    "creations_by_job_seekers_per_year", "lat", "lon",
)  # fmt: skip
_ZONE_REQUIRED = ZONE_COLUMNS[:5]
_TRAVEL = "travel_minutes_"


class ZonesError(ScenarioError):
    """Problems in the CSV (each a ``simcoop.scenario.Problem``: file, line, column, message)."""


def read_zones(path: str | Path) -> list[dict[str, Any]]:
    """The zones of a CSV as plain dicts (validated later as ``Zone``); problems name file, line and column."""
    path = Path(path)
    source = str(path)
    problems: list[Problem] = []
    rows: list[dict[str, Any]] = []
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        missing = [c for c in _ZONE_REQUIRED if c not in header]
        unknown = [c for c in header if c not in ZONE_COLUMNS and not c.startswith(_TRAVEL)]
        if missing:
            problems.append(Problem(source, 1, ", ".join(missing), f"missing column(s); required: {', '.join(_ZONE_REQUIRED)}"))
        if unknown:
            problems.append(
                Problem(source, 1, ", ".join(unknown), f"unknown column(s); allowed: {', '.join(ZONE_COLUMNS)} and travel_minutes_<site name>")
            )
        if problems:
            raise ZonesError(problems)
        for record in reader:
            line = reader.line_num
            row: dict[str, Any] = {"travel_minutes": {}}
            for column, text in record.items():
                value = (text or "").strip()
                if column in ("zone_code", "name"):
                    row[column] = value
                    continue
                if value == "":
                    if column in _ZONE_REQUIRED:
                        problems.append(Problem(source, line, column, "a number is required"))
                    continue
                try:
                    number = float(value)
                except ValueError:
                    problems.append(Problem(source, line, column, f"expected a number (dot decimal), got {value!r}"))
                    continue
                if column.startswith(_TRAVEL):
                    row["travel_minutes"][column[len(_TRAVEL) :]] = number
                else:
                    row[column] = number
            rows.append(row)
    if problems:
        raise ZonesError(problems)
    return rows


ROSTER_COLUMNS: tuple[str, ...] = (
    "entrepreneur_id", "stage", "entry_month", "cesa_month", "associe_month", "sector",
    "monthly_turnover_eur", "treasury_eur", "are_months_left",
)  # fmt: skip
_ROSTER_REQUIRED = ROSTER_COLUMNS[:7]
_NUMBERS = {"monthly_turnover_eur": float, "treasury_eur": float, "are_months_left": int}


class RosterError(ScenarioError):
    """Problems in the CSV (each a ``simcoop.scenario.Problem``: file, line, column, message)."""


def read_roster(path: str | Path) -> list[dict[str, Any]]:
    """The roster rows as plain dicts (validated later as ``RosterEntry``)."""
    path = Path(path)
    source = str(path)
    problems: list[Problem] = []
    rows: list[dict[str, Any]] = []
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        missing = [c for c in _ROSTER_REQUIRED if c not in header]
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
