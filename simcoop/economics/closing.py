"""The annual closing of a SCOP: corporate tax and allocation of the result, in whole cents.

Amounts are whole cents held in Python floats (exact up to 2**53 cents), as in
``simcoop.economics.money``; every rate is applied with ``rint_cents`` (``np.rint``: nearest cent, half to
even) and the statutory reserves take whatever rounding leaves, so the pieces add up to the
cent. Called once per simulated year, so everything here is scalar.

Sources
-------
- Loi n° 78-763 du 19 juillet 1978 (statut des SCOP), art. 32: the excédents nets de gestion
  (ENG) are the year's net income less all the year's charges, the corporate tax included;
  art. 33: 1° 15 % to the legal reserve until it equals the highest amount the capital has
  reached; 2° a statutory reserve (fonds de développement, impartageable); 3° at least 25 %
  to all the salariés (part travail); 4° interest on the capital, if the statutes provide
  for it, at most equal to the part travail.
- Code de commerce art. L232-10 and L232-11: the reserve is taken, and the distributable
  profit measured, on the year's profit *less the losses carried forward*.
- CGI art. 214 1 2° (BOI-IS-BASE-30-40-20): a SCOP deducts from its taxable profit the part
  of the net profit distributed to the workers under art. 33 3° of the 1978 law. (Paid
  through the réserve spéciale de participation, the same sums are deductible under CGI
  art. 237 bis A I.)
- CGI art. 219 I and I-b: corporate tax at 25 %, 15 % on the first 42 500 € of taxable profit
  for a PME.
- CGI art. 209 I, 3rd paragraph: tax losses are carried forward without time limit, offset
  each year up to 1 M€ plus 50 % of the taxable profit above 1 M€.

The SCIC form (loi 47-1775 titre II ter)
---------------------------------------
- Art. 19 nonies: after the legal reserve, at least 57.5 % of what remains goes to a
  statutory reserve; every reserve of a SCIC is impartageable. No part travail is owed.
  Interest on capital (art. 14 cap) comes out of the rest.
- CGI art. 209 VIII: the sums allocated to the impartageable reserves are deductible from
  the taxable profit; read here as the year's legal and statutory reserves (a limitation
  tied to public subsidies, if any applies, is not modelled).
- Art. 19 septies: collectivités territoriales may hold up to 50 % of the capital (a
  scenario check, no effect on the closing).
The deduction plays the part the part travail plays in a SCOP in the circularity below.

The circularity
---------------
The part travail is a share of the ENG, the ENG are after corporate tax, and the part travail
is deducted from the taxable profit. For a given part travail P everything else follows
(see ``close_year``), which defines a map ``g(P)`` = the part travail those amounts imply.
``g`` is non-decreasing (more part travail, less tax, more ENG, more part travail), its
slope is at most ``part_travail_share × normal_rate`` (≤ 0.25), and it maps whole cents to
whole cents. Iterating from ``P = 0`` therefore climbs monotonically and stops, after under
twenty steps in practice, exactly at the least whole-cent fixed point: the closing is self-consistent
to the cent (re-computing the tax from the returned part travail gives the returned tax).

Simplified on purpose
---------------------
- The PME conditions of the reduced rate (turnover under 10 M€, capital fully paid up and
  at least 75 % held by natural persons) are assumed met; the social contribution on
  corporate tax (CGI art. 235 ter ZC, beyond 763 000 € of tax) is ignored.
- The provision pour investissement of CGI art. 237 bis A II 3 (a SCOP may deduct reserve
  allocations equal to its réserve spéciale de participation) is left out, as are the
  conditions of CGI art. 214 1 6° and 7° (clawback of ristournes above 50 % of the ENG,
  SCOP majority-held by non-cooperators): they would only lower the tax.
- The fiscal result equals the accounting result (no add-backs); a loss year creates the
  same accounting and tax loss. No carry-back (CGI art. 220 quinquies).
- Tax is rounded to the cent, not to the euro (CGI art. 1657 1 bis rounds bases and tax to
  the euro).
- Interest on capital is ``interest_rate_on_capital × capital at closing``; the statutory
  ceiling on that rate (art. 33 4°) is the scenario's business. It is capped at the part
  travail (art. 33 4°), at the reserves of the year (the current wording of art. 33 4° as
  summarised by the CG Scop; it only binds when the part travail share exceeds about a third)
  and at what remains after the legal reserve and the part travail.
"""

from __future__ import annotations

import dataclasses

import math
from dataclasses import dataclass
from typing import NamedTuple

from simcoop.economics.money import rint_cents

__all__ = [
    "capped_interest",
    "LEGAL_RESERVE_MIN_SHARE",
    "LOSS_OFFSET_FLOOR_CENTS",
    "PART_TRAVAIL_MIN_SHARE",
    "SCIC_RESERVE_MIN_SHARE",
    "REDUCED_RATE_CEILING_CENTS",
    "Allocation",
    "AllocationRules",
    "close_year",
    "corporate_tax_cents",
    "tax_loss_offset_cap_cents",
]

#: Loi 78-763 art. 33 1°: share of the ENG to the legal reserve.
LEGAL_RESERVE_MIN_SHARE = 0.15
#: Loi 78-763 art. 33 3°: minimum share of the ENG to the salariés (part travail).
PART_TRAVAIL_MIN_SHARE = 0.25
#: Loi 47-1775 art. 19 nonies: a SCIC's minimum share to the statutory reserve, after the legal reserve.
SCIC_RESERVE_MIN_SHARE = 0.575
#: CGI art. 219 I-b: taxable profit taxed at the reduced rate, 42 500 €.
REDUCED_RATE_CEILING_CENTS = 4_250_000.0
#: CGI art. 209 I al. 3: tax losses offset in full up to 1 M€ of profit ...
LOSS_OFFSET_FLOOR_CENTS = 100_000_000.0
#: ... and up to 50 % of the profit above it.
LOSS_OFFSET_EXCESS_SHARE = 0.5

# The fixed-point iteration needs under twenty steps; this only guards against a bug.
_MAX_ITERATIONS = 1_000


@dataclass(frozen=True)
class AllocationRules:
    """How a SCOP splits its result (statutes) and the tax rates it pays (CGI).

    Shares are of the ENG (the net result after tax, less losses carried forward). The
    statutory reserves take what is left, so they have no parameter of their own.
    """

    #: Loi 78-763 art. 33 1°: 15 % until the legal reserve reaches the highest capital.
    legal_reserve_share: float = LEGAL_RESERVE_MIN_SHARE
    #: Loi 78-763 art. 33 3°: at least 25 %; the statutes may set more.
    part_travail_share: float = PART_TRAVAIL_MIN_SHARE
    #: Loi 78-763 art. 33 4°: a yearly rate on the capital at closing; 0 = no interest.
    interest_rate_on_capital: float = 0.0
    #: CGI art. 219 I-b: ceiling of the reduced rate (PME conditions assumed met).
    reduced_rate_ceiling_cents: float = REDUCED_RATE_CEILING_CENTS
    #: CGI art. 219 I-b: reduced rate.
    reduced_rate: float = 0.15
    #: CGI art. 219 I: normal rate (since 2022).
    normal_rate: float = 0.25
    #: ``"scop"`` (loi 78-763) or ``"scic"`` (loi 47-1775 titre II ter; ``part_travail_share`` unused).
    form: str = "scop"
    #: Loi 47-1775 art. 19 nonies: a SCIC's statutory reserve, at least 57.5 % of the ENG after the legal reserve.
    scic_reserve_share: float = SCIC_RESERVE_MIN_SHARE

    def __post_init__(self) -> None:
        if self.form not in ("scop", "scic"):
            raise ValueError(f"form must be 'scop' or 'scic', got {self.form!r}")
        if not SCIC_RESERVE_MIN_SHARE <= self.scic_reserve_share <= 1:
            raise ValueError("scic_reserve_share must be between 0.575 (loi 47-1775 art. 19 nonies) and 1")
        if not LEGAL_RESERVE_MIN_SHARE <= self.legal_reserve_share <= 1:
            raise ValueError("legal_reserve_share must be between 0.15 (loi 78-763 art. 33 1°) and 1")
        if not PART_TRAVAIL_MIN_SHARE <= self.part_travail_share <= 1:
            raise ValueError("part_travail_share must be between 0.25 (loi 78-763 art. 33 3°) and 1")
        if self.legal_reserve_share + self.part_travail_share > 1:
            raise ValueError("legal_reserve_share + part_travail_share must not exceed 1")
        if not 0 <= self.interest_rate_on_capital <= 1:
            raise ValueError("interest_rate_on_capital must be between 0 and 1")
        if not (math.isfinite(self.reduced_rate_ceiling_cents) and self.reduced_rate_ceiling_cents >= 0):
            raise ValueError("reduced_rate_ceiling_cents must be >= 0")
        if not (0 <= self.reduced_rate < 1 and 0 <= self.normal_rate < 1):
            raise ValueError("corporate tax rates must be in [0, 1)")


@dataclass(frozen=True)
class Allocation:
    """One year's closing, every amount in whole cents.

    For a profit, ``corporate_tax + loss_absorbed + legal_reserve + part_travail +
    interest_on_capital + statutory_reserves == result_before_tax`` exactly
    (``is_balanced``); for a loss all of these are zero and the loss is added to both
    carried-forward balances. ``loss_carried_forward`` and ``tax_loss_carried_forward`` are
    the balances after this closing.
    """

    result_before_tax: float
    corporate_tax: float
    #: Result after corporate tax, before the allocation (the part travail is allocated).
    net_result: float
    #: Part of the net result that clears the accounting loss carried forward.
    loss_absorbed: float
    legal_reserve: float
    part_travail: float
    interest_on_capital: float
    statutory_reserves: float
    loss_carried_forward: float
    tax_loss_carried_forward: float
    #: Profit the tax was computed on: result - part travail - tax losses used.
    taxable_profit: float
    #: Tax losses carried forward that this year's profit used up.
    tax_loss_used: float

    @property
    def excedents_nets_de_gestion(self) -> float:
        """The ENG shared out under loi 78-763 art. 33: net result less losses absorbed."""
        return self.legal_reserve + self.part_travail + self.interest_on_capital + self.statutory_reserves

    @property
    def total_allocated(self) -> float:
        """Tax + losses absorbed + every allocated part, in cents."""
        return self.corporate_tax + self.loss_absorbed + self.excedents_nets_de_gestion

    @property
    def is_balanced(self) -> bool:
        """True when the pieces add up to the (positive part of the) result to the cent."""
        return self.total_allocated == max(self.result_before_tax, 0.0)


def corporate_tax_cents(
    taxable_cents: float,
    reduced_rate_ceiling_cents: float = REDUCED_RATE_CEILING_CENTS,
    reduced_rate: float = 0.15,
    normal_rate: float = 0.25,
) -> float:
    """Corporate tax on a taxable profit, rounded to the nearest cent (CGI art. 219 I, I-b).

    ``reduced_rate`` on the first ``reduced_rate_ceiling_cents`` (42 500 €), ``normal_rate``
    above; nothing on a loss. The PME conditions of the reduced rate are assumed met.
    """
    taxable = max(float(taxable_cents), 0.0)
    reduced_part = min(taxable, reduced_rate_ceiling_cents)
    tax = reduced_part * reduced_rate + (taxable - reduced_part) * normal_rate
    return rint_cents(tax)


def tax_loss_offset_cap_cents(profit_cents: float) -> float:
    """Most tax losses a year's profit can absorb (CGI art. 209 I al. 3), in whole cents.

    1 M€ plus 50 % of the profit above 1 M€, rounded down so the cap is never exceeded.
    """
    profit = max(float(profit_cents), 0.0)
    excess = max(profit - LOSS_OFFSET_FLOOR_CENTS, 0.0)
    return min(profit, LOSS_OFFSET_FLOOR_CENTS) + math.floor(excess * LOSS_OFFSET_EXCESS_SHARE)


class _GivenPartTravail(NamedTuple):
    """Everything that follows from a trial part travail (internal to ``close_year``)."""

    tax_loss_used: float
    taxable_profit: float
    corporate_tax: float
    net_result: float
    loss_absorbed: float
    eng: float
    legal_reserve: float
    implied_part_travail: float


def _given_part_travail(
    part_travail: float, result: float, loss_cf: float, tax_loss_cf: float, room: float, rules: AllocationRules, capital: float = 0.0
) -> _GivenPartTravail:
    # CGI art. 214 1 2°: the part travail is deducted from the taxable profit (a SCIC's
    # reserves under CGI 209 VIII: then ``part_travail`` stands for that deduction).
    fiscal_profit = result - part_travail
    # CGI art. 209 I: earlier tax losses first, within the 1 M€ + 50 % cap.
    used = min(tax_loss_cf, tax_loss_offset_cap_cents(fiscal_profit))
    taxable = fiscal_profit - used
    tax = corporate_tax_cents(taxable, rules.reduced_rate_ceiling_cents, rules.reduced_rate, rules.normal_rate)
    net = result - tax
    # C. com. L232-10/L232-11: the profit first clears the losses carried forward.
    absorbed = min(loss_cf, net)
    eng = net - absorbed
    # Loi 78-763 art. 33 1°: 15 %, never more than the room left below the highest capital.
    legal_reserve = min(rint_cents(eng * rules.legal_reserve_share), room)
    if rules.form == "scic":
        # CGI 209 VIII: the deduction is the reserves, i.e. the ENG less the interest on capital.
        implied = eng - _scic_interest(eng, legal_reserve, rules, capital)
    else:
        # Art. 33 3°; the min only catches a cent of double rounding when the shares sum to 1.
        implied = min(rint_cents(eng * rules.part_travail_share), eng - legal_reserve)
    return _GivenPartTravail(used, taxable, tax, net, absorbed, eng, legal_reserve, implied)


def _scic_interest(eng: float, legal_reserve: float, rules: AllocationRules, capital: float) -> float:
    """Interest on a SCIC's capital: the rate × capital, within what art. 19 nonies leaves after the reserves."""
    room = math.floor((eng - legal_reserve) * (1.0 - rules.scic_reserve_share))
    return max(min(rint_cents(capital * rules.interest_rate_on_capital), float(room)), 0.0)


def _require_cents(name: str, value: float, *, non_negative: bool) -> float:
    value = float(value)
    if not math.isfinite(value) or value != math.floor(value):
        raise ValueError(f"{name} must be a whole number of cents, got {value!r}")
    if non_negative and value < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return value


def capped_interest(rules: AllocationRules, cap_rate: float) -> AllocationRules:
    """``rules`` with the interest rate on capital at most ``cap_rate`` (loi 47-1775 art. 14: mean TMO + 2 points)."""
    if rules.interest_rate_on_capital <= cap_rate:
        return rules
    return dataclasses.replace(rules, interest_rate_on_capital=cap_rate)


def close_year(
    result_before_tax_cents: float,
    *,
    loss_carried_forward_cents: float,
    tax_loss_carried_forward_cents: float,
    legal_reserve_cents: float,
    highest_capital_cents: float,
    capital_cents: float,
    rules: AllocationRules = AllocationRules(),
) -> Allocation:
    """Close one financial year: corporate tax, losses, then the art. 33 allocation.

    ``result_before_tax_cents`` is the year's result before corporate tax and before the
    part travail; ``loss_carried_forward_cents`` the report à nouveau débiteur (≥ 0),
    ``tax_loss_carried_forward_cents`` the tax losses carried forward (≥ 0),
    ``legal_reserve_cents`` the legal reserve so far, ``highest_capital_cents`` the highest
    capital ever reached (the capital at closing counts too). All in whole cents.

    A loss (or zero) is added to both carried-forward balances: no tax, no allocation.
    A profit is closed in this order (the first five steps are solved together, see the
    module docstring on the circularity):

    1. taxable profit = result - part travail (CGI 214 1 2°) - tax losses used (CGI 209 I);
    2. corporate tax on it (CGI 219);
    3. net result = result - tax; it first clears the loss carried forward (C. com. L232-11);
    4. ENG = what remains; legal reserve = 15 % of the ENG, up to the highest capital;
    5. part travail = its share of the ENG (≥ 25 %);
    6. interest = rate × capital, capped at the part travail, at the year's reserves and
       at what is left;
    7. statutory reserves = the rest, rounding cents included.
    """
    result = _require_cents("result_before_tax_cents", result_before_tax_cents, non_negative=False)
    loss_cf = _require_cents("loss_carried_forward_cents", loss_carried_forward_cents, non_negative=True)
    tax_loss_cf = _require_cents("tax_loss_carried_forward_cents", tax_loss_carried_forward_cents, non_negative=True)
    legal_reserve_so_far = _require_cents("legal_reserve_cents", legal_reserve_cents, non_negative=True)
    highest = _require_cents("highest_capital_cents", highest_capital_cents, non_negative=True)
    capital = _require_cents("capital_cents", capital_cents, non_negative=True)

    if result <= 0:
        loss = -result
        return Allocation(
            result_before_tax=result,
            corporate_tax=0.0,
            net_result=result,
            loss_absorbed=0.0,
            legal_reserve=0.0,
            part_travail=0.0,
            interest_on_capital=0.0,
            statutory_reserves=0.0,
            loss_carried_forward=loss_cf + loss,
            tax_loss_carried_forward=tax_loss_cf + loss,
            taxable_profit=0.0,
            tax_loss_used=0.0,
        )

    room = max(max(highest, capital) - legal_reserve_so_far, 0.0)
    # Least whole-cent fixed point of P -> implied part travail; monotone from 0 (module doc).
    part_travail = 0.0
    for _ in range(_MAX_ITERATIONS):
        state = _given_part_travail(part_travail, result, loss_cf, tax_loss_cf, room, rules, capital)
        if state.implied_part_travail == part_travail:
            break
        part_travail = state.implied_part_travail
    else:  # pragma: no cover - the iteration provably stops
        raise RuntimeError("part travail fixed point did not converge")

    eng = state.eng
    if rules.form == "scic":
        interest = _scic_interest(eng, state.legal_reserve, rules, capital)
        return Allocation(
            result_before_tax=result,
            corporate_tax=state.corporate_tax,
            net_result=state.net_result,
            loss_absorbed=state.loss_absorbed,
            legal_reserve=state.legal_reserve,
            part_travail=0.0,
            interest_on_capital=interest,
            statutory_reserves=eng - state.legal_reserve - interest,
            loss_carried_forward=loss_cf - state.loss_absorbed,
            tax_loss_carried_forward=tax_loss_cf - state.tax_loss_used,
            taxable_profit=state.taxable_profit,
            tax_loss_used=state.tax_loss_used,
        )
    left = eng - state.legal_reserve - part_travail
    # Art. 33 4°: interest <= part travail and <= the year's reserves (legal + statutory),
    # i.e. interest <= eng - part_travail - interest; and never more than is left.
    interest = min(
        rint_cents(capital * rules.interest_rate_on_capital),
        part_travail,
        math.floor((eng - part_travail) / 2),
        left,
    )
    return Allocation(
        result_before_tax=result,
        corporate_tax=state.corporate_tax,
        net_result=state.net_result,
        loss_absorbed=state.loss_absorbed,
        legal_reserve=state.legal_reserve,
        part_travail=part_travail,
        interest_on_capital=interest,
        statutory_reserves=left - interest,
        loss_carried_forward=loss_cf - state.loss_absorbed,
        tax_loss_carried_forward=tax_loss_cf - state.tax_loss_used,
        taxable_profit=state.taxable_profit,
        tax_loss_used=state.tax_loss_used,
    )
