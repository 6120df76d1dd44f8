"""The scenario's territory: the accueil flow, or zones and the demand model's parameters."""

from __future__ import annotations

from pydantic import Field, field_validator

from simcoop.scenario.base import MAX_ACCUEILS_PER_YEAR, MAX_FACTOR, MAX_INHABITANTS, MAX_MONTHS, Factor, Frozen, Minutes, Share

__all__ = [
    "Zone",
    "Demand",
    "Territory",
]


class Zone(Frozen):
    """One zone of the territory (a commune, an IRIS, a canton): the figures the demand model reads."""

    zone_code: str = Field(min_length=1, description="INSEE code of the commune or any unique code.")
    name: str = Field(min_length=1)
    population: float = Field(le=MAX_INHABITANTS, ge=0.0, description="Inhabitants (INSEE, recensement).")
    job_seekers_abc: float = Field(le=MAX_INHABITANTS, ge=0.0, description="Job seekers registered with France Travail, categories A, B and C.")
    business_creations_per_year: float = Field(le=MAX_INHABITANTS, ge=0.0, description="Business creations a year (INSEE, SIDE/REE).")
    creations_by_job_seekers_per_year: float | None = Field(le=MAX_INHABITANTS,
        default=None, ge=0.0, description="Of which by job seekers, where known (informative)."
    )
    lat: float | None = Field(default=None, ge=-90.0, le=90.0, description="Latitude of the zone's centre (WGS84).")
    lon: float | None = Field(default=None, ge=-180.0, le=180.0, description="Longitude of the zone's centre (WGS84).")
    travel_minutes: dict[str, Minutes] = Field(
        default_factory=dict,
        description="Travel time to each site by site name; missing sites are estimated from the coordinates.",
    )


class Demand(Frozen):
    """How the territory's figures become accueils (used when zones are given)."""

    penetration_per_job_seeker_per_year: float = Field(le=MAX_FACTOR,
        default=0.00675, ge=0.0,
        description=(
            "Accueils a year per job seeker (categories A, B, C) living next to a site. Calibrated: a CAE in an "
            "agglomeration of 200 000 inhabitants (about 7.9% job seekers A-B-C and 1.6% business creations a year, "
            "national ratios of France Travail and INSEE, 2024, approximate) receives DOMAIN.md's 180 accueils a year "
            "at maturity, 60% through job seekers (the 60/40 split is an assumption). See docs/territory.md."
        ),
        json_schema_extra={"assumption": True},
    )
    penetration_per_creation_per_year: float = Field(le=MAX_FACTOR,
        default=0.0225, ge=0.0,
        description="Accueils a year per business creation in the zone (the other 40% of the calibration above).",
    )
    decay_per_minute: float = Field(
        default=0.04, ge=0.0, le=1.0,
        description=(
            "Attraction of a site decays as exp(-decay x minutes) (Huff model); 0.04 halves demand at about 17 "
            "minutes. Assumption, to calibrate on the origin of a CAE's accueils."
        ),
        json_schema_extra={"assumption": True},
    )
    prescriber_multipliers: dict[str, Factor] = Field(
        default_factory=dict,
        description=(
            "Multipliers for the prescribers active in the territory (e.g. france_travail: 1.2, bge: 1.1, "
            "missions_locales: 1.05); their product scales demand. Assumption of the analyst."
        ),
        json_schema_extra={"assumption": True},
    )
    road_speed_kmh: float = Field(le=MAX_FACTOR, default=40.0, gt=0.0, description="Mean door-to-door speed for travel times from coordinates. Assumption.", json_schema_extra={"assumption": True})
    detour_factor: float = Field(le=MAX_FACTOR, default=1.3, ge=1.0, description="Road distance / straight-line distance. Assumption.", json_schema_extra={"assumption": True})


class Territory(Frozen):
    """The accueil arrival process: a Poisson flow with ramp-up and seasonality.

    The mature flow is either given (``accueils_per_year_at_maturity``) or derived from the
    territory's zones (``zones_file`` or ``zones``) by the demand model (``demand``).
    """

    accueils_per_year_at_maturity: float | None = Field(le=MAX_ACCUEILS_PER_YEAR,
        default=None,
        ge=0.0,
        description=(
            "Mean accueils (information meeting + diagnostic) per year once the CAE is known; leave it out when "
            "zones are given (the demand model derives it). Without either, 180. Source: DOMAIN.md §2 (Cap Services, "
            "216 accueils in 2000, its 5th year); 180 for a new CAE in a mid-sized urban area is an assumption."
        ),
        json_schema_extra={"source": "DOMAIN.md §2", "assumption": True},
    )
    zones_file: str = Field(
        default="",
        description="CSV of the territory's zones (docs/territory.md), relative to the scenario file; read when the scenario is loaded.",
    )
    zones: tuple[Zone, ...] = Field(default=(), description="The zones (filled from zones_file when given).")
    demand: Demand = Field(default=Demand())
    rampup_months: int = Field(le=MAX_MONTHS,
        default=36,
        ge=0,
        description=(
            "Months from opening to reach the mature flow, linearly. Source: DOMAIN.md §4 "
            "(2-3 years from idea to an autonomous structure); the value is an assumption."
        ),
        json_schema_extra={"source": "DOMAIN.md §4", "assumption": True},
    )
    accueils_multiplier: Factor = Field(
        default=1.0,
        description=(
            "Factor on the accueil flow the territory gives (given or derived from the zones): 1 keeps it. It stands "
            "for the error of a territory's own flow estimate; the population prior (simcoop/data/population_prior.csv) "
            "draws it. Assumption (docs/sources.md)."
        ),
        json_schema_extra={"assumption": True},
    )
    rampup_start_share: Share = Field(
        default=0.3,
        description="Share of the mature flow reached in the opening month. Assumption.",
        json_schema_extra={"assumption": True},
    )
    population: float | None = Field(
        default=None, ge=0.0, le=MAX_INHABITANTS,
        description="Inhabitants of the territory served (INSEE); with zones, their sum is used. Only for the reality check (entrepreneurs per 1 000 inhabitants).",
    )
    versement_mobilite_rate: float = Field(
        default=0.0, ge=0.0, le=0.0295,
        description=(
            "Rate of the versement mobilité set by the territory's mobility authority (AOM), on gross pay, due once the "
            "CAE employs 11 people or more (smoothed over 5 years). Source: CGCT L2333-64 and L2333-67 (at most 2 % in "
            "most areas, 2.95 % in Paris); 0 = no AOM levy. Set it from the AOM's deliberation."
        ),
        json_schema_extra={"source": "CGCT L2333-64 and L2333-67", "assumption": False},
    )
    seasonality: tuple[Factor, ...] = Field(
        default=(1.1, 1.1, 1.1, 1.0, 0.9, 0.9, 0.5, 0.4, 1.2, 1.3, 1.3, 1.2),
        description=(
            "Twelve monthly factors, January first, applied to the flow; they are "
            "normalised to average 1. Assumption (summer slowdown, autumn peak)."
        ),
        json_schema_extra={"assumption": True},
    )

    @field_validator("seasonality")
    @classmethod
    def _twelve_positive(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if len(value) != 12:
            raise ValueError(f"needs exactly 12 monthly factors (January to December), got {len(value)}")
        if any(v < 0 for v in value) or sum(value) <= 0:
            raise ValueError("factors must be >= 0 and not all zero")
        return value
