"""Edit a scenario: variants of a base, derived scenarios (moved opening, overrides), re-validated.

Dotted keys are walked by ``simcoop.scenario.dotted`` (mappings by key, lists by index or
by the item's ``name`` / ``funder``), here as in a ``variants:`` block, a network's
members and candidate territories. Every edit is validated again like a file, and its
problems name the file, the override's line and where it was given.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

from simcoop._yaml import read_yaml_file
from simcoop.months import MONTH_PATTERN, month_end_offset, month_offset, shift_month
from simcoop.problems import Problem, ScenarioError
from simcoop.scenario.dotted import set_dotted
from simcoop.scenario.load import VARIANTS_KEY, load_scenario, split_variants
from simcoop.scenario.schema import Scenario, validate_data
from simcoop.scenario.tables import ATTACHED_TABLES, read_attached_table
from simcoop.scenario.uncertain import set_key

__all__ = ["derive_scenario", "load_variants", "shift_dates"]

#: Sections whose months are not moved with the opening: payroll.rules_month picks legal
#: rules by calendar date, which do not move with a cooperative's opening.
_FIXED_SECTIONS = frozenset({"payroll"})


def shift_dates(data: dict[str, Any], months: int) -> dict[str, Any]:
    """A copy of resolved scenario data with every dated month moved by ``months``.

    Moves each text value written YYYY-MM under a key ending in ``_month`` (the opening,
    funding conventions, sites, creation steps, a warm start's roster), except in
    ``payroll``, so that a scenario opened later keeps its plan relative to its opening.
    """
    out = copy.deepcopy(data)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str) and str(key).endswith("_month") and MONTH_PATTERN.match(value):
                    node[key] = shift_month(value, months)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for section, value in out.items():
        if section not in _FIXED_SECTIONS:
            walk(value)
    return out


def derive_scenario(
    base: Scenario,
    *,
    name: str,
    overrides: dict[str, Any] | None = None,
    opening_month: str | None = None,
    end_month: str | None = None,
    source: str = "<derive>",
    where: str = "",
    line: int | None = None,
    override_lines: dict[str, int] | None = None,
    anchor: Path | None = None,
) -> Scenario:
    """``base`` renamed ``name``, opened in ``opening_month``, run until ``end_month``, with ``overrides``.

    - ``opening_month`` moves the opening and every dated item with it (``shift_dates``);
      an override of ``meta.start_month`` instead moves the opening alone.
    - ``end_month`` sets ``meta.horizon_months`` so the run ends that month (inclusive).
    - An override that names a different ``territory.zones_file`` or
      ``warm_start.roster_file`` reads that CSV, relative to ``anchor`` (the folder of the
      file that holds the overrides).

    Raises ScenarioError; problems name ``source``, the override's line and ``where``.
    """
    overrides = overrides or {}
    override_lines = override_lines or {}
    data = base.to_dict()
    problems: list[Problem] = []
    if opening_month is not None:
        data = shift_dates(data, month_offset(base.meta.start_month, opening_month))
    data["meta"]["name"] = name
    local_marks: dict[tuple[Any, ...], int] = {(): line} if line is not None else {}
    for key, value in overrides.items():
        key_line = override_lines.get(key, line)
        try:
            loc = set_key(data, key, value)  # a number fixes an uncertain key, a distribution makes it uncertain
        except (KeyError, ValueError) as exc:
            problems.append(Problem(source, key_line, where, f"{key}: {exc.args[0]}"))
            continue
        if key_line is not None:
            local_marks[loc] = key_line
    if problems:
        raise ScenarioError(problems)
    if end_month is not None:
        horizon = month_end_offset(data["meta"]["start_month"], end_month)
        if horizon < 1:
            raise ScenarioError(
                [
                    Problem(
                        source, line, where, f"opens in {data['meta']['start_month']}, after the end month {end_month}"
                    )
                ]
            )
        data["meta"]["horizon_months"] = horizon
    problems += _reread_files(base, data, anchor or Path("."), source, line, where)
    if problems:
        raise ScenarioError(problems)
    try:
        return validate_data(data, source=source, marks=local_marks)
    except ScenarioError as exc:
        raise ScenarioError(
            [
                Problem(source, p.line, where, f"{p.key_path}: {p.message}" if p.key_path else p.message)
                for p in exc.problems
            ]
        ) from None


def _reread_files(
    base: Scenario, data: dict[str, Any], anchor: Path, source: str, line: int | None, where: str
) -> list[Problem]:
    """Read a zones or roster CSV that the overrides name (relative to ``anchor``)."""
    problems: list[Problem] = []
    base_files = {"territory": base.territory.zones_file, "warm_start": base.warm_start.roster_file}
    for section, (file_key, rows_key) in ATTACHED_TABLES.items():
        block = data.get(section) or {}
        name = block.get(file_key) if isinstance(block, dict) else None
        if not name or name == base_files[section]:
            continue
        csv_path = anchor / str(name)
        try:  # confined to the study file's folder, as a scenario's tables are to its own
            block[rows_key], _ = read_attached_table(section, csv_path, root=anchor)
            block[file_key] = str(csv_path.resolve())
        except ScenarioError as exc:
            problems += [Problem(p.source, p.line, where or p.key_path, p.message) for p in exc.problems]
    return problems


# --------------------------------------------------------------------------- variants


def load_variants(path: str | os.PathLike[str], allow_outside_files: bool = False) -> dict[str, Scenario]:
    """Read a scenario file and its ``variants:`` block: ``{base name: base, variant name: variant, ...}``.

    Each variant is the base scenario (defaults included) with its dotted keys replaced
    and ``meta.name`` set to the variant's name, validated like a file. A dotted key walks
    mappings by key and lists by index (``cooperative.public_funding.3.amount_eur``) or by
    the item's ``name`` / ``funder`` (``activities.sectors.conseil_formation.share``).
    Problems name the file, the line of the override and the variant, e.g.
    ``scenario.yaml:88: variants.sans FSE: cooperative.public_funding.9.amount_eur: no such key``.
    A file without variants gives the base scenario alone.
    """
    path = Path(path)
    source = str(path)
    try:
        base = load_scenario(path, allow_outside_files)  # the base's problems and the variants block's shape
    except ScenarioError as exc:
        # Say every problem at once: the variants' own mistakes too, checked on the file as written.
        raise ScenarioError(exc.problems + _variant_problems_without_base(path, exc.problems)) from None
    parsed = read_yaml_file(path)  # load_scenario above read it and reported its problems
    marks = parsed.marks
    _, variants, _ = split_variants(parsed.data, source, marks)
    scenarios = {base.meta.name: base}
    problems: list[Problem] = []
    for name, overrides in variants.items():
        where = f"{VARIANTS_KEY}.{name}"
        name_line = marks.get((VARIANTS_KEY, name))
        if name in scenarios:
            problems.append(
                Problem(source, name_line, where, f"a variant cannot be named like the base scenario ({name!r})")
            )
            continue
        data = base.to_dict()
        data["meta"]["name"] = name
        local_marks: dict[tuple[Any, ...], int] = {(): name_line} if name_line is not None else {}
        failed = False
        for key, value in overrides.items():
            line = marks.get((VARIANTS_KEY, name, key), name_line)
            try:
                loc = set_dotted(data, key, value)
            except KeyError as exc:
                problems.append(Problem(source, line, where, f"{key}: {exc.args[0]}"))
                failed = True
                continue
            if line is not None:
                local_marks[loc] = line
        if failed:
            continue
        try:
            scenarios[name] = validate_data(data, source=source, marks=local_marks)
        except ScenarioError as exc:
            for p in exc.problems:
                message = f"{p.key_path}: {p.message}" if p.key_path else p.message
                problems.append(Problem(source, p.line, where, message))
    if problems:
        raise ScenarioError(sorted(problems, key=lambda p: (p.line is None, p.line or 0)))
    return scenarios


def _variant_problems_without_base(path: Path, base_problems: list[Problem]) -> list[Problem]:
    """The variants' own problems when the base scenario is invalid (the base's are not repeated).

    Each variant's overrides are applied to the file as written (defaults are not filled in,
    so an override of a key the file leaves out cannot be checked and is skipped).
    """
    parsed = read_yaml_file(path)
    if parsed.error is not None or not isinstance(parsed.data, dict):
        return []
    source = str(path)
    rest, variants, _ = split_variants(parsed.data, source, parsed.marks)
    rest = _sections_resolved(rest)
    known = {(p.key_path, p.message) for p in base_problems}
    found: list[Problem] = []
    for name, overrides in variants.items():
        where = f"{VARIANTS_KEY}.{name}"
        name_line = parsed.marks.get((VARIANTS_KEY, name))
        data = copy.deepcopy(rest)
        local_marks: dict[tuple[Any, ...], int] = {}
        for key, value in overrides.items():
            line = parsed.marks.get((VARIANTS_KEY, name, key), name_line)
            try:
                loc = set_dotted(data, key, value)
            except KeyError as exc:
                if key.split(".")[0] in data:  # a section left invalid in the base cannot be walked
                    found.append(Problem(source, line, where, f"{key}: {exc.args[0]}"))
                continue
            if line is not None:
                local_marks[loc] = line
        try:
            validate_data(data, source=source, marks=local_marks)
        except ScenarioError as exc:
            for p in exc.problems:
                if (p.key_path, p.message) in known or p.line is None or p.line not in local_marks.values():
                    continue  # the base's problem, met again in the variant
                found.append(Problem(source, p.line, where, f"{p.key_path}: {p.message}" if p.key_path else p.message))
    return found


def _sections_resolved(data: dict[str, Any]) -> dict[str, Any]:
    """Each section of the scenario that is valid on its own, with its defaults written out; the others as written."""
    out = dict(data)
    for name, field in Scenario.model_fields.items():
        model = field.annotation
        if not isinstance(model, type):
            continue
        value = data.get(name, {})
        try:
            out[name] = model.model_validate(value).model_dump(mode="json")
        except (ValueError, TypeError):
            continue
    return out


def _sections_resolved(data: dict[str, Any]) -> dict[str, Any]:
    """Each section of the scenario that is valid on its own, with its defaults written out; the others as written."""
    out = dict(data)
    for name, field in Scenario.model_fields.items():
        model = field.annotation
        if not isinstance(model, type):
            continue
        try:
            out[name] = model.model_validate(data.get(name, {})).model_dump(mode="json")
        except (ValueError, TypeError):
            continue
    return out
