"""Dated French rules of a CAE other than payroll rates, read from ``data/cae_rules_fr.yaml``.

Each parameter has dated values with a reference (OpenFisca style, like ``payroll_fr.yaml``):
:func:`rule_at` gives the value in force on a date, :func:`rule_reference` where it comes
from. Read lazily once; no I/O after the first call.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from simcoop._yaml import read_package_yaml

__all__ = ["rule_at", "rule_reference", "rule_names", "interest_on_capital_cap_rate"]

_DATA_FILE = "cae_rules_fr.yaml"


@lru_cache(maxsize=1)
def _rules() -> dict[str, dict[str, Any]]:
    raw = read_package_yaml("simcoop.economics", "data", _DATA_FILE)["parameters"]
    for spec in raw.values():
        spec["values"] = sorted(spec["values"], key=lambda item: str(item["date"]))
    return raw


def rule_names() -> list[str]:
    """Every parameter of the data file, sorted."""
    return sorted(_rules())


def _entry(name: str, date: str) -> dict[str, Any]:
    rules = _rules()
    if name not in rules:
        raise KeyError(f"unknown CAE rule {name!r}; known: {', '.join(sorted(rules))}")
    current = None
    for item in rules[name]["values"]:
        if str(item["date"]) > date:
            break
        current = item
    if current is None:
        raise ValueError(f"CAE rule {name!r} has no value before {rules[name]['values'][0]['date']} (asked for {date})")
    return current


def rule_at(name: str, date: str) -> Any:
    """The value of rule ``name`` in force on ``date`` (``YYYY-MM-DD`` or ``YYYY-MM``)."""
    return _entry(name, date if len(date) > 7 else f"{date}-01")["value"]


def interest_on_capital_cap_rate(meeting_year: int) -> float:
    """Highest interest rate on capital shares at a general meeting held in ``meeting_year``.

    Loi 47-1775 art. 14: the mean TMO of the three calendar years before the meeting, plus
    two points (both dated data; the last TMO known is kept for later years).
    """
    years = [meeting_year - 3, meeting_year - 2, meeting_year - 1]
    first = int(str(_rules()["tmo_rate"]["values"][0]["date"])[:4])
    tmo = [float(rule_at("tmo_rate", f"{max(y, first)}-01")) for y in years]
    return sum(tmo) / 3.0 + float(rule_at("interest_on_capital_cap_points", f"{meeting_year}-01"))


def rule_reference(name: str, date: str) -> dict[str, Any]:
    """The reference (title, href, and ``assumption`` when so) of the value in force on ``date``."""
    return dict(_entry(name, date if len(date) > 7 else f"{date}-01")["reference"])
