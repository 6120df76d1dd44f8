"""simcoop backtest: Cap Services' published figures for 2000 against the simulated range."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from simcoop.cli import main
from tests.conftest import SCENARIOS


def test_cap_services_backtest_prints_the_four_figures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "backtest.csv"
    code = main(["backtest", str(SCENARIOS / "cap_services_lyon.yaml"), str(SCENARIOS / "cap_services_observed.csv"), "-n", "40", "-o", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    rows = [line.split() for line in printed.splitlines() if line.startswith("2000 ")]
    assert [r[1] for r in rows] == ["accueils", "supported", "salaried", "turnover_eur"]
    assert [r[2] for r in rows] == ["216", "101", "49", "1,587,451"]
    assert "90% interval (5-95%)" in printed and "coverage:" in printed
    table = pd.read_csv(out)
    assert list(table.columns) == ["year", "figure", "observed", "simulated_median", "p05", "p95", "inside", "error", "relative_error", "months_simulated"]
    assert (table["p05"] <= table["simulated_median"]).all() and (table["simulated_median"] <= table["p95"]).all()
    assert table["error"].tolist() == pytest.approx((table["simulated_median"] - table["observed"]).tolist())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("year,accueil\n2000,216\n", "unknown column(s) 'accueil'; allowed: year and the columns of yearly.csv"),
        ("annee,accueils\n2000,216\n", "column 'year' missing"),
        ("year,accueils\n2000,beaucoup\n", ":2: column 'accueils': expected a number (e.g. 12.5 or 12,5), got 'beaucoup'"),
        ("year,accueils\n1990,216\n", "year(s) 1990 not simulated; the scenario covers 1995-2002"),
        # Issue 15: duplicate years, infinite, missing-as-nan and negative observations, header only.
        ("year,accueils\n2000,216\n2000,300\n", ":3: column 'year': year 2000 is already observed on line 2; give each year once"),
        ("year,accueils\n2000,inf\n", ":2: column 'accueils': expected a number (e.g. 12.5 or 12,5), got 'inf'"),
        ("year,accueils\n2000,nan\n", ":2: column 'accueils': expected a number (e.g. 12.5 or 12,5), got 'nan'"),
        ("year,accueils\n2000,1e999\n", ":2: column 'accueils': the number '1e999' is too large"),
        ("year,accueils\n2000,-216\n", ":2: column 'accueils': a count or an amount cannot be negative, got '-216'"),
        ("year,accueils\n", "the file has a header but no observed year"),
        ("year,accueils\n2000,216,3\n", ":2: 3 fields where the header has 2"),
    ],
)
def test_bad_observed_files(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str) -> None:
    observed = tmp_path / "observed.csv"
    observed.write_text(content, encoding="utf-8")
    code = main(["backtest", str(SCENARIOS / "cap_services_lyon.yaml"), str(observed), "-n", "2"])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err


def test_french_spreadsheet_observed_file_reads_like_its_twin(tmp_path: Path) -> None:
    from simcoop.calibration.backtest import read_observed

    plain = tmp_path / "plain.csv"
    plain.write_text("year,accueils,turnover_eur\n2000,216,1587451.5\n", encoding="utf-8")
    french = tmp_path / "french.csv"
    french.write_bytes("year;accueils;turnover_eur\r\n2000;216;1 587 451,5\r\n".encode("cp1252"))
    allowed = ["accueils", "turnover_eur"]
    pd.testing.assert_frame_equal(read_observed(plain, allowed), read_observed(french, allowed))
