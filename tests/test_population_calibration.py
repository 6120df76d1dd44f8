"""The population prior: hierarchical ABC on published figures (simcoop.calibration.population, popfit, crossval).

Small sample counts throughout (tens of simulations on short horizons), but real runs of the engine.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import simcoop
from simcoop.calibration.crossval import coverage_summary
from simcoop.calibration.figures import CaeFigures, Figure, FiguresError, cae_scenario, read_figures, simulated_figures
from simcoop.calibration.popfit import fit_from_figures
from simcoop.calibration.population import CENTRE, PARAMS, scenario_changes
from simcoop.cli.main import main
from simcoop.executors import InlineExecutor, PoolExecutor
from simcoop.runner import default_scenario_path, run_replication

HEADER = "cae,city,founded,year,measure,value,approx,source\n"
TURNOVER = [p.name for p in PARAMS].index("turnover_factor")
TRUE_TURNOVER = math.log(1.8)  # 1.5 stage-1 scales above the centre (0): a fit that ignores the data stays near 0


@pytest.fixture(scope="module")
def base() -> simcoop.Scenario:
    return simcoop.load_scenario(default_scenario_path())


def _synthetic_figures(base: simcoop.Scenario, path: Path, n_cae: int = 6) -> None:
    """Figures made by the model itself: every CAE's turnover factor is 1.8 (the rest at the stage-1 centre)."""
    rng = np.random.default_rng(11)
    lines = [HEADER]
    for k in range(n_cae):
        name = f"Synth {k}"
        z = CENTRE.copy()
        z[TURNOVER] = TRUE_TURNOVER + 0.05 * rng.standard_normal()
        cae = CaeFigures(name, f"{2018 + k % 2}-01", [Figure(name, 2021, "turnover_eur", 1.0, False, 0, "")])
        scenario = cae_scenario(base, cae)
        drawn = scenario.replace(scenario_changes(scenario, z))
        wanted = [(2020, "supported"), (2020, "turnover_eur"), (2021, "supported"), (2021, "turnover_eur")]
        values = simulated_figures(run_replication(drawn, 99, k), scenario.meta.start_month, scenario.meta.horizon_months, wanted)
        for (year, measure), value in zip(wanted, values, strict=True):
            # The file's euros are deflated to the model's 2024 prices: write them in euros of their year.
            value = value / (1 + 0.0165) ** (2024 - year) if measure == "turnover_eur" else value
            lines.append(f"{name},X,{cae.founded},{year},{measure},{value:.0f},no,synthetic\n")
    path.write_text("".join(lines), encoding="utf-8")


def test_recovers_a_known_population_turnover(base: simcoop.Scenario, tmp_path: Path) -> None:
    figures = tmp_path / "synthetic.csv"
    _synthetic_figures(base, figures)
    fit = fit_from_figures(figures, base, 40, 5, InlineExecutor(), hyper_draws=300, burn=300, prior_samples=200)
    mu = fit.hyper.mu[:, TURNOVER]
    # The population's median turnover factor moves from the prior's 1.0 to the truth's 1.8.
    assert abs(float(mu.mean()) - TRUE_TURNOVER) < 0.25, float(np.exp(mu.mean()))
    # and the shipped samples of a new CAE's turnover follow it (conseil_formation: 20 000 at factor 1).
    medians = fit.prior["activities.sectors.conseil_formation.turnover_median_eur_per_year"]
    assert 27_000 < float(medians.median()) < 46_000


def _three_cae(tmp_path: Path) -> Path:
    path = tmp_path / "three.csv"
    path.write_text(
        "# three small CAE, short horizons\n" + HEADER
        + "A,X,2019-01,2020,supported,40,no,test\nA,X,2019-01,2020,turnover_eur,500000,approx,test\n"
        + "B,X,2019-06,2020,salaried,12,no,test\nB,X,2019-06,2020,entries,25,approx,test\n"
        + "C,X,2018-01,2020,supported,70,approx,test\nC,X,2018-01,2020,exits_share_own_company,0.25,approx,test\n",
        encoding="utf-8",
    )
    return path


def test_cross_validation_predicts_every_left_out_figure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import pandas as pd

    path = _three_cae(tmp_path)
    out = tmp_path / "cv.csv"
    args = ["backtest", "--cross-validate", str(path), "--draws", "12", "--per-cae", "8", "-s", "3", "-o", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "coverage 90%" in printed and "overall" in printed
    table = pd.read_csv(out)
    assert len(table) == 6 and set(table["cae"]) == {"A", "B", "C"}
    assert (table["p05"] <= table["median"]).all() and (table["median"] <= table["p95"]).all()
    summary = coverage_summary(table)
    overall = summary[summary["measure"] == "overall"].iloc[0]
    assert overall.figures == 6
    assert f"{100 * overall.coverage_90:.0f}% of 6 left-out figures" in printed


def test_same_seed_same_prior_whatever_the_jobs(base: simcoop.Scenario, tmp_path: Path) -> None:
    path = _three_cae(tmp_path)
    one = fit_from_figures(path, base, 6, 8, InlineExecutor(), hyper_draws=20, burn=20, prior_samples=20)
    two = fit_from_figures(path, base, 6, 8, PoolExecutor(2), hyper_draws=20, burn=20, prior_samples=20)
    for a, b in zip(one.sims, two.sims, strict=True):
        np.testing.assert_array_equal(a.simulated, b.simulated)
    assert one.prior.equals(two.prior)


def test_calibrate_observed_writes_the_prior_and_reuses_its_simulations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _three_cae(tmp_path)
    out = tmp_path / "prior.csv"
    args = ["calibrate", "--observed", str(path), "-n", "4", "--out", str(out), "--work", str(tmp_path / "w")]
    assert main(args) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# simcoop population prior")
    prior = simcoop.csvfile.read_table(out, comments=True)
    assert "pathway.entry_share" in prior.header and "territory.accueils_multiplier" in prior.header
    report = (tmp_path / "prior_fit_report.md").read_text(encoding="utf-8")
    assert "| simulations | effective draws of its posterior |" in report
    assert "| A | 2019-01 | 2 | 4 |" in report  # no extra round unless asked
    assert main([*args, "--force"]) == 0
    assert "reused" in capsys.readouterr().out


def test_bad_figures_name_file_line_and_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "A,X,2019,2020,supported,40,no,s\nA,X,2019,2020,happiness,3,no,s\n", encoding="utf-8")
    with pytest.raises(FiguresError, match=r"bad.csv:3: measure: unknown measure .happiness."):
        read_figures(path)
    assert main(["calibrate", "--observed", str(path), "--out", str(tmp_path / "p.csv")]) == 2
    err = capsys.readouterr().err
    assert "bad.csv" in err and "happiness" in err and "allowed" in err


def test_shipped_prior_is_a_priors_file_for_the_reference(base: simcoop.Scenario) -> None:
    from simcoop.csvfile import read_table

    path = Path(simcoop.__file__).parent / "data" / "population_prior.csv"
    table = read_table(path, comments=True)
    rows = table.records()
    assert len(rows) >= 500
    # Every column is a key of the reference, and a row applied to it validates.
    _, first = rows[0]
    changed = base.replace({k: float(v) if "." in v else int(v) for k, v in first.items()})
    assert changed.pathway.entry_share == pytest.approx(float(first["pathway.entry_share"]))


def test_the_average_cae_constrains_the_population_mean_jointly() -> None:
    """National totals describe the average CAE: its figures hold the population's mean, along their ridge.

    A published split that only fixes turnover *relative to* direct CESA entries (a ridge) must hold for
    mu itself, while a big CAE's high turnover pulls one coordinate: mu moves along the ridge, not off it.
    """
    from simcoop.calibration.figures import NATIONAL
    from simcoop.calibration.population import CaeSims, fit_population, log_normal_pdf

    k_turnover = [p.name for p in PARAMS].index("turnover_factor")
    k_direct = [p.name for p in PARAMS].index("direct_cesa_share")
    rng = np.random.default_rng(5)
    from simcoop.calibration.population import SCALE

    def unit(name: str, measure: str, observed: float, figure) -> CaeSims:  # type: ignore[no-untyped-def]
        z = CENTRE + SCALE * rng.standard_normal((3000, len(PARAMS)))
        cae = CaeFigures(name, "2008-01", [Figure(name, 2019, measure, observed, False, 0, "")])
        return CaeSims(cae, z, log_normal_pdf(z, CENTRE, SCALE), figure(z)[:, None], [(2019, measure)],
                       np.array([observed]), np.array([0.1]))

    ridge = lambda z: z[:, k_turnover] + (z[:, k_direct] - CENTRE[k_direct])  # noqa: E731
    average = unit(NATIONAL, "salaried_share", 0.5, lambda z: 1 / (1 + np.exp(-ridge(z))))
    big = unit("Big", "turnover_eur", 1.5e6, lambda z: 1e6 * np.exp(z[:, k_turnover]))
    hyper = fit_population([big, average], 3, draws=400, burn=400)
    # turnover is on the log scale: the average CAE's is the mean of a lognormal, mu + sigma^2 / 2
    average_turnover = hyper.mu[:, k_turnover] + 0.5 * hyper.sigma[:, k_turnover] ** 2
    on_ridge = average_turnover + hyper.mu[:, k_direct] - CENTRE[k_direct]
    assert abs(float(on_ridge.mean())) < 0.1, float(on_ridge.mean())
    # The big CAE still pulls turnover up (log 1.5 = 0.41), and the ridge takes direct entries down with it.
    assert float(average_turnover.mean()) > 0.1
    assert float(hyper.mu[:, k_direct].mean()) < CENTRE[k_direct] - 0.1


def test_national_split_is_read_as_the_share_it_is() -> None:
    """2019's 6,200 salaried of 11,750 entrepreneurs: a share (exact tolerance), not 40 salaried per average CAE."""
    from simcoop.calibration.figures import NATIONAL

    caes, notes = read_figures(Path(simcoop.__file__).parent / "data" / "cae_public_figures.csv")
    average = next(c for c in caes if c.name == NATIONAL)
    by_key = {(f.year, f.measure): f for f in average.figures}
    assert (2019, "salaried") not in by_key
    share = by_key[(2019, "salaried_share")]
    assert share.value == pytest.approx(6200 / 11750) and not share.approx
    assert (2014, "salaried") in by_key and by_key[(2014, "salaried")].approx  # no total of entrepreneurs in 2014
    assert any("salaried_share" in n or "share of entrepreneurs-salaries" in n for n in notes)


def _toy_chunk(scenario, root, start, horizon, wanted, rows, z):  # type: ignore[no-untyped-def]
    """A stand-in for the engine whose posterior is known: the CAE's accueils are exactly exp(z_accueils)."""
    return rows, np.exp(z[:, :1]).repeat(len(wanted), axis=1), 0.0


def test_third_round_locates_a_cae_far_in_the_tail(base: simcoop.Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    """A big CAE (2.5 stage-1 sds above the centre) has few effective draws after two rounds; the third
    round, weighted by the mixture of its three proposals, recovers the exact (conjugate) posterior."""
    from simcoop.calibration import population
    from simcoop.calibration.population import (
        REFINE_MIN_ESS, SCALE, TOL_EXACT, log_normal_pdf, mixture_proposal_log_q, refine_cae, simulate_cae,
    )

    monkeypatch.setattr(population, "simulate_chunk", _toy_chunk)
    observed = math.exp(CENTRE[0] + 2.5 * SCALE[0])
    cae = CaeFigures("Big", "2015-01", [Figure("Big", 2020, "accueils", observed, False, 1, "")])
    plans = simulate_cae(base, [cae], 60, 7, InlineExecutor())
    plan = plans[0]
    before = plan.ess()
    assert before < REFINE_MIN_ESS
    two_rounds = plan.log_q.copy()
    refined = refine_cae(plans, [cae_scenario(base, cae)], 60, 7, InlineExecutor())
    assert refined == ["Big"] and len(plan.z) == 120 and len(plan.proposals) == 3
    # Every draw is weighted by the mixture of all three proposals (each by its share of the draws).
    count1, mean1, sd1 = plan.proposals[0]
    assert count1 == 30 and np.allclose(mean1, CENTRE) and np.allclose(sd1, SCALE)
    expected = np.logaddexp.reduce(np.stack([math.log(c / 120) + log_normal_pdf(plan.z, m, s) for c, m, s in plan.proposals]), axis=0)
    np.testing.assert_allclose(plan.log_q, expected)
    assert not np.allclose(plan.log_q[:60], two_rounds)  # the first draws' weights changed with the new mixture
    np.testing.assert_allclose(mixture_proposal_log_q(plan.z[:60], plan.proposals[:2]), two_rounds)
    assert plan.ess() > max(2 * before, REFINE_MIN_ESS)
    # Conjugate normal: prior N(c, s), likelihood N(log observed | z, tol).
    c, s, tol = CENTRE[0], SCALE[0], TOL_EXACT
    exact_mean = (c / s**2 + math.log(observed) / tol**2) / (1 / s**2 + 1 / tol**2)
    exact_sd = (1 / s**2 + 1 / tol**2) ** -0.5
    w = np.exp(population.cae_log_weights(plan) + log_normal_pdf(plan.z, CENTRE, SCALE) - plan.log_q)
    w /= w.sum()
    mean = float(w @ plan.z[:, 0])
    assert abs(mean - exact_mean) < 0.5 * exact_sd, (mean, exact_mean)
    sd = math.sqrt(float(w @ (plan.z[:, 0] - mean) ** 2))
    assert 0.6 * exact_sd < sd < 1.5 * exact_sd, (sd, exact_sd)
    # Located now: a further round leaves it alone; one forced anyway keeps every proposal in the mixture.
    assert refine_cae(plans, [cae_scenario(base, cae)], 60, 7, InlineExecutor()) == []
    assert refine_cae(plans, [cae_scenario(base, cae)], 60, 7, InlineExecutor(), min_ess=1e9) == ["Big"]
    assert len(plan.z) == 180 and len(plan.proposals) == 4 and sum(c for c, _, _ in plan.proposals) == 180
    assert plan.ess() > REFINE_MIN_ESS


def test_third_round_leaves_well_located_cae_alone(base: simcoop.Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    from simcoop.calibration import population
    from simcoop.calibration.population import refine_cae, simulate_cae

    monkeypatch.setattr(population, "simulate_chunk", _toy_chunk)
    # A typical CAE, observed loosely (approx): most draws of pi0 fit it.
    cae = CaeFigures("Typical", "2015-01", [Figure("Typical", 2020, "accueils", math.exp(CENTRE[0]), True, 1, "")])
    plans = simulate_cae(base, [cae], 80, 7, InlineExecutor())
    z, log_q = plans[0].z.copy(), plans[0].log_q.copy()
    assert refine_cae(plans, [cae_scenario(base, cae)], 40, 7, InlineExecutor()) == []
    np.testing.assert_array_equal(plans[0].z, z)
    np.testing.assert_allclose(plans[0].log_q, log_q)


def test_refine_rounds_add_draws_to_the_cae_few_draws_locate(tmp_path: Path) -> None:
    path = _three_cae(tmp_path)
    out = tmp_path / "prior.csv"
    args = ["calibrate", "--observed", str(path), "-n", "4", "--out", str(out), "--work", str(tmp_path / "w"), "--refine-rounds", "2"]
    assert main(args) == 0
    report = (tmp_path / "prior_fit_report.md").read_text(encoding="utf-8")
    # Four draws never give 30 effective draws: each CAE gets two rounds of two more.
    assert "| A | 2019-01 | 2 | 8 |" in report and "| C | 2018-01 | 2 | 8 |" in report
    assert "2 more a round, up to 2 round(s)" in out.read_text(encoding="utf-8")
    # The rounds are kept in the work folder: a second run reuses all of them.
    assert len(list((tmp_path / "w").glob("stage1_*round*.pickle"))) == 2
