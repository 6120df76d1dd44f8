"""What a local pool's worker loads before its first task, so that a pool started early is ready when the tasks come.

``simcoop run --jobs N`` starts its process pool as soon as the scenario is read, with
``warm`` as the workers' initializer: each worker imports what a chunk needs (``simcoop.store``:
the model, its numba kernels' module, the tables and their files) and loads numba's compiled
CSV loop (``simcoop.csvout``, which also loads numba's machinery the model's kernels use)
while the parent makes its own imports and checks the output folder. A worker started
this way computes exactly what any other does: a replication's numbers depend only on
scenario, seed and index.
"""

from __future__ import annotations

__all__ = ["warm"]


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
