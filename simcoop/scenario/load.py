"""Reading a scenario: the YAML file, its attached CSV tables, its variants block, validation.

``load_scenario`` reports every problem at once, each with file, line and key
(``simcoop.problems.ScenarioError``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simcoop._yaml import read_yaml_file
from simcoop.problems import Problem, ScenarioError
from simcoop.scenario.errors import dotted
from simcoop.scenario.schema import Scenario, validate_data
from simcoop.scenario.tables import ATTACHED_TABLES, read_attached_table
from simcoop.scenario.uncertain import attach_joint, lift_distributions, population_prior_path, read_joint_samples

__all__ = ["VARIANTS_KEY", "default_scenario_path", "load_scenario", "scenario_from_dict", "split_variants"]


def default_scenario_path() -> Path:
    """The bundled default scenario (``scenarios/reference.yaml``)."""
    from importlib.resources import files

    return Path(str(files("simcoop.bundled_scenarios") / "reference.yaml"))


def load_scenario(path: str | Path, allow_outside_files: bool = False) -> Scenario:
    """Read and validate a scenario YAML file; raises ScenarioError listing every problem.

    A top-level ``variants:`` block is checked for its shape and left out: this is the base
    scenario (``simcoop.scenario.edit.load_variants`` reads the variants). The CSV files it
    attaches (``zones_file``, ``roster_file``) must be in the scenario's folder or below,
    unless ``allow_outside_files`` (the command line's ``--allow-outside-files``).
    """
    path = Path(path)
    source = str(path)
    parsed = read_yaml_file(path)
    if parsed.error is not None:
        line, message = parsed.error
        raise ScenarioError([Problem(source, line, "", message)])
    problems = [Problem(source, line, dotted(path_), msg) for path_, line, msg in parsed.duplicates]
    if not isinstance(parsed.data, dict):
        kind = "empty" if parsed.data is None else f"a {type(parsed.data).__name__}"
        problems.append(Problem(source, 1, "", f"a scenario must be a mapping of sections (meta, territory, ...), this file is {kind}"))
        raise ScenarioError(problems)
    data, _, variant_problems = split_variants(parsed.data, source, parsed.marks)
    data, table_problems, rows_from = _read_attached(data, path, parsed.marks, allow_outside_files)
    marks = dict(parsed.marks)
    data, uncertain_problems = lift_uncertain(data, source, marks, path.parent, None if allow_outside_files else path.parent)
    return validate_data(
        data, source=source, marks=marks, prior=problems + variant_problems + table_problems + uncertain_problems, rows_from=rows_from
    )


def lift_uncertain(
    data: dict[str, Any], source: str, marks: dict[tuple[Any, ...], int], folder: Path, root: Path | None
) -> tuple[dict[str, Any], list[Problem]]:
    """Raw scenario data with its uncertain parameters lifted into ``uncertainty`` (``simcoop.scenario.uncertain``).

    Distributions written at keys are replaced by their central values; the joint samples of
    ``uncertainty.priors_file`` (relative to ``folder``, inside ``root`` when given) or of the
    shipped population prior are read, and set the keys the scenario does not write.
    ``marks`` gains the lines of the lifted keys.
    """
    data, lifted = lift_distributions(data, marks, Scenario)
    problems = [Problem(source, marks.get(loc), key, message) for loc, key, message in lifted]
    block = data.get("uncertainty")
    if not isinstance(block, dict) or block.get("joint") is not None:
        return data, problems  # no joint samples asked, or already read (a resolved scenario)
    if block.get("population_prior") is True and not block.get("priors_file"):
        csv_path, shown, inside = population_prior_path(), "population_prior.csv (shipped)", None
    elif isinstance(block.get("priors_file"), str) and block.get("priors_file") and block.get("population_prior") is not True:
        csv_path, shown, inside = folder / block["priors_file"], block["priors_file"], root
    else:
        return data, problems  # nothing to read, or both given: the schema says so
    line = marks.get(("uncertainty", "priors_file"), marks.get(("uncertainty", "population_prior")))
    joint, read_problems = read_joint_samples(csv_path, shown, inside)
    if joint is None:
        for row_line, message in read_problems:
            if row_line is None:
                problems.append(Problem(source, line, "uncertainty.priors_file", f"{shown}: {message}"))
            else:
                problems.append(Problem(str(csv_path), row_line, "uncertainty.priors_file", message))
        return data, problems
    return attach_joint(data, joint), problems


def _read_attached(
    data: dict[str, Any], path: Path, marks: dict[tuple[Any, ...], int], allow_outside_files: bool = False
) -> tuple[dict[str, Any], list[Problem], dict[tuple[Any, ...], tuple[str, int]]]:
    """Fill territory.zones and warm_start.entrepreneurs from the CSV files they name (next to the scenario).

    Also returns where each row came from (file and line), for the problems found later.
    """
    problems: list[Problem] = []
    rows_from: dict[tuple[Any, ...], tuple[str, int]] = {}
    root = None if allow_outside_files else path.parent
    for section, (file_key, rows_key) in ATTACHED_TABLES.items():
        block = data.get(section)
        if not isinstance(block, dict) or not block.get(file_key):
            continue
        line = marks.get((section, file_key))
        if block.get(rows_key):
            problems.append(Problem(str(path), line, section, f"give {file_key} or {rows_key}, not both"))
            continue
        if not isinstance(block[file_key], str):
            continue  # the schema says what a file name is
        csv_path = path.parent / block[file_key]
        try:
            rows, lines = read_attached_table(section, csv_path, root)
        except ScenarioError as exc:
            for p in exc.problems:
                if p.line is None and p.source == str(csv_path):  # the file as a whole: point at the key naming it
                    p = Problem(str(path), line, f"{section}.{file_key}", f"{block[file_key]}: {p.message}")
                problems.append(p)
            continue
        rows_from.update({(section, rows_key, k): (str(csv_path), ln) for k, ln in enumerate(lines)})
        data = {**data, section: {**block, rows_key: rows}}
    return data, problems, rows_from


def scenario_from_dict(data: dict[str, Any], source: str = "<dict>") -> Scenario:
    """Validate plain data into a Scenario (a ``variants`` block is left out, as in a file)."""
    problems: list[Problem] = []
    marks: dict[tuple[Any, ...], int] = {}
    if isinstance(data, dict):
        data, _, problems = split_variants(data, source)
        data, uncertain_problems = lift_uncertain(data, source, marks, Path("."), None)
        problems += uncertain_problems
    return validate_data(data, source=source, prior=problems)


#: Top-level key of a scenario file holding named variants: name -> {dotted key: value}.
VARIANTS_KEY = "variants"


def split_variants(
    data: dict[str, Any], source: str, marks: dict[tuple[Any, ...], int] | None = None
) -> tuple[dict[str, Any], dict[str, dict[str, Any]], list[Problem]]:
    """Take the ``variants:`` block out of scenario data and check its shape.

    Returns the scenario data without the block (a shallow copy), the variants as
    ``{name: {dotted key: value}}`` and the problems in the block's shape. Whether each
    dotted key exists in the scenario is checked by ``simcoop.scenario.edit.load_variants``.
    """
    if VARIANTS_KEY not in data:
        return data, {}, []
    marks = marks or {}
    rest = {k: v for k, v in data.items() if k != VARIANTS_KEY}
    block = data[VARIANTS_KEY]
    example = 'e.g. variants: {"contribution 12 %": {cooperative.contribution.rate: 0.12}}'
    if not isinstance(block, dict):
        message = f"expected a mapping of variant names to their overrides ({example})"
        return rest, {}, [Problem(source, marks.get((VARIANTS_KEY,)), VARIANTS_KEY, message)]
    variants: dict[str, dict[str, Any]] = {}
    problems: list[Problem] = []
    for name, overrides in block.items():
        line = marks.get((VARIANTS_KEY, name))
        if not isinstance(name, str) or not name.strip():
            problems.append(Problem(source, line, VARIANTS_KEY, f"a variant name must be non-empty text, got {name!r}"))
            continue
        where = f"{VARIANTS_KEY}.{name}"
        if not isinstance(overrides, dict):
            message = f"expected a mapping of dotted keys to values ({example}); got {overrides!r}"
            problems.append(Problem(source, line, where, message))
            continue
        for key in overrides:
            if not isinstance(key, str) or not all(part.strip() for part in key.split(".")):
                message = f"{key!r}: expected a dotted key such as cooperative.contribution.rate"
                problems.append(Problem(source, marks.get((VARIANTS_KEY, name, key), line), where, message))
        variants[name] = dict(overrides)
    return rest, variants, problems

