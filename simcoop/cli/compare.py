"""``simcoop compare``: scenarios, or a scenario and its variants, on common random numbers."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from simcoop.cli.common import (
    add_fixed_parameters,
    fixed_if_asked,
    EXIT_BAD_INPUT,
    EXIT_OK,
    jobs_option,
    add_executor_options,
    executor_from,
    distinct_outputs,
    non_negative_int,
    output_refused,
    positive_int,
    print_problems,
    safe_folder_name,
    warm_workers_early,
)

__all__ = ["add_parser", "cmd_compare"]


def add_parser(sub: Any) -> None:
    """Add the ``compare`` command to the subparsers ``sub``."""
    compare = sub.add_parser(
        "compare",
        help="compare scenarios, or a scenario and its variants, on common random numbers",
        description=(
            "Simulate several scenarios with the same seed, so that replication r of each meets the "
            "same entrants and the same chance events, and compare them with the first (the baseline): "
            "per KPI, each scenario's mean with its 95% confidence interval, the paired difference with "
            "the baseline with its 95% interval (* when it excludes 0), and each scenario's verdict.\n\n"
            "With ONE file, its base scenario is compared with the variants of its `variants:` block, "
            "each a name and some dotted keys to change:\n\n"
            "  variants:\n"
            "    \"sans FSE\": {cooperative.public_funding.3.amount_eur: 0}\n"
            "    \"contribution 12 %\": {cooperative.contribution.rate: 0.12}\n\n"
            "With several files, they are compared with the first (their variants are ignored)."
        ),
        epilog=(
            "examples:\n"
            "  simcoop compare scenarios/reference.yaml -n 100 -j 2\n"
            "  simcoop compare today.yaml with_antenna.yaml -o outputs/antenna.csv\n\n"
            "Writes the table as CSV (default outputs/comparison_<names>.csv) with its manifest <name>.manifest.json "
            "beside it; an existing comparison is replaced only if it is the same one, or with --force (a file that is "
            "not a simcoop comparison never is)."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    compare.add_argument("files", nargs="+", type=Path, metavar="SCENARIO", help="scenario YAML files (the first is the baseline)")
    compare.add_argument("-n", "--replications", type=positive_int, help="replications per scenario (default: the baseline's simulation.replications)")
    compare.add_argument("-s", "--seed", type=non_negative_int, help="root random seed, shared by all (default: the baseline's simulation.seed)")
    compare.add_argument("-j", "--jobs", type=jobs_option, default=1, help="worker processes (default 1); results do not depend on it")
    add_executor_options(compare)
    compare.add_argument("-o", "--out", type=Path, help="CSV file to write (default: outputs/comparison_<names>.csv)")
    compare.add_argument("--force", action="store_true", help="replace the CSV even if it holds a different comparison")
    compare.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no table")
    add_fixed_parameters(compare)
    compare.set_defaults(handler=cmd_compare)


def cmd_compare(args: argparse.Namespace) -> int:
    """``simcoop compare``: run the scenarios (or a file's variants) on common random numbers, write and print the comparison."""
    warm_workers_early(args)  # the workers' fork server warms while this process prepares the study
    from simcoop.scenario import ScenarioError, load_scenario
    from simcoop.scenario.edit import load_variants
    from simcoop.studies.compare import (
        check_comparison_output,
        compare,
        comparison_manifest_key,
        comparison_manifest_path,
    )

    scenarios: dict = {}
    status = EXIT_OK
    for path in args.files:
        try:
            loaded = (
                load_variants(path, allow_outside_files=args.allow_outside_files)
                if len(args.files) == 1
                else {(s := load_scenario(path, allow_outside_files=args.allow_outside_files)).meta.name: s}
            )
        except ScenarioError as exc:
            status = print_problems(f"simcoop: cannot compare {path}:", exc)
            continue
        for name, scenario in loaded.items():
            label, k = name, 2
            while label in scenarios:  # two files may share a meta.name
                label, k = f"{name} ({k})", k + 1
            scenarios[label] = fixed_if_asked(scenario, args)
    if status != EXIT_OK:
        return status
    if len(scenarios) < 2:
        print(
            f"simcoop: nothing to compare: {args.files[0]} has no `variants:` block; give two or more scenario "
            "files, or add variants (see simcoop compare --help)",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    from simcoop.studies.compare import check_comparable

    try:
        for note in check_comparable(scenarios, seed_given=args.seed is not None):
            print(f"simcoop: note: {note}", file=sys.stderr)
    except ValueError as exc:
        print(f"simcoop: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    baseline = next(iter(scenarios.values()))
    replications = args.replications or baseline.simulation.replications
    seed = baseline.simulation.seed if args.seed is None else args.seed
    out = args.out or Path("outputs") / f"comparison_{safe_folder_name('_'.join(scenarios))[:120]}.csv"
    if not args.quiet:
        print(
            f"simcoop: comparing {len(scenarios)} scenarios ({', '.join(scenarios)}) — {replications} replications "
            f"each, seed {seed}, {args.jobs} job(s) -> {out}",
            file=sys.stderr,
        )
    try:  # check the output before spending time on the simulation
        distinct_outputs([(f"input {f}", f) for f in args.files], [("--out", out), ("its manifest", comparison_manifest_path(out))])
        check_comparison_output(out, comparison_manifest_key(scenarios, replications, seed), args.force)
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return output_refused(out, exc)
    started = time.perf_counter()
    with executor_from(args) as executor:
        comparison = compare(scenarios, replications, seed, args.jobs, progress=not args.quiet, executor=executor)
    try:
        comparison.to_csv(out)
    except OSError as exc:
        return output_refused(out, exc)
    if not args.quiet:
        print(comparison.to_text())
        print(f"\nwrote {out} (and {comparison_manifest_path(out).name}) in {time.perf_counter() - started:.1f} s")
    return EXIT_OK
