"""``simcoop calibrate --observed``: the population prior fitted on published figures, its files and fit report.

``fit_from_figures`` runs stage 1 (or reuses the simulations kept in a work folder from a run
with the same figures, base scenario, draws and seed) and stage 2, and ``write_outputs`` writes:

- the population prior (``--out``): joint samples for a new CAE, one column per dotted key,
  ``#`` comment lines naming the source and method: usable as ``uncertainty.priors_file``;
- ``<out>_hyper.csv``: the posterior draws of the population's hyperparameters (mu, sigma);
- ``<out>_fit.csv`` and the fit report (markdown): every CAE's figures against their posterior
  predictive interval, the hyperparameters against their hyperprior, the new-CAE prior's quantiles.
"""

from __future__ import annotations

import hashlib
import math
import pickle
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
import pandas as pd

from simcoop.calibration.crossval import predictive_table
from simcoop.calibration.figures import CaeFigures, read_figures
from simcoop.calibration.population import (
    ACCUEILS_MULTIPLIER_SIGMA,
    PARAMS,
    REFINE_MIN_ESS,
    TOL_APPROX,
    TOL_EXACT,
    CaeSims,
    Hyper,
    fit_population,
    predictive_samples,
    refine_cae,
    simulate_cae,
)

if TYPE_CHECKING:
    from simcoop.executors import ChunkExecutor
    from simcoop.scenario import Scenario

__all__ = ["PRIOR_SAMPLES", "PopulationFit", "fit_from_figures", "stage1", "write_outputs"]

#: Joint samples written to the population prior.
PRIOR_SAMPLES = 1000
_CACHE_VERSION = 2  # 2: the national salaried_share
_REFINE_VERSION = 1  # the extra rounds' proposal (population.refine_cae): their draws depend on it


@dataclass
class PopulationFit:
    """Everything one population calibration produced."""

    figures: str
    caes: list[CaeFigures]
    notes: list[str]
    sims: list[CaeSims]
    hyper: Hyper
    prior: pd.DataFrame
    seed: int
    draws_per_cae: int
    seconds: dict[str, float] = field(default_factory=dict)
    reused: bool = False
    refine_rounds: int = 0


def _cache_key(figures_path: Path, base: "Scenario", n: int, seed: int) -> str:
    digest = hashlib.sha256()
    digest.update(figures_path.read_bytes())
    from simcoop.draws import fixed_parameters

    # The base at its central values: the prior being fitted (the reference's population_prior) is not an input.
    digest.update(fixed_parameters(base).scenario_hash().encode("ascii"))
    digest.update(repr((n, seed, _CACHE_VERSION, [(p.name, p.transform, p.centre, p.scale) for p in PARAMS], TOL_EXACT, TOL_APPROX)).encode())
    return digest.hexdigest()[:16]


def stage1(
    figures_path: str | Path, base: "Scenario", n: int, seed: int, executor: "ChunkExecutor",
    work: str | Path | None = None, on_progress: Callable[[int], None] | None = None,
    on_more: Callable[[int], None] | None = None, refine_rounds: int = 0,
) -> tuple[list[CaeFigures], list[str], list[CaeSims], bool]:
    """Read the figures and run (or reuse from ``work``) the per-CAE simulations; True when reused.

    Two rounds for every CAE, then up to ``refine_rounds`` more of ``n // 2`` draws each for the
    CAE still under ``REFINE_MIN_ESS`` effective draws (``refine_cae``); each step is
    kept in ``work`` under a key of its inputs, so a run with the same figures, base, draws and
    seed reuses the steps already done. ``on_more`` is told how many simulations a round adds,
    before they run.
    """
    path = Path(figures_path)
    caes, notes = read_figures(path)
    key = _cache_key(path, base, n, seed)
    sims, reused = _cached(work, f"stage1_{key}", lambda: simulate_cae(base, caes, n, seed, executor, on_progress))
    if reused and on_progress is not None:
        on_progress(sum(len(s.z) for s in sims))
    if refine_rounds <= 0:
        return caes, notes, sims, reused

    from simcoop.calibration.figures import cae_scenario

    scenarios = [cae_scenario(base, s.cae) for s in sims]
    extra = n // 2
    all_reused = reused
    for round_ in range(3, 3 + refine_rounds):

        def refined(before: list[CaeSims] = sims) -> list[CaeSims]:
            if on_more is not None:
                on_more(extra * sum(1 for s in before if s.ess() < REFINE_MIN_ESS))
            refine_cae(before, scenarios, extra, seed, executor, on_progress)
            return before

        sims, again = _cached(work, f"stage1_{key}_round{round_}v{_REFINE_VERSION}_{extra}_{REFINE_MIN_ESS:g}", refined)
        all_reused = all_reused and again
    return caes, notes, sims, all_reused


def _cached(work: str | Path | None, name: str, compute: Callable[[], list[CaeSims]]) -> tuple[list[CaeSims], bool]:
    """``compute()``, or its result kept in ``work/name.pickle`` by an earlier run; True when reused."""
    if work is None:
        return compute(), False
    cache = Path(work) / f"{name}.pickle"
    if cache.exists():
        with cache.open("rb") as handle:
            return pickle.load(handle), True  # noqa: S301 - our own file, keyed by its inputs
    sims = compute()
    cache.parent.mkdir(parents=True, exist_ok=True)
    partial = cache.with_suffix(".partial")
    with partial.open("wb") as handle:
        pickle.dump(sims, handle)
    partial.replace(cache)
    return sims, False


def fit_from_figures(
    figures_path: str | Path, base: "Scenario", n: int, seed: int, executor: "ChunkExecutor",
    work: str | Path | None = None, on_progress: Callable[[int], None] | None = None,
    hyper_draws: int = 1000, burn: int = 1000, prior_samples: int = PRIOR_SAMPLES,
    on_more: Callable[[int], None] | None = None, refine_rounds: int = 0,
) -> PopulationFit:
    """Stage 1 and 2 on a figures file; the population prior's joint samples."""
    started = time.perf_counter()
    caes, notes, sims, reused = stage1(figures_path, base, n, seed, executor, work, on_progress, on_more, refine_rounds)
    simulated = time.perf_counter()
    hyper = fit_population(sims, seed, draws=hyper_draws, burn=burn)
    _, rows = predictive_samples(base, hyper, prior_samples, seed)
    fit = PopulationFit(str(figures_path), caes, notes, sims, hyper, pd.DataFrame(rows), seed, n, reused=reused,
                        refine_rounds=refine_rounds)
    fit.seconds = {"simulations": simulated - started, "population": time.perf_counter() - simulated,
                   "simulation_cpu": sum(s.seconds for s in sims)}
    return fit


def _refined_text(fit: PopulationFit) -> str:
    if fit.refine_rounds <= 0:
        return ""
    return (f" ({fit.draws_per_cae // 2} more a round, up to {fit.refine_rounds} round(s), for the CAE under "
            f"{REFINE_MIN_ESS:g} effective draws)")


def _prior_text(fit: PopulationFit, base_name: str) -> str:
    from simcoop.csvout import csv_text

    head = [
        "# simcoop population prior: joint samples of the parameters of a NEW CAE (posterior predictive).",
        f"# Fitted by `simcoop calibrate --observed` on {Path(fit.figures).name}: {len(fit.caes)} CAE "
        f"({', '.join(c.name for c in fit.caes)}), published figures (sources in the file; docs/sources.md).",
        "# Method: two-stage hierarchical ABC (docs/calibration.md): per-CAE simulations with the simcoop engine on "
        f"the '{base_name}' scenario moved to each CAE's opening, {fit.draws_per_cae} draws each{_refined_text(fit)}; a normal population "
        "of CAE-level parameters (log / logit scale) fitted by Metropolis; one row = one draw of (mu, sigma), then of a CAE.",
        f"# Seed {fit.seed}. territory.accueils_multiplier is not fitted: lognormal(0, {ACCUEILS_MULTIPLIER_SIGMA}), an assumption.",
        "# Turnover medians are in euros of 2024 (figures deflated with INSEE's CPI, about 1.65 % a year).",
    ]
    return "\n".join(head) + "\n" + csv_text(fit.prior)


def fit_table(fit: PopulationFit) -> pd.DataFrame:
    """Every figure against its posterior predictive interval (the CAE's own fit)."""
    return pd.concat([predictive_table(s, fit.seed, own=True) for s in fit.sims], ignore_index=True)


def _hyper_frame(hyper: Hyper) -> pd.DataFrame:
    data: dict[str, Any] = {}
    for k, p in enumerate(PARAMS):
        data[f"mu.{p.name}"] = np.round(hyper.mu[:, k], 5)
        data[f"sigma.{p.name}"] = np.round(hyper.sigma[:, k], 5)
    return pd.DataFrame(data)


def _num(value: float) -> str:
    if not math.isfinite(value):
        return "-"
    if abs(value) < 1:
        return f"{value:.3f}"
    if abs(value) < 100:
        return f"{value:.2f}"
    return f"{value:,.0f}"


def report_text(fit: PopulationFit, table: pd.DataFrame, base_name: str, cross: str | None = None) -> str:
    """The fit report (markdown)."""
    lines = [
        "# Population prior: fit report",
        "",
        f"Figures: `{fit.figures}`; base scenario: `{base_name}`; {fit.draws_per_cae} simulations per CAE; seed {fit.seed}.",
        f"Simulations: {fit.seconds.get('simulations', 0):.0f} s wall ({fit.seconds.get('simulation_cpu', 0):.0f} s of "
        f"simulation in the workers){' (reused from the work folder)' if fit.reused else ''}; population fit "
        f"{fit.seconds.get('population', 0):.0f} s; Metropolis acceptance {100 * fit.hyper.acceptance:.0f} %.",
        "",
        "Method and limits: docs/calibration.md (\"Population prior\").",
        "",
        "## Notes on the figures",
        "",
        *[f"- {note}" for note in fit.notes],
        "",
        "## Stage 1: per-CAE simulations",
        "",
        "| CAE | opened | figures | simulations | effective draws of its posterior |",
        "|---|---|---:|---:|---:|",
        *[f"| {s.cae.name} | {s.cae.founded} | {len(s.wanted)} | {len(s.z)} | {s.ess():.1f} |" for s in fit.sims],
        "",
        "Few effective draws mean the model reproduces that CAE's figures only in a small corner of the",
        "stage-1 prior (or not at all, a misfit the predictive check below shows). A CAE with more simulations",
        f"than the others had fewer than {REFINE_MIN_ESS:g} effective draws after two rounds and got more (`--refine-rounds`, docs/calibration.md).",
        "",
        "## Population hyperparameters (posterior)",
        "",
        "Natural scale: the median CAE's value exp(mu) (logistic(mu) for shares), and the spread across CAE",
        "(sigma, on the log or logit scale). Hyperprior: mu within the stage-1 range, sigma half-normal.",
        "",
        "| parameter | stage-1 centre | median CAE (90 % interval) | spread sigma (90 % interval) |",
        "|---|---:|---:|---:|",
    ]
    for k, p in enumerate(PARAMS):
        mu = fit.hyper.mu[:, k]
        sg = fit.hyper.sigma[:, k]
        q = [p.value(float(x)) for x in np.quantile(mu, (0.5, 0.05, 0.95))]
        s = np.quantile(sg, (0.5, 0.05, 0.95))
        lines.append(f"| {p.name}{'' if p.shipped else ' (CAE size; not shipped)'} | {_num(p.value(p.centre))} | "
                     f"{_num(q[0])} ({_num(q[1])} - {_num(q[2])}) | {s[0]:.2f} ({s[1]:.2f} - {s[2]:.2f}) |")
    lines += ["", "## The prior for a new CAE (shipped samples)", "", "| key | 5 % | median | 95 % |", "|---|---:|---:|---:|"]
    for column in fit.prior.columns:
        q = np.quantile(fit.prior[column].to_numpy(dtype=float), (0.05, 0.5, 0.95))
        lines.append(f"| `{column}` | {_num(q[0])} | {_num(q[1])} | {_num(q[2])} |")
    lines += ["", "## Posterior predictive check: every figure against its CAE's own fit", "",
              "Each CAE's own posterior under the stage-1 prior (no pooling); intervals of the published figure",
              "(the assumed observation error included). Few effective draws make these intervals narrow and rough.", ""]
    from simcoop.calibration.crossval import format_coverage

    lines.append(format_coverage(table, markdown=True))
    if cross:
        lines += ["", "## Leave-one-CAE-out cross-validation", "", cross]
    return "\n".join(lines) + "\n"


def write_outputs(fit: PopulationFit, out: Path, report: Path, base_name: str) -> list[Path]:
    """Write the prior, the hyperparameters, the fit table and the report; the paths written."""
    from simcoop.csvout import write_csv_table

    table = fit_table(fit)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(_prior_text(fit, base_name), encoding="utf-8")
    hyper_path = out.with_name(out.stem + "_hyper.csv")
    fit_path = out.with_name(out.stem + "_fit.csv")
    write_csv_table(_hyper_frame(fit.hyper), hyper_path)
    write_csv_table(table, fit_path)
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(report_text(fit, table, base_name), encoding="utf-8")
    return [out, hyper_path, fit_path, report]
