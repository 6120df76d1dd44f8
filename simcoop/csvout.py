"""CSV outputs: one writer for every table simcoop writes, exact numbers, safe to open in a spreadsheet.

- Numbers are written exactly: every float as the shortest text that reads back to the
  same double (``repr``), never rounded to a number of significant digits, and never in
  exponent notation (``123456789012.34``, ``0.00001``): money keeps its cents at any size
  a float holds them (below about 90 000 billion euros).
- Text cells that a spreadsheet would run as a formula (starting with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return: OWASP "CSV injection") get a leading ``'``,
  which spreadsheets show as text. Only text cells: numbers are never touched.
- UTF-8, dot decimals, ISO dates, ``\\n`` line ends.

No simcoop imports besides ``_atomic``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from simcoop._atomic import write_text_atomically

__all__ = ["FORMULA_PREFIXES", "neutralise", "csv_text", "write_csv_table"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """``'=cmd|...`` for a text cell a spreadsheet would run as a formula; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _positional(value: float) -> str:
    return np.format_float_positional(value, unique=True, trim="-")


def _prepared(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy where text cells are neutralised and floats that ``repr`` would write with an exponent are text."""
    out = frame.copy(deep=False)
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_float_dtype(series.dtype):
            values = series.to_numpy(dtype=float, na_value=np.nan)
            magnitude = np.abs(values)
            exponent = np.isfinite(values) & ((magnitude >= 1e16) | ((magnitude > 0) & (magnitude < 1e-4)))
            if exponent.any():
                cells = series.astype(object)
                cells[exponent] = [_positional(v) for v in values[exponent]]
                out[column] = cells
        elif isinstance(series.dtype, pd.CategoricalDtype):  # the scenario name, zone and site names
            if any(isinstance(c, str) and c.startswith(FORMULA_PREFIXES) for c in series.cat.categories):
                out[column] = series.astype(object).map(neutralise)
        elif (series.dtype == object or pd.api.types.is_string_dtype(series.dtype)) and series.map(
            lambda v: isinstance(v, str) and v.startswith(FORMULA_PREFIXES)
        ).any():
            out[column] = series.map(neutralise)
    renamed = {c: neutralise(c) for c in frame.columns if isinstance(c, str) and c.startswith(FORMULA_PREFIXES)}
    return out.rename(columns=renamed) if renamed else out


def csv_text(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text (no index), by the rules above."""
    return _prepared(frame).to_csv(index=False, date_format="%Y-%m-%d", lineterminator="\n")


def write_csv_table(frame: pd.DataFrame, path: str | os.PathLike[str], atomic: bool = True) -> Path:
    """Write ``frame`` to ``path`` by the rules above (atomically unless the folder is itself being written atomically)."""
    path = Path(path)
    if atomic:
        write_text_atomically(path, csv_text(frame))
    else:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(csv_text(frame))
    return path
