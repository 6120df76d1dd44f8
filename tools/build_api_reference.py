"""Build the API reference (HTML) from the docstrings with pdoc, offline.

    python tools/build_api_reference.py [OUTPUT_DIR]      # default: outputs/api

Open ``OUTPUT_DIR/index.html``. Every public module of simcoop is documented (private
``_x`` modules and the bundled scenario files are not); ``tests/test_api_reference.py``
builds it in CI and checks that every public name has a docstring.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import warnings
from pathlib import Path

#: Packages whose modules are not documented: data files, not code.
SKIPPED = ("simcoop.bundled_scenarios",)


def public_modules() -> list[str]:
    """simcoop and every public submodule (no ``_private`` part in its dotted name), sorted."""
    import simcoop

    names = ["simcoop"]
    for info in pkgutil.walk_packages(simcoop.__path__, "simcoop."):
        parts = info.name.split(".")[1:]
        if any(p.startswith("_") for p in parts) or info.name.startswith(SKIPPED):
            continue
        names.append(info.name)
    return sorted(names)


def build(output: Path) -> list[str]:
    """Write the HTML reference into ``output``; return the documented module names."""
    import pdoc
    import pdoc.render

    import simcoop

    # `import simcoop` is kept light by a module __getattr__ (simulate, Results ... are
    # imported when first used); pdoc reads the module's namespace, so resolve them first.
    for name in simcoop.__all__:
        vars(simcoop).setdefault(name, getattr(simcoop, name))
    modules = public_modules()
    for name in modules:
        importlib.import_module(name)
    pdoc.render.configure(docformat="restructuredtext", show_source=False, search=True)
    with warnings.catch_warnings():
        # A name in __all__ that does not resolve is a hole in the reference: fail. Forward
        # references in annotations that pdoc cannot evaluate only lose a link: keep quiet.
        warnings.filterwarnings("ignore", message="Error parsing type annotation", category=UserWarning)
        # A package without __all__ brings its submodules along; naming them too is harmless.
        warnings.filterwarnings(
            "ignore", message="The module specification .* adds a module named", category=UserWarning
        )
        warnings.filterwarnings("error", message=".*does not resolve", category=UserWarning)
        pdoc.pdoc(*modules, output_directory=output)
    return modules


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("outputs") / "api"
    documented = build(target)
    print(f"wrote the API reference of {len(documented)} modules to {target / 'index.html'}")
