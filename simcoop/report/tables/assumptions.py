"""The report's tables as plain data: French labels and formatted cells, no HTML.

Each builder takes a :class:`~simcoop.report.data.RunData` and returns dicts, lists
and :class:`Table` objects that the template lays out. Across replications a cell shows
the median and, below it, the 5-95 % range ("de p5 à p95").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from simcoop.report import labels as L
from simcoop.report.data import RunData
from simcoop.report.format import (
    DASH,
    NBSP,
    fmt_eur,
    fmt_int,
    fmt_keur,
    fmt_month,
    fmt_month_index,
    fmt_number,
    fmt_pct,
    fmt_range,
    is_missing,
)

__all__ = [
    "Cell",
    "Row",
    "Table",
    "assumptions_register",
    "cash_plan",
    "conventions_table",
    "creation_table",
    "criteria_rows",
    "economy_table",
    "exits_table",
    "financing_plan",
    "format_value",
    "funding_needed",
    "funding_table",
    "income_statement",
    "key_figures",
    "provenance",
    "public_efficiency_table",
    "quantiles",
    "schema_descriptions",
    "sectors_table",
    "sensitivity_table",
]


@dataclass(frozen=True)
class Cell:
    """A table cell: the main text (a median, a value) and an optional range below it."""

    text: str
    sub: str = ""


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Cell, ...]
    kind: str = ""  # "" | "total" | "head" (a sub-heading row) | "muted"


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[Row, ...]
    caption: str = ""
    note: str = ""
    compact: bool = False  # small type for wide tables
    long: bool = False  # may break across pages (rows never do)
    first_col: str = ""  # header of the label column
    text: bool = False  # cells are words: left-aligned, wrapped
    extra: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- helpers


def quantiles(values: Iterable[Any]) -> tuple[float, float, float]:
    """(p5, p50, p95) of the non-missing values; NaNs when there are none."""
    array = pd.to_numeric(pd.Series(list(values) if not isinstance(values, pd.Series) else values), errors="coerce")
    array = array.astype(float).to_numpy()
    array = array[~np.isnan(array)]
    if array.size == 0:
        return (np.nan, np.nan, np.nan)
    p5, p50, p95 = np.quantile(array, [0.05, 0.5, 0.95])
    return (float(p5), float(p50), float(p95))


def _cell(values: Iterable[Any], fmt: Callable[[Any], str], with_range: bool = True) -> Cell:
    p5, p50, p95 = quantiles(values)
    text = fmt(p50)
    sub = fmt_range(p5, p95, fmt) if with_range else ""
    return Cell(text, "" if sub == text else sub)


def _by_year(frame: pd.DataFrame, column: str) -> dict[int, pd.Series]:
    return {int(year): group for year, group in frame.groupby("year")[column]}


def _years(run: RunData) -> list[int]:
    return sorted(int(y) for y in run.yearly["year"].unique())


def _year_label(run: RunData, year: int) -> str:
    months = run.yearly.loc[run.yearly["year"] == year, "months"]
    partial = len(months) and int(months.iloc[0]) < 12
    return f"{year}*" if partial else str(year)


def _partial_note(run: RunData) -> str:
    months = run.yearly.groupby("year")["months"].first()
    partial = [f"{int(y)} ({int(m)} mois)" for y, m in months.items() if int(m) < 12]
    return f"* Année partielle : {', '.join(partial)}." if partial else ""


def _monthly_by_year(run: RunData, columns: list[str], how: str = "sum") -> pd.DataFrame:
    """Monthly columns aggregated per replication and calendar year (sum, or the last month's value)."""
    monthly = run.monthly.copy()
    monthly["year"] = pd.to_datetime(monthly["date"]).dt.year
    grouped = monthly.sort_values("month").groupby(["replication", "year"])[columns]
    return (grouped.sum() if how == "sum" else grouped.last()).reset_index()


def _keur(value: Any) -> str:
    return fmt_keur(value)


# --------------------------------------------------------------------------- page one


def _ci(low: Any, high: Any) -> str:
    """``IC 95 % : 7 à 19 %``."""
    span = fmt_range(low, high, fmt_pct)
    return f"IC 95{NBSP}%{NBSP}: {span.removeprefix('de ')}"


def criteria_rows(run: RunData) -> list[dict[str, Any]]:
    """One dict per viability criterion: label, status, the sentence that ties it to its figure."""
    verdict = run.verdict or {}
    years = run.horizon_months / 12
    horizon = f"{fmt_number(years, 0 if years.is_integer() else 1)} ans"
    reasons = list(verdict.get("reasons", []))
    rows = []
    for c in verdict.get("criteria", []):
        key, d = c["key"], c.get("detail", {})
        met, borderline = bool(c["met"]), bool(c["borderline"])
        if key == "insolvency":
            where = (
                "au-dessus du"
                if c["value"] > c["threshold"]
                else "sous le"
                if c["value"] < c["threshold"]
                else "égale au"
            )
            sentence = (
                f"Probabilité d'insolvabilité sur {horizon} : {fmt_pct(c['value'])} "
                f"({_ci(c['ci_low'], c['ci_high'])}), {where} seuil de {fmt_pct(c['threshold'])}."
            )
            month = d.get("median_insolvency_month")
            tq = d.get("min_coop_treasury_eur") or {}
            more = (
                f"La trésorerie propre de la coopérative passe sous le découvert autorisé de "
                f"{fmt_eur(d.get('overdraft_eur'))} dans {fmt_int(d.get('insolvent_replications'))} "
                f"réplications sur {fmt_int(verdict.get('replications'))}"
            )
            if not is_missing(month):
                more += f", en médiane en {fmt_month_index(month, run.start_month)}"
            more += (
                f" ; point bas médian : {fmt_eur(tq.get('p50'))} ({fmt_range(tq.get('p5'), tq.get('p95'), fmt_eur)})."
            )
        elif key == "break_even":
            by = d.get("by_year")
            be = d.get("break_even_month") or {}
            sentence = (
                f"Retour à l'équilibre au plus tard en année {by} : atteint dans {fmt_pct(c['value'])} des réplications "
                f"({_ci(c['ci_low'], c['ci_high'])}) ; il en faut au moins {fmt_pct(c['threshold'])}."
            )
            if not is_missing(be.get("p50")):
                more = (
                    f"Le résultat glissant sur 12 mois devient durablement positif en {fmt_month_index(be.get('p50'), run.start_month)} "
                    f"en médiane (entre {fmt_month_index(be.get('p5'), run.start_month)} et {fmt_month_index(be.get('p95'), run.start_month)})"
                )
                never = d.get("never_replications") or 0
                more += f" ; jamais atteint dans {fmt_int(never)} réplications." if never else "."
            else:
                more = "L'équilibre n'est atteint dans aucune réplication."
            if d.get("within_horizon") is False:
                more += " L'année exigée dépasse l'horizon simulé."
        elif key == "public_share":
            ps = d.get("public_share") or {}
            sentence = (
                f"Part du financement public dans le budget en année {d.get('year')} : {fmt_pct(ps.get('p50'))} en médiane "
                f"({fmt_range(ps.get('p5'), ps.get('p95'), fmt_pct)}) ; plafond de {fmt_pct(d.get('max_public_share'))} "
                f"respecté dans {fmt_pct(c['value'])} des réplications ({_ci(c['ci_low'], c['ci_high'])})."
            )
            more = "" if d.get("within_horizon", True) else "L'année de contrôle dépasse l'horizon simulé."
        else:  # a criterion added later: say what we know
            sentence = f"{key} : {fmt_number(c['value'], 2)} (seuil {fmt_number(c['threshold'], 2)})."
            more = ""
        status = "limit" if met and borderline else "met" if met else "missed"
        rows.append(
            {
                "key": key,
                "label": L.CRITERION_LABELS.get(key, key),
                "status": status,
                "status_label": {"met": "respecté", "missed": "non respecté", "limit": "respecté de justesse"}[status]
                + (" (incertain)" if borderline and not met else ""),
                "sentence": sentence,
                "detail": more,
                "decisive": key in reasons,
            }
        )
    rows.sort(key=lambda r: (not r["decisive"], reasons.index(r["key"]) if r["decisive"] else 0))
    return rows


def key_figures(run: RunData) -> list[dict[str, str]]:
    """The five figures that matter, with their 5-95 % ranges."""
    figures = (run.verdict or {}).get("figures", {})
    kpis = run.kpis

    def q(name: str, kpi: str | None = None) -> dict[str, Any]:
        if name in figures:
            return figures[name]
        if kpi and kpi in kpis:
            p5, p50, p95 = quantiles(kpis[kpi])
            return {"p5": p5, "p50": p50, "p95": p95}
        return {}

    years = run.horizon_months / 12
    horizon = f"{fmt_number(years, 0 if years.is_integer() else 1)} ans"
    last_year = _years(run)[-1] if len(run.yearly) else ""
    items = [
        ("Personnes accompagnées", f"entrées en parcours sur {horizon}", q("people_supported"), fmt_int),
        (
            "Emplois créés",
            f"équivalents temps plein en {last_year}",
            q("jobs_fte_final_year", "jobs_fte_final_year"),
            lambda v: fmt_number(v, 0),
        ),
        (
            "Coût public total",
            f"financements reçus et étude, sur {horizon}",
            q("public_cost_eur", "public_funding_eur"),
            fmt_eur,
        ),
        (
            "Coût public par personne",
            "accompagnée",
            q("public_cost_per_supported_eur", "public_funding_per_supported_eur"),
            fmt_eur,
        ),
        (
            "Trésorerie propre au plus bas",
            "point bas de la coopérative",
            q("min_coop_treasury_eur", "min_coop_treasury_eur"),
            fmt_eur,
        ),
    ]
    out = []
    for label, unit, qq, fmt in items:
        out.append(
            {
                "label": label,
                "unit": unit,
                "value": fmt(qq.get("p50")),
                "range": fmt_range(qq.get("p5"), qq.get("p95"), fmt),
            }
        )
    return out


def funding_needed(run: RunData) -> dict[str, Any]:
    """The funding needed, from solve.json when present; otherwise how to get it."""
    solve = run.solve
    if not solve:
        return {
            "available": False,
            "text": "Financement nécessaire non calculé : lancer « simcoop solve » sur ce scénario "
            "pour trouver le financement public annuel minimal qui respecte les critères.",
        }
    target = solve.get("target", "funding")
    value, spread = solve.get("value"), solve.get("spread") or [None, None]
    if target == "funding":
        fmt: Callable[[Any], str] = fmt_eur
        what = "Financement public minimal"
        unit = " par an"
    elif target == "accueils":
        fmt, what, unit = fmt_int, "Flux d'accueils minimal", " accueils par an"
    else:
        fmt, what, unit = (lambda v: fmt_pct(v, 1)), "Taux de contribution", ""
    parts = [f"{what} : {fmt(value)}{unit}"]
    if solve.get("funder") and "solveur" not in str(solve["funder"]):
        parts.append(f"de {solve['funder']}")
    if solve.get("years") and solve.get("first_month"):
        parts.append(f"pendant {fmt_int(solve['years'])} ans à partir de {fmt_month(solve['first_month'])}")
    text = " ".join(parts)
    if spread and not any(is_missing(x) for x in spread):
        text += f" (incertitude : {fmt_range(spread[0], spread[1], fmt)})"
    text += "."
    if not is_missing(solve.get("insolvency_probability")):
        ci = solve.get("insolvency_ci") or [None, None]
        text += (
            f" À ce niveau, la probabilité d'insolvabilité est de {fmt_pct(solve['insolvency_probability'])} "
            f"({_ci(ci[0], ci[1])})"
        )
        outcome = solve.get("outcome_at_solution")
        label = L.OUTCOME_LABELS.get(outcome, outcome).lower().removeprefix("avis ")
        text += f" et l'avis serait {label}." if outcome else "."
    if solve.get("met") is False:
        if is_missing(value):
            text = "Aucun niveau essayé ne respecte les critères d'insolvabilité et d'équilibre. " + text
        else:
            text += (
                " Ce niveau respecte les critères d'insolvabilité et d'équilibre, mais pas celui de la part du "
                "financement public, qu'un financement supplémentaire ne peut qu'aggraver."
            )
    if solve.get("replications"):
        text += f" Recherche sur {fmt_int(solve['replications'])} réplications."
    return {"available": True, "text": text, "met": solve.get("met")}


# --------------------------------------------------------------------------- assumptions


@lru_cache(maxsize=1)
def schema_descriptions() -> dict[str, dict[str, Any]]:
    """Dotted key (list indices dropped) -> {description, default} from the scenario's JSON Schema."""
    try:
        from simcoop.scenario import Scenario
    except ImportError:  # pragma: no cover - the schema is a nicety
        return {}
    schema = Scenario.model_json_schema()
    defs = schema.get("$defs", {})
    out: dict[str, dict[str, Any]] = {}

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = defs[node["$ref"].split("/")[-1]]
        for option in node.get("anyOf", []):
            if "$ref" in option or option.get("type") == "object":
                return resolve(option)
        return node

    def walk(node: dict[str, Any], path: str) -> None:
        node = resolve(node)
        if node.get("type") == "array" and isinstance(node.get("items"), dict):
            walk(node["items"], path)
            return
        for name, prop in node.get("properties", {}).items():
            dotted = f"{path}.{name}" if path else name
            out[dotted] = {"description": prop.get("description", ""), "default": prop.get("default", "<required>")}
            walk(prop, dotted)

    walk(schema, "")
    return out


_DOMAIN = re.compile(r"DOMAIN(?:\.md)? §(\d+)")
_PARENS = re.compile(r"\s*\([^()]*\)")
_SENTENCE_END = re.compile(r"(?<!\bart)(?<!\bff)(?<!\barts)\.(?=\s|$)|;")


def source_of(description: str) -> str:
    """The source of a key from its schema description, in French: references kept, "hypothèse" marked."""
    if not description:
        return "Choix du scénario"
    refs = ""
    text = description
    while _PARENS.search(text):
        text = _PARENS.sub("", text)
    match = re.search(r"Source:\s*(.+)", text)
    if match:
        refs = _SENTENCE_END.split(match.group(1), maxsplit=1)[0].strip().rstrip(",")
        refs = _DOMAIN.sub(lambda m: f"notes de domaine §{m.group(1)}", refs)
        refs = refs.replace(" ff.", " et s.").replace("Same source", "").strip()
        if refs and refs[0].islower() and not re.match(r"\S*[._]", refs):
            refs = refs[0].upper() + refs[1:]
    assumption = "assumption" in description.lower()
    if refs and assumption:
        return f"{refs} ; valeur : hypothèse"
    if refs:
        return refs
    if assumption:
        return "Hypothèse (à calibrer)"
    return "Choix du scénario"


def _plain(value: float) -> str:
    value = float(value)
    if value.is_integer():
        return fmt_int(value)
    return fmt_number(value, 2).rstrip("0").rstrip(",")


def format_value(key: str, value: Any) -> str:
    """A scenario value with its unit, in French, from the key's suffix."""
    leaf = key.rsplit(".", 1)[-1]
    if "*" in key and isinstance(value, (int, float)):  # a grouped key's value is a factor
        return "× " + fmt_number(float(value), 2).rstrip("0").rstrip(",")
    if value is None:
        return {
            "cape_rate": "taux du CESA",
            "rules_month": "règles de chaque mois",
            "opening_month": "à l'ouverture",
            "ceiling_eur_per_year": "aucun",
            "initial_capital_eur": "apporté à la constitution",
        }.get(leaf, "non renseigné")
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, str):
        if re.fullmatch(r"\d{4}-\d{2}", value):
            return fmt_month(value)
        return L.VALUE_LABELS.get(value, value)
    if isinstance(value, dict):
        if not value:
            return "aucun"
        return " ; ".join(f"{k} : {fmt_pct(v, 1).replace(',0', '')}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        if not value:
            return "aucune"
        if leaf == "seasonality":
            return " · ".join(fmt_number(v, 1) for v in value)
        if all(isinstance(v, dict) and "above_eur_per_year" in v for v in value):
            return " ; ".join(
                f"au-delà de {fmt_eur(v['above_eur_per_year'])} par an : {fmt_pct(v['rate'], 1)}" for v in value
            )
        return ", ".join(str(v) for v in value)
    if leaf == "settlement_month":
        from simcoop.report.format import MONTHS_FR

        return MONTHS_FR[int(value) - 1]
    if leaf == "seed":
        return str(value)
    if leaf in ("break_even_by_year", "public_share_year"):
        return f"année {_plain(value)}"
    if leaf.endswith("_rate_per_year"):
        return f"{_plain(value)} par an"
    if leaf.endswith(("_eur_per_month", "_eur_per_entrepreneur_month")):
        return f"{fmt_eur(value)} par mois" + (" et par entrepreneur" if "entrepreneur" in leaf else "")
    if leaf.endswith("_eur_per_year"):
        return f"{fmt_eur(value)} par an"
    if leaf.endswith("_eur"):
        return fmt_eur(value)
    if leaf == "capital_instalment_months":
        return f"{_plain(value)} mensualités"
    if "_months" in leaf:
        return f"{_plain(value)} mois"
    if leaf.endswith("_days"):
        return f"{_plain(value)} jours"
    if "caseload" in leaf:
        return f"{_plain(value)} entrepreneurs par ETP"
    if (
        leaf.endswith(("_share", "_rate", "probability"))
        or "_rate_" in leaf
        or leaf in ("rate", "share", "own_company", "salaried_job", "stop")
    ):
        return fmt_pct(value, 0 if round(value * 100, 6).is_integer() else 1)
    if leaf in ("fte_at_opening", "support_fte_at_opening"):
        return f"{_plain(value)} ETP"
    if leaf.endswith("_per_year"):
        return f"{_plain(value)} par an"
    return _plain(value)


#: Sections walked by the register, and keys left out of it (shown elsewhere, or not used by the run).
_REGISTER_SKIP_PREFIXES = (
    "meta.name",
    "meta.description",
    "activities",
    "cooperative.public_funding",
    "creation",
    "portage",
    "territory.zones",  # the zones table and the map show them
    "warm_start.entrepreneurs",  # the roster is the CAE's own data, not an assumption
    "viability",  # page one states the criteria
)


def _leaves(data: Any, path: str = "") -> Iterable[tuple[str, Any]]:
    """(dotted key, value) of every leaf; lists of sections go by index, lists of numbers are leaves."""
    if isinstance(data, dict) and not path.endswith("sector_rates"):
        for key, value in data.items():
            yield from _leaves(value, f"{path}.{key}" if path else key)
    elif isinstance(data, list) and data and all(isinstance(v, dict) for v in data) and not path.endswith("brackets"):
        for i, item in enumerate(data):
            yield from _leaves(item, f"{path}.{i}")
    else:
        yield path, data


def _section_of(key: str) -> str:
    parts = re.sub(r"\.\d+(?=\.|$)", "", key).split(".")
    for n in (2, 1):
        candidate = ".".join(parts[:n])
        if candidate in L.SCENARIO_SECTIONS:
            return candidate
    return parts[0]


def _accueils_per_year(run: RunData) -> str:
    """The mature accueil flow the scenario implies (derived from its zones when it has them)."""
    from simcoop.scenario import ScenarioError, scenario_from_dict

    try:
        flow = scenario_from_dict(run.scenario).accueils_per_year
    except ScenarioError:  # pragma: no cover - the manifest holds a validated scenario
        return "non renseigné"
    origin = "déduit des zones du territoire" if run.scenario["territory"].get("zones") else "valeur par défaut"
    return f"{fmt_number(flow, 0)} par an ({origin})"


def assumptions_register(run: RunData) -> list[dict[str, Any]]:
    """The scenario's assumptions, grouped by section: label, value, source, and whether it is the default."""
    schema = schema_descriptions()
    groups: dict[str, list[dict[str, str]]] = {}
    for key, value in _leaves(run.scenario):
        if key.startswith(_REGISTER_SKIP_PREFIXES):
            continue
        if key == "territory.accueils_per_year_at_maturity" and value is None:
            value = _accueils_per_year(run)
        plain = re.sub(r"\.\d+(?=\.|$)", "", key)
        info = dict(schema.get(plain, {}))
        if info and not info.get("description"):  # e.g. a destination share: the parent key says where it comes from
            info["description"] = schema.get(plain.rsplit(".", 1)[0], {}).get("description", "")
        default = info.get("default", "<unknown>")
        is_default = default != "<required>" and default != "<unknown>" and _same(default, value)
        label = L.key_label(key)
        if plain.startswith("cooperative.sites.") and plain != "cooperative.sites.name":
            site = run.scenario["cooperative"]["sites"][int(key.split(".")[2])]["name"]
            label = f"{label} ({site})"
        elif plain == "cooperative.sites.name":
            continue
        groups.setdefault(_section_of(key), []).append(
            {
                "key": key,
                "label": label,
                "value": format_value(key, value),
                "source": source_of(info.get("description", "")) if info else "Choix du scénario",
                "origin": "défaut" if is_default else "scénario",
            }
        )
    order = list(L.SCENARIO_SECTIONS)
    return [
        {"title": L.SCENARIO_SECTIONS.get(section, section), "rows": rows}
        for section, rows in sorted(groups.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))
    ]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def sectors_table(run: RunData) -> Table:
    sectors = run.scenario["activities"]["sectors"]
    keys = [
        "share",
        "turnover_median_eur_per_year",
        "turnover_sigma",
        "gross_margin_rate",
        "rampup_months",
        "monthly_volatility",
        "payment_delay_days",
    ]
    header = tuple(L.key_label(f"activities.sectors.{k}") for k in keys)
    header = tuple(h + (" (par an)" if k == "turnover_median_eur_per_year" else "") for h, k in zip(header, keys))
    rows = tuple(
        Row(
            s["name"].replace("_", " "),
            tuple(
                Cell(fmt_eur(s.get(k)) if k == "turnover_median_eur_per_year" else format_value(k, s.get(k)))
                for k in keys
            ),
        )
        for s in sectors
    )
    schema = schema_descriptions()
    refs: list[str] = []
    assumption = False
    for k in keys:
        description = schema.get(f"activities.sectors.{k}", {}).get("description", "")
        assumption = assumption or "assumption" in description.lower()
        ref = source_of(description).split(" ; ")[0]
        if ref not in refs and not ref.startswith(("Hypothèse", "Choix")):
            refs.append(ref)
    note = "Sources : " + (" ; ".join(refs) if refs else "choix du scénario")
    note += " ; les valeurs par secteur sont des hypothèses du scénario, à calibrer." if assumption else "."
    return Table(header=header, rows=rows, first_col="Secteur", compact=True, note=note)


def conventions_table(run: RunData) -> Table:
    rows = []
    for c in run.scenario["cooperative"].get("public_funding", []):
        kind = c.get("kind", "fixed")
        amount = fmt_eur(c["amount_eur"]) + (" par an" if kind == "fixed" else "")
        renewals = (
            f"{fmt_int(c.get('max_renewals', 0))} × {fmt_pct(c.get('renewal_probability', 0))}"
            if c.get("max_renewals")
            else "aucun"
        )
        rows.append(
            Row(
                c["funder"],
                (
                    Cell(L.FUNDING_KIND_LABELS.get(kind, kind)),
                    Cell(amount),
                    Cell(format_value("ceiling_eur_per_year", c.get("ceiling_eur_per_year"))),
                    Cell(f"{fmt_month(c['first_month'])} à {fmt_month(c['last_month'])}"),
                    Cell(renewals),
                    Cell(
                        L.VALUE_LABELS.get(c.get("payment", ""), c.get("payment", ""))
                        + (f", {c.get('payment_lag_months')} mois après" if c.get("payment_lag_months") else "")
                    ),
                ),
            )
        )
    header = (
        "Nature",
        "Montant",
        "Plafond annuel",
        "Premier terme",
        "Renouvellements (nombre × probabilité)",
        "Versement",
    )
    return Table(
        header=header,
        rows=tuple(rows),
        first_col="Financeur",
        compact=True,
        text=True,
        note="Probabilités de renouvellement : hypothèses de l'analyste. Décalage de versement : notes de domaine §3 (le FSE paie souvent un an ou plus après la dépense).",
    )


def creation_table(run: RunData) -> Table:
    """The creation steps with their costs, funders, probabilities and dates."""
    creation = run.scenario.get("creation") or {}
    rows = []
    feas = creation.get("feasibility")
    if feas:
        rows.append(
            Row(
                "1. Vérification de la faisabilité",
                (
                    Cell(f"{fmt_month(feas['start_month'])}, {fmt_int(feas.get('duration_months'))} mois"),
                    Cell(fmt_eur(feas.get("cost_eur"))),
                    Cell(f"Financée par {feas['funded_by']}" if feas.get("funded_by") else "Financeur non précisé"),
                ),
            )
        )
    for p in creation.get("partners", []):
        rows.append(
            Row(
                f"2. Engagement : {p['funder']}",
                (
                    Cell(f"décision en {fmt_month(p['decision_month'])}"),
                    Cell(DASH),
                    Cell(f"Probabilité que l'engagement aboutisse : {fmt_pct(p['probability'])}"),
                ),
            )
        )
    setup = creation.get("setup")
    coop = run.scenario["cooperative"]
    if setup:
        costs = float(setup.get("legal_costs_eur", 0)) + float(setup.get("recruitment_costs_eur", 0))
        capital = float(setup.get("capital_founders_eur", 0)) + float(setup.get("capital_partners_eur", 0))
        rows.append(
            Row(
                "3. Montage de la structure",
                (
                    Cell(f"de {fmt_month(setup['start_month'])} à l'ouverture"),
                    Cell(
                        fmt_eur(costs),
                        f"juridique {fmt_eur(setup.get('legal_costs_eur'))}, recrutement {fmt_eur(setup.get('recruitment_costs_eur'))}",
                    ),
                    Cell(
                        f"Capital levé : {fmt_eur(capital)}",
                        f"fondateurs {fmt_eur(setup.get('capital_founders_eur'))}, partenaires {fmt_eur(setup.get('capital_partners_eur'))}",
                    ),
                ),
            )
        )
    rows.append(
        Row(
            "4. Accompagnement et suivi",
            (
                Cell(f"de {fmt_month(run.start_month)} à {fmt_month_index(run.horizon_months - 1, run.start_month)}"),
                Cell(fmt_eur(coop.get("setup_costs_eur")), "frais d'ouverture (mois 0)"),
                Cell(f"Trésorerie d'ouverture : {fmt_eur(coop.get('initial_treasury_eur'))}", "hors capital"),
            ),
        )
    )
    return Table(
        header=("Calendrier", "Coût", "Financement, capital, probabilité"),
        rows=tuple(rows),
        first_col="Étape",
        text=True,
    )


# --------------------------------------------------------------------------- parcours and economy


def exits_table(run: RunData) -> Table:
    """Exits over the horizon by destination and by motive: medians and ranges, share of exits."""
    monthly = run.monthly
    totals = monthly.groupby("replication")[[c for c in monthly.columns if c.startswith("exits")]].sum()
    exits = totals["exits"].replace(0, np.nan)
    rows = [Row("Par destination", (), kind="head")]
    for dest in ("own_company", "salaried_job", "stop"):
        col = f"exits_{dest}"
        if col in totals:
            rows.append(
                Row(L.DESTINATION_LABELS[dest], (_cell(totals[col], fmt_int), _cell(totals[col] / exits, fmt_pct)))
            )
    rows.append(
        Row("Toutes les sorties", (_cell(totals["exits"], fmt_int), Cell("100 %".replace(" ", NBSP))), kind="total")
    )
    rows.append(Row("Par motif", (), kind="head"))
    # The motives own_company / salaried_job are hazard exits with that destination; the
    # others have their own columns. Hazard exits to a company or a job = destination minus
    # those counted in the motive columns with that destination, which the tables do not split:
    # only the motive columns are shown, with the remainder as "départ vers une entreprise ou un emploi".
    motive_cols = [
        c
        for c in (
            "activity_not_viable",
            "personal_reasons",
            "end_of_cape",
            "end_of_trial_period",
            "not_associe_in_time",
        )
        if f"exits_{c}" in totals
    ]
    rest = totals["exits"] - totals[[f"exits_{c}" for c in motive_cols]].sum(axis=1)
    rows.append(Row("Départ vers une entreprise ou un emploi", (_cell(rest, fmt_int), _cell(rest / exits, fmt_pct))))
    for motive in motive_cols:
        col = totals[f"exits_{motive}"]
        rows.append(Row(L.MOTIVE_LABELS[motive], (_cell(col, fmt_int), _cell(col / exits, fmt_pct))))
    return Table(
        header=("Sorties sur l'horizon", "Part des sorties"),
        rows=tuple(rows),
        first_col="",
        note="Médiane et, dessous, l'intervalle de 5 à 95 % des réplications. Une sortie a une destination et un motif : "
        "les fins de CAPE, de période d'essai et d'échéance du sociétariat ont aussi une destination.",
    )


def economy_table(run: RunData) -> Table:
    """Turnover, salaries, jobs and income per salaried person, by year."""
    yearly = run.yearly.copy()
    yearly["pay_per_salaried"] = yearly["gross_salaries_eur"] / yearly["salaried"].replace(0, np.nan)
    years = _years(run)
    lines = [
        ("Chiffre d'affaires (k€)", "turnover_eur", _keur),
        ("Salaires bruts versés (k€)", "gross_salaries_eur", _keur),
        ("Cotisations sociales (k€)", None, _keur),
        ("Emplois (ETP, moyenne de l'année)", "jobs_fte", lambda v: fmt_number(v, 0)),
        ("Personnes accompagnées", "supported", fmt_int),
        ("dont entrepreneurs-salariés", "salaried", fmt_int),
        ("Salaire brut annuel par salarié (k€)", "pay_per_salaried", lambda v: fmt_keur(v, 1)),
    ]
    yearly["social_contributions"] = yearly["employer_contributions_eur"] + yearly["employee_contributions_eur"]
    rows = []
    for label, col, fmt in lines:
        col = col or "social_contributions"
        by = _by_year(yearly, col)
        rows.append(Row(label, tuple(_cell(by.get(y, []), fmt) for y in years)))
    return Table(
        header=tuple(_year_label(run, y) for y in years),
        rows=tuple(rows),
        compact=True,
        first_col="Par année",
        note="Médiane et, dessous, l'intervalle de 5 à 95 % des réplications. Salaire par salarié : salaires bruts de l'année "
        "divisés par le nombre de personnes passées en CESA dans l'année (présentes tout ou partie de l'année). "
        + _partial_note(run),
    )


# --------------------------------------------------------------------------- the cooperative's accounts


def income_statement(run: RunData) -> Table:
    """Compte de résultat prévisionnel by year (k€): medians with 5-95 % ranges."""
    years = _years(run)
    yearly = run.yearly.copy()
    staff = _monthly_by_year(run, ["staff_costs_eur"]) if "staff_costs_eur" in run.monthly else None
    if staff is not None:
        yearly = yearly.merge(staff, on=["replication", "year"], how="left")
        yearly["other_costs_eur"] = yearly["coop_costs_eur"] - yearly["staff_costs_eur"]
    yearly["revenue_eur"] = yearly["contributions_eur"] + yearly["public_funding_earned_eur"]
    yearly["net_result_eur"] = yearly["coop_result_eur"] - yearly["corporate_tax_eur"]
    lines = [
        ("Contributions des entrepreneurs", "contributions_eur", ""),
        ("Financements publics acquis", "public_funding_earned_eur", ""),
        ("Total des produits", "revenue_eur", "total"),
        ("Charges de personnel", "staff_costs_eur", ""),
        ("Autres charges (locaux, frais, logiciel…)", "other_costs_eur", ""),
        ("Pertes sur sorties d'activités", "exit_losses_eur", ""),
        ("Total des charges", "coop_costs_total", "total"),
        ("Résultat avant impôt", "coop_result_eur", "total"),
        ("Impôt sur les sociétés", "corporate_tax_eur", ""),
        ("Résultat après impôt", "net_result_eur", "total"),
        ("dont part travail (salariés)", "part_travail_eur", "muted"),
    ]
    yearly["coop_costs_total"] = yearly["coop_costs_eur"] + yearly["exit_losses_eur"]
    rows = []
    for label, col, kind in lines:
        if col not in yearly:
            continue
        by = _by_year(yearly, col)
        rows.append(Row(label, tuple(_cell(by.get(y, []), _keur) for y in years), kind=kind))
    return Table(
        header=tuple(_year_label(run, y) for y in years),
        rows=tuple(rows),
        compact=True,
        first_col="En milliers d'euros (k€)",
        note="Budget propre de la coopérative (hors chiffre d'affaires des activités). Financements comptés quand ils sont acquis. "
        "Chaque ligne est une médiane sur les réplications : les médianes ne s'additionnent pas exactement. "
        + _partial_note(run),
    )


def opening_funds_eur(run: RunData) -> float | None:
    """Cash at opening: initial treasury plus the opening capital (set-up step, or initial_capital_eur),
    minus the set-up step's pre-opening costs (legal, recruitment), as the model counts it."""
    coop = run.scenario.get("cooperative", {})
    setup = (run.scenario.get("creation") or {}).get("setup")
    preopening = 0.0
    if setup:
        capital = float(setup.get("capital_founders_eur", 0)) + float(setup.get("capital_partners_eur", 0))
        preopening = float(setup.get("legal_costs_eur", 0)) + float(setup.get("recruitment_costs_eur", 0))
    elif coop.get("initial_capital_eur") is not None:
        capital = float(coop["initial_capital_eur"])
    else:
        try:
            from simcoop.scenario import DEFAULT_INITIAL_CAPITAL_EUR
        except ImportError:  # pragma: no cover
            return None
        capital = float(DEFAULT_INITIAL_CAPITAL_EUR)
    return float(coop.get("initial_treasury_eur", 0.0)) + capital - preopening


def financing_plan(run: RunData, opening_funds: float | None = None) -> Table:
    """Plan de financement by year (k€): resources, uses and the change in the cooperative's own cash."""
    years = _years(run)
    flows = _monthly_by_year(
        run,
        [
            c
            for c in ("capital_paid_in_eur", "capital_repaid_eur", "allocations_paid_eur", "public_funding_eur")
            if c in run.monthly
        ],
    )
    stocks = _monthly_by_year(
        run,
        [
            c
            for c in ("advances_eur", "funding_receivable_eur", "coop_treasury_eur", "consolidated_cash_eur")
            if c in run.monthly
        ],
        how="last",
    )
    frame = (
        run.yearly[["replication", "year", "coop_result_eur"]]
        .merge(flows, on=["replication", "year"])
        .merge(stocks, on=["replication", "year"])
    )
    frame = frame.sort_values(["replication", "year"])
    first_year = years[0] if years else None
    if opening_funds is None:
        opening_funds = opening_funds_eur(run)
    opening = float(opening_funds) if opening_funds is not None else np.nan
    for col in ("advances_eur", "funding_receivable_eur", "coop_treasury_eur"):
        previous = frame.groupby("replication")[col].shift(1)
        start = (
            0.0 if col != "coop_treasury_eur" or not np.isnan(opening) else np.nan
        )  # the opening funds are a resource
        frame[f"delta_{col}"] = frame[col] - previous.fillna(start)
    frame["opening_eur"] = np.where(frame["year"] == first_year, opening, 0.0)
    lines = [
        ("Ressources", None, "head"),
        ("Capital et trésorerie d'ouverture", "opening_eur", ""),
        ("Résultat avant impôt", "coop_result_eur", ""),
        ("Capital versé par les associés", "capital_paid_in_eur", ""),
        ("Emplois", None, "head"),
        ("Capital remboursé aux anciens associés", "capital_repaid_eur", ""),
        ("Impôt, part travail et intérêts versés", "allocations_paid_eur", ""),
        ("Hausse des avances aux activités", "delta_advances_eur", ""),
        ("Hausse des financements à recevoir", "delta_funding_receivable_eur", ""),
        ("Trésorerie", None, "head"),
        ("Variation de la trésorerie propre", "delta_coop_treasury_eur", "total"),
        ("Trésorerie propre en fin d'année", "coop_treasury_eur", "total"),
        ("Trésorerie consolidée (banque) en fin d'année", "consolidated_cash_eur", ""),
    ]
    rows = []
    for label, col, kind in lines:
        if col is None:
            rows.append(Row(label, (), kind="head"))
            continue
        if col not in frame or (col == "opening_eur" and np.isnan(opening)):
            continue
        by = _by_year(frame, col)
        with_range = col != "opening_eur"
        rows.append(Row(label, tuple(_cell(by.get(y, []), _keur, with_range) for y in years), kind=kind))
    return Table(
        header=tuple(_year_label(run, y) for y in years),
        rows=tuple(rows),
        compact=True,
        first_col="En milliers d'euros (k€)",
        note="La variation de trésorerie comprend aussi des mouvements non détaillés ici (soldes versés aux sortants, encaissements "
        "pour le compte d'activités fermées, décalages de paiement). Trésorerie consolidée : trésorerie propre plus celle des activités. "
        + _partial_note(run),
    )


def cash_plan(run: RunData, months: int = 24) -> Table:
    """Plan de trésorerie of the first ``months`` months: medians per month (k€)."""
    monthly = run.monthly[run.monthly["month"] < months]
    columns = [
        ("Contributions", "contributions_eur"),
        ("Financements reçus", "public_funding_eur"),
        ("Capital versé", "capital_paid_in_eur"),
        ("Charges", "coop_costs_eur"),
        ("Avances aux activités (fin de mois)", "advances_eur"),
        ("Trésorerie propre (fin de mois)", "coop_treasury_eur"),
        ("Trésorerie consolidée (fin de mois)", "consolidated_cash_eur"),
        ("Entrepreneurs actifs", "n_active"),
    ]
    columns = [(label, col) for label, col in columns if col in monthly]
    med = monthly.groupby("month")[[c for _, c in columns]].median()
    rows = []
    for month, values in med.iterrows():
        cells = []
        for _, col in columns:
            value = values[col]
            cells.append(Cell(fmt_int(value) if col == "n_active" else fmt_number(value / 1000, 1)))
        rows.append(Row(fmt_month_index(month, run.start_month), tuple(cells)))
    return Table(
        header=tuple(label for label, _ in columns),
        rows=tuple(rows),
        compact=True,
        first_col="Mois",
        note="Médianes sur les réplications, en milliers d'euros (k€) sauf les entrepreneurs. Flux du mois ; trésoreries en fin de mois.",
    )


def public_share_rows(run: RunData) -> dict[str, Any]:
    years = _years(run)
    by = _by_year(run.yearly, "public_share_of_budget")
    q = {y: quantiles(by.get(y, [])) for y in years}
    return {
        "years": years,
        "p5": [q[y][0] for y in years],
        "p50": [q[y][1] for y in years],
        "p95": [q[y][2] for y in years],
    }


# --------------------------------------------------------------------------- public money


def funding_frame(run: RunData) -> pd.DataFrame | None:
    """funding.csv summed per replication, year and funder, zeros filled in."""
    funding = run.funding
    if funding is None or funding.empty:
        return None
    sums = funding.groupby(["replication", "year", "funder"], as_index=False)[["earned_eur", "received_eur"]].sum()
    index = pd.MultiIndex.from_product(
        [
            sorted(run.kpis["replication"].unique()),
            sorted(sums["year"].unique()),
            list(dict.fromkeys(funding["funder"])),
        ],
        names=["replication", "year", "funder"],
    )
    return sums.set_index(["replication", "year", "funder"]).reindex(index, fill_value=0.0).reset_index()


def funding_table(run: RunData) -> Table | None:
    """Funding by funder and year (k€): medians earned and received."""
    frame = funding_frame(run)
    if frame is None:
        return None
    years = sorted(frame["year"].unique())
    rows = []
    for funder, group in frame.groupby("funder", sort=False):
        for what, col in (("acquis", "earned_eur"), ("reçus", "received_eur")):
            by = {int(y): g for y, g in group.groupby("year")[col]}
            total = group.groupby("replication")[col].sum()
            cells = tuple(Cell(_keur(quantiles(by.get(int(y), []))[1])) for y in years) + (_cell(total, _keur),)
            rows.append(
                Row(
                    f"{funder} : acquis" if what == "acquis" else "reçus",
                    cells,
                    kind="" if what == "acquis" else "muted",
                )
            )
    totals = frame.groupby(["replication", "year"])["received_eur"].sum().reset_index()
    by = {int(y): g for y, g in totals.groupby("year")["received_eur"]}
    grand = totals.groupby("replication")["received_eur"].sum()
    rows.append(
        Row("Total reçu", tuple(_cell(by.get(int(y), []), _keur) for y in years) + (_cell(grand, _keur),), kind="total")
    )
    return Table(
        header=tuple(_year_label(run, int(y)) for y in years) + ("Total",),
        rows=tuple(rows),
        compact=True,
        first_col="En milliers d'euros (k€)",
        note="Médianes sur les réplications. Acquis : droits ouverts dans l'année (comptés dans le résultat). Reçus : versements "
        "encaissés dans l'année, après le calendrier et le décalage de chaque convention ; ce qui échoit après l'horizon n'est pas reçu. "
        "Un engagement qui n'aboutit pas, ou une convention non renouvelée, donne zéro dans la réplication concernée.",
    )


def public_efficiency_table(run: RunData) -> Table:
    """Cost per person supported and per job, and contributions generated per euro of funding."""
    years = _years(run)
    yearly = run.yearly
    lines = [
        ("Financements publics reçus (k€)", "public_funding_eur", _keur),
        ("par personne accompagnée (€)", "public_funding_per_supported_eur", fmt_int),
        ("par emploi en ETP (€)", "public_funding_per_job_eur", fmt_int),
        ("Cotisations sociales générées par euro public", "contributions_to_funding_ratio", lambda v: fmt_number(v, 1)),
        ("Mois d'ARE économisés (estimation)", "are_months_saved", fmt_int),
    ]
    rows = []
    for label, col, fmt in lines:
        if col not in yearly:
            continue
        by = _by_year(yearly, col)
        rows.append(Row(label, tuple(_cell(by.get(y, []), fmt) for y in years)))
    return Table(
        header=tuple(_year_label(run, y) for y in years),
        rows=tuple(rows),
        compact=True,
        first_col="Par année",
        note="Cotisations sociales : cotisations patronales et salariales sur les salaires des entrepreneurs-salariés, rapportées aux "
        "financements publics reçus dans l'année. " + _partial_note(run),
    )


def horizon_public_figures(run: RunData) -> list[dict[str, str]]:
    """Whole-horizon public-money figures from kpis.csv."""
    kpis = run.kpis
    items = [
        ("Financements publics reçus", "public_funding_eur", fmt_eur),
        ("Coût public total (financements et étude de faisabilité)", "public_cost_eur", fmt_eur),
        ("Coût public par personne accompagnée", "public_cost_per_supported_eur", fmt_eur),
        ("Financements par personne accompagnée", "public_funding_per_supported_eur", fmt_eur),
        ("Financements par emploi-année en ETP", "public_funding_per_job_eur", fmt_eur),
        ("Cotisations sociales générées par euro public", "contributions_to_funding_ratio", lambda v: fmt_number(v, 1)),
        ("Mois d'ARE économisés (estimation)", "are_months_saved", fmt_int),
    ]
    out = []
    for label, col, fmt in items:
        if col in kpis:
            p5, p50, p95 = quantiles(kpis[col])
            out.append({"label": label, "value": fmt(p50), "range": fmt_range(p5, p95, fmt)})
    return out


# --------------------------------------------------------------------------- sensitivity and method


def sensitivity_rows(run: RunData) -> list[dict[str, Any]]:
    """Per parameter: the low/base/high values and measures, sorted by the swing of the insolvency probability."""
    sens = run.sensitivity
    if sens is None or sens.empty:
        return []
    out = []
    for parameter, group in sens.groupby("parameter", sort=False):
        sides = {str(row["side"]): row for _, row in group.iterrows()}
        if "low" not in sides or "high" not in sides:
            continue
        base = sides.get("base")
        if base is None:
            base_rows = sens[sens["side"] == "base"]
            base = base_rows.iloc[0] if len(base_rows) else None
        row = {"parameter": parameter, "label": L.key_label(str(parameter))}
        for side in ("low", "base", "high"):
            source = sides.get(side, base) if side != "base" else base
            for col in (
                "value",
                "insolvency_probability",
                "break_even_month_p50",
                "min_coop_treasury_eur_p50",
                "final_coop_treasury_eur_p50",
                "outcome",
            ):
                row[f"{side}_{col}"] = None if source is None else source.get(col)
        row["swing_insolvency"] = abs(
            float(row["high_insolvency_probability"]) - float(row["low_insolvency_probability"])
        )
        row["swing_treasury"] = abs(
            float(row["high_min_coop_treasury_eur_p50"]) - float(row["low_min_coop_treasury_eur_p50"])
        )
        out.append(row)
    out.sort(key=lambda r: (-r["swing_insolvency"], -r["swing_treasury"]))
    return out


def sensitivity_table(run: RunData) -> Table | None:
    rows = sensitivity_rows(run)
    if not rows:
        return None

    def outcome(value: Any) -> str:
        return {
            "favourable": "favorable",
            "favourable_under_conditions": "sous conditions",
            "unfavourable": "défavorable",
        }.get(str(value), DASH)

    def be(value: Any) -> str:
        return DASH if is_missing(value) else fmt_month_index(value, run.start_month)

    out = []
    for r in rows:
        param = str(r["parameter"])
        for side, name in (("low", "basse"), ("high", "haute")):
            out.append(
                Row(
                    f"{r['label']} : valeur {name}" if side == "low" else "valeur haute",
                    (
                        Cell(format_value(param, r[f"{side}_value"]) if not is_missing(r[f"{side}_value"]) else DASH),
                        Cell(fmt_pct(r[f"{side}_insolvency_probability"])),
                        Cell(be(r[f"{side}_break_even_month_p50"])),
                        Cell(fmt_keur(r[f"{side}_min_coop_treasury_eur_p50"])),
                        Cell(outcome(r[f"{side}_outcome"])),
                    ),
                    kind="" if side == "low" else "muted",
                )
            )
    base = rows[0]
    out.insert(
        0,
        Row(
            "Scénario de base",
            (
                Cell(DASH),
                Cell(fmt_pct(base["base_insolvency_probability"])),
                Cell(be(base["base_break_even_month_p50"])),
                Cell(fmt_keur(base["base_min_coop_treasury_eur_p50"])),
                Cell(outcome(base["base_outcome"])),
            ),
            kind="total",
        ),
    )
    reps = run.sensitivity["replications"].iloc[0] if "replications" in run.sensitivity else None
    return Table(
        header=(
            "Valeur",
            "Probabilité d'insolvabilité",
            "Équilibre (médiane)",
            "Trésorerie propre au plus bas (k€, médiane)",
            "Avis",
        ),
        rows=tuple(out),
        compact=True,
        first_col="Hypothèse",
        note="Une hypothèse à la fois, les autres à leur valeur de base, sur les mêmes tirages aléatoires"
        + (f" ({fmt_int(reps)} réplications par variante)." if reps is not None and not is_missing(reps) else "."),
    )


def provenance(run: RunData) -> list[tuple[str, str]]:
    m = run.manifest
    rows = [
        ("Scénario", str(m.get("scenario_name", run.scenario["meta"].get("name", "")))),
        ("Empreinte du scénario (SHA-256)", str(m.get("scenario_hash", DASH))),
        ("Réplications", fmt_int(m.get("replications"))),
        ("Graine aléatoire", str(m.get("seed", DASH))),
        ("Version de simcoop", str(m.get("simcoop_version", DASH))),
        ("Date de la simulation", _created(m.get("created_utc"))),
        (
            "Durée de calcul",
            f"{fmt_number(m.get('runtime_seconds'), 0)} s" if not is_missing(m.get("runtime_seconds")) else DASH,
        ),
        ("Logiciels", f"Python {m.get('python', '?')}, numpy {m.get('numpy', '?')}, pandas {m.get('pandas', '?')}"),
    ]
    return rows


def _created(value: Any) -> str:
    from simcoop.report.format import fmt_date

    if is_missing(value):
        return DASH
    try:
        return fmt_date(value)
    except ValueError:
        return str(value)


# --------------------------------------------------------------------------- territory


def territory_last_year(run: RunData) -> int | None:
    """The last calendar year fully simulated (the territory tables and map describe it)."""
    if run.zones is None or run.zones.empty:
        return None
    counts = run.yearly.groupby("year")["months"].max()
    full = counts[counts == 12]
    return int(full.index.max()) if len(full) else int(counts.index.max())


def zones_table(run: RunData) -> Table | None:
    """Per zone, in the last full year: population, job seekers, accueils, people supported per 1 000 job seekers."""
    year = territory_last_year(run)
    if year is None or not run.scenario["territory"].get("zones"):
        return None
    frame = run.zones[run.zones["year"] == year]
    rows = []
    for code, group in frame.groupby("zone_code", sort=False):
        first = group.iloc[0]
        acc, sup, per = group["accueils"], group["supported"], group["supported_per_1000_job_seekers"]
        rows.append(
            Row(
                str(first["zone_name"]),
                (
                    Cell(fmt_int(first["population"])),
                    Cell(fmt_int(first["job_seekers_abc"])),
                    Cell(fmt_int(acc.median()), fmt_range(acc.quantile(0.05), acc.quantile(0.95), fmt_int)),
                    Cell(fmt_int(sup.median()), fmt_range(sup.quantile(0.05), sup.quantile(0.95), fmt_int)),
                    Cell(fmt_number(per.median(), 1)),
                ),
            )
        )
    return Table(
        header=("Habitants", "Demandeurs d'emploi (A, B, C)", "Accueils", "Personnes accompagnées", "Pour 1 000 demandeurs d'emploi"),
        rows=tuple(rows),
        first_col="Zone",
        caption=f"Origine des personnes, année {year} (médianes, 5 à 95 % dessous)",
        note="Accompagnées : présentes au moins un mois de l'année dans un parcours (CAPE, CESA ou associé), selon leur zone d'origine.",
    )


def sites_table(run: RunData) -> Table | None:
    """Per site and year: accueils, entries, people, waiting list and team (medians)."""
    if run.sites is None or run.sites.empty or len(run.scenario["cooperative"].get("sites", [])) < 2:
        return None
    year = territory_last_year(run)
    frame = run.sites[run.sites["year"] == year]
    rows = []
    for site, group in frame.groupby("site", sort=False):
        rows.append(
            Row(
                str(site),
                tuple(
                    Cell(fmt_number(group[c].median(), 1) if c == "staff_fte_end" else fmt_int(group[c].median()))
                    for c in ("accueils", "entries", "lost_waiting", "active_end", "waiting_end", "staff_fte_end")
                ),
            )
        )
    return Table(
        header=("Accueils", "Entrées en parcours", "Perdus en attente", "Entrepreneurs en fin d'année", "En attente", "ETP d'accompagnement"),
        rows=tuple(rows),
        first_col="Site",
        caption=f"Les sites, année {year} (médianes)",
    )
