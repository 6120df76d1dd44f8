"""``simcoop validate`` and ``simcoop schema``: check input files, print the scenario's JSON Schema."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from simcoop.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
)

__all__ = ["add_schema_parser", "add_validate_parser", "cmd_schema", "cmd_validate"]


def add_validate_parser(sub: Any) -> None:
    """Add the ``validate`` command to the subparsers ``sub``."""
    validate = sub.add_parser(
        "validate",
        help="check scenario files and list every problem",
        description=(
            "Check one or more scenario files; every problem is listed with its file, line and key. Under a valid "
            "scenario, the figures it implies: accueils a year (from its zones file, if any), team FTE at opening, "
            "cash at opening, public funding of the first year."
        ),
    )
    validate.add_argument("files", nargs="+", type=Path, metavar="FILE")
    validate.set_defaults(handler=cmd_validate)


def add_schema_parser(sub: Any) -> None:
    """Add the ``schema`` command to the subparsers ``sub``."""
    schema = sub.add_parser(
        "schema",
        help="print the JSON Schema of scenario files",
        description="Print the JSON Schema of scenario files, for completion and checks in editors (YAML language server).",
    )
    schema.set_defaults(handler=cmd_schema)


def cmd_validate(args: argparse.Namespace) -> int:
    """``simcoop validate``: check each file as what it is; list every problem, or the figures a valid scenario implies."""
    from simcoop.scenario import ScenarioError
    from simcoop.scenario.edit import load_variants

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
                from simcoop.studies.ranking import load_candidates

                candidates = load_candidates(path)
                print(f"{path}: valid candidates file ({len(candidates.scenarios)} candidates)")
                continue
            scenarios = load_variants(path, allow_outside_files=args.allow_outside_files)  # the base scenario, then its variants if any
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
            from simcoop.scenario.derived import derived_figures

            for line in derived_figures(scenario):
                print(f"  {line}")
    return status


def _study_kind(path: Path) -> str:
    """'network' or 'candidates' for the study files of `simcoop network` / `territories`, else 'scenario'."""
    from simcoop._yaml import read_yaml_file

    parsed = read_yaml_file(path)  # within limits: an alias bomb is refused, not expanded
    if parsed.error is not None:
        return "scenario"  # load_scenario reports the problem with its line
    data = parsed.data
    if isinstance(data, dict) and "meta" not in data:
        if "members" in data:
            return "network"
        if "candidates" in data:
            return "candidates"
    return "scenario"


def cmd_schema(args: argparse.Namespace) -> int:
    """``simcoop schema``: print the JSON Schema of scenario files."""
    from simcoop.scenario import Scenario

    from simcoop.scenario.uncertain import schema_with_distributions

    schema = schema_with_distributions(Scenario.model_json_schema())
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "simcoop scenario"
    schema.setdefault("properties", {})["variants"] = {
        "type": "object",
        "description": "Named variants for `simcoop compare`: variant name -> {dotted key: new value}.",
        "additionalProperties": {"type": "object"},
    }
    print(json.dumps(schema, indent=2, ensure_ascii=False))
    return EXIT_OK
