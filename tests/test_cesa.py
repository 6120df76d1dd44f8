"""Known answers for the CESA pay rule (simcoop.economics.cesa) and its referenced constants."""

from __future__ import annotations

import numpy as np

from simcoop.economics import employer_cost_cents, payroll_rates_at
from simcoop.economics.cesa import are_months_saved, fixed_gross_cents, pay_budget_cents, settlement_bonus_cents
from simcoop.economics.rules import rule_at, rule_reference

RATES = payroll_rates_at("2025-03", "below_50")


def test_fixed_part_is_the_largest_gross_whose_cost_fits_the_share_of_margin() -> None:
    gross = fixed_gross_cents(np.array([200_000.0]), 0.6, 40_000.0, RATES)
    # 60 % of 2 000 € = 1 200 € of employer cost buys this gross, and one more cent would not fit.
    assert employer_cost_cents(gross, RATES)[0] <= 120_000.0
    assert employer_cost_cents(gross + 1.0, RATES)[0] > 120_000.0
    assert 100_000.0 < gross[0] < 120_000.0  # low pay: the réduction générale keeps the cost near gross


def test_fixed_part_never_below_the_minimum_and_ignores_negative_margins() -> None:
    assert fixed_gross_cents(np.array([-50_000.0, 10_000.0]), 0.6, 40_000.0, RATES).tolist() == [40_000.0, 40_000.0]


def test_pay_budget_aims_at_the_target_and_always_covers_the_fixed_cost_within_the_cap() -> None:
    margin = np.array([100_000.0, 100_000.0, 100_000.0, 100_000.0])
    treasury = np.array([500_000.0, 50_000.0, -100_000.0, -400_000.0])
    fixed_cost = np.array([60_000.0, 60_000.0, 60_000.0, 60_000.0])
    budget = pay_budget_cents(margin, treasury, fixed_cost, 0.9, 0.0, 300_000.0)
    # rich: the target 90 000; short: the fixed cost 60 000 (advanced); below the floor within
    # the cap: still 60 000; past the cap: what the cap leaves (-400 000 + 300 000 < 0 -> 0).
    assert budget.tolist() == [90_000.0, 60_000.0, 60_000.0, 0.0]


def test_settlement_pays_a_share_of_the_treasury_above_the_reserve() -> None:
    bonus = settlement_bonus_cents(np.array([1_000_000.0, 100_000.0]), np.array([90_000.0, 90_000.0]), np.array([60_000.0, 60_000.0]), 2.0, 0.8)
    # (1 000 000 - 90 000 - 2 x 60 000) x 0.8 = 632 000; the second has no surplus.
    assert bonus.tolist() == [632_000.0, 0.0]


def test_are_cumul_is_seventy_percent_of_gross_with_its_reference() -> None:
    rate = rule_at("are_cumul_reduction_rate", "2027-01")
    assert rate == 0.70
    assert "art. 30" in rule_reference("are_cumul_reduction_rate", "2027-01")["title"]
    # 800 € gross against an ARE of 1 120 €: 560 € not paid = half a month saved; a big pay saves at most one month.
    assert are_months_saved(np.array([80_000.0, 500_000.0]), 112_000.0, rate).tolist() == [0.5, 1.0]


def test_trial_period_default_is_ordinary_law_for_employees() -> None:
    from simcoop.scenario import CesaRules

    law = rule_at("cesa_trial_period_months", "2027-01")
    assert CesaRules().trial_period_months == law["employees"] == 2
    assert (law["supervisors_technicians"], law["cadres"]) == (3, 4)
    assert "L1221-19" in rule_reference("cesa_trial_period_months", "2027-01")["title"]
    # At most twice the longest period, renewed once by a branch agreement.
    assert CesaRules.model_fields["trial_period_months"].metadata[-1].le == 2 * law["cadres"]


def test_are_durations_since_april_2025_by_age() -> None:
    before = rule_at("are_max_duration_months", "2025-03")
    after = rule_at("are_max_duration_months", "2025-04")
    assert (before["first_age"], before["second_age"]) == (53, 55)
    assert (after["first_age"], after["second_age"]) == (55, 57)
    assert (after["under_first"], after["between"], after["from_second"]) == (18, 22.5, 27)


def test_progressive_relief_regularisation_keeps_the_month_of_a_settlement_instalment_at_the_same_rate() -> None:
    """CSS L241-13, D241-7: the réduction générale is annual, regularised each month on cumulative pay.

    Worked example, June 2025 rules, 11-49 employees (Fillon T = 0.3193, SMIC 11.88 €/h and
    1 801.80 € a month; CAE hour equivalents, so SMIC_ref = gross within one monthly SMIC).
    Employer rates before relief (tests/test_payroll.py): maladie 7 + famille 3.45 (reduced)
    + 4.716 on gross + 14.66 on T1 + chômage/AGS 4.25 = 34.076 % of gross below the PASS.

    - January to March, 1 500 € a month: SMIC_ref = 1 500, ratio 1, C = 0.3193/0.6 × (1.6 - 1)
      = 0.3193; relief 0.3193 × 1 500 = 478.95 €; contributions 34.076 % × 1 500 = 511.14 €,
      after relief 32.19 €, i.e. 2.146 % of gross. The annual relief on the pay so far equals
      the monthly ones: no correction.
    - April, 2 500 € (1 500 € + a 1 000 € instalment of the variable part): the monthly relief
      sees SMIC_ref = 1 801.80, ratio 0.720720, C = 0.3193/0.6 × (1.6 × 0.720720 - 1) =
      0.0815 (4 decimals), relief 203.75 €. The year so far: 7 000 € against 4 × 1 801.80 =
      7 207.20 € of SMIC_ref, so SMIC_ref = 7 000, ratio 1, C = 0.3193, relief due 2 235.10 €;
      granted 3 × 478.95 + 203.75 = 1 640.60 €, so April's regularisation adds 594.50 €.
      Contributions 34.076 % × 2 500 = 851.90 € - 203.75 - 594.50 = 53.65 €, 2.146 % of gross:
      the same rate as the other months, where the monthly relief alone would give
      (851.90 - 203.75) / 2 500 = 25.926 %.
    """
    from simcoop.economics.payroll import progressive_relief_correction_cents, reduction_generale_cents

    rates = payroll_rates_at("2025-06", "below_50")
    gross_ytd = months = granted = 0.0
    contributions, corrections = [], []
    for gross_eur in (1_500.0, 1_500.0, 1_500.0, 2_500.0):
        gross = np.array([gross_eur * 100.0])
        gross_ytd, months = gross_ytd + gross[0], months + 1
        provisional = reduction_generale_cents(gross, rates)
        correction, due = progressive_relief_correction_cents(np.array([gross_ytd]), np.array([months]), np.array([granted]), provisional, rates)
        granted = float(due[0])
        corrections.append(float(correction[0]))
        contributions.append(float(employer_cost_cents(gross, rates)[0] - correction[0] - gross[0]))
    assert corrections == [0.0, 0.0, 0.0, 59_450.0]
    assert granted == 223_510.0
    assert contributions == [3_219.0, 3_219.0, 3_219.0, 5_365.0]
    assert contributions[3] / 250_000.0 == contributions[0] / 150_000.0 == 0.02146
