"""A small leave-one-CAE-out cross-validation of the population prior, for CI: it prints, it does not assert.

    python benchmarks/bench_cross_validation.py                  # 12 stage-1 draws and 8 predictive ones per CAE
    python benchmarks/bench_cross_validation.py --draws 1200 --per-cae 60 --jobs 2  # the docs' full version

Runs ``simcoop backtest --cross-validate`` on the shipped public figures
(simcoop/data/cae_public_figures.csv) and prints its coverage table and wall time. With the
default tiny sample counts the coverage is noisy: it shows that the whole path runs, not a
calibration result (docs/calibration.md holds the full run's table).
"""

from __future__ import annotations

import argparse
import time

from simcoop.cli.main import main


def run() -> int:
    """Parse the options, run the cross-validation, print its wall time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=12, help="stage-1 simulations per CAE (default 12)")
    parser.add_argument("--per-cae", type=int, default=8, help="predictive simulations per left-out CAE (default 8)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    started = time.perf_counter()
    code = main(["backtest", "--cross-validate", "--draws", str(args.draws), "--per-cae", str(args.per_cae),
                 "-j", str(args.jobs), "-s", str(args.seed)])
    print(f"bench_cross_validation: {time.perf_counter() - started:.0f} s wall, {args.draws} + {args.per_cae} simulations per CAE, {args.jobs} job(s)")
    return code


if __name__ == "__main__":
    raise SystemExit(run())
