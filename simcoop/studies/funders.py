"""Which funder is decisive: the verdict with each funder missing in turn, on common random numbers.

For each funder of the scenario's public funding, the same replications (same seed) are
run without it: its conventions are removed, and so is its commitment in the creation steps
(and from the go/no-go gate's required funders, so that the table shows whether the
structure holds without it; whether the gate requires it is a column of its own). A funder
is *decisive* when the avis without it is worse than the avis with every funder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simcoop.executors import ChunkExecutor
from simcoop.scenario import Scenario
from simcoop.verdict import OUTCOMES

if TYPE_CHECKING:
    from simcoop.results import Results

__all__ = ["without_funder", "decisive_funders", "FUNDER_COLUMNS"]

FUNDER_COLUMNS: tuple[str, ...] = (
    "funder", "required_to_open", "outcome", "decisive", "rupture_probability", "break_even_share",
    "startup_need_p50_eur", "startup_need_p90_eur", "amount_to_secure_eur", "public_funding_eur",
)  # fmt: skip


def without_funder(scenario: Scenario, funder: str) -> Scenario:
    """``scenario`` without ``funder``: no convention, no partner commitment, not required by the gate."""
    data = scenario.to_dict()
    coop = data["cooperative"]
    coop["public_funding"] = [c for c in coop["public_funding"] if c["funder"] != funder]
    dailly = coop["financing"].get("receivable_financing")
    if dailly:
        dailly["funders"] = [f for f in dailly["funders"] if f != funder]
    creation = data["creation"]
    creation["partners"] = [p for p in creation["partners"] if p["funder"] != funder]
    if creation.get("go_decision"):
        creation["go_decision"]["required_funders"] = [f for f in creation["go_decision"]["required_funders"] if f != funder]
    feasibility = creation.get("feasibility")
    if feasibility and feasibility.get("funded_by") == funder:
        feasibility["funded_by"] = ""
    from simcoop.scenario import validate_data

    return validate_data(data, source=f"<without {funder}>")


def decisive_funders(
    scenario: Scenario,
    replications: int,
    seed: int,
    jobs: int = 1,
    executor: ChunkExecutor | None = None,
    baseline: Results | None = None,
) -> list[dict[str, Any]]:
    """One row per funder: the verdict's outcome and figures without it (same seeds as the base run).

    Every run goes through ``simcoop.runner`` on ``executor`` (else over ``jobs`` processes);
    ``baseline``, a run of ``scenario`` on ``seed`` with at least ``replications``
    replications, gives the base row without simulating it again."""
    from simcoop.runner import executor_for, simulate

    with executor_for(executor, jobs) as chosen:
        reused = baseline.reused_for(scenario, seed, replications) if baseline is not None else None
        base = (reused if reused is not None else simulate(scenario, replications=replications, seed=seed, jobs=jobs, executor=chosen)).verdict()
        gate = scenario.creation.go_decision
        required = set(gate.required_funders) if gate is not None else set()
        rows = [_row("", base, base, False)]
        for funder in dict.fromkeys(c.funder for c in scenario.cooperative.public_funding):
            verdict = simulate(without_funder(scenario, funder), replications=replications, seed=seed, jobs=jobs, executor=chosen).verdict()
            rows.append(_row(funder, verdict, base, funder in required))
    return rows


def _row(funder: str, verdict: Any, base: Any, required: bool) -> dict[str, Any]:
    cash = verdict.layers.get("cash", {})
    need = cash.get("startup_need_eur", {})
    be = verdict.criterion("break_even")
    return {
        "funder": funder,
        "required_to_open": required,
        "outcome": verdict.outcome,
        "decisive": OUTCOMES.index(verdict.outcome) > OUTCOMES.index(base.outcome),
        "rupture_probability": verdict.criterion("insolvency").value,
        "break_even_share": be.value if be is not None else None,
        "startup_need_p50_eur": need.get("p50"),
        "startup_need_p90_eur": need.get("p90"),
        "amount_to_secure_eur": cash.get("amount_to_secure_eur"),
        "public_funding_eur": verdict.figures.get("public_cost_eur", {}).get("p50"),
    }
