"""The ``simcoop`` command: parse, call the library, write, return an exit code.

Exit codes: 0 success; 1 the run failed (an error in simcoop or the machine);
2 bad input (a scenario, an option, an output folder that would be overwritten).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any, Sequence

__all__ = ["main"]

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2

DESCRIPTION = """\
simcoop simulates a coopérative d'activités et d'emploi (CAE) in its territory:
entrepreneurs arrive through accueil, test their activity under a CAPE, become
entrepreneurs-salariés under a CESA, associés, and leave; each activity keeps its own
accounts and the cooperative lives on contributions and public funding. Many Monte
Carlo replications give the range of what can happen.
"""

EPILOG = """\
examples:
  simcoop run                                  run the bundled reference scenario
  simcoop run scenarios/cap_services_lyon.yaml --replications 500 --jobs 2
  simcoop run --compare-portage                the same entrants in a CAE and in portage salarial
  simcoop run --sensitivity                    also vary each key assumption (sensitivity.csv)
  simcoop compare scenarios/reference.yaml     the reference and its variants, side by side
  simcoop compare a.yaml b.yaml -n 100 -j 2    two scenarios on common random numbers
  simcoop validate my_territory.yaml           list every problem in a scenario
  simcoop schema > simcoop.schema.json         JSON Schema for editor completion

Start from a copy of scenarios/reference.yaml; every key is described in
docs/scenario.md and in `simcoop schema`.
"""


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {value}")
    return value


def _positive_int(text: str) -> int:
    value = _non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="simcoop",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from simcoop._version import __version__

    parser.add_argument("--version", action="version", version=f"simcoop {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="simulate a scenario and write its results",
        description=(
            "Simulate SCENARIO (default: the bundled reference scenario) over many replications and "
            "write manifest.json, monthly/yearly tables (Parquet and CSV), events.parquet, kpis.csv "
            "and summary.csv into the output folder, then print a summary of the KPIs."
        ),
        epilog=(
            "The output folder is written atomically: an interrupted run leaves no half-written folder. "
            "An existing folder is replaced only if it holds the same run (same scenario, seed and "
            "replications), or with --force."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("scenario", nargs="?", type=Path, help="scenario YAML file (default: scenarios/reference.yaml)")
    run.add_argument("-n", "--replications", type=_positive_int, help="Monte Carlo replications (default: the scenario's simulation.replications)")
    run.add_argument("-s", "--seed", type=_non_negative_int, help="root random seed (default: the scenario's simulation.seed)")
    run.add_argument("-o", "--out", type=Path, help="output folder (default: outputs/<scenario name>)")
    run.add_argument("-j", "--jobs", type=_positive_int, default=1, help="worker processes (default 1); results do not depend on it")
    run.add_argument("--force", action="store_true", help="replace the output folder even if it holds a different run")
    run.add_argument(
        "--compare-portage",
        action="store_true",
        help=(
            "also replay the same entrants under portage salarial rules (the scenario's portage section) "
            "and print both side by side; writes portage.csv and portage_comparison.csv"
        ),
    )
    run.add_argument(
        "--sensitivity",
        action="store_true",
        help=(
            "after the run, vary each key assumption one at a time (low and high, on the same random "
            "numbers) and write sensitivity.csv, the data of the report's tornado chart"
        ),
    )
    run.add_argument(
        "--sensitivity-replications",
        type=_positive_int,
        metavar="N",
        help="replications per sensitivity run (default: the run's, at most 100); implies --sensitivity",
    )
    run.add_argument(
        "--solve",
        action="store_true",
        help="also find the extra public funding that meets the viability criteria (as `simcoop solve`); writes solve.json",
    )
    run.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    run.add_argument("--report", action="store_true", help="also write report.html and report.pdf (the French report) into the output folder")

    compare = sub.add_parser(
        "compare",
        help="compare scenarios, or a scenario and its variants, on common random numbers",
        description=(
            "Simulate several scenarios with the same seed, so that replication r of each meets the "
            "same entrants and the same chance events, and compare them with the first (the baseline): "
            "per KPI, each scenario's mean with its 95% confidence interval, the paired difference with "
            "the baseline with its 95% interval (* when it excludes 0), and each scenario's verdict.\n\n"
            "With ONE file, its base scenario is compared with the variants of its `variants:` block, "
            "each a name and some dotted keys to change:\n\n"
            "  variants:\n"
            "    \"sans FSE\": {cooperative.public_funding.3.amount_eur: 0}\n"
            "    \"contribution 12 %\": {cooperative.contribution.rate: 0.12}\n\n"
            "With several files, they are compared with the first (their variants are ignored)."
        ),
        epilog=(
            "examples:\n"
            "  simcoop compare scenarios/reference.yaml -n 100 -j 2\n"
            "  simcoop compare today.yaml with_antenna.yaml -o outputs/antenna.csv\n\n"
            "Writes the table as CSV (default outputs/comparison_<names>.csv) with a .json manifest "
            "beside it; an existing file is replaced only if it holds the same comparison, or with --force."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    compare.add_argument("files", nargs="+", type=Path, metavar="SCENARIO", help="scenario YAML files (the first is the baseline)")
    compare.add_argument("-n", "--replications", type=_positive_int, help="replications per scenario (default: the baseline's simulation.replications)")
    compare.add_argument("-s", "--seed", type=_non_negative_int, help="root random seed, shared by all (default: the baseline's simulation.seed)")
    compare.add_argument("-j", "--jobs", type=_positive_int, default=1, help="worker processes (default 1); results do not depend on it")
    compare.add_argument("-o", "--out", type=Path, help="CSV file to write (default: outputs/comparison_<names>.csv)")
    compare.add_argument("--force", action="store_true", help="replace the CSV even if it holds a different comparison")
    compare.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no table")

    solve = sub.add_parser(
        "solve",
        help="find the smallest public funding (or accueil flow, or contribution rate) that makes the CAE viable",
        description=(
            "Search, on common random numbers, the smallest extra annual public funding (paid from the opening "
            "for --years years) with which the scenario's viability criteria are met (insolvency risk and "
            "break-even; the public-share criterion is checked at the answer). --target accueils finds the "
            "smallest accueil flow at maturity; --target contribution the lowest contribution rate that still works. "
            "Writes solve.json into the output folder (next to a run's results, which the report reads) and, "
            "with --write-scenario, the scenario with the answer applied."
        ),
        epilog=(
            "examples:\n"
            "  simcoop solve                                  funding needed by the reference scenario\n"
            "  simcoop solve my.yaml --years 2 -n 200          two years of start-up funding, 200 replications\n"
            "  simcoop solve my.yaml --target accueils\n"
            "  simcoop solve my.yaml --write-scenario my_funded.yaml && simcoop run my_funded.yaml --report"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    solve.add_argument("scenario", nargs="?", type=Path, help="scenario YAML file (default: scenarios/reference.yaml)")
    solve.add_argument("--target", choices=["funding", "accueils", "contribution"], default="funding", help="what to search (default funding)")
    solve.add_argument("--years", type=_positive_int, help="years of the extra funding from the opening (default 3)")
    solve.add_argument("-n", "--replications", type=_positive_int, help="replications per candidate (default: the scenario's, at most 100)")
    solve.add_argument("-s", "--seed", type=_non_negative_int, help="root random seed (default: the scenario's)")
    solve.add_argument("-j", "--jobs", type=_positive_int, default=1, help="worker processes (default 1); results do not depend on it")
    solve.add_argument("-o", "--out", type=Path, help="folder for solve.json (default: outputs/<scenario name>)")
    solve.add_argument("--write-scenario", type=Path, metavar="FILE", help="also write the scenario with the answer applied (YAML)")
    solve.add_argument("--force", action="store_true", help="overwrite --write-scenario FILE if it exists")
    solve.add_argument("--no-uncertainty", action="store_true", help="skip the searches on the ends of the intervals (3 times faster)")
    solve.add_argument("-q", "--quiet", action="store_true", help="no progress lines")

    validate = sub.add_parser(
        "validate",
        help="check scenario files and list every problem",
        description="Check one or more scenario files; every problem is listed with its file, line and key.",
    )
    validate.add_argument("files", nargs="+", type=Path, metavar="FILE")

    # --- report (simcoop.report) ---
    report = sub.add_parser(
        "report",
        help="write the French report (report.html, report.pdf) of a run folder",
        description=(
            "Write report.html (one self-contained file) and report.pdf (A4) into RUN_DIR, a folder written by "
            "`simcoop run`. The report reads the run folder only; sensitivity.csv and solve.json are used when present."
        ),
    )
    report.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="run folder written by `simcoop run`")
    # --- end report ---

    sub.add_parser(
        "schema",
        help="print the JSON Schema of scenario files",
        description="Print the JSON Schema of scenario files, for completion and checks in editors (YAML language server).",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``simcoop`` console script."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        if args.command == "run":
            return _cmd_run(args)
        if args.command == "solve":
            return _cmd_solve(args)
        if args.command == "validate":
            return _cmd_validate(args)
        if args.command == "compare":
            return _cmd_compare(args)
        if args.command == "schema":
            return _cmd_schema()
        if args.command == "report":
            return _cmd_report(args)
    except KeyboardInterrupt:
        print("simcoop: interrupted; no output was written", file=sys.stderr)
        return 130
    parser.error(f"unknown command {args.command}")  # pragma: no cover
    return EXIT_BAD_INPUT  # pragma: no cover


def _cmd_solve(args: argparse.Namespace) -> int:
    import os
    import tempfile

    import yaml

    from simcoop.runner import default_scenario_path
    from simcoop.scenario import ScenarioError, load_scenario
    from simcoop.solve import solve, with_extra_funding

    path = args.scenario if args.scenario is not None else default_scenario_path()
    try:
        scenario = load_scenario(path)
    except ScenarioError as exc:
        print(f"simcoop: cannot solve {path}:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.write_scenario is not None and args.write_scenario.exists() and not args.force:
        print(f"simcoop: {args.write_scenario} exists; use --force to overwrite it", file=sys.stderr)
        return EXIT_BAD_INPUT
    out = args.out if args.out is not None else Path("outputs") / _safe_folder_name(scenario.meta.name)

    def step(info: dict) -> None:  # type: ignore[type-arg]
        if not args.quiet:
            print(
                f"  tried {info['value']:>14,.2f}: {info['outcome']:<28} P(insolvency) {info['insolvency']:.1%}, "
                f"break-even share {info['break_even']:.1%}, public-share ok {info['public_share']:.1%}",
                file=sys.stderr,
            )

    if not args.quiet:
        print(f"simcoop: solving {scenario.meta.name} for {args.target}", file=sys.stderr)
    try:
        solution = solve(
            scenario, target=args.target, replications=args.replications, seed=args.seed, jobs=args.jobs,
            years=args.years, uncertainty=not args.no_uncertainty, on_step=step,
        )  # fmt: skip
    except ValueError as exc:
        print(f"simcoop: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".solve.", suffix=".json", dir=out)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(solution.to_dict(), fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        os.replace(tmp, out / "solve.json")
    except OSError as exc:
        return _output_refused(out, exc)
    low, high = solution.spread
    if solution.value is None:
        print(f"no {args.target} level in the search range meets the criteria (baseline: {solution.baseline_outcome})")
    else:
        what = {
            "funding": f"{solution.value:,.0f} EUR a year of extra public funding for {solution.years} year(s) from {solution.first_month}",
            "accueils": f"{solution.value:,.0f} accueils a year at maturity",
            "contribution": f"a contribution rate of {solution.value:.1%}",
        }[args.target]
        rng = f"{low:,.0f}" if low is not None else "?"
        rng2 = f"{high:,.0f}" if high is not None else "beyond the search range"
        print(f"{scenario.meta.name}: {what}")
        print(f"  verdict at that level: {solution.outcome_at_solution}; all criteria met: {'yes' if solution.met else 'no'}")
        print(
            f"  P(insolvency) {solution.insolvency_probability:.1%} (95% CI {solution.insolvency_ci[0]:.1%}-{solution.insolvency_ci[1]:.1%}); "
            f"range on the ends of the intervals: {rng} to {rng2}"
        )
        print(f"  {solution.replications} replications per candidate, seed {solution.seed}, {solution.evaluations} candidates")
        if args.write_scenario is not None:
            if args.target == "funding":
                solved = with_extra_funding(scenario, solution.value, solution.years)
            elif args.target == "accueils":
                solved = scenario.replace({"territory.accueils_per_year_at_maturity": solution.value})
            else:
                solved = scenario.replace({"cooperative.contribution.rate": solution.value})
            text = "# Written by `simcoop solve`: the scenario with the answer applied.\n" + yaml.safe_dump(
                solved.to_dict(), allow_unicode=True, sort_keys=False
            )
            args.write_scenario.write_text(text, encoding="utf-8")
            print(f"  wrote {args.write_scenario}")
    print(f"wrote {out / 'solve.json'}")
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from simcoop.experiments import load_variants
    from simcoop.scenario import ScenarioError

    status = EXIT_OK
    for path in args.files:
        try:
            scenarios = load_variants(path)  # the base scenario, then its variants if any
            scenario = next(iter(scenarios.values()))
        except ScenarioError as exc:
            status = EXIT_BAD_INPUT
            count = len(exc.problems)
            print(f"{path}: {count} problem{'s' if count != 1 else ''}", file=sys.stderr)
            for problem in exc.problems:
                print(f"  {problem}", file=sys.stderr)
        else:
            variants = list(scenarios)[1:]
            extra = f"; {len(variants)} valid variant(s): {', '.join(variants)}" if variants else ""
            print(f"{path}: valid scenario '{scenario.meta.name}' ({scenario.meta.horizon_months} months from {scenario.meta.start_month}){extra}")
    return status


def _cmd_schema() -> int:
    from simcoop.scenario import Scenario

    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "simcoop scenario"
    schema.setdefault("properties", {})["variants"] = {
        "type": "object",
        "description": "Named variants for `simcoop compare`: variant name -> {dotted key: new value}.",
        "additionalProperties": {"type": "object"},
    }
    print(json.dumps(schema, indent=2, ensure_ascii=False))
    return EXIT_OK


def _safe_folder_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    return cleaned or "scenario"


def _output_refused(out: Path, exc: OSError) -> int:
    """Say why the output folder cannot be written (a different run there, or the system)."""
    from simcoop.results import OutputExistsError

    message = str(exc) if isinstance(exc, OutputExistsError) else f"cannot write {out}: {exc}"
    print(f"simcoop: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _cmd_run(args: argparse.Namespace) -> int:
    from simcoop.results import check_output_folder
    from simcoop.runner import default_scenario_path, simulate
    from simcoop.scenario import ScenarioError, load_scenario

    path = args.scenario if args.scenario is not None else default_scenario_path()
    try:
        scenario = load_scenario(path)
    except ScenarioError as exc:
        print(f"simcoop: cannot run {path}:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    out = args.out if args.out is not None else Path("outputs") / _safe_folder_name(scenario.meta.name)
    replications = args.replications or scenario.simulation.replications
    seed = scenario.simulation.seed if args.seed is None else args.seed
    if not args.quiet:
        print(
            f"simcoop: {scenario.meta.name} — {replications} replications, seed {seed}, {args.jobs} job(s) -> {out}",
            file=sys.stderr,
        )
    try:  # check the output folder before spending time on the simulation
        check_output_folder(out, scenario, seed, replications, args.force)
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return _output_refused(out, exc)
    started = time.perf_counter()
    results = simulate(
        scenario,
        replications=replications,
        seed=seed,
        jobs=args.jobs,
        progress=not args.quiet and sys.stderr.isatty(),
        compare_portage=args.compare_portage,
    )
    try:
        results.save(out, force=args.force)
    except OSError as exc:
        return _output_refused(out, exc)
    elapsed = time.perf_counter() - started
    if not args.quiet:
        print(results.headline())
        if args.compare_portage:
            print()
            print(results.portage_table())
        extra = ", funding.csv" + (", portage.csv, portage_comparison.csv" if args.compare_portage else "")
        print(f"\nwrote {out}/ (manifest.json, monthly, yearly, events, kpis.csv, summary.csv{extra}) in {elapsed:.1f} s")
    if args.sensitivity or args.sensitivity_replications:  # before the report, which draws its tornado from it
        status = _run_sensitivity(args, scenario, out, seed, args.sensitivity_replications or min(replications, 100))
        if status != EXIT_OK:
            return status
    if args.solve:  # before the report, whose first page quotes the funding needed
        solve_args = argparse.Namespace(
            scenario=path, target="funding", years=None, replications=min(replications, 100), seed=seed,
            jobs=args.jobs, out=out, write_scenario=None, force=False, no_uncertainty=False, quiet=args.quiet,
        )  # fmt: skip
        if not args.quiet:
            print(file=sys.stderr)
        status = _cmd_solve(solve_args)
        if status != EXIT_OK:
            return status
    if args.report and _cmd_report(argparse.Namespace(run_dir=out, quiet=args.quiet)) != EXIT_OK:
        return EXIT_FAILURE
    return EXIT_OK


def _run_sensitivity(args: argparse.Namespace, scenario: Any, out: Path, seed: int, replications: int) -> int:
    """Write sensitivity.csv into the run folder: each default assumption varied one at a time."""
    from simcoop.experiments import default_sensitivity_parameters, sensitivity, sensitivity_text, write_csv
    from simcoop.scenario import ScenarioError

    parameters = default_sensitivity_parameters(scenario)
    if not args.quiet:
        runs = 1 + 2 * len(parameters)
        print(f"\nsimcoop: sensitivity — {len(parameters)} assumptions, up to {runs} runs of {replications} replications", file=sys.stderr)
    started = time.perf_counter()
    try:
        table = sensitivity(scenario, parameters, replications, seed, args.jobs, progress=not args.quiet and sys.stderr.isatty())
    except ScenarioError as exc:
        print("simcoop: a sensitivity variation is not a valid scenario:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        write_csv(table, out / "sensitivity.csv")
    except OSError as exc:
        return _output_refused(out / "sensitivity.csv", exc)
    if not args.quiet:
        print()
        print(sensitivity_text(table))
        print(f"\nwrote {out}/sensitivity.csv in {time.perf_counter() - started:.1f} s")
    return EXIT_OK


def _cmd_compare(args: argparse.Namespace) -> int:
    from simcoop.experiments import check_comparison_output, compare, comparison_manifest_key, load_variants
    from simcoop.scenario import ScenarioError, load_scenario

    scenarios: dict = {}
    status = EXIT_OK
    for path in args.files:
        try:
            loaded = load_variants(path) if len(args.files) == 1 else {(s := load_scenario(path)).meta.name: s}
        except ScenarioError as exc:
            print(f"simcoop: cannot compare {path}:", file=sys.stderr)
            for problem in exc.problems:
                print(f"  {problem}", file=sys.stderr)
            status = EXIT_BAD_INPUT
            continue
        for name, scenario in loaded.items():
            label, k = name, 2
            while label in scenarios:  # two files may share a meta.name
                label, k = f"{name} ({k})", k + 1
            scenarios[label] = scenario
    if status != EXIT_OK:
        return status
    if len(scenarios) < 2:
        print(
            f"simcoop: nothing to compare: {args.files[0]} has no `variants:` block; give two or more scenario "
            "files, or add variants (see simcoop compare --help)",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    baseline = next(iter(scenarios.values()))
    replications = args.replications or baseline.simulation.replications
    seed = baseline.simulation.seed if args.seed is None else args.seed
    out = args.out or Path("outputs") / f"comparison_{_safe_folder_name('_'.join(scenarios))[:120]}.csv"
    if not args.quiet:
        print(
            f"simcoop: comparing {len(scenarios)} scenarios ({', '.join(scenarios)}) — {replications} replications "
            f"each, seed {seed}, {args.jobs} job(s) -> {out}",
            file=sys.stderr,
        )
    try:  # check the output before spending time on the simulation
        check_comparison_output(out, comparison_manifest_key(scenarios, replications, seed), args.force)
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return _output_refused(out, exc)
    started = time.perf_counter()
    comparison = compare(scenarios, replications, seed, args.jobs, progress=not args.quiet and sys.stderr.isatty())
    try:
        comparison.to_csv(out)
    except OSError as exc:
        return _output_refused(out, exc)
    if not args.quiet:
        print(comparison.to_text())
        print(f"\nwrote {out} (and {out.with_suffix('.json').name}) in {time.perf_counter() - started:.1f} s")
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    """Write report.html and report.pdf into a run folder; print their paths."""
    from simcoop.report import NotARunFolder, is_run_folder, write_report

    if not is_run_folder(args.run_dir):
        print(
            f"simcoop: {args.run_dir} is not a simcoop run folder (it needs manifest.json, monthly.parquet, "
            "yearly.parquet and kpis.csv, as written by `simcoop run`)",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    try:
        html_path, pdf_path = write_report(args.run_dir)
    except NotARunFolder as exc:
        print(f"simcoop: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"simcoop: cannot write the report into {args.run_dir}: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    if not getattr(args, "quiet", False):
        print(html_path)
        print(pdf_path)
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
