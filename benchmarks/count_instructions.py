"""Instructions the engine executes for some replications of the reference: a figure a noisy machine does not move.

::

    valgrind --tool=callgrind --instr-atstart=no python benchmarks/count_instructions.py       # 10 replications
    valgrind --tool=callgrind --instr-atstart=no python benchmarks/count_instructions.py -n 20
    PYTHONPATH=<worktree> valgrind --tool=callgrind --instr-atstart=no python benchmarks/count_instructions.py
    valgrind --tool=callgrind --instr-atstart=no python benchmarks/count_instructions.py -n 5 --accueils-scale 3

On a shared VM, two runs of the same ``simulate`` differ by 10 to 40 % in time (benchmarks/README.md),
so a change of 1 to 3 % cannot be timed; the number of instructions can (about 0.2 % between two runs
of the same code, session 21). This script warms the engine (imports, numba's kernels, the payroll
tables of the replications to come), then asks callgrind (``callgrind_control -i on``) to count only
``simcoop.simulate(sc, replications=n, seed=20270101)`` of the reference at its central values (what
``bench_engine.py`` times), and switches counting off after it. callgrind prints the total as
``Collected :`` and ``I refs:`` at the end; ``callgrind_annotate`` on its output file lists the
functions (the Cython-compiled engine and the C libraries by name; Python frames only as the
interpreter's functions). Instructions are not time (a cache miss costs hundreds of cycles, one
instruction): use it to compare two versions of the same code path, and time the engine too.

A run takes a few minutes: numba compiles its kernels again under valgrind (valgrind's processor is
another target), and every instruction of the warm-up is simulated, uncounted. Without valgrind the
script runs the same calls and prints the entrepreneur-months simulated.

``--accueils-scale`` multiplies the reference's accueils at maturity (a larger CAE, as ``bench_scale.py``
does): two counts of the same replications at two sizes split a replication's instructions into a part
that grows with the entrepreneur-months (each activity's month, each change of state) and a part that
does not (each month's calls, whatever the number of activities), by a straight line through the two
points (benchmarks/README.md, "Session 28").
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
from collections.abc import Sequence

import simcoop
from simcoop.draws import fixed_parameters

SEED = 20270101


def _callgrind(switch: str) -> None:
    """Turn callgrind's counting of this process on or off (nothing when not under callgrind)."""
    tool = shutil.which("callgrind_control")
    if tool is not None:
        subprocess.run([tool, "-i", switch, str(os.getpid())], capture_output=True, check=False)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--replications", type=int, default=10, help="replications counted (default 10)")
    parser.add_argument(
        "--accueils-scale",
        type=float,
        default=1.0,
        help="multiply the reference's accueils at maturity (CAE size; default 1)",
    )
    args = parser.parse_args(argv)
    scenario = fixed_parameters(simcoop.load_scenario(simcoop.default_scenario_path()))
    if args.accueils_scale != 1.0:
        key = "territory.accueils_per_year_at_maturity"
        scenario = scenario.replace({key: scenario.territory.accueils_per_year_at_maturity * args.accueils_scale})
    simcoop.simulate(scenario, replications=3, seed=1, jobs=1)  # imports, kernels, the first payroll tables
    simcoop.simulate(scenario, replications=3, seed=SEED, jobs=1)  # the counted run's first replications' tables
    _callgrind("on")
    results = simcoop.simulate(scenario, replications=args.replications, seed=SEED, jobs=1)
    _callgrind("off")
    print(
        f"{args.replications} replications of {scenario.meta.name} (accueils x{args.accueils_scale:g}), seed {SEED}:"
        f" {results.kpis['entrepreneur_months'].sum():,.0f} entrepreneur-months"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
