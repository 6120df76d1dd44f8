"""A floor for ``bench_engine.py``: the reference workload as whole cohorts in numpy, no events.

Not a model of the CAE: a measure of how fast numpy alone can push the same number of
entrepreneur-months through monthly accounts of the same shape, so the engine's speed
can be read against what its vectorised accounts cost without any discrete-event
machinery. Every replication of a batch is one row of a (replications x places) state;
each month, for all rows at once:

- accueils ~ Poisson, entrants ~ Binomial (the reference's monthly rates and entry
  share), placed in free slots (no waiting list, no staff, no diagnostic delay);
- turnover = mature level x ramp-up x lognormal noise, gross margin, a flat contribution
  at the sector's CAPE or CESA rate, treasury;
- under a CESA: the pay budget (a share of the smoothed margin, at least the fixed part),
  the gross it buys and its employer cost read from simcoop's whole-cent payroll table
  (``simcoop.economics.payroll.payroll_tables``);
- exits at the stage's monthly hazard, conversion CAPE -> CESA when the smoothed margin
  covers the minimum salary cost, associé uptake at its monthly probability.

No SimPy, no per-person Python, no funding, closing, brackets, relief regularisation or
waiting list: it does less than simcoop, so its rate is an upper bound on what the
accounts alone allow, not a target that the full rules can meet.
"""

from __future__ import annotations

import numpy as np

from simcoop.economics.payroll import payroll_tables
from simcoop.model.params import ASSOCIE, CAPE, CESA, ModelParams

__all__ = ["run_cohort_batch"]


def run_cohort_batch(p: ModelParams, seed: int, replications: int) -> np.ndarray:
    """Run ``replications`` rows at once; return the entrepreneur-months of each row."""
    rng = np.random.default_rng(seed)
    horizon = p.horizon_months
    expected = float(np.sum(p.accueils_rate_per_month)) * p.entry_share
    places = int(expected * 1.3) + 32
    shape = (replications, places)
    stage = np.zeros(shape, dtype=np.int8)  # 0: free slot
    mature = np.zeros(shape)
    entry = np.zeros(shape)
    margin_rate = np.zeros(shape)
    rate_cape = np.zeros(shape)
    rate_cesa = np.zeros(shape)
    sigma_month = np.zeros(shape)
    ramp_slope = np.zeros(shape)
    ramp_start = np.zeros(shape)
    treasury = np.zeros(shape)
    recent = np.zeros(shape)
    fixed_cost = np.zeros(shape)
    used = np.zeros(replications, dtype=np.int64)
    months = np.zeros(replications)
    rows = np.arange(replications)[:, None]
    n_sectors = len(p.sector_cumshares)
    exit_by_stage = np.asarray(p.exit_probability_by_stage, dtype=np.float64)
    ramp_months = np.asarray(p.sector_rampup_months, dtype=np.float64)
    start_share = np.where(ramp_months > 0, p.sector_rampup_start_share, 1.0)
    slope = (1.0 - start_share) / np.maximum(ramp_months, 1.0)
    for t in range(horizon):
        tables = payroll_tables(p.payroll_by_month[t])
        # Entrants of the month, into the next free slots of each row.
        accueils = rng.poisson(p.accueils_rate_per_month[t], replications)
        entering = np.minimum(rng.binomial(accueils, p.entry_share), places - used)
        k = int(entering.max())
        if k:
            offset = np.arange(k)[None, :]
            ok = offset < entering[:, None]
            cols = np.minimum(used[:, None] + offset, places - 1)
            r_idx = np.broadcast_to(rows, cols.shape)[ok]
            c_idx = cols[ok]
            n = len(r_idx)
            sector = np.minimum(np.searchsorted(p.sector_cumshares, rng.random(n), side="right"), n_sectors - 1)
            stage[r_idx, c_idx] = np.where(rng.random(n) < p.direct_cesa_share, CESA, CAPE)
            mature[r_idx, c_idx] = np.exp(p.sector_log_median_cents_per_month[sector] + p.sector_sigma[sector] * rng.standard_normal(n))
            entry[r_idx, c_idx] = t
            margin_rate[r_idx, c_idx] = p.sector_margin_rate[sector]
            rate_cape[r_idx, c_idx] = p.sector_rate_cape[sector]
            rate_cesa[r_idx, c_idx] = p.sector_rate_cesa[sector]
            sigma_month[r_idx, c_idx] = p.sector_volatility[sector]
            ramp_slope[r_idx, c_idx] = slope[sector]
            ramp_start[r_idx, c_idx] = start_share[sector]
            treasury[r_idx, c_idx] = 0.0
            recent[r_idx, c_idx] = 0.0
            fixed_cost[r_idx, c_idx] = tables.cost[int(p.min_gross_cents)]
            used += entering
        active = stage > 0
        # Accounts.
        ramp = np.minimum(ramp_start + ramp_slope * (t - 1 - entry), 1.0)
        noise = np.exp(sigma_month * rng.standard_normal(shape) - 0.5 * sigma_month * sigma_month)
        invoiced = np.rint(mature * ramp * noise) * active
        margin = np.rint(invoiced * margin_rate)
        salaried = stage >= CESA
        contrib = np.rint(margin * np.where(salaried, rate_cesa, rate_cape))
        recent += (margin - contrib - recent) / p.margin_smoothing_months
        treasury += margin - contrib
        budget = np.maximum(np.maximum(np.rint(np.maximum(recent, 0.0) * p.salary_payout_rate), fixed_cost), 0.0) * salaried
        budget = np.minimum(budget, tables.cost[-1] - 1.0)
        gross = np.searchsorted(tables.cost, budget.ravel(), side="right") - 1
        cost = tables.cost[gross].reshape(shape)
        treasury -= cost
        # Decisions.
        u = rng.random((2,) + shape)
        leave = active & (u[0] < exit_by_stage[stage])
        min_cost = p.min_salary_cost_by_month[t]
        convert = (stage == CAPE) & ~leave & (recent >= min_cost) & (treasury >= p.treasury_months_required * min_cost)
        fixed_cost = np.where(convert, tables.cost[int(p.min_gross_cents)], fixed_cost)
        associe = (stage == CESA) & ~leave & (u[1] < p.associe_uptake_probability_per_month)
        stage = np.where(leave, 0, np.where(convert, CESA, np.where(associe, ASSOCIE, stage))).astype(np.int8)
        months += (stage > 0).sum(axis=1)
    return months
