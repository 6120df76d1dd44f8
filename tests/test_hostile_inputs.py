"""Files French offices produce, hostile files and careless values (issue 15, the input side).

Each test is one defect found by the attack on simcoop's inputs; the broken scenario files
themselves are in tests/broken_scenarios/ (test_broken_scenarios.py).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

import simcoop
from simcoop import ScenarioError
from simcoop.cli import main
from simcoop.csvfile import check_file, parse_number, read_table

SCENARIOS = Path(__file__).parents[1] / "scenarios"

BASE = """meta: {name: t, start_month: 2027-01, horizon_months: 12}
activities:
  sectors: [{name: conseil, share: 1.0, turnover_median_eur_per_year: 20000}]
cooperative:
  sites: [{name: siège, lat: 45.76, lon: 4.83}]
simulation: {replications: 1}
"""

ZONES = [
    ("69001", "Lyon 1er, Terreaux", "30000", "2400.5", "480"),
    ("69002", "Lyon 2e", "31000", "2500", "500.25"),
]


def _zones_scenario(folder: Path, csv_bytes: bytes, name: str = "zones.csv") -> Path:
    (folder / name).write_bytes(csv_bytes)
    scenario = folder / "s.yaml"
    scenario.write_text(BASE + f"territory:\n  zones_file: {name}\n", encoding="utf-8")
    return scenario


def _plain_zones() -> bytes:
    lines = ["zone_code,name,population,job_seekers_abc,business_creations_per_year,lat,lon"]
    lines += [f'{c},"{n}",{p},{j},{b},45.7,4.8' for c, n, p, j, b in ZONES]
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_french_spreadsheet_zones_read_like_their_comma_dot_twin(tmp_path: Path) -> None:
    """';' separators, decimal commas, Windows-1252 and CRLF: the same zones as the UTF-8 comma/dot file."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    plain = simcoop.load_scenario(_zones_scenario(tmp_path / "a", _plain_zones()))
    lines = ["zone_code;name;population;job_seekers_abc;business_creations_per_year;lat;lon"]
    lines += [f"{c};{n};{p};{j.replace('.', ',')};{b.replace('.', ',')};45,7;4,8" for c, n, p, j, b in ZONES]
    french = simcoop.load_scenario(_zones_scenario(tmp_path / "b", ("\r\n".join(lines) + "\r\n").encode("cp1252")))
    assert french.territory.zones == plain.territory.zones
    assert french.territory.zones[0].name == "Lyon 1er, Terreaux"
    assert french.replace({"territory.zones_file": "zones.csv"}).scenario_hash() == plain.scenario_hash()


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "cp1252"])
def test_roster_in_any_spreadsheet_encoding(tmp_path: Path, encoding: str) -> None:
    text = "entrepreneur_id\tstage\tentry_month\tcesa_month\tassocie_month\tsector\tmonthly_turnover_eur\nÉ1\tcape\t2026-06\t\t\tconseil\t1 500,50\n"
    (tmp_path / "roster.csv").write_bytes(text.encode(encoding))
    scenario_path = tmp_path / "s.yaml"
    scenario_path.write_text(BASE + "warm_start:\n  roster_file: roster.csv\n", encoding="utf-8")
    person = simcoop.load_scenario(scenario_path).warm_start.entrepreneurs[0]
    assert (person.entrepreneur_id, person.monthly_turnover_eur) == ("É1", 1500.5)


def test_unquoted_comma_in_a_name_is_reported_at_its_line(tmp_path: Path) -> None:
    text = _plain_zones().decode().replace('"Lyon 2e"', "Lyon 2e, Cordeliers")
    with pytest.raises(ScenarioError) as info:
        simcoop.load_scenario(_zones_scenario(tmp_path, text.encode()))
    [problem] = info.value.problems
    assert (Path(problem.source).name, problem.line) == ("zones.csv", 3)
    assert "8 fields where the header has 7: a value holding a comma must be put in double quotes" in problem.message


def test_semicolon_header_is_not_mistaken_for_one_column(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("zone_code;name;population\n1;a;2\n", encoding="utf-8")
    parsed = read_table(table)
    assert parsed.delimiter == ";" and parsed.header == ["zone_code", "name", "population"]


@pytest.mark.parametrize(
    ("text", "value"), [("12.5", 12.5), ("12,5", 12.5), ("1 234,56", 1234.56), ("1.234,56", 1234.56), ("1,234.56", 1234.56), ("-3", -3.0)]
)
def test_numbers_as_spreadsheets_write_them(text: str, value: float) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["nan", "inf", "-Infinity", "1e999", "12,5,3", "abc", ""])
def test_numbers_that_are_not(text: str) -> None:
    with pytest.raises(ValueError):
        parse_number(text)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_not_waited_on(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "zones.csv")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(BASE + "territory:\n  zones_file: zones.csv\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="not a regular file"):
        simcoop.load_scenario(scenario)


def test_a_symlink_out_of_the_folder_is_refused_unless_allowed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "zones.csv").write_bytes(_plain_zones())
    folder = tmp_path / "scenario"
    folder.mkdir()
    (folder / "zones.csv").symlink_to(elsewhere / "zones.csv")
    scenario = folder / "s.yaml"
    scenario.write_text(BASE + "territory:\n  zones_file: zones.csv\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="is outside the scenario's folder"):
        simcoop.load_scenario(scenario)
    assert len(simcoop.load_scenario(scenario, allow_outside_files=True).territory.zones) == 2
    assert main(["validate", str(scenario)]) == 2
    assert main(["validate", "--allow-outside-files", str(scenario)]) == 0


def test_a_table_beyond_the_size_limit_is_refused() -> None:
    why = check_file(SCENARIOS / "territory_example.csv", max_bytes=10)
    assert why is not None and "an attached table may hold at most 10" in why


def test_a_yaml_file_that_is_a_device_or_too_big(tmp_path: Path) -> None:
    from simcoop._yaml import MAX_YAML_BYTES

    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * MAX_YAML_BYTES + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="a YAML file may hold at most"):
        simcoop.load_scenario(big)
    if Path("/dev/zero").exists():
        with pytest.raises(ScenarioError, match="not a regular file"):
            simcoop.load_scenario("/dev/zero")


def test_the_scenario_cannot_be_changed_in_place() -> None:
    scenario = simcoop.load_scenario(SCENARIOS / "territory_example.yaml")
    with pytest.raises(TypeError, match="use scenario.replace"):
        scenario.territory.zones[0].travel_minutes["siège"] = 1.0  # type: ignore[index]
    with pytest.raises(TypeError):
        scenario.cooperative.contribution.sector_rates.update({"x": 0.5})  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        scenario.territory.seasonality[0] = 9.0  # type: ignore[index]
    with pytest.raises(ScenarioError, match="Input should be a finite number"):
        scenario.replace({"territory.demand.decay_per_minute": float("nan")})


def test_replace_explains_list_items_by_name_and_range() -> None:
    scenario = simcoop.load_scenario(SCENARIOS / "reference.yaml")
    with pytest.raises(ScenarioError, match=r"cooperative.public_funding.9.amount_eur: no such key \(cooperative.public_funding has 4 items"):
        scenario.replace({"cooperative.public_funding.9.amount_eur": 1.0})
    name = scenario.activities.sectors[0].name
    changed = scenario.replace({f"activities.sectors.{name}.turnover_sigma": 0.5})
    assert changed.activities.sectors[0].turnover_sigma == 0.5
    with pytest.raises(ScenarioError, match="is a list: use an item's number, 0 to"):
        scenario.replace({"activities.sectors.nope.share": 0.5})


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"replications": 2.7}, "replications must be a whole number, got 2.7"),
    ({"replications": True}, "replications must be a whole number, got True"),
    ({"replications": 10**9}, "replications must be from 1 to 1000000"),
    ({"seed": -1}, "seed must be from 0 to"),
    ({"seed": float("nan")}, "seed must be a whole number"),
])
def test_simulate_refuses_rather_than_truncates(kwargs: dict, message: str) -> None:
    scenario = simcoop.load_scenario(SCENARIOS / "reference.yaml")
    with pytest.raises(ValueError, match=message):
        simcoop.simulate(scenario, **kwargs)


@pytest.mark.parametrize(("argv", "message"), [
    (["run", "-n", "1000000000"], "expected a number of at most 1 000 000, got 1000000000"),
    (["run", "-j", "100000"], "expected a number of at most 256"),
    (["territories", str(SCENARIOS / "territories_example.yaml"), "-B", "1000000000"], "expected a number of at most 100 000"),
    (["run", "-s", str(2**70)], "expected a number below 2**64"),
])
def test_command_line_counts_are_bounded(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("SIMCOOP_SCHEDULER", "bogus", "environment variable SIMCOOP_SCHEDULER: unknown scheduler 'bogus'"),
    ("SIMCOOP_SCHEDULER_TIMEOUT", "abc", "environment variable SIMCOOP_SCHEDULER_TIMEOUT='abc': expected a number of seconds"),
    ("SIMCOOP_SCHEDULER_TIMEOUT", "nan", "environment variable SIMCOOP_SCHEDULER_TIMEOUT='nan'"),
])
def test_environment_variables_are_named_when_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    assert main(["run", "-n", "1", "-o", str(tmp_path / "out"), "-q"]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def _variants_file(tmp_path: Path, variants: str) -> Path:
    path = tmp_path / "v.yaml"
    path.write_text(BASE + "variants:\n" + variants, encoding="utf-8")
    return path


def test_compare_refuses_different_horizons(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _variants_file(tmp_path, "  court: {meta.horizon_months: 6}\n")
    assert main(["compare", str(path), "-o", str(tmp_path / "c.csv"), "-q"]) == 2
    assert "cannot compare scenarios over different horizons: the baseline 't' runs 12 months, 'court': 6 months" in capsys.readouterr().err


def test_compare_says_a_variant_seed_is_ignored(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _variants_file(tmp_path, "  graine: {simulation.seed: 5}\n")
    assert main(["compare", str(path), "-o", str(tmp_path / "c.csv"), "-q"]) == 0
    assert "note: 'graine' sets simulation.seed 5; it is ignored" in capsys.readouterr().err


def test_validate_lists_base_and_variant_problems_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "v.yaml"
    path.write_text(
        BASE.replace("horizon_months: 12", "horizon_months: 0")
        + "variants:\n  taux: {cooperative.contribution.rate: 1.5}\n  faute: {cooperative.contribution.rat: 0.1}\n",
        encoding="utf-8",
    )
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "meta.horizon_months: Input should be greater than or equal to 1" in err
    assert "variants.taux: cooperative.contribution.rate: Input should be less than or equal to 1" in err
    assert "variants.faute: cooperative.contribution.rat: no such key; did you mean 'rate'?" in err


def test_tampered_run_folder_gives_a_clean_report_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    scenario = tmp_path / "s.yaml"
    scenario.write_text(BASE, encoding="utf-8")
    assert main(["run", str(scenario), "-o", str(out), "-q"]) == 0
    (out / "monthly.parquet").write_bytes(b"xx")
    assert main(["report", str(out)]) == 2
    err = capsys.readouterr().err  # the folder's digests catch the change first
    assert "monthly.parquet does not belong to the run" in err and "Traceback" not in err
    (out / ".simcoop.json").unlink()  # a folder of an older simcoop, without digests: the table itself is checked
    assert main(["report", str(out)]) == 2
    err = capsys.readouterr().err
    assert "monthly.parquet cannot be read" in err and "run `simcoop run` again" in err and "Traceback" not in err


def test_run_folder_with_a_column_removed_gives_a_clean_report_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import pandas as pd

    out = tmp_path / "run"
    scenario = tmp_path / "s.yaml"
    scenario.write_text(BASE, encoding="utf-8")
    assert main(["run", str(scenario), "-o", str(out), "-q"]) == 0
    monthly = pd.read_parquet(out / "monthly.parquet")
    monthly.drop(columns=["coop_treasury_eur"]).to_parquet(out / "monthly.parquet")
    (out / ".simcoop.json").unlink()  # without digests (an older simcoop's folder), the columns themselves are checked
    assert main(["report", str(out)]) == 2
    err = capsys.readouterr().err
    assert "do not fit together (KeyError" in err and "coop_treasury_eur" in err and "Traceback" not in err


def test_a_scenario_yaml_in_windows_1252_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes(BASE.replace("name: t", "name: café").encode("cp1252"))
    with pytest.raises(ScenarioError) as info:
        simcoop.load_scenario(path)
    [problem] = info.value.problems
    assert problem.line == 1 and "not UTF-8" in problem.message


def test_a_35000_zone_file_is_checked_in_linear_time(tmp_path: Path) -> None:
    """Every French commune in one file: the duplicate check counts once (it was quadratic, 46 s)."""
    lines = ["zone_code,name,population,job_seekers_abc,business_creations_per_year,lat,lon"]
    lines += [f"{k:05d},c{k},1000,80,10,45.{k % 97:02d},4.{k % 89:02d}" for k in range(35_000)]
    lines.append("00007,again,1000,80,10,45.1,4.1")
    with pytest.raises(ScenarioError) as info:
        simcoop.load_scenario(_zones_scenario(tmp_path, ("\n".join(lines) + "\n").encode()))
    [problem] = info.value.problems
    assert (problem.line, problem.message) == (35_002, "zone code '00007' is given twice; zone codes must be unique")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX paths")
def test_study_overrides_are_confined_to_their_folder(tmp_path: Path) -> None:
    """A network member or a candidate naming a zones file reads it only in the study file's folder."""
    from simcoop.scenario.edit import derive_scenario

    base = simcoop.load_scenario(SCENARIOS / "territory_example.yaml")
    with pytest.raises(ScenarioError, match="is outside the scenario's folder") as info:
        derive_scenario(base, name="x", overrides={"territory.zones_file": "../../../../etc/passwd"}, anchor=tmp_path)
    assert "root:" not in str(info.value)
