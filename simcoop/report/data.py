"""Read a run folder (or an in-memory ``Results``) into what the report needs.

The report reads the files written by ``simcoop run`` only: it never imports the
model. ``sensitivity.csv`` and ``solve.json`` are optional.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["REQUIRED_FILES", "NotARunFolder", "RunData", "is_run_folder", "load_run"]

#: Files without which a folder is not a run folder the report can read.
REQUIRED_FILES: tuple[str, ...] = ("manifest.json", "monthly.parquet", "yearly.parquet", "kpis.csv")


class NotARunFolder(ValueError):
    """The folder is not a simcoop run folder (or misses a file the report needs)."""


@dataclass
class RunData:
    """Everything the report reads from one run."""

    manifest: dict[str, Any]
    monthly: pd.DataFrame
    yearly: pd.DataFrame
    kpis: pd.DataFrame
    funding: pd.DataFrame | None
    verdict: dict[str, Any] | None
    sensitivity: pd.DataFrame | None = None
    solve: dict[str, Any] | None = None
    folder: Path | None = None
    zones: pd.DataFrame | None = None
    sites: pd.DataFrame | None = None

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
        )


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


def load_run(path: str | os.PathLike[str]) -> RunData:
    """Read the run folder ``path``; raise ``NotARunFolder`` when it is not one."""
    folder = Path(path)
    if not folder.is_dir():
        raise NotARunFolder(f"{folder} is not a folder")
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if missing:
        raise NotARunFolder(f"{folder} is not a simcoop run folder (missing {', '.join(missing)})")
    manifest = _read_json(folder / "manifest.json")
    if not manifest or "scenario" not in manifest:
        raise NotARunFolder(f"{folder / 'manifest.json'} is not a simcoop manifest (no scenario)")
    optional_csv = {name: folder / f"{name}.csv" for name in ("funding", "sensitivity", "zones", "sites")}
    return RunData(
        manifest=manifest,
        monthly=pd.read_parquet(folder / "monthly.parquet"),
        yearly=pd.read_parquet(folder / "yearly.parquet"),
        kpis=pd.read_csv(folder / "kpis.csv"),
        funding=pd.read_csv(optional_csv["funding"]) if optional_csv["funding"].is_file() else None,
        verdict=_read_json(folder / "verdict.json"),
        sensitivity=pd.read_csv(optional_csv["sensitivity"]) if optional_csv["sensitivity"].is_file() else None,
        solve=_read_json(folder / "solve.json"),
        folder=folder,
        zones=pd.read_csv(optional_csv["zones"], dtype={"zone_code": str}) if optional_csv["zones"].is_file() else None,
        sites=pd.read_csv(optional_csv["sites"]) if optional_csv["sites"].is_file() else None,
    )
