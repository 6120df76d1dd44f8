"""The start-up search's guesses and the ends of the intervals it cannot reach (``simcoop.studies.solve``).

On common random numbers the start-up financing moves each replication's monthly own treasury by
nearly a straight line in its amount: two candidates give, per replication, the amount from which
it stays above the overdraft, and from those the grid step where the rupture criterion should be
met (``guess_step``), which the search runs next. An end of the criteria's 95% intervals that no
amount can meet with the replications at hand (``within_reach``, ``none_left``) is not searched.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from simcoop.stats import wilson_interval
from simcoop.verdict import Verdict, criteria_met, met_on_side, viable_mask

if TYPE_CHECKING:
    from simcoop.results import Results

__all__ = ["guess_step", "min_replications", "none_left", "rupture_margins", "within_reach"]


def within_reach(side: str, searched: tuple[str, ...], n: int, limit: float) -> bool:
    """Whether the best counts ``n`` replications can give meet the searched criteria on ``side``
    (the point estimate, or an end of the Wilson interval, as ``criteria_met`` reads them).

    The rupture risk is read on at most ``n`` simulations (those at break-even, among those that
    open), so its best is none in rupture out of ``n``: with fewer than 35 replications, the upper
    end of its 95% interval stays above 10% (``min_replications``). Break-even at best holds in all
    ``n``, whose interval's lower end stays under 50% below 4.
    """
    if n <= 0:
        return False
    if "insolvency" in searched and not met_on_side("insolvency", 0.0, *wilson_interval(0, n), limit, side):
        return False
    return "break_even" not in searched or met_on_side("break_even", 1.0, *wilson_interval(n, n), 0.5, side)


def none_left(now: Verdict, before: Verdict, side: str, searched: tuple[str, ...]) -> bool:
    """No simulation read is in rupture at the level ``now``, yet the rupture risk still misses ``side``
    (its interval too wide for the simulations read), and the doubling from ``before`` read no more
    of them: more of the lever can only help by bringing more to break-even, and did not."""
    if "insolvency" not in searched:
        return False
    a, b = now.criterion("insolvency"), before.criterion("insolvency")
    if a is None or b is None or criteria_met(now, side, ("insolvency",)):
        return False
    read_now, read_before = a.detail.get("read_on_replications"), b.detail.get("read_on_replications")
    return a.detail.get("insolvent_replications") == 0 and read_now is not None and read_now == read_before


def min_replications(side: str, searched: tuple[str, ...], limit: float) -> int:
    """The fewest replications per candidate with which ``side`` is within reach (``within_reach``)."""
    return next(k for k in range(1, 100_000) if within_reach(side, searched, k, limit))


def rupture_margins(results: Results) -> tuple[np.ndarray, np.ndarray]:
    """Per replication (rows, in replication order) and month: how far the own treasury stays
    above minus the authorised overdraft (EUR, negative: a rupture); and per replication
    whether the verdict reads its rupture (it opens, when a go/no-go gate decides, and is at
    break-even by the deadline, ``viable_mask``)."""
    scenario = results.scenario
    v = scenario.viability
    horizon = scenario.meta.horizon_months
    monthly = results.monthly[["replication", "month", "coop_treasury_eur"]].sort_values(["replication", "month"], kind="stable")
    kpis = results.kpis.sort_values("replication", kind="stable")
    treasury = monthly["coop_treasury_eur"].to_numpy(dtype=float).reshape(-1, horizon)
    be = kpis["break_even_month"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    read = viable_mask(be, v.break_even_by_year, horizon)
    if scenario.creation.go_decision is not None and "opened" in kpis:  # the verdict reads the replications that open
        opened = kpis["opened"].astype(int).to_numpy() == 1
        read &= opened if opened.any() else True
    return treasury + v.overdraft_eur, read


def guess_step(
    lo: float, hi: float, step: float, side: str, margins: dict[float, tuple[np.ndarray, np.ndarray]], limit: float, ahead: float | None = None
) -> float | None:
    """The grid step ``lo + k * step`` inside (lo, hi) where the rupture criterion should start to be met.

    ``lo`` fails the criterion and ``hi`` meets it; with ``ahead``, both fail, and the guess is
    a step ``hi + k * step`` short of ``ahead`` (the range's next doubling), None when none
    is predicted to meet it there (the search doubles). On common random numbers the financing
    moves each month's own treasury of each replication by nearly a straight line in its
    amount (what it adds while outstanding, and the overdraft interest it saves), so the two
    candidates give, month by month, the amount from which a replication stays above the
    overdraft: the largest over its months. The share still in rupture at each step then says
    where the criterion (its point, or an end of its Wilson interval, as ``criteria_met``
    reads it) is met first. A guess only chooses which candidate to run: the answer is still
    a simulated step that meets the criteria next to one that does not. The step just below
    ``hi`` when no step inside is predicted to meet it (``hi`` is then the likely answer, and
    that step confirms it); None when the candidates lack what it needs.
    """
    if round(lo, 6) not in margins or round(hi, 6) not in margins:
        return None
    (at_lo, viable_lo), (at_hi, viable_hi) = margins[round(lo, 6)], margins[round(hi, 6)]
    if at_lo.shape != at_hi.shape:
        return None
    # The financing can move a replication's break-even too (the overdraft interest it
    # saves): one whose break-even moves between the two candidates is left out of the guess.
    viable = viable_lo & viable_hi
    if not viable.any():
        return None
    at_lo, at_hi = at_lo[viable], at_hi[viable]
    slope = (at_hi - at_lo) / (hi - lo)
    with np.errstate(divide="ignore", invalid="ignore"):  # each month's line through the two candidates
        need = np.where(slope > 0, hi - at_hi / slope, np.where(np.minimum(at_lo, at_hi) < -1e-9, np.inf, -np.inf))
    reaches = need.max(axis=1)  # the amount from which each replication stays out of rupture
    if ahead is None:
        reaches[(at_hi < -1e-9).any(axis=1)] = np.inf  # in rupture at hi: at every amount below it too
        start, end = lo, hi
    else:
        start, end = hi, ahead
    reaches.sort()
    steps = start + step * np.arange(1, math.ceil((end - start) / step - 1e-9))
    if not len(steps):
        return None
    base = len(reaches)

    def met(i: int) -> bool:
        failing = base - int(np.searchsorted(reaches, steps[i], side="right"))
        return met_on_side("insolvency", failing / base, *wilson_interval(failing, base), limit, side)

    first, last = 0, len(steps)  # the first step predicted to meet it (the share in rupture only falls with the amount)
    while first < last:
        middle = (first + last) // 2
        if met(middle):
            last = middle
        else:
            first = middle + 1
    if first == len(steps) and ahead is not None:
        return None
    return float(steps[min(first, len(steps) - 1)])
