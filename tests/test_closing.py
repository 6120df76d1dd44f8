"""Known answers and properties of the annual closing (simcoop.economics.closing).

Hand computations: with no carried-forward losses and a taxable profit B above 42 500 €,
the tax is 15 % × 42 500 + 25 % × (B - 42 500) = 0.25 B - 4 250 €, and B = R - P with
P = p × E and E = R - tax. Substituting, E = (0.75 R + 4 250) / (1 - 0.25 p): a closed form
each known answer below starts from, before rounding to the cent.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simcoop.economics.closing import (
    Allocation,
    AllocationRules,
    close_year,
    corporate_tax_cents,
    tax_loss_offset_cap_cents,
)

EUR = 100  # cents per euro


def _close(result_eur: float, **kwargs: float | AllocationRules) -> Allocation:
    defaults: dict[str, float | AllocationRules] = {
        "loss_carried_forward_cents": 0,
        "tax_loss_carried_forward_cents": 0,
        "legal_reserve_cents": 0,
        "highest_capital_cents": 50_000 * EUR,
        "capital_cents": 50_000 * EUR,
    }
    defaults.update(kwargs)
    return close_year(result_eur * EUR, **defaults)  # type: ignore[arg-type]


# --- corporate tax (CGI art. 219) ------------------------------------------------------


def test_corporate_tax_bracket_boundary_at_42_500_eur() -> None:
    assert corporate_tax_cents(0) == 0
    assert corporate_tax_cents(-1_000_000) == 0  # a loss pays no tax
    # 15 % of 42 499 € = 6 374.85 €
    assert corporate_tax_cents(42_499 * EUR) == 637_485
    # 15 % of 42 500 € = 6 375 €: the whole ceiling at the reduced rate
    assert corporate_tax_cents(42_500 * EUR) == 637_500
    # one euro above: 6 375 € + 25 % of 1 € = 6 375.25 €
    assert corporate_tax_cents(42_501 * EUR) == 637_525
    # 100 000 €: 6 375 € + 25 % × 57 500 € = 20 750 €
    assert corporate_tax_cents(100_000 * EUR) == 2_075_000


def test_corporate_tax_rates_and_ceiling_are_parameters() -> None:
    # the pre-2022 normal rate, say, or the 38 120 € ceiling before 2019
    assert corporate_tax_cents(100_000 * EUR, 38_120 * EUR, 0.15, 0.28) == 571_800 + 1_732_640


@given(st.integers(0, 10**11))
def test_corporate_tax_marginal_rate_is_15_then_25_percent(taxable: int) -> None:
    step = corporate_tax_cents(taxable + 100) - corporate_tax_cents(taxable)
    if taxable + 100 <= 4_250_000:
        assert 14 <= step <= 16
    elif taxable >= 4_250_000:
        assert 24 <= step <= 26


def test_tax_loss_offset_cap() -> None:
    # CGI art. 209 I: up to 1 M€, then 50 % of the excess
    assert tax_loss_offset_cap_cents(400_000 * EUR) == 400_000 * EUR
    assert tax_loss_offset_cap_cents(1_000_000 * EUR) == 1_000_000 * EUR
    assert tax_loss_offset_cap_cents(3_000_000 * EUR) == 2_000_000 * EUR
    assert tax_loss_offset_cap_cents(1_000_000 * EUR + 3) == 1_000_000 * EUR + 1  # rounded down


# --- known answers for close_year -------------------------------------------------------


def test_reference_year_100k_eur_profit_capital_50k_eur() -> None:
    """Result 100 000 €, capital 50 000 €, legal reserve 0, no losses, default rules.

    E = (0.75 × 100 000 + 4 250) / (1 - 0.25 × 0.25) = 79 250 / 0.9375 = 84 533.33 €
    part travail  P = rint(25 % × 8 453 333 c = 2 113 333.25 c)       = 21 133.33 €
    taxable       B = 100 000 - 21 133.33                              = 78 866.67 €
    tax             = 6 375 + 25 % × 36 366.67 = 15 466.6675 → rint    = 15 466.67 €
    net result      = 100 000 - 15 466.67 = E (no loss to absorb)      = 84 533.33 €
    legal reserve   = rint(15 % × 8 453 333 c = 1 267 999.95 c)        = 12 680.00 €
                      (room to the highest capital: 50 000 €)
    interest        = 0 (rate 0)
    statutory       = 84 533.33 - 12 680 - 21 133.33                   = 50 720.00 €
    check: 15 466.67 + 12 680 + 21 133.33 + 50 720 = 100 000 €
    """
    a = _close(100_000)
    assert a.corporate_tax == 1_546_667
    assert a.taxable_profit == 7_886_667
    assert a.net_result == 8_453_333
    assert a.loss_absorbed == 0
    assert a.excedents_nets_de_gestion == 8_453_333
    assert a.part_travail == 2_113_333
    assert a.legal_reserve == 1_268_000
    assert a.interest_on_capital == 0
    assert a.statutory_reserves == 5_072_000
    assert (a.loss_carried_forward, a.tax_loss_carried_forward, a.tax_loss_used) == (0, 0, 0)
    assert a.total_allocated == 10_000_000
    assert a.is_balanced


def test_part_travail_is_a_fixed_point_to_the_cent() -> None:
    # Recompute the tax from the returned part travail: it must give back the returned tax,
    # and the part travail must be 25 % of what is left after that tax.
    a = _close(100_000)
    assert corporate_tax_cents(a.result_before_tax - a.part_travail) == a.corporate_tax
    assert a.part_travail == np.rint(0.25 * (a.result_before_tax - a.corporate_tax))


def test_whole_profit_in_the_reduced_bracket() -> None:
    """Result 40 000 €: B = R - 0.25 (R - 0.15 B), so B = 30 000 / 0.9625 = 31 168.83 €.

    P = rint(25 % × 3 532 468 c = 883 117 c)       = 8 831.17 €
    B = 40 000 - 8 831.17                         = 31 168.83 €
    tax = rint(15 % × 3 116 883 c = 467 532.45 c) = 4 675.32 €
    E = 40 000 - 4 675.32                         = 35 324.68 €  (25 % of it: 8 831.17 €)
    legal reserve = rint(529 870.2 c)             = 5 298.70 €
    statutory = 35 324.68 - 5 298.70 - 8 831.17   = 21 194.81 €
    """
    a = _close(40_000)
    assert (a.part_travail, a.taxable_profit, a.corporate_tax) == (883_117, 3_116_883, 467_532)
    assert a.excedents_nets_de_gestion == 3_532_468
    assert (a.legal_reserve, a.statutory_reserves) == (529_870, 2_119_481)
    assert a.is_balanced


def test_legal_reserve_stops_at_the_highest_capital() -> None:
    # Same year as the reference, but the legal reserve already holds 40 000 € and the
    # capital once reached 50 000 € (45 000 € today): only 10 000 € of the 12 680 € go to
    # it; statutory reserves take the 2 680 € more: 50 720 + 2 680 = 53 400 €.
    a = _close(100_000, legal_reserve_cents=40_000 * EUR, capital_cents=45_000 * EUR)
    assert a.legal_reserve == 10_000 * EUR
    assert a.statutory_reserves == 53_400 * EUR
    assert a.part_travail == 2_113_333  # unchanged: the split does not move the tax
    assert a.is_balanced
    # Full already: nothing more to the legal reserve.
    full = _close(100_000, legal_reserve_cents=60_000 * EUR)
    assert full.legal_reserve == 0
    assert full.statutory_reserves == 8_453_333 - 2_113_333
    # The capital at closing counts when it is the highest yet (52 000 € > 50 000 €).
    grown = _close(100_000, legal_reserve_cents=40_000 * EUR, capital_cents=52_000 * EUR)
    assert grown.legal_reserve == 12_000 * EUR


def test_loss_year_then_profit_year() -> None:
    """Year 1 loses 30 000 €; year 2 earns 100 000 €.

    Year 1: no tax, no allocation; both carried-forward balances become 30 000 €.
    Year 2: the tax loss is used in full (30 000 € < 1 M€ cap) and the accounting loss is
    absorbed from the net result, so E = R - tax - 30 000 and B = R - P - 30 000:
    E = (0.75 × 100 000 - 0.75 × 30 000 + 4 250) / 0.9375 = 56 750 / 0.9375 = 60 533.33 €
    P = rint(25 % × 6 053 333 c = 1 513 333.25 c)                 = 15 133.33 €
    B = 100 000 - 15 133.33 - 30 000                               = 54 866.67 €
    tax = 6 375 + 25 % × 12 366.67 = 9 466.6675 → rint             =  9 466.67 €
    net = 90 533.33 €; loss absorbed 30 000 €; E                   = 60 533.33 €
    legal reserve = rint(907 999.95 c)                             =  9 080.00 €
    statutory = 60 533.33 - 9 080 - 15 133.33                      = 36 320.00 €
    check: 9 466.67 + 30 000 + 9 080 + 15 133.33 + 36 320 = 100 000 €
    """
    year1 = _close(-30_000)
    assert year1.corporate_tax == 0 and year1.excedents_nets_de_gestion == 0 and year1.loss_absorbed == 0
    assert year1.loss_carried_forward == year1.tax_loss_carried_forward == 30_000 * EUR
    assert year1.net_result == -30_000 * EUR
    assert year1.is_balanced

    year2 = _close(
        100_000,
        loss_carried_forward_cents=year1.loss_carried_forward,
        tax_loss_carried_forward_cents=year1.tax_loss_carried_forward,
    )
    assert year2.tax_loss_used == 30_000 * EUR
    assert year2.taxable_profit == 5_486_667
    assert year2.corporate_tax == 946_667
    assert year2.net_result == 9_053_333
    assert year2.loss_absorbed == 30_000 * EUR
    assert year2.part_travail == 1_513_333
    assert year2.legal_reserve == 908_000
    assert year2.statutory_reserves == 3_632_000
    assert year2.loss_carried_forward == 0 and year2.tax_loss_carried_forward == 0
    assert year2.is_balanced


def test_small_profit_only_eats_into_the_losses() -> None:
    # 20 000 € against 50 000 € of losses: no tax (all offset), nothing to allocate,
    # 30 000 € still carried forward on both sides.
    a = _close(20_000, loss_carried_forward_cents=50_000 * EUR, tax_loss_carried_forward_cents=50_000 * EUR)
    assert a.corporate_tax == 0 and a.taxable_profit == 0
    assert a.loss_absorbed == 20_000 * EUR
    assert a.excedents_nets_de_gestion == 0
    assert a.loss_carried_forward == a.tax_loss_carried_forward == 30_000 * EUR
    assert a.is_balanced


def test_tax_losses_above_one_million_are_capped() -> None:
    # Fiscal profit 3 M€ (part travail aside): at most 1 M€ + 50 % × 2 M€ = 2 M€ of a 5 M€
    # tax loss is used; the rest is carried forward. Here the part travail is computed on
    # an ENG of 0 (accounting loss larger than the net result), so the fiscal profit is 3 M€.
    a = _close(
        3_000_000,
        loss_carried_forward_cents=5_000_000 * EUR,
        tax_loss_carried_forward_cents=5_000_000 * EUR,
    )
    assert a.part_travail == 0
    assert a.tax_loss_used == 2_000_000 * EUR
    assert a.tax_loss_carried_forward == 3_000_000 * EUR
    # taxable 1 M€: 6 375 € + 25 % × 957 500 € = 245 750 €
    assert a.corporate_tax == 245_750 * EUR
    assert a.loss_absorbed == 3_000_000 * EUR - 245_750 * EUR
    assert a.loss_carried_forward == 5_000_000 * EUR - a.loss_absorbed
    assert a.is_balanced


def test_part_travail_share_above_25_percent() -> None:
    """Statutes give 40 % to the workers: E = 79 250 / (1 - 0.25 × 0.4) = 88 055.56 €.

    P = rint(40 % × 8 805 556 c = 3 522 222.4 c)                 = 35 222.22 €
    B = 100 000 - 35 222.22                                       = 64 777.78 €
    tax = 6 375 + 25 % × 22 277.78 = 11 944.445 → rint            = 11 944.44 €
    E = 100 000 - 11 944.44                                       = 88 055.56 €
    legal reserve = rint(1 320 833.4 c)                           = 13 208.33 €
    statutory = 88 055.56 - 13 208.33 - 35 222.22                 = 39 625.01 €
    More to the workers means less tax (11 944.44 € against 15 466.67 €).
    """
    a = _close(100_000, rules=AllocationRules(part_travail_share=0.40))
    assert a.part_travail == 3_522_222
    assert a.corporate_tax == 1_194_444
    assert a.excedents_nets_de_gestion == 8_805_556
    assert a.legal_reserve == 1_320_833
    assert a.statutory_reserves == 3_962_501
    assert a.is_balanced


def test_interest_on_capital_capped_at_the_part_travail() -> None:
    # A (silly) 100 % rate on 50 000 € asks for 50 000 € of interest; art. 33 4° caps it
    # at the part travail, 21 133.33 €; statutory reserves: 50 720 - 21 133.33 = 29 586.67 €.
    a = _close(100_000, rules=AllocationRules(interest_rate_on_capital=1.0))
    assert a.interest_on_capital == a.part_travail == 2_113_333
    assert a.statutory_reserves == 2_958_667
    assert a.corporate_tax == 1_546_667  # interest comes out of the net result: no tax effect
    assert a.is_balanced


def test_interest_below_the_caps_is_paid_in_full() -> None:
    # 3 % on 50 000 € = 1 500 €, far below the part travail: statutory 50 720 - 1 500 €.
    a = _close(100_000, rules=AllocationRules(interest_rate_on_capital=0.03))
    assert a.interest_on_capital == 1_500 * EUR
    assert a.statutory_reserves == 49_220 * EUR


def test_interest_capped_at_the_reserves_when_the_part_travail_is_large() -> None:
    # 60 % part travail: E = 79 250 / 0.85 = 93 235.29 €, P = 55 941.18 €; interest may not
    # exceed the year's reserves either, so at most (E - P) / 2 = 18 647.06 €, and then
    # legal + statutory reserves equal the interest.
    a = _close(100_000, rules=AllocationRules(part_travail_share=0.60, interest_rate_on_capital=1.0))
    eng = a.excedents_nets_de_gestion
    assert eng == 9_323_529 and a.part_travail == 5_594_117
    assert a.interest_on_capital == math.floor((eng - a.part_travail) / 2) == 1_864_706
    assert a.legal_reserve + a.statutory_reserves >= a.interest_on_capital
    assert a.is_balanced


def test_zero_result() -> None:
    a = _close(0, loss_carried_forward_cents=123, tax_loss_carried_forward_cents=456)
    assert a.total_allocated == 0 and a.is_balanced
    assert (a.loss_carried_forward, a.tax_loss_carried_forward) == (123, 456)


# --- validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"part_travail_share": 0.20}, "0.25 (loi 78-763 art. 33 3°)"),
        ({"legal_reserve_share": 0.10}, "0.15 (loi 78-763 art. 33 1°)"),
        ({"legal_reserve_share": 0.5, "part_travail_share": 0.6}, "must not exceed 1"),
        ({"interest_rate_on_capital": -0.01}, "interest_rate_on_capital"),
        ({"normal_rate": 1.0}, "corporate tax rates"),
    ],
)
def test_rules_are_validated(changes: dict[str, float], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        AllocationRules(**changes)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"loss_carried_forward_cents": -1}, "loss_carried_forward_cents must be >= 0"),
        ({"capital_cents": 10.5}, "capital_cents must be a whole number of cents"),
        ({"highest_capital_cents": math.nan}, "highest_capital_cents must be a whole number"),
    ],
)
def test_inputs_are_validated(kwargs: dict[str, float], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        _close(1_000, **kwargs)


# --- properties -------------------------------------------------------------------------

cents = st.integers(0, 10**10)  # up to 100 M€


@st.composite
def rules_strategy(draw: st.DrawFn) -> AllocationRules:
    legal = draw(st.floats(0.15, 0.5))
    part = draw(st.floats(0.25, 1.0 - legal))
    rate = draw(st.floats(0.0, 0.2))
    return AllocationRules(legal_reserve_share=legal, part_travail_share=part, interest_rate_on_capital=rate)


@settings(max_examples=400)
@given(
    result=st.integers(-(10**10), 10**10),
    loss_cf=cents,
    tax_loss_cf=cents,
    legal_reserve=cents,
    highest=cents,
    capital=cents,
    rules=rules_strategy(),
)
def test_pieces_add_up_to_the_cent_and_nothing_is_negative(
    result: int, loss_cf: int, tax_loss_cf: int, legal_reserve: int, highest: int, capital: int, rules: AllocationRules
) -> None:
    a = close_year(
        result,
        loss_carried_forward_cents=loss_cf,
        tax_loss_carried_forward_cents=tax_loss_cf,
        legal_reserve_cents=legal_reserve,
        highest_capital_cents=highest,
        capital_cents=capital,
        rules=rules,
    )
    pieces = [
        a.corporate_tax,
        a.loss_absorbed,
        a.legal_reserve,
        a.part_travail,
        a.interest_on_capital,
        a.statutory_reserves,
        a.loss_carried_forward,
        a.tax_loss_carried_forward,
        a.taxable_profit,
        a.tax_loss_used,
    ]
    assert all(p >= 0 and p == math.floor(p) for p in pieces)
    assert a.is_balanced
    assert a.total_allocated == max(result, 0)
    # the carried-forward balances roll exactly
    assert a.loss_carried_forward == loss_cf - a.loss_absorbed + max(-result, 0)
    assert a.tax_loss_carried_forward == tax_loss_cf - a.tax_loss_used + max(-result, 0)
    assert a.net_result == result - a.corporate_tax
    # legal caps
    assert a.legal_reserve <= max(max(highest, capital) - legal_reserve, 0)
    assert a.interest_on_capital <= a.part_travail
    assert a.interest_on_capital <= a.legal_reserve + a.statutory_reserves
    assert a.tax_loss_used <= tax_loss_offset_cap_cents(result - a.part_travail)
    if result > 0:
        # self-consistent to the cent: the tax on the returned base is the returned tax ...
        assert a.taxable_profit == result - a.part_travail - a.tax_loss_used
        assert a.corporate_tax == corporate_tax_cents(a.taxable_profit)
        # ... losses are cleared before anything is shared ...
        assert a.loss_absorbed == min(loss_cf, a.net_result)
        # ... and the part travail is its share of the ENG (or all that the legal reserve leaves)
        eng = a.excedents_nets_de_gestion
        assert a.part_travail == min(np.rint(rules.part_travail_share * eng), eng - a.legal_reserve)
        assert a.part_travail >= np.floor(0.25 * eng)


@given(result=st.integers(30_000_000, 10**10), share=st.floats(0.25, 0.85))
def test_fixed_point_matches_the_closed_form(result: int, share: float) -> None:
    # No losses and a taxable profit above the ceiling C (B >= 0.15 R > 42 500 € here):
    # E = R - r C - n (R - p E - C), so
    # E = (R (1 - n) + (n - r) C) / (1 - p n). The cent solution lies within 2 cents of it.
    a = close_year(
        result,
        loss_carried_forward_cents=0,
        tax_loss_carried_forward_cents=0,
        legal_reserve_cents=0,
        highest_capital_cents=0,
        capital_cents=0,
        rules=AllocationRules(part_travail_share=share),
    )
    exact = (result * 0.75 + 0.10 * 4_250_000) / (1 - share * 0.25)
    assert abs(a.excedents_nets_de_gestion - exact) <= 2


@given(result=st.integers(1, 10**9), more=st.integers(1, 10**7))
def test_a_larger_profit_never_shrinks_any_part(result: int, more: int) -> None:
    kwargs = {
        "loss_carried_forward_cents": 0,
        "tax_loss_carried_forward_cents": 0,
        "legal_reserve_cents": 0,
        "highest_capital_cents": 10**12,
        "capital_cents": 0,
    }
    lo = close_year(result, **kwargs)
    hi = close_year(result + more, **kwargs)
    assert hi.corporate_tax >= lo.corporate_tax
    assert hi.excedents_nets_de_gestion >= lo.excedents_nets_de_gestion
    assert hi.part_travail >= lo.part_travail


def test_interest_on_capital_is_capped_at_three_years_of_tmo_plus_two_points() -> None:
    from simcoop.economics.rules import interest_on_capital_cap_rate, rule_at, rule_reference
    from simcoop.model.params import model_params
    from tests.conftest import small_scenario

    # A meeting in 2025: mean TMO of 2022-2024 plus 2 points (loi 47-1775 art. 14).
    tmo = [rule_at("tmo_rate", f"{y}-01") for y in (2022, 2023, 2024)]
    assert interest_on_capital_cap_rate(2025) == sum(tmo) / 3 + 0.02
    assert "47-1775" in rule_reference("interest_on_capital_cap_points", "2025-01")["title"]
    # A scenario asking for 10 % gets the cap at its closings.
    from simcoop.economics.closing import AllocationRules, capped_interest

    p = model_params(small_scenario(**{"cooperative.closing.interest_rate_on_capital": 0.1}))
    assert p.interest_cap_by_month[11] == interest_on_capital_cap_rate(2028)  # closing of 2027, meeting in 2028
    capped = capped_interest(p.allocation, p.interest_cap_by_month[11])
    assert capped.interest_rate_on_capital == interest_on_capital_cap_rate(2028) < 0.1
    assert capped_interest(AllocationRules(interest_rate_on_capital=0.01), 0.05).interest_rate_on_capital == 0.01


def test_scic_puts_its_reserves_first_and_deducts_them_from_the_taxable_profit() -> None:
    """Loi 47-1775 art. 19 nonies, CGI 209 VIII: a SCIC closing, computed by hand.

    Result 100 000 €, no loss carried forward, capital 200 000 € at 5 % interest (10 000 €).
    The reserves (ENG - interest) are deducted, so taxable = result - (ENG - 10 000) =
    tax + 10 000 and tax = 15 % × (tax + 10 000): 1 764.71 € (the whole-cent fixed point:
    0.15 × (176 471 + 1 000 000) = 176 470.65 -> 176 471 cents). ENG = 98 235.29 €; legal
    reserve 15 % = 14 735.29 €; interest 10 000 € (within 42.5 % of 83 500 €); statutory
    reserve 98 235.29 - 14 735.29 - 10 000 = 73 500.00 €, at least 57.5 % of 83 500 €.
    No part travail.
    """
    rules = AllocationRules(form="scic", interest_rate_on_capital=0.05)
    a = close_year(10_000_000.0, loss_carried_forward_cents=0.0, tax_loss_carried_forward_cents=0.0,
                   legal_reserve_cents=0.0, highest_capital_cents=20_000_000.0, capital_cents=20_000_000.0, rules=rules)
    assert (a.corporate_tax, a.legal_reserve, a.part_travail, a.interest_on_capital, a.statutory_reserves) == (
        176_471.0, 1_473_529.0, 0.0, 1_000_000.0, 7_350_000.0)
    assert a.taxable_profit == 1_176_471.0 and a.is_balanced
    assert a.statutory_reserves >= 0.575 * (a.excedents_nets_de_gestion - a.legal_reserve)
    scop = close_year(10_000_000.0, loss_carried_forward_cents=0.0, tax_loss_carried_forward_cents=0.0,
                      legal_reserve_cents=0.0, highest_capital_cents=20_000_000.0, capital_cents=20_000_000.0,
                      rules=AllocationRules(interest_rate_on_capital=0.05))
    assert scop.corporate_tax > a.corporate_tax and scop.part_travail > 0


def test_scic_keys_are_validated() -> None:
    import simcoop

    scenario = simcoop.load_scenario(simcoop.default_scenario_path())
    with pytest.raises(Exception, match="needs form: scic"):
        scenario.replace({"cooperative.closing.collectivites_capital_share": 0.3})
    with pytest.raises(Exception, match="less than or equal to 0.5"):
        scenario.replace({"cooperative.closing.form": "scic", "cooperative.closing.collectivites_capital_share": 0.6})
    with pytest.raises(Exception, match="greater than or equal to 0.575"):
        scenario.replace({"cooperative.closing.form": "scic", "cooperative.closing.scic_reserve_share": 0.5})
    scic = scenario.replace({"cooperative.closing.form": "scic", "cooperative.closing.collectivites_capital_share": 0.5})
    results = simcoop.simulate(scic, replications=2, seed=3)
    assert (results.monthly["part_travail_eur"] == 0).all()
