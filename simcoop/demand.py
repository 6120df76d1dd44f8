"""The territory's demand: from zones' figures to accueils per zone and site.

A territory is a table of zones (communes or any areas) with their population, job
seekers (France Travail categories A, B, C), business creations and coordinates or travel
times to each site. The demand model (docs/territory.md):

- each zone has a **potential** of accueils a year: ``penetration_per_job_seeker ×
  job_seekers + penetration_per_creation × creations``, times the product of the
  prescribers' multipliers (France Travail, BGE, missions locales, ...);
- each open site attracts it in proportion to ``attraction × exp(-decay × minutes)``
  (a Huff model); the zone sends ``potential × Σ_j w_ij / max(1, Σ_j w_ij)``, split
  among sites by their ``w_ij``: a zone next to a site sends its whole potential, a far
  zone less (distance deters), and two sites never double a zone's potential;
- the notoriety ramp-up and the seasonality of ``territory`` then shape the flow in time.

Travel times come from ``travel_minutes`` when given, else from coordinates
(great-circle distance × detour factor at a mean speed). Pure functions; reading the
zones CSV is the only I/O, done when a scenario is loaded.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from simcoop.scenario import Scenario

from simcoop.scenario import ScenarioError

__all__ = ["read_zones", "read_zones_with_lines", "ZonesError", "ZONE_COLUMNS", "travel_minutes", "zone_potentials", "demand_matrix"]

#: Columns of a zones CSV; ``travel_minutes_<site name>`` columns may follow.
ZONE_COLUMNS: tuple[str, ...] = (
    "zone_code", "name", "population", "job_seekers_abc", "business_creations_per_year",
    "creations_by_job_seekers_per_year", "lat", "lon",
)  # fmt: skip
_REQUIRED = ZONE_COLUMNS[:5]
_TRAVEL = "travel_minutes_"
EARTH_RADIUS_KM = 6371.0


class ZonesError(ScenarioError):
    """Problems in the CSV (each a ``simcoop.scenario.Problem``: file, line, column, message)."""


def read_zones(path: str | Path, root: Path | None = None) -> list[dict[str, Any]]:
    """The zones of a CSV as plain dicts (validated later as ``Zone``); problems name file, line and column."""
    return read_zones_with_lines(path, root)[0]


def read_zones_with_lines(path: str | Path, root: Path | None = None) -> tuple[list[dict[str, Any]], list[int]]:
    """The zones of a CSV and the line of each, so that later checks can point at it.

    Any CSV a spreadsheet writes is read (``simcoop.tables``: encoding, ``,``/``;``/tab,
    decimal comma); ``root`` confines the file to a folder.
    """
    from simcoop.scenario import Problem
    from simcoop.tables import TableError, parse_number, read_table, shown

    source = str(path)
    try:
        table = read_table(path, root)
    except TableError as exc:
        raise ZonesError([Problem(source, p.line, p.column, p.message) for p in exc.problems]) from None
    problems = [Problem(source, p.line, p.column, p.message) for p in table.problems]
    header = table.header
    missing = [c for c in _REQUIRED if c not in header]
    unknown = [c for c in header if c not in ZONE_COLUMNS and not c.startswith(_TRAVEL)]
    if missing:
        hint = ""
        if len(header) == 1 and any(sep in header[0] for sep in ",;\t"):
            hint = " (the header is one single column: is the separator a ',', a ';' or a tab?)"
        problems.append(Problem(source, 1, ", ".join(missing), f"missing column(s); required: {', '.join(_REQUIRED)}{hint}"))
    if unknown:
        names = ", ".join(shown(c, 30) for c in unknown[:5]) + (" ..." if len(unknown) > 5 else "")
        problems.append(Problem(source, 1, "", f"unknown column(s) {names}; allowed: {', '.join(ZONE_COLUMNS)} and travel_minutes_<site name>"))
    if len(missing) == len(_REQUIRED) and not any(h in header for h in _REQUIRED):
        # Nothing expected in the header: not this kind of table (its content is not echoed).
        what = "zones"
        raise ZonesError([Problem(source, 1, "", f"the header has none of the {what} table's columns ({', '.join(_REQUIRED)}): is this the {what} CSV?")])
    if missing or unknown:
        raise ZonesError(problems)
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    for line, record in table.records():
        row: dict[str, Any] = {"travel_minutes": {}}
        for column, value in record.items():
            if column in ("zone_code", "name"):
                row[column] = value
                continue
            if value == "":
                if column in _REQUIRED:
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
        raise ZonesError(problems)
    return rows, lines


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def travel_minutes(scenario: "Scenario") -> npt.NDArray[np.float64]:
    """Minutes from each zone to each site, ``[zone, site]``."""
    zones, sites = scenario.territory.zones, scenario.cooperative.sites
    demand = scenario.territory.demand
    minutes = np.zeros((len(zones), len(sites)))
    for i, zone in enumerate(zones):
        for j, site in enumerate(sites):
            if site.name in zone.travel_minutes:
                minutes[i, j] = zone.travel_minutes[site.name]
            else:  # validated: both have coordinates
                km = _haversine_km(zone.lat, zone.lon, site.lat, site.lon) * demand.detour_factor  # type: ignore[arg-type]
                minutes[i, j] = km / demand.road_speed_kmh * 60.0
    return minutes


def zone_potentials(scenario: "Scenario") -> npt.NDArray[np.float64]:
    """Accueils a year each zone would send to a site at its door."""
    zones = scenario.territory.zones
    demand = scenario.territory.demand
    prescribers = math.prod(demand.prescriber_multipliers.values()) if demand.prescriber_multipliers else 1.0
    seekers = np.array([z.job_seekers_abc for z in zones], dtype=float)
    creations = np.array([z.business_creations_per_year for z in zones], dtype=float)
    return (demand.penetration_per_job_seeker_per_year * seekers + demand.penetration_per_creation_per_year * creations) * prescribers


def demand_matrix(scenario: "Scenario", open_sites: npt.ArrayLike | None = None) -> npt.NDArray[np.float64]:
    """Accueils a year at maturity from each zone to each site, ``[zone, site]``, with only ``open_sites`` open."""
    sites = scenario.cooperative.sites
    is_open = np.ones(len(sites), dtype=bool) if open_sites is None else np.asarray(open_sites, dtype=bool)
    attraction = np.array([s.attraction for s in sites]) * is_open
    weights = attraction[None, :] * np.exp(-scenario.territory.demand.decay_per_minute * travel_minutes(scenario))
    total = weights.sum(axis=1, keepdims=True)
    share = weights / np.maximum(total, 1.0)
    return zone_potentials(scenario)[:, None] * share
