"""``simcoop new``: write a scenario for a new territory by answering questions (``simcoop.scenario.new``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from simcoop.cli.common import EXIT_BAD_INPUT, EXIT_OK, print_problems

__all__ = ["add_parser", "cmd_new"]


def add_parser(sub: Any) -> None:
    """Add the ``new`` command to the subparsers ``sub``."""
    new = sub.add_parser(
        "new",
        help="write a scenario for a new territory by answering questions",
        description=(
            "Ask the questions an analyst can answer (territory, population and job seekers or a zones file, the team, "
            "the sites, the start-up funds, each funder) and write a commented scenario that validates. Each question "
            "has a default (Enter keeps it). Answers can be scripted, one a line on standard input: "
            "`simcoop new my.yaml < answers.txt`. Guide: docs/new_territory.md."
        ),
    )
    new.add_argument(
        "file", nargs="?", type=Path, metavar="FILE", help="scenario file to write (default: <short name>.yaml)"
    )
    new.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    new.set_defaults(handler=cmd_new)


def cmd_new(args: argparse.Namespace) -> int:
    """Ask, write, check; print the figures the new scenario implies and what to run next."""
    from simcoop.scenario import ScenarioError, load_scenario
    from simcoop.scenario.derived import derived_figures
    from simcoop.scenario.new import NewScenarioError, write_new_scenario

    try:
        path = write_new_scenario(args.file, force=args.force)
    except NewScenarioError as exc:
        print(f"\nsimcoop: {exc}; nothing was written", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ScenarioError as exc:  # pragma: no cover - every answer is checked before writing
        return print_problems("simcoop: the new scenario does not validate (nothing was kept):", exc)
    scenario = load_scenario(path)
    print(f"\nwrote {path}: valid scenario '{scenario.meta.name}'")
    for line in derived_figures(scenario):
        print(f"  {line}")
    print(f"next: simcoop run {path} --report   (then edit {path}: every key is in docs/scenario.md)")
    return EXIT_OK
