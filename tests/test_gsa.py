"""Global sensitivity analysis (``simcoop.studies.gsa``, ``simcoop sensitivity``): SALib on replication means.

Model runs use the reference scenario cut to 24 months, a few Morris trajectories and two
replications per point: enough to check ranking, files and reproducibility, fast.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import simcoop
from simcoop.studies import gsa
from simcoop.cli import main
from tests.conftest import SCENARIOS

SHORT = {"meta.horizon_months": 24}


@pytest.fixture(scope="module")
def reference_short() -> simcoop.Scenario:
    """The reference, shortened, at its central values: without uncertain keys, the defaults are DEFAULT_GSA_KEYS
    (tests/test_uncertainty.py checks that the declared distributions are the defaults of an uncertain scenario)."""
    from simcoop.draws import fixed_parameters

    return fixed_parameters(simcoop.load_scenario(SCENARIOS / "reference.yaml").replace(SHORT))


def _write(scenario: simcoop.Scenario, path: Path) -> Path:
    path.write_text(yaml.safe_dump(scenario.to_dict(), allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- problem


def test_parse_param() -> None:
    assert gsa.parse_param("cooperative.contribution.rate=0.08:0.12") == ("cooperative.contribution.rate", 0.08, 0.12)
    assert gsa.parse_param("activities.sectors.*.turnover_median_eur_per_year=0.8:1.2")[0].endswith(
        "*.turnover_median_eur_per_year"
    )
    for bad, message in (
        ("a.b", "expected key.path=low:high"),
        ("a=x:1", "must be numbers"),
        ("a=2:1", "low must be below high"),
    ):
        with pytest.raises(ValueError, match=message):
            gsa.parse_param(bad)


def test_default_parameters_are_eight_assumptions_around_the_scenario(reference_short: simcoop.Scenario) -> None:
    params = gsa.default_parameters(reference_short)
    assert [k for k, _, _ in params] == list(gsa.DEFAULT_GSA_KEYS)
    rate = {k: (lo, hi) for k, lo, hi in params}["cooperative.contribution.rate"]
    assert rate[0] < reference_short.cooperative.contribution.rate < rate[1]
    assert gsa.check_parameters(reference_short, params) == []


def test_check_parameters_names_the_problem(reference_short: simcoop.Scenario) -> None:
    with pytest.raises(KeyError, match="cooperative.contribution.rat: no such key; did you mean 'rate'"):
        gsa.check_parameters(reference_short, [("cooperative.contribution.rat", 0.08, 0.12)])
    with pytest.raises(ValueError, match="outside the field's allowed range"):
        gsa.check_parameters(reference_short, [("cooperative.contribution.rate", 0.08, 1.5)])
    with pytest.raises(ValueError, match="parameter given twice"):
        gsa.problem([("a", 0, 1), ("a", 0, 2)])


def test_scenario_at_sets_plain_keys_and_multiplies_grouped_ones(reference_short: simcoop.Scenario) -> None:
    key = "activities.sectors.*.turnover_median_eur_per_year"
    moved = gsa.scenario_at(reference_short, ["cooperative.contribution.rate", key], [0.11, 1.2])
    assert moved.cooperative.contribution.rate == 0.11
    for before, after in zip(reference_short.activities.sectors, moved.activities.sectors, strict=True):
        assert after.turnover_median_eur_per_year == pytest.approx(1.2 * before.turnover_median_eur_per_year)


# --------------------------------------------------------------------------- analysis on known functions


def test_morris_ranks_a_known_function() -> None:
    problem = gsa.problem([("x1", 0, 1), ("x2", 0, 1), ("x3", 0, 1)])
    X = gsa.sample(problem, "morris", 20, seed=1)
    Y = pd.DataFrame({"y": 10 * X[:, 0] + X[:, 1]})
    table = gsa.analyze(problem, "morris", X, Y, seed=1)
    assert list(table["parameter"]) == ["x1", "x2", "x3"]
    assert list(table["rank"]) == [1, 2, 3]
    assert table["mu_star"].tolist() == pytest.approx([10, 1, 0])
    assert table["sigma"].tolist() == pytest.approx([0, 0, 0], abs=1e-9)  # additive: no interaction


def test_sobol_on_a_two_parameter_toy() -> None:
    # y = 4 x1 + x2 on the unit square: Var = 16/12 + 1/12, so S1 = ST = 16/17 and 1/17.
    problem = gsa.problem([("x1", 0, 1), ("x2", 0, 1)])
    X = gsa.sample(problem, "sobol", 256, seed=2)
    assert X.shape == (256 * (2 * 2 + 2), 2)
    table = gsa.analyze(problem, "sobol", X, pd.DataFrame({"y": 4 * X[:, 0] + X[:, 1]}), seed=2).set_index("parameter")
    assert table.loc["x1", "S1"] == pytest.approx(16 / 17, abs=0.05)
    assert table.loc["x1", "ST"] == pytest.approx(16 / 17, abs=0.05)
    assert table.loc["x2", "ST"] == pytest.approx(1 / 17, abs=0.05)
    assert table.loc["x1", "rank"] == 1
    assert (table[["S1_conf", "ST_conf"]] >= 0).all().all()
    with pytest.raises(ValueError, match="power of 2"):
        gsa.sample(problem, "sobol", 10)


def test_constant_and_missing_outputs_are_flagged() -> None:
    problem = gsa.problem([("x1", 0, 1), ("x2", 0, 1)])
    X = gsa.sample(problem, "morris", 4, seed=3)
    Y = pd.DataFrame({"flat": np.ones(len(X)), "holes": np.where(X[:, 0] > 0.5, np.nan, 1.0)})
    table = gsa.analyze(problem, "morris", X, Y, seed=3).set_index(["output", "parameter"])
    assert (table.loc["flat", "note"] == "constant").all() and (table.loc["flat", "mu_star"] == 0).all()
    assert (table.loc["holes", "note"] == "missing values").all() and table.loc["holes", "mu_star"].isna().all()


# --------------------------------------------------------------------------- on the model


def test_sobol_on_the_model_is_reproducible(reference_short: simcoop.Scenario) -> None:
    params = [("cooperative.contribution.rate", 0.08, 0.12), ("cooperative.overheads_eur_per_month", 1500, 3500)]
    outputs = ["min_coop_treasury_eur", "insolvency_probability"]
    first = gsa.run_gsa(reference_short, params, "sobol", outputs, replications=1, samples=2, seed=7)
    again = gsa.run_gsa(reference_short, params, "sobol", outputs, replications=1, samples=2, seed=7)
    assert first.X.shape == (2 * 6, 2)
    pd.testing.assert_frame_equal(first.indices, again.indices)
    pd.testing.assert_frame_equal(first.Y, again.Y)
    assert set(first.indices["output"]) == {"min_coop_treasury_eur", "insolvency_probability"}


def test_morris_cli_on_the_reference_ranks_and_writes_chart_and_csv(
    reference_short: simcoop.Scenario, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(reference_short, tmp_path / "reference_24.yaml")
    out = tmp_path / "gsa"
    argv = ["sensitivity", str(path), "--samples", "3", "-n", "2", "-s", "11", "-o", str(out)]
    assert main([*argv, "-q"]) == 0
    indices = pd.read_csv(out / "morris_indices.csv")
    assert list(indices.columns) == ["output", "parameter", "rank", "mu_star", "mu_star_conf", "mu", "sigma", "note"]
    assert set(indices["parameter"]) == set(gsa.DEFAULT_GSA_KEYS)
    assert list(indices["rank"]) == list(range(1, 9))
    assert indices["mu_star"].is_monotonic_decreasing and indices["mu_star"].iloc[0] > 0
    assert (indices["mu_star_conf"] >= 0).all()
    assert (out / "morris.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    samples = pd.read_csv(out / "morris_samples.csv")
    assert len(samples) == 3 * 9 and "min_coop_treasury_eur" in samples
    manifest = json.loads((out / "morris.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 11 and manifest["points"] == 27 and manifest["replications_per_point"] == 2
    first = (out / "morris_indices.csv").read_bytes()
    # The same analysis may be written again (same bytes: same seed); a different one needs --force.
    assert main([*argv, "-q"]) == 0
    assert (out / "morris_indices.csv").read_bytes() == first
    capsys.readouterr()
    assert main(["sensitivity", str(path), "--samples", "4", "-n", "2", "-o", str(out), "-q"]) == 2
    assert "use --force" in capsys.readouterr().err


def test_cli_force_never_replaces_files_that_are_not_simcoops(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A user's morris.png in OUTDIR (no simcoop morris.json beside it) is kept, even with --force."""
    out = tmp_path / "mine"
    out.mkdir()
    (out / "morris.png").write_bytes(b"my own chart")
    reference = str(SCENARIOS / "reference.yaml")
    assert main(["sensitivity", reference, "-n", "1", "--samples", "2", "-o", str(out), "-q", "--force"]) == 2
    assert "never replaced, even with --force" in capsys.readouterr().err
    assert (out / "morris.png").read_bytes() == b"my own chart"


def test_cli_rejects_bad_params_before_running(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reference = str(SCENARIOS / "reference.yaml")
    assert (
        main(["sensitivity", reference, "--params", "cooperative.contribution.rat=0.08:0.12", "-o", str(tmp_path)]) == 2
    )
    assert "did you mean 'rate'" in capsys.readouterr().err
    assert main(["sensitivity", reference, "--output", "nope", "-o", str(tmp_path)]) == 2
    assert "unknown --output nope" in capsys.readouterr().err
    assert main(["sensitivity", reference, "--method", "sobol", "--samples", "10", "-o", str(tmp_path)]) == 2
    assert "power of 2" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())
