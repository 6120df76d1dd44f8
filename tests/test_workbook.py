"""The workbook of `simcoop run` (workbook.xlsx): opens with openpyxl, French sheets, sums that match the CSVs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

import simcoop
from simcoop.cli import main
from simcoop.report.workbook import EUR, PCT, SHEETS

from .conftest import SCENARIOS

openpyxl = pytest.importorskip("openpyxl")


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`simcoop run` on the territory example over 30 months (a partial last year), 3 replications."""
    base = tmp_path_factory.mktemp("wb")
    data = yaml.safe_load((SCENARIOS / "territory_example.yaml").read_text(encoding="utf-8"))
    data["meta"]["horizon_months"] = 30
    data["simulation"]["replications"] = 3
    zones = data["territory"].get("zones_file")
    if zones:
        (base / zones).write_bytes((SCENARIOS / zones).read_bytes())
    path = base / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    simcoop.load_scenario(path)
    out = base / "run"
    assert main(["run", str(path), "--out", str(out), "-q"]) == 0
    return out


def _rows(ws) -> dict[str, list]:
    return {row[0].value: row[1:] for row in ws.iter_rows() if isinstance(row[0].value, str)}


def _header(ws, first: str | None = None) -> list:
    for row in ws.iter_rows():
        if row[0].value == first and row[1].value is not None:
            return [c.value for c in row[1:]]
    raise AssertionError(f"no header row in {ws.title}")


def test_the_workbook_opens_with_its_french_sheets(run_folder: Path) -> None:
    wb = openpyxl.load_workbook(run_folder / "workbook.xlsx")
    assert tuple(wb.sheetnames) == SHEETS
    income = wb["Compte de résultat"]
    assert _header(income) == ["2027", "2028", "2029 (6 mois)", "Total"]
    cell = _rows(income)["Total des produits"][0]
    assert isinstance(cell.value, float) and cell.number_format == EUR  # numbers, shown by the locale: 1 234 €


def test_the_income_statement_and_yearly_indicators_are_the_means_of_yearly_csv(run_folder: Path) -> None:
    yearly = pd.read_csv(run_folder / "yearly.csv")
    means = yearly.groupby("year").mean(numeric_only=True)
    wb = openpyxl.load_workbook(run_folder / "workbook.xlsx")
    rows = _rows(wb["Compte de résultat"])
    years = list(means.index)
    for label, column in (
        ("Contributions des entrepreneurs", "contributions_eur"),
        ("Financements publics acquis", "public_funding_earned_eur"),
        ("Résultat avant impôt", "coop_result_eur"),
        ("Impôt sur les sociétés", "corporate_tax_eur"),
    ):
        cells = [c.value for c in rows[label]]
        for k, year in enumerate(years):
            assert cells[k] == pytest.approx(means.loc[year, column], abs=0.01), (label, year)
        assert cells[len(years)] == pytest.approx(yearly[column].sum() / 3, abs=0.01), f"{label}: total"
    produits = [c.value for c in rows["Total des produits"]]
    contributions = [c.value for c in rows["Contributions des entrepreneurs"]]
    funding = [c.value for c in rows["Financements publics acquis"]]
    assert produits == pytest.approx([a + b for a, b in zip(contributions, funding, strict=True)], abs=0.02)
    charges = sum(
        rows[label][0].value
        for label in (
            "Charges de personnel",
            "Autres charges (locaux, frais, logiciel…)",
            "Pertes sur sorties d'activités",
        )
    )
    assert rows["Total des charges"][0].value == pytest.approx(charges, abs=0.02)
    assert rows["Résultat avant impôt"][0].value == pytest.approx(
        produits[0] - rows["Total des charges"][0].value, abs=0.02
    )
    indicators = _rows(wb["Indicateurs annuels"])
    for label, column in (("Accueils", "accueils"), ("Personnes accompagnées dans l'année", "supported")):
        assert [c.value for c in indicators[label][: len(years)]] == pytest.approx(list(means[column]), abs=1e-9)


def test_the_funders_table_sums_to_funding_csv_with_shares_of_the_budget(run_folder: Path) -> None:
    funding = pd.read_csv(run_folder / "funding.csv")
    yearly = pd.read_csv(run_folder / "yearly.csv")
    ws = openpyxl.load_workbook(run_folder / "workbook.xlsx")["Financeurs"]
    header = _header(ws, "Financeur")
    rows = _rows(ws)
    budget = (yearly["contributions_eur"].sum() + yearly["public_funding_earned_eur"].sum()) / 3
    funders = list(dict.fromkeys(funding["funder"]))
    assert len(funders) >= 2
    for funder in funders:
        mine = funding[funding["funder"] == funder]
        cells = dict(zip(header, (c.value for c in rows[funder]), strict=False))
        for year, amount in mine.groupby("year")["earned_eur"].sum().items():
            label = next(h for h in header if str(h).startswith(str(year)))
            assert cells[label] == pytest.approx(amount / 3, abs=0.01), (funder, year)
        assert cells["Total"] == pytest.approx(mine["earned_eur"].sum() / 3, abs=0.01)
        assert cells["Part du budget"] == pytest.approx(mine["earned_eur"].sum() / 3 / budget, rel=1e-9)
        assert cells["Total reçu sur l'horizon"] == pytest.approx(mine["received_eur"].sum() / 3, abs=0.01)
        assert rows[funder][header.index("Part du budget")].number_format == PCT
    total = dict(zip(header, (c.value for c in rows["Total des financements publics"]), strict=False))
    assert total["Total"] == pytest.approx(funding["earned_eur"].sum() / 3, abs=0.01)
    assert total["Total"] == pytest.approx(yearly["public_funding_earned_eur"].sum() / 3, abs=0.01)


def test_the_cash_plan_has_every_month_with_the_means_of_monthly_csv(run_folder: Path) -> None:
    monthly = pd.read_csv(run_folder / "monthly.csv", parse_dates=["date"])
    means = monthly.groupby("month").mean(numeric_only=True)
    ws = openpyxl.load_workbook(run_folder / "workbook.xlsx")["Plan de trésorerie"]
    header = _header(ws, "Mois")
    data = [row for row in ws.iter_rows(min_row=3) if row[0].value is not None]
    assert len(data) == 30
    assert data[0][0].value.strftime("%Y-%m") == "2027-01" and data[0][0].number_format == "mm/yyyy"
    treasury = header.index("Trésorerie propre (fin de mois)") + 1
    received = header.index("Financements publics reçus") + 1
    for month, row in enumerate(data):
        assert row[treasury].value == pytest.approx(means.loc[month, "coop_treasury_eur"], abs=0.01)
        assert row[received].value == pytest.approx(means.loc[month, "public_funding_eur"], abs=0.01)
    # The financing plan ends each year on the same own treasury as the cash plan's December.
    plan = _rows(openpyxl.load_workbook(run_folder / "workbook.xlsx")["Plan de financement"])
    assert plan["Trésorerie propre en fin d'année"][0].value == pytest.approx(data[11][treasury].value, abs=0.01)


def test_a_run_read_a_row_group_at_a_time_gives_the_tables_of_the_whole_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A streamed run's files (row groups of 2 replications here) give the workbook the bits of the same
    run's files written whole (one row group: each table read whole)."""
    import numpy as np
    import pyarrow.parquet as pq

    from simcoop.report.workbook import workbook_tables
    from simcoop.results import stream
    from simcoop.store import simulate_to_folder

    from .conftest import small_scenario

    monkeypatch.setattr(stream, "ROW_GROUP_REPLICATIONS", 2)
    scenario = small_scenario()
    simulate_to_folder(scenario, tmp_path / "streamed", replications=7, seed=5, chunk_size=3)
    simcoop.simulate(scenario, replications=7, seed=5).save(tmp_path / "whole")
    assert pq.ParquetFile(tmp_path / "streamed" / "monthly.parquet").metadata.num_row_groups == 4
    assert pq.ParquetFile(tmp_path / "whole" / "monthly.parquet").metadata.num_row_groups == 1
    streamed, whole = workbook_tables(tmp_path / "streamed"), workbook_tables(tmp_path / "whole")
    assert streamed.keys() == whole.keys()
    for key, expected in whole.items():
        got = streamed[key]
        if key == "manifest":
            continue  # its run time
        if not isinstance(expected, pd.DataFrame):
            assert got == expected, key
            continue
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
        a, b = got.select_dtypes("number").to_numpy(np.float64), expected.select_dtypes("number").to_numpy(np.float64)
        assert np.array_equal(a[~np.isnan(a)].view(np.int64), b[~np.isnan(b)].view(np.int64)), key  # -0.0 too
