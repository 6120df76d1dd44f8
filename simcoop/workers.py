"""What a local pool's worker loads before its first task, so that a pool started early is ready when the tasks come.

``simcoop run --jobs N`` gets its process pool going as soon as its options are read. Where
the platform has a fork server (``simcoop.executors.PoolExecutor``), that server, a fresh
interpreter, runs ``warm_fork_server`` once: it imports what a chunk needs, loads numba's
compiled CSV loop and computes one replication of the bundled reference scenario with its
tables and files (which loads the model's compiled kernels and builds the payroll tables of
the reference's rules), then forks each worker ready. Elsewhere each spawned worker runs
``warm`` (the imports and the CSV loop) as the pool's initializer. Either way the parent makes
its own imports and checks meanwhile. A worker started this way computes exactly what any
other does: a replication's numbers depend only on scenario, seed and index, and what the
warming leaves behind (imported modules, loaded kernels, tables cached by value or by the
identity of objects it keeps) is what the first task would have made.
"""

from __future__ import annotations

__all__ = ["warm", "warm_fork_server"]


def warm() -> None:
    """Import simcoop's chunk path and load the compiled CSV loop (a process pool's initializer).

    Never raises: a warm-up that fails leaves the same work (and any error) to the first task.
    """
    try:
        import numpy as np
        import pandas as pd

        import simcoop.store  # noqa: F401 - what a chunk's task imports when it arrives
        from simcoop.csvout import csv_rows

        csv_rows(pd.DataFrame({"a": np.zeros(512), "b": np.zeros(512, dtype=np.int64)}))  # enough cells for the compiled loop
    except Exception:  # noqa: BLE001 - see above
        pass


def warm_fork_server() -> None:
    """``warm``, then one chunk of one replication of the bundled reference scenario (its tables and files
    included), in the fork server before it forks any worker.

    Never raises, as ``warm``. Measured on the reference (``simcoop run``): a worker's first chunk
    costs about 0.75 s of CPU more than the next ones (the payroll tables, the kernels' load, the
    dated rules), on top of ``warm``'s 1.4 s.
    """
    warm()
    try:
        from simcoop.scenario.load import default_scenario_path, load_scenario
        from simcoop.store import compute_chunk

        scenario = load_scenario(default_scenario_path())
        compute_chunk(scenario, scenario.simulation.seed, 0, 1, False)
    except Exception:  # noqa: BLE001 - see warm
        pass
