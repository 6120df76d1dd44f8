"""Page one of the report: the criteria, the key figures and the funding needed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simcoop.report import labels as L
from simcoop.report.data import RunData, solved_startup
from simcoop.report.format import (
    NBSP,
    DASH,
    fmt_int,
    fmt_money,
    fmt_month,
    fmt_month_index,
    fmt_number,
    fmt_pct,
    fmt_range,
    is_missing,
)
from simcoop.report.tables.cells import Cell, Row, Table, quantiles, run_years


def _ci(low: Any, high: Any) -> str:
    """``fourchette : 7 à 19 %*``: the 95 % interval in words; page one's footnote says what it means."""
    span = fmt_range(low, high, fmt_pct)
    return f"fourchette{NBSP}: {span.removeprefix('de ')}*"


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
                else "égal au"
            )
            base = d.get("read_on_replications")
            among = (
                f", parmi les {fmt_int(base)} simulations où la structure s'équilibre,"
                if base is not None and base != d.get("replications", base)
                else ""
            )
            sentence = (
                f"Risque de rupture de trésorerie sur {horizon}, après le plan de financement{among} : {fmt_pct(c['value'])} "
                f"({_ci(c['ci_low'], c['ci_high'])}), {where} seuil de {fmt_pct(c['threshold'])}."
            )
            month = d.get("median_insolvency_month")
            tq = d.get("min_coop_treasury_eur") or {}
            more = (
                f"La trésorerie propre passe sous le découvert autorisé de {fmt_money(d.get('overdraft_eur'))} dans "
                f"{fmt_int(d.get('insolvent_replications'))} simulations sur {fmt_int(base if base is not None else verdict.get('replications'))}"
            )
            if not is_missing(month):
                more += f", en médiane au mois {fmt_int(float(month) + 1)} d'activité"
            more += (
                f" ; point bas médian : {fmt_money(tq.get('p50'))} ({fmt_range(tq.get('p5'), tq.get('p95'), fmt_money)}). "
                "Un dépassement du découvert n'est pas une cessation des paiements."
            )
        elif key == "break_even":
            by = d.get("by_year")
            be = d.get("break_even_month") or {}
            sentence = (
                f"Retour à l'équilibre au plus tard en année {by} : atteint dans {fmt_pct(c['value'])} des simulations "
                f"({_ci(c['ci_low'], c['ci_high'])}) ; il en faut au moins {fmt_pct(c['threshold'])}."
            )
            if not is_missing(be.get("p50")):
                more = (
                    f"Le résultat des douze derniers mois devient durablement positif en {fmt_month_index(be.get('p50'), run.start_month)} "
                    f"en médiane (entre {fmt_month_index(be.get('p5'), run.start_month)} et {fmt_month_index(be.get('p95'), run.start_month)})"
                )
                never = d.get("never_replications") or 0
                more += f" ; jamais atteint dans {fmt_int(never)} simulations." if never else "."
                risk, tolerated = d.get("non_viable_probability"), d.get("max_non_viable_probability")
                if not is_missing(risk) and risk > 0:
                    more += (
                        f" Quand l'équilibre n'est pas atteint en année {by} ({fmt_pct(risk)} des simulations ; "
                        f"toléré : {fmt_pct(tolerated)}), le déficit est durable : aucun financement de démarrage ne le couvre."
                    )
            else:
                more = "L'équilibre n'est atteint dans aucune simulation."
            if d.get("within_horizon") is False:
                more += " L'année exigée dépasse l'horizon simulé."
        elif key == "public_share":
            ps = d.get("public_share") or {}
            sentence = (
                f"Part du financement public dans le budget en année {d.get('year')} : {fmt_pct(ps.get('p50'))} en médiane "
                f"({fmt_range(ps.get('p5'), ps.get('p95'), fmt_pct)}) ; plafond de {fmt_pct(d.get('max_public_share'))} "
                f"respecté dans {fmt_pct(c['value'])} des simulations ({_ci(c['ci_low'], c['ci_high'])})."
            )
            more = "" if d.get("within_horizon", True) else "L'année de contrôle dépasse l'horizon simulé."
        elif key == "compensation":
            oc = d.get("over_compensation_eur") or {}
            years_over = d.get("years") or []
            sentence = (
                f"Subventions d'exploitation au plus égales au coût net du service plus une marge de "
                f"{fmt_pct(d.get('margin_share'))} des charges (Décision 2012/21/UE, art. 5 et 6) : "
                f"respecté dans {fmt_pct(c['value'])} des simulations ({_ci(c['ci_low'], c['ci_high'])})."
            )
            if years_over:
                span = f"{years_over[0]}" if len(years_over) == 1 else f"{years_over[0]} à {years_over[-1]}"
                more = (
                    f"Surcompensation médiane de {fmt_money(oc.get('p50'))} en tout, années {span} : "
                    "les conventions de ces années devront être ajustées."
                )
            else:
                more = "Aucune surcompensation en médiane."
            mp = d.get("max_public_to_costs") or {}
            if d.get("relies_on_over_compensation"):
                more += f" Les subventions dépassent même les charges de la structure ({fmt_pct(mp.get('p50'))} au plus une année)."
        else:  # a criterion added later: say what we know
            sentence = f"{key} : {fmt_number(c['value'], 2)} (seuil {fmt_number(c['threshold'], 2)})."
            more = ""
        status = "limit" if met and borderline else "met" if met else "missed"
        rows.append(
            {
                "key": key,
                "label": L.CRITERION_LABELS.get(key, key),
                "status": status,
                "status_label": (
                    {"met": "atteint", "missed": "non atteint", "limit": "atteint de justesse"}
                    if key == "insolvency"
                    else {"met": "respecté", "missed": "non respecté", "limit": "respecté de justesse"}
                )[status]
                + (" (incertain)" if borderline and not met else ""),
                "sentence": sentence,
                "detail": more,
                "decisive": key in reasons,
            }
        )
    rows.sort(key=lambda r: (not r["decisive"], reasons.index(r["key"]) if r["decisive"] else 0))
    return rows


def _offset_label(offset: Any, start_month: str) -> str:
    """``23`` -> ``au 24e mois d'activité (décembre 2028)``."""
    if is_missing(offset):
        return DASH
    k = int(round(float(offset)))
    return f"au {k + 1}e mois d'activité ({fmt_month_index(k, start_month)})"


def layers_block(run: RunData) -> dict[str, Any] | None:
    """The two layers of the verdict in words, for page one; None for a verdict without layers."""
    verdict = run.verdict or {}
    layers = verdict.get("layers") or {}
    eco, cash = layers.get("economic"), layers.get("cash")
    if not eco or not cash:
        return None
    criteria = {c["key"]: c for c in verdict.get("criteria", [])}
    results = eco.get("result_by_year", [])
    shown = results[:5]
    by_year = " ; ".join(
        f"{r['year']} : {fmt_money((r.get('result_eur') or {}).get('p50'))}" for r in shown
    )
    be = (criteria.get("break_even") or {}).get("detail", {}).get("break_even_month") or {}
    eco_lines = [f"Résultat d'exploitation médian par année : {by_year}."]
    if not is_missing(be.get("p50")):
        eco_lines.append(f"Le résultat des douze derniers mois devient durablement positif {_offset_label(be.get('p50'), run.start_month)} en médiane.")
    risk = eco.get("non_viable_probability")
    if not is_missing(risk):
        eco_lines.append(
            f"Risque économique : la structure ne s'équilibre pas en année {(criteria.get('break_even') or {}).get('detail', {}).get('by_year')} "
            f"dans {fmt_pct(risk)} des simulations (toléré : {fmt_pct(eco.get('max_non_viable_probability'))})."
        )
    ps = (criteria.get("public_share") or {}).get("detail", {})
    if ps:
        eco_lines.append(
            f"Part des subventions dans le budget en année {ps.get('year')} : {fmt_pct((ps.get('public_share') or {}).get('p50'))} "
            f"(plafond {fmt_pct(ps.get('max_public_share'))})."
        )
    comp = (criteria.get("compensation") or {}).get("detail", {})
    if comp:
        years_over = comp.get("years") or []
        eco_lines.append(
            "Contrôle de compensation (Décision 2012/21/UE) : "
            + ("aucune surcompensation en médiane." if not years_over
               else f"surcompensation de {fmt_money((comp.get('over_compensation_eur') or {}).get('p50'))} sur les années "
                    f"{years_over[0]} à {years_over[-1]}.")
        )  # fmt: skip
    need = cash.get("startup_need_eur") or {}
    ci = cash.get("rupture_ci") or [None, None]
    base, total = cash.get("read_on_replications"), cash.get("replications")
    among = (
        f" (lu sur les {fmt_int(base)} simulations sur {fmt_int(total)} où la structure s'équilibre : "
        "ailleurs le déficit est durable et relève du risque économique)"
        if base is not None and total is not None and base != total
        else ""
    )
    cash_lines = [
        f"Besoin de financement de démarrage{among} : {fmt_money(need.get('p50'))} en médiane, {fmt_money(need.get('p90'))} "
        f"dans 9 simulations sur 10, atteint {_offset_label(cash.get('startup_need_month'), run.start_month)} en médiane.",
        f"Plan de financement prévu : {fmt_money(cash.get('financing_plan_eur'))} d'apports remboursables, "
        f"découvert autorisé de {fmt_money(cash.get('overdraft_eur'))}.",
        f"Risque de rupture de trésorerie après ce plan : {fmt_pct(cash.get('rupture_probability'))} ({_ci(ci[0], ci[1])}), "
        f"seuil accepté {fmt_pct(cash.get('max_rupture_probability'))}.",
    ]
    go = layers.get("go")
    go_line = None
    if go:
        gci = go.get("p_go_ci") or [None, None]
        months = go.get("opening_months") or {}
        opening = ", ".join(f"{fmt_month(m)} ({fmt_pct(k / max(go.get('opened') or 1, 1))})" for m, k in months.items())
        go_line = (
            f"Décision d'ouverture après la mobilisation des partenaires : la coopérative ouvre dans {fmt_pct(go.get('p_go'))} "
            f"des simulations ({_ci(gci[0], gci[1])})"
            + (f" ; ouverture : {opening}" if opening else "")
            + ". L'avis porte sur les simulations où elle ouvre (l'activité est datée depuis l'ouverture prévue)."
        )
    return {
        "economic": {"ok": bool(eco.get("viable")), "label": "Viabilité économique",
                     "status": ("non atteinte" if not eco.get("viable")
                                else "atteinte, risque au-dessus du seuil toléré" if eco.get("within_risk_tolerance") is False
                                else "atteinte"),
                     "lines": eco_lines},
        "cash": {"ok": bool(cash.get("sustainable")), "label": "Soutenabilité de trésorerie",
                 "status": "critère de trésorerie : atteint" if cash.get("sustainable") else "critère de trésorerie : non atteint", "lines": cash_lines},
        "go": go_line,
    }  # fmt: skip


def conditions_text(run: RunData) -> list[str]:
    """The conditions of the avis, in words (no command line): what must happen, how much and by when."""
    verdict = run.verdict or {}
    out = []
    for c in verdict.get("conditions", []):
        key = c.get("key")
        if key == "financing_need":
            solved = solved_startup(run.solve)
            amount = (
                f"de {fmt_money(solved[0])} selon le calcul de financement par simulation"
                + (f" ({fmt_money(solved[1])} avec une marge de prudence)" if solved[1] and solved[1] > solved[0] else "")
                if solved
                else f"d'au moins {fmt_money(c.get('amount_eur'))}"
            )
            out.append(
                f"Réunir avant l'ouverture ({fmt_month(c.get('by_month'))}) un financement de démarrage {amount} "
                f"(quasi-fonds propres, avance remboursable, avance sur convention ou "
                f"mobilisation des créances publiques), en plus du plan actuel : sans lui, la trésorerie propre dépasse le "
                f"découvert autorisé ; avant tout financement, elle est au plus bas {_offset_label(c.get('need_month_offset'), run.start_month)} en médiane."
            )
        elif key == "insolvency_borderline":
            ci = c.get("ci") or [None, None]
            out.append(
                f"Le risque de rupture de trésorerie ({fmt_pct(c.get('probability'))}, {_ci(ci[0], ci[1])}) est proche du seuil "
                f"de {fmt_pct(c.get('threshold'))} : prévoir une marge de sécurité dans le plan de financement."
            )
        elif key == "over_compensation":
            years_over = c.get("years") or []
            if not years_over or not float(c.get("amount_eur") or 0.0):
                continue  # no year over in the median simulation: nothing to adjust
            span = f"{years_over[0]} à {years_over[-1]}" if len(years_over) > 1 else (str(years_over[0]) if years_over else "")
            out.append(
                f"Ajuster les subventions d'exploitation des années {span} : elles dépassent de {fmt_money(c.get('amount_eur'))} "
                "en tout (médiane) le coût net du service augmenté d'une marge raisonnable, ce que la Décision 2012/21/UE "
                "(art. 5 et 6) ne permet pas de verser."
            )
        elif key == "relies_on_over_compensation":
            out.append(
                "Le scénario ne tient que par une surcompensation : les subventions d'exploitation dépassent les charges "
                "de la structure. Aucun financeur ne peut les verser ; l'avis est défavorable."
            )
        elif key == "break_even":
            out.append(f"La structure ne revient pas à l'équilibre d'exploitation au plus tard en année {c.get('by_year')} : l'avis est défavorable.")
        elif key == "economic_risk":
            out.append(
                f"Réduire le risque économique : dans {fmt_pct(c.get('probability'))} des simulations (toléré : "
                f"{fmt_pct(c.get('max_probability'))}), la structure ne s'équilibre pas en année {c.get('by_year')} et son déficit "
                "dure ; aucun financement de démarrage n'y remédie. Ce risque dépend pour une bonne part de ce que l'on ne sait "
                "pas du territoire (voir « Ce que l'on ne sait pas ») : le vérifier sur les chiffres des CAE voisines avant l'ouverture."
            )
        elif key == "public_share":
            out.append(
                f"Réduire la dépendance aux subventions : elles dépassent {fmt_pct(c.get('max_public_share'))} du budget en "
                f"année {c.get('year')} dans la plupart des simulations."
            )
        elif key in ("break_even_borderline", "public_share_borderline"):
            what = "le retour à l'équilibre" if key.startswith("break_even") else "la part des subventions"
            out.append(f"Le critère sur {what} est respecté de justesse : à confirmer sur données locales.")
        elif key == "no_go":
            missing = c.get("never_committed") or []
            who = ", ".join(missing) if missing else "les financeurs requis"
            out.append(
                f"La coopérative n'ouvre dans aucune simulation : {who} ne s'engage jamais, et la décision d'ouverture "
                "l'exige. L'avis est défavorable tant que cet engagement n'est pas obtenu."
            )
    return out


def funders_table(run: RunData) -> Table | None:
    """The verdict with each funder missing in turn (funders.csv), the decisive ones marked."""
    frame = run.funders
    if frame is None or frame.empty:
        return None
    rows = []
    for r in frame.to_dict("records"):
        label = r["funder"] or "Tous les financeurs (scénario)"
        if r["funder"]:
            label = f"Sans {r['funder']}"
        outcome = L.OUTCOME_LABELS.get(r["outcome"], r["outcome"]).removeprefix("Avis ")
        required = "oui" if str(r["required_to_open"]).lower() in ("true", "1") else "non"
        decisive = str(r["decisive"]).lower() in ("true", "1")
        rows.append(
            Row(
                label,
                (Cell(outcome + (" (décisif)" if decisive else "")), Cell(required if r["funder"] else DASH),
                 Cell(fmt_pct(r["rupture_probability"])), Cell(fmt_money(r["startup_need_p50_eur"])),
                 Cell(fmt_money(r["amount_to_secure_eur"]))),
                kind="total" if not r["funder"] else "",
            )
        )  # fmt: skip
    return Table(
        first_col="Financeur manquant",
        header=("Avis", "Requis pour ouvrir", "Risque de rupture", "Besoin de démarrage (médiane)", "À réunir avant l'ouverture"),
        rows=tuple(rows),
        caption="Le financeur décisif : l'avis quand chaque financeur manque tour à tour (mêmes tirages aléatoires)",
        note="Sans un financeur, ses conventions et son engagement sont retirés ; « requis pour ouvrir » dit si la décision "
        "d'ouverture l'exige. Un financeur est décisif quand l'avis sans lui est moins bon.",
        compact=True,
    )


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
            f"ETP moyens sur {last_year} (heures équivalentes)",
            q("jobs_fte_final_year", "jobs_fte_final_year"),
            lambda v: fmt_number(v, 0),
        ),
        (
            "Coût public total",
            f"financements reçus et étude, sur {horizon}",
            q("public_cost_eur", "public_funding_eur"),
            fmt_money,
        ),
        (
            "Coût public par personne",
            "accompagnée",
            q("public_cost_per_supported_eur", "public_funding_per_supported_eur"),
            fmt_money,
        ),
        (
            "Besoin de financement de démarrage",
            "trésorerie propre avant financement, au plus bas",
            q("startup_need_eur", "startup_need_eur"),
            fmt_money,
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


def _planned(run: RunData, target: str) -> tuple[str, float]:
    """What the solver's figure comes on top of: the financing plan (start-up) or the planned public funding."""
    verdict = run.verdict or {}
    if target == "startup":
        return "de financement de démarrage", float(((verdict.get("layers") or {}).get("cash") or {}).get("financing_plan_eur") or 0.0)
    if target == "funding" and run.funding is not None and not run.funding.empty:
        total = run.funding.groupby("replication")["earned_eur"].sum().median()
        return "de financements publics sur la période", float(total)
    return "", 0.0


def _no_answer(run: RunData, solve: dict[str, Any], what: str, fmt: Callable[[Any], str]) -> str:
    """Why the search found no level, from its history: the best level tried and what it still misses."""
    history = solve.get("history") or []
    if not history:
        return f"Aucun niveau de {what} essayé ne respecte les critères recherchés."
    best = min(history, key=lambda h: (h.get("insolvency") if h.get("insolvency") is not None else 1.0, h.get("value") or 0.0))
    top = max(h.get("value") or 0.0 for h in history)
    threshold = ((run.verdict or {}).get("layers") or {}).get("cash", {}).get("max_rupture_probability")
    text = (
        f"Aucun niveau de {what} essayé, jusqu'à {fmt(top).replace(',00', '')}, ne suffit : au mieux, le risque de rupture de trésorerie reste de "
        f"{fmt_pct(best.get('insolvency'))}"
        + (f", au-dessus du seuil de {fmt_pct(threshold)}" if threshold is not None else "")
        + "."
    )
    if all(float(h.get("break_even") or 0.0) < 0.5 for h in history):
        text += (
            " La cause n'est pas le seul démarrage : la structure ne revient pas à l'équilibre d'exploitation, et un apport "
            "ponctuel ne fait que reculer la date de la rupture. Il faut d'abord plus de ressources durables (accueils, "
            "contribution, subventions d'exploitation) ou moins de charges."
        )
    return text


def funding_needed(run: RunData) -> dict[str, Any]:
    """The solver's answer, from solve.json when present, in words (no command line on page one).

    The figure is an addition: "financement supplémentaire, en plus des X prévus". Without an
    answer, the reason is read from the search's history.
    """
    solve = run.solve
    if not solve:
        return {"available": False, "text": ""}
    target = solve.get("target", "funding")
    value, spread = solve.get("value"), solve.get("spread") or [None, None]
    planned_what, planned = _planned(run, target)
    if target == "startup":
        kind = {"quasi_equity": "quasi-fonds propres", "repayable_advance": "avance remboursable"}.get(solve.get("instrument", ""), "apport")
        fmt: Callable[[Any], str] = fmt_money
        what, unit = f"financement de démarrage supplémentaire ({kind}, reçu à l'ouverture)", ""
    elif target == "funding":
        fmt, what, unit = fmt_money, "subvention d'exploitation supplémentaire", " par an"
    elif target == "accueils":
        fmt, what, unit = fmt_int, "flux d'accueils minimal", " accueils par an"
    else:
        fmt, what, unit = (lambda v: fmt_pct(v, 1)), "taux de contribution", ""
    if is_missing(value):
        if target == "funding" and not solve.get("history"):
            text = (
                "Aucune subvention d'exploitation dans la limite de la compensation (coût net du service plus une marge, "
                "Décision 2012/21/UE) ne permet le retour à l'équilibre : une subvention plus forte serait une "
                "surcompensation ; l'avis est défavorable."
            )
        else:
            text = _no_answer(run, solve, what.split(" (")[0], fmt)
        return {"available": True, "text": text, "met": False}
    text = f"{what[:1].upper()}{what[1:]} : {fmt(value)}{unit}"
    if target in ("startup", "funding"):
        text += f", en plus des {fmt_money(planned)} {planned_what} prévus" if planned > 0 else f", aucun financement {planned_what.removeprefix('de ')} n'étant prévu aujourd'hui"
    if target == "funding" and solve.get("years") and solve.get("first_month"):
        text += f", pendant {fmt_int(solve['years'])} ans à partir de {fmt_month(solve['first_month'])}"
    if spread and not any(is_missing(x) for x in spread):
        text += f" (selon les simulations, {fmt_range(spread[0], spread[1], fmt)})"
    text += "."
    binding = solve.get("binding") or ""
    names = {"insolvency": "le risque de rupture de trésorerie", "break_even": "le retour à l'équilibre", "compensation": "la limite de compensation"}
    if binding:
        text += " Ce qui fixe ce montant : " + ", ".join(names.get(b, b) for b in binding.split(",")) + "."
    if not is_missing(solve.get("insolvency_probability")):
        ci = solve.get("insolvency_ci") or [None, None]
        text += (
            f" À ce niveau, le risque de rupture de trésorerie est de {fmt_pct(solve['insolvency_probability'])} "
            f"({_ci(ci[0], ci[1])})"
        )
        outcome = solve.get("outcome_at_solution")
        label = L.OUTCOME_LABELS.get(outcome, outcome).lower().removeprefix("avis ")
        text += f" et l'avis serait {label}." if outcome else "."
    if solve.get("replications"):
        text += f" Recherche sur {fmt_int(solve['replications'])} simulations."
    return {"available": True, "text": text, "met": solve.get("met")}
