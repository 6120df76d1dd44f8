"""The two-layer verdict: economic viability (with the compensation check) and cash sustainability."""

from __future__ import annotations

import simcoop
from simcoop.report.data import load_run
from simcoop.report.tables import conditions_text
from tests.conftest import small_scenario

CRITERIA = {"viability.break_even_by_year": 3, "viability.public_share_year": 2, "viability.max_public_share": 0.9}
# An EPCI convention large enough to carry the costs a real CAE pays (issue 12), so that the
# small CAE is economically viable and only its start-up cash is at stake (60 kEUR with the
# reference's funding plan of issue 11; more would put the public share at its ceiling).
FUNDED = {"cooperative.public_funding.2.amount_eur": 60000}
PLAN = [{"name": "France Active", "kind": "quasi_equity", "amount_eur": 400000, "annual_rate": 0.0,
         "deferral_months": 60, "duration_months": 60, "source": "assumption"}]  # fmt: skip


def test_a_scenario_that_balances_only_by_over_compensation_is_unfavourable() -> None:
    # Public subsidies far above the structure's whole costs: the cash and the result hold,
    # but no funder may pay that (Décision 2012/21/UE arts. 5-6).
    scenario = small_scenario(
        **CRITERIA,
        **{"cooperative.public_funding": [{"funder": "Région", "amount_eur": 1_500_000, "first_month": "2027-01", "last_month": "2029-12"}],
           "cooperative.recover_over_compensation": False},  # no clause de reversement: the funder pays it all
    )
    verdict = simcoop.simulate(scenario, replications=10, seed=3).verdict()
    assert verdict.criterion("insolvency").met  # the cash is fine ...
    assert verdict.outcome == "unfavourable"  # ... and it is still not viable
    assert verdict.layers["economic"]["viable"] is False
    assert [c["key"] for c in verdict.conditions][0] == "relies_on_over_compensation"
    assert verdict.criterion("compensation").detail["max_public_to_costs"]["p50"] > 1.0


def test_the_clause_de_reversement_takes_the_over_compensation_back_at_each_closing() -> None:
    # The same over-funded scenario with the clause: what exceeds the net cost plus the margin
    # is taken off each year's funding earned and paid back, so no year is over-compensated
    # and the compensation check holds in every simulation.
    scenario = small_scenario(
        **CRITERIA,
        **{"cooperative.public_funding": [{"funder": "Région", "amount_eur": 1_500_000, "first_month": "2027-01", "last_month": "2029-12"}],
           "cooperative.recover_over_compensation": True},
    )
    results = simcoop.simulate(scenario, replications=5, seed=3)
    yearly = results.yearly
    assert (yearly["over_compensation_eur"] <= 0.01).all()
    costs = yearly["coop_costs_eur"] + yearly["exit_losses_eur"] + yearly["interest_eur"]
    margin = scenario.viability.compensation_margin_share
    assert (yearly["public_funding_earned_eur"] <= yearly["net_cost_eur"] + margin * costs + 0.01).all()
    recovered = results.monthly.groupby("replication")["public_funding_recovered_eur"].sum()
    assert (recovered > 1_000_000).all()  # most of the 1.5 MEUR a year went back
    verdict = results.verdict()
    assert verdict.criterion("compensation").value == 1.0 and verdict.outcome != "unfavourable"


def test_a_financing_plan_that_covers_the_need_gives_a_favourable_avis() -> None:
    scenario = small_scenario(**CRITERIA, **FUNDED, **{"viability.compensation_margin_share": 0.5, "cooperative.financing.instruments": PLAN})
    verdict = simcoop.simulate(scenario, replications=40, seed=7).verdict()
    cash = verdict.layers["cash"]
    assert cash["startup_need_eur"]["p50"] > 0  # the need is measured before the plan ...
    assert cash["financing_plan_eur"] == 400000 and cash["sustainable"]  # ... which covers it
    assert verdict.criterion("insolvency").value == 0.0
    assert verdict.outcome == "favourable", verdict.to_dict()["conditions"]


def test_without_the_plan_the_condition_names_the_amount_and_when(tmp_path) -> None:  # noqa: ANN001
    scenario = small_scenario(**CRITERIA, **FUNDED, **{"viability.compensation_margin_share": 0.5,
                                                       "cooperative.financing.instruments": []})  # without the plan
    results = simcoop.simulate(scenario, replications=40, seed=7)
    verdict = results.verdict()
    assert verdict.outcome == "favourable_under_conditions"
    need = next(c for c in verdict.conditions if c["key"] == "financing_need")
    assert need["amount_eur"] > 0 and need["amount_eur"] % 5000 == 0 and need["by_month"] == "2027-01"
    # The amount is what the simulations say: the one-off amount at opening that avoids the
    # rupture in all but the tolerated share of simulations.
    shortfall = results.kpis["cash_shortfall_eur"]
    assert (shortfall <= need["amount_eur"]).mean() >= 0.9
    results.save(tmp_path / "run")
    text = " ".join(conditions_text(load_run(tmp_path / "run")))
    assert "avant l'ouverture (janvier 2027)" in text and "k€" in text and "simcoop" not in text


def test_a_required_funder_that_never_commits_means_no_opening() -> None:
    scenario = small_scenario(
        **{"creation": {"partners": [{"funder": "Région", "probability": 0.0, "decision_month": "2026-06"}],
                        "go_decision": {"required_funders": ["Région"], "max_postponements": 2}}}
    )  # fmt: skip
    results = simcoop.simulate(scenario, replications=8, seed=1)
    assert (results.kpis["opened"] == 0).all()
    verdict = results.verdict()
    go = verdict.layers["go"]
    assert go["p_go"] == 0.0 and go["never_committed"] == ["Région"]
    assert verdict.outcome == "unfavourable"
    assert verdict.conditions == ({"key": "no_go", "never_committed": ["Région"]},)


def test_the_gate_opens_when_the_partners_commit_and_postpones_otherwise() -> None:
    scenario = small_scenario(
        **{"creation": {"partners": [{"funder": "Région", "probability": 0.5, "decision_month": "2026-06"}],
                        "go_decision": {"required_funders": ["Région"], "postpone_months": 6, "max_postponements": 1}}}
    )  # fmt: skip
    results = simcoop.simulate(scenario, replications=40, seed=2)
    kpis = results.kpis
    go = results.verdict().layers["go"]
    assert 0 < go["p_go"] < 1 and go["opened"] == int(kpis["opened"].sum())
    assert set(kpis.loc[kpis["opened"] == 1, "opening_delay_months"]) == {0, 6}
    # Opened simulations all have the Région's conventions; the verdict reads only those.
    assert results.verdict().replications == go["opened"]


def test_the_committed_share_counts_funders_that_are_not_partners() -> None:
    # Planned first year: Région 60 k€ (a partner that never commits) + EPCI 40 k€ (no
    # decision to wait for): 40 % is committed, enough for a 0.4 threshold, not for 0.5.
    conventions = [
        {"funder": "Région", "amount_eur": 60000, "first_month": "2027-01", "last_month": "2029-12"},
        {"funder": "EPCI", "amount_eur": 40000, "first_month": "2027-01", "last_month": "2029-12"},
    ]
    partners = [{"funder": "Région", "probability": 0.0, "decision_month": "2026-06"}]
    for threshold, opens in ((0.4, 1), (0.5, 0)):
        scenario = small_scenario(
            **{"cooperative.public_funding": conventions,
               "creation": {"partners": partners, "go_decision": {"min_committed_share": threshold}}}
        )  # fmt: skip
        assert set(simcoop.simulate(scenario, replications=3, seed=1).kpis["opened"]) == {opens}


def test_the_two_layer_rule_is_the_one_rule_from_counts() -> None:
    """``assess``, ``outcome_from_counts`` and the ranking's outcome key are one rule: break-even
    missed or reliance on over-compensation is unfavourable, a rupture risk above its threshold
    only a condition."""
    import numpy as np

    from simcoop.studies.ranking import outcome_keys, replication_sample
    from simcoop.verdict import OUTCOMES, Counts, outcome_from_counts

    v = small_scenario().viability
    # Every simulation breaks even, none over-compensates, but all of them run out of cash: a condition, not a refusal.
    counts = Counts(40, insolvent=40, break_even_reached=40, public_share_ok=40, public_share_checked=40,
                    break_even_in_horizon=True, compensation_clean=40)  # fmt: skip
    assert outcome_from_counts(counts, v) == "favourable_under_conditions"
    assert outcome_from_counts(Counts(40, 0, 40, 40, 40, True, 40, relies_on_over_compensation=True), v) == "unfavourable"
    assert outcome_from_counts(Counts(40, 0, 0, 40, 40, True, 40), v) == "unfavourable"
    assert outcome_from_counts(Counts(40, 0, 40, 40, 40, True, 40), v) == "favourable"
    # A quarter of the simulations never pay their way: above the 10 % tolerated, a condition
    # (no start-up financing covers a lasting deficit); within a 30 % tolerance, favourable.
    assert outcome_from_counts(Counts(80, 0, 60, 80, 80, True, 80, rupture_base=60), v) == "favourable_under_conditions"
    tolerant = small_scenario(**{"viability.max_non_viable_probability": 0.3}).viability
    assert outcome_from_counts(Counts(80, 0, 60, 80, 80, True, 80, rupture_base=60), tolerant) == "favourable"
    for scenario in (small_scenario(**CRITERIA), small_scenario(**CRITERIA, **{"cooperative.financing.instruments": PLAN})):
        results = simcoop.simulate(scenario, replications=12, seed=5)
        verdict = results.verdict()
        identity = np.arange(len(results.kpis))[None, :]
        assert OUTCOMES[int(outcome_keys(replication_sample(results), identity)[0, 0])] == verdict.outcome


def test_a_lasting_deficit_is_the_economic_risk_not_a_start_up_need() -> None:
    """Simulations that never pay their way (a CAE whose activities earn too little) do not
    inflate the start-up need, the rupture risk or the amount to secure: those are read on the
    simulations at break-even; the others are the economic risk, a condition of their own."""
    from types import SimpleNamespace

    import numpy as np

    from simcoop.verdict import assess

    scenario = small_scenario(**CRITERIA, **FUNDED, **{"viability.compensation_margin_share": 0.5,
                                                       "cooperative.financing.instruments": []})  # fmt: skip
    results = simcoop.simulate(scenario, replications=40, seed=7)
    before = results.verdict()
    assert before.layers["economic"]["non_viable_probability"] <= 0.1  # the small CAE pays its way
    kpis = results.kpis.copy()
    lasting = kpis["replication"] < 10  # a quarter of the futures: a deficit that grows to the horizon
    kpis["break_even_month"] = kpis["break_even_month"].astype("Float64")
    kpis.loc[lasting, "break_even_month"] = None
    for column in ("startup_need_eur", "cash_shortfall_eur"):
        kpis.loc[lasting, column] = 5_000_000.0
    kpis.loc[lasting, "insolvent"] = 1
    mixed = assess(SimpleNamespace(scenario=scenario, kpis=kpis, yearly=results.yearly, events=results.events))
    viable = ~lasting.to_numpy() & (before.criterion("break_even").detail["deadline_month"] >= np.nan_to_num(
        results.kpis["break_even_month"].astype(float).to_numpy(), nan=np.inf))  # fmt: skip
    cash = mixed.layers["cash"]
    assert cash["read_on_replications"] == int(viable.sum()) and cash["replications"] == 40
    assert cash["startup_need_eur"]["p90"] < 5_000_000 and cash["amount_to_secure_eur"] < 5_000_000
    expected = results.kpis.loc[viable, "insolvent"].mean()
    assert mixed.criterion("insolvency").value == expected
    assert mixed.criterion("insolvency").detail["insolvent_replications_all"] >= 10
    risk = next(c for c in mixed.conditions if c["key"] == "economic_risk")
    assert risk["probability"] == 1 - viable.mean() > 0.25 - 1e-9
    assert mixed.outcome == "favourable_under_conditions"
