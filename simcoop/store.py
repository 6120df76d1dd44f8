"""A run streamed to disk chunk by chunk, resumable, then saved as a normal run folder.

``simulate_to_folder(scenario, out, ...)`` runs the replications in chunks on an executor
(``simcoop.executors``). Each chunk is turned into its tables where it ran
(``Results.from_outputs`` on the chunk: every table is per replication, so the tables of
the chunks, concatenated in replication order, equal those of the whole run) and into its
files (``chunk_files``: Arrow IPC files and CSV rows, made there too), which the parent
writes, as soon as they arrive, into a work folder next to the output::

    <out>.partial/
      partial.json                  what run this is: scenario hash, seed, replications, ...
      r000000-000025/               replications 0-24: monthly, yearly, events, kpis,
      r000025-000050/               funding (and portage) as Arrow IPC files (``.arrow``)
      ...                           and their CSV rows, written to a .tmp folder and
                                    renamed, so a chunk is whole or absent

A chunk's tables are Arrow IPC files (Feather v2, uncompressed): the worker's Arrow tables
as they are, written and read back without encoding (Parquet cost 0.6-0.7 ms of a worker's
CPU a replication, IPC 0.03), and the parent reads its Arrow tables out of those very bytes.
Chunks written by an older simcoop hold ``<table>.parquet`` instead; they are still read
on resume (an older simcoop, given a chunk of ``.arrow`` files, recomputes it).

The run folder's tables are written while the chunks arrive, in replication order
(``simcoop.results.stream``: a chunk that comes early waits in memory, a few at most, else
on disk only), into ``<out>.partial/tables.tmp/``: their Parquet files in row groups of
whole replications that do not depend on the chunking, their CSV files as the header and
the rows the workers made for their chunks. The save (``StoredResults.save(move=True)``)
moves them into the new run folder, writes the manifest, summaries and verdict atomically,
and the work folder is removed. The parent never holds the run's tables: the returned
``StoredResults`` keeps kpis, portage and parameters and reads the others from the run
folder when asked (``simcoop.results.stored``).

Resume is automatic: a work folder of the same run (same scenario hash, seed,
replications, portage comparison and simcoop version) is continued, its chunks kept and
only the missing replications computed; ``fresh=True`` starts over. A stale work folder
of another run (an interrupted run of a scenario since corrected, say) never blocks:
its chunks are discarded, and ``on_discard`` says so. A folder at ``<out>.partial`` that
is not a simcoop work folder (no ``partial.json``) is never touched, ``force`` or not.
An interruption leaves the work folder and no output folder.

Every chunk file is flushed to disk (fsync) and listed with its SHA-256 in the chunk's
``chunk.json``, written last; on resume a chunk whose files do not match (a zero-length
file after a power cut, a truncated copy) is discarded and recomputed. The run holds
the output folder's lock (``simcoop.outdir.folder_lock``) from the first check to the
final save, so no other writer (run, ``-n auto``, ``Results.save``, solve, report) can
come in between.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from simcoop._atomic import fsync_folder, write_json_atomically
from simcoop.csvout import csv_rows
from simcoop.outdir import describe_folder, folder_lock, sha256_of
from simcoop._version import __version__
from simcoop.executors import ChunkExecutor, InlineExecutor
from simcoop.results import TABLES, OutputExistsError, Results, check_output_folder
from simcoop.results.stored import StoredResults
from simcoop.results.stream import KEPT, NO_CSV, TableStreams, arrow_table
from simcoop.scenario import Scenario

__all__ = ["simulate_to_folder", "partial_folder", "compute_chunk", "chunk_files", "ChunkStore", "RunKey", "PartialRunError", "TABLES"]

# Tables written per chunk: those of a run folder (``simcoop.results.TABLES``), in that order;
# ``portage`` only with the portage comparison.

PARTIAL_SUFFIX = ".partial"
_MANIFEST = "partial.json"
_CHUNK_MANIFEST = "chunk.json"
#: A chunk's CSV rows of a table (``simcoop.csvout.csv_rows``), kept on disk, not in memory, until the save.
_ROWS_SUFFIX = ".csv-rows"
#: A chunk's table as an Arrow IPC file; chunks of older simcoop versions have ``_OLD_TABLE_SUFFIX`` (Parquet).
_TABLE_SUFFIX = ".arrow"
_OLD_TABLE_SUFFIX = ".parquet"
_FORMAT = "simcoop-partial/1"
#: The run folder's tables being written, in the work folder (``.tmp``: removed when a run resumes).
_TABLES_DIR = "tables.tmp"
#: Largest chunk: about 1.2 s of a worker's CPU for the reference scenario (2026), so an interruption
#: loses little. Each chunk also pays some 50 ms to make its tables, whatever its size (pandas and
#: Arrow work per column): chunks of 50 rather than 25 made `simcoop run -n 1000 --jobs 2` about 5 %
#: faster in wall time (benchmarks/README.md, session 23); of 100, the last chunks left a worker idle.
MAX_CHUNK_SIZE = 50

ChunkCallback = Callable[[int, int], None]


class Until(Protocol):
    """A count of replications decided as the run goes (``simcoop.studies.precision.PrecisionPlan``).

    The run does replications ``0 .. start - 1``, then, after each batch, asks the rule with the
    replications done so far (``0 .. done - 1``), their kpis and their CAPE -> CESA conversions
    per replication (``simcoop.verdict.conversion_counts``) for the total it needs; ``done``
    ends the run. ``key`` names the rule in the work folder's manifest: the chunks of a run under
    another rule are not resumed.
    """

    key: str
    start: int

    def __call__(self, done: int, kpis: pd.DataFrame, conversions: pd.Series) -> int: ...


class PartialRunError(OutputExistsError):
    """The work folder next to the output is not simcoop's, or another run is writing it."""


@dataclass(frozen=True)
class RunKey:
    """What identifies a run's chunks: any difference makes them unusable for this run."""

    scenario_name: str
    scenario_hash: str
    seed: int
    replications: int
    compare_portage: bool
    simcoop_version: str
    until: str | None = None  # the rule of a run whose count is decided as it goes (``replications``: its cap)

    @classmethod
    def of(cls, scenario: Scenario, seed: int, replications: int, compare_portage: bool, until: str | None = None) -> RunKey:
        """The key of a run of ``scenario`` under ``seed`` (with the running simcoop version)."""
        return cls(scenario.meta.name, scenario.scenario_hash(), int(seed), int(replications), bool(compare_portage), __version__, until)

    def differences(self, other: dict[str, Any]) -> list[str]:
        """The fields on which a stored manifest differs from this key, as 'field stored -> wanted'."""
        return [
            f"{name} {other.get(name)!r} -> {value!r}"
            for name, value in asdict(self).items()
            if name != "scenario_name" and other.get(name) != value
        ]


def partial_folder(out: str | os.PathLike[str]) -> Path:
    """The work folder of a run whose output folder is ``out``: ``<out>.partial`` beside it."""
    out = Path(out)
    return out.with_name(out.name + PARTIAL_SUFFIX)


def compute_chunk(
    scenario: Scenario, seed: int, start: int, stop: int, compare_portage: bool
) -> tuple[dict[str, pd.DataFrame], dict[str, Any], dict[str, bytes]]:
    """Simulate replications ``start``..``stop - 1`` (runs on a worker); return the tables the run keeps in
    memory (``KEPT``), every table as an Arrow table (what the run folder's Parquet files take), and the
    chunk's files.

    Through ``simcoop.runner.run_chunk``, the one place where each replication draws its
    uncertain parameters. The Arrow tables and the chunk's files (``chunk_files``: the tables'
    Arrow IPC files and CSV rows) are made here, on the workers, so the parent only writes them.
    The Arrow tables are sent to the parent as the chunk's own IPC files (``_ArrowTables``):
    the data crosses once, and the parent reads the tables out of the bytes it writes.
    """
    from simcoop.runner import run_chunk

    outputs, _ = run_chunk(scenario, seed, range(start, stop), compare_portage)
    results = Results.from_outputs(scenario, outputs, seed=seed)
    tables = {name: frame for name in TABLES if (frame := getattr(results, name)) is not None}
    arrow = {name: arrow_table(frame) for name, frame in tables.items()}
    files = chunk_files(tables, arrow)
    ipc = {name: files[f"{name}{_TABLE_SUFFIX}"] for name in arrow}
    return {name: tables[name] for name in KEPT if name in tables}, _ArrowTables(arrow, ipc), files


def chunk_files(tables: dict[str, pd.DataFrame], arrow: dict[str, Any] | None = None) -> dict[str, bytes]:
    """A chunk's files by name: each table as an Arrow IPC file (``<name>.arrow``: its ``arrow_table``, which
    ``pyarrow.ipc.open_file`` gives back exactly, schema and metadata included) and, for every table the
    run folder has as CSV, its CSV rows (``simcoop.csvout.csv_rows``, UTF-8).

    ``arrow``: the tables' ``arrow_table``, when already made."""
    files = {}
    for name, frame in tables.items():
        files[f"{name}{_TABLE_SUFFIX}"] = _ipc_bytes(arrow[name] if arrow is not None else arrow_table(frame))
    for name, frame in tables.items():
        if name not in NO_CSV:
            files[f"{name}{_ROWS_SUFFIX}"] = csv_rows(frame).encode("utf-8")
    return files


def _ipc_bytes(table: Any) -> bytes:
    """``table`` as an Arrow IPC file (Feather v2, uncompressed: compressing cost more CPU than the bytes saved)."""
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _ipc_table(data: bytes) -> Any:
    """The Arrow table of an IPC file's bytes (not copied: the table's buffers are views of ``data``)."""
    import pyarrow as pa

    return pa.ipc.open_file(pa.py_buffer(data)).read_all()


class _ArrowTables(dict):  # type: ignore[type-arg]
    """A chunk's Arrow tables by name, pickled as their IPC files: the very ``bytes`` objects of the chunk's
    files, which pickle (memoising objects) then sends once for both, and from which the receiving side
    reads the tables without a copy. Pickling the tables themselves sent the data twice and cost a worker
    about 0.2 ms of CPU a replication."""

    def __init__(self, tables: dict[str, Any], ipc: dict[str, bytes]) -> None:
        super().__init__(tables)
        self.ipc = ipc

    def __reduce__(self) -> tuple[Any, tuple[dict[str, bytes]]]:
        return _arrow_tables, (self.ipc,)


def _arrow_tables(ipc: dict[str, bytes]) -> _ArrowTables:
    return _ArrowTables({name: _ipc_table(data) for name, data in ipc.items()}, ipc)


class ChunkStore:
    """The work folder of one run: its manifest and its finished chunks."""

    def __init__(self, folder: Path, key: RunKey) -> None:
        self.folder = folder
        self.key = key
        self._lock: Any = None

    @classmethod
    def open(
        cls,
        folder: Path,
        key: RunKey,
        force: bool = False,
        fresh: bool = False,
        on_discard: Callable[[str], None] | None = None,
    ) -> ChunkStore:
        """Open (or create) the work folder for ``key``, under the output folder's lock.

        The chunks of another run, or damaged chunks, are discarded (``on_discard`` is
        told why); a folder that is not a simcoop work folder is refused, whatever
        ``force`` says (it only concerns the output folder).
        """
        store = cls(folder, key)
        out = folder.with_name(folder.name[: -len(PARTIAL_SUFFIX)]) if folder.name.endswith(PARTIAL_SUFFIX) else folder
        stack = contextlib.ExitStack()
        stack.enter_context(folder_lock(out))
        store._lock = stack
        try:
            store._prepare(fresh, on_discard or (lambda _message: None))
        except BaseException:
            store.release()
            raise
        return store

    def _prepare(self, fresh: bool, on_discard: Callable[[str], None]) -> None:
        folder, manifest = self.folder, self.folder / _MANIFEST
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            raise PartialRunError(
                f"{folder} exists and is not a folder; simcoop will not touch it: move it away, or choose another --out"
            )
        if folder.is_dir():
            try:
                stored = json.loads(manifest.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                stored = None
            leftover = [p for p in folder.iterdir() if p.name != ".lock"]
            if not isinstance(stored, dict) or stored.get("format") != _FORMAT:
                if leftover:
                    raise PartialRunError(
                        f"{folder} is not a simcoop work folder (no readable {_MANIFEST}); it holds "
                        f"{describe_folder(folder)}. simcoop never deletes it, even with --force: move it away, "
                        "or choose another --out"
                    )
                fresh = True
            elif differences := self.key.differences(stored):
                on_discard(
                    f"discarded the unfinished chunks of another run in {folder}/ (scenario "
                    f"{stored.get('scenario_name')!r}, seed {stored.get('seed')}, {stored.get('replications')} "
                    f"replications; differs in {'; '.join(differences)})"
                )
                fresh = True
            elif fresh and len(leftover) > 1:
                on_discard(f"discarded the finished chunks in {folder}/ (--fresh)")
        if fresh and folder.is_dir():
            for child in folder.iterdir():
                shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
        folder.mkdir(parents=True, exist_ok=True)
        for child in folder.iterdir():
            if child.name.endswith(".tmp") or child.name == ".lock":  # a chunk being written when the run stopped
                shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
            elif child.is_dir() and child.name.startswith("r") and (problem := self._chunk_problem(child)):
                on_discard(f"recomputing the replications of {child.name} in {folder}/: {problem}")
                shutil.rmtree(child)
        if not manifest.is_file():
            write_json_atomically(manifest, {"format": _FORMAT, **asdict(self.key)})

    @staticmethod
    def _chunk_problem(chunk: Path) -> str | None:
        """Why a finished chunk cannot be used (None when every file matches its recorded digest)."""
        try:
            listed = json.loads((chunk / _CHUNK_MANIFEST).read_text(encoding="utf-8"))["files"]
        except (OSError, ValueError, KeyError, TypeError):
            return f"no readable {_CHUNK_MANIFEST} (written by an older simcoop, or damaged)"
        if not isinstance(listed, dict) or not {f"kpis{_TABLE_SUFFIX}", f"kpis{_OLD_TABLE_SUFFIX}"} & set(listed):
            return f"{_CHUNK_MANIFEST} lists no kpis{_TABLE_SUFFIX}"
        for name, record in listed.items():
            path = chunk / name
            try:
                if path.stat().st_size != record["bytes"] or sha256_of(path) != record["sha256"]:
                    return f"{name} does not match its recorded size and digest (damaged or truncated)"
            except (OSError, KeyError, TypeError):
                return f"{name} is missing or unreadable"
        return None

    # ------------------------------------------------------------------ chunks
    def chunks(self) -> list[tuple[int, int]]:
        """The (start, stop) of every finished chunk, sorted."""
        found = []
        for child in self.folder.iterdir():
            if child.is_dir() and child.name.startswith("r") and not child.name.endswith(".tmp"):
                try:
                    start, stop = (int(x) for x in child.name[1:].split("-"))
                except ValueError:
                    continue
                if 0 <= start < stop <= self.key.replications and (child / _CHUNK_MANIFEST).is_file():
                    found.append((start, stop))
        return sorted(found)

    def missing(self) -> list[int]:
        """Replications not in any finished chunk, in order."""
        done = [False] * self.key.replications
        for start, stop in self.chunks():
            done[start:stop] = [True] * (stop - start)
        return [r for r, d in enumerate(done) if not d]

    def write(self, start: int, stop: int, files: dict[str, bytes]) -> None:
        """Write one chunk's files (``chunk_files``): into a .tmp folder, then renamed, so it is whole or absent."""
        name = _chunk_name(start, stop)
        tmp = self.folder / f"{name}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        try:
            listed = {}
            for file, data in files.items():
                path = tmp / file
                with open(path, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                listed[file] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            with open(tmp / _CHUNK_MANIFEST, "w", encoding="utf-8") as fh:  # last: a chunk without it is unfinished
                json.dump({"files": listed}, fh, indent=2)
                fh.flush()
                os.fsync(fh.fileno())
            fsync_folder(tmp)
            tmp.rename(self.folder / name)
            fsync_folder(self.folder)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    # ------------------------------------------------------------------ lifetime
    def remove(self) -> None:
        """Delete the work folder (after the run folder is saved)."""
        self.release()
        shutil.rmtree(self.folder, ignore_errors=True)

    def release(self) -> None:
        """Drop the output folder's lock (the chunks stay on disk)."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None


def simulate_to_folder(
    scenario: Scenario,
    out: str | os.PathLike[str],
    replications: int | None = None,
    seed: int | None = None,
    executor: ChunkExecutor | None = None,
    compare_portage: bool = False,
    force: bool = False,
    fresh: bool = False,
    chunk_size: int | None = None,
    on_progress: Callable[[int], None] | None = None,
    on_chunk: ChunkCallback | None = None,
    on_resume: Callable[[int], None] | None = None,
    on_discard: Callable[[str], None] | None = None,
    on_computed: Callable[[], None] | None = None,
    until: Until | None = None,
    expected: int | None = None,
) -> Results:
    """Run the experiment chunk by chunk into ``<out>.partial``, then save the run folder ``out``.

    ``executor`` (default: this process) says where chunks run; ``chunk_size`` defaults
    to a quarter of the replications per worker, at most ``MAX_CHUNK_SIZE``.
    ``on_progress(n)`` is called with the replications of each chunk (and once with those
    already on disk); ``on_chunk(start, stop)`` after each chunk is on disk; ``on_resume(n)``
    when ``n`` replications of an interrupted run are found on disk; ``on_discard(message)``
    when stale or damaged chunks are discarded; ``on_computed()`` once every chunk is on disk,
    before the tables are assembled and saved (the executor is no longer needed: a caller may
    let its workers go). ``force`` concerns the output folder only
    (replace a simcoop run folder of another run). Results are
    identical to ``simulate(...)`` whatever the executor, chunk size or interruptions.

    With ``until`` the count is decided as the run goes (``Until``), ``replications`` being
    its cap, and ``expected`` is the count of the run the folder ``out`` may already hold
    under the same rule (that folder is then replaced without ``force``; -1: none).
    """
    n = scenario.simulation.replications if replications is None else int(replications)
    root = scenario.simulation.seed if seed is None else int(seed)
    if n < 1:
        raise ValueError("replications must be >= 1")
    if root < 0:
        raise ValueError("seed must be >= 0")
    target = Path(out)
    with folder_lock(target):  # one writer from the first check to the final save
        return _simulate_locked(
            scenario, target, n, root, executor, compare_portage, force, fresh, chunk_size,
            on_progress, on_chunk, on_resume, on_discard, on_computed, until, n if expected is None else expected,
        )  # fmt: skip


def _simulate_locked(
    scenario: Scenario,
    target: Path,
    n: int,
    root: int,
    executor: ChunkExecutor | None,
    compare_portage: bool,
    force: bool,
    fresh: bool,
    chunk_size: int | None,
    on_progress: Callable[[int], None] | None,
    on_chunk: ChunkCallback | None,
    on_resume: Callable[[int], None] | None,
    on_discard: Callable[[str], None] | None,
    on_computed: Callable[[], None] | None,
    until: Until | None,
    expected: int,
) -> Results:
    from simcoop.outdir import recover

    recover(target)  # leftovers of a crashed save
    check_output_folder(target, scenario, root, expected, force)  # before any work
    runner = executor if executor is not None else InlineExecutor()
    started = time.perf_counter()
    key = RunKey.of(scenario, root, n, compare_portage, until.key if until is not None else None)
    store = ChunkStore.open(partial_folder(target), key, fresh=fresh, on_discard=on_discard)
    tables: TableStreams | None = None
    try:
        missing = store.missing()
        if n - len(missing) and on_resume:
            on_resume(n - len(missing))
        # The run folder's tables, written in replication order while the chunks arrive
        # (a chunk that comes early waits in memory, or on disk only, for its turn).
        tables = TableStreams(store.folder / _TABLES_DIR)
        streams = _InOrder(store, tables, held_at_most=2 * runner.workers + 2, counted=until is not None)
        done, total = 0, n if until is None else min(until.start, n)
        while done < total:  # one batch: replications done .. total - 1
            todo = [r for r in missing if done <= r < total]
            if on_progress and total - done - len(todo):
                on_progress(total - done - len(todo))
            size = chunk_size or default_chunk_size(len(todo), runner.workers)
            tasks = [(scenario, root, start, stop, compare_portage) for start, stop in _contiguous_chunks(todo, size)]
            streams.limit = total
            for (_, _, start, stop, _), (kept, arrow, files) in runner.imap_unordered(compute_chunk, tasks):
                store.write(start, stop, files)
                streams.arrived(start, stop, kept, arrow, files)
                del kept, arrow, files
                if on_progress:
                    on_progress(stop - start)
                if on_chunk:
                    on_chunk(start, stop)
            streams.advance()  # the chunks of an interrupted run, when none was computed now
            done = total
            if until is not None:
                kpis = tables.kept("kpis")
                assert kpis is not None  # (every chunk has its kpis)
                total = min(max(until(done, kpis, streams.conversions()), done), n)
        if on_computed:
            on_computed()
        results = streams.finish(scenario, time.perf_counter() - started, runner.workers, done)
        results.save(target, force=force, move=True)  # the tables' files moved in, the rest written
    except BaseException:
        if tables is not None:
            tables.discard()  # half-written: made again from the chunks on resume
        store.release()  # keep the chunks for a resume
        raise
    store.remove()
    return results


class _InOrder:
    """Feeds a run's chunks to its ``TableStreams`` in replication order, from memory or from disk, up to ``limit``."""

    def __init__(self, store: ChunkStore, streams: TableStreams, held_at_most: int, counted: bool = False) -> None:
        self.store, self.streams, self.held_at_most = store, streams, held_at_most
        self.on_disk = dict(store.chunks())  # start -> stop, of every finished chunk
        self.held: dict[int, tuple[dict[str, pd.DataFrame], dict[str, Any], dict[str, bytes]]] = {}
        self.limit = store.key.replications
        # With ``counted``, the CAPE -> CESA conversions of each part, as it is streamed (``Until``).
        self.counted: list[pd.Series] | None = [] if counted else None

    def arrived(self, start: int, stop: int, kept: dict[str, pd.DataFrame], arrow: dict[str, Any], files: dict[str, bytes]) -> None:
        """A chunk just written to disk: its kept tables, Arrow tables and files (``compute_chunk``)."""
        self.on_disk[start] = stop
        self.held[start] = (kept, arrow, files)
        if len(self.held) > self.held_at_most:  # forget the one needed last: it is on disk
            del self.held[max(self.held)]
        self.advance()

    def advance(self) -> None:
        """Stream every part that comes next and is at hand, below ``limit``."""
        while (start := self.streams.next) in self.on_disk and start < self.limit:
            stop = self.on_disk[start]
            kept, arrow, files = self.held.pop(start, None) or self._read(start, stop)
            rows = {name[: -len(_ROWS_SUFFIX)]: data for name, data in files.items() if name.endswith(_ROWS_SUFFIX)}
            self.streams.add(start, stop, arrow, rows, kept)
            if self.counted is not None:
                from simcoop.verdict import CONVERSION, conversion_counts

                self.counted.append(conversion_counts(_frame(arrow["events"].select(["replication", *(c for c, _ in CONVERSION)]))))

    def conversions(self) -> pd.Series:
        """The CAPE -> CESA conversions per replication of the parts streamed (``counted`` runs)."""
        parts = [part for part in self.counted or () if len(part)]
        return pd.concat(parts) if parts else pd.Series([], index=pd.Index([], dtype="int64", name="replication"), dtype="int64")

    def _read(self, start: int, stop: int) -> tuple[dict[str, pd.DataFrame], dict[str, Any], dict[str, bytes]]:
        """A chunk from its folder: its Arrow tables and kept frames, as the worker had them."""
        folder = self.store.folder / _chunk_name(start, stop)
        arrow = {name: table for name in TABLES if (table := _chunk_table(folder, name)) is not None}
        kept = {name: _frame(arrow[name]) for name in KEPT if name in arrow}
        files = {p.name: p.read_bytes() for p in folder.glob(f"*{_ROWS_SUFFIX}")}
        return kept, arrow, files

    def finish(self, scenario: Scenario, runtime_seconds: float, jobs: int, replications: int) -> StoredResults:
        """Close the files once replications ``0 .. replications - 1`` are in; the run's ``StoredResults``, reading the work folder's tables."""
        if self.streams.next != replications:
            raise RuntimeError(f"{self.store.folder}: the chunks do not cover replications 0-{replications - 1} exactly once")
        streams = self.streams
        streams.close()
        for name in streams.irregular:  # parts of different dtypes: the table concatenated, as pandas makes it
            whole = streams.kept(name)
            if whole is None:
                folders = [self.store.folder / _chunk_name(start, stop) for start, stop in self.store.chunks() if stop <= replications]
                whole = pd.concat([_frame(_chunk_table(folder, name)) for folder in folders], ignore_index=True)
            streams.write_whole(name, whole)
            del whole
        return StoredResults(
            streams.folder, scenario, self.store.key.seed, replications, streams.kept("kpis"), runtime_seconds, jobs,
            portage=streams.kept("portage"), parameters=streams.kept("parameters"),
        )  # fmt: skip


def _frame(table: Any) -> pd.DataFrame:
    """The frame an Arrow table of ``arrow_table`` was made from (dtypes from its pandas metadata; ``attrs`` too)."""
    frame = table.to_pandas()
    if attrs := (table.schema.metadata or {}).get(b"PANDAS_ATTRS"):
        frame.attrs = json.loads(attrs)
    return frame


def _chunk_table(folder: Path, name: str) -> Any | None:
    """A chunk's table ``name`` as its Arrow table (``arrow_table``'s), from its IPC file or, in a chunk of an
    older simcoop, its Parquet file (which keeps dtypes and values); None when the chunk has no such table."""
    if (path := folder / f"{name}{_TABLE_SUFFIX}").is_file():
        return _ipc_table(path.read_bytes())
    if (path := folder / f"{name}{_OLD_TABLE_SUFFIX}").is_file():
        return arrow_table(pd.read_parquet(path))
    return None


def default_chunk_size(replications: int, workers: int) -> int:
    """About four chunks per worker (even load), at most ``MAX_CHUNK_SIZE`` replications each."""
    return max(1, min(MAX_CHUNK_SIZE, math.ceil(replications / (4 * max(1, workers)))))


def _contiguous_chunks(indices: list[int], size: int) -> Iterator[tuple[int, int]]:
    """Split sorted indices into (start, stop) ranges of consecutive indices, each at most ``size`` long."""
    k = 0
    while k < len(indices):
        start = stop = indices[k]
        while k < len(indices) and indices[k] == stop and stop - start < size:
            stop += 1
            k += 1
        yield start, stop


def _chunk_name(start: int, stop: int) -> str:
    return f"r{start:06d}-{stop:06d}"


