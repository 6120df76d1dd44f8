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

from simcoop.problems import Problem, ScenarioError
from simcoop.scenario.base import MAX_EUR, MAX_REPLICATIONS, MAX_SEED, Frozen, Share, YearMonth
from simcoop.scenario.cooperative import Cooperative, Creation, Payroll, Portage
from simcoop.scenario.checks import cross_problems
from simcoop.scenario.errors import LocatedErrors, in_line_order, problems_from_validation
from simcoop.scenario.pathway import Activities, Pathway, WarmStart
from simcoop.scenario.territory import Territory
from simcoop.scenario.uncertain import Uncertainty, key_problems, set_key

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

    overdraft_eur: float = Field(le=MAX_EUR,
        default=30000.0, ge=0.0,
        description="Authorised overdraft: a rupture de trésorerie is the own treasury below minus this (an overrun of the découvert, not insolvency). Assumption.",
        json_schema_extra={"assumption": True},
    )
    max_insolvency_probability: Share = Field(
        default=0.10, description="Largest acceptable risk of rupture de trésorerie (own treasury below minus the overdraft, after the financing plan) within the horizon. Assumption (a usual risk tolerance for public co-funding).",
        json_schema_extra={"assumption": True},
    )
    max_non_viable_probability: Share = Field(
        default=0.10,
        description=(
            "Largest acceptable share of simulations in which the structure never pays its way by break_even_by_year "
            "(a lasting deficit, which no start-up financing covers); above it the avis is at best favourable under "
            "conditions, above one half unfavourable. Assumption (the same tolerance as the rupture risk)."
        ),
        json_schema_extra={"assumption": True},
    )
    break_even_by_year: int = Field(
        default=5, ge=1, le=50,
        description="Year of operation by which the 12-month rolling result must stay positive. Source: DOMAIN.md §4 (2-3 years to an autonomous structure); 5 an assumption.",
        json_schema_extra={"source": "DOMAIN.md §4", "assumption": True},
    )
    max_public_share: Share = Field(
        default=0.5,
        description="Largest share of the cooperative's budget (contributions + public funding) that is public funding, in public_share_year. Source: DOMAIN.md §3 (self-financing past about 50% is hard).",
        json_schema_extra={"source": "DOMAIN.md §3", "assumption": False},
    )
    public_share_year: int = Field(default=5, ge=1, le=50, description="Year of operation in which the public share is checked.")
    compensation_margin_share: float = Field(
        default=0.05, ge=0.0, le=0.5,
        description=(
            "Reasonable profit allowed on top of the net cost of the service, as a share of the structure's costs: "
            "public operating subsidies above the net cost (costs minus contributions) plus this margin are "
            "over-compensation. Source: Décision 2012/21/UE arts. 5 (compensation limited to the net cost plus a "
            "reasonable profit) and 6 (over-compensation checked and recovered); 5 % an assumption."
        ),
        json_schema_extra={"source": "Décision 2012/21/UE arts. 5-6", "assumption": True},
    )


class SimulationSettings(Frozen):
    """How many replications and from which root seed."""

    replications: int = Field(default=200, ge=1, le=MAX_REPLICATIONS)
    seed: int = Field(le=MAX_SEED, default=20251126, ge=0, description="Root seed; same scenario and seed give the same numbers.")


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
    uncertainty: Uncertainty = Field(default=Uncertainty())

    @model_validator(mode="after")
    def _cross_references(self) -> "Scenario":
        """Checks across sections (scenario/checks.py); every problem found is raised at once, each at its key."""
        found = cross_problems(self)
        if not self.uncertainty.empty:
            found = [*found, *key_problems(self, self.uncertainty)]
        if found:
            raise LocatedErrors(found)
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

    @property
    def opening_cash_eur(self) -> float:
        """Cash at opening: ``cooperative.initial_treasury_eur`` plus the opening capital, minus the
        set-up step's pre-opening costs (legal, recruitment), counted to the cent as the model does.

        The one statement of this rule: the run folder's manifest records it and the report reads it.
        """
        from simcoop.economics.money import to_cents

        setup = self.creation.setup
        preopening = to_cents(setup.legal_costs_eur) + to_cents(setup.recruitment_costs_eur) if setup is not None else 0
        cents = to_cents(self.cooperative.initial_treasury_eur) + to_cents(self.opening_capital_eur) - preopening
        return cents / 100.0

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
        merged into the section. A number fixes an uncertain key; a distribution
        (``{"dist": "uniform", "low": 0.2, "high": 0.4}``) makes the key uncertain.
        """
        data = self.to_dict()
        problems = []
        for path, value in (changes or {}).items():
            try:
                set_key(data, path, value)  # list items by number or by name, as in variants
            except KeyError as exc:
                problems.append(Problem("<replace>", None, path, exc.args[0]))
            except ValueError as exc:
                problems.append(Problem("<replace>", None, path, str(exc)))
        if problems:
            raise ScenarioError(problems)
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
    rows_from: dict[tuple[Any, ...], tuple[str, int]] | None = None,
) -> Scenario:
    """Validate parsed data; every problem is reported with its line when marks are given.

    ``rows_from`` maps the key path of a row read from a CSV (``("territory", "zones", 3)``)
    to that file and line, so that a problem in the row points at the CSV.
    """
    problems = list(prior or [])
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems += problems_from_validation(Scenario, exc, source, marks or {}, rows_from or {})
        raise ScenarioError(in_line_order(problems)) from None
    if problems:
        raise ScenarioError(in_line_order(problems))
    return scenario
