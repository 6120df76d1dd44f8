"""Confidence intervals, stated once: Wilson for a proportion, Student t for a mean, Garwood for a Poisson count (95 %)."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["CONFIDENCE", "Z95", "mean_interval", "poisson_interval", "t_quantile", "wilson_interval"]

#: The confidence level of every interval simcoop reports.
CONFIDENCE = 0.95

#: The standard normal quantile of a two-sided 95% interval.
Z95 = 1.959963984540054


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (95% by default)."""
    if n <= 0:
        return (0.0, 1.0)
    p = successes / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def t_quantile(df: int) -> float:
    """The Student t quantile of a two-sided 95% interval with ``df`` degrees of freedom."""
    from scipy.stats import t

    return float(t.ppf(0.5 + CONFIDENCE / 2, df))


def mean_interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and its 95% Student t interval (NaN bounds with fewer than two values)."""
    n = values.size
    if n == 0:
        return (math.nan, math.nan, math.nan)
    mean = float(values.mean())
    if n < 2:
        return (mean, math.nan, math.nan)
    half = t_quantile(n - 1) * float(values.std(ddof=1)) / math.sqrt(n)
    return (mean, mean - half, mean + half)


def poisson_interval(k: int) -> tuple[float, float]:
    """Garwood's exact 95% interval of a Poisson mean given k events."""
    from scipy.stats import chi2

    low = 0.0 if k == 0 else float(chi2.ppf(0.025, 2 * k) / 2)
    high = float(chi2.ppf(0.975, 2 * k + 2) / 2)
    return low, high
