"""Known answers and properties of the money rules (simcoop.economics)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simcoop.economics import (
    bracket_contribution_cents,
    monthly_instalments_cents,
    payment_split,
    share_cents,
    to_cents,
)


def test_to_cents_rounds_half_away_from_zero() -> None:
    assert to_cents(1234.565) == 123457
    assert to_cents(-0.005) == -1
    assert to_cents(60000) == 6_000_000


def test_flat_contribution_is_the_rate_on_the_base() -> None:
    base = np.array([100_000.0, 60_000.0, 0.0])  # €1,000 of turnover, €600 of margin, nothing
    rate = np.array([0.10, 0.15, 0.10])
    got = bracket_contribution_cents(np.zeros(3), base, rate, [], [])
    assert got.tolist() == [10_000.0, 9_000.0, 0.0]  # 10% of €1,000; Oxalis: 15% of a €600 margin


def test_degressive_brackets_apply_to_the_year_so_far() -> None:
    # 10% up to €20,000 a year, 8% from €20,000 to €50,000, 6% above.
    thresholds = [2_000_000.0, 5_000_000.0]
    rates = [0.08, 0.06]
    # Month with €3,000 of turnover after €18,500 earlier in the year: €1,500 at 10%, €1,500 at 8%.
    got = bracket_contribution_cents([1_850_000.0], [300_000.0], 0.10, thresholds, rates)
    assert got.tolist() == [15_000.0 + 12_000.0]
    # After €60,000 already: all at 6%.
    assert bracket_contribution_cents([6_000_000.0], [100_000.0], 0.10, thresholds, rates).tolist() == [6_000.0]


@given(months=st.lists(st.integers(min_value=0, max_value=2_000_000), min_size=1, max_size=12))
def test_monthly_brackets_add_up_to_the_yearly_schedule(months: list[int]) -> None:
    thresholds, rates = [2_000_000.0, 5_000_000.0], [0.08, 0.06]
    cumulative = 0.0
    total = 0.0
    for base in months:
        total += bracket_contribution_cents([cumulative], [float(base)], 0.10, thresholds, rates)[0]
        cumulative += base
    year = 0.10 * min(cumulative, 2e6) + 0.08 * min(max(cumulative - 2e6, 0), 3e6) + 0.06 * max(cumulative - 5e6, 0)
    assert abs(total - year) <= 0.5 * len(months) + 1e-6


@given(amount=st.integers(min_value=0, max_value=10**10), rate=st.floats(min_value=0.0, max_value=1.0))
def test_share_cents_is_whole_cents_within_half_a_cent(amount: int, rate: float) -> None:
    got = share_cents(np.array([float(amount)]), rate)[0]
    assert got.is_integer()
    assert abs(got - amount * rate) <= 0.5 + 1e-6 * amount * rate


@given(x=st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(2**60), 2**60).map(lambda k: k / 2))
def test_rint_cents_is_numpys_rint_to_the_bit(x: float) -> None:
    """``rint_cents`` (the annual closing's and the month's rounding, without numpy's call) gives ``np.rint``'s
    double, halves to even and the sign of a zero included."""
    from simcoop.economics.money import rint_cents

    for value in (x, -x, 0.5, 1.5, 2.5, -0.5, -0.0, 0.0, 2.0**53 + 1.0):
        assert np.float64(rint_cents(value)).tobytes() == np.rint(np.float64(value)).tobytes(), value


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
    payments = monthly_instalments_cents(annual, 0, 12 * years)
    assert payments.sum() == annual * years
    assert (payments >= 0).all()
    # Any run of 12 consecutive months of a line pays the annual amount, to the cent.
    shifted = monthly_instalments_cents(annual, skip, 12)
    assert shifted.sum() == annual
