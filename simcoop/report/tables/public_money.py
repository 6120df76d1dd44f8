"""Public money: funding by convention and year, and what it buys."""

from __future__ import annotations

import pandas as pd

from simcoop.report.data import RunData
from simcoop.report.format import (
    fmt_eur,
    fmt_int,
    fmt_number,
    fmt_range,
)
from simcoop.report.tables.cells import (
    Cell,
    Row,
    Table,
    by_year,
    cell,
    keur,
    partial_note,
    quantiles,
    run_years,
    year_label,
)


def funding_frame(run: RunData) -> pd.DataFrame | None:
    """funding.csv summed per replication, year and funder, zeros filled in."""
    funding = run.funding
    if funding is None or funding.empty:
        return None
    sums = funding.groupby(["replication", "year", "funder"], as_index=False)[["earned_eur", "received_eur"]].sum()
    index = pd.MultiIndex.from_product(
        [
            sorted(run.kpis["replication"].unique()),
            sorted(sums["year"].unique()),
            list(dict.fromkeys(funding["funder"])),
        ],
        names=["replication", "year", "funder"],
    )
    return sums.set_index(["replication", "year", "funder"]).reindex(index, fill_value=0.0).reset_index()


def funding_table(run: RunData) -> Table | None:
    """Funding by funder and year (k€): medians earned and received."""
    frame = funding_frame(run)
    if frame is None:
        return None
    years = sorted(frame["year"].unique())
    rows = []
    for funder, group in frame.groupby("funder", sort=False):
        for what, col in (("acquis", "earned_eur"), ("reçus", "received_eur")):
            by = {int(y): g for y, g in group.groupby("year")[col]}
            total = group.groupby("replication")[col].sum()
            cells = tuple(Cell(keur(quantiles(by.get(int(y), []))[1])) for y in years) + (cell(total, keur),)
            rows.append(
                Row(
                    f"{funder} : acquis" if what == "acquis" else "reçus",
                    cells,
                    kind="" if what == "acquis" else "muted",
                )
            )
    totals = frame.groupby(["replication", "year"])["received_eur"].sum().reset_index()
    by = {int(y): g for y, g in totals.groupby("year")["received_eur"]}
    grand = totals.groupby("replication")["received_eur"].sum()
    rows.append(
        Row("Total reçu", tuple(cell(by.get(int(y), []), keur) for y in years) + (cell(grand, keur),), kind="total")
    )
    return Table(
        header=tuple(year_label(run, int(y)) for y in years) + ("Total",),
        rows=tuple(rows),
        compact=True,
        first_col="En milliers d'euros (k€)",
        note="Médianes sur les réplications. Acquis : droits ouverts dans l'année (comptés dans le résultat). Reçus : versements "
        "encaissés dans l'année, après le calendrier et le décalage de chaque convention ; ce qui échoit après l'horizon n'est pas reçu. "
        "Un engagement qui n'aboutit pas, ou une convention non renouvelée, donne zéro dans la réplication concernée.",
    )


def public_efficiency_table(run: RunData) -> Table:
    """Cost per person supported and per job, and contributions generated per euro of funding."""
    years = run_years(run)
    yearly = run.yearly
    lines = [
        ("Financements publics reçus (k€)", "public_funding_eur", keur),
        ("par personne accompagnée (€)", "public_funding_per_supported_eur", fmt_int),
        ("par emploi en ETP (€)", "public_funding_per_job_eur", fmt_int),
        ("Cotisations sociales générées par euro public", "contributions_to_funding_ratio", lambda v: fmt_number(v, 1)),
        ("Mois d'ARE économisés (estimation)", "are_months_saved", fmt_int),
    ]
    rows = []
    for label, col, fmt in lines:
        if col not in yearly:
            continue
        by = by_year(yearly, col)
        rows.append(Row(label, tuple(cell(by.get(y, []), fmt) for y in years)))
    return Table(
        header=tuple(year_label(run, y) for y in years),
        rows=tuple(rows),
        compact=True,
        first_col="Par année",
        note="Cotisations sociales : cotisations patronales et salariales sur les salaires des entrepreneurs-salariés, rapportées aux "
        "financements publics reçus dans l'année. " + partial_note(run),
    )


def horizon_public_figures(run: RunData) -> list[dict[str, str]]:
    """Whole-horizon public-money figures from kpis.csv."""
    kpis = run.kpis
    items = [
        ("Financements publics reçus", "public_funding_eur", fmt_eur),
        ("Coût public total (financements et étude de faisabilité)", "public_cost_eur", fmt_eur),
        ("Coût public par personne accompagnée", "public_cost_per_supported_eur", fmt_eur),
        ("Financements par personne accompagnée", "public_funding_per_supported_eur", fmt_eur),
        ("Financements par emploi-année en ETP", "public_funding_per_job_eur", fmt_eur),
        ("Cotisations sociales générées par euro public", "contributions_to_funding_ratio", lambda v: fmt_number(v, 1)),
        ("Mois d'ARE économisés (estimation)", "are_months_saved", fmt_int),
    ]
    out = []
    for label, col, fmt in items:
        if col in kpis:
            p5, p50, p95 = quantiles(kpis[col])
            out.append({"label": label, "value": fmt(p50), "range": fmt_range(p5, p95, fmt)})
    return out
