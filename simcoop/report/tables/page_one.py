"""Page one of the report: the criteria, the key figures and the funding needed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simcoop.report import labels as L
from simcoop.report.data import RunData
from simcoop.report.format import (
    NBSP,
    fmt_eur,
    fmt_int,
    fmt_month,
    fmt_month_index,
    fmt_number,
    fmt_pct,
    fmt_range,
    is_missing,
)
from simcoop.report.tables.cells import quantiles, run_years


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
    last_year = run_years(run)[-1] if len(run.yearly) else ""
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
