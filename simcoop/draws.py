"""Each replication's parameter set: drawn once, before the run, from the replication's own streams.

A scenario with uncertain keys (``scenario.uncertainty``: distributions, joint samples)
runs each replication on a scenario of its own, with every uncertain key at the value
that replication drew. A distribution draws by its quantile function from one uniform
number of the key's own stream (``simcoop.streams.parameter_stream``), so a variant that
changes one key keeps the other keys' draws, and a variant that moves one distribution
keeps its quantile (common random numbers). Joint samples draw one row index from the
stream of the pseudo-key ``JOINT_STREAM``. Draws depend only on (scenario, seed,
replication): never on the number of workers, the executor or the chunk size.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from simcoop.problems import Problem, ScenarioError
from simcoop.scenario import Scenario
from simcoop.scenario.dotted import set_dotted
from simcoop.scenario.uncertain import Uncertainty, numeric_field
from simcoop.streams import parameter_stream

__all__ = ["JOINT_STREAM", "draw_parameters", "drawn_rows", "fixed_parameters", "replication_scenario"]

#: The stream name from which the row of the joint samples is drawn.
JOINT_STREAM = "<joint samples>"


def draw_parameters(scenario: Scenario, seed: int, replication: int) -> dict[str, float]:
    """The values replication ``replication`` draws for every uncertain key (empty when none): ``{dotted key: value}``.

    Whole-number keys are rounded. Keys in the order of ``scenario.uncertainty.keys``.
    """
    uncertainty = scenario.uncertainty
    drawn: dict[str, float] = {}
    for key, dist in uncertainty.distributions.items():
        u = float(parameter_stream(seed, replication, key).random())
        drawn[key] = float(dist.ppf(u))
    joint = uncertainty.joint
    if joint is not None:
        row = int(parameter_stream(seed, replication, JOINT_STREAM).integers(len(joint.rows)))
        drawn.update({key: float(value) for key, value in zip(joint.columns, joint.rows[row], strict=True)})
    for key, value in drawn.items():
        field = numeric_field(Scenario, key)
        if field is not None and field[0]:
            drawn[key] = float(round(value))
    return drawn


def fixed_parameters(scenario: Scenario) -> Scenario:
    """``scenario`` at its central values, nothing drawn (``--fixed-parameters``): the run the scenario gave before uncertainty."""
    if scenario.uncertainty.empty:
        return scenario
    block = {"population_prior": False, "priors_file": None, "distributions": {}, "joint": None}
    return scenario.replace(uncertainty=block)


def replication_scenario(scenario: Scenario, seed: int, replication: int) -> Scenario:
    """The scenario replication ``replication`` runs: every uncertain key at its drawn value, nothing left uncertain.

    Returns ``scenario`` itself when nothing is uncertain. Raises ScenarioError naming the
    replication and its draws when the drawn set breaks a rule across keys (shares that
    must add up, a minimum above a maximum).
    """
    if scenario.uncertainty.empty:
        return scenario
    drawn = draw_parameters(scenario, seed, replication)
    base = _without_uncertainty(scenario)
    try:
        return _revalidated(base, drawn)
    except Exception:  # noqa: BLE001 - the full validation below says what is wrong, where
        pass
    try:
        return base.replace(drawn)
    except ScenarioError as exc:
        values = ", ".join(f"{k} = {v:.6g}" for k, v in drawn.items())
        where = f"(replication {replication} of seed {seed} drew {values})"
        source = f"scenario {scenario.meta.name!r}, drawn parameters"
        raise ScenarioError([Problem(source, None, p.key_path, f"{p.message} {where}") for p in exc.problems]) from None


def _revalidated(base: Scenario, drawn: dict[str, float]) -> Scenario:
    """``base.replace(drawn)`` validating only the models on the drawn keys' paths: the same scenario, faster.

    Every model from the root down to each drawn key is validated again from its data, so
    its own checks and the scenario's checks across sections run as in ``replace``; the
    models off those paths are kept as they are (validated already, frozen, and what
    validating their data again gives). A drawn set that breaks a rule raises here, and
    the caller asks ``replace`` for the located error.
    """
    data = base.to_dict()
    locations = [set_dotted(data, key, value) for key, value in drawn.items()]
    rebuilt = _rebuilt(base, data, locations)
    assert isinstance(rebuilt, Scenario)
    return rebuilt


def _rebuilt(model: BaseModel, data: dict[str, Any], locations: list[tuple[Any, ...]]) -> BaseModel:
    """``model`` validated again with its fields at ``locations`` taken from ``data`` (its edited dump)."""
    changed: dict[str, list[tuple[Any, ...]]] = {}
    for location in locations:
        changed.setdefault(location[0], []).append(location[1:])
    values = {name: getattr(model, name) for name in type(model).model_fields}
    for name, below in changed.items():
        values[name] = _changed(values[name], data[name], below)
    return type(model).model_validate(values)


def _changed(value: Any, data: Any, locations: list[tuple[Any, ...]]) -> Any:
    """A field's new value: a model or a tuple of models rebuilt along ``locations``, else its edited data."""
    if any(not location for location in locations):
        return data
    if isinstance(value, BaseModel):
        return _rebuilt(value, data, locations)
    if isinstance(value, tuple) and all(isinstance(item, BaseModel) for item in value):
        items: dict[int, list[tuple[Any, ...]]] = {}
        for location in locations:
            items.setdefault(location[0], []).append(location[1:])
        return tuple(_changed(item, data[k], items[k]) if k in items else item for k, item in enumerate(value))
    return data


def _without_uncertainty(scenario: Scenario) -> Scenario:
    """The scenario with an empty uncertainty block, without validating or dumping the joint samples again."""
    return scenario.model_copy(update={"uncertainty": Uncertainty()})


def drawn_rows(scenario: Scenario, seed: int, replications: Any) -> list[dict[str, float]]:
    """``draw_parameters`` of each replication, with its ``replication`` number (the rows of ``parameters.parquet``)."""
    return [{"replication": int(r), **draw_parameters(scenario, seed, int(r))} for r in replications]
