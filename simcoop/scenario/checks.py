"""Checks across the sections of a scenario, each problem placed at the key at fault.

The schema's validator raises them all at once (``errors.LocatedErrors``), so that a
partner without a convention points at its ``funder`` line and a zone of a CSV at that
CSV's line, not at the top of the file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simcoop.months import month_offset
from simcoop.scenario.base import MAX_ACCUEILS_PER_YEAR, duplicates

if TYPE_CHECKING:
    from simcoop.scenario.schema import Scenario

__all__ = ["cross_problems"]


def cross_problems(scenario: Scenario) -> list[tuple[tuple[Any, ...], str]]:
    """Problems across sections, each with the key path at fault (a zone, a partner, a roster line)."""
    out: list[tuple[tuple[Any, ...], str]] = []
    names = [s.name for s in scenario.activities.sectors]
    for sector in sorted(set(scenario.cooperative.contribution.sector_rates) - set(names)):
        out.append(
            (("cooperative", "contribution", "sector_rates", sector), f"names unknown sector {sector!r}; allowed: {', '.join(names)}")
        )
    funders = sorted({c.funder for c in scenario.cooperative.public_funding})
    for k, partner in enumerate(scenario.creation.partners):
        if partner.funder not in funders:
            out.append(
                (
                    ("creation", "partners", k, "funder"),
                    f"funder {partner.funder!r} has no public_funding convention; "
                    f"allowed: {', '.join(funders) or 'none (add a convention to cooperative.public_funding first)'}",
                )
            )
    opening = scenario.meta.start_month
    territory = scenario.territory
    if territory.zones:
        if territory.accueils_per_year_at_maturity is not None:
            out.append(
                (
                    ("territory", "accueils_per_year_at_maturity"),
                    "give accueils_per_year_at_maturity or zones, not both (with zones the demand model derives the flow)",
                )
            )
        sites = scenario.cooperative.sites
        site_names = [site.name for site in sites]
        codes = [z.zone_code for z in territory.zones]
        dupes = set(duplicates(codes))
        seen: set[str] = set()
        unknown_sites: set[str] = set()
        bad_zones = 0
        for i, zone in enumerate(territory.zones):
            if bad_zones >= 20:
                out.append((("territory", "zones"), "more zones have problems; fix these first"))
                break
            before = len(out)
            if zone.zone_code in dupes and zone.zone_code in seen:
                out.append((("territory", "zones", i, "zone_code"), f"zone code {zone.zone_code!r} is given twice; zone codes must be unique"))
            seen.add(zone.zone_code)
            unknown = sorted(set(zone.travel_minutes) - set(site_names) - unknown_sites)
            if unknown:  # said once, at the first zone that names them (a CSV column names them for every zone)
                unknown_sites.update(unknown)
                out.append(
                    (
                        ("territory", "zones", i, "travel_minutes"),
                        f"zone {zone.zone_code}: travel times to unknown site(s) {', '.join(map(repr, unknown))} "
                        f"(travel_minutes_{unknown[0]}); the sites are: {', '.join(site_names)}",
                    )
                )
            for site in sites:
                if site.name not in zone.travel_minutes and None in (zone.lat, zone.lon, site.lat, site.lon):
                    out.append(
                        (
                            ("territory", "zones", i),
                            f"zone {zone.zone_code}: no travel time to site {site.name!r} and no coordinates to estimate it "
                            "(give travel_minutes_<site> in the zones file, or lat/lon of both)",
                        )
                    )
            bad_zones += len(out) > before
        if not out:
            accueils = scenario.accueils_per_year
            if not accueils <= MAX_ACCUEILS_PER_YEAR:
                out.append(
                    (
                        ("territory", "zones"),
                        f"the zones send {accueils:,.0f} accueils a year; at most {MAX_ACCUEILS_PER_YEAR:,.0f} are allowed "
                        "(check the population and job seeker columns, and the demand penetrations)",
                    )
                )
    for k, person in enumerate(scenario.warm_start.entrepreneurs):
        loc: tuple[Any, ...] = ("warm_start", "entrepreneurs", k)
        if person.sector not in names:
            out.append(((*loc, "sector"), f"entrepreneur {person.entrepreneur_id}: sector {person.sector!r} is not a sector of activities; allowed: {', '.join(names)}"))
        months = [person.entry_month, person.cesa_month, person.associe_month]
        needed = {"cape": 1, "cesa": 2, "associe": 3}[person.stage]
        if any(m is None for m in months[:needed]) or any(m is not None for m in months[needed:]):
            keys = ", ".join(["entry_month", "cesa_month", "associe_month"][:needed])
            out.append(((*loc, "stage"), f"entrepreneur {person.entrepreneur_id}: a {person.stage} gives {keys} and no later month"))
            continue
        given = [m for m in months if m is not None]
        if any(month_offset(a, b) < 0 for a, b in zip(given, given[1:])) or month_offset(given[-1], opening) < 0:
            out.append(((*loc, "entry_month"), f"entrepreneur {person.entrepreneur_id}: months must be in order and not after the start month {opening}"))
    ids = [p.entrepreneur_id for p in scenario.warm_start.entrepreneurs]
    for pid in duplicates(ids):
        k = len(ids) - 1 - ids[::-1].index(pid)
        out.append((("warm_start", "entrepreneurs", k, "entrepreneur_id"), f"entrepreneur id {pid!r} is given more than once; each entrepreneur appears once"))
    from simcoop.economics.payroll import payroll_dates

    first_rules = payroll_dates()[0][:7]
    rules_month = scenario.payroll.rules_month
    if rules_month is not None and month_offset(first_rules, rules_month) < 0:
        out.append((("payroll", "rules_month"), f"{rules_month} is before the first dated payroll rules ({first_rules})"))
    if rules_month is None and month_offset(first_rules, opening) < 0:
        out.append(
            (
                ("meta", "start_month"),
                f"the scenario opens in {opening}, before the first dated payroll rules ({first_rules}); "
                f"set payroll.rules_month (e.g. {first_rules}) to apply one set of rules to every month",
            )
        )
    setup, feasibility = scenario.creation.setup, scenario.creation.feasibility
    if setup is not None:
        if month_offset(setup.start_month, opening) < 0:
            out.append((("creation", "setup", "start_month"), f"{setup.start_month} is after the opening month {opening}"))
        if scenario.cooperative.initial_capital_eur is not None:
            out.append(
                (
                    ("cooperative", "initial_capital_eur"),
                    "give the opening capital once: creation.setup.capital_founders_eur and capital_partners_eur "
                    "replace cooperative.initial_capital_eur when creation.setup is present",
                )
            )
    if feasibility is not None:
        end = month_offset(opening, feasibility.start_month) + feasibility.duration_months
        if end > 0:
            out.append((("creation", "feasibility"), f"creation.feasibility ends after the opening month {opening}"))
        if setup is not None and month_offset(feasibility.start_month, setup.start_month) < feasibility.duration_months:
            out.append((("creation", "setup", "start_month"), "creation.setup starts before the feasibility check ends"))
    return out
