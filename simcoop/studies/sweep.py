"""Parameter sweeps on common random numbers: one scenario, a grid of values, tidy tables.

``sweep(base, {"cooperative.contribution.rate": [0.10, 0.12]}, replications=50, seed=1)``
runs every point of the grid (the Cartesian product of the values given for each dotted
key) on the same seed, so replication ``r`` of every point meets the same entrants and the
same shocks as far as its rules let it: differences between points are read replication by
replication, without most of the Monte Carlo noise. Each point is ``base.replace({...})``,
validated like a file.

The tables of the answer hold every point's rows with one column per swept key, named by
the key itself, so ``sw.kpis.groupby("cooperative.contribution.rate")`` just works.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from simcoop.results import Results
from simcoop.scenario import Scenario

__all__ = ["Sweep", "sweep"]


@dataclass(frozen=True)
class Sweep:
    """The results of a sweep: one ``Results`` per point of the grid, and their tables stacked."""

    keys: tuple[str, ...]
    points: pd.DataFrame  # one row per point: ``point`` then one column per swept key
    results: tuple[Results, ...]  # in the order of ``points``
    replications: int
    seed: int

    def _stacked(self, table: str) -> pd.DataFrame:
        parts = []
        for (_, point), results in zip(self.points.iterrows(), self.results, strict=True):
            frame = getattr(results, table)
            if frame is None:
                continue
            frame = frame.copy()
            for position, key in enumerate(self.keys):
                frame.insert(position, key, point[key])
            frame.insert(0, "point", int(point["point"]))
            parts.append(frame)
        if not parts:
            return pd.DataFrame(columns=["point", *self.keys])
        stacked = pd.concat(parts, ignore_index=True)
        if "scenario" in stacked:  # every point shares the base's name: keep the categorical
            stacked["scenario"] = stacked["scenario"].astype("category")
        return stacked

    @property
    def kpis(self) -> pd.DataFrame:
        """One row per point and replication: the swept values, then ``Results.kpis``."""
        return self._stacked("kpis")

    @property
    def yearly(self) -> pd.DataFrame:
        """One row per point, replication and year: the swept values, then ``Results.yearly``."""
        return self._stacked("yearly")

    @property
    def monthly(self) -> pd.DataFrame:
        """One row per point, replication and month: the swept values, then ``Results.monthly``."""
        return self._stacked("monthly")

    def summary(self) -> pd.DataFrame:
        """One row per point and KPI: the swept values, then ``Results.summary()`` (mean, std, 5/50/95 %)."""
        parts = []
        for (_, point), results in zip(self.points.iterrows(), self.results, strict=True):
            frame = results.summary()
            for position, key in enumerate(self.keys):
                frame.insert(position, key, point[key])
            frame.insert(0, "point", int(point["point"]))
            parts.append(frame)
        return pd.concat(parts, ignore_index=True)

    def outcomes(self) -> pd.DataFrame:
        """One row per point: the swept values and the verdict's outcome (``simcoop.verdict.OUTCOMES``)."""
        frame = self.points.copy()
        frame["outcome"] = [r.verdict().outcome for r in self.results]
        return frame

    def __repr__(self) -> str:
        return (
            f"<Sweep over {', '.join(self.keys)}: {len(self.results)} points x {self.replications} replications, "
            f"seed {self.seed}>"
        )


def sweep(
    base: Scenario,
    grid: Mapping[str, Sequence[Any]],
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    progress: bool = False,
) -> Sweep:
    """Simulate ``base`` at every point of ``grid`` on common random numbers.

    ``grid`` maps dotted scenario keys (as ``Scenario.replace`` takes them) to the values to
    try; the points are their Cartesian product, the first key varying slowest.
    ``replications`` and ``seed`` default to the base's ``simulation`` section. Every point
    is validated before anything runs (a bad value raises ``ScenarioError`` naming the key);
    the numbers do not depend on ``jobs``.
    """
    from simcoop.studies.batch import simulate_many

    if not grid:
        raise ValueError(
            "sweep needs at least one key with values, e.g. {'cooperative.contribution.rate': [0.1, 0.12]}"
        )
    keys = tuple(grid)
    values: list[list[Any]] = []
    for key in keys:
        given = grid[key]
        if isinstance(given, (str, bytes)) or not isinstance(given, Sequence) or len(given) == 0:
            raise ValueError(f"sweep: the values of {key!r} must be a non-empty list, got {given!r}")
        values.append(list(given))
    combos = list(itertools.product(*values))
    scenarios = []
    for combo in combos:
        try:
            scenarios.append(base.replace(dict(zip(keys, combo, strict=True))))
        except KeyError as exc:
            raise ValueError(
                f"sweep: {exc.args[0]} in the scenario (keys are dotted paths, as in Scenario.replace)"
            ) from None
    n = base.simulation.replications if replications is None else int(replications)
    root = base.simulation.seed if seed is None else int(seed)
    runs = dict(simulate_many(scenarios, n, root, jobs, progress))
    points = pd.DataFrame([dict(zip(keys, combo, strict=True)) for combo in combos], columns=list(keys))
    points.insert(0, "point", range(len(combos)))
    return Sweep(
        keys=keys, points=points, results=tuple(runs[i] for i in range(len(combos))), replications=n, seed=root
    )
