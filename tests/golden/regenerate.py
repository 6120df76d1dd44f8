"""Regenerate the golden KPI file of the reference scenario.

Run it only when a change to the model is meant to change the numbers, and say why in the
commit that updates the file::

    python -m tests.golden.regenerate

The file holds, per KPI, the mean over GOLDEN_REPLICATIONS replications of the bundled
reference scenario under GOLDEN_SEED; ``tests/test_golden.py`` re-runs it and compares.
"""

from __future__ import annotations

from pathlib import Path

import simcoop

GOLDEN_REPLICATIONS = 20
GOLDEN_SEED = 2027
GOLDEN_FILE = Path(__file__).with_name("reference_kpis.csv")


def golden_summary():  # noqa: ANN201 - a DataFrame
    """The summary the golden file records (kpi, mean, p50)."""
    scenario = simcoop.load_scenario(simcoop.default_scenario_path())
    results = simcoop.simulate(scenario, replications=GOLDEN_REPLICATIONS, seed=GOLDEN_SEED)
    return results.summary()[["kpi", "n", "mean", "p50"]]


if __name__ == "__main__":
    golden_summary().to_csv(GOLDEN_FILE, index=False, float_format="%.17g")
    print(f"wrote {GOLDEN_FILE}")
