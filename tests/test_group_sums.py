"""``GroupSums``: pandas' groupby sums and means of a frame fed in parts, to the bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simcoop.report import group_sums
from simcoop.report.group_sums import GroupSums, add_by_rank, add_rows


@pytest.fixture(params=["loop", "numpy", "cheaper"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test with every part added by the Python loop, by the numpy steps, and by the cheaper of the two."""
    if request.param != "cheaper":
        monkeypatch.setattr(group_sums, "_STEP_COST", 10**12 if request.param == "loop" else 0)
    return str(request.param)


def _same_bits(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    a, b = got.to_numpy(dtype=np.float64), expected.to_numpy(dtype=np.float64)
    assert np.array_equal(np.isnan(a), np.isnan(b))
    present = ~np.isnan(b)
    assert np.array_equal(a[present].view(np.int64), b[present].view(np.int64))  # -0.0 is not 0.0 here


def _frame(rng: np.random.Generator, rows: int, groups: int) -> pd.DataFrame:
    cents = rng.integers(-10**9, 10**9, rows) / 100  # money: whole cents, not whole euros
    wide = rng.normal(0, 1, rows) * 10.0 ** rng.integers(-8, 12, rows)  # magnitudes that round
    special = rng.choice([np.nan, -0.0, 0.0, 1e16, -1e16, 3.0], rows)
    frame = pd.DataFrame(
        {
            "key": rng.integers(0, groups, rows),
            "cents": cents,
            "wide": wide,
            "special": special,
            "counts": rng.integers(0, 50, rows),
        }
    )
    frame.loc[rng.random(rows) < 0.1, "wide"] = np.nan
    return frame


COLUMNS = ["cents", "wide", "special", "counts"]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.usefixtures("path")
def test_sums_and_means_in_parts_are_those_of_the_whole_frame(seed: int) -> None:
    rng = np.random.default_rng(seed)
    frame = _frame(rng, int(rng.integers(1, 3000)), int(rng.integers(1, 40)))
    frame.loc[frame["key"] == frame["key"].iloc[0], "special"] = np.nan  # a group with no value in a column
    cuts = np.sort(rng.integers(0, len(frame) + 1, int(rng.integers(0, 12))))
    for sort in (True, False):
        sums = GroupSums(COLUMNS, sort=sort, key_name="key")
        for part in np.split(np.arange(len(frame)), cuts):
            chunk = frame.iloc[part]
            sums.add(chunk["key"].to_numpy(), chunk)
        grouped = frame.groupby("key", sort=sort)[COLUMNS]
        _same_bits(sums.mean(), grouped.mean())
        floats = COLUMNS[:-1]  # an integer column's sum stays an integer in pandas: summed only as floats here
        _same_bits(sums.sum()[floats], grouped.sum()[floats])
        _same_bits(sums.sum(min_count=1)[floats], grouped.sum(min_count=1)[floats])


@pytest.mark.usefixtures("path")
def test_infinities_and_negative_zeros_as_pandas() -> None:
    frame = pd.DataFrame(
        {
            "key": [1, 1, 1, 2, 2, 2, 3, 3, 4, 4, 4],
            "x": [np.inf, 1.0, 2.5, -0.0, -0.0, -0.0, -np.inf, np.inf, 0.1, np.nan, 0.2],
        }
    )
    for cuts in ([], [1], [2, 5, 7], list(range(1, 11))):
        sums = GroupSums(["x"], key_name="key")
        for part in np.split(np.arange(len(frame)), cuts):
            sums.add(frame["key"].to_numpy()[part], frame.iloc[part])
        _same_bits(sums.mean(), frame.groupby("key")[["x"]].mean())
        _same_bits(sums.sum(), frame.groupby("key")[["x"]].sum())


@pytest.mark.usefixtures("path")
def test_a_long_column_of_cents_rounds_as_the_whole_groupby() -> None:
    """Many rows per group (as a month across 10,000 replications): the compensation carried over matters."""
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({"month": np.tile(np.arange(12), 5000), "x": rng.integers(-10**8, 10**8, 60000) / 100})
    naive = pd.concat([frame.iloc[:30000], frame.iloc[30000:]]).groupby("month")["x"].sum()
    parts = [frame.iloc[i : i + 7000] for i in range(0, len(frame), 7000)]
    summed = sum(part.groupby("month")["x"].sum() for part in parts)
    assert not np.array_equal(summed.to_numpy(), naive.to_numpy()), "adding the parts' sums differs in the last bits"
    sums = GroupSums(["x"], key_name="month")
    for part in parts:
        sums.add(part["month"].to_numpy(), part)
    _same_bits(sums.mean(), frame.groupby("month")[["x"]].mean())
    _same_bits(sums.sum(), frame.groupby("month")[["x"]].sum())


def test_the_loop_and_the_numpy_steps_leave_the_same_state() -> None:
    """``add_rows`` and ``add_by_rank`` leave the same sums, compensations and counts, to the bit."""
    rng = np.random.default_rng(11)
    for _ in range(20):
        n, groups, width = int(rng.integers(0, 2000)), int(rng.integers(1, 30)), int(rng.integers(1, 5))
        values = rng.normal(0, 1, (n, width)) * 10.0 ** rng.integers(-6, 14, (n, width))
        special = rng.random((n, width))
        values[special < 0.05] = np.nan
        values[(special > 0.05) & (special < 0.07)] = -0.0
        values[(special > 0.07) & (special < 0.075)] = np.inf
        values[(special > 0.075) & (special < 0.08)] = -np.inf
        rows = rng.integers(0, groups, n).astype(np.intp)
        states = [(np.zeros((groups, width)), np.zeros((groups, width)), np.zeros((groups, width), dtype=np.int64)) for _ in range(2)]
        for cut in np.split(np.arange(n), np.sort(rng.integers(0, n + 1, 3))):
            add_rows(*states[0], rows[cut], values[cut])
            add_by_rank(*states[1], rows[cut], values[cut])
        for loop, steps in zip(*states, strict=True):
            assert loop.dtype == steps.dtype
            assert loop.tobytes() == steps.tobytes()
