"""``simcoop network`` and ``simcoop territories``: a network of CAE over time, and candidate territories ranked."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from simcoop.cli.common import (
    EXIT_OK,
    bootstrap_option,
    jobs_option,
    add_executor_options,
    executor_from,
    non_negative_int,
    output_refused,
    positive_int,
    print_problems,
    safe_folder_name,
)

__all__ = ["add_network_parser", "add_territories_parser", "cmd_network", "cmd_territories"]


def add_network_parser(sub: Any) -> None:
    """Add the ``network`` command to the subparsers ``sub``."""
    # network (simcoop.network)
    network = sub.add_parser(
        "network",
        help="simulate a network of CAE together: totals by year and the union's votes",
        description=(
            "Simulate every cooperative of a network file (each a scenario file, or the network's base scenario with "
            "dotted overrides, and its opening month) on the same replications and seed, from its opening to the "
            "network's end month. Writes network_yearly.csv (totals by replication and year), network_summary.csv "
            "(median and 5-95% range by year), governance.csv (the UES vote shares at each year end, statutes art. 18), "
            "members.csv, members_yearly.csv and manifest.json into the output folder, and prints the totals."
        ),
        epilog=(
            "example:\n  simcoop network scenarios/network_example.yaml -n 100 -j 2\n\n"
            "The output folder is written atomically and replaced only if it holds the same network run, or with --force."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    network.add_argument("file", type=Path, metavar="FILE", help="network YAML file")
    network.add_argument("-n", "--replications", type=positive_int, help="replications of every member (default: the file's simulation.replications)")
    network.add_argument("-s", "--seed", type=non_negative_int, help="root random seed, shared by all members (default: the file's)")
    network.add_argument("-j", "--jobs", type=jobs_option, default=1, help="worker processes (default 1); results do not depend on it")
    add_executor_options(network)
    network.add_argument("-o", "--out", type=Path, help="output folder (default: outputs/network_<name>)")
    network.add_argument("--force", action="store_true", help="replace a simcoop folder holding a different run (never a file or a folder that is not simcoop's; your own files in it are kept)")
    network.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no table")
    network.set_defaults(handler=cmd_network)


def add_territories_parser(sub: Any) -> None:
    """Add the ``territories`` command to the subparsers ``sub``."""
    territories = sub.add_parser(
        "territories",
        help="rank candidate territories or site plans by the viability criteria",
        description=(
            "Simulate each candidate of a candidates file (a base scenario and, per candidate, dotted overrides) on "
            "common random numbers and rank them: by verdict outcome, then P(rupture de trésorerie), then the median lowest own "
            "treasury. The uncertainty of the ranking comes from a paired bootstrap of the replications: per candidate, "
            "the probability of each rank and of being first. Writes territories.csv and manifest.json into the output "
            "folder and prints the ranked table."
        ),
        epilog="example:\n  simcoop territories scenarios/territories_example.yaml -n 200 -j 2",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    territories.add_argument("file", type=Path, metavar="FILE", help="candidates YAML file")
    territories.add_argument("-n", "--replications", type=positive_int, help="replications per candidate (default: the file's simulation.replications)")
    territories.add_argument("-s", "--seed", type=non_negative_int, help="root random seed, shared by all candidates (default: the file's)")
    territories.add_argument("-j", "--jobs", type=jobs_option, default=1, help="worker processes (default 1); results do not depend on it")
    add_executor_options(territories)
    territories.add_argument("-B", "--bootstrap", type=bootstrap_option, help="bootstrap resamples for the rank probabilities (default: the file's, else 500)")
    territories.add_argument("-o", "--out", type=Path, help="output folder (default: outputs/territories_<name>)")
    territories.add_argument("--force", action="store_true", help="replace a simcoop folder holding a different run (never a file or a folder that is not simcoop's; your own files in it are kept)")
    territories.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no table")
    # end network and territories ---
    territories.set_defaults(handler=cmd_territories)


def cmd_network(args: argparse.Namespace) -> int:
    """``simcoop network``: simulate the member CAE together and write the network's tables."""
    from simcoop.network import load_network, simulate_network
    from simcoop.results.folder import check_study_folder
    from simcoop.scenario import ScenarioError

    try:
        network = load_network(args.file)
    except ScenarioError as exc:
        return print_problems(f"simcoop: cannot run the network {args.file}:", exc)
    replications = args.replications or network.replications
    seed = network.seed if args.seed is None else args.seed
    out = args.out if args.out is not None else Path("outputs") / f"network_{safe_folder_name(network.name)}"
    identity = {"kind": "network", "input_hash": network.input_hash(), "seed": seed, "replications": replications}
    try:  # check the output folder before spending time on the simulation
        check_study_folder(out, identity, args.force)
    except OSError as exc:
        return output_refused(out, exc)
    if not args.quiet:
        print(
            f"simcoop: network {network.name} — {len(network.members)} CAE to {network.end_month}, {replications} "
            f"replications each, seed {seed}, {args.jobs} job(s) -> {out}",
            file=sys.stderr,
        )
    started = time.perf_counter()
    with executor_from(args) as executor:
        results = simulate_network(
            network, replications, seed, args.jobs, progress=not args.quiet, executor=executor
        )
    try:
        results.save(out, force=args.force)
    except OSError as exc:
        return output_refused(out, exc)
    if not args.quiet:
        print(results.to_text())
        print(
            f"\nwrote {out}/ (network_yearly.csv, network_summary.csv, governance.csv, members.csv, members_yearly.csv, "
            f"manifest.json) in {time.perf_counter() - started:.1f} s"
        )
    return EXIT_OK


def cmd_territories(args: argparse.Namespace) -> int:
    """``simcoop territories``: simulate the candidate territories and write their ranking."""
    from simcoop.results.folder import check_study_folder
    from simcoop.scenario import ScenarioError
    from simcoop.studies.ranking import load_candidates, rank_territories

    try:
        candidates = load_candidates(args.file)
    except ScenarioError as exc:
        return print_problems(f"simcoop: cannot rank the candidates of {args.file}:", exc)
    if args.bootstrap is not None:
        from dataclasses import replace

        candidates = replace(candidates, bootstrap=args.bootstrap)
    replications = args.replications or candidates.replications
    seed = candidates.seed if args.seed is None else args.seed
    out = args.out if args.out is not None else Path("outputs") / f"territories_{safe_folder_name(candidates.name)}"
    identity = {"kind": "territories", "input_hash": candidates.input_hash(), "seed": seed, "replications": replications}
    try:  # check the output folder before spending time on the simulation
        check_study_folder(out, identity, args.force)
    except OSError as exc:
        return output_refused(out, exc)
    if not args.quiet:
        print(
            f"simcoop: ranking {len(candidates.scenarios)} candidates ({', '.join(candidates.scenarios)}) — "
            f"{replications} replications each, seed {seed}, {args.jobs} job(s) -> {out}",
            file=sys.stderr,
        )
    started = time.perf_counter()
    with executor_from(args) as executor:
        ranking = rank_territories(
            candidates, replications, seed, args.jobs, progress=not args.quiet, executor=executor
        )
    try:
        ranking.save(out, force=args.force)
    except OSError as exc:
        return output_refused(out, exc)
    if not args.quiet:
        print(ranking.to_text())
        print(f"\nwrote {out}/ (territories.csv, manifest.json) in {time.perf_counter() - started:.1f} s")
    return EXIT_OK
