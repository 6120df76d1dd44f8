"""CSV outputs: one writer for every table simcoop writes, exact numbers, safe to open in a spreadsheet.

- Numbers are written exactly: every float as the shortest text that reads back to the
  same double (``repr``), never rounded to a number of significant digits, and never in
  exponent notation (``123456789012.34``, ``0.00001``): money keeps its cents at any size
  a float holds them (below about 90 000 billion euros).
- Text cells that a spreadsheet would run as a formula (starting with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return: OWASP "CSV injection") get a leading ``'``,
  which spreadsheets show as text. Only text cells: numbers are never touched.
- UTF-8, dot decimals, ISO dates, ``\\n`` line ends.

Large blocks of rows are written by one compiled loop (numba, imported at its first use; the
Python path when numba is missing or ``SIMCOOP_NO_NUMBA`` is set, ``simcoop.jit``): the same text.

No simcoop imports besides ``_atomic`` and ``jit``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simcoop import jit
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
    out = _by_position(frame)  # columns by position: a label lookup in an Arrow-backed Index is slow
    for k, series in list(out.items()):
        if pd.api.types.is_float_dtype(series.dtype):
            numpy_float = isinstance(series.dtype, np.dtype) and series.dtype == np.float64
            values = series.to_numpy() if numpy_float else series.to_numpy(dtype=float, na_value=np.nan)  # (no copy)
            magnitude = np.abs(values)
            exponent = np.isfinite(values) & ((magnitude >= 1e16) | ((magnitude > 0) & (magnitude < 1e-4)))
            if exponent.any():
                cells = series.astype(object)
                cells[exponent] = [_positional(v) for v in values[exponent]]
                out[k] = cells
        elif isinstance(series.dtype, pd.CategoricalDtype):  # the scenario name, zone and site names
            if any(isinstance(c, str) and c.startswith(FORMULA_PREFIXES) for c in series.cat.categories):
                out[k] = series.astype(object).map(neutralise)
        elif isinstance(series.dtype, pd.StringDtype):  # strings or missing: each distinct string looked at once
            if any(isinstance(v, str) and v.startswith(FORMULA_PREFIXES) for v in series.unique().tolist()):
                out[k] = series.map(neutralise)
        elif (series.dtype == object or pd.api.types.is_string_dtype(series.dtype)) and series.map(
            lambda v: isinstance(v, str) and v.startswith(FORMULA_PREFIXES)
        ).any():
            out[k] = series.map(neutralise)
    out.columns = frame.columns
    renamed = {c: neutralise(c) for c in frame.columns if isinstance(c, str) and c.startswith(FORMULA_PREFIXES)}
    return out.rename(columns=renamed) if renamed else out


def _by_position(frame: pd.DataFrame) -> pd.DataFrame:
    """A shallow copy of ``frame`` whose column labels are their positions."""
    out = frame.copy(deep=False)
    out.columns = pd.RangeIndex(frame.shape[1])
    return out


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
    prepared = _prepared(frame)
    if _header(prepared) is not None and (rows := _columnwise_rows(prepared)) is not None:
        return rows
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
    header = _header(frame)
    if header is None:
        return None
    rows = _columnwise_rows(frame)
    return None if rows is None else header + rows


def _header(frame: pd.DataFrame) -> str | None:
    """The header line ``_columnwise_csv`` writes, or None when it leaves the table to pandas."""
    if frame.shape[1] < 2 or isinstance(frame.columns, pd.MultiIndex):
        return None  # a lone empty cell is quoted by the csv module: leave those to pandas
    header = [_text_cell(c) for c in frame.columns]
    if any(h is None for h in header):
        return None
    return ",".join(header) + "\n"  # type: ignore[arg-type]


def _columnwise_rows(frame: pd.DataFrame) -> str | None:
    """The rows of ``_columnwise_csv`` (no header), or None when a column is left to pandas."""
    columns = [series for _, series in _by_position(frame).items()]
    blocks = []
    for start in range(0, len(frame), _ROWS_PER_BLOCK):
        part = columns if len(frame) <= _ROWS_PER_BLOCK else [s.iloc[start : start + _ROWS_PER_BLOCK] for s in columns]
        text = _compiled_rows(part) if _use_kernel(part) else _python_rows(part)
        if text is None:
            return None
        blocks.append(text)
    return "".join(blocks)


def _python_rows(columns: list[pd.Series]) -> str | None:
    """One block of rows, cell by cell in Python."""
    cells = []
    for series in columns:
        texts = _column_texts(series)
        if texts is None:
            return None
        cells.append(texts)
    return "\n".join(map(",".join, zip(*cells))) + "\n"


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


# ---------------------------------------------------------------------- compiled rows (numba)
#
# The same text, written by one compiled loop: integer columns, and float columns whose every
# value is a decimal of at most 2 (money) or 4 digits after the point (FTE, ratios, shares), are
# formatted there from int64; the other columns are made in Python as above (``_column_texts``;
# categories, dates and text once per distinct value) and copied in.
# For a float ``v`` that is the double nearest to ``k / 10**d`` (``k / 10**d == v`` in IEEE
# arithmetic, ``k = rint(v 10**d)``) with ``|v| < _DECIMALS_LIMIT[d]`` (where doubles are closer
# than ``10**-d`` to each other, so no other decimal of ``d`` digits reads back to ``v``),
# ``repr(v)`` is the decimal ``k / 10**d`` with its trailing zeros dropped (one kept after the
# point); ``-0.0`` is ``"-0.0"``, as ``repr`` writes it.

#: Fewest cells of a block worth a call of the compiled loop (smaller blocks are written in Python).
_KERNEL_CELLS = 512
#: Digits after the point tried for a float column, and below what magnitude each holds: the
#: spacing of doubles below ``2**e`` is ``2**(e - 53)``, under ``10**-d`` for ``e <= 46`` (d = 2)
#: and ``e <= 39`` (d = 4).
_DECIMALS_LIMIT = {2: 2.0**46, 4: 2.0**39}
_INT64_MIN = np.iinfo(np.int64).min
#: A cell's flag for the compiled loop: missing (an empty cell), or a zero written with a minus sign.
_MISSING, _MINUS_ZERO = 1, 2
_KERNEL: list[Any] = []


def _use_kernel(columns: list[pd.Series]) -> bool:
    """Whether a block goes through the compiled loop: large enough, and numba is there and not switched off."""
    if not columns or len(columns[0]) * len(columns) < _KERNEL_CELLS:
        return False
    if not jit.enabled():
        return False
    if not _KERNEL:
        _KERNEL.append(jit.njit(_fill_rows))  # compiled on its first call, cached on disk
    return True


def _numeric_cells(series: pd.Series) -> tuple[np.ndarray, int, np.ndarray | None] | None:
    """(int64 values, 0 for integers or the digits after the point ``d`` of decimals ``values / 10**d``, each cell's
    flag (``_MISSING``, ``_MINUS_ZERO``) or None), or None when the column is not one of those."""
    dtype = series.dtype
    if not isinstance(dtype, np.dtype):
        return None
    if dtype.kind == "i" or (dtype.kind == "u" and dtype.itemsize < 8):
        values = series.to_numpy().astype(np.int64, copy=False)
        if len(values) and values.min() == _INT64_MIN:
            return None  # no positive counterpart
        return values, 0, None
    if dtype == np.float64:
        values = series.to_numpy()
        missing = np.isnan(values)
        magnitude = np.abs(values)
        for decimals, limit in _DECIMALS_LIMIT.items():
            scale = 10.0**decimals
            with np.errstate(invalid="ignore"):
                scaled = np.rint(values * scale)
                exact = (scaled / scale == values) & (magnitude < limit)
            if (exact | missing).all():
                break
        else:
            return None
        minus_zero = (values == 0) & np.signbit(values)
        if not missing.any() and not minus_zero.any():
            return scaled.astype(np.int64), decimals, None
        scaled[missing] = 0
        flags = np.where(missing, _MISSING, np.where(minus_zero, _MINUS_ZERO, 0)).astype(np.uint8)
        return scaled.astype(np.int64), decimals, flags
    return None


def _distinct_texts(series: pd.Series) -> tuple[list[str], np.ndarray] | None:
    """(the CSV text of each distinct value, each row's entry) of a date or text column, as ``_column_texts``
    writes them; None when its column is left to ``_column_texts`` (or to pandas)."""
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind == "M":
        distinct, index = np.unique(series.to_numpy(), return_inverse=True)
        table = _column_texts(pd.Series(distinct))  # NaT, times of day: None, as for the column
        return None if table is None else (table, index.astype(np.int64, copy=False))
    if isinstance(dtype, pd.StringDtype):  # str or missing only: one text per distinct string
        codes, distinct = pd.factorize(series, use_na_sentinel=True)
        table = [_text_cell(value) for value in distinct.tolist()]
        if any(t is None for t in table):
            return None
        return [*table, ""], np.where(codes < 0, len(table), codes).astype(np.int64)  # type: ignore[list-item]
    return None


def _compiled_rows(columns: list[pd.Series]) -> str | None:
    """One block of rows through the compiled loop (None when a column is left to pandas)."""
    n = len(columns[0])
    numbers: list[np.ndarray] = []
    modes: list[int] = []
    flags = np.zeros((len(columns), n), dtype=np.uint8)
    order = np.empty(len(columns), dtype=np.int64)
    texts: list[str] = []  # every text column's distinct cells, one after the other
    indexes: list[np.ndarray] = []  # per text column: the entry of ``texts`` of each row
    widest = 0
    for position, series in enumerate(columns):
        cells = _numeric_cells(series)
        if cells is not None:
            order[position] = len(numbers)
            if cells[2] is not None:
                flags[len(numbers)] = cells[2]
            numbers.append(cells[0])
            modes.append(cells[1])
            continue
        dtype = series.dtype
        if isinstance(dtype, pd.CategoricalDtype) and (dtype.categories.dtype == object or pd.api.types.is_string_dtype(dtype.categories.dtype)):
            table = [_text_cell(c) for c in dtype.categories.astype(object).tolist()]
            if any(t is None for t in table):
                return None
            codes = series.cat.codes.to_numpy().astype(np.int64)
            index = np.where(codes < 0, len(table), codes)
            table.append("")
        elif (distinct := _distinct_texts(series)) is not None:
            table, index = distinct  # type: ignore[assignment]
        else:
            table = _column_texts(series)  # type: ignore[assignment]
            if table is None:
                return None
            index = np.arange(n, dtype=np.int64)
        order[position] = -1 - len(indexes)
        indexes.append(index + len(texts))
        texts.extend(table)  # type: ignore[arg-type]
    joined = "".join(texts)
    if joined.isascii():
        data = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    else:
        encoded = [t.encode("utf-8") for t in texts]
        data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    for index in indexes:
        widest += int(lengths[index].max()) if n else 0
    values = np.stack(numbers) if numbers else np.zeros((0, n), dtype=np.int64)
    index_table = np.stack(indexes) if indexes else np.zeros((0, n), dtype=np.int64)
    out = np.empty(n * (21 * len(numbers) + len(columns)) + n * widest, dtype=np.uint8)
    size = _KERNEL[0](values, np.array(modes, dtype=np.int64), flags, order, data, offsets, index_table, out)
    return out[:size].tobytes().decode("utf-8")


def _fill_rows(values, modes, flags, order, data, offsets, index, out):  # type: ignore[no-untyped-def]
    """Write the rows into ``out`` (UTF-8 bytes); return how many bytes. ``order[j]`` is ``k >= 0`` for
    the numeric column ``values[k]`` (``modes[k]`` 0: an integer, ``d > 0``: ``values / 10**d`` written as a
    decimal, trailing zeros dropped; ``flags[k]`` 1: an empty cell, 2: a minus sign before the value) or
    ``-1 - t`` for the text column whose cells are the entries ``index[t]`` of ``data``/``offsets``."""
    pairs = np.empty(200, dtype=np.uint8)  # "00", "01", ... "99": two digits a division
    for k in range(100):
        pairs[2 * k] = 48 + k // 10
        pairs[2 * k + 1] = 48 + k % 10
    p = 0
    for i in range(values.shape[1] if values.shape[0] else index.shape[1]):
        for j in range(order.shape[0]):
            if j > 0:
                out[p] = 44  # ","
                p += 1
            c = order[j]
            if c < 0:
                e = index[-1 - c, i]
                for b in range(offsets[e], offsets[e + 1]):
                    out[p] = data[b]
                    p += 1
                continue
            f = flags[c, i]
            if f == 1:
                continue
            x = values[c, i]
            if x < 0 or f == 2:
                out[p] = 45  # "-"
                p += 1
                x = -x
            d = modes[c]
            r = 0
            if d > 0:
                scale = 10**d
                r = x % scale
                x = x // scale
            u = np.uint64(x)  # (unsigned: division by a constant without the floor's correction)
            m = 1  # digits: at most 19 (x <= 2**63 - 1)
            t = np.uint64(10)
            while m < 19 and u >= t:
                t = t * np.uint64(10)
                m += 1
            q = p + m  # written from the last digit back
            while u >= 100:
                k = u % np.uint64(100)
                u = u // np.uint64(100)
                out[q - 1] = pairs[2 * k + 1]
                out[q - 2] = pairs[2 * k]
                q -= 2
            if u >= 10:
                out[q - 1] = pairs[2 * u + 1]
                out[q - 2] = pairs[2 * u]
            else:
                out[q - 1] = 48 + u
            p += m
            if d > 0:
                out[p] = 46  # "."
                p += 1
                while d > 1 and r % 10 == 0:  # trailing zeros dropped, one digit kept
                    r = r // 10
                    d -= 1
                for k in range(d - 1, -1, -1):
                    out[p + k] = 48 + r % 10
                    r = r // 10
                p += d
        out[p] = 10  # "\n"
        p += 1
    return p


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
