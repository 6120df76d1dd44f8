"""Cap Services (Lyon, founded November 1995): the simulated 2000 matches its known figures.

DOMAIN.md §2-3: in 2000, its fifth full year, 216 accueils, 101 people supported during
the year of whom 49 entrepreneurs-salariés, turnover 10,413 kF (about €1.59 M).
"""

from __future__ import annotations

import pytest

import simcoop
from tests.conftest import SCENARIOS

OBSERVED_2000 = {"accueils": 216, "supported": 101, "salaried": 49, "turnover_eur": 10_413_000 / 6.55957}


@pytest.fixture(scope="module")
def year_2000() -> dict[str, float]:
    scenario = simcoop.load_scenario(SCENARIOS / "cap_services_lyon.yaml")
    results = simcoop.simulate(scenario, replications=100, seed=scenario.simulation.seed)
    row = results.yearly[results.yearly["year"] == 2000]
    assert len(row) == 100
    return row[list(OBSERVED_2000)].median().to_dict()


@pytest.mark.parametrize("figure", sorted(OBSERVED_2000))
def test_median_2000_within_25_percent(year_2000: dict[str, float], figure: str) -> None:
    observed = OBSERVED_2000[figure]
    simulated = year_2000[figure]
    assert abs(simulated - observed) <= 0.25 * observed, f"{figure}: simulated {simulated:,.0f}, observed {observed:,.0f}"
