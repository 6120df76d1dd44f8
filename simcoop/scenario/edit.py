"""Derive a scenario from a base: move its opening, apply dotted overrides, validate.

Shared by the network (``simcoop.network``) and candidate territories
(``simcoop.territories``). Dotted keys work as in a ``variants:`` block
(``simcoop.experiments.load_variants``): mappings by key, lists by index or by the item's
``name`` / ``funder``.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from simcoop.experiments import _set_dotted
from simcoop.scenario import (
    ATTACHED_TABLES,
    Problem,
    Scenario,
    ScenarioError,
    month_offset,
    read_attached_table,
    validate_data,
)

__all__ = [
    "MONTH_PATTERN",
    "check_keys",
    "derive_scenario",
    "month_end_offset",
    "read_yaml_mapping",
    "shift_dates",
    "shift_month",
]

MONTH_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

#: Sections whose months are not moved with the opening: payroll.rules_month picks legal
#: rules by calendar date, which do not move with a cooperative's opening.
_FIXED_SECTIONS = frozenset({"payroll"})


def shift_month(month: str, months: int) -> str:
    """``month`` (YYYY-MM) moved by ``months`` (may be negative)."""
    year, mon = (int(x) for x in month.split("-"))
    index = year * 12 + (mon - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_end_offset(start: str, end: str) -> int:
    """Months from ``start`` to ``end`` inclusive (2027-01 to 2027-12 is 12)."""
    return month_offset(start, end) + 1


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
            loc = _set_dotted(data, key, value)
        except KeyError as exc:
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
        csv_path = (anchor / str(name)).resolve()
        try:
            block[rows_key] = read_attached_table(section, csv_path)
            block[file_key] = str(csv_path)
        except ScenarioError as exc:
            problems += [Problem(p.source, p.line, where or p.key_path, p.message) for p in exc.problems]
        except OSError as exc:
            problems.append(Problem(source, line, where, f"{section}.{file_key}: cannot read {csv_path}: {exc}"))
    return problems


# --------------------------------------------------------------------------- study files


def read_yaml_mapping(path: Path, what: str) -> tuple[dict[str, Any], dict[tuple[Any, ...], int]]:
    """Parse a YAML file that must hold a mapping; its data and the line of each key path.

    Raises ScenarioError (file missing, syntax, duplicate keys, not a mapping).
    """
    from simcoop._yaml import parse_yaml

    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem(source, None, "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(source, None, "", f"cannot read the file: {exc}")]) from None
    parsed = parse_yaml(text)
    if parsed.error is not None:
        line, message = parsed.error
        raise ScenarioError([Problem(source, line, "", message)])
    problems = [Problem(source, line, ".".join(map(str, p)), message) for p, line, message in parsed.duplicates]
    if not isinstance(parsed.data, dict):
        kind = "empty" if parsed.data is None else f"a {type(parsed.data).__name__}"
        problems.append(Problem(source, 1, "", f"a {what} file must be a mapping of keys, this file is {kind}"))
    if problems:
        raise ScenarioError(problems)
    return parsed.data, parsed.marks


def check_keys(
    node: Any,
    allowed: dict[str, str],
    required: tuple[str, ...],
    source: str,
    marks: dict[tuple[Any, ...], int],
    path: tuple[Any, ...],
    where: str,
) -> list[Problem]:
    """Problems with a mapping's keys: not a mapping, unknown keys (with a suggestion), missing keys.

    ``allowed`` maps each key to a short description used in the messages.
    """
    import difflib

    line = marks.get(path)
    if not isinstance(node, dict):
        return [Problem(source, line, where, f"expected a mapping with keys {', '.join(allowed)}; got {node!r}")]
    problems = []
    for key in node:
        if key not in allowed:
            message = f"unknown key '{key}'"
            close = difflib.get_close_matches(str(key), list(allowed), n=1, cutoff=0.65)
            message += f"; did you mean '{close[0]}'?" if close else "."
            message += f" Allowed keys here: {', '.join(allowed)}."
            problems.append(Problem(source, marks.get((*path, key), line), where, message))
    for key in required:
        if key not in node:
            problems.append(Problem(source, line, where, f"required key '{key}' is missing ({allowed[key]})"))
    return problems
