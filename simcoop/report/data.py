"""Read a run folder (or an in-memory ``Results``) into what the report needs.

The report reads the files written by ``simcoop run`` only: it never imports the
model. ``sensitivity.csv`` and ``solve.json`` are optional.

Every file is checked against the folder's marker (``.simcoop.json``, ``simcoop.outdir``):
a file simcoop did not write into this folder, or whose bytes changed since, does not
belong to this run. A required file that fails is a refusal (``NotARunFolder``); an
optional one is left out and ``RunData.notes`` says why, in French, for the report and
the terminal. ``solve.json`` must also name the run's scenario (same hash).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from simcoop.outdir import MARKER, file_problem, read_marker
from simcoop.report.run_parts import MonthlyTable

__all__ = ["REQUIRED_FILES", "NotARunFolder", "RunData", "is_run_folder", "load_run", "solved_startup"]

#: Files without which a folder is not a run folder the report can read.
REQUIRED_FILES: tuple[str, ...] = ("manifest.json", "monthly.parquet", "yearly.parquet", "kpis.csv")


def solved_startup(solve: dict[str, Any] | None) -> tuple[float, float | None] | None:
    """The solver's one-off start-up financing and its pessimistic end (``solve.json``, target
    startup, answer found); None otherwise. Simulated, it prevails over the verdict's estimate
    of the amount to secure (a quantile of the shortfalls on the run's simulations)."""
    solve = solve or {}
    value = solve.get("value")
    if solve.get("target") != "startup" or value is None:
        return None
    spread = solve.get("spread") or [None, None]
    high = spread[1] if len(spread) > 1 else None
    return float(value), (float(high) if high is not None else None)


class NotARunFolder(ValueError):
    """The folder is not a simcoop run folder (or misses a file the report needs)."""


@dataclass
class RunData:
    """Everything the report reads from one run.

    ``monthly`` is given as a frame or as a ``MonthlyTable``; the report reads it through
    ``monthly_table`` (the columns it needs, a part of whole replications at a time), and the
    attribute ``monthly`` is the whole frame, read from the folder only when asked for.
    """

    manifest: dict[str, Any]
    monthly: pd.DataFrame = field(repr=False, compare=False)  # a property: see below the class
    yearly: pd.DataFrame
    kpis: pd.DataFrame
    funding: pd.DataFrame | None
    verdict: dict[str, Any] | None
    sensitivity: pd.DataFrame | None = None
    solve: dict[str, Any] | None = None
    funders: pd.DataFrame | None = None  # funders.csv: the verdict without each funder in turn
    folder: Path | None = None
    zones: pd.DataFrame | None = None
    sites: pd.DataFrame | None = None
    notes: list[str] | None = None  # French: the files left out and why
    parameters: pd.DataFrame | None = None  # parameters.parquet: each replication's drawn uncertain keys
    monthly_table: MonthlyTable = field(init=False, repr=False, compare=False)  # set by ``monthly``

    @property
    def scenario(self) -> dict[str, Any]:
        """The resolved scenario as plain data, from the manifest."""
        return self.manifest["scenario"]

    @property
    def start_month(self) -> str:
        """The first simulated month (YYYY-MM)."""
        return str(self.scenario["meta"]["start_month"])

    @property
    def horizon_months(self) -> int:
        """The number of simulated months."""
        return int(self.scenario["meta"]["horizon_months"])

    @classmethod
    def from_results(cls, results: Any, verdict: dict[str, Any] | None = None) -> RunData:
        """From a ``simcoop.results.Results`` (duck-typed) and its verdict dict (computed if omitted)."""
        if verdict is None:
            verdict = results.verdict().to_dict()
        return cls(
            manifest=results.manifest(),
            monthly=results.monthly,
            yearly=results.yearly,
            kpis=results.kpis,
            funding=results.funding,
            verdict=verdict,
            zones=getattr(results, "zones", None),
            sites=getattr(results, "sites", None),
            parameters=getattr(results, "parameters", None),
        )


def _whole_monthly(run: RunData) -> pd.DataFrame:
    """The run's whole monthly table (from a folder, read now; the report itself reads ``monthly_table``)."""
    return run.monthly_table.frame()


def _set_monthly(run: RunData, monthly: pd.DataFrame | MonthlyTable) -> None:
    run.monthly_table = monthly if isinstance(monthly, MonthlyTable) else MonthlyTable(monthly)


# The dataclass's ``__init__`` assigns ``monthly``: the property keeps the table as a MonthlyTable.
RunData.monthly = property(_whole_monthly, _set_monthly, doc=_whole_monthly.__doc__)  # type: ignore[assignment]


def is_run_folder(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` holds the files of a simcoop run the report can read."""
    folder = Path(path)
    return folder.is_dir() and all((folder / name).is_file() for name in REQUIRED_FILES)


def _read_json(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise NotARunFolder(f"{path} cannot be read: {exc}") from None
    return data if isinstance(data, dict) else None


_OPTIONAL_LABELS = {
    "funding.csv": "le financement par convention",
    "verdict.json": "l'avis de viabilité",
    "sensitivity.csv": "l'analyse de sensibilité",
    "solve.json": "le financement nécessaire",
    "zones.csv": "les résultats par zone",
    "sites.csv": "les résultats par site",
    "funders.csv": "les financeurs décisifs",
    "parameters.parquet": "les paramètres tirés par simulation",
}

_PROBLEMS_FR = {
    "unregistered": "il n'a pas été écrit dans ce dossier par cette simulation (il n'est pas inscrit dans {marker}) : il peut venir d'une autre simulation",
    "modified": "il a été modifié après avoir été écrit par la simulation",
}


def load_run(path: str | os.PathLike[str]) -> RunData:
    """Read the run folder ``path``; raise ``NotARunFolder`` when it is not one, or when a required file is not its own."""
    folder = Path(path)
    if not folder.is_dir():
        raise NotARunFolder(f"{folder} is not a folder")
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if missing:
        raise NotARunFolder(f"{folder} is not a simcoop run folder (missing {', '.join(missing)})")
    marker = read_marker(folder)
    if marker is None or marker.get("kind") != "run" or not marker.get("identity"):
        raise NotARunFolder(f"{folder} is not a simcoop run folder (no {MARKER} naming a run, no simcoop manifest.json)")
    for name in REQUIRED_FILES:
        problem = file_problem(folder, name, marker)
        if problem in ("unregistered", "modified"):
            raise NotARunFolder(
                f"{folder / name} does not belong to the run in {folder} ("
                + ("simcoop did not write it there" if problem == "unregistered" else "it was changed after simcoop wrote it")
                + "): the report would mix two runs. Run the simulation again into this folder, or another one"
            )
    manifest = _read_json(folder / "manifest.json")
    if not manifest or "scenario" not in manifest:
        raise NotARunFolder(f"{folder / 'manifest.json'} is not a simcoop manifest (no scenario)")
    identity = marker["identity"]
    if any(manifest.get(k) != identity.get(k) for k in ("scenario_hash", "seed", "replications")):
        raise NotARunFolder(f"{folder / 'manifest.json'} does not describe the run recorded in {folder / MARKER}")
    notes: list[str] = []

    def trusted(name: str) -> bool:
        if not (folder / name).is_file():
            return False
        problem = file_problem(folder, name, marker)
        if problem in _PROBLEMS_FR:
            notes.append(f"{name} écarté ({_OPTIONAL_LABELS.get(name, name)}) : " + _PROBLEMS_FR[problem].format(marker=MARKER) + ".")
            return False
        return True

    def csv(name: str, **options: Any) -> pd.DataFrame | None:
        return _frame(folder / name, **options) if trusted(name) else None

    verdict = _read_json(folder / "verdict.json") if trusted("verdict.json") else None
    if verdict is not None and isinstance(verdict.get("run"), dict) and verdict["run"].get("scenario_hash") != identity.get("scenario_hash"):
        notes.append("verdict.json écarté (l'avis de viabilité) : il appartient à une autre simulation.")
        verdict = None
    solve = _read_json(folder / "solve.json") if trusted("solve.json") else None
    if solve is not None:
        named = (solve.get("scenario") or {}).get("scenario_hash") if isinstance(solve.get("scenario"), dict) else None
        if named != identity.get("scenario_hash"):
            other = (solve.get("scenario") or {}).get("name") if isinstance(solve.get("scenario"), dict) else None
            whose = f"au scénario « {other} »" if other else "à un scénario qu'il ne nomme pas"
            notes.append(
                f"solve.json écarté (le financement nécessaire) : il répond pour {whose}, pas pour celui de cette "
                "simulation (empreinte différente) ; le calcul du financement doit être refait sur ce scénario."
            )
            solve = None
    _check_manifest(folder / "manifest.json", manifest)
    try:  # a folder written by an older simcoop has no digests: damaged files are caught here
        run = RunData(
            manifest=manifest,
            monthly=MonthlyTable(folder / "monthly.parquet", _unreadable),
            yearly=_frame(folder / "yearly.parquet"),
            kpis=_frame(folder / "kpis.csv"),
            funding=csv("funding.csv"),
            verdict=verdict,
            sensitivity=csv("sensitivity.csv"),
            solve=solve,
            folder=folder,
            zones=csv("zones.csv", dtype={"zone_code": str}),
            sites=csv("sites.csv"),
            funders=csv("funders.csv", keep_default_na=False),
            notes=notes,
            parameters=_frame(folder / "parameters.parquet") if trusted("parameters.parquet") else None,
        )
    except (OSError, ValueError, pd.errors.ParserError) as exc:  # pyarrow errors are ValueErrors/OSErrors
        raise NotARunFolder(f"{folder} holds a damaged file, so the report cannot be written: {exc}") from None
    _check_columns(folder, run)
    return run


_EDITED = "the run folder was edited or damaged; run `simcoop run` again to rewrite it"


def _frame(path: Path, **kwargs: Any) -> pd.DataFrame:
    """A table of the run folder; NotARunFolder (not a traceback) when it cannot be read."""
    try:
        return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, **kwargs)
    except (OSError, ValueError) as exc:  # pyarrow's and pandas' parse errors are ValueErrors
        raise _unreadable(path, exc) from None


def _unreadable(path: Path, exc: Exception) -> NotARunFolder:
    return NotARunFolder(f"{path} cannot be read ({type(exc).__name__}: {str(exc)[:200]}); {_EDITED}")


def _check_manifest(path: Path, manifest: dict[str, Any]) -> None:
    """The manifest's scenario must be a valid scenario, and its seed and replications whole numbers."""
    from simcoop.scenario import ScenarioError, scenario_from_dict

    try:
        scenario_from_dict(manifest["scenario"], source=str(path))
    except (ScenarioError, TypeError) as exc:
        first = str(exc).splitlines()[1:2] or [str(exc)]
        raise NotARunFolder(f"{path}: its scenario is not a valid scenario ({first[0].strip()}); {_EDITED}") from None
    for key in ("seed", "replications"):
        if not isinstance(manifest.get(key), int) or isinstance(manifest.get(key), bool):
            raise NotARunFolder(f"{path}: {key} is missing or not a whole number; {_EDITED}")


def _check_columns(folder: Path, run: RunData) -> None:
    """Each table must hold the columns that place its rows, and as many replications as the manifest says.

    (The full column lists live with the frames, beside the model, which the report never
    imports; a column missing beyond these is reported by ``simcoop report`` as a damaged folder.)
    """
    replications = run.manifest["replications"]
    for name, frame, keys in (
        ("monthly.parquet", run.monthly_table, ("replication", "month")),
        ("yearly.parquet", run.yearly, ("replication", "year")),
        ("kpis.csv", run.kpis, ("replication",)),
    ):
        missing = [c for c in keys if c not in frame.columns]
        if missing:
            raise NotARunFolder(f"{folder / name} lacks the column(s) {', '.join(missing)}; {_EDITED}")
        if (frame.rows if isinstance(frame, MonthlyTable) else len(frame)) == 0:
            raise NotARunFolder(f"{folder / name} has no rows; {_EDITED}")
        found = frame.replications() if isinstance(frame, MonthlyTable) else frame["replication"].nunique()
        if found != replications:
            raise NotARunFolder(f"{folder / name} holds {found} replication(s), the manifest {replications}; {_EDITED}")
