"""The scenario: a frozen, validated description of one CAE in one territory.

A scenario is read from one YAML file (``load_scenario``), validated once into the
immutable pydantic models below, and never changed afterwards: ``Scenario.replace``
returns a new, re-validated scenario.

Every quantity says its unit in its name (``_eur``, ``_months``, ``_rate``, ``_share``,
``_days``). Every default that stands for the real world names its source in its
description: "DOMAIN.md §N" refers to ``shared/DOMAIN.md`` (summarised in
``docs/sources.md``); "assumption" marks a figure chosen by us, to be calibrated.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from simcoop.months import month_offset
from simcoop.problems import Problem, ScenarioError
from simcoop.scenario.base import Frozen, Share, YearMonth
from simcoop.scenario.cooperative import Cooperative, Creation, Payroll, Portage
from simcoop.scenario.dotted import set_path
from simcoop.scenario.errors import in_line_order, problems_from_validation
from simcoop.scenario.pathway import Activities, Pathway, WarmStart
from simcoop.scenario.territory import Territory

__all__ = [
    "Scenario",
    "Meta",
    "Viability",
    "SimulationSettings",
    "validate_data",
]

#: Accueils a year at maturity when neither the flow nor zones are given. Assumption (DOMAIN.md §2).
DEFAULT_ACCUEILS_PER_YEAR = 180.0

#: Opening capital when neither cooperative.initial_capital_eur nor creation.setup gives it. Assumption.
DEFAULT_INITIAL_CAPITAL_EUR = 20000.0


class Meta(Frozen):
    """Who and when: the scenario's name, its territory and its time frame."""

    name: str = Field(min_length=1, description="Short name; names the output folder.")
    territory_name: str = Field(default="", description="The territory, as the report will name it.")
    description: str = Field(default="", description="Free text shown in reports.")
    start_month: YearMonth = Field(description="Opening month of the CAE (month 0 of the run).")
    horizon_months: int = Field(
        default=120, ge=1, le=600, description="Months simulated from start_month (120 = 10 years)."
    )

    @field_validator("name")
    @classmethod
    def _name_is_usable(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


class Viability(Frozen):
    """The criteria of the verdict, with their defaults."""

    overdraft_eur: float = Field(
        default=30000.0, ge=0.0,
        description="Authorised overdraft: the cooperative is insolvent when its own treasury falls below minus this. Assumption.",
    )
    max_insolvency_probability: Share = Field(
        default=0.10, description="Largest acceptable probability of insolvency within the horizon. Assumption (a usual risk tolerance for public co-funding).",
    )
    break_even_by_year: int = Field(
        default=5, ge=1, le=50,
        description="Year of operation by which the 12-month rolling result must stay positive. Source: DOMAIN.md §4 (2-3 years to an autonomous structure); 5 an assumption.",
    )
    max_public_share: Share = Field(
        default=0.5,
        description="Largest share of the cooperative's budget (contributions + public funding) that is public funding, in public_share_year. Source: DOMAIN.md §3 (self-financing past about 50% is hard).",
    )
    public_share_year: int = Field(default=5, ge=1, le=50, description="Year of operation in which the public share is checked.")


class SimulationSettings(Frozen):
    """How many replications and from which root seed."""

    replications: int = Field(default=200, ge=1, le=1_000_000)
    seed: int = Field(default=20251126, ge=0, description="Root seed; same scenario and seed give the same numbers.")


class Scenario(Frozen):
    """A whole scenario: one CAE, its territory, its rules and how to simulate it."""

    meta: Meta
    territory: Territory = Field(default=Territory())
    pathway: Pathway = Field(default=Pathway())
    activities: Activities
    cooperative: Cooperative = Field(default=Cooperative())
    payroll: Payroll = Field(default=Payroll())
    portage: Portage = Field(default=Portage())
    creation: Creation = Field(default=Creation())
    viability: Viability = Field(default=Viability())
    warm_start: WarmStart = Field(default=WarmStart())
    simulation: SimulationSettings = Field(default=SimulationSettings())

    @model_validator(mode="after")
    def _cross_references(self) -> "Scenario":
        names = [s.name for s in self.activities.sectors]
        unknown = sorted(set(self.cooperative.contribution.sector_rates) - set(names))
        if unknown:
            raise ValueError(
                f"cooperative.contribution.sector_rates names unknown sectors: {', '.join(unknown)}; "
                f"allowed: {', '.join(names)}"
            )
        funders = sorted({c.funder for c in self.cooperative.public_funding})
        for partner in self.creation.partners:
            if partner.funder not in funders:
                raise ValueError(
                    f"creation.partners: funder {partner.funder!r} has no public_funding convention; "
                    f"allowed: {', '.join(funders) or 'none (add a convention first)'}"
                )
        opening = self.meta.start_month
        territory = self.territory
        if territory.zones:
            if territory.accueils_per_year_at_maturity is not None:
                raise ValueError(
                    "territory: give accueils_per_year_at_maturity or zones, not both (with zones the demand model derives the flow)"
                )
            sites = self.cooperative.sites
            codes = [z.zone_code for z in territory.zones]
            dupes = sorted({c for c in codes if codes.count(c) > 1})
            if dupes:
                raise ValueError(f"territory.zones: zone codes must be unique, repeated: {', '.join(dupes)}")
            site_names = [site.name for site in sites]
            for zone in territory.zones:
                unknown = sorted(set(zone.travel_minutes) - set(site_names))
                if unknown:
                    raise ValueError(f"territory.zones {zone.zone_code}: travel_minutes names unknown sites: {', '.join(unknown)}; allowed: {', '.join(site_names)}")
                for site in sites:
                    if site.name not in zone.travel_minutes and None in (zone.lat, zone.lon, site.lat, site.lon):
                        raise ValueError(
                            f"territory.zones {zone.zone_code}: no travel time to site {site.name!r} and no coordinates "
                            "to estimate it (give travel_minutes_<site> in the zones file, or lat/lon of both)"
                        )
        for k, person in enumerate(self.warm_start.entrepreneurs):
            where = f"warm_start.entrepreneurs[{k}] ({person.entrepreneur_id})"
            if person.sector not in names:
                raise ValueError(f"{where}: sector {person.sector!r} is not a sector of activities; allowed: {', '.join(names)}")
            months = [person.entry_month, person.cesa_month, person.associe_month]
            needed = {"cape": 1, "cesa": 2, "associe": 3}[person.stage]
            if any(m is None for m in months[:needed]) or any(m is not None for m in months[needed:]):
                raise ValueError(f"{where}: a {person.stage} gives {', '.join(['entry_month', 'cesa_month', 'associe_month'][:needed])} and no later month")
            given = [m for m in months if m is not None]
            if any(month_offset(a, b) < 0 for a, b in zip(given, given[1:])) or month_offset(given[-1], opening) < 0:
                raise ValueError(f"{where}: months must be in order and not after the start month {opening}")
        from simcoop.economics.payroll import payroll_dates

        first_rules = payroll_dates()[0][:7]
        rules_month = self.payroll.rules_month
        if rules_month is not None and month_offset(first_rules, rules_month) < 0:
            raise ValueError(f"payroll.rules_month {rules_month} is before the first dated payroll rules ({first_rules})")
        if rules_month is None and month_offset(first_rules, opening) < 0:
            raise ValueError(
                f"the scenario opens in {opening}, before the first dated payroll rules ({first_rules}); "
                f"set payroll.rules_month (e.g. {first_rules}) to apply one set of rules to every month"
            )
        setup, feasibility = self.creation.setup, self.creation.feasibility
        if setup is not None:
            if month_offset(setup.start_month, opening) < 0:
                raise ValueError(f"creation.setup.start_month {setup.start_month} is after the opening month {opening}")
            if self.cooperative.initial_capital_eur is not None:
                raise ValueError(
                    "give the opening capital once: creation.setup.capital_founders_eur and capital_partners_eur "
                    "replace cooperative.initial_capital_eur when creation.setup is present"
                )
        if feasibility is not None:
            end = month_offset(opening, feasibility.start_month) + feasibility.duration_months
            if end > 0:
                raise ValueError(f"creation.feasibility ends after the opening month {opening}")
            if setup is not None and month_offset(feasibility.start_month, setup.start_month) < feasibility.duration_months:
                raise ValueError("creation.setup starts before the feasibility check ends")
        return self

    @property
    def accueils_per_year(self) -> float:
        """Mean accueils a year at maturity: given, derived from the zones, or the default 180 (assumption)."""
        territory = self.territory
        if territory.zones:
            from simcoop.demand import demand_matrix

            return float(demand_matrix(self).sum())
        if territory.accueils_per_year_at_maturity is None:
            return DEFAULT_ACCUEILS_PER_YEAR
        return territory.accueils_per_year_at_maturity

    @property
    def opening_capital_eur(self) -> float:
        """Capital at opening: raised in the set-up step when there is one, else cooperative.initial_capital_eur."""
        setup = self.creation.setup
        if setup is not None:
            return setup.capital_founders_eur + setup.capital_partners_eur
        if self.cooperative.initial_capital_eur is None:
            return DEFAULT_INITIAL_CAPITAL_EUR
        return self.cooperative.initial_capital_eur

    def to_dict(self) -> dict[str, Any]:
        """The fully resolved scenario (defaults included) as plain JSON-able data."""
        return self.model_dump(mode="json")

    def scenario_hash(self) -> str:
        """SHA-256 of the resolved scenario; identifies a scenario in manifests."""
        text = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("ascii")).hexdigest()

    def replace(self, changes: dict[str, Any] | None = None, /, **kwargs: Any) -> "Scenario":
        """A new scenario with some values changed, validated like a file.

        Keys are dotted paths (``"cooperative.contribution.rate"``) in ``changes``; keyword
        arguments replace whole sections (``simulation={"replications": 10}``) and are
        merged into the section.
        """
        data = self.to_dict()
        for path, value in (changes or {}).items():
            set_path(data, path.split("."), value)
        for section, value in kwargs.items():
            if isinstance(value, BaseModel):
                value = value.model_dump(mode="json")
            if isinstance(value, dict) and isinstance(data.get(section), dict):
                data[section] = {**data[section], **value}
            else:
                data[section] = value
        return validate_data(data, source="<replace>")


def validate_data(
    data: Any,
    source: str,
    marks: dict[tuple[Any, ...], int] | None = None,
    prior: list[Problem] | None = None,
) -> Scenario:
    """Validate parsed data; every problem is reported with its line when marks are given."""
    problems = list(prior or [])
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems += problems_from_validation(Scenario, exc, source, marks or {})
        raise ScenarioError(in_line_order(problems)) from None
    if problems:
        raise ScenarioError(in_line_order(problems))
    return scenario
