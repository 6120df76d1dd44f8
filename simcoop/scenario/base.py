"""What every section of the scenario shares: a frozen model that forbids unknown keys, strict finite numbers, bounds, month and share types."""

from __future__ import annotations

import functools
import re
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.fields import FieldInfo

__all__ = [
    "Factor",
    "Frozen",
    "FrozenDict",
    "MAX_ACCUEILS_PER_YEAR",
    "MAX_EUR",
    "MAX_FACTOR",
    "MAX_FTE",
    "MAX_INHABITANTS",
    "MAX_MINUTES",
    "MAX_MONTHS",
    "MAX_RATE_PER_YEAR",
    "MAX_REPLICATIONS",
    "MAX_SEED",
    "Minutes",
    "Share",
    "YearMonth",
    "duplicates",
]

YearMonth = Annotated[
    str,
    Field(
        pattern=r"^(1[89]|2[01])\d{2}-(0[1-9]|1[0-2])$",
        description="A calendar month written YYYY-MM between 1800-01 and 2199-12, e.g. 2027-01.",
        examples=["2027-01"],
    ),
]

Share = Annotated[float, Field(ge=0.0, le=1.0)]

# Upper bounds on every number of a scenario (docs/scenario.md, "Bounds"). None is a real
# limit of a CAE: they are far beyond any (Coopaname, the largest, hosts about a thousand
# people), and they keep every amount exact to the cent in float64 (below 2**53 cents,
# about 9e13 euros), every array the run allocates small, and a typo from running for days.

#: Any amount in euros (a year's turnover, a convention, a treasury) is below 1e12 € in absolute value.
MAX_EUR = 1e12
#: Accueils a year, given or derived from the zones: below a million.
MAX_ACCUEILS_PER_YEAR = 1e6
#: Inhabitants, job seekers or business creations of one zone: below a billion.
MAX_INHABITANTS = 1e9
#: Any duration or delay in months: at most 100 years.
MAX_MONTHS = 1200
#: Annual hazards (exits, uptake): at most 100 a year (a mean wait of under four days).
MAX_RATE_PER_YEAR = 100.0
#: Full-time equivalents and caseloads: at most 100 000.
MAX_FTE = 1e5
#: Multipliers and other dimensionless factors (penetrations, attraction, speeds in km/h): at most 1000.
MAX_FACTOR = 1e3
#: Travel times in minutes: at most a week.
MAX_MINUTES = 10080.0
#: Root seeds: what numpy's SeedSequence takes as one 64-bit word.
MAX_SEED = 2**64 - 1
#: Replications of one run (the command line and the API check the same bound).
MAX_REPLICATIONS = 1_000_000

Factor = Annotated[float, Field(ge=0.0, le=MAX_FACTOR)]
Minutes = Annotated[float, Field(ge=0.0, le=MAX_MINUTES)]


class FrozenDict(dict):  # type: ignore[type-arg]
    """A mapping inside a scenario (travel times, sector rates, multipliers): read-only.

    The scenario is immutable all the way down, so that a changed copy can only come from
    ``Scenario.replace``, which validates it.
    """

    def _refuse(self, *args: Any, **kwargs: Any) -> None:
        """Refused: a scenario cannot be changed in place (``Scenario.replace`` validates a changed copy)."""
        raise TypeError("a scenario cannot be changed in place; use scenario.replace({'dotted.key': value}), which validates the copy")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> Any:
        return (FrozenDict, (dict(self),))

    def __deepcopy__(self, memo: dict[int, Any]) -> "FrozenDict":
        return FrozenDict(dict(self))


def _number_slip(value: Any, whole: bool) -> str | None:
    """Why a value that is not a number was refused where a number is expected, with the usual slips."""
    kind = "a whole number" if whole else "a number"
    if isinstance(value, bool):
        return f"expected {kind}, got {str(value).lower()} (a yes/no value)"
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[-+]?\d+,\d+", text):
            return f"expected {kind}, got text {value!r}: write the decimal with a point ({text.replace(',', '.')})"
        if re.fullmatch(r"[-+]?0\d+(\.\d*)?", text):
            return (
                f"expected {kind}, got {value!r}: a number cannot start with 0 (YAML 1.1 would read 010 as octal 8); "
                f"write {text.lstrip('+-').lstrip('0') or '0'} without the leading zero"
            )
        if re.fullmatch(r"[-+]?[\d  _]+([.,]\d+)?", text):
            return f"expected {kind}, got text {value!r}: write it without spaces or underscores"
        if re.fullmatch(r"[-+]?\d+([.,]\d+)?\s*(%|€|eur|EUR|euros?)", text):
            return f"expected {kind}, got text {value!r}: write the bare number (rates as fractions: 10 % is 0.10)"
        return f"expected {kind}, got text {value!r}"
    return None


def _number_kind(annotation: Any) -> tuple[str, bool] | None:
    """('scalar'|'items'|'values', whole) when a field holds numbers, else None."""
    if annotation is bool:
        return None
    if annotation in (int, float):
        return "scalar", annotation is int
    origin = get_origin(annotation)
    args = [a for a in get_args(annotation) if a is not type(None)]
    if origin is Annotated:
        return _number_kind(args[0])
    if origin is tuple and args and _number_kind(args[0]) is not None:
        return "items", _number_kind(args[0])[1]  # type: ignore[index]
    if origin is dict and len(args) == 2 and _number_kind(args[1]) is not None:
        return "values", _number_kind(args[1])[1]  # type: ignore[index]
    if origin is not None and len(args) == 1:  # X | None
        return _number_kind(args[0])
    return None


class Frozen(BaseModel):
    """Base of every scenario section: immutable, unknown keys are errors, numbers are finite numbers."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _strict_scalars(cls, value: Any, info: ValidationInfo) -> Any:
        """A number key takes numbers only: no yes/no, no text (pydantic would read "0.1" or true as numbers)."""
        is_month, kind = _field_rules(cls, info.field_name or "")
        if is_month and isinstance(value, (int, float)) and not isinstance(value, bool):
            raise ValueError(f"expected a month written YYYY-MM (e.g. 2027-01); got {value!r}")
        if kind is None:
            return value
        shape, whole = kind
        if shape == "scalar":
            items = [("", value)]
        elif shape == "items" and isinstance(value, (list, tuple)):
            items = [(f"[{k}]", v) for k, v in enumerate(value)]
        elif shape == "values" and isinstance(value, dict):
            items = [(f"[{k!r}]", v) for k, v in value.items()]
        else:
            items = []
        for where, item in items:
            slip = _number_slip(item, whole)
            if slip is not None:
                raise ValueError(f"{where}: {slip}" if where else slip)
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _frozen_mappings(cls, value: Any) -> Any:
        return FrozenDict(value) if type(value) is dict else value


@functools.lru_cache(maxsize=None)
def _field_rules(model: type[BaseModel], name: str) -> tuple[bool, tuple[str, bool] | None]:
    """Whether a field holds a month, and what numbers it holds; computed once per field (35 000 zones)."""
    field = model.model_fields.get(name)
    if field is None:
        return False, None
    return _is_month_field(field), _number_kind(field.annotation)


def duplicates(values: list[str]) -> list[str]:
    """Values given more than once, sorted (in linear time: 35 000 zones must not take a minute)."""
    from collections import Counter

    return sorted(v for v, n in Counter(values).items() if n > 1)


def _has_pattern(meta: Any) -> bool:
    return bool(getattr(meta, "pattern", None)) or any(_has_pattern(m) for m in getattr(meta, "metadata", ()) or ())


def _is_month_field(field: FieldInfo) -> bool:
    """A YYYY-MM field (YearMonth, or YearMonth | None): the only text fields with a pattern."""
    if any(_has_pattern(m) for m in field.metadata):
        return True
    for arg in get_args(field.annotation):
        if get_origin(arg) is Annotated and any(_has_pattern(m) for m in get_args(arg)[1:]):
            return True
    return False
