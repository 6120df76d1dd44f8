"""A run folder's tables written part by part, in replication order, while the parts arrive.

``TableStreams(folder)`` receives the tables of consecutive ranges of replications
(``add(start, stop, tables, rows)``: the chunks of a streamed run, in order) and appends
them to ``<name>.parquet`` and ``<name>.csv`` in ``folder``: the files ``Results.save``
writes of the whole run's tables. Read back, each Parquet file equals the table of the
whole run (same columns, dtypes, order and values); each CSV file is the same text byte
for byte (its header, then each part's rows, ``simcoop.csvout.csv_rows``).

The Parquet files' row groups hold ``ROW_GROUP_REPLICATIONS`` replications each (the last
one the rest), each written from one contiguous table: a file depends on the replications
only, never on how they were chunked or on ``--jobs``. A run of at most that many
replications has one row group per table, as ``to_parquet`` writes it. The process holds
at most one row group of each table; the small per-replication tables (``KEPT``: kpis,
portage, parameters) are also kept in memory for the run's ``Results``.

A table whose parts do not all have the first part's columns and dtypes (never seen in a
run: every part comes from the same code) is not streamed: ``irregular`` names it, and
the caller writes it whole (``write_whole``).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simcoop.csvout import csv_rows, csv_text
from simcoop.results.folder import parquet_options, to_parquet
from simcoop.results.frames import TABLES

__all__ = ["KEPT", "NO_CSV", "ROW_GROUP_REPLICATIONS", "TableStreams", "arrow_table"]

#: Replications per Parquet row group (monthly: 30,000 rows, about 20 MB in memory).
ROW_GROUP_REPLICATIONS = 250
#: Tables also kept in memory (one row or two per replication).
KEPT: tuple[str, ...] = ("kpis", "portage", "parameters")
#: The parts of a ``KEPT`` table kept apart before they are concatenated (``_Stream._keep``).
KEPT_PARTS = 32
#: Tables a run folder has as Parquet only.
NO_CSV: tuple[str, ...] = ("events",)


def arrow_table(frame: pd.DataFrame) -> Any:
    """``frame`` as the Arrow table ``to_parquet(index=False)`` writes (on one thread: a chunk's tables are small).

    ``pyarrow.Table.from_pandas`` spends most of its time per column, on the pandas metadata and
    on each Series; the tables of a run's chunks have the same columns and dtypes chunk after
    chunk. So the first frame of a kind (columns, dtypes, Arrow types) is converted by
    ``from_pandas``, and its schema, metadata included, kept when the columns converted one by one
    (numpy columns from their arrays, NaN as null as ``from_pandas`` does) equal its table; the next
    frames of that kind are their columns under that schema (monthly of 25 replications: 3.0 ->
    1.8 ms).
    """
    import json

    import pyarrow as pa

    if frame.attrs or not frame.columns.is_unique:
        table = pa.Table.from_pandas(frame, preserve_index=False, nthreads=1)
        if frame.attrs:  # as pandas records them
            table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"PANDAS_ATTRS": json.dumps(frame.attrs).encode()})
        return table
    arrays = [_arrow_array(series) for _, series in frame.items()]
    types = tuple(array.type for array in arrays)
    key = (tuple(frame.columns), frame.columns.dtype, frame.columns.name, tuple(frame.dtypes), types)
    schema = _SCHEMAS.get(key)
    if schema is not None:
        return pa.Table.from_arrays(arrays, schema=schema)
    table = pa.Table.from_pandas(frame, preserve_index=False, nthreads=1)
    same_types = tuple(field.type for field in table.schema) == types
    if same_types and table.equals(pa.Table.from_arrays(arrays, schema=table.schema)):
        if len(_SCHEMAS) >= 64:
            _SCHEMAS.clear()
        _SCHEMAS[key] = table.schema
    return table


#: The schemas ``arrow_table`` keeps, by columns, column index, dtypes and Arrow types.
_SCHEMAS: dict[Any, Any] = {}


def _arrow_array(series: pd.Series) -> Any:
    """A column as ``from_pandas`` converts it (numbers, booleans and dates from their numpy array, NaN as null)."""
    import pyarrow as pa

    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iufbM":
        return pa.array(series.to_numpy(), from_pandas=True)
    return pa.array(series, from_pandas=True, safe=True)


def _dictionaries(table: Any) -> list[Any]:
    """The values of each dictionary (categorical) column's first chunk: parts must agree on them."""
    import pyarrow as pa

    found = []
    for column in table.columns:
        if pa.types.is_dictionary(column.type) and column.num_chunks:
            found.append(column.chunk(0).dictionary.to_pylist())
    return found


def _same_kind(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Same columns, dtypes and attrs: concatenated in steps, such frames give what one concatenation gives."""
    return a.columns.equals(b.columns) and a.dtypes.equals(b.dtypes) and a.attrs == b.attrs


class _Stream:
    """One table: its Parquet writer, its CSV file, the row group being filled."""

    def __init__(self, name: str, folder: Path) -> None:
        self.name, self.folder = name, folder
        self.schema: Any = None  # of the first part
        self.dictionaries: list[Any] = []
        self.writer: Any = None
        self.buffer: list[Any] = []  # Arrow tables of the row group being filled
        self.group_end = ROW_GROUP_REPLICATIONS
        self.csv: Any = None
        self.kept: list[pd.DataFrame] = []
        self.kept_alike = True  # every part kept so far of the first one's kind
        self.irregular = False
        self.rows_written = 0

    def add(self, stop: int, table: Any, rows: bytes | None, frame: pd.DataFrame | None) -> None:
        if self.schema is None:
            self.schema = table.schema
            self.dictionaries = _dictionaries(table)
            if self.name not in NO_CSV:
                empty = frame.iloc[:0] if frame is not None else table.schema.empty_table().to_pandas()
                self.csv = open(self.folder / f"{self.name}.csv", "wb")
                self.csv.write(csv_text(empty).encode("utf-8"))
        if self.csv is not None:
            if rows is None:
                rows = csv_rows(frame if frame is not None else table.to_pandas()).encode("utf-8")
            self.csv.write(rows)
        if frame is not None and self.name in KEPT:
            self._keep(frame)
        if self.irregular:
            return
        if not table.schema.equals(self.schema, check_metadata=True) or _dictionaries(table) != self.dictionaries:
            self._give_up()  # pandas would concatenate such parts into other dtypes
            return
        replications = table["replication"].to_numpy() if len(table) else np.zeros(0, dtype=np.int64)
        while stop > self.group_end:  # the part crosses the end of the row group being filled
            cut = int(np.searchsorted(replications, self.group_end))
            self.buffer.append(table.slice(0, cut))
            table, replications = table.slice(cut), replications[cut:]
            self._flush()
            self.group_end += ROW_GROUP_REPLICATIONS
        self.buffer.append(table)
        if stop == self.group_end:
            self._flush()
            self.group_end += ROW_GROUP_REPLICATIONS

    def _keep(self, frame: pd.DataFrame) -> None:
        """Keep a part of a ``KEPT`` table; while every part has the first one's columns and dtypes, every
        ``KEPT_PARTS`` parts are concatenated into one frame (a frame of 25 rows costs more in pandas'
        objects than in values)."""
        self.kept_alike = self.kept_alike and (not self.kept or _same_kind(frame, self.kept[0]))
        self.kept.append(frame)
        if self.kept_alike and len(self.kept) > KEPT_PARTS:
            self.kept = [pd.concat(self.kept, ignore_index=True)]  # what concatenating them all at the end gives

    def _flush(self, last: bool = False) -> None:
        """Write the buffered rows as one row group (none when empty, unless the file would have none)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self.buffer:
            return
        group = pa.concat_tables(self.buffer).combine_chunks()  # contiguous: the pages do not depend on the parts
        self.buffer = []
        if group.num_rows == 0 and not (last and self.rows_written == 0 and self.writer is None):
            return
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.folder / f"{self.name}.parquet", group.schema, **parquet_options(group.schema))
        self.writer.write_table(group, row_group_size=max(1, group.num_rows))
        self.rows_written += group.num_rows

    def _give_up(self) -> None:
        self.irregular = True
        self.buffer = []
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        (self.folder / f"{self.name}.parquet").unlink(missing_ok=True)

    def close(self) -> None:
        if not self.irregular:
            self._flush(last=True)
            if self.writer is None and self.schema is not None:  # no row at all: the file of an empty table
                self.buffer = [self.schema.empty_table()]
                self._flush(last=True)
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        if self.csv is not None:
            self.csv.close()
            self.csv = None


class TableStreams:
    """The tables of a run, written to ``folder`` part by part in replication order (see the module)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        if self.folder.exists():
            shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True)
        self.next = 0
        self._streams = {name: _Stream(name, self.folder) for name in TABLES}

    def add(
        self, start: int, stop: int, tables: dict[str, Any], rows: dict[str, bytes], frames: dict[str, pd.DataFrame] | None = None
    ) -> None:
        """Append replications ``start``..``stop - 1`` (``start`` must follow the last part added): their
        tables by name as Arrow tables (``arrow_table``), their CSV rows (UTF-8) by name where known, and
        the ``KEPT`` tables as frames."""
        if start != self.next:
            raise ValueError(f"parts must come in order: replications {start}-{stop - 1} after 0-{self.next - 1}")
        frames = frames or {}
        for name, table in tables.items():
            self._streams[name].add(stop, table, rows.get(name), frames.get(name))
        self.next = stop

    def close(self) -> None:
        """Finish every file (the last row groups); safe to call twice."""
        for stream in self._streams.values():
            stream.close()

    def discard(self) -> None:
        """Close every file without finishing it and remove the folder (an interrupted run)."""
        for stream in self._streams.values():
            stream.buffer = []
            stream.irregular = True  # nothing more to write
            stream.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    @property
    def irregular(self) -> list[str]:
        """Tables not streamed to Parquet (their parts differ in columns or dtypes): to write whole."""
        return [name for name, stream in self._streams.items() if stream.irregular]

    def present(self) -> list[str]:
        """The tables the run has (those some part held), in ``TABLES`` order."""
        return [name for name, stream in self._streams.items() if stream.schema is not None]

    def kept(self, name: str) -> pd.DataFrame | None:
        """A ``KEPT`` table of the whole run (its parts concatenated), None when the run has none."""
        parts = self._streams[name].kept
        return pd.concat(parts, ignore_index=True) if parts else None

    def write_whole(self, name: str, frame: pd.DataFrame) -> None:
        """Write the Parquet file of an ``irregular`` table from the whole table (its CSV is streamed)."""
        to_parquet(frame, self.folder / f"{name}.parquet")
