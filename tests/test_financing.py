"""Known answers for the financing schedules, and the plan's cash in a run."""

from __future__ import annotations

import numpy as np
import pytest

from simcoop.economics.financing import amortisation_schedule_cents, monthly_interest_cents
from simcoop.model import run_model
from simcoop.streams import replication_streams
from tests.conftest import small_scenario


def test_constant_instalments_known_answer() -> None:
    # 12 000 EUR at 6 % a year over 12 months: the standard instalment is 1 032.80 EUR.
    principal, interest = amortisation_schedule_cents(1_200_000, 0.06, 12)
    assert principal.sum() == 1_200_000
    assert interest[0] == 6_000  # 0.5 % of 12 000 EUR
    instalments = principal + interest
    assert np.all(np.abs(instalments[:-1] - 103_280) <= 1)
    assert interest.sum() == pytest.approx(39_366, abs=12)


def test_deferral_pays_interest_only_then_amortises() -> None:
    principal, interest = amortisation_schedule_cents(5_000_000, 0.03, 24, deferral_months=12)
    assert len(principal) == 36
    assert (principal[:12] == 0).all() and (interest[:12] == 12_500).all()
    assert principal.sum() == 5_000_000 and (principal[12:] > 0).all()


def test_zero_rate_is_equal_instalments() -> None:
    principal, interest = amortisation_schedule_cents(100_000, 0.0, 3)
    assert principal.tolist() == [33_333, 33_333, 33_334] and interest.sum() == 0


def test_interest_on_a_balance() -> None:
    assert monthly_interest_cents(1_200_000, 0.08) == 8_000
    assert monthly_interest_cents(-5, 0.08) == 0.0


def test_a_quasi_equity_lifts_the_treasury_by_its_amount_until_repaid() -> None:
    base = small_scenario(**{"cooperative.financing.overdraft_annual_rate": 0.0, "cooperative.financing.receivable_financing": None,
                             "cooperative.financing.instruments": [], "cooperative.public_funding.0.advance_at_signature_share": 0.0,
                             "cooperative.public_funding.1.advance_at_signature_share": 0.0})  # fmt: skip
    plan = base.replace(
        {
            "cooperative.financing.instruments": [
                {"name": "France Active", "kind": "quasi_equity", "amount_eur": 50000, "annual_rate": 0.0,
                 "deferral_months": 60, "duration_months": 12, "source": "assumption"}
            ]
        }
    )
    streams = replication_streams(3, 0)
    a = run_model(base, streams).monthly
    b = run_model(plan, replication_streams(3, 0)).monthly
    assert b["financing_received_cents"][0] == 5_000_000
    assert (b["quasi_equity_cents"] == 5_000_000).all()
    assert (b["debt_outstanding_cents"] == 0).all()
    # Same draws: the own treasury before financing is unchanged by the plan (no interest, no
    # repayment within the horizon) as long as hiring does not react to the extra cash.
    assert b["treasury_before_financing_cents"][0] == a["coop_treasury_cents"][0]


def test_dailly_is_repaid_when_the_funder_pays() -> None:
    scenario = small_scenario(
        **{"cooperative.financing.receivable_financing": {"share": 0.8, "annual_rate": 0.06, "funders": ["Fonds social européen (FSE+)"]},
           "cooperative.financing.instruments": []}
    )
    m = run_model(scenario, replication_streams(4, 0)).monthly
    assert m["financing_received_cents"].sum() > 0
    assert m["interest_cents"].sum() > 0
    # What the bank advanced and was not yet repaid is the debt left at the end.
    assert m["financing_received_cents"].sum() - m["financing_repaid_cents"].sum() == m["debt_outstanding_cents"][-1]


def test_csg_crds_known_answer_and_part_of_employee_contributions() -> None:
    from simcoop.economics import csg_crds_cents, employee_contributions_cents, payroll_rates_at

    rates = payroll_rates_at("2025-01", "below_50")
    # CSS L136-8: CSG 9.2 % (6.8 deductible + 2.4 not), CRDS 0.5 %, on 98.25 % of the gross.
    assert rates.csg_deductible_rate + rates.csg_non_deductible_rate + rates.crds_rate == pytest.approx(0.097)
    gross = np.array([176_692.0])  # the SMIC of 2024, 1 766.92 EUR
    assert csg_crds_cents(gross, rates)[0] == np.rint(176_692 * 0.9825 * 0.097)
    assert csg_crds_cents(gross, rates)[0] < employee_contributions_cents(gross, rates)[0]


def test_titres_participatifs_repaid_from_the_caf_wait_for_a_positive_result() -> None:
    # Repayment from the CAF: nothing during the deferral or after a loss year; after a
    # closing with a positive result, caf_share of it (never more than owed), paid at the
    # settlement month; what is still owed is the quasi-equity stock.
    scenario = small_scenario(
        **{"cooperative.financing.receivable_financing": None,
           "cooperative.financing.instruments": [
               {"name": "France Active", "kind": "quasi_equity", "amount_eur": 100000, "annual_rate": 0.0,
                "deferral_months": 12, "repayment": "from_caf", "caf_share": 0.5, "source": "assumption"}],
           "cooperative.public_funding.2.amount_eur": 150000}
    )  # fmt: skip
    out = run_model(scenario, replication_streams(2, 0))
    m = out.monthly
    assert m["financing_received_cents"][0] == 10_000_000
    closings = m["closing_result_cents"]
    december = np.flatnonzero(closings != 0)
    repaid = m["financing_repaid_cents"]
    # Nothing repaid before the first closing after the deferral (month 11 is within it).
    assert repaid[: december[1] + 1].sum() == 0
    for k in december[1:]:
        paid = repaid[k + 1 : k + 1 + 12].sum()
        expected = min(np.floor(0.5 * max(closings[k], 0)), 10_000_000)
        if k + 6 < len(repaid):
            assert paid == expected
    assert repaid.sum() > 0 and m["quasi_equity_cents"][-1] == 10_000_000 - repaid.sum()


def test_a_standing_convention_is_renewed_to_the_horizon_and_no_further() -> None:
    # max_renewals null: as many three-year terms as reach the horizon's end (a 36-month run:
    # a first term of 12 months and two renewals), each with its probability.
    conv = {"funder": "Région", "kind": "fixed", "amount_eur": 12000, "first_month": "2027-01", "last_month": "2027-12",
            "max_renewals": None, "renewal_probability": 1.0}  # fmt: skip
    scenario = small_scenario(**{"cooperative.public_funding": [conv], "cooperative.financing.receivable_financing": None,
                                 "cooperative.recover_over_compensation": False})  # fmt: skip
    out = run_model(scenario, replication_streams(1, 0))
    assert (out.funding_earned[0] == 100_000).all()  # 1 000 EUR every month of the 36
    never = scenario.replace({"cooperative.public_funding.0.renewal_probability": 0.0})
    earned = run_model(never, replication_streams(1, 0)).funding_earned[0]
    assert (earned[:12] == 100_000).all() and (earned[12:] == 0).all()


def test_overdraft_interest_runs_only_within_the_authorised_overdraft() -> None:
    # A CAE far below its overdraft pays the agios of the overdraft, not interest on the
    # whole shortfall (the bank lends no more: that is a rupture, not a loan that compounds).
    scenario = small_scenario(**{"cooperative.initial_treasury_eur": -500000, "cooperative.financing.instruments": [],
                                 "cooperative.financing.receivable_financing": None, "viability.overdraft_eur": 30000,
                                 "cooperative.financing.overdraft_annual_rate": 0.12})  # fmt: skip
    m = run_model(scenario, replication_streams(1, 0)).monthly
    assert (m["coop_treasury_cents"] < -3_000_000).all()
    cap = round(3_000_000 * 0.12 / 12)  # 300 EUR a month
    assert (m["interest_cents"][1:] == cap).all()
