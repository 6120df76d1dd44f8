"""The solver: what a funder can act on, and which constraint binds.

A funder asks separate questions (issue: a start-up cash gap is not a deficit). ``solve``
searches, by bisection on common random numbers (every candidate runs the same
replications with the same seeds, so the search is stable and monotone in practice):

- ``startup``: the smallest **one-off start-up financing** (quasi-fonds propres or a
  repayable advance, ``cooperative.financing.startup_instrument``, received at the
  opening, repaid after its deferral) that brings the risk of rupture de trésorerie under
  its threshold. It does not touch the accounts' result, only the cash.
- ``funding``: the smallest extra **annual operating subsidy**, paid monthly from the
  opening for ``years`` years by one extra convention, with which the economic criterion
  (break-even) is met, **never beyond the compensation limit** (Décision 2012/21/UE
  arts. 5-6): the search stops at the headroom between the net cost of the service plus
  its margin and the subsidies already planned, in the years the extra is paid. If
  break-even is not reached within it, the answer is "not within the compensation
  limit" (an unfavourable avis), not a bigger subsidy.
- ``accueils``: the smallest accueil flow at maturity with which the rupture and
  break-even criteria are met;
- ``contribution``: the lowest contribution rate that still meets them.

``binding`` says which constraint decides the answer. Uncertainty: the same search run
against the pessimistic and the optimistic ends of the criteria's 95% intervals gives a
range.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from simcoop.executors import ChunkExecutor
from simcoop.months import shift_month
from simcoop.scenario import Scenario
from simcoop.verdict import Verdict, criteria_met

__all__ = ["Solution", "solve", "with_extra_funding", "with_startup_financing", "solved_scenario", "TARGETS"]

Target = Literal["startup", "funding", "accueils", "contribution"]
TARGETS: tuple[str, ...] = ("startup", "funding", "accueils", "contribution")

#: Name of the convention the funding solver adds.
EXTRA_FUNDER = "Financement complémentaire (solveur)"
#: Name of the instrument the start-up solver adds.
STARTUP_LENDER = "Financement de démarrage (solveur)"


@dataclass(frozen=True)
class Solution:
    """What ``solve`` found."""

    target: str
    value: float | None  # None when no value in the search range meets the criteria
    unit: str
    met: bool  # every criterion (public share included) met at the answer
    outcome_at_solution: str | None
    insolvency_probability: float | None
    insolvency_ci: tuple[float, float] | None
    spread: tuple[float | None, float | None]  # solutions on the optimistic and pessimistic ends of the intervals
    replications: int
    seed: int
    search_range: tuple[float, float]
    evaluations: int
    funder: str = ""
    first_month: str = ""
    years: int = 0
    baseline_outcome: str = ""
    history: list[dict[str, Any]] = field(default_factory=list)
    binding: str = ""  # the constraint that decides the answer (insolvency, break_even, compensation, ...)
    limit: float | None = None  # the compensation limit of the funding target (EUR a year), None otherwise
    instrument: str = ""  # startup target: quasi_equity or repayable_advance
    message: str = ""  # why there is no answer, in plain words (English)

    def to_dict(self) -> dict[str, Any]:
        """The solution as JSON-ready data (what ``solve.json`` holds)."""
        data = asdict(self)
        data["insolvency_ci"] = list(self.insolvency_ci) if self.insolvency_ci else None
        data["spread"] = list(self.spread)
        data["search_range"] = list(self.search_range)
        return data


def with_extra_funding(scenario: Scenario, amount_eur_per_year: float, years: int, funder: str = EXTRA_FUNDER) -> Scenario:
    """``scenario`` with one more fixed convention of ``amount_eur_per_year`` for ``years`` years from opening."""
    start = scenario.meta.start_month
    last = shift_month(start, 12 * years - 1)
    conventions = [c.model_dump(mode="json") for c in scenario.cooperative.public_funding]
    conventions.append(
        {"funder": funder, "kind": "fixed", "amount_eur": round(float(amount_eur_per_year), 2), "first_month": start, "last_month": last}
    )
    return scenario.replace({"cooperative.public_funding": conventions})


def with_startup_financing(scenario: Scenario, amount_eur: float) -> Scenario:
    """``scenario`` with one more start-up instrument of ``amount_eur`` received at the opening.

    Its kind, deferral and duration are ``cooperative.financing.startup_*``; no interest (a
    France Active contrat d'apport associatif or a Région repayable advance is interest-free;
    an assumption for other lenders).
    """
    plan = scenario.cooperative.financing
    instruments = [i.model_dump(mode="json") for i in plan.instruments]
    instruments.append(
        {"name": STARTUP_LENDER, "kind": plan.startup_instrument, "amount_eur": round(float(amount_eur), 2),
         "received_month": scenario.meta.start_month, "annual_rate": 0.0,
         "deferral_months": plan.startup_deferral_months, "duration_months": plan.startup_duration_months,
         "source": "simcoop solve --target startup; terms: cooperative.financing.startup_* (assumption)"}
    )  # fmt: skip
    return scenario.replace({"cooperative.financing.instruments": instruments})


def solved_scenario(scenario: Scenario, solution: "Solution") -> Scenario:
    """The scenario with the solver's answer applied (what ``--write-scenario`` writes)."""
    if solution.value is None:
        raise ValueError(solution.message or "no answer to apply")
    if solution.target == "startup":
        return with_startup_financing(scenario, solution.value) if solution.value > 0 else scenario
    if solution.target == "funding":
        return with_extra_funding(scenario, solution.value, solution.years) if solution.value > 0 else scenario
    if solution.target == "accueils":
        return scenario.replace({"territory.accueils_per_year_at_maturity": solution.value})
    return scenario.replace({"cooperative.contribution.rate": solution.value})


#: Criteria searched for each target: those that more effort can only help.
SEARCHED: dict[str, tuple[str, ...]] = {
    "startup": ("insolvency",),
    "funding": ("break_even",),
    "accueils": ("insolvency", "break_even"),
    "contribution": ("insolvency", "break_even"),
}


def solve(
    scenario: Scenario,
    target: Target = "startup",
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    years: int | None = None,
    tolerance: float | None = None,
    uncertainty: bool = True,
    on_step: Callable[[dict[str, Any]], None] | None = None,
    executor: ChunkExecutor | None = None,
) -> Solution:
    """Search the smallest public effort (see the module docstring) that meets every criterion.

    Each candidate runs on ``executor`` (a process pool or a Dask cluster), else over ``jobs``
    processes; the answer does not depend on either.
    """
    from simcoop.runner import simulate

    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}; allowed: {', '.join(TARGETS)}")
    n = replications if replications is not None else min(scenario.simulation.replications, 100)
    root = scenario.simulation.seed if seed is None else seed
    horizon_years = max(scenario.meta.horizon_months // 12, 1)
    # Default: start-up funding over the first three years (DOMAIN.md §4: 2-3 years to an
    # autonomous structure).
    years = years if years is not None else min(3, horizon_years)
    if not 1 <= years <= horizon_years:
        raise ValueError(f"years must be between 1 and {horizon_years} (the horizon)")

    limit: float | None = None
    if target == "startup":
        def build(x: float) -> Scenario:
            return with_startup_financing(scenario, x) if x > 0 else scenario
        low, high, unit = 0.0, 50_000.0, "EUR once, at the opening"
        tol = tolerance if tolerance is not None else 1000.0
        cap = 10_000_000.0
    elif target == "funding":
        def build(x: float) -> Scenario:
            return with_extra_funding(scenario, x, years) if x > 0 else scenario
        low, high, unit = 0.0, 50_000.0, "EUR per year"
        tol = tolerance if tolerance is not None else 1000.0
        cap = 10_000_000.0
    elif target == "accueils":
        if scenario.territory.zones:
            raise ValueError(
                "--target accueils needs a scenario that gives territory.accueils_per_year_at_maturity; "
                "this one derives its accueils from zones (vary territory.demand instead)"
            )

        def build(x: float) -> Scenario:
            return scenario.replace({"territory.accueils_per_year_at_maturity": x})
        low, high, unit = 0.0, max(scenario.accueils_per_year, 50.0), "accueils per year at maturity"
        tol = tolerance if tolerance is not None else 2.0
        cap = 5000.0
    else:
        base_rate = scenario.cooperative.contribution.rate
        def build(x: float) -> Scenario:
            return scenario.replace({"cooperative.contribution.rate": x})
        low, high, unit = 0.0, base_rate, "contribution rate"
        tol = tolerance if tolerance is not None else 0.0025
        cap = base_rate
    searched = SEARCHED[target]

    cache: dict[float, Verdict] = {}
    history: list[dict[str, Any]] = []

    def evaluate(x: float) -> Verdict:
        x = round(x, 6)
        if x not in cache:
            verdict = simulate(build(x), replications=n, seed=root, jobs=jobs, executor=executor).verdict()
            cache[x] = verdict
            step = {"value": x, "outcome": verdict.outcome, **{c.key: c.value for c in verdict.criteria},
                    "searched_criteria_met": criteria_met(verdict, "point", searched)}  # fmt: skip
            history.append(step)
            if on_step:
                on_step(step)
        return cache[x]

    baseline = evaluate(low if target in ("funding", "startup") else (scenario.accueils_per_year if target == "accueils" else high))
    message = ""
    if target == "funding":
        # The compensation limit: the headroom between the net cost of the service plus its
        # margin and the subsidies already planned, in the years the extra would be paid
        # (medians of the baseline), Décision 2012/21/UE arts. 5-6.
        rows = baseline.layers.get("economic", {}).get("result_by_year", [])[:years]
        heads = [r["compensation_headroom_eur"]["p50"] for r in rows if r["compensation_headroom_eur"]["p50"] is not None]
        limit = max(math.floor(min(heads) / 100.0) * 100.0, 0.0) if heads else 0.0
        cap = limit
        high = min(high, cap) if cap > 0 else 0.0

    def search(side: str) -> float | None:
        lo, hi = low, high
        if criteria_met(evaluate(lo), side, searched):
            return lo
        if hi <= lo:
            return None
        while not criteria_met(evaluate(hi), side, searched):
            if hi >= cap:
                return None
            lo, hi = hi, min(hi * 2.0, cap)
        while hi - lo > tol:
            mid = (lo + hi) / 2.0
            if criteria_met(evaluate(mid), side, searched):
                hi = mid
            else:
                lo = mid
        return hi

    value = search("point")
    optimistic = search("optimistic") if uncertainty else None
    pessimistic = search("pessimistic") if uncertainty else None
    binding = ",".join(searched)
    if value is not None:
        value = _round_answer(value, target)
        if target == "funding" and limit is not None:
            value = min(value, limit)
        at = evaluate(value)
        insolvency = next(c for c in at.criteria if c.key == "insolvency")
        met = at.outcome != "unfavourable" and criteria_met(at, "point", searched)
        if target == "startup":
            met = met and criteria_met(at, "point", ("insolvency",))
        outcome, p, ci = at.outcome, insolvency.value, (insolvency.ci_low, insolvency.ci_high)
        if value == 0:
            binding = ""
        if outcome == "unfavourable":
            message = "the criteria searched are met, but the avis stays unfavourable: " + ", ".join(at.reasons)
    else:
        met, outcome, p, ci = False, None, None, None
        if target == "funding":
            binding = "compensation"
            message = (
                f"break-even is not reached with an extra subsidy within the compensation limit ({limit:,.0f} EUR a year "
                f"in the first {years} year(s), Décision 2012/21/UE arts. 5-6): the avis is unfavourable, a larger "
                "subsidy would be over-compensation"
            )
        else:
            message = f"no {target} level in the search range (up to {cap:,.0f}) meets the criteria searched ({', '.join(searched)})"
    return Solution(
        target=target,
        value=value,
        unit=unit,
        met=met,
        outcome_at_solution=outcome,
        insolvency_probability=p,
        insolvency_ci=ci,
        spread=(
            _round_answer(optimistic, target) if optimistic is not None else None,
            _round_answer(pessimistic, target) if pessimistic is not None else None,
        ),
        replications=n,
        seed=root,
        search_range=(low, cap),
        evaluations=len(cache),
        funder=EXTRA_FUNDER if target == "funding" else (STARTUP_LENDER if target == "startup" else ""),
        first_month=scenario.meta.start_month if target in ("funding", "startup") else "",
        years=years if target == "funding" else 0,
        baseline_outcome=baseline.outcome,
        history=sorted(history, key=lambda h: h["value"]),
        binding=binding,
        limit=limit,
        instrument=scenario.cooperative.financing.startup_instrument if target == "startup" else "",
        message=message,
    )


def _round_answer(value: float, target: str) -> float:
    """Round up (towards meeting the criteria) to a figure a funder would write: 1 000 € once, 100 € a year, one accueil, 0.1 point of contribution."""
    if target == "startup":
        return float(math.ceil(value / 1000.0 - 1e-9) * 1000.0)
    if target == "funding":
        return float(math.ceil(value / 100.0) * 100.0)
    if target == "accueils":
        return float(math.ceil(value))
    return math.ceil(value * 1000.0 - 1e-9) / 1000.0 if value > 0 else 0.0  # up: a lower rate could fail
