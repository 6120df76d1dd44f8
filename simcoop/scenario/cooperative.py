"""The scenario's cooperative: contribution, team, sites, public funding, result allocation, payroll, portage, creation."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from simcoop.months import month_offset
from simcoop.scenario.base import MAX_EUR, MAX_FACTOR, MAX_FTE, MAX_MONTHS, Frozen, Share, YearMonth, duplicates
from simcoop.scenario.financing import Financing, FinancingInstrument, ReceivableFinancing

__all__ = [
    "MembershipDue",
    "ContributionBracket",
    "Contribution",
    "Staff",
    "Site",
    "FundingConvention",
    "FinancingInstrument",
    "ReceivableFinancing",
    "Financing",
    "GoDecision",
    "ResultAllocation",
    "Cooperative",
    "Payroll",
    "Portage",
    "FeasibilityStep",
    "PartnerCommitment",
    "SetupStep",
    "Creation",
]


class ContributionBracket(Frozen):
    """One bracket of a degressive contribution: a marginal rate above a yearly threshold."""

    above_eur_per_year: float = Field(le=MAX_EUR, gt=0.0, description="The rate applies to the part of the year's base above this.")
    rate: Share = Field(description="Marginal rate above the threshold.")


class Contribution(Frozen):
    """The contribution each activity pays the cooperative."""

    rate: Share = Field(
        default=0.10,
        description="Contribution rate. Source: DOMAIN.md §3 (10% of turnover at Cap Services, Coopaname, Coopilote; network range 8-15%).",
        json_schema_extra={"source": "DOMAIN.md §3", "assumption": False},
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
    minimum_eur_per_month: float = Field(le=MAX_EUR,
        default=0.0, ge=0.0,
        description="Minimum monthly contribution under a CESA (0 = none). Source: DOMAIN.md §3 (some CAE: €150-250 a month).",
        json_schema_extra={"source": "DOMAIN.md §3", "assumption": False},
    )

    @model_validator(mode="after")
    def _brackets_increase(self) -> "Contribution":
        thresholds = [b.above_eur_per_year for b in self.brackets]
        if thresholds != sorted(set(thresholds)):
            raise ValueError("bracket thresholds (above_eur_per_year) must be strictly increasing")
        return self


class Staff(Frozen):
    """The cooperative's own team: accompaniment and support (management, accounting)."""

    fte_at_opening: float = Field(le=MAX_FTE, default=2.0, gt=0.0, description="Accompaniment FTE (chargés d'accompagnement) from opening. Assumption.", json_schema_extra={"assumption": True})
    gross_salary_eur_per_month: float = Field(le=MAX_EUR,
        default=2600.0, gt=0.0,
        description="Gross monthly pay of one accompaniment FTE; the employer cost follows the payroll rules. Assumption.",
        json_schema_extra={"assumption": True},
    )
    hire_above_caseload_per_fte: float = Field(le=MAX_FTE,
        default=45.0, gt=0.0,
        description=(
            "When the entrepreneurs followed per accompaniment FTE pass this, half an FTE is hired after the "
            "recruitment delay. Source: DOMAIN.md §3 (each follows about 30-60); value an assumption."
        ),
        json_schema_extra={"source": "DOMAIN.md §3", "assumption": True},
    )
    max_caseload_per_fte: float = Field(le=MAX_FTE,
        default=60.0, gt=0.0,
        description="Capacity: entrepreneurs per accompaniment FTE beyond which new entrants wait. Source: DOMAIN.md §3 (30-60).",
        json_schema_extra={"source": "DOMAIN.md §3", "assumption": False},
    )
    recruitment_delay_months: int = Field(default=3, ge=0, le=24, description="Months from the decision to hire to the start. Assumption.", json_schema_extra={"assumption": True})
    hiring_freeze_below_months: float = Field(le=MAX_MONTHS,
        default=2.0, ge=0.0,
        description="No hiring while the cooperative's own treasury, plus the public funding earned and not yet paid, covers fewer than this many months of its costs. Assumption.",
        json_schema_extra={"assumption": True},
    )
    max_wait_months: int = Field(
        default=3, ge=0, le=24,
        description="Entrants wait at most this many months for a place; then they leave (reported as accueils lost waiting). Assumption.",
        json_schema_extra={"assumption": True},
    )
    support_fte_at_opening: float = Field(le=MAX_FTE, default=1.0, ge=0.0, description="Management and accounting FTE from opening. Assumption.", json_schema_extra={"assumption": True})
    support_fte_per_accompaniment_fte: float = Field(le=MAX_FTE,
        default=0.5, ge=0.0,
        description="Management and accounting FTE per accompaniment FTE, in half-FTE steps (never below the opening team). Assumption.",
        json_schema_extra={"assumption": True},
    )
    support_gross_salary_eur_per_month: float = Field(le=MAX_EUR,
        default=2800.0, gt=0.0, description="Gross monthly pay of one management or accounting FTE. Assumption.",
        json_schema_extra={"assumption": True},
    )
    support_fte_per_100_entrepreneurs: float = Field(
        default=0.0, ge=0.0, le=MAX_FTE,
        description=(
            "Accounting, payroll and administration FTE per 100 active entrepreneurs, on top of the share of the "
            "accompaniment team (support_fte_per_accompaniment_fte). 0 = none. Assumption."
        ),
        json_schema_extra={"assumption": True},
    )
    hiring_step_fte: float = Field(
        default=0.5, gt=0.0, le=5.0,
        description="FTE hired at a time at a crowded site; support staff also move in steps of this size. Assumption.",
        json_schema_extra={"assumption": True},
    )
    antenna_fte_at_opening: float = Field(
        default=0.5, ge=0.0, le=MAX_FTE,
        description="Accompaniment FTE of an antenna (a site after the first) when it opens, unless the site sets fte_at_opening. Assumption.",
        json_schema_extra={"assumption": True},
    )

    @model_validator(mode="after")
    def _capacity_above_threshold(self) -> "Staff":
        if self.max_caseload_per_fte < self.hire_above_caseload_per_fte:
            raise ValueError("max_caseload_per_fte must be at least hire_above_caseload_per_fte")
        return self


class Site(Frozen):
    """A site (head office or antenna): its premises, its team and its pull on the territory."""

    name: str = Field(min_length=1)
    opening_month: YearMonth | None = Field(default=None, description="Month the site opens (null = at the CAE's opening).")
    rent_eur_per_month: float = Field(le=MAX_EUR, default=1500.0, ge=0.0, description="Premises: rent and charges. Assumption.", json_schema_extra={"assumption": True})
    fte_at_opening: float | None = Field(le=MAX_FTE,
        default=None, ge=0.0,
        description=(
            "Accompaniment FTE of the site when it opens (null: cooperative.staff.fte_at_opening for the first site, "
            "cooperative.staff.antenna_fte_at_opening for an antenna). Each site hires on its own caseload; new entrants wait for a place "
            "at their site."
        ),
        json_schema_extra={"assumption": True},
    )
    attraction: float = Field(le=MAX_FACTOR,
        default=1.0, gt=0.0,
        description="Relative pull of the site in the Huff model (size, visibility); without zones, accueils are shared among open sites in proportion to it. Assumption: 1, every site alike.",
        json_schema_extra={"assumption": True},
    )
    lat: float | None = Field(default=None, ge=-90.0, le=90.0, description="Latitude (WGS84), for travel times and the map.")
    lon: float | None = Field(default=None, ge=-180.0, le=180.0, description="Longitude (WGS84).")


class FundingConvention(Frozen):
    """A public funding convention: what is earned, when it is paid, and whether it is renewed."""

    funder: str = Field(min_length=1, description="Région, Département, EPCI, city, FSE, ...")
    kind: Literal["fixed", "per_accueil", "per_supported", "per_cesa_start", "per_rsa_entrant"] = Field(
        default="fixed",
        description=(
            "fixed: amount_eur a year; per_accueil: amount_eur per accueil; per_supported: amount_eur a year per "
            "person supported (earned monthly); per_cesa_start: amount_eur per CESA started; per_rsa_entrant: "
            "amount_eur per RSA recipient who enters (the Département funds the support of RSA recipients it "
            "orients to the CAE, CASF L262-29, L262-33)."
        ),
    )
    amount_eur: float = Field(le=MAX_EUR, ge=0.0)
    ceiling_eur_per_year: float | None = Field(le=MAX_EUR, default=None, ge=0.0, description="Most the convention pays per convention year (null = no ceiling).")
    first_month: YearMonth = Field(description="First month of the convention.")
    last_month: YearMonth = Field(description="Last month of the first term.")
    max_renewals: int | None = Field(
        default=0, ge=0, le=50,
        description=(
            "How many times the term may be renewed; null: renewed term after term (each with renewal_probability) "
            "until the horizon's end, as a standing operating convention is."
        ),
    )
    renewal_probability: Share = Field(default=0.0, description="Probability of renewal at each end of term. Assumption of the analyst.", json_schema_extra={"assumption": True})
    payment: Literal["monthly", "quarterly", "annual"] = Field(
        default="monthly", description="When what is earned is paid: each month, each quarter, or once per convention year.",
    )
    payment_lag_months: int = Field(
        default=0, ge=0, le=60,
        description="Months between the end of the period earned and the payment. Source: DOMAIN.md §3 (the European Social Fund pays a year or more after the expense).",
        json_schema_extra={"source": "DOMAIN.md §3", "assumption": False},
    )

    advance_at_signature_share: Share = Field(
        default=0.0,
        description=(
            "Share of each convention year's amount paid at the start of that year (avance à la signature), then "
            "deducted from the year's payments; what the year did not earn is paid back after its last payment. "
            "Needs a fixed convention or a ceiling (the year's amount). Source: usual clause of public conventions "
            "(often 30-50 %); value an assumption."
        ),
        json_schema_extra={"source": "usual clause of public conventions", "assumption": True},
    )

    @model_validator(mode="after")
    def _ordered(self) -> "FundingConvention":
        if month_offset(self.first_month, self.last_month) < 0:
            raise ValueError(f"last_month {self.last_month} is before first_month {self.first_month}")
        if self.advance_at_signature_share > 0 and self.kind != "fixed" and self.ceiling_eur_per_year is None:
            raise ValueError(
                "advance_at_signature_share needs the year's amount: a fixed convention, or a ceiling_eur_per_year"
            )
        return self


class Prestation(Frozen):
    """A service the cooperative sells to France Travail or the Département, paid per person (a revenue, not a subsidy)."""

    buyer: str = Field(min_length=1, description="Who buys the service: France Travail, the Département, ...")
    per: Literal["accueil", "cape_entrant", "rsa_entrant", "supported"] = Field(
        description=(
            "accueil: amount_eur per accueil; cape_entrant: per person entering a CAPE; rsa_entrant: per RSA recipient "
            "who enters; supported: amount_eur a year per person supported (earned monthly)."
        ),
    )
    amount_eur: float = Field(le=MAX_EUR, ge=0.0, description="Price per person (a year for `supported`). Assumption of the analyst.",
                              json_schema_extra={"assumption": True})
    first_month: YearMonth = Field(description="First month of the contract.")
    last_month: YearMonth = Field(description="Last month of the contract.")

    @model_validator(mode="after")
    def _ordered(self) -> "Prestation":
        if month_offset(self.first_month, self.last_month) < 0:
            raise ValueError(f"last_month {self.last_month} is before first_month {self.first_month}")
        return self


class ResultAllocation(Frozen):
    """How the cooperative's annual result is allocated (a SCOP or a SCIC), and the corporate tax."""

    form: Literal["scop", "scic"] = Field(
        default="scop",
        description=(
            "Legal form of the cooperative. scop: loi 78-763 (part travail at least 25 %, the part travail deducted "
            "from the taxable profit, CGI 214 1 2°). scic: loi 47-1775 titre II ter (at least 57.5 % of the result "
            "after the legal reserve to impartageable reserves, art. 19 nonies; those reserves deducted from the "
            "taxable profit, CGI 209 VIII; no part travail owed; collectivités may hold up to 50 % of the capital, "
            "art. 19 septies). Source: DOMAIN.md §1 (usually a SCOP, sometimes a SCIC)."
        ),
        json_schema_extra={"source": "loi 78-763; loi 47-1775 titre II ter; CGI 209 VIII", "assumption": False},
    )
    scic_reserve_share: float = Field(
        default=0.575, ge=0.575, le=1.0,
        description="In a SCIC, share of the result after the legal reserve put in the statutory (impartageable) reserve. Source: loi 47-1775 art. 19 nonies (at least 57.5 %).",
        json_schema_extra={"source": "loi 47-1775 art. 19 nonies", "assumption": False},
    )
    collectivites_capital_share: float = Field(
        default=0.0, ge=0.0, le=0.5,
        description=(
            "Share of the opening capital subscribed by collectivités territoriales and their groupings (0 = none). "
            "Only in a SCIC, at most 50 %. Source: loi 47-1775 art. 19 septies."
        ),
        json_schema_extra={"source": "loi 47-1775 art. 19 septies", "assumption": False},
    )

    part_travail_share: float = Field(
        default=0.25, ge=0.25, le=0.85,
        description="Share of the result paid to the workers (part travail). Source: loi 78-763 art. 33 (at least 25%).",
        json_schema_extra={"source": "loi 78-763 art. 33", "assumption": False},
    )
    interest_rate_on_capital: float = Field(
        default=0.0, ge=0.0, le=0.1,
        description="Interest paid on capital (never above the part travail). Source: loi 78-763 art. 33; rate an assumption.",
        json_schema_extra={"source": "loi 78-763 art. 33", "assumption": True},
    )
    legal_reserve_share: float = Field(
        default=0.15, ge=0.15, le=1.0,
        description="Share to the legal reserve until it equals the highest capital reached. Source: loi 78-763 art. 33.",
        json_schema_extra={"source": "loi 78-763 art. 33", "assumption": False},
    )

    @model_validator(mode="after")
    def _shares_fit(self) -> "ResultAllocation":
        if self.collectivites_capital_share > 0 and self.form != "scic":
            raise ValueError("collectivites_capital_share needs form: scic (loi 47-1775 art. 19 septies: collectivités hold capital in a SCIC)")
        total = self.legal_reserve_share + self.part_travail_share
        if total > 1.0 + 1e-9:
            raise ValueError(f"legal_reserve_share + part_travail_share must be at most 1, got {total:g}")
        return self


class MembershipDue(Frozen):
    """A membership due: a rate on turnover or on the contributions, with a yearly floor."""

    name: str = Field(min_length=1, description="Who it is paid to (CG Scop / URSCOP, Les CAE ...).")
    rate: Share = Field(description="Share of the base paid.")
    base: Literal["turnover", "contributions"] = Field(default="turnover", description="The entrepreneurs' turnover, or the contributions the cooperative receives.")
    floor_eur_per_year: float = Field(default=0.0, ge=0.0, le=MAX_EUR, description="Least paid in a calendar year (topped up in December).")
    source: str = Field(default="assumption", description="Where the rate comes from.")


class Cooperative(Frozen):
    """The cooperative's own budget: contribution, team, costs, funds, public funding, closing."""

    contribution: Contribution = Field(default=Contribution())
    staff: Staff = Field(default=Staff())
    sites: tuple[Site, ...] = Field(default=(Site(name="siège"),), min_length=1, description="Sites and their premises.")
    overheads_eur_per_month: float = Field(le=MAX_EUR,
        default=2500.0, ge=0.0,
        description="Other costs of the structure (fees, travel, communication, bank). Assumption.",
        json_schema_extra={"assumption": True},
    )
    software_eur_per_entrepreneur_month: float = Field(le=MAX_EUR,
        default=9.0, ge=0.0, description="Management software per user. Source: DOMAIN.md §3 (enDI about €9 per user a month).",
        json_schema_extra={"source": "DOMAIN.md §3", "assumption": False},
    )
    insurance_eur_per_entrepreneur_month: float = Field(le=MAX_EUR,
        default=15.0, ge=0.0, description="Professional liability and other insurance per entrepreneur. Assumption.",
        json_schema_extra={"assumption": True},
    )
    overheads_eur_per_fte_month: float = Field(
        default=0.0, ge=0.0, le=MAX_EUR,
        description="Premises, equipment, travel and phone per FTE of the team (accompaniment and support), on top of the sites' rent: the structure's costs step up with its team. Assumption.",
        json_schema_extra={"assumption": True},
    )
    legal_and_accounts_eur_per_year: float = Field(
        default=0.0, ge=0.0, le=MAX_EUR,
        description="Chartered accountant or statutory auditor, legal advice, general meeting: paid at each closing, besides the révision. Assumption.",
        json_schema_extra={"assumption": True},
    )
    payroll_outsourcing_eur_per_payslip: float = Field(
        default=0.0, ge=0.0, le=MAX_EUR,
        description="Payroll outsourced: cost per payslip of an entrepreneur-salarié (0 when payroll is done by the support team). Assumption.",
        json_schema_extra={"assumption": True},
    )
    mutuelle_employer_eur_per_month: float = Field(
        default=30.0, ge=0.0, le=MAX_EUR,
        description=(
            "Employer share of the compulsory health cover (complémentaire santé) per employee, entrepreneurs-salariés "
            "included, borne by each CESA activity. Source: CSS L911-7 (employer pays at least half, cae_rules_fr.yaml); "
            "30 € (half of a 60 € individual contract) is an assumption."
        ),
        json_schema_extra={"source": "CSS L911-7", "assumption": True},
    )
    occupational_health_eur_per_year: float = Field(
        default=110.0, ge=0.0, le=MAX_EUR,
        description="Occupational health service (médecine du travail) fee per employee and year. Source: code du travail L4622-6 (per-capita fee of the SPSTI); 110 € is an assumption.",
        json_schema_extra={"source": "code du travail L4622-6", "assumption": True},
    )
    membership_dues: tuple["MembershipDue", ...] = Field(
        default=(),
        description="Dues to the cooperative movement (CG Scop / URSCOP, the CAE federation ...): each a rate on a base with a yearly floor.",
    )
    audit_eur_per_year: float = Field(le=MAX_EUR,
        default=4000.0, ge=0.0, description="The cooperative audit (révision coopérative) and statutory accounts, paid at each closing. Assumption.",
        json_schema_extra={"assumption": True},
    )
    setup_costs_eur: float = Field(le=MAX_EUR,
        default=15000.0, ge=0.0, description=(
            "Costs paid in the opening month (equipment, furniture, first purchases). Legal and recruitment costs "
            "before opening belong to creation.setup. Assumption."
        ),
        json_schema_extra={"assumption": True},
    )
    initial_treasury_eur: float = Field(le=MAX_EUR, ge=-MAX_EUR, default=60000.0, description="Cash at opening, beyond capital. Assumption.", json_schema_extra={"assumption": True})
    initial_capital_eur: float | None = Field(le=MAX_EUR,
        default=None, ge=0.0,
        description=(
            "Capital paid in at opening by founding members. With creation.setup, leave it out: the set-up step "
            "gives the capital. Without either, 20000 € (an assumption)."
        ),
        json_schema_extra={"assumption": True},
    )
    public_funding: tuple[FundingConvention, ...] = Field(default=())
    prestations: tuple[Prestation, ...] = Field(
        default=(),
        description=(
            "Services sold per person to France Travail or the Département (e.g. support of job seekers or RSA "
            "recipients): a revenue of the cooperative earned and paid in the month, shown apart from public "
            "funding (prestations_eur) and counted as own revenue in the public share. None by default."
        ),
    )
    recover_over_compensation: bool = Field(
        default=False,
        description=(
            "The conventions' clause de reversement: at each closing, public operating subsidies above the net cost "
            "of the service plus the reasonable margin (viability.compensation_margin_share of the costs) are "
            "taken off the year's funding earned and paid back to the funders, in proportion to what each earned, "
            "at the settlement month (pathway.cesa.settlement_month) after the closing. The planned amounts are "
            "then maximum amounts (subvention « dans la limite de »). Source: Décision 2012/21/UE art. 6 (the "
            "funder checks and recovers any over-compensation); false keeps the planned amounts and lets the "
            "verdict's compensation check flag the excess."
        ),
        json_schema_extra={"source": "Décision 2012/21/UE art. 6", "assumption": False},
    )
    financing: Financing = Field(default=Financing(), description="Financing plan: quasi-fonds propres, loans, advances, Dailly, overdraft cost.")
    closing: ResultAllocation = Field(default=ResultAllocation())

    @model_validator(mode="after")
    def _site_names(self) -> "Cooperative":
        names = [s.name for s in self.sites]
        dupes = duplicates(names)
        if dupes:
            raise ValueError(f"site names must be unique, repeated: {', '.join(dupes)}")
        return self


class Payroll(Frozen):
    """Which French payroll rules apply (the rates themselves are dated data in the package)."""

    employer_size: Literal["below_11", "below_50", "50_or_more"] = Field(
        default="below_50",
        description=(
            "Headcount band for the employer rates: below_11 (training levy 0.55%), below_50 (11 to 49), "
            "50_or_more (FNAL 0.5%, construction levy, réduction générale coefficient). Entrepreneurs-salariés "
            "count in the headcount; the default is for a young CAE of 11 to 49 people. Source: payroll_fr.yaml."
        ),
        json_schema_extra={"source": "payroll_fr.yaml", "assumption": False},
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


class Portage(Frozen):
    """Portage salarial rules for the comparison run (DOMAIN.md §5)."""

    pay_floor_share_of_pass: float = Field(
        default=0.70, gt=0.0, le=2.0,
        description=(
            "Entry needs an expected gross pay of at least this share of the monthly social-security ceiling, full "
            "time. Source: extended CCN du portage salarial of 22 March 2017, art. 21.3: 70 % for a junior porté "
            "(less than 3 years), 75 % senior, 85 % on a days-based contract (L1254-2's 75 % applies only without an agreement)."
        ),
        json_schema_extra={"source": "CCN du portage salarial of 22 March 2017, art. 21.3", "assumption": False},
    )
    financial_reserve_share: float = Field(
        default=0.10, ge=0.0, le=0.5,
        description="Réserve financière on top of the minimum pay (CCN du portage salarial of 22 March 2017, art. 21.3: 10 %): the billing must carry it too.",
        json_schema_extra={"source": "CCN du portage salarial of 22 March 2017, art. 21.3", "assumption": False},
    )
    excluded_sectors: tuple[str, ...] = Field(
        default=(),
        description=(
            "Sectors that cannot be porté: the client must be a business, so services to private households "
            "(services à la personne) are excluded (code du travail L1254-5, DOMAIN.md §5). Names of activities.sectors."
        ),
        json_schema_extra={"source": "code du travail L1254-5", "assumption": False},
    )
    company_capital_eur: float = Field(
        default=37000.0, ge=0.0, le=MAX_EUR,
        description="Capital of the portage company: its 5 % legal reserve stops at 10 % of it (code de commerce L232-10). Assumption (an SA's minimum).",
        json_schema_extra={"source": "code de commerce L232-10", "assumption": True},
    )
    fee_rate: float = Field(
        default=0.07, ge=0.03, le=0.10, description="Management fee on turnover. Source: DOMAIN.md §5 (3-10%).",
        json_schema_extra={"source": "DOMAIN.md §5", "assumption": False},
    )
    reserve_share: float = Field(
        default=0.05, ge=0.0, le=1.0, description="Share of the portage company's result put in reserves. Source: DOMAIN.md §3 (about 5%, the legal minimum).",
        json_schema_extra={"source": "DOMAIN.md §3", "assumption": False},
    )
    mission_months: int = Field(
        default=12, ge=1, le=36, description="Length of a mission contract; a new one is signed only if billing still reaches the floor. Source: DOMAIN.md §5 (max 36 months); value an assumption.",
        json_schema_extra={"source": "DOMAIN.md §5", "assumption": True},
    )
    cost_per_consultant_eur_per_month: float = Field(le=MAX_EUR,
        default=150.0, ge=0.0, description="The portage company's own cost per consultant. Assumption.",
        json_schema_extra={"assumption": True},
    )


class FeasibilityStep(Frozen):
    """Step 1, vérification de la faisabilité: the study that simcoop stands for."""

    start_month: YearMonth
    duration_months: int = Field(default=6, ge=1, le=36, description="Length of the feasibility check. Source: DOMAIN.md §4; value an assumption.", json_schema_extra={"source": "DOMAIN.md §4", "assumption": True})
    cost_eur: float = Field(le=MAX_EUR, default=20000.0, ge=0.0, description="Cost of the study (public money: counted in the public cost). Assumption.", json_schema_extra={"assumption": True})
    funded_by: str = Field(default="", description="Who commissions and pays the study (e.g. the intercommunalité).")


class PartnerCommitment(Frozen):
    """Step 2, mobilisation des partenaires: one funder's commitment, which may not come through."""

    funder: str = Field(min_length=1, description="Must match the funder of one or more public_funding conventions.")
    probability: Share = Field(description="Probability that the commitment comes through. Assumption of the analyst.", json_schema_extra={"assumption": True})
    decision_month: YearMonth = Field(description="When the funder decides.")


class SetupStep(Frozen):
    """Step 3, montage de la structure: legal set-up, recruitment and capital before opening."""

    start_month: YearMonth
    legal_costs_eur: float = Field(le=MAX_EUR, default=8000.0, ge=0.0, description="Statutes, registration, legal advice. Assumption.", json_schema_extra={"assumption": True})
    recruitment_costs_eur: float = Field(le=MAX_EUR, default=6000.0, ge=0.0, description="Recruiting the first team. Assumption.", json_schema_extra={"assumption": True})
    capital_founders_eur: float = Field(le=MAX_EUR, default=15000.0, ge=0.0, description="Capital subscribed by the founding members. Assumption.", json_schema_extra={"assumption": True})
    capital_partners_eur: float = Field(le=MAX_EUR, default=5000.0, ge=0.0, description="Capital subscribed by partners (associés extérieurs, SCIC-style or local bodies). Assumption.", json_schema_extra={"assumption": True})


class GoDecision(Frozen):
    """The go/no-go gate after the partners are mobilised (DOMAIN.md §4: partners commit before the montage)."""

    min_committed_share: Share = Field(
        default=0.0,
        description=(
            "Share of the planned first-year public funding (fixed amounts, or the ceilings of the other conventions) "
            "that must be committed to open; conventions of funders that are not partners count as committed. "
            "Assumption of the analyst."
        ),
        json_schema_extra={"assumption": True},
    )
    required_funders: tuple[str, ...] = Field(
        default=(), description="Partners without whom the CAE does not open (each one of creation.partners).",
    )
    postpone_months: int = Field(
        default=6, ge=1, le=36,
        description="When the gate is not passed, the opening is postponed by this many months and the missing partners decide again. Assumption.",
        json_schema_extra={"assumption": True},
    )
    max_postponements: int = Field(
        default=0, ge=0, le=10, description="Postponements before the project is abandoned (0: abandoned at the first failure). Assumption.",
        json_schema_extra={"assumption": True},
    )


class Creation(Frozen):
    """The steps before opening (DOMAIN.md §4); step 4 (accompagnement et suivi) is the simulated operation."""

    feasibility: FeasibilityStep | None = None
    partners: tuple[PartnerCommitment, ...] = Field(default=())
    setup: SetupStep | None = None
    go_decision: GoDecision | None = Field(
        default=None, description="The go/no-go gate after the partners' decisions (null: the CAE opens whatever they decide).",
    )
