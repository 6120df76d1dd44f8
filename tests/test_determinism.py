"""Same scenario and seed -> same numbers, whatever the number of worker processes."""

from __future__ import annotations

import pandas as pd
import pytest

import simcoop
from tests.conftest import small_scenario


def _frames(results: simcoop.Results) -> dict[str, pd.DataFrame]:
    return {"monthly": results.monthly, "yearly": results.yearly, "events": results.events, "kpis": results.kpis}


def test_same_seed_gives_identical_frames() -> None:
    scenario = small_scenario()
    a = simcoop.simulate(scenario, replications=4, seed=123)
    b = simcoop.simulate(scenario, replications=4, seed=123)
    for name, frame in _frames(a).items():
        pd.testing.assert_frame_equal(frame, _frames(b)[name], check_exact=True, obj=name)


def test_one_job_equals_two_jobs() -> None:
    scenario = small_scenario()
    sequential = simcoop.simulate(scenario, replications=6, seed=99, jobs=1)
    parallel = simcoop.simulate(scenario, replications=6, seed=99, jobs=2)
    for name, frame in _frames(sequential).items():
        pd.testing.assert_frame_equal(frame, _frames(parallel)[name], check_exact=True, obj=name)


def test_a_replication_does_not_depend_on_how_many_run() -> None:
    scenario = small_scenario()
    three = simcoop.simulate(scenario, replications=3, seed=7)
    five = simcoop.simulate(scenario, replications=5, seed=7)
    pd.testing.assert_frame_equal(three.monthly, five.monthly[five.monthly["replication"] < 3].reset_index(drop=True))


def test_different_seeds_give_different_runs() -> None:
    scenario = small_scenario()
    a = simcoop.simulate(scenario, replications=2, seed=1).monthly["turnover_eur"]
    b = simcoop.simulate(scenario, replications=2, seed=2).monthly["turnover_eur"]
    assert not a.equals(b)


def test_seed_defaults_come_from_the_scenario() -> None:
    scenario = small_scenario().replace({"simulation.replications": 2, "simulation.seed": 42})
    by_default = simcoop.simulate(scenario)
    explicit = simcoop.simulate(scenario, replications=2, seed=42)
    assert by_default.replications == 2 and by_default.seed == 42
    pd.testing.assert_frame_equal(by_default.kpis, explicit.kpis)


def test_common_random_numbers_across_scenarios() -> None:
    """A change in the contribution rate leaves the parcours draws untouched."""
    base = small_scenario()
    variant = base.replace({"cooperative.contribution.rate": 0.12})
    a = simcoop.simulate(base, replications=2, seed=3).monthly
    b = simcoop.simulate(variant, replications=2, seed=3).monthly
    pd.testing.assert_series_equal(a["accueils"], b["accueils"])


@pytest.mark.parametrize("bad", [0, -1])
def test_bad_replication_counts_are_refused(bad: int) -> None:
    with pytest.raises(ValueError, match="replications"):
        simcoop.simulate(small_scenario(), replications=bad)
