"""A network file: its members (each a scenario and an opening month), the union's partners, its window.

Read by ``load_network``; every problem names the file, the line and the key, like a
scenario's. The file's shape is documented in ``simcoop.network.simulate`` and
``docs/network.md``.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simcoop.months import MONTH_PATTERN, month_index, month_of_index
from simcoop.scenario import Problem, Scenario, ScenarioError, load_scenario, month_offset
from simcoop.scenario.edit import derive_scenario
from simcoop.scenario.studyfiles import (
    NetworkFile,
    NetworkMemberEntry,
    PartnerEntry,
    StudySimulation,
    read_yaml_mapping,
    validate_part,
)

__all__ = ["Network", "NetworkMember", "UnionMember", "load_network"]


@dataclass(frozen=True)
class NetworkMember:
    """A simulated cooperative of the network: its scenario (opening and horizon set) and its union shares."""

    name: str
    scenario: Scenario
    shares: float = 1.0

    @property
    def opening_month(self) -> str:
        """The member's opening month (its scenario's ``meta.start_month``, YYYY-MM)."""
        return self.scenario.meta.start_month


@dataclass(frozen=True)
class UnionMember:
    """A member of the union that is not simulated: a partner (group B) or another cooperative (group A).

    ``joins`` and ``leaves`` are months (YYYY-MM); ``None`` means before the network's
    first month, and never.
    """

    name: str
    group: str = "B"
    shares: float = 1.0
    joins: str | None = None
    leaves: str | None = None


@dataclass(frozen=True)
class Network:
    """A network: its simulated members, the union's other members, and its time frame."""

    name: str
    members: tuple[NetworkMember, ...]
    partners: tuple[UnionMember, ...] = ()
    end_month: str = ""
    replications: int = 200
    seed: int = 0
    description: str = ""

    @property
    def first_month(self) -> str:
        """The earliest opening month among the members (YYYY-MM)."""
        return min(self.members, key=lambda m: month_index(m.opening_month)).opening_month

    @property
    def years(self) -> list[int]:
        """Every calendar year from the first opening to the end month."""
        return list(range(int(self.first_month[:4]), int(self.end_month[:4]) + 1))

    def input_hash(self) -> str:
        """SHA-256 of the resolved network (member scenarios by hash); identifies it in manifests."""
        content = {
            "name": self.name,
            "end_month": self.end_month,
            "members": [
                {"name": m.name, "shares": m.shares, "scenario_hash": m.scenario.scenario_hash()} for m in self.members
            ],
            "partners": [vars(p) for p in self.partners],
        }
        text = json.dumps(content, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("ascii")).hexdigest()


# --------------------------------------------------------------------------- loading


def load_network(path: str | os.PathLike[str]) -> Network:
    """Read and check a network file; raises ScenarioError listing every problem with its line."""
    path = Path(path)
    source = str(path)
    data, marks = read_yaml_mapping(path, "network")
    spec, problems = validate_part(NetworkFile, data, source, marks)
    if spec is None:
        raise ScenarioError(problems)
    anchor = path.parent
    base: Scenario | None = None
    if data.get("base") is not None:
        try:
            base = load_scenario(anchor / str(data["base"]))
        except ScenarioError as exc:
            problems += exc.problems
    end_month = data.get("end_month")
    if end_month is not None and not (isinstance(end_month, str) and MONTH_PATTERN.match(end_month)):
        problems.append(
            Problem(
                source, marks.get(("end_month",)), "end_month", f"expected a month written YYYY-MM; got {end_month!r}"
            )
        )
        end_month = None
    settings: dict[str, Any] = {}
    if spec.simulation is not None:
        simulation, sim_problems = validate_part(StudySimulation, spec.simulation, source, marks, ("simulation",), "simulation")
        problems += sim_problems
        if simulation is not None:
            settings = {k: v for k, v in simulation.model_dump().items() if v is not None}

    raw_members = data["members"]
    if not isinstance(raw_members, list) or not raw_members:
        problems.append(
            Problem(source, marks.get(("members",)), "members", "expected a list of at least one cooperative")
        )
        raise ScenarioError(problems)
    # First pass: each member's scenario before the network's end is known.
    specs: list[tuple[int, dict[str, Any], Scenario]] = []
    names: set[str] = set()
    for k, raw in enumerate(raw_members):
        where = f"members[{k}]"
        entry, member_problems = validate_part(NetworkMemberEntry, raw, source, marks, ("members", k), where)
        if entry is None:
            problems += member_problems
            continue
        name = raw["name"]
        where = f"members[{k}] ({name})"
        line = marks.get(("members", k, "name"))
        if not isinstance(name, str) or not name.strip():
            problems.append(Problem(source, line, where, "name must be non-empty text"))
            continue
        if name in names:
            problems.append(Problem(source, line, where, f"two members are named {name!r}"))
        names.add(name)
        problems += _check_shares(raw.get("shares", 1), source, marks.get(("members", k, "shares"), line), where)
        opening = raw.get("opening_month")
        if opening is not None and not (isinstance(opening, str) and MONTH_PATTERN.match(opening)):
            problems.append(
                Problem(
                    source,
                    marks.get(("members", k, "opening_month"), line),
                    where,
                    f"opening_month: expected a month written YYYY-MM; got {opening!r}",
                )
            )
            continue
        overrides = raw.get("overrides") or {}
        if not isinstance(overrides, dict):
            problems.append(
                Problem(
                    source,
                    marks.get(("members", k, "overrides"), line),
                    where,
                    "overrides: expected a mapping of dotted keys to values",
                )
            )
            continue
        if raw.get("scenario") is not None:
            try:
                member_base = load_scenario(anchor / str(raw["scenario"]))
            except ScenarioError as exc:
                problems += exc.problems
                continue
        elif base is not None:
            member_base = base
        else:
            if data.get("base") is None:
                problems.append(
                    Problem(
                        source, line, where, "no scenario: give the member a `scenario:` file, or the network a `base:`"
                    )
                )
            continue
        specs.append((k, raw, member_base))
    partners, partner_problems = _load_partners(data, marks, source, names)
    problems += partner_problems
    if problems:
        raise ScenarioError(sorted(problems, key=lambda p: (p.line is None, p.line or 0)))

    if end_month is None:  # the first member's end: every member runs to it
        ends = []
        for _, raw, member_base in specs:
            start = raw.get("opening_month") or member_base.meta.start_month
            ends.append(month_index(start) + member_base.meta.horizon_months - 1)
        first_end = min(ends)
        end_month = month_of_index(first_end)

    members = []
    for k, raw, member_base in specs:
        name = raw["name"]
        overrides = raw.get("overrides") or {}
        try:
            scenario = derive_scenario(
                member_base,
                name=name,
                overrides=overrides,
                opening_month=raw.get("opening_month"),
                end_month=end_month,
                source=source,
                where=f"members[{k}] ({name})",
                line=marks.get(("members", k, "name")),
                override_lines={
                    key: marks[("members", k, "overrides", key)]
                    for key in overrides
                    if ("members", k, "overrides", key) in marks
                },
                anchor=anchor,
            )
        except ScenarioError as exc:
            problems += exc.problems
            continue
        members.append(NetworkMember(name=name, scenario=scenario, shares=float(raw.get("shares", 1))))

    if problems:
        raise ScenarioError(sorted(problems, key=lambda p: (p.line is None, p.line or 0)))

    reference = base if base is not None else members[0].scenario
    return Network(
        name=str(data["name"]),
        description=str(data.get("description") or ""),
        members=tuple(members),
        partners=tuple(partners),
        end_month=end_month,
        replications=int(settings.get("replications", reference.simulation.replications)),
        seed=int(settings.get("seed", reference.simulation.seed)),
    )


def _load_partners(
    data: dict[str, Any], marks: dict[tuple[Any, ...], int], source: str, names: set[str]
) -> tuple[list[UnionMember], list[Problem]]:
    """The union's other members of a network file, and the problems found in them."""
    problems: list[Problem] = []
    partners = []
    raw_partners = data.get("partners") or []
    if not isinstance(raw_partners, list):
        problems.append(Problem(source, marks.get(("partners",)), "partners", "expected a list of union members"))
        raw_partners = []
    for k, raw in enumerate(raw_partners):
        where = f"partners[{k}]"
        entry, partner_problems = validate_part(PartnerEntry, raw, source, marks, ("partners", k), where)
        if entry is None:
            problems += partner_problems
            continue
        before = len(problems)
        name = raw["name"]
        line = marks.get(("partners", k, "name"))
        where = f"partners[{k}] ({name})"
        if not isinstance(name, str) or not name.strip():
            problems.append(Problem(source, line, where, "name must be non-empty text"))
            continue
        if name in names:
            problems.append(Problem(source, line, where, f"two members are named {name!r}"))
        names.add(name)
        group = raw.get("group", "B")
        if group not in ("A", "B"):
            problems.append(
                Problem(
                    source, marks.get(("partners", k, "group"), line), where, f"group must be A or B; got {group!r}"
                )
            )
        problems += _check_shares(raw.get("shares", 1), source, marks.get(("partners", k, "shares"), line), where)
        for key in ("joins", "leaves"):
            value = raw.get(key)
            if value is not None and not (isinstance(value, str) and MONTH_PATTERN.match(value)):
                problems.append(
                    Problem(
                        source,
                        marks.get(("partners", k, key), line),
                        where,
                        f"{key}: expected a month written YYYY-MM; got {value!r}",
                    )
                )
        if len(problems) == before:
            joins, leaves = raw.get("joins"), raw.get("leaves")
            if joins is not None and leaves is not None and month_offset(joins, leaves) <= 0:
                problems.append(Problem(source, line, where, f"leaves ({leaves}) must come after joins ({joins})"))
            partners.append(
                UnionMember(name=name, group=group, shares=float(raw.get("shares", 1)), joins=joins, leaves=leaves)
            )
    return partners, problems


def _check_shares(value: Any, source: str, line: int | None, where: str) -> list[Problem]:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_SHARES:
        return [Problem(source, line, where, f"shares: expected a number from 0 to {MAX_SHARES:g}; got {value!r}")]
    return []


#: Most shares one member holds in the union (a bound no union reaches; keeps vote shares finite).
MAX_SHARES = 1e9
