"""The territory: accueils derived from zones, sites with their own teams, outputs by zone and site."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import simcoop
from simcoop.model import run_model
from simcoop.streams import replication_streams
from simcoop.demand import demand_matrix, travel_minutes, zone_potentials
from tests.conftest import SCENARIOS
from tests.test_conservation import check_cash_and_people

EXAMPLE = SCENARIOS / "territory_example.yaml"


@pytest.fixture(scope="module")
def scenario() -> simcoop.Scenario:
    return simcoop.load_scenario(EXAMPLE)


def test_demand_known_answers(scenario: simcoop.Scenario) -> None:
    # Valmont (centre): 7 300 job seekers and 1 450 creations, two prescribers (1.1 x 1.05).
    potentials = zone_potentials(scenario)
    assert potentials[0] == pytest.approx((0.00675 * 7300 + 0.0225 * 1450) * 1.1 * 1.05)
    minutes = travel_minutes(scenario)
    assert minutes[0, 0] == 0.0  # the head office is in the centre
    assert minutes[4, 1] == 0.0  # the antenna is in Brévieux
    # A zone at a site's door sends its whole potential; two sites never add up to more.
    flows = demand_matrix(scenario)
    assert flows[0].sum() == pytest.approx(potentials[0])
    assert (flows.sum(axis=1) <= potentials + 1e-9).all()
    # Farther zones send less of their potential.
    ratio = flows.sum(axis=1) / potentials
    assert ratio[7] < ratio[1]  # Villard-les-Prés (32 min) vs Valmont-Nord (9 min)
    # Opening the antenna raises the total (it brings the north-east closer).
    assert demand_matrix(scenario, [True, True]).sum() > demand_matrix(scenario, [True, False]).sum()


def test_accueils_come_from_the_zones_and_go_to_open_sites(scenario: simcoop.Scenario) -> None:
    out = run_model(scenario, replication_streams(3, 0))
    by_site, by_zone = out.by_site, out.by_zone
    assert np.array_equal(by_site["accueils"].sum(axis=0), out.monthly["accueils"])
    assert np.array_equal(by_zone["accueils"].sum(axis=0), out.monthly["accueils"])
    antenna_opens = 24  # 2029-01
    assert by_site["accueils"][1, :antenna_opens].sum() == 0 and by_site["accueils"][1, antenna_opens:].sum() > 0
    assert (by_site["staff_fte"][1, :antenna_opens] == 0).all() and by_site["staff_fte"][1, antenna_opens] == 0.5
    # Each entrant keeps their zone and site.
    people = out.people
    assert np.array_equal(np.bincount(people["site"], minlength=2), by_site["entries"].sum(axis=1))
    assert np.array_equal(np.bincount(people["zone"], minlength=8), by_zone["entries"].sum(axis=1))
    # No site takes more people than its team can follow.
    assert (by_site["active"] <= by_site["staff_fte"] * scenario.cooperative.staff.max_caseload_per_fte + 1e-9).all()
    # The expected flow at maturity is what the demand model says.
    assert scenario.accueils_per_year == pytest.approx(demand_matrix(scenario).sum())


def test_money_and_people_are_conserved_with_zones_and_sites(scenario: simcoop.Scenario) -> None:
    for r in range(2):
        check_cash_and_people(scenario, r, seed=9)


def test_yearly_tables_by_zone_and_site(scenario: simcoop.Scenario, tmp_path: Path) -> None:
    results = simcoop.simulate(scenario, replications=3, seed=2)
    zones, sites = results.zones, results.sites
    assert set(zones["zone_code"]) == {z.zone_code for z in scenario.territory.zones}
    yearly = results.yearly.set_index(["replication", "year"])
    by_year = zones.groupby(["replication", "year"])[["accueils", "supported"]].sum()
    assert (by_year["accueils"] == yearly["accueils"]).all()
    assert (by_year["supported"] == yearly["supported"]).all()
    centre = zones[zones["zone_code"] == "99001"]
    assert np.allclose(centre["supported_per_1000_job_seekers"], 1000 * centre["supported"] / 7300, atol=1e-3)
    assert (sites.groupby(["replication", "year"])["accueils"].sum() == yearly["accueils"]).all()
    results.save(tmp_path / "run")
    loaded = simcoop.load_results(tmp_path / "run")
    assert loaded.zones["zone_code"].iloc[0] == "99001"


def test_zones_and_a_given_flow_are_exclusive(scenario: simcoop.Scenario) -> None:
    with pytest.raises(simcoop.ScenarioError, match="give accueils_per_year_at_maturity or zones, not both"):
        scenario.replace({"territory.accueils_per_year_at_maturity": 100})


def test_a_broken_zones_file_names_file_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "zones.csv").write_text(
        "zone_code,name,population,job_seekers_abc,business_creations_per_year,lat,lon\n"
        "1,A,1000,80,16,45.0,4.0\n"
        "2,B,mille,80,16,45.1,4.1\n",
        encoding="utf-8",
    )
    text = EXAMPLE.read_text(encoding="utf-8").replace("territory_example.csv", "zones.csv")
    (tmp_path / "s.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(simcoop.ScenarioError) as info:
        simcoop.load_scenario(tmp_path / "s.yaml")
    problem = info.value.problems[0]
    assert problem.source.endswith("zones.csv") and problem.line == 3 and problem.key_path == "population"


def test_a_zone_without_travel_time_or_coordinates_is_refused(tmp_path: Path) -> None:
    (tmp_path / "zones.csv").write_text(
        "zone_code,name,population,job_seekers_abc,business_creations_per_year\n1,A,1000,80,16\n", encoding="utf-8"
    )
    text = EXAMPLE.read_text(encoding="utf-8").replace("territory_example.csv", "zones.csv")
    (tmp_path / "s.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(simcoop.ScenarioError, match="no travel time to site 'siège' and no coordinates"):
        simcoop.load_scenario(tmp_path / "s.yaml")
