"""The territory: accueils, entries and people by zone of origin and by site."""

from __future__ import annotations

from simcoop.report.data import RunData
from simcoop.report.format import (
    fmt_int,
    fmt_number,
    fmt_range,
)
from simcoop.report.tables.cells import Cell, Row, Table


def territory_last_year(run: RunData) -> int | None:
    """The last calendar year fully simulated (the territory tables and map describe it)."""
    if run.zones is None or run.zones.empty:
        return None
    counts = run.yearly.groupby("year")["months"].max()
    full = counts[counts == 12]
    return int(full.index.max()) if len(full) else int(counts.index.max())


def zones_table(run: RunData) -> Table | None:
    """Per zone, in the last full year: population, job seekers, accueils, people supported per 1 000 job seekers."""
    year = territory_last_year(run)
    if year is None or not run.scenario["territory"].get("zones"):
        return None
    frame = run.zones[run.zones["year"] == year]
    rows = []
    for code, group in frame.groupby("zone_code", sort=False):
        first = group.iloc[0]
        acc, sup, per = group["accueils"], group["supported"], group["supported_per_1000_job_seekers"]
        rows.append(
            Row(
                str(first["zone_name"]),
                (
                    Cell(fmt_int(first["population"])),
                    Cell(fmt_int(first["job_seekers_abc"])),
                    Cell(fmt_int(acc.median()), fmt_range(acc.quantile(0.05), acc.quantile(0.95), fmt_int)),
                    Cell(fmt_int(sup.median()), fmt_range(sup.quantile(0.05), sup.quantile(0.95), fmt_int)),
                    Cell(fmt_number(per.median(), 1)),
                ),
            )
        )
    return Table(
        header=("Habitants", "Demandeurs d'emploi (A, B, C)", "Accueils", "Personnes accompagnées", "Pour 1 000 demandeurs d'emploi"),
        rows=tuple(rows),
        first_col="Zone",
        caption=f"Origine des personnes, année {year} (médianes, 5 à 95 % dessous)",
        note="Accompagnées : présentes au moins un mois de l'année dans un parcours (CAPE, CESA ou associé), selon leur zone d'origine.",
    )


def sites_table(run: RunData) -> Table | None:
    """Per site and year: accueils, entries, people, waiting list and team (medians)."""
    if run.sites is None or run.sites.empty or len(run.scenario["cooperative"].get("sites", [])) < 2:
        return None
    year = territory_last_year(run)
    frame = run.sites[run.sites["year"] == year]
    rows = []
    for site, group in frame.groupby("site", sort=False):
        rows.append(
            Row(
                str(site),
                tuple(
                    Cell(fmt_number(group[c].median(), 1) if c == "staff_fte_end" else fmt_int(group[c].median()))
                    for c in ("accueils", "entries", "lost_waiting", "active_end", "waiting_end", "staff_fte_end")
                ),
            )
        )
    return Table(
        header=("Accueils", "Entrées en parcours", "Perdus en attente", "Entrepreneurs en fin d'année", "En attente", "ETP d'accompagnement"),
        rows=tuple(rows),
        first_col="Site",
        caption=f"Les sites, année {year} (médianes)",
    )
