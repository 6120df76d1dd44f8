"""Several scenarios on the same seed, over one pool of workers: the runs behind every study.

Replication ``r`` under root seed ``s`` draws the same random streams whatever the
scenario (``simcoop.streams``): studies read their scenarios' differences replication by
replication (common random numbers).
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import TYPE_CHECKING, Any

from simcoop.results import Results
from simcoop.runner import run_replications
from simcoop.scenario import Scenario

if TYPE_CHECKING:
    from simcoop.model import ReplicationOutput

__all__ = ["simulate_many"]


def _run_chunk(scenario: Scenario, seed: int, replications: list[int]) -> tuple[list[ReplicationOutput], float]:
    """Run some replications of one scenario in a worker; also says how long it took (s)."""
    started = time.perf_counter()
    outputs = run_replications(scenario, seed, replications, jobs=1)
    return outputs, time.perf_counter() - started


def simulate_many(
    scenarios: Sequence[Scenario],
    replications: int,
    seed: int,
    jobs: int = 1,
    progress: bool = False,
) -> Iterator[tuple[int, Results]]:
    """Simulate several scenarios on the same seed and yield ``(index, Results)`` as each completes.

    One pool of ``jobs`` worker processes serves every scenario (rather than one pool per
    scenario), and each scenario's results are assembled as soon as its last replication
    is in, so a long list never holds every scenario's raw outputs at once. Numbers do not
    depend on ``jobs``. ``runtime_seconds`` of each Results is the time its replications
    took, summed over workers.
    """
    if replications < 1:
        raise ValueError("replications must be >= 1")
    if jobs < 1:
        raise ValueError("jobs must be >= 1")
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=replications * len(scenarios), desc="simulating", unit="rep", leave=False)
    try:
        if jobs == 1 or replications * len(scenarios) <= 1:
            for index, scenario in enumerate(scenarios):
                if bar is not None:
                    bar.set_description(f"simulating {scenario.meta.name}")
                started = time.perf_counter()
                outputs = run_replications(
                    scenario, seed, range(replications), jobs=1, on_progress=bar.update if bar else None
                )
                runtime = time.perf_counter() - started
                yield index, Results.from_outputs(scenario, outputs, seed=seed, runtime_seconds=runtime, jobs=1)
            return
        yield from _simulate_in_pool(scenarios, replications, seed, jobs, bar)
    finally:
        if bar is not None:
            bar.close()


def _simulate_in_pool(
    scenarios: Sequence[Scenario], replications: int, seed: int, jobs: int, bar: Any
) -> Iterator[tuple[int, Results]]:
    # Chunks small enough to keep both workers busy and the bar moving, large enough that
    # sending the scenario to the worker is negligible.
    size = max(1, min(25, replications // (jobs * 2)))
    indices = list(range(replications))
    chunks = [indices[i : i + size] for i in range(0, replications, size)]
    outputs: dict[int, list[ReplicationOutput]] = {i: [] for i in range(len(scenarios))}
    seconds = dict.fromkeys(range(len(scenarios)), 0.0)
    left = dict.fromkeys(range(len(scenarios)), len(chunks))
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context)
    try:
        pending: dict[Future[tuple[list[ReplicationOutput], float]], int] = {}
        for index, scenario in enumerate(scenarios):
            for chunk in chunks:
                pending[pool.submit(_run_chunk, scenario, seed, chunk)] = index
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                index = pending.pop(future)
                chunk_outputs, chunk_seconds = future.result()
                outputs[index].extend(chunk_outputs)
                seconds[index] += chunk_seconds
                left[index] -= 1
                if bar is not None:
                    bar.update(len(chunk_outputs))
                if left[index] == 0:
                    done_outputs = sorted(outputs.pop(index), key=lambda o: o.replication)
                    scenario = scenarios[index]
                    yield (
                        index,
                        Results.from_outputs(
                            scenario, done_outputs, seed=seed, runtime_seconds=seconds[index], jobs=jobs
                        ),
                    )
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
