"""The ``simcoop`` command: validate, schema, help and run, with their exit codes.

Most tests call ``simcoop.cli.main`` in-process (it returns the exit code) and read
the output with capsys; one goes through the installed console script. Run tests use a
24-month scenario and 3 replications so that they stay fast.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import simcoop
from simcoop.cli import main

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "scenarios" / "reference.yaml"
BROKEN = Path(__file__).parent / "broken_scenarios"
BROKEN_FILES = sorted(BROKEN.glob("*.yaml"))

OUTPUT_FILES = {
    ".simcoop.json",
    "manifest.json",
    "reality_check.csv",
    "monthly.parquet",
    "monthly.csv",
    "yearly.parquet",
    "yearly.csv",
    "events.parquet",
    "kpis.parquet",
    "kpis.csv",
    "summary.csv",
    "funding.parquet",
    "funding.csv",
    "verdict.json",
    "zones.parquet",
    "zones.csv",
    "sites.parquet",
    "sites.csv",
    "workbook.xlsx",
    "parameters.parquet",  # the reference draws its unknown parameters from the population prior
    "parameters.csv",
}


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def tiny_scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference scenario cut to 24 months, under the name 'tiny'."""
    data = yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))
    data["meta"]["name"] = "tiny"
    data["meta"]["horizon_months"] = 24
    path = tmp_path_factory.mktemp("scenario") / "tiny.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    simcoop.load_scenario(path)  # the fixture itself must be valid
    return path


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative name -> bytes)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _hidden(folder: Path) -> list[str]:
    """Leftover temporary entries (names starting with '.') in ``folder``."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def _run(scenario: Path, *options: str) -> int:
    return main(["run", str(scenario), "--replications", "3", "-q", *options])


def _console_script() -> list[str]:
    """The installed ``simcoop`` console script (next to this Python first), else ``python -m simcoop.cli``."""
    beside = Path(sys.executable).with_name("simcoop")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("simcoop")
    if found:
        return [found]
    return [sys.executable, "-m", "simcoop.cli"]


# --------------------------------------------------------------------------- validate


def test_validate_good_scenario_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(REFERENCE)]) == 0
    out, err = capsys.readouterr()
    assert f"{REFERENCE}: valid scenario 'reference' (120 months from 2027-01)" in out
    assert err == ""


@pytest.mark.parametrize("path", BROKEN_FILES, ids=[p.name for p in BROKEN_FILES])
def test_validate_broken_scenario_exits_2_with_located_problems(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(simcoop.ScenarioError) as info:
        simcoop.load_scenario(path)
    problems = info.value.problems

    assert main(["validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "valid scenario" not in out
    count = len(problems)
    assert f"{path}: {count} problem{'s' if count != 1 else ''}" in err
    for problem in problems:
        assert f"  {problem}\n" in err
        # file:line: [key.path:] message (the file is the scenario, or the CSV it attaches for a row's problem)
        assert problem.source in (str(path), *(str(p) for p in (BROKEN / "tables").glob("*.csv")))
        assert re.search(rf"^  {re.escape(problem.source)}:{problem.line}: \S", err, re.MULTILINE)
        if problem.key_path:
            assert f"{problem.source}:{problem.line}: {problem.key_path}: {problem.message}" in err


def test_validate_several_files_reports_each(capsys: pytest.CaptureFixture[str]) -> None:
    typo = BROKEN / "unknown_key_typo.yaml"
    rate = BROKEN / "rate_out_of_range.yaml"
    assert main(["validate", str(REFERENCE), str(typo), str(rate)]) == 2
    out, err = capsys.readouterr()
    assert f"{REFERENCE}: valid scenario 'reference'" in out
    assert f"{typo}: 1 problem" in err
    assert f"{typo}:5: meta.horizon_month: unknown key 'horizon_month'; did you mean 'horizon_months'?" in err
    assert f"{rate}: 1 problem" in err
    assert f"{rate}:12: cooperative.contribution.rate: Input should be less than or equal to 1" in err
    assert "Traceback" not in out + err


def test_validate_all_good_files_exits_0(capsys: pytest.CaptureFixture[str], tiny_scenario: Path) -> None:
    assert main(["validate", str(REFERENCE), str(tiny_scenario)]) == 0
    out, _ = capsys.readouterr()
    assert "valid scenario 'reference'" in out
    assert "valid scenario 'tiny' (24 months from 2027-01)" in out


def test_validate_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.yaml"
    assert main(["validate", str(missing)]) == 2
    out, err = capsys.readouterr()
    assert f"{missing}: file not found" in err
    assert "Traceback" not in out + err


def test_validate_through_the_console_script() -> None:
    broken = BROKEN / "many_problems.yaml"
    proc = subprocess.run(
        [*_console_script(), "validate", str(REFERENCE), str(broken)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "valid scenario 'reference'" in proc.stdout
    assert f"{broken}: 5 problems" in proc.stderr
    assert f"{broken}:6: meta.start_month: expected a month written YYYY-MM" in proc.stderr
    assert f"{broken}:21: simulation.replications: Input should be greater than or equal to 1" in proc.stderr


# --------------------------------------------------------------------------- schema and help


def test_schema_prints_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    out, _ = capsys.readouterr()
    schema = json.loads(out)
    assert "meta" in schema["properties"]
    assert "activities" in schema["properties"]
    assert set(schema["required"]) >= {"meta", "activities"}


def test_help_exits_0_and_lists_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out, _ = capsys.readouterr()
    for word in ("run", "validate", "schema", "--version"):
        assert word in out


def test_run_help_exits_0_and_lists_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["run", "--help"])
    assert info.value.code == 0
    out, _ = capsys.readouterr()
    for option in ("--replications", "--seed", "--out", "--jobs", "--force", "--quiet"):
        assert option in out


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    out, _ = capsys.readouterr()
    assert "validate" in out


@pytest.mark.parametrize(
    ("option", "value", "fragment"),
    [
        ("--replications", "0", "expected a number >= 1, got 0"),
        ("--seed", "-1", "expected a number >= 0, got -1"),
        ("--jobs", "two", "expected a whole number, got 'two'"),
    ],
)
def test_run_bad_option_exits_2(
    option: str, value: str, fragment: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["run", str(REFERENCE), f"{option}={value}", "--out", str(tmp_path / "out")])
    assert info.value.code == 2
    _, err = capsys.readouterr()
    assert fragment in err
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- run


def test_run_writes_the_run_folder(
    tiny_scenario: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert _run(tiny_scenario, "--out", "tmp/out") == 0
    out_dir = tmp_path / "tmp" / "out"
    assert {p.name for p in out_dir.iterdir()} == OUTPUT_FILES
    manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["scenario_name"] == "tiny"
    assert manifest["replications"] == 3
    assert manifest["seed"] == simcoop.load_scenario(tiny_scenario).simulation.seed
    assert _hidden(tmp_path / "tmp") == []
    out, err = capsys.readouterr()
    assert out == ""  # -q: no summary
    assert "Traceback" not in err


def test_run_default_output_folder_is_outputs_name(
    tiny_scenario: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(tiny_scenario), "--replications", "2", "--seed", "7"]) == 0
    out_dir = tmp_path / "outputs" / "tiny"
    assert {p.name for p in out_dir.iterdir()} == OUTPUT_FILES
    out, err = capsys.readouterr()
    assert "tiny: 2 replications, seed 7, 24 months from 2027-01" in out
    assert "outputs/tiny" in out
    assert "Traceback" not in out + err
    assert _hidden(tmp_path / "outputs") == []


def test_run_same_run_again_replaces_it(tiny_scenario: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert _run(tiny_scenario, "--seed", "11", "--out", "tmp/out") == 0
    first = _snapshot(tmp_path / "tmp" / "out")
    assert _run(tiny_scenario, "--seed", "11", "--out", "tmp/out") == 0
    second = _snapshot(tmp_path / "tmp" / "out")
    assert set(second) == OUTPUT_FILES
    # Same scenario, seed and replications: the same numbers.
    for name in ("kpis.csv", "summary.csv", "monthly.csv", "yearly.csv"):
        assert first[name] == second[name], name
    assert _hidden(tmp_path / "tmp") == []


def test_run_different_seed_is_refused_then_forced(
    tiny_scenario: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    out_dir = tmp_path / "tmp" / "out"
    assert _run(tiny_scenario, "--seed", "1", "--out", "tmp/out") == 0
    before = _snapshot(out_dir)
    capsys.readouterr()

    assert _run(tiny_scenario, "--seed", "2", "--out", "tmp/out") == 2
    out, err = capsys.readouterr()
    assert "holds a different run" in err
    assert "--force" in err
    assert "Traceback" not in out + err
    assert (out_dir / "manifest.json").read_bytes() == before["manifest.json"]
    assert _snapshot(out_dir) == before
    assert _hidden(tmp_path / "tmp") == []

    # A different number of replications is a different run too.
    assert main(["run", str(tiny_scenario), "--replications", "2", "--seed", "1", "--out", "tmp/out", "-q"]) == 2
    assert _snapshot(out_dir) == before

    assert _run(tiny_scenario, "--seed", "2", "--out", "tmp/out", "--force") == 0
    manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 2
    assert {p.name for p in out_dir.iterdir()} == OUTPUT_FILES
    assert _hidden(tmp_path / "tmp") == []


def test_run_refuses_a_foreign_non_empty_folder(
    tiny_scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "thesis"
    out_dir.mkdir()
    (out_dir / "chapter1.md").write_text("Ne pas effacer.\n", encoding="utf-8")
    (out_dir / "data").mkdir()
    (out_dir / "data" / "survey.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    before = _snapshot(out_dir)

    assert _run(tiny_scenario, "--out", str(out_dir)) == 2
    out, err = capsys.readouterr()
    assert "is not a simcoop folder" in err and "chapter1.md, data/ (2 entries)" in err
    assert "even with --force" in err
    assert "Traceback" not in out + err
    assert _snapshot(out_dir) == before
    assert _hidden(tmp_path) == []


def test_run_into_an_existing_empty_folder(tiny_scenario: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "empty"
    out_dir.mkdir()
    assert _run(tiny_scenario, "--out", str(out_dir)) == 0
    assert {p.name for p in out_dir.iterdir()} == OUTPUT_FILES
    assert _hidden(tmp_path) == []


@pytest.mark.parametrize("name", ["rate_out_of_range.yaml", "yaml_unclosed_bracket.yaml", "empty_file.yaml"])
def test_run_broken_scenario_exits_2_and_writes_nothing(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = BROKEN / name
    with pytest.raises(simcoop.ScenarioError) as info:
        simcoop.load_scenario(path)
    monkeypatch.chdir(tmp_path)

    assert main(["run", str(path), "--replications", "3", "-q"]) == 2
    assert main(["run", str(path), "--replications", "3", "--out", "tmp/out"]) == 2
    out, err = capsys.readouterr()
    assert f"simcoop: cannot run {path}:" in err
    for problem in info.value.problems:
        assert f"  {problem}\n" in err
    assert "Traceback" not in out + err
    assert list(tmp_path.iterdir()) == []  # neither outputs/ nor tmp/ was created


# --------------------------------------------------------------------------- known bugs
# These document bugs found while writing the tests (see the report); the strict xfail
# turns into a failure once the bug is fixed, so the marker is then removed.


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_run_folder_permissions_follow_the_umask(tiny_scenario: Path, tmp_path: Path) -> None:
    import os

    old = os.umask(0o022)
    try:
        assert _run(tiny_scenario, "--out", str(tmp_path / "out")) == 0
    finally:
        os.umask(old)
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o755


def test_run_unwritable_out_exits_2_without_traceback(tiny_scenario: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder\n", encoding="utf-8")
    assert _run(tiny_scenario, "--out", str(blocker / "out")) == 2


def test_run_force_never_replaces_a_file_or_a_foreign_folder(
    tiny_scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--force replaces a simcoop run folder only: a file or a user's folder at --out is left alone."""
    target = tmp_path / "out"
    target.write_text("an old file\n", encoding="utf-8")
    assert _run(tiny_scenario, "--out", str(target), "--force") == 2
    assert "is not a folder; simcoop never replaces it, even with --force" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "an old file\n"
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "manifest.json").write_text('{"name": "my web app"}\n', encoding="utf-8")  # not simcoop's
    (folder / "thesis.tex").write_text("\\chapter{1}\n", encoding="utf-8")
    before = _snapshot(folder)
    assert _run(tiny_scenario, "--out", str(folder), "--force") == 2
    err = capsys.readouterr().err
    assert "is not a simcoop folder" in err and "manifest.json, thesis.tex" in err
    assert _snapshot(folder) == before
    assert _hidden(tmp_path) == []


def test_validate_recognises_every_bundled_file(capsys) -> None:  # noqa: ANN001
    """Scenarios, the network file and the candidates file all validate, each as what it is."""
    files = sorted(str(p) for p in (Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))
    assert main(["validate", *files]) == 0
    out = capsys.readouterr().out
    assert "valid network file (6 CAE)" in out
    assert "valid candidates file (5 candidates)" in out
    assert out.count("valid scenario") == len(files) - 2
