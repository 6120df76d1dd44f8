"""simcoop.jit.DirectCalls: the engine's kernels called through their compiled version after their first call,
with the same numbers; a call with other argument types caught when the calls are checked (as in this test-suite)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import numpy as np
import pytest

from simcoop import jit

from .conftest import ROOT

needs_numba = pytest.mark.skipif(not jit.enabled(), reason="numba switched off (SIMCOOP_NO_NUMBA)")


def _first_plus(values: np.ndarray, x: float) -> float:
    return float(values[0] + x)


def _compiled() -> object:
    import numba

    return numba.njit(_nrt=False)(_first_plus)


def test_the_test_suite_checks_the_kernels_argument_types() -> None:
    """conftest.py sets the check for every test (and the process pools' workers inherit it)."""
    assert os.environ.get(jit.CHECK_VARIABLE) == "1"


@needs_numba
def test_a_checked_kernel_called_with_other_types_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(jit.CHECK_VARIABLE, "1")
    calls = jit.DirectCalls({"first_plus": _compiled()})
    assert calls.first_plus(np.array([1.5, 9.0]), 2.0) == 3.5
    assert calls.first_plus(np.array([2.5]), 1.0) == 3.5  # the same types: typed again, no complaint
    with pytest.raises(jit.KernelTypesError, match=r"first_plus called with \(array\(int64"):
        calls.first_plus(np.array([1, 2]), 2.0)


@needs_numba
def test_unchecked_a_kernel_is_called_through_its_compiled_version_after_its_first_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(jit.CHECK_VARIABLE, raising=False)
    kernel = _compiled()
    calls = jit.DirectCalls({"first_plus": kernel})
    before = calls.first_plus
    assert calls.first_plus(np.array([1.5]), 2.0) == 3.5
    assert calls.first_plus is not before  # now the entry point of the one compiled version
    assert not hasattr(calls.first_plus, "overloads")  # not a dispatcher: nothing typed any more
    assert calls.first_plus(np.array([4.0, 1.0]), 0.5) == 4.5
    assert len(kernel.overloads) == 0  # the dispatcher copied: the module's own was never called


def test_without_numba_the_functions_are_called_as_they_are() -> None:
    calls = jit.DirectCalls({"first_plus": _first_plus})
    assert calls.first_plus is _first_plus


_OUTPUTS = """
import hashlib, sys
import simcoop
from simcoop.draws import fixed_parameters
scenario = fixed_parameters(simcoop.load_scenario(simcoop.default_scenario_path()))
results = simcoop.simulate(scenario, replications=4, seed=20270101, jobs=1)
digest = hashlib.sha256()
for name in ("monthly", "yearly", "kpis", "events", "funding"):
    frame = getattr(results, name)
    digest.update(frame.to_csv(index=False, float_format="%.17g").encode())
print(digest.hexdigest())
"""


def test_the_engine_gives_the_same_numbers_with_its_kernels_called_directly_or_checked() -> None:
    """The run as users run it (entry points) and as the tests run it (every call typed): the same tables, to the bit."""
    outputs = {}
    for check in ("0", "1"):
        env = {**os.environ, jit.CHECK_VARIABLE: check}
        done = subprocess.run([sys.executable, "-c", _OUTPUTS], env=env, cwd=ROOT, capture_output=True, text=True, check=True, timeout=600)
        outputs[check] = done.stdout.strip()
    assert outputs["0"] == outputs["1"]
    assert len(outputs["0"]) == len(hashlib.sha256().hexdigest())
