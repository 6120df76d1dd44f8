"""The run folder and study folders on disk: the overwrite policy and atomic writes.

A folder is written to a temporary sibling and renamed into place, so an interrupted
write leaves the previous content or nothing; an existing non-empty folder is replaced
only when its ``manifest.json`` identifies the same run or study (same scenario or input
hash, seed and replications), or with ``force``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from simcoop._atomic import write_folder_atomically, write_text_atomically
from simcoop.scenario import Scenario

__all__ = [
    "OutputExistsError",
    "check_output_folder",
    "check_study_folder",
    "existing_manifest",
    "to_csv",
    "write_csv",
    "write_study_folder",
]


class OutputExistsError(FileExistsError):
    """The output folder holds something else than this very run."""



def to_csv(frame: pd.DataFrame, path: Path) -> None:
    """CSV that opens in pandas and spreadsheets: UTF-8, dot decimals, ISO dates."""
    frame.to_csv(path, index=False, date_format="%Y-%m-%d", float_format="%.10g")


def check_output_folder(target: Path, scenario: Scenario, seed: int, replications: int, force: bool = False) -> None:
    """Raise OutputExistsError unless ``target`` is absent, empty, the same run, or ``force``."""
    old = existing_manifest(target, force)
    if old is None:
        return
    same = (
        old.get("scenario_hash") == scenario.scenario_hash()
        and old.get("seed") == seed
        and old.get("replications") == replications
    )
    if not same:
        raise OutputExistsError(
            f"{target} holds a different run (scenario {old.get('scenario_name')!r}, seed {old.get('seed')}, "
            f"{old.get('replications')} replications); use --force to replace it, or choose another --out"
        )


def existing_manifest(target: Path, force: bool = False) -> dict[str, Any] | None:
    """The manifest of what ``target`` holds, or None when it may be written freely (absent, empty, ``force``).

    Raises OutputExistsError when ``target`` is a file, or a non-empty folder without a
    simcoop manifest: something a user made, never overwritten unasked.
    """
    if not target.exists() or force:
        return None
    if not target.is_dir():
        raise OutputExistsError(f"{target} exists and is not a folder; choose another --out or use --force")
    if not any(target.iterdir()):
        return None
    manifest_path = target / "manifest.json"
    if not manifest_path.is_file():
        raise OutputExistsError(
            f"{target} is not empty and holds no simcoop manifest.json; it will not be overwritten "
            "(choose another --out, or use --force to replace it)"
        )
    try:
        old = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        old = {}
    return old if isinstance(old, dict) else {}




def _identity(manifest: dict[str, Any]) -> tuple[Any, ...]:
    return (manifest.get("kind"), manifest.get("input_hash"), manifest.get("seed"), manifest.get("replications"))


def check_study_folder(target: Path, manifest: dict[str, Any], force: bool = False) -> None:
    """Raise OutputExistsError unless ``target`` is absent, empty, the same study, or ``force``."""
    old = existing_manifest(target, force)
    if old is not None and _identity(old) != _identity(manifest):
        what = old.get("kind") or "simcoop run"
        raise OutputExistsError(
            f"{target} holds a different {what} (name {old.get('name', old.get('scenario_name'))!r}, seed "
            f"{old.get('seed')}, {old.get('replications')} replications); use --force to replace it, or choose another --out"
        )


def write_study_folder(
    target: Path, manifest: dict[str, Any], write: Callable[[Path], None], force: bool = False
) -> Path:
    """Check ``target``, let ``write(folder)`` fill a temporary folder, add manifest.json, rename into place."""
    target = Path(target)
    check_study_folder(target, manifest, force)

    def write_with_manifest(folder: Path) -> None:
        write(folder)
        with open(folder / "manifest.json", "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, indent=2, ensure_ascii=False)
            fh.write("\n")

    return write_folder_atomically(target, write_with_manifest)


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``frame`` as CSV atomically (UTF-8, dot decimals): a temporary file renamed into place."""
    path = Path(path)
    text = frame.to_csv(index=False, float_format="%.10g", lineterminator="\n")
    write_text_atomically(path, text)
    return path
