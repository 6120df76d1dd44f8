"""Calibration on the synthetic records recovers the parameters that generated them; bad records fail clearly.

The records in tests/data/synthetic_records/ are SYNTHETIC: one replication of
tests/data/synthetic_truth.yaml written by tools/make_synthetic_records.py.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest

import simcoop
from simcoop.calibration import Calibration, calibrate
from simcoop.cli import main
from simcoop.calibration.records import RecordsError, load_mapping, read_records
from simcoop.runner import run_replication
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data"
RECORDS = DATA / "synthetic_records"
TRUTH = DATA / "synthetic_truth.yaml"


@pytest.fixture(scope="module")
def truth() -> simcoop.Scenario:
    return simcoop.load_scenario(TRUTH)


@pytest.fixture(scope="module")
def fitted(truth: simcoop.Scenario) -> Calibration:
    return calibrate(read_records(RECORDS), truth)


def test_every_generating_parameter_is_recovered(fitted: Calibration) -> None:
    """Each truth lies in its estimate's 95% interval, but for the few misses chance allows.

    With 47 intervals at 95%, 2.35 misses are expected by chance alone (the records are one
    draw), so up to 4 are allowed, and a miss must still lie within an interval twice as wide.
    In the committed records one truth is outside: the median turnover of
    services_a_la_personne, because the model happened to draw those activities' mature
    turnovers high (their geometric mean is 15,297 for a truth of 14,000, two standard
    errors); test_turnover_matches_the_drawn_activities shows the estimator itself is exact.
    """
    checked, misses = 0, []
    for e in fitted.estimates:
        if e.base is None:
            continue
        checked += 1
        assert e.used, e.name
        if not e.low <= e.base <= e.high:
            misses.append(e.name)
            wider = (e.value - 2 * (e.value - e.low), e.value + 2 * (e.high - e.value))
            assert wider[0] <= e.base <= wider[1], f"{e.name}: {e.value:.4g} [{e.low:.4g}, {e.high:.4g}], truth {e.base:.4g}"
    assert checked == 47
    assert len(misses) <= 4, misses


@pytest.mark.parametrize(
    "name",
    ["entry share", "direct CESA share", "cape exit hazard", "cesa exit hazard", "associe exit hazard",
     "CESA trial exit hazard", "accueils per year", "cape exits to stop", "cesa exits to own_company",
     "associe exits to salaried_job"],
)
def test_named_parameters_inside_their_95_percent_interval(fitted: Calibration, name: str) -> None:
    e = fitted.estimate(name)
    assert e.low <= e.base <= e.high, f"{name}: {e.value:.4g} [{e.low:.4g}, {e.high:.4g}], truth {e.base}"


def test_turnover_matches_the_drawn_activities(fitted: Calibration, truth: simcoop.Scenario) -> None:
    """Against the mature turnovers the model actually drew, the sector medians are within 2%."""
    people = run_replication(truth, truth.simulation.seed, 0).people
    last = truth.meta.horizon_months - 1
    for k, sector in enumerate(truth.activities.sectors):
        drawn = people["mature_turnover_cents"][(people["sector"] == k) & (people["entry_month"] < last)] / 100.0
        geometric_mean = 12 * math.exp(float(np.log(drawn).mean()))
        estimate = fitted.estimate(f"{sector.name}: mature turnover median")
        assert abs(estimate.value / geometric_mean - 1) < 0.02, (sector.name, estimate.value, geometric_mean)


def test_calibrated_scenario_carries_the_estimates(fitted: Calibration) -> None:
    changes = fitted.changes
    assert changes["pathway.entry_share"] == pytest.approx(fitted.estimate("entry share").value, abs=1e-3)
    assert len(changes["territory.seasonality"]) == 12
    for stage in ("cape", "cesa", "associe"):
        total = sum(changes[f"pathway.exits.{stage}_destinations.{d}"] for d in ("own_company", "salaried_job", "stop"))
        assert total == pytest.approx(1.0, abs=1e-9)


def test_cli_writes_a_valid_scenario_and_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, report = tmp_path / "calibrated.yaml", tmp_path / "fit.md"
    code = main(["calibrate", str(RECORDS), "--base", str(TRUTH), "--out", str(out), "--report", str(report)])
    assert code == 0, capsys.readouterr().err
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Calibrated by `simcoop calibrate` on ")
    assert str(RECORDS) in text.splitlines()[0]
    scenario = simcoop.load_scenario(out)
    assert scenario.meta.name == "synthetic_truth_calibrated"
    assert 0.25 < scenario.pathway.entry_share < 0.32
    fit = report.read_text(encoding="utf-8")
    assert "| entry share |" in fit and "Kaplan-Meier" in fit and "95% interval" in fit
    # A second run refuses to overwrite without --force.
    assert main(["calibrate", str(RECORDS), "--base", str(TRUTH), "--out", str(out), "--report", str(report)]) == 2
    assert "--force" in capsys.readouterr().err


def _copy_records(tmp_path: Path) -> Path:
    folder = tmp_path / "records"
    shutil.copytree(RECORDS, folder, ignore=shutil.ignore_patterns("README.md"))
    return folder


def _edit(path: Path, line: int, old: str, new: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert old in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "line", "old", "new", "message"),
    [
        ("parcours.csv", 3, "candidat", "candidate", "parcours.csv:3: column 'step': unknown value 'candidate'; allowed: candidat, diagnostic, cape, avenant_cape, cesa, associe, sortie"),
        ("parcours.csv", 2, "2015-01-19", "19/01/2015", "parcours.csv:2: column 'date': expected a date written YYYY-MM-DD"),
        ("parcours.csv", 2, "2015-01-19", "2015-02-30", "parcours.csv:2: column 'date': 2015-02-30 is not a date of the calendar"),
        # One typo in a year must not stretch the records to 2999 (exit rates would fall to about zero).
        ("parcours.csv", 2, "2015-01-19", "2999-01-19", "parcours.csv:2: column 'date': date 2999-01-19 is after the export date"),
        ("parcours.csv", 2, "2015-01-19", "0001-01-19", "parcours.csv:2: column 'date': date 0001-01-19 is before 1995, when the first CAE opened"),
        ("chiffre_affaires.csv", 2, "122.66", "nan", "chiffre_affaires.csv:2: column 'turnover_eur': expected an amount in euros (e.g. 1234.56): expected a number"),
        ("chiffre_affaires.csv", 2, "122.66", "1e400", "chiffre_affaires.csv:2: column 'turnover_eur': expected an amount in euros (e.g. 1234.56): the number '1e400' is too large"),
        ("chiffre_affaires.csv", 2, "2015-03", "2999-03", "chiffre_affaires.csv:2: column 'month': month 2999-03 is after the export month"),
        ("chiffre_affaires.csv", 2, "122.66", "12O.5", "chiffre_affaires.csv:2: column 'turnover_eur': expected an amount in euros"),
        ("chiffre_affaires.csv", 3, "2015-03", "2015-13", "chiffre_affaires.csv:3: column 'month': expected a month written YYYY-MM"),
        ("parcours.csv", 1, "step", "etape", "parcours.csv:1: column 'step': required column missing; the header has: entrepreneur_id, date, etape"),
    ],
)
def test_malformed_records_say_where_and_what(tmp_path: Path, file: str, line: int, old: str, new: str, message: str) -> None:
    folder = _copy_records(tmp_path)
    _edit(folder / file, line, old, new)
    with pytest.raises(RecordsError) as info:
        read_records(folder)
    assert message in str(info.value)


def test_sortie_without_exit_type(tmp_path: Path) -> None:
    folder = _copy_records(tmp_path)
    path = folder / "parcours.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    k = next(i for i, text in enumerate(lines) if ",sortie," in text)
    lines[k] = lines[k].replace(",sortie,salaried_job,", ",sortie,,").replace(",sortie,stop,", ",sortie,,").replace(",sortie,own_company,", ",sortie,,")
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(RecordsError) as info:
        read_records(folder)
    assert f"parcours.csv:{k + 1}: column 'exit_type': a sortie needs an exit type; allowed: own_company, salaried_job, stop" in str(info.value)


def test_missing_folder_and_files_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["calibrate", str(tmp_path / "nowhere"), "--base", str(TRUTH), "--out", str(tmp_path / "c.yaml")])
    assert code == 2
    assert "not a folder" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    code = main(["calibrate", str(tmp_path / "empty"), "--base", str(TRUTH), "--out", str(tmp_path / "c.yaml")])
    err = capsys.readouterr().err
    assert code == 2 and "parcours.csv: file not found" in err and "chiffre_affaires.csv: file not found" in err
    assert "Traceback" not in err


def test_mapping_renames_columns_and_values(tmp_path: Path) -> None:
    folder = _copy_records(tmp_path)
    path = folder / "parcours.csv"
    text = path.read_text(encoding="utf-8")
    text = text.replace("entrepreneur_id,date,step,exit_type,motive,sector", "id_anonyme,date_etape,etape,type_sortie,motif_sortie,secteur")
    text = text.replace(",cesa,", ",Entrepreneur salarié,").replace(",stop,", ",Arrêt,")
    path.write_text(text, encoding="utf-8")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "parcours:\n"
        "  columns: {entrepreneur_id: id_anonyme, date: date_etape, step: etape}\n"
        "  values:\n"
        "    step: {cesa: Entrepreneur salarié}\n"
        "    exit_type: {stop: [Arrêt, Abandon]}\n",
        encoding="utf-8",
    )
    records = read_records(folder, load_mapping(mapping))
    assert (records.steps["step"] == "cesa").sum() == 557
    assert (records.steps["exit_type"] == "stop").sum() > 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("parcours:\n  columns: {identifiant: id}\n", encoding="utf-8")
    with pytest.raises(RecordsError, match="unknown column 'identifiant'; allowed: entrepreneur_id, date, step"):
        load_mapping(bad)


def test_name_columns_are_flagged_not_read(tmp_path: Path) -> None:
    folder = _copy_records(tmp_path)
    path = folder / "chiffre_affaires.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines = [lines[0] + ",nom"] + [line + ",X" for line in lines[1:]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records = read_records(folder)
    assert any("nom" in note and "personal data" in note for note in records.notes)


def test_thin_data_warns_and_keeps_the_base(truth: simcoop.Scenario) -> None:
    records = read_records(RECORDS)
    early = records.steps["month"] < records.steps["month"].min() + 8  # the first 8 months only
    thin = type(records)(records.steps[early].reset_index(drop=True), records.turnover.iloc[:0], records.source)
    fitted = calibrate(thin, truth)
    rate = fitted.estimate("accueils per year")
    assert not rate.used and "fewer than 12" in rate.warnings[0]
    assert "territory.accueils_per_year_at_maturity" not in fitted.changes
    associe = fitted.estimate("associe exit hazard")
    assert not associe.used and "too few" in associe.warnings[0]


def _tiny_records(folder: Path, parcours: str, turnover: str = "entrepreneur_id,month,turnover_eur\nA,2016-01,100\n") -> Path:
    folder.mkdir()
    (folder / "parcours.csv").write_text(parcours, encoding="utf-8")
    (folder / "chiffre_affaires.csv").write_text(turnover, encoding="utf-8")
    return folder


def test_a_step_after_a_sortie_is_refused_with_its_line(tmp_path: Path) -> None:
    folder = _tiny_records(
        tmp_path / "r",
        "entrepreneur_id,date,step,exit_type\nA,2016-01-04,cape,\nA,2016-06-01,sortie,stop\nA,2016-09-01,cesa,\n",
    )
    with pytest.raises(RecordsError) as info:
        read_records(folder)
    assert "parcours.csv:4: column 'step': entrepreneur A: step 'cesa' on 2016-09-01 comes after their sortie of 2016-06-01" in str(info.value)


def test_steps_out_of_order_are_refused_with_their_line(tmp_path: Path) -> None:
    folder = _tiny_records(tmp_path / "r", "entrepreneur_id,date,step\nA,2016-05-01,cape\nA,2016-01-04,cesa\n")
    with pytest.raises(RecordsError) as info:
        read_records(folder)
    assert "parcours.csv:2: column 'step': entrepreneur A: step 'cape' on 2016-05-01 comes after 'cesa' on 2016-01-04" in str(info.value)


def test_header_only_records_are_a_clean_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _tiny_records(tmp_path / "r", "entrepreneur_id,date,step\n", "entrepreneur_id,month,turnover_eur\n")
    code = main(["calibrate", str(folder), "--base", str(TRUTH), "--out", str(tmp_path / "c.yaml")])
    assert code == 2
    err = capsys.readouterr().err
    assert "parcours.csv: the file has a header but no rows" in err and "Traceback" not in err


def test_export_date_option_accepts_later_records(tmp_path: Path) -> None:
    folder = _tiny_records(tmp_path / "r", "entrepreneur_id,date,step\nA,2016-01-04,cape\n")
    import datetime as dt

    with pytest.raises(RecordsError, match="after the export date 2015-12-31"):
        read_records(folder, export_date=dt.date(2015, 12, 31))
    assert len(read_records(folder, export_date=dt.date(2016, 1, 4)).steps) == 1


def test_french_spreadsheet_records_read_like_their_utf8_twin(tmp_path: Path) -> None:
    parcours = "entrepreneur_id;date;step;secteur\nA;2016-01-04;cape;bâtiment\n"
    turnover = "entrepreneur_id;month;turnover_eur\nA;2016-01;1 234,50\n"
    folder = tmp_path / "fr"
    folder.mkdir()
    (folder / "parcours.csv").write_bytes(parcours.encode("cp1252"))
    (folder / "chiffre_affaires.csv").write_bytes(turnover.encode("utf-16"))
    records = read_records(folder)
    assert records.steps["sector"].tolist() == ["bâtiment"]
    assert records.turnover["turnover_eur"].tolist() == [1234.5]
