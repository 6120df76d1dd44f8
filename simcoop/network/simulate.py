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

Every member runs the same replications, replication ``r`` of the network being
replication ``r`` of each member, but each member draws its own random numbers: its
root seed is derived from the network's seed and the member's name
(``member_seed``), so that members are independent (sixty identical members are not
sixty copies of one draw, and the network's intervals are not those of perfectly
correlated members), while a member keeps its draws when others are added, removed,
reordered or changed. Every member is simulated from its opening
to the network's ``end_month``, so every year of the totals counts every member open
that year. Network totals are sums over members, by replication and calendar year
(``NETWORK_MEASURES``); ``summary()`` gives their median and 5-95% range across
replications, the figures networks publish. ``governance()`` applies the union's voting
rule (``simcoop.network.governance.ues_votes``) to the membership at the end of each year: each
simulated CAE joins group A in its opening month.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simcoop.executors import ChunkExecutor
from simcoop.months import month_index
from simcoop.network.file import Network, NetworkMember, UnionMember, load_network
from simcoop.network.governance import Member, college_applies, ues_votes
from simcoop.results.folder import write_study_folder
from simcoop.results.manifest import build_manifest
from simcoop.csvout import write_csv_table

__all__ = [
    "NETWORK_MEASURES",
    "Network",
    "NetworkMember",
    "NetworkResults",
    "UnionMember",
    "governance_table",
    "member_seed",
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


def _year_end(year: int, end_month: str) -> str:
    """The last month of ``year`` inside the network's window."""
    return end_month if int(end_month[:4]) == year else f"{year:04d}-12"


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
            (Member(m.name, "A", m.shares), True) for m in network.members if month_index(m.opening_month) <= month_index(month)
        ]
        for p in network.partners:
            joined = p.joins is None or month_index(p.joins) <= month_index(month)
            left = p.leaves is not None and month_index(p.leaves) <= month_index(month)
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
    start = {m.name: month_index(m.opening_month) for m in network.members}
    kpis = member_kpis.dropna(subset=["insolvency_month"])
    # (typed explicitly: with no insolvency at all the empty column would not be a number)
    insolvent_year = (kpis["member"].astype(str).map(start).astype("int64") + kpis["insolvency_month"].astype("int64")) // 12
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
        """Provenance of the network run: inputs by hash, each member's seed, replications, version."""
        return build_manifest(
            "network",
            self.seed,
            self.replications,
            self.runtime_seconds,
            name=self.network.name,
            input_hash=self.network.input_hash(),
            end_month=self.network.end_month,
            members=[
                {
                    "name": m.name,
                    "opening_month": m.opening_month,
                    "horizon_months": m.scenario.meta.horizon_months,
                    "shares": m.shares,
                    "scenario_hash": m.scenario.scenario_hash(),
                    "seed": member_seed(self.seed, m.name),
                    "scenario": m.scenario.to_dict(),
                }
                for m in self.network.members
            ],
            partners=[vars(p) for p in self.network.partners],
        )

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
    write_csv_table(frame, path, atomic=False)  # inside a folder written atomically


def member_seed(seed: int, name: str) -> int:
    """The root seed of the network member ``name`` under the network seed ``seed`` (a 64-bit number).

    ``SeedSequence([seed, sha256(name)])``: independent streams for distinct names, the
    same for the same network seed and member name whatever the other members.
    """
    digest = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:16], "big")
    words = np.random.SeedSequence([int(seed), digest]).generate_state(2, np.uint32)
    return (int(words[0]) << 32) | int(words[1])


def simulate_network(
    network: Network,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    progress: bool = False,
    executor: ChunkExecutor | None = None,
) -> NetworkResults:
    """Run every member on the same replications, each on its own seed (``member_seed``), in one pool, and total them.

    Numbers do not depend on ``jobs`` nor on the ``executor`` (a process pool or a Dask cluster). Each member's results are reduced to its yearly
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
    seeds = [member_seed(root, m.name) for m in network.members]
    for index, results in simulate_many(scenarios, n, root, jobs, progress, executor, seeds=seeds):
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
