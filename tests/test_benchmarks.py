"""The engine benchmark runs end to end, its naive baselines included (issue 13's figures come from it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_engine_runs_every_model_and_prints_its_workload_check() -> None:
    """A change of the economics' functions (a number given where an array was) once broke the naive model with
    scalar payroll, which calls them one gross at a time: the benchmark must keep running all of its models."""
    sizes = ["--replications", "2", "--naive-replications", "1", "--scalar-replications", "1", "--cohort-replications", "2",
             "--cohort-batch", "2"]  # fmt: skip
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_engine.py"), *sizes],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    for line in ("[naive SimPy, scalar payroll]", "workload check", "speed ratio simcoop / naive (scalar payroll)"):
        assert line in done.stdout
