"""The reference scenario lands where the published figures on French CAE put a new CAE (issue 12).

Year 10, medians over a modest number of replications: active entrepreneurs 50-130, CAPE
share of actives 30-55 %, public share of the budget in year 5 35-60 %, turnover per active
entrepreneur 15-35 k€ (docs/sources.md has the derivation). And the reality check flags a
scenario that grows past what existing CAE show.
"""

from __future__ import annotations

import pytest

import simcoop
from simcoop.reality import reality_check, reality_sentence_fr

REPLICATIONS = 12


@pytest.fixture(scope="module")
def reference() -> simcoop.Results:
    scenario = simcoop.load_scenario(simcoop.default_scenario_path())
    return simcoop.simulate(scenario, replications=REPLICATIONS, seed=2027)


def test_reference_year_10_is_within_the_published_ranges(reference: simcoop.Results) -> None:
    monthly, yearly = reference.monthly, reference.yearly
    last = monthly[monthly["month"] == monthly["month"].max()]
    year_10 = yearly[yearly["year"] == yearly["year"].max()]
    year_5 = yearly[yearly["year"] == sorted(yearly["year"].unique())[4]]
    active = float(last["n_active"].median())
    cape_share = float((last["n_cape"] / last["n_active"]).median())
    public_share = float(year_5["public_share_of_budget"].median())
    turnover_per_active = float((year_10["turnover_eur"] / year_10["active_end"]).median())
    assert 50 <= active <= 130, active
    assert 0.30 <= cape_share <= 0.55, cape_share
    assert 0.35 <= public_share <= 0.60, public_share
    assert 15_000 <= turnover_per_active <= 35_000, turnover_per_active


def test_reality_check_passes_on_the_reference_and_flags_a_runaway_scenario(reference: simcoop.Results) -> None:
    rows = reference.reality_check()
    assert {r.measure for r in rows} >= {"cape_share", "turnover_per_entrepreneur_eur", "public_share", "entrepreneurs_per_1000_inhabitants"}
    assert all(r.within for r in rows), [r for r in rows if not r.within]
    # Three times the accueils, everyone entering, nobody in CAPE long: past what CAE show.
    runaway = reference.scenario.replace(
        {"territory.accueils_per_year_at_maturity": 600, "pathway.entry_share": 0.6, "pathway.direct_cesa_share": 0.9,
         "cooperative.staff.max_caseload_per_fte": 200, "cooperative.staff.hire_above_caseload_per_fte": 150}
    )
    results = simcoop.simulate(runaway, replications=3, seed=1)
    flagged = {r.measure for r in reality_check(runaway.to_dict(), results.monthly, results.yearly) if not r.within}
    assert {"active_entrepreneurs", "cape_share"} <= flagged
    sentence = reality_sentence_fr(results.reality_check())
    assert sentence.startswith("Ce scénario dépasse ce qu'on observe dans les CAE existantes : ")
    assert "part des entrepreneurs en CAPE" in sentence


def _employer_rate_by_calendar_month(monthly):  # type: ignore[no-untyped-def]
    calendar = monthly["date"].astype(str).str[5:7].astype(int)
    sums = monthly.groupby(calendar)[["employer_contributions_eur", "gross_salaries_eur"]].sum()
    return sums["employer_contributions_eur"] / sums["gross_salaries_eur"]


def test_june_employer_cost_rate_is_within_one_and_a_half_points_of_the_other_months(reference: simcoop.Results) -> None:
    """Issue 12: the June settlement of the variable part no longer makes June's employer cost jump.

    The settlement is paid in twelve monthly instalments (pathway.cesa.settlement_instalments)
    and the réduction générale is annual with progressive regularisation; paid at once, the
    same settlement bears the full rates and the relief it loses in June alone.
    """
    rate = _employer_rate_by_calendar_month(reference.monthly)
    others = rate.drop(index=6)
    assert abs(rate[6] - others.mean()) <= 0.015, rate.round(4).to_dict()
    assert (reference.monthly["settlement_pay_eur"] > 0).groupby(reference.monthly["date"].astype(str).str[5:7]).any().all()
    at_once = simcoop.simulate(reference.scenario.replace({"pathway.cesa.settlement_instalments": 1}), replications=2, seed=2027)
    lump = at_once.monthly
    assert (lump.loc[lump["settlement_pay_eur"] > 0, "date"].astype(str).str[5:7] == "06").all()
    lump_rate = _employer_rate_by_calendar_month(lump)
    assert lump_rate[6] > lump_rate.drop(index=6).mean() + 0.05
