"""The parcours and the economy, and the cooperative's accounts: income statement, financing and cash plans."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from simcoop.report import labels as L
from simcoop.report.data import RunData
from simcoop.report.format import (
    NBSP,
    fmt_int,
    fmt_keur,
    fmt_month_index,
    fmt_number,
    fmt_pct,
)
from simcoop.report.tables.cells import (
    Cell,
    Row,
    Table,
    by_year,
    cell,
    keur,
    monthly_by_replication,
    monthly_by_year,
    monthly_rows,
    partial_note,
    quantiles,
    run_years,
    year_label,
)


def exits_table(run: RunData) -> Table:
    """Exits over the horizon by destination and by motive: medians and ranges, share of exits."""
    totals = monthly_by_replication(run, [c for c in run.monthly_table.columns if c.startswith("exits")])
    exits = totals["exits"].replace(0, np.nan)
    rows = [Row("Par destination", (), kind="head")]
    for dest in ("own_company", "salaried_job", "stop"):
        col = f"exits_{dest}"
        if col in totals:
            rows.append(
                Row(L.DESTINATION_LABELS[dest], (cell(totals[col], fmt_int), cell(totals[col] / exits, fmt_pct)))
            )
    rows.append(
        Row("Toutes les sorties", (cell(totals["exits"], fmt_int), Cell("100 %".replace(" ", NBSP))), kind="total")
    )
    rows.append(Row("Par motif", (), kind="head"))
    # The motives own_company / salaried_job are hazard exits with that destination; the
    # others have their own columns. Hazard exits to a company or a job = destination minus
    # those counted in the motive columns with that destination, which the tables do not split:
    # only the motive columns are shown, with the remainder as "départ vers une entreprise ou un emploi".
    motive_cols = [
        c
        for c in (
            "activity_not_viable",
            "personal_reasons",
            "end_of_cape",
            "end_of_trial_period",
            "not_associe_in_time",
        )
        if f"exits_{c}" in totals
    ]
    rest = totals["exits"] - totals[[f"exits_{c}" for c in motive_cols]].sum(axis=1)
    rows.append(Row("Départ vers une entreprise ou un emploi", (cell(rest, fmt_int), cell(rest / exits, fmt_pct))))
    for motive in motive_cols:
        col = totals[f"exits_{motive}"]
        rows.append(Row(L.MOTIVE_LABELS[motive], (cell(col, fmt_int), cell(col / exits, fmt_pct))))
    return Table(
        header=("Sorties sur l'horizon", "Part des sorties"),
        rows=tuple(rows),
        first_col="",
        note="Médiane et, dessous, l'intervalle de 5 à 95 % des simulations. Une sortie a une destination et un motif : "
        "les fins de CAPE, de période d'essai et d'échéance du sociétariat ont aussi une destination.",
    )


#: The yearly columns the economy table reads.
ECONOMY_COLUMNS: tuple[str, ...] = (
    "year", "turnover_eur", "gross_salaries_eur", "salaried", "jobs_fte", "supported",
    "employer_contributions_eur", "employee_contributions_eur",
)  # fmt: skip

#: The yearly columns the income statement reads, those the table has (each name it uses, the lines' too).
INCOME_COLUMNS: tuple[str, ...] = (
    "replication", "year", "contributions_eur", "prestations_eur", "public_funding_earned_eur", "revenue_eur",
    "staff_costs_eur", "other_costs_eur", "coop_costs_eur", "exit_losses_eur", "interest_eur", "coop_costs_total",
    "coop_result_eur", "part_travail_eur", "corporate_tax_eur", "net_result_eur",
)  # fmt: skip


def economy_table(run: RunData) -> Table:
    """Turnover, salaries, jobs and income per salaried person, by year."""
    # The columns read, not a copy of the table's 64 (50 MB at 10,000 replications).
    yearly = run.yearly[list(ECONOMY_COLUMNS)].copy()
    yearly["pay_per_salaried"] = yearly["gross_salaries_eur"] / yearly["salaried"].replace(0, np.nan)
    years = run_years(run)
    lines = [
        ("Chiffre d'affaires (k€)", "turnover_eur", keur),
        ("Salaires bruts versés (k€)", "gross_salaries_eur", keur),
        ("Cotisations sociales (k€)", None, keur),
        ("Emplois (ETP, moyenne de l'année)", "jobs_fte", lambda v: fmt_number(v, 0)),
        ("Personnes accompagnées", "supported", fmt_int),
        ("dont entrepreneurs-salariés", "salaried", fmt_int),
        ("Salaire brut annuel par salarié (k€)", "pay_per_salaried", lambda v: fmt_keur(v, 1)),
    ]
    yearly["social_contributions"] = yearly["employer_contributions_eur"] + yearly["employee_contributions_eur"]
    rows = []
    for label, col, fmt in lines:
        col = col or "social_contributions"
        by = by_year(yearly, col)
        rows.append(Row(label, tuple(cell(by.get(y, []), fmt) for y in years)))
    return Table(
        header=tuple(year_label(run, y) for y in years),
        rows=tuple(rows),
        compact=True,
        first_col="Par année",
        note="Médiane et, dessous, l'intervalle de 5 à 95 % des simulations. Salaire par salarié : salaires bruts de l'année "
        "divisés par le nombre de personnes passées en CESA dans l'année (présentes tout ou partie de l'année). "
        + partial_note(run),
    )


# --------------------------------------------------------------------------- the cooperative's accounts


def income_statement(run: RunData) -> Table:
    """Compte de résultat prévisionnel by year (k€): medians with 5-95 % ranges."""
    years = run_years(run)
    yearly = run.yearly[[c for c in INCOME_COLUMNS if c in run.yearly]].copy()  # the columns read, not a copy of all
    staff = monthly_by_year(run, ["staff_costs_eur"]) if "staff_costs_eur" in run.monthly_table else None
    if staff is not None:
        yearly = yearly.merge(staff, on=["replication", "year"], how="left")
        yearly["other_costs_eur"] = yearly["coop_costs_eur"] - yearly["staff_costs_eur"]
    yearly["revenue_eur"] = yearly["contributions_eur"] + yearly.get("prestations_eur", 0.0) + yearly["public_funding_earned_eur"]
    # In a SCOP the part travail is a charge of the year (participation des salariés), before tax.
    yearly["net_result_eur"] = yearly["coop_result_eur"] - yearly["part_travail_eur"] - yearly["corporate_tax_eur"]
    if "interest_eur" not in yearly:
        yearly["interest_eur"] = 0.0
    lines = [
        ("Contributions des entrepreneurs", "contributions_eur", ""),
        ("Subventions d'exploitation acquises", "public_funding_earned_eur", ""),
        ("Total des produits", "revenue_eur", "total"),
        ("Charges de personnel", "staff_costs_eur", ""),
        ("Autres charges (locaux, frais, logiciel…)", "other_costs_eur", ""),
        ("Pertes sur sorties d'activités", "exit_losses_eur", ""),
        ("Charges financières (intérêts, agios)", "interest_eur", ""),
        ("Total des charges", "coop_costs_total", "total"),
        ("Résultat avant participation et impôt", "coop_result_eur", "total"),
        ("Participation des salariés (part travail)", "part_travail_eur", ""),
        ("Impôt sur les sociétés", "corporate_tax_eur", ""),
        ("Résultat net", "net_result_eur", "total"),
    ]
    yearly["coop_costs_total"] = yearly["coop_costs_eur"] + yearly["exit_losses_eur"] + yearly["interest_eur"]
    rows = []
    for label, col, kind in lines:
        if col not in yearly:
            continue
        by = by_year(yearly, col)
        rows.append(Row(label, tuple(cell(by.get(y, []), keur) for y in years), kind=kind))
    return Table(
        header=tuple(year_label(run, y) for y in years),
        rows=tuple(rows),
        compact=True,
        first_col="En milliers d'euros (k€)",
        note="Budget propre de la coopérative (hors chiffre d'affaires des activités). Financements comptés quand ils sont acquis. "
        "Chaque ligne est une médiane sur les simulations : les médianes ne s'additionnent pas exactement. "
        + partial_note(run),
    )


def balance_sheet(run: RunData) -> Table | None:
    """Bilan simplifié at each year's end (k€): fonds propres, quasi-fonds propres, dettes, own cash."""
    yearly = run.yearly
    if "quasi_equity_end_eur" not in yearly:
        return None
    years = run_years(run)
    lines = [
        ("Fonds propres (capital, réserves, résultat)", "own_funds_end_eur", ""),
        ("Quasi-fonds propres (contrats d'apport, prêts participatifs)", "quasi_equity_end_eur", ""),
        ("Dettes financières (emprunts, avances remboursables, Dailly)", "debt_outstanding_end_eur", ""),
        ("Trésorerie propre", "coop_treasury_end_eur", "total"),
    ]
    rows = []
    for label, col, kind in lines:
        by = by_year(yearly, col)
        rows.append(Row(label, tuple(cell(by.get(y, []), keur) for y in years), kind=kind))
    return Table(
        header=tuple(year_label(run, y) for y in years),
        rows=tuple(rows),
        compact=True,
        first_col="En milliers d'euros (k€), fin d'année",
        caption="Bilan simplifié : ce qui finance la coopérative",
        note="Les quasi-fonds propres sont remboursables mais subordonnés aux autres dettes ; les banques les comptent avec "
        "les fonds propres. Médianes sur les simulations.",
    )


def opening_funds_eur(run: RunData) -> float | None:
    """Cash at opening, as the run folder's manifest records it (``Scenario.opening_cash_eur``:
    initial treasury plus opening capital, minus pre-opening costs); None for a folder that predates it."""
    value = run.manifest.get("opening_cash_eur")
    return None if value is None else float(value)


FinancingLines = list[tuple[str, "str | None", str]]

#: Monthly columns the plan de financement sums by year (flows) and takes at each year's end (stocks).
FINANCING_FLOWS: tuple[str, ...] = (
    "capital_paid_in_eur", "capital_repaid_eur", "allocations_paid_eur", "public_funding_eur",
    "financing_received_eur", "financing_repaid_eur",
)  # fmt: skip
FINANCING_STOCKS: tuple[str, ...] = ("advances_eur", "funding_receivable_eur", "coop_treasury_eur", "consolidated_cash_eur")


def financing_plan_frame(run: RunData, opening_funds: float | None = None) -> tuple[FinancingLines, pd.DataFrame, float]:
    """The plan de financement's lines (label, column, kind) and its figures per replication and year.

    Shared by the report's table and the workbook's sheet, so that both state one plan.
    Returns the lines, the frame and the opening funds (NaN when unknown).
    """
    years = run_years(run)
    flows = monthly_by_year(run, [c for c in FINANCING_FLOWS if c in run.monthly_table])
    stocks = monthly_by_year(run, [c for c in FINANCING_STOCKS if c in run.monthly_table], how="last")
    frame = (
        run.yearly[["replication", "year", "coop_result_eur", "corporate_tax_eur", "part_travail_eur"]]
        .merge(flows, on=["replication", "year"])
        .merge(stocks, on=["replication", "year"])
    )
    frame = frame.sort_values(["replication", "year"])
    first_year = years[0] if years else None
    if opening_funds is None:
        opening_funds = opening_funds_eur(run)
    opening = float(opening_funds) if opening_funds is not None else np.nan
    for col in ("advances_eur", "funding_receivable_eur", "coop_treasury_eur"):
        previous = frame.groupby("replication")[col].shift(1)
        start = (
            0.0 if col != "coop_treasury_eur" or not np.isnan(opening) else np.nan
        )  # the opening funds are a resource
        frame[f"delta_{col}"] = frame[col] - previous.fillna(start)
    frame["opening_eur"] = np.where(frame["year"] == first_year, opening, 0.0)
    # CAF (capacité d'autofinancement): the net result plus non-cash charges; the model has no
    # depreciation or provisions, so it is the net result after part travail and tax. Those
    # two are paid the next year: their payment is a use below, with the interest on capital.
    frame["caf_eur"] = frame["coop_result_eur"] - frame["part_travail_eur"] - frame["corporate_tax_eur"]
    frame["allocations_accrued_eur"] = frame["part_travail_eur"] + frame["corporate_tax_eur"]
    lines = [
        ("Ressources", None, "head"),
        ("Capital et trésorerie d'ouverture", "opening_eur", ""),
        ("Capacité d'autofinancement (CAF)", "caf_eur", ""),
        ("Part travail et impôt de l'année (versés l'année suivante)", "allocations_accrued_eur", ""),
        ("Capital versé par les associés", "capital_paid_in_eur", ""),
        ("Quasi-fonds propres, emprunts, avances, Dailly reçus", "financing_received_eur", ""),
        ("Emplois", None, "head"),
        ("Capital remboursé aux anciens associés", "capital_repaid_eur", ""),
        ("Remboursements d'emprunts, d'avances et de Dailly", "financing_repaid_eur", ""),
        ("Impôt, part travail et intérêts versés", "allocations_paid_eur", ""),
        ("Hausse des avances aux activités", "delta_advances_eur", ""),
        ("Hausse des financements à recevoir", "delta_funding_receivable_eur", ""),
        ("Trésorerie", None, "head"),
        ("Variation de la trésorerie propre", "delta_coop_treasury_eur", "total"),
        ("Trésorerie propre en fin d'année", "coop_treasury_eur", "total"),
        ("Trésorerie consolidée (banque) en fin d'année", "consolidated_cash_eur", ""),
    ]
    return lines, frame, opening


def financing_plan(run: RunData, opening_funds: float | None = None) -> Table:
    """Plan de financement by year (k€): resources, uses and the change in the cooperative's own cash."""
    years = run_years(run)
    lines, frame, opening = financing_plan_frame(run, opening_funds)
    rows = []
    for label, col, kind in lines:
        if col is None:
            rows.append(Row(label, (), kind="head"))
            continue
        if col not in frame or (col == "opening_eur" and np.isnan(opening)):
            continue
        by = by_year(frame, col)
        with_range = col != "opening_eur"
        rows.append(Row(label, tuple(cell(by.get(y, []), keur, with_range) for y in years), kind=kind))
    return Table(
        header=tuple(year_label(run, y) for y in years),
        rows=tuple(rows),
        compact=True,
        first_col="En milliers d'euros (k€)",
        note="La variation de trésorerie comprend aussi des mouvements non détaillés ici (soldes versés aux sortants, encaissements "
        "pour le compte d'activités fermées, décalages de paiement). Trésorerie consolidée : trésorerie propre plus celle des activités. "
        + partial_note(run),
    )


def cash_plan(run: RunData, months: int = 24) -> Table:
    """Plan de trésorerie of the first ``months`` months: medians per month (k€)."""
    columns = [
        ("Contributions", "contributions_eur"),
        ("Financements reçus", "public_funding_eur"),
        ("Capital versé", "capital_paid_in_eur"),
        ("Charges", "coop_costs_eur"),
        ("Avances aux activités (fin de mois)", "advances_eur"),
        ("Trésorerie propre (fin de mois)", "coop_treasury_eur"),
        ("Trésorerie consolidée (fin de mois)", "consolidated_cash_eur"),
        ("Entrepreneurs actifs", "n_active"),
    ]
    columns = [(label, col) for label, col in columns if col in run.monthly_table]
    monthly = monthly_rows(run, [c for _, c in columns], first_months=months)
    med = monthly.groupby("month")[[c for _, c in columns]].median()
    rows = []
    for month, values in med.iterrows():
        cells = []
        for _, col in columns:
            value = values[col]
            cells.append(Cell(fmt_int(value) if col == "n_active" else fmt_number(value / 1000, 1)))
        rows.append(Row(fmt_month_index(month, run.start_month), tuple(cells)))
    return Table(
        header=tuple(label for label, _ in columns),
        rows=tuple(rows),
        compact=True,
        first_col="Mois",
        note="Médianes sur les simulations, en milliers d'euros (k€) sauf les entrepreneurs. Flux du mois ; trésoreries en fin de mois.",
    )


def public_share_rows(run: RunData) -> dict[str, Any]:
    """The public share of the cooperative's budget per year: the years and the 5/50/95 % quantiles (for the chart)."""
    years = run_years(run)
    by = by_year(run.yearly, "public_share_of_budget")
    q = {y: quantiles(by.get(y, [])) for y in years}
    return {
        "years": years,
        "p5": [q[y][0] for y in years],
        "p50": [q[y][1] for y in years],
        "p95": [q[y][2] for y in years],
    }
