"""Warm start: a run that starts from the entrepreneurs present in an operating CAE."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import simcoop
from simcoop.model import run_model
from simcoop.model.params import ASSOCIE, CAPE, CESA
from simcoop.streams import replication_streams
from tests.conftest import SCENARIOS
from tests.test_conservation import check_cash_and_people

EXAMPLE = SCENARIOS / "warm_start_example.yaml"


def test_the_first_month_matches_the_roster() -> None:
    scenario = simcoop.load_scenario(EXAMPLE)
    roster = scenario.warm_start.entrepreneurs
    assert len(roster) == 8
    for r in range(5):
        out = run_model(scenario, replication_streams(7, r))
        m, people = out.monthly, out.people
        assert m["roster_starts"][0] == 8 and m["roster_starts"][1:].sum() == 0
        # People of the roster, by stage, before any change of the first month.
        first = people["first_stage"][people["from_roster"] == 1]
        assert (first == CAPE).sum() == 3 and (first == CESA).sum() == 3 and (first == ASSOCIE).sum() == 2
        # End of month 0: the roster, plus who entered, minus who left, stage by stage.
        events = out.events
        month0 = events[events[:, 1] == 0]
        for stage, key in ((CAPE, "n_cape"), (CESA, "n_cesa"), (ASSOCIE, "n_associe")):
            arrived = int((month0[:, 3] == stage).sum())
            left = int((month0[:, 2] == stage).sum() - ((month0[:, 2] == stage) & (month0[:, 3] == stage)).sum())
            assert m[key][0] == arrived - left
        # The opening cash: the cooperative's treasury and capital, and the activities' treasuries.
        assert out.initial_activities_treasury_cents == sum(e.treasury_eur for e in roster) * 100
        assert m["capital_cents"][0] == (30000 + 2 * 1000) * 100 + m["capital_paid_in_cents"][0]
        # Turnover in month 0 follows the roster's recent turnover (noise of mean 1).
        assert 0.4 < m["turnover_cents"][0] / (sum(e.monthly_turnover_eur for e in roster) * 100) < 2.5


def test_warm_start_conserves_money_and_people() -> None:
    scenario = simcoop.load_scenario(EXAMPLE)
    for r in range(3):
        check_cash_and_people(scenario, r, seed=5)


def test_associes_of_the_roster_keep_their_deadline_and_capital() -> None:
    out = run_model(simcoop.load_scenario(EXAMPLE), replication_streams(1, 0))
    people = out.people
    roster = people["from_roster"] == 1
    assert (people["entry_month"][roster] < 0).all()
    assert (people["associe_month"][roster][-2:] < 0).all()


def test_a_broken_roster_names_its_file_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "roster.csv").write_text(
        "entrepreneur_id,stage,entry_month,cesa_month,associe_month,sector,monthly_turnover_eur\n"
        "A1,cape,2026-09,,,conseil_formation,900\n"
        "A2,cape,2026-05,,,conseil_formation,beaucoup\n",
        encoding="utf-8",
    )
    text = EXAMPLE.read_text(encoding="utf-8").replace("roster_example.csv", "roster.csv")
    scenario_path = tmp_path / "s.yaml"
    scenario_path.write_text(text, encoding="utf-8")
    with pytest.raises(simcoop.ScenarioError) as info:
        simcoop.load_scenario(scenario_path)
    problem = info.value.problems[0]
    assert problem.source.endswith("roster.csv") and problem.line == 3 and problem.key_path == "monthly_turnover_eur"
    assert "expected a number" in problem.message


def test_a_roster_sector_must_exist(tmp_path: Path) -> None:
    (tmp_path / "roster.csv").write_text(
        "entrepreneur_id,stage,entry_month,cesa_month,associe_month,sector,monthly_turnover_eur\n"
        "A1,cesa,2026-09,2026-10,,boulangerie,900\n",
        encoding="utf-8",
    )
    text = EXAMPLE.read_text(encoding="utf-8").replace("roster_example.csv", "roster.csv")
    (tmp_path / "s.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(simcoop.ScenarioError, match="sector 'boulangerie' is not a sector"):
        simcoop.load_scenario(tmp_path / "s.yaml")


def test_results_of_a_warm_start_run() -> None:
    results = simcoop.simulate(simcoop.load_scenario(EXAMPLE), replications=4, seed=3)
    assert (results.monthly.groupby("replication")["roster_starts"].sum() == 8).all()
    first_year = results.yearly[results.yearly["year"] == 2027]
    assert (first_year["supported"] >= 8).all()
    # The roster counts in its stages from month 0: 3 CESA + 2 associés salaried, 2 associés.
    assert (first_year["salaried"] >= 5).all() and (first_year["associes"] >= 2).all()
    assert (first_year["supported"] >= first_year["active_end"]).all()
    assert np.isfinite(results.kpis["final_coop_treasury_eur"]).all()
