"""Study files beside the scenario (a network, candidate territories): read and check their keys.

Both are YAML mappings whose problems, like a scenario's, name the file, the line and the key.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from simcoop._yaml import parse_yaml
from simcoop.problems import Problem, ScenarioError

__all__ = ["check_keys", "read_yaml_mapping"]


def read_yaml_mapping(path: Path, what: str) -> tuple[dict[str, Any], dict[tuple[Any, ...], int]]:
    """Parse a YAML file that must hold a mapping; its data and the line of each key path.

    Raises ScenarioError (file missing, syntax, duplicate keys, not a mapping).
    """
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
