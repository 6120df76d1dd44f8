"""numba's compiled loops, and the one switch that turns them off.

simcoop compiles a few hot loops with numba (the engine's monthly kernels in
``simcoop.model.kernels`` and ``simcoop.model.flow_kernels``, the CSV writer's rows in
``simcoop.csvout``) and keeps the plain Python or numpy code of each as its fallback and
reference: both give the same numbers and the same text, to the bit (tests/test_kernels.py,
tests/test_run_folder.py). ``enabled()`` is False when numba does not import or when the
environment variable ``SIMCOOP_NO_NUMBA`` is set to anything but empty or ``0``; ``njit(f)``
is then ``f`` itself.

``DirectCalls`` serves a caller that calls some kernels with arguments of the same types at every
call (the engine's month): after the first call, a kernel is called through its compiled version
directly, without numba typing its arguments again.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["CHECK_VARIABLE", "DirectCalls", "KernelTypesError", "enabled", "njit", "njit_no_alloc", "njit_whole_sum"]

#: Set (to anything but empty or ``0``), ``DirectCalls`` types every call and checks it (the test-suite sets it).
CHECK_VARIABLE = "SIMCOOP_CHECK_KERNELS"

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


def _compiled(f: _F, **options: Any) -> _F:
    """``f`` compiled by numba with ``options`` on its first call and cached on disk (not cached where numba
    finds no writable cache folder), or ``f`` itself when compiled loops are switched off."""
    numba = _numba()
    if numba is None:
        return f
    try:
        return numba.njit(cache=True, nogil=True, **options)(f)  # type: ignore[no-any-return]
    except RuntimeError:  # pragma: no cover - "no locator available": a read-only install without a user cache
        return numba.njit(nogil=True, **options)(f)  # type: ignore[no-any-return]


def njit(f: _F) -> _F:
    """``f`` compiled on its first call and cached on disk (not cached where numba finds no
    writable cache folder), or ``f`` itself when compiled loops are switched off."""
    return _compiled(f)


def njit_no_alloc(f: _F) -> _F:
    """``njit(f)`` for a loop that allocates no array (it writes into arrays it is given): compiled
    without numba's reference-counting runtime (NRT), so each array it takes is handed over as it is,
    not wrapped in a counted holder made and freed at every call (about 50 ns an array; the engine's
    month passes some ten thousand arrays a replication). Such a loop may call another one but not
    one that allocates: numba refuses to compile it (an error at its first call, which the tests make)."""
    return _compiled(f, _nrt=False)


def njit_whole_sum(f: _F) -> _F:
    """``njit_no_alloc(f)`` for a loop that adds floats whose sum is the same number in any order (whole cents,
    few enough that every partial sum is exact in float64): compiled with numba's ``fastmath`` flag ``reassoc``
    alone, which lets LLVM add them in the order the processor adds fastest (several lanes of a vector at a
    time). No other licence is given (NaN, infinities and signed zeros keep their rules), and the loop must check
    that its terms are such numbers: where they are, the sum is the one added in order, to the bit."""
    return _compiled(f, _nrt=False, fastmath={"reassoc"})


class KernelTypesError(TypeError):
    """A kernel of ``DirectCalls`` was called with arguments of other types than at its first call."""


class DirectCalls:
    """Some compiled kernels, each called through its one compiled version once it has run: ``calls.name(...)``.

    numba types every argument of every call to a kernel to choose the compiled version to run:
    30 to 90 ns an argument (a read-only array or a bool costs the most), some 22,600 arguments in
    1,330 calls a replication of the reference, about 6.6 % of the instructions of a replication
    (benchmarks/README.md, "Session 25"). Here each kernel of ``sources`` (modules, or mappings of
    names to kernels) gets its own dispatcher, a copy of the module's that shares its compiled code
    on disk; its first call is typed as usual, and from then on the attribute is that version's
    entry point, which converts the arguments by the types of the first call without checking them.

    The caller's promise, then: the same types at every call of a kernel, the dtype, number of
    dimensions, memory layout and read-only flag of each array, and int, float or bool for each
    number (a mistake would have the arguments read as other types). The engine keeps it by
    construction (its arrays are the book's and the tables', its numbers converted where they are
    passed); the test-suite checks it: with ``SIMCOOP_CHECK_KERNELS`` set, no entry point is taken,
    every call is typed by numba, and a call that needs a second compiled version raises
    ``KernelTypesError``, naming the kernel and the types of both. Without numba (``enabled()``
    False) the kernels are the Python functions themselves, called as they are.
    """

    def __init__(self, *sources: Any) -> None:
        numba = _numba()
        check = os.environ.get(CHECK_VARIABLE, "") not in ("", "0")
        for source in sources:
            if isinstance(source, dict):  # every kernel named
                kernels = list(source.items())
            else:  # the module's public functions, compiled or not, that it defines (not those it imports)
                kernels = [
                    (name, value) for name, value in vars(source).items()
                    if not name.startswith("_") and getattr(getattr(value, "py_func", value), "__module__", None) == source.__name__
                    and (inspect.isfunction(value) or (numba is not None and isinstance(value, numba.core.dispatcher.Dispatcher)))
                ]  # fmt: skip
            for name, value in kernels:
                if numba is not None and isinstance(value, numba.core.dispatcher.Dispatcher):
                    value = _FirstCall(self, name, _copy(numba, value), check)
                setattr(self, name, value)


def _copy(numba: Any, kernel: Any) -> Any:
    """A dispatcher of ``kernel``'s function with its options and its cache on disk: its compiled versions its own."""
    options = {key: value for key, value in kernel.targetoptions.items() if key != "nopython" and value is not None}
    cached = type(getattr(kernel, "_cache", None)).__name__ == "FunctionCache"
    return numba.njit(cache=cached, **options)(kernel.py_func)


class _FirstCall:
    """A kernel of ``DirectCalls`` until its first call, and each call in checking mode."""

    __slots__ = ("calls", "check", "kernel", "name")

    def __init__(self, calls: DirectCalls, name: str, kernel: Any, check: bool) -> None:
        self.calls, self.name, self.kernel, self.check = calls, name, kernel, check

    def __call__(self, *args: Any) -> Any:
        kernel = self.kernel
        result = kernel(*args)
        versions = list(kernel.overloads)
        if len(versions) > 1:
            raise KernelTypesError(
                f"kernel {self.name} called with ({', '.join(map(str, versions[-1]))}) after ({', '.join(map(str, versions[0]))}):"
                " DirectCalls needs the same types at every call"
            )
        entry = getattr(kernel.overloads[versions[0]], "entry_point", None) if versions else None
        if not self.check and entry is not None:
            setattr(self.calls, self.name, entry)
        return result
