"""Where one replication's time goes: per-function wall time and, optionally, a cProfile listing.

::

    python benchmarks/profile_engine.py                  # 20 replications, per-function timing
    python benchmarks/profile_engine.py -n 50 --cprofile # also cProfile's top 30 by own time
    python benchmarks/profile_engine.py --accueils 0.02  # a nearly empty CAE: what every replication pays

The per-function timing wraps the monthly steps of ``simcoop.model.processes`` with a
``time.process_time`` pair (CPU time of this process, so other work on a shared machine weighs
less than on wall time; about a microsecond of overhead per call, counted in the caller). It
runs the engine's Python source: this script sets ``SIMCOOP_NO_COMPILED=1`` (unless it is set)
before it imports simcoop, because the compiled month calls its steps in C (``processes.pxd``
declares them ``cpdef``), past any wrapper put on the module. The compiled engine is faster with
much the same split: ``bench_engine.py`` times it, and ``count_instructions.py`` counts it by
function under callgrind. It times ``simcoop.runner.run_replication`` on the reference scenario,
so the figures exclude building the result tables; ``simulate`` (tables included) is timed
apart. Each replication runs on its own drawn scenario and parameters, as ``simulate``
does (``simcoop.runner.run_chunk``: the reference draws its unknowns from the population
prior); drawing them (``replication_scenario`` and ``model_params``) is timed apart, and
``--central`` runs every replication on the scenario's central values instead, as this
script did before. All figures are CPU time. Nested functions are shown indented under
their caller; their time is inside it.

``--fit`` instead splits a replication's CPU into a part every replication pays whatever its
size and a part per entrepreneur-month: ``run_replication`` on the reference at its central
values with its accueils at maturity x0.5, x1 and x3, in blocks alternated between the three
sizes (``-n`` replications a block at x0.5 and x1, a third of them at x3), a straight line fitted
through the three medians. The fixed part is what several replications sharing one state
would share; the part per entrepreneur-month is what they would not.

``--accueils X`` runs the reference with its accueils at maturity multiplied by ``X`` (the
key ``--fit`` varies): at 0.02, a CAE of a few people, the per-function figures are what a
replication pays whatever its size, measured rather than extrapolated.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import os
import pstats
import statistics
import time
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

# The engine's Python source, whose steps a wrapper can time (see above): chosen before simcoop is imported.
os.environ.setdefault("SIMCOOP_NO_COMPILED", "1")

import simcoop
from simcoop.draws import fixed_parameters, replication_scenario
from simcoop.model import processes
from simcoop.model.compiled import running_compiled
from simcoop.model.params import model_params
from simcoop.runner import run_replication

#: The sizes ``--fit`` runs: multiples of the reference's accueils at maturity.
FIT_SCALES = (0.5, 1.0, 3.0)
#: The scenario key ``--fit`` and ``--accueils`` multiply.
ACCUEILS_KEY = "territory.accueils_per_year_at_maturity"

#: (function name in simcoop.model.processes, depth for display)
TIMED = [
    ("close_month", 0),
    ("_close_compiled", 1),
    ("_public_funding", 1),
    ("_arrivals", 0),
    ("_accounting", 0),
    ("_cesa_pay", 1),
    ("_relief_regularisation", 2),
    ("_activity_charges", 1),
    ("_coop_month", 1),  # the cooperative's month by its kernel (one site)
    ("_coop_month_python", 1),  # the same in Python (several sites, or a month the kernel hands back)
    ("_decisions", 0),
    ("_start_entries", 0),
]


def _wrap(totals: dict[str, float], counts: dict[str, int], name: str, f):  # type: ignore[no-untyped-def]
    @functools.wraps(f)
    def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
        started = time.process_time()
        try:
            return f(*args, **kwargs)
        finally:
            totals[name] += time.process_time() - started
            counts[name] += 1

    return timed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--replications", type=int, default=20)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--cprofile", action="store_true", help="also print cProfile's top 30 functions by own time")
    parser.add_argument("--central", action="store_true", help="every replication on the central values (no per-replication draws)")
    parser.add_argument("--fit", action="store_true", help="fit CPU a replication = fixed + per entrepreneur-month (accueils x0.5, x1, x3)")
    parser.add_argument("--blocks", type=int, default=8, help="with --fit: blocks per size (default 8)")
    parser.add_argument(
        "--accueils", type=float, default=1.0, metavar="X", help="the reference's accueils at maturity multiplied by X (default 1; 0.02: a nearly empty CAE)"
    )
    args = parser.parse_args(argv)
    if not args.accueils > 0:
        parser.error(f"--accueils must be above 0, got {args.accueils:g}")
    if args.fit and args.accueils != 1.0:
        parser.error("--fit runs its own sizes (accueils x0.5, x1, x3 of the reference): give --accueils or --fit, not both")
    scenario = simcoop.load_scenario(simcoop.default_scenario_path())
    if args.accueils != 1.0:
        scenario = scenario.replace({ACCUEILS_KEY: scenario.territory.accueils_per_year_at_maturity * args.accueils})
    seed = scenario.simulation.seed if args.seed is None else args.seed
    n = args.replications
    if args.fit:
        return fit_sizes(fixed_parameters(scenario), seed, n, args.blocks)
    if args.central:
        scenario = fixed_parameters(scenario)
    simcoop.simulate(scenario, replications=1, seed=seed, jobs=1)  # warm-up: payroll tables, lazy imports
    started = time.process_time()
    drawn = [replication_scenario(scenario, seed, r) for r in range(n)]
    params = [model_params(s) for s in drawn]
    draws_s = time.process_time() - started

    started = time.process_time()
    res = simcoop.simulate(scenario, replications=n, seed=seed, jobs=1)
    simulate_s = time.process_time() - started
    months = float(res.kpis["entrepreneur_months"].sum())

    started = time.process_time()
    for r in range(n):
        run_replication(drawn[r], seed, r, params[r])
    model_s = time.process_time() - started

    totals: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    originals = {name: getattr(processes, name) for name, _ in TIMED}
    for name, _ in TIMED:
        setattr(processes, name, _wrap(totals, counts, name, originals[name]))
    try:
        started = time.process_time()
        for r in range(n):
            run_replication(drawn[r], seed, r, params[r])
        timed_s = time.process_time() - started
    finally:
        for name, f in originals.items():
            setattr(processes, name, f)

    sized = "" if args.accueils == 1.0 else f" with its accueils x{args.accueils:g} ({months / n:,.0f} entrepreneur-months a replication)"
    form = "compiled" if running_compiled(processes) else "its Python source"
    print(f"reference scenario{sized}, seed {seed}, {n} replications, one process, the engine as {form}")
    print(f"simulate (tables included): {1000 * simulate_s / n:7.2f} ms/rep  {months / simulate_s:12,.0f} entrepreneur-months/s")
    print(f"run_replication only      : {1000 * model_s / n:7.2f} ms/rep  {months / model_s:12,.0f} entrepreneur-months/s")
    print(f"drawn scenario and params : {1000 * draws_s / n:7.2f} ms/rep")
    print(f"per function (timed run: {1000 * timed_s / n:.2f} ms/rep; ms per replication, us per call):")
    accounted = 0.0
    for name, depth in TIMED:
        if depth == 0:
            accounted += totals[name]
        per_call = 1e6 * totals[name] / max(counts[name], 1)
        print(f"  {'  ' * depth}{name:<{26 - 2 * depth}} {1000 * totals[name] / n:7.2f} ms  {per_call:8.1f} us x {counts[name] / n:6.0f}")
    print(f"  {'rest (SimPy, parcours, book)':<26} {1000 * (timed_s - accounted) / n:7.2f} ms")

    if args.cprofile:
        profile = cProfile.Profile()
        profile.enable()
        for r in range(n):
            run_replication(drawn[r], seed, r, params[r])
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(30)
    return 0


def fit_sizes(scenario: simcoop.Scenario, seed: int, replications: int, blocks: int) -> int:
    """Print the CPU of a replication at each of ``FIT_SCALES`` and the line fixed + per entrepreneur-month."""
    runs = []
    for scale in FIT_SCALES:
        sized = scenario.replace({ACCUEILS_KEY: scenario.territory.accueils_per_year_at_maturity * scale})
        params = model_params(sized)
        run_replication(sized, seed, 0, params)  # warm-up: this size's tables and arrays
        runs.append((scale, sized, params, max(1, round(replications / max(scale, 1.0))), [], []))
    for block in range(blocks):
        for _, sized, params, n, seconds, months in runs:
            started = time.process_time()
            total = 0.0
            for r in range(n):
                out = run_replication(sized, seed, 1 + block * n + r, params)
                total += sum(float(out.monthly[column].sum()) for column in ("n_cape", "n_cesa", "n_associe"))
            seconds.append((time.process_time() - started) / n)
            months.append(total / n)
    print(f"reference scenario at its central values, seed {seed}, {blocks} blocks a size, one process (CPU)")
    points = []
    for scale, _, _, n, seconds, months in runs:
        point = (statistics.mean(months), statistics.median(seconds))
        points.append(point)
        print(f"  accueils x{scale:<4g} {point[0]:9,.0f} entrepreneur-months  {1000 * point[1]:7.2f} ms/rep "
              f"(median of {blocks} blocks of {n})  {point[0] / point[1]:11,.0f} entrepreneur-months/s")
    slope, intercept = np.polyfit([x for x, _ in points], [y for _, y in points], 1)
    print(f"fit: {1000 * intercept:.2f} ms a replication whatever its size + {1e6 * slope:.3f} us an entrepreneur-month "
          f"({1 / slope:,.0f} entrepreneur-months/s at the margin)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
