"""Known answers for the costs of employment beyond contributions (simcoop.economics.employment)."""

from __future__ import annotations

import numpy as np

from simcoop.economics.employment import payroll_taxes_cents, per_head_costs_cents, smoothed_size_band, taxe_salaires_cents
from simcoop.economics.rules import rule_at, rule_reference


def test_per_head_costs_are_the_mutuelle_share_and_a_twelfth_of_the_health_fee() -> None:
    # 2.5 heads x (30 € + 120 € / 12) = 100 €.
    assert per_head_costs_cents(np.array([2.5]), 3000.0, 12000.0).tolist() == [10000.0]


def test_taxe_sur_les_salaires_by_bracket_and_ratio() -> None:
    thresholds, rates = rule_at("taxe_salaires_thresholds_eur_per_year", "2024-06"), rule_at("taxe_salaires_rates", "2024-06")
    assert thresholds == [8985, 17936] and rates == [0.0425, 0.085, 0.136]
    # 1 000 € in a month: 748,75 € at 4.25 % + 251,25 € at 8.5 % = 31,82 + 21,36 = 53,18 €; with a 40 % ratio, 21,27 €.
    tax = taxe_salaires_cents(np.array([100_000.0]), 0.4, thresholds, rates)
    assert tax.tolist() == [round((74_875.0 * 0.0425 + 25_125.0 * 0.085) * 0.4)]
    assert taxe_salaires_cents(np.array([100_000.0]), 0.0, thresholds, rates).tolist() == [0.0]
    assert "231" in rule_reference("taxe_salaires_rates", "2024-06")["title"]


def test_versement_mobilite_is_its_rate_on_gross_plus_the_tax() -> None:
    assert payroll_taxes_cents(np.array([200_000.0]), 0.018, 0.0, [8985, 17936], [0.0425, 0.085, 0.136]).tolist() == [3600.0]


def test_headcount_band_moves_up_after_five_years_and_down_after_one() -> None:
    years = rule_at("headcount_threshold_years", "2027-01")
    assert years == 5 and "L130-1" in rule_reference("headcount_threshold_years", "2027-01")["title"]
    assert smoothed_size_band(0, [9, 4, 0], 1, years) == 0  # 4 years at 11 or more: still below 11
    assert smoothed_size_band(0, [9, 5, 0], 1, years) == 1  # the 5th year: 11 to 49
    assert smoothed_size_band(1, [9, 0, 0], 0, years) == 0  # one year below 11: back down
    assert smoothed_size_band(1, [9, 9, 5], 2, years) == 2
