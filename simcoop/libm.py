"""exp and pow of arrays as the C library computes them, so a run's numbers do not depend on the processor.

numpy evaluates ``np.exp``, ``np.log``, ``np.power`` (``**``), ``np.expm1`` and ``np.log1p`` with
routines it chooses for the processor when it is imported: on a processor with AVX-512 it has
routines of its own (or Intel's SVML), elsewhere it calls the C library. The two differ in the
last bit: measured (session 23) on 200,000 values, 4.6 % of the exps and 5.4 % of the powers.
The model takes such functions of its draws (each entrant's mature turnover, the monthly
turnover noise, the 2026 relief's taper), so the same scenario and seed gave raw outputs that
differed between two machines (the people's mature turnover, in the last bit; no table moved,
the whole-cent rounding absorbed it, but a rounding could flip one day).

Python's ``math`` and numba's compiled ``math`` both call the C library (glibc's ``exp`` and
``pow`` on Linux), which does not change with the processor's vector extensions: ``exp`` and
``power`` here run numba's loop when compiled loops are on (``simcoop.jit``) and Python's
``math`` on each element otherwise, the same bits either way (tests/test_libm.py). Where a
model's value is one number, callers use ``math`` directly. Where numba would vectorise its
loops with Intel's SVML (when the ``icc_rt`` package is installed and numba's SVML is not
switched off by ``NUMBA_DISABLE_INTEL_SVML``), a processor's routines would come back: Python's
``math`` runs then. (The environment is not changed here: a pool's fork server is reused only
while the variables its workers read are unchanged, ``simcoop.executors``.)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from simcoop.jit import enabled, njit_no_alloc

__all__ = ["COMPILED", "exp", "power"]

FloatArray = npt.NDArray[np.float64]


def _exp_loop(x: FloatArray, out: FloatArray) -> None:  # pragma: no cover - compiled by numba (or run as it is)
    for i in range(x.size):
        out[i] = math.exp(x[i])


def _power_loop(x: FloatArray, y: float, out: FloatArray) -> None:  # pragma: no cover - compiled by numba
    for i in range(x.size):
        out[i] = math.pow(x[i], y)


def _c_exp(v: float) -> float:
    """``math.exp``, with the C library's answer (inf) where Python raises instead (beyond about 709.78)."""
    try:
        return math.exp(v)
    except OverflowError:
        return math.inf


def _c_pow(v: float, y: float) -> float:
    """``math.pow``, with the C library's answers where Python raises instead (nan out of its domain, such as a
    negative ``v`` and a fractional ``y``; an infinity on overflow, its sign numpy's, as C's)."""
    try:
        return math.pow(v, y)
    except ValueError:
        return math.nan
    except OverflowError:
        with np.errstate(over="ignore"):
            return float(np.power(v, y))


_exp_compiled = njit_no_alloc(_exp_loop)
_power_compiled = njit_no_alloc(_power_loop)


def _svml() -> bool:
    """Whether numba vectorises with Intel's SVML (numba is imported: the loops were compiled)."""
    import numba

    return bool(getattr(numba.config, "USING_SVML", False))


#: Whether numba's compiled loops run (``simcoop.jit``, without SVML); otherwise Python's ``math`` runs on each
#: element. Read at every call, so a test can switch it (both give the same bits).
COMPILED = enabled() and not _svml()


def _flat(x: Any, out: FloatArray | None) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``x`` as a contiguous float64 vector, the vector to write into, and what to return (``out``, or a new array of
    ``x``'s shape: 0-d for a number)."""
    values = np.asarray(x, dtype=np.float64)
    shape = values.shape
    values = np.ascontiguousarray(values).reshape(-1)
    if out is None:
        target = np.empty(values.size)
        return values, target, target.reshape(shape)
    if out.shape != shape or out.dtype != np.float64 or not out.flags.c_contiguous:
        raise ValueError("out must be a C-contiguous float64 array of the input's shape")
    return values, out.reshape(-1), out


def _result(result: FloatArray) -> Any:
    """An array, or for a number a numpy float (what numpy's ufuncs give for one)."""
    return result if result.ndim else result[()]


def exp(x: Any, out: FloatArray | None = None) -> Any:
    """``e ** x`` element by element, by the C library (``out`` may be ``x`` itself: computed in place); a numpy
    float for a number, as ``np.exp``."""
    values, target, result = _flat(x, out)
    if COMPILED:
        _exp_compiled(values, target)
    else:
        target[:] = [_c_exp(v) for v in values.tolist()]
    return _result(result)


def power(x: Any, y: float, out: FloatArray | None = None) -> Any:
    """``x ** y`` element by element for one exponent ``y``, by the C library's ``pow`` (``out`` may be ``x``)."""
    values, target, result = _flat(x, out)
    y = float(y)
    if COMPILED:
        _power_compiled(values, y, target)
    else:
        target[:] = [_c_pow(v, y) for v in values.tolist()]
    return _result(result)
