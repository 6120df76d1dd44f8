"""Costs of employing someone beyond payroll contributions: health cover, occupational
health, versement mobilité and taxe sur les salaires, and the headcount band over time.

Pure functions on cents and counts; the rates and their legal references are dated data
(``cae_rules_fr.yaml``, read through :mod:`simcoop.economics.rules`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

__all__ = ["per_head_costs_cents", "per_head_cost_per_month", "payroll_taxes_cents", "taxe_salaires_cents", "taxe_salaires_brackets", "smoothed_size_band"]

FloatArray = npt.NDArray[np.float64]


def per_head_costs_cents(heads: npt.ArrayLike, mutuelle_employer_cents_per_month: float, health_cents_per_year: float) -> FloatArray:
    """One month of the employer's share of the health cover (mutuelle, CSS L911-7) and of the
    occupational health service (médecine du travail, a yearly fee per employee) for ``heads``
    employees (may be fractional FTE), whole cents."""
    h = np.asarray(heads, dtype=np.float64)
    return np.rint(h * per_head_cost_per_month(mutuelle_employer_cents_per_month, health_cents_per_year))


def per_head_cost_per_month(mutuelle_employer_cents_per_month: float, health_cents_per_year: float) -> float:
    """One employee's month of health cover and occupational health, in cents, before rounding
    (what :func:`per_head_costs_cents` multiplies by the heads; ``simcoop.model.kernels`` reads it)."""
    return mutuelle_employer_cents_per_month + health_cents_per_year / 12.0


def taxe_salaires_cents(
    gross_cents: npt.ArrayLike, ratio: float, thresholds_eur_per_year: Sequence[float], rates: Sequence[float]
) -> FloatArray:
    """Taxe sur les salaires on one month's gross pay of each employee, whole cents.

    ``ratio`` is the share of the employer's turnover not subject to VAT (CGI 231); the
    annual brackets apply pro rata to the month (thresholds / 12). The annual franchise and
    décote (CGI 1679 A) are left out: a CAE paying dozens of salaries is above them.
    """
    gross = np.maximum(np.asarray(gross_cents, dtype=np.float64), 0.0)
    if ratio <= 0.0:
        return np.zeros_like(gross)
    bounds = _monthly_bounds_cents(tuple(thresholds_eur_per_year))
    tax = np.zeros_like(gross)
    for k, rate in enumerate(rates):
        # min(max(x, 0), width): np.clip's answer on these finite numbers, without its per-call overhead
        tax += rate * np.minimum(np.maximum(gross - bounds[k], 0.0), bounds[k + 1] - bounds[k])
    return np.rint(tax * ratio)


@lru_cache(maxsize=64)
def taxe_salaires_brackets(thresholds_eur_per_year: tuple[float, ...], rates: tuple[float, ...]) -> tuple[FloatArray, FloatArray]:
    """The bounds (cents, as :func:`taxe_salaires_cents` reads them) and the rates of the taxe sur les
    salaires' monthly brackets, as read-only arrays (for ``simcoop.model.kernels``)."""
    bounds = np.array(_monthly_bounds_cents(thresholds_eur_per_year), dtype=np.float64)
    marginal = np.array(rates, dtype=np.float64)
    bounds.flags.writeable = marginal.flags.writeable = False
    return bounds, marginal


@lru_cache(maxsize=64)
def _monthly_bounds_cents(thresholds_eur_per_year: tuple[float, ...]) -> tuple[float, ...]:
    """The brackets' bounds for one month, in cents: 0, each yearly threshold / 12, infinity."""
    return (0.0, *[100.0 * t / 12.0 for t in thresholds_eur_per_year], math.inf)


def payroll_taxes_cents(
    gross_cents: npt.ArrayLike,
    versement_mobilite_rate: float,
    taxe_salaires_ratio: float,
    thresholds_eur_per_year: Sequence[float],
    rates: Sequence[float],
) -> FloatArray:
    """Versement mobilité (``versement_mobilite_rate`` of gross, 0 when not due) plus taxe sur les salaires, whole cents."""
    gross = np.maximum(np.asarray(gross_cents, dtype=np.float64), 0.0)
    return np.rint(gross * versement_mobilite_rate) + taxe_salaires_cents(gross, taxe_salaires_ratio, thresholds_eur_per_year, rates)


def smoothed_size_band(current_band: int, years_at_or_above: Sequence[int], band_of_last_year: int, threshold_years: int) -> int:
    """The headcount band for the coming year under the smoothing rule (CSS L130-1 II).

    Bands are 0 (below 11), 1 (11 to 49), 2 (50 or more). ``years_at_or_above[b]`` counts the
    consecutive calendar years, up to the one just closed, whose average headcount reached
    band ``b``'s threshold; ``band_of_last_year`` is the band of that year's average. Up: a
    band is taken once its threshold was reached ``threshold_years`` years in a row. Down:
    after one year below.
    """
    band = min(current_band, band_of_last_year)  # one year below is enough to go down
    for b in (1, 2):
        if b > band and years_at_or_above[b] >= threshold_years:
            band = b
    return band
