"""Where chunks of replications run: this process, a local process pool, or a Dask cluster.

Every executor maps a top-level (picklable) function over task tuples and yields
``(task, result)`` as each task finishes, in whatever order. The numbers of a replication
depend only on (scenario, seed, replication) (``simcoop.streams``), so the executor and
its number of workers change the speed of a run, never its results.

``distributed`` is imported only by the Dask executors (``pip install 'simcoop[dask]'``).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import multiprocessing
import os
import select
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Protocol, Self

__all__ = [
    "ChunkExecutor",
    "ExecutorError",
    "InlineExecutor",
    "PoolExecutor",
    "DaskExecutor",
    "executor_kind",
    "open_executor",
    "parse_scheduler",
    "start_fork_server",
]

Task = tuple[Any, ...]


class ExecutorError(RuntimeError):
    """The executor cannot be started: scheduler unreachable, Dask missing, workers without simcoop."""


class ChunkExecutor(Protocol):
    """Runs ``fn(*task)`` for each task and yields ``(task, result)`` as they finish."""

    workers: int
    description: str

    def imap_unordered(self, fn: Callable[..., Any], tasks: Iterable[Task]) -> Iterator[tuple[Task, Any]]:
        """Run ``fn(*task)`` for each task; yield ``(task, result)`` as each finishes, in any order."""
        ...


class InlineExecutor:
    """Runs the tasks one after the other in this process (``--jobs 1``)."""

    workers = 1
    description = "this process"

    def imap_unordered(self, fn: Callable[..., Any], tasks: Iterable[Task]) -> Iterator[tuple[Task, Any]]:
        """Run ``fn(*task)`` for each task; yield ``(task, result)`` as each finishes."""
        for task in tasks:
            yield task, fn(*task)


class PoolExecutor:
    """A pool of ``jobs`` worker processes on this machine (``--jobs N``); each runs
    ``initializer()`` (a top-level function) when it starts, if given.

    Where the platform has one (Linux, macOS), the workers are forked by a fork server
    (``multiprocessing``'s forkserver): a fresh interpreter, started once per process, that
    imported simcoop, loaded its compiled kernels and built the reference's payroll tables
    (``simcoop.workers.warm_fork_server``) before forking any worker, so each worker starts
    warm and the warming is paid once, not once per worker. The server is never a fork of
    this process (it is started as a new interpreter, and has run no task). Where there is no
    fork server, or when a variable the workers read (``_READ_BY_WORKERS``) changed since the
    server started, the workers are spawned (a fresh interpreter each).

    The workers are started at the first call and kept for the next ones until ``close()``
    (or the end of a ``with`` block): a study that runs many small batches of replications
    (the solver's candidates, the sensitivity's variants, the calibration's rounds) pays a
    worker's start (the interpreter, simcoop's imports, the compiled kernels) once, not at
    every batch. A call that does not finish (an error, an interruption, a caller that stops
    reading) shuts the workers down, so no abandoned task runs on; the next call starts new
    ones. Which worker runs a replication never changes its numbers.

    A worker also exits when the process that made the pool dies without shutting it down
    (``kill -9``, the kernel's out-of-memory killer, a notebook kernel restarted): each worker
    holds both ends of its task queue, so it would otherwise wait for a task forever, and keep
    the fork server alive with it (``_exit_with_parent``).
    """

    def __init__(self, jobs: int, initializer: Callable[[], None] | None = None) -> None:
        if jobs < 1:
            raise ValueError("jobs must be >= 1")
        self.workers = jobs
        self.description = f"a pool of {jobs} processes"
        self._initializer = initializer
        self._pool: ProcessPoolExecutor | None = None
        self._finalizer: weakref.finalize | None = None

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = _fork_server() or multiprocessing.get_context("spawn")
            initializer = functools.partial(_start_worker, os.getpid(), self._initializer)
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context, initializer=initializer)
            self._finalizer = weakref.finalize(self, _shutdown, self._pool)
        return self._pool

    def start(self) -> None:
        """Get the workers going now, not at the first call: the fork server warming (the workers are then
        forked at the first call, warm), or else the spawned workers themselves (each runs ``initializer`` first)."""
        if self._pool is None and _fork_server() is not None:
            return  # forking now would wait for the server's warming: the caller has its own work meanwhile
        pool = self._started()
        for _ in range(self.workers):  # the pool starts a process per task submitted while none is idle
            pool.submit(int)

    def imap_unordered(self, fn: Callable[..., Any], tasks: Iterable[Task]) -> Iterator[tuple[Task, Any]]:
        """Run ``fn(*task)`` for each task; yield ``(task, result)`` as each finishes."""
        pool = self._started()
        idle = False  # no task of this call left on the workers
        try:
            # A finished future is dropped as soon as its result is handed on, so the
            # parent holds one chunk's result at a time, not the whole run.
            pending: dict[Future[Any], Task] = {pool.submit(fn, *task): task for task in tasks}
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                finished = [(pending.pop(future), future) for future in done]
                idle = not pending  # a caller may stop reading after the last result
                for task, future in finished:
                    result = future.result()  # a task's error (or a broken pool) propagates
                    yield task, result
            idle = True
        except GeneratorExit:  # the caller stopped reading: the workers are kept only if idle
            raise
        except BaseException:
            idle = False
            raise
        finally:
            if not idle:
                self.close()

    def close(self) -> None:
        """Shut the workers down (waiting for the task each one is running); a later call starts new ones."""
        if self._finalizer is not None:
            self._finalizer()  # runs _shutdown once
        self._pool, self._finalizer = None, None

    def release(self) -> None:
        """Let the workers exit without waiting for them, once every call has finished (nothing runs on them).

        Their exit (an interpreter each to tear down) then overlaps what the caller does next; the
        interpreter still waits for them when it exits. A later call starts new ones.
        """
        if self._finalizer is not None and self._pool is not None:
            self._finalizer.detach()
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool, self._finalizer = None, None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _shutdown(pool: ProcessPoolExecutor) -> None:
    pool.shutdown(wait=True, cancel_futures=True)


def _start_worker(parent: int, initializer: Callable[[], None] | None) -> None:
    """A pool worker's initializer: watch ``parent`` (the process that made the pool), then ``initializer()``."""
    threading.Thread(target=_exit_with_parent, args=(parent,), name="simcoop-parent-watch", daemon=True).start()
    if initializer is not None:
        initializer()


def _exit_with_parent(parent: int, poll_seconds: float = 1.0) -> None:
    """End this worker as soon as ``parent`` has ended (a thread's body: it waits, using no CPU meanwhile).

    On Linux a pidfd of ``parent`` becomes readable when it ends; elsewhere the parent's pid is
    checked every ``poll_seconds``. The worker's parent is the fork server, not the pool's
    maker, so its own parent pid does not tell. The exit skips the interpreter's cleanup: there
    is no one left to send a result to, and a chunk being written stays in its ``.tmp`` folder,
    which a resumed run removes.
    """
    try:
        watched = os.pidfd_open(parent)
    except (AttributeError, OSError):  # not Linux, or a kernel before 5.3: poll the pid
        while True:
            time.sleep(poll_seconds)
            try:
                os.kill(parent, 0)
            except (ProcessLookupError, PermissionError):  # gone, or its pid reused by another user's process
                break
    else:
        select.select([watched], [], [])
    os._exit(1)


#: The module the fork server imports before forking any worker (named, not imported here:
#: it imports the chunk path, which imports this module). With ``_WARM_FLAG`` set in the
#: server's environment, importing it warms the server (``simcoop.workers.warm_fork_server``).
_WARM_MODULE = "simcoop.forkwarm"
_WARM_FLAG = "SIMCOOP_WARM_FORK_SERVER"
#: What the workers read from the environment (simcoop's numba switch and kernel check, numba's, Python's, Arrow's and
#: the BLAS's own settings; add any variable a task comes to read): a fork server keeps the values it
#: was started with, so a pool made after one of them changed is spawned instead.
_READ_BY_WORKERS = ("SIMCOOP_NO_NUMBA", "SIMCOOP_CHECK_KERNELS", "NUMBA_", "PYTHON", "ARROW_", "OMP_", "OPENBLAS_", "MKL_")
_server_environment: dict[str, str] | None = None


def _fork_server() -> Any:
    """The forkserver context, its server started (warming) at the first call; None where there is none
    or when the variables the workers read (``_READ_BY_WORKERS``) changed since it started."""
    global _server_environment
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return None
    environment = {k: v for k, v in os.environ.items() if k.startswith(_READ_BY_WORKERS)}
    if _server_environment is None:
        from multiprocessing import forkserver

        forkserver.set_forkserver_preload([_WARM_MODULE])
        os.environ[_WARM_FLAG] = "1"  # for the server only: it reads its environment when it starts
        try:
            forkserver.ensure_running()  # a fresh interpreter (never a fork of this process); does not wait for it
        finally:
            del os.environ[_WARM_FLAG]
        _server_environment = environment
    return multiprocessing.get_context("forkserver") if environment == _server_environment else None


def start_fork_server() -> bool:
    """Start the fork server the pools fork their workers from, now, if this platform has one (True then).

    It is a fresh interpreter that warms (imports simcoop, runs a replication: ``simcoop.workers``)
    while the caller goes on; a ``PoolExecutor`` made later forks its workers from it, warm. A
    command calls this first, so the warming overlaps its own start (imports, the scenario, the
    study's points).
    """
    return _fork_server() is not None


class DaskExecutor:
    """Tasks sent to a Dask cluster through a ``distributed.Client``.

    Use ``DaskExecutor.connect(address)`` for an existing scheduler or
    ``DaskExecutor.local(n_workers)`` for a ``LocalCluster`` on this machine; close it
    (or use it as a context manager) to shut down what it started.
    """

    def __init__(self, client: Any, cluster: Any = None, description: str = "a Dask cluster") -> None:
        self.client = client
        self.cluster = cluster
        self.description = description

    @property
    def workers(self) -> int:
        """Worker threads on the cluster now (a cluster may grow or shrink during a run)."""
        info = self.client.scheduler_info(n_workers=-1) if _accepts_n_workers(self.client) else self.client.scheduler_info()
        return max(1, sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values()))

    @classmethod
    def connect(cls, address: str, timeout_seconds: float = 10.0) -> DaskExecutor:
        """Connect to the Dask scheduler at ``address`` (``tcp://host:port``) and check its workers."""
        distributed = _import_distributed()
        try:  # check the address first: a Client that fails on it complains again when collected
            scheme, location = distributed.comm.addressing.parse_address(address)
            if scheme not in distributed.comm.registry.backends:
                raise ValueError(f"unknown protocol {scheme!r}")
            if scheme in ("tcp", "tls"):
                distributed.comm.addressing.parse_host_port(location)
        except ValueError as exc:
            raise ExecutorError(f"{address!r} is not a Dask scheduler address ({exc}); expected tcp://HOST:PORT") from None
        try:
            client = _client(distributed, address, timeout=timeout_seconds)
        except (OSError, TimeoutError) as exc:  # refused, unknown host, or no answer in time
            raise ExecutorError(
                f"cannot reach the Dask scheduler at {address} within {timeout_seconds:g} s ({_reason(exc)}); "
                "check that it is running and that the address is right"
            ) from None
        except ValueError as exc:  # an address the comm layer rejects
            raise ExecutorError(f"{address!r} is not a Dask scheduler address ({exc}); expected tcp://HOST:PORT") from None
        executor = cls(client, description=f"the Dask cluster at {address}")
        try:
            executor.check_workers()
        except BaseException:
            executor.close()
            raise
        return executor

    @classmethod
    def local(cls, n_workers: int) -> DaskExecutor:
        """Start a ``LocalCluster`` of ``n_workers`` single-threaded worker processes."""
        if n_workers < 1:
            raise ValueError("n_workers must be >= 1")
        distributed = _import_distributed()
        cluster = distributed.LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,  # the model is pure Python: one replication per process at a time
            processes=True,
            dashboard_address=None,  # no port to collide with, no bokeh needed
            silence_logs=logging.ERROR,
        )
        try:
            client = _client(distributed, cluster)
        except BaseException:
            cluster.close()
            raise
        return cls(client, cluster, description=f"a Dask LocalCluster of {n_workers} worker(s)")

    def check_workers(self) -> None:
        """Raise ExecutorError if a connected worker cannot import this version of simcoop."""
        from simcoop._version import __version__

        answers = self.client.run(_worker_simcoop_version, on_error="return")
        wrong = {w: v for w, v in answers.items() if v != __version__}
        if wrong:
            worker, answer = next(iter(wrong.items()))
            found = f"simcoop {answer}" if isinstance(answer, str) else f"an error: {_reason(answer)}"
            raise ExecutorError(
                f"{len(wrong)} of {len(answers)} Dask worker(s) do not run simcoop {__version__} (e.g. {worker}: {found}); "
                "install the same simcoop on every worker"
            )

    def imap_unordered(self, fn: Callable[..., Any], tasks: Iterable[Task]) -> Iterator[tuple[Task, Any]]:
        """Run ``fn(*task)`` for each task; yield ``(task, result)`` as each finishes."""
        distributed = _import_distributed()
        finished = distributed.as_completed(loop=self.client.loop)
        keys: dict[str, Task] = {}
        for task in tasks:
            future = self.client.submit(fn, *task, pure=False)
            keys[future.key] = task
            finished.add(future)
        try:
            for future in finished:
                result = future.result()
                task = keys.pop(future.key)
                future.release()  # the worker may forget it once the parent has it
                yield task, result
        finally:
            if keys:
                finished.clear()

    def close(self) -> None:
        """Close the client, and the LocalCluster if this executor started one."""
        with contextlib.suppress(Exception):
            self.client.close()
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def parse_scheduler(value: str | None) -> str | None:
    """Normalise a ``--scheduler`` value: None or 'pool' (process pool), 'local' (LocalCluster), or an address.

    Raises ValueError for anything else, with the accepted forms.
    """
    if value is None:
        return None
    text = value.strip()
    if text in ("", "pool"):
        return None
    if text == "local" or "://" in text:
        return text
    raise ValueError(
        f"unknown scheduler {value!r}: expected tcp://HOST:PORT (an existing Dask scheduler), "
        "'local' (a Dask LocalCluster on this machine) or 'pool' (a process pool, the default)"
    )


def executor_kind(jobs: int, scheduler: str | None, dask_workers: int | None) -> str:
    """Which executor ``open_executor`` makes for these options (``scheduler`` as ``parse_scheduler`` returns it).

    'dask-local' (a LocalCluster: ``scheduler='local'``, or ``dask_workers`` alone), 'dask' (a
    scheduler address), else 'inline' for ``jobs=1`` and 'pool' for more.
    """
    if scheduler == "local" or (scheduler is None and dask_workers is not None):
        return "dask-local"
    if scheduler is not None:
        return "dask"
    return "inline" if jobs == 1 else "pool"


@contextlib.contextmanager
def open_executor(
    jobs: int = 1,
    scheduler: str | None = None,
    dask_workers: int | None = None,
    connect_timeout_seconds: float = 10.0,
) -> Iterator[ChunkExecutor]:
    """The executor for a run, shut down on exit (even on an interruption).

    ``scheduler`` is an address (``tcp://host:port``) of an existing Dask scheduler, or
    'local' for a ``LocalCluster`` of ``dask_workers`` processes (default: ``jobs`` if it
    is above 1, else the number of CPUs); ``dask_workers`` alone also means 'local'.
    Without either, ``jobs`` processes on this machine (``jobs=1``: this process).
    """
    scheduler = parse_scheduler(scheduler)
    kind = executor_kind(jobs, scheduler, dask_workers)
    executor: Any
    if kind == "dask-local":
        workers = dask_workers or (jobs if jobs > 1 else (os.cpu_count() or 1))
        executor = DaskExecutor.local(workers)
    elif kind == "dask":
        assert scheduler is not None
        executor = DaskExecutor.connect(scheduler, connect_timeout_seconds)
    else:
        executor = InlineExecutor() if kind == "inline" else PoolExecutor(jobs)
    try:
        yield executor
    finally:
        if isinstance(executor, (DaskExecutor, PoolExecutor)):
            executor.close()


def _client(distributed: Any, target: Any, **options: Any) -> Any:
    """The one place a Dask client is made: to a scheduler address or a LocalCluster, never the global default."""
    return distributed.Client(target, set_as_default=False, **options)


def _worker_simcoop_version() -> str:
    from simcoop._version import __version__

    return __version__


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ExecutorError(
            "running on Dask needs the distributed package: pip install 'simcoop[dask]'"
        ) from None
    return distributed


def _accepts_n_workers(client: Any) -> bool:
    import inspect

    try:
        return "n_workers" in inspect.signature(client.scheduler_info).parameters
    except (TypeError, ValueError):  # pragma: no cover
        return False


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
