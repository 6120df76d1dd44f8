"""A CAE's own records, shaped like enDI's statistical exports, read and checked.

Two tables (docs/calibration.md): ``parcours.csv``, one row per career-path step, and
``chiffre_affaires.csv``, one row per entrepreneur and month of turnover. A mapping file
renames columns and step values when an export uses other names. Every problem found is
reported with its file, line and column, and what is allowed; nothing here raises
anything but ``RecordsError``.

Only anonymous ids are read: no names are needed, and columns that look like names are
flagged so that they can be removed before records are shared.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from simcoop._yaml import read_yaml_file
from simcoop.csvfile import TableError, parse_number, read_table, shown
from simcoop.months import month_index
from simcoop.problems import InputError, Problem
from simcoop.scenario.base import MAX_EUR

__all__ = [
    "EXIT_TYPES",
    "HAZARD_MOTIVES",
    "MOTIVES",
    "STEPS",
    "Mapping",
    "Records",
    "RecordsError",
    "load_mapping",
    "read_records",
]

#: Career-path steps, in the order they happen within one day (enDI's vocabulary, DOMAIN.md §7).
STEPS: tuple[str, ...] = ("candidat", "diagnostic", "cape", "avenant_cape", "cesa", "associe", "sortie")
#: Exit types: the destination of an exit (``type_sortie``).
EXIT_TYPES: tuple[str, ...] = ("own_company", "salaried_job", "stop")
#: Exit motives (``motif_sortie``), as in simcoop's events (docs/outputs.md).
MOTIVES: tuple[str, ...] = (
    "own_company",
    "salaried_job",
    "activity_not_viable",
    "personal_reasons",
    "end_of_cape",
    "end_of_trial_period",
    "not_associe_in_time",
)
#: Motives of exits that are the stage's exit hazard (the others end a contract by rule).
HAZARD_MOTIVES: frozenset[str] = frozenset({"own_company", "salaried_job", "activity_not_viable", "personal_reasons"})

PARCOURS = "parcours"
TURNOVER = "chiffre_affaires"
#: Our column names; the first ones of each table are required.
PARCOURS_COLUMNS = ("entrepreneur_id", "date", "step", "exit_type", "motive", "sector")
PARCOURS_REQUIRED = ("entrepreneur_id", "date", "step")
TURNOVER_COLUMNS = ("entrepreneur_id", "month", "turnover_eur", "status")
TURNOVER_REQUIRED = ("entrepreneur_id", "month", "turnover_eur")
#: enDI's French column names, accepted without a mapping.
ALIASES = {"exit_type": ("type_sortie",), "motive": ("motif_sortie",), "sector": ("secteur",), "turnover_eur": ("ca_ht",)}
#: Column names that suggest personal data; they are never read.
NAME_LIKE = re.compile(r"^(nom|prenom|prénom|name|first_?name|last_?name|surname|email|e-mail|telephone|phone|adresse|address)$", re.IGNORECASE)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _problem(file: str, line: int | None, column: str, message: str) -> Problem:
    """One problem in the records: file, line, the column it concerns (if any) and what is allowed."""
    return Problem(file, line, f"column '{column}'" if column else "", message)


class RecordsError(InputError):
    """Records that cannot be used; ``problems`` lists what was found (at most 20 per file)."""

    what = "the records"


@dataclass(frozen=True)
class Mapping:
    """How an export names things: file names, columns (ours -> theirs) and values (ours -> theirs)."""

    files: dict[str, str] = field(default_factory=lambda: {PARCOURS: "parcours.csv", TURNOVER: "chiffre_affaires.csv"})
    columns: dict[str, dict[str, str]] = field(default_factory=dict)  # table -> our column -> their column
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # our column -> their value -> our value


@dataclass(frozen=True)
class Records:
    """The two tables in our names: ``steps`` (id, date, month, step, exit_type, motive, sector) and ``turnover``."""

    steps: pd.DataFrame
    turnover: pd.DataFrame
    source: str
    notes: tuple[str, ...] = ()


def load_mapping(path: str | Path) -> Mapping:
    """Read a mapping YAML file (docs/calibration.md); raises RecordsError on a bad file."""
    path = Path(path)
    source = str(path)
    parsed = read_yaml_file(path)
    if parsed.error is not None:
        raise RecordsError([_problem(source, parsed.error[0], "", parsed.error[1])])
    data = parsed.data or {}
    problems: list[Problem] = []

    def bad(keys: tuple[Any, ...], message: str) -> None:
        problems.append(_problem(source, parsed.marks.get(keys), "", message))

    if not isinstance(data, dict):
        raise RecordsError([_problem(source, 1, "", "a mapping file must be a mapping with keys files, parcours, chiffre_affaires")])
    files = {PARCOURS: "parcours.csv", TURNOVER: "chiffre_affaires.csv"}
    columns: dict[str, dict[str, str]] = {}
    values: dict[str, dict[str, str]] = {}
    for key, block in data.items():
        if key == "files":
            if not isinstance(block, dict) or not set(block) <= {PARCOURS, TURNOVER}:
                bad((key,), f"files: expected a mapping with keys {PARCOURS}, {TURNOVER} (file names in RECORDS_DIR)")
                continue
            files.update({k: str(v) for k, v in block.items()})
        elif key in (PARCOURS, TURNOVER):
            ours = PARCOURS_COLUMNS if key == PARCOURS else TURNOVER_COLUMNS
            if not isinstance(block, dict):
                bad((key,), f"{key}: expected a mapping with keys columns and values")
                continue
            for sub, inner in block.items():
                if sub not in ("columns", "values") or not isinstance(inner, dict):
                    bad((key, sub), f"{key}.{sub}: expected columns: {{our name: their name}} or values: {{our column: {{our value: their value(s)}}}}")
                    continue
                if sub == "columns":
                    for our, their in inner.items():
                        if our not in ours:
                            bad((key, sub, our), f"{key}.columns: unknown column '{our}'; allowed: {', '.join(ours)}")
                        columns.setdefault(key, {})[str(our)] = str(their)
                else:
                    allowed = {"step": STEPS, "exit_type": EXIT_TYPES, "motive": MOTIVES, "status": ("cape", "cesa", "associe")}
                    for col, pairs in inner.items():
                        if col not in allowed or not isinstance(pairs, dict):
                            bad((key, sub, col), f"{key}.values: expected one of {', '.join(allowed)} mapping our value to their value(s)")
                            continue
                        for our, their in pairs.items():
                            if our not in allowed[col]:
                                bad((key, sub, col, our), f"{key}.values.{col}: unknown value '{our}'; allowed: {', '.join(allowed[col])}")
                                continue
                            for t in their if isinstance(their, list) else [their]:
                                values.setdefault(col, {})[str(t).strip().casefold()] = our
        else:
            bad((key,), f"unknown key '{key}'; allowed: files, {PARCOURS}, {TURNOVER}")
    if problems:
        raise RecordsError(problems)
    return Mapping(files=files, columns=columns, values=values)


def _read_table(path: Path, table: str, wanted: tuple[str, ...], required: tuple[str, ...], mapping: Mapping, notes: list[str]) -> tuple[pd.DataFrame, list[Problem]]:
    source = str(path)
    if not path.exists():
        return pd.DataFrame(), [_problem(source, None, "", f"file not found (expected the {table} table, see docs/calibration.md)")]
    try:
        parsed = read_table(path)
    except TableError as exc:
        return pd.DataFrame(), [_problem(source, p.line, p.column, p.message) for p in exc.problems]
    header = parsed.header
    renames = mapping.columns.get(table, {})
    picked: dict[str, int] = {}
    for our in wanted:
        candidates = [renames[our]] if our in renames else [our, *ALIASES.get(our, ())]
        for name in candidates:
            if name in header:
                picked[our] = header.index(name)
                break
    missing = [c for c in required if c not in picked]
    if missing:
        names = [renames.get(c, c) for c in missing]
        return pd.DataFrame(), [_problem(source, 1, n, f"required column missing; the header has: {', '.join(header)} (use --mapping for other names)") for n in names]
    personal = [h for h in header if NAME_LIKE.match(h)]
    if personal:
        notes.append(f"{path.name}: column(s) {', '.join(personal)} look like personal data; they were not read. Remove them before sharing the records: only ids are needed.")
    problems = [_problem(source, p.line, p.column, p.message) for p in parsed.problems]
    data: dict[str, list[str]] = {c: [] for c in picked}
    lines: list[int] = []
    width = len(header)
    for k, row in parsed.rows:
        if len(row) != width:
            continue  # reported in parsed.problems
        for col, j in picked.items():
            data[col].append(row[j].strip())
        lines.append(k)
    if not lines and not problems:
        problems.append(_problem(source, None, "", f"the file has a header but no rows; expected the {table} table's rows (docs/calibration.md)"))
    frame = pd.DataFrame(data, dtype=object)
    frame["line"] = lines
    return frame, problems


def _map_values(frame: pd.DataFrame, column: str, allowed: tuple[str, ...], mapping: Mapping, source: str, their: str, problems: list[Problem], optional: bool) -> None:
    table = mapping.values.get(column, {})
    out = []
    for value, line in zip(frame[column].tolist(), frame["line"].tolist()):
        key = value.casefold()
        mapped = table.get(key, key)
        if mapped == "" and optional:
            out.append("")
        elif mapped in allowed:
            out.append(mapped)
        else:
            shown = value if value else "(empty)"
            problems.append(_problem(source, line, their, f"unknown value '{shown}'; allowed: {', '.join(allowed)} (map other values with --mapping)"))
            out.append("")
    frame[column] = out


def _month_index(text: str) -> int:
    return month_index(text[:7])


def read_records(folder: str | Path, mapping: Mapping | None = None, export_date: _dt.date | None = None) -> Records:
    """Read and check ``parcours.csv`` and ``chiffre_affaires.csv`` from ``folder``.

    Dates are YYYY-MM-DD (``step`` rows) and months YYYY-MM (turnover rows); turnover is in
    euros excl. VAT, with a dot or a comma as the decimal mark. Raises RecordsError listing
    every problem (at most 20 per file). Every date must lie between ``FIRST_CAE_DATE``
    and ``export_date`` (the day the records were exported; default today): one typo such
    as 2999 for 2015 would otherwise stretch the records over centuries. Each person's
    steps must follow the parcours's order, and nothing may follow their sortie.
    """
    mapping = mapping or Mapping()
    export_date = export_date or _dt.date.today()
    folder = Path(folder)
    if not folder.is_dir():
        raise RecordsError([_problem(str(folder), None, "", "not a folder; expected RECORDS_DIR holding parcours.csv and chiffre_affaires.csv")])
    notes: list[str] = []
    p_path = folder / mapping.files[PARCOURS]
    t_path = folder / mapping.files[TURNOVER]
    steps, problems = _read_table(p_path, PARCOURS, PARCOURS_COLUMNS, PARCOURS_REQUIRED, mapping, notes)
    turnover, t_problems = _read_table(t_path, TURNOVER, TURNOVER_COLUMNS, TURNOVER_REQUIRED, mapping, notes)
    if problems or t_problems:
        raise RecordsError(problems[:20] + t_problems[:20])
    p_src, t_src = str(p_path), str(t_path)
    p_names = {c: mapping.columns.get(PARCOURS, {}).get(c, c) for c in PARCOURS_COLUMNS}
    t_names = {c: mapping.columns.get(TURNOVER, {}).get(c, c) for c in TURNOVER_COLUMNS}
    for col in ("exit_type", "motive", "sector"):
        if col not in steps:
            steps[col] = ""
    if "status" not in turnover:
        turnover["status"] = ""
    # parcours.csv
    for value, line in zip(steps["entrepreneur_id"], steps["line"]):
        if not value:
            problems.append(_problem(p_src, line, p_names["entrepreneur_id"], "empty id; every step needs the entrepreneur's (anonymous) id"))
    for value, line in zip(steps["date"], steps["line"]):
        why = _date_problem(value, export_date)
        if why is not None:
            problems.append(_problem(p_src, line, p_names["date"], why))
    _map_values(steps, "step", STEPS, mapping, p_src, p_names["step"], problems, optional=False)
    _map_values(steps, "exit_type", EXIT_TYPES, mapping, p_src, p_names["exit_type"], problems, optional=True)
    _map_values(steps, "motive", MOTIVES, mapping, p_src, p_names["motive"], problems, optional=True)
    is_exit = steps["step"] == "sortie"
    for line in steps.loc[is_exit & (steps["exit_type"] == ""), "line"]:
        problems.append(_problem(p_src, line, p_names["exit_type"], f"a sortie needs an exit type; allowed: {', '.join(EXIT_TYPES)}"))
    # chiffre_affaires.csv
    for value, line in zip(turnover["month"], turnover["line"]):
        if not _MONTH.match(value):
            t_problems.append(_problem(t_src, line, t_names["month"], f"expected a month written YYYY-MM (e.g. 2021-03); got {shown(value)}"))
            continue
        why = _date_problem(value + "-01", export_date.replace(day=1), value)
        if why is not None:
            t_problems.append(_problem(t_src, line, t_names["month"], why))
    amounts = []
    for value, line in zip(turnover["turnover_eur"], turnover["line"]):
        try:
            amount = parse_number(value)
            if abs(amount) > MAX_EUR:
                raise ValueError(f"{shown(value)} is beyond any monthly turnover (at most {MAX_EUR:g} euros)")
            amounts.append(amount)
        except ValueError as exc:
            t_problems.append(_problem(t_src, line, t_names["turnover_eur"], f"expected an amount in euros (e.g. 1234.56): {exc}"))
            amounts.append(float("nan"))
    if not t_problems:
        turnover["turnover_eur"] = amounts
        dupes = turnover.duplicated(["entrepreneur_id", "month"], keep="first")
        for line in turnover.loc[dupes, "line"].head(20):
            t_problems.append(_problem(t_src, int(line), t_names["month"], "a second row for the same entrepreneur and month; expected one row per entrepreneur and month"))
    if problems or t_problems:
        raise RecordsError(problems[:20] + t_problems[:20])
    exits_per_person = steps.loc[is_exit].groupby("entrepreneur_id").size()
    for pid in exits_per_person[exits_per_person > 1].index[:20]:
        line = int(steps.loc[is_exit & (steps["entrepreneur_id"] == pid), "line"].iloc[1])
        problems.append(_problem(p_src, line, p_names["step"], f"a second sortie for entrepreneur {pid}; a person who comes back needs a new id"))
    if problems:
        raise RecordsError(problems[:20])
    steps["month"] = [_month_index(d) for d in steps["date"]]
    steps["order"] = steps["step"].map({s: k for k, s in enumerate(STEPS)})
    steps = steps.sort_values(["entrepreneur_id", "date", "order"], kind="stable").reset_index(drop=True)
    problems += _sequence_problems(steps, p_src, p_names)
    if problems:
        raise RecordsError(problems[:20])
    turnover["month"] = [_month_index(m) for m in turnover["month"]]
    return Records(steps=steps, turnover=turnover.reset_index(drop=True), source=str(folder), notes=tuple(notes))


#: No CAE records can predate the first CAE (Cap Services, Lyon, November 1995; DOMAIN.md §1).
FIRST_CAE_DATE = _dt.date(1995, 1, 1)


def _date_problem(text: str, export_date: _dt.date, shown_as: str | None = None) -> str | None:
    """Why ``text`` is not a usable date of the records, or None (``shown_as``: the month as written)."""
    if not _DATE.match(text):
        return f"expected a date written YYYY-MM-DD (e.g. 2021-03-15); got {shown(text)}"
    try:
        day = _dt.date.fromisoformat(text)
    except ValueError:
        return f"{text} is not a date of the calendar (check the day and the month)"
    what = f"month {shown_as}" if shown_as else f"date {text}"
    if day < FIRST_CAE_DATE:
        return f"{what} is before {FIRST_CAE_DATE.year}, when the first CAE opened: a typo in the year?"
    if day > export_date:
        limit = export_date.isoformat()[:7] if shown_as else export_date.isoformat()
        return (
            f"{what} is after the export {'month' if shown_as else 'date'} {limit}: a typo in the year? "
            "(set --export-date if the records were exported later)"
        )
    return None


def _sequence_problems(steps: pd.DataFrame, source: str, names: dict[str, str]) -> list[Problem]:
    """Each person's steps, in date order, must follow the parcours (a CAPE renewal may repeat); nothing after a sortie."""
    problems: list[Problem] = []
    column = names["step"]
    for pid, person in steps.groupby("entrepreneur_id", sort=False):
        highest, highest_step, highest_date = -1, "", ""
        for step, order, date, line in zip(person["step"], person["order"], person["date"], person["line"]):
            if highest_step == "sortie":
                problems.append(_problem(source, int(line), column, f"entrepreneur {pid}: step '{step}' on {date} comes after their sortie of {highest_date}; a person who comes back needs a new id"))
                break
            if order < highest:
                problems.append(
                    _problem(source, int(line), column, f"entrepreneur {pid}: step '{step}' on {date} comes after '{highest_step}' on {highest_date}; the steps go {' -> '.join(STEPS)}")
                )
                break
            highest, highest_step, highest_date = int(order), step, date
        if len(problems) >= 20:
            break
    return problems
