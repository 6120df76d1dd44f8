"""The assumptions register and the tables of what the scenario assumes (sectors, conventions, creation)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from simcoop.report import labels as L
from simcoop.report.data import RunData
from simcoop.report.format import (
    DASH,
    fmt_eur,
    fmt_int,
    fmt_month,
    fmt_month_index,
    fmt_number,
    fmt_pct,
)
from simcoop.report.tables.cells import Cell, Row, Table


@lru_cache(maxsize=1)
def schema_descriptions() -> dict[str, dict[str, Any]]:
    """Dotted key (list indices dropped) -> {description, default, source, assumption} from the scenario's
    JSON Schema; ``source`` and ``assumption`` are the structured fields each key carries in the schema."""
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
            out[dotted] = {
                "description": prop.get("description", ""),
                "default": prop.get("default", "<required>"),
                "source": prop.get("source", ""),  # json_schema_extra of the field: its reference
                "assumption": bool(prop.get("assumption", False)),
            }
            walk(prop, dotted)

    walk(schema, "")
    return out


_DOMAIN = re.compile(r"DOMAIN(?:\.md)? §(\d+)")

#: The project's domain notes, by section, as the published sources they gather (a reader can
#: follow these; the notes themselves are an internal file).
_DOMAIN_SOURCES = {
    "1": "Fédération des CAE (Les CAE), présentation des CAE ; loi ESS 2014-856, art. 47-48",
    "2": "rapports d'activité publiés de Cap Services, Oxalis et Coopilote ; Fédération des CAE (Les CAE)",
    "3": "rapports d'activité publiés de Cap Services, Coopaname, Coopilote et Artenréel ; Fédération des CAE (Les CAE)",
    "4": "Fédération des CAE (Les CAE), étapes de création d'une CAE",
    "5": "convention collective du portage salarial du 22 mars 2017 ; code du travail L1254-1 et s.",
    "8": "chiffres publiés des CAE et du réseau national (Fédération des CAE ; rapport IGAS-IGF de 2021)",
}

#: Sources written in English in the schema, as a French reader reads them.
_SOURCE_FR = {
    "payroll_fr.yaml": "barèmes de l'URSSAF et code de la sécurité sociale, datés",
    "arrêté of the year's collective AT/MP rates": "arrêté annuel des taux collectifs AT/MP",
    "usual clause of public conventions": "clause usuelle des conventions publiques",
    "Unédic durée d'indemnisation": "Unédic, durée d'indemnisation",
}
_WORDS_FR = (("22 March 2017", "22 mars 2017"), (" of ", " du "), (" to ", " à "), (" and ", " et "), ("arts. ", "art. "), (" ff.", " et s."))


def source_of(info: dict[str, Any] | None) -> str:
    """The source of a key in French, from its schema entry's structured ``source`` and ``assumption``:
    published references kept (the domain notes replaced by the sources they cite), "hypothèse" marked."""
    if not info:
        return "Choix du scénario"
    refs = str(info.get("source") or "").strip()
    refs = _SOURCE_FR.get(refs, refs)
    refs = _DOMAIN.sub(lambda m: _DOMAIN_SOURCES.get(m.group(1), "publications de la Fédération des CAE"), refs)
    for english, french in _WORDS_FR:
        refs = refs.replace(english, french)
    refs = refs.strip()
    if refs and refs[0].islower() and not re.match(r"\S*[._]", refs):
        refs = refs[0].upper() + refs[1:]
    assumption = bool(info.get("assumption"))
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
    if leaf.endswith("_eur_per_fte_month"):
        return f"{fmt_eur(value)} par mois et par ETP"
    if leaf.endswith("_eur_per_payslip"):
        return f"{fmt_eur(value)} par bulletin"
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


#: Keys of the register that say how the computer ran, not what the world is (the annex's traceability has them).
_REGISTER_TECHNICAL = ("simulation.seed", "simulation.jobs")


def _applies(key: str, value: Any) -> bool:
    """Whether a leaf says something for this run: not an empty or unset option (a warm start without a roster)."""
    if value is None:
        leaf = key.rsplit(".", 1)[-1]
        return leaf in ("cape_rate", "rules_month", "opening_month", "ceiling_eur_per_year", "initial_capital_eur")
    return not (isinstance(value, (str, list, tuple, dict)) and len(value) == 0)


def assumptions_register(run: RunData) -> list[dict[str, Any]]:
    """The scenario's assumptions, grouped by section: label, value, source, and whether it is the default.

    Options the run does not use (unset or empty) are left out, and so are the technical keys;
    the number of simulations is the run's own, not the scenario's default.
    """
    schema = schema_descriptions()
    groups: dict[str, list[dict[str, str]]] = {}
    for key, value in _leaves(run.scenario):
        if key.startswith(_REGISTER_SKIP_PREFIXES) or key in _REGISTER_TECHNICAL or not _applies(key, value):
            continue
        if key == "simulation.replications":
            groups.setdefault("simulation", []).append(
                {"key": key, "label": "Nombre de simulations", "value": fmt_int(run.manifest.get("replications", len(run.kpis))),
                 "source": "Choix de cette étude", "origin": "étude"}
            )  # fmt: skip
            continue
        if key == "territory.accueils_per_year_at_maturity" and value is None:
            value = _accueils_per_year(run)
        plain = re.sub(r"\.\d+(?=\.|$)", "", key)
        info = dict(schema.get(plain, {}))
        if info and not info.get("description"):  # e.g. a destination share: the parent key says where it comes from
            parent = schema.get(plain.rsplit(".", 1)[0], {})
            info.update({k: parent.get(k, "") for k in ("description", "source", "assumption")})
        default = info.get("default", "<unknown>")
        is_default = default != "<required>" and default != "<unknown>" and _same(default, value)
        label = L.key_label(key)
        if plain.startswith("cooperative.sites.") and plain != "cooperative.sites.name":
            site = run.scenario["cooperative"]["sites"][int(key.split(".")[2])]["name"]
            label = f"{label} ({site})"
        elif plain == "cooperative.sites.name":
            continue
        if plain == "uncertainty.joint.columns":  # named by the draws' line below
            continue
        if plain == "uncertainty.joint.rows":  # the draws themselves are each simulation's (parameters.parquet), not a line here
            columns = run.scenario["uncertainty"]["joint"].get("columns") or []
            value = f"{fmt_int(len(value))} tirages de {fmt_int(len(columns))} paramètres (ceux de chaque simulation : parameters.parquet)"
        if plain.startswith(("cooperative.financing.instruments.", "cooperative.financing.receivable_financing.")):
            if plain.endswith((".name", ".source")):
                continue
            financing = run.scenario["cooperative"]["financing"]
            part = financing["instruments"][int(key.split(".")[3])] if ".instruments." in key else financing["receivable_financing"]
            if part.get("name"):  # "France Active (titres participatifs) : montant"
                label = f"{part['name']} : {label[:1].lower()}{label[1:]}"
            if part.get("source") and not info.get("source") and not info.get("assumption"):
                info = {**info, "source": part["source"]}  # the scenario says where this instrument comes from
        if plain.startswith("cooperative.membership_dues."):
            if plain.endswith((".name", ".source")):
                continue
            dues = run.scenario["cooperative"]["membership_dues"][int(key.split(".")[2])]
            label = f"{label} ({dues['name']})"
            if str(dues.get("source", "")).startswith("assumption"):
                info = {**info, "assumption": True}
        groups.setdefault(_section_of(key), []).append(
            {
                "key": key,
                "label": label,
                "value": format_value(key, value),
                "source": source_of(info),
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
    """The activity sectors of the scenario: share, turnover and its spread, gross margin, ramp-up, volatility, payment delay."""
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
            L.sector_label(s["name"]),
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
        info = schema.get(f"activities.sectors.{k}", {})
        assumption = assumption or bool(info.get("assumption"))
        ref = source_of(info).split(" ; ")[0]
        if ref not in refs and not ref.startswith(("Hypothèse", "Choix")):
            refs.append(ref)
    note = "Sources : " + (" ; ".join(refs) if refs else "choix du scénario")
    note += " ; les valeurs par secteur sont des hypothèses du scénario, à calibrer." if assumption else "."
    return Table(header=header, rows=rows, first_col="Secteur", compact=True, note=note)


def conventions_table(run: RunData) -> Table:
    """The public funding conventions of the scenario: funder, kind, amount, ceiling, period, renewals and payment."""
    rows = []
    for c in run.scenario["cooperative"].get("public_funding", []):
        kind = c.get("kind", "fixed")
        amount = fmt_eur(c["amount_eur"]) + (" par an" if kind == "fixed" else "")
        if "max_renewals" in c and c["max_renewals"] is None:
            renewals = f"jusqu'à la fin de l'horizon, chaque fois à {fmt_pct(c.get('renewal_probability', 0))}"
        elif c.get("max_renewals"):
            renewals = f"{fmt_int(c.get('max_renewals', 0))} × {fmt_pct(c.get('renewal_probability', 0))}"
        else:
            renewals = "aucun"
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
        note="Probabilités de renouvellement : hypothèses de l'analyste. Décalage de versement : le Fonds social européen paie souvent un an ou plus après la dépense (retours des CAE et de leurs financeurs).",
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
