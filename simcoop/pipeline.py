"""The run -> sensitivity -> solve -> report pipeline as one library call.

``simcoop run --sensitivity --solve --report`` and a notebook call the same function:
``run_pipeline`` simulates (or takes a run already made), saves the run folder, then adds
``sensitivity.csv`` (the report's tornado chart), ``funders.csv`` (the decisive funders),
``solve.json`` (the start-up financing its first page quotes) and ``report.html`` /
``report.pdf`` (with the note de synthèse ``note.html`` / ``note.pdf`` when asked), in that order, since each later step reads what the earlier ones wrote. Every step runs its replications on the same executor.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simcoop.executors import ChunkExecutor
from simcoop.runner import executor_for, simulate

if TYPE_CHECKING:
    import pandas as pd

    from simcoop.results import Results
    from simcoop.scenario import Scenario
    from simcoop.studies.solve import Solution

__all__ = ["FUNDERS_MAX_REPLICATIONS", "PipelineOutputs", "SOLVE_MAX_REPLICATIONS", "SENSITIVITY_MAX_REPLICATIONS", "run_pipeline"]

#: Replications per sensitivity run and per solver candidate, at most (the run's, if fewer).
SENSITIVITY_MAX_REPLICATIONS = 100
SOLVE_MAX_REPLICATIONS = 100
FUNDERS_MAX_REPLICATIONS = 100

#: ``on_event(name, info)`` hears each step: ``simulated``, ``sensitivity_start`` / ``sensitivity_done``,
#: ``funders_start`` / ``funders_done``, ``solve_start`` / ``solve_step`` / ``solve_done``, ``report_start`` / ``report_done``.
EventCallback = Callable[[str, dict[str, Any]], None]


@dataclass
class PipelineOutputs:
    """What the pipeline made: the run's results and folder, and each later step's output (None if not asked)."""

    results: Results
    folder: Path
    sensitivity: pd.DataFrame | None = None
    solution: Solution | None = None
    report: tuple[Path, ...] | None = None  # report.html, report.pdf, then note.html, note.pdf when asked
    funders: pd.DataFrame | None = None


def run_pipeline(
    scenario: Scenario,
    out: str | Path,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    executor: ChunkExecutor | None = None,
    sensitivity: bool = False,
    sensitivity_replications: int | None = None,
    solve: bool = False,
    report: bool = False,
    funders: bool = False,
    solve_target: str = "startup",
    force: bool = False,
    results: Results | None = None,
    progress: bool = False,
    on_event: EventCallback | None = None,
    reader: str | None = None,
    note: bool = False,
) -> PipelineOutputs:
    """Simulate ``scenario`` into the run folder ``out``, then its sensitivity, decisive funders, solve and report.

    ``results`` skips the simulation (a run already made, e.g. streamed to disk by
    ``simcoop run``; it must already be saved in ``out``). ``replications`` and ``seed`` default
    to the scenario's. The sensitivity varies each default assumption one at a time over
    ``sensitivity_replications`` (default: the run's, at most 100); ``funders`` runs the verdict
    without each funder in turn (``funders.csv``, the decisive funders the report shows); the
    solver searches ``solve_target`` (default ``startup``: the one-off start-up financing that
    brings the risk of rupture de trésorerie under its threshold; see ``simcoop.studies.solve``)
    over at most 100 replications per candidate, with its pessimistic end only (the prudent amount the report quotes). The report states the amount asked of
    ``reader`` (a funder of the scenario) and, with ``note``, adds the note de synthèse. Raises ScenarioError (a variation that is not a valid scenario), ValueError,
    OSError (the folder refused) and the report's NotARunFolder.
    """
    import json

    from simcoop.csvout import write_csv_table
    from simcoop.outdir import add_owned_file

    out = Path(out)
    emit = on_event or (lambda name, info: None)
    with executor_for(executor, jobs) as chosen:
        if results is None:
            results = simulate(scenario, replications, seed, jobs=jobs, progress=progress, executor=chosen)
            results.save(out, force=force)
        emit("simulated", {"results": results, "folder": out})
        outputs = PipelineOutputs(results=results, folder=out)
        n, root = results.replications, results.seed
        if sensitivity or sensitivity_replications:
            from simcoop.studies.sensitivity import default_sensitivity_parameters
            from simcoop.studies.sensitivity import sensitivity as one_at_a_time

            parameters = default_sensitivity_parameters(scenario)
            per_run = sensitivity_replications or min(n, SENSITIVITY_MAX_REPLICATIONS)
            emit("sensitivity_start", {"parameters": parameters, "replications": per_run})
            started = time.perf_counter()
            table = one_at_a_time(scenario, parameters, per_run, root, jobs, progress=progress, executor=chosen, baseline=results)
            add_owned_file(out, "sensitivity.csv", lambda tmp: write_csv_table(table, tmp, atomic=False), "run", scenario.scenario_hash())
            outputs.sensitivity = table
            emit("sensitivity_done", {"table": table, "seconds": time.perf_counter() - started})
        if funders and scenario.cooperative.public_funding:
            import pandas as pd

            from simcoop.studies.funders import FUNDER_COLUMNS, decisive_funders

            per_run = min(n, FUNDERS_MAX_REPLICATIONS)
            emit("funders_start", {"replications": per_run})
            rows = decisive_funders(scenario, per_run, root, jobs, executor=chosen, baseline=results)
            funders_table = pd.DataFrame(rows, columns=list(FUNDER_COLUMNS))
            add_owned_file(out, "funders.csv", lambda tmp: write_csv_table(funders_table, tmp, atomic=False), "run", scenario.scenario_hash())
            outputs.funders = funders_table
            emit("funders_done", {"table": funders_table})
        if solve:
            from simcoop.studies.solve import solve as solve_funding

            emit("solve_start", {"target": solve_target})
            solution = solve_funding(
                scenario, target=solve_target, replications=min(n, SOLVE_MAX_REPLICATIONS), seed=root, jobs=jobs,
                ends=("pessimistic",),  # the report quotes the prudent amount, not the optimistic one
                baseline=results,  # its first replications are the candidate without financing
                on_step=lambda info: emit("solve_step", info), executor=chosen,
            )  # fmt: skip
            identity = {"name": scenario.meta.name, "scenario_hash": scenario.scenario_hash()}
            text = json.dumps({"scenario": identity, **solution.to_dict()}, indent=2, ensure_ascii=False) + "\n"
            add_owned_file(out, "solve.json", lambda tmp: tmp.write_text(text, encoding="utf-8"), "scenario", scenario.scenario_hash())
            outputs.solution = solution
            emit("solve_done", {"solution": solution})
    if report:
        from simcoop.report import write_report

        emit("report_start", {"note": note})
        outputs.report = write_report(out, reader=reader, note=note)
        emit("report_done", {"paths": outputs.report})
    return outputs
