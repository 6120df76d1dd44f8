"""The run folder and study folders on disk: the overwrite policy, atomic writes, CSV outputs.

The rules live in ``simcoop.outdir`` (which the report also uses, without importing the
model): a folder simcoop writes carries a marker (``.simcoop.json``) with the run's
identity and the digest of every file simcoop wrote; it is written to a temporary
sibling and swapped into place under the folder's writers' lock; a folder that is not
simcoop's is never replaced, ``force`` or not; the user's own files in a simcoop folder
are kept. CSV outputs follow ``simcoop.csvout`` (exact numbers, formula-like text
neutralised).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from simcoop.csvout import write_csv_table
from simcoop.outdir import (
    OutputExistsError,
    check_folder,
    check_study_folder,
    read_marker,
    write_study_folder,
)
from simcoop.scenario import Scenario

__all__ = [
    "OutputExistsError",
    "check_output_folder",
    "check_study_folder",
    "existing_manifest",
    "run_identity",
    "to_csv",
    "write_csv",
    "write_study_folder",
]


def to_csv(frame: pd.DataFrame, path: Path, rows: Sequence[Path] | None = None) -> None:
    """A table of a folder being written atomically: exact numbers, formula-like text neutralised (``simcoop.csvout``).

    ``rows``: files holding the table's CSV rows already made, part by part (``simcoop.csvout.csv_rows``).
    """
    write_csv_table(frame, path, atomic=False, rows=rows)


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``frame`` as CSV atomically (``simcoop.csvout``: exact numbers, formula-like text neutralised)."""
    return write_csv_table(frame, path)


def run_identity(scenario: Scenario, seed: int, replications: int) -> dict[str, Any]:
    """The identity of a run, as its folder's marker and derived files record it."""
    return {
        "scenario_name": scenario.meta.name,
        "scenario_hash": scenario.scenario_hash(),
        "seed": int(seed),
        "replications": int(replications),
    }


def check_output_folder(target: Path, scenario: Scenario, seed: int, replications: int, force: bool = False) -> None:
    """Raise OutputExistsError unless ``target`` may receive this run (``simcoop.outdir.check_folder``)."""
    check_folder(Path(target), "run", run_identity(scenario, seed, replications), force)


def existing_manifest(target: Path, force: bool = False) -> dict[str, Any] | None:
    """The marker of the simcoop folder ``target`` (None when absent or empty); OutputExistsError if it is not simcoop's.

    ``force`` is accepted for compatibility: it never makes a folder that is not simcoop's writable.
    """
    target = Path(target)
    if not target.exists() or (target.is_dir() and not any(target.iterdir())):
        return None
    marker = read_marker(target) if target.is_dir() else None
    if marker is None:
        check_folder(target, "run", {}, force)  # raises, naming what is there
    return marker
