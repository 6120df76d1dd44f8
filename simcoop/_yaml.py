"""YAML parsing with PyYAML's safe loader, keeping the line of every key.

The node tree from ``yaml.compose`` carries start marks; we walk it ourselves so that
every key path maps to a line number (1-based) and duplicate keys, which PyYAML
silently accepts, become errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

__all__ = ["ParsedYaml", "parse_yaml"]


@dataclass
class ParsedYaml:
    """Plain data, the line of each key path, duplicate keys, or a syntax error."""

    data: Any = None
    marks: dict[tuple[Any, ...], int] = field(default_factory=dict)
    duplicates: list[tuple[tuple[Any, ...], int, str]] = field(default_factory=list)
    error: tuple[int | None, str] | None = None


def parse_yaml(text: str) -> ParsedYaml:
    """Parse YAML text safely; never raises on bad input, reports it in ``error``."""
    out = ParsedYaml()
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or "invalid YAML"
        context = ""
        if exc.context:
            started = exc.context_mark.line + 1 if exc.context_mark is not None else None
            context = f" ({exc.context}" + (f" started on line {started})" if started and started != line else ")")
        if "mapping values are not allowed" in problem:
            problem += " (check the indentation, or quote a value that contains ': ')"
        out.error = (line, f"YAML syntax error: {problem}{context}")
        return out
    except yaml.YAMLError as exc:
        out.error = (None, f"YAML error: {exc}")
        return out
    if node is None:
        return out
    try:
        out.data = _build(node, (), out, yaml.SafeLoader(""))
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        out.error = (mark.line + 1 if mark else None, f"YAML error: {exc.problem}")
    return out


def _build(node: yaml.Node, path: tuple[Any, ...], out: ParsedYaml, loader: yaml.SafeLoader) -> Any:
    out.marks.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node, loader)
            line = key_node.start_mark.line + 1
            child = (*path, key)
            if key in result:
                first = out.marks.get(child)
                out.duplicates.append((child, line, f"duplicate key (first given on line {first})"))
                continue
            out.marks[child] = line
            result[key] = _build(value_node, child, out, loader)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), out, loader) for i, item in enumerate(node.value)]
    return _scalar(node, loader)


def _scalar(node: yaml.Node, loader: yaml.SafeLoader) -> Any:
    """Construct a scalar with the safe constructor (ints, floats, bools, strings, null)."""
    if not isinstance(node, yaml.ScalarNode):
        raise yaml.constructor.ConstructorError(None, None, "a key must be a plain value", node.start_mark)
    value = loader.construct_object(node, deep=True)
    # Dates written 2027-01-01 become datetime.date; keep text so the schema can explain.
    if hasattr(value, "isoformat") and not isinstance(value, (int, float, str)):
        return node.value
    return value
