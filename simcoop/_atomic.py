"""Atomic writes: a file or a folder is written beside its target and renamed into place.

An interrupted write leaves the previous content (or nothing), never a half-written
output; what is written gets the permissions the umask gives any other file or folder.
Files are flushed to disk (fsync) before they are renamed, and the folder holding them
after, so that a power cut cannot leave a renamed but empty file.

A folder replaces another one in a single step where the system allows it (Linux
``renameat2(RENAME_EXCHANGE)``): ``NAME`` always exists, holding either the old or the
new content. Elsewhere two renames are needed (``NAME`` -> ``.NAME.<random>.old``, then
the new folder -> ``NAME``); ``recover_leftovers`` puts the old folder back if a crash
fell between them.

No simcoop imports, so the report can use it without importing the model.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = [
    "write_file_atomically",
    "write_text_atomically",
    "write_json_atomically",
    "write_folder_atomically",
    "fsync_file",
    "fsync_folder",
    "leftovers",
    "recover_leftovers",
]

TMP_SUFFIX, OLD_SUFFIX = ".tmp", ".old"


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def fsync_file(path: Path) -> None:
    """Flush a written file's content to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_folder(path: Path) -> None:
    """Flush a folder's entries (the renames and creations in it) to disk; a no-op where folders cannot be opened."""
    if sys.platform == "win32":  # pragma: no cover - no directory fsync on Windows
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse fsync on folders
        pass
    finally:
        os.close(fd)


def _fsync_tree(folder: Path) -> None:
    for root, _dirs, files in os.walk(folder):
        for name in files:
            fsync_file(Path(root) / name)
        fsync_folder(Path(root))


def write_file_atomically(path: Path, write: Callable[[Path], None]) -> Path:
    """Let ``write(tmp_path)`` write a temporary sibling of ``path``, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TMP_SUFFIX, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        tmp.chmod(0o666 & ~_umask())  # mkstemp makes 0600
        fsync_file(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_folder(path.parent)
    return path


def write_text_atomically(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8, newlines as given) to ``path`` atomically."""
    return write_file_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8", newline=""))


def write_json_atomically(path: Path, data: Any) -> Path:
    """Write ``data`` as indented UTF-8 JSON to ``path`` atomically ."""
    return write_text_atomically(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where that is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):  # pragma: no cover - old C library
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):  # pragma: no cover
        return False
    raise OSError(code, os.strerror(code), str(b))


def write_folder_atomically(target: Path, write: Callable[[Path], None]) -> Path:
    """Let ``write(folder)`` fill a temporary sibling of ``target``, then put it in ``target``'s place.

    Everything written is flushed to disk first. An existing ``target`` is swapped out in
    one step where the system allows it, so ``target`` never disappears; the old content
    is then deleted.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=TMP_SUFFIX, dir=target.parent))
    tmp.chmod(0o777 & ~_umask())  # mkdtemp makes 0700
    try:
        write(tmp)
        _fsync_tree(tmp)
        if target.is_dir() and not target.is_symlink():
            if _exchange(tmp, target):
                old = tmp.with_name(tmp.name[: -len(TMP_SUFFIX)] + OLD_SUFFIX)
                tmp.rename(old)  # now the old content: marked .old, so a crash leaves it recognisable
                tmp = old
            else:  # pragma: no cover - two renames; recover_leftovers restores NAME after a crash between them
                backup = tmp.with_name(tmp.name[: -len(TMP_SUFFIX)] + OLD_SUFFIX)
                target.rename(backup)
                tmp.rename(target)
                tmp = backup
            fsync_folder(target.parent)
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            os.rename(tmp, target)  # fails on an existing file: callers decide what may be replaced
            fsync_folder(target.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def leftovers(target: Path) -> list[Path]:
    """Temporary siblings of ``target`` a crash left behind: ``.NAME.*.tmp`` and ``.NAME.*.old``."""
    target = Path(target)
    if not target.parent.is_dir():
        return []
    prefix = f".{target.name}."
    return sorted(
        p
        for p in target.parent.iterdir()
        if p.name.startswith(prefix) and p.name.endswith((TMP_SUFFIX, OLD_SUFFIX)) and p.name != f".{target.name}.lock"
    )


def recover_leftovers(target: Path, keep: Callable[[Path, Path], None] | None = None) -> list[str]:
    """Clean what a crashed write of ``target`` left beside it; return what was done, for the user.

    Call it only while holding the writers' lock of ``target`` (nobody else is writing):
    a ``.tmp`` is then an unfinished new content and is deleted. A ``.old`` is the previous
    content of ``target``: it is put back when ``target`` is missing (a crash between the
    two renames), otherwise ``keep(old, target)`` may rescue entries from it before it is
    deleted.
    """
    target = Path(target)
    done: list[str] = []
    for path in leftovers(target):
        if path.name.endswith(OLD_SUFFIX) and not target.exists() and path.is_dir():
            path.rename(target)
            done.append(f"restored {target} from {path.name} (a write was interrupted between two renames)")
            continue
        if path.name.endswith(OLD_SUFFIX) and keep is not None and path.is_dir() and target.is_dir():
            keep(path, target)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        done.append(f"removed {path.name}, left by an interrupted write of {target.name}")
    if done:
        fsync_folder(target.parent)
    return done
