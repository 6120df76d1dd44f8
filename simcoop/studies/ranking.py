"""Where to open: candidate territories or site plans ranked by the viability criteria.

A candidates file (YAML) names a base scenario (the cooperative's rules) and candidates,
each a name and dotted overrides, as in a ``variants:`` block::

    name: "Où ouvrir ? (illustration)"
    base: reference.yaml                      # relative to this file
    simulation: {replications: 200, seed: 1}  # optional; default: the base's
    bootstrap: 500                            # optional; resamples for the rank probabilities
    candidates:
      "Agglomération":  {}
      "Ville moyenne":  {territory.accueils_per_year_at_maturity: 120}
      "Deux sites":     {cooperative.sites: [{name: siège}, {name: antenne, opening_month: 2028-09}]}
      "Nord, ouverture 2028": {opening_month: 2028-01, territory.zones_file: zones_nord.csv}

The key ``opening_month`` (no dot) moves the opening and every dated item of the
scenario with it (``simcoop.scenario.edit.shift_dates``); ``meta.start_month`` moves the
opening alone. A ``territory.zones_file`` or ``warm_start.roster_file`` override is read
relative to the candidates file.

Every candidate runs on the same replications and seed (common random numbers), so the
replications are paired across candidates.

**Ranking rule.** Candidates are sorted by, in order: (1) the verdict outcome
(favourable, then favourable under conditions, then unfavourable; ``simcoop.verdict``);
(2) the probability of insolvency, lowest first; (3) the median over replications of
the lowest own treasury of the cooperative (``min_coop_treasury_eur``), highest first.
Exact ties keep the file's order.

**Uncertainty of the ranking.** The replication indices are resampled with replacement
``bootstrap`` times (500 by default), *the same indices for every candidate* since
replications are paired; on each resample the three keys are recomputed (the outcome
with the verdict's own criteria and thresholds, ``outcome_keys``) and the candidates
ranked. ``rank_probabilities`` is the share of resamples in which each candidate takes
each rank; each row and each column sums to 1. The bootstrap draws its own stream
(``SeedSequence([seed, BOOTSTRAP_TAG])``), separate from the simulation's.
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

from simcoop.csvout import write_csv_table
from simcoop.executors import ChunkExecutor
from simcoop.months import MONTH_PATTERN
from simcoop.results.folder import write_study_folder
from simcoop.results.manifest import build_manifest
from simcoop.scenario import Problem, Scenario, ScenarioError, Viability, load_scenario
from simcoop.scenario.edit import derive_scenario
from simcoop.scenario.studyfiles import (
    CandidatesFile,
    StudySimulation,
    read_yaml_mapping,
    validate_part,
    whole_number_problem,
)
from simcoop.verdict import OUTCOMES, Counts, at_break_even, outcome_from_counts, relies_ceiling

__all__ = [
    "BOOTSTRAP_TAG",
    "RANKING_RULE",
    "Candidates",
    "TerritoryRanking",
    "load_candidates",
    "outcome_keys",
    "rank_candidates",
    "rank_territories",
]

#: Most bootstrap resamples: the resample indices take bootstrap x replications integers in memory.
MAX_BOOTSTRAP = 100_000

#: Mixed into the bootstrap's seed so its stream differs from every simulation stream.
BOOTSTRAP_TAG = 0x7E77

RANKING_RULE = (
    "verdict outcome (favourable < favourable_under_conditions < unfavourable), then P(insolvency) ascending, "
    "then median lowest own treasury (min_coop_treasury_eur) descending; exact ties keep the file's order"
)


@dataclass(frozen=True)
class Candidates:
    """The candidates of a study: name -> scenario, in the file's order, and how to run them."""

    name: str
    scenarios: dict[str, Scenario]
    replications: int
    seed: int
    bootstrap: int = 500

    def input_hash(self) -> str:
        """SHA-256 of the candidates (scenarios by hash) and the bootstrap size; identifies them in manifests."""
        content = {
            "name": self.name,
            "candidates": [[k, s.scenario_hash()] for k, s in self.scenarios.items()],
            "bootstrap": self.bootstrap,
        }
        text = json.dumps(content, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("ascii")).hexdigest()




def load_candidates(path: str | os.PathLike[str]) -> Candidates:
    """Read and check a candidates file; raises ScenarioError listing every problem with its line."""
    path = Path(path)
    source = str(path)
    data, marks = read_yaml_mapping(path, "candidates")
    spec, problems = validate_part(CandidatesFile, data, source, marks)
    if spec is None:
        raise ScenarioError(problems)
    try:
        base = load_scenario(path.parent / spec.base)
    except ScenarioError as exc:
        raise ScenarioError(exc.problems) from None
    settings: dict[str, Any] = {}
    if spec.simulation is not None:
        simulation, sim_problems = validate_part(StudySimulation, spec.simulation, source, marks, ("simulation",), "simulation")
        problems += sim_problems
        if simulation is not None:
            settings = {k: v for k, v in simulation.model_dump().items() if v is not None}
    bootstrap = spec.bootstrap
    problems += whole_number_problem(bootstrap, 1, source, marks.get(("bootstrap",)), "bootstrap", high=MAX_BOOTSTRAP)
    block = data["candidates"]
    if not isinstance(block, dict) or len(block) < 2:
        problems.append(
            Problem(
                source,
                marks.get(("candidates",)),
                "candidates",
                "expected a mapping of at least two candidate names to their overrides",
            )
        )
        raise ScenarioError(problems)
    scenarios: dict[str, Scenario] = {}
    for name, overrides in block.items():
        line = marks.get(("candidates", name))
        where = f"candidates.{name}"
        if not isinstance(name, str) or not name.strip():
            problems.append(
                Problem(source, line, "candidates", f"a candidate name must be non-empty text, got {name!r}")
            )
            continue
        overrides = overrides or {}
        if not isinstance(overrides, dict):
            problems.append(
                Problem(source, line, where, f"expected a mapping of dotted keys to values; got {overrides!r}")
            )
            continue
        overrides = dict(overrides)
        opening = overrides.pop("opening_month", None)
        if opening is not None and not (isinstance(opening, str) and MONTH_PATTERN.match(opening)):
            problems.append(
                Problem(
                    source,
                    marks.get(("candidates", name, "opening_month"), line),
                    where,
                    f"opening_month: expected a month written YYYY-MM; got {opening!r}",
                )
            )
            continue
        try:
            scenarios[name] = derive_scenario(
                base, name=name, overrides=overrides, opening_month=opening, source=source, where=where, line=line,
                override_lines={k: marks[("candidates", name, k)] for k in overrides if ("candidates", name, k) in marks},
                anchor=path.parent,
            )  # fmt: skip
        except ScenarioError as exc:
            problems += exc.problems
    if problems:
        raise ScenarioError(sorted(problems, key=lambda p: (p.line is None, p.line or 0)))
    return Candidates(
        name=str(spec.name or path.stem),
        scenarios=scenarios,
        replications=int(settings.get("replications", base.simulation.replications)),
        seed=int(settings.get("seed", base.simulation.seed)),
        bootstrap=int(bootstrap),
    )


# --------------------------------------------------------------------------- ranking


@dataclass(frozen=True)
class ReplicationSample:
    """Per replication, what the three ranking keys are computed from (one candidate)."""

    insolvent: np.ndarray  # bool
    break_even_ok: np.ndarray  # bool: rolling result positive by the deadline
    public_checked: np.ndarray  # bool: the criterion year is within the horizon
    public_ok: np.ndarray  # bool: public share <= max in the criterion year
    min_treasury: np.ndarray  # float, EUR
    viability: Viability
    break_even_in_horizon: bool
    compensation_clean: np.ndarray | None = None  # bool: no over-compensation in any year
    public_to_costs: np.ndarray | None = None  # float: largest yearly public funding / costs


def replication_sample(results: Any) -> ReplicationSample:
    scenario = results.scenario
    v = scenario.viability
    kpis = results.kpis
    deadline = 12 * v.break_even_by_year - 1
    be = kpis["break_even_month"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    shares = kpis["public_share_in_criterion_year"].astype(float).to_numpy()
    checked = ~np.isnan(shares)
    return ReplicationSample(
        insolvent=kpis["insolvent"].astype(bool).to_numpy(),
        break_even_ok=at_break_even(be, v.break_even_by_year),
        public_checked=checked,
        public_ok=checked & (np.nan_to_num(shares, nan=np.inf) <= v.max_public_share),
        min_treasury=kpis["min_coop_treasury_eur"].astype(float).to_numpy(),
        viability=v,
        break_even_in_horizon=deadline < scenario.meta.horizon_months,
        compensation_clean=kpis["over_compensation_eur"].astype(float).to_numpy() <= 0.005,
        public_to_costs=kpis["max_public_to_costs"].astype(float).to_numpy(),
    )


def outcome_keys(sample: ReplicationSample, index: np.ndarray) -> np.ndarray:
    """The three ranking keys of one candidate on resamples ``index`` (B x n replication positions).

    Returns a B x 3 array: outcome index (0 best), P(insolvency), minus the median lowest
    treasury (so that smaller is better in every column).
    """
    n = index.shape[1]
    reached = sample.break_even_ok[index].sum(axis=1)
    # The rupture risk is read on the viable replications (verdict.viable_mask), all of them
    # when the deadline is beyond the horizon or none is viable.
    on_viable = sample.break_even_in_horizon & (reached > 0)
    insolvent = np.where(on_viable, (sample.insolvent & sample.break_even_ok)[index].sum(axis=1), sample.insolvent[index].sum(axis=1))
    base = np.where(on_viable, reached, n)
    ok = sample.public_ok[index].sum(axis=1)
    checked = sample.public_checked[index].sum(axis=1)
    if sample.compensation_clean is not None and sample.public_to_costs is not None:
        clean = sample.compensation_clean[index].sum(axis=1).tolist()
        relies = (np.nanmedian(sample.public_to_costs[index], axis=1) > relies_ceiling(sample.viability)).tolist()
    else:
        clean, relies = [None] * len(index), [False] * len(index)
    outcome = np.array(
        [
            OUTCOMES.index(outcome_from_counts(
                Counts(n, int(a), int(b), int(c), int(d), sample.break_even_in_horizon,
                       None if e is None else int(e), bool(f), int(g)),
                sample.viability))
            for a, b, c, d, e, f, g in zip(insolvent, reached, ok, checked, clean, relies, base)
        ]
    )  # fmt: skip
    median_treasury = np.median(sample.min_treasury[index], axis=1)
    return np.column_stack([outcome, insolvent / base, -median_treasury])


def ranks(keys: np.ndarray) -> np.ndarray:
    """Ranks (0 = first) of K candidates from their K x 3 keys, lexicographic, ties in given order."""
    order = np.lexsort((np.arange(keys.shape[0]), keys[:, 2], keys[:, 1], keys[:, 0]))
    out = np.empty(keys.shape[0], dtype=int)
    out[order] = np.arange(keys.shape[0])
    return out


def rank_candidates(results: dict[str, Any], bootstrap: int = 500, seed: int = 0) -> pd.DataFrame:
    """Rank simulated candidates (name -> Results on common random numbers) with bootstrap rank probabilities.

    One row per candidate, best first: rank, candidate, the verdict's figures, the ranking
    keys, ``p_first``, ``expected_rank`` and ``p_rank_1`` ... ``p_rank_K``.
    """
    names = list(results)
    if len(names) < 1:
        raise ValueError("no candidate to rank")
    reps = {name: r.replications for name, r in results.items()}
    n = reps[names[0]]
    if any(v != n for v in reps.values()) or any(
        not np.array_equal(results[k].kpis["replication"].to_numpy(), np.arange(n)) for k in names
    ):
        raise ValueError("candidates must be simulated on the same replications 0..n-1 (common random numbers)")
    if not 1 <= bootstrap <= MAX_BOOTSTRAP:
        raise ValueError(f"bootstrap must be from 1 to {MAX_BOOTSTRAP}, got {bootstrap}")
    samples = {name: replication_sample(results[name]) for name in names}
    verdicts = {name: results[name].verdict() for name in names}
    observed = np.array(
        [
            [
                OUTCOMES.index(verdicts[k].outcome),
                verdicts[k].criterion("insolvency").value,
                -float(np.median(samples[k].min_treasury)),
            ]
            for k in names
        ]
    )
    observed_rank = ranks(observed)
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed), BOOTSTRAP_TAG])))
    index = rng.integers(0, n, size=(bootstrap, n))  # the same resample for every candidate: paired
    keys = np.stack([outcome_keys(samples[k], index) for k in names], axis=1)  # B x K x 3
    boot_ranks = np.array([ranks(keys[b]) for b in range(bootstrap)])  # B x K
    k_count = len(names)
    probabilities = np.stack([(boot_ranks == r).mean(axis=0) for r in range(k_count)], axis=1)  # K x ranks
    rows = []
    for i, name in enumerate(names):
        r = results[name]
        v = verdicts[name]
        crit = {c.key: c for c in v.criteria}
        kpis = r.kpis
        row: dict[str, Any] = {
            "rank": int(observed_rank[i]) + 1,
            "candidate": name,
            "outcome": v.outcome,
            "reasons": " ".join(v.reasons),
            "insolvency_probability": crit["insolvency"].value,
            "insolvency_ci_low": crit["insolvency"].ci_low,
            "insolvency_ci_high": crit["insolvency"].ci_high,
            "min_coop_treasury_eur_p50": float(np.median(samples[name].min_treasury)),
            "min_coop_treasury_eur_p5": float(np.quantile(samples[name].min_treasury, 0.05)),
            "break_even_share": crit["break_even"].value,
            "public_share_ok_share": crit["public_share"].value,
            "accueils_per_year_at_maturity": _accueils(r.scenario),
            "opening_month": r.scenario.meta.start_month,
            "people_supported_p50": v.figures["people_supported"]["p50"],
            "active_end_p50": float(kpis["active_end"].median()),
            "public_cost_eur_p50": float(kpis["public_cost_eur"].median()),
            "p_first": float(probabilities[i, 0]),
            "expected_rank": float(boot_ranks[:, i].mean() + 1),
            "replications": n,
            "bootstrap": bootstrap,
        }
        for rank in range(k_count):
            row[f"p_rank_{rank + 1}"] = float(probabilities[i, rank])
        rows.append(row)
    table = pd.DataFrame(rows).sort_values("rank", kind="stable").reset_index(drop=True)
    return table


def _accueils(scenario: Scenario) -> float:
    value = getattr(scenario, "accueils_per_year", None)  # derived from zones when the territory gives them
    if value is None:
        value = scenario.territory.accueils_per_year_at_maturity
    return float(value) if value is not None else float("nan")


@dataclass
class TerritoryRanking:
    """The ranked candidates of a study and how they were obtained."""

    candidates: Candidates
    table: pd.DataFrame
    seed: int
    replications: int
    runtime_seconds: float = 0.0

    def manifest(self) -> dict[str, Any]:
        """Provenance of the ranking: inputs by hash, seed, replications, version."""
        return build_manifest(
            "territories",
            self.seed,
            self.replications,
            self.runtime_seconds,
            name=self.candidates.name,
            input_hash=self.candidates.input_hash(),
            bootstrap=self.candidates.bootstrap,
            ranking_rule=RANKING_RULE,
            candidates=[
                {"name": k, "scenario_hash": s.scenario_hash(), "scenario": s.to_dict()}
                for k, s in self.candidates.scenarios.items()
            ],
        )

    def save(self, directory: str | os.PathLike[str], force: bool = False) -> Path:
        """Write territories.csv and manifest.json into ``directory``, atomically."""

        def write(folder: Path) -> None:
            write_csv_table(self.table, folder / "territories.csv", atomic=False)

        return write_study_folder(Path(directory), self.manifest(), write, force)

    def to_text(self) -> str:
        """The ranked table for the terminal."""
        t = self.table
        k = len(t)
        title = (
            f"{self.candidates.name}: {k} candidates, {self.replications} replications each on common random numbers, "
            f"seed {self.seed}; rank uncertainty from {self.candidates.bootstrap} paired bootstrap resamples"
        )
        header = (
            f"{'rank':<5}{'candidate':<30}{'outcome':<29}{'P(insolvency) [95% CI]':>24}{'lowest treasury p50':>21}"
            f"{'P(first)':>10}  P(rank 1..{k})"
        )
        lines = [title, f"ranked by {RANKING_RULE}", "", header]
        for _, row in t.iterrows():
            ci = f"{row['insolvency_probability']:.0%} [{row['insolvency_ci_low']:.0%}-{row['insolvency_ci_high']:.0%}]"
            probs = " ".join(f"{row[f'p_rank_{r + 1}']:.2f}" for r in range(k))
            lines.append(
                f"{row['rank']:<5}{str(row['candidate'])[:29]:<30}{row['outcome']:<29}{ci:>24}"
                f"{row['min_coop_treasury_eur_p50']:>17,.0f} EUR{row['p_first']:>10.0%}  {probs}"
            )
        return "\n".join(lines)


def rank_territories(
    candidates: Candidates,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    progress: bool = False,
    bootstrap: int | None = None,
    executor: ChunkExecutor | None = None,
) -> TerritoryRanking:
    """Simulate every candidate on common random numbers (one executor: ``executor`` or ``jobs`` processes) and rank them."""
    from simcoop.studies.batch import simulate_many

    n = candidates.replications if replications is None else int(replications)
    root = candidates.seed if seed is None else int(seed)
    if bootstrap is not None:
        candidates = Candidates(
            candidates.name, candidates.scenarios, candidates.replications, candidates.seed, int(bootstrap)
        )
    started = time.perf_counter()
    names = list(candidates.scenarios)
    runs = dict(simulate_many([candidates.scenarios[k] for k in names], n, root, jobs, progress, executor))
    table = rank_candidates({names[i]: runs[i] for i in range(len(names))}, candidates.bootstrap, root)
    return TerritoryRanking(
        candidates=candidates, table=table, seed=root, replications=n, runtime_seconds=time.perf_counter() - started
    )
