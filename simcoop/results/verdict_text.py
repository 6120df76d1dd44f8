"""The verdict for people: rounded to what the model can claim, and in a few plain lines.

``claimable(data)`` rounds the verdict's JSON data (``Verdict.to_dict()``) at write time:
money to the euro, probabilities, shares and ratios to 0.001, other figures (months,
people, FTE) to 0.1. A Monte Carlo estimate over a few hundred simulations is not known
to better than a point of percentage, and a forecast of a budget not to the cent; more
digits would claim what the model cannot. ``verdict_lines(verdict)`` is the end of
``simcoop run``: the avis, each criterion with its figure, the reasons.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simcoop.verdict import Criterion, Verdict

__all__ = ["MONEY_DECIMALS", "OTHER_DECIMALS", "PROBABILITY_DECIMALS", "claimable", "verdict_lines"]

#: Decimals kept in verdict.json: money (keys naming ``eur``), probabilities and shares, the rest.
MONEY_DECIMALS = 0
PROBABILITY_DECIMALS = 3
OTHER_DECIMALS = 1

_PROBABILITY_WORDS = ("probability", "share", "rate", "ratio", "ci", "p_go", "value", "threshold", "insolvency", "break_even", "public_share", "compensation")


def _decimals(path: tuple[str, ...]) -> int:
    """Decimals for a number at ``path`` (its keys from the root): money first, then probabilities."""
    if any("eur" in key.split("_") or key.endswith("_eur") for key in path):
        return MONEY_DECIMALS
    # The nearest named key decides: ``figures.break_even_month.p50`` is a month, ``criteria[].value`` a probability.
    for key in reversed(path):
        if key in ("p5", "p50", "p90", "p95", "n", "0", "1"):
            continue
        if key.endswith(("_month", "_months", "month_offset")) or key in ("people_supported", "active_end", "jobs_fte_final_year", "peak_supported_in_a_year"):
            return OTHER_DECIMALS
        if "_to_" in key or any(word in key for word in _PROBABILITY_WORDS):
            return PROBABILITY_DECIMALS
        return OTHER_DECIMALS
    return OTHER_DECIMALS


def claimable(data: Any, path: tuple[str, ...] = ()) -> Any:
    """``data`` (a verdict's JSON data) with every float rounded to what the model can claim (module docstring)."""
    if isinstance(data, dict):
        return {k: claimable(v, (*path, str(k))) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [claimable(v, (*path, str(i))) for i, v in enumerate(data)]
    if isinstance(data, bool) or not isinstance(data, float):
        return data
    if not math.isfinite(data):
        return data
    decimals = _decimals(path)
    value = round(data, decimals)
    if decimals == 0:
        return int(value)
    return value + 0.0  # no "-0.0"


_OUTCOMES = {
    "favourable": "FAVOURABLE",
    "favourable_under_conditions": "FAVOURABLE UNDER CONDITIONS",
    "unfavourable": "UNFAVOURABLE",
}


def _pct(value: Any) -> str:
    return "?" if value is None else f"{100 * float(value):.0f}%"


def _eur(value: Any) -> str:
    if value is None:
        return "?"
    value = float(value)
    if abs(value) >= 1e6:
        return f"{value / 1e6:.2f} M EUR"
    if abs(value) >= 1e4:
        return f"{value / 1e3:.0f} k EUR"
    return f"{value:,.0f} EUR"


def _criterion_line(c: Criterion) -> str:
    """``insolvency  MISSED  100% of simulations (95% interval 91-100%), at most 10% allowed``."""
    status = "met" if c.met else "MISSED"
    if c.borderline:
        status += " (borderline)"
    interval = f"(95% interval {_pct(c.ci_low)} to {_pct(c.ci_high)})"
    d = c.detail
    if d.get("within_horizon") is False:
        figure = f"year {d.get('by_year', d.get('year'))} is beyond the horizon, not checked"
    elif c.key == "insolvency":
        base = d.get("read_on_replications")
        among = f"of the {base} simulations at break-even" if base is not None and base != d.get("replications", base) else "of simulations"
        figure = f"rupture de trésorerie in {_pct(c.value)} {among} {interval}, at most {_pct(c.threshold)} allowed"
    elif c.key == "break_even":
        figure = f"break-even by year {d.get('by_year')} in {_pct(c.value)} of simulations {interval}, at least {_pct(c.threshold)} needed"
    elif c.key == "public_share":
        median = (d.get("public_share") or {}).get("p50")
        figure = (
            f"public share of the budget in year {d.get('year')}: {_pct(median)} (median), ceiling {_pct(d.get('max_public_share'))} "
            f"kept in {_pct(c.value)} of simulations, at least {_pct(c.threshold)} needed"
        )
    elif c.key == "compensation":
        figure = f"no over-compensation (Decision 2012/21/EU) in {_pct(c.value)} of simulations {interval}, at least {_pct(c.threshold)} needed"
    else:
        figure = f"{c.value:.3g} {interval}, threshold {c.threshold:.3g}"
    return f"  {c.key:13} {status:20} {figure}"


def _condition_line(c: dict[str, Any]) -> str | None:
    key = c.get("key")
    if key == "financing_need":
        return f"secure at least {_eur(c.get('amount_eur'))} of start-up financing before {c.get('by_month')} (the own treasury falls below the overdraft without it)"
    if key == "break_even":
        return f"the cooperative does not reach break-even by year {c.get('by_year')}"
    if key == "economic_risk":
        return (
            f"in {_pct(c.get('probability'))} of simulations the cooperative never pays its way by year {c.get('by_year')} "
            f"(tolerated: {_pct(c.get('max_probability'))}); no start-up financing covers that: resolve the main unknowns first"
        )
    if key == "public_share":
        return f"public funding is above {_pct(c.get('max_public_share'))} of the budget in year {c.get('year')}"
    if key == "over_compensation" and c.get("years"):
        return f"subsidies over-compensate by {_eur(c.get('amount_eur'))} in {c['years'][0]}-{c['years'][-1]}: adjust the conventions"
    if key == "relies_on_over_compensation":
        return "the scenario holds only through subsidies above the structure's whole costs"
    if key == "insolvency_borderline":
        return f"the rupture risk {_pct(c.get('probability'))} is close to its threshold {_pct(c.get('threshold'))}: keep a margin"
    if key in ("break_even_borderline", "public_share_borderline"):
        return f"{key.removesuffix('_borderline').replace('_', ' ')} is met only just: confirm on local data"
    if key == "no_go":
        return f"the cooperative never opens: {', '.join(c.get('never_committed') or ['a required funder'])} never commits"
    return None


def verdict_lines(verdict: Verdict) -> list[str]:
    """The verdict in a few plain lines for the terminal: avis, criteria with their figures, reasons."""
    lines = [f"verdict: {_OUTCOMES.get(verdict.outcome, verdict.outcome)} (over {verdict.replications} simulations)"]
    cash = verdict.layers.get("cash") or {}
    need = (cash.get("startup_need_eur") or {}).get("p50")
    if need is not None:
        lines.append(
            f"  start-up financing need: {_eur(need)} (median), {_eur((cash.get('startup_need_eur') or {}).get('p90'))} "
            f"in 9 simulations out of 10; financing plan {_eur(cash.get('financing_plan_eur'))}"
        )
    lines += [_criterion_line(c) for c in verdict.criteria]
    reasons = [line for line in (_condition_line(c) for c in verdict.conditions) if line]
    if reasons:
        lines.append("because:" if verdict.outcome == "unfavourable" else "conditions:")
        lines += [f"  - {r}" for r in reasons]
    return lines
