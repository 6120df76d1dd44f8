"""Comparisons, variants and sensitivity on common random numbers (``simcoop.studies.compare``, ``simcoop.studies.sensitivity``).

Scenarios here are the small reference (tests/conftest.py) cut to 24 months and run over
a handful of replications: enough to check pairing, signs and file handling, fast.
"""

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
from simcoop.scenario.edit import load_variants
from simcoop.studies.batch import simulate_many
from simcoop.studies.compare import COMPARISON_KPIS, compare
from simcoop.studies.sensitivity import DEFAULT_SENSITIVITY, SENSITIVITY_COLUMNS, default_sensitivity_parameters, sensitivity, sensitivity_swings
from simcoop.verdict import OUTCOMES
from tests.conftest import SCENARIOS, reference_data, small_scenario

BROKEN_VARIANTS = Path(__file__).parent / "broken_scenarios" / "variants"
REFERENCE = SCENARIOS / "reference.yaml"


def tiny(**changes: object) -> simcoop.Scenario:
    """The small scenario over 24 months, without overdraft interest (so that some replications break even within 24 months)."""
    return small_scenario(**{"meta.horizon_months": 24, "cooperative.financing.overdraft_annual_rate": 0.0, **changes})


@pytest.fixture(scope="module")
def base() -> simcoop.Scenario:
    return tiny()


# --------------------------------------------------------------------------- compare


def test_identical_scenarios_differ_by_exactly_zero() -> None:
    base = tiny(**{"cooperative.public_funding.2.amount_eur": 300000})  # breaks even within 24 months
    comparison = compare({"a": base, "b": base}, replications=4, seed=11)
    long = comparison.long()
    b = long[long["scenario"] == "b"]
    assert list(b["kpi"]) == [k.key for k in COMPARISON_KPIS]
    present = b.dropna(subset=["diff"])
    assert len(present) >= len(COMPARISON_KPIS) - 1  # the public share may fall outside 24 months
    assert (present["diff"] == 0).all()
    spread = present[present["pairs"] >= 2]  # an interval needs two pairs (few replications break even in 24 months)
    assert (spread["diff_ci_low"] == 0).all() and (spread["diff_ci_high"] == 0).all()
    assert not spread["significant"].any()
    a = long[long["scenario"] == "a"].set_index("kpi")
    assert a["diff"].isna().all(), "the baseline has no difference with itself"
    assert comparison.outcomes["a"] == comparison.outcomes["b"]


def test_more_public_funding_raises_the_treasury_significantly(base: simcoop.Scenario) -> None:
    richer = base.replace(
        {"cooperative.public_funding.0.amount_eur": 2 * base.cooperative.public_funding[0].amount_eur}
    )
    comparison = compare({"base": base, "richer": richer}, replications=5, seed=3)
    long = comparison.long().set_index(["kpi", "scenario"])
    for kpi in ("final_coop_treasury_eur", "public_funding_eur"):
        row = long.loc[(kpi, "richer")]
        assert row["diff"] > 0 and row["diff_ci_low"] > 0 and row["significant"], kpi
    assert long.loc[("min_coop_treasury_eur", "richer"), "diff"] >= 0
    # The table: one row per KPI plus the verdict row, numbers stay numbers.
    table = comparison.table()
    assert list(table["kpi"]) == [k.key for k in COMPARISON_KPIS] + ["verdict_outcome"]
    assert table["richer:diff"].dtype == float and table["base:mean"].dtype == float
    assert table.loc[table["kpi"] == "verdict_outcome", "richer:verdict"].item() in OUTCOMES
    assert "base:diff" not in table.columns
    text = comparison.to_text()
    assert "richer" in text and "difference" in text and "," in text  # thousands separators
    # The star marks each significant difference on its own line (a numpy bool is not ``True``).
    lines = text.splitlines()
    for kpi in ("final_coop_treasury_eur", "public_funding_eur"):
        label = next(k.label for k in COMPARISON_KPIS if k.key == kpi)
        at = next(i for i, line in enumerate(lines) if line.startswith(label))
        assert lines[at + 1].lstrip().startswith("difference") and lines[at + 1].endswith(" *"), lines[at + 1]
    starred = sum(line.endswith(" *") for line in lines if line.lstrip().startswith("difference"))
    assert starred == int(long.xs("richer", level="scenario")["significant"].fillna(False).sum())


def test_simulate_many_does_not_depend_on_jobs(base: simcoop.Scenario) -> None:
    other = base.replace({"cooperative.contribution.rate": 0.12})
    serial = dict(simulate_many([base, other], replications=3, seed=5, jobs=1))
    pooled = dict(simulate_many([base, other], replications=3, seed=5, jobs=2))
    for i in (0, 1):
        pd.testing.assert_frame_equal(serial[i].kpis, pooled[i].kpis)


def test_a_study_of_many_scenarios_sends_each_once_with_the_numbers_of_one_at_a_time(base: simcoop.Scenario) -> None:
    """Twelve scenarios of four replications: one task a scenario (a sensitivity's points used to go one
    replication a task, the scenario sent each time), and each scenario's tables those of its own run."""
    from simcoop.executors import InlineExecutor

    class Counting(InlineExecutor):  # one worker: ten tasks would keep it busy
        tasks = 0

        def imap_unordered(self, fn, tasks):  # noqa: ANN001, ANN202
            for task, result in super().imap_unordered(fn, tasks):
                self.tasks += 1
                yield task, result

    rates = [0.08 + 0.005 * k for k in range(12)]
    scenarios = [base.replace({"cooperative.contribution.rate": r, "meta.horizon_months": 24}) for r in rates]
    counting = Counting()
    together = dict(simulate_many(scenarios, replications=4, seed=5, executor=counting))
    assert counting.tasks == 12
    for i in (0, 7):
        alone = simcoop.simulate(scenarios[i], replications=4, seed=5)
        for table in ("monthly", "yearly", "kpis", "events"):
            pd.testing.assert_frame_equal(getattr(together[i], table), getattr(alone, table))


# --------------------------------------------------------------------------- variants


def test_reference_variants_load_base_first() -> None:
    scenarios = load_variants(REFERENCE)
    assert list(scenarios) == ["reference", "sans FSE", "contribution 12 %", "accueils -25 %"]
    base = scenarios["reference"]
    assert base.scenario_hash() == simcoop.load_scenario(REFERENCE).scenario_hash()
    assert scenarios["sans FSE"].cooperative.public_funding[3].amount_eur == 0
    assert scenarios["contribution 12 %"].cooperative.contribution.rate == 0.12
    assert scenarios["accueils -25 %"].territory.accueils_per_year_at_maturity == 135
    assert scenarios["accueils -25 %"].meta.name == "accueils -25 %"
    # Nothing else changes in a variant.
    variant = scenarios["contribution 12 %"].to_dict()
    reference = base.to_dict()
    variant["meta"]["name"] = reference["meta"]["name"]
    variant["cooperative"]["contribution"]["rate"] = reference["cooperative"]["contribution"]["rate"]
    assert variant == reference


def test_load_scenario_ignores_the_variants_block() -> None:
    data = reference_data()
    assert "variants" in data
    without = copy.deepcopy(data)
    del without["variants"]
    assert simcoop.scenario_from_dict(data).scenario_hash() == simcoop.scenario_from_dict(without).scenario_hash()


def test_a_file_without_variants_gives_the_base_alone(tmp_path: Path) -> None:
    data = reference_data()
    del data["variants"]
    path = tmp_path / "plain.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert list(load_variants(path)) == ["reference"]


def test_variants_by_item_name(tmp_path: Path) -> None:
    data = reference_data()
    data["variants"] = {"Région x2": {"cooperative.public_funding.Région.amount_eur": 120000}}
    path = tmp_path / "named.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert load_variants(path)["Région x2"].cooperative.public_funding[0].amount_eur == 120000


def test_broken_variants_are_located_by_file_line_and_key() -> None:
    path = BROKEN_VARIANTS / "no_such_funding_item.yaml"
    simcoop.load_scenario(path)  # the base is fine: only the variants are wrong
    with pytest.raises(simcoop.ScenarioError) as info:
        load_variants(path)
    assert [str(p) for p in info.value.problems] == [
        (
            f"{path}:16: variants.sans FSE: cooperative.public_funding.9.amount_eur: no such key "
            "(cooperative.public_funding has 2 items, numbered 0 to 1)"
        ),
        (
            f"{path}:18: variants.taux négatif: cooperative.contribution.rate: Input should be greater than or equal to 0 "
            "(allowed: a number >= 0 and <= 1); got -0.1"
        ),
        (
            f"{path}:20: variants.faute de frappe: territory.accueils_per_year_at_matruity: no such key; "
            "did you mean 'accueils_per_year_at_maturity'?"
        ),
    ]


def test_variants_block_of_the_wrong_shape_breaks_the_base_too() -> None:
    path = BROKEN_VARIANTS / "not_a_mapping.yaml"
    with pytest.raises(simcoop.ScenarioError) as info:
        simcoop.load_scenario(path)
    (problem,) = info.value.problems
    assert (problem.line, problem.key_path) == (8, "variants")
    assert problem.message.startswith("expected a mapping of variant names to their overrides")


def test_broken_variant_files_say_what_is_wrong() -> None:
    for path in BROKEN_VARIANTS.glob("*.yaml"):
        assert path.read_text(encoding="utf-8").startswith("# Wrong:"), path.name


def test_a_variant_cannot_take_the_base_name(tmp_path: Path) -> None:
    data = reference_data()
    data["variants"] = {"reference": {"cooperative.contribution.rate": 0.12}}
    path = tmp_path / "same_name.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(simcoop.ScenarioError, match="a variant cannot be named like the base scenario"):
        load_variants(path)


# --------------------------------------------------------------------------- sensitivity


def test_sensitivity_columns_rows_and_ranking(base: simcoop.Scenario) -> None:
    parameters = [
        ("cooperative.audit_eur_per_year", 3000, 5000),
        ("cooperative.initial_treasury_eur", 0, 120000),
        ("activities.sectors.*.turnover_median_eur_per_year", 0.8, 1.2),
    ]
    # Opening cash of 60 kEUR at the base (the reference's plan brings its funds as instruments).
    table = sensitivity(base.replace({"cooperative.initial_treasury_eur": 60000}), parameters, replications=3, seed=7)
    assert tuple(table.columns) == SENSITIVITY_COLUMNS
    assert len(table) == 3 * len(parameters)
    assert set(table["side"]) == {"low", "base", "high"}
    assert (table["replications"] == 3).all()
    # The base rows all repeat the same base run.
    base_rows = table[table["side"] == "base"]
    assert base_rows["min_coop_treasury_eur_p50"].nunique() == 1
    # 120 k EUR of opening cash moves the lowest treasury most; the audit fee least.
    swings = sensitivity_swings(table)
    assert swings["parameter"].iloc[0] == "cooperative.initial_treasury_eur"
    assert swings["parameter"].iloc[-1] == "cooperative.audit_eur_per_year"
    assert list(dict.fromkeys(table["parameter"])) == list(swings["parameter"])
    treasury = table[table["parameter"] == "cooperative.initial_treasury_eur"].set_index("side")
    assert treasury.loc["low", "value"] == 0 and treasury.loc["high", "value"] == 120000
    low, mid, high = (treasury.loc[s, "min_coop_treasury_eur_p50"] for s in ("low", "base", "high"))
    assert low < mid < high
    grouped = table[table["parameter"].str.contains(r"\*", regex=True)].set_index("side")["value"]
    assert grouped.to_dict() == {"low": 0.8, "base": 1.0, "high": 1.2}


def test_default_sensitivity_parameters_are_clipped_and_documented() -> None:
    scenario = tiny(**{"pathway.entry_share": 0.9, "territory.rampup_months": 6, "cooperative.initial_treasury_eur": 20000})
    params = {key: (low, high) for key, low, high in default_sensitivity_parameters(scenario)}
    assert list(params) == [v.key for v in DEFAULT_SENSITIVITY]
    assert params["pathway.entry_share"] == (0.675, 1.0)  # 0.9 x 1.25 clipped to the share's maximum
    assert params["territory.rampup_months"] == (0.0, 18.0)  # 6 - 12 clipped to 0
    assert params["cooperative.contribution.rate"] == (0.08, 0.12)
    assert params["activities.sectors.*.turnover_median_eur_per_year"] == (0.8, 1.2)
    assert all(v.why for v in DEFAULT_SENSITIVITY)
    no_funding = tiny(**{"cooperative.public_funding": []})
    keys = [key for key, _, _ in default_sensitivity_parameters(no_funding)]
    assert "cooperative.public_funding.*.amount_eur" not in keys


def test_the_one_at_a_time_sensitivity_leaves_out_what_would_not_move() -> None:
    # Keys every replication draws from the population prior (entry share, turnover medians,
    # CESA exits, ramp-up) would move nothing: the run uses the drawn values, not the
    # scenario's. A factor on an opening cash of zero would compare 0 with 0.
    reference = simcoop.load_scenario("scenarios/reference.yaml")
    assert reference.cooperative.initial_treasury_eur == 0 and not reference.uncertainty.empty
    keys = [key for key, _, _ in default_sensitivity_parameters(reference)]
    for drawn in ("pathway.entry_share", "pathway.exits.cesa_rate_per_year", "territory.rampup_months",
                  "activities.sectors.*.turnover_median_eur_per_year", "cooperative.initial_treasury_eur"):  # fmt: skip
        assert drawn not in keys
    assert "cooperative.contribution.rate" in keys and "territory.accueils_per_year_at_maturity" in keys
    from simcoop.draws import fixed_parameters

    fixed = [key for key, _, _ in default_sensitivity_parameters(fixed_parameters(reference))]
    assert "pathway.entry_share" in fixed and "activities.sectors.*.turnover_median_eur_per_year" in fixed


# --------------------------------------------------------------------------- command line


def _write(path: Path, scenario: simcoop.Scenario) -> Path:
    data = scenario.to_dict()
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_cli_compare_writes_the_csv_and_refuses_to_overwrite(
    tmp_path: Path, base: simcoop.Scenario, capsys: pytest.CaptureFixture[str]
) -> None:
    a = _write(tmp_path / "a.yaml", base.replace({"meta.name": "a"}))
    b = _write(tmp_path / "b.yaml", base.replace({"meta.name": "b", "cooperative.contribution.rate": 0.12}))
    out = tmp_path / "cmp" / "comparison.csv"
    assert main(["compare", str(a), str(b), "-n", "3", "-s", "1", "-o", str(out)]) == 0
    printed, _ = capsys.readouterr()
    assert "difference" in printed and f"wrote {out}" in printed
    table = pd.read_csv(out)
    assert {"kpi", "label", "a:mean", "b:mean", "b:diff", "b:significant", "b:verdict"} <= set(table.columns)
    manifest = json.loads(out.with_name("comparison.manifest.json").read_text(encoding="utf-8"))
    assert [s["label"] for s in manifest["scenarios"]] == ["a", "b"] and manifest["seed"] == 1
    before = out.read_bytes()

    assert main(["compare", str(a), str(b), "-n", "3", "-s", "1", "-o", str(out), "-q"]) == 0  # the same: fine
    assert main(["compare", str(a), str(b), "-n", "3", "-s", "2", "-o", str(out), "-q"]) == 2
    _, err = capsys.readouterr()
    assert "holds a different comparison" in err and "--force" in err and "Traceback" not in err
    assert out.read_bytes() == before
    assert main(["compare", str(a), str(b), "-n", "3", "-s", "2", "-o", str(out), "-q", "--force"]) == 0
    assert json.loads(out.with_name("comparison.manifest.json").read_text(encoding="utf-8"))["seed"] == 2
    assert not [p.name for p in out.parent.iterdir() if p.name.startswith(".")], "no temporary file left"


def test_cli_compare_refuses_a_foreign_file(
    tmp_path: Path, base: simcoop.Scenario, capsys: pytest.CaptureFixture[str]
) -> None:
    a = _write(tmp_path / "a.yaml", base.replace({"meta.name": "a"}))
    out = tmp_path / "notes.csv"
    out.write_text("mine\n", encoding="utf-8")
    assert main(["compare", str(a), str(a), "-n", "2", "-o", str(out), "-q"]) == 2
    assert "is not part of a simcoop comparison" in capsys.readouterr().err
    assert main(["compare", str(a), str(a), "-n", "2", "-o", str(out), "-q", "--force"]) == 2  # --force too
    assert "never overwrites it, even with --force" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "mine\n"


def test_cli_compare_out_json_keeps_the_table_and_its_manifest_apart(tmp_path: Path, base: simcoop.Scenario) -> None:
    """--out res.json: the table is res.json, the manifest res.manifest.json; neither overwrites the other."""
    a = _write(tmp_path / "a.yaml", base.replace({"meta.name": "a"}))
    b = _write(tmp_path / "b.yaml", base.replace({"meta.name": "b", "cooperative.contribution.rate": 0.12}))
    out = tmp_path / "res.json"
    assert main(["compare", str(a), str(b), "-n", "2", "-s", "1", "-o", str(out), "-q"]) == 0
    table = pd.read_csv(out)  # still the comparison table
    assert {"kpi", "a:mean", "b:mean"} <= set(table.columns)
    assert json.loads((tmp_path / "res.manifest.json").read_text(encoding="utf-8"))["kind"] == "comparison"
    # An output may not be an input either.
    before = a.read_bytes()
    assert main(["compare", str(a), str(b), "-n", "2", "-o", str(a), "-q"]) == 2
    assert a.read_bytes() == before


def test_cli_compare_one_file_needs_variants(
    tmp_path: Path, base: simcoop.Scenario, capsys: pytest.CaptureFixture[str]
) -> None:
    a = _write(tmp_path / "a.yaml", base)
    assert main(["compare", str(a), "-q"]) == 2
    assert "has no `variants:` block" in capsys.readouterr().err


def test_cli_compare_broken_variants_exit_2_with_located_problems(capsys: pytest.CaptureFixture[str]) -> None:
    path = BROKEN_VARIANTS / "no_such_funding_item.yaml"
    assert main(["compare", str(path), "-q"]) == 2
    _, err = capsys.readouterr()
    assert f"{path}:16: variants.sans FSE: cooperative.public_funding.9.amount_eur: no such key" in err
    assert "Traceback" not in err
    assert main(["validate", str(path)]) == 2  # validate checks the variants too


def test_cli_compare_default_output_name(
    tmp_path: Path, base: simcoop.Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = base.to_dict()
    data["variants"] = {"contribution 12 %": {"cooperative.contribution.rate": 0.12}}
    path = tmp_path / "with_variants.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["compare", str(path), "-n", "2", "-q"]) == 0
    assert (tmp_path / "outputs" / "comparison_small_contribution_12.csv").is_file()


def test_cli_run_sensitivity_writes_sensitivity_csv(tmp_path: Path, base: simcoop.Scenario) -> None:
    path = _write(tmp_path / "s.yaml", base)
    out = tmp_path / "run"
    assert main(["run", str(path), "-n", "2", "-o", str(out), "-q", "--sensitivity-replications", "1"]) == 0
    table = pd.read_csv(out / "sensitivity.csv")
    assert tuple(table.columns) == SENSITIVITY_COLUMNS
    assert (table["replications"] == 1).all()
    assert set(table["parameter"]) == {key for key, _, _ in default_sensitivity_parameters(base)}  # the default list, resolved on the scenario
    assert np.isfinite(table["min_coop_treasury_eur_p50"]).all()


def test_run_pipeline_is_the_library_call_behind_run_sensitivity(tmp_path: Path) -> None:
    """``simcoop.run_pipeline`` simulates, saves the run folder and writes the sensitivity table the
    report draws its tornado from: the same table ``simcoop.sensitivity`` gives on the same seed."""
    scenario = small_scenario(**{"meta.horizon_months": 24})
    seen: list[str] = []
    outputs = simcoop.run_pipeline(
        scenario, tmp_path / "run", replications=3, seed=5, sensitivity=True, sensitivity_replications=2,
        on_event=lambda name, info: seen.append(name),
    )  # fmt: skip
    assert seen == ["simulated", "sensitivity_start", "sensitivity_done"]
    assert outputs.solution is None and outputs.report is None
    assert simcoop.load_results(tmp_path / "run").replications == 3
    expected = simcoop.sensitivity(scenario, default_sensitivity_parameters(scenario), 2, 5)
    written = pd.read_csv(tmp_path / "run" / "sensitivity.csv")
    pd.testing.assert_frame_equal(outputs.sensitivity.reset_index(drop=True), expected)
    assert list(written.columns) == list(expected.columns) and len(written) == len(expected)


def test_run_pipeline_says_the_report_starts_before_its_pages_are_laid_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``report_start`` comes before the report is written (the CLI prints it: the layout takes seconds)."""
    import simcoop.report

    seen: list[str] = []

    def writing(out: Path, reader: str | None = None, note: bool = False) -> tuple[Path, ...]:
        seen.append("writing")
        return (out / "report.html",)

    monkeypatch.setattr(simcoop.report, "write_report", writing)
    outputs = simcoop.run_pipeline(
        small_scenario(**{"meta.horizon_months": 12}), tmp_path / "run", replications=2, seed=5, report=True,
        on_event=lambda name, info: seen.append(name),
    )  # fmt: skip
    assert seen == ["simulated", "report_start", "writing", "report_done"]
    assert outputs.report == (tmp_path / "run" / "report.html",)


def test_sensitivity_reads_its_base_rows_from_the_run_it_comes_with(base: simcoop.Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    """The base run is not simulated again when the run on the same seed is given: the same table, one run fewer."""
    import simcoop.studies.sensitivity as module

    parameters = [("cooperative.audit_eur_per_year", 3000, 5000), ("cooperative.initial_treasury_eur", 0, 120000)]
    run = simcoop.simulate(base, replications=5, seed=7)
    simulated: list[int] = []
    real = module.simulate_many

    def counting(scenarios, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        simulated.append(len(scenarios))
        return real(scenarios, *args, **kwargs)

    monkeypatch.setattr(module, "simulate_many", counting)
    expected = sensitivity(base, parameters, replications=3, seed=7)
    pd.testing.assert_frame_equal(sensitivity(base, parameters, replications=3, seed=7, baseline=run), expected)
    assert simulated[1] == simulated[0] - 1  # the base is the run's first three replications
    sensitivity(base, parameters, replications=3, seed=8, baseline=run)  # another seed: not the same base run
    assert simulated[2] == simulated[0]
