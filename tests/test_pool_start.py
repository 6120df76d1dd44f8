"""The process pool's start: workers forked warm from a fork server, spawned when the environment they read changed.

Each check runs in a fresh interpreter: the fork server lives as long as the process that
started it, with the environment it was started with, so a check inside the test session
would depend on which test started it first.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(
    "forkserver" not in multiprocessing.get_all_start_methods(), reason="no fork server on this platform: workers are spawned"
)


def _run(code: str, **env: str) -> list[str]:
    environment = {k: v for k, v in os.environ.items() if k != "SIMCOOP_NO_NUMBA"}
    environment.update(env, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=environment, timeout=240, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_a_pools_workers_start_warm_from_the_fork_server() -> None:
    """Forked from the server after its warming: simcoop's chunk path imported, the long-lived objects frozen."""
    seen = _run(
        """
        import gc, sys
        from simcoop.executors import PoolExecutor

        if __name__ == "__main__":
            with PoolExecutor(2) as pool:
                pool.start()
                found = [r for _, r in pool.imap_unordered(gc.get_freeze_count, [()] * 4)]
            print(min(found) > 10_000, "simcoop.store" in sys.modules)
        """
    )
    assert seen == ["True", "False"]  # the warming is the server's: this process never imported the chunk path


def test_a_pool_made_after_the_numba_switch_changed_is_spawned_and_sees_it() -> None:
    """A fork server keeps the environment it started with: a pool made after ``SIMCOOP_NO_NUMBA`` changed is spawned."""
    seen = _run(
        """
        import gc, os
        from simcoop.executors import PoolExecutor
        from simcoop.jit import enabled

        if __name__ == "__main__":
            with PoolExecutor(1) as pool:
                print(*[r for _, r in pool.imap_unordered(enabled, [()])])
            os.environ["SIMCOOP_NO_NUMBA"] = "1"
            with PoolExecutor(1) as pool:
                print(*[r for _, r in pool.imap_unordered(enabled, [()])])
                print(*[r for _, r in pool.imap_unordered(gc.get_freeze_count, [()])])
        """
    )
    assert seen == ["True", "False", "0"]


def test_the_warming_module_does_nothing_when_imported_elsewhere() -> None:
    """``simcoop.forkwarm`` warms only the fork server (the flag is in no other process's environment)."""
    seen = _run(
        """
        import gc, sys
        import simcoop.forkwarm

        print(gc.get_freeze_count(), "simcoop.store" in sys.modules)
        """
    )
    assert seen == ["0", "False"]
