"""The ``simcoop`` command: parse, call the library, write, return an exit code.

Exit codes: 0 success; 1 the run failed (an error in simcoop or the machine);
2 bad input (a scenario, an option, an output folder that would be overwritten).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from simcoop.cli import calibration, compare, network, new, report, run, sensitivity, solve, validate
from simcoop.cli.common import EXIT_BAD_INPUT, EXIT_FAILURE, UsageError, add_allow_outside_files, print_problems
from simcoop.executors import ExecutorError
from simcoop.problems import ScenarioError

__all__ = ["main", "build_parser"]

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
  simcoop new my_territory.yaml                questions -> a scenario for a new territory
  simcoop validate my_territory.yaml           list every problem in a scenario, and the figures it implies
  simcoop schema > simcoop.schema.json         JSON Schema for editor completion

Start from a copy of scenarios/reference.yaml; every key is described in
docs/scenario.md and in `simcoop schema`.
"""



def build_parser() -> argparse.ArgumentParser:
    """The ``simcoop`` parser: each command's options are declared in its own module."""
    parser = argparse.ArgumentParser(
        prog="simcoop",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from simcoop._version import __version__

    parser.add_argument("--version", action="version", version=f"simcoop {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run.add_parser(sub)
    compare.add_parser(sub)
    solve.add_parser(sub)
    validate.add_validate_parser(sub)
    new.add_parser(sub)
    sensitivity.add_parser(sub)
    report.add_parser(sub)
    calibration.add_calibrate_parser(sub)
    calibration.add_backtest_parser(sub)
    network.add_network_parser(sub)
    network.add_territories_parser(sub)
    validate.add_schema_parser(sub)
    for name in ("run", "validate", "compare", "sensitivity", "solve", "backtest", "calibrate"):
        add_allow_outside_files(sub.choices[name])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``simcoop`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        return args.handler(args)
    except UsageError as exc:
        print(f"simcoop: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ExecutorError as exc:
        print(f"simcoop: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except ScenarioError as exc:  # a replication's drawn parameters (scenario.uncertainty) break a rule across keys
        return print_problems("simcoop: a replication's drawn parameters make an invalid scenario:", exc)
    except KeyboardInterrupt:
        print("simcoop: interrupted; no output was written", file=sys.stderr)
        return 130
