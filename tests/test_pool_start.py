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
import time
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


def test_simcoop_used_meanwhile_leaves_the_workers_environment_alone() -> None:
    """``simcoop run`` starts its fork server first, then imports the engine and simulates in its own process:
    none of that may change a variable the workers read (``NUMBA_...`` among them), or the pool is spawned cold
    instead of forked warm (it once was: numba's SVML switch set in the environment at import)."""
    seen = _run(
        """
        import gc
        from simcoop.executors import PoolExecutor, start_fork_server

        if __name__ == "__main__":
            start_fork_server()
            import simcoop
            from simcoop.draws import fixed_parameters

            scenario = fixed_parameters(simcoop.load_scenario(simcoop.default_scenario_path()))
            simcoop.simulate(scenario.replace({"meta.horizon_months": 12}), replications=1, seed=1, jobs=1)
            with PoolExecutor(1) as pool:
                print(*[r > 10_000 for _, r in pool.imap_unordered(gc.get_freeze_count, [()])])
        """
    )
    assert seen == ["True"]


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


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting to be reaped has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


@pytest.mark.parametrize("numba", ["1", "0"])
def test_the_workers_and_the_fork_server_end_when_the_process_that_made_the_pool_is_killed(numba: str, tmp_path: Path) -> None:
    """``kill -9`` of a run (or a notebook kernel restarted) leaves no worker or fork server behind, waiting forever.

    With ``SIMCOOP_NO_NUMBA`` set the pool is spawned (the environment changed after the server
    started), so both kinds of worker are checked.
    """
    if not Path("/proc/self/stat").is_file():
        pytest.skip("reads /proc")
    code = """
        import os, signal, sys, time
        from multiprocessing import forkserver
        from simcoop.executors import PoolExecutor

        if __name__ == "__main__":
            PoolExecutor(2).start()  # starts the fork server
            if os.environ.get("SPAWN") == "1":
                os.environ["SIMCOOP_NO_NUMBA"] = "1"  # changed since the server started: the next pool is spawned
            pool = PoolExecutor(2)
            assert len({r for _, r in pool.imap_unordered(os.getpid, [()] * 8)}) >= 1
            server = forkserver._forkserver._forkserver_pid

            def parent(pid):
                try:
                    with open(f"/proc/{pid}/stat") as stat:
                        return int(stat.read().rsplit(")", 1)[1].split()[1])
                except FileNotFoundError:  # ended meanwhile
                    return 0

            made = [int(d) for d in os.listdir("/proc") if d.isdigit() and parent(d) in (os.getpid(), server)]
            print(server, *made, flush=True)  # the fork server; its workers or ours, the resource tracker
            os.kill(os.getpid(), signal.SIGKILL)
        """
    environment = {k: v for k, v in os.environ.items() if k != "SIMCOOP_NO_NUMBA"}
    environment.update(PYTHONPATH=str(ROOT), SPAWN="1" if numba == "0" else "0")
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    with out.open("w") as stdout, err.open("w") as stderr:  # files, not pipes: a worker left behind would hold a pipe open
        done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], stdout=stdout, stderr=stderr, env=environment, timeout=240, cwd=ROOT)
    assert done.returncode == -9, err.read_text()
    pids = [int(p) for p in out.read_text().split()]
    assert len(pids) >= 4  # the fork server, two workers, the resource tracker
    deadline = time.monotonic() + 30
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [p for p in pids if _alive(p)]
    for p in left:  # do not leave them to the next tests
        os.kill(p, 9)
    assert not left, f"still running after the pool's maker was killed: {left}"


def test_where_there_is_no_pidfd_a_worker_polls_its_maker_and_ends_after_it() -> None:
    """The watch's other path (no ``os.pidfd_open``: macOS, old kernels): a worker ends once its maker has ended."""
    maker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1)"])
    code = f"""
        import os
        del os.pidfd_open
        from simcoop.executors import _exit_with_parent

        try:
            _exit_with_parent({maker.pid}, poll_seconds=0.1)
        except BaseException:
            os._exit(7)
        """
    watcher = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
    try:
        assert maker.wait(timeout=60) == 0  # reaped here: its pid is gone
        assert watcher.wait(timeout=60) == 1  # _exit_with_parent's exit, not the end of the script
    finally:
        for process in (maker, watcher):
            if process.poll() is None:
                process.kill()


@pytest.mark.parametrize("command", ["sensitivity", "solve", "compare"])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_study_starts_its_workers_fork_server_before_it_reads_its_scenario(
    command: str, jobs: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server warms (about 2 s of CPU) while the command reads its scenario and prepares its points:
    first thing with a pool (``-j 2``), never in one process (``-j 1``). Recorded, not started, here."""
    import simcoop.executors
    import simcoop.scenario
    from simcoop.cli import main

    calls: list[str] = []
    monkeypatch.setattr(simcoop.executors, "start_fork_server", lambda: calls.append("fork server") or True)
    real = simcoop.scenario.load_scenario

    def load(*args: object, **kwargs: object) -> object:
        calls.append("scenario")
        return real(*args, **kwargs)

    monkeypatch.setattr(simcoop.scenario, "load_scenario", load)
    files = [str(tmp_path / "missing.yaml")] + ([str(tmp_path / "other.yaml")] if command == "compare" else [])
    assert main([command, *files, "-j", jobs]) == 2  # no scenario there: a clear error, after the start
    assert calls == (["fork server"] if jobs == "2" else []) + ["scenario"] * len(files)
