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
(great-circle distance × detour factor at a mean speed). Pure functions, no I/O: the
zones CSV is read with the scenario (``simcoop.scenario.tables``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from simcoop import libm

if TYPE_CHECKING:
    from simcoop.scenario import Scenario

__all__ = ["travel_minutes", "zone_potentials", "demand_matrix"]

EARTH_RADIUS_KM = 6371.0


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
    weights = attraction[None, :] * libm.exp(-scenario.territory.demand.decay_per_minute * travel_minutes(scenario))
    total = weights.sum(axis=1, keepdims=True)
    share = weights / np.maximum(total, 1.0)
    return zone_potentials(scenario)[:, None] * share
