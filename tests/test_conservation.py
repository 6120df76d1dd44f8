"""Money is conserved to the cent and people to the person, in every run.

Random scenarios come from hypothesis; each run is checked month by month on the raw
model output (whole cents) and on the tidy tables.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import simcoop
from simcoop.model import run_model
from simcoop.model.book import MOTIVE_FLOWS, REASONS
from simcoop.model.params import CAPE, CESA, SORTIE
from simcoop.streams import replication_streams
from tests.conftest import small_scenario

scenario_changes = st.fixed_dictionaries(
    {
        "meta.horizon_months": st.integers(min_value=1, max_value=60),
        "territory.accueils_per_year_at_maturity": st.floats(min_value=0, max_value=400),
        "pathway.entry_share": st.floats(min_value=0, max_value=1),
        "pathway.direct_cesa_share": st.floats(min_value=0, max_value=1),
        "pathway.diagnostic_months": st.integers(min_value=0, max_value=3),
        "pathway.cape.renewal_probability": st.floats(min_value=0, max_value=1),
        "pathway.cape.min_months_before_cesa": st.integers(min_value=0, max_value=12),
        "pathway.cesa.min_gross_salary_eur_per_month": st.floats(min_value=0, max_value=3000),
        "pathway.cesa.treasury_floor_eur": st.floats(min_value=-2000, max_value=2000),
        "pathway.associe.deadline_months": st.integers(min_value=1, max_value=40),
        "pathway.associe.uptake_rate_per_year": st.floats(min_value=0, max_value=3),
        "pathway.exits.cape_rate_per_year": st.floats(min_value=0, max_value=3),
        "pathway.exits.cesa_rate_per_year": st.floats(min_value=0, max_value=3),
        "pathway.exits.associe_rate_per_year": st.floats(min_value=0, max_value=3),
        "activities.sectors.0.payment_delay_days": st.floats(min_value=0, max_value=120),
        "activities.sectors.1.monthly_volatility": st.floats(min_value=0, max_value=2),
        "activities.sectors.2.gross_margin_rate": st.floats(min_value=0, max_value=1),
        "cooperative.contribution.rate": st.floats(min_value=0, max_value=0.3),
        "cooperative.contribution.base": st.sampled_from(["turnover", "gross_margin"]),
        "cooperative.contribution.minimum_eur_per_month": st.floats(min_value=0, max_value=300),
        "cooperative.initial_treasury_eur": st.floats(min_value=-50000, max_value=200000),
        "payroll.employer_size": st.sampled_from(["below_50", "50_or_more"]),
        "pathway.cesa.advance_cap_eur": st.floats(min_value=0, max_value=10000),
        "pathway.cesa.settlement_month": st.integers(min_value=1, max_value=12),
        "pathway.cesa.trial_period_months": st.integers(min_value=0, max_value=8),
        "pathway.prior_status.are_share": st.floats(min_value=0, max_value=0.7),
        "pathway.associe.capital_subscription_eur": st.floats(min_value=0, max_value=5000),
        "pathway.associe.capital_instalment_months": st.integers(min_value=1, max_value=24),
        "pathway.associe.capital_repayment_delay_months": st.integers(min_value=0, max_value=36),
        "cooperative.staff.max_caseload_per_fte": st.floats(min_value=45, max_value=80),
        "cooperative.staff.max_wait_months": st.integers(min_value=0, max_value=4),
        "cooperative.public_funding.3.payment_lag_months": st.integers(min_value=0, max_value=24),
        "cooperative.public_funding.1.payment": st.sampled_from(["monthly", "quarterly", "annual"]),
        "cooperative.closing.part_travail_share": st.floats(min_value=0.25, max_value=0.6),
        "cooperative.closing.interest_rate_on_capital": st.floats(min_value=0, max_value=0.05),
        # The financing plan: every instrument, convention advances, Dailly and the overdraft cost.
        "cooperative.financing.instruments": st.lists(
            st.fixed_dictionaries(
                {
                    "name": st.sampled_from(["France Active", "Socoden", "Région", "Banque"]),
                    "kind": st.sampled_from(["quasi_equity", "bank_loan", "repayable_advance"]),
                    "amount_eur": st.floats(min_value=0, max_value=200000),
                    "received_month": st.sampled_from(["2026-06", "2027-01", "2027-07", "2029-03"]),
                    "annual_rate": st.floats(min_value=0, max_value=0.12),
                    "deferral_months": st.integers(min_value=0, max_value=30),
                    "duration_months": st.integers(min_value=1, max_value=40),
                    "repayment": st.sampled_from(["scheduled", "from_caf"]),
                    "caf_share": st.floats(min_value=0.05, max_value=1),
                    "source": st.just("assumption"),
                }
            ),
            max_size=3,
        ),
        "cooperative.financing.receivable_financing": st.one_of(
            st.none(),
            st.fixed_dictionaries({"share": st.floats(min_value=0.01, max_value=1), "annual_rate": st.floats(min_value=0, max_value=0.2)}),
        ),
        "cooperative.financing.overdraft_annual_rate": st.floats(min_value=0, max_value=0.3),
        "cooperative.recover_over_compensation": st.booleans(),  # the clause de reversement's repayments
        "viability.compensation_margin_share": st.floats(min_value=0, max_value=0.3),
        "cooperative.public_funding.0.advance_at_signature_share": st.floats(min_value=0, max_value=1),
        "cooperative.public_funding.3.advance_at_signature_share": st.floats(min_value=0, max_value=1),
        # Costs of employment and of the structure (each a cash outflow that must be counted).
        "activities.sectors.1.at_mp_rate": st.one_of(st.none(), st.floats(min_value=0, max_value=0.1)),
        "activities.sectors.1.insurance_eur_per_month": st.floats(min_value=0, max_value=300),
        "activities.sectors.0.vat_exempt_share": st.floats(min_value=0, max_value=1),
        "territory.versement_mobilite_rate": st.floats(min_value=0, max_value=0.02),
        "payroll.employer_size_follows_headcount": st.booleans(),
        "cooperative.mutuelle_employer_eur_per_month": st.floats(min_value=0, max_value=80),
        "cooperative.occupational_health_eur_per_year": st.floats(min_value=0, max_value=200),
        "cooperative.overheads_eur_per_fte_month": st.floats(min_value=0, max_value=500),
        "cooperative.legal_and_accounts_eur_per_year": st.floats(min_value=0, max_value=10000),
        "cooperative.payroll_outsourcing_eur_per_payslip": st.floats(min_value=0, max_value=30),
        "cooperative.staff.support_fte_per_100_entrepreneurs": st.floats(min_value=0, max_value=3),
        "cooperative.membership_dues": st.sampled_from([[], [{"name": "CG Scop", "rate": 0.003, "floor_eur_per_year": 900}],
                                                         [{"name": "Les CAE", "rate": 0.02, "base": "contributions", "floor_eur_per_year": 500}]]),
        "pathway.cape.min_income_gain_share_on_are": st.floats(min_value=0, max_value=1),
        # Issue 12: settlement instalments, RSA entrants and their funding, CAPE pay and fee, prestations.
        "pathway.cesa.settlement_instalments": st.integers(min_value=1, max_value=12),
        "pathway.prior_status.rsa_share": st.floats(min_value=0, max_value=0.3),
        "pathway.cape.remuneration_eur_per_month": st.sampled_from([0.0, 150.0, 700.55]),
        "pathway.cape.fee_eur_per_month": st.floats(min_value=0, max_value=120),
        "cooperative.public_funding.1.kind": st.sampled_from(["per_supported", "per_rsa_entrant"]),
        "cooperative.prestations": st.lists(
            st.fixed_dictionaries(
                {
                    "buyer": st.sampled_from(["France Travail", "Département"]),
                    "per": st.sampled_from(["accueil", "cape_entrant", "rsa_entrant", "supported"]),
                    "amount_eur": st.floats(min_value=0, max_value=3000),
                    "first_month": st.sampled_from(["2026-01", "2027-01", "2028-06"]),
                    "last_month": st.sampled_from(["2028-06", "2035-12"]),
                }
            ),
            max_size=2,
        ),
    }
)


def check_cash_and_people(scenario: simcoop.Scenario, replication: int, seed: int) -> None:
    out = run_model(scenario, replication_streams(seed, replication))
    m = out.monthly
    for name, values in m.items():
        if name.endswith("_cents"):
            assert np.array_equal(values, np.rint(values)), f"{name} is not in whole cents"
    # Cash: the consolidated cash moves only by external flows, month by month, to the cent.
    # Capital instalments are withheld from pay already counted in the salary costs, so
    # they come back in as an inflow; allocations paid are tax, part travail and interest.
    inflows = m["cash_received_cents"] + m["public_funding_cents"] + m["prestations_cents"] + m["capital_paid_in_cents"] + m["financing_received_cents"]
    outflows = (
        m["financing_repaid_cents"]
        + m["interest_cents"]
        +
        m["purchases_cents"]
        + m["gross_salaries_cents"]
        + m["employer_contributions_cents"]
        + m["activity_charges_cents"]
        + m["coop_costs_cents"]
        + m["exit_payouts_cents"]
        + m["capital_repaid_cents"]
        + m["allocations_paid_cents"]
    )
    cash = m["consolidated_cash_cents"]
    previous = np.concatenate([[out.initial_cash_cents + out.initial_activities_treasury_cents], cash[:-1]])
    assert np.array_equal(cash - previous, inflows - outflows)
    assert np.array_equal(cash, m["coop_ledger_cents"] + m["activities_treasury_cents"])
    assert np.array_equal(m["coop_treasury_cents"], m["coop_ledger_cents"] - m["advances_cents"])
    # Every invoiced cent is either received or still due.
    assert m["turnover_cents"].sum() == m["cash_received_cents"].sum() + m["receivables_cents"][-1]
    # Salary costs split exactly into gross and employer contributions; none in CAPE-only runs.
    assert (m["gross_salaries_cents"] >= 0).all() and (m["employee_contributions_cents"] >= 0).all()
    # CSG and CRDS are part of the employee contributions, shown apart.
    assert (m["csg_crds_cents"] >= 0).all() and (m["csg_crds_cents"] <= m["employee_contributions_cents"] + 1).all()
    # Public funding: all that is earned is received or still due, per month and in total.
    assert m["public_funding_earned_cents"].sum() == m["public_funding_cents"].sum() + m["funding_receivable_cents"][-1]
    assert np.array_equal(out.funding_received.sum(axis=0), m["public_funding_cents"])
    # Financing: every instrument is received in full and what is still owed is what was not
    # yet repaid; convention advances are settled by earnings or paid back; the treasury
    # before financing differs from the own treasury by exactly the financing's net cash.
    plan = scenario.cooperative.financing
    horizon = len(cash)
    received = sum(
        round(i.amount_eur * 100)
        for i in plan.instruments
        if i.received_month is None or _offset(scenario.meta.start_month, i.received_month) < horizon
    )
    owed = m["quasi_equity_cents"][-1] + m["debt_outstanding_cents"][-1]
    assert received + (m["financing_received_cents"].sum() - received) - m["financing_repaid_cents"].sum() == owed
    assert (m["quasi_equity_cents"] >= 0).all() and (m["debt_outstanding_cents"] >= -0.0).all()
    assert (m["convention_advances_cents"] >= 0).all()
    net = np.cumsum(m["financing_received_cents"] - m["financing_repaid_cents"] - m["interest_cents"])
    assert np.array_equal(m["coop_treasury_cents"] - m["treasury_before_financing_cents"], net + m["convention_advances_cents"])
    # Capital: opening capital + instalments = capital held + capital owed to leavers + repaid.
    capital_in = np.cumsum(m["capital_paid_in_cents"])
    repaid = np.cumsum(m["capital_repaid_cents"])
    opening = out.initial_capital_cents
    roster_associes = sum(e.stage == "associe" for e in scenario.warm_start.entrepreneurs)
    assert opening == round(scenario.opening_capital_eur * 100) + roster_associes * round(scenario.pathway.associe.capital_subscription_eur * 100)
    assert np.array_equal(opening + capital_in, m["capital_cents"] + m["capital_to_repay_cents"] + repaid)
    assert (m["capital_cents"] >= 0).all()
    # Each closing allocates the result to the cent, and what is allocated for payment is
    # paid or still payable.
    closing = m["closing_result_cents"]
    allocated = (
        m["corporate_tax_cents"] + m["part_travail_cents"] + m["interest_on_capital_cents"]
        + m["legal_reserve_allocated_cents"] + m["statutory_reserves_allocated_cents"]
    )  # fmt: skip
    profit = closing > 0
    absorbed = closing[profit] - allocated[profit]
    assert (absorbed >= 0).all()  # the rest of a profit absorbs past losses
    payable = m["corporate_tax_cents"] + m["part_travail_cents"] + m["interest_on_capital_cents"]
    assert payable.sum() == m["allocations_paid_cents"].sum() + m["allocations_payable_cents"][-1]
    # Own funds move only by the result, capital movements and allocations paid out.
    own = m["own_funds_cents"]
    result = m["contributions_cents"] + m["public_funding_earned_cents"] + m["prestations_cents"] - m["coop_costs_cents"] - m["exit_losses_cents"] - m["interest_cents"]
    capital_change = m["capital_cents"] - np.concatenate([[opening], m["capital_cents"][:-1]])
    assert np.array_equal(own - np.concatenate([[out.initial_cash_cents], own[:-1]]), result + capital_change - payable)

    # People: accueils = not entered + lost waiting + entered + in diagnostic or waiting at the end.
    people = out.people
    n = len(people["entrepreneur_id"])
    roster = int(m["roster_starts"].sum())
    assert roster == int(people["from_roster"].sum())
    assert m["accueils"].sum() == m["accueils_not_entered"].sum() + m["accueils_lost_waiting"].sum() + (n - roster) + out.entries_pending_at_end
    assert out.entries_pending_at_end >= m["n_waiting"][-1]
    direct = int(((people["first_stage"] == CESA) & (people["from_roster"] == 0)).sum())
    assert m["cape_entries"].sum() + direct + roster == n
    # Entries = in stock + exited, at the end of every month.
    entered = np.cumsum(m["roster_starts"]) + np.cumsum(m["cape_entries"]) + np.cumsum(m["cesa_entries"]) - _cumulative_conversions(out)
    stock = m["n_cape"] + m["n_cesa"] + m["n_associe"]
    assert np.array_equal(entered, stock + m["n_exited"])
    assert np.array_equal(np.cumsum(m["exits"]), m["n_exited"])
    assert m["exits"].sum() == m["exits_own_company"].sum() + m["exits_salaried_job"].sum() + m["exits_stop"].sum()
    # Every exit has one motive: the destination's own for hazard exits, or a motive of its own.
    events = out.events
    exits = events[events[:, 3] == SORTIE]
    motives = np.bincount(exits[:, 4], minlength=len(REASONS))
    for code, column in MOTIVE_FLOWS.items():
        assert motives[code] == m[column].sum(), column
    # Every person's events form a chain, ending in their final stage.
    for pid in range(n):
        rows = events[events[:, 0] == pid]
        assert rows[0, 2] == 0  # starts from accueil
        assert (rows[1:, 2] == rows[:-1, 3]).all()
        assert (np.diff(rows[:, 1]) >= 0).all()
        assert rows[-1, 3] == people["final_stage"][pid]
        if rows[-1, 3] == SORTIE:
            assert people["exit_month"][pid] == rows[-1, 1]


def _offset(start: str, month: str) -> int:
    y0, m0 = (int(x) for x in start.split("-"))
    y1, m1 = (int(x) for x in month.split("-"))
    return (y1 - y0) * 12 + (m1 - m0)


def _cumulative_conversions(out) -> np.ndarray:  # noqa: ANN001
    """Conversions CAPE -> CESA by month (they are cesa_entries but not new people)."""
    events = out.events
    horizon = len(out.monthly["accueils"])
    conv = events[(events[:, 2] == CAPE) & (events[:, 3] == CESA)]
    return np.cumsum(np.bincount(conv[:, 1], minlength=horizon)[:horizon])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=scenario_changes, seed=st.integers(min_value=0, max_value=2**32), replication=st.integers(0, 50))
def test_money_and_people_are_conserved_on_random_scenarios(changes: dict, seed: int, replication: int) -> None:
    scenario = small_scenario().replace(changes)
    check_cash_and_people(scenario, replication, seed)


def test_conserved_on_the_reference_scenario() -> None:
    scenario = simcoop.load_scenario(simcoop.default_scenario_path())
    for r in range(3):
        check_cash_and_people(scenario, r, seed=11)


def test_tables_agree_with_the_cents() -> None:
    """The tidy euros are the model's cents / 100, and yearly sums the months."""
    results = simcoop.simulate(small_scenario(), replications=3, seed=5)
    monthly, yearly = results.monthly, results.yearly
    by_year = monthly.assign(year=monthly["date"].dt.year).groupby(["replication", "year"])["turnover_eur"].sum()
    assert np.allclose(by_year.to_numpy(), yearly.set_index(["replication", "year"])["turnover_eur"].to_numpy(), atol=0.005)
    cents = (monthly["coop_result_eur"] * 100).round()
    expected = (
        (monthly["contributions_eur"] + monthly["public_funding_earned_eur"] - monthly["coop_costs_eur"] - monthly["exit_losses_eur"]
         - monthly["interest_eur"]) * 100
    ).round()
    assert (cents == expected).all()
