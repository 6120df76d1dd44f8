"""simcoop: feasibility and territorial simulation of French CAE.

The public API::

    import simcoop
    scenario = simcoop.load_scenario("scenarios/reference.yaml")
    results = simcoop.simulate(scenario, replications=100, seed=1, jobs=2)
    results.yearly          # tidy pandas DataFrames
    results.summary()
    results.save("outputs/reference")
"""

from simcoop._version import __version__
from simcoop.scenario import Problem, Scenario, ScenarioError, load_scenario, scenario_from_dict

__all__ = [
    "__version__",
    "Scenario",
    "ScenarioError",
    "Problem",
    "load_scenario",
    "scenario_from_dict",
    "simulate",
    "Results",
    "load_results",
    "default_scenario_path",
    "sweep",
    "Sweep",
]


def __getattr__(name: str):  # noqa: ANN202 - lazy import keeps `import simcoop` light
    if name in ("simulate", "default_scenario_path"):
        from simcoop import runner

        return getattr(runner, name)
    if name in ("Results", "load_results"):
        from simcoop import results

        return getattr(results, name)
    if name in ("sweep", "Sweep"):
        from simcoop.studies import sweep as sweep_module

        return getattr(sweep_module, name)
    raise AttributeError(f"module 'simcoop' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names including the lazy ones, so that tab completion offers ``simulate`` & co."""
    return sorted(set(globals()) | set(__all__))
