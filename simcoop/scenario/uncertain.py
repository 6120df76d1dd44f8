"""Uncertain parameters: distribution-valued keys and joint samples of parameters (a prior or a posterior).

Any numeric key of a scenario may be written as a distribution instead of a number
(``pathway.entry_share: {dist: beta, mean: 0.3, sd: 0.08}``). The loader lifts each
distribution out of the data into ``uncertainty.distributions`` (dotted key ->
distribution) and puts its central value at the key, so that the scenario validates,
reads and runs "at the central values" like any other; each replication then draws its
own values (``simcoop.draws``). Joint samples (``uncertainty.priors_file`` or the shipped
population prior) are read here too, into ``uncertainty.joint``: one column per dotted
key, one row per joint sample.

Which keys the joint samples set (docs/scenario.md, "Uncertain parameters"): every column,
except a key the scenario gives a distribution of its own or lists in
``uncertainty.fixed`` (what the user knows). The number written at a drawn key is its
central value: ``--fixed-parameters`` runs it. ``Scenario.replace`` and variants set a key
for good: replacing a key by a number fixes it (a variant "entry share 0.4" runs 0.4 in
every replication), by a distribution makes it uncertain.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from simcoop.scenario.base import Frozen, FrozenDict
from simcoop.scenario.distributions import DIST_FORMS, DIST_KEY, Distribution, parse_distribution
from simcoop.scenario.errors import annotated_metadata, inner_model

__all__ = [
    "ALLOWED_KEYS",
    "JointSamples",
    "Uncertainty",
    "attach_joint",
    "central_value",
    "is_distribution",
    "key_problems",
    "lift_distributions",
    "numeric_field",
    "population_prior_path",
    "read_joint_samples",
    "schema_with_distributions",
    "set_key",
    "set_numbers",
]

class JointSamples(Frozen):
    """Joint samples of some keys (a prior or a posterior): one column per dotted key, one row per sample."""

    source: str = Field(min_length=1, description="Where the samples come from (the file read).")
    columns: tuple[str, ...] = Field(min_length=1, description="The dotted keys the samples set, in the file's order.")
    rows: tuple[tuple[float, ...], ...] = Field(min_length=1, description="One joint sample per row, one value per column.")

    @model_validator(mode="after")
    def _rectangular(self) -> "JointSamples":
        width = len(self.columns)
        bad = next((i for i, row in enumerate(self.rows) if len(row) != width), None)
        if bad is not None:
            raise ValueError(f"row {bad} has {len(self.rows[bad])} values for {width} columns")
        if len(set(self.columns)) != width:
            raise ValueError("a key is given twice")
        return self

    def column(self, key: str) -> list[float]:
        """The samples of one key."""
        k = self.columns.index(key)
        return [row[k] for row in self.rows]

    def median(self, key: str) -> float:
        """The median of one key's samples: its central value."""
        values = sorted(self.column(key))
        n = len(values)
        return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2.0


class Uncertainty(Frozen):
    """What is not known: distributions of some keys, and joint samples of others; each replication draws its own values."""

    population_prior: bool = Field(
        default=False,
        description=(
            "Draw the keys that nobody knows for a new territory (entry share, exit hazards, CAPE renewal, associé "
            "uptake, ...) from the shipped population prior (simcoop/data/population_prior.csv), except the keys this "
            "scenario writes itself. Source: docs/sources.md, 'Population prior'."
        ),
        json_schema_extra={
            "source": "chiffres publiés sur les CAE : Fédération des CAE (2024), rapport IGAS-IGF (2021), RECMA n° 281 (2001)"
        },
    )
    priors_file: str | None = Field(
        default=None,
        description=(
            "A CSV or Parquet file of joint samples (e.g. a posterior of `simcoop calibrate`): one column per dotted key, "
            "one row per sample; lines starting with # are comments. Relative to the scenario's folder. Its keys are drawn "
            "jointly, except the keys this scenario writes itself. Not with population_prior."
        ),
    )
    fixed: tuple[str, ...] = Field(
        default=(),
        description=(
            "Dotted keys the joint samples cover but this scenario knows: kept at the number written here "
            "(e.g. an entry share measured in a nearby CAE)."
        ),
    )
    distributions: dict[str, Distribution] = Field(
        default_factory=dict,
        description=(
            "Dotted key -> distribution. Filled by the loader from keys written as a distribution; may also be written here."
        ),
    )
    joint: JointSamples | None = Field(
        default=None, description="The joint samples read from priors_file or the population prior (filled by the loader)."
    )

    @field_validator("distributions", mode="before")
    @classmethod
    def _distributions(cls, value: Any) -> FrozenDict:
        if not isinstance(value, dict):
            raise ValueError("expected a mapping of dotted keys to distributions")
        out = {}
        for key, spec in value.items():
            try:
                out[str(key)] = parse_distribution(spec)
            except ValueError as exc:
                raise ValueError(f"{key}: {exc}") from None
        return FrozenDict(out)

    @model_validator(mode="after")
    def _one_source(self) -> "Uncertainty":
        if self.population_prior and self.priors_file:
            raise ValueError("give priors_file or population_prior: true, not both")
        if self.joint is not None:
            both = sorted(set(self.joint.columns) & set(self.distributions))
            if both:
                raise ValueError(f"{', '.join(both)}: given both a distribution and joint samples")
        return self

    @property
    def keys(self) -> tuple[str, ...]:
        """Every uncertain key: the distributions' then the joint samples' columns."""
        return (*self.distributions, *(self.joint.columns if self.joint is not None else ()))

    @property
    def empty(self) -> bool:
        """True when nothing is drawn: the scenario runs at fixed values."""
        return not self.keys


# --------------------------------------------------------------------------- keys and their bounds


def numeric_field(root: type[BaseModel], key: str) -> tuple[bool, float, float, bool, bool] | None:
    """What the scenario field at dotted ``key`` accepts: ``(whole, low, high, low_strict, high_strict)``, or None when not a number.

    List items are selected by number or name (``activities.sectors.conseil_formation.share``),
    mapping values by key (``territory.seasonality.3``). Cached: the answer depends on the
    classes only, and every replication's draw asks it again for each uncertain key.
    """
    return _numeric_field(root, key)


@functools.lru_cache(maxsize=4096)
def _numeric_field(root: type[BaseModel], key: str) -> tuple[bool, float, float, bool, bool] | None:
    model: Any = root
    annotation: Any = None
    metadata: list[Any] = []
    expect_item = False
    for part in key.split("."):
        if expect_item:
            expect_item = False
            annotation = _item_type(annotation)
            model = inner_model(annotation)
            metadata = []
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or part not in model.model_fields:
            return None
        field = model.model_fields[part]
        annotation, metadata = field.annotation, list(field.metadata)
        expect_item = _collection(annotation)
        model = inner_model(annotation)
    if expect_item or annotation is None:
        return None
    scalar = _scalar(annotation)
    if scalar is None:
        return None
    low, high, low_strict, high_strict = -math.inf, math.inf, False, False
    for meta in [*metadata, *annotated_metadata(annotation)]:
        for name, strict in (("ge", False), ("gt", True)):
            if getattr(meta, name, None) is not None and float(getattr(meta, name)) >= low:
                low, low_strict = float(getattr(meta, name)), strict
        for name, strict in (("le", False), ("lt", True)):
            if getattr(meta, name, None) is not None and float(getattr(meta, name)) <= high:
                high, high_strict = float(getattr(meta, name)), strict
    return scalar is int, low, high, low_strict, high_strict


def _strip(annotation: Any) -> Any:
    """``annotation`` without Annotated and ``| None``."""
    while True:
        origin = get_origin(annotation)
        args = [a for a in get_args(annotation) if a is not type(None)]
        if origin is Annotated:
            annotation = args[0]
        elif origin is Union or (origin is not None and type(None) in get_args(annotation) and len(args) == 1):
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _collection(annotation: Any) -> bool:
    origin = get_origin(_strip(annotation))
    return origin in (tuple, list, dict) or _strip(annotation) is FrozenDict


def _item_type(annotation: Any) -> Any:
    stripped = _strip(annotation)
    args = [a for a in get_args(stripped) if a is not Ellipsis]
    return args[-1] if args else None


def _scalar(annotation: Any) -> type | None:
    stripped = _strip(annotation)
    if stripped is bool:
        return None
    if stripped in (int, float):
        return stripped
    return None


def key_problems(scenario: BaseModel, uncertainty: Uncertainty) -> list[tuple[tuple[Any, ...], str]]:
    """Problems of the uncertain keys: not a numeric key of the scenario, or a support outside its bounds."""
    found: list[tuple[tuple[Any, ...], str]] = []
    root = type(scenario)
    for key, dist in uncertainty.distributions.items():
        loc = ("uncertainty", "distributions", key)
        field = numeric_field(root, key) if _exists(scenario, key) else None
        if field is None:
            found.append((loc, f"{key}: a distribution is allowed only for a numeric key of the scenario"))
            continue
        low, high = dist.support()
        why = _outside(field, low, high)
        if why:
            found.append((loc, f"{key}: the distribution's support [{low:.6g}, {high:.6g}] {why}"))
    for key in uncertainty.fixed:
        if numeric_field(root, key) is None or not _exists(scenario, key):
            found.append((("uncertainty", "fixed"), f"{key}: not a numeric key of this scenario; {ALLOWED_KEYS}"))
    joint = uncertainty.joint
    if joint is not None:
        for key in joint.columns:
            loc = ("uncertainty", "joint", key)
            field = numeric_field(root, key) if _exists(scenario, key) else None
            if field is None:
                found.append((loc, f"{joint.source}: column {key!r} is not a numeric key of this scenario; {ALLOWED_KEYS}"))
                continue
            values = joint.column(key)
            why = _outside(field, min(values), max(values))
            if why:
                found.append((loc, f"{joint.source}: column {key!r} holds values from {min(values):.6g} to {max(values):.6g}, which {why}"))
    return found


#: What a joint sample's column may be, for messages.
ALLOWED_KEYS = (
    "allowed: any numeric key of the scenario written dotted, list items by number or name "
    "(e.g. pathway.entry_share, pathway.exits.cesa_rate_per_year, activities.sectors.conseil_formation.turnover_median_eur_per_year)"
)


def _exists(scenario: Any, key: str) -> bool:
    """True when dotted ``key`` names a value of this scenario (list items by number or name)."""
    node: Any = scenario
    for part in key.split("."):
        if isinstance(node, BaseModel):
            if part not in type(node).model_fields:
                return False
            node = getattr(node, part)
        elif isinstance(node, (tuple, list)):
            if part.isdigit():
                if int(part) >= len(node):
                    return False
                node = node[int(part)]
            else:
                found = [x for x in node if part in (getattr(x, "name", None), getattr(x, "funder", None))]
                if len(found) != 1:
                    return False
                node = found[0]
        elif isinstance(node, dict):
            if part not in node:
                return False
            node = node[part]
        else:
            return False
    return isinstance(node, (int, float)) and not isinstance(node, bool)


def _outside(field: tuple[bool, float, float, bool, bool], low: float, high: float) -> str:
    """Why [low, high] does not fit a field's bounds ('' when it fits)."""
    _, f_low, f_high, low_strict, high_strict = field
    if low < f_low or (low_strict and low <= f_low) or high > f_high or (high_strict and high >= f_high):
        left = "(" if low_strict else "["
        right = ")" if high_strict else "]"
        return f"goes outside the key's bounds {left}{f_low:g}, {f_high:g}{right}; truncate it (normal: low, high) or narrow it"
    return ""


# --------------------------------------------------------------------------- editing scenario data


def is_distribution(value: Any) -> bool:
    """True for a mapping written as a distribution (it has a ``dist`` key)."""
    return isinstance(value, dict) and DIST_KEY in value


def central_value(spec: dict[str, Any]) -> tuple[Any, str | None]:
    """``(central value, None)`` of a distribution written as data, or ``(None, why)`` when it is refused."""
    try:
        return parse_distribution(spec).central(), None
    except ValueError as exc:
        return None, str(exc)


def set_key(data: dict[str, Any], key: str, value: Any) -> tuple[Any, ...]:
    """Set dotted ``key`` of resolved scenario data to a number (fixed) or a distribution (uncertain).

    A number fixes the key: it leaves ``uncertainty.distributions`` and the joint samples.
    A distribution puts its central value at the key and itself in ``uncertainty.distributions``.
    Returns the key's location; raises KeyError as ``set_dotted`` does, ValueError for a refused distribution.
    """
    from simcoop.scenario.dotted import set_dotted

    if is_distribution(value):
        central, why = central_value(value)
        if why is not None:
            raise ValueError(why)
        loc = set_dotted(data, key, central)
        _forget(data, (key,))
        data.setdefault("uncertainty", {}).setdefault("distributions", {})[key] = dict(value)
        return loc
    loc = set_dotted(data, key, value)
    _forget(data, (key,))
    return loc


def set_numbers(data: dict[str, Any], items: Sequence[tuple[str, float]]) -> None:
    """Fix several dotted keys of resolved scenario data at numbers: what ``set_key`` does to each in
    turn, with the uncertain keys rewritten once for all of them (the joint samples, the reference's
    1,000 prior draws, filtered once, not once per key: a sensitivity point sets up to 17 of them).
    Raises KeyError naming the key that is not there."""
    from simcoop.scenario.dotted import set_dotted

    for key, value in items:
        try:
            set_dotted(data, key, value)
        except KeyError as exc:
            raise KeyError(f"{key}: {exc.args[0]}") from None
    _forget(data, tuple(key for key, _ in items))


def _forget(data: dict[str, Any], keys: tuple[str, ...]) -> None:
    """Take ``keys`` out of the uncertain keys of scenario data (they are now written by the user)."""
    block = data.get("uncertainty")
    if not isinstance(block, dict) or not keys:
        return
    inside = tuple(key + "." for key in keys)

    def under(other: str) -> bool:  # a key itself, or a key inside a replaced section or list
        return other in keys or other.startswith(inside)

    if isinstance(block.get("distributions"), dict):
        block["distributions"] = {k: v for k, v in block["distributions"].items() if not under(k)}
    joint = block.get("joint")
    if isinstance(joint, dict) and any(under(c) for c in joint.get("columns") or ()):
        keep = [i for i, c in enumerate(joint["columns"]) if not under(c)]
        columns = [joint["columns"][i] for i in keep]
        rows = [[row[i] for i in keep] for row in joint["rows"]]
        block["joint"] = {**joint, "columns": columns, "rows": rows} if columns else None


def lift_distributions(
    data: dict[str, Any], marks: dict[tuple[Any, ...], int], root: type[BaseModel]
) -> tuple[dict[str, Any], list[tuple[tuple[Any, ...], str, str]]]:
    """Take every distribution written at a key out of raw scenario data.

    Returns the data with each distribution replaced by its central value and listed in
    ``uncertainty.distributions`` (marks updated so that its problems point at the key's
    line), and the problems ``(loc, key, message)`` of refused distributions.
    """
    import copy

    data = copy.deepcopy(data)
    lifted: dict[str, Any] = {}
    problems: list[tuple[tuple[Any, ...], str, str]] = []

    def walk(node: Any, loc: tuple[Any, ...], names: tuple[str, ...]) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for k, value in list(items):
            here = (*loc, k)
            label = k
            if isinstance(node, list) and isinstance(value, dict):
                named = value.get("name") or value.get("funder")
                label = named if isinstance(named, str) and named else k
            key = ".".join((*names, str(label)))
            if is_distribution(value):
                central, why = central_value(value)
                if why is None and numeric_field(root, key) is None:
                    why = "a distribution is allowed only for a numeric key (a number written in the scenario)"
                if why is not None:
                    problems.append((here, key, why))
                    del node[k]  # reported here; left out so that validation does not report it again
                    continue
                node[k] = central
                lifted[key] = value
                if here in marks:
                    marks[("uncertainty", "distributions", key)] = marks[here]
            elif isinstance(value, (dict, list)):
                walk(value, here, (*names, str(label)))

    for section, value in data.items():
        if section != "uncertainty" and isinstance(value, (dict, list)):
            walk(value, (section,), (section,))
    if lifted:
        block = data.setdefault("uncertainty", {})
        if isinstance(block, dict):
            given = block.get("distributions") if isinstance(block.get("distributions"), dict) else {}
            block["distributions"] = {**given, **lifted}
    return data, problems


def read_joint_samples(path: Path, shown_as: str, root: Path | None = None) -> tuple[JointSamples | None, list[tuple[int | None, str]]]:
    """Joint samples from a CSV (``#`` comments allowed) or Parquet file: ``(samples, problems as (line, message))``."""
    columns: list[str]
    rows: list[tuple[float, ...]] = []
    problems: list[tuple[int | None, str]] = []
    if path.suffix.lower() in (".parquet", ".pq"):
        from simcoop.csvfile import check_file

        why = check_file(path, root, max_bytes=200_000_000)
        if why is not None:
            return None, [(None, why)]
        try:
            import pandas as pd

            frame = pd.read_parquet(path)
        except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's to fix
            return None, [(None, f"cannot read it as Parquet: {exc}")]
        columns = [str(c) for c in frame.columns]
        bad = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
        if bad:
            return None, [(None, f"column {bad[0]!r} is not numeric")]
        values = frame.to_numpy(dtype=float)
        if not len(values):
            return None, [(None, "the file holds no samples")]
        if not bool(__import__("numpy").isfinite(values).all()):
            return None, [(None, "the file holds missing or infinite values")]
        rows = [tuple(float(v) for v in row) for row in values]
    else:
        from simcoop.csvfile import TableError, parse_number, read_table

        try:
            table = read_table(path, root, comments=True)
        except TableError as exc:
            return None, [(p.line, p.message) for p in exc.problems]
        problems += [(p.line, p.message) for p in table.problems]
        columns = table.header
        for line, record in table.records():
            row = []
            for column in columns:
                try:
                    row.append(parse_number(record[column]))
                except ValueError as exc:
                    problems.append((line, f"column {column!r}: {exc}"))
            rows.append(tuple(row))
        if not rows and not problems:
            problems.append((None, "the file holds no samples (a header, then one row per joint sample)"))
    empty = [c for c in columns if not c]
    if empty:
        problems.append((1, "a column has no name; expected dotted keys such as pathway.entry_share"))
    if problems:
        return None, problems
    try:
        return JointSamples(source=shown_as, columns=tuple(columns), rows=tuple(rows)), []
    except ValidationError as exc:
        return None, [(1, "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors()))]


def population_prior_path() -> Path:
    """The shipped population prior (``simcoop/data/population_prior.csv``)."""
    from importlib.resources import files

    return Path(str(files("simcoop") / "data" / "population_prior.csv"))


def attach_joint(data: dict[str, Any], joint: JointSamples) -> dict[str, Any]:
    """Scenario data with ``joint`` in ``uncertainty.joint``, less the columns of keys the scenario fixes or gives a distribution.

    The numbers written at the keys stay as they are: they are the central values
    (``--fixed-parameters`` runs them); each replication draws a row of the samples instead.
    """
    block = data.setdefault("uncertainty", {})
    own = set(block.get("distributions") or {}) if isinstance(block, dict) else set()
    fixed = block.get("fixed") if isinstance(block.get("fixed"), (list, tuple)) else ()
    own |= {str(k) for k in fixed}
    keep = [k for k, c in enumerate(joint.columns) if c not in own]
    if not keep:
        block["joint"] = None
        return data
    columns = [joint.columns[k] for k in keep]
    rows = [[row[k] for k in keep] for row in joint.rows]
    block["joint"] = {"source": joint.source, "columns": columns, "rows": rows}
    return data


def schema_with_distributions(schema: dict[str, Any]) -> dict[str, Any]:
    """The scenario's JSON Schema where every number (or list of numbers) also accepts a distribution object.

    Adds ``$defs.Distribution`` (one of the five kinds); the ``uncertainty`` section itself is left as it is.
    """
    defs = schema.setdefault("$defs", {})
    for kind in ("Uniform", "Triangular", "Normal", "LogNormal", "Beta"):
        if kind not in defs:
            import simcoop.scenario.distributions as dists

            defs[kind] = getattr(dists, kind).model_json_schema(ref_template="#/$defs/{model}")
    defs["Distribution"] = {
        "description": "A distribution instead of a number: " + "; ".join(DIST_FORMS.values()),
        "oneOf": [{"$ref": f"#/$defs/{k}"} for k in ("Uniform", "Triangular", "Normal", "LogNormal", "Beta")],
    }
    skip = {"Uncertainty", "JointSamples", "Distribution", "Uniform", "Triangular", "Normal", "LogNormal", "Beta"}

    def widen(node: Any) -> Any:
        if isinstance(node, dict):
            if node.get("type") in ("number", "integer"):
                inner = {k: v for k, v in node.items() if k not in ("description", "title", "default", "source", "assumption")}
                outer = {k: v for k, v in node.items() if k not in inner}
                return {**outer, "anyOf": [inner, {"$ref": "#/$defs/Distribution"}]}
            return {k: widen(v) for k, v in node.items()}
        if isinstance(node, list):
            return [widen(v) for v in node]
        return node

    for name, body in list(defs.items()):
        if name not in skip:
            defs[name] = widen(body)
    schema["properties"] = {k: (v if k == "uncertainty" else widen(v)) for k, v in schema.get("properties", {}).items()}
    return schema
