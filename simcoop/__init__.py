"""simcoop: feasibility and territorial simulation of French CAE.

The public API::

    import simcoop
    scenario = simcoop.load_scenario("scenarios/reference.yaml")
    results = simcoop.simulate(scenario, replications=100, seed=1, jobs=2)
    results.yearly          # tidy pandas DataFrames
    results.summary()
    results.save("outputs/reference")

    simcoop.compare({"a": scenario, "b": other}, replications=100, seed=1)
    simcoop.sensitivity(scenario, replications=50)
    simcoop.solve(scenario, target="funding")
    simcoop.run_pipeline(scenario, "outputs/reference", sensitivity=True, solve=True, report=True)

Everything here is in ``__all__``; the modules behind it (``simcoop.scenario``,
``simcoop.studies``, ...) are documented in docs/architecture.md. The heavier parts load
on first use, so ``import simcoop`` stays light.
"""

from simcoop._version import __version__
from simcoop.problems import Problem, ScenarioError

__all__ = [
    "__version__",
    "Scenario",
    "ScenarioError",
    "Problem",
    "load_scenario",
    "load_variants",
    "scenario_from_dict",
    "default_scenario_path",
    "simulate",
    "Results",
    "load_results",
    "sweep",
    "Sweep",
    "compare",
    "sensitivity",
    "solve",
    "simulate_network",
    "load_network",
    "rank_territories",
    "load_candidates",
    "read_records",
    "calibrate",
    "read_observed",
    "backtest",
    "write_report",
    "run_pipeline",
]

#: Where each lazily loaded public name lives.
_LAZY: dict[str, str] = {
    "Scenario": "simcoop.scenario",
    "load_scenario": "simcoop.scenario",
    "scenario_from_dict": "simcoop.scenario",
    "simulate": "simcoop.runner",
    "default_scenario_path": "simcoop.runner",
    "Results": "simcoop.results",
    "load_results": "simcoop.results",
    "load_variants": "simcoop.scenario.edit",
    "compare": "simcoop.studies.compare",
    "sensitivity": "simcoop.studies.sensitivity",
    "solve": "simcoop.studies.solve",
    "simulate_network": "simcoop.network",
    "load_network": "simcoop.network",
    "rank_territories": "simcoop.studies.ranking",
    "load_candidates": "simcoop.studies.ranking",
    "read_records": "simcoop.calibration.records",
    "calibrate": "simcoop.calibration.fit",
    "read_observed": "simcoop.calibration.backtest",
    "backtest": "simcoop.calibration.backtest",
    "write_report": "simcoop.report",
    "run_pipeline": "simcoop.pipeline",
    "sweep": "simcoop.studies.sweep",
    "Sweep": "simcoop.studies.sweep",
}


def __getattr__(name: str):  # noqa: ANN202 - lazy import keeps `import simcoop` light
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'simcoop' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(module), name)


def __dir__() -> list[str]:
    """The module's names including the lazy ones, so that tab completion offers ``simulate`` & co."""
    return sorted(set(globals()) | set(__all__))
