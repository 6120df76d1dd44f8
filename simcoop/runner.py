"""Run replications: one at a time, or over a pool of worker processes.

``run_replication`` is a top-level function of picklable arguments, so it runs the same
in this process or in a worker; results come back sorted by replication index, and each
replication's numbers depend only on (scenario, seed, replication).
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path

from simcoop.model import ReplicationOutput, run_model
from simcoop.model.params import ModelParams, model_params
from simcoop.scenario import Scenario
from simcoop.streams import replication_streams

__all__ = ["run_replication", "run_replications", "simulate", "default_scenario_path"]

ProgressCallback = Callable[[int], None]


def default_scenario_path() -> Path:
    """The bundled default scenario (``scenarios/reference.yaml``)."""
    from importlib.resources import files

    return Path(str(files("simcoop.bundled_scenarios") / "reference.yaml"))


def run_replication(
    scenario: Scenario, seed: int, replication: int, params: ModelParams | None = None, compare_portage: bool = False
) -> ReplicationOutput:
    """Simulate replication ``replication`` of ``scenario`` under root ``seed``.

    ``params`` (the scenario in model units) can be passed to avoid resolving it again
    for every replication of a batch; ``compare_portage`` also replays the entrants under
    portage salarial rules.
    """
    return run_model(scenario, replication_streams(seed, replication), params, compare_portage)


def _run_chunk(scenario: Scenario, seed: int, replications: list[int], compare_portage: bool = False) -> list[ReplicationOutput]:
    params = model_params(scenario)
    return [run_replication(scenario, seed, r, params, compare_portage) for r in replications]


def _chunks(indices: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(indices), size):
        yield indices[start : start + size]


def run_replications(
    scenario: Scenario,
    seed: int,
    replications: Iterable[int],
    jobs: int = 1,
    on_progress: ProgressCallback | None = None,
    compare_portage: bool = False,
) -> list[ReplicationOutput]:
    """Run the given replications, in this process (``jobs=1``) or over ``jobs`` workers."""
    indices = list(replications)
    if jobs < 1:
        raise ValueError("jobs must be >= 1")
    if jobs == 1 or len(indices) <= 1:
        params = model_params(scenario)
        outputs = []
        for r in indices:
            outputs.append(run_replication(scenario, seed, r, params, compare_portage))
            if on_progress:
                on_progress(1)
        return outputs
    # Small chunks keep the progress bar moving and the workers evenly loaded.
    size = max(1, min(25, len(indices) // (jobs * 4)))
    outputs = []
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        pending: set[Future[list[ReplicationOutput]]] = {
            pool.submit(_run_chunk, scenario, seed, chunk, compare_portage) for chunk in _chunks(indices, size)
        }
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                chunk_out = future.result()
                outputs.extend(chunk_out)
                if on_progress:
                    on_progress(len(chunk_out))
    outputs.sort(key=lambda o: o.replication)
    return outputs


def simulate(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    progress: bool = False,
    compare_portage: bool = False,
) -> "Results":  # noqa: F821 - imported lazily below
    """Run a Monte Carlo experiment and return its tidy ``Results``.

    ``replications`` and ``seed`` default to the scenario's ``simulation`` section. The
    same scenario and seed give the same numbers whatever ``jobs`` is. With
    ``compare_portage`` the results also hold ``portage``: the same entrants under
    portage salarial rules, side by side with the CAE.
    """
    from simcoop.results import Results

    n = scenario.simulation.replications if replications is None else int(replications)
    root = scenario.simulation.seed if seed is None else int(seed)
    if n < 1:
        raise ValueError("replications must be >= 1")
    if root < 0:
        raise ValueError("seed must be >= 0")
    started = time.perf_counter()
    bar = None
    callback = None
    if progress:
        from simcoop.progress import progress_bar

        bar = progress_bar(n, f"simulating {scenario.meta.name}")
        callback = bar.update
    try:
        outputs = run_replications(scenario, root, range(n), jobs=jobs, on_progress=callback, compare_portage=compare_portage)
    finally:
        if bar is not None:
            bar.close()
    runtime = time.perf_counter() - started
    return Results.from_outputs(scenario, outputs, seed=root, runtime_seconds=runtime, jobs=jobs)
