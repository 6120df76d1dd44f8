"""A streamed run: its tables written in replication order as the chunks arrive, and a Results that reads them from disk."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

import simcoop
from simcoop.results import stream
from simcoop.results.stored import StoredResults
from simcoop.store import simulate_to_folder
from tests.conftest import assert_same_tables, small_scenario

SEED = 5
N = 7


@pytest.fixture(scope="module")
def scenario() -> simcoop.Scenario:
    return small_scenario()


@pytest.fixture(scope="module")
def in_memory(scenario: simcoop.Scenario) -> simcoop.Results:
    return simcoop.simulate(scenario, replications=N, seed=SEED)


class Reversed:
    """An executor that hands the chunks back last first: every chunk but the last waits for its turn."""

    workers = 1

    def imap_unordered(self, fn: Any, tasks: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        done = [(task, fn(*task)) for task in tasks]
        yield from reversed(done)


@pytest.fixture()
def small_groups(monkeypatch: pytest.MonkeyPatch) -> int:
    """Row groups of 3 replications, so that a run of 7 has three of them."""
    monkeypatch.setattr(stream, "ROW_GROUP_REPLICATIONS", 3)
    return 3


def test_the_files_do_not_depend_on_the_chunking(
    scenario: simcoop.Scenario, in_memory: simcoop.Results, small_groups: int, tmp_path: Path
) -> None:
    """Row groups of whole replications, each written from one contiguous table: the same bytes
    whatever the chunks (1, 2 or 4 replications, or handed back in reverse order)."""
    runs = {
        "by1": simulate_to_folder(scenario, tmp_path / "by1", replications=N, seed=SEED, chunk_size=1),
        "by2": simulate_to_folder(scenario, tmp_path / "by2", replications=N, seed=SEED, chunk_size=2),
        "by4": simulate_to_folder(scenario, tmp_path / "by4", replications=N, seed=SEED, chunk_size=4),
        "reversed": simulate_to_folder(scenario, tmp_path / "reversed", replications=N, seed=SEED, chunk_size=1, executor=Reversed()),
    }
    for name, results in runs.items():
        assert isinstance(results, StoredResults), name
        assert_same_tables(results, in_memory)
    files = sorted(p.name for p in (tmp_path / "by1").iterdir() if p.suffix in (".parquet", ".csv"))
    assert "monthly.parquet" in files and "monthly.csv" in files
    for file in files:
        data = (tmp_path / "by1" / file).read_bytes()
        for other in ("by2", "by4", "reversed"):
            assert (tmp_path / other / file).read_bytes() == data, (other, file)
    groups = pq.ParquetFile(tmp_path / "by1" / "monthly.parquet")
    assert groups.metadata.num_row_groups == 3
    first = groups.read_row_group(0, columns=["replication"]).column(0).to_pylist()
    assert sorted(set(first)) == [0, 1, 2]
    # Read back, the folder is the in-memory run's, table for table.
    assert_same_tables(simcoop.load_results(tmp_path / "by1"), in_memory)


def test_the_parquet_files_keep_dictionaries_for_what_repeats_only(in_memory: simcoop.Results, tmp_path: Path) -> None:
    """Amounts and rates (floats) are written plain, the integer and text columns with a dictionary
    (``simcoop.results.folder.parquet_options``), whichever writer made the file."""
    simulate_to_folder(in_memory.scenario, tmp_path / "run", replications=N, seed=SEED, chunk_size=2)
    in_memory.save(tmp_path / "whole")
    for folder in ("run", "whole"):
        meta = pq.ParquetFile(tmp_path / folder / "monthly.parquet").metadata
        encodings = {meta.schema.column(j).name: meta.row_group(0).column(j).encodings for j in range(meta.num_columns)}
        assert any("DICTIONARY" in e for e in encodings["replication"]), folder
        assert not any("DICTIONARY" in e for e in encodings["turnover_eur"]), folder


def test_a_run_in_one_row_group_writes_what_to_parquet_writes(
    scenario: simcoop.Scenario, in_memory: simcoop.Results, tmp_path: Path
) -> None:
    simulate_to_folder(scenario, tmp_path / "run", replications=N, seed=SEED, chunk_size=2)
    in_memory.save(tmp_path / "whole")
    for path in sorted((tmp_path / "whole").glob("*.parquet")):
        assert (tmp_path / "run" / path.name).read_bytes() == path.read_bytes(), path.name


def test_stored_results_read_what_the_in_memory_results_hold(
    scenario: simcoop.Scenario, in_memory: simcoop.Results, small_groups: int, tmp_path: Path
) -> None:
    results = simulate_to_folder(scenario, tmp_path / "run", replications=N, seed=SEED, chunk_size=2)
    assert isinstance(results, StoredResults)
    assert results.folder == tmp_path / "run"
    assert results.verdict().to_dict() == in_memory.verdict().to_dict()
    assert results.reality_check() == in_memory.reality_check()
    assert results.headline() == in_memory.headline()
    pd.testing.assert_frame_equal(results.summary(), in_memory.summary(), check_exact=True)
    for n in (1, 3, 4, N - 1, N):
        head, expected = results.first(n), in_memory.first(n)
        assert head.replications == n
        assert_same_tables(head, expected)
        assert head.verdict().to_dict() == expected.verdict().to_dict(), n
    # A stored run saved elsewhere is a normal run folder.
    results.save(tmp_path / "copy")
    assert_same_tables(simcoop.load_results(tmp_path / "copy"), in_memory)


def test_the_kept_tables_concatenated_as_they_come_are_those_of_the_run(
    scenario: simcoop.Scenario, in_memory: simcoop.Results, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """kpis and parameters, kept in memory part by part and concatenated every 2 parts here, equal the run's."""
    monkeypatch.setattr(stream, "KEPT_PARTS", 2)
    results = simulate_to_folder(scenario, tmp_path / "run", replications=N, seed=SEED, chunk_size=1)
    for name in stream.KEPT:
        got, expected = getattr(results, name), getattr(in_memory, name)
        assert (got is None) == (expected is None), name
        if expected is not None:
            pd.testing.assert_frame_equal(got, expected, check_exact=True)
            assert got.attrs == expected.attrs, name


def test_the_conversions_counted_on_disk_are_those_of_the_events(
    scenario: simcoop.Scenario, in_memory: simcoop.Results, small_groups: int, tmp_path: Path
) -> None:
    """``count_rows`` counts a row group at a time what ``conversion_counts`` counts on the whole events table."""
    from simcoop.verdict import CONVERSION, conversion_counts

    results = simulate_to_folder(scenario, tmp_path / "run", replications=N, seed=SEED, chunk_size=2)
    assert isinstance(results, StoredResults)
    for n in (1, 3, 4, N):
        head, expected = results.first(n), conversion_counts(in_memory.first(n).events)
        assert isinstance(head, StoredResults)
        pd.testing.assert_series_equal(head.count_rows("events", CONVERSION), expected, check_exact=True)
    assert conversion_counts(in_memory.events).sum() > 0, "the run has conversions to count"
    assert results.count_rows("events", [("from_stage", "none such")]).empty


def test_the_verdict_of_a_gated_run_reads_the_conversions_it_needs(tmp_path: Path) -> None:
    """With a go/no-go gate the verdict reads the opened replications only (``_subset``): the same on disk."""
    scenario = simcoop.load_scenario(simcoop.default_scenario_path())
    assert scenario.creation.go_decision is not None
    scenario = scenario.replace({"meta.horizon_months": 36})
    expected = simcoop.simulate(scenario, replications=6, seed=SEED)
    assert 0 < int(expected.kpis["opened"].sum()) < 6, "some replications open, some do not"
    results = simulate_to_folder(scenario, tmp_path / "run", replications=6, seed=SEED, chunk_size=4)
    assert results.verdict().to_dict() == expected.verdict().to_dict()
    assert_same_tables(results, expected)


def test_an_empty_table_has_its_file_whatever_the_row_groups(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A table without rows (funding, without conventions) is written as an empty file, as ``to_parquet`` writes it,
    also when the run ends where a row group ends."""
    monkeypatch.setattr(stream, "ROW_GROUP_REPLICATIONS", 2)
    scenario = small_scenario().replace({"cooperative.public_funding": []})
    expected = simcoop.simulate(scenario, replications=4, seed=SEED)
    assert expected.funding is not None and expected.funding.empty
    results = simulate_to_folder(scenario, tmp_path / "run", replications=4, seed=SEED, chunk_size=2)
    assert (tmp_path / "run" / "funding.parquet").is_file()
    assert_same_tables(results, expected)
    assert_same_tables(simcoop.load_results(tmp_path / "run"), expected)


def test_arrow_table_is_from_pandas_table_for_every_frame_of_a_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    """``arrow_table`` keeps the schema of the first frame of a kind and builds the next ones column by column:
    each is the table ``from_pandas`` makes of it (values, NaN as null, types, pandas metadata), whatever kind
    comes before it (same columns but other categories, dtypes or column index)."""
    import numpy as np
    import pyarrow as pa

    monkeypatch.setattr(stream, "_SCHEMAS", {})

    def frame(rows: int, names: list[str], ints: bool = True) -> pd.DataFrame:
        rng = np.random.default_rng(rows)
        values = rng.normal(size=rows)
        values[::3] = np.nan
        return pd.DataFrame({
            "scenario": pd.Categorical.from_codes(np.arange(rows) % len(names), categories=names),
            "replication": np.arange(rows, dtype=np.int64 if ints else np.int32),
            "date": pd.Timestamp("2027-01-01") + pd.to_timedelta(np.arange(rows), unit="D"),
            "amount_eur": values, "flag": values > 0, "site": pd.Series(["a", None] * (rows // 2), dtype="str"),
            "month": pd.array([None, *range(rows - 1)], dtype="Int64"),
        })  # fmt: skip

    frames = [frame(4, ["ref"]), frame(6, ["ref"]), frame(8, ["ref", "autre"]), frame(6, ["ref"], ints=False), frame(10, ["ref"])]
    frames.append(frames[-1].set_axis(pd.Index(list(frames[-1].columns), dtype=object), axis=1))
    for one in frames:
        expected = pa.Table.from_pandas(one, preserve_index=False, nthreads=1)
        table = stream.arrow_table(one)
        assert table.equals(expected) and table.schema.equals(expected.schema, check_metadata=True)
    assert len(stream._SCHEMAS) >= 3, "the frames of a kind after the first are built from the kept schema"
