"""Published figures of many CAE (``cae_public_figures.csv``): read, checked, and simulated.

One figure a row: ``cae, city, founded, year, measure, value, approx, source`` (comment lines
start with ``#``). ``read_figures`` checks every row and groups the usable figures by CAE;
``cae_scenario`` builds, from a base scenario, the scenario of one CAE (its opening month and a
horizon to the end of its last figure's year); ``simulated_figures`` reads the same measures
off one replication's raw output, so that the calibration compares like with like.

The national rows (``cae`` = ``(national)``) are turned into the figures of an *average CAE*
(totals divided by the year's ``n_cae``): a pseudo-CAE opened in ``NATIONAL_FOUNDED`` whose
figures all count as approximate, except the split of the entrepreneurs between CAPE and
salaried status where a year gives both totals (``salaried_share``: a ratio the sources publish
as such, which the division by ``n_cae`` does not blur). docs/calibration.md says why and what it implies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from simcoop.problems import InputError, Problem

if TYPE_CHECKING:
    from simcoop.model import ReplicationOutput
    from simcoop.scenario import Scenario

__all__ = [
    "CaeFigures",
    "Figure",
    "FiguresError",
    "MEASURES",
    "NATIONAL",
    "cae_scenario",
    "read_figures",
    "simulated_figures",
]

#: Measures the model can simulate, with what they are (docs/calibration.md).
MEASURES: dict[str, str] = {
    "accueils": "accueils in the year",
    "entries": "entries in the year (first CAPE or direct CESA)",
    "exits": "exits in the year",
    "supported": "people supported during the year (CAPE, CESA or associe at any time in it)",
    "salaried": "entrepreneurs-salaries during the year (a CESA at any time in it)",
    "entrepreneurs": "entrepreneurs present in January of the year (stock)",
    "associes": "associes present in January of the year (stock)",
    "salaried_share": "share of entrepreneurs-salaries (CESA, associe or not) among the entrepreneurs present in January of the year (stock)",
    "turnover_eur": "entrepreneurs' turnover in the year, euros of the model's prices",
    "exits_share_own_company": "share of the year's exits to the person's own company",
    "exits_share_not_viable": "share of the year's exits because the activity was not viable (its failure, or a CAPE or trial ended without a viable activity)",
    "mean_path_months": "mean months from entry to exit of the year's exits",
    "direct_cesa_share": "share of the year's entries straight into a CESA",
    "positive_exits_cumulative": "exits to an own company or a job since opening, to the end of the year",
    "exits_own_company_cumulative": "exits to an own company since opening, to the end of the year",
}
#: Measures that are shares (compared on the logit scale).
SHARES = frozenset({"exits_share_own_company", "exits_share_not_viable", "direct_cesa_share", "salaried_share"})
#: Measures of the file that the model does not simulate; reported as left out.
NOT_SIMULATED = {
    "staff": "the support team is a cooperative choice, not a behaviour of the entrepreneurs",
    "turnover_per_es_eur": "a sub-group's mean (ES under 3 years) that the model does not single out; turnover and salaried are used",
    "n_cae": "used to turn national totals into the figures of an average CAE",
}
#: The national rows' name, and the opening year given to the average CAE they describe.
NATIONAL = "(national)"
#: Assumption: the network's CAE opened from 1995 on, 108 by end 2014, 155 by end 2019, 163 by end
#: 2024, so the average member is about 11-16 years old over 2014-2024; 2008 is the middle.
NATIONAL_FOUNDED = "2008-01"
#: Price index used to put euro figures in the model's prices (2024 euros): INSEE's consumer price
#: index rose about 1.65 % a year on average between 2000 and 2024 (x 1.48). An approximation.
INFLATION_PER_YEAR = 0.0165
PRICE_YEAR = 2024


class FiguresError(InputError):
    """A figures file that cannot be used; its problems say where and why."""

    what = "the published figures"


@dataclass(frozen=True)
class Figure:
    """One published figure, as the calibration uses it."""

    cae: str
    year: int
    measure: str
    value: float  # euros already in the model's prices
    approx: bool
    line: int  # line in the file (0 for derived national averages)
    source: str


@dataclass
class CaeFigures:
    """One CAE: its opening month and its usable figures."""

    name: str
    founded: str  # YYYY-MM
    figures: list[Figure] = field(default_factory=list)

    @property
    def last_year(self) -> int:
        """The last calendar year a figure describes."""
        return max(f.year for f in self.figures)

    @property
    def national(self) -> bool:
        """True for the average CAE built from national totals."""
        return self.name == NATIONAL


def _price_factor(year: int) -> float:
    return float((1.0 + INFLATION_PER_YEAR) ** (PRICE_YEAR - year))


def read_figures(path: str | Path) -> tuple[list[CaeFigures], list[str]]:
    """Read a figures file: the CAE with usable figures, in file order, and notes on what was left out.

    Raises FiguresError naming the file, line and column for a row that cannot be read.
    """
    from simcoop.csvfile import TableError, parse_number, read_table

    source = str(path)

    def bad(line: int | None, key: str, message: str) -> FiguresError:
        return FiguresError([Problem(source, line, key, message)])

    try:
        table = read_table(Path(path), comments=True)
    except TableError as exc:
        first = exc.problems[0]
        raise bad(first.line, first.column, first.message) from None
    if table.problems:
        raise bad(table.problems[0].line, table.problems[0].column, table.problems[0].message)
    needed = ("cae", "founded", "year", "measure", "value", "approx")
    missing = [c for c in needed if c not in table.header]
    if missing:
        raise bad(1, "", f"column(s) {', '.join(missing)} missing; expected cae, city, founded, year, measure, value, approx, source")
    by_cae: dict[str, CaeFigures] = {}
    national: dict[tuple[int, str], tuple[float, bool, int, str]] = {}
    notes: list[str] = []
    skipped: dict[str, int] = {}
    for line, row in table.records():
        name = row["cae"]
        if not name:
            raise bad(line, "cae", "empty; name the CAE (or (national) for national totals)")
        measure = row["measure"]
        if measure not in MEASURES and measure not in NOT_SIMULATED:
            allowed = ", ".join([*MEASURES, *NOT_SIMULATED])
            raise bad(line, "measure", f"unknown measure {measure!r}; allowed: {allowed}")
        try:
            year = parse_number(row["year"])
            value = parse_number(row["value"])
        except ValueError as exc:
            raise bad(line, "year or value", str(exc)) from None
        if not float(year).is_integer() or not 1990 <= year <= 2100:
            raise bad(line, "year", f"expected a calendar year such as 2013, got {row['year']!r}")
        if value < 0 or (measure in SHARES and value > 1):
            raise bad(line, "value", f"{row['value']!r} is out of range for {measure} ({'a share in 0-1' if measure in SHARES else 'a count or an amount >= 0'})")
        approx_text = row["approx"].lower()
        if approx_text not in ("approx", "yes", "no", ""):
            raise bad(line, "approx", f"expected approx (or yes) or no, got {row['approx']!r}")
        approx = approx_text in ("approx", "yes")
        year_i = int(year)
        if measure.endswith("_eur"):
            value *= _price_factor(year_i)
        if name == NATIONAL:
            national[(year_i, measure)] = (value, approx, line, row.get("source", ""))
            continue
        if measure in NOT_SIMULATED:
            skipped[measure] = skipped.get(measure, 0) + 1
            continue
        founded = row["founded"]
        month = _founded_month(founded)
        if month is None:
            raise bad(line, "founded", f"expected YYYY or YYYY-MM (1995 or later), got {founded!r}")
        if year_i < int(month[:4]):
            raise bad(line, "year", f"{year_i} is before the CAE's opening ({founded})")
        cae = by_cae.setdefault(name, CaeFigures(name, month))
        cae.figures.append(Figure(name, year_i, measure, value, approx, line, row.get("source", "")))
    for measure, n in skipped.items():
        notes.append(f"{n} figure(s) of '{measure}' left out: {NOT_SIMULATED[measure]}")
    average = _national_average(national, notes)
    if average is not None:
        by_cae[NATIONAL] = average
    if not by_cae:
        raise bad(None, "", "no usable figure; the file needs rows of measures the model simulates")
    return list(by_cae.values()), notes


def _founded_month(text: str) -> str | None:
    text = text.strip()
    for fmt_len in (4, 7):
        if len(text) == fmt_len:
            year = text[:4]
            if not year.isdigit() or not 1995 <= int(year) <= 2100:
                return None
            if fmt_len == 4:
                return f"{year}-01"
            if text[4] == "-" and text[5:].isdigit() and 1 <= int(text[5:]) <= 12:
                return text
    return None


def _national_average(national: dict[tuple[int, str], tuple[float, bool, int, str]], notes: list[str]) -> CaeFigures | None:
    """Totals / the year's n_cae -> the figures of an average CAE, all approximate."""
    if not national:
        return None
    cae = CaeFigures(NATIONAL, NATIONAL_FOUNDED)
    for (year, measure), (value, _approx, line, source) in sorted(national.items()):
        if measure == "n_cae" or measure not in MEASURES:
            continue
        total = national.get((year, "entrepreneurs"))
        if measure == "salaried" and total is not None and total[0] > 0:
            # A year with both totals: the source publishes the split ("53 % of entrepreneurs are ES"),
            # which n_cae and the average CAE's size do not blur; it is kept as the share it is.
            cae.figures.append(Figure(NATIONAL, year, "salaried_share", value / total[0], False, line,
                                      f"{source} / entrepreneurs {year}"))
            continue
        count = national.get((year, "n_cae"))
        if count is None or count[0] <= 0:
            notes.append(f"national {measure} {year} left out: no n_cae for {year}")
            continue
        per_cae = value / count[0]
        cae.figures.append(Figure(NATIONAL, year, measure, per_cae, True, line, f"{source} / n_cae {year}"))
    if not cae.figures:
        return None
    shares = sum(f.measure == "salaried_share" for f in cae.figures)
    notes.append(
        f"national totals used as the figures of an average CAE (total / n_cae of the year), opened in "
        f"{NATIONAL_FOUNDED} (assumption) and all approximate: {len(cae.figures) - shares} figure(s)"
    )
    if shares:
        notes.append(
            f"national salaried / entrepreneurs of the same year used as the share of entrepreneurs-salaries among "
            f"the entrepreneurs (stock), with the tolerance of an exact figure: {shares} figure(s)"
        )
    return cae


def cae_scenario(base: "Scenario", cae: CaeFigures) -> "Scenario":
    """The base scenario moved to the CAE's opening month, with a horizon to the end of its last figure's year.

    The base's uncertain keys are at their central values, the creation steps and the base's
    dated public funding are dropped, hiring is never frozen
    for want of treasury (the CAE observed did open and grow: the figures are about the
    entrepreneurs' paths, not the funding of the time), and one set of payroll rules applies.
    """
    from simcoop.draws import fixed_parameters

    start_year, start_month = int(cae.founded[:4]), int(cae.founded[5:7])
    horizon = (cae.last_year - start_year) * 12 + (12 - start_month + 1)
    # At the base's central values: the calibration draws its own parameters, and the prior it
    # fits (the reference's population_prior) must neither enter the runs nor key the work folder.
    return fixed_parameters(base).replace({
        "meta.name": "calib_" + "".join(c if c.isalnum() else "_" for c in cae.name.lower()).strip("_"),
        "meta.start_month": cae.founded,
        "meta.horizon_months": horizon,
        "creation": {},
        "cooperative.public_funding": [],
        "cooperative.staff.hiring_freeze_below_months": 0,
        "payroll.rules_month": "2023-01",
        "simulation.replications": 1,
    })


def _year_months(start: str, year: int, horizon: int) -> tuple[int, int]:
    first = (year - int(start[:4])) * 12 - (int(start[5:7]) - 1)
    return max(first, 0), min(first + 11, horizon - 1)


def simulated_figures(output: "ReplicationOutput", start: str, horizon: int, wanted: list[tuple[int, str]]) -> np.ndarray:
    """The (year, measure) figures of one replication, in the order of ``wanted`` (NaN when undefined)."""
    m: dict[str, Any] = output.monthly
    p: dict[str, Any] = output.people
    entry = p["entry_month"]
    exit_m = p["exit_month"]
    exit_or_end = np.where(exit_m < 0, horizon - 1, exit_m)
    out = np.full(len(wanted), np.nan)
    for k, (year, measure) in enumerate(wanted):
        a, b = _year_months(start, year, horizon)
        if b < a:
            continue
        sl = slice(a, b + 1)
        if measure == "accueils":
            v = m["accueils"][sl].sum()
        elif measure == "entries":
            v = np.count_nonzero((entry >= a) & (entry <= b))
        elif measure == "exits":
            v = m["exits"][sl].sum()
        elif measure == "supported":
            v = np.count_nonzero((entry >= 0) & (entry <= b) & (exit_or_end >= a))
        elif measure == "salaried":
            c = p["cesa_month"]
            v = np.count_nonzero((c >= 0) & (c <= b) & (exit_or_end >= a))
        elif measure == "entrepreneurs":
            v = m["n_cape"][a] + m["n_cesa"][a] + m["n_associe"][a]
        elif measure == "associes":
            v = m["n_associe"][a]
        elif measure == "salaried_share":
            stock = m["n_cape"][a] + m["n_cesa"][a] + m["n_associe"][a]
            v = (m["n_cesa"][a] + m["n_associe"][a]) / stock if stock else math.nan
        elif measure == "turnover_eur":
            v = m["turnover_cents"][sl].sum() / 100.0
        elif measure in ("exits_share_own_company", "exits_share_not_viable"):
            n = m["exits"][sl].sum()
            if measure == "exits_share_own_company":
                part = m["exits_own_company"][sl].sum()
            else:  # not viable: the activity failed, or the test phase or trial ended without a viable activity
                part = sum(m[k][sl].sum() for k in ("exits_activity_not_viable", "exits_end_of_cape", "exits_end_of_trial_period"))
            v = part / n if n else math.nan
        elif measure == "mean_path_months":
            gone = (exit_m >= a) & (exit_m <= b) & (entry >= 0)
            v = float(np.mean(exit_m[gone] - entry[gone])) if gone.any() else math.nan
        elif measure == "direct_cesa_share":
            new = (entry >= a) & (entry <= b)
            v = float(np.mean(p["first_stage"][new] == 2)) if new.any() else math.nan
        elif measure == "positive_exits_cumulative":
            v = m["exits_own_company"][: b + 1].sum() + m["exits_salaried_job"][: b + 1].sum()
        elif measure == "exits_own_company_cumulative":
            v = m["exits_own_company"][: b + 1].sum()
        else:  # pragma: no cover - read_figures admits only MEASURES
            raise KeyError(measure)
        out[k] = float(v)
    return out
