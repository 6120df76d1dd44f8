"""What a calibration writes: the calibrated scenario file and the fit report for people."""

from __future__ import annotations

import datetime as _dt
import math
from pathlib import Path

import yaml

from simcoop._yaml import read_yaml_file
from simcoop.calibration.fit import THIN, TOO_FEW, Calibration, Estimate
from simcoop.scenario import Scenario, scenario_from_dict
from simcoop.scenario.dotted import set_path

__all__ = ["calibrated_yaml", "fit_report"]


def calibrated_yaml(base_path: str | Path, calibration: Calibration, today: _dt.date | None = None) -> tuple[str, Scenario]:
    """The base scenario file with the estimated keys replaced, validated, as YAML text with a header.

    The base file's comments are not kept (the header says so); a ``variants:`` block is.
    """
    base_path = Path(base_path)
    data = read_yaml_file(base_path).data  # the base was validated when it was loaded
    for key, value in calibration.changes.items():
        set_path(data, key.split("."), value, create=True)
    data["meta"]["name"] = f"{data['meta']['name']}_calibrated"
    scenario = scenario_from_dict(data, source=f"{base_path} + calibration")
    day = (today or _dt.date.today()).isoformat()
    header = (
        f"# Calibrated by `simcoop calibrate` on {day} from the records in {calibration.source}\n"
        f"# (parcours.csv and chiffre_affaires.csv, up to {calibration.as_of}), starting from the base scenario\n"
        f"# {base_path}. {len(calibration.changes)} keys were estimated; every other value is the base's.\n"
        "# The base file's comments are not kept: see the fit report for each estimate, its 95% interval,\n"
        "# its sample size and its warnings.\n"
    )
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)
    return header + body, scenario


def _fmt(value: float | None, unit: str) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    if unit.startswith("EUR"):
        return f"{value:,.0f}"
    if unit == "per year" and value >= 20:
        return f"{value:,.0f}"
    return f"{value:.3f}"


def fit_report(calibration: Calibration, base_name: str, base_path: str) -> str:
    """The fit report (markdown): every estimate with its interval, sample size, base value and warnings."""
    out = [
        (
        f"# Calibration fit report\n\nRecords: `{calibration.source}`, up to {calibration.as_of}. "
        f"Base scenario: `{base_name}` ({base_path}).\n\n"
        "Each estimate has its 95% confidence interval and its sample size. \"Used\" says whether it replaced the "
        f"base value in the calibrated scenario: estimates from fewer than {TOO_FEW} observations are not used, "
        f"and fewer than {THIN} get a thin-data warning. Methods: docs/calibration.md.\n"
        )
    ]
    if calibration.notes:
        out.append("\n## Notes on the records\n\n" + "".join(f"- {n}\n" for n in calibration.notes))
    groups = (
        ("Arrivals", lambda e: e.name.startswith(("accueils", "seasonality"))),
        ("Parcours", lambda e: e.name in ("entry share", "direct CESA share", "CAPE renewal probability", "associé uptake rate", "associé at deadline probability")),
        ("Exit hazards", lambda e: "hazard" in e.name),
        ("Exit destinations", lambda e: " exits to " in e.name),
        ("Turnover and sectors", lambda e: ":" in e.name),
    )
    for title, test in groups:
        rows = [e for e in calibration.estimates if test(e)]
        if not rows:
            continue
        out.append(f"\n## {title}\n\n| estimate | value | 95% interval | n | base | used | key | warnings |\n|---|---:|---|---|---:|---|---|---|\n")
        for e in rows:
            out.append(
                f"| {e.name} | {_fmt(e.value, e.unit)} | {_fmt(e.low, e.unit)}-{_fmt(e.high, e.unit)} | {e.n} {e.n_label} | "
                f"{_fmt(e.base, e.unit)} | {'yes' if e.used and e.key else 'no'} | {('`' + e.key + '`') if e.key else '-'} | "
                f"{'; '.join(e.warnings)} |\n"
            )
        if title == "Arrivals":
            out.append("\nAccueils by calendar year:\n\n" + calibration.tables["arrivals"])
        if title == "Parcours":
            out.append("\n" + calibration.tables["cape_conversion"])
        if title == "Exit hazards":
            for stage in ("cape", "cesa", "associe"):
                out.append("\n" + calibration.tables[f"km_{stage}"])
        if title == "Turnover and sectors":
            out.append("\nTurnover by sector and seniority (EUR per year):\n\n" + calibration.tables["turnover"])
    out.append("\n## Methods in brief\n\n" + "".join(f"- {e.name}: {e.method}\n" for e in _first_by_method(calibration.estimates)))
    return "".join(out)


def _first_by_method(estimates: list[Estimate]) -> list[Estimate]:
    seen: set[str] = set()
    out = []
    for e in estimates:
        if e.method not in seen:
            seen.add(e.method)
            out.append(e)
    return out
