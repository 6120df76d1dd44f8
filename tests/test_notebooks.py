"""The notebooks: committed without outputs, as their builder writes them, and every one runs.

Each notebook runs in a temporary working directory (so it writes nothing into the
repository) on an IPython kernel of this very interpreter: the test writes its own
``python3`` kernel spec pointing at ``sys.executable`` and puts it first on
``JUPYTER_PATH``, so a user-level kernel of another Python can never be picked up and
no ``ipykernel install`` step is needed. About 2 minutes for the three on a busy 2-core machine (137 s measured).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))


def _builder():  # a module loaded from notebooks/, which is not a package
    spec = importlib.util.spec_from_file_location("build_notebooks", NOTEBOOKS_DIR / "build_notebooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_three_notebooks_are_there() -> None:
    assert [p.name for p in NOTEBOOKS] == [
        "01_quickstart.ipynb",
        "02_compare_scenarios.ipynb",
        "03_calibrate_and_validate.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for k, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} cell {k} has outputs: strip them (rebuild the notebooks)"
            assert cell.execution_count is None, f"{path.name} cell {k} has an execution count"


def test_notebooks_are_what_the_builder_writes(tmp_path: Path) -> None:
    for built in _builder().build(tmp_path):
        committed = NOTEBOOKS_DIR / built.name
        assert json.loads(built.read_text(encoding="utf-8")) == json.loads(committed.read_text(encoding="utf-8")), (
            f"{built.name} differs from notebooks/build_notebooks.py: run `python notebooks/build_notebooks.py`"
        )


@pytest.fixture(scope="module")
def this_python_kernel(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A ``python3`` kernel spec running this interpreter, first on JUPYTER_PATH for the module's tests."""
    from ipykernel.kernelspec import write_kernel_spec

    jupyter_path = tmp_path_factory.mktemp("jupyter")
    write_kernel_spec(path=str(jupyter_path / "kernels" / "python3"))
    spec = json.loads((jupyter_path / "kernels" / "python3" / "kernel.json").read_text(encoding="utf-8"))
    assert spec["argv"][0] == sys.executable
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_PATH", str(jupyter_path))
        yield "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path: Path, tmp_path: Path, this_python_kernel: str) -> None:
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, kernel_name=this_python_kernel, timeout=600, resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError, with the cell and its traceback, on any error
    errors = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs if o.output_type == "error"]
    assert not errors
    figures = [
        o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs if "image/png" in o.get("data", {})
    ]
    assert figures, f"{path.name} displayed no figure"
