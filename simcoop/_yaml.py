"""YAML parsing with PyYAML's safe loader, keeping the line of every key, within limits.

The node tree from ``yaml.compose`` carries start marks; we walk it ourselves so that
every key path maps to a line number (1-based) and duplicate keys, which PyYAML
silently accepts, become errors.

Hostile or careless files are answered fast with a clear message instead of a hang or a
traceback: the file size, the nesting depth and the number of values built (an alias
bomb expands a few kilobytes into billions of values) are limited, and a recursive alias
is refused. Scalars follow YAML 1.2's core schema where YAML 1.1 (PyYAML's) would surprise
a user: ``010`` is not octal 8 (it stays text, and a number key says why it refuses it),
``1e3`` is a number, and ``1_000``, ``0x1F`` or ``1:30`` are not numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "MAX_DEPTH",
    "MAX_VALUES",
    "MAX_YAML_BYTES",
    "ParsedYaml",
    "decode_text",
    "parse_yaml",
    "read_package_yaml",
    "read_yaml_file",
]

#: Largest YAML file read (bytes). A scenario is a few kilobytes; big tables go in CSV files.
MAX_YAML_BYTES = 2_000_000
#: Deepest nesting of mappings and lists; a scenario nests about 5 levels.
MAX_DEPTH = 50
#: Most values (mapping entries, list items, scalars) built from one file, aliases expanded.
MAX_VALUES = 200_000

# YAML 1.2 core schema: what a plain scalar must look like to be a number.
_INT = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|(0|[1-9][0-9]*)(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_SPECIAL_FLOAT = re.compile(r"^([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$")


class _TooBig(Exception):
    """Raised while building when a limit is passed; carries the line and the message."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class ParsedYaml:
    """Plain data, the line of each key path, duplicate keys, or a syntax error."""

    data: Any = None
    marks: dict[tuple[Any, ...], int] = field(default_factory=dict)
    duplicates: list[tuple[tuple[Any, ...], int, str]] = field(default_factory=list)
    error: tuple[int | None, str] | None = None


def decode_text(raw: bytes) -> tuple[str | None, tuple[int, str] | None]:
    """UTF-8 text (a BOM is dropped), or the line and message of the first byte that is not UTF-8."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        byte = raw[exc.start : exc.start + 1].hex().upper()
        hint = " (the file looks UTF-16: save it as UTF-8)" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else (
            " (probably saved as Windows-1252/Latin-1: save it as UTF-8)"
        )
        return None, (line, f"the file is not UTF-8 text: byte 0x{byte} at column {column}{hint}")


def read_yaml_file(path: str | Path) -> ParsedYaml:
    """Read and parse a YAML file within the limits; every problem is in ``error``, nothing raises.

    A missing file gives ``(None, "file not found")``.
    """
    path = Path(path)
    out = ParsedYaml()
    try:
        if not path.exists():
            out.error = (None, "file not found")
            return out
        if not path.is_file():
            out.error = (None, "not a regular file (a folder, a device or a pipe cannot be a scenario)")
            return out
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            out.error = (None, f"the file is {size:,} bytes; a YAML file may hold at most {MAX_YAML_BYTES:,} (put large tables in a CSV file)")
            return out
        with open(path, "rb") as fh:
            raw = fh.read(MAX_YAML_BYTES + 1)
    except OSError as exc:
        out.error = (None, f"cannot read the file: {exc.strerror or exc}")
        return out
    if len(raw) > MAX_YAML_BYTES:
        out.error = (None, f"the file holds more than {MAX_YAML_BYTES:,} bytes, the most a YAML file may hold")
        return out
    text, problem = decode_text(raw)
    if problem is not None:
        out.error = problem
        return out
    assert text is not None
    return parse_yaml(text)


def read_package_yaml(package: str, *path: str) -> Any:
    """The data of a YAML file shipped inside ``package`` (``path`` under it), such as the dated payroll rules.

    The package's own files, not a user's: no line marks nor limits, and PyYAML's C parser (libyaml) when
    PyYAML was built with it, about six times faster than the Python parser on ``payroll_fr.yaml`` (65 ->
    10 ms in every process that loads it) for the same data (``SafeLoader``'s constructor and resolver either
    way). A user's file goes through ``read_yaml_file``, whose line marks and messages need the Python parser.
    """
    from importlib import resources

    text = resources.files(package).joinpath(*path).read_text(encoding="utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def parse_yaml(text: str) -> ParsedYaml:
    """Parse YAML text safely; never raises on bad input, reports it in ``error``."""
    out = ParsedYaml()
    if len(text) > MAX_YAML_BYTES:
        out.error = (None, f"the text holds {len(text):,} characters; a YAML file may hold at most {MAX_YAML_BYTES:,}")
        return out
    try:
        too_deep = _too_deep(text)
        if too_deep is not None:
            out.error = (too_deep, f"YAML error: the file nests mappings or lists more than {MAX_DEPTH} levels deep")
            return out
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or "invalid YAML"
        context = ""
        if exc.context:
            started = exc.context_mark.line + 1 if exc.context_mark is not None else None
            context = f" ({exc.context}" + (f" started on line {started})" if started and started != line else ")")
        if "mapping values are not allowed" in problem:
            problem += " (check the indentation, or quote a value that contains ': ')"
        out.error = (line, f"YAML syntax error: {problem}{context}")
        return out
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        out.error = (line, f"YAML error: character {exc.character!r} is not allowed in a YAML file")
        return out
    except yaml.YAMLError as exc:
        out.error = (None, f"YAML error: {exc}")
        return out
    except RecursionError:
        out.error = (None, f"YAML error: the file nests mappings or lists too deeply (at most {MAX_DEPTH} levels)")
        return out
    if node is None:
        return out
    builder = _Builder(out)
    try:
        _expanded_size(node, {}, set())
        out.data = builder.build(node, ())
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        out.error = (mark.line + 1 if mark else None, f"YAML error: {exc.problem}")
    except _TooBig as exc:
        out.error = (exc.line, f"YAML error: {exc.message}")
    return out


def _too_deep(text: str) -> int | None:
    """The line where nesting first passes MAX_DEPTH, read from the event stream (no recursion)."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                return event.start_mark.line + 1
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    return None


def _expanded_size(node: yaml.Node, sizes: dict[int, int], open_: set[int], depth: int = 0) -> int:
    """How many values ``node`` becomes once its aliases are expanded, computed once per node.

    An alias bomb (each anchor repeating the previous one nine times) has a few hundred
    nodes but billions of values: it is refused here, in time proportional to its nodes.
    """
    key = id(node)
    if key in sizes:
        return sizes[key]
    line = node.start_mark.line + 1
    if key in open_:
        raise _TooBig(line, "a recursive alias (an anchor used inside itself) cannot be read")
    if isinstance(node, yaml.ScalarNode):
        return 1
    if depth > MAX_DEPTH:
        raise _TooBig(line, f"the file nests mappings or lists more than {MAX_DEPTH} levels deep (through aliases)")
    open_.add(key)
    items = node.value if isinstance(node, yaml.SequenceNode) else [v for pair in node.value for v in pair]
    total = 1 + sum(_expanded_size(item, sizes, open_, depth + 1) for item in items)
    open_.discard(key)
    if total > MAX_VALUES:
        raise _TooBig(line, f"the file expands to more than {MAX_VALUES:,} values (aliases repeated inside aliases?)")
    sizes[key] = total
    return total


class _Builder:
    """Build plain data from the node tree, counting values and watching depth and alias loops."""

    def __init__(self, out: ParsedYaml) -> None:
        self.out = out
        self.loader = yaml.SafeLoader("")
        self.count = 0
        self.open: set[int] = set()  # ids of the collection nodes being built (an alias loop returns to one)

    def build(self, node: yaml.Node, path: tuple[Any, ...]) -> Any:
        line = node.start_mark.line + 1
        self.count += 1
        if self.count > MAX_VALUES:
            raise _TooBig(line, f"the file expands to more than {MAX_VALUES:,} values (aliases repeated inside aliases?)")
        if len(path) > MAX_DEPTH:
            raise _TooBig(line, f"the file nests mappings or lists more than {MAX_DEPTH} levels deep")
        self.out.marks.setdefault(path, line)
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            if id(node) in self.open:
                raise _TooBig(line, "a recursive alias (an anchor used inside itself) cannot be read")
            self.open.add(id(node))
            try:
                return self._collection(node, path)
            finally:
                self.open.discard(id(node))
        return _scalar(node, self.loader)

    def _collection(self, node: yaml.Node, path: tuple[Any, ...]) -> Any:
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise yaml.constructor.ConstructorError(
                    None, None, "merge keys ('<<') are not supported: write the keys out", key_node.start_mark
                )
            key = _scalar(key_node, self.loader)
            line = key_node.start_mark.line + 1
            child = (*path, key)
            if key in result:
                first = self.out.marks.get(child)
                self.out.duplicates.append((child, line, f"duplicate key (first given on line {first})"))
                continue
            self.out.marks[child] = line
            result[key] = self.build(value_node, child)
        return result


def _scalar(node: yaml.Node, loader: yaml.SafeLoader) -> Any:
    """Construct a scalar: null, booleans and strings as PyYAML does, numbers as YAML 1.2 does."""
    if not isinstance(node, yaml.ScalarNode):
        raise yaml.constructor.ConstructorError(None, None, "a key must be a plain value", node.start_mark)
    if node.style is None and node.tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:str"):
        text = node.value
        if _INT.match(text):
            return int(text)
        if _FLOAT.match(text) and any(ch.isdigit() for ch in text):
            return float(text)
        if _SPECIAL_FLOAT.match(text):
            return float(text.replace(".", "").lower())
        if node.tag != "tag:yaml.org,2002:str":
            return text  # YAML 1.1 only (010, 0x1F, 1_000, 1:30): text; a number key explains
    value = loader.construct_object(node, deep=True)
    # Dates written 2027-01-01 become datetime.date; keep text so the schema can explain.
    if hasattr(value, "isoformat") and not isinstance(value, (int, float, str)):
        return node.value
    return value
