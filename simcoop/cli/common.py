"""What every command shares: exit codes, option types, how problems and refusals are printed."""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
from collections.abc import Iterator
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "add_fixed_parameters",
    "fixed_if_asked",
    "UsageError",
    "add_executor_options",
    "executor_from",
    "wants_pool",
    "warm_workers_early",
    "EXIT_BAD_INPUT",
    "EXIT_FAILURE",
    "EXIT_OK",
    "MAX_COUNT",
    "MAX_JOBS",
    "add_allow_outside_files",
    "bootstrap_option",
    "add_to_run_folder",
    "distinct_outputs",
    "duration",
    "env_seconds",
    "fraction",
    "iso_date",
    "jobs_option",
    "non_negative_int",
    "output_refused",
    "positive_int",
    "print_problems",
    "replications_or_auto",
    "safe_folder_name",
    "years_option",
]

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


#: Most replications, bootstrap resamples or samples an option takes (as simulation.replications):
#: beyond it a run would take years, and its arrays would not fit in memory.
MAX_COUNT = 1_000_000
#: Most worker processes (far beyond any machine's cores; each process costs memory).
MAX_JOBS = 256


def non_negative_int(text: str) -> int:
    """A seed: a whole number from 0 to 2**64 - 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {value}")
    if value > 2**64 - 1:
        raise argparse.ArgumentTypeError(f"expected a number below 2**64, got {value}")
    return value


def positive_int(text: str, most: int = MAX_COUNT) -> int:
    """A count from 1 to ``most``."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    if value > most:
        raise argparse.ArgumentTypeError(f"expected a number of at most {most:_}, got {value}".replace("_", " "))
    return value


def jobs_option(text: str) -> int:
    """Worker processes: 1 to MAX_JOBS."""
    return positive_int(text, MAX_JOBS)


def years_option(text: str) -> int:
    """A number of years: 1 to 100."""
    return positive_int(text, 100)


def bootstrap_option(text: str) -> int:
    """Bootstrap resamples: 1 to the ranking's bound."""
    from simcoop.studies.ranking import MAX_BOOTSTRAP

    return positive_int(text, MAX_BOOTSTRAP)


def iso_date(text: str) -> Any:
    """A calendar date written YYYY-MM-DD."""
    import datetime as dt

    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date of the calendar written YYYY-MM-DD, got {text!r}") from None


def add_allow_outside_files(parser: argparse.ArgumentParser) -> None:
    """The option that lets a scenario read its CSV files outside its own folder."""
    parser.add_argument(
        "--allow-outside-files",
        action="store_true",
        help=(
            "read the CSV files a scenario attaches (zones_file, roster_file) even outside the scenario's "
            "folder; by default they must be in that folder or below it"
        ),
    )


def add_fixed_parameters(parser: argparse.ArgumentParser) -> None:
    """Add ``--fixed-parameters``: run at the central values, nothing drawn (for comparison with the uncertain run)."""
    parser.add_argument(
        "--fixed-parameters",
        action="store_true",
        help=(
            "run every uncertain key (distributions, priors file, population prior) at its central value, "
            "so that the spread is chance alone: for comparison with the default run, which includes what is not known"
        ),
    )


def fixed_if_asked(scenario: Any, args: argparse.Namespace) -> Any:
    """``scenario`` at its central values when ``--fixed-parameters`` was given, else as it is."""
    if not getattr(args, "fixed_parameters", False):
        return scenario
    from simcoop.draws import fixed_parameters

    return fixed_parameters(scenario)


def replications_or_auto(text: str) -> int | str:
    """``simcoop run -n``: a number of replications >= 1, or ``auto`` (until --precision is reached)."""
    if text.strip().lower() == "auto":
        return "auto"
    try:
        int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number or 'auto', got {text!r}") from None
    return positive_int(text)


def fraction(text: str) -> float:
    """An argparse type: a number strictly between 0 and 1 (a precision such as 0.05)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1 (e.g. 0.05), got {text}")
    return value


def print_problems(header: str, exc: Any) -> int:
    """Print ``header`` and every problem of a ScenarioError (file, line, key, message); the bad-input code."""
    print(header, file=sys.stderr)
    for problem in exc.problems:
        print(f"  {problem}", file=sys.stderr)
    return EXIT_BAD_INPUT


def safe_folder_name(name: str) -> str:
    """A scenario name made safe as a folder name (letters, digits, ``._-``; other runs of characters become ``_``)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    return cleaned or "scenario"


def output_refused(out: Path, exc: OSError) -> int:
    """Say why the output folder cannot be written (a different run there, or the system)."""
    from simcoop.results import OutputExistsError

    message = str(exc) if isinstance(exc, OutputExistsError) else f"cannot write {out}: {exc}"
    print(f"simcoop: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def duration(seconds: float) -> str:
    """Seconds as a short duration for the terminal: ``42 s``, then whole minutes from 2 minutes."""
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


class UsageError(ValueError):
    """An option value the command cannot use (exit code 2); the message says what is allowed."""


def add_executor_options(parser: argparse.ArgumentParser) -> None:
    """``--scheduler`` and ``--dask-workers``: where the replications run (beside ``--jobs``)."""
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help=(
            "where the replications run: tcp://HOST:PORT sends them to an existing Dask scheduler, 'local' starts a "
            "Dask LocalCluster on this machine, 'pool' (the default) uses --jobs processes; default: the "
            "SIMCOOP_SCHEDULER environment variable, if set. Results do not depend on it"
        ),
    )
    parser.add_argument(
        "--dask-workers",
        type=positive_int,
        metavar="N",
        help="workers of the Dask LocalCluster (implies --scheduler local; default: --jobs if above 1, else the CPUs)",
    )


def env_seconds(name: str, default: float) -> float:
    """A duration in seconds from an environment variable; ValueError naming the variable when it is not one."""
    import math

    text = os.environ.get(name)
    if text is None or not text.strip():
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not 0 < value <= 3600:
        raise ValueError(f"environment variable {name}={text!r}: expected a number of seconds above 0 and at most 3600 (default {default:g})")
    return value


def wants_pool(args: argparse.Namespace) -> bool:
    """Whether ``--jobs``, ``--scheduler``, ``--dask-workers`` and ``SIMCOOP_SCHEDULER`` mean a process pool
    on this machine; False for a scheduler value that is not one (``executor_from`` reports it)."""
    from simcoop.executors import executor_kind, parse_scheduler

    try:
        scheduler = parse_scheduler(args.scheduler if args.scheduler is not None else os.environ.get("SIMCOOP_SCHEDULER"))
    except ValueError:
        return False
    return executor_kind(args.jobs, scheduler, args.dask_workers) == "pool"


def warm_workers_early(args: argparse.Namespace) -> None:
    """When the options mean a process pool, start its workers' fork server now
    (``simcoop.executors.start_fork_server``): it warms while the command reads its scenario and
    prepares its study, and the pool ``executor_from`` opens later forks warm workers at once."""
    if wants_pool(args):
        from simcoop.executors import start_fork_server

        start_fork_server()


@contextlib.contextmanager
def executor_from(args: argparse.Namespace) -> Iterator[Any]:
    """The executor ``--jobs``, ``--scheduler`` and ``--dask-workers`` ask for, shut down on exit.

    Raises UsageError for a scheduler value that is not one, and ``ExecutorError`` when the
    executor cannot start (Dask missing, scheduler unreachable).
    """
    from simcoop.executors import open_executor, parse_scheduler

    from_env = args.scheduler is None and os.environ.get("SIMCOOP_SCHEDULER") is not None
    try:
        scheduler = parse_scheduler(args.scheduler if args.scheduler is not None else os.environ.get("SIMCOOP_SCHEDULER"))
    except ValueError as exc:
        raise UsageError(f"environment variable SIMCOOP_SCHEDULER: {exc}" if from_env else f"--scheduler: {exc}") from None
    try:
        timeout = env_seconds("SIMCOOP_SCHEDULER_TIMEOUT", 10.0)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    with open_executor(args.jobs, scheduler, args.dask_workers, timeout) as executor:
        if not getattr(args, "quiet", False) and (scheduler or args.dask_workers):
            print(f"simcoop: running on {executor.description}", file=sys.stderr)
        yield executor


def add_to_run_folder(out: Path, name: str, data: dict[str, Any], scope: str = "run", scenario_hash: str | None = None) -> None:
    """Write a JSON file into a run folder and register it in the folder's marker (``simcoop.outdir``)."""
    import json

    from simcoop.outdir import add_owned_file

    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    add_owned_file(out, name, lambda tmp: tmp.write_text(text, encoding="utf-8"), scope, scenario_hash)


def distinct_outputs(inputs: Sequence[tuple[str, Path | None]], outputs: Sequence[tuple[str, Path | None]]) -> None:
    """Refuse an output that is the same file as an input or as another output of the same command."""
    from simcoop.outdir import OutputExistsError

    seen: dict[str, str] = {}
    for role, path in inputs:
        if path is not None:
            seen.setdefault(str(Path(path).resolve()), role)
    for role, path in outputs:
        if path is None:
            continue
        key = str(Path(path).resolve())
        if key in seen:
            raise OutputExistsError(f"{role} and {seen[key]} are the same file ({path}): give each its own path")
        seen[key] = role
