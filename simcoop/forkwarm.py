"""Imported by the fork server of simcoop's process pools (``simcoop.executors.PoolExecutor``) before it forks
any worker; importing it warms that process when ``SIMCOOP_WARM_FORK_SERVER`` is set (only the server's
environment has it), and does nothing anywhere else.

The warming (``simcoop.workers.warm_fork_server``) is then done once, in the server, and every worker forked
from it starts with simcoop imported, numba's kernels loaded and the payroll tables built.
"""

from __future__ import annotations

import os

__all__: list[str] = []

if os.environ.get("SIMCOOP_WARM_FORK_SERVER") == "1":
    from simcoop.workers import warm_fork_server

    warm_fork_server()
