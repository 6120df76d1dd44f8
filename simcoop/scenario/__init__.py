"""The scenario: a frozen, validated description of one CAE in one territory.

- ``schema``: ``Scenario`` (its cross-section checks, ``replace``), ``Meta``, ``Viability``,
  ``SimulationSettings`` and ``validate_data``; its sections in ``territory`` (the flow,
  zones, demand model), ``pathway`` (parcours rules, activities, roster) and
  ``cooperative`` (contribution, team, sites, funding, allocation, payroll, portage,
  creation); ``base`` holds what they share;
- ``load``: ``load_scenario`` (the YAML file, its attached tables, its variants block);
- ``tables``: the CSV tables a scenario attaches (zones, roster), one reader;
- ``errors``: validation errors in users' words (file, line, key, what is allowed);
- ``dotted``: the one walker over dotted keys (``cooperative.contribution.rate``);
- ``edit``: variants and derived scenarios (moved opening, overrides), re-validated;
- ``studyfiles``: the study files beside a scenario (network, candidates).
"""

from simcoop.months import month_offset
from simcoop.problems import Problem, ScenarioError
from simcoop.scenario.base import YearMonth
from simcoop.scenario.cooperative import (
    Contribution,
    ContributionBracket,
    Cooperative,
    Creation,
    FeasibilityStep,
    FundingConvention,
    PartnerCommitment,
    Payroll,
    Portage,
    ResultAllocation,
    SetupStep,
    Site,
    Staff,
)
from simcoop.scenario.load import VARIANTS_KEY, load_scenario, scenario_from_dict, split_variants
from simcoop.scenario.pathway import (
    Activities,
    AssocieRules,
    CapeRules,
    CesaRules,
    ExitDestinations,
    ExitRules,
    Pathway,
    PriorStatus,
    RosterEntry,
    Sector,
    WarmStart,
)
from simcoop.scenario.schema import Meta, Scenario, SimulationSettings, Viability, validate_data
from simcoop.scenario.territory import Demand, Territory, Zone

__all__ = [
    "YearMonth",
    "Zone",
    "Demand",
    "Territory",
    "PriorStatus",
    "CapeRules",
    "CesaRules",
    "AssocieRules",
    "ExitDestinations",
    "ExitRules",
    "Pathway",
    "Sector",
    "Activities",
    "RosterEntry",
    "WarmStart",
    "ContributionBracket",
    "Contribution",
    "Staff",
    "Site",
    "FundingConvention",
    "ResultAllocation",
    "Cooperative",
    "Payroll",
    "Portage",
    "FeasibilityStep",
    "PartnerCommitment",
    "SetupStep",
    "Creation",
    "Scenario",
    "Meta",
    "Viability",
    "SimulationSettings",
    "validate_data",
    "load_scenario",
    "scenario_from_dict",
    "split_variants",
    "VARIANTS_KEY",
    "Problem",
    "ScenarioError",
    "month_offset",
]
