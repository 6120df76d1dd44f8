"""``simcoop calibrate`` and ``simcoop backtest``: a CAE's records -> a calibrated scenario, and the check against observed years."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from simcoop.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    iso_date,
    jobs_option,
    distinct_outputs,
    non_negative_int,
    positive_int,
)

#: The published figures shipped with simcoop (a copy of shared/data/cae_public_figures.csv).
SHIPPED_FIGURES = Path(__file__).resolve().parent.parent / "data" / "cae_public_figures.csv"

__all__ = ["SHIPPED_FIGURES", "add_backtest_parser", "add_calibrate_parser", "cmd_backtest", "cmd_calibrate"]


def add_calibrate_parser(sub: Any) -> None:
    """Add the ``calibrate`` command to the subparsers ``sub``."""
    # --- calibrate (simcoop.calibration) ---
    calibrate = sub.add_parser(
        "calibrate",
        help="estimate parameters from a CAE's own records, or a population prior from many CAE's published figures",
        description=(
            "Either read RECORDS_DIR (parcours.csv: career-path steps; chiffre_affaires.csv: monthly turnover per entrepreneur; "
            "see docs/calibration.md), estimate arrivals, seasonality, entry and direct-CESA shares, exit hazards, "
            "destinations and turnover by sector, and write the base scenario with those keys replaced; or, with "
            "--observed FIGURES.csv (published figures of many CAE, one a row), fit a population prior by hierarchical "
            "ABC with the simcoop engine and write its joint samples (a priors file), the hyperparameters and a fit report."
        ),
    )
    calibrate.add_argument("records_dir", type=Path, nargs="?", metavar="RECORDS_DIR", help="folder holding parcours.csv and chiffre_affaires.csv")
    calibrate.add_argument("--observed", type=Path, metavar="FIGURES", help="published figures of many CAE (cae_public_figures.csv shape): fit the population prior")
    calibrate.add_argument("--base", type=Path, metavar="SCENARIO", help="scenario whose other values are kept (required with RECORDS_DIR; with --observed, default the reference)")
    calibrate.add_argument("--out", type=Path, metavar="FILE", help="calibrated scenario (YAML) to write; with --observed the population prior (CSV, default population_prior.csv)")
    calibrate.add_argument("-n", "--draws", type=positive_int, default=1200, help="with --observed: simulations per CAE (default 1200: fewer leave the big CAE a few effective draws and pull the population towards the stage-1 prior; docs/calibration.md)")
    calibrate.add_argument("-s", "--seed", type=non_negative_int, default=2026, help="with --observed: random seed (default 2026)")
    calibrate.add_argument("-j", "--jobs", type=jobs_option, default=1, help="with --observed: worker processes (default 1)")
    calibrate.add_argument("--work", type=Path, metavar="DIR", help="with --observed: keep the simulations here and reuse them when run again with the same inputs")
    calibrate.add_argument("--refine-rounds", type=non_negative_int, default=0, metavar="R",
                           help="with --observed: up to R more stage-1 rounds of DRAWS/2 for the CAE under 30 effective draws (default 0; docs/calibration.md)")
    calibrate.add_argument("--report", type=Path, metavar="FILE", help="fit report to write (markdown; default: FILE next to --out, _fit_report.md)")
    calibrate.add_argument("--mapping", type=Path, metavar="FILE", help="YAML mapping of file, column and value names (docs/calibration.md)")
    calibrate.add_argument(
        "--export-date", type=iso_date, metavar="YYYY-MM-DD",
        help="the day the records were exported (default today); a date after it is refused as a typo",
    )
    calibrate.add_argument("--force", action="store_true", help="overwrite --out and --report if they exist")
    # end calibrate ---
    calibrate.set_defaults(handler=cmd_calibrate)


def add_backtest_parser(sub: Any) -> None:
    """Add the ``backtest`` command to the subparsers ``sub``."""
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
    backtest.add_argument("scenario", type=Path, nargs="?", metavar="SCENARIO")
    backtest.add_argument("observed", type=Path, nargs="?", metavar="OBSERVED", help="CSV of observed yearly figures")
    backtest.add_argument(
        "--cross-validate", type=Path, nargs="?", const=SHIPPED_FIGURES, metavar="FIGURES",
        help="leave each CAE of FIGURES out (default: the shipped cae_public_figures.csv), fit the population prior on "
             "the others and print the coverage of its 50%% and 90%% intervals for the left-out figures",
    )
    backtest.add_argument("--draws", type=positive_int, default=1200, help="with --cross-validate: stage-1 simulations per CAE (default 1200, as calibrate)")
    backtest.add_argument("--per-cae", type=positive_int, default=100, help="with --cross-validate: predictive simulations per left-out CAE (default 100)")
    backtest.add_argument("--refine-rounds", type=non_negative_int, default=0, metavar="R",
                          help="with --cross-validate: the stage-1 extra rounds, as calibrate --observed (default 0)")
    backtest.add_argument("--work", type=Path, metavar="DIR", help="with --cross-validate: reuse (or keep) the stage-1 simulations of `calibrate --observed --work DIR`")
    backtest.add_argument("--markdown", type=Path, metavar="FILE", help="with --cross-validate: also write the tables as markdown")
    backtest.add_argument("-n", "--replications", type=positive_int, default=200, help="replications (default 200)")
    backtest.add_argument("-s", "--seed", type=non_negative_int, help="root random seed (default: the scenario's simulation.seed)")
    backtest.add_argument("-j", "--jobs", type=jobs_option, default=1, help="worker processes (default 1)")
    backtest.add_argument("-o", "--out", type=Path, metavar="FILE", help="also write the table as CSV")
    # end backtest ---
    backtest.set_defaults(handler=cmd_backtest)


def cmd_calibrate(args: argparse.Namespace) -> int:
    """simcoop calibrate: records -> estimates -> calibrated scenario and fit report; or figures -> population prior."""
    if args.observed is not None:
        if args.records_dir is not None:
            print("simcoop calibrate: give RECORDS_DIR or --observed FIGURES, not both", file=sys.stderr)
            return EXIT_BAD_INPUT
        from simcoop.cli.population import calibrate_population

        return calibrate_population(args)
    if args.records_dir is None or args.base is None or args.out is None:
        print("simcoop calibrate: give RECORDS_DIR with --base and --out (a CAE's records), or --observed FIGURES "
              "(published figures of many CAE)", file=sys.stderr)
        return EXIT_BAD_INPUT
    from simcoop.calibration import calibrate, calibrated_yaml, fit_report
    from simcoop.calibration.records import RecordsError, load_mapping, read_records
    from simcoop.scenario import ScenarioError, load_scenario

    report = args.report or args.out.with_name(args.out.stem + "_fit_report.md")
    try:  # every output has its own path, and none is an input
        distinct_outputs([("--base", args.base), ("--mapping", args.mapping)], [("--out", args.out), ("--report", report)])
    except OSError as exc:
        print(f"simcoop calibrate: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    existing = [p for p in (args.out, report) if p.exists()]
    if existing and not args.force:
        print(f"simcoop calibrate: {', '.join(map(str, existing))} exists; use --force to overwrite", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        base = load_scenario(args.base, allow_outside_files=args.allow_outside_files)
        mapping = load_mapping(args.mapping) if args.mapping else None
        records = read_records(args.records_dir, mapping, export_date=args.export_date)
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


def cmd_backtest(args: argparse.Namespace) -> int:
    """simcoop backtest: simulated median and 90% interval against each observed yearly figure."""
    if args.cross_validate is not None:
        from simcoop.cli.population import cross_validate_population

        return cross_validate_population(args)
    if args.scenario is None or args.observed is None:
        print("simcoop backtest: give SCENARIO and OBSERVED, or --cross-validate [FIGURES]", file=sys.stderr)
        return EXIT_BAD_INPUT
    import simcoop
    from simcoop.calibration.backtest import NON_FIGURES, ObservedError, backtest, check_years, format_table, read_observed
    from simcoop.results import YEARLY_COLUMNS
    from simcoop.scenario import ScenarioError

    try:
        distinct_outputs([("SCENARIO", args.scenario), ("OBSERVED", args.observed)], [("--out", args.out)])
        scenario = simcoop.load_scenario(args.scenario)
    except (ScenarioError, OSError) as exc:
        print(f"simcoop backtest: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    figures = [c for c in YEARLY_COLUMNS if c not in NON_FIGURES]
    try:
        observed = read_observed(args.observed, figures)  # before the simulation: a bad file costs nothing
        check_years(scenario, observed)
    except ObservedError as exc:
        print(f"simcoop backtest: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    seed = scenario.simulation.seed if args.seed is None else args.seed
    results = simcoop.simulate(scenario, replications=args.replications, seed=seed, jobs=args.jobs)
    try:
        table = backtest(results.yearly, observed)
    except ObservedError as exc:
        print(f"simcoop backtest: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"backtest of '{scenario.meta.name}' against {args.observed} ({args.replications} replications, seed {seed})")
    print(format_table(table, args.replications))
    if args.out:
        try:
            from simcoop.csvout import write_csv_table

            write_csv_table(table, args.out)
        except OSError as exc:
            print(f"simcoop backtest: cannot write {args.out}: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(f"wrote {args.out}")
    return EXIT_OK

