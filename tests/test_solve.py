"""The funding solver: the smallest public effort that meets the criteria, checked by a rerun."""

from __future__ import annotations

import json

import simcoop
from simcoop.cli import main
from simcoop.studies.solve import solve, with_extra_funding
from tests.conftest import small_scenario

CRITERIA = {"viability.break_even_by_year": 3, "viability.public_share_year": 2, "viability.max_public_share": 0.9}


def _poor() -> simcoop.Scenario:
    """A small CAE that cannot survive its first years without more public money."""
    return small_scenario(**CRITERIA, **{"cooperative.initial_treasury_eur": 10000, "cooperative.public_funding": []})


def test_solve_finds_funding_and_a_rerun_at_that_level_meets_the_criteria() -> None:
    scenario = _poor()
    solution = solve(scenario, replications=20, seed=4, years=3, uncertainty=False, tolerance=2000)
    assert solution.baseline_outcome == "unfavourable"
    assert solution.value is not None and solution.value > 0
    assert solution.met
    rerun = simcoop.simulate(with_extra_funding(scenario, solution.value, 3), replications=20, seed=4).verdict()
    assert all(c.met for c in rerun.criteria)
    # 2 000 € a year less (the tolerance) does not meet the insolvency criterion.
    less = simcoop.simulate(with_extra_funding(scenario, solution.value - 2100, 3), replications=20, seed=4).verdict()
    assert not next(c for c in less.criteria if c.key == "insolvency").met


def test_a_viable_scenario_needs_no_extra_funding() -> None:
    rich = small_scenario(**CRITERIA, **{"cooperative.initial_treasury_eur": 2_000_000, "cooperative.public_funding.2.amount_eur": 300000})
    solution = solve(rich, replications=10, seed=1, years=1, uncertainty=False)
    assert solution.value == 0.0


def test_cli_solve_writes_solve_json_and_the_solved_scenario(tmp_path, capsys) -> None:  # noqa: ANN001
    path = tmp_path / "poor.yaml"
    import yaml

    path.write_text(yaml.safe_dump(_poor().to_dict(), allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    solved = tmp_path / "funded.yaml"
    code = main(["solve", str(path), "-n", "10", "-s", "2", "--years", "3", "-o", str(out), "--no-uncertainty", "-q",
                 "--write-scenario", str(solved)])  # fmt: skip
    assert code == 0
    data = json.loads((out / "solve.json").read_text(encoding="utf-8"))
    assert data["target"] == "funding" and data["value"] > 0
    assert "EUR a year of extra public funding for 3 year(s)" in capsys.readouterr().out
    funded = simcoop.load_scenario(solved)
    assert funded.cooperative.public_funding[-1].amount_eur == data["value"]
    # The written scenario is not overwritten without --force.
    assert main(["solve", str(path), "-n", "10", "-o", str(out), "-q", "--write-scenario", str(solved)]) == 2
