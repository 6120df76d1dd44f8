"""The draws the monthly steps take ahead (``processes._Draws``) are the numbers the month-by-month calls give."""

from __future__ import annotations

import numpy as np
import pytest

import simcoop
from simcoop.model import processes
from simcoop.model.params import model_params
from simcoop.model.smalldraws import small_draws
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


@pytest.mark.parametrize("seed", [0, 1, 7, 20261204])
def test_the_small_draws_are_the_generators_numbers(seed: int) -> None:
    """``small_draws`` (numpy's C code called directly where the install compiled it) gives what the generator's
    own calls give, call after call, bit for bit: binomials on both algorithms and on a repeated (n, p), uniforms
    and normals one and several at a time; and the generator, drawn on after, goes on from the same state."""
    ours = small_draws(np.random.default_rng(seed))
    theirs = np.random.default_rng(seed)
    sizes = np.random.default_rng(seed + 1).integers(0, 12, 150).tolist()
    for i, k in enumerate(sizes):
        n, p = (k * 9, 0.1 + 0.8 * (i % 7) / 6) if i % 3 else (120, 0.45)
        assert ours.binomial(n, p) == theirs.binomial(n, p)
        assert ours.random(k).tobytes() == theirs.random(k).tobytes()
        assert ours.standard_normal(k).tobytes() == theirs.standard_normal(k).tobytes()
        one, other = ours.random(), theirs.random()
        assert isinstance(one, float) and one == other
        one, other = ours.standard_normal(), theirs.standard_normal()
        assert isinstance(one, float) and one == other
    # (ours.generator is the generator SmallDraws draws from; the generator itself without the compiled module)
    generator = getattr(ours, "generator", ours)
    assert generator.random(5).tobytes() == theirs.random(5).tobytes()


@pytest.mark.parametrize(("n", "p", "message"), [(3, -0.1, "p < 0"), (3, 1.5, "p > 1"), (3, float("nan"), "is NaN"), (-1, 0.5, "n < 0")])
def test_the_small_draws_refuse_what_the_generator_refuses(n: int, p: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        np.random.default_rng(0).binomial(n, p)
    with pytest.raises(ValueError, match=message):
        small_draws(np.random.default_rng(0)).binomial(n, p)
