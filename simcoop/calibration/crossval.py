"""Predictive intervals of published figures from a fitted population, and leave-one-CAE-out validation.

``predictive_table`` turns one CAE's stage-1 simulations into predictive intervals of its
figures under a target distribution of its parameters, by importance reweighting (the draws
came from the broad stage-1 prior ``pi0``): the population predictive (a CAE the fit has not
seen) or the CAE's own posterior (a posterior predictive check). The intervals are those of
the *published figure*: the observation error the calibration assumes is added to each
simulated figure. ``cross_validate`` leaves each CAE out in turn, fits the population on the
others and predicts the left-out CAE's figures; ``coverage_summary`` gives the coverage of the
50 % and 90 % intervals and the median absolute relative error per measure.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Callable

import numpy as np
import pandas as pd

from simcoop.calibration.population import (
    CENTRE,
    SCALE,
    CaeSims,
    log_normal_pdf,
    logsumexp,
    scaled_figures,
    cae_log_weights,
    fit_population,
    predictive_z,
    run_draws,
)

if TYPE_CHECKING:
    from simcoop.executors import ChunkExecutor
    from simcoop.scenario import Scenario

__all__ = ["CAP_SERVICES", "cap_services_check", "coverage_summary", "cross_validate", "format_coverage", "predictive_table"]

#: The CAE the issue checks by name, and its four figures.
CAP_SERVICES = ("Cap Services", ("accueils", "supported", "salaried", "turnover_eur"))
_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def _back(scaled: np.ndarray, share: bool) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-scaled)) if share else np.exp(scaled)


def predictive_table(sims: CaeSims, seed: int, own: bool, draws: int = 4000) -> pd.DataFrame:
    """One row per figure of the CAE: observed, predictive quantiles (5-95 %), inside 50 % / 90 %, errors, ESS.

    ``own`` False: the draws of ``sims`` come from the target itself (equal weights: fresh draws
    from the population). ``own`` True: the CAE's own posterior under the stage-1 prior (kernel x
    pi0 / proposal), a posterior predictive check without pooling.
    """
    from simcoop.calibration.figures import SHARES

    logw = np.zeros(len(sims.z))
    if own:
        logw = cae_log_weights(sims) + log_normal_pdf(sims.z, CENTRE, SCALE) - sims.log_q
    measures = [m for _, m in sims.wanted]
    ok = np.all(np.isfinite(sims.simulated), axis=1)
    logw = np.where(ok & np.isfinite(logw), logw, -np.inf)
    total = logsumexp(logw)
    if not np.isfinite(total):
        raise ValueError(f"{sims.cae.name}: no simulated draw is usable")
    w = np.exp(logw - total)
    ess = float(1.0 / np.sum(w * w))
    rng = np.random.default_rng([seed, 4, len(sims.z)])
    pick = rng.choice(len(w), size=draws, p=w)
    scaled = scaled_figures(sims.simulated[pick], measures) + sims.tolerance * rng.standard_normal((draws, len(measures)))
    rows = []
    for f, fig in enumerate(sims.cae.figures):
        values = _back(scaled[:, f], fig.measure in SHARES)
        q = np.quantile(values, _QUANTILES)
        rows.append({
            "cae": fig.cae, "year": fig.year, "measure": fig.measure, "observed": fig.value, "approx": fig.approx,
            "p05": q[0], "p25": q[1], "median": q[2], "p75": q[3], "p95": q[4],
            "inside_50": bool(q[1] <= fig.value <= q[3]), "inside_90": bool(q[0] <= fig.value <= q[4]),
            "relative_error": (q[2] - fig.value) / fig.value if fig.value else math.nan,
            "ess": ess,
        })
    return pd.DataFrame(rows)


def cross_validate(
    base: "Scenario", sims: list[CaeSims], seed: int, executor: "ChunkExecutor", per_cae: int = 100,
    draws: int = 400, burn: int = 400, thin: int = 2, on_progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Leave each CAE out: fit the population on the others, then simulate ``per_cae`` new draws of the
    left-out CAE's parameters from that population (its own scenario) and predict its figures.

    The predictions are fresh simulations, not a reweighting of the CAE's stage-1 draws: with ten
    parameters, a population several times narrower than the stage-1 prior leaves too few
    effective draws to reweight.
    """
    from simcoop.calibration.figures import cae_scenario

    plans = []
    for j, left in enumerate(sims):
        others = [s for k, s in enumerate(sims) if k != j]
        hyper = fit_population(others, seed, draws=draws, burn=burn, thin=thin)
        z = predictive_z(hyper, per_cae, np.random.default_rng([seed, 5, j]))
        plans.append(CaeSims(left.cae, z, np.zeros(per_cae), np.full((per_cae, len(left.wanted)), np.nan),
                             left.wanted, left.observed, left.tolerance))
    run_draws(plans, [cae_scenario(base, p.cae) for p in plans], seed, 0, executor, on_progress, tag="|cross-validation")
    return pd.concat([predictive_table(p, seed, own=False) for p in plans], ignore_index=True)


def coverage_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per measure, and overall: figures, coverage of the 50 % and 90 % intervals, median |relative error|.

    The average CAE made of national totals is left out of the coverage (it is not a CAE).
    """
    from simcoop.calibration.figures import NATIONAL

    real = table[table["cae"] != NATIONAL]
    rows = []
    for measure, part in [*real.groupby("measure", sort=True), ("overall", real)]:
        rows.append({
            "measure": measure, "figures": len(part),
            "coverage_50": float(part["inside_50"].mean()) if len(part) else math.nan,
            "coverage_90": float(part["inside_90"].mean()) if len(part) else math.nan,
            "median_abs_relative_error": float(part["relative_error"].abs().median()) if len(part) else math.nan,
        })
    return pd.DataFrame(rows)


def cap_services_check(table: pd.DataFrame) -> tuple[int, int]:
    """Cap Services' four figures (left out) inside their 90 % interval, and how many were found."""
    name, measures = CAP_SERVICES
    part = table[(table["cae"] == name) & table["measure"].isin(measures)]
    return int(part["inside_90"].sum()), len(part)


def _num(value: float) -> str:
    if not math.isfinite(value):
        return "-"
    if abs(value) < 1:
        return f"{value:.2f}"
    if abs(value) < 100:
        return f"{value:.1f}"
    return f"{value:,.0f}"


def format_coverage(table: pd.DataFrame, markdown: bool = False) -> str:
    """The left-out figures with their 90 % interval, then the coverage per measure and overall."""
    head = ("CAE", "year", "measure", "observed", "median", "90% interval", "inside 90%")
    lines = [
        (r.cae + (" (approx)" if r.approx else ""), str(r.year), r.measure, _num(r.observed), _num(r.median),
         f"{_num(r.p05)} - {_num(r.p95)}", "yes" if r.inside_90 else "NO")
        for r in table.itertuples()
    ]
    summary = coverage_summary(table)
    shead = ("measure", "figures", "coverage 50%", "coverage 90%", "median abs. relative error")
    slines = [
        (r.measure, str(r.figures), f"{100 * r.coverage_50:.0f}%", f"{100 * r.coverage_90:.0f}%", f"{100 * r.median_abs_relative_error:.0f}%")
        for r in summary.itertuples()
    ]
    return _grid(head, lines, markdown) + "\n\n" + _grid(shead, slines, markdown)


def _grid(head: tuple[str, ...], lines: list[tuple[str, ...]], markdown: bool) -> str:
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
        out += ["| " + " | ".join(line) + " |" for line in lines]
        return "\n".join(out)
    widths = [max(len(h), *(len(line[k]) for line in lines)) if lines else len(h) for k, h in enumerate(head)]

    def fmt(cells: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([fmt(head), fmt(tuple("-" * w for w in widths)), *(fmt(line) for line in lines)])
