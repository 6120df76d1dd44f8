"""The package's shape, checked on its source: import layers, no import circle, no private name
borrowed from another module, no module past about 600 lines, one pool and one Dask client.

Imports are read with ``ast`` from every module of ``simcoop/``, including imports inside
functions (a lazy import is still a dependency); imports under ``if TYPE_CHECKING:`` are
left out (they exist for type checkers only).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "simcoop"

#: Folders another helper owns (model and economics); every other module is held to the size limit.
SIZE_EXEMPT = ("model", "economics")
MAX_LINES = 620  # "about 600"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path) -> list[tuple[str, str | None, int]]:
    """``(module, name or None, line)`` for every import in ``path``, outside TYPE_CHECKING blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, str | None, int]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name, None, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.extend((node.module, alias.name, node.lineno) for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _targets(module: str, name: str | None) -> str:
    """The simcoop module an import depends on: ``from simcoop.x import y`` is ``simcoop.x.y`` when y is a module."""
    if name is not None and f"{module}.{name}" in MODULES:
        return f"{module}.{name}"
    return module


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, path in MODULES.items():
        for target, name, _ in _imports(path):
            if target.split(".")[0] != "simcoop":
                continue
            dep = _targets(target, name)
            if dep != module and dep in MODULES:
                graph[module].add(dep)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def strongconnect(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strongconnect(v)
    return out


def _is_package_of(package: str, module: str) -> bool:
    return module.startswith(package + ".")


def test_no_import_circle() -> None:
    graph = _graph()
    # A package's __init__ re-exports its modules: importing the package from one of its own
    # modules would be a circle, so such edges stay; edges from a package to its own modules
    # are how it re-exports and are not a dependency of the design.
    design = {m: {d for d in deps if not _is_package_of(m, d)} for m, deps in graph.items()}
    assert _cycles(design) == []


def test_no_private_name_of_another_module_is_imported() -> None:
    offenders = []
    for module, path in MODULES.items():
        for target, name, line in _imports(path):
            if target.split(".")[0] != "simcoop" or name is None:
                continue
            if name.startswith("_") and not name.startswith("__") and _targets(target, name) == target:
                offenders.append(f"{path.relative_to(ROOT.parent)}:{line}: {name} from {target}")
            elif target.rsplit(".", 1)[-1].startswith("_") and target not in ("simcoop._version", "simcoop._atomic", "simcoop._yaml"):
                offenders.append(f"{path.relative_to(ROOT.parent)}:{line}: private module {target}")
    assert offenders == []


#: Private helpers whose known-answer tests reach inside (the payroll's bisection), owned by economics.
_TESTED_INTERNALS = ("simcoop.economics",)


def test_tests_import_no_private_name() -> None:
    offenders = []
    for path in sorted((ROOT.parent / "tests").glob("*.py")):
        for target, name, line in _imports(path):
            if target.startswith(_TESTED_INTERNALS):
                continue
            if target.split(".")[0] == "simcoop" and name is not None and name.startswith("_") and not name.startswith("__"):
                offenders.append(f"{path.name}:{line}: {name} from {target}")
    assert offenders == []


@pytest.mark.parametrize("library", ["pandas", "matplotlib", "jinja2", "yaml"])
def test_the_model_imports_no_io_or_plotting_library(library: str) -> None:
    for module, path in MODULES.items():
        if module.startswith("simcoop.model"):
            imported = {target.split(".")[0] for target, _, _ in _imports(path)}
            assert library not in imported, f"{module} imports {library}"


def test_the_report_imports_no_model_and_no_runner() -> None:
    for module, path in MODULES.items():
        if module.startswith("simcoop.report"):
            for target, name, line in _imports(path):
                dep = _targets(target, name)
                assert not dep.startswith(("simcoop.model", "simcoop.runner", "simcoop.studies")), (
                    f"{module}:{line} imports {dep}"
                )


def test_no_module_is_past_about_600_lines() -> None:
    long = {
        module: n
        for module, path in MODULES.items()
        if module.split(".")[1:2] not in ([e] for e in SIZE_EXEMPT)
        and (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_one_process_pool_and_one_dask_client() -> None:
    """Every study runs its replications through ``simcoop.executors``: one pool, one Dask client."""
    pools, clients = [], []
    for module, path in MODULES.items():
        text = path.read_text(encoding="utf-8")
        pools += [module] * text.count("ProcessPoolExecutor(")
        clients += [module] * text.count(".Client(")
    assert pools == ["simcoop.executors"]
    assert clients == ["simcoop.executors"]


# ---------------------------------------------------------------------- the public API


PUBLIC_API = {
    "__version__", "Scenario", "ScenarioError", "Problem", "load_scenario", "load_variants", "scenario_from_dict",
    "default_scenario_path", "simulate", "Results", "load_results", "compare", "sensitivity", "solve",
    "simulate_network", "load_network", "rank_territories", "load_candidates", "read_records", "calibrate",
    "read_observed", "backtest", "write_report", "run_pipeline", "sweep", "Sweep",
}  # fmt: skip


def test_the_public_api_is_what_all_says_and_every_name_resolves() -> None:
    import simcoop

    assert set(simcoop.__all__) == PUBLIC_API
    assert len(simcoop.__all__) == len(PUBLIC_API)
    for name in simcoop.__all__:
        assert getattr(simcoop, name) is not None, name
    assert callable(simcoop.run_pipeline) and callable(simcoop.solve) and callable(simcoop.compare)
    with pytest.raises(AttributeError):
        simcoop.no_such_name  # noqa: B018


def test_notebooks_use_only_the_public_api() -> None:
    """The notebooks' code imports ``simcoop`` and calls what its ``__all__`` lists, nothing deeper."""
    import json
    import re

    import simcoop

    notebooks = sorted((ROOT.parent / "notebooks").glob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            code = "".join(cell["source"])
            assert not re.search(r"^\s*(from simcoop[.\w]* import|import simcoop\.)", code, re.M), (path.name, code)
            for name in re.findall(r"\bsimcoop\.(\w+)", code):
                assert name in simcoop.__all__ or name == "__file__", (path.name, name)


# ---------------------------------------------------------------------- sources as data


def _schema_properties() -> list[tuple[str, dict]]:
    import simcoop

    schema = simcoop.Scenario.model_json_schema()
    props = [("Scenario." + k, v) for k, v in schema.get("properties", {}).items()]
    for model, body in schema.get("$defs", {}).items():
        props += [(f"{model}.{k}", v) for k, v in body.get("properties", {}).items()]
    return props


def test_every_scenario_key_carries_its_source_as_data() -> None:
    """A key whose description cites a source or says "assumption" has it in structured fields
    (``json_schema_extra``), which the report and ``simcoop schema`` read; no regex over prose."""
    missing = []
    for name, prop in _schema_properties():
        description = prop.get("description", "")
        if "Source:" in description and not prop.get("source"):
            missing.append(f"{name}: no structured source")
        if "assumption" in description.lower() and prop.get("assumption") is not True:
            missing.append(f"{name}: not marked as an assumption")
    assert missing == []
    assert sum(1 for _, prop in _schema_properties() if prop.get("source")) > 40


def test_the_assumptions_register_reads_the_structured_source() -> None:
    from simcoop.report.tables import schema_descriptions, source_of

    schema = schema_descriptions()
    assert schema["cooperative.contribution.rate"]["source"] == "DOMAIN.md §3"
    # The reader gets the published sources the domain notes gather, not the internal file (issue 16).
    assert source_of(schema["cooperative.contribution.rate"]).startswith("Rapports d'activité publiés de Cap Services")
    assert "DOMAIN" not in source_of(schema["cooperative.contribution.rate"])
    assert source_of(schema["cooperative.staff.fte_at_opening"]) == "Hypothèse (à calibrer)"
    assert source_of({"description": "Source: DOMAIN.md §9 in prose only"}) == "Choix du scénario"


@pytest.mark.parametrize("name", ["reference.yaml", "cap_services_lyon.yaml", "warm_start_example.yaml"])
def test_the_opening_cash_rule_is_the_one_the_model_uses(name: str) -> None:
    """``Scenario.opening_cash_eur`` (which the run manifest records and the report prints) is
    the cash the model opens with, to the cent."""
    import simcoop
    from simcoop.economics import to_cents
    from simcoop.model.params import model_params

    scenario = simcoop.load_scenario(ROOT.parent / "scenarios" / name)
    assert to_cents(scenario.opening_cash_eur) == model_params(scenario).initial_cash_cents
    without_setup = scenario.replace({"creation.setup": None}) if scenario.creation.setup is not None else scenario
    assert to_cents(without_setup.opening_cash_eur) == model_params(without_setup).initial_cash_cents
