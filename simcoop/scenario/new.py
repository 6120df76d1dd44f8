"""``simcoop new``: a scenario for a new territory from the questions an analyst can answer.

The questions (territory, opening, population and job seekers or a zones file, the team
in people and working time, the sites and when they open, the start-up funds, each
funder with its amount, kind and payment) each have a default and are checked when
answered. The answers become a commented YAML scenario, which is then loaded like any
file: what is written always validates.

Answers come from a terminal (a wrong answer is asked again, with the reason) or from a
script on standard input, one answer a line (an empty line takes the default; the end of
the input takes the defaults of every remaining question; a wrong answer stops with the
number of the answer, the question and the reason).
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

__all__ = ["Answers", "NewScenarioError", "ask_questions", "estimate_accueils", "plain_number", "scenario_text", "write_new_scenario"]

#: France Travail A-B-C job seekers per inhabitant, 2024, national (about 5.4 M for 68 M): the default ratio.
JOB_SEEKERS_PER_INHABITANT = 0.079
#: INSEE business creations a year per inhabitant, 2024, national (about 1.1 M for 68 M): the default ratio.
CREATIONS_PER_INHABITANT = 0.016

FUNDING_KINDS = {
    "fixed": "EUR a year",
    "per_supported": "EUR a year per person supported",
    "per_accueil": "EUR per accueil",
    "per_cesa_start": "EUR per CESA started",
    "per_rsa_entrant": "EUR per RSA recipient who enters",
}
PAYMENTS = ("monthly", "quarterly", "annual")


class NewScenarioError(ValueError):
    """A scripted answer is not valid: says which answer, to which question, and why."""


# --------------------------------------------------------------------------- parsing answers


def plain_number(text: str) -> float:
    """A number as people type it: ``190 000``, ``190000``, ``60 000 €``, ``1,5`` (decimal comma), ``1,500,000``."""
    cleaned = re.sub(r"[\s\u00a0\u202f_€]|EUR|eur", "", text)
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", cleaned):
        cleaned = cleaned.replace(",", "")  # 1,500,000: thousands separators
    elif cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")  # 1,5: a decimal comma
    try:
        return float(cleaned)
    except ValueError:
        raise ValueError(f"{text!r} is not a number (write e.g. 190000 or 190 000)") from None


def number(low: float | None = None, high: float | None = None, integer: bool = False) -> Callable[[str], float]:
    """A parser of a number within [low, high]."""

    def parse(text: str) -> float:
        value = plain_number(text)
        if integer and value != int(value):
            raise ValueError(f"{text!r}: a whole number is needed")
        if low is not None and value < low:
            raise ValueError(f"{text!r}: at least {low:g}")
        if high is not None and value > high:
            raise ValueError(f"{text!r}: at most {high:g}")
        return int(value) if integer else value

    return parse


def percent(text: str) -> float:
    """A share of full time written as a percentage (``50``, ``50 %``), returned as a fraction."""
    value = plain_number(text.replace("%", ""))
    if 0 < value <= 1 and "%" not in text:
        raise ValueError(f"{text!r}: write a percentage, e.g. 50 for half time ({value:g} would be {value:g} %)")
    if not 0 < value <= 100:
        raise ValueError(f"{text!r}: a percentage of full time between 1 and 100")
    return value / 100.0


def year_month(text: str) -> str:
    """A month written YYYY-MM (``2027-01``); ``01/2027`` and ``2027/1`` are understood too."""
    t = text.strip()
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})", t) or None
    if m is None:
        m2 = re.fullmatch(r"(\d{1,2})[-/.](\d{4})", t)
        if m2 is not None:
            t = f"{m2.group(2)}-{m2.group(1)}"
            m = re.fullmatch(r"(\d{4})-(\d{1,2})", t)
    if m is None:
        if re.fullmatch(r"\d{1,2}", t):
            raise ValueError(f"{text!r}: a month needs its year: YYYY-MM, e.g. 2027-{int(t):02d}")
        raise ValueError(f"{text!r}: write the month as YYYY-MM, e.g. 2027-01")
    month = int(m.group(2))
    if not 1 <= month <= 12:
        raise ValueError(f"{text!r}: the month must be between 01 and 12")
    return f"{m.group(1)}-{month:02d}"


def text(max_length: int = 120) -> Callable[[str], str]:
    """A non-empty line of text."""

    def parse(value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("an answer is needed")
        if len(value) > max_length:
            raise ValueError(f"at most {max_length} characters")
        return value

    return parse


def slug(value: str) -> str:
    """A short name for files: letters, digits, ``_`` and ``-``."""
    value = value.strip()
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,60}", value):
        raise ValueError(f"{value!r}: letters without accents, digits, _ and - only (e.g. pays_de_brie)")
    return value


def choice(options: tuple[str, ...] | list[str]) -> Callable[[str], str]:
    """One of ``options`` (a unique prefix is enough)."""

    def parse(value: str) -> str:
        v = value.strip().lower()
        hits = [o for o in options if o == v] or [o for o in options if o.startswith(v)]
        if len(hits) != 1:
            raise ValueError(f"{value!r}: one of {', '.join(options)}")
        return hits[0]

    return parse


def _slugify(name: str) -> str:
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "_", ascii_name).strip("_").lower()[:60] or "territoire"


def _month_offset(month: str, months: int) -> str:
    y, m = (int(x) for x in month.split("-"))
    total = y * 12 + (m - 1) + months
    return f"{total // 12}-{total % 12 + 1:02d}"


def estimate_accueils(job_seekers: float, creations: float) -> float:
    """Accueils a year at maturity for a territory served from one site: the demand model's potential.

    ``penetration_per_job_seeker_per_year x job seekers + penetration_per_creation_per_year x
    creations``, with the calibrated defaults of ``territory.demand`` (docs/territory.md).
    """
    from simcoop.scenario import Demand

    fields = Demand.model_fields
    a = float(fields["penetration_per_job_seeker_per_year"].default)
    b = float(fields["penetration_per_creation_per_year"].default)
    return a * job_seekers + b * creations


# --------------------------------------------------------------------------- asking


class Asker:
    """Asks questions on ``stdin``/``stdout``: again on a wrong answer when interactive, else stops."""

    def __init__(self, stdin: IO[str], stdout: IO[str], interactive: bool) -> None:
        self.stdin = stdin
        self.stdout = stdout
        self.interactive = interactive
        self.count = 0
        self.ended = False

    def ask(self, prompt: str, default: Any, parse: Callable[[str], Any], help_text: str = "") -> Any:
        shown = "" if default is None or default == "" else f" [{default}]"
        while True:
            if help_text and self.interactive:
                print(f"  ({help_text})", file=self.stdout)
            print(f"{prompt}{shown}: ", end="", file=self.stdout, flush=True)
            line = "" if self.ended else self.stdin.readline()
            if line == "":
                self.ended = True
            self.count += 1
            answer = line.rstrip("\r\n").strip()
            if not self.interactive:
                print(answer if answer else "(default)", file=self.stdout)
            if answer == "":
                if default is None:
                    error = "an answer is needed"
                else:
                    return parse(str(default)) if not isinstance(default, str) or default else default
            else:
                try:
                    return parse(answer)
                except ValueError as exc:
                    error = str(exc)
            if not self.interactive or self.ended:
                raise NewScenarioError(f"answer {self.count} ({prompt!r}): {error}")
            print(f"  ! {error}", file=self.stdout)


@dataclass
class Site:
    name: str
    opening_month: str | None
    rent_eur_per_month: float
    fte_at_opening: float | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass
class Funder:
    funder: str
    kind: str
    amount_eur: float
    first_month: str
    last_month: str
    payment: str
    payment_lag_months: int
    ceiling_eur_per_year: float | None = None


@dataclass
class Answers:
    """Everything ``simcoop new`` asked, as plain values (what ``scenario_text`` writes)."""

    territory_name: str
    name: str
    start_month: str
    years: int
    zones_file: str | None = None
    population: float | None = None
    job_seekers: float | None = None
    creations: float | None = None
    accueils_per_year: float | None = None
    accompaniment_people: int = 2
    accompaniment_time: float = 1.0
    support_people: int = 1
    support_time: float = 1.0
    sites: list[Site] = field(default_factory=list)
    initial_treasury_eur: float = 60000.0
    initial_capital_eur: float = 20000.0
    funders: list[Funder] = field(default_factory=list)

    @property
    def fte_at_opening(self) -> float:
        """Accompaniment FTE of the head office: people x share of full time."""
        return round(self.accompaniment_people * self.accompaniment_time, 4)

    @property
    def support_fte_at_opening(self) -> float:
        """Management, administration and accounting FTE: people x share of full time."""
        return round(self.support_people * self.support_time, 4)


def ask_questions(asker: Asker, today: date | None = None) -> Answers:
    """Ask every question in order; return the answers (raise NewScenarioError on a bad scripted answer)."""
    today = today or date.today()
    say = lambda line="": print(line, file=asker.stdout)
    say("A new scenario: a few questions, each with a default in [brackets] (Enter keeps it).")
    say()
    say("-- The territory")
    territory = asker.ask("Territory name, as the report will show it", "Mon territoire", text())
    name = asker.ask("Short name for the files (letters, digits, _ and -)", _slugify(territory), slug)
    start = asker.ask("Opening month of the CAE (YYYY-MM)", f"{today.year + 1}-01", year_month)
    years = asker.ask("Years to simulate from the opening", 10, number(1, 30, integer=True))
    answers = Answers(territory_name=territory, name=name, start_month=start, years=int(years))

    read: list[dict[str, Any]] = []  # the zones of the file, for the sites' coordinates

    def zones_path(value: str) -> str:
        if value.strip().lower() in ("", "no", "non", "none"):
            return ""
        path = Path(value.strip()).expanduser()
        if not path.is_file():
            raise ValueError(f"no file {value.strip()!r} (give its path, or leave empty to give totals)")
        from simcoop.scenario import ScenarioError
        from simcoop.scenario.tables import read_zones

        try:
            zones = read_zones(path)
        except ScenarioError as exc:
            raise ValueError("; ".join(str(p) for p in exc.problems[:3])) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"{value.strip()}: {exc}") from None
        if not zones:
            raise ValueError(f"{value.strip()}: no zone in the file")
        read.extend(zones)
        return str(path.resolve())

    say()
    say("-- Where the accueils come from")
    zones = asker.ask(
        "Zones file (CSV: zone_code, name, population, job_seekers_abc, business_creations_per_year), or empty to give totals",
        "",
        zones_path,
        "docs/territory.md lists the columns and where to find the figures",
    )
    if zones:
        answers.zones_file = zones
    else:
        population = asker.ask("Inhabitants of the territory", 200000, number(1000, 20_000_000, integer=True))
        seekers = asker.ask(
            "Job seekers registered in categories A, B and C (France Travail)",
            round(population * JOB_SEEKERS_PER_INHABITANT),
            number(0, population, integer=True),
            f"default: {JOB_SEEKERS_PER_INHABITANT:.1%} of inhabitants, the national ratio",
        )
        creations = asker.ask(
            "Business creations a year (INSEE, micro-entrepreneurs included)",
            round(population * CREATIONS_PER_INHABITANT),
            number(0, population, integer=True),
            f"default: {CREATIONS_PER_INHABITANT:.1%} of inhabitants, the national ratio",
        )
        estimate = estimate_accueils(seekers, creations)
        say(f"  estimate from the demand model: {estimate:,.0f} accueils a year at maturity (docs/new_territory.md)")
        accueils = asker.ask("Accueils a year at maturity", round(estimate), number(1, 100_000))
        answers.population, answers.job_seekers, answers.creations = population, seekers, creations
        answers.accueils_per_year = accueils

    say()
    say("-- The team at opening (it grows with the number of entrepreneurs)")
    answers.accompaniment_people = asker.ask(
        "People who accompany entrepreneurs (chargés d'accompagnement) at the head office",
        2,
        number(1, 50, integer=True),
    )
    answers.accompaniment_time = asker.ask("Their working time on accompaniment, % of full time", 100, percent)
    answers.support_people = asker.ask(
        "People for management, administration and accounting",
        1,
        number(0, 50, integer=True),
        "a director who also accompanies half time counts in both: 1 person at 50 % in each",
    )
    if answers.support_people:
        answers.support_time = asker.ask("Their working time on those tasks, % of full time", 100, percent)

    say()
    say("-- The sites")
    # With zones, travel times come from coordinates: the sites need theirs (defaults: the
    # most populous zones' centres), unless the file gives travel_minutes_<site> columns.
    located = [z for z in read if z.get("lat") not in (None, "") and z.get("lon") not in (None, "")]
    located.sort(key=lambda z: -float(z.get("population") or 0))

    def where(site: Site, k: int) -> None:
        if not located:
            return
        zone = located[min(k, len(located) - 1)]
        site.lat = asker.ask(f"{site.name}: latitude (WGS84, for travel times)", float(zone["lat"]), number(-90, 90))
        site.lon = asker.ask(f"{site.name}: longitude (WGS84)", float(zone["lon"]), number(-180, 180))

    head = asker.ask("Head office: name", "siège", text(60))
    rent = asker.ask("Head office: rent and charges a month (EUR)", 1500, number(0, 100_000))
    answers.sites.append(Site(head, None, rent))
    where(answers.sites[0], 0)
    antennas = asker.ask("Antennas (other sites), how many", 0, number(0, 20, integer=True))
    for k in range(1, int(antennas) + 1):
        names = {s.name for s in answers.sites}

        def unique(value: str, names: set[str] = names) -> str:
            value = text(60)(value)
            if value in names:
                raise ValueError(f"{value!r} is already a site")
            return value

        def after_opening(value: str) -> str:
            month = year_month(value)
            if month < start:
                raise ValueError(f"{month} is before the opening ({start})")
            return month

        a_name = asker.ask(f"Antenna {k}: name", f"antenne {k}", unique)
        a_open = asker.ask(f"Antenna {k}: opening month (YYYY-MM)", _month_offset(start, 12 * k), after_opening)
        a_rent = asker.ask(f"Antenna {k}: rent and charges a month (EUR)", 700, number(0, 100_000))
        a_fte = asker.ask(f"Antenna {k}: accompaniment FTE when it opens", 0.5, number(0, 20))
        answers.sites.append(Site(a_name, a_open, a_rent, a_fte))
        where(answers.sites[-1], k)

    say()
    say("-- Money at opening")
    answers.initial_treasury_eur = asker.ask(
        "Start-up funds beyond capital (grants, quasi-equity, loans), EUR", 60000, number(0, 10_000_000)
    )
    answers.initial_capital_eur = asker.ask(
        "Capital subscribed at opening by founders and partners, EUR", 20000, number(0, 10_000_000)
    )

    say()
    say("-- Public funding: one convention per funder (empty name when done)")
    k = 0
    while True:
        k += 1
        funder = asker.ask(
            f"Funder {k}: name (e.g. Région, Département, EPCI, FSE+), empty when done", "", lambda v: v.strip()
        )
        if not funder:
            break
        kind = asker.ask(
            f"{funder}: kind ({', '.join(f'{key} = {unit}' for key, unit in FUNDING_KINDS.items())})",
            "fixed",
            choice(tuple(FUNDING_KINDS)),
        )
        amount = asker.ask(f"{funder}: amount ({FUNDING_KINDS[kind]})", None, number(0, 100_000_000))
        ceiling = None
        if kind != "fixed":
            ceiling = asker.ask(f"{funder}: ceiling a year in EUR (0 for none)", 0, number(0, 100_000_000)) or None
        first = asker.ask(f"{funder}: first month (YYYY-MM)", start, year_month)

        def not_before(value: str, first: str = first) -> str:
            month = year_month(value)
            if month < first:
                raise ValueError(f"{month} is before the first month ({first})")
            return month

        last = asker.ask(f"{funder}: last month (YYYY-MM)", _month_offset(first, 35), not_before)
        payment = asker.ask(f"{funder}: paid {'/'.join(PAYMENTS)}", "quarterly", choice(PAYMENTS))
        lag = asker.ask(f"{funder}: months of delay before it is paid", 0, number(0, 36, integer=True))
        answers.funders.append(Funder(funder, kind, amount, first, last, payment, int(lag), ceiling))
    return answers


# --------------------------------------------------------------------------- writing


def _q(value: Any) -> str:
    """A YAML scalar: strings quoted (JSON is valid YAML), numbers as written."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value)


def scenario_text(answers: Answers, scenario_path: Path) -> str:
    """The commented YAML scenario of ``answers``, to be written at ``scenario_path``."""
    a = answers
    lines = [
        f"# Scenario for {a.territory_name}, written by `simcoop new` on {date.today().isoformat()}.",
        "# Every value not below takes its documented default (docs/scenario.md, `simcoop schema`);",
        "# `simcoop validate` on this file prints the figures it implies. Guide: docs/new_territory.md.",
        "meta:",
        f"  name: {_q(a.name)}",
        f"  territory_name: {_q(a.territory_name)}",
        f"  start_month: {a.start_month}",
        f"  horizon_months: {12 * a.years}",
        "",
        "territory:",
    ]
    if a.zones_file:
        zones = Path(a.zones_file)
        try:
            shown = os.path.relpath(zones, scenario_path.parent.resolve())
        except ValueError:  # another drive (Windows)
            shown = str(zones)
        lines += [
            f"  zones_file: {_q(shown)}   # the accueils come from the zones (docs/territory.md)",
            "  rampup_months: 36            # notoriety after opening: 2-3 years to autonomy (docs/sources.md)",
        ]
    else:
        lines += [
            f"  # {a.population:,.0f} inhabitants, {a.job_seekers:,.0f} job seekers A-B-C, {a.creations:,.0f} creations a year:",
            f"  # the demand model's estimate is {estimate_accueils(a.job_seekers or 0, a.creations or 0):,.0f} accueils a year at maturity.",
            f"  accueils_per_year_at_maturity: {_q(float(a.accueils_per_year or 0))}",
            "  rampup_months: 36            # notoriety after opening: 2-3 years to autonomy (docs/sources.md)",
        ]
    lines += [
        "",
        "activities:",
        "  # The reference scenario's four sectors (turnover and margins: docs/sources.md); set their shares to the trades expected here.",
        "  sectors:",
        "    - {name: conseil_formation, share: 0.35, turnover_median_eur_per_year: 20000, gross_margin_rate: 0.85, payment_delay_days: 45}",
        "    - {name: artisanat_batiment, share: 0.20, turnover_median_eur_per_year: 28000, gross_margin_rate: 0.55, payment_delay_days: 30}",
        "    - {name: services_a_la_personne, share: 0.25, turnover_median_eur_per_year: 14000, gross_margin_rate: 0.85, payment_delay_days: 10}",
        "    - {name: culture_communication, share: 0.20, turnover_median_eur_per_year: 16000, gross_margin_rate: 0.75, payment_delay_days: 50}",
        "",
        "cooperative:",
        "  staff:",
        (
            f"    # {a.accompaniment_people} {'person' if a.accompaniment_people == 1 else 'people'} accompanying at "
            f"{a.accompaniment_time:.0%} of full time at the head office (docs/new_territory.md: people -> FTE)"
        ),
        f"    fte_at_opening: {_q(a.fte_at_opening)}",
        f"    # {a.support_people} {'person' if a.support_people == 1 else 'people'} for management, administration and accounting"
        + (f" at {a.support_time:.0%} of full time" if a.support_people else ""),
        f"    support_fte_at_opening: {_q(a.support_fte_at_opening)}",
        "  sites:",
    ]
    for k, site in enumerate(a.sites):
        fields = [f"name: {_q(site.name)}"]
        if site.opening_month:
            fields.append(f"opening_month: {site.opening_month}")
        fields.append(f"rent_eur_per_month: {_q(site.rent_eur_per_month)}")
        if site.fte_at_opening is not None:
            fields.append(f"fte_at_opening: {_q(site.fte_at_opening)}")
        if site.lat is not None and site.lon is not None:
            fields += [f"lat: {site.lat:.4f}", f"lon: {site.lon:.4f}"]
        note = "   # head office: its team is staff.fte_at_opening" if k == 0 else "   # an antenna, with its own team"
        lines.append(f"    - {{{', '.join(fields)}}}{note}")
    lines += [
        f"  initial_treasury_eur: {_q(a.initial_treasury_eur)}   # start-up funds beyond capital",
        f"  initial_capital_eur: {_q(a.initial_capital_eur)}     # capital subscribed at opening",
    ]
    if a.funders:
        lines.append("  public_funding:")
        for f in a.funders:
            fields = [f"funder: {_q(f.funder)}", f"kind: {f.kind}", f"amount_eur: {_q(f.amount_eur)}"]
            if f.ceiling_eur_per_year:
                fields.append(f"ceiling_eur_per_year: {_q(f.ceiling_eur_per_year)}")
            fields += [f"first_month: {f.first_month}", f"last_month: {f.last_month}", f"payment: {f.payment}"]
            if f.payment_lag_months:
                fields.append(f"payment_lag_months: {f.payment_lag_months}")
            lines.append(f"    - {{{', '.join(fields)}}}")
    else:
        lines.append("  public_funding: []   # no convention: add one per funder (docs/scenario.md)")
    lines += [
        "",
        "simulation:",
        "  replications: 200",
        "  seed: 1",
        "",
    ]
    return "\n".join(lines)


def write_new_scenario(
    path: Path | None,
    stdin: IO[str] | None = None,
    stdout: IO[str] | None = None,
    force: bool = False,
    interactive: bool | None = None,
) -> Path:
    """Ask the questions, write the scenario (at ``path``, or ``<name>.yaml``), load it to check it; return its path.

    Raises NewScenarioError for a bad scripted answer or a file that exists (without ``force``),
    and ScenarioError if the written file did not validate (it is then removed).
    """
    from simcoop._atomic import write_text_atomically
    from simcoop.scenario import ScenarioError, load_scenario

    stdin = stdin if stdin is not None else sys.stdin
    stdout = stdout if stdout is not None else sys.stdout
    if interactive is None:
        interactive = stdin.isatty()
    if path is not None and path.exists() and not force:
        raise NewScenarioError(f"{path} exists; use --force to overwrite it, or give another file name")
    answers = ask_questions(Asker(stdin, stdout, interactive))
    target = path if path is not None else Path(f"{answers.name}.yaml")
    if target.exists() and not force:
        raise NewScenarioError(f"{target} exists; use --force to overwrite it, or give another file name")
    copied = _zones_beside(answers, target, force)
    if copied is not None:
        stdout.write(f"copied the zones file to {copied}: a scenario's attached files live in its folder\n")
    write_text_atomically(target, scenario_text(answers, target))
    try:
        load_scenario(target)
    except ScenarioError:
        target.unlink(missing_ok=True)
        if copied is not None:
            copied.unlink(missing_ok=True)
        raise
    return target


def _zones_beside(answers: Answers, target: Path, force: bool) -> Path | None:
    """Copy a zones file from outside the scenario's folder beside it (the loader reads attached files
    only inside that folder, docs/scenario.md); return the copy, or None when it is already inside."""
    import shutil

    if not answers.zones_file:
        return None
    source = Path(answers.zones_file).resolve()
    folder = target.parent.resolve()
    if source.is_relative_to(folder):
        return None
    copy = target.parent / f"{target.stem}_zones.csv"
    if copy.exists() and not force and copy.read_bytes() != source.read_bytes():
        raise NewScenarioError(f"{copy} exists (the zones file would be copied there); use --force, or give another file name")
    shutil.copyfile(source, copy)
    answers.zones_file = str(copy.resolve())
    return copy
