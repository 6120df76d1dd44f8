"""Known answers and properties of the money rules (simcoop.economics)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simcoop.economics import (
    contribution_cents,
    employer_cost_cents,
    gross_for_employer_budget_cents,
    payment_split,
    share_cents,
    to_cents,
)
from simcoop.model.params import _monthly_instalments


def test_to_cents_rounds_half_away_from_zero() -> None:
    assert to_cents(1234.565) == 123457
    assert to_cents(-0.005) == -1
    assert to_cents(60000) == 6_000_000


def test_contribution_on_turnover_with_cesa_minimum() -> None:
    turnover = np.array([100_000.0, 100_000.0, 0.0])  # €1,000, €1,000, nothing
    margin = np.array([70_000.0, 70_000.0, 0.0])
    salaried = np.array([False, True, True])
    got = contribution_cents(turnover, margin, 0.10, "turnover", 15_000, salaried)
    # 10% of €1,000 = €100; under a CESA the €150 minimum applies; in CAPE it does not.
    assert got.tolist() == [10_000.0, 15_000.0, 15_000.0]


def test_contribution_on_gross_margin() -> None:
    got = contribution_cents(np.array([100_000.0]), np.array([60_000.0]), 0.15, "gross_margin", 0, np.array([True]))
    assert got.tolist() == [9_000.0]  # Oxalis: 15% of a €600 margin


def test_unknown_contribution_base_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown contribution base"):
        contribution_cents(np.zeros(1), np.zeros(1), 0.1, "profit", 0, np.zeros(1, dtype=bool))


def test_employer_cost_and_its_inverse_known_answer() -> None:
    # €1,000 gross at 12% employer contributions costs €1,120.
    assert employer_cost_cents(np.array([100_000.0]), 0.12).tolist() == [112_000.0]
    assert gross_for_employer_budget_cents(np.array([112_000.0]), 0.12).tolist() == [100_000.0]
    assert gross_for_employer_budget_cents(np.array([-5.0]), 0.12).tolist() == [0.0]


@given(budget=st.integers(min_value=0, max_value=10**9), rate=st.floats(min_value=0.0, max_value=0.6))
def test_gross_for_budget_is_the_largest_that_fits(budget: int, rate: float) -> None:
    gross = gross_for_employer_budget_cents(np.array([float(budget)]), rate)
    assert employer_cost_cents(gross, rate)[0] <= budget
    assert employer_cost_cents(gross + 1, rate)[0] > budget or gross[0] + 1 > budget
    assert float(gross[0]).is_integer()


@given(amount=st.integers(min_value=0, max_value=10**10), rate=st.floats(min_value=0.0, max_value=1.0))
def test_share_cents_is_whole_cents_within_half_a_cent(amount: int, rate: float) -> None:
    got = share_cents(np.array([float(amount)]), rate)[0]
    assert got.is_integer()
    assert abs(got - amount * rate) <= 0.5 + 1e-6 * amount * rate


def test_payment_split_mean_delay_is_exact() -> None:
    assert payment_split(0) == (0, 0.0)
    k, late = payment_split(45)
    assert k == 1
    assert k + late == pytest.approx(45 / (365.25 / 12))
    with pytest.raises(ValueError):
        payment_split(-1)


@given(
    annual=st.integers(min_value=0, max_value=10**9),
    skip=st.integers(min_value=0, max_value=30),
    years=st.integers(min_value=1, max_value=5),
)
def test_funding_instalments_add_up_to_the_annual_amount(annual: int, skip: int, years: int) -> None:
    payments = _monthly_instalments(annual, 0, 12 * years)
    assert payments.sum() == annual * years
    assert (payments >= 0).all()
    # Any run of 12 consecutive months of a line pays the annual amount, to the cent.
    shifted = _monthly_instalments(annual, skip, 12)
    assert shifted.sum() == annual
