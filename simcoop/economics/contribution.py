"""The contribution an activity pays the cooperative, with optional degressive brackets.

DOMAIN.md §3: 8-15% of turnover or of gross margin across the network; some CAE add a
monthly minimum under CESA. Degressive brackets are marginal rates on the part of an
activity's base in the calendar year above each threshold, as income-tax brackets work.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["bracket_contribution_cents", "cumulative_contribution_cents"]

FloatArray = npt.NDArray[np.float64]


def cumulative_contribution_cents(
    base_cents: npt.ArrayLike, own_rate: npt.ArrayLike, thresholds_cents: npt.ArrayLike, rates: npt.ArrayLike
) -> FloatArray:
    """Contribution due on a year's cumulative base ``base_cents`` (not rounded).

    ``own_rate`` applies up to the first threshold; ``rates[j]`` applies between
    ``thresholds_cents[j]`` and the next threshold (or without limit for the last).
    """
    base = np.asarray(base_cents, dtype=np.float64)
    thresholds = np.asarray(thresholds_cents, dtype=np.float64)
    marginal = np.asarray(rates, dtype=np.float64)
    if thresholds.size == 0:
        return base * own_rate
    total = np.minimum(base, thresholds[0]) * own_rate
    upper = np.append(thresholds[1:], np.inf)
    for low, high, rate in zip(thresholds, upper, marginal, strict=True):
        total = total + np.clip(base - low, 0.0, high - low) * rate
    return total


def bracket_contribution_cents(
    cumulative_before_cents: npt.ArrayLike,
    base_cents: npt.ArrayLike,
    own_rate: npt.ArrayLike,
    thresholds_cents: npt.ArrayLike,
    rates: npt.ArrayLike,
) -> FloatArray:
    """This month's contribution, whole cents: the brackets applied to the year's base so far.

    ``cumulative_before_cents`` is the activity's base earlier in the calendar year and
    ``base_cents`` this month's base (turnover excl. VAT or gross margin). Without
    brackets this is ``rint(base x own_rate)``.
    """
    base = np.asarray(base_cents, dtype=np.float64)
    if np.size(thresholds_cents) == 0:
        return np.rint(base * own_rate)
    before = np.asarray(cumulative_before_cents, dtype=np.float64)
    after = cumulative_contribution_cents(before + base, own_rate, thresholds_cents, rates)
    return np.rint(after - cumulative_contribution_cents(before, own_rate, thresholds_cents, rates))
