"""Scale out: Dask executors give the local results exactly; runs stream to disk and resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import yaml

import simcoop
from simcoop import store
from simcoop.cli import main
from simcoop.executors import InlineExecutor, PoolExecutor, executor_kind, open_executor, parse_scheduler
from simcoop.store import PartialRunError, partial_folder, simulate_to_folder
from tests.conftest import assert_same_tables, reference_data, small_scenario

pytest.importorskip("distributed")

from simcoop.executors import DaskExecutor  # noqa: E402 - after the skip

SEED = 11
TABLES = ("monthly", "yearly", "events", "kpis", "funding", "portage")


def assert_same_results(a: simcoop.Results, b: simcoop.Results) -> None:
    assert_same_tables(a, b, TABLES)
    assert (a.seed, a.replications) == (b.seed, b.replications)


@pytest.fixture(scope="module")
def scenario() -> simcoop.Scenario:
    return small_scenario()


@pytest.fixture(scope="module")
def in_memory(scenario: simcoop.Scenario) -> simcoop.Results:
    """The reference: all replications in this process, all outputs in memory (``simulate``)."""
    return simcoop.simulate(scenario, replications=8, seed=SEED, jobs=1)


@pytest.fixture(scope="module")
def cluster() -> Iterator[DaskExecutor]:
    """A two-worker Dask LocalCluster, shut down after the module."""
    with DaskExecutor.local(2) as executor:
        yield executor


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = reference_data()
    data.pop("creation", None)
    data.pop("uncertainty", None)  # the file of small_scenario(): at fixed parameters
    data["meta"].update(horizon_months=36, name="small")
    path = tmp_path_factory.mktemp("scenario") / "small.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# ---------------------------------------------------------------------- executors


def _count_computed_chunks(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """The (start, stop) of every chunk computed from now on (``store.compute_chunk`` wrapped), in order."""
    computed: list[tuple[int, int]] = []
    original = store.compute_chunk

    def counting(scenario: simcoop.Scenario, seed: int, start: int, stop: int, portage: bool) -> dict:
        computed.append((start, stop))
        return original(scenario, seed, start, stop, portage)

    monkeypatch.setattr(store, "compute_chunk", counting)
    return computed


def test_two_worker_local_cluster_equals_the_local_run(
    scenario: simcoop.Scenario, in_memory: simcoop.Results, cluster: DaskExecutor, tmp_path: Path
) -> None:
    assert cluster.workers == 2
    results = simulate_to_folder(scenario, tmp_path / "run", replications=8, seed=SEED, executor=cluster, chunk_size=3)
    assert_same_results(results, in_memory)
    assert_same_results(simcoop.load_results(tmp_path / "run"), simcoop.load_results(_saved(in_memory, tmp_path / "mem")))
    assert json.loads((tmp_path / "run" / "manifest.json").read_text())["jobs"] == 2
    assert not partial_folder(tmp_path / "run").exists()


def test_process_pool_and_portage_comparison_equal_the_local_run(scenario: simcoop.Scenario, tmp_path: Path) -> None:
    expected = simcoop.simulate(scenario, replications=4, seed=SEED, compare_portage=True)
    results = simulate_to_folder(
        scenario, tmp_path / "run", replications=4, seed=SEED, executor=PoolExecutor(2), compare_portage=True, chunk_size=1
    )
    assert results.portage is not None
    assert_same_results(results, expected)


def test_cli_sends_the_run_to_an_existing_scheduler(
    scenario_file: Path, in_memory: simcoop.Results, cluster: DaskExecutor, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    address = cluster.cluster.scheduler_address
    assert address.startswith("tcp://")
    out = tmp_path / "run"
    status = main(["run", str(scenario_file), "-n", "8", "-s", str(SEED), "-o", str(out), "--scheduler", address])
    assert status == 0, capsys.readouterr().err
    assert f"running on the Dask cluster at {address}" in capsys.readouterr().err
    pd.testing.assert_frame_equal(pd.read_parquet(out / "monthly.parquet"), in_memory.monthly, check_exact=True)


def test_unreachable_scheduler_is_a_clear_error(
    scenario_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SIMCOOP_SCHEDULER", "tcp://127.0.0.1:1")  # nothing listens on port 1
    monkeypatch.setenv("SIMCOOP_SCHEDULER_TIMEOUT", "0.5")
    status = main(["run", str(scenario_file), "-n", "2", "-o", str(tmp_path / "run"), "-q"])
    err = capsys.readouterr().err
    assert status == 1
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:1" in err
    assert "Traceback" not in err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("value", ["bogus", "tcp//host:8786"])
def test_unknown_scheduler_value_exits_2(
    value: str, scenario_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", str(scenario_file), "-n", "2", "-o", str(tmp_path / "run"), "--scheduler", value]) == 2
    assert f"unknown scheduler {value!r}" in capsys.readouterr().err


def test_parse_scheduler() -> None:
    assert parse_scheduler(None) is None
    assert parse_scheduler("pool") is None
    assert parse_scheduler("local") == "local"
    assert parse_scheduler(" tcp://10.0.0.5:8786 ") == "tcp://10.0.0.5:8786"


def test_executor_kind_names_what_open_executor_makes() -> None:
    for jobs, kind, made in ((1, "inline", InlineExecutor), (2, "pool", PoolExecutor)):
        assert executor_kind(jobs, None, None) == kind
        with open_executor(jobs) as executor:
            assert type(executor) is made
    assert executor_kind(2, "local", None) == "dask-local"
    assert executor_kind(1, None, 3) == "dask-local"
    assert executor_kind(2, "tcp://10.0.0.5:8786", None) == "dask"


@pytest.mark.parametrize("env, early", [(None, True), ("pool", True), ("local", False), ("not a scheduler", False)])
def test_run_starts_its_pool_early_exactly_when_its_options_mean_a_pool(monkeypatch: pytest.MonkeyPatch, env: str | None, early: bool) -> None:
    import argparse

    from simcoop.cli import run as cli_run

    if env is None:
        monkeypatch.delenv("SIMCOOP_SCHEDULER", raising=False)
    else:
        monkeypatch.setenv("SIMCOOP_SCHEDULER", env)
    pool = cli_run._early_pool(argparse.Namespace(jobs=2, scheduler=None, dask_workers=None))
    try:
        assert isinstance(pool, PoolExecutor) if early else pool is None
    finally:
        if pool is not None:
            pool.release()
            pool.close()


# ---------------------------------------------------------------------- streaming and resume


class Interrupt:
    """An ``on_chunk`` callback that raises KeyboardInterrupt once ``after`` chunks are on disk."""

    def __init__(self, after: int) -> None:
        self.after, self.seen = after, 0

    def __call__(self, start: int, stop: int) -> None:
        self.seen += 1
        if self.seen == self.after:
            raise KeyboardInterrupt


def test_interrupted_run_resumes_without_recomputing(
    scenario: simcoop.Scenario, in_memory: simcoop.Results, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "run"
    computed = _count_computed_chunks(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        simulate_to_folder(scenario, out, replications=8, seed=SEED, chunk_size=2, on_chunk=Interrupt(after=2))
    assert computed == [(0, 2), (2, 4)]
    assert not out.exists(), "an interrupted run leaves no output folder"
    assert not list(out.parent.glob(".run.*")), "nor a temporary one"
    assert sorted(p.name for p in partial_folder(out).iterdir() if p.is_dir()) == ["r000000-000002", "r000002-000004"]

    computed.clear()
    resumed: list[int] = []
    results = simulate_to_folder(scenario, out, replications=8, seed=SEED, chunk_size=3, on_resume=resumed.append)
    assert resumed == [4]
    assert computed == [(4, 7), (7, 8)], "only the missing replications are computed (in chunks of the new size)"
    assert_same_results(results, in_memory)
    assert not partial_folder(out).exists()
    # The CSV files, joined from the chunks' rows kept on disk (those of the interrupted session
    # included), are byte for byte those of the whole tables written at once.
    in_memory.save(tmp_path / "whole")
    written = sorted(p.name for p in out.glob("*.csv"))
    assert "monthly.csv" in written
    for name in written:
        assert (out / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name


def test_a_chunk_being_written_when_interrupted_is_discarded(
    scenario: simcoop.Scenario, in_memory: simcoop.Results, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        simulate_to_folder(scenario, out, replications=8, seed=SEED, chunk_size=4, on_chunk=Interrupt(after=1))
    half = partial_folder(out) / "r000004-000008.tmp"  # as a kill during the write would leave it
    half.mkdir()
    (half / "monthly.parquet").write_bytes(b"PAR1 half")
    assert_same_results(simulate_to_folder(scenario, out, replications=8, seed=SEED), in_memory)


def test_stale_work_folder_of_another_run_is_discarded_with_a_message(
    scenario: simcoop.Scenario, in_memory: simcoop.Results, tmp_path: Path
) -> None:
    """An interrupted run's chunks never block a corrected run: they are discarded, and it is said."""
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        simulate_to_folder(scenario, out, replications=8, seed=SEED + 1, chunk_size=4, on_chunk=Interrupt(after=1))
    told: list[str] = []
    results = simulate_to_folder(scenario, out, replications=8, seed=SEED, on_discard=told.append)
    assert_same_results(results, in_memory)
    assert len(told) == 1 and "unfinished chunks of another run" in told[0] and "seed 12 -> 11" in told[0]
    assert "--force" not in told[0]
    assert not partial_folder(out).exists()


def test_a_foreign_partial_folder_is_never_deleted(scenario: simcoop.Scenario, tmp_path: Path) -> None:
    """A user's folder that happens to be at <out>.partial is refused, even with force, and kept."""
    out = tmp_path / "run"
    mine = partial_folder(out)
    mine.mkdir()
    (mine / "notes.md").write_text("mes notes\n", encoding="utf-8")
    for force in (False, True):
        with pytest.raises(PartialRunError, match=r"not a simcoop work folder .*notes\.md.*never deletes it, even with --force"):
            simulate_to_folder(scenario, out, replications=2, seed=SEED, force=force)
    assert (mine / "notes.md").read_text(encoding="utf-8") == "mes notes\n"
    assert not out.exists()


@pytest.mark.parametrize("damage", ["empty", "truncated", "no_manifest"])
def test_a_damaged_chunk_is_recomputed_on_resume(
    scenario: simcoop.Scenario, in_memory: simcoop.Results, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    """A zero-length or truncated chunk file (power cut, no fsync) is found at once and only that chunk recomputed."""
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        simulate_to_folder(scenario, out, replications=8, seed=SEED, chunk_size=4, on_chunk=Interrupt(after=2))
    chunk = partial_folder(out) / "r000000-000004"
    if damage == "empty":
        (chunk / "kpis.arrow").write_bytes(b"")
    elif damage == "truncated":
        data = (chunk / "monthly.arrow").read_bytes()
        (chunk / "monthly.arrow").write_bytes(data[: len(data) // 2])
    else:
        (chunk / "chunk.json").unlink()
    computed = _count_computed_chunks(monkeypatch)
    told: list[str] = []
    results = simulate_to_folder(scenario, out, replications=8, seed=SEED, chunk_size=4, on_discard=told.append)
    assert_same_results(results, in_memory)
    assert computed == [(0, 4)], "only the damaged chunk is computed again"
    assert len(told) == 1 and "recomputing the replications of r000000-000004" in told[0]


def test_a_run_holds_the_output_lock_against_every_other_writer(
    scenario: simcoop.Scenario, in_memory: simcoop.Results, tmp_path: Path
) -> None:
    """While a run streams into <out>.partial, Results.save into the same folder is refused (one lock)."""
    from simcoop.outdir import FolderBusyError

    out = tmp_path / "run"
    refused: list[str] = []

    def another_writer(start: int, stop: int) -> None:
        import threading

        def save() -> None:
            try:
                in_memory.save(out)
            except FolderBusyError as exc:
                refused.append(str(exc))

        thread = threading.Thread(target=save)
        thread.start()
        thread.join()

    simulate_to_folder(scenario, out, replications=8, seed=SEED, chunk_size=4, on_chunk=another_writer)
    assert len(refused) == 2 and "is writing" in refused[0]
    assert not (tmp_path / ".run.lock").exists(), "the lock file is removed when released"


def test_cli_interrupt_then_resume_and_mismatch(
    scenario_file: Path, in_memory: simcoop.Results, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    out = tmp_path / "run"
    original = store.compute_chunk
    calls: list[int] = []

    def interrupted_at_third(*task: object) -> dict:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return original(*task)

    monkeypatch.setattr(store, "compute_chunk", interrupted_at_third)
    args = ["run", str(scenario_file), "-n", "8", "-s", str(SEED), "-o", str(out)]  # chunks of 2 (8 / 4)
    assert main(args) == 130
    err = capsys.readouterr().err
    assert f"{out} was not written; the finished chunks are kept in {partial_folder(out)}/" in err
    assert "Traceback" not in err
    monkeypatch.setattr(store, "compute_chunk", original)

    assert main(args) == 0
    assert "resuming: 4 of 8 replications already in" in capsys.readouterr().err
    pd.testing.assert_frame_equal(pd.read_parquet(out / "yearly.parquet"), in_memory.yearly, check_exact=True)
    assert not partial_folder(out).exists()

    # Interrupted again into another folder, then corrected (another seed): not blocked, and no --force suggested.
    other = tmp_path / "other"
    calls.clear()
    monkeypatch.setattr(store, "compute_chunk", interrupted_at_third)
    assert main([*args[:-1], str(other)]) == 130
    monkeypatch.setattr(store, "compute_chunk", original)
    capsys.readouterr()
    assert main([*args[:-4], "-s", str(SEED + 1), "-o", str(other), "-q"]) == 0
    err = capsys.readouterr().err
    assert "discarded the unfinished chunks of another run" in err and "--force" not in err
    assert json.loads((other / "manifest.json").read_text(encoding="utf-8"))["seed"] == SEED + 1


def test_sigterm_keeps_the_chunks_and_writes_no_output(scenario_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    command = [sys.executable, "-m", "simcoop.cli", "run", str(scenario_file), "-n", "200", "-o", str(out), "-q"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 30
        while not _chunks(out) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 130, err
    assert "run the same command again to resume" in err
    assert _chunks(out) and not out.exists()


def _chunks(out: Path) -> list[Path]:
    folder = partial_folder(out)
    return [p for p in folder.glob("r*") if not p.name.endswith(".tmp")] if folder.is_dir() else []


def _saved(results: simcoop.Results, folder: Path) -> Path:
    results.save(folder)
    return folder


def test_inline_executor_runs_lazily() -> None:
    ran: list[int] = []
    items = InlineExecutor().imap_unordered(lambda x: ran.append(x) or x, [(1,), (2,)])
    assert ran == []
    assert next(items) == ((1,), 1) and ran == [1]


def test_a_pool_keeps_its_workers_between_calls_and_drops_them_when_a_call_is_abandoned() -> None:
    """The solver's candidates and the sensitivity's variants do not start new workers each time."""
    with PoolExecutor(2) as pool:
        seen = {pid for _, pid in pool.imap_unordered(os.getpid, [()] * 6)}
        assert os.getpid() not in seen
        seen |= {pid for _, pid in pool.imap_unordered(os.getpid, [()] * 6)}
        everything = pool.imap_unordered(os.getpid, [()] * 6)
        seen |= {next(everything)[1] for _ in range(6)}
        everything.close()  # a caller that stops reading after the last result (as simcoop's studies do)
        seen |= {pid for _, pid in pool.imap_unordered(os.getpid, [()] * 6)}
        assert len(seen) <= 2  # never more processes than the pool's two workers: the same ones throughout
        # A caller that stops reading half way: the workers are shut down. The tasks last long
        # enough that four of the six are still on the workers when the first result comes (six
        # instant tasks can all be done by then, and a call with nothing left keeps its workers).
        abandoned = pool.imap_unordered(time.sleep, [(0.5,)] * 6)
        next(abandoned)
        abandoned.close()
        after = {pid for _, pid in pool.imap_unordered(os.getpid, [()] * 6)}
        assert after and after.isdisjoint(seen)
    assert pool._pool is None  # closed with the block


def test_a_chunks_files_give_back_its_arrow_tables_exactly(scenario: simcoop.Scenario) -> None:
    """The chunk files the workers make (``store.chunk_files``): each table's Arrow IPC file reads back as the
    table ``arrow_table`` makes of its frame (schema and metadata included); the Arrow tables the parent
    receives (pickled as those files) are the same, and the data crosses the pipe once."""
    import pickle

    import pyarrow as pa

    from simcoop.results.stream import arrow_table
    from simcoop.runner import run_chunk

    kept, arrow, files = store.compute_chunk(scenario, SEED, 0, 2, True)
    whole = simcoop.Results.from_outputs(scenario, run_chunk(scenario, SEED, range(0, 2), True)[0], seed=SEED)
    tables = {name: frame for name in store.TABLES if (frame := getattr(whole, name)) is not None}
    assert set(arrow) == set(tables) and set(kept) <= set(tables)
    assert {f"{name}.arrow" for name in tables} <= set(files) and not any(f.endswith(".parquet") for f in files)
    sent = pickle.dumps((kept, arrow, files), protocol=pickle.HIGHEST_PROTOCOL)
    assert len(sent) < 1.1 * sum(map(len, files.values())), "the Arrow tables travel as the chunk's files, once"
    _, received, received_files = pickle.loads(sent)
    for name, frame in tables.items():
        expected = arrow_table(frame)
        for table in (pa.ipc.open_file(pa.py_buffer(files[f"{name}.arrow"])).read_all(), arrow[name], received[name]):
            assert table.equals(expected) and table.schema.equals(expected.schema, check_metadata=True), name
        assert received_files[f"{name}.arrow"] == files[f"{name}.arrow"]
    flagged = tables["kpis"].copy()
    flagged.attrs["note"] = "x"
    back = pa.ipc.open_file(pa.py_buffer(store.chunk_files({"kpis": flagged})["kpis.arrow"])).read_all()
    assert back.schema.metadata[b"PANDAS_ATTRS"] == b'{"note": "x"}'


def _as_older_chunk(chunk: Path) -> None:
    """Rewrite a chunk's Arrow IPC files as an older simcoop wrote its chunks: ``<table>.parquet``, the bytes
    ``to_parquet(index=False)`` writes of the table, listed in ``chunk.json`` with their size and digest."""
    import hashlib

    import pyarrow as pa

    listed = json.loads((chunk / "chunk.json").read_text(encoding="utf-8"))["files"]
    for path in sorted(chunk.glob("*.arrow")):
        frame = pa.ipc.open_file(pa.py_buffer(path.read_bytes())).read_all().to_pandas()
        target = path.with_suffix(".parquet")
        frame.to_parquet(target, index=False)
        path.unlink()
        del listed[path.name]
        data = target.read_bytes()
        listed[target.name] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    (chunk / "chunk.json").write_text(json.dumps({"files": listed}, indent=2), encoding="utf-8")


def test_chunks_of_an_older_simcoop_in_parquet_are_resumed(
    scenario: simcoop.Scenario, in_memory: simcoop.Results, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A work folder left by an older simcoop (its chunks' tables as Parquet) resumes with this one, mixed with
    chunks of this one, and gives the run folder of an uninterrupted run: every CSV and Parquet file byte for byte."""
    out, whole = tmp_path / "run", tmp_path / "whole"
    simulate_to_folder(scenario, whole, replications=8, seed=SEED, chunk_size=2)
    with pytest.raises(KeyboardInterrupt):
        simulate_to_folder(scenario, out, replications=8, seed=SEED, chunk_size=2, on_chunk=Interrupt(after=3))
    _as_older_chunk(partial_folder(out) / "r000000-000002")
    _as_older_chunk(partial_folder(out) / "r000004-000006")
    assert (partial_folder(out) / "r000000-000002" / "monthly.parquet").is_file()
    computed = _count_computed_chunks(monkeypatch)
    told: list[str] = []
    results = simulate_to_folder(scenario, out, replications=8, seed=SEED, chunk_size=2, on_discard=told.append)
    assert computed == [(6, 8)] and told == [], "the older chunks are used, not recomputed"
    assert_same_results(results, in_memory)
    names = sorted(p.name for p in whole.iterdir() if p.suffix in (".csv", ".parquet"))
    assert "monthly.parquet" in names and "monthly.csv" in names
    assert names == sorted(p.name for p in out.iterdir() if p.suffix in (".csv", ".parquet"))
    for name in names:
        assert (out / name).read_bytes() == (whole / name).read_bytes(), name



def test_a_released_pool_lets_its_workers_exit_and_starts_new_ones_for_a_later_call() -> None:
    """``release`` (what ``simcoop run`` does once every chunk is on disk) does not wait for the workers."""
    import multiprocessing

    with PoolExecutor(2) as pool:
        first = {pid for _, pid in pool.imap_unordered(os.getpid, [()] * 4)}
        pool.release()
        assert pool._pool is None
        deadline = time.monotonic() + 60
        while first & {child.pid for child in multiprocessing.active_children()}:
            assert time.monotonic() < deadline, "the released workers did not exit"
            time.sleep(0.05)
        again = {pid for _, pid in pool.imap_unordered(os.getpid, [()] * 4)}
        assert again and again.isdisjoint(first)
    assert pool._pool is None


# ---------------------------------------------------------------------- every study on the same executor path


def _study_scenarios() -> dict[str, simcoop.Scenario]:
    base = small_scenario(**{"meta.horizon_months": 24})
    return {"base": base, "more accueils": base.replace({"territory.accueils_per_year_at_maturity": 140})}


@pytest.mark.parametrize(
    "study",
    ["compare", "sensitivity", "gsa", "precision", "solve", "network", "ranking"],
)
def test_every_study_gives_on_dask_what_it_gives_in_this_process(
    study: str, cluster: DaskExecutor, tmp_path: Path
) -> None:
    """The studies run their replications through ``simcoop.runner.iter_replications``: the
    executor (this process or a Dask cluster) changes nothing in their numbers."""
    from simcoop.network import load_network, simulate_network
    from simcoop.studies import gsa
    from simcoop.studies.compare import compare
    from simcoop.studies.precision import simulate_to_precision
    from simcoop.studies.ranking import load_candidates, rank_territories
    from simcoop.studies.sensitivity import sensitivity
    from simcoop.studies.solve import solve

    scenarios = _study_scenarios()
    base = scenarios["base"]
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(base.to_dict(), allow_unicode=True), encoding="utf-8")

    def run(executor: object) -> object:
        if study == "compare":
            return compare(scenarios, 4, SEED, executor=executor).table()
        if study == "sensitivity":
            return sensitivity(base, [("cooperative.contribution.rate", 0.08, 0.12)], 3, SEED, executor=executor)
        if study == "gsa":
            params = [("cooperative.contribution.rate", 0.08, 0.12), ("pathway.entry_share", 0.2, 0.4)]
            spec = gsa.problem(params)
            X = gsa.sample(spec, "morris", 2, seed=SEED)
            return gsa.evaluate(base, spec, X, replications=2, seed=SEED, executor=executor)
        if study == "precision":
            results, report = simulate_to_precision(base, precision=0.5, seed=SEED, initial=4, max_replications=8, executor=executor)
            return results.kpis
        if study == "solve":
            solution = solve(base, target="contribution", replications=4, seed=SEED, uncertainty=False, tolerance=0.02, executor=executor)
            return pd.DataFrame(solution.history)
        if study == "network":
            network = {
                "name": "n", "base": "base.yaml", "end_month": "2028-06", "simulation": {"replications": 3, "seed": SEED},
                "members": [{"name": "A", "opening_month": "2027-01"}, {"name": "B", "opening_month": "2027-07"}],
            }  # fmt: skip
            path = tmp_path / "network.yaml"
            path.write_text(yaml.safe_dump(network, allow_unicode=True), encoding="utf-8")
            return simulate_network(load_network(path), executor=executor).yearly
        candidates = {
            "name": "c", "base": "base.yaml", "simulation": {"replications": 4, "seed": SEED}, "bootstrap": 50,
            "candidates": {"a": {}, "b": {"territory.accueils_per_year_at_maturity": 140}},
        }  # fmt: skip
        path = tmp_path / "candidates.yaml"
        path.write_text(yaml.safe_dump(candidates, allow_unicode=True), encoding="utf-8")
        return rank_territories(load_candidates(path), executor=executor).table

    local = run(InlineExecutor())
    on_dask = run(cluster)
    pd.testing.assert_frame_equal(on_dask, local, check_exact=True)


def test_cli_compare_on_two_dask_workers_equals_two_jobs(scenario_file: Path, tmp_path: Path) -> None:
    args = ["compare", str(scenario_file), str(scenario_file), "-n", "4", "-s", str(SEED), "-q"]
    assert main([*args, "-j", "2", "-o", str(tmp_path / "pool.csv")]) == 0
    assert main([*args, "--dask-workers", "2", "-o", str(tmp_path / "dask.csv")]) == 0
    pool = pd.read_csv(tmp_path / "pool.csv")
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "dask.csv"), pool, check_exact=True)
    assert len(pool) > 0
