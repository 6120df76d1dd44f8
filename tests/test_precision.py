"""Replications until a stated precision (``simcoop.studies.precision``, ``simcoop run -n auto --precision``)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

import simcoop
from simcoop.cli import main
from simcoop.studies.compare import kpi_values
from simcoop.studies.precision import PrecisionTarget, next_total, precision_table, simulate_to_precision
from tests.conftest import small_scenario


@pytest.fixture(scope="module")
def short() -> simcoop.Scenario:
    # Without the reference's financing plan: its lowest treasury stays clearly negative, so a
    # relative precision on it is reachable (near zero it would take thousands of simulations).
    return small_scenario(**{"meta.horizon_months": 24, "cooperative.financing.instruments": []})


def test_precision_table_known_answers() -> None:
    values = pd.DataFrame({"p": [0.0] * 10 + [1.0] * 10, "x": [90.0, 110.0] * 10})
    kpis = (PrecisionTarget("p", "absolute"), PrecisionTarget("x", "relative"))
    table = precision_table(values, 0.05, kpis).set_index("kpi")
    z = 1.959963984540054  # Wilson at p = 1/2, n = 20: half-width z sqrt(1/80 + z^2/1600) / (1 + z^2/20)
    assert table.loc["p", "half_width"] == pytest.approx(z * math.sqrt(1 / 80 + z * z / 1600) / (1 + z * z / 20))
    assert table.loc["p", "target"] == 0.05 and not table.loc["p", "met"]
    sd = float(np.std([90.0, 110.0] * 10, ddof=1))
    assert table.loc["x", "half_width"] == pytest.approx(2.093024054408263 * sd / math.sqrt(20))  # t(19)
    assert table.loc["x", "target"] == pytest.approx(5.0)
    assert table.loc["x", "met"] == bool(table.loc["x", "half_width"] <= 5.0)


def test_zero_events_out_of_few_is_not_precise() -> None:
    # 0 insolvencies in 20 replications: Wilson's interval is [0, 16%], not a point.
    table = precision_table(pd.DataFrame({"p": np.zeros(20)}), 0.05, (PrecisionTarget("p", "absolute"),))
    assert not table["met"].iloc[0]
    assert precision_table(pd.DataFrame({"p": np.zeros(60)}), 0.05, (PrecisionTarget("p", "absolute"),))["met"].iloc[0]


def test_next_total_grows_by_at_least_a_batch_and_at_most_doubles() -> None:
    def with_ratio(r: float) -> pd.DataFrame:
        return pd.DataFrame({"ratio": [0.5, r]})

    assert next_total(20, with_ratio(1.01), 20, 2000) == 40  # nearly there: one more batch
    assert next_total(40, with_ratio(10.0), 20, 2000) == 80  # far: double, no more
    assert next_total(100, with_ratio(1.2), 20, 2000) == math.ceil(100 * 1.44 * 1.1)
    assert next_total(1900, with_ratio(10.0), 20, 2000) == 2000  # the cap
    assert next_total(40, with_ratio(math.inf), 20, 2000) == 80


def test_stops_at_the_stated_precision_and_equals_a_plain_run(short: simcoop.Scenario) -> None:
    results, report = simulate_to_precision(short, precision=0.1, seed=5)
    n = report.replications
    assert report.reached and report.table["met"].all() and n == results.replications == report.checkpoints[-1]
    assert (report.table["ratio"] <= 1).all()
    plain = simcoop.simulate(short, replications=n, seed=5)
    pd.testing.assert_frame_equal(results.kpis, plain.kpis)
    pd.testing.assert_frame_equal(results.monthly, plain.monthly)
    # It stopped at the first check that met the target: the one before did not.
    assert len(report.checkpoints) >= 2
    before = simcoop.simulate(short, replications=report.checkpoints[-2], seed=5)
    assert not precision_table(kpi_values(before), 0.1)["met"].all()


def test_cap_stops_an_unreachable_precision(short: simcoop.Scenario) -> None:
    results, report = simulate_to_precision(short, precision=0.001, seed=5, initial=10, max_replications=25)
    assert not report.reached and report.replications == results.replications == 25
    assert report.checkpoints == (10, 20, 25)
    assert "NOT reached" in report.to_text() and report.limiting in report.table["kpi"].tolist()


def test_run_auto_through_the_cli(short: simcoop.Scenario, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "short.yaml"
    path.write_text(yaml.safe_dump(short.to_dict(), allow_unicode=True, sort_keys=False), encoding="utf-8")
    out = tmp_path / "run"
    argv = ["run", str(path), "-n", "auto", "--precision", "0.1", "-s", "5", "-o", str(out), "-q"]
    assert main(argv) == 0
    precision = json.loads((out / "precision.json").read_text(encoding="utf-8"))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert precision["reached"] and precision["replications"] == manifest["replications"]
    assert {k["kpi"] for k in precision["kpis"]} >= {"insolvency_probability", "min_coop_treasury_eur"}
    assert all(k["met"] for k in precision["kpis"])
    assert main(argv) == 0  # the same auto run may be written again
    capsys.readouterr()
    assert main(["run", str(path), "--precision", "0.2", "-s", "5", "-o", str(out), "-q"]) == 2  # another count
    assert "use --force" in capsys.readouterr().err
    assert main(["run", str(path), "-n", "5", "--precision", "0.2", "-o", str(tmp_path / "x"), "-q"]) == 2
    with pytest.raises(SystemExit):
        main(["compare", str(path), "-n", "auto"])  # only `run` takes auto
    with pytest.raises(SystemExit):
        main(["run", str(path), "-n", "many"])


# ---------------------------------------------------------------------- -n auto streamed to the run folder


def test_an_auto_run_streamed_to_its_folder_is_the_in_memory_one_and_resumes(short: simcoop.Scenario, tmp_path: Path) -> None:
    """``simcoop run -n auto`` streams its batches to the run folder (the parent never holds the run):
    the same count, checkpoints and tables as ``simulate_to_precision``; interrupted in its second
    batch, the same call resumes from the chunks on disk and ends with the same folder."""
    from simcoop.store import partial_folder, simulate_to_folder
    from simcoop.studies.precision import PrecisionPlan
    from tests.conftest import assert_same_tables

    in_memory, report = simulate_to_precision(short, precision=0.1, seed=5, initial=4)
    assert len(report.checkpoints) >= 3  # several batches, so the interruption falls inside the run

    def run(out: Path, **options: Any) -> tuple[Any, PrecisionPlan]:
        plan = PrecisionPlan(0.1, initial=4)
        ran = simulate_to_folder(short, out, replications=plan.max_replications, seed=5, until=plan, chunk_size=2, **options)
        return ran, plan

    whole, plan = run(tmp_path / "whole")
    assert plan.checkpoints == list(report.checkpoints) and whole.replications == report.replications
    pd.testing.assert_frame_equal(plan.report(5).table, report.table)
    assert_same_tables(simcoop.load_results(tmp_path / "whole"), in_memory)

    chunks: list[tuple[int, int]] = []

    def stop_in_second_batch(start: int, stop: int) -> None:
        chunks.append((start, stop))
        if start >= report.checkpoints[0]:
            raise KeyboardInterrupt

    out = tmp_path / "interrupted"
    with pytest.raises(KeyboardInterrupt):
        run(out, on_chunk=stop_in_second_batch)
    assert not out.exists() and partial_folder(out).is_dir()
    resumed: list[int] = []
    again, plan = run(out, on_resume=resumed.append)
    assert resumed == [chunks[-1][1]]  # every chunk written before the interruption was kept
    assert plan.checkpoints == list(report.checkpoints) and not partial_folder(out).exists()
    for name in ("kpis.csv", "monthly.parquet", "events.parquet", "yearly.csv"):
        assert (out / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name


def test_the_chunks_of_a_fixed_run_are_not_those_of_an_auto_run(short: simcoop.Scenario, tmp_path: Path) -> None:
    """The rule is in the work folder's key: an auto run never resumes the chunks of a fixed count's run."""
    from simcoop.store import simulate_to_folder
    from simcoop.studies.precision import PrecisionPlan

    out = tmp_path / "run"

    def interrupt(start: int, stop: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        simulate_to_folder(short, out, replications=40, seed=5, chunk_size=2, on_chunk=interrupt)
    discarded: list[str] = []
    plan = PrecisionPlan(0.1, initial=4, max_replications=40)
    simulate_to_folder(short, out, replications=40, seed=5, until=plan, chunk_size=2, on_discard=discarded.append)
    assert len(discarded) == 1 and "until None ->" in discarded[0]
