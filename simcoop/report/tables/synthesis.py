"""What an élu reads first: the plain-French synthesis, who pays what, and what is asked of the reader.

``synthesis_sentences`` gives two or three sentences (what goes wrong, when, what would fix
it, amounts in k€ rounded) from the run's verdict; ``budget_funders_table`` each funder's
amount over the horizon and its share of the cooperative's budget (the contributions plus
the public funding earned, the ratio of the verdict's public-share criterion);
``reader_request`` the amount asked of the reader's own collectivité, named by
``reader`` (a funder of the scenario, checked by ``check_reader``).
"""

from __future__ import annotations

import difflib
from typing import Any

import pandas as pd

from simcoop.report import labels as L
from simcoop.report.data import RunData, solved_startup
from simcoop.report.format import fmt_keur_round, fmt_month, fmt_month_index, fmt_number, fmt_pct, is_missing
from simcoop.report.tables.cells import Cell, Row, Table

__all__ = [
    "ReaderError",
    "budget_frame",
    "budget_funders_table",
    "check_reader",
    "funders_of",
    "reader_request",
    "synthesis_sentences",
]


class ReaderError(ValueError):
    """The reader named for a report is not a funder of its scenario."""


def funders_of(scenario: dict[str, Any]) -> list[str]:
    """The funders named by the scenario's public funding conventions, in order, each once."""
    return list(dict.fromkeys(c["funder"] for c in scenario.get("cooperative", {}).get("public_funding", []) or []))


def check_reader(scenario: dict[str, Any], reader: str | None) -> str | None:
    """The reader's funder name as the scenario spells it; ReaderError naming the allowed ones otherwise.

    Case and surrounding spaces are forgiven (``région`` -> ``Région``); a name that is no
    funder of the scenario is refused with the closest one suggested.
    """
    if reader is None:
        return None
    funders = funders_of(scenario)
    wanted = reader.strip().casefold()
    for name in funders:
        if name.casefold() == wanted:
            return name
    for name in funders:  # "Intercommunalité" for "Intercommunalité (EPCI)"
        if name.casefold().startswith(wanted) and wanted:
            return name
    close = difflib.get_close_matches(reader, funders, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    allowed = ", ".join(repr(f) for f in funders) or "none: the scenario has no public funding convention"
    raise ReaderError(f"reader {reader!r} is not a funder of the scenario{hint}; allowed: {allowed}")


def budget_frame(run: RunData) -> pd.DataFrame | None:
    """Per replication: each funder's funding earned over the horizon and the budget (contributions + public funding earned)."""
    funding = run.funding
    if funding is None or funding.empty:
        return None
    per = funding.groupby(["replication", "funder"], sort=False)["earned_eur"].sum().unstack("funder").fillna(0.0)
    per = per.reindex(sorted(run.kpis["replication"].unique()), fill_value=0.0)
    yearly = run.yearly.groupby("replication")[["contributions_eur", "public_funding_earned_eur"]].sum()
    per["__contributions"] = yearly["contributions_eur"].reindex(per.index).to_numpy()
    per["__budget"] = (yearly["contributions_eur"] + yearly["public_funding_earned_eur"]).reindex(per.index).to_numpy()
    return per


def _years_of(run: RunData, funder: str) -> str:
    """``2027 à 2029``: the calendar years in which the funder's median funding is positive."""
    funding = run.funding
    med = funding[funding["funder"] == funder].groupby(["replication", "year"])["earned_eur"].sum().groupby("year").median()
    years = [int(y) for y, v in med.items() if v > 0]
    if not years:
        return "—"
    return str(years[0]) if len(years) == 1 else f"{years[0]} à {years[-1]}"


def _kinds(run: RunData, funder: str) -> str:
    kinds = [c.get("kind", "fixed") for c in run.scenario["cooperative"].get("public_funding", []) if c["funder"] == funder]
    return ", ".join(dict.fromkeys(L.FUNDING_KIND_LABELS.get(k, k) for k in kinds))


def budget_funders_table(run: RunData, reader: str | None = None) -> Table | None:
    """Who pays what: each funder's amount over the horizon (median) and its share of the budget; the reader's row marked."""
    frame = budget_frame(run)
    if frame is None:
        return None
    years = run.horizon_months / 12
    horizon = f"{fmt_number(years, 0 if years.is_integer() else 1)} ans"
    budget = frame["__budget"].replace(0, float("nan"))
    rows = []
    for funder in [c for c in frame.columns if not c.startswith("__")]:
        amount = float(frame[funder].median())
        share = float((frame[funder] / budget).median())
        label = f"{funder} (vous)" if reader == funder else funder
        rows.append(Row(label, (Cell(_kinds(run, funder)), Cell(_years_of(run, funder)), Cell(fmt_keur_round(amount)), Cell(fmt_pct(share))),
                        kind="total" if reader == funder else ""))  # fmt: skip
    public = frame[[c for c in frame.columns if not c.startswith("__")]].sum(axis=1)
    rows.append(Row("Financements publics, ensemble", (Cell(""), Cell(""), Cell(fmt_keur_round(public.median())), Cell(fmt_pct((public / budget).median()))), kind="muted"))
    contributions = frame["__contributions"]
    rows.append(Row("Contribution des entrepreneurs (ressource propre)", (Cell(""), Cell(""), Cell(fmt_keur_round(contributions.median())), Cell(fmt_pct((contributions / budget).median())))))
    rows.append(Row("Budget de la coopérative", (Cell(""), Cell(""), Cell(fmt_keur_round(frame["__budget"].median())), Cell(fmt_pct(1.0))), kind="total"))
    return Table(
        first_col="Qui paie quoi",
        header=("Nature", "Années", f"Montant sur {horizon}", "Part du budget"),
        rows=tuple(rows),
        compact=True,
        note="Montants acquis sur toute la période simulée, en médiane des simulations (chaque ligne a sa propre médiane : "
        "elles ne s'additionnent pas exactement). Budget : contribution des entrepreneurs et financements publics acquis.",
    )


def reader_request(run: RunData, reader: str | None) -> dict[str, str] | None:
    """What is asked of the reader's collectivité: its amount over the horizon, a year on average, its share of the budget."""
    frame = budget_frame(run)
    if reader is None or frame is None or reader not in frame.columns:
        return None
    amount = float(frame[reader].median())
    share = float((frame[reader] / frame["__budget"].replace(0, float("nan"))).median())
    years = _years_of(run, reader)
    n_years = 1 if " à " not in years else int(years.split(" à ")[1]) - int(years.split(" à ")[0]) + 1
    return {
        "reader": reader,
        "amount": fmt_keur_round(amount),
        "per_year": fmt_keur_round(amount / max(n_years, 1)),
        "years": years,
        "share": fmt_pct(share),
        "text": f"Montant demandé par le projet à votre collectivité ({reader}) : {fmt_keur_round(amount)} sur la période "
        f"({years}), soit environ {fmt_keur_round(amount / max(n_years, 1))} par an et {fmt_pct(share)} du budget de la coopérative.",
    }


def _month_of(offset: Any, start_month: str) -> str:
    return "—" if is_missing(offset) else fmt_month_index(int(round(float(offset))), start_month)


def _what_goes_wrong(run: RunData, verdict: dict[str, Any]) -> list[str]:
    criteria = {c["key"]: c for c in verdict.get("criteria", [])}
    layers = verdict.get("layers") or {}
    eco, cash = layers.get("economic") or {}, layers.get("cash") or {}
    out = []
    be = criteria.get("break_even")
    results = eco.get("result_by_year") or []
    if be and not be["met"] and be["detail"].get("within_horizon", True):
        by = int(be["detail"].get("by_year") or 0)
        first = results[0] if results else None
        at = results[by - 1] if 0 < by <= len(results) else None
        sentence = f"La coopérative ne revient pas à l'équilibre en {by}e année d'activité comme il le faudrait"
        if first and at:
            sentence += (
                f" : son résultat reste négatif, de {fmt_keur_round((first.get('result_eur') or {}).get('p50'))} en {first['year']} "
                f"à {fmt_keur_round((at.get('result_eur') or {}).get('p50'))} en {at['year']} en médiane"
            )
        month = (be["detail"].get("break_even_month") or {}).get("p50")
        never = int(be["detail"].get("never_replications") or 0)
        if never * 2 > int(verdict.get("replications") or 1) or is_missing(month):
            sentence += ", et dans la plupart des simulations il ne redevient jamais durablement positif sur la période simulée."
        else:
            sentence += f", et il ne devient durablement positif qu'en {_month_of(month, run.start_month)}."
        out.append(sentence)
    elif be and eco.get("within_risk_tolerance") is False:
        out.append(
            f"La coopérative ne revient pas à l'équilibre en {int(be['detail'].get('by_year') or 0)}e année dans "
            f"{fmt_pct(eco.get('non_viable_probability'))} des simulations, et son déficit dure alors : c'est le risque "
            "économique du projet, qu'aucun financement de démarrage ne couvre."
        )
    ps = criteria.get("public_share")
    if ps and not ps["met"] and ps["detail"].get("within_horizon", True):
        d = ps["detail"]
        subsidies = (
            f"Les subventions pèsent {fmt_pct((d.get('public_share') or {}).get('p50'))} du budget en {d.get('year')}e année, "
            f"au-delà du plafond de {fmt_pct(d.get('max_public_share'))}."
        )
    else:
        subsidies = None
    if cash and not cash.get("sustainable", True):
        ins = (criteria.get("insolvency") or {}).get("detail", {})
        month = ins.get("median_insolvency_month")
        when = "" if is_missing(month) else f", dès {_month_of(month, run.start_month)} en médiane"
        need = (cash.get("startup_need_eur") or {}).get("p50")
        if out:
            subject = "Sa trésorerie"
        elif be and be["met"] and not is_missing((be["detail"].get("break_even_month") or {}).get("p50")):
            # The structure pays its way: say so first, then what its cash lacks.
            subject = (
                f"La coopérative revient à l'équilibre dès {_month_of(be['detail']['break_even_month']['p50'], run.start_month)} "
                "en médiane, mais sa trésorerie"
            )
        else:
            subject = "La trésorerie de la coopérative"
        where = " où elle s'équilibre" if cash.get("read_on_replications") not in (None, cash.get("replications")) else ""
        out.append(
            f"{subject} passe sous le découvert autorisé dans {fmt_pct(cash.get('rupture_probability'))} des simulations{where}{when} ; "
            f"sans financement de démarrage, il lui manque jusqu'à {fmt_keur_round(need)} en médiane."
        )
    if subsidies:  # after the sentence about the cooperative, so that its "Sa" and "La coopérative" keep their subject
        out.append(subsidies)
    return out


def _what_would_fix(run: RunData, verdict: dict[str, Any]) -> str | None:
    parts = []
    after = ""
    layers = verdict.get("layers") or {}
    cash = layers.get("cash") or {}
    plan = float(cash.get("financing_plan_eur") or 0.0)
    results = (layers.get("economic") or {}).get("result_by_year") or []
    for c in verdict.get("conditions", []):
        key = c.get("key")
        if key == "financing_need":
            solve = run.solve or {}
            if solve.get("target") == "startup" and is_missing(solve.get("value")) and solve.get("history"):
                # The search tried one-off sums and none carried the cash: do not offer one as the fix.
                after = (
                    " Un apport ponctuel au démarrage ne suffirait pas, quel qu'en soit le montant essayé : la trésorerie "
                    "ne tient qu'avec un résultat durablement positif."
                )
                continue
            planned = f"en plus des {fmt_keur_round(plan)} prévus" if plan > 0 else "aucun n'étant prévu aujourd'hui"
            solved = solved_startup(run.solve)
            amount = fmt_keur_round(solved[0] if solved else c.get("amount_eur"))
            prudent = f" ({fmt_keur_round(solved[1])} par prudence)" if solved and solved[1] and solved[1] > solved[0] else ""
            parts.append(
                f"réunir avant l'ouverture ({fmt_month(c.get('by_month'))}) environ {amount}{prudent} "
                f"de financement de démarrage (quasi-fonds propres ou avance remboursable), {planned}"
            )
        elif key == "break_even":
            by = int(c.get("by_year") or 0)
            at = results[by - 1] if 0 < by <= len(results) else None
            gap = -float((at.get("result_eur") or {}).get("p50") or 0.0) if at else 0.0
            if gap > 0:
                parts.append(
                    f"trouver environ {fmt_keur_round(gap)} par an de ressources en plus, ou de charges en moins, pour "
                    f"équilibrer le résultat dès {at['year']}"
                )
        elif key == "economic_risk":
            parts.append(
                "vérifier avant l'ouverture, sur les chiffres des CAE voisines, ce que l'on ne sait pas du territoire "
                "(chiffre d'affaires des activités, passage de l'accueil au contrat), dont dépend le risque économique"
            )
        elif key == "over_compensation" and c.get("years"):
            years = c["years"]
            parts.append(f"ramener les subventions des années {years[0]} à {years[-1]} au coût net du service (dépassement de {fmt_keur_round(c.get('amount_eur'))})")
        elif key == "public_share":
            parts.append(f"réduire la part des subventions sous {fmt_pct(c.get('max_public_share'))} du budget")
        elif key == "no_go":
            who = ", ".join(c.get("never_committed") or []) or "les financeurs requis"
            parts.append(f"obtenir l'engagement de {who}, sans lequel la coopérative n'ouvre pas")
    if not parts:
        return after.strip() or None
    return "Pour y remédier, il faudrait " + " ; et ".join(parts) + "." + after


def synthesis_sentences(run: RunData) -> list[str]:
    """Two or three plain-French sentences for the top of page one: what goes wrong, when, what would fix it."""
    verdict = run.verdict
    if not verdict:
        return ["L'avis n'a pas pu être établi pour cette simulation : les critères de viabilité n'ont pas été évalués."]
    outcome = verdict.get("outcome")
    cash = (verdict.get("layers") or {}).get("cash") or {}
    if outcome == "favourable":
        be = next((c for c in verdict.get("criteria", []) if c["key"] == "break_even"), None)
        month = ((be or {}).get("detail", {}).get("break_even_month") or {}).get("p50")
        when = f"dès {_month_of(month, run.start_month)} en médiane" if not is_missing(month) else "dans le délai fixé"
        return [
            f"La coopérative revient à l'équilibre {when}, et sa trésorerie reste au-dessus du découvert autorisé dans "
            f"{fmt_pct(1 - float(cash.get('rupture_probability') or 0.0))} des simulations.",
            "Le plan de financement prévu suffit ; les conditions de l'avis ci-dessous restent à vérifier sur les données locales.",
        ]
    sentences = _what_goes_wrong(run, verdict)[:2]
    fix = _what_would_fix(run, verdict)
    if fix:
        sentences.append(fix)
    return sentences or ["Les critères de l'avis sont détaillés ci-dessous."]
