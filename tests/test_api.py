"""The Python API a researcher uses: completion, exact save/load, sweeps, xarray, the comparison chart, progress."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import simcoop
from simcoop.progress import PlainProgress
from simcoop.results import TABLES

from .conftest import SCENARIOS, small_scenario


def test_tab_completion_lists_the_lazy_public_names() -> None:
    names = dir(simcoop)
    for name in simcoop.__all__:
        assert name in names, name
        assert getattr(simcoop, name) is not None
    assert callable(simcoop.sweep) and callable(simcoop.simulate)


def test_importing_simcoop_and_its_command_line_loads_no_scenario_machinery() -> None:
    """``simcoop --help`` answers at once, and ``simcoop run --jobs 2`` starts its fork server before its
    own heavy imports: neither ``import simcoop`` nor the command line's parser loads pydantic or the
    scenario's schema (``simcoop.Scenario`` & co. load on first use)."""
    import subprocess
    import sys

    code = (
        "import sys, simcoop, simcoop.cli.main; "
        "print(sorted(m for m in ('pydantic', 'simcoop.scenario', 'numpy', 'pandas') if m in sys.modules)); "
        "print(simcoop.Scenario.__name__, simcoop.load_scenario.__name__, simcoop.scenario_from_dict.__name__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out == ["[]", "Scenario load_scenario scenario_from_dict"]


@pytest.fixture(scope="module")
def rich() -> simcoop.Results:
    """A run with every optional table: zones and sites (a territory), funding, the portage comparison, the drawn parameters."""
    uncertain = {"dist": "beta", "mean": 0.3, "sd": 0.05}
    scenario = simcoop.load_scenario(SCENARIOS / "territory_example.yaml").replace(
        {"meta.horizon_months": 24, "pathway.entry_share": uncertain}
    )
    return simulate_small(scenario)


def simulate_small(scenario: simcoop.Scenario) -> simcoop.Results:
    return simcoop.simulate(scenario, replications=3, seed=2, compare_portage=True)


def test_save_then_load_gives_back_every_table_exactly(rich: simcoop.Results, tmp_path: Path) -> None:
    folder = rich.save(tmp_path / "run")
    again = simcoop.load_results(folder)
    for name in TABLES:
        saved = getattr(rich, name)
        assert saved is not None and len(saved), f"the fixture should exercise {name}"
        assert (folder / f"{name}.parquet").is_file()
        pd.testing.assert_frame_equal(getattr(again, name), saved, check_exact=True, obj=name)
    assert again.scenario.scenario_hash() == rich.scenario.scenario_hash()
    assert (again.seed, again.replications) == (rich.seed, rich.replications)
    pd.testing.assert_frame_equal(again.summary(), rich.summary(), check_exact=True)
    assert again.verdict().to_dict() == rich.verdict().to_dict()


def test_a_folder_without_parquet_twins_is_still_read_from_its_csv(rich: simcoop.Results, tmp_path: Path) -> None:
    folder = rich.save(tmp_path / "run")
    for name in ("kpis", "funding", "zones", "sites", "portage"):
        (folder / f"{name}.parquet").unlink()
    again = simcoop.load_results(folder)
    assert again.kpis["break_even_month"].dtype == "Int64"
    assert again.zones["zone_code"].tolist() == rich.zones["zone_code"].tolist()  # codes stay text ("01004")
    np.testing.assert_allclose(again.funding["received_eur"], rich.funding["received_eur"])


def test_sweep_tables_are_keyed_by_the_swept_values_on_common_random_numbers() -> None:
    base = small_scenario(**{"meta.horizon_months": 24})
    rates = [0.10, 0.13]
    sw = simcoop.sweep(
        base, {"cooperative.contribution.rate": rates, "territory.rampup_months": [6, 12]}, replications=3, seed=4
    )
    assert list(sw.points.columns) == ["point", "cooperative.contribution.rate", "territory.rampup_months"]
    assert len(sw.points) == 4 and len(sw.results) == 4
    kpis = sw.kpis
    assert list(kpis.columns[:3]) == ["point", "cooperative.contribution.rate", "territory.rampup_months"]
    assert len(kpis) == 4 * 3
    assert kpis.groupby(["cooperative.contribution.rate", "territory.rampup_months"]).size().tolist() == [3, 3, 3, 3]
    # Each point is exactly the scenario with its values, simulated alone on the same seed.
    alone = simcoop.simulate(
        base.replace({"cooperative.contribution.rate": 0.13, "territory.rampup_months": 6}), 3, seed=4
    )
    point = kpis[(kpis["cooperative.contribution.rate"] == 0.13) & (kpis["territory.rampup_months"] == 6)]
    pd.testing.assert_frame_equal(point.drop(columns=list(sw.points.columns)).reset_index(drop=True), alone.kpis)
    # Common random numbers: the contribution rate does not change who comes (same accueils per replication).
    by_rate = kpis[kpis["territory.rampup_months"] == 6].pivot(
        index="replication", columns="cooperative.contribution.rate", values="accueils"
    )
    assert (by_rate[0.10] == by_rate[0.13]).all()
    # ... and a higher rate leaves the cooperative more cash in every replication.
    cash = kpis[kpis["territory.rampup_months"] == 6].pivot(
        index="replication", columns="cooperative.contribution.rate", values="final_coop_treasury_eur"
    )
    assert (cash[0.13] > cash[0.10]).all()
    yearly = sw.yearly
    assert len(yearly) == 4 * len(alone.yearly) and "cooperative.contribution.rate" in yearly
    summary = sw.summary()
    assert len(summary) == 4 * len(alone.summary())
    assert set(sw.outcomes()["outcome"]) <= {"favourable", "favourable_under_conditions", "unfavourable"}


def test_sweep_refuses_bad_keys_and_values() -> None:
    base = small_scenario()
    with pytest.raises(ValueError, match=r"cooperative.contribution.rte: no such key; did you mean 'rate'\?"):
        simcoop.sweep(base, {"cooperative.contribution.rte": [0.1]}, replications=2)
    with pytest.raises(ValueError, match="non-empty list"):
        simcoop.sweep(base, {"cooperative.contribution.rate": 0.1}, replications=2)  # type: ignore[dict-item]
    with pytest.raises(simcoop.ScenarioError, match="cooperative.contribution.rate"):
        simcoop.sweep(base, {"cooperative.contribution.rate": [1.5]}, replications=2)


def test_to_xarray_holds_the_tables_values_on_their_dimensions(rich: simcoop.Results) -> None:
    monthly = rich.to_xarray("monthly")
    assert dict(monthly.sizes) == {"replication": 3, "month": 24}
    treasury = rich.monthly.pivot(index="replication", columns="month", values="coop_treasury_eur").to_numpy()
    np.testing.assert_array_equal(monthly["coop_treasury_eur"].to_numpy(), treasury)
    assert monthly["coop_treasury_eur"].attrs["units"] == "EUR"
    assert monthly["date"].dims == ("month",)
    yearly = rich.to_xarray("yearly")
    assert set(yearly.sizes) == {"replication", "year"}
    assert int(yearly["accueils"].sum()) == int(rich.yearly["accueils"].sum())
    kpis = rich.to_xarray("kpis")
    expected = rich.kpis["break_even_month"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    np.testing.assert_array_equal(kpis["break_even_month"].to_numpy(), expected)
    assert kpis.attrs["seed"] == 2 and kpis.attrs["replications"] == 3
    with pytest.raises(ValueError, match="table must be one of"):
        rich.to_xarray("events")


def test_comparison_plot_draws_one_panel_per_kpi_with_every_variant() -> None:
    from simcoop.studies.compare import compare

    base = small_scenario(**{"meta.horizon_months": 24})
    richer = base.replace(
        {"cooperative.public_funding.0.amount_eur": 2 * base.cooperative.public_funding[0].amount_eur}
    )
    comparison = compare({"base": base, "richer": richer, "same": base}, replications=4, seed=3)
    fig = comparison.plot(kpis=["final_coop_treasury_eur", "people_supported", "break_even_reached"])
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 3
    for ax in visible:
        ticks = sorted(zip(ax.get_yticks(), (t.get_text() for t in ax.get_yticklabels()), strict=True), reverse=True)
        assert [label for _, label in ticks] == ["richer", "same"]  # every variant, the first on top
    with pytest.raises(ValueError, match="not comparison KPIs: nope"):
        comparison.plot(kpis=["nope"])


def test_plain_progress_prints_every_tenth_and_every_30_seconds() -> None:
    now = [0.0]
    out = io.StringIO()
    bar = PlainProgress(200, "simulating x", stream=out, clock=lambda: now[0])
    for _ in range(200):
        now[0] += 0.01
        bar.update(1)
    lines = out.getvalue().splitlines()
    assert len(lines) == 9  # 10 %, 20 % ... 90 %; 100 % comes with close()
    assert lines[0].startswith("simcoop: simulating x: 20/200 rep (10%)") and "left" in lines[0]
    bar.close()
    assert out.getvalue().splitlines()[-1].startswith("simcoop: simulating x: 200/200 rep (100%)")
    slow = io.StringIO()
    bar = PlainProgress(10_000, "slow", stream=slow, clock=lambda: now[0])
    for _ in range(3):
        now[0] += 31.0
        bar.update(1)
    assert len(slow.getvalue().splitlines()) == 3  # far from 10 %, but a line every 30 s


def test_long_work_prints_plain_progress_lines_when_stderr_is_a_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = small_scenario(**{"meta.horizon_months": 12})
    simcoop.simulate(scenario, replications=20, seed=1, progress=True)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("simcoop: simulating small: ")]
    assert len(lines) >= 5 and lines[-1].startswith("simcoop: simulating small: 20/20 rep (100%)")
    assert "\r" not in err  # no bar redrawn in a log
    # The command line too (its progress went to a log only on a terminal before).
    import yaml

    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(scenario.to_dict(), allow_unicode=True), encoding="utf-8")
    from simcoop.cli import main

    assert main(["run", str(path), "-n", "20", "--out", str(tmp_path / "run")]) == 0
    err = capsys.readouterr().err
    assert "simcoop: simulating small: 20/20 rep (100%)" in err
