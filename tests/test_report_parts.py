"""The report reads the monthly table a part of whole replications at a time, and writes the page of the whole table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simcoop.report import tables as T
from simcoop.report.data import RunData, load_run
from simcoop.report.run_parts import MonthlyTable
from simcoop.report.tables.cells import monthly_by_replication, monthly_by_year


@pytest.fixture(scope="module")
def streamed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A streamed run whose monthly table has four row groups (of two replications, the last of one), read as
    three parts (the last two together: a part of one replication would sum in another order)."""
    from simcoop.results import stream
    from simcoop.store import simulate_to_folder

    from .conftest import small_scenario

    folder = tmp_path_factory.mktemp("parts") / "run"
    previous = stream.ROW_GROUP_REPLICATIONS
    stream.ROW_GROUP_REPLICATIONS = 2
    try:
        simulate_to_folder(small_scenario(), folder, replications=7, seed=5, chunk_size=3)
    finally:
        stream.ROW_GROUP_REPLICATIONS = previous
    return folder


def _whole(run: RunData) -> RunData:
    """The same run with its monthly table held whole in memory (one part)."""
    from dataclasses import replace

    return replace(run, monthly=pd.read_parquet(run.folder / "monthly.parquet"))


def test_the_report_of_a_run_read_in_parts_is_the_report_of_the_whole_table(streamed: Path) -> None:
    from simcoop.report.note import render_note_html
    from simcoop.report.render import render_html

    run = load_run(streamed)
    assert [part["replication"].nunique() for part in run.monthly_table.parts(["replication"])] == [2, 2, 3]
    whole = _whole(run)
    assert len(list(whole.monthly_table.parts(["replication"]))) == 1
    assert render_html(run) == render_html(whole)
    assert render_note_html(run) == render_note_html(whole)
    assert run.monthly_table._frame is None, "the report never read the whole monthly table"


def test_each_monthly_aggregate_read_in_parts_has_the_bits_of_the_whole_table(streamed: Path) -> None:
    run = load_run(streamed)
    whole = _whole(run)
    columns = ["coop_treasury_eur", "accueils", "n_active"]
    for how in ("sum", "last"):
        pd.testing.assert_frame_equal(monthly_by_year(run, columns, how), monthly_by_year(whole, columns, how), check_exact=True)
    pd.testing.assert_frame_equal(monthly_by_replication(run, columns), monthly_by_replication(whole, columns), check_exact=True)
    for first_months in (None, 5):
        got, expected = T.monthly_rows(run, columns, first_months), T.monthly_rows(whole, columns, first_months)
        pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True), check_exact=True)
    frame = whole.monthly
    expected = frame.pivot(index="replication", columns="month", values="coop_treasury_eur").to_numpy(dtype=float)
    assert np.array_equal(T.monthly_matrix(run, "coop_treasury_eur"), expected, equal_nan=True)
    last = frame[frame["month"] == frame["month"].max()]
    assert (T.monthly_rows(run, ["n_active"])["month"] == last["month"].iloc[0]).all()
    assert T.monthly_dates(run) == list(pd.to_datetime(frame.drop_duplicates("month").sort_values("month")["date"]).dt.to_pydatetime())


def test_a_part_without_some_month_gives_nan_there_as_the_whole_pivot(tmp_path: Path) -> None:
    """Row groups of whole replications, one replication lacking a month: the matrix of the whole table's pivot."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [(r, m, float(10 * r + m)) for r in range(4) for m in range(3) if (r, m) != (3, 1)]
    frame = pd.DataFrame(rows, columns=["replication", "month", "value"])
    path = tmp_path / "monthly.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=6)
    table = MonthlyTable(path)
    assert len(list(table.parts(["value"]))) == 2
    run = RunData(manifest={}, monthly=table, yearly=pd.DataFrame(), kpis=pd.DataFrame(), funding=None, verdict=None)
    expected = frame.pivot(index="replication", columns="month", values="value").to_numpy(dtype=float)
    got = T.monthly_matrix(run, "value")
    assert np.isnan(got[3, 1]) and np.array_equal(got, expected, equal_nan=True)
    assert run.monthly.equals(frame)  # the whole table, read when asked for
