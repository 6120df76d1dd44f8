"""The output contract: tables, columns, meanings, and the run folder on disk."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import simcoop
from simcoop.results import break_even_month
from tests.conftest import small_scenario

MONTHLY_REQUIRED = (
    "replication month date accueils cape_entries cesa_entries associe_entries exits n_cape n_cesa n_associe "
    "turnover_eur contributions_eur public_funding_eur coop_costs_eur coop_result_eur coop_treasury_eur "
    "activities_treasury_eur gross_salaries_eur"
).split()
YEARLY_REQUIRED = "replication year accueils supported salaried associes turnover_eur exits coop_result_eur public_funding_eur".split()
EVENTS_REQUIRED = "replication entrepreneur_id month from_stage to_stage reason".split()


@pytest.fixture(scope="module")
def results() -> simcoop.Results:
    return simcoop.simulate(small_scenario(**{"meta.horizon_months": 30}), replications=4, seed=8)


def test_tables_have_the_contract_columns(results: simcoop.Results) -> None:
    assert set(MONTHLY_REQUIRED) <= set(results.monthly.columns)
    assert set(YEARLY_REQUIRED) <= set(results.yearly.columns)
    assert set(EVENTS_REQUIRED) <= set(results.events.columns)
    assert len(results.monthly) == 4 * 30
    assert (results.monthly["scenario"] == "small").all()
    assert results.monthly["date"].iloc[0] == pd.Timestamp("2027-01-01")


def test_yearly_counts_people_the_way_cae_report_them(results: simcoop.Results) -> None:
    y = results.yearly
    assert (y["supported"] >= y["salaried"]).all()
    assert (y["salaried"] >= y["associes"]).all()
    # Everyone present at the end of a year was supported during it.
    assert (y["supported"] >= y["active_end"]).all()
    assert y.groupby("replication")["months"].sum().eq(30).all()
    # Supported in a year = present at the start of the year + entered during it, from the events.
    ev = results.events
    for (rep, year), row in y.set_index(["replication", "year"]).iterrows():
        mine = ev[ev["replication"] == rep]
        entered = mine[mine["from_stage"] == "accueil"].groupby("entrepreneur_id")["date"].min()
        left = mine[mine["to_stage"] == "sortie"].set_index("entrepreneur_id")["date"]
        start, end = pd.Timestamp(f"{year}-01-01"), pd.Timestamp(f"{year}-12-01")
        exit_date = left.reindex(entered.index)
        present = (entered <= end) & (exit_date.isna() | (exit_date >= start))
        assert int(present.sum()) == row["supported"]


def test_stocks_are_exclusive(results: simcoop.Results) -> None:
    m = results.monthly
    ev = results.events
    last = ev.sort_values(["replication", "month"]).groupby(["replication", "entrepreneur_id"])["to_stage"].last()
    for rep in range(4):
        end = m[(m["replication"] == rep) & (m["month"] == 29)].iloc[0]
        stages = last.loc[rep].value_counts()
        assert end["n_cape"] == stages.get("cape", 0)
        assert end["n_cesa"] == stages.get("cesa", 0)
        assert end["n_associe"] == stages.get("associe", 0)


def test_summary_has_quantiles_for_every_kpi(results: simcoop.Results) -> None:
    s = results.summary()
    assert {"kpi", "mean", "p5", "p50", "p95"} <= set(s.columns)
    assert set(s["kpi"]) == set(simcoop.results.KPI_LABELS)
    row = s.set_index("kpi").loc["turnover_eur"]
    assert row["p5"] <= row["p50"] <= row["p95"]
    assert "replications" in results._repr_html_()


def test_break_even_month() -> None:
    assert break_even_month(np.ones(24)) == 11
    assert break_even_month(-np.ones(24)) is None
    values = np.concatenate([-np.ones(12) * 10, np.ones(24) * 10])
    # Rolling sums become positive once more than half the window is positive: month 18.
    assert break_even_month(values) == 18
    assert break_even_month(np.ones(5)) is None


def test_save_and_load_round_trip(results: simcoop.Results, tmp_path: Path) -> None:
    folder = results.save(tmp_path / "run")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 8 and manifest["replications"] == 4
    assert manifest["scenario_hash"] == results.scenario.scenario_hash()
    assert manifest["scenario"]["meta"]["name"] == "small"
    again = simcoop.load_results(folder)
    pd.testing.assert_frame_equal(again.yearly, results.yearly)
    pd.testing.assert_frame_equal(again.monthly, results.monthly)
    csv = pd.read_csv(folder / "monthly.csv", parse_dates=["date"])
    assert np.allclose(csv["turnover_eur"], results.monthly["turnover_eur"])


def test_interrupted_save_keeps_the_previous_run(results: simcoop.Results, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "run"
    results.save(target)
    before = (target / "kpis.csv").read_bytes()

    def boom(self: simcoop.Results, folder: Path) -> None:
        (folder / "kpis.csv").write_text("half", encoding="utf-8")
        raise KeyboardInterrupt

    monkeypatch.setattr(simcoop.Results, "_write", boom)
    with pytest.raises(KeyboardInterrupt):
        results.save(target)
    assert (target / "kpis.csv").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["run"]
