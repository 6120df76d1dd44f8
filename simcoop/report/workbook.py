"""The run as an Excel workbook (``workbook.xlsx``) a French office can paste from.

Sheets, all in euros with French labels:

- ``Lisez-moi``: the run (scenario, territory, simulations, seed) and how to read the sheets;
- ``Compte de résultat``: the cooperative's compte de résultat prévisionnel by year;
- ``Plan de financement``: resources, uses and the change of the own treasury by year;
- ``Plan de trésorerie``: month by month, flows and end-of-month treasuries;
- ``Financeurs``: each funder's amount by year, its total and its share of the budget;
- ``Indicateurs annuels``: the figures CAE publish, by year;
- ``Indicateurs``: each key indicator over the horizon (mean, 5/50/95 % quantiles);
- ``Hypothèses``: every value of the resolved scenario, with its French label.

Every amount is the **mean across the simulations** (replications): means add up, so a
total line is the sum of its lines and a workbook figure times the number of simulations
is the sum of the CSV column it comes from. Cells hold numbers (never text) with Excel
number formats; a French-locale spreadsheet shows them as ``1 234 567 €`` and ``12,5 %``.
The workbook is built from the run folder's files only (like the report).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simcoop.report.group_sums import GroupSums
from simcoop.report.run_parts import FundingSums, YearlyMeans, funding_sums, monthly_and_yearly_parts, read_table

__all__ = ["SHEETS", "WORKBOOK", "workbook_tables", "write_workbook"]

#: File name of the workbook in a run folder.
WORKBOOK = "workbook.xlsx"

#: Sheet names, in order (Excel limits them to 31 characters).
SHEETS: tuple[str, ...] = (
    "Lisez-moi",
    "Compte de résultat",
    "Plan de financement",
    "Plan de trésorerie",
    "Financeurs",
    "Indicateurs annuels",
    "Indicateurs",
    "Hypothèses",
)

EUR = '#,##0 "€";-#,##0 "€"'
PCT = "0.0 %"
COUNT = "#,##0"
DECIMAL = "#,##0.0"
MONTH = "mm/yyyy"


# --------------------------------------------------------------------------- reading the run folder
# (a part of whole replications at a time: simcoop.report.run_parts)


def _year_labels(months: pd.Series) -> dict[int, str]:
    """``months``: the months of each year in the run (``yearly.groupby("year")["months"].max()``)."""
    return {int(y): str(y) if m >= 12 else f"{y} ({m} mois)" for y, m in months.items()}


# --------------------------------------------------------------------------- the tables


def _income_statement(staff: pd.Series | None, yearly: pd.DataFrame) -> tuple[list[tuple[str, str, str]], pd.DataFrame]:
    """The compte de résultat's lines and its figures per replication and year, of the replications of
    ``yearly``; ``staff``: their staff costs per replication and year (the monthly table's sums), None when it has none."""
    frame = yearly.copy()
    if staff is not None:
        frame = frame.merge(staff.rename("staff_costs_eur").reset_index(), on=["replication", "year"], how="left")
        frame["other_costs_eur"] = frame["coop_costs_eur"] - frame["staff_costs_eur"]
    frame["revenue_eur"] = frame["contributions_eur"] + frame.get("prestations_eur", 0.0) + frame["public_funding_earned_eur"]
    frame["costs_total_eur"] = frame["coop_costs_eur"] + frame["exit_losses_eur"]
    frame["net_result_eur"] = frame["coop_result_eur"] - frame["corporate_tax_eur"]
    lines = [
        ("Contributions des entrepreneurs", "contributions_eur", ""),
        ("Financements publics acquis", "public_funding_earned_eur", ""),
        ("Total des produits", "revenue_eur", "total"),
        ("Charges de personnel", "staff_costs_eur", ""),
        ("Autres charges (locaux, frais, logiciel…)", "other_costs_eur", ""),
        ("Pertes sur sorties d'activités", "exit_losses_eur", ""),
        ("Total des charges", "costs_total_eur", "total"),
        ("Résultat avant impôt", "coop_result_eur", "total"),
        ("Impôt sur les sociétés", "corporate_tax_eur", ""),
        ("Résultat après impôt", "net_result_eur", "total"),
        ("dont part travail (salariés)", "part_travail_eur", "muted"),
    ]
    lines = [line for line in lines if line[1] in frame]
    return lines, frame


def _financing_plan(run: Any, opening: float | None) -> tuple[list[tuple[str, str | None, str]], pd.DataFrame]:
    """The report's plan de financement (``report.tables.financing_plan_frame``): its lines and its figures per replication and year."""
    from simcoop.report.tables import financing_plan_frame

    lines, frame, opening_eur = financing_plan_frame(run, opening)
    lines = [line for line in lines if line[1] is None or line[1] in frame]
    if np.isnan(opening_eur):
        lines = [line for line in lines if line[1] != "opening_eur"]
    return lines, frame


#: Columns of the plan de trésorerie: (label, monthly column, number format).
CASH_PLAN_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("Contributions encaissées", "contributions_eur", EUR),
    ("Financements publics reçus", "public_funding_eur", EUR),
    ("Capital versé", "capital_paid_in_eur", EUR),
    ("Capital remboursé", "capital_repaid_eur", EUR),
    ("Charges de la coopérative", "coop_costs_eur", EUR),
    ("Résultat du mois", "coop_result_eur", EUR),
    ("Avances aux activités (fin de mois)", "advances_eur", EUR),
    ("Trésorerie propre (fin de mois)", "coop_treasury_eur", EUR),
    ("Trésorerie consolidée (fin de mois)", "consolidated_cash_eur", EUR),
    ("Entrepreneurs actifs (fin de mois)", "n_active", DECIMAL),
)

#: Rows of the yearly indicators: (label, yearly column, number format).
YEARLY_INDICATORS: tuple[tuple[str, str, str], ...] = (
    ("Accueils", "accueils", DECIMAL),
    ("Entrées en CAPE", "cape_entries", DECIMAL),
    ("Entrées en CESA", "cesa_entries", DECIMAL),
    ("Nouveaux associés", "associe_entries", DECIMAL),
    ("Personnes accompagnées dans l'année", "supported", DECIMAL),
    ("dont salariées (CESA)", "salaried", DECIMAL),
    ("dont associées", "associes", DECIMAL),
    ("Entrepreneurs actifs en fin d'année", "active_end", DECIMAL),
    ("Sorties", "exits", DECIMAL),
    ("dont vers une entreprise propre", "exits_own_company", DECIMAL),
    ("dont vers un emploi salarié", "exits_salaried_job", DECIMAL),
    ("Chiffre d'affaires des activités (HT)", "turnover_eur", EUR),
    ("Salaires bruts versés", "gross_salaries_eur", EUR),
    ("Emplois en équivalent temps plein", "jobs_fte", DECIMAL),
    ("Contributions des entrepreneurs", "contributions_eur", EUR),
    ("Financements publics acquis", "public_funding_earned_eur", EUR),
    ("Financements publics reçus", "public_funding_eur", EUR),
    ("Charges de la coopérative", "coop_costs_eur", EUR),
    ("Résultat avant impôt", "coop_result_eur", EUR),
    ("Trésorerie propre en fin d'année", "coop_treasury_end_eur", EUR),
    ("Équipe d'accompagnement (ETP, fin d'année)", "staff_fte_end", DECIMAL),
)

#: The KPIs of the ``Indicateurs`` sheet: (label, kpi, number format).
HORIZON_INDICATORS: tuple[tuple[str, str, str], ...] = (
    ("Accueils sur l'horizon", "accueils", DECIMAL),
    ("Entrées en CAPE", "cape_entries", DECIMAL),
    ("Entrées en CESA", "cesa_entries", DECIMAL),
    ("Entrepreneurs actifs à la fin", "active_end", DECIMAL),
    ("Part des sorties positives", "positive_exit_rate", PCT),
    ("Chiffre d'affaires des activités (HT)", "turnover_eur", EUR),
    ("Emplois en ETP, dernière année", "jobs_fte_final_year", DECIMAL),
    ("Financements publics reçus", "public_funding_eur", EUR),
    ("Coût public (financements et étude)", "public_cost_eur", EUR),
    ("Coût public par personne accompagnée", "public_cost_per_supported_eur", EUR),
    ("Cotisations sociales par euro public", "contributions_to_funding_ratio", "0.00"),
    ("Résultat cumulé avant impôt", "coop_result_eur", EUR),
    ("Trésorerie propre la plus basse", "min_coop_treasury_eur", EUR),
    ("Trésorerie propre à la fin", "final_coop_treasury_eur", EUR),
    ("Fonds propres à la fin", "final_own_funds_eur", EUR),
    ("Mois de l'équilibre (résultat glissant 12 mois > 0)", "break_even_month", DECIMAL),
    ("Cessation de paiements (part des simulations)", "insolvent", PCT),
)



def _funders(funding: FundingSums | None, years: list[int], budget_rows: np.ndarray, replications: int) -> pd.DataFrame | None:
    """Per funder: mean amount earned per year, total, and share of the cooperative's budget over the horizon.

    The budget is the cooperative's own revenue: contributions plus public funding earned
    (the ``Total des produits`` of the compte de résultat), of each row of yearly (``budget_rows``).
    """
    if funding is None or funding.rows == 0:
        return None
    per_year = funding.earned_by_funder_and_year().unstack("year")
    per_year = per_year.reindex(columns=years, fill_value=0.0).fillna(0.0) / replications
    order = list(dict.fromkeys(funder for funder, _ in funding.pairs))
    per_year = per_year.reindex(order)
    per_year["total"] = per_year[years].sum(axis=1)
    budget = float(pd.Series(budget_rows).sum()) / replications
    per_year["share_of_budget"] = per_year["total"] / budget if budget > 0 else np.nan
    received = funding.received_by_funder().reindex(order) / replications
    per_year["received_total"] = received
    return per_year


def _monthly_columns() -> list[str]:
    """The monthly columns the workbook reads: its keys, the staff costs, the cash plan's and the financing plan's."""
    from simcoop.report.tables.accounts import FINANCING_FLOWS, FINANCING_STOCKS

    cash = [c for _, c, _ in CASH_PLAN_COLUMNS]
    return list(dict.fromkeys(["replication", "month", "date", "staff_costs_eur", *cash, *FINANCING_FLOWS, *FINANCING_STOCKS]))


def workbook_tables(run_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """The numbers behind each sheet, from a run folder (what ``write_workbook`` lays out)."""
    folder = Path(run_dir)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    scenario = manifest["scenario"]
    kpis = read_table(folder, "kpis")
    if kpis is None or not all(any((folder / f"{name}.{kind}").is_file() for kind in ("parquet", "csv")) for name in ("monthly", "yearly")):
        raise FileNotFoundError(f"{folder} is not a simcoop run folder (monthly, yearly and kpis are needed)")
    start_year, start_month = (int(x) for x in scenario["meta"]["start_month"].split("-"))
    replications = int(manifest["replications"])
    from simcoop.report.data import RunData
    from simcoop.scenario import scenario_from_dict
    from simcoop.scenario.derived import opening_funds_eur

    opening = opening_funds_eur(scenario_from_dict(scenario, source=str(folder / "manifest.json")))[3]
    # The monthly and yearly tables are read a part of whole replications at a time (a Parquet row
    # group), and every mean across replications is carried from part to part (``GroupSums``: the
    # bits of the groupby of the whole table): the process holds one part, never the run's tables.
    income, financing, indicators = YearlyMeans(), YearlyMeans(), YearlyMeans()
    cash: GroupSums | None = None
    dates: pd.Series | None = None
    months_parts, budget_parts = [], []
    for monthly, yearly in monthly_and_yearly_parts(folder, _monthly_columns()):
        monthly = monthly.assign(year=start_year + (start_month - 1 + monthly["month"].to_numpy()) // 12)
        staff = monthly.groupby(["replication", "year"])["staff_costs_eur"].sum() if "staff_costs_eur" in monthly else None
        income_lines, frame = _income_statement(staff, yearly)
        income.add(frame, [c for _, c, _ in income_lines])
        run = RunData(manifest=manifest, monthly=monthly, yearly=yearly, kpis=kpis, funding=None, verdict=None, folder=folder)
        financing_lines, frame = _financing_plan(run, opening)
        financing.add(frame, [c for _, c, _ in financing_lines if c is not None])
        indicators.add(yearly, [c for _, c, _ in YEARLY_INDICATORS])
        cash_columns = [c for c in CASH_PLAN_COLUMNS if c[1] in monthly]
        cash = cash or GroupSums([c for _, c, _ in cash_columns], key_name="month")
        cash.add(monthly["month"].to_numpy(), monthly)
        first = monthly.groupby("month", sort=True)["date"].first()
        dates = first if dates is None else dates.combine_first(first)
        months_parts.append(yearly.groupby("year")["months"].max())
        budget_parts.append((yearly["contributions_eur"] + yearly.get("prestations_eur", 0.0) + yearly["public_funding_earned_eur"]).to_numpy())
        yearly_indicators = [r for r in YEARLY_INDICATORS if r[1] in yearly]
        del monthly, yearly, run, frame
    assert cash is not None and dates is not None
    cash_plan = cash.mean()
    cash_plan.insert(0, "date", dates)
    months = pd.concat(months_parts).groupby(level=0).max()
    funding = funding_sums(folder)
    return {
        "manifest": manifest,
        "scenario": scenario,
        "replications": replications,
        "year_labels": _year_labels(months),
        "income_lines": income_lines,
        "income": income.table(),
        "financing_lines": financing_lines,
        "financing": financing.table(),
        "cash_columns": cash_columns,
        "cash": cash_plan,
        "funders": _funders(funding, sorted(int(y) for y in months.index), np.concatenate(budget_parts), replications),
        "yearly_indicators": yearly_indicators,
        "yearly": indicators.table(),
        "kpis": kpis,
    }


# --------------------------------------------------------------------------- writing


def _leaves(data: Any, path: str = "") -> Iterable[tuple[str, Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list) and data and all(isinstance(v, dict) for v in data):
        for i, value in enumerate(data):
            yield from _leaves(value, f"{path}.{i}")
    else:
        yield path, data


class _Sheet:
    """A small writer over an openpyxl worksheet: titles, header rows, rows of numbers with formats."""

    def __init__(self, ws: Any) -> None:
        from openpyxl.styles import Alignment, Font, PatternFill

        self.ws = ws
        self.row = 1
        self.bold = Font(bold=True)
        self.title_font = Font(bold=True, size=13)
        self.muted = Font(italic=True, color="666666")
        self.head_fill = PatternFill("solid", fgColor="DDE5F0")
        self.total_fill = PatternFill("solid", fgColor="F2F2F2")
        self.wrap = Alignment(wrap_text=True, vertical="top")

    def title(self, text: str) -> None:
        self.ws.cell(self.row, 1, text).font = self.title_font
        self.row += 1

    def text(self, text: str, muted: bool = False) -> None:
        cell = self.ws.cell(self.row, 1, text)
        if muted:
            cell.font = self.muted
        self.row += 1

    def blank(self) -> None:
        self.row += 1

    def header(self, first: str, labels: Sequence[str]) -> None:
        for col, label in enumerate([first, *labels], start=1):
            cell = self.ws.cell(self.row, col, label)
            cell.font = self.bold
            cell.fill = self.head_fill
        self.ws.freeze_panes = self.ws.cell(self.row + 1, 2)
        self.row += 1

    def values(self, label: str, values: Sequence[Any], fmt: str | Sequence[str], kind: str = "") -> None:
        cell = self.ws.cell(self.row, 1, label)
        if kind in ("total", "head"):
            cell.font = self.bold
        if kind == "muted":
            cell.font = self.muted
        formats = [fmt] * len(values) if isinstance(fmt, str) else list(fmt)
        for col, (value, number_format) in enumerate(zip(values, formats, strict=True), start=2):
            value = _number(value)
            if number_format == EUR and isinstance(value, float):
                value = round(value, 2)  # euros to the cent; shares and counts keep their precision
            target = self.ws.cell(self.row, col, value)
            target.number_format = number_format
            if kind == "total":
                target.font = self.bold
                target.fill = self.total_fill
        if kind == "total":
            cell.fill = self.total_fill
        self.row += 1

    def widths(self, first: float, others: float, count: int) -> None:
        from openpyxl.utils import get_column_letter

        self.ws.column_dimensions["A"].width = first
        for col in range(2, count + 2):
            self.ws.column_dimensions[get_column_letter(col)].width = others


def _number(value: Any) -> Any:
    """A cell value: a float, an int, a date, a text, or empty (None) for a missing value."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (np.integer, int)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return float(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def write_workbook(run_dir: str | os.PathLike[str], path: str | os.PathLike[str] | None = None) -> Path:
    """Write the workbook of the run folder ``run_dir`` (default: ``run_dir/workbook.xlsx``); return its path."""
    from openpyxl import Workbook

    from simcoop._atomic import write_file_atomically

    folder = Path(run_dir)
    target = Path(path) if path is not None else folder / WORKBOOK
    t = workbook_tables(folder)
    manifest, scenario, n = t["manifest"], t["scenario"], t["replications"]
    years = list(t["year_labels"])
    year_header = [t["year_labels"][y] for y in years]
    wb = Workbook()
    sheets = {name: (wb.active if i == 0 else wb.create_sheet()) for i, name in enumerate(SHEETS)}
    for name, ws in sheets.items():
        ws.title = name

    # Lisez-moi
    s = _Sheet(sheets["Lisez-moi"])
    meta = scenario["meta"]
    s.title(f"Simulation de la CAE « {meta.get('name', '')} »")
    for label, value in (
        ("Territoire", meta.get("territory_name", "")),
        ("Ouverture", meta.get("start_month", "")),
        ("Horizon (mois)", meta.get("horizon_months", "")),
        ("Nombre de simulations", n),
        ("Graine aléatoire", manifest.get("seed", "")),
        ("Version de simcoop", manifest.get("simcoop_version", "")),
        ("Empreinte du scénario (SHA-256)", manifest.get("scenario_hash", "")),
    ):
        s.ws.cell(s.row, 1, label).font = s.bold
        s.ws.cell(s.row, 2, value)
        s.row += 1
    s.blank()
    for line in (
        f"Chaque montant est la moyenne des {n} simulations : les moyennes s'additionnent, un total est la somme de ses lignes.",
        "Montants en euros ; les pourcentages et les nombres suivent le format de votre tableur (1 234 567 €, 12,5 %).",
        "Une année incomplète (ouverture ou fin de l'horizon en cours d'année) indique son nombre de mois.",
        "Le rapport (report.pdf) donne les médianes et les fourchettes de 5 % à 95 % ; les fichiers CSV, chaque simulation.",
        "",
        "Feuilles : " + ", ".join(SHEETS[1:]) + ".",
    ):
        s.text(line)
    s.widths(34, 70, 1)

    # Compte de résultat
    s = _Sheet(sheets["Compte de résultat"])
    s.title("Compte de résultat prévisionnel de la coopérative (moyennes, euros)")
    s.header("", [*year_header, "Total"])
    for label, col, kind in t["income_lines"]:
        row = t["income"].loc[col].reindex(years)
        s.values(label, [*row.tolist(), float(row.sum())], EUR, kind)
    s.text(
        "Budget propre de la coopérative, hors chiffre d'affaires des activités. Financements comptés quand ils sont acquis.",
        muted=True,
    )
    s.widths(44, 15, len(years) + 1)

    # Plan de financement
    s = _Sheet(sheets["Plan de financement"])
    s.title("Plan de financement (moyennes, euros)")
    s.header("", year_header)
    for label, col, kind in t["financing_lines"]:
        if col is None:
            s.values(label, [], EUR, "head")
            continue
        s.values(label, t["financing"].loc[col].reindex(years).tolist(), EUR, kind)
    s.text(
        "La variation de trésorerie comprend aussi des mouvements non détaillés (soldes versés aux sortants, encaissements "
        "pour le compte d'activités fermées, décalages de paiement).",
        muted=True,
    )
    s.widths(48, 15, len(years))

    # Plan de trésorerie
    s = _Sheet(sheets["Plan de trésorerie"])
    s.title("Plan de trésorerie mois par mois (moyennes, euros ; flux du mois, trésoreries en fin de mois)")
    columns = t["cash_columns"]
    s.header("Mois", [label for label, _, _ in columns])
    for _, values in t["cash"].iterrows():
        s.ws.cell(s.row, 1, _number(pd.Timestamp(values["date"]))).number_format = MONTH
        for col, (_, name, fmt) in enumerate(columns, start=2):
            s.ws.cell(s.row, col, _number(values[name])).number_format = fmt
        s.row += 1
    s.widths(12, 17, len(columns))

    # Financeurs
    s = _Sheet(sheets["Financeurs"])
    s.title("Financements publics par financeur (moyennes, euros acquis dans l'année)")
    funders = t["funders"]
    if funders is None:
        s.text("Ce scénario ne prévoit aucune convention de financement public.")
    else:
        s.header("Financeur", [*year_header, "Total", "Part du budget", "Total reçu sur l'horizon"])
        formats = [EUR] * (len(years) + 1) + [PCT, EUR]
        for funder, row in funders.iterrows():
            s.values(
                str(funder),
                [*row[years].tolist(), row["total"], row["share_of_budget"], row["received_total"]],
                formats,
            )
        totals = funders[[*years, "total", "share_of_budget", "received_total"]].sum()
        s.values("Total des financements publics", totals.tolist(), formats, "total")
        s.text(
            "Part du budget : le total acquis du financeur sur l'horizon divisé par les produits de la coopérative "
            "(contributions des entrepreneurs et financements publics acquis) sur l'horizon.",
            muted=True,
        )
        s.text(
            "Reçu : versements encaissés sur l'horizon, après le calendrier et le décalage de chaque convention.",
            muted=True,
        )
    s.widths(40, 15, len(years) + 3)

    # Indicateurs annuels
    s = _Sheet(sheets["Indicateurs annuels"])
    s.title("Indicateurs par année (moyennes des simulations)")
    s.header("", year_header)
    for label, col, fmt in t["yearly_indicators"]:
        s.values(label, t["yearly"].loc[col].reindex(years).tolist(), fmt)
    s.widths(44, 15, len(years))

    # Indicateurs sur l'horizon
    s = _Sheet(sheets["Indicateurs"])
    s.title(f"Indicateurs sur l'horizon, à travers les {n} simulations")
    s.header("", ["Moyenne", "5 %", "Médiane", "95 %", "Simulations avec une valeur"])
    kpis = t["kpis"]
    for label, kpi, fmt in HORIZON_INDICATORS:
        if kpi not in kpis:
            continue
        values = pd.to_numeric(kpis[kpi], errors="coerce").astype(float).dropna()
        stats = (
            [values.mean(), values.quantile(0.05), values.quantile(0.5), values.quantile(0.95)]
            if len(values)
            else [np.nan] * 4
        )
        s.values(label, [*stats, len(values)], [fmt] * 4 + [COUNT])
    s.widths(52, 15, 5)

    # Hypothèses
    s = _Sheet(sheets["Hypothèses"])
    s.title("Hypothèses du scénario (valeurs utilisées par la simulation)")
    s.header("Hypothèse", ["Valeur", "Clé du scénario"])
    from simcoop.report.labels import key_label

    for key, value in _leaves(scenario):
        label = key_label(key)
        shown = json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else value
        s.ws.cell(s.row, 1, label if label != key else key.split(".")[-1].replace("_", " "))
        cell = s.ws.cell(s.row, 2, _number(shown))
        if isinstance(shown, float) and (key.endswith(("rate", "share")) or "_rate" in key):
            cell.number_format = "0.0## %"
        elif isinstance(shown, (int, float)) and not isinstance(shown, bool) and key.endswith("_eur"):
            cell.number_format = EUR
        s.ws.cell(s.row, 3, key).font = s.muted
        s.row += 1
    s.widths(60, 22, 2)

    if path is None:  # in the run folder: a file of the run, registered in its marker
        from simcoop.outdir import add_owned_file

        return add_owned_file(folder, WORKBOOK, wb.save, "run", manifest.get("scenario_hash"))
    write_file_atomically(target, wb.save)
    return target
