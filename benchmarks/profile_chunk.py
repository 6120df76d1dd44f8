"""What a worker of ``simcoop run`` spends on a chunk outside the simulation: CPU ms a replication.

::

    python benchmarks/profile_chunk.py              # 4 chunks of 25 replications, 5 repeats
    python benchmarks/profile_chunk.py -r 3 -c 10   # 3 repeats, chunks of 10

The chunks of the reference scenario are simulated once (``simcoop.runner.run_chunk``), then
``simcoop.store.compute_chunk`` is timed on them again and again with the simulation replaced
by its stored outputs: what is left is the chunk's tables (``Results.from_outputs``), their
Arrow tables (``arrow_table``), the chunk's files (``chunk_files``: the tables' files and CSV
rows, of which ``csv_rows`` alone is also shown) and the pickling the process pool does to
send the chunk to the parent (dumps on the worker, loads in the parent). CPU time
(``time.process_time``): run it side by side with another commit's code
(``PYTHONPATH=<worktree> python benchmarks/profile_chunk.py``), alternating, on a shared machine.
"""

from __future__ import annotations

import argparse
import gc
import pickle
import statistics
import time
from collections.abc import Sequence

import simcoop
import simcoop.runner as runner
from simcoop import store
from simcoop.csvout import csv_rows
from simcoop.results import TABLES, Results
from simcoop.results.stream import NO_CSV, arrow_table


def main(argv: Sequence[str] | None = None) -> None:
    """Print the median and the smallest CPU ms a replication of each step."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-r", "--repeats", type=int, default=5)
    parser.add_argument("-c", "--chunk", type=int, default=25, help="replications a chunk (simcoop run's largest: 25)")
    parser.add_argument("-k", "--chunks", type=int, default=4)
    args = parser.parse_args(argv)
    scenario = simcoop.load_scenario(simcoop.default_scenario_path())
    seed, size = scenario.simulation.seed, args.chunk
    chunks = [(start, start + size) for start in range(0, size * args.chunks, size)]
    cached = {chunk: runner.run_chunk(scenario, seed, range(*chunk), False) for chunk in chunks}
    def stored(_scenario, _seed, replications, _portage):  # type: ignore[no-untyped-def]
        return cached[(replications.start, replications.stop)]

    runner.run_chunk = stored  # type: ignore[assignment]
    names = ("compute_chunk (no simulation)", "  from_outputs", "  arrow_table", "  chunk_files", "    csv_rows")
    steps: dict[str, list[float]] = {name: [] for name in (*names, "pickle dumps", "pickle loads")}

    def timed(name: str, fn, *a):  # type: ignore[no-untyped-def]
        started = time.process_time()
        value = fn(*a)
        steps[name].append((time.process_time() - started) * 1000 / size)
        return value

    for _ in range(args.repeats):
        for start, stop in chunks:
            gc.collect()
            sent = timed("compute_chunk (no simulation)", store.compute_chunk, scenario, seed, start, stop, False)
            data = timed("pickle dumps", pickle.dumps, sent, pickle.HIGHEST_PROTOCOL)
            timed("pickle loads", pickle.loads, data)
            results = timed("  from_outputs", lambda: Results.from_outputs(scenario, cached[(start, stop)][0], seed=seed))
            tables = {name: frame for name in TABLES if (frame := getattr(results, name)) is not None}
            arrow = timed("  arrow_table", lambda: {name: arrow_table(frame) for name, frame in tables.items()})
            timed("  chunk_files", store.chunk_files, tables, arrow)
            timed("    csv_rows", lambda: [csv_rows(frame) for name, frame in tables.items() if name not in NO_CSV])
    print(f"{len(chunks)} chunks of {size} replications, {args.repeats} repeats; CPU ms a replication (median, min)")
    for name, values in steps.items():
        print(f"{name:32s} {statistics.median(values):7.3f} {min(values):7.3f}")
    print(f"pickled chunk: {len(data) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
