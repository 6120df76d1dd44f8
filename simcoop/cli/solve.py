"""``simcoop solve``: the smallest funding, accueil flow or contribution rate that makes the CAE viable."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from simcoop.cli.common import (
    add_fixed_parameters,
    fixed_if_asked,
    EXIT_BAD_INPUT,
    EXIT_FAILURE,
    EXIT_OK,
    jobs_option,
    UsageError,
    add_executor_options,
    executor_from,
    add_to_run_folder,
    distinct_outputs,
    non_negative_int,
    output_refused,
    positive_int,
    print_problems,
    safe_folder_name,
    years_option,
    warm_workers_early,
)

__all__ = ["add_parser", "check_solve_folder", "cmd_solve", "print_solution", "print_step"]


def add_parser(sub: Any) -> None:
    """Add the ``solve`` command to the subparsers ``sub``."""
    solve = sub.add_parser(
        "solve",
        help="answer the funder: the one-off start-up financing, the annual subsidy within the compensation limit, accueils or contribution",
        description=(
            "Search, on common random numbers, what a funder can act on, and say which constraint binds. "
            "--target startup (default): the smallest one-off start-up financing (quasi-fonds propres or repayable "
            "advance, cooperative.financing.startup_instrument) received at the opening that brings the risk of "
            "rupture de trésorerie under its threshold. --target funding: the smallest extra annual operating subsidy "
            "(for --years years from the opening) with which break-even is reached, never beyond the compensation "
            "limit (Décision 2012/21/UE arts. 5-6). --target accueils / contribution: the smallest accueil flow at "
            "maturity / the lowest contribution rate that still meets the rupture and break-even criteria. "
            "Writes solve.json into the output folder (next to a run's results, which the report reads) and, "
            "with --write-scenario, the scenario with the answer applied (a valid scenario `simcoop run` accepts), "
            "or says why there is none."
        ),
        epilog=(
            "examples:\n"
            "  simcoop solve                                  start-up financing needed by the reference scenario\n"
            "  simcoop solve my.yaml --target funding --years 2   annual subsidy for break-even, within the limit\n"
            "  simcoop solve my.yaml --target accueils\n"
            "  simcoop solve my.yaml --write-scenario my_funded.yaml && simcoop run my_funded.yaml --report"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    solve.add_argument("scenario", nargs="?", type=Path, help="scenario YAML file (default: scenarios/reference.yaml)")
    solve.add_argument(
        "--target", choices=["startup", "funding", "accueils", "contribution"], default="startup",
        help=(
            "what to search (default startup): startup = one-off start-up financing that brings the risk of rupture de "
            "trésorerie under its threshold; funding = annual operating subsidy for break-even, within the compensation "
            "limit; accueils; contribution"
        ),
    )
    solve.add_argument("--years", type=years_option, help="years of the extra funding from the opening (default 3)")
    solve.add_argument("-n", "--replications", type=positive_int, help="replications per candidate (default: the scenario's, at most 100)")
    solve.add_argument("-s", "--seed", type=non_negative_int, help="root random seed (default: the scenario's)")
    solve.add_argument("-j", "--jobs", type=jobs_option, default=1, help="worker processes (default 1); results do not depend on it")
    add_executor_options(solve)
    solve.add_argument("-o", "--out", type=Path, help="folder for solve.json (default: outputs/<scenario name>)")
    solve.add_argument("--write-scenario", type=Path, metavar="FILE", help="also write the scenario with the answer applied (YAML)")
    solve.add_argument("--force", action="store_true", help="overwrite --write-scenario FILE if it exists")
    solve.add_argument("--no-uncertainty", action="store_true", help="skip the searches on the ends of the intervals (3 times faster)")
    solve.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    add_fixed_parameters(solve)
    solve.set_defaults(handler=cmd_solve)


def cmd_solve(args: argparse.Namespace) -> int:
    """``simcoop solve``: search the funding (or accueils, or contribution rate) that meets the criteria; write solve.json."""
    warm_workers_early(args)  # the workers' fork server warms while this process prepares the study
    import yaml

    from simcoop.runner import default_scenario_path
    from simcoop.scenario import ScenarioError, load_scenario
    from simcoop.studies.solve import solve, solved_scenario

    path = args.scenario if args.scenario is not None else default_scenario_path()
    try:
        scenario = fixed_if_asked(load_scenario(path, allow_outside_files=args.allow_outside_files), args)
    except ScenarioError as exc:
        return print_problems(f"simcoop: cannot solve {path}:", exc)
    if args.write_scenario is not None and args.write_scenario.exists() and not args.force:
        print(f"simcoop: {args.write_scenario} exists; use --force to overwrite it", file=sys.stderr)
        return EXIT_BAD_INPUT
    out = args.out if args.out is not None else Path("outputs") / safe_folder_name(scenario.meta.name)

    def step(info: dict[str, Any]) -> None:
        if not args.quiet:
            print_step(info)

    try:  # before the search: solve.json must belong to the run in --out, if there is one
        check_solve_folder(out, scenario)
        distinct_outputs([("the scenario", path)], [("--write-scenario", args.write_scenario)])
    except OSError as exc:
        return output_refused(out, exc)
    if not args.quiet:
        print(f"simcoop: solving {scenario.meta.name} for {args.target}", file=sys.stderr)
    try:
        with executor_from(args) as executor:
            solution = solve(
                scenario, target=args.target, replications=args.replications, seed=args.seed, jobs=args.jobs,
                years=args.years, uncertainty=not args.no_uncertainty, on_step=step, executor=executor,
            )  # fmt: skip
    except UsageError:
        raise
    except ValueError as exc:
        print(f"simcoop: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        check_solve_folder(out, scenario)
        add_to_run_folder(
            out, "solve.json",
            {"scenario": {"name": scenario.meta.name, "scenario_hash": scenario.scenario_hash()}, **solution.to_dict()},
            scope="scenario", scenario_hash=scenario.scenario_hash(),
        )  # fmt: skip
    except OSError as exc:
        return output_refused(out, exc)
    print_solution(scenario, solution, args.target, uncertainty=not args.no_uncertainty)
    status = EXIT_OK
    if solution.value is None and args.write_scenario is not None:
        print(f"  {args.write_scenario} not written: no level of the lever meets the criteria ({solution.message})", file=sys.stderr)
        status = EXIT_FAILURE
    if solution.value is not None:
        if args.write_scenario is not None:
            solved = solved_scenario(scenario, solution)
            text = "# Written by `simcoop solve`: the scenario with the answer applied.\n" + yaml.safe_dump(
                solved.to_dict(), allow_unicode=True, sort_keys=False
            )
            args.write_scenario.write_text(text, encoding="utf-8")
            print(f"  wrote {args.write_scenario}")
    print(f"wrote {out / 'solve.json'}")
    return status


def print_step(info: dict[str, Any]) -> None:
    """One candidate the solver tried, on stderr."""
    print(
        f"  tried {info['value']:>14,.2f}: {info['outcome']:<28} P(rupture) {info['insolvency']:.1%}, "
        f"break-even share {info['break_even']:.1%}, public-share ok {info['public_share']:.1%}",
        file=sys.stderr,
    )


def print_solution(scenario: Any, solution: Any, target: str, uncertainty: bool = True) -> None:
    """The solver's answer, its verdict, its uncertainty and its cost, for the terminal."""
    low, high = solution.spread
    shown = "{:.1%}" if target == "contribution" else "{:,.0f}"
    if solution.value is None:
        print(f"{scenario.meta.name}: no answer for {target}: {solution.message} (baseline: {solution.baseline_outcome})")
        if solution.best_value is not None:
            met = ", ".join(solution.best_criteria_met) or "none"
            print(f"  best level tried: {shown.format(solution.best_value)} ({solution.unit}); criteria met there: {met}")
        for hint in solution.hints:
            print(f"  try: {hint}")
        print(f"  {solution.replications} replications per candidate, seed {solution.seed}, {solution.evaluations} candidates")
        return
    what = {
        "startup": f"{solution.value:,.0f} EUR of one-off start-up financing ({solution.instrument}) received at the opening ({solution.first_month})",
        "funding": f"{solution.value:,.0f} EUR a year of extra public funding for {solution.years} year(s) from {solution.first_month}",
        "accueils": f"{solution.value:,.0f} accueils a year at maturity",
        "contribution": f"a contribution rate of {solution.value:.1%}",
    }[target]
    print(f"{scenario.meta.name}: {what}")
    if solution.limit is not None:
        print(f"  compensation limit (Décision 2012/21/UE arts. 5-6): {solution.limit:,.0f} EUR a year in those years")
    words = {"insolvency": "the risk of rupture de trésorerie (insolvency)", "break_even": "break-even by the deadline year (break_even)"}
    print(f"  binding constraint: {words.get(solution.binding, solution.binding) if solution.binding else 'none (already met without it)'}")
    print(f"  verdict at that level: {solution.outcome_at_solution}; criteria searched met: {'yes' if solution.met else 'no'}")
    if solution.message:
        print(f"  {solution.message}")
    spread = _spread_words(solution, shown) if uncertainty else "range not searched (--no-uncertainty)"
    print(
        f"  risk of rupture de trésorerie {solution.insolvency_probability:.1%} (95% CI {solution.insolvency_ci[0]:.1%}-{solution.insolvency_ci[1]:.1%}); "
        f"{spread}"
    )
    print(f"  {solution.replications} replications per candidate, seed {solution.seed}, {solution.evaluations} candidates")


def _spread_words(solution: Any, shown: str) -> str:
    """The answer on the optimistic and pessimistic ends of the intervals, in words (no "?")."""
    low, high = solution.spread
    cap = shown.format(solution.search_range[1])
    ends = []
    searched = getattr(solution, "ends_searched", None) or ("optimistic", "pessimistic")
    out_of_reach = getattr(solution, "out_of_reach", None) or {}
    for name, x in (("optimistic", low), ("pessimistic", high)):
        if name not in searched:
            ends.append(f"not searched ({name})")
        elif name in out_of_reach:
            ends.append(
                f"out of reach with {solution.replications} replications per candidate ({name}): even at its best, its 95% "
                f"interval needs at least {out_of_reach[name]} simulations read to meet the threshold (more with -n; the rupture "
                "risk is read on those at break-even)"
            )
        else:
            ends.append(f"{shown.format(x)} ({name})" if x is not None else f"not reached up to {cap} ({name})")
    return "on the ends of the 95% intervals: " + ", ".join(ends)


def check_solve_folder(out: Path, scenario: Any) -> None:
    """Refuse to put the solve.json of ``scenario`` into a run folder of another scenario (the report would quote it)."""
    from simcoop.outdir import OutputExistsError, read_marker

    marker = read_marker(out) if out.is_dir() else None
    identity = (marker or {}).get("identity") or {}
    if marker is not None and marker.get("kind") != "run":
        raise OutputExistsError(f"{out} holds a {marker.get('kind')} study, not a run; choose another --out for solve.json")
    if identity.get("scenario_hash") not in (None, scenario.scenario_hash()):
        raise OutputExistsError(
            f"{out} holds the run of another scenario ({identity.get('scenario_name')!r}, another hash): the solve.json "
            f"of {scenario.meta.name!r} does not belong there; choose another --out"
        )
