"""Run replications: one at a time, or over a pool of worker processes.

``run_replication`` is a top-level function of picklable arguments, so it runs the same
in this process or in a worker; results come back sorted by replication index, and each
replication's numbers depend only on (scenario, seed, replication).
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from simcoop.draws import replication_scenario
from simcoop.executors import ChunkExecutor, open_executor
from simcoop.model import ReplicationOutput, run_model
from simcoop.model.params import ModelParams, model_params
from simcoop.scenario import Scenario
from simcoop.scenario.base import MAX_REPLICATIONS, MAX_SEED
from simcoop.scenario.load import default_scenario_path
from simcoop.streams import replication_streams

__all__ = [
    "chunk_size",
    "executor_for",
    "default_scenario_path",
    "iter_replications",
    "run_chunk",
    "run_replication",
    "run_replications",
    "simulate",
]

ProgressCallback = Callable[[int], None]


def run_replication(
    scenario: Scenario, seed: int, replication: int, params: ModelParams | None = None, compare_portage: bool = False
) -> ReplicationOutput:
    """Simulate replication ``replication`` of ``scenario`` under root ``seed``.

    ``params`` (the scenario in model units) can be passed to avoid resolving it again
    for every replication of a batch; ``compare_portage`` also replays the entrants under
    portage salarial rules.
    """
    return run_model(scenario, replication_streams(seed, replication), params, compare_portage)


def run_chunk(
    scenario: Scenario, seed: int, replications: Sequence[int], compare_portage: bool = False
) -> tuple[list[ReplicationOutput], float]:
    """Some replications of one scenario, in this process or a worker; also how long they took (s).

    The one place where uncertain parameters enter a run: each replication runs on its own
    scenario (``simcoop.draws.replication_scenario``: its parameter set drawn from its own
    streams), so the draws depend on (scenario, seed, replication) only, whatever the chunk.
    """
    started = time.perf_counter()
    outputs = []
    if scenario.uncertainty.empty:
        params = model_params(scenario)
        runs = [(scenario, params)] * len(replications)
    else:
        # Every replication's scenario drawn first, then the runs one after the other: validating the drawn
        # scenarios between the runs left the engine's code and data out of the processor's caches (a chunk
        # of the reference ran about 8 % slower so; benchmarks/README.md, session 20).
        drawn = [replication_scenario(scenario, seed, r) for r in replications]
        runs = [(each, model_params(each)) for each in drawn]
    for r, (run_scenario, params) in zip(replications, runs, strict=True):
        outputs.append(run_replication(run_scenario, seed, r, params, compare_portage))
        if not _long_lived.frozen:
            _freeze_long_lived()
    return outputs, time.perf_counter() - started


class _LongLived:
    """Whether this process has frozen its long-lived objects (``_freeze_long_lived``): once per process."""

    def __init__(self) -> None:
        self.frozen = False
        self.lock = threading.Lock()

    def forked(self) -> None:
        """A forked child has objects of its own to come: it freezes once too (what it inherited stays frozen)."""
        self.frozen = False
        self.lock = threading.Lock()


_long_lived = _LongLived()
os.register_at_fork(after_in_child=_long_lived.forked)


def _freeze_long_lived() -> None:
    """Move what lives now out of the cyclic collector's reach, once per process, after a first replication.

    A simulating process holds about 150,000 long-lived objects (modules, scenario models,
    payroll tables, compiled kernels), which every full pass of the collector walked again
    (100-170 ms each, several times per worker and run), though they outlive the run.
    After the first replication has warmed the caches, a full collection frees whatever is
    garbage, then ``gc.freeze`` moves every object left to the permanent generation: they
    are still freed by reference counting, only never scanned again, and every later
    object is collected as before (a replication leaves no cyclic garbage:
    tests/test_model_garbage.py). Once per process, so nothing accumulates chunk after
    chunk (a long-lived Dask worker, or this process with ``--jobs 1``, freezes what it
    held at its first replication and no more). Left alone when the collector is disabled
    (whoever disabled it manages collections).
    """
    with _long_lived.lock:
        if _long_lived.frozen:
            return
        _long_lived.frozen = True
        if not gc.isenabled():
            return
        gc.collect()
        gc.freeze()


def chunk_size(replications: int, workers: int, scenarios: int = 1) -> int:
    """Replications per task, of ``replications`` for each of ``scenarios`` scenarios: small enough to
    keep every worker busy and a progress bar moving (about ten tasks per worker in all), large
    enough that sending the scenario to a worker is negligible (at most 25, at most one scenario's
    replications). A study of many scenarios with a few replications each (a sensitivity's points)
    sends each scenario once, not once per replication."""
    return max(1, min(25, replications, replications * scenarios // (workers * 10)))


def iter_replications(
    scenarios: Sequence[Scenario],
    seed: int | Sequence[int],
    replications: Iterable[int],
    executor: ChunkExecutor,
    on_progress: ProgressCallback | None = None,
    compare_portage: bool = False,
) -> Iterator[tuple[int, list[ReplicationOutput], float]]:
    """Run ``replications`` of every scenario on ``executor``; yield ``(index, outputs, seconds)`` per scenario.

    The one path by which replications run, whatever the study: every scenario's chunks go
    to the same executor (this process, a process pool or a Dask cluster), and a scenario's
    outputs are yielded, sorted by replication, as soon as its last chunk is in, so a long
    list never holds every scenario's raw outputs at once. ``seconds`` is the time its
    replications took, summed over workers. Numbers depend only on (scenario, seed,
    replication), never on the executor. ``seed`` is one root seed for all (common random
    numbers) or one per scenario (scenarios that must draw independently, e.g. network members).
    """
    indices = list(replications)
    roots = [int(seed)] * len(scenarios) if isinstance(seed, int) else [int(x) for x in seed]
    if len(roots) != len(scenarios):
        raise ValueError("give one seed, or one seed per scenario")
    if not scenarios:
        return
    if not indices:
        for index in range(len(scenarios)):
            yield index, [], 0.0
        return
    size = chunk_size(len(indices), executor.workers, len(scenarios))
    chunks = [tuple(indices[i : i + size]) for i in range(0, len(indices), size)]
    outputs: dict[int, list[ReplicationOutput]] = {i: [] for i in range(len(scenarios))}
    seconds = dict.fromkeys(range(len(scenarios)), 0.0)
    left = dict.fromkeys(range(len(scenarios)), len(chunks))
    task_index: dict[int, int] = {}  # executors hand back the very task tuple they were given

    def tasks() -> Iterator[tuple[Any, ...]]:
        for index, scenario in enumerate(scenarios):
            for chunk in chunks:
                task = (scenario, roots[index], chunk, compare_portage)
                task_index[id(task)] = index
                yield task

    for task, (chunk_outputs, chunk_seconds) in executor.imap_unordered(run_chunk, tasks()):
        index = task_index.pop(id(task))
        outputs[index].extend(chunk_outputs)
        seconds[index] += chunk_seconds
        left[index] -= 1
        if on_progress is not None:
            on_progress(len(chunk_outputs))
        if left[index] == 0:
            yield index, sorted(outputs.pop(index), key=lambda o: o.replication), seconds[index]


def run_replications(
    scenario: Scenario,
    seed: int,
    replications: Iterable[int],
    jobs: int = 1,
    on_progress: ProgressCallback | None = None,
    compare_portage: bool = False,
    executor: ChunkExecutor | None = None,
) -> list[ReplicationOutput]:
    """Run the given replications, sorted by replication, on ``executor`` or else over ``jobs`` processes."""
    if jobs < 1:
        raise ValueError("jobs must be >= 1")
    with executor_for(executor, jobs) as chosen:
        for _, outputs, _ in iter_replications([scenario], seed, replications, chosen, on_progress, compare_portage):
            return outputs
    return []  # pragma: no cover - one scenario always yields once


@contextlib.contextmanager
def executor_for(executor: ChunkExecutor | None, jobs: int) -> Iterator[ChunkExecutor]:
    """``executor`` as given (its owner closes it), or ``jobs`` processes opened for this call (1: this process)."""
    if jobs < 1:
        raise ValueError("jobs must be >= 1")
    if executor is not None:
        yield executor
        return
    with open_executor(jobs) as opened:
        yield opened


def _whole(name: str, value: object, low: int, high: int) -> int:
    """A whole-number argument checked, never truncated: 2.7 replications is refused, not run as 2."""
    import numbers

    if isinstance(value, bool):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and float(value).is_integer():
            value = int(value)
        else:
            raise ValueError(f"{name} must be a whole number, got {value!r}")
    value = int(value)
    if not low <= value <= high:
        raise ValueError(f"{name} must be from {low} to {high}, got {value}")
    return value


def simulate(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    progress: bool = False,
    compare_portage: bool = False,
    executor: ChunkExecutor | None = None,
) -> "Results":  # noqa: F821 - imported lazily below
    """Run a Monte Carlo experiment and return its tidy ``Results``.

    ``replications`` and ``seed`` default to the scenario's ``simulation`` section. The
    same scenario and seed give the same numbers whatever ``jobs`` is, and on any
    ``executor`` (``simcoop.executors``: a process pool or a Dask cluster). With
    ``compare_portage`` the results also hold ``portage``: the same entrants under
    portage salarial rules, side by side with the CAE.
    """
    from simcoop.results import Results

    n = scenario.simulation.replications if replications is None else _whole("replications", replications, 1, MAX_REPLICATIONS)
    root = scenario.simulation.seed if seed is None else _whole("seed", seed, 0, MAX_SEED)
    _whole("jobs", jobs, 1, 1024)
    started = time.perf_counter()
    bar = None
    callback = None
    if progress:
        from simcoop.progress import progress_bar

        bar = progress_bar(n, f"simulating {scenario.meta.name}")
        callback = bar.update
    try:
        outputs = run_replications(
            scenario, root, range(n), jobs=jobs, on_progress=callback, compare_portage=compare_portage, executor=executor
        )
    finally:
        if bar is not None:
            bar.close()
    runtime = time.perf_counter() - started
    workers = executor.workers if executor is not None else jobs
    return Results.from_outputs(scenario, outputs, seed=root, runtime_seconds=runtime, jobs=workers)
