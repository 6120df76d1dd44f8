"""The French CAE rules of the model: contracts, pay, capital, staff, funding, closing.

Each test runs small scenarios and checks one rule a user relies on, on the raw model
output (whole cents) or on the tidy tables.
"""

from __future__ import annotations

import numpy as np
import pytest

import simcoop
from simcoop.model import run_model
from simcoop.model.book import REASONS
from simcoop.model.params import SORTIE, model_params
from simcoop.streams import replication_streams
from tests.conftest import small_scenario


def _run(scenario: simcoop.Scenario, replication: int = 0, seed: int = 3):  # noqa: ANN202
    return run_model(scenario, replication_streams(seed, replication))


def test_no_salary_and_no_contributions_under_cape() -> None:
    """A CAPE is not an employment contract: no pay, no social contributions."""
    scenario = small_scenario(**{"pathway.direct_cesa_share": 0.0, "pathway.cesa.min_gross_salary_eur_per_month": 1e7})
    m = _run(scenario).monthly
    assert m["n_cape"].max() > 0
    assert m["n_cesa"].max() == 0
    assert m["gross_salaries_cents"].sum() == 0
    assert m["employer_contributions_cents"].sum() == 0
    assert m["employee_contributions_cents"].sum() == 0
    assert m["jobs_fte"].sum() == 0


def test_trial_period_exits_have_their_own_motive() -> None:
    scenario = small_scenario(**{"pathway.cesa.trial_exit_rate_per_year": 6.0, "pathway.cesa.trial_period_months": 4})
    out = _run(scenario)
    events = out.events
    trial = events[(events[:, 3] == SORTIE) & (events[:, 4] == REASONS.index("end_of_trial_period"))]
    assert len(trial) > 5
    cesa_start = out.people["cesa_month"][trial[:, 0]]
    months_in_cesa = trial[:, 1] - cesa_start
    assert ((months_in_cesa >= 0) & (months_in_cesa < 4)).all()


def test_associe_capital_is_withheld_then_paid_back_after_the_delay() -> None:
    delay = 5
    scenario = small_scenario(
        **{
            "meta.horizon_months": 60,
            "pathway.associe.uptake_rate_per_year": 3.0,
            "pathway.associe.capital_subscription_eur": 1200,
            "pathway.associe.capital_instalment_months": 4,
            "pathway.associe.capital_repayment_delay_months": delay,
            "pathway.exits.associe_rate_per_year": 0.6,
        }
    )
    out = _run(scenario)
    m, people = out.monthly, out.people
    assert m["capital_paid_in_cents"].sum() > 0
    assert m["capital_paid_in_cents"].max() <= 30_000 * max(m["n_associe"].max(), 1)
    paid = people["capital_paid_cents"]
    assert (paid <= 120_000).all()
    # Each leaver's capital falls due `delay` months after their exit.
    leavers = (paid > 0) & (people["exit_month"] >= 0)
    assert leavers.sum() > 0
    expected = np.zeros(len(m["accueils"]) + delay + 1)
    np.add.at(expected, people["exit_month"][leavers] + delay, paid[leavers])
    horizon = len(m["accueils"])
    assert np.array_equal(m["capital_repaid_cents"], expected[:horizon])
    assert m["capital_to_repay_cents"][-1] == expected[horizon:].sum()


@pytest.mark.parametrize("cap_eur", [0.0, 2000.0])
def test_advances_stay_within_the_cap(cap_eur: float) -> None:
    """With clients paying at once and no charges borne by the activities (sector insurance, health
    cover, occupational health, AT/MP above the table, payroll taxes), only the fixed pay can draw a
    treasury below zero, within the cap."""
    changes = {f"activities.sectors.{k}.payment_delay_days": 0.0 for k in range(4)}
    changes |= {f"activities.sectors.{k}.insurance_eur_per_month": 0.0 for k in range(4)}
    changes |= {f"activities.sectors.{k}.at_mp_rate": None for k in range(4)}
    changes |= {f"activities.sectors.{k}.vat_exempt_share": 0.0 for k in range(4)}
    changes |= {"cooperative.mutuelle_employer_eur_per_month": 0.0, "cooperative.occupational_health_eur_per_year": 0.0,
                "territory.versement_mobilite_rate": 0.0}
    changes |= {"pathway.cesa.advance_cap_eur": cap_eur, "pathway.cesa.fixed_pay_share": 1.0, "meta.horizon_months": 48}
    m = _run(small_scenario(**changes)).monthly
    salaried = m["n_cesa"] + m["n_associe"]
    # The réduction générale is regularised on annual pay: rounding the year's relief against the
    # sum of the monthly ones may cost a holder a cent or two beyond the budget in a month.
    assert (m["advances_cents"] <= cap_eur * 100 * salaried + 2 * salaried).all()
    if cap_eur:
        assert m["advances_cents"].max() > 0


def test_capacity_full_means_waiting_then_leaving() -> None:
    scenario = small_scenario(
        **{
            "territory.accueils_per_year_at_maturity": 400,
            "pathway.entry_share": 0.8,
            "cooperative.staff.fte_at_opening": 0.5,
            "cooperative.staff.max_caseload_per_fte": 50,
            "cooperative.staff.hire_above_caseload_per_fte": 50,
            "cooperative.staff.recruitment_delay_months": 12,
            "cooperative.staff.max_wait_months": 2,
        }
    )
    m = _run(scenario).monthly
    active = m["n_cape"] + m["n_cesa"] + m["n_associe"]
    assert m["n_waiting"].max() > 0
    assert m["accueils_lost_waiting"].sum() > 0
    # Nobody enters beyond the capacity of the team in place when they enter.
    assert (active <= m["staff_fte"] * 50 + 1e-9).all()


def test_hiring_follows_the_caseload_after_the_delay_and_freezes_without_cash() -> None:
    # A generous EPCI convention keeps the own treasury above the hiring freeze.
    base = {"territory.accueils_per_year_at_maturity": 400, "pathway.entry_share": 0.6, "meta.horizon_months": 48,
            "cooperative.public_funding.2.amount_eur": 300000}
    m = _run(small_scenario(**base, **{"cooperative.staff.recruitment_delay_months": 4})).monthly
    staff = m["staff_fte"]
    assert staff[-1] > staff[0]
    first_hire = int(np.argmax(staff > staff[0]))
    active = m["n_cape"] + m["n_cesa"] + m["n_associe"]
    decided = np.flatnonzero(active > 45 * staff[0])[0]
    assert first_hire >= decided + 4
    broke = small_scenario(**base, **{"cooperative.initial_treasury_eur": -500000, "cooperative.public_funding": []})
    assert (_run(broke).monthly["staff_fte"] == 2.0).all()


def test_fse_pays_more_than_a_year_after_the_year_earned() -> None:
    scenario = small_scenario(
        **{
            "cooperative.public_funding": [
                {"funder": "FSE+", "kind": "fixed", "amount_eur": 24000, "first_month": "2027-01",
                 "last_month": "2028-12", "payment": "annual", "payment_lag_months": 13},
            ]
        }
    )
    out = _run(scenario)
    m = out.monthly
    assert m["public_funding_earned_cents"][:24].sum() == 4_800_000
    received = m["public_funding_cents"]
    assert received[:24].sum() == 0  # year 1 (months 0-11) is paid in month 11 + 13 = 24
    assert received[24] == 2_400_000
    assert received.sum() == 2_400_000
    assert m["funding_receivable_cents"][-1] == 2_400_000  # year 2 is paid in month 36, after the horizon


@pytest.mark.parametrize(("probability", "months"), [(0.0, 12), (1.0, 36)])
def test_conventions_are_renewed_with_their_probability(probability: float, months: int) -> None:
    scenario = small_scenario(
        **{
            "cooperative.public_funding": [
                {"funder": "Région", "kind": "fixed", "amount_eur": 12000, "first_month": "2027-01",
                 "last_month": "2027-12", "max_renewals": 2, "renewal_probability": probability},
            ]
        }
    )
    earned = _run(scenario).monthly["public_funding_earned_cents"]
    assert np.count_nonzero(earned) == months
    assert earned.sum() == 1_200_000 * months // 12


def test_per_unit_conventions_follow_activity_and_their_ceiling() -> None:
    scenario = small_scenario(
        **{
            "cooperative.public_funding": [
                {"funder": "Département", "kind": "per_accueil", "amount_eur": 100, "first_month": "2027-01",
                 "last_month": "2029-12"},
                {"funder": "FSE", "kind": "per_cesa_start", "amount_eur": 1000, "ceiling_eur_per_year": 5000,
                 "first_month": "2027-01", "last_month": "2029-12"},
            ]
        }
    )
    out = _run(scenario)
    assert np.array_equal(out.funding_earned[0], out.monthly["accueils"] * 10_000)
    per_year = out.funding_earned[1].reshape(3, 12).sum(axis=1)
    assert (per_year <= 500_000).all()
    assert per_year.max() == 500_000


def test_payroll_rules_are_those_in_force_each_month() -> None:
    p = model_params(small_scenario(**{"meta.start_month": "2025-07", "meta.horizon_months": 12}))
    smic = [r.smic_hourly_eur for r in p.payroll_by_month]
    assert smic[0] == 11.88  # 2025-07
    assert smic[6] == 12.02  # 2026-01
    fixed = model_params(small_scenario(**{"meta.start_month": "2025-07", "payroll.rules_month": "2024-03"}))
    assert {r.smic_hourly_eur for r in fixed.payroll_by_month} == {11.65}


def test_closing_in_december_and_allocations_paid_at_the_settlement_month() -> None:
    out = _run(small_scenario(**{"meta.horizon_months": 36, "pathway.cesa.settlement_month": 6}))
    m = out.monthly
    months = np.arange(36)  # the small scenario opens in January
    closing = m["closing_result_cents"]
    assert (closing[months % 12 != 11] == 0).all()
    paid = m["allocations_paid_cents"]
    assert (paid[(months % 12 != 5)] == 0).all()
    due = m["corporate_tax_cents"] + m["part_travail_cents"] + m["interest_on_capital_cents"]
    assert paid[17] == due[11] and paid[29] == due[23]


def test_exits_carry_a_destination_and_an_endi_motive() -> None:
    results = simcoop.simulate(small_scenario(**{"meta.horizon_months": 48}), replications=2, seed=1)
    exits = results.events[results.events["to_stage"] == "sortie"]
    assert set(exits["reason"].astype(str)) <= {
        "own_company", "salaried_job", "activity_not_viable", "personal_reasons", "end_of_cape",
        "end_of_trial_period", "not_associe_in_time",
    }
    assert set(exits["destination"].astype(str)) <= {"own_company", "salaried_job", "stop"}
    stops = exits[exits["reason"].isin(["activity_not_viable", "personal_reasons"])]
    assert (stops["destination"] == "stop").all()


def test_contribution_rates_by_stage_and_sector() -> None:
    """A zero CAPE rate and a zero sector rate remove exactly those contributions."""
    base = {"pathway.direct_cesa_share": 0.0, "pathway.cesa.min_gross_salary_eur_per_month": 1e7}  # CAPE only
    cape_only = _run(small_scenario(**base)).monthly
    assert cape_only["contributions_cents"].sum() > 0
    free_cape = _run(small_scenario(**base, **{"cooperative.contribution.cape_rate": 0.0})).monthly
    assert free_cape["contributions_cents"].sum() == 0
    # All sectors at 0% but one: contributions fall, the turnover does not (same draws).
    names = [s.name for s in small_scenario().activities.sectors]
    zero_but_first = {name: 0.0 for name in names[1:]}
    m_all = _run(small_scenario()).monthly
    m_one = _run(small_scenario(**{"cooperative.contribution.sector_rates": zero_but_first})).monthly
    assert np.array_equal(m_all["turnover_cents"][:6], m_one["turnover_cents"][:6])
    assert 0 < m_one["contributions_cents"].sum() < m_all["contributions_cents"].sum()


def test_unknown_sector_in_sector_rates_is_an_error() -> None:
    with pytest.raises(simcoop.ScenarioError, match="sector_rates.nope: names unknown sector 'nope'"):
        small_scenario(**{"cooperative.contribution.sector_rates": {"nope": 0.1}})


def test_an_antenna_adds_its_rent_from_its_opening_month() -> None:
    sites = [{"name": "siège", "rent_eur_per_month": 1000}, {"name": "antenne", "opening_month": "2028-01", "rent_eur_per_month": 700}]
    p = model_params(small_scenario(**{"cooperative.sites": sites}))
    assert (p.rent_cents_by_month[:12] == 100_000).all()
    assert (p.rent_cents_by_month[12:] == 170_000).all()


def test_a_partner_that_does_not_come_through_funds_nothing_in_that_replication() -> None:
    scenario = small_scenario(
        **{
            "creation": {
                "partners": [{"funder": "Région", "probability": 0.5, "decision_month": "2026-06"}],
                "setup": {"start_month": "2026-04", "legal_costs_eur": 8000, "recruitment_costs_eur": 6000,
                          "capital_founders_eur": 15000, "capital_partners_eur": 5000},
            },
            "cooperative.initial_capital_eur": None,
        }
    )
    region = [k for k, c in enumerate(scenario.cooperative.public_funding) if c.funder == "Région"]
    came_through = []
    for r in range(12):
        out = _run(scenario, replication=r)
        region_earned = out.funding_earned[region].sum()
        came_through.append(region_earned > 0)
        others = np.delete(out.funding_earned, region, axis=0).sum()
        assert others > 0  # the other funders are not affected
        # Opening cash: treasury + capital raised in the set-up step - pre-opening costs.
        assert out.initial_cash_cents == round(scenario.cooperative.initial_treasury_eur + 20000 - 14000) * 100
    assert any(came_through) and not all(came_through)


def test_capital_is_given_once() -> None:
    with pytest.raises(simcoop.ScenarioError, match="give the opening capital once"):
        small_scenario(
            **{
                "creation": {"setup": {"start_month": "2026-04"}},
                "cooperative.initial_capital_eur": 10000,
            }
        )


def test_a_scenario_before_the_payroll_tables_needs_rules_month() -> None:
    with pytest.raises(simcoop.ScenarioError, match="set payroll.rules_month"):
        small_scenario(**{"meta.start_month": "2019-01"})
    assert small_scenario(**{"meta.start_month": "2019-01", "payroll.rules_month": "2024-01"}).meta.start_month == "2019-01"
