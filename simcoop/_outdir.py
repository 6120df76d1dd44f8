"""Output folders of studies that are not a single run (network, territories).

The same contract as ``Results.save`` and ``check_output_folder``: a folder is written
to a temporary sibling and renamed into place, so an interrupted write leaves the
previous content or nothing; an existing non-empty folder is replaced only when its
``manifest.json`` identifies the same study (same kind, input hash, seed and
replications), or with ``force``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from simcoop.results import OutputExistsError

__all__ = ["check_study_folder", "write_study_folder"]


def _identity(manifest: dict[str, Any]) -> tuple[Any, ...]:
    return (manifest.get("kind"), manifest.get("input_hash"), manifest.get("seed"), manifest.get("replications"))


def check_study_folder(target: Path, manifest: dict[str, Any], force: bool = False) -> None:
    """Raise OutputExistsError unless ``target`` is absent, empty, the same study, or ``force``."""
    if not target.exists() or force:
        return
    if not target.is_dir():
        raise OutputExistsError(f"{target} exists and is not a folder; choose another --out or use --force")
    if not any(target.iterdir()):
        return
    path = target / "manifest.json"
    if not path.is_file():
        raise OutputExistsError(
            f"{target} is not empty and holds no simcoop manifest.json; it will not be overwritten "
            "(choose another --out, or use --force to replace it)"
        )
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        old = {}
    if _identity(old) != _identity(manifest):
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
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes 0700; the folder should be like any other
    try:
        write(tmp)
        with open(tmp / "manifest.json", "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        if target.exists():
            backup = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
            backup.rmdir()
            target.rename(backup)
            tmp.rename(target)
            if backup.is_dir() and not backup.is_symlink():
                shutil.rmtree(backup, ignore_errors=True)
            else:
                backup.unlink(missing_ok=True)
        else:
            tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target
