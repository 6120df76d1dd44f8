"""Sensitivity and method: the tornado rows and table, and the run's provenance."""

from __future__ import annotations

from typing import Any

from simcoop.report import labels as L
from simcoop.report.data import RunData
from simcoop.report.format import (
    DASH,
    fmt_int,
    fmt_keur,
    fmt_month_index,
    fmt_number,
    fmt_pct,
    is_missing,
)
from simcoop.report.tables.assumptions import format_value
from simcoop.report.tables.cells import Cell, Row, Table


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
    """The one-at-a-time sensitivity as a table (None without ``sensitivity.csv``)."""
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
            "Risque de rupture",
            "Équilibre (médiane)",
            "Trésorerie propre au plus bas (k€, médiane)",
            "Avis",
        ),
        rows=tuple(out),
        compact=True,
        first_col="Hypothèse",
        note="Une hypothèse à la fois, les autres à leur valeur de base, sur les mêmes tirages aléatoires"
        + (f" ({fmt_int(reps)} simulations par variante)." if reps is not None and not is_missing(reps) else ".")
        + (
            " Les hypothèses que chaque simulation tire de la loi a priori (part des accueils qui entrent, chiffre "
            "d'affaires, sorties…) n'y figurent pas : leur effet est mesuré dans « Ce que l'on ne sait pas »."
            if run.parameters is not None and len(run.parameters.columns) > 2
            else ""
        ),
    )


def provenance(run: RunData) -> list[tuple[str, str]]:
    """Label/value pairs that identify the run: scenario, hash, seed, replications, version, date."""
    m = run.manifest
    rows = [
        ("Fichier du scénario (nom interne)", str(m.get("scenario_name", run.scenario["meta"].get("name", "")))),
        ("Empreinte du scénario (SHA-256)", str(m.get("scenario_hash", DASH))),
        ("Simulations", fmt_int(m.get("replications"))),
        ("Point de départ des tirages aléatoires", str(m.get("seed", DASH))),
        ("Version du modèle (simcoop)", str(m.get("simcoop_version", DASH))),
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
