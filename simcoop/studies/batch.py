"""Several scenarios on the same seed, over one pool of workers: the runs behind every study.

Replication ``r`` under root seed ``s`` draws the same random streams whatever the
scenario (``simcoop.streams``): studies read their scenarios' differences replication by
replication (common random numbers).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from simcoop.executors import ChunkExecutor
from simcoop.results import Results
from simcoop.runner import executor_for, iter_replications
from simcoop.scenario import Scenario

__all__ = ["simulate_many"]


def simulate_many(
    scenarios: Sequence[Scenario],
    replications: int,
    seed: int,
    jobs: int = 1,
    progress: bool = False,
    executor: ChunkExecutor | None = None,
    seeds: Sequence[int] | None = None,
) -> Iterator[tuple[int, Results]]:
    """Simulate several scenarios on the same seed and yield ``(index, Results)`` as each completes.

    ``seeds`` (one per scenario) replaces ``seed`` when the scenarios must draw
    independently (the members of a network) rather than on common random numbers.
    One executor serves every scenario (``executor``, else ``jobs`` processes opened for the
    call), and each scenario's results are assembled as soon as its last replication is in
    (``simcoop.runner.iter_replications``). Numbers depend neither on ``jobs`` nor on the
    executor. ``runtime_seconds`` of each Results is the time its replications took, summed
    over workers.
    """
    if replications < 1:
        raise ValueError("replications must be >= 1")
    roots = [int(seed)] * len(scenarios) if seeds is None else [int(x) for x in seeds]
    if len(roots) != len(scenarios):
        raise ValueError("seeds must give one seed per scenario")
    bar = None
    if progress:
        from simcoop.progress import progress_bar

        bar = progress_bar(replications * len(scenarios), f"simulating {len(scenarios)} scenario(s)")
    try:
        with executor_for(executor, jobs) as chosen:
            runs = iter_replications(scenarios, roots, range(replications), chosen, bar.update if bar else None)
            for index, outputs, seconds in runs:
                yield index, Results.from_outputs(
                    scenarios[index], outputs, seed=roots[index], runtime_seconds=seconds, jobs=chosen.workers
                )
    finally:
        if bar is not None:
            bar.close()
