"""`simcoop new` (scripted answers -> a scenario that validates and runs) and the figures `validate` derives."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

import simcoop
from simcoop.cli import main
from simcoop.scenario.new import plain_number, estimate_accueils, percent, year_month

from .conftest import SCENARIOS

#: The analyst of issue 16: a rural territory of 190 000 inhabitants, two people at half time,
#: an antenna in year 2, Région / Département / FSE+ funding. One answer a line; empty = default.
RURAL = [
    "Pays de Brie", "", "2027-01", "6",
    "",                                   # no zones file: totals
    "190 000", "", "", "",                # inhabitants; job seekers, creations, accueils by default
    "2", "50", "1", "100",                # 2 people at 50 %, 1 person at 100 %
    "", "1 200", "1", "antenne Nord", "2028-01", "", "",
    "80000", "",
    "Région", "fixed", "60000", "", "2029-12", "quarterly", "2",
    "Département", "per_supported", "400", "40000", "", "", "annual", "3",
    "FSE+", "per_cesa", "1500", "30000", "", "", "annual", "12",
    "",                                   # no more funders
]  # fmt: skip


def _new(monkeypatch: pytest.MonkeyPatch, answers: list[str], *args: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(answers) + "\n"))
    return main(["new", *args])


def test_scripted_answers_write_a_commented_scenario_that_validates_and_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "brie.yaml"
    assert _new(monkeypatch, RURAL, str(path)) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert f"wrote {path}: valid scenario 'pays_de_brie'" in out
    assert "team at opening: 1 accompaniment FTE (siège 1, antenne Nord 0.5 from 2028-01)" in out
    text = path.read_text(encoding="utf-8")
    assert "# 2 people accompanying at 50% of full time" in text and "DOMAIN" not in text
    scenario = simcoop.load_scenario(path)
    assert scenario.meta.territory_name == "Pays de Brie" and scenario.meta.horizon_months == 72
    staff = scenario.cooperative.staff
    assert (staff.fte_at_opening, staff.support_fte_at_opening) == (1.0, 1.0)
    head, antenna = scenario.cooperative.sites
    assert head.rent_eur_per_month == 1200 and head.opening_month is None
    assert (antenna.name, antenna.opening_month, antenna.fte_at_opening) == ("antenne Nord", "2028-01", 0.5)
    seekers, creations = round(190_000 * 0.079), round(190_000 * 0.016)
    assert scenario.territory.accueils_per_year_at_maturity == round(estimate_accueils(seekers, creations))
    region, departement, fse = scenario.cooperative.public_funding
    assert (region.funder, region.kind, region.amount_eur, region.last_month, region.payment_lag_months) == (
        "Région",
        "fixed",
        60000,
        "2029-12",
        2,
    )
    assert (departement.kind, departement.ceiling_eur_per_year, departement.payment) == (
        "per_supported",
        40000,
        "annual",
    )
    assert (fse.kind, fse.payment_lag_months) == ("per_cesa_start", 12)
    assert scenario.cooperative.initial_treasury_eur == 80000
    run = tmp_path / "run"
    assert main(["run", str(path), "-n", "2", "--out", str(run), "-q"]) == 0
    assert (run / "workbook.xlsx").is_file() and (run / "verdict.json").is_file()


def test_a_zones_file_answer_gives_the_accueils_through_the_demand_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    zones = tmp_path / "data" / "communes.csv"
    zones.parent.mkdir()
    shutil.copy(SCENARIOS / "territory_example.csv", zones)
    answers = [
        "Valmont",
        "valmont",
        "2027-01",
        "3",
        str(zones),
        "2",
        "100",
        "1",
        "100",
        "",
        "",
        "",
        "",
        "0",
        "",
        "",
        "",
    ]
    path = tmp_path / "scen" / "valmont.yaml"
    path.parent.mkdir()
    assert _new(monkeypatch, answers, str(path)) == 0
    # A zones file outside the scenario's folder is copied beside it (attached files are read there only).
    assert 'zones_file: "valmont_zones.csv"' in path.read_text(encoding="utf-8")
    assert (path.parent / "valmont_zones.csv").read_bytes() == (tmp_path / "data" / "communes.csv").read_bytes()
    scenario = simcoop.load_scenario(path)
    assert len(scenario.territory.zones) == 8
    capsys.readouterr()
    assert main(["validate", str(path)]) == 0
    out, _ = capsys.readouterr()
    assert "accueils a year at maturity from the 8 zones (188,000 inhabitants" in out
    assert f": {scenario.accueils_per_year:,.0f}" in out


def test_a_wrong_scripted_answer_stops_with_its_number_and_a_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "x.yaml"
    assert _new(monkeypatch, ["Pays de Brie", "", "12"], str(path)) == 2
    _, err = capsys.readouterr()
    assert "answer 3 ('Opening month of the CAE (YYYY-MM)'): '12': a month needs its year: YYYY-MM, e.g. 2027-12" in err
    assert not path.exists()
    assert _new(monkeypatch, RURAL[:10] + ["0.5"], str(path)) == 2
    _, err = capsys.readouterr()
    assert "write a percentage, e.g. 50 for half time" in err
    assert _new(monkeypatch, RURAL[:4] + ["nowhere.csv"], str(path)) == 2
    _, err = capsys.readouterr()
    assert "no file 'nowhere.csv'" in err and not path.exists()


def test_no_answers_at_all_take_every_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "defaults.yaml"
    assert _new(monkeypatch, [], str(path)) == 0
    scenario = simcoop.load_scenario(path)
    assert scenario.cooperative.staff.fte_at_opening == 2.0 and scenario.cooperative.public_funding == ()
    assert _new(monkeypatch, [], str(path)) == 2  # exists: not overwritten without --force
    assert _new(monkeypatch, [], str(path), "--force") == 0


def test_answers_are_read_the_way_people_type_them() -> None:
    assert plain_number("190 000") == 190000 and plain_number("60 000 €") == 60000
    assert plain_number("1,5") == 1.5 and plain_number("1,500,000") == 1_500_000
    assert percent("50") == 0.5 and percent("50 %") == 0.5
    assert year_month("01/2028") == "2028-01" and year_month("2028-1") == "2028-01"
    with pytest.raises(ValueError, match="between 01 and 12"):
        year_month("2028-13")


def test_validate_prints_the_figures_a_scenario_implies(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(SCENARIOS / "reference.yaml")]) == 0
    out, _ = capsys.readouterr()
    assert "  accueils a year at maturity: 180 (given)" in out
    assert "  team at opening: 2 accompaniment FTE (siège 2) + 1 management and accounting FTE = 3 FTE" in out
    # no start-up funds beyond the plan + 15 000 + 5 000 capital - 8 000 legal - 6 000 recruitment
    assert (
        "  cash at opening: 0 EUR start-up funds + 20,000 EUR capital - 14,000 EUR pre-opening costs = 6,000 EUR"
        in out
    )
    assert "  financing plan: 90,000 EUR (France Active (titres participatifs) 30,000 EUR, Socoden" in out
    assert (
        "public funding earned in the first 12 months: 160,000 EUR fixed (Région 60,000 EUR, Intercommunalité (EPCI) 40,000 EUR, "
        "Fonds social européen (FSE+) 60,000 EUR)" in out
    )
