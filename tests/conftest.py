"""Shared fixtures: small scenarios built from plain data, validated like files."""

from __future__ import annotations

import os

# Every test runs the engine with its kernels' argument types checked at every call (simcoop.jit.DirectCalls):
# set before simcoop is imported, and inherited by the process pools' workers. tests/test_direct_calls.py
# runs the engine without it too and compares.
os.environ["SIMCOOP_CHECK_KERNELS"] = "1"

import copy
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

import simcoop

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def reference_data() -> dict[str, Any]:
    """The reference scenario as plain data, to derive test scenarios from."""
    return yaml.safe_load((SCENARIOS / "reference.yaml").read_text(encoding="utf-8"))


def small_scenario(**changes: Any) -> simcoop.Scenario:
    """The reference scenario over 36 months without its creation steps, with dotted-path changes applied.

    At fixed parameters (without the reference's population prior): tests of the model's
    mechanics compare runs that differ by chance alone; tests/test_uncertainty.py adds it back.
    """
    data = copy.deepcopy(reference_data())
    data.pop("creation", None)
    data.pop("uncertainty", None)
    data["meta"]["horizon_months"] = 36
    data["meta"]["name"] = "small"
    scenario = simcoop.scenario_from_dict(data)
    return scenario.replace(changes) if changes else scenario


@pytest.fixture
def small() -> simcoop.Scenario:
    return small_scenario()


#: Every table a ``Results`` may have.
RESULT_TABLES = ("monthly", "yearly", "events", "kpis", "funding", "zones", "sites", "portage", "parameters")


def assert_same_tables(a: simcoop.Results, b: simcoop.Results, tables: tuple[str, ...] = RESULT_TABLES) -> None:
    """``a`` and ``b`` have the same ``tables``, exactly (or both lack one)."""
    for name in tables:
        left, right = getattr(a, name), getattr(b, name)
        if left is None or right is None:
            assert left is None and right is None, name
            continue
        pd.testing.assert_frame_equal(left, right, check_exact=True, obj=name)
