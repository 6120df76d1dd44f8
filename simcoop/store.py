"""A run streamed to disk chunk by chunk, resumable, then saved as a normal run folder.

``simulate_to_folder(scenario, out, ...)`` runs the replications in chunks on an executor
(``simcoop.executors``). Each chunk is turned into its tables where it ran
(``Results.from_outputs`` on the chunk: every table is per replication, so the tables of
the chunks, concatenated in replication order, equal those of the whole run) and written,
as soon as it arrives, into a work folder next to the output::

    <out>.partial/
      partial.json                  what run this is: scenario hash, seed, replications, ...
      r000000-000025/               replications 0-24: monthly, yearly, events, kpis,
      r000025-000050/               funding (and portage) as Parquet, written to a .tmp
      ...                           folder and renamed, so a chunk is whole or absent

At the end the tables are read back one at a time and concatenated, the run folder is
saved atomically (``Results.save``) and the work folder removed. The parent never holds
more than one chunk's replication outputs; its peak is the final tables.

Resume is automatic: a work folder of the same run (same scenario hash, seed,
replications, portage comparison and simcoop version) is continued, its chunks kept and
only the missing replications computed; ``fresh=True`` starts over. A work folder of
another run is refused (``PartialRunError``) unless ``force=True``, which discards it.
An interruption leaves the work folder and no output folder.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from simcoop._atomic import write_json_atomically
from simcoop._version import __version__
from simcoop.executors import ChunkExecutor, InlineExecutor
from simcoop.results import TABLES, OutputExistsError, Results, check_output_folder
from simcoop.scenario import Scenario

__all__ = ["simulate_to_folder", "partial_folder", "compute_chunk", "ChunkStore", "RunKey", "PartialRunError", "TABLES"]

# Tables written per chunk: those of a run folder (``simcoop.results.TABLES``), in that order;
# ``portage`` only with the portage comparison.

PARTIAL_SUFFIX = ".partial"
_MANIFEST = "partial.json"
_FORMAT = "simcoop-partial/1"
#: Largest chunk: ~2-4 s of work for the reference scenario, so an interruption loses little.
MAX_CHUNK_SIZE = 25

ChunkCallback = Callable[[int, int], None]


class PartialRunError(OutputExistsError):
    """The work folder next to the output holds another run (or another run is writing it)."""


@dataclass(frozen=True)
class RunKey:
    """What identifies a run's chunks: any difference makes them unusable for this run."""

    scenario_name: str
    scenario_hash: str
    seed: int
    replications: int
    compare_portage: bool
    simcoop_version: str

    @classmethod
    def of(cls, scenario: Scenario, seed: int, replications: int, compare_portage: bool) -> RunKey:
        """The key of a run of ``scenario`` under ``seed`` (with the running simcoop version)."""
        return cls(scenario.meta.name, scenario.scenario_hash(), int(seed), int(replications), bool(compare_portage), __version__)

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


def compute_chunk(scenario: Scenario, seed: int, start: int, stop: int, compare_portage: bool) -> dict[str, pd.DataFrame]:
    """Simulate replications ``start``..``stop - 1`` and return their tables (runs on a worker)."""
    from simcoop.model.params import model_params
    from simcoop.runner import run_replication

    params = model_params(scenario)
    outputs = [run_replication(scenario, seed, r, params, compare_portage) for r in range(start, stop)]
    results = Results.from_outputs(scenario, outputs, seed=seed)
    return {name: frame for name in TABLES if (frame := getattr(results, name)) is not None}


class ChunkStore:
    """The work folder of one run: its manifest and its finished chunks."""

    def __init__(self, folder: Path, key: RunKey) -> None:
        self.folder = folder
        self.key = key
        self._lock: Any = None

    @classmethod
    def open(cls, folder: Path, key: RunKey, force: bool = False, fresh: bool = False) -> ChunkStore:
        """Open (or create) the work folder for ``key``; refuse one of another run unless ``force``.

        Takes an exclusive lock on it, so two runs cannot write the same work folder.
        """
        store = cls(folder, key)
        manifest = folder / _MANIFEST
        if folder.exists() and not folder.is_dir():
            raise PartialRunError(f"{folder} exists and is not a folder; remove it or choose another --out")
        if folder.is_dir() and not fresh:
            try:
                stored = json.loads(manifest.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                stored = None
            if stored is None or stored.get("format") != _FORMAT:
                if any(folder.iterdir()) and not force:
                    raise PartialRunError(
                        f"{folder} is not a simcoop work folder (no readable {_MANIFEST}); remove it, "
                        "choose another --out, or use --force to replace it"
                    )
                fresh = True
            elif differences := key.differences(stored):
                if not force:
                    raise PartialRunError(
                        f"{folder} holds the unfinished chunks of another run (scenario {stored.get('scenario_name')!r}, "
                        f"seed {stored.get('seed')}, {stored.get('replications')} replications; differs in "
                        f"{'; '.join(differences)}); use --force to discard them, or choose another --out"
                    )
                fresh = True
        store._acquire_lock()
        try:
            if fresh and folder.is_dir():
                for child in folder.iterdir():
                    if child.name != ".lock":
                        shutil.rmtree(child) if child.is_dir() else child.unlink()
            folder.mkdir(parents=True, exist_ok=True)
            for stale in folder.glob("*.tmp"):  # a chunk being written when the run stopped
                shutil.rmtree(stale, ignore_errors=True)
            if not manifest.is_file():
                write_json_atomically(manifest, {"format": _FORMAT, **asdict(key)})
        except BaseException:
            store.release()
            raise
        return store

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
                if 0 <= start < stop <= self.key.replications and (child / "kpis.parquet").is_file():
                    found.append((start, stop))
        return sorted(found)

    def missing(self) -> list[int]:
        """Replications not in any finished chunk, in order."""
        done = [False] * self.key.replications
        for start, stop in self.chunks():
            done[start:stop] = [True] * (stop - start)
        return [r for r, d in enumerate(done) if not d]

    def write(self, start: int, stop: int, tables: dict[str, pd.DataFrame]) -> None:
        """Write one chunk's tables: into a .tmp folder, then renamed, so it is whole or absent."""
        name = _chunk_name(start, stop)
        tmp = self.folder / f"{name}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        try:
            for table, frame in tables.items():
                frame.to_parquet(tmp / f"{table}.parquet", index=False)
            tmp.rename(self.folder / name)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def assemble(self, scenario: Scenario, runtime_seconds: float, jobs: int) -> Results:
        """Read the chunks back, one table at a time, into the Results of the whole run."""
        chunks = self.chunks()
        covered = [r for start, stop in chunks for r in range(start, stop)]
        if covered != list(range(self.key.replications)):
            raise RuntimeError(f"{self.folder}: the chunks do not cover replications 0-{self.key.replications - 1} exactly once")
        folders = [self.folder / _chunk_name(start, stop) for start, stop in chunks]
        tables: dict[str, pd.DataFrame | None] = {}
        for table in TABLES:
            paths = [f / f"{table}.parquet" for f in folders]
            present = [p.is_file() for p in paths]
            if not any(present):
                tables[table] = None
                continue
            if not all(present):
                raise RuntimeError(f"{self.folder}: some chunks lack {table}.parquet")
            tables[table] = pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True)
        return Results(
            scenario=scenario,
            seed=self.key.seed,
            replications=self.key.replications,
            monthly=tables["monthly"],
            yearly=tables["yearly"],
            events=tables["events"],
            kpis=tables["kpis"],
            runtime_seconds=runtime_seconds,
            jobs=jobs,
            funding=tables["funding"],
            zones=tables["zones"],
            sites=tables["sites"],
            portage=tables["portage"],
        )

    # ------------------------------------------------------------------ lifetime
    def remove(self) -> None:
        """Delete the work folder (after the run folder is saved)."""
        self.release()
        shutil.rmtree(self.folder, ignore_errors=True)

    def release(self) -> None:
        """Drop the lock on the work folder (another run may then use it)."""
        if self._lock is not None:
            self._lock.close()  # closing the file drops the flock
            self._lock = None

    def _acquire_lock(self) -> None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - no advisory locks on this platform
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        handle = open(self.folder / ".lock", "a+")  # noqa: SIM115 - held for the run's duration
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise PartialRunError(f"another simcoop run is writing {self.folder}; wait for it or choose another --out") from None
        self._lock = handle


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
) -> Results:
    """Run the experiment chunk by chunk into ``<out>.partial``, then save the run folder ``out``.

    ``executor`` (default: this process) says where chunks run; ``chunk_size`` defaults
    to a quarter of the replications per worker, at most ``MAX_CHUNK_SIZE``.
    ``on_progress(n)`` is called with the replications of each chunk (and once with those
    already on disk); ``on_chunk(start, stop)`` after each chunk is on disk; ``on_resume(n)``
    when ``n`` replications of an interrupted run are found on disk. Results are
    identical to ``simulate(...)`` whatever the executor, chunk size or interruptions.
    """
    n = scenario.simulation.replications if replications is None else int(replications)
    root = scenario.simulation.seed if seed is None else int(seed)
    if n < 1:
        raise ValueError("replications must be >= 1")
    if root < 0:
        raise ValueError("seed must be >= 0")
    target = Path(out)
    check_output_folder(target, scenario, root, n, force)  # before any work
    runner = executor if executor is not None else InlineExecutor()
    started = time.perf_counter()
    store = ChunkStore.open(partial_folder(target), RunKey.of(scenario, root, n, compare_portage), force, fresh)
    try:
        missing = store.missing()
        if n - len(missing):
            if on_resume:
                on_resume(n - len(missing))
            if on_progress:
                on_progress(n - len(missing))
        size = chunk_size or default_chunk_size(len(missing), runner.workers)
        tasks = [(scenario, root, start, stop, compare_portage) for start, stop in _contiguous_chunks(missing, size)]
        for (_, _, start, stop, _), tables in runner.imap_unordered(compute_chunk, tasks):
            store.write(start, stop, tables)
            del tables
            if on_progress:
                on_progress(stop - start)
            if on_chunk:
                on_chunk(start, stop)
        results = store.assemble(scenario, time.perf_counter() - started, runner.workers)
        results.save(target, force=force)
    except BaseException:
        store.release()  # keep the chunks for a resume
        raise
    store.remove()
    return results


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


