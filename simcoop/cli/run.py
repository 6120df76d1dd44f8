"""``simcoop run``: simulate a scenario, write its run folder, and optionally its sensitivity, solve and report."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from pathlib import Path
from typing import Any

from simcoop.cli.common import (
    add_fixed_parameters,
    fixed_if_asked,
    EXIT_BAD_INPUT,
    EXIT_FAILURE,
    EXIT_OK,
    UsageError,
    add_executor_options,
    executor_from,
    add_to_run_folder,
    fraction,
    jobs_option,
    non_negative_int,
    output_refused,
    positive_int,
    print_problems,
    replications_or_auto,
    safe_folder_name,
    wants_pool,
)
from simcoop.cli.report import add_reader_options, report_files
from simcoop.cli.solve import print_solution, print_step

__all__ = ["add_parser", "cmd_run", "print_verdict"]


def add_parser(sub: Any) -> None:
    """Add the ``run`` command to the subparsers ``sub``."""
    run = sub.add_parser(
        "run",
        help="simulate a scenario and write its results",
        description=(
            "Simulate SCENARIO (default: the bundled reference scenario) over many replications and "
            "write manifest.json, monthly/yearly tables (Parquet and CSV), events.parquet, kpis.csv "
            "and summary.csv into the output folder, then print a summary of the KPIs."
        ),
        epilog=(
            "The output folder is written atomically: an interrupted run leaves no half-written folder. "
            "An existing folder is replaced only if it holds the same run (same scenario, seed and "
            "replications), or with --force. A file, or a folder that is not simcoop's (no .simcoop.json), is never "
            "replaced, even with --force; files you add to a run folder are kept when it is written again."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("scenario", nargs="?", type=Path, help="scenario YAML file (default: scenarios/reference.yaml)")
    run.add_argument(
        "-n",
        "--replications",
        type=replications_or_auto,
        help=(
            "Monte Carlo replications (default: the scenario's simulation.replications), or 'auto': add batches "
            "of replications until the main KPIs are known to --precision (writes precision.json); either way the "
            "run streams to <out>.partial/ and an interrupted run resumes from there"
        ),
    )
    # --- precision (simcoop.precision) ---
    run.add_argument(
        "--precision",
        type=fraction,
        metavar="P",
        help=(
            "with -n auto (implies it): target 95%% half-width, absolute for probabilities (0.05 = ±5 points) "
            "and relative to the mean for the other KPIs (0.05 = ±5%%); default 0.05"
        ),
    )
    run.add_argument(
        "--max-replications",
        type=positive_int,
        metavar="N",
        default=2000,
        help="with -n auto: stop at N replications even if the precision is not reached (default 2000)",
    )
    # end precision ---
    run.add_argument("-s", "--seed", type=non_negative_int, help="root random seed (default: the scenario's simulation.seed)")
    run.add_argument("-o", "--out", type=Path, help="output folder (default: outputs/<scenario name>)")
    run.add_argument("-j", "--jobs", type=jobs_option, default=1, help="worker processes (default 1); results do not depend on it")
    run.add_argument("--force", action="store_true", help="replace a simcoop folder holding a different run (never a file or a folder that is not simcoop's; your own files in it are kept)")
    run.add_argument(
        "--compare-portage",
        action="store_true",
        help=(
            "also replay the same entrants under portage salarial rules (the scenario's portage section) "
            "and print both side by side; writes portage.csv and portage_comparison.csv"
        ),
    )
    run.add_argument(
        "--sensitivity",
        action="store_true",
        help=(
            "after the run, vary each key assumption one at a time (low and high, on the same random "
            "numbers) and write sensitivity.csv, the data of the report's tornado chart"
        ),
    )
    run.add_argument(
        "--sensitivity-replications",
        type=positive_int,
        metavar="N",
        help="replications per sensitivity run (default: the run's, at most 100); implies --sensitivity",
    )
    run.add_argument(
        "--funders",
        action="store_true",
        help="also run the scenario without each funder in turn (same random numbers) and write funders.csv: the decisive funders",
    )
    run.add_argument(
        "--solve",
        action="store_true",
        help="also find the one-off start-up financing that brings the rupture risk under its threshold (as `simcoop solve`, on the pessimistic end of the intervals only: the prudent amount the report quotes); writes solve.json",
    )
    run.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    run.add_argument("--report", action="store_true", help="also write report.html and report.pdf (the French report) into the output folder")
    add_reader_options(run)
    # --- scale out (simcoop.executors, simcoop.store) ---
    add_executor_options(run)
    add_fixed_parameters(run)
    run.add_argument(
        "--fresh",
        action="store_true",
        help=(
            "discard the finished chunks of an interrupted run of the same scenario, seed and replications "
            "(with -n auto: precision and cap) (<out>.partial/) instead of resuming from them"
        ),
    )
    # end scale out ---
    run.set_defaults(handler=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    """``simcoop run``: simulate a scenario, write its run folder and workbook, then the sensitivity, solver and report asked for."""
    auto = args.replications == "auto" or (args.precision is not None and args.replications is None)
    # The run's process pool gets going first (simcoop.workers): its workers, or the fork server
    # they come from, import and load what a chunk needs while this process reads the scenario,
    # makes its own imports and checks the output folder.
    pool = _early_pool(args)
    try:
        return _cmd_run_pooled(args, auto, pool)
    finally:
        if pool is not None:
            pool.release()  # never waits: released as soon as the chunks are in, or on any exit


def _cmd_run_pooled(args: argparse.Namespace, auto: bool, pool: Any) -> int:
    """``simcoop run`` once its early pool (if any) is going."""
    from simcoop.scenario import ScenarioError
    from simcoop.scenario.load import default_scenario_path, load_scenario  # not simcoop.runner: no model yet

    path = args.scenario if args.scenario is not None else default_scenario_path()
    try:
        scenario = fixed_if_asked(load_scenario(path, allow_outside_files=args.allow_outside_files), args)
    except ScenarioError as exc:
        return print_problems(f"simcoop: cannot run {path}:", exc)
    out = args.out if args.out is not None else Path("outputs") / safe_folder_name(scenario.meta.name)
    if args.reader is not None or args.note:  # checked before any simulation: a typo must not cost the run
        from simcoop.report import ReaderError
        from simcoop.report.tables import check_reader

        if not args.report:
            print("simcoop: --reader and --note go with --report", file=sys.stderr)
            return EXIT_BAD_INPUT
        try:
            args.reader = check_reader(scenario.to_dict(), args.reader)
        except ReaderError as exc:
            print(f"simcoop: --reader: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
    if args.precision is not None and not auto:
        print("simcoop: --precision goes with --replications auto (or without -n)", file=sys.stderr)
        return EXIT_BAD_INPUT
    precision = 0.05 if args.precision is None else args.precision
    replications = "auto" if auto else (args.replications or scenario.simulation.replications)
    seed = scenario.simulation.seed if args.seed is None else args.seed
    from contextlib import ExitStack

    from simcoop.outdir import folder_lock, recover

    with ExitStack() as hold:
        try:  # one lock for the whole command: the run, -n auto, solve, sensitivity and the report
            hold.enter_context(folder_lock(out))
            for done in recover(out):
                print(f"simcoop: {done}", file=sys.stderr)
        except OSError as exc:
            return output_refused(out, exc)
        return _cmd_run_locked(args, path, scenario, out, auto, precision, replications, seed, pool)


def _early_pool(args: argparse.Namespace) -> Any:
    """A ``PoolExecutor`` already started (its fork server warming, or else its spawned workers) when the streamed
    run's options mean a process pool (``executor_kind``), else None.

    A scheduler value that is not one gives None here: ``executor_from`` reports it.
    """
    from simcoop.executors import PoolExecutor
    from simcoop.workers import warm

    if not wants_pool(args):
        return None
    pool = PoolExecutor(args.jobs, initializer=warm)
    pool.start()
    return pool


def _cmd_run_locked(
    args: argparse.Namespace, path: Path, scenario: Any, out: Path, auto: bool, precision: float, replications: Any, seed: int,
    pool: Any = None,
) -> int:
    """``simcoop run`` once the output folder's lock is held."""
    from simcoop.results import check_output_folder

    if not args.quiet:
        how = (
            f"replications until ±{precision:g} (at most {args.max_replications})" if auto else f"{replications} replications"
        )
        print(f"simcoop: {scenario.meta.name} — {how}, seed {seed}, {args.jobs} job(s) -> {out}", file=sys.stderr)
    try:  # check the output folder before spending time on the simulation
        expected = _auto_replications_in(out, seed, precision, args.max_replications) if auto else replications
        check_output_folder(out, scenario, seed, expected, args.force)
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return output_refused(out, exc)
    started = time.perf_counter()
    precision_report = None
    plan = None
    if auto:
        from simcoop.studies.precision import PrecisionPlan

        try:
            plan = PrecisionPlan(precision, max_replications=args.max_replications)
        except ValueError as exc:
            print(f"simcoop: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
    # Streamed to <out>.partial/ chunk by chunk, resumable, and saved (simcoop.store); with -n auto,
    # batch after batch until the precision is reached (the count: simcoop.studies.precision).
    results = _run_streamed(
        args, scenario, out, args.max_replications if plan is not None else replications, seed, pool, plan, expected
    )  # fmt: skip
    if isinstance(results, int):
        return results
    if plan is not None:
        precision_report = plan.report(seed, time.perf_counter() - started)
        replications = results.replications
    try:
        if precision_report is not None:  # after save, which replaces the whole folder
            add_to_run_folder(out, "precision.json", {"run": results.identity(), **precision_report.to_dict()})
        from simcoop.report.workbook import write_workbook  # after save too: the office's tables, from the folder

        write_workbook(out)
    except OSError as exc:
        return output_refused(out, exc)
    elapsed = time.perf_counter() - started
    if precision_report is not None and not args.quiet:
        print(precision_report.to_text())
        print()
    if not args.quiet:
        print(results.headline())
        if args.compare_portage:
            print()
            print(results.portage_table())
        extra = ", funding.csv" + (", portage.csv, portage_comparison.csv" if args.compare_portage else "")
        extra += ", precision.json" if precision_report is not None else ""
        print(f"\nwrote {out}/ (manifest.json, monthly, yearly, events, kpis.csv, summary.csv, reality_check.csv{extra}, workbook.xlsx) in {elapsed:.1f} s")
    code = EXIT_OK
    if args.sensitivity or args.sensitivity_replications or args.solve or args.report or getattr(args, "funders", False):
        code = _later_steps(args, scenario, results, out)
    if code == EXIT_OK and not args.quiet:  # the answer last, where the eye lands when the command ends
        print_verdict(out)
    return code


def _later_steps(args: argparse.Namespace, scenario: Any, results: Any, out: Path) -> int:
    """Sensitivity, decisive funders, solve and report on the saved run (``simcoop.run_pipeline``), printed as they go."""
    from simcoop.pipeline import run_pipeline
    from simcoop.report import NotARunFolder
    from simcoop.scenario import ScenarioError
    from simcoop.studies.sensitivity import sensitivity_text

    stage = {"now": "sensitivity"}

    def on_event(name: str, info: dict[str, Any]) -> None:
        stage["now"] = name.split("_")[0]
        if name == "solve_done":  # the answer is printed even with --quiet, as `simcoop solve` does
            print_solution(scenario, info["solution"], info["solution"].target)
            print(f"wrote {out / 'solve.json'}")
        if args.quiet:
            return
        if name == "sensitivity_start":
            runs = 1 + 2 * len(info["parameters"])
            print(
                f"\nsimcoop: sensitivity — {len(info['parameters'])} assumptions, up to {runs} runs of "
                f"{info['replications']} replications",
                file=sys.stderr,
            )
        elif name == "sensitivity_done":
            print()
            print(sensitivity_text(info["table"]))
            print(f"\nwrote {out}/sensitivity.csv in {info['seconds']:.1f} s")
        elif name == "funders_start":
            print(f"\nsimcoop: the verdict without each funder in turn ({info['replications']} replications each)", file=sys.stderr)
        elif name == "funders_done":
            print(info["table"][["funder", "required_to_open", "outcome", "decisive"]].to_string(index=False))
            print(f"wrote {out}/funders.csv")
        elif name == "solve_start":
            print(file=sys.stderr)
            print(f"simcoop: solving {scenario.meta.name} for {info['target']}", file=sys.stderr)
        elif name == "solve_step":
            print_step(info)
        elif name == "report_start":  # the report's pages take several seconds to lay out: say what is going on
            print(f"\nsimcoop: writing the report ({report_files(info['note'])})", file=sys.stderr)
        elif name == "report_done":
            for path in info["paths"]:
                print(path)

    try:
        with executor_from(args) as executor:
            run_pipeline(
                scenario, out, results=results, jobs=args.jobs, executor=executor,
                sensitivity=args.sensitivity, sensitivity_replications=args.sensitivity_replications,
                solve=args.solve, funders=getattr(args, "funders", False), report=args.report, progress=not args.quiet, on_event=on_event,
                reader=args.reader, note=args.note,
            )  # fmt: skip
    except ScenarioError as exc:
        return print_problems("simcoop: a sensitivity variation is not a valid scenario:", exc)
    except NotARunFolder as exc:
        print(f"simcoop: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except OSError as exc:
        if stage["now"] == "report":
            print(f"simcoop: cannot write the report into {out}: {exc}", file=sys.stderr)
            return EXIT_FAILURE
        return output_refused(out / f"{stage['now']}.csv" if stage["now"] in ("sensitivity", "funders") else out, exc)
    except UsageError:
        raise
    except ValueError as exc:
        print(f"simcoop: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_OK


def print_verdict(out: Path) -> None:
    """Print the run folder's verdict.json in a few plain lines (what the file says, rounded as it is)."""
    from simcoop.results.verdict_text import verdict_lines
    from simcoop.verdict import Verdict

    try:
        data = json.loads((out / "verdict.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return
    data.pop("run", None)
    print()
    print("\n".join(verdict_lines(Verdict.from_dict(data))))


def _auto_replications_in(out: Path, seed: int, precision: float, max_replications: int) -> int:
    """The replications of the auto-precision run in ``out`` if it had the same settings, else -1.

    Lets ``check_output_folder`` accept rerunning the same ``-n auto`` run (same scenario, seed,
    precision and cap give the same count) and refuse any other run before simulating.
    """
    try:
        old = json.loads((out / "precision.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return -1
    same = (old.get("seed"), old.get("precision"), old.get("max_replications")) == (seed, precision, max_replications)
    return int(old.get("replications", -1)) if same else -1


def _run_streamed(
    args: argparse.Namespace, scenario: Any, out: Path, replications: int, seed: int, pool: Any = None, plan: Any = None,
    expected: int | None = None,
) -> Any:
    """Run on the chosen executor (``pool`` if given, already started), streaming chunks to ``<out>.partial/``, and save ``out``; an exit code on failure.

    With ``plan`` (``-n auto``: a ``PrecisionPlan``), ``replications`` is the cap and the plan says when to stop;
    ``expected`` is the count of the same auto run already in ``out``. An interrupted run (Ctrl-C or SIGTERM)
    keeps its finished chunks; the same command resumes from them.
    """
    import signal

    from simcoop.executors import ExecutorError, PoolExecutor
    from simcoop.allocator import system_allocator_for_arrow
    from simcoop.store import partial_folder, simulate_to_folder

    system_allocator_for_arrow()  # this process's memory comes back after each row group written, each table read

    partial = partial_folder(out)
    show = not args.quiet

    def on_sigterm(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt  # unwinds like Ctrl-C: the executor shuts down, the chunks stay

    import threading

    main_thread = threading.current_thread() is threading.main_thread()  # signal handlers only go there
    previous = signal.signal(signal.SIGTERM, on_sigterm) if main_thread else None
    bar = None
    try:
        with contextlib.nullcontext(pool) if pool is not None else executor_from(args) as executor:
            callback = None
            if show:
                from simcoop.progress import bar_total_follows, progress_bar

                what = f"simulating {scenario.meta.name}" + (f" to ±{plan.precision:g}" if plan is not None else "")
                bar = progress_bar(replications if plan is None else plan.start, what)
                callback = bar.update
                if plan is not None:
                    plan.on_total = bar_total_follows(bar)

            def resuming(done: int) -> None:
                if show:
                    of = f"of {replications} " if plan is None else ""
                    print(f"simcoop: resuming: {done} {of}replications already in {partial}/", file=sys.stderr)

            def discarded(message: str) -> None:
                print(f"simcoop: {message}", file=sys.stderr)  # shown even with -q: files were removed

            return simulate_to_folder(
                scenario, out, replications=replications, seed=seed, executor=executor,
                compare_portage=args.compare_portage, force=args.force, fresh=args.fresh, on_progress=callback,
                on_resume=resuming, on_discard=discarded,
                on_computed=executor.release if isinstance(executor, PoolExecutor) else None,  # workers exit during the save
                until=plan, expected=expected,
            )  # fmt: skip
    except ExecutorError as exc:
        print(f"simcoop: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except OSError as exc:  # the output folder or the work folder refused (another run's chunks, permissions)
        return output_refused(out, exc)
    except KeyboardInterrupt:
        if bar is not None:
            bar.close()
            bar = None
        kept = f"; the finished chunks are kept in {partial}/: run the same command again to resume" if partial.is_dir() else ""
        print(f"simcoop: interrupted; {out} was not written{kept}", file=sys.stderr)
        return 130
    finally:
        if bar is not None:
            bar.close()
        if main_thread:
            signal.signal(signal.SIGTERM, previous)

