"""Output folders simcoop owns: a marker with the run's identity, one writers' lock, safe replacement.

Every folder simcoop writes (a run folder, a network or territories study) holds a
marker, ``.simcoop.json``::

    {"format": "simcoop-folder/1", "kind": "run",
     "identity": {"scenario_name": ..., "scenario_hash": ..., "seed": ..., "replications": ...},
     "files": {"kpis.csv": {"sha256": ..., "bytes": ..., "scope": "run"}, ...}}

It says that the folder is simcoop's, which run it holds, and which files simcoop wrote
there (with their SHA-256): everything else in the folder is the user's. The rules:

- a folder is written only when it is absent, empty, or a simcoop folder: a non-empty
  folder without a marker (or a file) is never replaced, ``force`` or not;
- a simcoop folder holding another run is replaced only with ``force``; the same run may
  be written again freely;
- the user's own files in a simcoop folder (``notes.md``) are kept when it is rewritten
  (hard-linked, or copied, into the new folder before the swap): only simcoop's files are
  replaced;
- files added later (``solve.json``, ``sensitivity.csv``, the report) are registered in the
  marker with their digest and scope, so that a reader can tell a file of this run from a
  file copied from another one (``file_problem``);
- one lock per folder (``folder_lock``) for every writer: a run, ``-n auto``,
  ``Results.save``, ``solve``, ``report``, studies and the run's work folder
  ``<out>.partial``. It is a file ``.NAME.lock`` beside the folder, held with ``flock``
  and removed when released. Re-entrant within a thread.

No simcoop imports besides ``_atomic``: the report uses it without importing the model.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from simcoop._atomic import recover_leftovers, write_folder_atomically, write_json_atomically

__all__ = [
    "MARKER",
    "OutputExistsError",
    "FolderBusyError",
    "folder_lock",
    "read_marker",
    "check_folder",
    "write_owned_folder",
    "add_owned_file",
    "file_problem",
    "describe_folder",
    "check_study_folder",
    "write_study_folder",
]

MARKER = ".simcoop.json"
_FORMAT = "simcoop-folder/1"

#: Files of the folders written before the marker existed (simcoop <= 0.x): those are
#: simcoop's in a legacy folder recognised by its manifest.json; anything else is the user's.
_LEGACY_FILES = frozenset(
    {
        "manifest.json", "monthly.parquet", "monthly.csv", "yearly.parquet", "yearly.csv", "events.parquet",
        "kpis.csv", "summary.csv", "funding.csv", "verdict.json", "zones.csv", "sites.csv", "portage.csv",
        "portage_comparison.csv", "precision.json", "sensitivity.csv", "solve.json", "report.html", "report.pdf",
        "network_yearly.csv", "network_summary.csv", "governance.csv", "members.csv", "members_yearly.csv",
        "territories.csv",
    }
)  # fmt: skip

#: Identity fields that are labels, not identity: a renamed scenario with the same hash is the same run.
_LABELS = frozenset({"scenario_name", "name"})


class OutputExistsError(FileExistsError):
    """The output path holds something else than this very run (or what is there is not simcoop's)."""


class FolderBusyError(OutputExistsError):
    """Another simcoop process (or thread) is writing this folder."""


# ---------------------------------------------------------------------- lock

_held: dict[str, list[Any]] = {}  # lock path -> [file descriptor, depth, thread id]
_held_guard = threading.Lock()


def lock_path(target: Path) -> Path:
    """The lock file of the folder ``target``: ``.NAME.lock`` beside it."""
    target = Path(target)
    return target.parent / f".{target.name}.lock"


@contextmanager
def folder_lock(target: str | os.PathLike[str]) -> Iterator[None]:
    """Hold the writers' lock of ``target`` (and of its ``<target>.partial``); FolderBusyError if taken.

    The lock file is created beside ``target`` and removed on release; the inode is
    checked after locking, so a writer that locked a file being removed retries.
    """
    path = lock_path(Path(os.path.abspath(target)))
    key = str(path)
    with _held_guard:
        entry = _held.get(key)
        if entry is not None:
            if entry[2] != threading.get_ident():
                raise FolderBusyError(f"another simcoop task of this process is writing {target}; wait for it or choose another --out")
            entry[1] += 1
    if entry is not None:
        try:
            yield
        finally:
            with _held_guard:
                entry[1] -= 1
        return
    fd = _acquire(path, Path(target))
    with _held_guard:
        _held[key] = [fd, 1, threading.get_ident()]
    try:
        yield
    finally:
        with _held_guard:
            entry = _held[key]
            entry[1] -= 1
            done = entry[1] == 0
            if done:
                del _held[key]
        if done:
            try:
                path.unlink(missing_ok=True)  # still ours: removed before the lock is dropped
            finally:
                os.close(fd)


def _acquire(path: Path, target: Path) -> int:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - no advisory locks on this platform
        return os.open(os.devnull, os.O_RDONLY)
    path.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(100):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            try:
                holder = os.read(fd, 100).decode("ascii", "replace").strip()
            finally:
                os.close(fd)
            who = f" (process {holder})" if holder.isdigit() else ""
            raise FolderBusyError(
                f"another simcoop command{who} is writing {target}; wait for it to finish, or choose another --out"
            ) from None
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode("ascii"))
            return fd
        os.close(fd)  # the file was removed by its previous holder after we opened it: try the new one
    raise FolderBusyError(f"cannot lock {target}: its lock file {path} keeps changing")  # pragma: no cover


# ---------------------------------------------------------------------- marker


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _record(path: Path, scope: str, scenario_hash: str | None) -> dict[str, Any]:
    return {"sha256": sha256_of(path), "bytes": path.stat().st_size, "scope": scope, "scenario_hash": scenario_hash}


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The marker of a simcoop folder (built from manifest.json for a legacy one), or None if not simcoop's."""
    folder = Path(folder)
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    if isinstance(data, dict) and data.get("format") == _FORMAT:
        files, identity = data.get("files"), data.get("identity")
        well_formed = (
            isinstance(files, dict)
            and all(isinstance(k, str) and isinstance(v, dict) for k, v in files.items())
            and (identity is None or isinstance(identity, dict))
        )
        return data if well_formed else None  # a damaged marker: the folder is not recognisably simcoop's
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or "simcoop_version" not in manifest:
        return None
    if "scenario_hash" in manifest:
        kind = "run"
        identity = {k: manifest.get(k) for k in ("scenario_name", "scenario_hash", "seed", "replications")}
    elif manifest.get("kind") in ("network", "territories"):
        kind = manifest["kind"]
        identity = {k: manifest.get(k) for k in ("kind", "input_hash", "seed", "replications")}
        identity["name"] = manifest.get("name")
    else:
        return None
    files = {p.name: {"sha256": None, "scope": "run"} for p in folder.iterdir() if p.name in _LEGACY_FILES}
    return {"format": _FORMAT, "kind": kind, "identity": identity, "files": files, "legacy": True}


def describe_folder(folder: Path, limit: int = 5) -> str:
    """What a folder holds, for a refusal: 'chapter1.md, data/ (2 entries)'."""
    entries = sorted(folder.iterdir(), key=lambda p: p.name)
    shown = [p.name + ("/" if p.is_dir() else "") for p in entries[:limit]]
    more = f", ... ({len(entries)} entries)" if len(entries) > limit else f" ({len(entries)} entr{'y' if len(entries) == 1 else 'ies'})"
    return ", ".join(shown) + more


def _same(identity: dict[str, Any] | None, other: dict[str, Any] | None) -> bool:
    if identity is None or other is None:
        return False
    keys = (set(identity) | set(other)) - _LABELS
    return all(identity.get(k) == other.get(k) for k in keys)


def _what(marker: dict[str, Any]) -> str:
    ident = marker.get("identity") or {}
    if marker.get("kind") == "run":
        return (
            f"a different run (scenario {ident.get('scenario_name')!r}, seed {ident.get('seed')}, "
            f"{ident.get('replications')} replications)"
        )
    return (
        f"a different {marker.get('kind')} (name {ident.get('name')!r}, seed {ident.get('seed')}, "
        f"{ident.get('replications')} replications)"
    )


def check_folder(target: Path, kind: str, identity: dict[str, Any], force: bool = False) -> dict[str, Any] | None:
    """Raise OutputExistsError unless ``target`` may receive this run; return its marker (None if absent or empty).

    A file, or a non-empty folder that is not simcoop's, is refused whatever ``force``
    says, naming what is there. A simcoop folder of another run needs ``force``; one
    without a run yet (only ``solve.json``, say) is written freely.
    """
    target = Path(target)
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise OutputExistsError(
            f"{target} exists and is not a folder; simcoop never replaces it, even with --force (choose another --out)"
        )
    if not target.exists() or not any(target.iterdir()):
        return None
    marker = read_marker(target)
    if marker is None:
        raise OutputExistsError(
            f"{target} is not empty and is not a simcoop folder (no {MARKER} or simcoop manifest.json): it holds "
            f"{describe_folder(target)}. simcoop never replaces it, even with --force: choose another --out"
        )
    if marker.get("identity") is None:
        return marker
    if (marker.get("kind") != kind or not _same(marker.get("identity"), identity)) and not force:
        raise OutputExistsError(f"{target} holds {_what(marker)}; use --force to replace it, or choose another --out")
    return marker


def _owned(marker: dict[str, Any] | None) -> set[str]:
    return set(marker.get("files", {})) | {MARKER} if marker else {MARKER}


def _link_or_copy(source: Path, destination: Path) -> None:
    """Hard-link (or copy, across devices) a file or a folder tree: the original stays until the swap."""
    if source.is_dir() and not source.is_symlink():
        shutil.copytree(source, destination, symlinks=True, copy_function=_link_file)
    else:
        _link_file(source, destination)


def _link_file(source: str | os.PathLike[str], destination: str | os.PathLike[str]) -> None:
    if os.path.islink(source):
        os.symlink(os.readlink(source), destination)
        return
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


def _rescue(old: Path, target: Path) -> None:
    """Move the user's entries of a leftover ``.old`` folder that ``target`` lacks back into ``target``."""
    owned = _owned(read_marker(old))
    for entry in old.iterdir():
        if entry.name not in owned and not (target / entry.name).exists() and not entry.name.startswith(".simcoop"):
            entry.rename(target / entry.name)


def recover(target: Path) -> list[str]:
    """Clean ``.NAME.*.tmp`` / ``.NAME.*.old`` left by a crashed write (call with the lock held)."""
    return recover_leftovers(Path(target), keep=_rescue)


def write_owned_folder(
    target: str | os.PathLike[str],
    kind: str,
    identity: dict[str, Any],
    write: Callable[[Path], None],
    force: bool = False,
    scenario_hash: str | None = None,
) -> Path:
    """Check ``target``, let ``write(folder)`` fill a new folder, mark it, keep the user's files, swap it in.

    Under the folder's lock. The user's entries of the old folder (those its marker does
    not list) are carried over; so are files of scope ``scenario`` (``solve.json``) whose
    scenario hash is ``scenario_hash``. A user's entry whose name the new run also writes
    stops the write (nothing is lost; the message says which).
    """
    target = Path(target)
    with folder_lock(target):
        recover(target)
        old = check_folder(target, kind, identity, force)

        def fill(folder: Path) -> None:
            write(folder)
            written = {p.name for p in folder.iterdir()}
            files = {name: _record(folder / name, "run", scenario_hash) for name in sorted(written)}
            if old is not None:
                owned = _owned(old)
                for entry in sorted(target.iterdir(), key=lambda p: p.name):
                    record = old["files"].get(entry.name)
                    carried_scenario = (
                        record is not None
                        and record.get("scope") == "scenario"
                        and scenario_hash is not None
                        and record.get("scenario_hash") == scenario_hash
                        and entry.name not in written
                    )
                    if entry.name in owned and not carried_scenario:
                        continue
                    if entry.name in written:
                        raise OutputExistsError(
                            f"{target / entry.name} is not a file simcoop wrote (it is not in {MARKER}) and this run "
                            "writes a file of that name: move it away, then run again"
                        )
                    _link_or_copy(entry, folder / entry.name)
                    if carried_scenario:
                        files[entry.name] = dict(record)
            write_json_atomically(folder / MARKER, {"format": _FORMAT, "kind": kind, "identity": identity, "files": files})

        return write_folder_atomically(target, fill)


def add_owned_file(
    folder: str | os.PathLike[str],
    name: str,
    write: Callable[[Path], None],
    scope: str = "run",
    scenario_hash: str | None = None,
    kind: str = "run",
) -> Path:
    """Write ``folder/name`` atomically and register it in the folder's marker (creating the folder if absent).

    ``scope`` is ``run`` (belongs to the run the folder holds) or ``scenario`` (belongs to
    the scenario whatever the run, kept when the run is written again: ``solve.json``).
    A non-empty folder that is not simcoop's is refused, and so is a user's file of
    that name.
    """
    from simcoop._atomic import write_file_atomically

    folder = Path(folder)
    with folder_lock(folder):
        recover(folder)
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            raise OutputExistsError(f"{folder} exists and is not a folder; choose another --out")
        marker = read_marker(folder) if folder.is_dir() else None
        if marker is None and folder.is_dir() and any(folder.iterdir()):
            raise OutputExistsError(
                f"{folder} is not empty and is not a simcoop folder (no {MARKER}): it holds {describe_folder(folder)}; "
                f"{name} will not be written there (choose another --out)"
            )
        if marker is None:
            marker = {"format": _FORMAT, "kind": kind, "identity": None, "files": {}}
        if (folder / name).exists() and name not in marker["files"]:
            raise OutputExistsError(f"{folder / name} is not a file simcoop wrote; it will not be overwritten (move it away)")
        marker.pop("legacy", None)
        path = write_file_atomically(folder / name, write)
        marker["files"][name] = _record(path, scope, scenario_hash)
        write_json_atomically(folder / MARKER, marker)
        return path


def file_problem(folder: Path, name: str, marker: dict[str, Any] | None = None) -> str | None:
    """Why ``folder/name`` cannot be trusted as this folder's own file, or None when it is.

    'unregistered' (simcoop did not write it here), 'modified' (its bytes changed since),
    'legacy' (the folder predates markers: nothing to check against).
    """
    marker = read_marker(folder) if marker is None else marker
    if marker is None:
        return "unregistered"
    record = marker.get("files", {}).get(name)
    if record is None:
        return "unregistered"
    if record.get("sha256") is None:
        return "legacy"
    path = Path(folder) / name
    try:
        if path.stat().st_size != record.get("bytes") or sha256_of(path) != record["sha256"]:
            return "modified"
    except OSError:
        return "modified"
    return None


# ---------------------------------------------------------------------- studies


def _study_identity(manifest: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": manifest.get("kind"),
        "input_hash": manifest.get("input_hash"),
        "seed": manifest.get("seed"),
        "replications": manifest.get("replications"),
        "name": manifest.get("name", manifest.get("scenario_name")),
    }


def check_study_folder(target: Path, manifest: dict[str, Any], force: bool = False) -> None:
    """Raise OutputExistsError unless ``target`` is absent, empty, the same study, or a simcoop study with ``force``."""
    check_folder(Path(target), str(manifest.get("kind")), _study_identity(manifest), force)


def write_study_folder(
    target: Path, manifest: dict[str, Any], write: Callable[[Path], None], force: bool = False
) -> Path:
    """Check ``target``, let ``write(folder)`` fill a new folder, add manifest.json and the marker, swap it in."""

    def write_with_manifest(folder: Path) -> None:
        write(folder)
        with open(folder / "manifest.json", "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, indent=2, ensure_ascii=False)
            fh.write("\n")

    return write_owned_folder(Path(target), str(manifest.get("kind")), _study_identity(manifest), write_with_manifest, force)
