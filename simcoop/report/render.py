"""Render the French report of a run: ``report.html`` (self-contained) and ``report.pdf`` (WeasyPrint).

``render_html(run_dir)`` returns the HTML; ``write_report(run_dir)`` writes both files
atomically into the run folder. Everything comes from the run folder's files; the
charts are embedded as SVG ``data:`` URIs, so the HTML needs nothing else.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from simcoop.months import shift_month, year_and_month
from simcoop.outdir import add_owned_file, folder_lock
from simcoop.reality import LAST_MONTH_COLUMNS, reality_check, reality_sentence_fr
from simcoop.report import figures as F
from simcoop.report import labels as L
from simcoop.report import tables as T
from simcoop.report.data import RunData, load_run
from simcoop.report.templating import jinja_environment
from simcoop.report.unknowns import UNKNOWNS_TITLE, page_one_sentence, unknowns_block
from simcoop.report.format import fmt_date, fmt_eur, fmt_int, fmt_month, fmt_month_index, fmt_number, fmt_pct

__all__ = ["REPORT_HTML", "REPORT_PDF", "build_context", "render_html", "render_pdf", "scenario_title", "write_report"]

REPORT_HTML = "report.html"
REPORT_PDF = "report.pdf"


def _matrix(run: RunData, column: str) -> np.ndarray:
    """Replications x months of a monthly column."""
    return T.monthly_matrix(run, column)


def _dates(run: RunData) -> list[Any]:
    return T.monthly_dates(run)


def _ym(value: str) -> datetime:
    year, month = year_and_month(value)
    return datetime(year, month, 1)


def _treasury_figure(run: RunData, dates: list[Any], height_in: float = 2.6) -> F.Figure:
    overdraft = float(run.scenario.get("viability", {}).get("overdraft_eur", 0.0))
    matrix = _matrix(run, "coop_treasury_eur")
    low = np.nanmin(np.nanquantile(matrix, 0.5, axis=0))
    return F.fan_chart(
        dates,
        matrix,
        ylabel="milliers d'euros (k€)",
        title="Trésorerie propre de la coopérative, fin de mois",
        thousands=True,
        hlines=[(0.0, ""), (-overdraft, f"découvert autorisé ({fmt_eur(-overdraft)})")],
        height_in=height_in,
        alt=(
            "Éventail de la trésorerie propre de la coopérative par mois : médiane et intervalles de 25 à 75 % et de 5 à 95 % "
            f"des simulations, avec la limite du découvert autorisé à {fmt_eur(-overdraft)}. "
            f"Point bas de la médiane : {fmt_eur(low)}."
        ),
    )


def _shift(when: datetime, months: int) -> datetime:
    year, month = year_and_month(shift_month(f"{when.year:04d}-{when.month:02d}", months))
    return datetime(year, month, 1)


def _map_figure(run: RunData) -> F.Figure | None:
    """Zones shaded by people supported per 1 000 job seekers, sites marked (when coordinates are known)."""
    zones = run.scenario["territory"].get("zones") or []
    year = T.territory_last_year(run)
    if not zones or year is None or any(z.get("lat") is None or z.get("lon") is None for z in zones):
        return None
    frame = run.zones[run.zones["year"] == year]
    per = frame.groupby("zone_code", sort=False)["supported_per_1000_job_seekers"].median()
    sites = [(s["name"], s["lon"], s["lat"]) for s in run.scenario["cooperative"]["sites"] if s.get("lat") is not None and s.get("lon") is not None]
    return F.zone_map(
        [z["lon"] for z in zones],
        [z["lat"] for z in zones],
        [z["population"] for z in zones],
        [float(per.get(str(z["zone_code"]), np.nan)) for z in zones],
        [z["name"] for z in zones],
        sites,
        colorbar_label="accompagnés pour 1 000 demandeurs d'emploi",
        title=f"Personnes accompagnées pour 1 000 demandeurs d'emploi, {year} (médiane)",
        alt="Carte des zones du territoire : disques proportionnels à la population, teinte selon les personnes "
        "accompagnées pour 1 000 demandeurs d'emploi ; triangles rouges : les sites.",
    )


def _timeline_figure(run: RunData) -> F.Figure | None:
    """The four creation steps in time order, zoomed on the months before and after opening."""
    creation = run.scenario.get("creation") or {}
    opening = _ym(run.start_month)
    end = _shift(opening, run.horizon_months)
    items: list[dict[str, Any]] = []
    feas = creation.get("feasibility")
    if feas:
        start = _ym(feas["start_month"])
        items.append(
            {
                "label": "1. Faisabilité",
                "start": start,
                "end": _shift(start, int(feas.get("duration_months", 0))),
                "note": f"{fmt_eur(feas.get('cost_eur'))}"
                + (f", {feas['funded_by']}" if feas.get("funded_by") else ""),
            }
        )
    for p in sorted(creation.get("partners", []), key=lambda p: p["decision_month"]):
        funder = p["funder"] if len(p["funder"]) <= 30 else p["funder"][:29] + "…"
        items.append(
            {
                "label": f"2. {funder}",
                "date": _ym(p["decision_month"]),
                "note": f"décision en {fmt_month(p['decision_month'])}, probabilité {fmt_pct(p['probability'])}",
            }
        )
    setup = creation.get("setup")
    if setup:
        cost = float(setup.get("legal_costs_eur", 0)) + float(setup.get("recruitment_costs_eur", 0))
        capital = float(setup.get("capital_founders_eur", 0)) + float(setup.get("capital_partners_eur", 0))
        items.append(
            {
                "label": "3. Montage",
                "start": _ym(setup["start_month"]),
                "end": opening,
                "note": f"{fmt_eur(cost)} de frais ; capital {fmt_eur(capital)}",
            }
        )
    if not items:
        return None
    items.append(
        {
            "label": "4. Accompagnement",
            "start": opening,
            "end": end,
            "note": f"ouverture : {fmt_month(run.start_month)}",
        }
    )
    first = min(item.get("start", item.get("date")) for item in items)
    window = (_shift(first, -1), min(end, _shift(opening, 24)))
    alt = "Calendrier de la création : " + " ; ".join(
        f"{item['label']} de {fmt_month(item['start'])} à {fmt_month(item['end'])}"
        if "start" in item
        else f"{item['label']} : {item['note']}"
        for item in items
    )
    return F.timeline(items, alt=alt, xlim=window)


def _figures(run: RunData) -> dict[str, Any]:
    dates = _dates(run)
    years = sorted(int(y) for y in run.yearly["year"].unique())
    figs: dict[str, Any] = {}
    figs["treasury_small"] = _treasury_figure(run, dates, height_in=1.95)  # page one
    figs["treasury"] = _treasury_figure(run, dates)
    figs["timeline"] = _timeline_figure(run)
    figs["map"] = _map_figure(run)
    figs["parcours"] = F.fan_grid(
        dates,
        [
            ("Accueils dans le mois", "personnes", _matrix(run, "accueils")),
            ("En test sous CAPE", "personnes", _matrix(run, "n_cape")),
            ("Entrepreneurs-salariés (CESA)", "personnes", _matrix(run, "n_cesa")),
            ("Associés", "personnes", _matrix(run, "n_associe")),
        ],
        alt="Quatre éventails mensuels (médiane, 25 à 75 %, 5 à 95 %) : accueils du mois, personnes en CAPE, "
        "entrepreneurs-salariés non associés, associés.",
    )
    dest = run.yearly.groupby("year")[["exits_own_company", "exits_salaried_job", "exits_stop"]].median()
    figs["exits"] = F.stacked_bars(
        [int(y) for y in dest.index],
        {L.DESTINATION_LABELS[k]: dest[f"exits_{k}"].to_numpy() for k in ("own_company", "salaried_job", "stop")},
        ylabel="sorties dans l'année",
        title="Sorties par destination (médianes)",
        alt="Barres empilées par année des sorties médianes par destination : création d'entreprise, emploi salarié, arrêt.",
    )
    turnover = {y: g for y, g in run.yearly.groupby("year")["turnover_eur"]}
    q = [T.quantiles(turnover[y]) for y in years]
    figs["turnover"] = F.range_bars(
        years,
        [x[0] / 1e3 for x in q],
        [x[1] / 1e3 for x in q],
        [x[2] / 1e3 for x in q],
        ylabel="milliers d'euros (k€)",
        title="Chiffre d'affaires des activités par année",
        alt="Barres du chiffre d'affaires annuel médian des activités, avec l'intervalle de 5 à 95 %.",
    )
    figs["jobs"] = F.fan_chart(
        dates,
        _matrix(run, "jobs_fte"),
        ylabel="emplois (ETP)",
        title="Emplois en équivalents temps plein, par mois",
        alt="Éventail mensuel des emplois en équivalents temps plein des entrepreneurs-salariés et associés.",
        height_in=2.5,
    )
    pay = run.yearly[["year"]].assign(pay=run.yearly["gross_salaries_eur"] / run.yearly["salaried"].replace(0, np.nan) / 1e3)
    figs["income"] = F.box_by_year(
        years,
        [pay.loc[pay["year"] == y, "pay"].to_numpy() for y in years],
        ylabel="milliers d'euros bruts (k€)",
        title="Salaire brut annuel moyen par entrepreneur-salarié",
        alt="Boîtes par année du salaire brut annuel moyen par entrepreneur-salarié : boîte de 25 à 75 %, moustaches de 5 à 95 %.",
    )
    figs["cash"] = F.fan_chart(
        dates,
        _matrix(run, "consolidated_cash_eur"),
        ylabel="milliers d'euros (k€)",
        thousands=True,
        title="Trésorerie consolidée (coopérative et activités), fin de mois",
        hlines=[(0.0, "")],
        alt="Éventail mensuel de la trésorerie consolidée, le solde bancaire de la CAE avec les trésoreries des activités.",
    )
    share = T.public_share_rows(run)
    viability = run.scenario.get("viability", {})
    limit = float(viability.get("max_public_share", 0.5))
    figs["public_share"] = F.range_bars(
        share["years"],
        share["p5"],
        share["p50"],
        share["p95"],
        ylabel="part du budget",
        percent=True,
        title="Part du financement public dans le budget de la coopérative",
        threshold=(limit, f"plafond {fmt_pct(limit)} (contrôlé en année {viability.get('public_share_year', 5)})"),
        alt=f"Barres par année de la part médiane du financement public dans le budget, intervalle de 5 à 95 %, et plafond de {fmt_pct(limit)}.",
    )
    frame = T.funding_frame(run)
    if frame is not None:
        med = frame.groupby(["year", "funder"], sort=False)["received_eur"].median().unstack("funder").fillna(0.0)
        figs["funding"] = F.stacked_bars(
            [int(y) for y in med.index],
            {f: med[f].to_numpy() / 1e3 for f in med.columns},
            ylabel="milliers d'euros (k€)",
            title="Financements reçus par financeur (médianes)",
            alt="Barres empilées par année des financements publics médians reçus, par financeur.",
            height_in=2.8,
        )
    rows = T.sensitivity_rows(run)
    figs["tornado"] = figs["tornado_treasury"] = None
    if rows:
        top = rows[:12]
        base = float(top[0]["base_insolvency_probability"])
    if rows and _moves(top, "low_insolvency_probability", "high_insolvency_probability", base):
        figs["tornado"] = F.tornado(
            [
                {"label": r["label"], "low": r["low_insolvency_probability"], "high": r["high_insolvency_probability"]}
                for r in top
            ],
            base=base,
            xlabel="risque de rupture de trésorerie",
            percent=True,
            title="Risque de rupture de trésorerie quand une hypothèse varie (trait : scénario de base)",
            alt="Graphique en tornade : pour chaque hypothèse, le risque de rupture de trésorerie à sa valeur basse et haute, "
            f"autour de la valeur de base {fmt_pct(base)}.",
        )
    if rows:
        by_treasury = sorted(rows, key=lambda r: -r["swing_treasury"])[:12]
        base_t = float(by_treasury[0]["base_min_coop_treasury_eur_p50"])
    if rows and _moves(by_treasury, "low_min_coop_treasury_eur_p50", "high_min_coop_treasury_eur_p50", base_t):
        figs["tornado_treasury"] = F.tornado(
            [
                {
                    "label": r["label"],
                    "low": r["low_min_coop_treasury_eur_p50"],
                    "high": r["high_min_coop_treasury_eur_p50"],
                }
                for r in by_treasury
            ],
            base=base_t,
            xlabel="trésorerie propre au plus bas, médiane (k€)",
            thousands=True,
            title="Point bas de la trésorerie propre quand une hypothèse varie",
            alt="Graphique en tornade : pour chaque hypothèse, le point bas médian de la trésorerie propre à sa valeur basse et haute, "
            f"autour de la valeur de base {fmt_eur(base_t)}.",
        )
    return figs


def _moves(rows: list[dict[str, Any]], low: str, high: str, base: float) -> bool:
    """Whether any assumption moves the measure off its base value: a tornado with nothing to show is left out."""
    return any(abs(float(r[low]) - base) > 1e-9 or abs(float(r[high]) - base) > 1e-9 for r in rows)


def _tornado_sentence(run: RunData) -> str:
    """What the sensitivity says when the risk of rupture does not move: said in words, not as an empty chart."""
    rows = T.sensitivity_rows(run)
    if not rows:
        return ""
    base = float(rows[0]["base_insolvency_probability"])
    if _moves(rows, "low_insolvency_probability", "high_insolvency_probability", base):
        return ""
    return (
        f"Le risque de rupture de trésorerie reste de {fmt_pct(base)} quelle que soit l'hypothèse déplacée : aucune "
        "ne suffit à elle seule à changer ce constat. Le graphique suivant montre, lui, de combien chacune déplace le "
        "point bas de la trésorerie."
    )


def scenario_title(run: RunData) -> str:
    """The scenario's name for a reader: its territory's name (the file name, often English, stays in the annex)."""
    meta = run.scenario["meta"]
    return str(meta.get("territory_name") or meta.get("name"))


def build_context(run: RunData, reader: str | None = None) -> dict[str, Any]:
    """Everything the template shows, as plain data; ``reader`` is the funder reading it (its amount is stated)."""
    meta = run.scenario["meta"]
    verdict = run.verdict
    horizon_years = run.horizon_months / 12
    return {
        "meta": meta,
        "title": "Étude de faisabilité d'une coopérative d'activités et d'emploi",
        "territory": meta.get("territory_name") or meta.get("name"),
        "opening": fmt_month(meta["start_month"]),
        "horizon": f"{fmt_number(horizon_years, 0 if horizon_years.is_integer() else 1)} ans",
        "end_month": fmt_month_index(run.horizon_months - 1, run.start_month),
        "sections": L.SECTION_TITLES,
        "verdict": verdict,
        "outcome_label": L.OUTCOME_LABELS.get(verdict["outcome"], verdict["outcome"])
        if verdict
        else "Avis non disponible",
        "criteria": T.criteria_rows(run) if verdict else [],
        "key_figures": T.key_figures(run),
        "funding_needed": T.funding_needed(run),
        "layers": T.layers_block(run) if verdict else None,
        "funders_table": T.funders_table(run),
        "synthesis": T.synthesis_sentences(run),
        "budget_funders": T.budget_funders_table(run, reader),
        "reader": T.reader_request(run, reader),
        "scenario_title": scenario_title(run),
        "tornado_sentence": _tornado_sentence(run),
        "conditions": T.conditions_text(run) if verdict else [],
        "base_year": str(meta["start_month"])[:4],
        "register": T.assumptions_register(run),
        "annex_title": L.ANNEX_TITLE,
        "sectors": T.sectors_table(run),
        "conventions": T.conventions_table(run),
        "creation": T.creation_table(run),
        "zones_table": T.zones_table(run),
        "sites_table": T.sites_table(run),
        "exits": T.exits_table(run),
        "economy": T.economy_table(run),
        "income_statement": T.income_statement(run),
        "financing_plan": T.financing_plan(run),
        "balance_sheet": T.balance_sheet(run),
        "cash_plan": T.cash_plan(run),
        "funding": T.funding_table(run),
        "efficiency": T.public_efficiency_table(run),
        "public_figures": T.horizon_public_figures(run),
        "reality": _reality(run),
        "sensitivity": T.sensitivity_table(run),
        "unknowns": unknowns_block(run),
        "unknowns_title": UNKNOWNS_TITLE,
        "uncertainty_sentence": page_one_sentence(run),
        "has_sensitivity": run.sensitivity is not None and not run.sensitivity.empty,
        "provenance": T.provenance(run),
        "notes": run.notes or [],
        "replications": fmt_int(run.manifest.get("replications", len(run.kpis))),
        "generated": fmt_date(datetime.now(UTC)),
        "figures": _figures(run),
    }


def _fmt_reality(value: float, unit: str) -> str:
    if unit == "share":
        return fmt_pct(value)
    if unit.startswith("EUR"):
        return fmt_eur(value)
    return fmt_number(value, 2 if abs(value) < 10 else 0)


def _reality(run: RunData) -> dict[str, Any]:
    """The reality check of the run (simcoop.reality, the rule the run folder's reality_check.csv follows)."""
    rows = reality_check(run.scenario, T.monthly_rows(run, list(LAST_MONTH_COLUMNS)), run.yearly)
    return {
        "sentence": reality_sentence_fr(rows),
        "outside": any(not r.within for r in rows),
        "rows": [
            {
                "label": r.label_fr[:1].upper() + r.label_fr[1:],
                "value": _fmt_reality(r.value, r.unit),
                "range": f"{_fmt_reality(r.low, r.unit)} à {_fmt_reality(r.high, r.unit)}",
                "within": r.within,
            }
            for r in rows
        ],
    }


def render_html(run_dir: str | os.PathLike[str] | RunData, reader: str | None = None) -> str:
    """The report of the run folder ``run_dir`` (or of a ``RunData``) as one self-contained HTML page.

    ``reader``: the funder reading it (a funder of the scenario; ValueError otherwise): page one
    states the amount asked of it.
    """
    run = run_dir if isinstance(run_dir, RunData) else load_run(run_dir)
    reader = T.check_reader(run.scenario, reader)
    return jinja_environment().get_template("report.html.j2").render(**build_context(run, reader))


def _data_only_fetcher() -> Any:
    """A WeasyPrint URL fetcher that loads embedded ``data:`` URIs only: never the network or the disk."""
    from weasyprint import urls

    if hasattr(urls, "URLFetcher"):  # WeasyPrint >= 68
        return urls.URLFetcher(allowed_protocols=("data",), fail_on_errors=True)

    def fetch(url: str, *args: Any, **kwargs: Any) -> Any:  # older WeasyPrint: a plain function
        if not url.startswith("data:"):
            raise ValueError(f"the report loads no external resource ({url[:60]})")
        return urls.default_url_fetcher(url, *args, **kwargs)

    return fetch


def render_pdf(html: str, target: str | os.PathLike[str]) -> None:
    """Write ``html`` as a PDF with WeasyPrint (A4, print styles of the template)."""
    import logging

    from weasyprint import HTML

    logging.getLogger("fontTools").setLevel(logging.WARNING)
    HTML(string=html, url_fetcher=_data_only_fetcher()).write_pdf(str(target))


def write_report(
    run_dir: str | os.PathLike[str],
    pdf: bool = True,
    on_note: Callable[[str], None] | None = None,
    reader: str | None = None,
    note: bool = False,
) -> tuple[Path, ...]:
    """Write ``report.html`` and ``report.pdf`` into the run folder, each atomically; return their paths.

    Under the folder's writers' lock; every file is registered in the folder's marker.
    ``on_note(text)`` receives each French note on a file left out (also printed in the report).
    ``reader`` names the funder reading it (checked against the scenario's funders before
    anything is written); ``note`` also writes the 2-4 page note de synthèse beside the
    report (``note.html``, ``note.pdf``: ``simcoop.report.note``), whose paths follow.
    """
    from simcoop.report.note import NOTE_HTML, NOTE_PDF, render_note_html

    folder = Path(run_dir)
    with folder_lock(folder):
        run = load_run(folder)
        reader = T.check_reader(run.scenario, reader)
        for text in run.notes or []:
            if on_note is not None:
                on_note(text)
        html = render_html(run, reader)
        note_html = render_note_html(run, reader) if note else ""
        del run  # the run's tables go before WeasyPrint lays out the pages, which need only the HTML
        paths: list[Path | None] = [add_owned_file(folder, REPORT_HTML, lambda p: p.write_text(html, encoding="utf-8"))]
        paths.append(add_owned_file(folder, REPORT_PDF, lambda p: render_pdf(html, p)) if pdf else None)
        if note:
            paths.append(add_owned_file(folder, NOTE_HTML, lambda p: p.write_text(note_html, encoding="utf-8")))
            if pdf:
                paths.append(add_owned_file(folder, NOTE_PDF, lambda p: render_pdf(note_html, p)))
    return tuple(paths)  # type: ignore[arg-type]
