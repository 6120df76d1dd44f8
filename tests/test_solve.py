"""The solver answers the funder: one-off start-up financing, subsidy within the compensation limit."""

from __future__ import annotations

import json

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import simcoop
from simcoop.cli import main
from simcoop.studies.solve import solve, with_extra_funding, with_startup_financing
from tests.conftest import SCENARIOS, small_scenario

CRITERIA = {"viability.break_even_by_year": 3, "viability.public_share_year": 2, "viability.max_public_share": 0.9}
# Without the reference's financing plan (issue 11): the start-up gap is the solver's to fill.
NO_PLAN = {"cooperative.financing.instruments": [], "cooperative.financing.receivable_financing": None}


def _poor() -> simcoop.Scenario:
    """A small CAE whose own treasury cannot carry its first years (a start-up cash gap)."""
    return small_scenario(**CRITERIA, **NO_PLAN, **{"cooperative.initial_treasury_eur": 10000})


def test_startup_financing_is_one_off_and_a_rerun_meets_the_rupture_criterion() -> None:
    scenario = _poor()
    solution = solve(scenario, target="startup", replications=20, seed=4, uncertainty=False, tolerance=2000)
    assert solution.value is not None and solution.value > 0
    assert solution.binding == "insolvency" and solution.instrument == "quasi_equity"
    solved = with_startup_financing(scenario, solution.value)
    assert solved.cooperative.financing.instruments[-1].amount_eur == solution.value
    rerun = simcoop.simulate(solved, replications=20, seed=4).verdict()
    assert rerun.criterion("insolvency").met
    # A smaller one-off amount (less than the tolerance and the rounding) does not meet it.
    less = simcoop.simulate(with_startup_financing(scenario, solution.value - 3100), replications=20, seed=4).verdict()
    assert not less.criterion("insolvency").met
    # An interest-free start-up financing saves overdraft interest (agios): it never costs more.
    base = simcoop.simulate(scenario, replications=5, seed=4)
    plan = simcoop.simulate(solved, replications=5, seed=4)
    assert plan.yearly["interest_eur"].sum() < base.yearly["interest_eur"].sum()


def test_annual_subsidy_never_goes_beyond_the_compensation_limit() -> None:
    # Break-even in year 1 is out of reach within the limit: the answer is "not within it".
    scenario = small_scenario(**{"viability.break_even_by_year": 1, "viability.compensation_margin_share": 0.0})
    solution = solve(scenario, target="funding", replications=10, seed=2, years=1, uncertainty=False)
    assert solution.limit is not None and solution.limit > 0
    assert solution.value is None and not solution.met
    assert solution.binding == "compensation" and "compensation limit" in solution.message
    # Every candidate tried stayed within the limit.
    assert max(h["value"] for h in solution.history) <= solution.limit


def test_a_viable_scenario_needs_no_startup_financing() -> None:
    rich = small_scenario(**CRITERIA, **{"cooperative.initial_treasury_eur": 2_000_000, "cooperative.public_funding.2.amount_eur": 300000})
    solution = solve(rich, target="startup", replications=10, seed=1, uncertainty=False)
    assert solution.value == 0.0 and solution.binding == ""


def test_extra_funding_adds_one_convention() -> None:
    funded = with_extra_funding(_poor(), 12000, 2)
    assert funded.cooperative.public_funding[-1].amount_eur == 12000
    assert funded.cooperative.public_funding[-1].last_month == "2028-12"


def test_cli_solve_writes_solve_json_and_a_solved_scenario_that_runs(tmp_path, capsys) -> None:  # noqa: ANN001
    path = tmp_path / "poor.yaml"
    path.write_text(yaml.safe_dump(_poor().to_dict(), allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    solved = tmp_path / "funded.yaml"
    code = main(["solve", str(path), "-n", "10", "-s", "2", "-o", str(out), "--no-uncertainty", "-q",
                 "--write-scenario", str(solved)])  # fmt: skip
    assert code == 0
    data = json.loads((out / "solve.json").read_text(encoding="utf-8"))
    assert data["target"] == "startup" and data["value"] > 0 and data["binding"] == "insolvency"
    printed = capsys.readouterr().out
    assert "EUR of one-off start-up financing (quasi_equity)" in printed and "binding constraint: the risk of rupture de trésorerie (insolvency)" in printed
    funded = simcoop.load_scenario(solved)
    assert funded.cooperative.financing.instruments[-1].amount_eur == data["value"]
    # The solved scenario is one `simcoop run` accepts.
    assert main(["run", str(solved), "-n", "3", "-o", str(tmp_path / "run"), "-q"]) == 0
    # The written scenario is not overwritten without --force.
    assert main(["solve", str(path), "-n", "10", "-o", str(out), "-q", "--write-scenario", str(solved)]) == 2


def test_cli_solve_says_why_it_writes_no_scenario(tmp_path, capsys) -> None:  # noqa: ANN001
    scenario = small_scenario(**{"viability.break_even_by_year": 1, "viability.compensation_margin_share": 0.0,
                                 "cooperative.public_funding": [], "cooperative.financing.receivable_financing": None})  # fmt: skip
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(scenario.to_dict(), allow_unicode=True), encoding="utf-8")
    solved = tmp_path / "solved.yaml"
    code = main(["solve", str(path), "--target", "funding", "--years", "1", "-n", "5", "-o", str(tmp_path / "o"),
                 "--no-uncertainty", "-q", "--write-scenario", str(solved)])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 1
    assert not solved.exists() and "not written" in captured.err
    # A subsidy paid in year 1 only cannot make break-even hold to the end of a 3-year horizon:
    # the solver stops early, says so and what to try, instead of doubling up to its cap.
    assert "does not move with the extra annual subsidy" in captured.out and "try --years 3" in captured.out
    assert "best level tried" in captured.out and "?" not in captured.out


def test_accueils_cannot_fix_a_startup_cash_problem_and_the_solver_says_so() -> None:
    # Break-even holds (lenient criteria) but the treasury cannot carry the start: more accueils
    # do not lower the rupture risk, so the search stops early and points at start-up financing.
    scenario = small_scenario(**CRITERIA, **NO_PLAN, **{"cooperative.initial_treasury_eur": -150000})
    solution = solve(scenario, target="accueils", replications=10, seed=3, uncertainty=False)
    assert solution.value is None and not solution.met
    assert solution.stalled == ["insolvency"] and solution.binding == "insolvency"
    assert "does not move with the accueil flow" in solution.message
    assert any("--target startup" in h for h in solution.hints)
    # It stopped well before the 5,000 accueils of its range, and says what the best level met.
    assert max(h["value"] for h in solution.history) < 5000 and solution.evaluations <= 6
    assert solution.best_value is not None and "insolvency" not in solution.best_criteria_met


def test_funding_that_stops_before_the_deadline_cannot_buy_break_even_and_the_solver_says_try_years() -> None:
    scenario = small_scenario(**{"viability.break_even_by_year": 2, "viability.compensation_margin_share": 0.0,
                                 "cooperative.public_funding": [], "cooperative.financing.receivable_financing": None})  # fmt: skip
    solution = solve(scenario, target="funding", replications=8, seed=5, years=1, uncertainty=False)
    assert solution.value is None and solution.stalled == ["break_even"]
    assert any("--years 3" in h for h in solution.hints)
    # Funding for the whole horizon does move break-even: the hint is a real way out.
    longer = solve(scenario, target="funding", replications=8, seed=5, years=3, uncertainty=False)
    assert not longer.stalled


def test_the_answer_range_never_reads_as_a_question_mark(capsys) -> None:  # noqa: ANN001
    from simcoop.cli.solve import print_solution

    solution = solve(_poor(), target="startup", replications=10, seed=4, uncertainty=False, tolerance=4000)
    low_only = type(solution)(**{**solution.__dict__, "spread": (solution.value, None)})
    print_solution(_poor(), low_only, "startup", uncertainty=True)
    out = capsys.readouterr().out
    assert "?" not in out and "beyond the search range" not in out
    assert "(optimistic)" in out and "not reached up to" in out and "(pessimistic)" in out


def test_the_answer_is_the_smallest_grid_step_that_meets_the_criteria_and_costs_no_extra_run() -> None:
    solution = solve(_poor(), target="startup", replications=10, seed=4, uncertainty=False, tolerance=4000)
    assert solution.value is not None and solution.value > 0 and solution.value % 4000 == 0
    tried = {h["value"]: h["searched_criteria_met"] for h in solution.history}
    assert tried[solution.value] and not tried[solution.value - 4000]  # the step below was tried and failed
    assert solution.evaluations == len(tried)  # the answer was one of the candidates, not a run after the search


def test_the_pipeline_searches_only_the_pessimistic_end_and_says_the_other_was_not_searched(capsys) -> None:  # noqa: ANN001
    from simcoop.cli.solve import print_solution

    both = solve(_poor(), target="startup", replications=10, seed=4, tolerance=4000)
    prudent = solve(_poor(), target="startup", replications=10, seed=4, tolerance=4000, ends=("pessimistic",))
    assert both.ends_searched == ["optimistic", "pessimistic"] and prudent.ends_searched == ["pessimistic"]
    assert prudent.spread == (None, both.spread[1]) and prudent.value == both.value
    assert prudent.evaluations < both.evaluations
    print_solution(_poor(), prudent, "startup")
    out = capsys.readouterr().out
    assert "not searched (optimistic)" in out and "(pessimistic)" in out and "not searched (pessimistic)" not in out


def test_the_solver_reads_the_candidate_without_financing_from_the_run_it_comes_with(monkeypatch) -> None:  # noqa: ANN001
    import simcoop.runner

    scenario = _poor()
    expected = solve(scenario, target="startup", replications=6, seed=4, uncertainty=False, tolerance=8000)
    run = simcoop.simulate(scenario, replications=8, seed=4)
    calls: list[str] = []
    real = simcoop.runner.simulate

    def counting(candidate, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        calls.append(candidate.scenario_hash())
        return real(candidate, *args, **kwargs)

    monkeypatch.setattr(simcoop.runner, "simulate", counting)
    reused = solve(scenario, target="startup", replications=6, seed=4, uncertainty=False, tolerance=8000, baseline=run)
    assert reused == expected
    assert scenario.scenario_hash() not in calls and len(calls) == expected.evaluations - 1


def test_the_guided_startup_search_finds_the_halving_answer_with_fewer_runs(monkeypatch) -> None:  # noqa: ANN001
    """The start-up search guesses its next candidate from the treasuries it has seen; halving
    alone (no guess) gives the same answer and both ends, only with more simulations."""
    import simcoop.studies.solve as solver

    guided = solve(_poor(), target="startup", replications=20, seed=4)
    monkeypatch.setattr(solver, "guess_step", lambda *args: None)
    halving = solve(_poor(), target="startup", replications=20, seed=4)
    assert guided.value == halving.value and guided.spread == halving.spread and guided.value is not None
    assert guided.evaluations < halving.evaluations
    tried = {h["value"]: h["searched_criteria_met"] for h in guided.history}
    assert tried[guided.value] and not tried[guided.value - 1000]  # still a step that meets next to one that does not


def test_an_end_out_of_reach_at_so_few_replications_is_not_searched_and_says_why(capsys) -> None:
    """With 20 simulations, none in rupture still leaves the rupture risk's interval above 10 %: the
    pessimistic end cannot be met by any amount, so the solver does not double up to its cap."""
    from simcoop.cli.solve import print_solution

    solution = solve(_poor(), target="startup", replications=20, seed=4)
    assert solution.value is not None and solution.spread[0] is not None  # the point and the optimistic end are answered
    assert solution.spread[1] is None and solution.out_of_reach == {"pessimistic": 35}
    assert max(h["value"] for h in solution.history) < solution.search_range[1]  # never went to the cap
    print_solution(_poor(), solution, "startup")
    out = capsys.readouterr().out
    assert "out of reach with 20 replications per candidate" in out and "at least 35 simulations" in out and "not reached up to" not in out
    # The bound: from 35 simulations read, none in rupture puts the interval's upper end under 10 %.
    from simcoop.studies.solve_guess import within_reach

    assert not within_reach("pessimistic", ("insolvency",), 34, 0.10) and within_reach("pessimistic", ("insolvency",), 35, 0.10)


def test_an_end_whose_simulations_read_are_all_out_of_rupture_stops_doubling() -> None:
    """The reference at 40 replications reads its rupture risk on the 19 at break-even: from 50,000 EUR
    none is in rupture, yet its interval's upper end stays above 10 %, and doubling brings no more to
    break-even. The pessimistic end stops there, out of reach, instead of doubling to the cap."""
    scenario = simcoop.load_scenario(SCENARIOS / "reference.yaml")
    solution = solve(scenario, target="startup", replications=40, seed=7, tolerance=8000, ends=("pessimistic",))
    assert solution.value is not None and solution.spread == (None, None)
    assert solution.out_of_reach == {"pessimistic": 35}
    assert max(h["value"] for h in solution.history) <= 100_000  # stopped at the second doubling, far from the cap


@given(
    seed=st.integers(0, 2**32 - 1),
    replications=st.integers(1, 30),
    months=st.integers(1, 24),
    lo_steps=st.integers(0, 50),
    width_steps=st.integers(2, 80),
    step=st.sampled_from([500.0, 1000.0, 4000.0]),
    side=st.sampled_from(["point", "pessimistic", "optimistic"]),
    ahead=st.booleans(),
)
@settings(max_examples=200, deadline=None)
def test_a_guess_is_always_a_grid_step_strictly_inside_the_interval(
    seed: int, replications: int, months: int, lo_steps: int, width_steps: int, step: float, side: str, ahead: bool
) -> None:
    """Whatever the treasuries, the search's next candidate is a step of its grid strictly between the
    candidates around it (or short of the next doubling): the search always narrows and ends."""
    import numpy as np

    from simcoop.studies.solve_guess import guess_step

    rng = np.random.default_rng(seed)
    lo = lo_steps * step
    hi = lo + width_steps * step
    margins = {
        lo: (rng.normal(0, 30000, (replications, months)), rng.random(replications) < 0.8),
        hi: (rng.normal(0, 30000, (replications, months)), rng.random(replications) < 0.8),
    }
    end = 2 * hi if ahead else None
    guess = guess_step(lo, hi, step, side, margins, 0.10, end)
    if guess is None:
        return
    start, stop = (hi, end) if ahead else (lo, hi)
    assert start < guess < stop
    assert abs((guess - start) / step - round((guess - start) / step)) < 1e-9
