"""A run folder's tables as the workbook and the report read them: a part of whole replications at a time.

``simcoop.report.workbook`` never holds a run's monthly, yearly or funding table: it reads them
a Parquet row group at a time (``monthly_and_yearly_parts``, ``funding_sums``: a streamed run's
files hold whole replications in each row group, the same ones in each table) and carries each
mean or sum across replications from part to part (``YearlyMeans``, ``FundingSums``, on
``simcoop.report.group_sums.GroupSums``: the bits of pandas' groupby of the whole table). A
folder of CSV files, or of Parquet files without statistics or of one row group, is read whole.

The report (``simcoop.report.data.RunData.monthly_table``) reads the monthly table the same way
(``MonthlyTable``): the columns each computation uses, part after part.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simcoop.report.group_sums import GroupSums

__all__ = [
    "FundingSums", "MonthlyTable", "YearlyMeans", "funding_sums", "monthly_and_yearly_parts", "read_table",
    "replications_by_row_group",
]  # fmt: skip


def read_table(folder: Path, name: str, columns: Sequence[str] | None = None) -> pd.DataFrame | None:
    """A table of the run folder (only ``columns``, those it has, when given)."""
    if (folder / f"{name}.parquet").is_file():
        path = folder / f"{name}.parquet"
        if columns is not None:
            import pyarrow.parquet as pq

            present = set(pq.read_schema(path).names)
            columns = [c for c in columns if c in present]
        return pd.read_parquet(path, columns=columns)
    if (folder / f"{name}.csv").is_file():
        frame = pd.read_csv(folder / f"{name}.csv")
        return frame if columns is None else frame[[c for c in columns if c in frame]]
    return None


def monthly_and_yearly_parts(folder: Path, columns: Sequence[str]) -> Iterable[tuple[pd.DataFrame, pd.DataFrame]]:
    """The monthly table (``columns``, those it has) and the yearly table, a part of whole replications at a
    time: the Parquet row groups of both when they hold the same replications (a streamed run's files),
    else each table whole (CSV files, files without statistics, or of one row group)."""
    ranges = replications_by_row_group(folder / "monthly.parquet")
    if len(ranges) > 1 and ranges == replications_by_row_group(folder / "yearly.parquet"):
        import pyarrow.parquet as pq

        monthly, yearly = pq.ParquetFile(folder / "monthly.parquet"), pq.ParquetFile(folder / "yearly.parquet")
        present = set(monthly.schema_arrow.names)
        wanted = [c for c in columns if c in present]
        for group in range(len(ranges)):
            yield (
                monthly.read_row_group(group, columns=wanted, use_pandas_metadata=True).to_pandas(),
                yearly.read_row_group(group, use_pandas_metadata=True).to_pandas(),
            )
        return
    yield read_table(folder, "monthly", columns), read_table(folder, "yearly")  # type: ignore[misc]


def replications_by_row_group(path: Path) -> list[tuple[Any, Any]]:
    """Each row group's lowest and highest replication; none when the file is absent or lacks the statistics."""
    if not path.is_file():
        return []
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    names = [meta.schema.column(i).name for i in range(meta.num_columns)]
    if "replication" not in names:
        return []
    k, ranges = names.index("replication"), []
    for group in range(meta.num_row_groups):
        stats = meta.row_group(group).column(k).statistics
        if stats is None or not stats.has_min_max:
            return []
        ranges.append((stats.min, stats.max))
    return ranges


class MonthlyTable:
    """A run's monthly table as the report reads it: only the columns asked for, a part of whole replications
    at a time (``parts``), in the table's row order.

    From a run folder's ``monthly.parquet``, a part is a row group when the row groups hold whole replications
    in increasing order (a streamed run's file), else the file is one part; from a frame in memory (a
    ``Results``, a part of the workbook's), the frame is the one part. A computation made per replication on
    each part, the parts' results put end to end, gives the bits of the same computation on the whole table.
    So the report holds one part of a few columns, never the run's 85 columns of some 120 rows a replication
    (0.8 GB at 10,000 replications). ``frame()`` reads the whole table, for a reader who asks for it.
    """

    def __init__(self, source: pd.DataFrame | Path, unreadable: Callable[[Path, Exception], Exception] | None = None) -> None:
        """``source``: the frame, or the path of ``monthly.parquet``; ``unreadable(path, error)``: the exception
        to raise for a file pyarrow cannot read (its error, by default)."""
        self._unreadable = unreadable or (lambda path, exc: exc)
        self._frame: pd.DataFrame | None = None
        self.path: Path | None = None
        self._groups: list[list[int]] = []  # the row groups of each part; none: the file is one part
        if isinstance(source, pd.DataFrame):
            self._frame = source
            self.columns: list[str] = list(source.columns)
            self.rows = len(source)
            return
        import pyarrow.parquet as pq

        self.path = Path(source)
        try:
            meta = pq.ParquetFile(self.path)
            # (an index stored as columns is the frame's index, not a column; a RangeIndex is a dict there)
            index = {c for c in (meta.schema_arrow.pandas_metadata or {}).get("index_columns") or [] if isinstance(c, str)}
            self.columns = [c for c in meta.schema_arrow.names if c not in index]
            self.rows = meta.metadata.num_rows
        except (OSError, ValueError) as exc:  # pyarrow's errors are OSErrors and ValueErrors
            raise self._unreadable(self.path, exc) from None
        ranges = replications_by_row_group(self.path)
        if len(ranges) > 1 and all(a[1] < b[0] for a, b in pairwise(ranges)):
            self._groups = _buckets(ranges)

    def __contains__(self, column: object) -> bool:
        return column in self.columns

    def parts(self, columns: Sequence[str]) -> Iterable[pd.DataFrame]:
        """The table's ``columns`` (each must be one of the table's: KeyError otherwise), a part of whole
        replications at a time, in the table's order."""
        columns = list(dict.fromkeys(columns))
        missing = [c for c in columns if c not in self.columns]
        if missing:
            raise KeyError(f"{missing} not in the monthly table")
        if self._frame is not None:
            yield self._frame[columns]
            return
        assert self.path is not None
        import pyarrow.parquet as pq

        try:
            if not self._groups:
                yield pd.read_parquet(self.path, columns=columns)
                return
            source = pq.ParquetFile(self.path)
            for groups in self._groups:
                yield source.read_row_groups(groups, columns=columns, use_pandas_metadata=True).to_pandas()
        except (OSError, ValueError) as exc:
            raise self._unreadable(self.path, exc) from None

    def frame(self) -> pd.DataFrame:
        """The whole table (read from the folder on the first call, then kept)."""
        if self._frame is None:
            assert self.path is not None
            try:
                self._frame = pd.read_parquet(self.path)
            except (OSError, ValueError) as exc:
                raise self._unreadable(self.path, exc) from None
        return self._frame

    def replications(self) -> int:
        """How many distinct replications the table holds."""
        return int(pd.concat([part["replication"] for part in self.parts(["replication"])]).nunique())


def _buckets(ranges: list[tuple[Any, Any]]) -> list[list[int]]:
    """The row groups (their replications' ranges, increasing) read together as each part: consecutive ones
    until the part holds two replications or more.

    pandas sums a group's rows with Kahan's loop, but with ``numpy.add.reduceat`` (other bits) when the
    frame's groups come one after the other (``BaseGrouper.is_monotonic``, pandas 3): a part of one
    replication sorted by month is so, the table of several replications sorted by month is not. A part
    of two replications or more sums as the whole table does (``tables.cells.monthly_by_year``).
    """
    def one_replication(part: list[int]) -> bool:
        return bool(ranges[part[0]][0] == ranges[part[-1]][1])

    parts: list[list[int]] = []
    for group in range(len(ranges)):
        if parts and one_replication(parts[-1]):
            parts[-1].append(group)
        else:
            parts.append([group])
    if len(parts) > 1 and one_replication(parts[-1]):
        parts[-2].extend(parts.pop())
    return parts


class YearlyMeans:
    """Mean across replications of each column, per year, of frames added part after part in the table's
    order (``GroupSums``: the same bits as ``frame.groupby("year", sort=True)[columns].mean()`` of the whole)."""

    def __init__(self) -> None:
        self.sums: GroupSums | None = None

    def add(self, frame: pd.DataFrame, columns: Iterable[str]) -> None:
        """The next rows (``frame``, with its ``year``); ``columns``: those to average (the first part's present ones)."""
        if self.sums is None:
            self.sums = GroupSums([c for c in columns if c in frame], key_name="year")
        self.sums.add(frame["year"].to_numpy(), frame)

    def table(self) -> pd.DataFrame:
        """Rows: columns; columns: years."""
        assert self.sums is not None, "no part added"
        return self.sums.mean().T


class FundingSums:
    """The funding table's sums per funder and year (earned) and per funder (received), its rows added part
    after part in the table's order (``GroupSums``: the bits of ``groupby(..., sort=False).sum()`` of the whole)."""

    def __init__(self) -> None:
        self.pairs: dict[tuple[str, int], int] = {}  # (funder, year) -> its code, in order of first appearance
        self.earned = GroupSums(["earned_eur"], sort=False)
        self.received = GroupSums(["received_eur"], sort=False)
        self.rows = 0

    def add(self, funding: pd.DataFrame) -> None:
        """The next rows of the funding table (``funder``, ``year``, ``earned_eur``, ``received_eur``)."""
        funders = funding["funder"].tolist()
        codes = [self.pairs.setdefault(pair, len(self.pairs)) for pair in zip(funders, funding["year"].tolist(), strict=True)]
        self.earned.add(np.asarray(codes, dtype=np.int64), funding)
        self.received.add(np.asarray(funders, dtype=object), funding)
        self.rows += len(funding)

    def earned_by_funder_and_year(self) -> pd.Series:
        """``funding.groupby(["funder", "year"], sort=False)["earned_eur"].sum()``."""
        index = pd.MultiIndex.from_tuples(list(self.pairs), names=["funder", "year"])
        return pd.Series(self.earned.sum()["earned_eur"].to_numpy(), index=index, name="earned_eur")

    def received_by_funder(self) -> pd.Series:
        """``funding.groupby("funder", sort=False)["received_eur"].sum()``."""
        sums = self.received.sum()["received_eur"]
        return sums.rename_axis("funder")


def funding_sums(folder: Path) -> FundingSums | None:
    """The funding table's sums, read a row group at a time (whole from a CSV); None without the table."""
    columns = ["funder", "year", "earned_eur", "received_eur"]
    path = folder / "funding.parquet"
    if path.is_file():
        import pyarrow.parquet as pq

        source = pq.ParquetFile(path)
        parts: Iterable[pd.DataFrame] = (
            source.read_row_group(group, columns=columns, use_pandas_metadata=True).to_pandas() for group in range(source.num_row_groups)
        )
    else:
        whole = read_table(folder, "funding", columns)
        if whole is None:
            return None
        parts = [whole]
    sums = FundingSums()
    for part in parts:
        sums.add(part)
    return sums
