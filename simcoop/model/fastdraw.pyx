# cython: language_level=3, boundscheck=False, wraparound=False
"""The few draws of a month's entrants, taken by numpy's own C code without ``Generator``'s Python call.

Each month draws how many accueils enter and how many of them start under a CESA (two
``binomial(n, p)`` on small ``n``), then each entrant's sector and turnover (``random(k)`` and
``standard_normal(k)``, ``k`` a few people). Through ``numpy.random.Generator`` each of these calls
costs about 0.4 to 0.6 us, mostly its argument handling and its lock, for a draw of a few
nanoseconds (issue 13, timeit on 2026-12-04: ``binomial(7, 0.35)`` 431 ns against 50 here,
``random(4)`` 554 against 92, ``standard_normal(4)`` 591 against 126).

``SmallDraws(generator)`` takes the same numbers from the same bit generator, by the same C
functions numpy's ``Generator`` calls (``numpy/random/c_distributions.pxd``, linked from the
numpy the build compiled against): the generator's state moves exactly as it would, and a
draw on the generator itself after one here follows on. ``self_check`` compares the two on the
numpy installed: ``simcoop.model.smalldraws`` uses this module only when they agree.
"""

from cpython.pycapsule cimport PyCapsule_GetPointer, PyCapsule_IsValid
from libc.stdint cimport int64_t

cimport numpy as cnp
from numpy.random cimport bitgen_t
from numpy.random.c_distributions cimport (
    binomial_t,
    random_binomial,
    random_standard_normal,
    random_standard_normal_fill,
    random_standard_uniform,
    random_standard_uniform_fill,
)

import numpy as np

cnp.import_array()

__all__ = ["SmallDraws", "self_check"]


cdef class SmallDraws:
    """``binomial(n, p)``, ``random(size=None)`` and ``standard_normal(size=None)`` of ``generator``, the same numbers.

    Draws from the generator's own bit generator, whose state it moves as the generator's calls
    would. Refuses what the generator refuses, with its messages (``p < 0, p > 1 or p is NaN``,
    ``n < 0``). Not thread-safe (it takes no lock): one replication's stream, one thread.
    """

    cdef bitgen_t *_bitgen
    cdef binomial_t _binomial  # the binomial's constants for the last (n, p), as the Generator keeps its own
    cdef readonly object generator  # holds the bit generator whose state _bitgen points into

    def __cinit__(self, generator):
        capsule = generator.bit_generator.capsule
        if not PyCapsule_IsValid(capsule, "BitGenerator"):
            raise ValueError("the generator's bit generator has no valid BitGenerator capsule")
        self._bitgen = <bitgen_t *> PyCapsule_GetPointer(capsule, "BitGenerator")
        self._binomial.has_binomial = 0
        self.generator = generator

    def binomial(self, int64_t n, double p):
        """``generator.binomial(n, p)`` for one integer ``n`` and one ``p``: a Python int."""
        if not (0.0 <= p <= 1.0):  # (NaN fails both comparisons)
            raise ValueError("p < 0, p > 1 or p is NaN")
        if n < 0:
            raise ValueError("n < 0")
        return random_binomial(self._bitgen, p, n, &self._binomial)

    def random(self, size=None):
        """``generator.random(size)``: uniforms on [0, 1), one float without ``size``, else an array of ``size``."""
        return self._draw(size, random_standard_uniform, random_standard_uniform_fill)

    def standard_normal(self, size=None):
        """``generator.standard_normal(size)``: one float without ``size``, else an array of ``size``."""
        return self._draw(size, random_standard_normal, random_standard_normal_fill)

    cdef object _draw(self, size, double (*one)(bitgen_t *) noexcept nogil, void (*fill)(bitgen_t *, cnp.npy_intp, double *) noexcept nogil):
        """One number by ``one`` without ``size``, else an array of ``size`` filled by ``fill`` (numpy's own pairs)."""
        if size is None:
            return one(self._bitgen)
        cdef cnp.npy_intp count = size
        out = cnp.PyArray_EMPTY(1, &count, cnp.NPY_DOUBLE, 0)
        fill(self._bitgen, count, <double *> cnp.PyArray_DATA(out))
        return out


def self_check():
    """None when ``SmallDraws`` gives the installed numpy's ``Generator`` numbers, else what differs.

    The C code is the build's numpy's; a numpy installed later could draw otherwise. Checked
    on the binomial's two algorithms (inversion for ``n p < 30``, BTPE above), repeated
    ``(n, p)`` (its cached constants), ``p`` above one half, and the uniforms and normals, one
    and several at a time, interleaved.
    """
    for seed in (0, 1, 20261204):
        ours = SmallDraws(np.random.default_rng(seed))
        theirs = np.random.default_rng(seed)
        for n, p in ((7, 0.35), (7, 0.35), (120, 0.62), (0, 0.5), (500, 0.3), (500, 0.3), (3, 0.9), (40, 0.05)):
            a, b = ours.binomial(n, p), int(theirs.binomial(n, p))
            if a != b:
                return f"binomial({n}, {p}) gave {a} for numpy's {b} (seed {seed})"
            for size in (None, 1, 4):
                u, v = ours.random(size), theirs.random(size)
                z, w = ours.standard_normal(size), theirs.standard_normal(size)
                if not (np.array_equal(u, v) and np.array_equal(z, w)):
                    return f"random/standard_normal({size}) differ from numpy's (seed {seed})"
    return None
