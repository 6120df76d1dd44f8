"""The engine's compiled form (setup.py compiles simcoop/model/book.py and simcoop/model/processes.py
with Cython at install, with the declarations of book.pxd and processes.pxd, and fastdraw.pyx, the
entrants' draws through numpy's C code).

It runs when it was built from the source and declarations as they are, never over an edited
source or .pxd, and it gives the numbers of the Python source to the bit.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pytest

import simcoop.model.compiled
from simcoop.model import book, processes, smalldraws
from simcoop.model.compiled import compiled_path, load_compiled, running_compiled, source_digest
from simcoop.model.smalldraws import small_draws

SOURCE = Path(simcoop.model.compiled.__file__).resolve().parent / "processes.py"


def _compiler() -> bool:
    command = (sysconfig.get_config_var("CC") or "").split()
    return bool(command) and shutil.which(command[0]) is not None


def test_the_installed_engine_is_compiled_where_there_is_a_c_compiler() -> None:
    if not _compiler():
        pytest.skip("no C compiler: the engine runs as Python (setup.py's extension is optional)")
    if os.environ.get("SIMCOOP_NO_COMPILED", "") not in ("", "0"):
        pytest.skip("SIMCOOP_NO_COMPILED asks for the Python source")
    for module in (book, processes):
        assert running_compiled(module), (
            f"{module.__name__} runs as Python: `pip install -e .` compiles it (setup.py), and compiles it again after an edit"
        )


def test_the_small_draws_run_numpys_c_code_where_there_is_a_c_compiler() -> None:
    # fastdraw.pyx (the entrants' few draws through numpy's C distributions) is compiled with the engine and used
    # once it has checked that it draws the installed numpy's numbers.
    if not _compiler():
        pytest.skip("no C compiler: numpy's Generator draws them (setup.py's extension is optional)")
    if os.environ.get("SIMCOOP_NO_COMPILED", "") not in ("", "0"):
        pytest.skip("SIMCOOP_NO_COMPILED asks for the Python source")
    drawer = small_draws(np.random.default_rng(3))
    assert type(drawer).__name__ == "SmallDraws" and running_compiled(sys.modules[type(drawer).__module__]), (
        "the small draws go through numpy's Generator: `pip install -e .` compiles simcoop/model/fastdraw.pyx"
    )
    assert sys.modules[type(drawer).__module__].self_check() is None


def test_small_draws_that_differ_from_the_installed_numpy_are_never_used(monkeypatch: pytest.MonkeyPatch) -> None:
    # fastdraw links the build's numpy's C code: under a numpy installed later that draws otherwise, the Generator
    # draws (the same numbers as without the compiled module), and a warning says why.
    class OtherNumpy:
        @staticmethod
        def self_check() -> str:
            return "binomial(7, 0.35) gave 3 for numpy's 2 (seed 0)"

        class SmallDraws:  # what must never be used
            def __init__(self, generator: object) -> None:
                raise AssertionError("the small draws of another numpy were used")

    monkeypatch.setattr(smalldraws, "load_compiled", lambda *args, **kwargs: True)
    monkeypatch.setitem(sys.modules, "simcoop.model.fastdraw", OtherNumpy)
    with pytest.warns(RuntimeWarning, match="does not draw the installed numpy's numbers"):
        module = smalldraws._fastdraw()  # noqa: SLF001
    assert module is None and "simcoop.model.fastdraw" not in sys.modules
    monkeypatch.setattr(smalldraws, "_FASTDRAW", module)
    generator = np.random.default_rng(5)
    assert smalldraws.small_draws(generator) is generator


def test_the_compiled_month_runs_only_beside_the_compiled_book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # processes.pxd reads Book's fields by their C offsets: the compiled month over the Python book would read
    # other memory, so it is never loaded without the compiled book beside it.
    assert not running_compiled(processes) or running_compiled(book)
    monkeypatch.delenv("SIMCOOP_NO_COMPILED", raising=False)
    folder, source = _stamped_copy(tmp_path)  # current, stamped: loaded but for the book
    with pytest.warns(RuntimeWarning, match="book runs as Python"):
        assert not load_compiled("processes", folder, source, package="compiled_check_beside", beside="book")
    assert "compiled_check_beside.processes" not in sys.modules
    sys.modules["compiled_check_beside.book"] = book  # the engine's book, compiled: now it is loaded
    try:
        assert load_compiled("processes", folder, source, package="compiled_check_beside", beside="book") == running_compiled(book)
    finally:
        sys.modules.pop("compiled_check_beside.book")


def _stamped_copy(tmp_path: Path) -> tuple[Path, Path]:
    binary = compiled_path("processes")
    if binary is None:
        pytest.skip("the engine is not compiled here")
    folder = tmp_path / "_compiled"
    folder.mkdir()
    shutil.copy(binary, folder / binary.name)  # a copy of its own: loaded apart from the engine's
    source = tmp_path / "processes.py"
    shutil.copy(SOURCE, source)
    shutil.copy(SOURCE.with_suffix(".pxd"), source.with_suffix(".pxd"))  # its Cython declarations
    (folder / "processes.sha256").write_text(source_digest(source) + "\n", encoding="ascii")
    return folder, source


def test_the_stamp_covers_the_source_and_its_cython_declarations(tmp_path: Path) -> None:
    source = tmp_path / "module.py"
    source.write_text("x = 1\n", encoding="utf-8")
    alone = source_digest(source)
    assert alone == hashlib.sha256(b"x = 1\n").hexdigest()
    declarations = source.with_suffix(".pxd")
    declarations.write_text("cdef long x\n", encoding="utf-8")
    declared = source_digest(source)
    assert declared != alone
    declarations.write_text("cdef Py_ssize_t x\n", encoding="utf-8")
    assert source_digest(source) not in (alone, declared)
    # Declarations cimported from another module of the engine are part of the stamp: a build against an older
    # layout of the book is never loaded.
    declarations.write_text("from simcoop.model.other cimport Other\n", encoding="utf-8")
    missing = source_digest(source)
    (tmp_path / "other.pxd").write_text("cdef class Other:\n    cdef public object a, b\n", encoding="utf-8")
    first = source_digest(source)
    (tmp_path / "other.pxd").write_text("cdef class Other:\n    cdef public object b, a\n", encoding="utf-8")
    assert len({missing, first, source_digest(source)}) == 3
    stamp = (Path(simcoop.model.compiled.__file__).resolve().parent / "_compiled" / "processes.sha256")
    if stamp.is_file() and running_compiled(processes):  # the engine in use was built from the files as they are
        assert stamp.read_text(encoding="ascii").strip() == source_digest(SOURCE)


def test_a_compiled_module_runs_when_built_from_the_source_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SIMCOOP_NO_COMPILED", raising=False)
    folder, source = _stamped_copy(tmp_path)
    assert load_compiled("processes", folder, source, package="compiled_check_current")
    module = sys.modules["compiled_check_current.processes"]
    assert running_compiled(module)
    assert module.Parcours.__doc__ == processes.Parcours.__doc__


def test_an_edited_source_is_never_shadowed_by_its_older_compiled_form(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SIMCOOP_NO_COMPILED", raising=False)
    folder, source = _stamped_copy(tmp_path)
    source.write_text(source.read_text(encoding="utf-8") + "\n# edited after the build\n", encoding="utf-8")
    with pytest.warns(RuntimeWarning, match="changed since it was compiled"):
        assert not load_compiled("processes", folder, source, package="compiled_check_edited")
    assert "compiled_check_edited.processes" not in sys.modules
    (folder / "processes.sha256").unlink()  # no stamp: not used either
    with pytest.warns(RuntimeWarning):
        assert not load_compiled("processes", folder, source, package="compiled_check_unstamped")


def test_edited_cython_declarations_are_never_shadowed_by_an_older_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SIMCOOP_NO_COMPILED", raising=False)
    folder, source = _stamped_copy(tmp_path)
    declarations = source.with_suffix(".pxd")
    declarations.write_text(declarations.read_text(encoding="utf-8") + "\n# edited after the build\n", encoding="utf-8")
    with pytest.warns(RuntimeWarning, match="changed since it was compiled"):
        assert not load_compiled("processes", folder, source, package="compiled_check_declarations")
    assert "compiled_check_declarations.processes" not in sys.modules


_SCRIPT = """
import hashlib, numpy as np, simcoop
from simcoop.draws import fixed_parameters
from simcoop.model import processes, run_model
from simcoop.model.compiled import running_compiled
from simcoop.streams import replication_streams
digest = hashlib.sha256()
for path in (simcoop.default_scenario_path(), {warm!r}):
    scenario = fixed_parameters(simcoop.load_scenario(path))
    for r in range(3):
        out = run_model(scenario, replication_streams(scenario.simulation.seed, r))
        for table in (out.monthly, out.people):
            for name in sorted(table):
                digest.update(name.encode()); digest.update(np.ascontiguousarray(table[name]).tobytes())
        digest.update(out.events.tobytes())
print(running_compiled(processes), digest.hexdigest())
"""


def test_the_compiled_engine_gives_the_numbers_of_its_python_source() -> None:
    if not running_compiled(processes):
        pytest.skip("the engine is not compiled here")
    warm = str(Path(__file__).resolve().parent.parent / "scenarios" / "warm_start_example.yaml")
    script = _SCRIPT.format(warm=warm)
    runs = {}
    for no_compiled in ("0", "1"):
        env = {**os.environ, "SIMCOOP_NO_COMPILED": no_compiled}
        command = [sys.executable, "-c", script]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True, timeout=600)
        runs[no_compiled] = done.stdout.split()
    assert runs["0"][0] == "True" and runs["1"][0] == "False"  # each run took the form asked for
    assert runs["0"][1] == runs["1"][1]


def test_a_build_that_cannot_be_loaded_leaves_the_source_to_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SIMCOOP_NO_COMPILED", raising=False)
    folder, source = _stamped_copy(tmp_path)
    binary = compiled_path("processes", folder)
    assert binary is not None
    binary.write_bytes(b"not a shared library")  # damaged, stamped as current
    with pytest.warns(RuntimeWarning, match="could not be loaded"):
        assert not load_compiled("processes", folder, source, package="compiled_check_damaged")
    assert "compiled_check_damaged.processes" not in sys.modules


def test_the_compiled_book_declares_every_field_of_the_source() -> None:
    # book.pxd repeats Book.__slots__ as C fields: a field the source has and the declarations miss would be an
    # AttributeError of the compiled book only, on the first path that sets it.
    text = SOURCE.with_name("book.pxd").read_text(encoding="utf-8")
    declared = {name.strip() for line in text.splitlines() for kind in ("cdef public object ", "cdef public double[::1] ")
                if line.strip().startswith(kind) for name in line.strip().removeprefix(kind).split(",")}  # fmt: skip
    assert declared == set(book.Book.__dict__["__slots__"])  # (the compiled class keeps it as a class attribute)
