"""The run folder simcoop owns: its marker, --force, the user's files, the writers' lock, crash leftovers, CSV outputs.

Each test is a defect of issue 15 ("nothing lost, nothing wrong"): it failed before the
marker, the lock and the CSV writer existed.
"""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import pandas as pd
import pytest

import simcoop
from simcoop._atomic import write_folder_atomically
from simcoop.csvout import csv_text
from simcoop.outdir import MARKER, FolderBusyError, OutputExistsError, folder_lock, read_marker
from simcoop.cli import main
from tests.conftest import small_scenario


@pytest.fixture(scope="module")
def results() -> simcoop.Results:
    return simcoop.simulate(small_scenario(), replications=2, seed=3)


@pytest.fixture(scope="module")
def other(results: simcoop.Results) -> simcoop.Results:
    return simcoop.simulate(small_scenario(), replications=2, seed=4)


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _user_files(folder: Path) -> None:
    (folder / "notes.md").write_text("Réunion du 3 mars : ne pas effacer.\n", encoding="utf-8")
    (folder / "annexes").mkdir()
    (folder / "annexes" / "devis.csv").write_text("poste,montant\nlocal,1200\n", encoding="utf-8")


# ---------------------------------------------------------------------- marker and the user's files


def test_the_run_folder_carries_a_marker_with_the_run_identity(results: simcoop.Results, tmp_path: Path) -> None:
    results.save(tmp_path / "run")
    marker = json.loads((tmp_path / "run" / MARKER).read_text(encoding="utf-8"))
    assert marker["kind"] == "run"
    assert marker["identity"] == {
        "scenario_name": "small", "scenario_hash": results.scenario.scenario_hash(), "seed": 3, "replications": 2,
    }  # fmt: skip
    assert {"manifest.json", "kpis.csv", "monthly.parquet", "verdict.json"} <= set(marker["files"])
    assert all(len(r["sha256"]) == 64 for r in marker["files"].values())
    assert json.loads((tmp_path / "run" / "verdict.json").read_text(encoding="utf-8"))["run"] == marker["identity"]


def test_rerunning_the_same_run_keeps_the_users_files(results: simcoop.Results, tmp_path: Path) -> None:
    target = tmp_path / "run"
    results.save(target)
    _user_files(target)
    results.save(target)
    assert (target / "notes.md").read_text(encoding="utf-8").startswith("Réunion du 3 mars")
    assert (target / "annexes" / "devis.csv").read_text(encoding="utf-8") == "poste,montant\nlocal,1200\n"
    assert "notes.md" not in read_marker(target)["files"]  # still the user's, not simcoop's
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_force_replaces_only_simcoops_files(results: simcoop.Results, other: simcoop.Results, tmp_path: Path) -> None:
    target = tmp_path / "run"
    results.save(target)
    _user_files(target)
    with pytest.raises(OutputExistsError, match="holds a different run"):
        other.save(target)
    other.save(target, force=True)
    assert json.loads((target / "manifest.json").read_text(encoding="utf-8"))["seed"] == 4
    assert (target / "notes.md").is_file() and (target / "annexes" / "devis.csv").is_file()


def test_force_never_replaces_a_folder_that_is_not_simcoops(results: simcoop.Results, tmp_path: Path) -> None:
    target = tmp_path / "thesis"
    target.mkdir()
    _user_files(target)
    (target / "manifest.json").write_text('{"name": "npm package"}', encoding="utf-8")
    before = _tree(target)
    with pytest.raises(OutputExistsError, match=r"not a simcoop folder .*annexes/, manifest.json, notes.md.*even with --force"):
        results.save(target, force=True)
    assert _tree(target) == before


def test_a_users_file_named_like_an_output_stops_the_write_without_loss(results: simcoop.Results, tmp_path: Path) -> None:
    """A file simcoop did not write, bearing the name of a run output, is never overwritten."""
    target = tmp_path / "run"
    results.save(target)
    marker = read_marker(target)
    del marker["files"]["summary.csv"]  # as if the user had put their own summary.csv there
    (target / MARKER).write_text(json.dumps(marker), encoding="utf-8")
    (target / "summary.csv").write_text("mon résumé\n", encoding="utf-8")
    with pytest.raises(OutputExistsError, match="summary.csv is not a file simcoop wrote"):
        results.save(target)
    assert (target / "summary.csv").read_text(encoding="utf-8") == "mon résumé\n"


def test_cli_rerun_keeps_notes_md(tmp_path: Path) -> None:
    import yaml

    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(small_scenario().to_dict(), allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    args = ["run", str(path), "-n", "2", "-o", str(out), "-q"]
    assert main(args) == 0
    (out / "notes.md").write_text("à garder\n", encoding="utf-8")
    assert main(args) == 0
    assert main([*args, "--seed", "9", "--force"]) == 0
    assert (out / "notes.md").read_text(encoding="utf-8") == "à garder\n"


# ---------------------------------------------------------------------- lock and crashes


def test_one_lock_for_every_writer_of_a_folder(results: simcoop.Results, tmp_path: Path) -> None:
    """While one writer holds the folder (a run, solve, report), Results.save elsewhere is refused, not interleaved."""
    target = tmp_path / "run"
    errors: list[BaseException] = []
    with folder_lock(target):
        assert (tmp_path / ".run.lock").is_file()

        def save() -> None:
            try:
                results.save(target)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        thread = threading.Thread(target=save)
        thread.start()
        thread.join()
        results.save(target)  # the holder itself may write (re-entrant)
    assert len(errors) == 1 and isinstance(errors[0], FolderBusyError)
    assert not (tmp_path / ".run.lock").exists()


def test_the_lock_is_held_across_processes(results: simcoop.Results, tmp_path: Path) -> None:
    import subprocess
    import sys

    target = tmp_path / "run"
    code = (
        "import sys, time; from simcoop.outdir import folder_lock\n"
        "with folder_lock(sys.argv[1]):\n    print('locked', flush=True); time.sleep(30)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code, str(target)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(FolderBusyError, match=rf"another simcoop command \(process {holder.pid}\) is writing"):
            results.save(target)
    finally:
        holder.kill()
        holder.wait()
    results.save(target)  # a dead holder leaves no stale lock: flock dies with the process


def test_crash_leftovers_are_cleaned_and_never_block(results: simcoop.Results, tmp_path: Path) -> None:
    """kill -9 during a save leaves .NAME.*.tmp / .NAME.*.old: the next writer removes them, the user's files rescued."""
    target = tmp_path / "run"
    results.save(target)
    half = tmp_path / ".run.abc123.tmp"
    half.mkdir()
    (half / "kpis.csv").write_text("half", encoding="utf-8")
    old = tmp_path / ".run.def456.old"
    old.mkdir()
    (old / "kpis.csv").write_text("old run", encoding="utf-8")
    (old / "notes.md").write_text("written during the crash\n", encoding="utf-8")
    results.save(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    assert (target / "notes.md").read_text(encoding="utf-8") == "written during the crash\n"


def test_a_crash_between_two_renames_gives_the_folder_back(results: simcoop.Results, tmp_path: Path) -> None:
    """Where the swap takes two renames, NAME may be missing after a crash: it is restored from .NAME.*.old."""
    target = tmp_path / "run"
    results.save(target)
    before = _tree(target)
    target.rename(tmp_path / ".run.x1y2.old")  # as a crash after the first rename leaves it
    from simcoop.outdir import recover

    with folder_lock(target):
        done = recover(target)
    assert done and "restored" in done[0]
    assert _tree(target) == before


def test_the_folder_never_disappears_during_a_replacement(results: simcoop.Results, tmp_path: Path) -> None:
    """The old and new folders are exchanged in one step: a watcher never sees NAME missing."""
    target = tmp_path / "run"
    results.save(target)
    seen_missing: list[bool] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            seen_missing.append(not (target / "manifest.json").exists())

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for _ in range(5):
            write_folder_atomically(target, lambda f: (f / "manifest.json").write_text("{}", encoding="utf-8"))
    finally:
        stop.set()
        watcher.join()
    assert seen_missing and not any(seen_missing)


def test_n_auto_and_save_share_the_lock(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """-n auto cannot replace a folder another command is writing."""
    import yaml

    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(small_scenario().to_dict(), allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    result: list[int] = []

    def run_auto() -> None:
        result.append(main(["run", str(path), "-n", "auto", "--max-replications", "20", "-o", str(out), "-q"]))

    with folder_lock(out):
        thread = threading.Thread(target=run_auto)
        thread.start()
        thread.join()
    assert result == [2]
    assert "is writing" in capsys.readouterr().err and not out.exists()


# ---------------------------------------------------------------------- solve writes only where it belongs


def test_solve_refuses_the_folder_of_another_scenarios_run(results: simcoop.Results, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import yaml

    target = tmp_path / "run"
    results.save(target)
    other = small_scenario().replace({"cooperative.contribution.rate": 0.12, "meta.name": "autre"})
    path = tmp_path / "autre.yaml"
    path.write_text(yaml.safe_dump(other.to_dict(), allow_unicode=True), encoding="utf-8")
    assert main(["solve", str(path), "-n", "2", "-o", str(target), "-q", "--no-uncertainty"]) == 2
    assert "holds the run of another scenario ('small'" in capsys.readouterr().err
    assert not (target / "solve.json").exists()


# ---------------------------------------------------------------------- CSV outputs


def test_csv_numbers_are_written_exactly() -> None:
    """Cents above 100 M€ and values from 1e10 up are written in full, without exponent."""
    frame = pd.DataFrame({"amount_eur": [123456789.12, 98765432109.87, 1e16 + 2, -0.01], "share": [1e-5, 0.1, 0.5, 2 / 3]})
    text = csv_text(frame)
    assert "123456789.12" in text and "98765432109.87" in text and "10000000000000002" in text
    assert "e+" not in text and "e-" not in text and "0.00001" in text
    back = pd.read_csv(io.StringIO(text))
    assert back["amount_eur"].tolist() == frame["amount_eur"].tolist()
    assert back["share"].tolist() == frame["share"].tolist()


def test_the_run_folder_csv_keep_the_cents_of_large_amounts(results: simcoop.Results, tmp_path: Path) -> None:
    results_big = simcoop.Results(
        scenario=results.scenario, seed=results.seed, replications=results.replications, monthly=results.monthly,
        yearly=results.yearly, events=results.events, kpis=results.kpis.assign(turnover_eur=1234567890.12),
        funding=results.funding,
    )  # fmt: skip
    results_big.save(tmp_path / "run")
    text = (tmp_path / "run" / "kpis.csv").read_text(encoding="utf-8")
    assert "1234567890.12" in text and "1234567890," not in text


@pytest.mark.parametrize("payload", ["=HYPERLINK(\"http://x\",\"clic\")", "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tx"])
def test_formula_like_text_is_neutralised(payload: str) -> None:
    text = csv_text(pd.DataFrame({"funder": [payload, "Région"], "amount_eur": [-5.0, 10.0]}))
    cell = pd.read_csv(io.StringIO(text), keep_default_na=False)["funder"][0]
    assert cell == "'" + payload
    assert "-5.0" in text  # numbers are never touched


def test_csv_text_writes_what_pandas_writes(results: simcoop.Results, monkeypatch: pytest.MonkeyPatch) -> None:
    """The column-wise writer of ``csv_text`` gives pandas' bytes: quotes, missing values, dates, odd floats."""
    import numpy as np

    from simcoop import csvout

    n = 9000  # more than one block of rows
    rng = np.random.default_rng(5)
    odd = pd.DataFrame({
        "f": np.r_[rng.normal(size=n - 7) * 1e6, np.nan, np.inf, -np.inf, -0.0, 1e16, 1e-5, 0.1 + 0.2],
        "i": rng.integers(-10**12, 10**12, n), "b": rng.random(n) > 0.5,
        "s": pd.Series([["a,b", 'q"x', "line\nfeed", "", " sp", "=cmd", None][k % 7] for k in range(n)], dtype=object),
        "st": pd.Series([["x,y", "z", "", None][k % 4] for k in range(n)], dtype="str"),
        "c": pd.Categorical([["u", "v,w", "-z"][k % 3] for k in range(n)]),
        "I": pd.array([None if k % 7 == 0 else k for k in range(n)], dtype="Int64"),
        "d": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 3000, n), unit="D"),
        "o": pd.Series([[1, 2.5, "t", None, np.float64(0.1), True][k % 6] for k in range(n)], dtype=object),
        'label,"x"': np.arange(n), 3: np.arange(n),
    })  # fmt: skip
    frames = [odd, odd.iloc[:0], odd.iloc[:10], results.monthly, results.kpis, results.yearly, results.summary()]
    texts = [csv_text(frame) for frame in frames]
    for frame, text in zip(frames, texts, strict=True):  # a table's text: its header, then its parts' rows
        parts = [frame.iloc[:3], frame.iloc[3:7], frame.iloc[7:]]
        assert csvout.csv_text(frame.iloc[:0]) + "".join(csvout.csv_rows(part) for part in parts) == text
    monkeypatch.setattr(csvout, "_columnwise_csv", lambda frame: None)  # pandas writes every table
    assert texts == [csv_text(frame) for frame in frames]


def test_money_columns_compiled_and_in_python_give_pandas_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cents written from integers by the compiled loop: the same text as pandas (``repr``) and as the Python path."""
    import numpy as np

    rng = np.random.default_rng(11)
    n = 3000
    cents = np.round(rng.normal(0, 1e5, n), 2)
    cents[::5] = np.round(cents[::5])
    cents[1::9] = np.nan
    edge = [0.0, 0.01, -0.01, 0.05, -0.05, -0.5, 0.1, 0.5, 1.0, -1.0, 99.99, -99.9, 2**46 - 0.25, -(2**46 - 1.0),
            123456789.12, 98765432109.87]  # fmt: skip
    cents[: len(edge)] = edge
    not_cents = cents.copy()
    not_cents[:4] = [0.1 + 0.2, 2.0**46, -0.0, 1 / 3]  # left to repr: the whole column
    frame = pd.DataFrame({
        "amount_eur": cents, "other_eur": not_cents, "count": np.arange(n) - 1500, "small": np.arange(n, dtype=np.uint8),
        "extreme": np.r_[np.iinfo(np.int64).max, np.iinfo(np.int64).min, np.zeros(n - 2, dtype=np.int64)],
        "site": pd.Categorical(np.where(np.arange(n) % 3 == 0, None, "Lyon, Part-Dieu")), "name": "Référence",
    })  # fmt: skip
    expected = frame.to_csv(index=False, lineterminator="\n")
    assert csv_text(frame) == expected
    assert csv_text(frame.drop(columns="extreme")) == frame.drop(columns="extreme").to_csv(index=False, lineterminator="\n")
    monkeypatch.setenv("SIMCOOP_NO_NUMBA", "1")
    assert csv_text(frame) == expected


def test_decimals_dates_and_text_compiled_and_in_python_give_pandas_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """Floats of up to 4 digits after the point (FTE, ratios), ``-0.0`` among cents, dates and text columns
    through the compiled loop (numbers from int64, dates and text once per distinct value): pandas' text."""
    import numpy as np

    from simcoop import csvout

    rng = np.random.default_rng(13)
    n = 3000
    fte = np.round(rng.normal(0, 50, n), 4)
    fte[: 12] = [0.0, -0.0, 0.0001, -0.0001, 0.5, 3.055, 9.0665, 0.118, 1.0, 2.0**39 - 0.0625, -(2.0**39 - 1.0), 12.3400]
    fte[1::11] = np.nan
    cents = np.round(rng.normal(0, 1e4, n), 2)
    cents[::7] = -0.0
    tenths = np.round(rng.normal(0, 1e3, n), 1)
    near = fte.copy()
    near[5] = 2.0**39  # out of the 4 digits' range: the whole column left to repr
    frame = pd.DataFrame({
        "fte": fte, "advances_eur": cents, "tenths": tenths, "near": near,
        "date": pd.Timestamp("2027-01-01") + pd.to_timedelta(rng.integers(0, 3650, n), unit="D"),
        "site": pd.Series([["siège", "Lyon, Part-Dieu", 'dit "Nord"', None, ""][k % 5] for k in range(n)], dtype="str"),
    })  # fmt: skip
    assert csvout._numeric_cells(frame["fte"])[1] == 4 and csvout._numeric_cells(frame["advances_eur"])[1] == 2
    assert csvout._numeric_cells(frame["near"]) is None
    assert csvout._distinct_texts(frame["date"]) is not None and csvout._distinct_texts(frame["site"]) is not None
    expected = frame.to_csv(index=False, lineterminator="\n", date_format="%Y-%m-%d")
    assert "-0.0," in expected and "0.0001" in expected
    assert csv_text(frame) == expected
    monkeypatch.setenv("SIMCOOP_NO_NUMBA", "1")
    assert csv_text(frame) == expected


def test_a_funder_named_like_a_formula_is_neutralised_in_the_run_folder(tmp_path: Path) -> None:
    scenario = small_scenario()
    data = scenario.to_dict()
    data["cooperative"]["public_funding"][0]["funder"] = '=HYPERLINK("http://evil","x")'
    data["meta"]["name"] = "@SUM(1+1)"
    evil = simcoop.scenario_from_dict(data)
    simcoop.simulate(evil, replications=1, seed=1).save(tmp_path / "run")
    text = (tmp_path / "run" / "funding.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ',=HYPERLINK' not in text
    for name in ("monthly.csv", "yearly.csv", "kpis.csv", "funding.csv"):  # the scenario column (categorical)
        lines = (tmp_path / "run" / name).read_text(encoding="utf-8").splitlines()[1:]
        assert lines and all(line.startswith("'@SUM(1+1)") for line in lines), name


def test_names_with_dollars_are_drawn_as_plain_text(tmp_path: Path) -> None:
    """A '$...$' in a funder name is drawn as text in the report's figures, not parsed as maths (which crashed)."""
    from simcoop.report import render_html

    name = r"Fonds $\nosuchcommand{1}$ et $x^{2}$"
    data = small_scenario().to_dict()
    data["cooperative"]["public_funding"][0]["funder"] = name
    scenario = simcoop.scenario_from_dict(data)
    simcoop.simulate(scenario, replications=1, seed=1).save(tmp_path / "run")
    html = render_html(tmp_path / "run")
    assert "nosuchcommand" in html


def test_kill_9_during_a_save_leaves_the_old_run_and_nothing_that_blocks(results: simcoop.Results, tmp_path: Path) -> None:
    """A save killed with SIGKILL after writing its new folder: the old run is intact, the next save cleans up."""
    import signal
    import subprocess
    import sys

    target = tmp_path / "run"
    results.save(target)
    before = _tree(target)
    code = (
        "import sys, time, simcoop\n"
        "from tests.conftest import small_scenario\n"
        "r = simcoop.simulate(small_scenario(), replications=2, seed=4)\n"
        "write = simcoop.Results._write\n"
        "def slow(self, folder):\n    write(self, folder); print('written', flush=True); time.sleep(60)\n"
        "simcoop.Results._write = slow\n"
        "r.save(sys.argv[1], force=True)\n"
    )
    root = Path(__file__).resolve().parents[1]
    child = subprocess.Popen([sys.executable, "-c", code, str(target)], stdout=subprocess.PIPE, text=True, cwd=root)
    try:
        assert child.stdout.readline().strip() == "written"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        child.kill()
    assert _tree(target) == before  # the old run, whole
    assert any(p.name.startswith(".run.") and p.name.endswith(".tmp") for p in tmp_path.iterdir())
    results.save(target)  # not blocked by the dead writer's lock file or its temporary folder
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_a_damaged_marker_is_refused_cleanly(results: simcoop.Results, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A tampered .simcoop.json makes the folder unrecognisable: refused with a message, never a traceback."""
    target = tmp_path / "run"
    results.save(target)
    (target / MARKER).write_text('{"format": "simcoop-folder/1", "kind": "run", "identity": 3, "files": {"a": 1}}')
    with pytest.raises(OutputExistsError, match="not a simcoop folder"):
        results.save(target, force=True)
    assert main(["report", str(target)]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_the_pipeline_registers_funders_csv_and_the_startup_solve_json(tmp_path: Path) -> None:
    """``run_pipeline(funders=True, solve=True)``: funders.csv (scope run) and solve.json (scope
    scenario, naming the scenario) are simcoop's files of the run folder; the solver's default
    target is the start-up financing."""
    scenario = small_scenario(**{"cooperative.public_funding": [
        {"funder": "Région", "amount_eur": 60000, "first_month": "2027-01", "last_month": "2029-12"}]})  # fmt: skip
    out = tmp_path / "run"
    outputs = simcoop.run_pipeline(scenario, out, replications=4, seed=2, funders=True, solve=True)
    marker = read_marker(out)
    assert marker is not None
    assert marker["files"]["funders.csv"]["scope"] == "run"
    assert marker["files"]["solve.json"]["scope"] == "scenario"
    assert outputs.solution is not None and outputs.solution.target == "startup"
    solve = json.loads((out / "solve.json").read_text(encoding="utf-8"))
    assert solve["scenario"] == {"name": scenario.meta.name, "scenario_hash": scenario.scenario_hash()}
    table = pd.read_csv(out / "funders.csv", keep_default_na=False)
    assert list(table["funder"]) == ["", "Région"] and outputs.funders is not None
