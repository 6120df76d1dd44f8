"""The scenario's people: the parcours rules (CAPE, CESA, associé, exits), the activities, a warm start's roster."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from simcoop.scenario.base import MAX_EUR, MAX_FACTOR, MAX_MONTHS, MAX_RATE_PER_YEAR, Frozen, Share, YearMonth, duplicates

__all__ = [
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
]


class PriorStatus(Frozen):
    """What entrants lived on before their CAPE: ARE, RSA or nothing."""

    are_share: Share = Field(
        default=0.6,
        description=(
            "Share of entrants who are job seekers on ARE (unemployment benefit) with an entitlement left. "
            "Source: DOMAIN.md §2 (most entrants are job seekers on ARE); value an assumption."
        ),
        json_schema_extra={"source": "DOMAIN.md §2", "assumption": True},
    )
    rsa_share: Share = Field(
        default=0.2,
        description="Share of entrants on RSA; the rest have no benefit. Source: DOMAIN.md §2 (others are on RSA); value an assumption.",
        json_schema_extra={"source": "DOMAIN.md §2", "assumption": True},
    )
    are_remaining_months_max: int = Field(
        default=18, ge=1, le=36,
        description=(
            "Longest ARE entitlement left at entry for entrants under 55; the entitlement left is drawn uniformly "
            "from 1 to this. Source: Unédic durée d'indemnisation (at most 18 months under 55 since 1 April 2025, "
            "are_max_duration_months in cae_rules_fr.yaml); the uniform draw is an assumption. Older entrants get "
            "the longer maxima of their age band from the rules."
        ),
        json_schema_extra={"source": "Unédic durée d'indemnisation", "assumption": True},
    )
    aged_55_56_share: Share = Field(
        default=0.0,
        description="Share of ARE entrants aged 55-56 (at most 22.5 months of ARE since 1 April 2025). 0 = none. Assumption.",
        json_schema_extra={"assumption": True},
    )
    aged_57_plus_share: Share = Field(
        default=0.0,
        description="Share of ARE entrants aged 57 or over (at most 27 months of ARE since 1 April 2025). 0 = none. Assumption.",
        json_schema_extra={"assumption": True},
    )
    are_average_eur_per_month: float = Field(le=MAX_EUR,
        default=1100.0, gt=0.0,
        description=(
            "Average monthly ARE of entrants, used only to estimate ARE months saved (a salary of 1/0.7 of it "
            "suspends a full month, as ARE is reduced by 70% of the pay earned). Assumption."
        ),
        json_schema_extra={"assumption": True},
    )
    are_counterfactual_share: Share = Field(
        default=0.5,
        description=(
            "Share of the ARE months saved that would have been paid without the CAE (the counterfactual: the others "
            "would have found work or left ARE anyway). ARE saved in euros = months saved x this share x "
            "are_average_eur_per_month. Assumption, to be set with the funder's finance department."
        ),
        json_schema_extra={"assumption": True},
    )

    rsa_eur_per_month: float = Field(le=MAX_EUR,
        default=646.52, ge=0.0,
        description=(
            "RSA of an entrant on RSA: the montant forfaitaire for a single person without children from 1 April 2025. "
            "The RSA is a differential allowance (CASF L262-2): it is the montant forfaitaire minus the household's "
            "resources, so the net pay of a CESA (or of a CAPE remuneration) replaces it euro for euro; an RSA "
            "recipient has no ARE. Used for the RSA not paid (rsa_saved_eur, gross of the prime d'activité) and the "
            "conversion decision. Source: CASF L262-2, L262-3; revaluation of 1 April 2025 (646.52 €)."
        ),
        json_schema_extra={"source": "CASF L262-2, L262-3; RSA revaluation of 1 April 2025", "assumption": False},
    )
    prime_activite_earnings_share: Share = Field(
        default=0.61,
        description=(
            "The prime d'activité adds this share of the earned income to the montant forfaitaire (CSS L842-3, D843-1: "
            "61 %), so an RSA recipient who takes a CESA keeps about this share of the net pay that replaces the RSA. "
            "The conversion decision of an RSA recipient weighs net pay minus the RSA lost plus this share of it "
            "(simplified: one person, no bonification individuelle, no forfait logement)."
        ),
        json_schema_extra={"source": "CSS L842-3, D843-1", "assumption": False},
    )

    @model_validator(mode="after")
    def _shares(self) -> "PriorStatus":
        if self.are_share + self.rsa_share > 1.0 + 1e-9:
            raise ValueError(f"are_share + rsa_share must be at most 1, got {self.are_share + self.rsa_share:g}")
        return self


class CapeRules(Frozen):
    """The test phase under a CAPE (contrat d'appui au projet d'entreprise)."""

    term_months: int = Field(
        default=12, ge=1, le=12,
        description="Length of one CAPE term. Source: code de commerce L127-1 ff., décret 2005-505 (12 months at most).",
        json_schema_extra={"source": "code de commerce L127-1 ff., décret 2005-505", "assumption": False},
    )
    max_renewals: int = Field(
        default=2, ge=0, le=2,
        description="Renewals allowed after the first term. Source: décret 2005-505 (renewable twice, 36 months at most).",
        json_schema_extra={"source": "décret 2005-505", "assumption": False},
    )
    renewal_probability: Share = Field(
        default=0.6,
        description="Probability that a CAPE not yet converted is renewed at the end of a term (else: end of CAPE). Assumption.",
        json_schema_extra={"assumption": True},
    )
    min_months_before_cesa: int = Field(
        default=3, ge=0,
        description="Months of test before a conversion to CESA is considered. Source: DOMAIN.md §2 (typical test phase 6-18 months); value an assumption.",
        json_schema_extra={"source": "DOMAIN.md §2", "assumption": True},
    )
    after_are_exit_multiplier: float = Field(le=MAX_FACTOR,
        default=1.5, ge=0.0,
        description="Once a person's ARE runs out during the CAPE, their exit hazard is multiplied by this. Assumption.",
        json_schema_extra={"assumption": True},
    )
    min_income_gain_share_on_are: Share = Field(
        default=0.0,
        description=(
            "A person still on ARE converts to a CESA only if it raises their monthly income by at least this share of "
            "the net pay: in CAPE they keep the full ARE, in CESA the ARE is reduced by 70 % of the gross pay "
            "(cae_rules_fr.yaml), so while ARE lasts most stay in CAPE. 0 = ARE does not weigh. Source: DOMAIN.md §2; "
            "value an assumption."
        ),
        json_schema_extra={"source": "DOMAIN.md §2", "assumption": True},
    )
    remuneration_eur_per_month: float = Field(le=MAX_EUR,
        default=0.0, ge=0.0,
        description=(
            "Optional monthly gross remuneration a CAPE carries (0 = none), paid out of the activity's treasury when it "
            "has the employer cost (never advanced), with contributions at the payroll table's rates (simplified: a CAPE "
            "holder owes no unemployment contributions, counted here). It reduces the ARE like a salary (70 % of the "
            "gross, cae_rules_fr.yaml) and the RSA by its net (CASF L262-2). Source: code de commerce L127-1 ff. "
            "(the CAPE may provide a remuneration), CSS L311-3 31° (CAPE holders affiliated to the régime général); "
            "value an assumption."
        ),
        json_schema_extra={"source": "code de commerce L127-1 ff., CSS L311-3 31°", "assumption": True},
    )
    fee_eur_per_month: float = Field(le=MAX_EUR,
        default=0.0, ge=0.0,
        description=(
            "Flat monthly fee each CAPE activity pays the cooperative on top of its contribution (0 = none), counted in "
            "contributions_eur. Some CAE charge one during the test phase. Assumption."
        ),
        json_schema_extra={"assumption": True},
    )
    after_are_min_salary_share: float = Field(
        default=0.75, gt=0.0, le=1.0,
        description=(
            "Once ARE runs out during the CAPE, the person converts to a CESA as soon as the activity carries this "
            "share of the minimum salary (they accept a smaller salary rather than no income). Assumption."
        ),
        json_schema_extra={"assumption": True},
    )


class CesaRules(Frozen):
    """The CESA: when a CAPE converts, and the pay (fixed part, monthly advances, annual settlement)."""

    min_gross_salary_eur_per_month: float = Field(le=MAX_EUR,
        default=400.0, ge=0.0,
        description=(
            "Smallest monthly gross salary that justifies a CESA, and the smallest fixed part. Source: DOMAIN.md §3 "
            "(Artenréel: average gross €4.2k a year under 3 years of seniority); the value is an assumption."
        ),
        json_schema_extra={"source": "DOMAIN.md §3", "assumption": True},
    )
    treasury_months_required: float = Field(
        default=2.0, ge=0.0,
        description=(
            "A CAPE converts when the activity's treasury covers this many months of the minimum salary's "
            "employer cost and its recent margin after contribution covers one month of it. Assumption."
        ),
        json_schema_extra={"assumption": True},
    )
    margin_smoothing_months: float = Field(le=MAX_MONTHS,
        default=3.0, ge=1.0,
        description="Time constant (months) of the moving average of the activity's margin after contribution ('recent margin'). Assumption.",
        json_schema_extra={"assumption": True},
    )
    trial_period_months: int = Field(
        default=2, ge=0, le=8,
        description=(
            "Trial period of the CESA; a departure within it has its own motive. Source: ordinary law, code du travail "
            "L1221-19 to L1221-21 (cesa_trial_period_months in cae_rules_fr.yaml): 2 months for employees, 3 for "
            "supervisors and technicians, 4 for cadres, renewable once only where a branch agreement allows (8 at most)."
        ),
        json_schema_extra={"source": "code du travail L1221-19 to L1221-21", "assumption": False},
    )
    trial_exit_rate_per_year: float = Field(le=MAX_RATE_PER_YEAR,
        default=0.25, ge=0.0, description="Annual exit hazard during the trial period. Assumption.",
        json_schema_extra={"assumption": True},
    )
    fixed_pay_share: Share = Field(
        default=0.6,
        description=(
            "The fixed part of the pay is set, at the start of the CESA and at each annual settlement, to the gross "
            "whose employer cost is this share of the activity's monthly margin after contribution (at least the "
            "minimum salary). Source: DOMAIN.md §2 (pay = fixed part + variable part); value an assumption."
        ),
        json_schema_extra={"source": "DOMAIN.md §2", "assumption": True},
    )
    salary_payout_rate: Share = Field(
        default=0.9,
        description=(
            "Each month, fixed part plus advances aim at this share of the recent margin after contribution "
            "(employer cost). Source: DOMAIN.md §3 (Artenréel: gross salaries ≈ 50% of turnover, costs ≈ 30%); "
            "value an assumption."
        ),
        json_schema_extra={"source": "DOMAIN.md §3", "assumption": True},
    )
    treasury_floor_eur: float = Field(le=MAX_EUR, ge=-MAX_EUR,
        default=0.0,
        description="Advances never draw the activity's treasury below this floor; only the fixed part may, within the advance cap. Assumption.",
        json_schema_extra={"assumption": True},
    )
    advance_cap_eur: float = Field(le=MAX_EUR,
        default=3000.0, ge=0.0,
        description=(
            "The cooperative advances the fixed part below the floor up to this much per activity; beyond it the "
            "fixed part is cut to what the treasury allows. Source: DOMAIN.md §3 (a temporary negative treasury "
            "can be advanced by the cooperative); value an assumption."
        ),
        json_schema_extra={"source": "DOMAIN.md §3", "assumption": True},
    )
    settlement_month: int = Field(
        default=6, ge=1, le=12,
        description=(
            "Calendar month of the annual settlement of the variable part, after the accounts of the previous "
            "year are approved. Source: DOMAIN.md §2 (variable part settled once a year after the accounts are "
            "approved); code de commerce L223-26 (accounts approved within 6 months of year end)."
        ),
        json_schema_extra={"source": "DOMAIN.md §2", "assumption": False},
    )
    settlement_reserve_months: float = Field(le=MAX_MONTHS,
        default=2.0, ge=0.0,
        description="At the settlement, the activity keeps this many months of its fixed part's cost in treasury. Assumption.",
        json_schema_extra={"assumption": True},
    )
    settlement_payout_share: Share = Field(
        default=0.8,
        description="Share of the treasury above that reserve paid as the variable part at the settlement. Assumption.",
        json_schema_extra={"assumption": True},
    )
    settlement_instalments: int = Field(
        default=12, ge=1, le=12,
        description=(
            "The variable part settled in the settlement month is paid in this many equal monthly instalments from "
            "that month on (1: all at once). The amount is set aside in the activity's treasury until paid. Spread "
            "over 12 months, the settlement is paid like a raised monthly salary (lissage, CAE practice) and June's "
            "employer cost rate stays that of the other months; paid at once, the bonus bears the full employer "
            "rates and the relief it loses in one month (CSS L241-13, D241-7: the réduction générale is annual, so "
            "its marginal cost is high in the taper). Assumption."
        ),
        json_schema_extra={"assumption": True},
    )


class AssocieRules(Frozen):
    """Becoming associé (co-owner) of the cooperative: deadline, uptake, capital shares."""

    deadline_months: int = Field(le=MAX_MONTHS,
        default=36, ge=1,
        description="A CESA holder must become associé within this many months minus the months spent in CAPE. Source: loi 2014-856 art. 47, code du travail L7331-3.",
        json_schema_extra={"source": "loi 2014-856 art. 47, code du travail L7331-3", "assumption": False},
    )
    uptake_rate_per_year: float = Field(le=MAX_RATE_PER_YEAR,
        default=0.25, ge=0.0,
        description="Annual rate at which CESA holders become associé before the deadline. Assumption.",
        json_schema_extra={"assumption": True},
    )
    at_deadline_probability: Share = Field(
        default=0.6,
        description="Probability that a CESA holder still not associé at the deadline subscribes (else the contract ends). Assumption.",
        json_schema_extra={"assumption": True},
    )
    capital_subscription_eur: float = Field(le=MAX_EUR,
        default=1000.0, ge=0.0,
        description="Capital shares (parts sociales) subscribed on becoming associé. Source: DOMAIN.md §2; amount an assumption.",
        json_schema_extra={"source": "DOMAIN.md §2", "assumption": True},
    )
    capital_instalment_months: int = Field(le=MAX_MONTHS,
        default=10, ge=1,
        description="The subscription is paid in this many equal monthly instalments withheld from net pay. Source: DOMAIN.md §2 (often paid in instalments); count an assumption.",
        json_schema_extra={"source": "DOMAIN.md §2", "assumption": True},
    )
    capital_repayment_delay_months: int = Field(
        default=24, ge=0, le=120,
        description="Months after an associé leaves before their capital is paid back. Assumption (statutes commonly allow up to 5 years).",
        json_schema_extra={"assumption": True},
    )


class ExitDestinations(Frozen):
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


class ExitRules(Frozen):
    """Exit hazards by stage and where exits go."""

    cape_rate_per_year: float = Field(le=MAX_RATE_PER_YEAR,
        default=0.30, ge=0.0,
        description="Annual exit hazard during the test phase. Source: DOMAIN.md §2 (Coopilote: 70 exits a year for a stock of 320, average path 24 months); stage split an assumption.",
        json_schema_extra={"source": "DOMAIN.md §2", "assumption": True},
    )
    cesa_rate_per_year: float = Field(le=MAX_RATE_PER_YEAR,
        default=0.18, ge=0.0, description="Annual exit hazard under a CESA, not yet associé. Same source; assumption.",
        json_schema_extra={"assumption": True},
    )
    associe_rate_per_year: float = Field(le=MAX_RATE_PER_YEAR,
        default=0.12, ge=0.0, description="Annual exit hazard of associés. Same source; assumption.",
        json_schema_extra={"assumption": True},
    )
    cape_destinations: ExitDestinations = Field(
        default=ExitDestinations(own_company=0.15, salaried_job=0.25, stop=0.60),
        description="Destinations of exits from the test phase (including ends of CAPE). Source: DOMAIN.md §2 (Coopilote: 40% not viable; Cap Services own firm : job ≈ 2 : 3); split an assumption.",
        json_schema_extra={"source": "DOMAIN.md §2", "assumption": True},
    )
    cesa_destinations: ExitDestinations = Field(
        default=ExitDestinations(own_company=0.25, salaried_job=0.35, stop=0.40),
        description="Destinations of exits under a CESA. Same sources; assumption.",
        json_schema_extra={"assumption": True},
    )
    associe_destinations: ExitDestinations = Field(
        default=ExitDestinations(own_company=0.35, salaried_job=0.35, stop=0.30),
        description="Destinations of exits of associés. Same sources; assumption.",
        json_schema_extra={"assumption": True},
    )


class Pathway(Frozen):
    """The parcours: accueil, test phase (CAPE), CESA, associé, exit."""

    entry_share: Share = Field(
        default=0.3,
        description=(
            "Share of accueils who start a parcours (CAPE, or CESA directly). Source: DOMAIN.md §2 "
            "(Cap Services 2000: 101 people supported for 216 accueils, 47%, a count that includes people "
            "already present; scenarios/cap_services_lyon.yaml reproduces it with 0.18 and short paths). "
            "0.3 is an assumption for a CAE with longer paths."
        ),
        json_schema_extra={"source": "DOMAIN.md §2", "assumption": True},
    )
    diagnostic_months: int = Field(le=MAX_MONTHS,
        default=1, ge=0, description="Months from accueil to the start of the parcours. Assumption.",
        json_schema_extra={"assumption": True},
    )
    direct_cesa_share: Share = Field(
        default=0.25,
        description="Share of entrants who skip the test phase and start under a CESA. Source: DOMAIN.md §2 (Oxalis 2017: about 25%).",
        json_schema_extra={"source": "DOMAIN.md §2", "assumption": False},
    )
    prior_status: PriorStatus = Field(default=PriorStatus())
    cape: CapeRules = Field(default=CapeRules())
    cesa: CesaRules = Field(default=CesaRules())
    associe: AssocieRules = Field(default=AssocieRules())
    exits: ExitRules = Field(default=ExitRules())


class Sector(Frozen):
    """One sector of activity in the mix."""

    name: str = Field(min_length=1)
    share: Share = Field(description="Share of entrants in this sector; shares must add up to 1.")
    turnover_median_eur_per_year: float = Field(le=MAX_EUR,
        gt=0.0, description="Median annual turnover excl. VAT at maturity (lognormal median)."
    )
    turnover_sigma: float = Field(
        default=0.8, ge=0.0, le=3.0,
        description="Spread of the lognormal (sigma of log turnover). Source: DOMAIN.md §3 (strongly right-skewed); value an assumption.",
        json_schema_extra={"source": "DOMAIN.md §3", "assumption": True},
    )
    rampup_months: int = Field(le=MAX_MONTHS, default=24, ge=0, description="Months from start to reach the mature turnover, linearly.")
    rampup_start_share: Share = Field(default=0.25, description="Share of the mature turnover in the first month.")
    monthly_volatility: float = Field(
        default=0.35, ge=0.0, le=3.0, description="Sigma of the monthly lognormal noise (mean 1) on turnover. Assumption.",
        json_schema_extra={"assumption": True},
    )
    gross_margin_rate: Share = Field(
        default=0.7,
        description="Turnover minus purchases and direct costs, as a share of turnover. Source: DOMAIN.md §3 (Artenréel: costs ≈ 30%).",
        json_schema_extra={"source": "DOMAIN.md §3", "assumption": False},
    )
    payment_delay_days: float = Field(
        default=30.0, ge=0.0, le=120.0,
        description="Mean client payment delay. Source: DOMAIN.md §3 (legal maximum 60 days from invoice).",
        json_schema_extra={"source": "DOMAIN.md §3", "assumption": False},
    )
    at_mp_rate: float | None = Field(
        default=None, ge=0.0, le=0.3,
        description=(
            "AT/MP rate of the sector's risk, on the entrepreneurs-salariés' gross pay (null: the office rate of "
            "payroll_fr.yaml). Set by the Carsat per risk code (arrêté of the year's collective rates)."
        ),
        json_schema_extra={"source": "arrêté of the year's collective AT/MP rates", "assumption": False},
    )
    insurance_eur_per_month: float = Field(
        default=0.0, ge=0.0, le=MAX_EUR,
        description="Insurance specific to the sector, borne by each activity (e.g. décennale for building trades), on top of the cooperative's general insurance.",
    )
    vat_exempt_share: Share = Field(
        default=0.0,
        description="Share of the sector's turnover exempt from VAT (e.g. vocational training, CGI 261-4-4°): it makes the CAE liable to the taxe sur les salaires (CGI 231).",
        json_schema_extra={"source": "CGI 231 and 261-4-4°", "assumption": False},
    )


class Activities(Frozen):
    """The sector mix of the activities hosted."""

    sectors: tuple[Sector, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _shares_and_names(self) -> "Activities":
        total = sum(s.share for s in self.sectors)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"sector shares must add up to 1, got {total:g}")
        names = [s.name for s in self.sectors]
        dupes = duplicates(names)
        if dupes:
            raise ValueError(f"sector names must be unique, repeated: {', '.join(dupes)}")
        return self


class RosterEntry(Frozen):
    """One entrepreneur present when the run starts (warm start from an operating CAE)."""

    entrepreneur_id: str = Field(min_length=1, description="The CAE's own id (no names needed).")
    stage: Literal["cape", "cesa", "associe"]
    entry_month: YearMonth = Field(description="Month the parcours started (CAPE, or CESA directly).")
    cesa_month: YearMonth | None = Field(default=None, description="Month the CESA started (cesa and associe stages).")
    associe_month: YearMonth | None = Field(default=None, description="Month they became associé (associe stage).")
    sector: str = Field(min_length=1, description="One of activities.sectors[*].name.")
    monthly_turnover_eur: float = Field(le=MAX_EUR, ge=0.0, description="Recent average monthly turnover excl. VAT (e.g. the last 6 months).")
    treasury_eur: float = Field(le=MAX_EUR, ge=-MAX_EUR, default=0.0, description="The activity's treasury today (état de trésorerie).")
    are_months_left: int = Field(default=0, ge=0, le=36, description="Months of ARE entitlement left (0: none).")


class WarmStart(Frozen):
    """Start from the entrepreneurs present today instead of an empty CAE (the 'suivi' step)."""

    roster_file: str = Field(
        default="",
        description="CSV of the entrepreneurs present at meta.start_month, relative to the scenario file; read when the scenario is loaded.",
    )
    entrepreneurs: tuple[RosterEntry, ...] = Field(default=(), description="The roster (filled from roster_file when given).")
