"""Validation errors in users' words: pydantic errors -> Problems, and what a field allows.

Works on any pydantic model (the scenario, a network or candidates file): ``root`` is the
model the data was validated against.
"""

from __future__ import annotations

import difflib
import math
import re
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from simcoop.problems import Problem

__all__ = [
    "LocatedErrors",
    "allowed",
    "annotated_metadata",
    "clean_loc",
    "clip_to_field",
    "dotted",
    "field_at",
    "in_line_order",
    "inner_model",
    "line_for",
    "model_at",
    "problem_from_error",
    "problems_from_validation",
]


def in_line_order(problems: list[Problem]) -> list[Problem]:
    """Problems sorted by line, those without a line last."""
    return sorted(problems, key=lambda p: (p.line is None, p.line or 0))


def dotted(path: tuple[Any, ...]) -> str:
    """A key path as users write it: ``cooperative.sites[0].name``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def line_for(loc: tuple[Any, ...], marks: dict[tuple[Any, ...], int]) -> int | None:
    """The line of ``loc`` or of its closest marked parent."""
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in marks:
            return marks[loc[:cut]]
    return None


def problem_from_error(root: type[BaseModel], err: dict[str, Any], source: str, marks: dict[tuple[Any, ...], int]) -> Problem:
    """One pydantic error as a Problem: the key's line, its dotted path and what is allowed there."""
    loc = clean_loc(err["loc"])
    kind = err["type"]
    line = line_for(loc, marks)
    if kind == "extra_forbidden":
        parent = model_at(root, loc[:-1])
        known = sorted(parent.model_fields) if parent is not None else []
        message = f"unknown key '{loc[-1]}'"
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.65)
        if close:
            message += f"; did you mean '{close[0]}'?"
        else:
            message += "."
        if known:
            message += f" Allowed keys here: {', '.join(known)}."
        return Problem(source, line, dotted(loc), message)
    if kind == "missing":
        if len(loc) == 1:
            line = 1  # a missing section belongs to the top of the file
        allowed_text = allowed(root, loc)
        message = "required key is missing" + (f" (expected {allowed_text})" if allowed_text else "")
        return Problem(source, line, dotted(loc), message)
    message = err["msg"]
    if kind == "string_pattern_mismatch":
        text = str(err["input"])
        month = "expected a month written YYYY-MM (e.g. 2027-01)"
        if re.fullmatch(r"\d{4}-\d{2}", text):
            month = "expected a month written YYYY-MM between 1800-01 and 2199-12 (months 01 to 12)"
        return Problem(source, line, dotted(loc), f"{month}; got {err['input']!r}")
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    allowed_text = allowed(root, loc)
    if allowed_text and kind not in ("value_error", "assertion_error"):
        message += f" (allowed: {allowed_text})"
    if kind not in ("value_error", "assertion_error", "missing") and "input" in err and not isinstance(err["input"], (dict, list)):
        message += f"; got {err['input']!r}"
    given = err.get("input")
    if kind == "less_than_equal" and err.get("ctx", {}).get("le") == 1 and isinstance(given, (int, float)) and 2 <= given <= 100:
        message += f" (a rate or share is a fraction: did you mean {given / 100:g}?)"
    return Problem(source, line, dotted(loc), message)


def field_at(root: type[BaseModel], loc: tuple[Any, ...]) -> FieldInfo | None:
    """The field of ``root`` at ``loc`` (list indices skipped), or None."""
    model: Any = root
    field = None
    for part in loc:
        if isinstance(part, int):
            continue
        if model is None or not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = model.model_fields.get(part)
        if field is None:
            return None
        model = inner_model(field.annotation)
    return field


def model_at(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model whose fields are the keys at ``loc``, or None."""
    if not [p for p in loc if not isinstance(p, int)]:
        return root
    field = field_at(root, loc)
    return None if field is None else inner_model(field.annotation)


def inner_model(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation (``X | None``, ``tuple[X, ...]``), or None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        inner = inner_model(arg)
        if inner is not None:
            return inner
    return None


def allowed(root: type[BaseModel], loc: tuple[Any, ...]) -> str:
    """Say in words what a field accepts: its type, bounds, choices or pattern."""
    field = field_at(root, loc)
    if field is None:
        return ""
    annotation = field.annotation
    optional = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) is not None and len(optional) == 1 and type(None) in get_args(annotation):
        annotation = optional[0]  # X | None reads as X (null is the documented default)
    origin = get_origin(annotation)
    bounds: list[str] = []
    for meta in field.metadata:
        for attr, word in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            value = getattr(meta, attr, None)
            if value is not None:
                bounds.append(f"{word} {value:g}")
        if getattr(meta, "pattern", None):
            return "a month written YYYY-MM"
        if getattr(meta, "min_length", None):
            bounds.append("not empty")
    if annotation is str and "not empty" in bounds:
        return "non-empty text"
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(annotation))
    if annotation is float:
        kind = "a number"
    elif annotation is int:
        kind = "a whole number"
    elif annotation is str:
        kind = "text"
    elif origin is tuple:
        kind = "a list"
    elif inner_model(annotation) is not None:
        model = inner_model(annotation)
        assert model is not None
        kind = "a mapping with keys " + ", ".join(model.model_fields)
    else:
        kind = ""
    return " ".join(x for x in [kind, " and ".join(bounds)] if x)


class LocatedErrors(ValueError):
    """Problems found across sections, each with the key path it belongs to (placed by problems_from_validation)."""

    def __init__(self, problems: list[tuple[tuple[Any, ...], str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(message for _, message in problems))


def problems_from_validation(
    root: type[BaseModel],
    exc: ValidationError,
    source: str,
    marks: dict[tuple[Any, ...], int],
    rows_from: dict[tuple[Any, ...], tuple[str, int]] | None = None,
) -> list[Problem]:
    """Every error of a failed validation of ``root`` as a Problem (file, line, key, what is allowed).

    A ``LocatedErrors`` raised by a validator becomes one problem per key it names; a
    problem inside a row read from a CSV (``rows_from``) points at that file and line.
    """
    rows_from = rows_from or {}
    errors = exc.errors(include_url=False)
    failed_locs = [tuple(e["loc"]) for e in errors]
    problems = []
    for err in errors:
        loc = tuple(err["loc"])
        # A list whose items failed also looks "too short": report the items only.
        if err["type"] == "too_short" and any(len(o) > len(loc) and o[: len(loc)] == loc for o in failed_locs):
            continue
        located = err.get("ctx", {}).get("error")
        if isinstance(located, LocatedErrors):
            for where, message in located.problems:
                problems.append(_placed(Problem(source, line_for(where, marks), dotted(where), message), where, rows_from))
            continue
        problems.append(_placed(problem_from_error(root, err, source, marks), clean_loc(err["loc"]), rows_from))
    return problems


def clean_loc(loc: Any) -> tuple[Any, ...]:
    """A pydantic error location without its validator-function parts."""
    return tuple(part for part in loc if not (isinstance(part, str) and part.startswith("function-")))


def _placed(problem: Problem, loc: tuple[Any, ...], rows_from: dict[tuple[Any, ...], tuple[str, int]]) -> Problem:
    """The problem moved to the CSV file and line its row came from, when it did."""
    for cut in range(len(loc), 0, -1):
        if loc[:cut] in rows_from:
            csv_source, line = rows_from[loc[:cut]]
            return Problem(csv_source, line, problem.key_path, problem.message)
    return problem


def clip_to_field(root: type[BaseModel], key: str, value: float) -> float:
    """Clip ``value`` to the inclusive bounds (ge/le) of the scenario field at ``key``; round whole numbers.

    Strict bounds (gt/lt) are left to validation: they name the field when crossed.
    """
    model: Any = root
    field = None
    item = False  # the next part selects a list item (by number, name or '*')
    for part in key.split("."):
        if item or part.isdigit() or part == "*":
            item = False
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or part not in model.model_fields:
            return value
        field = model.model_fields[part]
        model = inner_model(field.annotation)
        item = model is not None and get_origin(field.annotation) in (tuple, list)
    if field is None:
        return value
    low, high = -math.inf, math.inf
    for meta in [*field.metadata, *annotated_metadata(field.annotation)]:
        if getattr(meta, "ge", None) is not None:
            low = max(low, float(meta.ge))
        if getattr(meta, "le", None) is not None:
            high = min(high, float(meta.le))
    clipped = min(max(float(value), low), high)
    if field.annotation is int:
        return float(round(clipped))
    return clipped


def annotated_metadata(annotation: Any) -> list[Any]:
    """Constraints inside ``Optional[Annotated[float, Field(ge=..)]]`` and the like."""
    found: list[Any] = []
    for arg in get_args(annotation):
        found.extend(getattr(arg, "metadata", []) or [])
        found.extend(annotated_metadata(arg))
    return found
