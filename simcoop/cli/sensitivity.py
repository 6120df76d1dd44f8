"""``simcoop sensitivity`` (global: Morris, Sobol) and the one-at-a-time sensitivity of ``simcoop run --sensitivity``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from simcoop.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    add_executor_options,
    duration,
    jobs_option,
    executor_from,
    non_negative_int,
    output_refused,
    positive_int,
    print_problems,
    safe_folder_name,
    warm_workers_early,
)

__all__ = ["add_parser", "cmd_sensitivity"]


def add_parser(sub: Any) -> None:
    """Add the ``sensitivity`` command to the subparsers ``sub``."""
    # --- sensitivity (simcoop.gsa) ---
    gsa = sub.add_parser(
        "sensitivity",
        help="global sensitivity analysis (Morris screening or Sobol indices, with SALib)",
        description=(
            "Vary several assumptions at once over their ranges and measure how much each moves a KPI. "
            "Every sample point is the scenario run over a few replications on the same seed (common random "
            "numbers), and the output is the mean over those replications.\n\n"
            "  morris  screening of many assumptions: --samples trajectories (default 10) of D+1 points on a "
            "4-level grid; mu* ranks the assumptions (effect over the range, in the output's unit), sigma "
            "shows interactions\n"
            "  sobol   variance shares for a few assumptions (those Morris singles out): Saltelli scheme, "
            "--samples N (a power of 2, default 64) -> N(2D+2) points; S1 first order, ST total\n\n"
            "--params key.path=low:high sets the assumptions and their ranges (dotted keys as in `variants:`; "
            "a * stands for every item of a list and makes one factor, its bounds multiplying each item, "
            "e.g. activities.sectors.*.turnover_median_eur_per_year=0.8:1.2). Without --params, eight key "
            "assumptions with the ranges of `simcoop run --sensitivity` around the scenario's values."
        ),
        epilog=(
            "examples:\n"
            "  simcoop sensitivity scenarios/reference.yaml -j 2\n"
            "  simcoop sensitivity my.yaml --method sobol -n 10 --params cooperative.contribution.rate=0.08:0.12 \\\n"
            "      territory.accueils_per_year_at_maturity=120:240 --output min_coop_treasury_eur insolvency_probability\n\n"
            "Writes <method>_indices.csv, <method>.png (ranked bars with 95% intervals), <method>_samples.csv "
            "(each point's values and outputs) and <method>.json (provenance) into OUTDIR (default "
            "outputs/<scenario name>_sensitivity); existing files are replaced only if they hold the same "
            "analysis, or with --force."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    gsa.add_argument("scenario", nargs="?", type=Path, help="scenario YAML file (default: scenarios/reference.yaml)")
    gsa.add_argument("--method", choices=["morris", "sobol"], default="morris", help="morris (default) or sobol")
    gsa.add_argument("--params", nargs="+", action="extend", metavar="KEY=LOW:HIGH", help="assumptions and their ranges (default: eight key assumptions)")
    gsa.add_argument(
        "--output", nargs="+", action="extend", metavar="KPI",
        help="KPIs analysed, each as its mean over the replications (default min_coop_treasury_eur; e.g. insolvency_probability, final_coop_treasury_eur, break_even_month)",
    )  # fmt: skip
    gsa.add_argument("-n", "--replications", type=positive_int, default=10, help="replications per sample point (default 10)")
    gsa.add_argument("--samples", type=positive_int, metavar="N", help="Morris trajectories (default 10) or Sobol base sample, a power of 2 (default 64)")
    gsa.add_argument("-s", "--seed", type=non_negative_int, help="seed of the sample, the simulations and the bootstrap (default: the scenario's)")
    gsa.add_argument("-j", "--jobs", type=jobs_option, default=1, help="worker processes (default 1); results do not depend on it")
    add_executor_options(gsa)
    gsa.add_argument("-o", "--out", type=Path, metavar="OUTDIR", help="output folder (default: outputs/<scenario name>_sensitivity)")
    gsa.add_argument("--force", action="store_true", help="replace the output files even if they hold a different analysis")
    gsa.add_argument("-q", "--quiet", action="store_true", help="no estimate, progress bar or table")
    # end sensitivity ---
    gsa.set_defaults(handler=cmd_sensitivity)


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Global sensitivity (simcoop.gsa): estimate, run, then write the indices, chart, samples and manifest."""
    warm_workers_early(args)  # the workers' fork server warms while this process prepares the study
    from simcoop._atomic import write_json_atomically
    from simcoop.results import OutputExistsError
    from simcoop.results.folder import write_csv
    from simcoop.runner import default_scenario_path, simulate
    from simcoop.scenario import ScenarioError, load_scenario
    from simcoop.studies import gsa

    path = args.scenario if args.scenario is not None else default_scenario_path()
    try:
        scenario = load_scenario(path, allow_outside_files=args.allow_outside_files)
    except ScenarioError as exc:
        return print_problems(f"simcoop: cannot analyse {path}:", exc)
    seed = scenario.simulation.seed if args.seed is None else args.seed
    samples = args.samples if args.samples is not None else gsa.DEFAULT_SAMPLES[args.method]
    outputs = list(dict.fromkeys(o for text in (args.output or [gsa.DEFAULT_OUTPUT]) for o in text.split(",") if o))
    try:
        params = [gsa.parse_param(p) for p in args.params] if args.params else gsa.default_parameters(scenario)
        problem = gsa.problem(params)
        unknown = [o for o in outputs if o not in gsa.output_names()]
        if unknown:
            raise ValueError(f"unknown --output {', '.join(unknown)}; choose among {', '.join(gsa.output_names())}")
        if args.method == "sobol" and samples & (samples - 1):
            raise ValueError(f"--samples for sobol must be a power of 2 (e.g. 32, 64, 128), got {samples}")
        warnings = gsa.check_parameters(scenario, params)
    except (ValueError, KeyError) as exc:
        print(f"simcoop: {exc.args[0] if isinstance(exc, KeyError) else exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ScenarioError as exc:
        print("simcoop: a parameter range gives an invalid scenario:", file=sys.stderr)
        for problem_ in exc.problems:
            print(f"  {problem_}", file=sys.stderr)
        return EXIT_BAD_INPUT
    out = args.out if args.out is not None else Path("outputs") / f"{safe_folder_name(scenario.meta.name)}_sensitivity"
    stem = args.method
    files = [out / f"{stem}_indices.csv", out / f"{stem}_samples.csv", out / f"{stem}.png", out / f"{stem}.json"]
    key = {
        "scenario_hash": scenario.scenario_hash(), "method": args.method, "seed": seed,
        "replications_per_point": args.replications, "samples": samples, "outputs": outputs,
        "parameters": [{"key": k, "low": lo, "high": hi, "grouped_factor": "*" in k} for k, lo, hi in params],
    }  # fmt: skip
    if any(f.exists() for f in files):
        try:
            old = json.loads(files[-1].read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = {}
        if not isinstance(old, dict) or old.get("kind") != "sensitivity":  # not simcoop's: never replaced
            present = ", ".join(f.name for f in files if f.exists())
            return output_refused(out, OutputExistsError(
                f"{out} holds {present} without a simcoop {files[-1].name} (kind 'sensitivity'): they are not "
                "simcoop's and are never replaced, even with --force; choose another -o"
            ))  # fmt: skip
        if not args.force and {k: old.get(k) for k in key} != key:
            return output_refused(out, OutputExistsError(
                f"{out} holds other {stem} sensitivity files; use --force to replace them, or choose another -o"
            ))  # fmt: skip
    points = gsa.point_count(args.method, problem["num_vars"], samples)
    for warning in warnings:
        print(f"simcoop: warning: {warning}", file=sys.stderr)
    if not args.quiet:
        probe = time.perf_counter()
        simulate(scenario, replications=1, seed=seed)  # one replication to time the estimate
        per_rep = time.perf_counter() - probe
        estimate = points * args.replications * per_rep / args.jobs
        print(
            f"simcoop: {args.method} sensitivity of {scenario.meta.name} — {problem['num_vars']} parameters, "
            f"{points} points x {args.replications} replications = {points * args.replications:,} replications, "
            f"about {duration(estimate)} with {args.jobs} job(s) -> {out}",
            file=sys.stderr,
        )
        if args.method == "sobol" and problem["num_vars"] > 4:
            print(
                "simcoop: warning: Sobol with many parameters is costly; screen them with --method morris and "
                "give the few that matter with --params",
                file=sys.stderr,
            )
    try:
        with executor_from(args) as executor:
            result = gsa.run_gsa(
                scenario, params, args.method, outputs, args.replications, samples, seed, args.jobs,
                progress=not args.quiet, executor=executor,
            )  # fmt: skip
    except ScenarioError as exc:
        print("simcoop: a sample point is not a valid scenario:", file=sys.stderr)
        for problem_ in exc.problems:
            print(f"  {problem_}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        out.mkdir(parents=True, exist_ok=True)
        write_csv(result.indices, files[0])
        write_csv(result.samples_frame(), files[1])
        fig = gsa.figure(result)
        fig.savefig(files[2], dpi=120)
        import matplotlib.pyplot as plt

        plt.close(fig)
        write_json_atomically(files[3], result.manifest())
    except OSError as exc:
        return output_refused(out, exc)
    if not args.quiet:
        print(result.to_text())
        print(f"\nwrote {', '.join(str(f) for f in files)} in {result.runtime_seconds:.1f} s")
    return EXIT_OK
