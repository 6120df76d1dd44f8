"""The Jinja environment of the report and the note: templates from the package, every string escaped."""

from __future__ import annotations

from typing import Any

__all__ = ["jinja_environment"]


def jinja_environment() -> Any:
    """The templates' Jinja environment: autoescaped, strict about undefined names."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("simcoop.report", "templates"),
        autoescape=True,  # every string from a scenario is escaped
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env
