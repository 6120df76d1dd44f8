"""Backtesting: does the simulated range hold what a CAE actually published?

``backtest(results_yearly, observed)`` compares yearly figures observed in the real world
(a CSV with a ``year`` column and any subset of the ``yearly.csv`` columns) with the
simulated distribution of the same figure in the same calendar year: the median, the 90%
predictive interval (5th to 95th percentile across replications), whether the observation
falls inside it, and the error of the median (simulated minus observed, in units and
relative to the observation). Coverage is the share of observations inside.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simcoop.problems import InputError, Problem

if TYPE_CHECKING:
    from simcoop.scenario import Scenario

__all__ = ["NON_FIGURES", "ObservedError", "backtest", "check_years", "coverage", "format_table", "read_observed"]

#: Columns of ``yearly`` that are not figures one can observe.
NON_FIGURES = frozenset({"scenario", "replication", "year", "months"})


class ObservedError(InputError):
    """An observed-figures file that cannot be used; its problem says where and why."""

    what = "the observed figures"


#: Observed figures that may be negative (results, treasuries); every other figure is a count or an amount >= 0.
_SIGNED = ("result", "treasury", "cash", "own_funds", "losses")


def read_observed(path: str | Path, allowed: list[str] | None = None) -> pd.DataFrame:
    """Read observed.csv: one row per year; ``year`` plus columns among ``allowed`` (default: every
    figure of the yearly table, ``YEARLY_COLUMNS`` but ``NON_FIGURES``); empty cells = not observed.

    Any CSV a spreadsheet writes is read (``simcoop.csvfile``); each year appears once; figures
    are finite, and those that cannot be negative (people, turnover, funding) are not.
    """
    from simcoop.csvfile import TableError, parse_number, read_table, shown
    from simcoop.scenario.base import MAX_EUR

    if allowed is None:
        from simcoop.results.frames import YEARLY_COLUMNS

        allowed = [c for c in YEARLY_COLUMNS if c not in NON_FIGURES]
    path = Path(path)
    source = str(path)

    def bad(line: int | None, key: str, message: str) -> ObservedError:
        return ObservedError([Problem(source, line, key, message)])

    try:
        table = read_table(path, comments=True)
    except TableError as exc:
        first = exc.problems[0]
        message = first.message
        if message.startswith("the file is empty"):
            message = "the file is empty; expected a header line with year and yearly.csv columns"
        raise bad(first.line, "", message) from None
    if table.problems:
        raise bad(table.problems[0].line, "", table.problems[0].message)
    header = table.header
    if "year" not in header:
        raise bad(1, "", f"column 'year' missing; the header has: {', '.join(shown(h, 30) for h in header)}")
    unknown = [h for h in header if h != "year" and h not in allowed]
    if unknown:
        raise bad(
            1,
            "",
            f"unknown column(s) {', '.join(shown(h, 30) for h in unknown[:5])}; allowed: year and the columns of yearly.csv "
            f"({', '.join(allowed)}; see docs/outputs.md)",
        )
    records = []
    first_line: dict[int, int] = {}
    for line, row in table.records():
        values: dict[str, float] = {}
        for name, cell in row.items():
            if cell == "" and name != "year":
                continue
            try:
                values[name] = parse_number(cell)
            except ValueError as exc:
                raise bad(line, f"column '{name}'", str(exc)) from None
            if name != "year" and not any(word in name for word in _SIGNED) and values[name] < 0:
                raise bad(line, f"column '{name}'", f"a count or an amount cannot be negative, got {shown(cell)}")
            if abs(values[name]) > MAX_EUR:
                raise bad(line, f"column '{name}'", f"{shown(cell)} is beyond any CAE's figures (at most {MAX_EUR:g})")
        year = values.get("year")
        if year is None or not float(year).is_integer() or not 1800 <= year <= 2199:
            raise bad(line, "column 'year'", "expected a calendar year such as 2000")
        if int(year) in first_line:
            raise bad(line, "column 'year'", f"year {int(year)} is already observed on line {first_line[int(year)]}; give each year once")
        first_line[int(year)] = line
        records.append(values)
    if not records:
        raise bad(None, "", "the file has a header but no observed year; add one row per year")
    return pd.DataFrame(records)


def check_years(scenario: "Scenario", observed: pd.DataFrame) -> None:
    """Every observed year must be simulated: raises ObservedError naming the scenario's years otherwise."""
    start = int(scenario.meta.start_month[:4])
    end_index = int(scenario.meta.start_month[5:7]) - 1 + scenario.meta.horizon_months - 1
    last = start + end_index // 12
    outside = sorted({int(y) for y in observed["year"] if not start <= int(y) <= last})
    if outside:
        message = (
            f"year(s) {', '.join(map(str, outside))} not simulated; the scenario covers {start}-{last} "
            f"({scenario.meta.horizon_months} months from {scenario.meta.start_month})"
        )
        raise ObservedError([Problem("observed figures", None, "", message)])


def backtest(yearly: pd.DataFrame, observed: pd.DataFrame) -> pd.DataFrame:
    """One row per observed figure: observed, simulated median, 5% and 95% quantiles, inside, errors."""
    years = {int(y) for y in yearly["year"].unique()}
    rows = []
    for _, obs in observed.iterrows():
        year = int(obs["year"])
        if year not in years:
            raise ObservedError([Problem("observed figures", None, "", f"year {year} is not simulated; the scenario covers {min(years)}-{max(years)}")])
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
