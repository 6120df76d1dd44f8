"""numba's compiled loops, and the one switch that turns them off.

simcoop compiles a few hot loops with numba (the engine's monthly kernels in
``simcoop.model.kernels`` and ``simcoop.model.flow_kernels``, the CSV writer's rows in
``simcoop.csvout``) and keeps the plain Python or numpy code of each as its fallback and
reference: both give the same numbers and the same text, to the bit (tests/test_kernels.py,
tests/test_run_folder.py). ``enabled()`` is False when numba does not import or when the
environment variable ``SIMCOOP_NO_NUMBA`` is set to anything but empty or ``0``; ``njit(f)``
is then ``f`` itself.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["enabled", "njit", "njit_no_alloc"]

_F = TypeVar("_F", bound=Callable[..., Any])


def _numba() -> Any:
    """The numba module when it imports and is not switched off, else None."""
    if os.environ.get("SIMCOOP_NO_NUMBA", "") not in ("", "0"):
        return None
    try:
        import numba
    except ImportError:  # pragma: no cover - numba is a dependency; the Python path remains
        return None
    return numba


def enabled() -> bool:
    """Whether compiled loops are used: numba imports and ``SIMCOOP_NO_NUMBA`` is not set."""
    return _numba() is not None


def njit(f: _F) -> _F:
    """``f`` compiled on its first call and cached on disk (not cached where numba finds no
    writable cache folder), or ``f`` itself when compiled loops are switched off."""
    numba = _numba()
    if numba is None:
        return f
    try:
        return numba.njit(cache=True, nogil=True)(f)  # type: ignore[no-any-return]
    except RuntimeError:  # pragma: no cover - "no locator available": a read-only install without a user cache
        return numba.njit(nogil=True)(f)  # type: ignore[no-any-return]


def njit_no_alloc(f: _F) -> _F:
    """``njit(f)`` for a loop that allocates no array (it writes into arrays it is given): compiled
    without numba's reference-counting runtime (NRT), so each array it takes is handed over as it is,
    not wrapped in a counted holder made and freed at every call (about 50 ns an array; the engine's
    month passes some ten thousand arrays a replication). Such a loop may call another one but not
    one that allocates: numba refuses to compile it (an error at its first call, which the tests make)."""
    numba = _numba()
    if numba is None:
        return f
    try:
        return numba.njit(cache=True, nogil=True, _nrt=False)(f)  # type: ignore[no-any-return]
    except RuntimeError:  # pragma: no cover - as in ``njit``
        return numba.njit(nogil=True, _nrt=False)(f)  # type: ignore[no-any-return]
