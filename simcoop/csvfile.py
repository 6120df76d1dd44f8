"""One reader for every CSV table a user attaches: zones, roster, records, observed figures.

French offices export CSV from spreadsheets: Windows-1252 or UTF-16 text, ``;`` between
fields and a decimal comma, a BOM at the start. ``read_table`` detects the encoding
(UTF-8 with or without a BOM, UTF-16 with a BOM, else Windows-1252) and the separator
(``,``, ``;`` or a tab, from the header line), and ``parse_number`` reads ``12,5`` and
``1 234,56`` as well as ``12.5``. Every problem names the file, the line and the column.

The file itself is checked before it is opened: a regular file (a FIFO would hang, a
device such as /dev/zero would fill the memory), at most ``MAX_TABLE_BYTES``, and, when a
``root`` folder is given, inside it once symbolic links are resolved (a scenario shared by
someone else must not read ``../../etc/passwd``). Values quoted in messages are cut short,
so a file that is not what it should be is not echoed.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "MAX_TABLE_BYTES",
    "Table",
    "TableError",
    "TableProblem",
    "check_file",
    "parse_number",
    "read_table",
    "shown",
]

#: Largest attached CSV file (bytes): every French commune is about 4 MB; a CAE's records a few MB.
MAX_TABLE_BYTES = 64_000_000

_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
_SPACES = str.maketrans("", "", " \u00a0\u202f\t'")


@dataclass(frozen=True)
class TableProblem:
    """One problem in a table: line (1-based, None for the whole file), column name ('' for none), message."""

    line: int | None
    column: str
    message: str


class TableError(ValueError):
    """A table that cannot be read at all (file refused, not text, no header); ``problems`` says where."""

    def __init__(self, source: str, problems: list[TableProblem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(f"{source}:{p.line or ''}: {p.message}" for p in problems))


@dataclass
class Table:
    """A CSV table read as text: its header and its rows, each with the line it starts on."""

    source: str
    header: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    encoding: str = "utf-8"
    delimiter: str = ","
    #: Rows whose number of fields differs from the header's, already reported here.
    problems: list[TableProblem] = field(default_factory=list)

    def records(self) -> list[tuple[int, dict[str, str]]]:
        """The rows of the right width as ``{column: stripped text}`` with their line."""
        width = len(self.header)
        return [(line, {h: c.strip() for h, c in zip(self.header, cells)}) for line, cells in self.rows if len(cells) == width]


def shown(value: object, limit: int = 40) -> str:
    """A value quoted in a message, cut short: messages never echo a whole line of a foreign file."""
    text = str(value)
    return repr(text if len(text) <= limit else text[:limit] + "…")


def check_file(path: Path, root: Path | None = None, max_bytes: int = MAX_TABLE_BYTES) -> str | None:
    """Why ``path`` cannot be read as an attached table (outside ``root``, missing, not a regular file, too big), or None."""
    if root is not None:
        try:
            inside = path.resolve().is_relative_to(root.resolve())
        except (OSError, RuntimeError):
            inside = False
        if not inside:
            return (
                f"is outside the scenario's folder {root}: attached files must be in that folder or below it "
                "(to read files elsewhere, pass --allow-outside-files, or allow_outside_files=True to load_scenario)"
            )
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return "file not found"
    except OSError as exc:
        return f"cannot read the file: {exc.strerror or exc}"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file (a folder, a device or a pipe cannot be read as a table)"
    if info.st_size > max_bytes:
        return f"the file is {info.st_size:,} bytes; an attached table may hold at most {max_bytes:,}"
    return None


def _decode(raw: bytes) -> tuple[str, str]:
    """The text and the encoding: a BOM decides, else UTF-8 if it decodes, else Windows-1252."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16"
    if len(raw) >= 4 and raw[1:4:2] == b"\x00\x00" and raw[0] and raw[2]:
        return raw.decode("utf-16-le"), "utf-16-le"  # UTF-16 without a BOM (rare)
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def _delimiter(header_line: str) -> str:
    """The separator of the header line: the most frequent of ';', tab and ',' outside quotes (',' on a tie)."""
    outside = re.sub(r'"[^"]*"', "", header_line)
    counts = {d: outside.count(d) for d in (";", "\t", ",")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def read_table(path: str | Path, root: Path | None = None, max_bytes: int = MAX_TABLE_BYTES, comments: bool = False) -> Table:
    """Read a CSV table; raises TableError when the file cannot be read at all.

    Rows whose number of fields differs from the header's are left in ``rows`` and
    reported in ``problems`` (an unquoted separator in a name is the usual cause). Blank
    lines, and with ``comments`` lines starting with '#', are skipped.
    """
    path = Path(path)
    source = str(path)
    why = check_file(path, root, max_bytes)
    if why is not None:
        raise TableError(source, [TableProblem(None, "", why)])
    try:
        with open(path, "rb") as fh:
            raw = fh.read(max_bytes + 1)
    except OSError as exc:
        raise TableError(source, [TableProblem(None, "", f"cannot read the file: {exc.strerror or exc}")]) from None
    if len(raw) > max_bytes:
        raise TableError(source, [TableProblem(None, "", f"the file holds more than {max_bytes:,} bytes, the most an attached table may hold")])
    try:
        text, encoding = _decode(raw)
    except UnicodeDecodeError as exc:
        raise TableError(source, [TableProblem(None, "", f"cannot read the file as text ({exc.reason}); save it as CSV (UTF-8)")]) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise TableError(source, [TableProblem(line, "", "the file holds binary data, not CSV text; save it as CSV (UTF-8)")])
    first = next((ln for ln in text.splitlines() if ln.strip() and not (comments and ln.lstrip().startswith("#"))), "")
    if not first:
        raise TableError(source, [TableProblem(1, "", "the file is empty; expected a header line with the column names")])
    delimiter = _delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=False)
    table = Table(source=source, header=[], encoding=encoding, delimiter=delimiter)
    ended = 0
    try:
        for cells in reader:
            line, ended = ended + 1, reader.line_num
            if not any(c.strip() for c in cells) or (comments and cells[0].lstrip().startswith("#")):
                continue
            if not table.header:
                table.header = [c.strip() for c in cells]
                continue
            table.rows.append((line, cells))
    except csv.Error as exc:
        raise TableError(source, [TableProblem(ended + 1, "", f"not readable as CSV: {exc}")]) from None
    width = len(table.header)
    named = {",": "a comma", ";": "a semicolon", "\t": "a tab"}[delimiter]
    for line, cells in table.rows:
        if len(cells) > width:
            hint = f": a value holding {named} must be put in double quotes"
            if delimiter == ",":
                hint += " (or a decimal comma was used: write 12.5, or separate the fields with ';')"
            table.problems.append(TableProblem(line, "", f"{len(cells)} fields where the header has {width}{hint}"))
        elif len(cells) < width:
            table.problems.append(TableProblem(line, "", f"{len(cells)} fields where the header has {width} ({', '.join(table.header)})"))
    return table


def parse_number(text: str) -> float:
    """A finite number written with a dot or a decimal comma, spaces as thousands separators.

    ``12.5``, ``12,5``, ``1 234,56``, ``1.234,56`` and ``1,234.56`` are read; ``nan``,
    ``inf`` and numbers beyond float range raise ValueError saying why.
    """
    if _NUMBER.match(text):  # the usual case, 12.5: no clean-up needed
        value = float(text)
        if math.isfinite(value):
            return value
        raise ValueError(f"the number {shown(text)} is too large")
    t = text.strip().translate(_SPACES)
    if "," in t and "." in t:
        t = t.replace(".", "").replace(",", ".") if t.rfind(",") > t.rfind(".") else t.replace(",", "")
    elif t.count(",") == 1:
        t = t.replace(",", ".")
    if not _NUMBER.match(t):
        raise ValueError(f"expected a number (e.g. 12.5 or 12,5), got {shown(text)}")
    value = float(t)
    if not math.isfinite(value):
        raise ValueError(f"the number {shown(text)} is too large")
    return value
