"""What every section of the scenario shares: a frozen model that forbids unknown keys, and month and share types."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Frozen", "Share", "YearMonth"]

YearMonth = Annotated[
    str,
    Field(
        pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
        description="A calendar month written YYYY-MM, e.g. 2027-01.",
        examples=["2027-01"],
    ),
]

#: A share between 0 and 1.
Share = Annotated[float, Field(ge=0.0, le=1.0)]


class Frozen(BaseModel):
    """Base of every scenario section: immutable, and unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)
