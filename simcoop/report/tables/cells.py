"""The building blocks of the report's tables: cells, rows, tables, and helpers over a run's frames."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from simcoop.report.data import RunData
from simcoop.report.format import (
    fmt_keur,
    fmt_range,
)


@dataclass(frozen=True)
class Cell:
    """A table cell: the main text (a median, a value) and an optional range below it."""

    text: str
    sub: str = ""


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Cell, ...]
    kind: str = ""  # "" | "total" | "head" (a sub-heading row) | "muted"


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[Row, ...]
    caption: str = ""
    note: str = ""
    compact: bool = False  # small type for wide tables
    long: bool = False  # may break across pages (rows never do)
    first_col: str = ""  # header of the label column
    text: bool = False  # cells are words: left-aligned, wrapped
    extra: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- helpers


def quantiles(values: Iterable[Any]) -> tuple[float, float, float]:
    """(p5, p50, p95) of the non-missing values; NaNs when there are none."""
    array = pd.to_numeric(pd.Series(list(values) if not isinstance(values, pd.Series) else values), errors="coerce")
    array = array.astype(float).to_numpy()
    array = array[~np.isnan(array)]
    if array.size == 0:
        return (np.nan, np.nan, np.nan)
    p5, p50, p95 = np.quantile(array, [0.05, 0.5, 0.95])
    return (float(p5), float(p50), float(p95))


def cell(values: Iterable[Any], fmt: Callable[[Any], str], with_range: bool = True) -> Cell:
    """A cell for a value across replications: the median, and below it the 5-95 % range (unless ``with_range`` is false)."""
    p5, p50, p95 = quantiles(values)
    text = fmt(p50)
    sub = fmt_range(p5, p95, fmt) if with_range else ""
    return Cell(text, "" if sub == text else sub)


def by_year(frame: pd.DataFrame, column: str) -> dict[int, pd.Series]:
    """A column of a yearly frame split by calendar year: year -> its values across replications."""
    return {int(year): group for year, group in frame.groupby("year")[column]}


def run_years(run: RunData) -> list[int]:
    """The calendar years of the run, in order."""
    return sorted(int(y) for y in run.yearly["year"].unique())


def year_label(run: RunData, year: int) -> str:
    """A year as a column header, with ``*`` when the horizon covers only part of it."""
    months = run.yearly.loc[run.yearly["year"] == year, "months"]
    partial = len(months) and int(months.iloc[0]) < 12
    return f"{year}*" if partial else str(year)


def partial_note(run: RunData) -> str:
    """The footnote that names the partial years and their months (empty when every year is whole)."""
    months = run.yearly.groupby("year")["months"].first()
    partial = [f"{int(y)} ({int(m)} mois)" for y, m in months.items() if int(m) < 12]
    return f"* Année partielle : {', '.join(partial)}." if partial else ""


def monthly_by_year(run: RunData, columns: list[str], how: str = "sum") -> pd.DataFrame:
    """Monthly columns aggregated per replication and calendar year (sum, or the last month's value)."""
    # Only the columns aggregated and the keys, a part of whole replications at a time
    # (``RunData.monthly_table``): each group's months are summed in month order, as before.
    keys = [c for c in ("replication", "month", "date") if c not in columns]
    out = []
    for monthly in run.monthly_table.parts([*keys, *columns]):
        monthly = monthly.assign(year=pd.to_datetime(monthly["date"]).dt.year)
        grouped = monthly.sort_values("month").groupby(["replication", "year"])[columns]
        out.append((grouped.sum() if how == "sum" else grouped.last()).reset_index())
    return _end_to_end(out, ignore_index=True)


def monthly_by_replication(run: RunData, columns: list[str]) -> pd.DataFrame:
    """Monthly columns summed over the horizon, per replication (``groupby("replication").sum()`` of the table).

    For counts (integers: exact). A float column's sums could differ in the last bit: the table's rows are
    in replication order, so pandas 3 sums each with ``numpy.add.reduceat``, unless the block holds a NaN
    (Kahan's loop then), which one part may hold and another not.
    """
    return _end_to_end([part.groupby("replication")[columns].sum() for part in run.monthly_table.parts(["replication", *columns])])


def monthly_matrix(run: RunData, column: str) -> np.ndarray:
    """Replications x months of a monthly column (the table's pivot), made a part at a time."""
    blocks, months = [], []
    for part in run.monthly_table.parts(["replication", "month", column]):
        pivot = part.pivot(index="replication", columns="month", values=column)
        blocks.append(pivot.to_numpy(dtype=float))
        months.append(pivot.columns)
    if all(m.equals(months[0]) for m in months):
        return blocks[0] if len(blocks) == 1 else np.vstack(blocks)
    # A part without some month: NaN there, as in the pivot of the whole table.
    whole = pd.concat([pd.DataFrame(b, columns=m) for b, m in zip(blocks, months, strict=True)], ignore_index=True)
    return whole.reindex(columns=sorted(set().union(*months))).to_numpy(dtype=float)


def monthly_dates(run: RunData) -> list[Any]:
    """The date of each month, in month order (of each month's first row)."""
    firsts = [part.drop_duplicates("month") for part in run.monthly_table.parts(["month", "date"])]
    dates = pd.to_datetime(_end_to_end(firsts).drop_duplicates("month").sort_values("month")["date"])
    return list(dates.dt.to_pydatetime())


def monthly_rows(run: RunData, columns: list[str], first_months: int | None = None) -> pd.DataFrame:
    """The rows (``month`` and ``columns``) of the months before ``first_months``, or of the last month when None."""
    parts = []
    for part in run.monthly_table.parts(["month", *columns]):
        month = part["month"]
        parts.append(part[month == month.max()] if first_months is None else part[month < first_months])
    rows = _end_to_end(parts)
    if first_months is None and len(parts) > 1:  # a part's last month may not be the table's
        rows = rows[rows["month"] == rows["month"].max()]
    return rows


def _end_to_end(parts: list[pd.DataFrame], ignore_index: bool = False) -> pd.DataFrame:
    """The parts' results one after the other (the one part itself)."""
    return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=ignore_index)


def keur(value: Any) -> str:
    """An amount in euros as thousands of euros for a table (``fmt_keur``)."""
    return fmt_keur(value)
