"""Which form of the engine's modules runs: compiled by Cython at install, or the Python source.

``setup.py`` compiles ``simcoop/model/book.py`` and ``simcoop/model/processes.py`` (with the
declarations of ``book.pxd`` and ``processes.pxd``) into ``simcoop/model/_compiled/``, each beside
the SHA-256 of the source and declarations it was compiled from (``source_digest``).
``load_compiled`` imports a compiled module under the source's own name, but only while that stamp
matches the source on disk: an edited source is never shadowed by an older build (it runs as
Python, with a warning, until the next ``pip install -e .`` compiles it again), and a build this
interpreter cannot load leaves the source to run, with a warning. ``SIMCOOP_NO_COMPILED=1`` runs
the Python source (for a profiler that reads Python frames). Either form gives the same numbers
(``benchmarks/output_hashes.py`` checks it).
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import os
import re
import sys
import warnings
from pathlib import Path

__all__ = ["compiled_path", "load_compiled", "running_compiled", "source_digest"]

_HERE = Path(__file__).resolve().parent
#: Where ``setup.py`` builds the compiled modules.
_FOLDER = _HERE / "_compiled"


#: A line of a ``.pxd`` that takes another module's declarations: ``from simcoop.model.<name> cimport ...``.
_CIMPORT = re.compile(rb"^from simcoop\.model\.(\w+) cimport ", re.MULTILINE)


def source_digest(source: Path) -> str:
    """What a compiled module's stamp holds: the SHA-256 of its source and, when there is one, of the
    Cython declarations beside it (``<name>.pxd``), which change what the build makes of the source,
    and of the declarations of the engine's modules that those cimport (``processes.pxd`` cimports
    ``book.pxd``'s ``Book`` and reads its fields by their C offsets: a build of one against the other's
    older layout is never loaded).

    ``setup.py`` loads this module by its path to stamp what it builds (it imports nothing but the
    standard library)."""
    digest = hashlib.sha256(source.read_bytes())
    declarations = source.with_suffix(".pxd")
    if declarations.is_file():
        text = declarations.read_bytes()
        digest.update(text)
        for name in _CIMPORT.findall(text):
            cimported = source.with_name(name.decode("ascii") + ".pxd")
            digest.update(cimported.read_bytes() if cimported.is_file() else b"")
    return digest.hexdigest()


def compiled_path(name: str, folder: Path | None = None) -> Path | None:
    """The compiled module ``name`` of this interpreter in ``folder`` (default ``simcoop/model/_compiled``), or None."""
    folder = _FOLDER if folder is None else folder
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        candidate = folder / f"{name}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def load_compiled(
    name: str, folder: Path | None = None, source: Path | None = None, package: str = "simcoop.model", beside: str | None = None
) -> bool:
    """Import ``<package>.<name>`` from its compiled form in ``folder`` when it was built from ``source`` as it is now.

    Returns whether it did; otherwise the ordinary import of the source follows. Does
    nothing when the module is imported already. The defaults are the engine's own.
    ``beside``: a module of ``package`` whose compiled classes this one reads by their C fields
    (``processes`` reads ``book``'s ``Book``): this one is loaded only while that one runs compiled.
    """
    full = f"{package}.{name}"
    if full in sys.modules or os.environ.get("SIMCOOP_NO_COMPILED", "") not in ("", "0"):
        return False
    folder = _FOLDER if folder is None else folder
    source = _HERE / f"{name}.py" if source is None else source
    binary = compiled_path(name, folder)
    if binary is None:
        return False
    stamp = folder / f"{name}.sha256"
    built_from = stamp.read_text(encoding="ascii").strip() if stamp.is_file() else ""
    if built_from != source_digest(source):
        warnings.warn(
            f"{source} (or its .pxd) changed since it was compiled: it runs as Python, slower, "
            "until `pip install -e .` compiles it again",
            RuntimeWarning,
            stacklevel=2,
        )
        return False
    if beside is not None and not running_compiled(sys.modules.get(f"{package}.{beside}")):
        warnings.warn(
            f"{package}.{beside} runs as Python: {full}, compiled against its compiled form, runs as Python too",
            RuntimeWarning,
            stacklevel=2,
        )
        return False
    spec = importlib.util.spec_from_file_location(full, binary)
    if spec is None or spec.loader is None:
        return False
    try:
        module = importlib.util.module_from_spec(spec)  # (loads the shared library)
        sys.modules[full] = module
        spec.loader.exec_module(module)
    except ImportError as exc:  # a build this interpreter cannot load (damaged, another platform): the source runs
        sys.modules.pop(full, None)
        warnings.warn(f"{binary} could not be loaded ({exc}): the Python source runs", RuntimeWarning, stacklevel=2)
        return False
    except BaseException:
        sys.modules.pop(full, None)
        raise
    return True


def running_compiled(module: object) -> bool:
    """Whether ``module`` (an imported module) is a compiled extension rather than Python source."""
    path = str(getattr(module, "__file__", "") or "")
    return any(path.endswith(suffix) for suffix in importlib.machinery.EXTENSION_SUFFIXES)
