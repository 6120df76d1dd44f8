"""Backtesting: does the simulated range hold what a CAE actually published?

``backtest(results_yearly, observed)`` compares yearly figures observed in the real world
(a CSV with a ``year`` column and any subset of the ``yearly.csv`` columns) with the
simulated distribution of the same figure in the same calendar year: the median, the 90%
predictive interval (5th to 95th percentile across replications), whether the observation
falls inside it, and the error of the median (simulated minus observed, in units and
relative to the observation). Coverage is the share of observations inside.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["NON_FIGURES", "ObservedError", "backtest", "coverage", "format_table", "read_observed"]

#: Columns of ``yearly`` that are not figures one can observe.
NON_FIGURES = frozenset({"scenario", "replication", "year", "months"})


class ObservedError(ValueError):
    """An observed-figures file that cannot be used; the message says where and why."""


def read_observed(path: str | Path, allowed: list[str]) -> pd.DataFrame:
    """Read observed.csv: one row per year; ``year`` plus columns among ``allowed``; empty cells = not observed."""
    path = Path(path)
    source = str(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = [row for row in csv.reader(fh) if any(cell.strip() for cell in row) and not row[0].lstrip().startswith("#")]
    except FileNotFoundError:
        raise ObservedError(f"{source}: file not found") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ObservedError(f"{source}: cannot read the file as UTF-8 CSV: {exc}") from None
    if not rows:
        raise ObservedError(f"{source}: the file is empty; expected a header line with year and yearly.csv columns")
    header = [h.strip() for h in rows[0]]
    if "year" not in header:
        raise ObservedError(f"{source}:1: column 'year' missing; the header has: {', '.join(header)}")
    unknown = [h for h in header if h != "year" and h not in allowed]
    if unknown:
        raise ObservedError(
            f"{source}:1: unknown column(s) {', '.join(unknown)}; allowed: year and the columns of yearly.csv "
            f"({', '.join(allowed)}; see docs/outputs.md)"
        )
    records = []
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise ObservedError(f"{source}:{line}: expected {len(header)} fields as in the header, found {len(row)}")
        values: dict[str, float] = {}
        for name, cell in zip(header, row):
            cell = cell.strip().replace("\u00a0", "").replace(" ", "")
            if cell == "" and name != "year":
                continue
            try:
                values[name] = float(cell)
            except ValueError:
                raise ObservedError(f"{source}:{line}: column '{name}': expected a number, got {cell!r}") from None
        if "year" not in values or not float(values["year"]).is_integer():
            raise ObservedError(f"{source}:{line}: column 'year': expected a calendar year such as 2000")
        records.append(values)
    return pd.DataFrame(records)


def backtest(yearly: pd.DataFrame, observed: pd.DataFrame) -> pd.DataFrame:
    """One row per observed figure: observed, simulated median, 5% and 95% quantiles, inside, errors."""
    years = {int(y) for y in yearly["year"].unique()}
    rows = []
    for _, obs in observed.iterrows():
        year = int(obs["year"])
        if year not in years:
            raise ObservedError(f"year {year} is not simulated; the scenario covers {min(years)}-{max(years)}")
        sim = yearly[yearly["year"] == year]
        for figure, value in obs.items():
            if figure == "year" or value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            values = sim[figure].dropna().to_numpy(dtype=float)
            median, low, high = (float(np.quantile(values, q)) for q in (0.5, 0.05, 0.95)) if len(values) else (math.nan,) * 3
            error = median - float(value)
            rows.append({
                "year": year,
                "figure": figure,
                "observed": float(value),
                "simulated_median": median,
                "p05": low,
                "p95": high,
                "inside": bool(low <= value <= high),
                "error": error,
                "relative_error": error / float(value) if value else math.nan,
                "months_simulated": int(sim["months"].iloc[0]) if "months" in sim and len(sim) else 0,
            })
    return pd.DataFrame(rows)


def coverage(table: pd.DataFrame) -> tuple[int, int]:
    """Observations inside their 90% predictive interval, and observations."""
    return int(table["inside"].sum()), len(table)


def _num(value: float) -> str:
    if not math.isfinite(value):
        return "-"
    if abs(value) >= 1000 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def format_table(table: pd.DataFrame, replications: int) -> str:
    """The backtest as a plain-text table with the overall coverage."""
    head = ("year", "figure", "observed", "median", "90% interval (5-95%)", "inside", "error", "error %")
    lines = [
        (str(r.year), r.figure, _num(r.observed), _num(r.simulated_median), f"{_num(r.p05)} - {_num(r.p95)}",
         "yes" if r.inside else "NO", ("+" if r.error >= 0 else "") + _num(r.error),
         f"{100 * r.relative_error:+.1f}%" if math.isfinite(r.relative_error) else "-")
        for r in table.itertuples()
    ]
    widths = [max(len(h), *(len(line[k]) for line in lines)) if lines else len(h) for k, h in enumerate(head)]
    right = {2, 3, 6, 7}

    def fmt(cells: tuple[str, ...]) -> str:
        return "  ".join(c.rjust(w) if k in right else c.ljust(w) for k, (c, w) in enumerate(zip(cells, widths))).rstrip()

    inside, total = coverage(table)
    partial = sorted({int(r.year) for r in table.itertuples() if r.months_simulated < 12})
    out = [fmt(head), fmt(tuple("-" * w for w in widths)), *(fmt(line) for line in lines)]
    out.append(f"coverage: {inside} of {total} observed figures inside their 90% predictive interval"
               f" ({100 * inside / total:.0f}%; {replications} replications)" if total else "coverage: no observed figure")
    if partial:
        out.append(f"note: year(s) {', '.join(map(str, partial))} are only partly simulated; their flows cover fewer than 12 months")
    return "\n".join(out)
