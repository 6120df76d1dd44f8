"""``simcoop calibrate --observed`` and ``simcoop backtest --cross-validate``: the population prior and its validation."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from simcoop.cli.common import EXIT_BAD_INPUT, EXIT_OK, distinct_outputs

__all__ = ["calibrate_population", "cross_validate_population"]


def _base(path: Path | None) -> Any:
    import simcoop
    from simcoop.runner import default_scenario_path

    return simcoop.load_scenario(path if path is not None else default_scenario_path())


def _bar(total: int, desc: str) -> Any:
    from simcoop.progress import progress_bar

    return progress_bar(total, desc, unit="sim")


def _grow(bar: Any) -> Any:
    """A callback that adds simulations to the bar's total (the third round's, known after the second)."""
    if bar is None:
        return None

    def grow(more: int) -> None:
        bar.total = (bar.total or 0) + more
        bar.refresh()

    return grow


def calibrate_population(args: argparse.Namespace) -> int:
    """Fit the population prior on FIGURES; write the prior, hyperparameters, fit table and report."""
    from simcoop.calibration.figures import FiguresError, read_figures
    from simcoop.calibration.popfit import fit_from_figures, write_outputs
    from simcoop.runner import executor_for
    from simcoop.scenario import ScenarioError

    out = args.out or Path("population_prior.csv")
    report = args.report or out.with_name(out.stem + "_fit_report.md")
    written = [out, out.with_name(out.stem + "_hyper.csv"), out.with_name(out.stem + "_fit.csv"), report]
    try:
        distinct_outputs([("--observed", args.observed), ("--base", args.base)], [(str(p), p) for p in written])
    except OSError as exc:
        print(f"simcoop calibrate: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    existing = [p for p in written if p.exists()]
    if existing and not args.force:
        print(f"simcoop calibrate: {', '.join(map(str, existing))} exists; use --force to overwrite", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        base = _base(args.base)
        caes, notes = read_figures(args.observed)  # before any simulation: a bad file costs nothing
    except (ScenarioError, FiguresError) as exc:
        print(f"simcoop calibrate: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    total = args.draws * len(caes)
    print(f"calibrating the population prior on {args.observed}: {len(caes)} CAE, {args.draws} simulations each "
          f"({total}), seed {args.seed}, {args.jobs} job(s)")
    for note in notes:
        print(f"  note: {note}")
    bar = _bar(total, "stage 1: per-CAE simulations")
    started = time.perf_counter()
    try:
        with executor_for(None, args.jobs) as executor:
            fit = fit_from_figures(args.observed, base, args.draws, args.seed, executor, args.work,
                                   bar.update if bar is not None else None, on_more=_grow(bar),
                                   refine_rounds=args.refine_rounds)
    finally:
        if bar is not None:
            bar.close()
    try:
        paths = write_outputs(fit, out, report, base.meta.name)
    except OSError as exc:
        print(f"simcoop calibrate: cannot write the output: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"population fitted in {time.perf_counter() - started:.0f} s"
          f"{' (simulations reused from ' + str(args.work) + ')' if fit.reused else ''}; effective draws per CAE: "
          + ", ".join(f"{s.cae.name} {s.ess():.0f}" for s in fit.sims))
    print("wrote " + ", ".join(map(str, paths)))
    return EXIT_OK


def cross_validate_population(args: argparse.Namespace) -> int:
    """Leave one CAE out, predict its figures from the population of the others; print the coverage."""
    from simcoop.calibration.crossval import cap_services_check, coverage_summary, cross_validate, format_coverage
    from simcoop.calibration.figures import FiguresError, read_figures
    from simcoop.calibration.popfit import stage1
    from simcoop.runner import executor_for
    from simcoop.scenario import ScenarioError

    figures = args.cross_validate
    try:
        distinct_outputs([("FIGURES", figures)], [("--out", args.out), ("--markdown", args.markdown)])
        base = _base(args.scenario)
        caes, _notes = read_figures(figures)
    except (ScenarioError, FiguresError, OSError) as exc:
        print(f"simcoop backtest: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if len(caes) < 3:
        print(f"simcoop backtest: {figures}: {len(caes)} CAE; leaving one out needs at least 3", file=sys.stderr)
        return EXIT_BAD_INPUT
    seed = 2026 if args.seed is None else args.seed
    print(f"cross-validation on {figures}: {len(caes)} CAE, {args.draws} stage-1 simulations each, then "
          f"{args.per_cae} predictive simulations per left-out CAE; seed {seed}, {args.jobs} job(s)")
    started = time.perf_counter()
    with executor_for(None, args.jobs) as executor:
        bar = _bar(args.draws * len(caes), "stage 1: per-CAE simulations")
        try:
            _, _, sims, reused = stage1(figures, base, args.draws, seed, executor, args.work,
                                        bar.update if bar is not None else None, _grow(bar), args.refine_rounds)
        finally:
            if bar is not None:
                bar.close()
        if reused:
            print(f"stage-1 simulations reused from {args.work}")
        bar = _bar(args.per_cae * len(caes), "left-out CAE: predictive simulations")
        try:
            table = cross_validate(base, sims, seed, executor, per_cae=args.per_cae, on_progress=bar.update if bar is not None else None)
        finally:
            if bar is not None:
                bar.close()
    text = format_coverage(table)
    print(text)
    summary = coverage_summary(table)
    overall = summary[summary["measure"] == "overall"].iloc[0]
    print(f"overall: {100 * overall.coverage_90:.0f}% of {overall.figures} left-out figures inside their 90% interval "
          f"({100 * overall.coverage_50:.0f}% inside their 50% interval); target 80-97%")
    inside, found = cap_services_check(table)
    if found:
        print(f"Cap Services predicted without its own figures: {inside} of {found} of accueils, supported, salaried, "
              "turnover inside their 90% interval")
    print(f"done in {time.perf_counter() - started:.0f} s")
    try:
        if args.out:
            from simcoop.csvout import write_csv_table

            write_csv_table(table, args.out)
            print(f"wrote {args.out}")
        if args.markdown:
            args.markdown.write_text(format_coverage(table, markdown=True) + "\n", encoding="utf-8")
            print(f"wrote {args.markdown}")
    except OSError as exc:
        print(f"simcoop backtest: cannot write the output: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_OK
