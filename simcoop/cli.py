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
from typing import Sequence

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
    run.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")

    validate = sub.add_parser(
        "validate",
        help="check scenario files and list every problem",
        description="Check one or more scenario files; every problem is listed with its file, line and key.",
    )
    validate.add_argument("files", nargs="+", type=Path, metavar="FILE")

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
        if args.command == "validate":
            return _cmd_validate(args)
        if args.command == "schema":
            return _cmd_schema()
    except KeyboardInterrupt:
        print("simcoop: interrupted; no output was written", file=sys.stderr)
        return 130
    parser.error(f"unknown command {args.command}")  # pragma: no cover
    return EXIT_BAD_INPUT  # pragma: no cover


def _cmd_validate(args: argparse.Namespace) -> int:
    from simcoop.scenario import ScenarioError, load_scenario

    status = EXIT_OK
    for path in args.files:
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            status = EXIT_BAD_INPUT
            count = len(exc.problems)
            print(f"{path}: {count} problem{'s' if count != 1 else ''}", file=sys.stderr)
            for problem in exc.problems:
                print(f"  {problem}", file=sys.stderr)
        else:
            print(f"{path}: valid scenario '{scenario.meta.name}' ({scenario.meta.horizon_months} months from {scenario.meta.start_month})")
    return status


def _cmd_schema() -> int:
    from simcoop.scenario import Scenario

    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "simcoop scenario"
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
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
