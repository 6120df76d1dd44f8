"""Scale out: replications per second and memory peak of `simcoop run` on each executor.

For the reference scenario, runs N replications (default 1,000) streamed to disk and saved
(``simcoop.store.simulate_to_folder``, what ``simcoop run`` does) on:

- ``pool``: the local process pool (``--jobs 2``);
- ``dask1``, ``dask2``: a Dask LocalCluster of 1 and 2 single-threaded worker processes;
- ``memory``: for comparison, the all-in-memory path (``simulate(jobs=2)`` then ``save``),
  which holds every replication's output in the parent.

Each configuration runs in a fresh Python process, so its memory figures are its own:

- ``parent maxrss``: ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` of the process that
  drives the run, assembles the tables and saves them (peak resident memory, MB);
- ``tree peak``: the largest sum of the resident memory of that process and all its
  descendants (pool workers, Dask scheduler-side threads live in the parent, Dask worker
  processes and nannies), sampled every 0.1 s with psutil (MB); sampling can miss a
  short spike.

Rates: ``sim rep/s`` counts replications over the time from the first submission to the
last chunk on disk; ``total s`` adds the assembly of the tables and the atomic save;
``startup s`` is the time to start the pool or the cluster (not in the rates).

    python benchmarks/bench_scale.py                 # 1,000 replications, all configurations
    python benchmarks/bench_scale.py -n 200 --configs pool,dask2
    python benchmarks/bench_scale.py -n 100 --configs pool --accueils-scale 3   # a CAE three times the size
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

CONFIGS = ("pool", "dask1", "dask2", "memory")


def _tree_peak_sampler(stop: threading.Event, peak: list[float]) -> None:
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil comes with distributed
        return
    me = psutil.Process()
    while not stop.is_set():
        total = 0
        for proc in [me, *me.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                pass
        peak[0] = max(peak[0], total / 2**20)
        stop.wait(0.1)


def run_one(config: str, replications: int, out: Path, accueils_scale: float = 1.0) -> dict[str, float | str | int]:
    """Run one configuration in this process and return its figures.

    ``accueils_scale`` multiplies the reference's accueils at maturity (a larger CAE).
    """
    import simcoop
    from simcoop.executors import open_executor
    from simcoop.runner import default_scenario_path
    from simcoop.allocator import system_allocator_for_arrow
    from simcoop.store import simulate_to_folder

    if config != "memory":
        system_allocator_for_arrow()  # as `simcoop run` does in the driving process

    scenario = simcoop.load_scenario(default_scenario_path())
    if accueils_scale != 1.0:
        key = "territory.accueils_per_year_at_maturity"
        scenario = scenario.replace({key: scenario.territory.accueils_per_year_at_maturity * accueils_scale})
    stop, peak = threading.Event(), [0.0]
    sampler = threading.Thread(target=_tree_peak_sampler, args=(stop, peak), daemon=True)
    sampler.start()
    last_chunk = [0.0]
    workers = {"pool": 2, "dask1": 1, "dask2": 2, "memory": 2}[config]
    t0 = time.perf_counter()
    if config == "memory":
        startup = 0.0
        started = time.perf_counter()
        results = simcoop.simulate(scenario, replications=replications, jobs=2)
        last_chunk[0] = time.perf_counter()
        results.save(out)
        finished = time.perf_counter()
    else:
        options = {"jobs": 2} if config == "pool" else {"dask_workers": workers}
        with open_executor(**options) as executor:
            if config != "pool":
                executor.client.wait_for_workers(workers)
            startup = time.perf_counter() - t0
            started = time.perf_counter()
            results = simulate_to_folder(
                scenario, out, replications=replications, executor=executor,
                on_chunk=lambda start, stop: last_chunk.__setitem__(0, time.perf_counter()),
            )  # fmt: skip
            finished = time.perf_counter()
    stop.set()
    sampler.join()
    simulated = last_chunk[0] - started
    months = float(results.kpis["entrepreneur_months"].sum())
    return {
        "config": config,
        "workers": workers,
        "replications": replications,
        "startup_s": round(startup, 2),
        "simulate_s": round(simulated, 2),
        "total_s": round(finished - started, 2),
        "sim_rep_per_s": round(replications / simulated, 2),
        "accueils_scale": accueils_scale,
        "em_per_rep": round(months / replications, 1),
        "us_per_em": round(1e6 * (finished - started) / months, 2),  # total wall time per entrepreneur-month
        "parent_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),  # KB on Linux
        "tree_peak_mb": round(peak[0], 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--replications", type=int, default=1000)
    parser.add_argument("--configs", default=",".join(CONFIGS), help=f"comma-separated, among {', '.join(CONFIGS)}")
    parser.add_argument(
        "--accueils-scale", type=float, default=1.0, help="multiply the reference's accueils at maturity (CAE size; default 1)"
    )
    parser.add_argument("--one", choices=CONFIGS, help=argparse.SUPPRESS)  # a child process runs one configuration
    args = parser.parse_args()
    if args.one:
        with tempfile.TemporaryDirectory() as tmp:
            figures = run_one(args.one, args.replications, Path(tmp) / "run", args.accueils_scale)
        print(json.dumps(figures))
        return 0
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    unknown = set(configs) - set(CONFIGS)
    if unknown:
        parser.error(f"unknown configurations: {', '.join(sorted(unknown))}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"reference scenario, accueils x{args.accueils_scale:g}, {args.replications} replications; "
          f"{os.cpu_count()} CPUs, load average {load:.2f} at start")
    header = (f"{'config':<8}{'workers':>8}{'startup s':>11}{'sim s':>9}{'total s':>9}{'sim rep/s':>11}"
              f"{'parent maxrss MB':>18}{'tree peak MB':>14}{'em/rep':>10}{'us/em':>8}")
    print(header)
    for config in configs:
        child = subprocess.run(
            [sys.executable, __file__, "--one", config, "-n", str(args.replications), "--accueils-scale", str(args.accueils_scale)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        f = json.loads(child.stdout.strip().splitlines()[-1])
        print(
            f"{f['config']:<8}{f['workers']:>8}{f['startup_s']:>11.2f}{f['simulate_s']:>9.1f}{f['total_s']:>9.1f}"
            f"{f['sim_rep_per_s']:>11.2f}{f['parent_maxrss_mb']:>18.1f}{f['tree_peak_mb']:>14.1f}"
            f"{f['em_per_rep']:>10.0f}{f['us_per_em']:>8.2f}",
            flush=True,
        )
    if hasattr(os, "getloadavg"):
        print(f"load average {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
