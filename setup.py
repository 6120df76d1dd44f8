"""The build of simcoop: the package as ``pyproject.toml`` declares it, plus its monthly engine compiled by Cython.

``simcoop/model/book.py`` (the replication's books) and ``simcoop/model/processes.py`` (the
month's steps and each person's changes of state: the Python between the compiled kernels,
issue 13) are compiled with Python's semantics (their annotations are not made C types) into
``simcoop/model/_compiled/``. The declarations of ``book.pxd`` and ``processes.pxd`` (augmenting
``.pxd`` files, which Python never reads) make ``Book`` a ``cdef class`` whose fields are C struct
fields, type the month's steps on it (``cpdef`` functions that read the book's fields directly
and call each other in C), and make ``Parcours`` a ``cdef class`` that reads and writes the
activity table through a typed view: the same values as the source. Beside each build goes a
stamp of the source and the declarations it was compiled from (``processes``' stamp covers
``book.pxd`` too); ``simcoop.model`` loads a compiled module only while its stamp matches the
files on disk, so an edit runs as Python until the next install compiles it again, and loads
the compiled ``processes`` only beside the compiled ``book``.
Without a C compiler the extensions are skipped (they are optional) and the source runs. The
numbers are the same either way (``benchmarks/output_hashes.py``).

``simcoop/model/fastdraw.pyx`` (Cython proper) gives the month's few entrants' draws through
numpy's own C distributions, linked from the numpy the build runs with (``_numpy_c``): the same
numbers as ``numpy.random.Generator``, without its per-call cost (``simcoop.model.smalldraws``
checks them against the installed numpy before using them).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

#: The modules of ``simcoop/model`` compiled, each into ``simcoop/model/_compiled/<name>``, from their source.
COMPILED = {"book": "book.py", "processes": "processes.py", "fastdraw": "fastdraw.pyx"}
ROOT = Path(__file__).resolve().parent


def _extensions() -> list[Extension]:
    try:
        from Cython.Build import cythonize
    except ImportError:  # building without Cython (it is a build requirement): the sources run as Python
        return []
    extensions = [
        Extension(f"simcoop.model.{name}", [f"simcoop/model/{source}"], optional=True, **(_numpy_c() if name == "fastdraw" else {}))
        for name, source in COMPILED.items()
    ]
    directives = {"language_level": 3, "annotation_typing": False, "binding": True, "embedsignature": True}
    compiled: list[Extension] = cythonize(
        extensions, compiler_directives=directives, build_dir="build/cython", quiet=True
    )
    for extension in compiled:
        # Compiled as ``simcoop.model.<name>`` (the name its classes and functions carry), built into
        # ``_compiled/``: never beside its source, where Python would import it even after an edit.
        extension.name = "simcoop.model._compiled." + extension.name.rsplit(".", 1)[1]
    return compiled


def _numpy_c() -> dict[str, list[str]]:
    """Where ``fastdraw.pyx`` finds numpy's C headers and its random distributions' static libraries
    (``libnpyrandom``, ``libnpymath``): those of the numpy this build runs with."""
    import numpy as np

    root = Path(np.__file__).resolve().parent
    return {
        "include_dirs": [np.get_include()],
        "library_dirs": [str(root / "random" / "lib"), str(root / "_core" / "lib")],
        "libraries": ["npyrandom", "npymath"],
        "define_macros": [("NPY_NO_DEPRECATED_API", "NPY_2_0_API_VERSION")],
    }


def _source_digest(source: Path) -> str:
    """``simcoop.model.compiled.source_digest``, the stamp the loader checks: loaded by its path, since the
    package itself is not importable while it is being built."""
    spec = importlib.util.spec_from_file_location("_simcoop_compiled_stamp", ROOT / "simcoop" / "model" / "compiled.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.source_digest(source))


class StampedBuildExt(build_ext):
    """``build_ext`` that writes, beside each compiled module, the stamp of the source and ``.pxd`` it was
    compiled from (``simcoop.model.compiled.source_digest``).

    With gcc or clang it compiles at ``-O1`` without debug information: 12 s here instead of the
    43 s of Python's own ``-O3 -g``, for the same speed (the three builds run a replication 7 to
    10 % faster than the source, measured in one process, 16 blocks each); 15 s since
    ``processes.pxd`` brought typed views; 20 to 25 s with ``book.py`` too (session 29, both modules
    built with ``--force``); 23.5 to 27.0 s with ``fastdraw.pyx`` (2026-12-04, all three with ``--force``:
    23.6 s without it in the same minutes). With ``SIMCOOP_DEBUG_BUILD=1``, ``-g`` (the same code with
    debug information, for ``benchmarks/profile_lines.py``).
    """

    def build_extensions(self) -> None:
        if self.compiler.compiler_type == "unix":
            # SIMCOOP_DEBUG_BUILD=1: the same code with debug information, for a line-level profile
            # (benchmarks/profile_lines.py).
            debug = os.environ.get("SIMCOOP_DEBUG_BUILD", "") not in ("", "0")
            for extension in self.extensions:
                extension.extra_compile_args = [*extension.extra_compile_args, "-O1", "-g" if debug else "-g0"]
        super().build_extensions()

    def run(self) -> None:
        in_place = bool(self.inplace or getattr(self, "editable_mode", False))  # pip install -e .
        if in_place:
            (ROOT / "simcoop" / "model" / "_compiled").mkdir(exist_ok=True)  # where the build is copied
        super().run()
        for extension in self.extensions:
            filename = self.get_ext_filename(self.get_ext_fullname(extension.name))
            built = Path(self.build_lib) / filename
            if not built.is_file():  # an optional extension that could not be built: nothing to stamp (and a
                continue  # copy an earlier build left in the source tree keeps its own, older stamp)
            name = extension.name.rsplit(".", 1)[1]
            digest = _source_digest(ROOT / "simcoop" / "model" / COMPILED[name])
            for path in [built, *([ROOT / "simcoop" / "model" / "_compiled" / built.name] if in_place else [])]:
                path.with_name(f"{name}.sha256").write_text(digest + "\n", encoding="ascii")


setup(ext_modules=_extensions(), cmdclass={"build_ext": StampedBuildExt})
