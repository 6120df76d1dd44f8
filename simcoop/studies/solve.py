"""The solver: what a funder can act on, and which constraint binds.

A funder asks separate questions (issue: a start-up cash gap is not a deficit). ``solve``
searches on common random numbers (every candidate runs the same replications with the
same seeds, so the search is stable and monotone in practice):

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
range (``ends``: both by default; ``simcoop run --solve`` searches the pessimistic end only,
the one its report quotes as the prudent amount).

Every search narrows an interval on a grid of ``tolerance`` steps from the bottom of the
range (1 000 € for the start-up financing), so the answer is the smallest step tried that
meets the criteria, next to one tried that does not, and never needs a run of its own after
the search. The funding, accueils and contribution targets halve the interval; the start-up
target first tries the step its candidates predict (``guess_step``), inside the interval and
short of the next doubling, and halves whenever two steps together did not
(docs/verdict.md, "How it searches").
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from simcoop.executors import ChunkExecutor
from simcoop.months import shift_month
from simcoop.scenario import Scenario
from simcoop.studies.solve_guess import guess_step, min_replications, none_left, rupture_margins, within_reach
from simcoop.verdict import Verdict, criteria_met

if TYPE_CHECKING:
    from simcoop.results import Results

__all__ = ["Solution", "solve", "with_extra_funding", "with_startup_financing", "solved_scenario", "TARGETS"]

Target = Literal["startup", "funding", "accueils", "contribution"]
TARGETS: tuple[str, ...] = ("startup", "funding", "accueils", "contribution")
#: The ends of the criteria's 95% intervals the uncertainty searches run against.
ENDS: tuple[str, ...] = ("optimistic", "pessimistic")

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
    stalled: list[str] = field(default_factory=list)  # searched criteria that did not move with the lever
    hints: list[str] = field(default_factory=list)  # what to try instead, in plain words
    best_value: float | None = None  # with no answer: the level tried that came closest
    best_criteria_met: list[str] = field(default_factory=list)  # the criteria met at best_value (or at value)
    ends_searched: list[str] = field(default_factory=list)  # the ends of the intervals searched for ``spread``
    out_of_reach: dict[str, int] = field(default_factory=dict)  # searched ends no level can meet at this many replications -> the fewest that can

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
         "repayment": plan.startup_repayment,
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
    ends: tuple[str, ...] = ENDS,
    on_step: Callable[[dict[str, Any]], None] | None = None,
    executor: ChunkExecutor | None = None,
    baseline: Results | None = None,
) -> Solution:
    """Search the smallest public effort (see the module docstring) that meets every criterion.

    Each candidate runs on ``executor`` (a process pool or a Dask cluster), else over ``jobs``
    processes; the answer does not depend on either. ``ends`` says which ends of the 95%
    intervals ``spread`` searches (none without ``uncertainty``). ``baseline``, a run of
    ``scenario`` on the same seed with at least as many replications, is read instead of
    simulating the candidate that leaves the scenario as it is (the same numbers).
    """
    from simcoop.runner import simulate

    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}; allowed: {', '.join(TARGETS)}")
    if unknown := [e for e in ends if e not in ENDS]:
        raise ValueError(f"unknown end {unknown[0]!r}; allowed: {', '.join(ENDS)}")
    ends = tuple(e for e in ENDS if e in ends) if uncertainty else ()
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
    # The start-up financing moves only the cash: each candidate's monthly own treasury per
    # replication guides the next one (``guess_step``); the other targets bisect.
    margins: dict[float, tuple[Any, Any]] = {}  # rupture_margins of each candidate
    guided = target == "startup"

    def evaluate(x: float) -> Verdict:
        x = round(x, 6)
        if x not in cache:
            candidate = build(x)
            reused = baseline.reused_for(candidate, root, n) if baseline is not None else None
            ran = reused if reused is not None else simulate(candidate, replications=n, seed=root, jobs=jobs, executor=executor)
            verdict = ran.verdict()
            cache[x] = verdict
            if guided:
                margins[x] = rupture_margins(ran)
            step = {"value": x, "outcome": verdict.outcome, **{c.key: c.value for c in verdict.criteria},
                    "searched_criteria_met": criteria_met(verdict, "point", searched)}  # fmt: skip
            history.append(step)
            if on_step:
                on_step(step)
        return cache[x]

    base_verdict = evaluate(low if target in ("funding", "startup") else (scenario.accueils_per_year if target == "accueils" else high))
    message = ""
    if target == "funding":
        # The compensation limit: the headroom between the net cost of the service plus its
        # margin and the subsidies already planned, in the years the extra would be paid
        # (medians of the baseline), Décision 2012/21/UE arts. 5-6.
        rows = base_verdict.layers.get("economic", {}).get("result_by_year", [])[:years]
        heads = [r["compensation_headroom_eur"]["p50"] for r in rows if r["compensation_headroom_eur"]["p50"] is not None]
        limit = max(math.floor(min(heads) / 100.0) * 100.0, 0.0) if heads else 0.0
        cap = limit
        high = min(high, cap) if cap > 0 else 0.0

    stalled: list[str] = []
    limit_p = scenario.viability.max_insolvency_probability
    out_of_reach: dict[str, int] = {}  # ends no level can meet at n replications -> the fewest simulations read that can

    def search(side: str) -> float | None:
        lo, hi = low, high
        if criteria_met(evaluate(lo), side, searched):
            return lo
        if hi <= lo:
            return None
        tried = [lo]
        while not criteria_met(evaluate(hi), side, searched):
            tried.append(hi)
            if hi >= cap:  # the end of the range (for funding: the compensation limit) binds
                return None
            flat = _not_moving(target, [evaluate(x) for x in tried], searched, n)
            if flat:
                stalled[:] = flat  # more of the lever would not help: stop early and say why
                return None
            if side != "point" and len(tried) >= 3 and none_left(evaluate(hi), evaluate(tried[-2]), side, searched):
                out_of_reach[side] = min_replications(side, searched, limit_p)
                return None
            ahead = min(hi * 2.0, cap)
            guess = guess_step(lo, hi, tol, side, margins, limit_p, ahead) if guided else None
            if guess is not None and criteria_met(evaluate(guess), side, searched):
                lo, hi = hi, guess  # met short of the doubling: the loop's test reads it again, cached
            else:
                lo, hi = (hi if guess is None else guess), ahead
        widths = [hi - lo]  # a guess is tried while the last two steps halved the bracket; else bisect once
        while hi - lo > tol:
            trust = guided and (len(widths) < 3 or widths[-1] <= widths[-3] / 2.0)
            guess = guess_step(lo, hi, tol, side, margins, limit_p) if trust else None
            mid = guess if guess is not None else _grid_midpoint(lo, hi, tol)
            if criteria_met(evaluate(mid), side, searched):
                hi = mid
            else:
                lo = mid
            widths.append(hi - lo)
        return hi

    value = search("point")
    point_stalled = list(stalled)
    # An end that even the best counts at n replications cannot meet (no rupture at all, every one at
    # break-even) is out of reach whatever the level: say so instead of searching up to the cap.
    out_of_reach.update({e: min_replications(e, searched, limit_p) for e in ends if not within_reach(e, searched, n, limit_p)})
    optimistic, pessimistic = (search(e) if e in ends and not point_stalled and e not in out_of_reach else None for e in ENDS)
    stalled[:] = point_stalled
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
        if stalled:
            binding = ",".join(stalled)
            message = _stall_message(target, stalled, history, unit)
        elif target == "funding":
            binding = "compensation"
            message = (
                f"break-even is not reached with an extra subsidy within the compensation limit ({limit:,.0f} EUR a year "
                f"in the first {years} year(s), Décision 2012/21/UE arts. 5-6): the avis is unfavourable, a larger "
                "subsidy would be over-compensation"
            )
        else:
            unmet = [k for k in searched if not criteria_met(cache[max(cache)], "point", (k,))]
            message = (
                f"no {target} level up to {cap:,.0f} ({unit}) meets the criteria searched; still not met at that level: "
                f"{', '.join(unmet) or ', '.join(searched)}"
            )
    hints = _hints(target, stalled or ([] if value is not None else list(searched)), scenario, years, horizon_years) if value is None else []
    best = value if value is not None else _best(cache, searched)
    at_best = evaluate(best) if best is not None else None
    best_met = [c.key for c in at_best.criteria if criteria_met(at_best, "point", (c.key,))] if at_best is not None else []
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
        baseline_outcome=base_verdict.outcome,
        history=sorted(history, key=lambda h: h["value"]),
        binding=binding,
        limit=limit,
        instrument=scenario.cooperative.financing.startup_instrument if target == "startup" else "",
        message=message,
        stalled=list(stalled) if value is None else [],
        hints=hints,
        best_value=best if value is None else None,
        best_criteria_met=best_met,
        ends_searched=list(ends) if not point_stalled else [],
        out_of_reach=out_of_reach if not point_stalled else {},
    )


#: What each searched criterion is called in the solver's messages.
_CRITERION_WORDS = {"insolvency": "the risk of rupture de trésorerie", "break_even": "break-even by the deadline year"}
#: What each target's lever is called.
_LEVER_WORDS = {
    "startup": "the one-off start-up financing",
    "funding": "the extra annual subsidy",
    "accueils": "the accueil flow",
    "contribution": "the contribution rate",
}


def _not_moving(target: str, verdicts: list[Verdict], searched: tuple[str, ...], n: int) -> list[str]:
    """The searched criteria still unmet that did not improve over the last two steps of the lever (empty: keep going).

    Two steps back is the lever divided by four. A criterion moves when its gap closes by a
    tenth or more (the median lowest own treasury below the overdraft, for the rupture risk;
    the worst median yearly result from the break-even year on, for break-even) or its
    share gets better by more than one simulation's worth (1/n). Shares alone would
    mislead: the share at break-even stays at 0 until the subsidy nearly covers the deficit.
    When every unmet criterion is flat, more of the lever will not help.
    """
    del target
    if len(verdicts) < 3:
        return []
    now, before = verdicts[-1], verdicts[-3]
    unmet = [k for k in searched if not criteria_met(now, "point", (k,))]
    flat = []
    for key in unmet:
        a, b = now.criterion(key), before.criterion(key)
        if a is None or b is None:
            continue
        gain = (b.value - a.value) if key == "insolvency" else (a.value - b.value)
        gap_now, gap_before = _gap(now, key), _gap(before, key)
        closing = gap_now is not None and gap_before is not None and gap_before - gap_now > 0.1 * gap_before
        if gain <= 1.0 / max(n, 1) and not closing:
            flat.append(key)
    return flat if flat and flat == unmet else []


def _gap(verdict: Verdict, key: str) -> float | None:
    """How far a criterion is from being met, in euros (None when the verdict does not say)."""
    c = verdict.criterion(key)
    if c is None:
        return None
    if key == "insolvency":
        lowest = (c.detail.get("min_coop_treasury_eur") or {}).get("p50")
        return None if lowest is None else max(-float(c.detail.get("overdraft_eur", 0.0)) - lowest, 0.0)
    rows = verdict.layers.get("economic", {}).get("result_by_year", [])
    from_year = max(int(c.detail.get("by_year", 1)) - 1, 0)
    results = [r["result_eur"]["p50"] for r in rows[from_year:] if r["result_eur"]["p50"] is not None]
    return max(-min(results), 0.0) if results else None


def _stall_message(target: str, stalled: list[str], history: list[dict[str, Any]], unit: str) -> str:
    """Why the search stopped early, with the values it saw."""
    parts = []
    for key in stalled:
        seen = ", ".join(
            f"{h[key]:.0%} at {h['value']:,.0f}" if target != "contribution" else f"{h[key]:.0%} at {h['value']:.1%}"
            for h in sorted(history, key=lambda h: h["value"])
        )
        parts.append(f"{_CRITERION_WORDS.get(key, key)} does not move with {_LEVER_WORDS[target]} ({seen})")
    return "stopped early: " + "; ".join(parts) + f" [{unit}]"


def _hints(target: str, stalled: list[str], scenario: Scenario, years: int, horizon_years: int) -> list[str]:
    """What to try when the lever cannot meet the criteria, in plain words."""
    hints: list[str] = []
    by_year = scenario.viability.break_even_by_year
    if "break_even" in stalled:
        if target == "funding" and years < horizon_years:
            hints.append(
                f"the extra subsidy stops after year {years}, while break-even must hold from year {by_year} to the end of "
                f"the horizon: try --years {horizon_years} (the funding must last), or fix the deficit that remains "
                "once it stops (--target accueils or --target contribution)"
            )
        elif target == "startup":
            hints.append("break-even is not searched by this target; for a recurring deficit try --target funding (within the compensation limit)")
        else:
            hints.append("the structure's deficit is recurring: try --target funding (within the compensation limit) or revise the costs")
    if "insolvency" in stalled:
        if target in ("accueils", "contribution"):
            hints.append(
                "the rupture risk does not come from the activity level: it is a start-up cash problem; try --target startup "
                "(a one-off start-up financing), a convention's advance at signature or a Dailly of the late receivables"
            )
        elif target == "startup":
            hints.append(
                "the cash keeps falling after the start-up financing is received (recurring deficits, or its repayment): "
                "try --target funding for break-even first, or a longer deferral (cooperative.financing.startup_deferral_months)"
            )
        else:
            hints.append("an operating subsidy cannot fix the start-up cash gap alone: try --target startup")
    return hints


def _best(cache: dict[float, Verdict], searched: tuple[str, ...]) -> float | None:
    """The level tried that came closest: most searched criteria met, then the best point values."""
    if not cache:
        return None

    def score(x: float) -> tuple[float, ...]:
        v = cache[x]
        met = sum(criteria_met(v, "point", (k,)) for k in searched)
        values = []
        for k in searched:
            c = v.criterion(k)
            values.append(0.0 if c is None else (-c.value if k == "insolvency" else c.value))
        return (met, *values, -x)

    return max(cache, key=score)


def _grid_midpoint(lo: float, hi: float, step: float) -> float:
    """The step of the grid ``lo + k * step`` halfway between ``lo`` and ``hi`` (strictly inside when ``hi - lo > step``)."""
    return lo + max(1, math.floor((hi - lo) / step / 2.0)) * step


def _round_answer(value: float, target: str) -> float:
    """Round up (towards meeting the criteria) to a figure a funder would write: 1 000 € once, 100 € a year, one accueil, 0.1 point of contribution."""
    if target == "startup":
        return float(math.ceil(value / 1000.0 - 1e-9) * 1000.0)
    if target == "funding":
        return float(math.ceil(value / 100.0) * 100.0)
    if target == "accueils":
        return float(math.ceil(value))
    return math.ceil(value * 1000.0 - 1e-9) / 1000.0 if value > 0 else 0.0  # up: a lower rate could fail
