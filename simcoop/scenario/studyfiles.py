"""Study files beside the scenario (a network, candidate territories): read, and validated as pydantic models.

Both are YAML mappings whose problems, like a scenario's, name the file, the line and the key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator

from simcoop._yaml import read_yaml_file
from simcoop.problems import Problem, ScenarioError
from simcoop.scenario.base import MAX_REPLICATIONS, MAX_SEED, Frozen
from simcoop.scenario.errors import problems_from_validation

__all__ = [
    "whole_number_problem",
    "CandidatesFile",
    "NetworkFile",
    "NetworkMemberEntry",
    "PartnerEntry",
    "StudySimulation",
    "read_yaml_mapping",
    "validate_part",
]


def read_yaml_mapping(path: Path, what: str) -> tuple[dict[str, Any], dict[tuple[Any, ...], int]]:
    """Parse a YAML file that must hold a mapping; its data and the line of each key path.

    Raises ScenarioError (file missing, syntax, duplicate keys, not a mapping).
    """
    source = str(path)
    parsed = read_yaml_file(path)
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


# --------------------------------------------------------------------------- the files' shapes
#
# Validated like the scenario (unknown keys refused with a suggestion, required keys, types),
# part by part so that a broken member does not hide the others' problems. Checks whose
# message names the member ("members[0] (Alpha): opening_month: ...") stay in the loaders.


def _whole_number(value: Any, low: int, high: int) -> Any:
    """``value`` if None or a whole number from ``low`` to ``high`` (not a bool, not 2.0: a file says what it means)."""
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high):
        raise ValueError(f"expected a whole number from {low} to {high}; got {value!r}")
    return value


def whole_number_problem(value: Any, low: int, source: str, line: int | None, key: str, high: int = MAX_REPLICATIONS) -> list[Problem]:
    """The problem with a setting that must be a whole number from ``low`` to ``high`` (checked beside the others)."""
    try:
        _whole_number(value, low, high)
    except ValueError as exc:
        return [Problem(source, line, key, str(exc))]
    return []


class StudySimulation(Frozen):
    """Replications and seed shared by every scenario of the study (default: the base scenario's)."""

    replications: Any = Field(default=None, description="a number >= 1")
    seed: Any = Field(default=None, description="a number >= 0")

    @field_validator("replications")
    @classmethod
    def _at_least_one(cls, value: Any) -> Any:
        return _whole_number(value, 1, MAX_REPLICATIONS)

    @field_validator("seed")
    @classmethod
    def _not_negative(cls, value: Any) -> Any:
        return _whole_number(value, 0, MAX_SEED)


class NetworkMemberEntry(Frozen):
    """A simulated cooperative of a network file."""

    name: Any = Field(description="the cooperative's name")
    scenario: str | None = Field(default=None, description="its own scenario file (else the base)")
    opening_month: Any = Field(default=None, description="its opening, YYYY-MM")
    overrides: Any = Field(default=None, description="dotted keys and values")
    shares: Any = Field(default=1, description="shares held in the union")


class PartnerEntry(Frozen):
    """A member of the union that is not simulated."""

    name: Any = Field(description="the member's name")
    group: Any = Field(default="B", description="A or B")
    shares: Any = Field(default=1, description="shares held in the union")
    joins: Any = Field(default=None, description="month it joins, YYYY-MM")
    leaves: Any = Field(default=None, description="month it leaves, YYYY-MM")


class NetworkFile(Frozen):
    """A network file's top level; its members and partners are checked one by one."""

    name: str = Field(min_length=1, description="the network's name")
    description: str = Field(default="", description="free text")
    base: str | None = Field(default=None, description="a scenario file that members without their own scenario start from")
    end_month: Any = Field(default=None, description="last month simulated, YYYY-MM")
    simulation: Any = Field(default=None, description="replications and seed shared by every member")
    members: Any = Field(description="the cooperatives simulated, a list")
    partners: Any = Field(default=None, description="the union's other members, a list")


class CandidatesFile(Frozen):
    """A candidates file: a base scenario and named candidates, each a set of dotted overrides."""

    name: str | None = Field(default=None, description="the study's name")
    description: str = Field(default="", description="free text")
    base: str = Field(min_length=1, description="the scenario file the candidates start from")
    simulation: Any = Field(default=None, description="replications and seed shared by every candidate")
    bootstrap: Any = Field(default=500, description="resamples for the rank probabilities (default 500)")
    candidates: Any = Field(description="candidate name -> dotted overrides")


def validate_part(
    model: type[BaseModel],
    data: Any,
    source: str,
    marks: dict[tuple[Any, ...], int],
    at: tuple[Any, ...] = (),
    where: str = "",
) -> tuple[Any, list[Problem]]:
    """``data`` (the part of a file at key path ``at``) validated as ``model``: the model, or None and its problems.

    Problems name the file and the line (``marks`` of the whole file), and ``where`` then the
    key inside the part (``members[2].opening``), as the scenario's do.
    """
    if not isinstance(data, dict):
        keys = ", ".join(model.model_fields)
        return None, [Problem(source, marks.get(at), where, f"expected a mapping with keys {keys}; got {data!r}")]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        local = {loc[len(at) :]: line for loc, line in marks.items() if loc[: len(at)] == at}
        problems = []
        for p in problems_from_validation(model, exc, source, local):
            line = marks.get(at) if p.message.startswith("required key is missing") and at else p.line
            key = ".".join(k for k in (where, p.key_path) if k)
            problems.append(Problem(p.source, line, key, p.message))
        return None, problems
