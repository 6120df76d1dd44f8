"""The reality check: a run's figures against the ranges observed in existing CAE.

Every ``simcoop run`` compares, in the run's last year, the median across replications of
a few figures (entrepreneurs, turnover per entrepreneur, CAPE and associé shares,
entrepreneurs per team member, public share of the budget, entrepreneurs per 1 000
inhabitants when the territory gives its population) with the published ranges shipped in
``simcoop/data/cae_published_ranges.csv`` (sources in the file, arithmetic in
docs/sources.md), and flags what lies outside them. It reads result frames and the
scenario as a plain dict, so ``Results`` (run folder, terminal) and the report (from the
run folder) share this one statement of the rule.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import asdict, dataclass
from importlib import resources
from typing import Any

import pandas as pd

__all__ = ["LAST_MONTH_COLUMNS", "YEARLY_COLUMNS_READ", "PublishedRange", "RealityRow", "published_ranges", "reality_check", "reality_frame", "reality_sentence_fr"]

_RANGES_FILE = "cae_published_ranges.csv"


@dataclass(frozen=True)
class PublishedRange:
    """An observed range of one measure, with its source."""

    measure: str
    label_fr: str
    unit: str
    low: float
    high: float
    max_years: int | None
    approx: bool
    source: str


@dataclass(frozen=True)
class RealityRow:
    """One measure of the run against its observed range."""

    measure: str
    label_fr: str
    unit: str
    value: float
    low: float
    high: float
    within: bool
    year: int
    source: str


def published_ranges() -> list[PublishedRange]:
    """The ranges shipped with simcoop (``simcoop/data/cae_published_ranges.csv``)."""
    text = resources.files("simcoop").joinpath("data", _RANGES_FILE).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    rows = []
    for record in csv.DictReader(io.StringIO("\n".join(lines))):
        rows.append(
            PublishedRange(
                measure=record["measure"],
                label_fr=record["label_fr"],
                unit=record["unit"],
                low=float(record["low"]),
                high=float(record["high"]),
                max_years=int(record["max_years"]) if record["max_years"] else None,
                approx=record["approx"] == "yes",
                source=record["source"],
            )
        )
    return rows


def _population(scenario: dict[str, Any]) -> float | None:
    territory = scenario.get("territory", {})
    if territory.get("population"):
        return float(territory["population"])
    zones = territory.get("zones") or ()
    total = sum(float(z.get("population", 0.0)) for z in zones)
    return total if total > 0 else None


#: The monthly columns the reality check reads, of the last month only, and the yearly columns it
#: reads (a run on disk reads just those).
LAST_MONTH_COLUMNS: tuple[str, ...] = ("month", "n_active", "staff_fte", "support_fte", "n_cape", "n_associe")
YEARLY_COLUMNS_READ: tuple[str, ...] = ("year", "turnover_eur", "active_end", "public_share_of_budget")


def _measures(scenario: dict[str, Any], monthly: pd.DataFrame, yearly: pd.DataFrame) -> dict[str, float]:
    """The run's figures, medians across replications: last month's stocks, last year's flows."""
    last = monthly[monthly["month"] == monthly["month"].max()]
    year = yearly[yearly["year"] == yearly["year"].max()]
    active = last["n_active"].where(last["n_active"] > 0)
    team = last["staff_fte"] + last["support_fte"]
    out = {
        "active_entrepreneurs": float(last["n_active"].median()),
        "turnover_per_entrepreneur_eur": float((year["turnover_eur"] / year["active_end"].where(year["active_end"] > 0)).median()),
        "cape_share": float((last["n_cape"] / active).median()),
        "associe_share": float((last["n_associe"] / active).median()),
        "entrepreneurs_per_staff": float((last["n_active"] / team.where(team > 0)).median()),
    }
    viability = scenario.get("viability", {})
    years = sorted(yearly["year"].unique())
    k = int(viability.get("public_share_year", 5)) - 1
    if 0 <= k < len(years):
        out["public_share"] = float(yearly.loc[yearly["year"] == years[k], "public_share_of_budget"].median())
    population = _population(scenario)
    if population:
        out["entrepreneurs_per_1000_inhabitants"] = 1000.0 * out["active_entrepreneurs"] / population
    return out


def reality_check(scenario: dict[str, Any], monthly: pd.DataFrame, yearly: pd.DataFrame) -> list[RealityRow]:
    """Each measure of the run that has a published range, with whether it lies within it.

    Where a measure has several ranges, the one for the youngest age that covers the run's
    last year of operation applies (e.g. entrepreneurs after at most 12 years).
    """
    figures = _measures(scenario, monthly, yearly)
    years_run = int(math.ceil(int(scenario["meta"]["horizon_months"]) / 12))
    chosen: dict[str, PublishedRange] = {}
    for r in published_ranges():
        if r.measure not in figures or (r.max_years is not None and years_run > r.max_years):
            continue
        current = chosen.get(r.measure)
        if current is None or (current.max_years is None and r.max_years is not None):
            chosen[r.measure] = r
    rows = []
    for measure, r in chosen.items():
        value = figures[measure]
        within = bool(math.isnan(value) or r.low <= value <= r.high)
        rows.append(RealityRow(measure, r.label_fr, r.unit, value, r.low, r.high, within, years_run, r.source))
    return rows


def reality_frame(rows: list[RealityRow]) -> pd.DataFrame:
    """The rows as the run folder's ``reality_check.csv``."""
    return pd.DataFrame([asdict(r) for r in rows], columns=list(RealityRow.__dataclass_fields__))


def _fr(value: float, unit: str) -> str:
    """A French number: shares as percentages (12,5 %), euros with thin spaces (1 234 €)."""
    if unit == "share":
        return f"{100.0 * value:.0f} %".replace(".", ",")
    if unit.startswith("EUR"):
        return f"{value:,.0f} €".replace(",", "\u202f")
    if value >= 100:
        return f"{value:,.0f}".replace(",", "\u202f")
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",") if value < 10 else f"{value:.0f}"


def reality_sentence_fr(rows: list[RealityRow]) -> str:
    """The report's sentence: what lies outside the observed ranges, or that nothing does."""
    outside = [r for r in rows if not r.within]
    if not outside:
        return "Les chiffres de ce scénario restent dans ce qu'on observe dans les CAE existantes."
    parts = [f"{r.label_fr} {_fr(r.value, r.unit)} (observé : {_fr(r.low, r.unit)} à {_fr(r.high, r.unit)})" for r in outside]
    return "Ce scénario dépasse ce qu'on observe dans les CAE existantes : " + " ; ".join(parts) + "."
