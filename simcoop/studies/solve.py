"""The funding solver: the smallest public effort that meets the viability criteria.

This is the question a funder asks: how much, for how long. ``solve`` searches, by
bisection on common random numbers (every candidate runs the same replications with the
same seeds, so the search is stable and monotone in practice), for

- ``funding``: the smallest extra annual public funding, paid monthly from the opening for
  ``years`` years by one extra convention, with which every criterion is met;
- ``accueils``: the smallest accueil flow at maturity with which every criterion is met;
- ``contribution``: the lowest contribution rate (the largest cut) that still meets them.

The search is on the criteria that more effort can only help: insolvency and break-even.
The public-share criterion goes the other way for the funding target (more public money
is a larger public share), so it is not searched on: it is checked at the answer and
reported, and the verdict at the answer says whether it holds.

Uncertainty: the same search run against the pessimistic and the optimistic ends of the
criteria's 95% intervals gives a range; a funder can read it as "between A and B the
answer is within the Monte Carlo uncertainty".
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

__all__ = ["Solution", "solve", "with_extra_funding", "TARGETS"]

Target = Literal["funding", "accueils", "contribution"]
TARGETS: tuple[str, ...] = ("funding", "accueils", "contribution")

#: Name of the convention the funding solver adds.
EXTRA_FUNDER = "Financement complémentaire (solveur)"


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


#: Criteria that more effort (funding, accueils, contribution) can only help.
SEARCHED = ("insolvency", "break_even")


def solve(
    scenario: Scenario,
    target: Target = "funding",
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

    if target == "funding":
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

    cache: dict[float, Verdict] = {}
    history: list[dict[str, Any]] = []

    def evaluate(x: float) -> Verdict:
        x = round(x, 6)
        if x not in cache:
            verdict = simulate(build(x), replications=n, seed=root, jobs=jobs, executor=executor).verdict()
            cache[x] = verdict
            step = {"value": x, "outcome": verdict.outcome, **{c.key: c.value for c in verdict.criteria},
                    "searched_criteria_met": criteria_met(verdict, "point", SEARCHED)}  # fmt: skip
            history.append(step)
            if on_step:
                on_step(step)
        return cache[x]

    baseline = evaluate(low if target == "funding" else (scenario.accueils_per_year if target == "accueils" else high))

    def search(side: str) -> float | None:
        lo, hi = low, high
        if criteria_met(evaluate(lo), side, SEARCHED):
            return lo
        while not criteria_met(evaluate(hi), side, SEARCHED):
            if hi >= cap:
                return None
            lo, hi = hi, min(hi * 2.0, cap)
        while hi - lo > tol:
            mid = (lo + hi) / 2.0
            if criteria_met(evaluate(mid), side, SEARCHED):
                hi = mid
            else:
                lo = mid
        return hi

    value = search("point")
    optimistic = search("optimistic") if uncertainty else None
    pessimistic = search("pessimistic") if uncertainty else None
    if value is not None:
        value = _round_answer(value, target)
        at = evaluate(value)
        insolvency = next(c for c in at.criteria if c.key == "insolvency")
        met = criteria_met(at, "point")
        outcome, p, ci = at.outcome, insolvency.value, (insolvency.ci_low, insolvency.ci_high)
    else:
        met, outcome, p, ci = False, None, None, None
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
        funder=EXTRA_FUNDER if target == "funding" else "",
        first_month=scenario.meta.start_month if target == "funding" else "",
        years=years if target == "funding" else 0,
        baseline_outcome=baseline.outcome,
        history=sorted(history, key=lambda h: h["value"]),
    )


def _round_answer(value: float, target: str) -> float:
    """Round up (towards meeting the criteria) to a figure a funder would write: 100 €, one accueil, 0.1 point of contribution."""
    if target == "funding":
        return float(math.ceil(value / 100.0) * 100.0)
    if target == "accueils":
        return float(math.ceil(value))
    return math.ceil(value * 1000.0 - 1e-9) / 1000.0 if value > 0 else 0.0  # up: a lower rate could fail
