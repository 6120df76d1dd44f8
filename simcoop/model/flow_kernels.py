"""Compiled kernels of the people's flow (numba), the same outcomes as the Python code of ``processes``.

``processes._decisions`` finds, with ``kernels.decision_masks``, who exits, may convert to a
CESA, ends a CAPE term or subscribes this month; then, for each person concerned, what the
monthly books tell their parcours: an exit with its destination and motive, a CAPE renewal,
a conversion, a subscription. The Python loop that works this out reads a dozen numpy
scalars per person; ``outcomes`` does it in one compiled loop, with the same comparisons on
the same doubles, and returns the people concerned in the order of their activity slots
(the order of the Python loop, so the parcours are woken, and the events written, in the
same order). The Python loop of ``processes._decisions`` stays the fallback and the
reference.

``processes`` calls it when ``simcoop.model.kernels.ENABLED`` says so, like every kernel; it is
compiled by ``simcoop.jit.njit_no_alloc`` (the one switch: numba imports and ``SIMCOOP_NO_NUMBA`` is
unset) on first use and cached on disk next to this module.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simcoop.jit import njit_no_alloc
from simcoop.model.book import (
    R_END_OF_CAPE,
    R_END_OF_TRIAL,
    R_NOT_ASSOCIE,
    R_NOT_VIABLE,
    R_OWN_COMPANY,
    R_PERSONAL,
    R_SALARIED_JOB,
)
from simcoop.model.columns import (
    ROW_ARE_END_MONTH,
    ROW_CAPE_RENEWALS_LEFT,
    ROW_PERSON_ID,
    ROW_RECENT_NET_MARGIN_CENTS,
    ROW_STAGE,
)
from simcoop.model.kernels import decision_masks
from simcoop.model.params import CAPE, CESA

__all__ = ["EXIT", "TO_CESA", "RENEW", "TO_ASSOCIE", "decide", "outcomes"]

#: What the monthly books tell a parcours when they wake it.
EXIT, TO_CESA, RENEW, TO_ASSOCIE = 0, 1, 2, 3

_jit = njit_no_alloc  # (they allocate no array: simcoop.jit.njit_no_alloc)


@_jit
def _destination(cumshares: npt.NDArray[np.float64], u: float) -> int:
    """Exit destination index from a stage's cumulative shares and one uniform draw (``processes._destination``)."""
    return int(u >= cumshares[0]) + int(u >= cumshares[1])


@_jit
def outcomes(  # noqa: PLR0913
    a: npt.NDArray[np.float64],
    m: int,
    t: int,
    u_dest: npt.NDArray[np.float64],
    u_decide: npt.NDArray[np.float64],
    min_cost_now: float,
    renewal: float,
    late: float,
    cumshares: npt.NDArray[np.float64],
    masks: npt.NDArray[np.bool_],
    hold_back: bool,
    prior_status: npt.NDArray[np.int64],
    out: npt.NDArray[np.int64],
) -> int:
    """What each person concerned this month is told, from the masks of ``kernels.decision_masks``.

    ``masks`` holds the rows exiting, in trial, viable, CAPE term over and subscribing;
    ``renewal`` is the CAPE renewal probability, ``late`` the threshold of the associé
    uptake and deadline draw, ``cumshares`` the exit destinations' cumulative shares by
    stage. Writes, for the n people concerned in slot order, ``out[:, :n]`` = person id,
    code (``EXIT``, ``TO_CESA``, ``RENEW``, ``TO_ASSOCIE``), destination and motive of an
    exit (-1 otherwise), and returns n. With ``hold_back`` (the minimum income gain rule),
    when some conversion to CESA may be held back (a viable CAPE whose term is not over,
    on ARE or on RSA), writes instead the c slots of those candidates, in order, to
    ``out[0, :c]`` and returns -c: the caller applies the rule to the masks and calls
    again without ``hold_back``.
    """
    exiting = masks[0]
    in_trial = masks[1]
    viable = masks[2]
    term_over = masks[3]
    subscribe = masks[4]
    if hold_back:
        c = 0
        for j in range(m):
            if viable[j] and not term_over[j]:
                if a[ROW_ARE_END_MONTH, j] > t or prior_status[int(a[ROW_PERSON_ID, j])] == 2:
                    out[0, c] = j
                    c += 1
        if c > 0:
            return -c
    n = 0
    for j in range(m):
        if not (exiting[j] or viable[j] or term_over[j] or subscribe[j]):
            continue
        st = int(a[ROW_STAGE, j])
        destination = -1
        reason = -1
        if exiting[j]:
            destination = _destination(cumshares[st], u_dest[j])
            if in_trial[j]:
                reason = R_END_OF_TRIAL
            elif destination == 0:
                reason = R_OWN_COMPANY
            elif destination == 1:
                reason = R_SALARIED_JOB
            elif a[ROW_RECENT_NET_MARGIN_CENTS, j] < min_cost_now:
                reason = R_NOT_VIABLE
            else:
                reason = R_PERSONAL
            code = EXIT
        elif st == CAPE:
            if viable[j]:
                code = TO_CESA
            elif a[ROW_CAPE_RENEWALS_LEFT, j] > 0 and u_decide[j] < renewal:
                code = RENEW
            else:
                destination = _destination(cumshares[CAPE], u_dest[j])
                reason = R_END_OF_CAPE
                code = EXIT
        elif u_decide[j] < late:
            code = TO_ASSOCIE
        else:
            destination = _destination(cumshares[CESA], u_dest[j])
            reason = R_NOT_ASSOCIE
            code = EXIT
        out[0, n] = int(a[ROW_PERSON_ID, j])
        out[1, n] = code
        out[2, n] = destination
        out[3, n] = reason
        n += 1
    return n


@_jit
def decide(masks_of: tuple, outcomes_of: tuple) -> int:  # type: ignore[type-arg]
    """``kernels.decision_masks(*masks_of)``, then ``outcomes(*outcomes_of)`` (which reads the masks it wrote):
    the month's decisions in one call."""
    decision_masks(*masks_of)
    return outcomes(*outcomes_of)
