"""A network of CAE: several cooperatives run together, their totals, and the union's votes.

A network file (YAML) lists cooperatives, each with its own scenario (a file, or the
network's base scenario with dotted overrides) and its opening month, and optionally the
union's other members (partners of group B, or cooperatives of group A that are not
simulated)::

    name: "Réseau régional (illustration)"
    base: reference.yaml              # relative to this file
    end_month: 2036-12                # optional; default: the first member's end
    simulation: {replications: 100, seed: 20251126}   # optional; default: the base's
    members:
      - name: "CAE Métropole"
        opening_month: 2027-01        # moves the opening and every dated item with it
        overrides: {territory.accueils_per_year_at_maturity: 220}
      - name: "CAE Vallée"
        scenario: vallee.yaml         # a scenario file instead of the base
        opening_month: 2029-01
        shares: 2                     # shares held in the union (default 1)
    partners:
      - {name: "Région", group: B, shares: 20, joins: 2027-01}

Every member runs with the same replications and seed, so replication ``r`` of the
network is replication ``r`` of each member. Every member is simulated from its opening
to the network's ``end_month``, so every year of the totals counts every member open
that year. Network totals are sums over members, by replication and calendar year
(``NETWORK_MEASURES``); ``summary()`` gives their median and 5-95% range across
replications, the figures networks publish. ``governance()`` applies the union's voting
rule (``simcoop.network.governance.ues_votes``) to the membership at the end of each year: each
simulated CAE joins group A in its opening month.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simcoop.results.folder import write_study_folder
from simcoop.months import MONTH_PATTERN
from simcoop.scenario.edit import derive_scenario
from simcoop.scenario.studyfiles import check_keys, read_yaml_mapping
from simcoop._version import __version__
from simcoop.network.governance import Member, college_applies, ues_votes
from simcoop.scenario import Problem, Scenario, ScenarioError, load_scenario, month_offset

__all__ = [
    "NETWORK_MEASURES",
    "Network",
    "NetworkMember",
    "NetworkResults",
    "UnionMember",
    "governance_table",
    "load_network",
    "simulate_network",
]

#: Measures of the network totals: summed over members (jobs_fte: see ``network_yearly``).
NETWORK_MEASURES: tuple[str, ...] = (
    "cae_open", "cae_opened", "cae_insolvent",
    "accueils", "supported", "salaried", "associes", "active_end", "exits",
    "turnover_eur", "contributions_eur", "jobs_fte", "public_funding_eur",
)  # fmt: skip

_SUMMED = (
    "accueils",
    "supported",
    "salaried",
    "associes",
    "active_end",
    "exits",
    "turnover_eur",
    "contributions_eur",
    "public_funding_eur",
)


@dataclass(frozen=True)
class NetworkMember:
    """A simulated cooperative of the network: its scenario (opening and horizon set) and its union shares."""

    name: str
    scenario: Scenario
    shares: float = 1.0

    @property
    def opening_month(self) -> str:
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
        return min(self.members, key=lambda m: _index(m.opening_month)).opening_month

    @property
    def years(self) -> list[int]:
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


def _index(month: str) -> int:
    year, mon = (int(x) for x in month.split("-"))
    return year * 12 + mon - 1


def _year_end(year: int, end_month: str) -> str:
    """The last month of ``year`` inside the network's window."""
    return end_month if int(end_month[:4]) == year else f"{year:04d}-12"


# --------------------------------------------------------------------------- loading

_TOP_KEYS = {
    "name": "the network's name",
    "description": "free text",
    "base": "a scenario file that members without their own scenario start from",
    "end_month": "last month simulated, YYYY-MM",
    "simulation": "replications and seed shared by every member",
    "members": "the cooperatives simulated, a list",
    "partners": "the union's other members, a list",
}
_MEMBER_KEYS = {
    "name": "the cooperative's name",
    "scenario": "its own scenario file (else the base)",
    "opening_month": "its opening, YYYY-MM",
    "overrides": "dotted keys and values",
    "shares": "shares held in the union",
}
_PARTNER_KEYS = {
    "name": "the member's name",
    "group": "A or B",
    "shares": "shares held in the union",
    "joins": "month it joins, YYYY-MM",
    "leaves": "month it leaves, YYYY-MM",
}


def load_network(path: str | os.PathLike[str]) -> Network:
    """Read and check a network file; raises ScenarioError listing every problem with its line."""
    path = Path(path)
    source = str(path)
    data, marks = read_yaml_mapping(path, "network")
    problems = check_keys(data, _TOP_KEYS, ("name", "members"), source, marks, (), "")
    if problems:
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
    simulation = data.get("simulation") or {}
    problems += check_keys(
        simulation,
        {"replications": "a number >= 1", "seed": "a number >= 0"},
        (),
        source,
        marks,
        ("simulation",),
        "simulation",
    )
    for key, low in (("replications", 1), ("seed", 0)):
        value = simulation.get(key) if isinstance(simulation, dict) else None
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < low):
            problems.append(
                Problem(
                    source,
                    marks.get(("simulation", key)),
                    f"simulation.{key}",
                    f"expected a whole number >= {low}; got {value!r}",
                )
            )

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
        member_problems = check_keys(raw, _MEMBER_KEYS, ("name",), source, marks, ("members", k), where)
        if member_problems:
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
            ends.append(_index(start) + member_base.meta.horizon_months - 1)
        first_end = min(ends)
        end_month = f"{first_end // 12:04d}-{first_end % 12 + 1:02d}"

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
    settings = simulation if isinstance(simulation, dict) else {}
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
        partner_problems = check_keys(raw, _PARTNER_KEYS, ("name",), source, marks, ("partners", k), where)
        if partner_problems:
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
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        return [Problem(source, line, where, f"shares: expected a number >= 0; got {value!r}")]
    return []


# --------------------------------------------------------------------------- governance


def governance_table(network: Network) -> pd.DataFrame:
    """The union's votes at the end of each year of the network: one row per member present.

    Columns: year, month (the month the membership is read), member, group, shares,
    simulated (a CAE of the network), vote_share, college (group B votes as one
    college), n_group_a, n_group_b, group_a_share, group_b_share. Years without any group
    A member are left out (the rule needs one; see ``simcoop.network.governance.ues_votes``).
    """
    rows = []
    for year in network.years:
        month = _year_end(year, network.end_month)
        present = [
            (Member(m.name, "A", m.shares), True) for m in network.members if _index(m.opening_month) <= _index(month)
        ]
        for p in network.partners:
            joined = p.joins is None or _index(p.joins) <= _index(month)
            left = p.leaves is not None and _index(p.leaves) <= _index(month)
            if joined and not left:
                present.append((Member(p.name, p.group, p.shares), False))  # type: ignore[arg-type]
        members = [m for m, _ in present]
        n_a = sum(m.group == "A" for m in members)
        n_b = len(members) - n_a
        if n_a == 0:
            continue
        votes = ues_votes(members)
        share_a = sum(v for m in members if m.group == "A" for v in [votes[m.member_id]])
        for member, simulated in present:
            rows.append(
                {
                    "year": year, "month": month, "member": member.member_id, "group": member.group,
                    "shares": member.shares, "simulated": simulated, "vote_share": votes[member.member_id],
                    "college": college_applies(n_a, n_b), "n_group_a": n_a, "n_group_b": n_b,
                    "group_a_share": share_a, "group_b_share": 1.0 - share_a if n_b else 0.0,
                }
            )  # fmt: skip
    return pd.DataFrame(rows, columns=[
        "year", "month", "member", "group", "shares", "simulated", "vote_share", "college",
        "n_group_a", "n_group_b", "group_a_share", "group_b_share",
    ])  # fmt: skip


# --------------------------------------------------------------------------- totals


def network_yearly(network: Network, member_yearly: pd.DataFrame, member_kpis: pd.DataFrame) -> pd.DataFrame:
    """Network totals by replication and calendar year from the members' yearly tables.

    ``member_yearly`` holds the members' ``Results.yearly`` rows with a ``member``
    column; ``member_kpis`` their ``insolvency_month`` by member and replication. Every
    measure is the sum over members, with these definitions:

    - ``cae_open``: members opened by the end of the year; ``cae_opened``: opened in it;
    - ``cae_insolvent``: members whose own treasury went below the authorised overdraft
      at least once by the end of the year (the model keeps them running);
    - ``jobs_fte``: the network's mean FTE over the calendar year, i.e. each member's mean
      over its months in the year times months / 12 (a member open six months counts half).
    """
    replications = np.sort(member_kpis["replication"].unique())
    years = network.years
    grid = pd.MultiIndex.from_product([replications, years], names=["replication", "year"])
    frame = member_yearly.assign(jobs_fte=member_yearly["jobs_fte"] * member_yearly["months"] / 12.0)
    totals = frame.groupby(["replication", "year"])[[*_SUMMED, "jobs_fte"]].sum().reindex(grid, fill_value=0)
    totals["jobs_fte"] = totals["jobs_fte"].astype(float).round(4)
    for column in ("turnover_eur", "contributions_eur", "public_funding_eur"):
        totals[column] = totals[column].astype(float).round(2)
    opening_year = {m.name: int(m.opening_month[:4]) for m in network.members}
    open_by_year = {y: sum(v <= y for v in opening_year.values()) for y in years}
    opened_in_year = {y: sum(v == y for v in opening_year.values()) for y in years}
    year_index = totals.index.get_level_values("year")
    totals["cae_open"] = year_index.map(open_by_year).astype(int)
    totals["cae_opened"] = year_index.map(opened_in_year).astype(int)
    # Calendar year of each member's first insolvency, by replication.
    start = {m.name: _index(m.opening_month) for m in network.members}
    kpis = member_kpis.dropna(subset=["insolvency_month"])
    insolvent_year = (kpis["member"].map(start) + kpis["insolvency_month"].astype(int)) // 12
    counts = (
        pd.DataFrame({"replication": kpis["replication"].to_numpy(), "year": insolvent_year.to_numpy()})
        .groupby(["replication", "year"]).size()
        .reindex(grid, fill_value=0)
        .groupby(level="replication").cumsum()
    )  # fmt: skip
    totals["cae_insolvent"] = counts.to_numpy()
    totals = totals.reset_index()
    totals.insert(0, "network", network.name)
    return totals[["network", "replication", "year", *NETWORK_MEASURES]]


@dataclass
class NetworkResults:
    """The network's totals, its members' yearly tables and verdicts, and the union's votes."""

    network: Network
    seed: int
    replications: int
    yearly: pd.DataFrame  # network totals by replication and year
    member_yearly: pd.DataFrame  # each member's Results.yearly, with a member column
    members: pd.DataFrame  # one row per member: opening, horizon, verdict, key figures
    runtime_seconds: float = 0.0

    def summary(self) -> pd.DataFrame:
        """Per year and measure: mean, median and 5-95% range of the network totals across replications."""
        long = self.yearly.melt(id_vars=["replication", "year"], value_vars=list(NETWORK_MEASURES), var_name="measure")
        grouped = long.groupby(["year", "measure"], sort=False)["value"]
        table = grouped.agg(mean="mean", p5=lambda v: v.quantile(0.05), p50="median", p95=lambda v: v.quantile(0.95))
        table = table.reset_index()
        order = {m: k for k, m in enumerate(NETWORK_MEASURES)}
        table = table.sort_values(["year", "measure"], key=lambda s: s.map(order) if s.name == "measure" else s)
        table.insert(0, "network", self.network.name)
        return table.reset_index(drop=True)

    def governance(self) -> pd.DataFrame:
        """The union's votes at the end of each year (``governance_table``)."""
        return governance_table(self.network)

    def manifest(self) -> dict[str, Any]:
        return {
            "kind": "network",
            "name": self.network.name,
            "input_hash": self.network.input_hash(),
            "seed": self.seed,
            "replications": self.replications,
            "end_month": self.network.end_month,
            "members": [
                {
                    "name": m.name,
                    "opening_month": m.opening_month,
                    "horizon_months": m.scenario.meta.horizon_months,
                    "shares": m.shares,
                    "scenario_hash": m.scenario.scenario_hash(),
                    "scenario": m.scenario.to_dict(),
                }
                for m in self.network.members
            ],
            "partners": [vars(p) for p in self.network.partners],
            "simcoop_version": __version__,
            "runtime_seconds": round(self.runtime_seconds, 3),
        }

    def save(self, directory: str | os.PathLike[str], force: bool = False) -> Path:
        """Write network_yearly.csv, network_summary.csv, governance.csv, members.csv,
        members_yearly.csv and manifest.json, atomically (``simcoop.results.folder``)."""

        def write(folder: Path) -> None:
            _csv(self.yearly, folder / "network_yearly.csv")
            _csv(self.summary(), folder / "network_summary.csv")
            _csv(self.governance(), folder / "governance.csv")
            _csv(self.members, folder / "members.csv")
            _csv(self.member_yearly, folder / "members_yearly.csv")

        return write_study_folder(Path(directory), self.manifest(), write, force)

    def to_text(self) -> str:
        """The totals by year (medians, 5-95% ranges for the main figures) and the votes, for the terminal."""
        s = self.summary().set_index(["year", "measure"])
        gov = self.governance().groupby("year").first()
        n = self.network
        header = (
            f"{'year':<6}{'CAE':>4}{'insolv.':>8}{'active at end':>20}{'supported':>11}{'salaried':>10}{'associés':>10}"
            f"{'turnover M EUR':>23}{'jobs FTE':>10}{'public k EUR':>14}{'UES votes A/B':>17}"
        )
        title = f"{n.name}: {len(n.members)} CAE, {self.replications} replications, seed {self.seed}"
        lines = [title + " (median [5%-95%] across replications)", header]
        for year in n.years:
            q = s.loc[year]
            votes = "-"
            if year in gov.index:
                g = gov.loc[year]
                votes = f"{g['group_a_share']:.0%}/{g['group_b_share']:.0%}" + (" col." if g["college"] else "")
            active = (
                f"{q.loc['active_end', 'p50']:.0f} [{q.loc['active_end', 'p5']:.0f}-{q.loc['active_end', 'p95']:.0f}]"
            )
            turnover = (
                f"{q.loc['turnover_eur', 'p50'] / 1e6:.2f} "
                f"[{q.loc['turnover_eur', 'p5'] / 1e6:.2f}-{q.loc['turnover_eur', 'p95'] / 1e6:.2f}]"
            )
            lines.append(
                f"{year:<6}{q.loc['cae_open', 'p50']:>4.0f}{q.loc['cae_insolvent', 'p50']:>8.0f}{active:>20}"
                f"{q.loc['supported', 'p50']:>11.0f}{q.loc['salaried', 'p50']:>10.0f}{q.loc['associes', 'p50']:>10.0f}"
                f"{turnover:>23}{q.loc['jobs_fte', 'p50']:>10.1f}{q.loc['public_funding_eur', 'p50'] / 1e3:>14.0f}{votes:>17}"
            )
        if not n.end_month.endswith("-12"):
            lines.append(f"({n.years[-1]}: to {n.end_month} only, the network's end month)")
        lines += ["", "members (each CAE's own verdict, from its opening to the network's end):"]
        for _, m in self.members.iterrows():
            lines.append(
                f"  {m['member'][:34]:<35} opens {m['opening_month']}  {m['outcome']:<28} "
                f"P(insolvency) {m['insolvency_probability']:.0%}  active at end {m['active_end_p50']:.0f}"
            )
        lines.append(
            "insolv.: members whose own treasury has gone below the authorised overdraft by that year; "
            "col.: group B votes as one college holding 35%"
        )
        return "\n".join(lines)


def _csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, float_format="%.10g", lineterminator="\n")


def simulate_network(
    network: Network,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    progress: bool = False,
) -> NetworkResults:
    """Run every member on the same replications and seed (one pool for all) and total them.

    Numbers do not depend on ``jobs``. Each member's results are reduced to its yearly
    table and verdict as soon as it completes, so memory holds one member's raw outputs
    per worker at most.
    """
    from simcoop.studies.batch import simulate_many

    n = network.replications if replications is None else int(replications)
    root = network.seed if seed is None else int(seed)
    started = time.perf_counter()
    scenarios = [m.scenario for m in network.members]
    yearly_parts: dict[int, pd.DataFrame] = {}
    kpi_parts: dict[int, pd.DataFrame] = {}
    member_rows: dict[int, dict[str, Any]] = {}
    for index, results in simulate_many(scenarios, n, root, jobs, progress):
        member = network.members[index]
        yearly_parts[index] = results.yearly.assign(member=member.name)
        kpi_parts[index] = results.kpis[["replication", "insolvency_month"]].assign(member=member.name)
        verdict = results.verdict()
        insolvency = verdict.criteria[0]
        member_rows[index] = {
            "member": member.name,
            "opening_month": member.opening_month,
            "horizon_months": member.scenario.meta.horizon_months,
            "shares": member.shares,
            "outcome": verdict.outcome,
            "insolvency_probability": insolvency.value,
            "insolvency_ci_low": insolvency.ci_low,
            "insolvency_ci_high": insolvency.ci_high,
            "min_coop_treasury_eur_p50": float(results.kpis["min_coop_treasury_eur"].median()),
            "active_end_p50": float(results.kpis["active_end"].median()),
            "turnover_eur_p50": float(results.kpis["turnover_eur"].median()),
        }
    order = range(len(network.members))
    member_yearly = pd.concat([yearly_parts[i] for i in order], ignore_index=True)
    member_yearly["scenario"] = member_yearly["scenario"].astype(str)
    member_yearly = member_yearly[["member", *[c for c in member_yearly.columns if c != "member"]]]
    member_kpis = pd.concat([kpi_parts[i] for i in order], ignore_index=True)
    yearly = network_yearly(network, member_yearly, member_kpis)
    return NetworkResults(
        network=network,
        seed=root,
        replications=n,
        yearly=yearly,
        member_yearly=member_yearly,
        members=pd.DataFrame([member_rows[i] for i in order]),
        runtime_seconds=time.perf_counter() - started,
    )
