"""Atomic writes: a file or a folder is written beside its target and renamed into place.

An interrupted write leaves the previous content (or nothing), never a half-written
output; what is written gets the permissions the umask gives any other file or folder.
No simcoop imports, so the report can use it without importing the model.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["write_file_atomically", "write_text_atomically", "write_json_atomically", "write_folder_atomically"]


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def write_file_atomically(path: Path, write: Callable[[Path], None]) -> Path:
    """Let ``write(tmp_path)`` write a temporary sibling of ``path``, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        tmp.chmod(0o666 & ~_umask())  # mkstemp makes 0600
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_text_atomically(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8, newlines as given) to ``path`` atomically."""
    return write_file_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8", newline=""))


def write_json_atomically(path: Path, data: Any) -> Path:
    """Write ``data`` as indented UTF-8 JSON to ``path`` atomically."""
    return write_text_atomically(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def write_folder_atomically(target: Path, write: Callable[[Path], None]) -> Path:
    """Let ``write(folder)`` fill a temporary sibling of ``target``, then rename it into place."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    tmp.chmod(0o777 & ~_umask())  # mkdtemp makes 0700
    try:
        write(tmp)
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
