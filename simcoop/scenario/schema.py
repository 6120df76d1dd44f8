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

import difflib
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo

from simcoop._yaml import parse_yaml

__all__ = [
    "Scenario",
    "Meta",
    "Territory",
    "Pathway",
    "CapeRules",
    "CesaRules",
    "AssocieRules",
    "ExitRules",
    "ExitDestinations",
    "Sector",
    "Activities",
    "Contribution",
    "Staff",
    "FundingConvention",
    "ContributionBracket",
    "Site",
    "ResultAllocation",
    "Portage",
    "PriorStatus",
    "Creation",
    "FeasibilityStep",
    "PartnerCommitment",
    "SetupStep",
    "Viability",
    "WarmStart",
    "Zone",
    "Demand",
    "RosterEntry",
    "Cooperative",
    "Payroll",
    "SimulationSettings",
    "YearMonth",
    "month_offset",
    "load_scenario",
    "scenario_from_dict",
    "validate_data",
    "Problem",
    "ScenarioError",
    "split_variants",
]

YearMonth = Annotated[
    str,
    Field(
        pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
        description="A calendar month written YYYY-MM, e.g. 2027-01.",
        examples=["2027-01"],
    ),
]

Share = Annotated[float, Field(ge=0.0, le=1.0)]


#: Accueils a year at maturity when neither the flow nor zones are given. Assumption (DOMAIN.md §2).
DEFAULT_ACCUEILS_PER_YEAR = 180.0

#: Opening capital when neither cooperative.initial_capital_eur nor creation.setup gives it. Assumption.
DEFAULT_INITIAL_CAPITAL_EUR = 20000.0


def month_offset(start: str, month: str) -> int:
    """Months from ``start`` to ``month`` (both YYYY-MM); negative when before."""
    y0, m0 = (int(x) for x in start.split("-"))
    y1, m1 = (int(x) for x in month.split("-"))
    return (y1 - y0) * 12 + (m1 - m0)


class _Frozen(BaseModel):
    """Base of every scenario section: immutable, and unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


class Meta(_Frozen):
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


class Zone(_Frozen):
    """One zone of the territory (a commune, an IRIS, a canton): the figures the demand model reads."""

    zone_code: str = Field(min_length=1, description="INSEE code of the commune or any unique code.")
    name: str = Field(min_length=1)
    population: float = Field(ge=0.0, description="Inhabitants (INSEE, recensement).")
    job_seekers_abc: float = Field(ge=0.0, description="Job seekers registered with France Travail, categories A, B and C.")
    business_creations_per_year: float = Field(ge=0.0, description="Business creations a year (INSEE, SIDE/REE).")
    creations_by_job_seekers_per_year: float | None = Field(
        default=None, ge=0.0, description="Of which by job seekers, where known (informative)."
    )
    lat: float | None = Field(default=None, ge=-90.0, le=90.0, description="Latitude of the zone's centre (WGS84).")
    lon: float | None = Field(default=None, ge=-180.0, le=180.0, description="Longitude of the zone's centre (WGS84).")
    travel_minutes: dict[str, float] = Field(
        default_factory=dict,
        description="Travel time to each site by site name; missing sites are estimated from the coordinates.",
    )


class Demand(_Frozen):
    """How the territory's figures become accueils (used when zones are given)."""

    penetration_per_job_seeker_per_year: float = Field(
        default=0.00675, ge=0.0,
        description=(
            "Accueils a year per job seeker (categories A, B, C) living next to a site. Calibrated: a CAE in an "
            "agglomeration of 200 000 inhabitants (about 7.9% job seekers A-B-C and 1.6% business creations a year, "
            "national ratios of France Travail and INSEE, 2024, approximate) receives DOMAIN.md's 180 accueils a year "
            "at maturity, 60% through job seekers (the 60/40 split is an assumption). See docs/territory.md."
        ),
    )
    penetration_per_creation_per_year: float = Field(
        default=0.0225, ge=0.0,
        description="Accueils a year per business creation in the zone (the other 40% of the calibration above).",
    )
    decay_per_minute: float = Field(
        default=0.04, ge=0.0, le=1.0,
        description=(
            "Attraction of a site decays as exp(-decay x minutes) (Huff model); 0.04 halves demand at about 17 "
            "minutes. Assumption, to calibrate on the origin of a CAE's accueils."
        ),
    )
    prescriber_multipliers: dict[str, float] = Field(
        default_factory=dict,
        description=(
            "Multipliers for the prescribers active in the territory (e.g. france_travail: 1.2, bge: 1.1, "
            "missions_locales: 1.05); their product scales demand. Assumption of the analyst."
        ),
    )
    road_speed_kmh: float = Field(default=40.0, gt=0.0, description="Mean door-to-door speed for travel times from coordinates. Assumption.")
    detour_factor: float = Field(default=1.3, ge=1.0, description="Road distance / straight-line distance. Assumption.")


class Territory(_Frozen):
    """The accueil arrival process: a Poisson flow with ramp-up and seasonality.

    The mature flow is either given (``accueils_per_year_at_maturity``) or derived from the
    territory's zones (``zones_file`` or ``zones``) by the demand model (``demand``).
    """

    accueils_per_year_at_maturity: float | None = Field(
        default=None,
        ge=0.0,
        description=(
            "Mean accueils (information meeting + diagnostic) per year once the CAE is known; leave it out when "
            "zones are given (the demand model derives it). Without either, 180. Source: DOMAIN.md §2 (Cap Services, "
            "216 accueils in 2000, its 5th year); 180 for a new CAE in a mid-sized urban area is an assumption."
        ),
    )
    zones_file: str = Field(
        default="",
        description="CSV of the territory's zones (docs/territory.md), relative to the scenario file; read when the scenario is loaded.",
    )
    zones: tuple[Zone, ...] = Field(default=(), description="The zones (filled from zones_file when given).")
    demand: Demand = Field(default=Demand())
    rampup_months: int = Field(
        default=36,
        ge=0,
        description=(
            "Months from opening to reach the mature flow, linearly. Source: DOMAIN.md §4 "
            "(2-3 years from idea to an autonomous structure); the value is an assumption."
        ),
    )
    rampup_start_share: Share = Field(
        default=0.3,
        description="Share of the mature flow reached in the opening month. Assumption.",
    )
    population: float | None = Field(
        default=None, ge=0.0,
        description="Inhabitants of the territory served (INSEE); with zones, their sum is used. Only for the reality check (entrepreneurs per 1 000 inhabitants).",
    )
    versement_mobilite_rate: float = Field(
        default=0.0, ge=0.0, le=0.0295,
        description=(
            "Rate of the versement mobilité set by the territory's mobility authority (AOM), on gross pay, due once the "
            "CAE employs 11 people or more (smoothed over 5 years). Source: CGCT L2333-64 and L2333-67 (at most 2 % in "
            "most areas, 2.95 % in Paris); 0 = no AOM levy. Set it from the AOM's deliberation."
        ),
    )
    seasonality: tuple[float, ...] = Field(
        default=(1.1, 1.1, 1.1, 1.0, 0.9, 0.9, 0.5, 0.4, 1.2, 1.3, 1.3, 1.2),
        description=(
            "Twelve monthly factors, January first, applied to the flow; they are "
            "normalised to average 1. Assumption (summer slowdown, autumn peak)."
        ),
    )

    @field_validator("seasonality")
    @classmethod
    def _twelve_positive(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if len(value) != 12:
            raise ValueError(f"needs exactly 12 monthly factors (January to December), got {len(value)}")
        if any(v < 0 for v in value) or sum(value) <= 0:
            raise ValueError("factors must be >= 0 and not all zero")
        return value


class PriorStatus(_Frozen):
    """What entrants lived on before their CAPE: ARE, RSA or nothing."""

    are_share: Share = Field(
        default=0.6,
        description=(
            "Share of entrants who are job seekers on ARE (unemployment benefit) with an entitlement left. "
            "Source: DOMAIN.md §2 (most entrants are job seekers on ARE); value an assumption."
        ),
    )
    rsa_share: Share = Field(
        default=0.2,
        description="Share of entrants on RSA; the rest have no benefit. Source: DOMAIN.md §2 (others are on RSA); value an assumption.",
    )
    are_remaining_months_max: int = Field(
        default=18, ge=1, le=36,
        description=(
            "Longest ARE entitlement left at entry for entrants under 55; the entitlement left is drawn uniformly "
            "from 1 to this. Source: Unédic durée d'indemnisation (at most 18 months under 55 since 1 April 2025, "
            "are_max_duration_months in cae_rules_fr.yaml); the uniform draw is an assumption. Older entrants get "
            "the longer maxima of their age band from the rules."
        ),
    )
    aged_55_56_share: Share = Field(
        default=0.0,
        description="Share of ARE entrants aged 55-56 (at most 22.5 months of ARE since 1 April 2025). 0 = none. Assumption.",
    )
    aged_57_plus_share: Share = Field(
        default=0.0,
        description="Share of ARE entrants aged 57 or over (at most 27 months of ARE since 1 April 2025). 0 = none. Assumption.",
    )
    are_average_eur_per_month: float = Field(
        default=1100.0, gt=0.0,
        description=(
            "Average monthly ARE of entrants, used only to estimate ARE months saved (a salary of 1/0.7 of it "
            "suspends a full month, as ARE is reduced by 70% of the pay earned). Assumption."
        ),
    )

    @model_validator(mode="after")
    def _shares(self) -> "PriorStatus":
        if self.are_share + self.rsa_share > 1.0 + 1e-9:
            raise ValueError(f"are_share + rsa_share must be at most 1, got {self.are_share + self.rsa_share:g}")
        return self


class CapeRules(_Frozen):
    """The test phase under a CAPE (contrat d'appui au projet d'entreprise)."""

    term_months: int = Field(
        default=12, ge=1, le=12,
        description="Length of one CAPE term. Source: code de commerce L127-1 ff., décret 2005-505 (12 months at most).",
    )
    max_renewals: int = Field(
        default=2, ge=0, le=2,
        description="Renewals allowed after the first term. Source: décret 2005-505 (renewable twice, 36 months at most).",
    )
    renewal_probability: Share = Field(
        default=0.6,
        description="Probability that a CAPE not yet converted is renewed at the end of a term (else: end of CAPE). Assumption.",
    )
    min_months_before_cesa: int = Field(
        default=3, ge=0,
        description="Months of test before a conversion to CESA is considered. Source: DOMAIN.md §2 (typical test phase 6-18 months); value an assumption.",
    )
    after_are_exit_multiplier: float = Field(
        default=1.5, ge=0.0,
        description="Once a person's ARE runs out during the CAPE, their exit hazard is multiplied by this. Assumption.",
    )
    min_income_gain_share_on_are: Share = Field(
        default=0.0,
        description=(
            "A person still on ARE converts to a CESA only if it raises their monthly income by at least this share of "
            "the net pay: in CAPE they keep the full ARE, in CESA the ARE is reduced by 70 % of the gross pay "
            "(cae_rules_fr.yaml), so while ARE lasts most stay in CAPE. 0 = ARE does not weigh. Source: DOMAIN.md §2; "
            "value an assumption."
        ),
    )
    after_are_min_salary_share: float = Field(
        default=0.75, gt=0.0, le=1.0,
        description=(
            "Once ARE runs out during the CAPE, the person converts to a CESA as soon as the activity carries this "
            "share of the minimum salary (they accept a smaller salary rather than no income). Assumption."
        ),
    )


class CesaRules(_Frozen):
    """The CESA: when a CAPE converts, and the pay (fixed part, monthly advances, annual settlement)."""

    min_gross_salary_eur_per_month: float = Field(
        default=400.0, ge=0.0,
        description=(
            "Smallest monthly gross salary that justifies a CESA, and the smallest fixed part. Source: DOMAIN.md §3 "
            "(Artenréel: average gross €4.2k a year under 3 years of seniority); the value is an assumption."
        ),
    )
    treasury_months_required: float = Field(
        default=2.0, ge=0.0,
        description=(
            "A CAPE converts when the activity's treasury covers this many months of the minimum salary's "
            "employer cost and its recent margin after contribution covers one month of it. Assumption."
        ),
    )
    margin_smoothing_months: float = Field(
        default=3.0, ge=1.0,
        description="Time constant (months) of the moving average of the activity's margin after contribution ('recent margin'). Assumption.",
    )
    trial_period_months: int = Field(
        default=2, ge=0, le=8,
        description=(
            "Trial period of the CESA; a departure within it has its own motive. Source: ordinary law, code du travail "
            "L1221-19 to L1221-21 (cesa_trial_period_months in cae_rules_fr.yaml): 2 months for employees, 3 for "
            "supervisors and technicians, 4 for cadres, renewable once only where a branch agreement allows (8 at most)."
        ),
    )
    trial_exit_rate_per_year: float = Field(
        default=0.25, ge=0.0, description="Annual exit hazard during the trial period. Assumption.",
    )
    fixed_pay_share: Share = Field(
        default=0.6,
        description=(
            "The fixed part of the pay is set, at the start of the CESA and at each annual settlement, to the gross "
            "whose employer cost is this share of the activity's monthly margin after contribution (at least the "
            "minimum salary). Source: DOMAIN.md §2 (pay = fixed part + variable part); value an assumption."
        ),
    )
    salary_payout_rate: Share = Field(
        default=0.9,
        description=(
            "Each month, fixed part plus advances aim at this share of the recent margin after contribution "
            "(employer cost). Source: DOMAIN.md §3 (Artenréel: gross salaries ≈ 50% of turnover, costs ≈ 30%); "
            "value an assumption."
        ),
    )
    treasury_floor_eur: float = Field(
        default=0.0,
        description="Advances never draw the activity's treasury below this floor; only the fixed part may, within the advance cap. Assumption.",
    )
    advance_cap_eur: float = Field(
        default=3000.0, ge=0.0,
        description=(
            "The cooperative advances the fixed part below the floor up to this much per activity; beyond it the "
            "fixed part is cut to what the treasury allows. Source: DOMAIN.md §3 (a temporary negative treasury "
            "can be advanced by the cooperative); value an assumption."
        ),
    )
    settlement_month: int = Field(
        default=6, ge=1, le=12,
        description=(
            "Calendar month of the annual settlement of the variable part, after the accounts of the previous "
            "year are approved. Source: DOMAIN.md §2 (variable part settled once a year after the accounts are "
            "approved); code de commerce L223-26 (accounts approved within 6 months of year end)."
        ),
    )
    settlement_reserve_months: float = Field(
        default=2.0, ge=0.0,
        description="At the settlement, the activity keeps this many months of its fixed part's cost in treasury. Assumption.",
    )
    settlement_payout_share: Share = Field(
        default=0.8,
        description="Share of the treasury above that reserve paid as the variable part at the settlement. Assumption.",
    )


class AssocieRules(_Frozen):
    """Becoming associé (co-owner) of the cooperative: deadline, uptake, capital shares."""

    deadline_months: int = Field(
        default=36, ge=1,
        description="A CESA holder must become associé within this many months minus the months spent in CAPE. Source: loi 2014-856 art. 47, code du travail L7331-3.",
    )
    uptake_rate_per_year: float = Field(
        default=0.25, ge=0.0,
        description="Annual rate at which CESA holders become associé before the deadline. Assumption.",
    )
    at_deadline_probability: Share = Field(
        default=0.6,
        description="Probability that a CESA holder still not associé at the deadline subscribes (else the contract ends). Assumption.",
    )
    capital_subscription_eur: float = Field(
        default=1000.0, ge=0.0,
        description="Capital shares (parts sociales) subscribed on becoming associé. Source: DOMAIN.md §2; amount an assumption.",
    )
    capital_instalment_months: int = Field(
        default=10, ge=1,
        description="The subscription is paid in this many equal monthly instalments withheld from net pay. Source: DOMAIN.md §2 (often paid in instalments); count an assumption.",
    )
    capital_repayment_delay_months: int = Field(
        default=24, ge=0, le=120,
        description="Months after an associé leaves before their capital is paid back. Assumption (statutes commonly allow up to 5 years).",
    )


class ExitDestinations(_Frozen):
    """Shares of exit destinations; they must add up to 1."""

    own_company: Share = Field(description="Leaves to create their own company (essaimage); a positive exit.")
    salaried_job: Share = Field(description="Leaves for a salaried job elsewhere; a positive exit.")
    stop: Share = Field(description="Stops: activity not viable or personal reasons.")

    @model_validator(mode="after")
    def _sum_to_one(self) -> "ExitDestinations":
        total = self.own_company + self.salaried_job + self.stop
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"own_company + salaried_job + stop must add up to 1, got {total:g}")
        return self


class ExitRules(_Frozen):
    """Exit hazards by stage and where exits go."""

    cape_rate_per_year: float = Field(
        default=0.30, ge=0.0,
        description="Annual exit hazard during the test phase. Source: DOMAIN.md §2 (Coopilote: 70 exits a year for a stock of 320, average path 24 months); stage split an assumption.",
    )
    cesa_rate_per_year: float = Field(
        default=0.18, ge=0.0, description="Annual exit hazard under a CESA, not yet associé. Same source; assumption.",
    )
    associe_rate_per_year: float = Field(
        default=0.12, ge=0.0, description="Annual exit hazard of associés. Same source; assumption.",
    )
    cape_destinations: ExitDestinations = Field(
        default=ExitDestinations(own_company=0.15, salaried_job=0.25, stop=0.60),
        description="Destinations of exits from the test phase (including ends of CAPE). Source: DOMAIN.md §2 (Coopilote: 40% not viable; Cap Services own firm : job ≈ 2 : 3); split an assumption.",
    )
    cesa_destinations: ExitDestinations = Field(
        default=ExitDestinations(own_company=0.25, salaried_job=0.35, stop=0.40),
        description="Destinations of exits under a CESA. Same sources; assumption.",
    )
    associe_destinations: ExitDestinations = Field(
        default=ExitDestinations(own_company=0.35, salaried_job=0.35, stop=0.30),
        description="Destinations of exits of associés. Same sources; assumption.",
    )


class Pathway(_Frozen):
    """The parcours: accueil, test phase (CAPE), CESA, associé, exit."""

    entry_share: Share = Field(
        default=0.3,
        description=(
            "Share of accueils who start a parcours (CAPE, or CESA directly). Source: DOMAIN.md §2 "
            "(Cap Services 2000: 101 people supported for 216 accueils, 47%, a count that includes people "
            "already present; scenarios/cap_services_lyon.yaml reproduces it with 0.18 and short paths). "
            "0.3 is an assumption for a CAE with longer paths."
        ),
    )
    diagnostic_months: int = Field(
        default=1, ge=0, description="Months from accueil to the start of the parcours. Assumption.",
    )
    direct_cesa_share: Share = Field(
        default=0.25,
        description="Share of entrants who skip the test phase and start under a CESA. Source: DOMAIN.md §2 (Oxalis 2017: about 25%).",
    )
    prior_status: PriorStatus = Field(default=PriorStatus())
    cape: CapeRules = Field(default=CapeRules())
    cesa: CesaRules = Field(default=CesaRules())
    associe: AssocieRules = Field(default=AssocieRules())
    exits: ExitRules = Field(default=ExitRules())


class Sector(_Frozen):
    """One sector of activity in the mix."""

    name: str = Field(min_length=1)
    share: Share = Field(description="Share of entrants in this sector; shares must add up to 1.")
    turnover_median_eur_per_year: float = Field(
        gt=0.0, description="Median annual turnover excl. VAT at maturity (lognormal median)."
    )
    turnover_sigma: float = Field(
        default=0.8, ge=0.0, le=3.0,
        description="Spread of the lognormal (sigma of log turnover). Source: DOMAIN.md §3 (strongly right-skewed); value an assumption.",
    )
    rampup_months: int = Field(default=24, ge=0, description="Months from start to reach the mature turnover, linearly.")
    rampup_start_share: Share = Field(default=0.25, description="Share of the mature turnover in the first month.")
    monthly_volatility: float = Field(
        default=0.35, ge=0.0, le=3.0, description="Sigma of the monthly lognormal noise (mean 1) on turnover. Assumption."
    )
    gross_margin_rate: Share = Field(
        default=0.7,
        description="Turnover minus purchases and direct costs, as a share of turnover. Source: DOMAIN.md §3 (Artenréel: costs ≈ 30%).",
    )
    payment_delay_days: float = Field(
        default=30.0, ge=0.0, le=120.0,
        description="Mean client payment delay. Source: DOMAIN.md §3 (legal maximum 60 days from invoice).",
    )
    at_mp_rate: float | None = Field(
        default=None, ge=0.0, le=0.3,
        description=(
            "AT/MP rate of the sector's risk, on the entrepreneurs-salariés' gross pay (null: the office rate of "
            "payroll_fr.yaml). Set by the Carsat per risk code (arrêté of the year's collective rates)."
        ),
    )
    insurance_eur_per_month: float = Field(
        default=0.0, ge=0.0,
        description="Insurance specific to the sector, borne by each activity (e.g. décennale for building trades), on top of the cooperative's general insurance.",
    )
    vat_exempt_share: Share = Field(
        default=0.0,
        description="Share of the sector's turnover exempt from VAT (e.g. vocational training, CGI 261-4-4°): it makes the CAE liable to the taxe sur les salaires (CGI 231).",
    )


class Activities(_Frozen):
    """The sector mix of the activities hosted."""

    sectors: tuple[Sector, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _shares_and_names(self) -> "Activities":
        total = sum(s.share for s in self.sectors)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"sector shares must add up to 1, got {total:g}")
        names = [s.name for s in self.sectors]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"sector names must be unique, repeated: {', '.join(dupes)}")
        return self


class ContributionBracket(_Frozen):
    """One bracket of a degressive contribution: a marginal rate above a yearly threshold."""

    above_eur_per_year: float = Field(gt=0.0, description="The rate applies to the part of the year's base above this.")
    rate: Share = Field(description="Marginal rate above the threshold.")


class Contribution(_Frozen):
    """The contribution each activity pays the cooperative."""

    rate: Share = Field(
        default=0.10,
        description="Contribution rate. Source: DOMAIN.md §3 (10% of turnover at Cap Services, Coopaname, Coopilote; network range 8-15%).",
    )
    base: Literal["turnover", "gross_margin"] = Field(
        default="turnover", description="What the rate applies to: turnover excl. VAT, or gross margin (Oxalis: 15% of margin)."
    )
    cape_rate: Share | None = Field(
        default=None, description="Rate under a CAPE when it differs from the CESA rate (null = the same rate).",
    )
    sector_rates: dict[str, Share] = Field(
        default_factory=dict,
        description="Rates for some sectors (by sector name), replacing `rate` for them under a CESA and, without `cape_rate`, under a CAPE.",
    )
    brackets: tuple[ContributionBracket, ...] = Field(
        default=(),
        description=(
            "Degressive brackets: marginal rates on the part of each activity's base in the calendar year above each "
            "threshold (thresholds increasing). Below the first threshold the activity's own rate applies."
        ),
    )
    minimum_eur_per_month: float = Field(
        default=0.0, ge=0.0,
        description="Minimum monthly contribution under a CESA (0 = none). Source: DOMAIN.md §3 (some CAE: €150-250 a month).",
    )

    @model_validator(mode="after")
    def _brackets_increase(self) -> "Contribution":
        thresholds = [b.above_eur_per_year for b in self.brackets]
        if thresholds != sorted(set(thresholds)):
            raise ValueError("bracket thresholds (above_eur_per_year) must be strictly increasing")
        return self


class Staff(_Frozen):
    """The cooperative's own team: accompaniment and support (management, accounting)."""

    fte_at_opening: float = Field(default=2.0, gt=0.0, description="Accompaniment FTE (chargés d'accompagnement) from opening. Assumption.")
    gross_salary_eur_per_month: float = Field(
        default=2600.0, gt=0.0,
        description="Gross monthly pay of one accompaniment FTE; the employer cost follows the payroll rules. Assumption.",
    )
    hire_above_caseload_per_fte: float = Field(
        default=45.0, gt=0.0,
        description=(
            "When the entrepreneurs followed per accompaniment FTE pass this, half an FTE is hired after the "
            "recruitment delay. Source: DOMAIN.md §3 (each follows about 30-60); value an assumption."
        ),
    )
    max_caseload_per_fte: float = Field(
        default=60.0, gt=0.0,
        description="Capacity: entrepreneurs per accompaniment FTE beyond which new entrants wait. Source: DOMAIN.md §3 (30-60).",
    )
    recruitment_delay_months: int = Field(default=3, ge=0, le=24, description="Months from the decision to hire to the start. Assumption.")
    hiring_freeze_below_months: float = Field(
        default=2.0, ge=0.0,
        description="No hiring while the cooperative's own treasury covers fewer than this many months of its costs. Assumption.",
    )
    max_wait_months: int = Field(
        default=3, ge=0, le=24,
        description="Entrants wait at most this many months for a place; then they leave (reported as accueils lost waiting). Assumption.",
    )
    support_fte_at_opening: float = Field(default=1.0, ge=0.0, description="Management and accounting FTE from opening. Assumption.")
    support_fte_per_accompaniment_fte: float = Field(
        default=0.5, ge=0.0,
        description="Management and accounting FTE per accompaniment FTE, in half-FTE steps (never below the opening team). Assumption.",
    )
    support_gross_salary_eur_per_month: float = Field(
        default=2800.0, gt=0.0, description="Gross monthly pay of one management or accounting FTE. Assumption.",
    )
    support_fte_per_100_entrepreneurs: float = Field(
        default=0.0, ge=0.0,
        description=(
            "Accounting, payroll and administration FTE per 100 active entrepreneurs, on top of the share of the "
            "accompaniment team (support_fte_per_accompaniment_fte). 0 = none. Assumption."
        ),
    )
    hiring_step_fte: float = Field(
        default=0.5, gt=0.0, le=5.0,
        description="FTE hired at a time at a crowded site; support staff also move in steps of this size. Assumption.",
    )
    antenna_fte_at_opening: float = Field(
        default=0.5, ge=0.0,
        description="Accompaniment FTE of an antenna (a site after the first) when it opens, unless the site sets fte_at_opening. Assumption.",
    )

    @model_validator(mode="after")
    def _capacity_above_threshold(self) -> "Staff":
        if self.max_caseload_per_fte < self.hire_above_caseload_per_fte:
            raise ValueError("max_caseload_per_fte must be at least hire_above_caseload_per_fte")
        return self


class Site(_Frozen):
    """A site (head office or antenna): its premises, its team and its pull on the territory."""

    name: str = Field(min_length=1)
    opening_month: YearMonth | None = Field(default=None, description="Month the site opens (null = at the CAE's opening).")
    rent_eur_per_month: float = Field(default=1500.0, ge=0.0, description="Premises: rent and charges. Assumption.")
    fte_at_opening: float | None = Field(
        default=None, ge=0.0,
        description=(
            "Accompaniment FTE of the site when it opens (null: cooperative.staff.fte_at_opening for the first site, "
            "cooperative.staff.antenna_fte_at_opening for an antenna). Each site hires on its own caseload; new entrants wait for a place "
            "at their site."
        ),
    )
    attraction: float = Field(
        default=1.0, gt=0.0,
        description="Relative pull of the site in the Huff model (size, visibility); without zones, accueils are shared among open sites in proportion to it. Assumption: 1, every site alike.",
    )
    lat: float | None = Field(default=None, ge=-90.0, le=90.0, description="Latitude (WGS84), for travel times and the map.")
    lon: float | None = Field(default=None, ge=-180.0, le=180.0, description="Longitude (WGS84).")


class FundingConvention(_Frozen):
    """A public funding convention: what is earned, when it is paid, and whether it is renewed."""

    funder: str = Field(min_length=1, description="Région, Département, EPCI, city, FSE, ...")
    kind: Literal["fixed", "per_accueil", "per_supported", "per_cesa_start"] = Field(
        default="fixed",
        description=(
            "fixed: amount_eur a year; per_accueil: amount_eur per accueil; per_supported: amount_eur a year per "
            "person supported (earned monthly); per_cesa_start: amount_eur per CESA started."
        ),
    )
    amount_eur: float = Field(ge=0.0)
    ceiling_eur_per_year: float | None = Field(default=None, ge=0.0, description="Most the convention pays per convention year (null = no ceiling).")
    first_month: YearMonth = Field(description="First month of the convention.")
    last_month: YearMonth = Field(description="Last month of the first term.")
    max_renewals: int = Field(default=0, ge=0, le=50, description="How many times the term may be renewed.")
    renewal_probability: Share = Field(default=0.0, description="Probability of renewal at each end of term. Assumption of the analyst.")
    payment: Literal["monthly", "quarterly", "annual"] = Field(
        default="monthly", description="When what is earned is paid: each month, each quarter, or once per convention year.",
    )
    payment_lag_months: int = Field(
        default=0, ge=0, le=60,
        description="Months between the end of the period earned and the payment. Source: DOMAIN.md §3 (the European Social Fund pays a year or more after the expense).",
    )

    @model_validator(mode="after")
    def _ordered(self) -> "FundingConvention":
        if month_offset(self.first_month, self.last_month) < 0:
            raise ValueError(f"last_month {self.last_month} is before first_month {self.first_month}")
        return self


class ResultAllocation(_Frozen):
    """How the cooperative's annual result is allocated (a SCOP), and the corporate tax."""

    part_travail_share: float = Field(
        default=0.25, ge=0.25, le=0.85,
        description="Share of the result paid to the workers (part travail). Source: loi 78-763 art. 33 (at least 25%).",
    )
    interest_rate_on_capital: float = Field(
        default=0.0, ge=0.0, le=0.1,
        description="Interest paid on capital (never above the part travail). Source: loi 78-763 art. 33; rate an assumption.",
    )
    legal_reserve_share: float = Field(
        default=0.15, ge=0.15, le=1.0,
        description="Share to the legal reserve until it equals the highest capital reached. Source: loi 78-763 art. 33.",
    )

    @model_validator(mode="after")
    def _shares_fit(self) -> "ResultAllocation":
        total = self.legal_reserve_share + self.part_travail_share
        if total > 1.0 + 1e-9:
            raise ValueError(f"legal_reserve_share + part_travail_share must be at most 1, got {total:g}")
        return self


class MembershipDue(_Frozen):
    """A membership due: a rate on turnover or on the contributions, with a yearly floor."""

    name: str = Field(min_length=1, description="Who it is paid to (CG Scop / URSCOP, Les CAE ...).")
    rate: Share = Field(description="Share of the base paid.")
    base: Literal["turnover", "contributions"] = Field(default="turnover", description="The entrepreneurs' turnover, or the contributions the cooperative receives.")
    floor_eur_per_year: float = Field(default=0.0, ge=0.0, description="Least paid in a calendar year (topped up in December).")
    source: str = Field(default="assumption", description="Where the rate comes from.")


class Cooperative(_Frozen):
    """The cooperative's own budget: contribution, team, costs, funds, public funding, closing."""

    contribution: Contribution = Field(default=Contribution())
    staff: Staff = Field(default=Staff())
    sites: tuple[Site, ...] = Field(default=(Site(name="siège"),), min_length=1, description="Sites and their premises.")
    overheads_eur_per_month: float = Field(
        default=2500.0, ge=0.0,
        description="Other costs of the structure (fees, travel, communication, bank). Assumption.",
    )
    software_eur_per_entrepreneur_month: float = Field(
        default=9.0, ge=0.0, description="Management software per user. Source: DOMAIN.md §3 (enDI about €9 per user a month).",
    )
    insurance_eur_per_entrepreneur_month: float = Field(
        default=15.0, ge=0.0, description="Professional liability and other insurance per entrepreneur. Assumption.",
    )
    overheads_eur_per_fte_month: float = Field(
        default=0.0, ge=0.0,
        description="Premises, equipment, travel and phone per FTE of the team (accompaniment and support), on top of the sites' rent: the structure's costs step up with its team. Assumption.",
    )
    legal_and_accounts_eur_per_year: float = Field(
        default=0.0, ge=0.0,
        description="Chartered accountant or statutory auditor, legal advice, general meeting: paid at each closing, besides the révision. Assumption.",
    )
    payroll_outsourcing_eur_per_payslip: float = Field(
        default=0.0, ge=0.0,
        description="Payroll outsourced: cost per payslip of an entrepreneur-salarié (0 when payroll is done by the support team). Assumption.",
    )
    mutuelle_employer_eur_per_month: float = Field(
        default=30.0, ge=0.0,
        description=(
            "Employer share of the compulsory health cover (complémentaire santé) per employee, entrepreneurs-salariés "
            "included, borne by each CESA activity. Source: CSS L911-7 (employer pays at least half, cae_rules_fr.yaml); "
            "30 € (half of a 60 € individual contract) is an assumption."
        ),
    )
    occupational_health_eur_per_year: float = Field(
        default=110.0, ge=0.0,
        description="Occupational health service (médecine du travail) fee per employee and year. Source: code du travail L4622-6 (per-capita fee of the SPSTI); 110 € is an assumption.",
    )
    membership_dues: tuple["MembershipDue", ...] = Field(
        default=(),
        description="Dues to the cooperative movement (CG Scop / URSCOP, the CAE federation ...): each a rate on a base with a yearly floor.",
    )
    audit_eur_per_year: float = Field(
        default=4000.0, ge=0.0, description="The cooperative audit (révision coopérative) and statutory accounts, paid at each closing. Assumption.",
    )
    setup_costs_eur: float = Field(
        default=15000.0, ge=0.0, description=(
            "Costs paid in the opening month (equipment, furniture, first purchases). Legal and recruitment costs "
            "before opening belong to creation.setup. Assumption."
        ),
    )
    initial_treasury_eur: float = Field(default=60000.0, description="Cash at opening, beyond capital. Assumption.")
    initial_capital_eur: float | None = Field(
        default=None, ge=0.0,
        description=(
            "Capital paid in at opening by founding members. With creation.setup, leave it out: the set-up step "
            "gives the capital. Without either, 20000 € (an assumption)."
        ),
    )
    public_funding: tuple[FundingConvention, ...] = Field(default=())
    closing: ResultAllocation = Field(default=ResultAllocation())

    @model_validator(mode="after")
    def _site_names(self) -> "Cooperative":
        names = [s.name for s in self.sites]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"site names must be unique, repeated: {', '.join(dupes)}")
        return self


class Payroll(_Frozen):
    """Which French payroll rules apply (the rates themselves are dated data in the package)."""

    employer_size: Literal["below_11", "below_50", "50_or_more"] = Field(
        default="below_50",
        description=(
            "Headcount band for the employer rates: below_11 (training levy 0.55%), below_50 (11 to 49), "
            "50_or_more (FNAL 0.5%, construction levy, réduction générale coefficient). Entrepreneurs-salariés "
            "count in the headcount; the default is for a young CAE of 11 to 49 people. Source: payroll_fr.yaml."
        ),
    )
    employer_size_follows_headcount: bool = Field(
        default=False,
        description=(
            "When true, employer_size is the band at opening and the band then follows the CAE's annual average "
            "headcount (entrepreneurs-salariés and team), a threshold counting as crossed upwards after 5 consecutive "
            "calendar years and downwards after one (CSS L130-1, cae_rules_fr.yaml); the versement mobilité is due "
            "from the 11-49 band. False: the band stays as given."
        ),
    )
    rules_month: YearMonth | None = Field(
        default=None,
        description=(
            "Apply the payroll rules in force in this month to every simulated month (null = the rules in force "
            "each month). Needed for historical scenarios that start before the first dated rules."
        ),
    )


class Portage(_Frozen):
    """Portage salarial rules for the comparison run (DOMAIN.md §5)."""

    pay_floor_share_of_pass: float = Field(
        default=0.75, gt=0.0, le=2.0,
        description="Entry needs an expected gross pay of at least this share of the monthly social-security ceiling. Source: code du travail L1254-2 (75% of the PASS, full time).",
    )
    fee_rate: float = Field(
        default=0.07, ge=0.03, le=0.10, description="Management fee on turnover. Source: DOMAIN.md §5 (3-10%).",
    )
    reserve_share: float = Field(
        default=0.05, ge=0.0, le=1.0, description="Share of the portage company's result put in reserves. Source: DOMAIN.md §3 (about 5%, the legal minimum).",
    )
    mission_months: int = Field(
        default=12, ge=1, le=36, description="Length of a mission contract; a new one is signed only if billing still reaches the floor. Source: DOMAIN.md §5 (max 36 months); value an assumption.",
    )
    cost_per_consultant_eur_per_month: float = Field(
        default=150.0, ge=0.0, description="The portage company's own cost per consultant. Assumption.",
    )


class FeasibilityStep(_Frozen):
    """Step 1, vérification de la faisabilité: the study that simcoop stands for."""

    start_month: YearMonth
    duration_months: int = Field(default=6, ge=1, le=36, description="Length of the feasibility check. Source: DOMAIN.md §4; value an assumption.")
    cost_eur: float = Field(default=20000.0, ge=0.0, description="Cost of the study (public money: counted in the public cost). Assumption.")
    funded_by: str = Field(default="", description="Who commissions and pays the study (e.g. the intercommunalité).")


class PartnerCommitment(_Frozen):
    """Step 2, mobilisation des partenaires: one funder's commitment, which may not come through."""

    funder: str = Field(min_length=1, description="Must match the funder of one or more public_funding conventions.")
    probability: Share = Field(description="Probability that the commitment comes through. Assumption of the analyst.")
    decision_month: YearMonth = Field(description="When the funder decides.")


class SetupStep(_Frozen):
    """Step 3, montage de la structure: legal set-up, recruitment and capital before opening."""

    start_month: YearMonth
    legal_costs_eur: float = Field(default=8000.0, ge=0.0, description="Statutes, registration, legal advice. Assumption.")
    recruitment_costs_eur: float = Field(default=6000.0, ge=0.0, description="Recruiting the first team. Assumption.")
    capital_founders_eur: float = Field(default=15000.0, ge=0.0, description="Capital subscribed by the founding members. Assumption.")
    capital_partners_eur: float = Field(default=5000.0, ge=0.0, description="Capital subscribed by partners (associés extérieurs, SCIC-style or local bodies). Assumption.")


class Creation(_Frozen):
    """The steps before opening (DOMAIN.md §4); step 4 (accompagnement et suivi) is the simulated operation."""

    feasibility: FeasibilityStep | None = None
    partners: tuple[PartnerCommitment, ...] = Field(default=())
    setup: SetupStep | None = None


class Viability(_Frozen):
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


class RosterEntry(_Frozen):
    """One entrepreneur present when the run starts (warm start from an operating CAE)."""

    entrepreneur_id: str = Field(min_length=1, description="The CAE's own id (no names needed).")
    stage: Literal["cape", "cesa", "associe"]
    entry_month: YearMonth = Field(description="Month the parcours started (CAPE, or CESA directly).")
    cesa_month: YearMonth | None = Field(default=None, description="Month the CESA started (cesa and associe stages).")
    associe_month: YearMonth | None = Field(default=None, description="Month they became associé (associe stage).")
    sector: str = Field(min_length=1, description="One of activities.sectors[*].name.")
    monthly_turnover_eur: float = Field(ge=0.0, description="Recent average monthly turnover excl. VAT (e.g. the last 6 months).")
    treasury_eur: float = Field(default=0.0, description="The activity's treasury today (état de trésorerie).")
    are_months_left: int = Field(default=0, ge=0, le=36, description="Months of ARE entitlement left (0: none).")


class WarmStart(_Frozen):
    """Start from the entrepreneurs present today instead of an empty CAE (the 'suivi' step)."""

    roster_file: str = Field(
        default="",
        description="CSV of the entrepreneurs present at meta.start_month, relative to the scenario file; read when the scenario is loaded.",
    )
    entrepreneurs: tuple[RosterEntry, ...] = Field(default=(), description="The roster (filled from roster_file when given).")


class SimulationSettings(_Frozen):
    """How many replications and from which root seed."""

    replications: int = Field(default=200, ge=1, le=1_000_000)
    seed: int = Field(default=20251126, ge=0, description="Root seed; same scenario and seed give the same numbers.")


class Scenario(_Frozen):
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
            from simcoop.territory import demand_matrix

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
            _set_path(data, path.split("."), value)
        for section, value in kwargs.items():
            if isinstance(value, BaseModel):
                value = value.model_dump(mode="json")
            if isinstance(value, dict) and isinstance(data.get(section), dict):
                data[section] = {**data[section], **value}
            else:
                data[section] = value
        return validate_data(data, source="<replace>")


def _set_path(data: dict[str, Any], keys: list[str], value: Any) -> None:
    node: Any = data
    for i, key in enumerate(keys[:-1]):
        if isinstance(node, list):
            node = node[int(key)]
        elif isinstance(node, dict) and key in node:
            node = node[key]
        else:
            raise KeyError(f"no such key: {'.'.join(keys[: i + 1])}")
    last = keys[-1]
    if isinstance(node, list):
        node[int(last)] = value
    elif isinstance(node, dict):
        if last not in node:
            raise KeyError(f"no such key: {'.'.join(keys)}")
        node[last] = value
    else:
        raise KeyError(f"no such key: {'.'.join(keys)}")


# --------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class Problem:
    """One problem found in a scenario: where it is and what is allowed."""

    source: str
    line: int | None
    key_path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        key = f" {self.key_path}:" if self.key_path else ""
        return f"{where}:{key} {self.message}"


class ScenarioError(ValueError):
    """A scenario that cannot be used; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        count = len(problems)
        head = f"{count} problem{'s' if count != 1 else ''} in scenario"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in problems))


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file; raises ScenarioError listing every problem.

    A top-level ``variants:`` block is checked for its shape and left out: this is the base
    scenario (``simcoop.experiments.load_variants`` reads the variants).
    """
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem(source, None, "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(source, None, "", f"cannot read the file: {exc}")]) from None
    parsed = parse_yaml(text)
    if parsed.error is not None:
        line, message = parsed.error
        raise ScenarioError([Problem(source, line, "", message)])
    problems = [Problem(source, line, _dotted(path_), msg) for path_, line, msg in parsed.duplicates]
    if not isinstance(parsed.data, dict):
        kind = "empty" if parsed.data is None else f"a {type(parsed.data).__name__}"
        problems.append(Problem(source, 1, "", f"a scenario must be a mapping of sections (meta, territory, ...), this file is {kind}"))
        raise ScenarioError(problems)
    data, _, variant_problems = split_variants(parsed.data, source, parsed.marks)
    data, table_problems = _read_attached(data, path, parsed.marks)
    return validate_data(data, source=source, marks=parsed.marks, prior=problems + variant_problems + table_problems)


#: Sections a CSV next to the scenario can fill: section -> (file key, rows key).
ATTACHED_TABLES: dict[str, tuple[str, str]] = {"territory": ("zones_file", "zones"), "warm_start": ("roster_file", "entrepreneurs")}


def read_attached_table(section: str, csv_path: Path) -> list[dict[str, Any]]:
    """The rows of the CSV that fills ``section`` (zones or roster); raises ScenarioError or OSError."""
    if section == "territory":
        from simcoop.territory import read_zones

        return read_zones(csv_path)
    from simcoop.roster import read_roster

    return read_roster(csv_path)


def _read_attached(data: dict[str, Any], path: Path, marks: dict[tuple[Any, ...], int]) -> tuple[dict[str, Any], list[Problem]]:
    """Fill territory.zones and warm_start.entrepreneurs from the CSV files they name (next to the scenario)."""
    problems: list[Problem] = []
    for section, (file_key, rows_key) in ATTACHED_TABLES.items():
        block = data.get(section)
        if not isinstance(block, dict) or not block.get(file_key):
            continue
        line = marks.get((section, file_key))
        if block.get(rows_key):
            problems.append(Problem(str(path), line, section, f"give {file_key} or {rows_key}, not both"))
            continue
        csv_path = (path.parent / str(block[file_key])).resolve()
        try:
            rows = read_attached_table(section, csv_path)
        except ScenarioError as exc:
            problems += exc.problems
            continue
        except OSError as exc:
            problems.append(Problem(str(path), line, f"{section}.{file_key}", f"cannot read {csv_path}: {exc}"))
            continue
        data = {**data, section: {**block, rows_key: rows}}
    return data, problems


def scenario_from_dict(data: dict[str, Any], source: str = "<dict>") -> Scenario:
    """Validate plain data into a Scenario (a ``variants`` block is left out, as in a file)."""
    problems: list[Problem] = []
    if isinstance(data, dict):
        data, _, problems = split_variants(data, source)
    return validate_data(data, source=source, prior=problems)


#: Top-level key of a scenario file holding named variants: name -> {dotted key: value}.
VARIANTS_KEY = "variants"


def split_variants(
    data: dict[str, Any], source: str, marks: dict[tuple[Any, ...], int] | None = None
) -> tuple[dict[str, Any], dict[str, dict[str, Any]], list[Problem]]:
    """Take the ``variants:`` block out of scenario data and check its shape.

    Returns the scenario data without the block (a shallow copy), the variants as
    ``{name: {dotted key: value}}`` and the problems in the block's shape. Whether each
    dotted key exists in the scenario is checked by ``simcoop.experiments.load_variants``.
    """
    if VARIANTS_KEY not in data:
        return data, {}, []
    marks = marks or {}
    rest = {k: v for k, v in data.items() if k != VARIANTS_KEY}
    block = data[VARIANTS_KEY]
    example = 'e.g. variants: {"contribution 12 %": {cooperative.contribution.rate: 0.12}}'
    if not isinstance(block, dict):
        message = f"expected a mapping of variant names to their overrides ({example})"
        return rest, {}, [Problem(source, marks.get((VARIANTS_KEY,)), VARIANTS_KEY, message)]
    variants: dict[str, dict[str, Any]] = {}
    problems: list[Problem] = []
    for name, overrides in block.items():
        line = marks.get((VARIANTS_KEY, name))
        if not isinstance(name, str) or not name.strip():
            problems.append(Problem(source, line, VARIANTS_KEY, f"a variant name must be non-empty text, got {name!r}"))
            continue
        where = f"{VARIANTS_KEY}.{name}"
        if not isinstance(overrides, dict):
            message = f"expected a mapping of dotted keys to values ({example}); got {overrides!r}"
            problems.append(Problem(source, line, where, message))
            continue
        for key in overrides:
            if not isinstance(key, str) or not all(part.strip() for part in key.split(".")):
                message = f"{key!r}: expected a dotted key such as cooperative.contribution.rate"
                problems.append(Problem(source, marks.get((VARIANTS_KEY, name, key), line), where, message))
        variants[name] = dict(overrides)
    return rest, variants, problems


def validate_data(
    data: Any,
    source: str,
    marks: dict[tuple[Any, ...], int] | None = None,
    prior: list[Problem] | None = None,
) -> Scenario:
    """Validate parsed data; every problem is reported with its line when marks are given."""
    problems = list(prior or [])
    marks = marks or {}
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        failed_locs = [tuple(e["loc"]) for e in errors]
        for err in errors:
            loc = tuple(err["loc"])
            # A list whose items failed also looks "too short": report the items only.
            if err["type"] == "too_short" and any(len(o) > len(loc) and o[: len(loc)] == loc for o in failed_locs):
                continue
            problems.append(_problem_from_error(err, source, marks))
        raise ScenarioError(_in_line_order(problems)) from None
    if problems:
        raise ScenarioError(_in_line_order(problems))
    return scenario


def _in_line_order(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.line is None, p.line or 0))


def _dotted(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line_for(loc: tuple[Any, ...], marks: dict[tuple[Any, ...], int]) -> int | None:
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in marks:
            return marks[loc[:cut]]
    return None


def _problem_from_error(err: dict[str, Any], source: str, marks: dict[tuple[Any, ...], int]) -> Problem:
    loc = tuple(part for part in err["loc"] if not (isinstance(part, str) and part.startswith("function-")))
    kind = err["type"]
    line = _line_for(loc, marks)
    if kind == "extra_forbidden":
        parent = _model_at(loc[:-1])
        known = sorted(parent.model_fields) if parent is not None else []
        message = f"unknown key '{loc[-1]}'"
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.65)
        if close:
            message += f"; did you mean '{close[0]}'?"
        else:
            message += "."
        if known:
            message += f" Allowed keys here: {', '.join(known)}."
        return Problem(source, line, _dotted(loc), message)
    if kind == "missing":
        if len(loc) == 1:
            line = 1  # a missing section belongs to the top of the file
        allowed = _allowed(loc)
        message = "required key is missing" + (f" (expected {allowed})" if allowed else "")
        return Problem(source, line, _dotted(loc), message)
    message = err["msg"]
    if kind == "string_pattern_mismatch":
        return Problem(source, line, _dotted(loc), f"expected a month written YYYY-MM (e.g. 2027-01); got {err['input']!r}")
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    allowed = _allowed(loc)
    if allowed and kind not in ("value_error", "assertion_error"):
        message += f" (allowed: {allowed})"
    if kind not in ("value_error", "assertion_error", "missing") and "input" in err and not isinstance(err["input"], (dict, list)):
        message += f"; got {err['input']!r}"
    return Problem(source, line, _dotted(loc), message)


def _field_at(loc: tuple[Any, ...]) -> FieldInfo | None:
    model: Any = Scenario
    field = None
    for part in loc:
        if isinstance(part, int):
            continue
        if model is None or not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = model.model_fields.get(part)
        if field is None:
            return None
        model = _inner_model(field.annotation)
    return field


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    if not [p for p in loc if not isinstance(p, int)]:
        return Scenario
    field = _field_at(loc)
    return None if field is None else _inner_model(field.annotation)


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        inner = _inner_model(arg)
        if inner is not None:
            return inner
    return None


def _allowed(loc: tuple[Any, ...]) -> str:
    """Say in words what a field accepts: its type, bounds, choices or pattern."""
    field = _field_at(loc)
    if field is None:
        return ""
    annotation = field.annotation
    origin = get_origin(annotation)
    bounds: list[str] = []
    for meta in field.metadata:
        for attr, word in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            value = getattr(meta, attr, None)
            if value is not None:
                bounds.append(f"{word} {value}")
        if getattr(meta, "pattern", None):
            return "a month written YYYY-MM"
        if getattr(meta, "min_length", None):
            bounds.append("not empty")
    if annotation is str and "not empty" in bounds:
        return "non-empty text"
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(annotation))
    if annotation is float:
        kind = "a number"
    elif annotation is int:
        kind = "a whole number"
    elif annotation is str:
        kind = "text"
    elif origin is tuple:
        kind = "a list"
    elif _inner_model(annotation) is not None:
        model = _inner_model(annotation)
        assert model is not None
        kind = "a mapping with keys " + ", ".join(model.model_fields)
    else:
        kind = ""
    return " ".join(x for x in [kind, " and ".join(bounds)] if x)
