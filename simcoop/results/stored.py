"""The results of a run whose large tables stay on disk, read from its folder each time they are asked for.

``simcoop run`` (``simcoop.store.simulate_to_folder``) writes the tables of a run to disk
while its chunks arrive (``simcoop.results.stream``) and returns a ``StoredResults``: a
``Results`` that holds in memory only the small per-replication tables (kpis, portage,
parameters) and reads the others (monthly, yearly, events, funding, zones, sites) from
the folder when an attribute asks for them, without keeping them. So the process that
drives a run of any size never holds the run's tables, and what reads only a few figures
(the summary, the verdict, the reality check, the studies that reuse the run's first
replications) reads only those:

- ``verdict()`` reads the columns of ``yearly`` it uses (``simcoop.verdict.YEARLY_READ``)
  and, of ``events``, counts the CAPE -> CESA conversions per replication a row group at a
  time (``simcoop.verdict.CONVERSION``; ``count_rows``), never holding them;
- ``reality_check()`` reads the last month's rows of ``monthly`` and the yearly columns it uses
  (``simcoop.reality``: ``LAST_MONTH_COLUMNS``, ``YEARLY_COLUMNS_READ``; once: it is kept);
- ``first(n)`` is a ``StoredResults`` of the first ``n`` replications, whose tables are
  read with a filter on ``replication`` (row groups hold whole replications in order).

Every table read equals the ``Results`` of the same run in memory (``tests/test_stored.py``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simcoop.outdir import write_owned_folder
from simcoop.reality import LAST_MONTH_COLUMNS, YEARLY_COLUMNS_READ, RealityRow, reality_check
from simcoop.results.views import Results
from simcoop.scenario import Scenario

__all__ = ["STORED", "StoredResults"]

#: The tables a ``StoredResults`` reads from its folder when asked.
STORED: tuple[str, ...] = ("monthly", "yearly", "events", "funding", "zones", "sites")


def _table(name: str) -> property:
    def read(self: StoredResults) -> pd.DataFrame | None:
        return self.read_table(name)

    read.__doc__ = f"The ``{name}`` table, read from the run folder (not kept in memory)."
    return property(read)


@dataclass
class _VerdictTables:
    """What the verdict reads of a run (``simcoop.verdict.RunTables``)."""

    scenario: Scenario
    kpis: pd.DataFrame
    yearly: pd.DataFrame
    events: pd.DataFrame | None
    conversions: pd.Series  # per replication (``simcoop.verdict.conversion_counts``), instead of the events


def _empty(path: Path) -> Any:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).schema_arrow.empty_table()


class StoredResults(Results):
    """A run's ``Results`` whose large tables (``STORED``) are read from ``folder`` when asked for."""

    monthly = _table("monthly")  # type: ignore[assignment]
    yearly = _table("yearly")  # type: ignore[assignment]
    events = _table("events")  # type: ignore[assignment]
    funding = _table("funding")  # type: ignore[assignment]
    zones = _table("zones")  # type: ignore[assignment]
    sites = _table("sites")  # type: ignore[assignment]

    def __init__(  # not the dataclass's: the stored tables are not arguments
        self,
        folder: str | os.PathLike[str],
        scenario: Scenario,
        seed: int,
        replications: int,
        kpis: pd.DataFrame,
        runtime_seconds: float = 0.0,
        jobs: int = 1,
        portage: pd.DataFrame | None = None,
        parameters: pd.DataFrame | None = None,
        limit: int | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.scenario, self.seed, self.replications = scenario, seed, replications
        self.kpis, self.portage, self.parameters = kpis, portage, parameters
        self.runtime_seconds, self.jobs = runtime_seconds, jobs
        self._limit = limit  # only replications below it (``first``)
        self._reality: list[RealityRow] | None = None
        self._summary: pd.DataFrame | None = None

    def read_table(self, name: str, columns: Sequence[str] | None = None, where: Sequence[tuple[str, Any]] = ()) -> pd.DataFrame | None:
        """The table ``name`` from the folder: its ``columns`` only (all if None), the rows where each
        ``(column, value)`` of ``where`` holds if given; None when absent.

        A filtered read goes one row group at a time (whole replications, in order: those at or
        above a ``first`` limit are not read), so it never holds more than one row group besides
        what it keeps.
        """
        path = self.folder / f"{name}.parquet"
        if not path.is_file():
            return None
        if not where and self._limit is None:
            return pd.read_parquet(path, columns=list(columns) if columns is not None else None)
        import pyarrow as pa

        parts = list(self._row_groups(path, columns, where))
        table = pa.concat_tables(parts) if parts else _empty(path)
        frame = table.to_pandas()
        return frame[list(columns)] if columns is not None else frame

    def _row_groups(self, path: Path, columns: Sequence[str] | None, where: Sequence[tuple[str, Any]]) -> Iterator[Any]:
        """The rows of a Parquet file where each ``(column, value)`` of ``where`` holds (and below a
        ``first`` limit), as an Arrow table per row group: ``columns``, the ``where`` columns and
        ``replication`` (all when ``columns`` is None)."""
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        source = pq.ParquetFile(path)
        wanted = None if columns is None else list(dict.fromkeys([*columns, *(k for k, _ in where), "replication"]))
        for group in range(source.metadata.num_row_groups):
            table = source.read_row_group(group, columns=wanted, use_pandas_metadata=True)
            keep = pc.less(table["replication"], self._limit) if self._limit is not None else None
            for column, value in where:
                matches = pc.equal(table[column].cast(pa.string()) if pa.types.is_dictionary(table[column].type) else table[column], value)
                keep = matches if keep is None else pc.and_(keep, matches)
            yield table if keep is None else table.filter(keep)
            if self._limit is not None and len(table) and pc.max(table["replication"]).as_py() >= self._limit - 1:
                break  # the row groups come in replication order

    def count_rows(self, name: str, where: Sequence[tuple[str, Any]]) -> pd.Series:
        """Per replication, the rows of the table ``name`` where each ``(column, value)`` of ``where`` holds:
        the ``groupby("replication").size()`` of those rows (replications with none absent), counted a
        row group at a time without holding the rows."""
        path = self.folder / f"{name}.parquet"
        counts = []
        for table in self._row_groups(path, [], where) if path.is_file() else ():
            found, times = np.unique(table["replication"].to_numpy(), return_counts=True)
            counts.append(pd.Series(times.astype(np.int64), index=pd.Index(found, dtype=np.int64, name="replication")))
        if not counts:
            return pd.Series([], index=pd.Index([], dtype=np.int64, name="replication"), dtype=np.int64)
        return pd.concat(counts).groupby(level=0).sum()  # a replication split across row groups, were it ever

    def first(self, replications: int) -> Results:
        """The results of replications ``0 .. replications - 1`` only (``Results.first``), still read from the folder."""
        if self._whole_run(replications):
            return self
        kpis, portage, parameters = (self._head(frame, replications) for frame in (self.kpis, self.portage, self.parameters))
        assert kpis is not None  # (a run always has its kpis)
        return StoredResults(
            self.folder, self.scenario, self.seed, replications, kpis, 0.0, self.jobs, portage=portage, parameters=parameters, limit=replications,
        )  # fmt: skip

    def verdict(self) -> Any:
        """The feasibility verdict (``Results.verdict``), reading of the events only the conversions it counts."""
        from simcoop.verdict import CONVERSION, YEARLY_READ, assess

        conversions = self.count_rows("events", CONVERSION)  # counted: 1.5 million rows at 10,000 replications
        yearly = self.read_table("yearly", YEARLY_READ)
        return assess(_VerdictTables(self.scenario, self.kpis, yearly, None, conversions))

    def summary(self) -> pd.DataFrame:
        """Per KPI: mean, standard deviation and 5/50/95% quantiles (``Results.summary``; made once: the
        save writes it and the headline prints it)."""
        if self._summary is None:
            self._summary = super().summary()
        return self._summary.copy()

    def reality_check(self) -> list[RealityRow]:
        """The run's figures against the published ranges (``Results.reality_check``), from the last month's rows."""
        if self._reality is None:
            last = self.scenario.meta.horizon_months - 1
            monthly = self.read_table("monthly", LAST_MONTH_COLUMNS, [("month", last)])
            yearly = self.read_table("yearly", YEARLY_COLUMNS_READ)
            self._reality = reality_check(self.scenario.to_dict(), monthly, yearly)
        return self._reality

    def save(
        self,
        directory: str | os.PathLike[str],
        force: bool = False,
        csv_rows: dict[str, Sequence[Path]] | None = None,
        move: bool = False,
    ) -> Path:
        """``Results.save``; with ``move``, the table files are moved from the folder it reads (a work
        folder) instead of being written again, and it reads ``directory`` from then on."""
        if not move:
            return super().save(directory, force, csv_rows)
        target = Path(directory)

        def write(folder: Path) -> None:
            self._write_derived(folder)  # reads the tables where they are
            for path in sorted(self.folder.iterdir()):
                os.replace(path, folder / path.name)

        write_owned_folder(target, "run", self.identity(), write, force, scenario_hash=self.scenario.scenario_hash())
        self.folder = target
        return target

    def __repr__(self) -> str:
        return f"<Results {self.scenario.meta.name!r}: {self.replications} replications, seed {self.seed}, tables in {self.folder}>"
