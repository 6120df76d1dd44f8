"""A run folder's tables as the workbook reads them: a part of whole replications at a time.

``simcoop.report.workbook`` never holds a run's monthly, yearly or funding table: it reads them
a Parquet row group at a time (``monthly_and_yearly_parts``, ``funding_sums``: a streamed run's
files hold whole replications in each row group, the same ones in each table) and carries each
mean or sum across replications from part to part (``YearlyMeans``, ``FundingSums``, on
``simcoop.report.group_sums.GroupSums``: the bits of pandas' groupby of the whole table). A
folder of CSV files, or of Parquet files without statistics or of one row group, is read whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simcoop.report.group_sums import GroupSums

__all__ = ["FundingSums", "YearlyMeans", "funding_sums", "monthly_and_yearly_parts", "read_table", "replications_by_row_group"]


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
