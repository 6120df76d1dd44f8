"""Uncertain parameters: distribution-valued keys, joint samples, per-replication draws (issue 14)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import simcoop
from simcoop.cli import main
from simcoop.draws import draw_parameters, fixed_parameters, replication_scenario
from simcoop.results import load_results
from simcoop.scenario import ScenarioError
from simcoop.scenario.edit import derive_scenario
from tests.conftest import SCENARIOS as SCENARIOS_DIR
from tests.conftest import reference_data

UNCERTAIN = {
    "territory": {"accueils_per_year_at_maturity": {"dist": "lognormal", "median": 150, "sigma": 0.3}},
    "pathway": {
        "entry_share": {"dist": "beta", "mean": 0.3, "sd": 0.05},
        "exits": {"cesa_rate_per_year": {"dist": "triangular", "low": 0.2, "high": 0.5, "mode": 0.35}},
    },
}


def _data(**extra: object) -> dict:
    data = copy.deepcopy(reference_data())
    data.pop("creation", None)
    data.pop("uncertainty", None)
    data.pop("variants", None)
    data["meta"]["horizon_months"] = 24
    data["meta"]["name"] = "uncertain"
    data["territory"]["accueils_per_year_at_maturity"] = UNCERTAIN["territory"]["accueils_per_year_at_maturity"]
    data["pathway"]["entry_share"] = UNCERTAIN["pathway"]["entry_share"]
    data["pathway"]["exits"]["cesa_rate_per_year"] = UNCERTAIN["pathway"]["exits"]["cesa_rate_per_year"]
    data["activities"]["sectors"][0]["turnover_median_eur_per_year"] = {"dist": "normal", "mean": 20000, "sd": 3000, "low": 5000}
    data.update(extra)
    return data


def _write(tmp_path: Path, data: dict, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def test_a_scenario_with_distributions_validates_at_its_central_values(tmp_path: Path) -> None:
    path = _write(tmp_path, _data())
    assert main(["validate", str(path)]) == 0
    scenario = simcoop.load_scenario(path)
    assert scenario.pathway.entry_share == 0.3  # beta: its mean
    assert scenario.territory.accueils_per_year_at_maturity == 150  # lognormal: its median
    assert scenario.pathway.exits.cesa_rate_per_year == 0.35  # triangular: its mode
    assert set(scenario.uncertainty.distributions) == {
        "territory.accueils_per_year_at_maturity",
        "pathway.entry_share",
        "pathway.exits.cesa_rate_per_year",
        "activities.sectors.conseil_formation.turnover_median_eur_per_year",  # list items named by their name
    }


def test_run_writes_one_draw_per_replication_and_jobs_do_not_matter(tmp_path: Path) -> None:
    scenario = simcoop.load_scenario(_write(tmp_path, _data()))
    one = simcoop.simulate(scenario, replications=6, seed=11, jobs=1)
    two = simcoop.simulate(scenario, replications=6, seed=11, jobs=2)
    for name in ("kpis", "monthly", "events", "parameters"):
        pd.testing.assert_frame_equal(getattr(one, name), getattr(two, name), check_exact=True, obj=name)
    params = one.parameters
    assert list(params["replication"]) == list(range(6))
    assert params["pathway.entry_share"].nunique() == 6  # each replication drew its own
    assert ((params["pathway.exits.cesa_rate_per_year"] >= 0.2) & (params["pathway.exits.cesa_rate_per_year"] <= 0.5)).all()
    # the draws are the run's inputs: replication 2 ran on exactly these values
    drawn = replication_scenario(scenario, 11, 2)
    assert drawn.pathway.entry_share == params.loc[2, "pathway.entry_share"]
    assert drawn.uncertainty.empty
    alone = simcoop.simulate(drawn, replications=3, seed=11)
    pd.testing.assert_frame_equal(
        alone.kpis[alone.kpis["replication"] == 2].drop(columns="scenario").reset_index(drop=True),
        one.kpis[one.kpis["replication"] == 2].drop(columns="scenario").reset_index(drop=True),
        check_exact=True,
    )
    folder = one.save(tmp_path / "out")
    saved = pd.read_parquet(folder / "parameters.parquet")
    assert len(saved) == 6
    pd.testing.assert_frame_equal(load_results(folder).parameters, params, check_exact=True)
    assert "parameters" in json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["tables"]


def test_a_replication_s_scenario_is_the_scenario_replace_gives_with_its_draws(tmp_path: Path) -> None:
    """Only the models on the drawn keys' paths are validated again: the result is ``replace``'s, value for value and type for type."""
    uncertain = simcoop.load_scenario(_write(tmp_path, _data()))
    reference = simcoop.load_scenario(SCENARIOS_DIR / "reference.yaml")  # joint samples, whole-month keys rounded
    for scenario in (uncertain, reference):
        for r in range(8):
            drawn = replication_scenario(scenario, 3, r)
            expected = fixed_parameters(scenario).replace(draw_parameters(scenario, 3, r))
            assert repr(drawn) == repr(expected)  # repr tells 3 from 3.0
            assert drawn == expected and drawn.scenario_hash() == expected.scenario_hash()
            assert drawn.uncertainty.empty


def test_the_draws_differ_between_replications_and_follow_the_distribution(tmp_path: Path) -> None:
    scenario = simcoop.load_scenario(_write(tmp_path, _data()))
    shares = np.array([draw_parameters(scenario, 5, r)["pathway.entry_share"] for r in range(400)])
    assert abs(shares.mean() - 0.3) < 0.01 and abs(shares.std() - 0.05) < 0.01
    medians = np.array([draw_parameters(scenario, 5, r)["territory.accueils_per_year_at_maturity"] for r in range(400)])
    assert 135 < np.median(medians) < 165


def test_a_variant_keeps_the_other_keys_draws(tmp_path: Path) -> None:
    base = simcoop.load_scenario(_write(tmp_path, _data()))
    variant = derive_scenario(base, name="v", overrides={"pathway.entry_share": {"dist": "beta", "mean": 0.4, "sd": 0.05}})
    fixed = derive_scenario(base, name="f", overrides={"pathway.exits.cesa_rate_per_year": 0.3})
    for r in range(5):
        a, b, c = draw_parameters(base, 3, r), draw_parameters(variant, 3, r), draw_parameters(fixed, 3, r)
        for key in ("territory.accueils_per_year_at_maturity", "pathway.exits.cesa_rate_per_year"):
            assert a[key] == b[key]
        assert b["pathway.entry_share"] > a["pathway.entry_share"]  # the same quantile of a higher distribution
        assert "pathway.exits.cesa_rate_per_year" not in c  # a number fixes the key ...
        assert c["pathway.entry_share"] == a["pathway.entry_share"]  # ... and leaves the others' draws
    assert fixed.pathway.exits.cesa_rate_per_year == 0.3


def test_replace_fixes_a_key_given_a_number_and_makes_it_uncertain_given_a_distribution(tmp_path: Path) -> None:
    scenario = simcoop.load_scenario(_write(tmp_path, _data()))
    fixed = scenario.replace({"pathway.entry_share": 0.25})
    assert fixed.pathway.entry_share == 0.25 and "pathway.entry_share" not in fixed.uncertainty.keys
    again = fixed.replace({"pathway.entry_share": {"dist": "uniform", "low": 0.1, "high": 0.2}})
    assert again.pathway.entry_share == pytest.approx(0.15) and "pathway.entry_share" in again.uncertainty.keys
    central = fixed_parameters(scenario)
    assert central.uncertainty.empty and central.pathway.entry_share == 0.3
    assert simcoop.simulate(central, replications=2, seed=1).parameters is None


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ({"dist": "gamma", "shape": 2}, "unknown distribution 'gamma'; allowed: {dist: uniform, low, high}"),
        ({"dist": "uniform", "low": 0.5, "high": 0.2}, "low (0.5) must be below high (0.2)"),
        ({"dist": "beta", "mean": 0.3}, "sd is missing (expected {dist: beta, mean, sd} (shares))"),
        ({"dist": "lognormal", "median": 0.3, "sigma": 0.2, "sd": 1}, "sd: not a parameter of lognormal"),
        ({"dist": "normal", "mean": 0.3, "sd": 0.2}, "goes outside the key's bounds [0, 1]; truncate it"),
        ({"dist": "uniform", "low": 0.5, "high": 1.5}, "the distribution's support [0.5, 1.5] goes outside the key's bounds [0, 1]"),
    ],
)
def test_a_bad_distribution_is_reported_at_its_line_and_key(tmp_path: Path, value: dict, fragment: str) -> None:
    data = _data()
    data["pathway"]["entry_share"] = value
    path = _write(tmp_path, data)
    with pytest.raises(ScenarioError) as info:
        simcoop.load_scenario(path)
    problems = [p for p in info.value.problems if "entry_share" in p.key_path]
    assert problems, info.value.problems
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if text.strip().startswith("entry_share"))
    assert problems[0].line == line
    assert fragment in problems[0].message


def test_a_distribution_on_a_key_that_is_not_a_number_is_refused(tmp_path: Path) -> None:
    data = _data()
    data["meta"]["territory_name"] = {"dist": "uniform", "low": 1, "high": 2}
    with pytest.raises(ScenarioError, match="a distribution is allowed only for a numeric key"):
        simcoop.load_scenario(_write(tmp_path, data))


def test_a_priors_file_sets_its_keys_jointly_except_the_fixed_and_own_distributions(tmp_path: Path) -> None:
    (tmp_path / "post.csv").write_text(
        "# a posterior\npathway.entry_share,pathway.exits.cape_rate_per_year,pathway.cape.renewal_probability\n"
        "0.2,0.3,0.6\n0.25,0.4,0.7\n0.3,0.5,0.8\n",
        encoding="utf-8",
    )
    data = _data(uncertainty={"priors_file": "post.csv", "fixed": ["pathway.cape.renewal_probability"]})
    scenario = simcoop.load_scenario(_write(tmp_path, data))
    joint = scenario.uncertainty.joint
    assert joint is not None and joint.columns == ("pathway.exits.cape_rate_per_year",)  # own distribution, fixed: left out
    assert scenario.pathway.exits.cape_rate_per_year == 0.35  # the written number stays the central value
    rows = {draw_parameters(scenario, 8, r)["pathway.exits.cape_rate_per_year"] for r in range(40)}
    assert rows == {0.3, 0.4, 0.5}
    assert "pathway.cape.renewal_probability" not in draw_parameters(scenario, 8, 0)


def test_an_unknown_column_of_a_priors_file_names_the_file_the_column_and_what_is_allowed(tmp_path: Path) -> None:
    (tmp_path / "post.csv").write_text("pathway.entry_shar,meta.name\n0.2,1\n", encoding="utf-8")
    data = _data(uncertainty={"priors_file": "post.csv"})
    with pytest.raises(ScenarioError) as info:
        simcoop.load_scenario(_write(tmp_path, data))
    text = "\n".join(str(p) for p in info.value.problems)
    assert "post.csv: column 'pathway.entry_shar' is not a numeric key of this scenario; allowed: any numeric key" in text
    assert "column 'meta.name'" in text


def test_a_priors_file_value_outside_the_keys_bounds_is_refused(tmp_path: Path) -> None:
    (tmp_path / "post.parquet").parent.mkdir(exist_ok=True)
    pd.DataFrame({"pathway.cape.renewal_probability": [0.5, 1.2]}).to_parquet(tmp_path / "post.parquet")
    with pytest.raises(ScenarioError, match=r"holds values from 0.5 to 1.2, which goes outside the key's bounds \[0, 1\]"):
        simcoop.load_scenario(_write(tmp_path, _data(uncertainty={"priors_file": "post.parquet"})))


def test_the_reference_draws_from_the_shipped_population_prior() -> None:
    from simcoop.runner import default_scenario_path

    reference = simcoop.load_scenario(default_scenario_path())
    joint = reference.uncertainty.joint
    assert reference.uncertainty.population_prior and joint is not None
    assert "pathway.entry_share" in joint.columns and len(joint.rows) >= 500
    assert reference.pathway.entry_share == 0.3  # the written number: the central value
    drawn = [draw_parameters(reference, reference.simulation.seed, r) for r in range(3)]
    assert len({d["pathway.entry_share"] for d in drawn}) == 3


def test_fixed_parameters_on_the_command_line_runs_the_central_values(tmp_path: Path) -> None:
    path = _write(tmp_path, _data())
    assert main(["run", str(path), "-n", "2", "-q", "-o", str(tmp_path / "a")]) == 0
    assert main(["run", str(path), "-n", "2", "-q", "-o", str(tmp_path / "b"), "--fixed-parameters"]) == 0
    assert (tmp_path / "a" / "parameters.parquet").is_file()
    assert not (tmp_path / "b" / "parameters.parquet").exists()
    assert load_results(tmp_path / "b").scenario.uncertainty.empty
    # the command line's run (chunked into its work folder) ran on the draws it saved: the same as simulate()
    scenario = simcoop.load_scenario(path)
    direct = simcoop.simulate(scenario, replications=2)
    pd.testing.assert_frame_equal(load_results(tmp_path / "a").kpis, direct.kpis, check_exact=True)
    central = simcoop.simulate(fixed_parameters(scenario), replications=2)
    pd.testing.assert_frame_equal(load_results(tmp_path / "b").kpis, central.kpis, check_exact=True)
    assert not load_results(tmp_path / "a").kpis.equals(load_results(tmp_path / "b").kpis)


def test_the_json_schema_lets_a_number_be_a_distribution(capsys: pytest.CaptureFixture[str]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    data = _data()
    jsonschema.validate(data, schema)
    data["pathway"]["entry_share"] = {"dist": "weibull", "k": 2}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def test_global_sensitivity_varies_the_declared_distributions_by_default(tmp_path: Path) -> None:
    from simcoop.studies.gsa import default_parameters, scenario_at

    scenario = simcoop.load_scenario(_write(tmp_path, _data()))
    params = {key: (low, high) for key, low, high in default_parameters(scenario)}
    assert set(params) == set(scenario.uncertainty.distributions)
    assert params["pathway.exits.cesa_rate_per_year"] == (0.2, 0.5)  # triangular: its whole range
    low, high = params["pathway.entry_share"]
    assert 0.2 < low < 0.3 < high < 0.4  # beta: its central 90 %
    point = scenario_at(scenario, ["pathway.entry_share"], [0.35])
    assert point.pathway.entry_share == 0.35 and "pathway.entry_share" not in point.uncertainty.keys
    assert "pathway.exits.cesa_rate_per_year" in point.uncertainty.keys  # the others are still drawn


def test_the_parameters_share_of_the_variance_is_estimated_from_the_runs_own_draws() -> None:
    from simcoop.report.unknowns import parameter_share

    rng = np.random.default_rng(0)
    x = rng.uniform(size=(400, 3))
    driven = 3 * x[:, 0] + x[:, 1] ** 2 + rng.normal(0, 0.1, 400)
    assert parameter_share(driven, x) > 0.95
    assert parameter_share(rng.normal(size=400), x) < 0.05
    half = x[:, 0] + rng.normal(0, x[:, 0].std(), 400)  # as much chance as parameter
    assert 0.4 < parameter_share(half, x) < 0.6
    assert parameter_share(np.ones(400), x) is None  # nothing to decompose


def test_drawn_parameters_that_break_a_rule_stop_the_run_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _data()
    data["activities"]["sectors"][0]["turnover_median_eur_per_year"] = 20000
    share = data["activities"]["sectors"][0]["share"]
    data["activities"]["sectors"][0]["share"] = {"dist": "uniform", "low": share - 0.05, "high": share + 0.05}
    path = _write(tmp_path, data)
    assert main(["validate", str(path)]) == 0  # valid at its central values ...
    assert main(["run", str(path), "-n", "3", "-q", "-o", str(tmp_path / "out"), "-j", "2"]) == 2  # ... not once drawn
    err = capsys.readouterr().err
    assert "a replication's drawn parameters make an invalid scenario" in err
    assert "sector shares must add up to 1" in err and "activities.sectors.conseil_formation.share = " in err
    assert "Traceback" not in err


def test_global_sensitivity_runs_on_the_reference_s_population_prior(tmp_path: Path) -> None:
    """Sector keys named by their sector, whole-month ones included, are varied and rounded like any key."""
    from simcoop.studies.gsa import check_parameters, default_parameters, scenario_at

    reference = simcoop.load_scenario(SCENARIOS_DIR / "reference.yaml").replace({"meta.horizon_months": 24})
    params = default_parameters(reference)
    assert "activities.sectors.conseil_formation.rampup_months" in [k for k, _, _ in params]
    check_parameters(reference, params)
    point = scenario_at(reference, ["activities.sectors.conseil_formation.rampup_months"], [29.4])
    assert point.activities.sectors[0].rampup_months == 29


def test_fixing_several_keys_at_once_is_fixing_them_one_by_one() -> None:
    """``set_numbers`` (a sensitivity point) leaves the data ``set_key`` would, key after key: the joint
    draws lose the columns fixed, the other columns keep their rows; a missing key is named."""
    from simcoop.scenario.uncertain import set_key, set_numbers

    scenario = simcoop.load_scenario(SCENARIOS_DIR / "reference.yaml")
    joint = scenario.uncertainty.joint
    assert joint is not None and len(joint.columns) > 3
    items = [(joint.columns[0], 0.25), ("cooperative.contribution.rate", 0.11), (joint.columns[2], 3.0)]
    one_by_one, at_once = scenario.to_dict(), scenario.to_dict()
    for key, value in items:
        set_key(one_by_one, key, value)
    set_numbers(at_once, items)
    assert at_once == one_by_one
    kept = at_once["uncertainty"]["joint"]
    assert joint.columns[0] not in kept["columns"] and joint.columns[1] in kept["columns"]
    assert len(kept["rows"]) == len(joint.rows) and all(len(row) == len(joint.columns) - 2 for row in kept["rows"])
    with pytest.raises(KeyError, match="cooperative.contribution.rat: "):
        set_numbers(scenario.to_dict(), [("cooperative.contribution.rat", 0.1)])
