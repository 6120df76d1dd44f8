"""The streams of the month's entrants, drawn by numpy's C code directly when the install compiled it.

``small_draws(generator)`` gives ``fastdraw.SmallDraws(generator)`` (``simcoop/model/fastdraw.pyx``,
compiled by ``setup.py``): ``binomial``, ``random`` and ``standard_normal`` with the generator's
own numbers, about 0.4 us a call cheaper (issue 13). It gives the generator itself when the
module was not compiled (no C compiler), was compiled from another source than the one on disk,
``SIMCOOP_NO_COMPILED=1`` asks for Python, or its numbers differ from the installed numpy's
(``fastdraw.self_check``, run once at import; a warning says so). The numbers are the same
either way.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from simcoop.model.compiled import load_compiled

__all__ = ["small_draws"]


def _fastdraw() -> Any:
    """The compiled ``fastdraw`` module when it is current and draws numpy's numbers, else None."""
    if not load_compiled("fastdraw", source=Path(__file__).resolve().with_name("fastdraw.pyx")):
        return sys.modules.get("simcoop.model.fastdraw")  # loaded already (a second import of this module) or None
    module = sys.modules["simcoop.model.fastdraw"]
    problem = module.self_check()
    if problem is not None:
        del sys.modules["simcoop.model.fastdraw"]  # never found again unchecked
        warnings.warn(
            f"simcoop.model.fastdraw does not draw the installed numpy's numbers ({problem}): numpy's Generator draws them",
            RuntimeWarning,
            stacklevel=2,
        )
        return None
    return module


_FASTDRAW = _fastdraw()


def small_draws(generator: np.random.Generator) -> Any:
    """What draws a few numbers at a time from ``generator``: ``fastdraw.SmallDraws`` over it, or the generator itself."""
    return generator if _FASTDRAW is None else _FASTDRAW.SmallDraws(generator)
