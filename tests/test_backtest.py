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
        ("year,accueil\n2000,216\n", "unknown column(s) accueil; allowed: year and the columns of yearly.csv"),
        ("annee,accueils\n2000,216\n", "column 'year' missing"),
        ("year,accueils\n2000,beaucoup\n", ":2: column 'accueils': expected a number, got 'beaucoup'"),
        ("year,accueils\n1990,216\n", "year 1990 is not simulated; the scenario covers 1995-2002"),
    ],
)
def test_bad_observed_files(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str) -> None:
    observed = tmp_path / "observed.csv"
    observed.write_text(content, encoding="utf-8")
    code = main(["backtest", str(SCENARIOS / "cap_services_lyon.yaml"), str(observed), "-n", "2"])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
