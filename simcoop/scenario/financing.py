"""The scenario's financing plan: quasi-fonds propres, loans, repayable advances, Dailly, overdraft cost."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from simcoop.scenario.base import MAX_EUR, Frozen, YearMonth

__all__ = ["FinancingInstrument", "ReceivableFinancing", "Financing"]


class FinancingInstrument(Frozen):
    """One start-up financing: quasi-fonds propres, bank loan or repayable advance."""

    name: str = Field(min_length=1, description="Who lends (e.g. France Active, Socoden, Région, a bank).")
    kind: Literal["quasi_equity", "bank_loan", "repayable_advance"] = Field(
        description=(
            "quasi_equity: quasi-fonds propres (contrat d'apport, prêt participatif, titres participatifs), "
            "subordinated and counted with own funds by banks; bank_loan: an ordinary loan (a debt); "
            "repayable_advance: a public repayable advance, usually at zero rate (a debt)."
        ),
    )
    amount_eur: float = Field(ge=0.0, le=MAX_EUR, description="Amount received.")
    received_month: YearMonth | None = Field(
        default=None, description="Month the funds arrive (null = the opening month, meta.start_month; earlier months count at the opening).",
    )
    annual_rate: float = Field(default=0.0, ge=0.0, le=0.25, description="Yearly interest or remuneration rate (0 for a repayable advance).")
    deferral_months: int = Field(
        default=0, ge=0, le=240, description="Months after receipt during which only interest is paid (différé d'amortissement).",
    )
    duration_months: int = Field(
        default=60, ge=1, le=360, description="Months of amortisation after the deferral (constant instalments).",
    )
    source: str = Field(
        min_length=1,
        description="Where the terms come from: an offer, a programme's rules (free text; terms not sourced yet say so).",
    )
    repayment: Literal["scheduled", "from_caf"] = Field(
        default="scheduled",
        description=(
            "scheduled: constant instalments after the deferral; from_caf: after the deferral, each closing repays "
            "caf_share of the year's positive result (the CAF of a structure without depreciation), paid at the "
            "settlement month after the closing, until nothing is owed; nothing in a loss year. Source: titres "
            "participatifs (loi 83-1 of 3 January 1983) are redeemed at the issuer's initiative, and quasi-fonds "
            "propres lenders size repayments on the CAF; the rule itself is an assumption."
        ),
        json_schema_extra={"source": "loi 83-1 (titres participatifs)", "assumption": True},
    )
    caf_share: float = Field(
        default=0.5, gt=0.0, le=1.0,
        description="With repayment: from_caf, the share of the year's positive result that goes to repayment. Assumption (the rest keeps the part travail, reserves and working capital).",
        json_schema_extra={"assumption": True},
    )


class ReceivableFinancing(Frozen):
    """Dailly: a bank advances a share of public funding receivable until the funder pays."""

    funders: tuple[str, ...] = Field(
        default=(), description="Funders whose receivables are financed (empty: every convention paid with a lag).",
    )
    share: float = Field(default=0.8, gt=0.0, le=1.0, description="Share of each receivable advanced. Assumption (banks advance 70-90 %).", json_schema_extra={"assumption": True})
    annual_rate: float = Field(default=0.05, ge=0.0, le=0.25, description="Yearly cost on the amount outstanding. Assumption.", json_schema_extra={"assumption": True})
    source: str = Field(default="assumption", min_length=1, description="Where the terms come from: an offer, a programme's rules (free text; the default says the terms are not sourced yet).")


class Financing(Frozen):
    """The cooperative's financing plan beyond its opening funds, and the cost of its overdraft."""

    instruments: tuple[FinancingInstrument, ...] = Field(default=(), description="Quasi-fonds propres, loans and repayable advances.")
    receivable_financing: ReceivableFinancing | None = Field(default=None, description="Dailly financing of public receivables (null: none).")
    overdraft_annual_rate: float = Field(
        default=0.08, ge=0.0, le=0.3,
        description="Yearly interest on the overdraft used (agios), charged monthly. Assumption (usual bank rate on an authorised overdraft for a small company, 2024).",
        json_schema_extra={"assumption": True},
    )
    startup_repayment: Literal["scheduled", "from_caf"] = Field(
        default="scheduled",
        description="How the start-up financing the solver proposes is repaid after its deferral (see instruments[].repayment).",
    )
    startup_instrument: Literal["quasi_equity", "repayable_advance"] = Field(
        default="quasi_equity",
        description="Kind of one-off start-up financing the solver proposes (simcoop solve --target startup).",
    )
    startup_deferral_months: int = Field(
        default=36, ge=0, le=240,
        description="Deferral of the start-up financing the solver proposes. Assumption (France Active prêts participatifs: up to 7 years with a deferral).",
        json_schema_extra={"assumption": True},
    )
    startup_duration_months: int = Field(
        default=60, ge=1, le=360, description="Amortisation of the start-up financing the solver proposes, after its deferral. Assumption.",
        json_schema_extra={"assumption": True},
    )
