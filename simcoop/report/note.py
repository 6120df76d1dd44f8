"""The note de synthèse: the 2-4 pages a collectivité's chargé de mission hands to the élu.

Written beside the full report (``note.html``, ``note.pdf``) by ``simcoop report --note``
and ``simcoop run --report --note``. It reads the same run folder as the report and says,
in this order: the context, the amount requested from the reader, who pays what and its
share of the budget, a reasoned opinion, its conditions, and the indicators to follow
once the cooperative opens. No chart, no command line, no model vocabulary.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from simcoop.report import labels as L
from simcoop.report import tables as T
from simcoop.report.data import RunData
from simcoop.report.templating import jinja_environment
from simcoop.report.format import fmt_date, fmt_int, fmt_month, fmt_month_index, fmt_number, fmt_pct, is_missing

__all__ = ["NOTE_HTML", "NOTE_PDF", "note_context", "render_note_html"]

NOTE_HTML = "note.html"
NOTE_PDF = "note.pdf"


def _context_lines(run: RunData) -> list[str]:
    """What the project is: territory, opening, team, sites, the flow of people it expects."""
    scenario = run.scenario
    coop = scenario["cooperative"]
    sites = coop.get("sites") or []
    staff = coop.get("staff") or {}
    years = run.horizon_months / 12
    horizon = f"{fmt_number(years, 0 if years.is_integer() else 1)} ans"
    kpis = run.kpis
    accueils = kpis["accueils"].median() if "accueils" in kpis else None
    lines = [
        f"Projet : créer une coopérative d'activités et d'emploi (CAE) sur le territoire « {_title(run)} », "
        f"ouverte en {fmt_month(run.start_month)}. Une CAE héberge des porteurs de projet qui testent leur activité "
        "(contrat d'appui, CAPE), puis en deviennent salariés (CESA) et, s'ils le souhaitent, associés.",
    ]
    team = staff.get("fte_at_opening")
    support = staff.get("support_fte_at_opening")
    if team is not None:
        what = f"{fmt_number(float(team), 1).removesuffix(',0')} ETP d'accompagnement"
        if support:
            what += f" et {fmt_number(float(support), 1).removesuffix(',0')} ETP de gestion"
        lines.append(
            f"Équipe à l'ouverture : {what} ; {fmt_int(len(sites))} site{'s' if len(sites) > 1 else ''}"
            + (f" ({', '.join(s['name'] for s in sites)})" if sites else "")
            + "."
        )
    if not is_missing(accueils):
        supported = (run.verdict or {}).get("figures", {}).get("people_supported", {}).get("p50")
        lines.append(
            f"L'étude a simulé {horizon} d'activité, {fmt_int(run.manifest.get('replications', len(kpis)))} fois, avec des "
            f"aléas différents : environ {fmt_int(accueils)} personnes accueillies sur la période"
            + (f", dont {fmt_int(supported)} entrées en accompagnement" if not is_missing(supported) else "")
            + " (médianes)."
        )
    return lines


def _title(run: RunData) -> str:
    meta = run.scenario["meta"]
    return str(meta.get("territory_name") or meta.get("name"))


def _opinion(run: RunData) -> list[str]:
    """The reasoned opinion: the avis, then why, in the synthesis's words and the two layers' figures."""
    verdict = run.verdict or {}
    if not verdict:
        return ["Les critères de l'avis n'ont pas été évalués pour cette simulation : aucun avis n'est rendu."]
    label = L.OUTCOME_LABELS.get(verdict.get("outcome", ""), "Avis")
    lines = [f"{label}."]
    lines += T.synthesis_sentences(run)
    return lines


def _indicators(run: RunData) -> list[str]:
    """What to follow each year after opening, with the value the study expects (median) where it has one."""
    verdict = run.verdict or {}
    figures = verdict.get("figures", {})
    layers = verdict.get("layers") or {}
    results = (layers.get("economic") or {}).get("result_by_year") or []
    yearly = run.yearly
    first_year = int(yearly["year"].min()) if len(yearly) else None
    out = []
    if first_year is not None and "accueils" in yearly:
        y1 = yearly[yearly["year"] == first_year]
        out.append(
            f"Accueils (réunions d'information) de la première année : {fmt_int(y1['accueils'].median())} attendus en {first_year} ; "
            "un écart de plus d'un quart appelle une révision du plan."
        )
        entries = (y1["cape_entries"] + y1["cesa_entries"]).median() if "cape_entries" in y1 else None
        if not is_missing(entries):
            out.append(f"Entrées en accompagnement (CAPE et CESA) : {fmt_int(entries)} attendues en {first_year}.")
    if results:
        r0 = results[0]
        out.append(
            f"Résultat d'exploitation de la coopérative : {T.fmt_keur_round((r0.get('result_eur') or {}).get('p50'))} attendu en {r0['year']}, "
            "puis une amélioration chaque année jusqu'à l'équilibre."
        )
    need = ((layers.get("cash") or {}).get("startup_need_eur") or {}).get("p50")
    if not is_missing(need):
        month = (layers.get("cash") or {}).get("startup_need_month")
        when = "" if is_missing(month) else f" (au plus bas vers {fmt_month_index(int(round(float(month))), run.start_month)})"
        out.append(f"Trésorerie propre de la coopérative, chaque mois : elle ne doit pas descendre sous le découvert autorisé{when}.")
    crit = next((c for c in verdict.get("criteria", []) if c["key"] == "public_share"), None)
    if crit:
        d = crit.get("detail", {})
        out.append(
            f"Part des subventions dans le budget : au plus {fmt_pct(d.get('max_public_share'))} en {d.get('year')}e année "
            f"({fmt_pct((d.get('public_share') or {}).get('p50'))} attendus)."
        )
    jobs = figures.get("jobs_fte_final_year", {}).get("p50")
    if not is_missing(jobs) and len(yearly):
        out.append(f"Emplois des entrepreneurs en équivalents temps plein : environ {fmt_number(jobs, 0)} attendus en {int(yearly['year'].max())}.")
    return out


def note_context(run: RunData, reader: str | None = None) -> dict[str, Any]:
    """Everything the note shows, as plain data."""
    verdict = run.verdict or {}
    return {
        "title": "Note de synthèse : création d'une coopérative d'activités et d'emploi",
        "territory": _title(run),
        "reader": T.reader_request(run, reader),
        "reader_name": reader,
        "context": _context_lines(run),
        "budget_funders": T.budget_funders_table(run, reader),
        "opinion": _opinion(run),
        "outcome": verdict.get("outcome", "missing"),
        "conditions": T.conditions_text(run) if verdict else [],
        "conditions_title": "Conditions" if verdict.get("outcome") == "favourable_under_conditions" else "Motifs et conditions d'un nouvel examen",
        "funding_needed": T.funding_needed(run),
        "indicators": _indicators(run),
        "replications": fmt_int(run.manifest.get("replications", len(run.kpis))),
        "generated": fmt_date(datetime.now(UTC)),
    }


def render_note_html(run: RunData, reader: str | None = None) -> str:
    """The note de synthèse of a run as one self-contained HTML page (A4 print styles)."""
    return jinja_environment().get_template("note.html.j2").render(**note_context(run, reader))
