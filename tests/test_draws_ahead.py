"""The draws the monthly steps take ahead (``processes._Draws``) are the numbers the month-by-month calls give."""

from __future__ import annotations

import numpy as np
import pytest

import simcoop
from simcoop.model import processes
from simcoop.model.params import model_params
from simcoop.streams import replication_streams


@pytest.mark.parametrize("seed", range(3))
def test_uniforms_drawn_ahead_are_the_calls_doubles(seed: int) -> None:
    """``_Uniforms.take(k)`` hands out, call after call, what ``random(k)`` would have drawn, across blocks
    (sizes 0, small, larger than a block), bit for bit."""
    sizes = np.random.default_rng(seed).integers(0, 300, 200).tolist() + [0, processes._BLOCK + 7, 3, 2 * processes._BLOCK, 1]  # noqa: SLF001
    ahead = processes._Uniforms(np.random.Generator(np.random.PCG64(seed)))  # noqa: SLF001
    direct = np.random.Generator(np.random.PCG64(seed))
    for k in sizes:
        assert ahead.take(k).tobytes() == direct.random(k).tobytes()


@pytest.mark.parametrize("seed", range(3))
def test_normals_drawn_ahead_are_the_calls_numbers(seed: int) -> None:
    """``_Normals.take(k)`` hands out, call after call, what ``standard_normal(k)`` would have drawn, across
    blocks, bit for bit, though the caller writes over what it took (the month's noise is made in place)."""
    sizes = np.random.default_rng(seed).integers(0, 300, 200).tolist() + [0, processes._BLOCK + 7, 3, 2 * processes._BLOCK, 1]  # noqa: SLF001
    ahead = processes._Normals(np.random.Generator(np.random.PCG64(seed)))  # noqa: SLF001
    direct = np.random.Generator(np.random.PCG64(seed))
    for k in sizes:
        taken = ahead.take(k)
        assert taken.tobytes() == direct.standard_normal(k).tobytes()
        taken *= 3.0  # as _accounting does
        taken -= 1.0


def test_the_accueils_drawn_ahead_are_the_monthly_draws() -> None:
    """One Poisson draw per month from an array of rates: the month-by-month draws, in order."""
    scenario = simcoop.load_scenario(simcoop.default_scenario_path())
    p = model_params(scenario)
    draws = processes._Draws(replication_streams(7, 3), p)  # noqa: SLF001
    arrivals = replication_streams(7, 3).arrivals
    assert draws.accueils == [int(arrivals.poisson(p.accueils_rate_per_month[t])) for t in range(p.horizon_months)]
    assert sum(draws.accueils) > 100
