"""pandas' ``groupby(key)[columns].sum()`` and ``.mean()``, fed a part of the rows at a time, to the bit.

pandas sums a group's floats with Kahan's compensated summation, row by row in the frame's
order (``pandas/_libs/groupby.pyx``: ``group_sum``, ``group_mean``): for each value that is
not NaN, ``y = value - c; t = s + y; c = (t - s) - y; s = t`` (``c`` set back to 0 when it is
NaN, which an infinite value makes it), then the mean is ``s / count``. Adding the sums of
parts would round differently; ``GroupSums`` carries each group's ``(s, c, count)`` from one
part to the next instead, so rows fed in the frame's order, in parts of any size, give the
same bits as the groupby of the whole frame (``tests/test_group_sums.py`` checks it on random
parts against pandas, with NaN, infinities and -0.0). Integer columns are summed as float64,
as pandas' ``mean`` does. One exception in pandas 3: when each group's rows come one after the
other in the frame (``BaseGrouper.is_monotonic``), its ``sum`` uses ``numpy.add.reduceat``
instead, whose last bits may differ. A run's tables are in replication order, so grouped by
year or month across two replications or more their groups are not consecutive and pandas
takes the Kahan loop; a run of a single replication is the case where the two could differ
by an ulp.

So the workbook (``simcoop.report.workbook``) reads a run's tables a row group at a time and
holds, per group, three numbers a column instead of the run's rows.

A part's rows are added either by pandas' loop written in Python, row after row
(``add_rows``), or in numpy, the ``k``-th row of every group in one vectorised step (the rows
of a step are of distinct groups, and each group gets its rows in order: ``add_by_rank``, one
step per row of the part's largest group), whichever costs fewer operations: numpy for many
groups of a few rows each (months, years), the loop for a few large groups (the funders).
Both give the same bits (``tests/test_group_sums.py``). Not compiled with numba: loading a
compiled loop costs the process some 50 MB, more than the tables it spares.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

__all__ = ["GroupSums", "add_by_rank", "add_rows"]

#: A numpy step costs about as much as this many values added by the Python loop.
_STEP_COST = 40


class GroupSums:
    """The per-group sums, compensations and counts of ``columns``, rows added in order (``add``)."""

    def __init__(self, columns: Sequence[str], sort: bool = True, key_name: Hashable = None) -> None:
        self.columns = list(columns)
        self.sort = sort  # groups sorted by key (``groupby(sort=True)``), else in order of first appearance
        self.key_name = key_name
        self.keys: dict[Hashable, int] = {}  # group key -> row of the state, in order of first appearance
        width = len(self.columns)
        self.total = np.zeros((0, width))
        self.compensation = np.zeros((0, width))
        self.count = np.zeros((0, width), dtype=np.int64)

    def add(self, keys: Sequence[Hashable] | np.ndarray, frame: pd.DataFrame) -> None:
        """The next rows: their group keys (one per row) and a frame holding ``columns`` (numbers, NaN skipped)."""
        keys = np.asarray(keys)
        if len(keys) != len(frame):
            raise ValueError("one key per row")
        values = np.empty((len(frame), len(self.columns)))
        for j, column in enumerate(self.columns):
            values[:, j] = frame[column].to_numpy(dtype=np.float64, na_value=np.nan)
        unique, codes = np.unique(keys, return_inverse=True)
        first = np.full(len(unique), len(keys))
        np.minimum.at(first, codes, np.arange(len(keys)))
        for k in np.argsort(first, kind="stable"):  # new groups in order of first appearance
            self.keys.setdefault(unique[k].item() if isinstance(unique[k], np.generic) else unique[k], len(self.keys))
        rows = np.array([self.keys[u.item() if isinstance(u, np.generic) else u] for u in unique], dtype=np.intp)[codes]
        self._grow(len(self.keys))
        self.accumulate(rows, values)

    def _grow(self, groups: int) -> None:
        extra = groups - len(self.total)
        if extra > 0:
            zeros = np.zeros((extra, len(self.columns)))
            self.total = np.vstack([self.total, zeros])
            self.compensation = np.vstack([self.compensation, zeros])
            self.count = np.vstack([self.count, zeros.astype(np.int64)])

    def accumulate(self, rows: np.ndarray, values: np.ndarray) -> None:
        """Add ``values`` (rows x columns, float64) to the groups ``rows`` (state rows), in row order."""
        if len(rows) == 0:
            return
        steps = int(np.bincount(rows).max())  # numpy: one step per row of the largest group
        if values.size < _STEP_COST * steps:
            add_rows(self.total, self.compensation, self.count, rows, values)
        else:
            add_by_rank(self.total, self.compensation, self.count, rows, values)

    def _index(self) -> tuple[pd.Index, np.ndarray]:
        keys = list(self.keys)
        order = np.arange(len(keys))
        if self.sort:
            order = np.argsort(np.asarray(keys), kind="stable")
        return pd.Index([keys[i] for i in order], name=self.key_name), order

    def sum(self, min_count: int = 0) -> pd.DataFrame:
        """``groupby(...).sum(min_count=min_count)`` of float columns: NaN where a group has fewer than
        ``min_count`` values (pandas keeps an integer column's sum an integer: not this)."""
        index, order = self._index()
        out = np.where(self.count[order] < min_count, np.nan, self.total[order])
        return pd.DataFrame(out, index=index, columns=self.columns)

    def mean(self) -> pd.DataFrame:
        """``groupby(...).mean()``: NaN where a group has no value."""
        index, order = self._index()
        count = self.count[order]
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(count == 0, np.nan, self.total[order] / count)
        return pd.DataFrame(out, index=index, columns=self.columns)


def add_by_rank(total: np.ndarray, compensation: np.ndarray, count: np.ndarray, rows: np.ndarray, values: np.ndarray) -> None:
    """Add ``values`` (rows x columns) to the state rows ``rows`` in row order: ``add_rows`` in numpy, the
    ``k``-th row of every group added in one step (distinct groups, each in order)."""
    n = len(rows)
    if n == 0:
        return
    order = np.argsort(rows, kind="stable")  # each group's rows together, in order
    sorted_rows = rows[order]
    starts = np.flatnonzero(np.r_[True, sorted_rows[1:] != sorted_rows[:-1]])
    sizes = np.diff(np.r_[starts, n])
    rank = np.arange(n) - np.repeat(starts, sizes)  # k for the k-th row of its group
    step_order = order[np.lexsort((order, rank))]  # by rank, then in frame order
    bounds = np.r_[0, np.cumsum(np.bincount(rank))]
    for k in range(len(bounds) - 1):
        at = step_order[bounds[k] : bounds[k + 1]]
        _kahan_step(total, compensation, count, rows[at], values[at])


def _kahan_step(total: np.ndarray, compensation: np.ndarray, count: np.ndarray, rows: np.ndarray, values: np.ndarray) -> None:
    """One value of each of ``rows`` (distinct groups) added to its group, per column, skipping NaN."""
    s, c = total[rows], compensation[rows]
    present = values == values
    with np.errstate(invalid="ignore"):  # inf - inf: NaN, as in pandas
        y = values - c
        t = s + y
        new_c = (t - s) - y
    new_c[new_c != new_c] = 0.0  # an infinite value: pandas sets the compensation back to 0
    total[rows] = np.where(present, t, s)
    compensation[rows] = np.where(present, new_c, c)
    count[rows] += present


def add_rows(total: np.ndarray, compensation: np.ndarray, count: np.ndarray, rows: np.ndarray, values: np.ndarray) -> None:
    """``add_by_rank`` row after row in Python floats (IEEE doubles, as numpy's): pandas' loop (``group_sum``)."""
    sums, comps, counts = total.tolist(), compensation.tolist(), count.tolist()
    for g, row in zip(rows.tolist(), values.tolist(), strict=True):
        s, c, n = sums[g], comps[g], counts[g]
        for j, value in enumerate(row):
            if value == value:
                n[j] += 1
                y = value - c[j]
                t = s[j] + y
                new_c = (t - s[j]) - y
                c[j] = 0.0 if new_c != new_c else new_c
                s[j] = t
    total[:] = np.array(sums, dtype=np.float64).reshape(total.shape)
    compensation[:] = np.array(comps, dtype=np.float64).reshape(compensation.shape)
    count[:] = np.array(counts, dtype=np.int64).reshape(count.shape)
