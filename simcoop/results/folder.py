"""Output folders of studies that are not a single run (network, territories).

The same contract as ``Results.save`` and ``check_output_folder``: a folder is written
to a temporary sibling and renamed into place, so an interrupted write leaves the
previous content or nothing; an existing non-empty folder is replaced only when its
``manifest.json`` identifies the same study (same kind, input hash, seed and
replications), or with ``force``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from simcoop._atomic import write_folder_atomically
from simcoop.results import OutputExistsError, existing_manifest

__all__ = ["check_study_folder", "write_study_folder"]


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
