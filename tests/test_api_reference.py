"""The API reference: built from the docstrings with pdoc (offline), every public name documented.

``python tools/build_api_reference.py`` writes the same pages into ``outputs/api/``.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from pathlib import Path

import pytest

pytest.importorskip("pdoc")

ROOT = Path(__file__).resolve().parents[1]

#: The engine's inside (SimPy processes, books, cent-exact rules): documented per module,
#: reached through ``simulate`` rather than called by users, so not held to a docstring per method.
ENGINE = ("simcoop.model", "simcoop.economics")


def _tool():  # tools/ is not a package
    spec = importlib.util.spec_from_file_location("build_api_reference", ROOT / "tools" / "build_api_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _public_names(module) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [
            n for n, o in vars(module).items()
            if not n.startswith("_") and getattr(o, "__module__", None) == module.__name__
        ]  # fmt: skip
    return list(names)


def _undocumented(module_name: str) -> list[str]:
    module = importlib.import_module(module_name)
    missing = [] if inspect.getdoc(module) else [module_name]
    for name in _public_names(module):
        obj = getattr(module, name)
        if not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue  # constants are described by their `#:` comment or the module docstring
        if not inspect.getdoc(obj):
            missing.append(f"{module_name}.{name}")
        if inspect.isclass(obj) and not module_name.startswith(ENGINE):
            for attr, value in vars(obj).items():
                if attr.startswith("_"):
                    continue
                if isinstance(value, (staticmethod, classmethod)):
                    value = value.__func__
                if isinstance(value, property):
                    value = value.fget
                if inspect.isfunction(value) and not value.__doc__:
                    missing.append(f"{module_name}.{name}.{attr}")
    return missing


def test_every_public_name_has_a_docstring() -> None:
    missing = [name for module in _tool().public_modules() for name in _undocumented(module)]
    assert missing == [], "public names without a docstring: " + ", ".join(missing)


def test_the_api_reference_builds_offline_with_every_public_module(tmp_path: Path) -> None:
    tool = _tool()
    documented = tool.build(tmp_path)
    assert {
        "simcoop",
        "simcoop.results",
        "simcoop.studies.sweep",
        "simcoop.results.arrays",
        "simcoop.studies.compare",
    } <= set(documented)
    for name in documented:
        page = tmp_path.joinpath(*name.split(".")).with_suffix(".html")
        assert page.is_file(), f"no page for {name}"
    top = (tmp_path / "simcoop.html").read_text(encoding="utf-8")
    for name in ("simulate", "load_results", "sweep", "Results", "load_scenario"):
        assert f'id="{name}"' in top, f"simcoop.{name} is missing from the reference's first page"
    results = (tmp_path / "simcoop" / "results.html").read_text(encoding="utf-8")
    assert 'id="Results.to_xarray"' in results and "replication x month" in results
