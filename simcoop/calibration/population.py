"""Hierarchical calibration of a population prior on the published figures of many CAE.

A two-stage approximation of hierarchical ABC (docs/calibration.md says what it is and is not):

1. **Per-CAE ABC** (``simulate_cae``): for each CAE, ``n`` parameter vectors ``z`` are drawn from
   one broad stage-1 prior ``pi0`` (independent normals on a transformed scale, ``PARAMS``), each
   is run once through the simcoop engine on that CAE's own scenario (opening month, horizon to
   its last figure), and its figures are read off. Every draw gets a Gaussian-kernel weight on
   the log (logit for shares) distance to the published figures, with a tolerance ``TOL_EXACT``
   or, for figures marked approx, ``TOL_APPROX``: the kernel is the likelihood of a lognormal
   observation error of that size, so the weighted draws are the CAE's posterior under
   ``pi0`` (Wilkinson 2013, "ABC gives exact results under the assumption of model error").
2. **Population fit** (``fit_population``): CAE-level parameters are normal across CAE with mean
   ``mu`` and standard deviation ``sigma`` per parameter (the hyperparameters). The likelihood of
   (mu, sigma) for CAE j is the stage-1 weighted mean of N(z | mu, sigma) / pi0(z) (importance
   sampling, as in two-stage hierarchical fits, Lunn et al. 2013); a random-walk Metropolis
   sampler draws (mu, sigma) from their posterior under a weakly informative hyperprior. The
   average CAE of the national totals is not a member: it constrains ``mu`` itself, jointly
   (``average_cae_likelihood``).

The posterior predictive for a NEW CAE is z ~ N(mu, sigma) with (mu, sigma) from the posterior:
``predictive_samples`` turns it into joint samples of dotted scenario keys, the shipped
``simcoop/data/population_prior.csv``.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from simcoop.calibration.figures import SHARES, CaeFigures, cae_scenario, simulated_figures

if TYPE_CHECKING:
    from simcoop.executors import ChunkExecutor
    from simcoop.scenario import Scenario

__all__ = [
    "ACCUEILS_MULTIPLIER_SIGMA",
    "PARAMS",
    "TOL_APPROX",
    "TOL_EXACT",
    "CENTRE",
    "SCALE",
    "CaeSims",
    "Hyper",
    "Param",
    "average_cae_likelihood",
    "cae_likelihood",
    "cae_log_weights",
    "cae_seed",
    "draw_stage1",
    "log_normal_pdf",
    "logsumexp",
    "scaled_figures",
    "simulate_chunk",
    "fit_population",
    "mixture_log_density",
    "predictive_samples",
    "predictive_z",
    "REFINE_MIN_ESS",
    "mixture_proposal_log_q",
    "refine_cae",
    "run_draws",
    "scenario_changes",
    "simulate_cae",
]

#: Observation error (sd on the log scale, logit for shares) of a figure given exactly, and of an approx one.
#: Assumption: 0.2 covers the gap between a CAE's own definitions (who counts as "supported", which
#: year) and the model's; approx figures ("about", "more than") get twice as much.
TOL_EXACT = 0.2
TOL_APPROX = 0.4
#: Spread (sd of the log) of the factor on the territory's own accueil flow in the shipped prior. Assumption.
ACCUEILS_MULTIPLIER_SIGMA = 0.35
#: Hyperprior: mu_k ~ N(centre_k, MU_SPREAD x scale_k); sigma_k ~ half-normal(SIGMA_SPREAD x scale_k).
MU_SPREAD = 1.0
SIGMA_SPREAD = 0.6
SIGMA_FLOOR = 0.03
#: A CAE whose stage-1 posterior has fewer effective draws than this after two rounds may get more
#: (``refine_cae``): a weighted mean and spread of 11 parameters from a handful of draws mean little.
REFINE_MIN_ESS = 30.0


@dataclass(frozen=True)
class Param:
    """One CAE-level parameter: name, transform (log or logit), stage-1 centre and scale (transformed)."""

    name: str
    transform: str
    centre: float
    scale: float
    shipped: bool = True  # False: a CAE-level nuisance not in the new-CAE prior

    def value(self, z: float) -> float:
        """The parameter's natural value from its transformed value ``z``."""
        return float(1.0 / (1.0 + math.exp(-z))) if self.transform == "logit" else float(math.exp(z))


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


#: The calibrated parameters. Centres: the reference scenario (docs/sources.md); scales give the
#: broad stage-1 ranges (95 % within centre +- 2 scales) of docs/calibration.md, grounded in DOMAIN.md's ranges.
PARAMS: tuple[Param, ...] = (
    Param("accueils_per_year", "log", math.log(150.0), 1.0, shipped=False),
    Param("territory_rampup_months", "log", math.log(36.0), 0.45),
    Param("entry_share", "logit", _logit(0.25), 0.55),
    Param("direct_cesa_share", "logit", _logit(0.15), 0.6),
    Param("cape_exit_rate", "log", math.log(0.35), 0.55),
    Param("cesa_exit_rate", "log", math.log(0.30), 0.55),
    Param("associe_exit_rate", "log", math.log(0.20), 0.55),
    Param("cape_renewal_probability", "logit", _logit(0.75), 0.8),
    Param("associe_uptake_rate", "log", math.log(0.25), 0.6),
    Param("turnover_factor", "log", 0.0, 0.4),
    Param("sector_rampup_factor", "log", 0.0, 0.4),
)
CENTRE = np.array([p.centre for p in PARAMS])
LOG_SCALE = np.array([p.transform == "log" for p in PARAMS])
SCALE = np.array([p.scale for p in PARAMS])


def scenario_changes(base: "Scenario", z: np.ndarray, shipped_only: bool = False) -> dict[str, Any]:
    """Dotted scenario keys -> values for the transformed parameter vector ``z`` (sectors by name)."""
    v = {p.name: p.value(float(x)) for p, x in zip(PARAMS, z, strict=True)}
    changes: dict[str, Any] = {}
    if not shipped_only:
        changes["territory.accueils_per_year_at_maturity"] = round(min(max(v["accueils_per_year"], 5.0), 5000.0), 2)
    changes["territory.rampup_months"] = int(min(max(round(v["territory_rampup_months"]), 1), 240))
    changes["pathway.entry_share"] = round(min(max(v["entry_share"], 0.005), 0.995), 4)
    changes["pathway.direct_cesa_share"] = round(min(max(v["direct_cesa_share"], 0.0), 1.0), 4)
    for key, name in (("cape", "cape_exit_rate"), ("cesa", "cesa_exit_rate"), ("associe", "associe_exit_rate")):
        changes[f"pathway.exits.{key}_rate_per_year"] = round(min(max(v[name], 0.005), 5.0), 4)
    changes["pathway.cape.renewal_probability"] = round(min(max(v["cape_renewal_probability"], 0.0), 1.0), 4)
    changes["pathway.associe.uptake_rate_per_year"] = round(min(max(v["associe_uptake_rate"], 0.005), 5.0), 4)
    for sector in base.activities.sectors:
        changes[f"activities.sectors.{sector.name}.turnover_median_eur_per_year"] = round(
            sector.turnover_median_eur_per_year * v["turnover_factor"], -1
        )
        changes[f"activities.sectors.{sector.name}.rampup_months"] = int(
            min(max(round(sector.rampup_months * v["sector_rampup_factor"]), 1), 120)
        )
    return changes


# --------------------------------------------------------------------------- stage 1: per-CAE ABC


@dataclass
class CaeSims:
    """Stage 1 for one CAE: the draws ``z`` (n x K), the log density they were drawn from, the simulated
    figures (n x F) and the observed ones with their tolerance."""

    cae: CaeFigures
    z: np.ndarray
    log_q: np.ndarray
    simulated: np.ndarray
    wanted: list[tuple[int, str]]
    observed: np.ndarray
    tolerance: np.ndarray
    seconds: float = 0.0
    #: The proposals the draws came from, in order: (draws, mean, sd) each; empty for fresh population draws.
    proposals: tuple[tuple[int, np.ndarray, np.ndarray], ...] = ()

    def ess(self) -> float:
        """Effective sample size of the CAE's own posterior draws (stage-1 prior x kernel / proposal)."""
        posterior = _posterior_weights(self)
        return posterior[1] if posterior is not None else 0.0


def cae_seed(seed: int, name: str) -> int:
    """The root seed of one CAE's simulations: depends on the calibration seed and the CAE's name only."""
    return int((seed * 1_000_003 + zlib.crc32(name.encode("utf-8"))) % (2**31 - 1))


def draw_stage1(seed: int, name: str, n: int, mean: np.ndarray | None = None, sd: np.ndarray | None = None, round_: int = 1) -> np.ndarray:
    """``n`` draws (transformed) of one CAE: from pi0, or from N(mean, sd) in the second round."""
    rng = np.random.default_rng([seed, zlib.crc32(name.encode("utf-8")), round_])
    m = CENTRE if mean is None else mean
    s = SCALE if sd is None else sd
    return m + s * rng.standard_normal((n, len(PARAMS)))


def _second_proposal(sims: "CaeSims") -> tuple[np.ndarray, np.ndarray]:
    """The round-2 proposal of a CAE: its round-1 posterior's mean and sd, widened by 1.5 (at least 0.2 scales)."""
    logw = cae_log_weights(sims)
    if not np.isfinite(np.max(logw)):
        return CENTRE.copy(), SCALE.copy()
    w = np.exp(logw - np.max(logw))
    w = w / w.sum()
    mean = w @ sims.z
    sd = np.sqrt(np.maximum(w @ (sims.z - mean) ** 2, 0.0))
    return mean, np.clip(1.5 * sd, 0.2 * SCALE, SCALE)


def simulate_chunk(scenario: "Scenario", root: int, start: str, horizon: int, wanted: list[tuple[int, str]],
                   rows: tuple[int, ...], z: np.ndarray) -> tuple[tuple[int, ...], np.ndarray, float]:
    """Run draws ``rows`` (their ``z``) once each; their simulated figures (one row per draw), and the seconds taken."""
    import time

    from simcoop.runner import run_replication

    started = time.perf_counter()
    out = np.full((len(rows), len(wanted)), np.nan)
    for k, (row, zk) in enumerate(zip(rows, z, strict=True)):
        drawn = scenario.replace(scenario_changes(scenario, zk))
        output = run_replication(drawn, root, row)
        out[k] = simulated_figures(output, start, horizon, wanted)
    return rows, out, time.perf_counter() - started


def simulate_cae(
    base: "Scenario", caes: list[CaeFigures], n: int, seed: int, executor: "ChunkExecutor",
    on_progress: Callable[[int], None] | None = None, chunk: int = 10,
) -> list[CaeSims]:
    """Stage 1 for every CAE: n draws each, simulated once; identical whatever the executor.

    Two rounds of adaptive importance sampling: the first half of the draws from pi0, the
    second half from a normal around the first round's posterior; every draw is weighted
    with the mixture of both (the balance heuristic), so pi0's broad region stays covered for
    the population fit while the CAE's posterior gets more draws.
    """
    first = n - n // 2
    plans = []
    scenarios = []
    for cae in caes:
        scenario = cae_scenario(base, cae)
        scenarios.append(scenario)
        wanted = [(f.year, f.measure) for f in cae.figures]
        observed = np.array([f.value for f in cae.figures])
        tolerance = np.array([TOL_APPROX if f.approx else TOL_EXACT for f in cae.figures])
        z = draw_stage1(seed, cae.name, first)
        plans.append(CaeSims(cae, z, log_normal_pdf(z, CENTRE, SCALE), np.full((first, len(wanted)), np.nan), wanted, observed, tolerance))
    run_draws(plans, scenarios, seed, 0, executor, on_progress, chunk)
    if n - first > 0:
        proposals = []
        for plan in plans:
            mean, sd = _second_proposal(plan)
            proposals.append((mean, sd))
            z2 = draw_stage1(seed, plan.cae.name, n - first, mean, sd, round_=2)
            plan.z = np.vstack([plan.z, z2])
            plan.simulated = np.vstack([plan.simulated, np.full((n - first, len(plan.wanted)), np.nan)])
        run_draws(plans, scenarios, seed, first, executor, on_progress, chunk)
        for plan, (mean, sd) in zip(plans, proposals, strict=True):
            plan.proposals = ((first, CENTRE, SCALE), (n - first, mean, sd))
            plan.log_q = mixture_proposal_log_q(plan.z, plan.proposals)
    else:
        for plan in plans:
            plan.proposals = ((first, CENTRE, SCALE),)
    return plans


def mixture_proposal_log_q(z: np.ndarray, proposals: tuple[tuple[int, np.ndarray, np.ndarray], ...]) -> np.ndarray:
    """log of the mixture of every proposal used, each weighted by its share of the draws (the balance heuristic)."""
    total = sum(count for count, _, _ in proposals)
    parts = [math.log(count / total) + log_normal_pdf(z, mean, sd) for count, mean, sd in proposals if count > 0]
    return np.logaddexp.reduce(np.stack(parts), axis=0)


def _proposals_of(plan: CaeSims) -> tuple[tuple[int, np.ndarray, np.ndarray], ...]:
    """The proposals of a two-round plan kept before they were recorded: round 2's is a function of round 1."""
    if plan.proposals:
        return plan.proposals
    n = len(plan.z)
    first = n - n // 2
    head = CaeSims(plan.cae, plan.z[:first], log_normal_pdf(plan.z[:first], CENTRE, SCALE), plan.simulated[:first],
                   plan.wanted, plan.observed, plan.tolerance)
    if first == n:
        return ((first, CENTRE, SCALE),)
    mean, sd = _second_proposal(head)
    return ((first, CENTRE, SCALE), (n - first, mean, sd))


def _regression_proposal(plan: CaeSims) -> tuple[np.ndarray, np.ndarray]:
    """A normal around the CAE's posterior under a linear-Gaussian approximation of the simulator.

    With a handful of effective draws, the weighted mean and sd of the parameters the figures do
    not inform are those of two or three points, and a proposal built on them (as round 2's) misses
    pi0's bulk in ten dimensions at once. Every draw, weighted or not, says how the figures move
    with the parameters: the scaled figures (log, logit for shares) are regressed on ``z`` over all
    the CAE's draws, s(z) = a + B z + e with e's variance per figure the residuals'; the figures
    then give z the normal likelihood N(observed | a + B z, var(e) + tolerance^2), and with pi0 the
    posterior is normal (mean m, covariance S). The proposal: N(m, 1.5 sqrt(diag S)), its sd
    between 0.2 and 1 stage-1 scales. Only a proposal: the importance weights keep the exact kernel.
    """
    measures = [m for _, m in plan.wanted]
    s = scaled_figures(plan.simulated, measures)
    rows = np.all(np.isfinite(s), axis=1)
    k = len(PARAMS)
    if int(rows.sum()) < 2 * (k + 1):
        return CENTRE.copy(), SCALE.copy()
    u = (plan.z[rows] - CENTRE) / SCALE  # per stage-1 scale: pi0 is N(0, 1) on u
    x = np.hstack([np.ones((len(u), 1)), u])
    coef, *_ = np.linalg.lstsq(x, s[rows], rcond=None)
    residual = s[rows] - x @ coef
    noise = residual.var(axis=0, ddof=k + 1) + plan.tolerance**2
    b = coef[1:].T  # figures x parameters, per stage-1 scale
    gap = scaled_figures(plan.observed, measures) - coef[0]
    precision = np.eye(k) + (b.T / noise) @ b
    cov = np.linalg.inv(precision)
    mean_u = cov @ ((b.T / noise) @ gap)
    sd_u = np.clip(1.5 * np.sqrt(np.diag(cov)), 0.2, 1.0)
    return CENTRE + SCALE * mean_u, SCALE * sd_u


def refine_cae(
    plans: list[CaeSims], scenarios: list["Scenario"], extra: int, seed: int, executor: "ChunkExecutor",
    on_progress: Callable[[int], None] | None = None, min_ess: float = REFINE_MIN_ESS, chunk: int = 10,
) -> list[str]:
    """One more round of adaptive importance sampling for the CAE with fewer than ``min_ess`` effective draws.

    Their posterior (kernel x pi0 / mixture of the proposals so far) is located by too few draws
    for its mean and spread to mean much: ``extra`` more draws come from a normal around a
    linear-Gaussian approximation of it built from all its draws (``_regression_proposal``), and
    every draw of the CAE is reweighted with the mixture of all its proposals (the balance
    heuristic, as in round 2). The other CAE keep their draws and weights. Identical whatever the
    executor; the names of the CAE refined.
    """
    refined: list[str] = []
    todo: list[tuple[CaeSims, "Scenario"]] = []
    for plan, scenario in zip(plans, scenarios, strict=True):
        before = _proposals_of(plan)
        if extra <= 0 or plan.ess() >= min_ess:
            plan.proposals = before
            continue
        mean, sd = _regression_proposal(plan)
        z3 = draw_stage1(seed, plan.cae.name, extra, mean, sd, round_=len(before) + 1)
        plan.z = np.vstack([plan.z, z3])
        plan.simulated = np.vstack([plan.simulated, np.full((extra, len(plan.wanted)), np.nan)])
        plan.proposals = (*before, (extra, mean, sd))
        refined.append(plan.cae.name)
        todo.append((plan, scenario))
    for start in sorted({len(p.z) - extra for p, _ in todo}):
        # the new draws are numbered after the CAE's earlier ones (one call per number of earlier draws)
        group = [(p, s) for p, s in todo if len(p.z) - extra == start]
        run_draws([p for p, _ in group], [s for _, s in group], seed, start, executor, on_progress, chunk)
    for plan in plans:
        plan.log_q = mixture_proposal_log_q(plan.z, plan.proposals)
    return refined


def run_draws(plans: list["CaeSims"], scenarios: list["Scenario"], seed: int, start: int, executor: "ChunkExecutor",
              on_progress: Callable[[int], None] | None, chunk: int = 10, tag: str = "") -> None:
    """Simulate the draws ``start..`` of every plan on its scenario (replication number = draw number;
    the root seed depends on ``seed``, the CAE's name and ``tag``), filling ``plan.simulated``."""
    tasks = []
    owner = []
    for index, (plan, scenario) in enumerate(zip(plans, scenarios, strict=True)):
        root = cae_seed(seed, plan.cae.name + tag)
        for a in range(start, len(plan.z), chunk):
            rows = tuple(range(a, min(len(plan.z), a + chunk)))
            tasks.append((scenario, root, scenario.meta.start_month, scenario.meta.horizon_months, plan.wanted, rows, plan.z[a : a + len(rows)]))
            owner.append(index)
    index_of = {id(t): i for t, i in zip(tasks, owner, strict=True)}
    for task, (rows, figures, seconds) in executor.imap_unordered(simulate_chunk, tasks):
        plan = plans[index_of[id(task)]]
        plan.simulated[list(rows)] = figures
        plan.seconds += seconds
        if on_progress is not None:
            on_progress(len(rows))


def scaled_figures(values: np.ndarray, measures: list[str]) -> np.ndarray:
    """Figures on the comparison scale: logit for shares, log for the rest (counts floored at 0.5)."""
    out = np.array(values, dtype=float, copy=True)
    share = np.array([m in SHARES for m in measures])
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.clip(out[..., share], 0.01, 0.99)
        out[..., share] = np.log(s / (1 - s))
        out[..., ~share] = np.log(np.maximum(out[..., ~share], 0.5))
    return out


def cae_log_weights(sims: CaeSims) -> np.ndarray:
    """Stage-1 ABC log weights of each draw: the Gaussian kernel of its figures' distance (NaN figures: weight 0)."""
    measures = [m for _, m in sims.wanted]
    d = (scaled_figures(sims.simulated, measures) - scaled_figures(sims.observed, measures)) / sims.tolerance
    logw = -0.5 * np.sum(d * d, axis=1)
    return np.where(np.isfinite(logw), logw, -np.inf)


# --------------------------------------------------------------------------- stage 2: population


def log_normal_pdf(z: np.ndarray, mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Sum over parameters of log N(z | mu, sigma); z (..., K)."""
    u = (z - mu) / sigma
    return np.sum(-0.5 * u * u - np.log(sigma) - 0.5 * math.log(2 * math.pi), axis=-1)


def logsumexp(a: np.ndarray, axis: int = -1) -> np.ndarray:
    """log(sum(exp(a))) along ``axis``, without overflow; -inf when every term is -inf."""
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    return np.squeeze(m, axis=axis) + np.log(np.sum(np.exp(a - m), axis=axis))


@dataclass
class Hyper:
    """Posterior draws of the population's hyperparameters: mu and sigma, (draws x K) each."""

    mu: np.ndarray
    sigma: np.ndarray
    acceptance: float

    def mean_sd(self) -> list[tuple[str, float, float, float, float]]:
        """Per parameter: name, posterior mean of mu, its sd, posterior mean of sigma, its sd."""
        return [
            (p.name, float(self.mu[:, k].mean()), float(self.mu[:, k].std()), float(self.sigma[:, k].mean()), float(self.sigma[:, k].std()))
            for k, p in enumerate(PARAMS)
        ]


def _log_hyperprior(mu: np.ndarray, log_sigma: np.ndarray) -> float:
    sigma = np.exp(log_sigma)
    lp = np.sum(-0.5 * ((mu - CENTRE) / (MU_SPREAD * SCALE)) ** 2)
    lp += np.sum(-0.5 * (sigma / (SIGMA_SPREAD * SCALE)) ** 2 + log_sigma)  # half-normal, with the log Jacobian
    return float(lp)


def _posterior_weights(sims: CaeSims) -> tuple[np.ndarray, float] | None:
    """The CAE's posterior under pi0 as normalised weights on its draws (kernel x pi0 / proposal), and their
    effective sample size; None when no draw has any weight."""
    logw = cae_log_weights(sims) + log_normal_pdf(sims.z, CENTRE, SCALE) - sims.log_q
    top = np.max(logw)
    if not np.isfinite(top):
        return None
    w = np.exp(logw - top)
    w = w / w.sum()
    return w, 1.0 / float(np.sum(w * w))


def cae_likelihood(sims: CaeSims) -> tuple[np.ndarray, np.ndarray]:
    """What one CAE's figures say about its parameters, as independent normal likelihoods: (mean, precision) per parameter.

    The CAE's posterior under pi0 (kernel x pi0 / proposal weights on its draws) is summarised by
    its weighted mean and variance; the variance is shrunk towards pi0's with one pseudo-draw
    (``(ESS x var + scale^2) / (ESS + 1)``), so a CAE with few effective draws does not claim to
    know more than it does. Dividing that normal by pi0 leaves the likelihood's normal form.
    """
    posterior = _posterior_weights(sims)
    if posterior is None:
        return CENTRE.copy(), np.full(len(PARAMS), 1e-6)
    w, ess = posterior
    mean = w @ sims.z
    var = (ess * (w @ (sims.z - mean) ** 2) + SCALE**2) / (ess + 1.0)
    precision = 1.0 / var - 1.0 / SCALE**2
    # Where the posterior is about as wide as pi0 (or wider, by chance), the CAE says nothing.
    informed = precision > 0.1 / SCALE**2
    centre = np.where(informed, (mean / var - CENTRE / SCALE**2) / np.where(informed, precision, 1.0), CENTRE)
    return centre, np.where(informed, precision, 1e-6 / SCALE**2)


def average_cae_likelihood(sims: CaeSims) -> tuple[np.ndarray, np.ndarray]:
    """What the figures of the *average* CAE (national totals / n_cae) say about the population's mean: (centre, precision matrix).

    The national figures average over 100-160 CAE, so their parameters are the population's mean
    up to sigma / sqrt(n_cae) (on the log scale ``mu + sigma^2 / 2``, the mean of a lognormal; on
    the logit scale about ``mu``): they constrain the population itself, not one more draw from it, and jointly: a split between CAPE and salaried status is a ridge (more turnover
    with fewer direct CESA entries gives the same split), which independent summaries would lose.
    The weighted draws' covariance is shrunk towards pi0's with one pseudo-draw, divided by pi0
    (information form), and its negative directions (posterior wider than pi0, by chance) dropped.
    """
    k = len(PARAMS)
    posterior = _posterior_weights(sims)
    if posterior is None:
        return CENTRE.copy(), np.zeros((k, k))
    w, ess = posterior
    mean = w @ sims.z
    dev = sims.z - mean
    cov = (ess * (dev.T * w) @ dev + np.diag(SCALE**2)) / (ess + 1.0)
    posterior_precision = np.linalg.inv(cov)
    values, vectors = np.linalg.eigh(posterior_precision - np.diag(1.0 / SCALE**2))
    values = np.where(values > 0.1 / float(np.max(SCALE)) ** 2, values, 0.0)
    precision = (vectors * values) @ vectors.T
    # centre: where the likelihood peaks in its informed directions (pi0's centre in the others)
    b = posterior_precision @ mean - CENTRE / SCALE**2
    centre = CENTRE + np.linalg.lstsq(precision, b - precision @ CENTRE, rcond=1e-9)[0] if values.any() else CENTRE.copy()
    return centre, precision


def fit_population(sims: list[CaeSims], seed: int, draws: int = 1000, burn: int = 1000, thin: int = 2) -> Hyper:
    """Stage 2: Metropolis-within-Gibbs draws of (mu, log sigma) given every CAE's normal likelihood.

    With CAE j's likelihood N(l_j | theta_j, 1/P_j) and theta_j ~ N(mu, sigma), the CAE's
    marginal likelihood is N(l_j | mu, sqrt(sigma^2 + 1/P_j)). The average CAE of the national
    totals, when there is one, constrains ``mu`` jointly (``average_cae_likelihood``). One sweep
    proposes each of the 2K coordinates in turn (a normal step, adapted during the ``burn``
    sweeps towards 44 % acceptance); ``draws`` sweeps are kept, one every ``thin``.
    """
    k = len(PARAMS)
    units = [s for s in sims if not s.cae.national]
    averages = [average_cae_likelihood(s) for s in sims if s.cae.national]
    pairs = [cae_likelihood(s) for s in units]
    centres = np.array([c for c, _ in pairs]).reshape(len(pairs), k)
    variances = np.array([1.0 / p for _, p in pairs]).reshape(len(pairs), k)

    def log_post(theta: np.ndarray) -> float:
        mu, log_sigma = theta[:k], theta[k:]
        sigma = np.maximum(np.exp(log_sigma), SIGMA_FLOOR * SCALE)
        total_var = sigma**2 + variances
        value = _log_hyperprior(mu, log_sigma) + float(np.sum(-0.5 * (centres - mu) ** 2 / total_var - 0.5 * np.log(total_var)))
        # The average CAE of national totals: arithmetic means over CAE, so on the log scale
        # mu + sigma^2 / 2 (the mean of a lognormal), on the logit scale about mu.
        average = mu + np.where(LOG_SCALE, 0.5 * sigma**2, 0.0)
        for centre, precision in averages:
            gap = average - centre
            value -= 0.5 * float(gap @ precision @ gap)
        return value

    rng = np.random.default_rng([seed, 2])
    theta = np.concatenate([CENTRE, np.log(0.5 * SCALE)])
    steps = np.concatenate([0.5 * SCALE, np.full(k, 0.5)])
    current = log_post(theta)
    accepted = tried = 0
    kept_mu, kept_sigma = [], []
    for sweep in range(burn + draws * thin):
        for c in range(2 * k):
            proposal = theta.copy()
            proposal[c] += steps[c] * rng.standard_normal()
            value = log_post(proposal)
            ok = math.log(rng.random()) < value - current
            if ok:
                theta, current = proposal, value
            if sweep < burn:
                steps[c] *= 1.05 if ok else 1 / 1.039
            else:
                accepted += ok
                tried += 1
        if sweep >= burn and (sweep - burn) % thin == 0:
            kept_mu.append(theta[:k].copy())
            kept_sigma.append(np.maximum(np.exp(theta[k:]), SIGMA_FLOOR * SCALE))
    return Hyper(np.array(kept_mu), np.array(kept_sigma), accepted / max(1, tried))


def mixture_log_density(z: np.ndarray, hyper: Hyper, max_draws: int = 400) -> np.ndarray:
    """log of the population predictive density at each row of ``z``: the mean over hyper draws of N(z | mu, sigma)."""
    step = max(1, len(hyper.mu) // max_draws)
    mu, sigma = hyper.mu[::step], hyper.sigma[::step]
    dens = np.stack([log_normal_pdf(z, m, s) for m, s in zip(mu, sigma, strict=True)], axis=1)
    return logsumexp(dens, axis=1) - math.log(len(mu))


def predictive_z(hyper: Hyper, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` draws of a new CAE's transformed parameters: z ~ N(mu, sigma), (mu, sigma) from the posterior."""
    pick = rng.integers(0, len(hyper.mu), size=n)
    return hyper.mu[pick] + hyper.sigma[pick] * rng.standard_normal((n, len(PARAMS)))


def predictive_samples(base: "Scenario", hyper: Hyper, n: int, seed: int) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """``n`` joint draws for a new CAE: z ~ N(mu, sigma), (mu, sigma) from the posterior; with their scenario keys.

    The territory's accueil flow is not drawn from the CAE population (the territory gives it);
    a factor ``territory.accueils_multiplier`` with a lognormal spread ``ACCUEILS_MULTIPLIER_SIGMA``
    stands for the error of that flow (an assumption).
    """
    rng = np.random.default_rng([seed, 3])
    z = predictive_z(hyper, n, rng)
    multipliers = np.exp(ACCUEILS_MULTIPLIER_SIGMA * rng.standard_normal(n))
    rows = []
    for zk, mult in zip(z, multipliers, strict=True):
        row: dict[str, Any] = {"territory.accueils_multiplier": round(float(mult), 4)}
        row.update(scenario_changes(base, zk, shipped_only=True))
        rows.append(row)
    return z, rows
