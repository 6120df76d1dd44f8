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
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from simcoop._atomic import write_file_atomically

__all__ = ["FORMULA_PREFIXES", "neutralise", "csv_rows", "csv_text", "write_csv_table"]

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
    prepared = _prepared(frame)
    text = _columnwise_csv(prepared)
    if text is None:  # a column the fast path does not cover: pandas, which it reproduces byte for byte
        text = prepared.to_csv(index=False, date_format=_DATE_FORMAT, lineterminator="\n")
    return text


def csv_rows(frame: pd.DataFrame) -> str:
    """``csv_text(frame)`` without its header line: every rule above acts cell by cell, so the
    CSV text of a table is the header (``csv_text`` of no rows) followed by the rows of its
    parts in order (the parts of a run computed on the workers, say)."""
    text, header = csv_text(frame), csv_text(frame.iloc[:0])
    if not text.startswith(header):  # pragma: no cover - the header is written first, whatever the rows
        raise AssertionError("the CSV text does not start with its header")
    return text[len(header) :]


_DATE_FORMAT = "%Y-%m-%d"
#: Rows turned into text at a time (bounds the memory of the cells' strings).
_ROWS_PER_BLOCK = 8192


def _columnwise_csv(frame: pd.DataFrame) -> str | None:
    """What ``frame.to_csv(index=False, date_format=_DATE_FORMAT, lineterminator="\\n")`` writes, built
    column by column (about 3 times faster); None when a column or label is one whose text it
    does not reproduce with certainty (then pandas writes the table).

    The same text as pandas and the ``csv`` module: floats as ``repr`` (pandas' ``astype(str)``
    gives the same shortest round-trip digits), missing values empty, dates as ``%Y-%m-%d``,
    a cell quoted when it holds a comma, a double quote or a line feed.
    """
    if frame.shape[1] < 2 or isinstance(frame.columns, pd.MultiIndex):
        return None  # a lone empty cell is quoted by the csv module: leave those to pandas
    header = [_text_cell(c) for c in frame.columns]
    if any(h is None for h in header):
        return None
    blocks = [",".join(header) + "\n"]  # type: ignore[arg-type]
    columns = [frame.iloc[:, k] for k in range(frame.shape[1])]
    for start in range(0, len(frame), _ROWS_PER_BLOCK):
        cells = []
        for series in columns:
            texts = _column_texts(series.iloc[start : start + _ROWS_PER_BLOCK])
            if texts is None:
                return None
            cells.append(texts)
        blocks.append("\n".join(map(",".join, zip(*cells))) + "\n")
    return "".join(blocks)


def _column_texts(series: pd.Series) -> list[str] | None:
    """The cells of one column as CSV text, or None when the fast path does not cover the column."""
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return list(map(str, series.to_numpy().tolist()))
    if isinstance(dtype, np.dtype) and dtype == np.float64:
        values = series.to_numpy()
        texts = list(map(repr, values.tolist()))
        for k in np.flatnonzero(np.isnan(values)).tolist():
            texts[k] = ""
        return texts
    if isinstance(dtype, np.dtype) and dtype.kind == "M":
        values = series.to_numpy()
        days = values.astype("datetime64[D]")
        if np.isnat(values).any() or (days != values).any() or len(values) and not (_FIRST_DAY <= days.min() and days.max() <= _LAST_DAY):
            return None  # NaT, a time of day, a year of other than four digits: pandas
        return np.datetime_as_string(days, unit="D").tolist()
    if isinstance(dtype, np.dtype) and dtype != object or not isinstance(dtype, np.dtype) and dtype.kind in "fcmM":
        return None  # other numpy dtypes; extension floats and dates, which pandas formats its own way
    if isinstance(dtype, pd.CategoricalDtype) and dtype.categories.dtype.kind in "Mm":
        return None
    missing = series.isna().to_numpy()
    texts = []
    for value, absent in zip(np.asarray(series.astype(object)).tolist(), missing.tolist(), strict=True):
        text = "" if absent else _text_cell(value)
        if text is None:
            return None
        texts.append(text)
    return texts


_FIRST_DAY, _LAST_DAY = np.datetime64("1000-01-01", "D"), np.datetime64("9999-12-31", "D")


def _text_cell(value: object) -> str | None:
    """One cell as the ``csv`` module writes it (QUOTE_MINIMAL); None for what is left to pandas."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, (float, int, np.integer)):
        text = str(value)  # what the csv module writes: a Python float's str is its repr
    elif value is None:
        text = ""
    else:
        return None  # dates, periods and other objects: pandas formats them
    if "\r" in text:
        return None  # quoted by some Python versions' csv module, not others
    if "," in text or '"' in text or "\n" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def write_csv_table(
    frame: pd.DataFrame, path: str | os.PathLike[str], atomic: bool = True, rows: Sequence[str | os.PathLike[str]] | None = None
) -> Path:
    """Write ``frame`` to ``path`` by the rules above (atomically unless the folder is itself being written atomically).

    ``rows``: the ``csv_rows`` of the parts of ``frame``, in order, when they are already known:
    files holding them (copied one after the other, never all in memory).
    """
    path = Path(path)

    def write(target: Path) -> None:
        with open(target, "w", encoding="utf-8", newline="") as fh:
            if rows is None:
                fh.write(csv_text(frame))
                return
            fh.write(csv_text(frame.iloc[:0]))
            for part in rows:
                with open(part, encoding="utf-8", newline="") as src:
                    shutil.copyfileobj(src, fh, 1 << 20)

    if atomic:
        write_file_atomically(path, write)
    else:
        write(path)
    return path
