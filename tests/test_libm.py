"""The model's exp and pow are the C library's, so a run's numbers do not depend on the processor (simcoop.libm)."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import numpy as np
import pytest

from simcoop import libm

#: A run's raw outputs (every monthly and per-person array of two replications of the bundled reference), hashed.
_DIGEST = """
import hashlib
import numpy as np
import simcoop
from simcoop.runner import run_chunk

scenario = simcoop.load_scenario(simcoop.default_scenario_path())
outputs, _ = run_chunk(scenario, 7, (0, 1))
digest = hashlib.sha256()
for output in outputs:
    for block in (output.monthly, output.people):
        for key in sorted(block):
            digest.update(key.encode())
            digest.update(np.ascontiguousarray(block[key]).tobytes())
print(digest.hexdigest())
"""


def _values() -> np.ndarray:
    rng = np.random.default_rng(11)
    return np.concatenate([rng.normal(10.5, 1.5, 5000), rng.uniform(-5.0, 5.0, 5000)])


@pytest.mark.parametrize("compiled", [True, False], ids=["numba", "python"])
def test_exp_and_power_are_the_c_librarys_element_by_element(monkeypatch: pytest.MonkeyPatch, compiled: bool) -> None:
    if compiled and not libm.COMPILED:
        pytest.skip("numba is off")
    monkeypatch.setattr(libm, "COMPILED", compiled)
    x = _values()
    assert libm.exp(x).tolist() == [math.exp(v) for v in x.tolist()]
    base = np.abs(x) / 10.0
    assert libm.power(base, 1.75).tolist() == [math.pow(v, 1.75) for v in base.tolist()]
    # In place, and of any shape.
    y = x.reshape(100, 100).copy()
    assert libm.exp(y, out=y) is y and y.ravel().tolist() == [math.exp(v) for v in x.tolist()]
    # What C gives where Python's math raises: inf on overflow, nan out of the domain.
    assert libm.exp(np.array([1000.0, -1000.0])).tolist() == [math.inf, 0.0]
    special = libm.power(np.array([-1.0, 0.0, 1e300]), 1.75)
    assert math.isnan(special[0]) and special[1:].tolist() == [0.0, math.inf]


def test_a_number_gives_a_number_as_numpy_does() -> None:
    """The payroll functions take a gross as a number too (one gross, its cost): the power of a number is a number."""
    assert type(libm.power(0.4, 1.75)) is np.float64 and libm.power(0.4, 1.75) == math.pow(0.4, 1.75)
    assert type(libm.exp(2.5)) is np.float64 and libm.exp(2.5) == math.exp(2.5)
    assert libm.power([0.4, 0.5], 1.75).shape == (2,)


def test_out_must_match_the_input() -> None:
    with pytest.raises(ValueError, match="C-contiguous float64"):
        libm.exp(np.zeros(3), out=np.zeros(4))


def test_a_run_gives_the_same_bits_whatever_simd_routines_numpy_chose() -> None:
    """numpy picks its exp, log and power routines for the processor (AVX-512 ones where there is AVX-512), and they
    differ from the C library's in the last bit: a run once gave other raw outputs on another processor (each
    entrant's mature turnover). With numpy's dispatched routines switched off (``NPY_DISABLE_CPU_FEATURES``, as on a
    processor without them) and OpenBLAS on its oldest kernels (``OPENBLAS_CORETYPE``: a dot's order depends on
    them), a run must give the same bits. On a processor without such routines both runs take the same path."""
    from numpy._core._multiarray_umath import __cpu_dispatch__

    def digest(env: dict[str, str]) -> str:
        done = subprocess.run([sys.executable, "-c", _DIGEST], env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    env = {k: v for k, v in os.environ.items() if k not in ("NPY_DISABLE_CPU_FEATURES", "OPENBLAS_CORETYPE")}
    without = {**env, "NPY_DISABLE_CPU_FEATURES": " ".join(__cpu_dispatch__), "OPENBLAS_CORETYPE": "Prescott"}
    assert digest(env) == digest(without)
