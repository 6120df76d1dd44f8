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


def _replications_or_auto(text: str) -> int | str:
    """``simcoop run -n``: a number of replications >= 1, or ``auto`` (until --precision is reached)."""
    if text.strip().lower() == "auto":
        return "auto"
    try:
        int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number or 'auto', got {text!r}") from None
    return _positive_int(text)


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1 (e.g. 0.05), got {text}")
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
    run.add_argument(
        "-n",
        "--replications",
        type=_replications_or_auto,
        help=(
            "Monte Carlo replications (default: the scenario's simulation.replications), or 'auto': add batches "
            "of replications until the main KPIs are known to --precision (writes precision.json)"
        ),
    )
    # --- precision (simcoop.precision) ---
    run.add_argument(
        "--precision",
        type=_fraction,
        metavar="P",
        help=(
            "with -n auto (implies it): target 95%% half-width, absolute for probabilities (0.05 = ±5 points) "
            "and relative to the mean for the other KPIs (0.05 = ±5%%); default 0.05"
        ),
    )
    run.add_argument(
        "--max-replications",
        type=_positive_int,
        metavar="N",
        default=2000,
        help="with -n auto: stop at N replications even if the precision is not reached (default 2000)",
    )
    # --- end precision ---
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
    # --- scale out (simcoop.executors, simcoop.store) ---
    run.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help=(
            "where the replications run: tcp://HOST:PORT sends them to an existing Dask scheduler, 'local' starts a "
            "Dask LocalCluster on this machine, 'pool' (the default) uses --jobs processes; default: the "
            "SIMCOOP_SCHEDULER environment variable, if set. Results do not depend on it"
        ),
    )
    run.add_argument(
        "--dask-workers",
        type=_positive_int,
        metavar="N",
        help="workers of the Dask LocalCluster (implies --scheduler local; default: --jobs if above 1, else the CPUs)",
    )
    run.add_argument(
        "--fresh",
        action="store_true",
        help=(
            "discard the finished chunks of an interrupted run of the same scenario, seed and replications "
            "(<out>.partial/) instead of resuming from them"
        ),
    )
    # --- end scale out ---

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

    # --- sensitivity (simcoop.gsa) ---
    gsa = sub.add_parser(
        "sensitivity",
        help="global sensitivity analysis (Morris screening or Sobol indices, with SALib)",
        description=(
            "Vary several assumptions at once over their ranges and measure how much each moves a KPI. "
            "Every sample point is the scenario run over a few replications on the same seed (common random "
            "numbers), and the output is the mean over those replications.\n\n"
            "  morris  screening of many assumptions: --samples trajectories (default 10) of D+1 points on a "
            "4-level grid; mu* ranks the assumptions (effect over the range, in the output's unit), sigma "
            "shows interactions\n"
            "  sobol   variance shares for a few assumptions (those Morris singles out): Saltelli scheme, "
            "--samples N (a power of 2, default 64) -> N(2D+2) points; S1 first order, ST total\n\n"
            "--params key.path=low:high sets the assumptions and their ranges (dotted keys as in `variants:`; "
            "a * stands for every item of a list and makes one factor, its bounds multiplying each item, "
            "e.g. activities.sectors.*.turnover_median_eur_per_year=0.8:1.2). Without --params, eight key "
            "assumptions with the ranges of `simcoop run --sensitivity` around the scenario's values."
        ),
        epilog=(
            "examples:\n"
            "  simcoop sensitivity scenarios/reference.yaml -j 2\n"
            "  simcoop sensitivity my.yaml --method sobol -n 10 --params cooperative.contribution.rate=0.08:0.12 \\\n"
            "      territory.accueils_per_year_at_maturity=120:240 --output min_coop_treasury_eur insolvency_probability\n\n"
            "Writes <method>_indices.csv, <method>.png (ranked bars with 95% intervals), <method>_samples.csv "
            "(each point's values and outputs) and <method>.json (provenance) into OUTDIR (default "
            "outputs/<scenario name>_sensitivity); existing files are replaced only if they hold the same "
            "analysis, or with --force."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    gsa.add_argument("scenario", nargs="?", type=Path, help="scenario YAML file (default: scenarios/reference.yaml)")
    gsa.add_argument("--method", choices=["morris", "sobol"], default="morris", help="morris (default) or sobol")
    gsa.add_argument("--params", nargs="+", action="extend", metavar="KEY=LOW:HIGH", help="assumptions and their ranges (default: eight key assumptions)")
    gsa.add_argument(
        "--output", nargs="+", action="extend", metavar="KPI",
        help="KPIs analysed, each as its mean over the replications (default min_coop_treasury_eur; e.g. insolvency_probability, final_coop_treasury_eur, break_even_month)",
    )  # fmt: skip
    gsa.add_argument("-n", "--replications", type=_positive_int, default=10, help="replications per sample point (default 10)")
    gsa.add_argument("--samples", type=_positive_int, metavar="N", help="Morris trajectories (default 10) or Sobol base sample, a power of 2 (default 64)")
    gsa.add_argument("-s", "--seed", type=_non_negative_int, help="seed of the sample, the simulations and the bootstrap (default: the scenario's)")
    gsa.add_argument("-j", "--jobs", type=_positive_int, default=1, help="worker processes (default 1); results do not depend on it")
    gsa.add_argument("-o", "--out", type=Path, metavar="OUTDIR", help="output folder (default: outputs/<scenario name>_sensitivity)")
    gsa.add_argument("--force", action="store_true", help="replace the output files even if they hold a different analysis")
    gsa.add_argument("-q", "--quiet", action="store_true", help="no estimate, progress bar or table")
    # --- end sensitivity ---

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

    # --- calibrate (simcoop.calibration) ---
    calibrate = sub.add_parser(
        "calibrate",
        help="estimate a scenario's parameters from a CAE's own records (enDI-shaped exports)",
        description=(
            "Read RECORDS_DIR (parcours.csv: career-path steps; chiffre_affaires.csv: monthly turnover per entrepreneur; "
            "see docs/calibration.md), estimate arrivals, seasonality, entry and direct-CESA shares, exit hazards, "
            "destinations and turnover by sector, and write the base scenario with those keys replaced."
        ),
    )
    calibrate.add_argument("records_dir", type=Path, metavar="RECORDS_DIR", help="folder holding parcours.csv and chiffre_affaires.csv")
    calibrate.add_argument("--base", type=Path, required=True, metavar="SCENARIO", help="scenario whose other values are kept")
    calibrate.add_argument("--out", type=Path, required=True, metavar="FILE", help="calibrated scenario to write (YAML)")
    calibrate.add_argument("--report", type=Path, metavar="FILE", help="fit report to write (markdown; default: FILE next to --out, _fit_report.md)")
    calibrate.add_argument("--mapping", type=Path, metavar="FILE", help="YAML mapping of file, column and value names (docs/calibration.md)")
    calibrate.add_argument("--force", action="store_true", help="overwrite --out and --report if they exist")
    # --- end calibrate ---

    # --- backtest (simcoop.backtest) ---
    backtest = sub.add_parser(
        "backtest",
        help="compare a scenario's simulated years with figures a CAE published",
        description=(
            "Simulate SCENARIO and, for each figure of OBSERVED (a CSV: year plus any yearly.csv columns), print the "
            "simulated median, the 90%% predictive interval (5-95%%), whether the observation is inside and the error; "
            "then the overall coverage."
        ),
    )
    backtest.add_argument("scenario", type=Path, metavar="SCENARIO")
    backtest.add_argument("observed", type=Path, metavar="OBSERVED", help="CSV of observed yearly figures")
    backtest.add_argument("-n", "--replications", type=_positive_int, default=200, help="replications (default 200)")
    backtest.add_argument("-s", "--seed", type=_non_negative_int, help="root random seed (default: the scenario's simulation.seed)")
    backtest.add_argument("-j", "--jobs", type=_positive_int, default=1, help="worker processes (default 1)")
    backtest.add_argument("-o", "--out", type=Path, metavar="FILE", help="also write the table as CSV")
    # --- end backtest ---

    # --- network and territories (simcoop.network, simcoop.territories) ---
    network = sub.add_parser(
        "network",
        help="simulate a network of CAE together: totals by year and the union's votes",
        description=(
            "Simulate every cooperative of a network file (each a scenario file, or the network's base scenario with "
            "dotted overrides, and its opening month) on the same replications and seed, from its opening to the "
            "network's end month. Writes network_yearly.csv (totals by replication and year), network_summary.csv "
            "(median and 5-95% range by year), governance.csv (the UES vote shares at each year end, statutes art. 18), "
            "members.csv, members_yearly.csv and manifest.json into the output folder, and prints the totals."
        ),
        epilog=(
            "example:\n  simcoop network scenarios/network_example.yaml -n 100 -j 2\n\n"
            "The output folder is written atomically and replaced only if it holds the same network run, or with --force."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    network.add_argument("file", type=Path, metavar="FILE", help="network YAML file")
    network.add_argument("-n", "--replications", type=_positive_int, help="replications of every member (default: the file's simulation.replications)")
    network.add_argument("-s", "--seed", type=_non_negative_int, help="root random seed, shared by all members (default: the file's)")
    network.add_argument("-j", "--jobs", type=_positive_int, default=1, help="worker processes (default 1); results do not depend on it")
    network.add_argument("-o", "--out", type=Path, help="output folder (default: outputs/network_<name>)")
    network.add_argument("--force", action="store_true", help="replace the output folder even if it holds a different run")
    network.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no table")

    territories = sub.add_parser(
        "territories",
        help="rank candidate territories or site plans by the viability criteria",
        description=(
            "Simulate each candidate of a candidates file (a base scenario and, per candidate, dotted overrides) on "
            "common random numbers and rank them: by verdict outcome, then P(insolvency), then the median lowest own "
            "treasury. The uncertainty of the ranking comes from a paired bootstrap of the replications: per candidate, "
            "the probability of each rank and of being first. Writes territories.csv and manifest.json into the output "
            "folder and prints the ranked table."
        ),
        epilog="example:\n  simcoop territories scenarios/territories_example.yaml -n 200 -j 2",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    territories.add_argument("file", type=Path, metavar="FILE", help="candidates YAML file")
    territories.add_argument("-n", "--replications", type=_positive_int, help="replications per candidate (default: the file's simulation.replications)")
    territories.add_argument("-s", "--seed", type=_non_negative_int, help="root random seed, shared by all candidates (default: the file's)")
    territories.add_argument("-j", "--jobs", type=_positive_int, default=1, help="worker processes (default 1); results do not depend on it")
    territories.add_argument("-B", "--bootstrap", type=_positive_int, help="bootstrap resamples for the rank probabilities (default: the file's, else 500)")
    territories.add_argument("-o", "--out", type=Path, help="output folder (default: outputs/territories_<name>)")
    territories.add_argument("--force", action="store_true", help="replace the output folder even if it holds a different run")
    territories.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no table")
    # --- end network and territories ---

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
        if args.command == "sensitivity":
            return _cmd_sensitivity(args)
        if args.command == "calibrate":
            return _cmd_calibrate(args)
        if args.command == "backtest":
            return _cmd_backtest(args)
        if args.command == "network":
            return _cmd_network(args)
        if args.command == "territories":
            return _cmd_territories(args)
    except KeyboardInterrupt:
        print("simcoop: interrupted; no output was written", file=sys.stderr)
        return 130
    parser.error(f"unknown command {args.command}")  # pragma: no cover
    return EXIT_BAD_INPUT  # pragma: no cover


def _cmd_solve(args: argparse.Namespace) -> int:
    import yaml

    from simcoop._atomic import write_json_atomically
    from simcoop.runner import default_scenario_path
    from simcoop.scenario import ScenarioError, load_scenario
    from simcoop.solve import solve, with_extra_funding

    path = args.scenario if args.scenario is not None else default_scenario_path()
    try:
        scenario = load_scenario(path)
    except ScenarioError as exc:
        return _problems(f"simcoop: cannot solve {path}:", exc)
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
        write_json_atomically(out / "solve.json", solution.to_dict())
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
        shown = "{:.1%}" if args.target == "contribution" else "{:,.0f}"
        rng = shown.format(low) if low is not None else "?"
        rng2 = shown.format(high) if high is not None else "beyond the search range"
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
        kind = _study_kind(path)
        try:
            if kind == "network":
                from simcoop.network import load_network

                network = load_network(path)
                print(f"{path}: valid network file ({len(network.members)} CAE)")
                continue
            if kind == "candidates":
                from simcoop.territories import load_candidates

                candidates = load_candidates(path)
                print(f"{path}: valid candidates file ({len(candidates.scenarios)} candidates)")
                continue
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


def _study_kind(path: Path) -> str:
    """'network' or 'candidates' for the study files of `simcoop network` / `territories`, else 'scenario'."""
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return "scenario"  # load_scenario reports the problem with its line
    if isinstance(data, dict) and "meta" not in data:
        if "members" in data:
            return "network"
        if "candidates" in data:
            return "candidates"
    return "scenario"


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


def _problems(header: str, exc: Any) -> int:
    """Print ``header`` and every problem of a ScenarioError (file, line, key, message); the bad-input code."""
    print(header, file=sys.stderr)
    for problem in exc.problems:
        print(f"  {problem}", file=sys.stderr)
    return EXIT_BAD_INPUT


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
    from simcoop.runner import default_scenario_path
    from simcoop.scenario import ScenarioError, load_scenario

    path = args.scenario if args.scenario is not None else default_scenario_path()
    try:
        scenario = load_scenario(path)
    except ScenarioError as exc:
        return _problems(f"simcoop: cannot run {path}:", exc)
    out = args.out if args.out is not None else Path("outputs") / _safe_folder_name(scenario.meta.name)
    auto = args.replications == "auto" or (args.precision is not None and args.replications is None)
    if args.precision is not None and not auto:
        print("simcoop: --precision goes with --replications auto (or without -n)", file=sys.stderr)
        return EXIT_BAD_INPUT
    precision = 0.05 if args.precision is None else args.precision
    replications = "auto" if auto else (args.replications or scenario.simulation.replications)
    seed = scenario.simulation.seed if args.seed is None else args.seed
    if not args.quiet:
        how = (
            f"replications until ±{precision:g} (at most {args.max_replications})" if auto else f"{replications} replications"
        )
        print(f"simcoop: {scenario.meta.name} — {how}, seed {seed}, {args.jobs} job(s) -> {out}", file=sys.stderr)
    try:  # check the output folder before spending time on the simulation
        expected = _auto_replications_in(out, seed, precision, args.max_replications) if auto else replications
        check_output_folder(out, scenario, seed, expected, args.force)
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return _output_refused(out, exc)
    started = time.perf_counter()
    precision_report = None
    if auto:
        from simcoop.precision import simulate_to_precision

        try:
            results, precision_report = simulate_to_precision(
                scenario, precision=precision, seed=seed, jobs=args.jobs, max_replications=args.max_replications,
                progress=not args.quiet and sys.stderr.isatty(), compare_portage=args.compare_portage,
            )  # fmt: skip
        except ValueError as exc:
            print(f"simcoop: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        replications = results.replications
    else:  # streamed to <out>.partial/ chunk by chunk, resumable, and saved (simcoop.store)
        results = _run_streamed(args, scenario, out, replications, seed)
        if isinstance(results, int):
            return results
    try:
        if auto:
            results.save(out, force=args.force)
        if precision_report is not None:  # after save, which replaces the whole folder
            from simcoop._atomic import write_json_atomically

            write_json_atomically(out / "precision.json", precision_report.to_dict())
    except OSError as exc:
        return _output_refused(out, exc)
    elapsed = time.perf_counter() - started
    if precision_report is not None and not args.quiet:
        print(precision_report.to_text())
        print()
    if not args.quiet:
        print(results.headline())
        if args.compare_portage:
            print()
            print(results.portage_table())
        extra = ", funding.csv" + (", portage.csv, portage_comparison.csv" if args.compare_portage else "")
        extra += ", precision.json" if precision_report is not None else ""
        print(f"\nwrote {out}/ (manifest.json, monthly, yearly, events, kpis.csv, summary.csv, reality_check.csv{extra}) in {elapsed:.1f} s")
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


def _auto_replications_in(out: Path, seed: int, precision: float, max_replications: int) -> int:
    """The replications of the auto-precision run in ``out`` if it had the same settings, else -1.

    Lets ``check_output_folder`` accept rerunning the same ``-n auto`` run (same scenario, seed,
    precision and cap give the same count) and refuse any other run before simulating.
    """
    try:
        old = json.loads((out / "precision.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return -1
    same = (old.get("seed"), old.get("precision"), old.get("max_replications")) == (seed, precision, max_replications)
    return int(old.get("replications", -1)) if same else -1


def _cmd_sensitivity(args: argparse.Namespace) -> int:
    """Global sensitivity (simcoop.gsa): estimate, run, then write the indices, chart, samples and manifest."""
    from simcoop import gsa
    from simcoop._atomic import write_json_atomically
    from simcoop.experiments import write_csv
    from simcoop.results import OutputExistsError
    from simcoop.runner import default_scenario_path, simulate
    from simcoop.scenario import ScenarioError, load_scenario

    path = args.scenario if args.scenario is not None else default_scenario_path()
    try:
        scenario = load_scenario(path)
    except ScenarioError as exc:
        return _problems(f"simcoop: cannot analyse {path}:", exc)
    seed = scenario.simulation.seed if args.seed is None else args.seed
    samples = args.samples if args.samples is not None else gsa.DEFAULT_SAMPLES[args.method]
    outputs = list(dict.fromkeys(o for text in (args.output or [gsa.DEFAULT_OUTPUT]) for o in text.split(",") if o))
    try:
        params = [gsa.parse_param(p) for p in args.params] if args.params else gsa.default_parameters(scenario)
        problem = gsa.problem(params)
        unknown = [o for o in outputs if o not in gsa.output_names()]
        if unknown:
            raise ValueError(f"unknown --output {', '.join(unknown)}; choose among {', '.join(gsa.output_names())}")
        if args.method == "sobol" and samples & (samples - 1):
            raise ValueError(f"--samples for sobol must be a power of 2 (e.g. 32, 64, 128), got {samples}")
        warnings = gsa.check_parameters(scenario, params)
    except (ValueError, KeyError) as exc:
        print(f"simcoop: {exc.args[0] if isinstance(exc, KeyError) else exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ScenarioError as exc:
        print("simcoop: a parameter range gives an invalid scenario:", file=sys.stderr)
        for problem_ in exc.problems:
            print(f"  {problem_}", file=sys.stderr)
        return EXIT_BAD_INPUT
    out = args.out if args.out is not None else Path("outputs") / f"{_safe_folder_name(scenario.meta.name)}_sensitivity"
    stem = args.method
    files = [out / f"{stem}_indices.csv", out / f"{stem}_samples.csv", out / f"{stem}.png", out / f"{stem}.json"]
    key = {
        "scenario_hash": scenario.scenario_hash(), "method": args.method, "seed": seed,
        "replications_per_point": args.replications, "samples": samples, "outputs": outputs,
        "parameters": [{"key": k, "low": lo, "high": hi, "grouped_factor": "*" in k} for k, lo, hi in params],
    }  # fmt: skip
    if not args.force and any(f.exists() for f in files):
        try:
            old = json.loads(files[-1].read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            old = {}
        if {k: old.get(k) for k in key} != key:
            return _output_refused(out, OutputExistsError(
                f"{out} holds other {stem} sensitivity files; use --force to replace them, or choose another -o"
            ))  # fmt: skip
    points = gsa.point_count(args.method, problem["num_vars"], samples)
    for warning in warnings:
        print(f"simcoop: warning: {warning}", file=sys.stderr)
    if not args.quiet:
        probe = time.perf_counter()
        simulate(scenario, replications=1, seed=seed)  # one replication to time the estimate
        per_rep = time.perf_counter() - probe
        estimate = points * args.replications * per_rep / args.jobs
        print(
            f"simcoop: {args.method} sensitivity of {scenario.meta.name} — {problem['num_vars']} parameters, "
            f"{points} points x {args.replications} replications = {points * args.replications:,} replications, "
            f"about {_duration(estimate)} with {args.jobs} job(s) -> {out}",
            file=sys.stderr,
        )
        if args.method == "sobol" and problem["num_vars"] > 4:
            print(
                "simcoop: warning: Sobol with many parameters is costly; screen them with --method morris and "
                "give the few that matter with --params",
                file=sys.stderr,
            )
    try:
        result = gsa.run_gsa(
            scenario, params, args.method, outputs, args.replications, samples, seed, args.jobs,
            progress=not args.quiet and sys.stderr.isatty(),
        )  # fmt: skip
    except ScenarioError as exc:
        print("simcoop: a sample point is not a valid scenario:", file=sys.stderr)
        for problem_ in exc.problems:
            print(f"  {problem_}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        out.mkdir(parents=True, exist_ok=True)
        write_csv(result.indices, files[0])
        write_csv(result.samples_frame(), files[1])
        fig = gsa.figure(result)
        fig.savefig(files[2], dpi=120)
        import matplotlib.pyplot as plt

        plt.close(fig)
        write_json_atomically(files[3], result.manifest())
    except OSError as exc:
        return _output_refused(out, exc)
    if not args.quiet:
        print(result.to_text())
        print(f"\nwrote {', '.join(str(f) for f in files)} in {result.runtime_seconds:.1f} s")
    return EXIT_OK


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


# --- scale out (simcoop.executors, simcoop.store) ---
def _run_streamed(args: argparse.Namespace, scenario: Any, out: Path, replications: int, seed: int) -> Any:
    """Run on the chosen executor, streaming chunks to ``<out>.partial/``, and save ``out``; an exit code on failure.

    An interrupted run (Ctrl-C or SIGTERM) keeps its finished chunks; the same command resumes from them.
    """
    import os
    import signal

    from simcoop.executors import ExecutorError, open_executor, parse_scheduler
    from simcoop.store import partial_folder, simulate_to_folder

    try:
        scheduler = parse_scheduler(args.scheduler if args.scheduler is not None else os.environ.get("SIMCOOP_SCHEDULER"))
        timeout = float(os.environ.get("SIMCOOP_SCHEDULER_TIMEOUT", "10"))
    except ValueError as exc:
        print(f"simcoop: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    partial = partial_folder(out)
    show = not args.quiet

    def on_sigterm(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt  # unwinds like Ctrl-C: the executor shuts down, the chunks stay

    import threading

    main_thread = threading.current_thread() is threading.main_thread()  # signal handlers only go there
    previous = signal.signal(signal.SIGTERM, on_sigterm) if main_thread else None
    bar = None
    try:
        with open_executor(args.jobs, scheduler, args.dask_workers, timeout) as executor:
            if show and (scheduler or args.dask_workers):
                print(f"simcoop: running on {executor.description}", file=sys.stderr)
            callback = None
            if show and sys.stderr.isatty():
                from tqdm import tqdm

                bar = tqdm(total=replications, desc=f"simulating {scenario.meta.name}", unit="rep", leave=False)
                callback = bar.update

            def resuming(done: int) -> None:
                if show:
                    print(f"simcoop: resuming: {done} of {replications} replications already in {partial}/", file=sys.stderr)

            return simulate_to_folder(
                scenario, out, replications=replications, seed=seed, executor=executor,
                compare_portage=args.compare_portage, force=args.force, fresh=args.fresh, on_progress=callback,
                on_resume=resuming,
            )  # fmt: skip
    except ExecutorError as exc:
        print(f"simcoop: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except OSError as exc:  # the output folder or the work folder refused (another run's chunks, permissions)
        return _output_refused(out, exc)
    except KeyboardInterrupt:
        if bar is not None:
            bar.close()
            bar = None
        kept = f"; the finished chunks are kept in {partial}/: run the same command again to resume" if partial.is_dir() else ""
        print(f"simcoop: interrupted; {out} was not written{kept}", file=sys.stderr)
        return 130
    finally:
        if bar is not None:
            bar.close()
        if main_thread:
            signal.signal(signal.SIGTERM, previous)


# --- end scale out ---


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
        return _problems("simcoop: a sensitivity variation is not a valid scenario:", exc)
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
            status = _problems(f"simcoop: cannot compare {path}:", exc)
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


# --- network and territories (simcoop.network, simcoop.territories) ---
def _cmd_network(args: argparse.Namespace) -> int:
    from simcoop._outdir import check_study_folder
    from simcoop.network import load_network, simulate_network
    from simcoop.scenario import ScenarioError

    try:
        network = load_network(args.file)
    except ScenarioError as exc:
        return _problems(f"simcoop: cannot run the network {args.file}:", exc)
    replications = args.replications or network.replications
    seed = network.seed if args.seed is None else args.seed
    out = args.out if args.out is not None else Path("outputs") / f"network_{_safe_folder_name(network.name)}"
    identity = {"kind": "network", "input_hash": network.input_hash(), "seed": seed, "replications": replications}
    try:  # check the output folder before spending time on the simulation
        check_study_folder(out, identity, args.force)
    except OSError as exc:
        return _output_refused(out, exc)
    if not args.quiet:
        print(
            f"simcoop: network {network.name} — {len(network.members)} CAE to {network.end_month}, {replications} "
            f"replications each, seed {seed}, {args.jobs} job(s) -> {out}",
            file=sys.stderr,
        )
    started = time.perf_counter()
    results = simulate_network(network, replications, seed, args.jobs, progress=not args.quiet and sys.stderr.isatty())
    try:
        results.save(out, force=args.force)
    except OSError as exc:
        return _output_refused(out, exc)
    if not args.quiet:
        print(results.to_text())
        print(
            f"\nwrote {out}/ (network_yearly.csv, network_summary.csv, governance.csv, members.csv, members_yearly.csv, "
            f"manifest.json) in {time.perf_counter() - started:.1f} s"
        )
    return EXIT_OK


def _cmd_territories(args: argparse.Namespace) -> int:
    from simcoop._outdir import check_study_folder
    from simcoop.scenario import ScenarioError
    from simcoop.territories import load_candidates, rank_territories

    try:
        candidates = load_candidates(args.file)
    except ScenarioError as exc:
        return _problems(f"simcoop: cannot rank the candidates of {args.file}:", exc)
    if args.bootstrap is not None:
        from dataclasses import replace

        candidates = replace(candidates, bootstrap=args.bootstrap)
    replications = args.replications or candidates.replications
    seed = candidates.seed if args.seed is None else args.seed
    out = args.out if args.out is not None else Path("outputs") / f"territories_{_safe_folder_name(candidates.name)}"
    identity = {"kind": "territories", "input_hash": candidates.input_hash(), "seed": seed, "replications": replications}
    try:  # check the output folder before spending time on the simulation
        check_study_folder(out, identity, args.force)
    except OSError as exc:
        return _output_refused(out, exc)
    if not args.quiet:
        print(
            f"simcoop: ranking {len(candidates.scenarios)} candidates ({', '.join(candidates.scenarios)}) — "
            f"{replications} replications each, seed {seed}, {args.jobs} job(s) -> {out}",
            file=sys.stderr,
        )
    started = time.perf_counter()
    ranking = rank_territories(candidates, replications, seed, args.jobs, progress=not args.quiet and sys.stderr.isatty())
    try:
        ranking.save(out, force=args.force)
    except OSError as exc:
        return _output_refused(out, exc)
    if not args.quiet:
        print(ranking.to_text())
        print(f"\nwrote {out}/ (territories.csv, manifest.json) in {time.perf_counter() - started:.1f} s")
    return EXIT_OK
# --- end network and territories ---




def _cmd_calibrate(args: argparse.Namespace) -> int:
    """simcoop calibrate: records -> estimates -> calibrated scenario and fit report."""
    from simcoop.calibration import calibrate, calibrated_yaml, fit_report
    from simcoop.records import RecordsError, load_mapping, read_records
    from simcoop.scenario import ScenarioError, load_scenario

    report = args.report or args.out.with_name(args.out.stem + "_fit_report.md")
    existing = [p for p in (args.out, report) if p.exists()]
    if existing and not args.force:
        print(f"simcoop calibrate: {', '.join(map(str, existing))} exists; use --force to overwrite", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        base = load_scenario(args.base)
        mapping = load_mapping(args.mapping) if args.mapping else None
        records = read_records(args.records_dir, mapping)
        result = calibrate(records, base)
        text, scenario = calibrated_yaml(args.base, result)
    except (ScenarioError, RecordsError) as exc:
        print(f"simcoop calibrate: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(fit_report(result, base.meta.name, str(args.base)), encoding="utf-8")
    except OSError as exc:
        print(f"simcoop calibrate: cannot write the output: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    used = sum(1 for e in result.estimates if e.used and e.key)
    warned = [e for e in result.estimates if e.warnings]
    print(f"calibrated '{scenario.meta.name}' from {args.records_dir} (records up to {result.as_of}): "
          f"{len(result.changes)} keys replaced from {used} usable estimates")
    for e in warned:
        print(f"  warning: {e.name}: {'; '.join(e.warnings)}")
    for note in result.notes:
        print(f"  note: {note}")
    print(f"wrote {args.out} and {report}")
    return EXIT_OK


def _cmd_backtest(args: argparse.Namespace) -> int:
    """simcoop backtest: simulated median and 90% interval against each observed yearly figure."""
    import simcoop
    from simcoop.backtest import NON_FIGURES, ObservedError, backtest, format_table, read_observed
    from simcoop.scenario import ScenarioError

    try:
        scenario = simcoop.load_scenario(args.scenario)
    except ScenarioError as exc:
        print(f"simcoop backtest: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    seed = scenario.simulation.seed if args.seed is None else args.seed
    results = simcoop.simulate(scenario, replications=args.replications, seed=seed, jobs=args.jobs)
    figures = [c for c in results.yearly.columns if c not in NON_FIGURES]
    try:
        table = backtest(results.yearly, read_observed(args.observed, figures))
    except ObservedError as exc:
        print(f"simcoop backtest: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"backtest of '{scenario.meta.name}' against {args.observed} ({args.replications} replications, seed {seed})")
    print(format_table(table, args.replications))
    if args.out:
        try:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            table.to_csv(args.out, index=False)
        except OSError as exc:
            print(f"simcoop backtest: cannot write {args.out}: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(f"wrote {args.out}")
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
