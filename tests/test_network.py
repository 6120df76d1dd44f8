"""The network scenario: loading, totals as sums of members, CAE open from their opening, votes, CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from simcoop.cli import main
from simcoop.network import NETWORK_MEASURES, governance_table, load_network, simulate_network
from simcoop.scenario import ScenarioError
from tests.conftest import SCENARIOS, small_scenario


def _write_network(tmp_path: Path, **changes: Any) -> Path:
    """A three-CAE network on the small scenario (36 months), with two group B partners."""
    (tmp_path / "base.yaml").write_text(
        yaml.safe_dump(small_scenario().to_dict(), allow_unicode=True), encoding="utf-8"
    )
    data: dict[str, Any] = {
        "name": "petit réseau",
        "base": "base.yaml",
        "end_month": "2029-06",
        "simulation": {"replications": 3, "seed": 7},
        "members": [
            {"name": "Alpha", "opening_month": "2027-01", "shares": 2},
            {"name": "Beta", "opening_month": "2027-07", "overrides": {"territory.accueils_per_year_at_maturity": 90}},
            {"name": "Gamma", "opening_month": "2028-01", "overrides": {"cooperative.staff.fte_at_opening": 1.0}},
        ],
        "partners": [
            {"name": "Région", "group": "B", "shares": 10, "joins": "2027-01"},
            {"name": "Banque", "group": "B", "shares": 1, "joins": "2028-03"},
        ],
    }
    data.update(changes)
    path = tmp_path / "network.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = _write_network(tmp_path_factory.mktemp("network"))
    return simulate_network(load_network(path))


def test_members_open_at_their_month_and_run_to_the_end(tmp_path: Path) -> None:
    network = load_network(_write_network(tmp_path))
    assert [m.opening_month for m in network.members] == ["2027-01", "2027-07", "2028-01"]
    assert [m.scenario.meta.horizon_months for m in network.members] == [30, 24, 18]
    assert network.years == [2027, 2028, 2029]
    beta = network.members[1].scenario
    assert beta.accueils_per_year == 90
    # The funding plan moves with the opening: the Région's convention starts at Beta's opening.
    assert beta.cooperative.public_funding[0].first_month == "2027-07"
    assert network.replications == 3 and network.seed == 7


def test_network_totals_are_the_sums_of_the_members_yearly_tables(run: Any) -> None:
    members = run.member_yearly
    assert set(members["member"]) == {"Alpha", "Beta", "Gamma"}
    for column in ("accueils", "supported", "salaried", "associes", "active_end", "turnover_eur", "public_funding_eur"):
        expected = members.groupby(["replication", "year"])[column].sum()
        got = run.yearly.set_index(["replication", "year"])[column]
        assert np.allclose(got.reindex(expected.index).to_numpy(dtype=float), expected.to_numpy(dtype=float)), column
    # Jobs: mean FTE over the calendar year, a member counting for its months in the year.
    fte = (members["jobs_fte"] * members["months"] / 12).groupby([members["replication"], members["year"]]).sum()
    got = run.yearly.set_index(["replication", "year"])["jobs_fte"]
    assert np.allclose(got.reindex(fte.index).to_numpy(dtype=float), fte.to_numpy(), atol=1e-3)


def test_cae_are_counted_open_from_their_opening(run: Any) -> None:
    by_year = run.yearly.groupby("year")
    assert by_year["cae_open"].unique().map(list).to_dict() == {2027: [2], 2028: [3], 2029: [3]}
    assert by_year["cae_opened"].first().to_dict() == {2027: 2, 2028: 1, 2029: 0}
    # Gamma has no row before 2028, and the network's 2027 is Alpha's plus Beta's.
    gamma = run.member_yearly[run.member_yearly["member"] == "Gamma"]
    assert gamma["year"].min() == 2028
    beta = run.member_yearly[run.member_yearly["member"] == "Beta"]
    assert set(beta.loc[beta["year"] == 2027, "months"]) == {6}
    assert (run.yearly["cae_insolvent"] <= run.yearly["cae_open"]).all()
    assert (run.yearly.groupby("replication")["cae_insolvent"].diff().dropna() >= 0).all()


def test_summary_gives_median_and_range_by_year_and_measure(run: Any) -> None:
    summary = run.summary()
    assert list(summary.columns) == ["network", "year", "measure", "mean", "p5", "p50", "p95"]
    assert len(summary) == 3 * len(NETWORK_MEASURES)
    row = summary[(summary["year"] == 2028) & (summary["measure"] == "active_end")].iloc[0]
    values = run.yearly.loc[run.yearly["year"] == 2028, "active_end"]
    assert row["p50"] == values.median() and row["p5"] <= row["p50"] <= row["p95"]


def test_governance_follows_the_membership(tmp_path: Path) -> None:
    gov = governance_table(load_network(_write_network(tmp_path)))
    first = gov.groupby("year").first()
    # 2027: Alpha, Beta (A) + Région (B): 1 of 3 B members = 33%: one member, one vote.
    assert first.loc[2027, ["n_group_a", "n_group_b"]].tolist() == [2, 1] and not first.loc[2027, "college"]
    assert gov[gov["year"] == 2027]["vote_share"].tolist() == pytest.approx([1 / 3] * 3)
    # 2028: + Gamma (A) + Banque (B): 2 of 5 = 40%: the college, split 10:1 by shares.
    y = gov[gov["year"] == 2028].set_index("member")
    assert bool(y["college"].iloc[0]) and y["group_b_share"].iloc[0] == pytest.approx(0.35)
    assert y.loc["Région", "vote_share"] == pytest.approx(0.35 * 10 / 11)
    assert y.loc["Alpha", "vote_share"] == pytest.approx(0.65 / 3)
    assert gov.groupby("year")["vote_share"].sum().to_numpy() == pytest.approx(1.0)


def test_same_seed_same_totals_whatever_jobs(tmp_path: Path, run: Any) -> None:
    again = simulate_network(load_network(_write_network(tmp_path)), jobs=2)
    pd.testing.assert_frame_equal(again.yearly, run.yearly)


def test_broken_network_files_say_where(tmp_path: Path) -> None:
    path = _write_network(
        tmp_path,
        members=[
            {"name": "Alpha", "opening_month": "2027-13"},
            {"name": "Beta", "overrides": {"territory.acceuils_per_year_at_maturity": 90}},
            {"name": "Beta", "opening": "2028-01"},
        ],
        partners=[{"name": "Région", "group": "C"}],
    )
    with pytest.raises(ScenarioError) as info:
        load_network(path)
    text = str(info.value)
    assert "members[0] (Alpha): opening_month: expected a month written YYYY-MM; got '2027-13'" in text
    assert "unknown key 'opening'; did you mean 'opening_month'?" in text
    assert "partners[0] (Région): group must be A or B; got 'C'" in text
    path = _write_network(
        tmp_path, members=[{"name": "Beta", "overrides": {"territory.acceuils_per_year_at_maturity": 90}}]
    )
    with pytest.raises(
        ScenarioError,
        match=r"territory.acceuils_per_year_at_maturity: no such key; did you mean 'accueils_per_year_at_maturity'\?",
    ):
        load_network(path)


def test_example_network_loads() -> None:
    network = load_network(SCENARIOS / "network_example.yaml")
    assert len(network.members) >= 5
    assert {m.opening_month[:4] for m in network.members} >= {"2027", "2028", "2029", "2030", "2031"}
    gov = governance_table(network).groupby("year").first()
    assert gov["college"].any() and not gov["college"].all()  # the example shows both regimes


def test_cli_writes_the_network_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write_network(tmp_path)
    out = tmp_path / "out"
    assert main(["network", str(path), "-n", "2", "-s", "3", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "petit réseau: 3 CAE, 2 replications, seed 3" in printed and "2029" in printed
    for name in (
        "network_yearly.csv",
        "network_summary.csv",
        "governance.csv",
        "members.csv",
        "members_yearly.csv",
        "manifest.json",
    ):
        assert (out / name).is_file(), name
    yearly = pd.read_csv(out / "network_yearly.csv")
    assert sorted(yearly["replication"].unique()) == [0, 1] and sorted(yearly["year"].unique()) == [2027, 2028, 2029]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "network" and manifest["seed"] == 3 and manifest["replications"] == 2
    # A different run into the same folder is refused (exit 2); --force replaces it.
    assert main(["network", str(path), "-n", "2", "-s", "4", "-o", str(out), "-q"]) == 2
    assert "holds a different network" in capsys.readouterr().err
    assert main(["network", str(path), "-n", "2", "-s", "4", "-o", str(out), "-q", "--force"]) == 0
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["seed"] == 4
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]  # no temporary folder left


def test_network_file_is_validated_as_a_model_with_lines_and_suggestions(tmp_path: Path) -> None:
    """The network file's keys are checked like a scenario's: a typo gets its line and the key meant."""
    path = _write_network(tmp_path, simulaton={"replications": 3})
    with pytest.raises(ScenarioError) as info:
        load_network(path)
    problem = next(p for p in info.value.problems if "simulaton" in p.key_path)
    assert "unknown key 'simulaton'; did you mean 'simulation'?" in problem.message
    assert problem.line == path.read_text(encoding="utf-8").splitlines().index("simulaton:") + 1
    path = _write_network(tmp_path, simulation={"replications": 0, "seed": 7})
    with pytest.raises(ScenarioError, match=r"simulation.replications: expected a whole number from 1 to 1000000; got 0"):
        load_network(path)
def test_identical_members_draw_independently(tmp_path: Path) -> None:
    """Two identical members are two CAE, not one drawn twice: their replications differ (independent streams)."""
    twins = [
        {"name": "Jumelle A", "opening_month": "2027-01"},
        {"name": "Jumelle B", "opening_month": "2027-01"},
    ]
    network = load_network(_write_network(tmp_path, members=twins, partners=[]))
    results = simulate_network(network, replications=3, seed=7)
    yearly = results.member_yearly.set_index(["member", "replication", "year"])
    a, b = yearly.loc["Jumelle A"], yearly.loc["Jumelle B"]
    assert not np.array_equal(a["turnover_eur"].to_numpy(), b["turnover_eur"].to_numpy())
    assert not np.array_equal(a["accueils"].to_numpy(), b["accueils"].to_numpy())
    seeds = {m["name"]: m["seed"] for m in results.manifest()["members"]}
    assert seeds["Jumelle A"] != seeds["Jumelle B"]


def test_a_member_keeps_its_draws_when_another_member_is_added(tmp_path: Path) -> None:
    alone = load_network(_write_network(tmp_path, members=[{"name": "Alpha", "opening_month": "2027-01"}], partners=[]))
    more = load_network(_write_network(tmp_path, members=[
        {"name": "Zeta", "opening_month": "2027-01"}, {"name": "Alpha", "opening_month": "2027-01"},
    ], partners=[]))  # fmt: skip
    first = simulate_network(alone, replications=2, seed=7).member_yearly
    second = simulate_network(more, replications=2, seed=7).member_yearly
    pd.testing.assert_frame_equal(
        first[first["member"] == "Alpha"].reset_index(drop=True),
        second[second["member"] == "Alpha"].reset_index(drop=True),
    )
