"""The report's section "Ce que l'on ne sait pas": how much of the spread comes from unknown parameters, and which unknowns matter.

Reads the run's own draws (``parameters.parquet``, one row per replication) next to its
KPIs (one row per replication): no further simulation. Two estimates, both "given data":

- the share of each outcome's variance that the parameters explain: the adjusted R² of a
  least-squares fit of the outcome on the drawn parameters and their squares. It is a
  lower bound of the parameters' share (interactions and sharper shapes are left to
  chance); the rest is chance (the simulated randomness of arrivals, turnover, exits),
  plus what the fit misses. With one replication per parameter set, the two cannot be
  separated exactly: a nested design (N parameter sets x m replications) would;
- the unknowns that most change the verdict: the risk of rupture de trésorerie among the
  third of the replications that drew the key lowest against the third that drew it
  highest (ties: the rank correlation with the financing need). Keys drawn together (the
  sectors' turnover medians scaled by one factor) count as one unknown.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from simcoop.report.format import fmt_eur, fmt_pct
from simcoop.verdict import at_break_even

__all__ = ["OUTCOMES", "RESOLVING_DATA", "UNKNOWNS_TITLE", "page_one_sentence", "parameter_share", "unknowns_block"]

#: The section's title (its number, if any, is the template's business).
UNKNOWNS_TITLE = "Ce que l'on ne sait pas"

#: The outcomes decomposed: kpis column -> French label.
OUTCOMES: dict[str, str] = {
    "non_viable": "Pas d'équilibre à l'échéance (oui / non)",
    "insolvent": "Rupture de trésorerie (oui / non)",
    "startup_need_eur": "Besoin de financement de démarrage",
    "active_end": "Entrepreneurs actifs en fin d'horizon",
    "public_share_in_criterion_year": "Part publique du budget (année du critère)",
}

#: Per uncertain key (a regular expression on the dotted key): its French label and the data that would resolve it.
RESOLVING_DATA: tuple[tuple[str, str, str], ...] = (
    (r"^pathway\.entry_share$", "Part des accueils qui entrent en parcours",
     "la conversion accueil → CAPE observée dans les CAE voisines (registres d'accueil et de contrats sur deux ou trois ans)"),
    (r"^territory\.accueils", "Flux d'accueils du territoire",
     "une enquête de préfiguration : prescripteurs (France Travail, missions locales, BGE), réunions d'information tests, flux des CAE voisines"),
    (r"^territory\.rampup_months$", "Durée de montée en charge des accueils",
     "la montée en charge des CAE créées récemment dans la région (accueils par trimestre depuis leur ouverture)"),
    (r"^pathway\.exits\.cape_rate", "Sorties pendant la CAPE",
     "les durées de CAPE et motifs de sortie des CAE voisines (fichier de suivi des parcours)"),
    (r"^pathway\.exits\.cesa_rate", "Sorties des entrepreneurs-salariés",
     "les sorties de CESA par ancienneté dans des CAE comparables (bilans sociaux, rapports d'activité)"),
    (r"^pathway\.exits\.associe_rate", "Sorties des associés",
     "les départs d'associés des CAE du réseau (rapports de révision coopérative)"),
    (r"^pathway\.cape\.renewal", "Renouvellement des CAPE",
     "la part des CAPE renouvelées à leur terme dans des CAE comparables"),
    (r"^pathway\.associe\.uptake", "Passage au sociétariat",
     "les délais d'entrée au sociétariat observés (registre des associés d'une CAE voisine)"),
    (r"^pathway\.direct_cesa", "Entrées directes en CESA",
     "la part des entrants signant directement un CESA dans les CAE voisines"),
    (r"\.turnover_median_eur_per_year$", "Chiffre d'affaires des activités",
     "les chiffres d'affaires par activité et par ancienneté d'une CAE comparable (comptabilité analytique, ex. enDI)"),
    (r"\.rampup_months$", "Montée en charge des activités",
     "la croissance du chiffre d'affaires des activités pendant leurs deux premières années dans une CAE comparable"),
    (r"^creation\.partners", "Engagement des partenaires",
     "des lettres d'intention des co-financeurs, puis les conventions signées"),
)


def _describe(key: str) -> tuple[str, str]:
    for pattern, label, data in RESOLVING_DATA:
        if re.search(pattern, key):
            return label, data
    return key, "des observations de ce paramètre dans des CAE comparables"


def _group(key: str) -> str:
    """Keys drawn as one unknown: the sectors' keys by field (``activities.sectors.*.turnover_median_eur_per_year``)."""
    return re.sub(r"^activities\.sectors\.[^.]+\.", "activities.sectors.*.", key)


def parameter_share(y: np.ndarray, x: np.ndarray) -> float | None:
    """The share of ``y``'s variance explained by the parameters ``x`` (adjusted R² of a quadratic fit), in [0, 1]; None if undefined."""
    n = len(y)
    if n < 8 or float(np.var(y)) == 0.0:
        return None
    z = (x - x.mean(axis=0)) / np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
    design = np.column_stack([np.ones(n), z, z**2])
    coef, _, rank, _ = np.linalg.lstsq(design, y, rcond=None)
    residual = y - design @ coef
    k = int(rank) - 1
    if n - k - 1 <= 0:
        return None
    r2 = 1.0 - float(residual @ residual) / float(((y - y.mean()) ** 2).sum())
    adjusted = 1.0 - (1.0 - r2) * (n - 1) / (n - k - 1)
    return min(max(adjusted, 0.0), 1.0)


def _frames(run: Any) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    params = getattr(run, "parameters", None)
    if params is None or params.empty:
        return None
    keys = [c for c in params.columns if c not in ("scenario", "replication")]
    kpis = run.kpis.copy()
    if "break_even_month" in kpis:  # the economic risk: no break-even by the verdict's deadline
        by_year = int(((getattr(run, "scenario", None) or {}).get("viability") or {}).get("break_even_by_year", 5))
        be = pd.to_numeric(kpis["break_even_month"], errors="coerce").astype(float).to_numpy()
        kpis["non_viable"] = (~at_break_even(be, by_year)).astype(float)
    joined = kpis.merge(params[["replication", *keys]], on="replication", how="inner")
    return joined, params[keys]


def page_one_sentence(run: Any) -> str:
    """Page one: whether the probabilities and the financing need include what is not known."""
    params = getattr(run, "parameters", None)
    if params is None or params.empty:
        return (
            "Les probabilités et le besoin de financement ci-dessus ne reflètent que le hasard, à paramètres fixés : "
            "l'incertitude sur les paramètres eux-mêmes n'y est pas incluse (scénario sans distributions, ou option « --fixed-parameters »)."
        )
    keys = [c for c in params.columns if c not in ("scenario", "replication")]
    unknowns = len({_group(k) for k in keys})
    return (
        f"Le risque de rupture et le besoin de financement ci-dessus intègrent ce que l'on ne sait pas : chaque simulation tire "
        f"ses propres valeurs de {unknowns} paramètres inconnus pour un nouveau territoire (entrée en parcours, sorties, "
        "chiffre d'affaires…), en plus du hasard. Voir « Ce que l'on ne sait pas »."
    )


def unknowns_block(run: Any) -> dict[str, Any] | None:
    """The section's content: the variance decomposition and the three unknowns that most change the verdict; None without draws."""
    frames = _frames(run)
    if frames is None:
        return None
    joined, params = frames
    x = joined[list(params.columns)].to_numpy(dtype=float)
    decomposition = []
    for column, label in OUTCOMES.items():
        if column not in joined:
            continue
        y = pd.to_numeric(joined[column], errors="coerce").astype(float).to_numpy()
        keep = np.isfinite(y)
        share = parameter_share(y[keep], x[keep]) if keep.sum() else None
        decomposition.append(
            {
                "label": label,
                "parameters": "sans objet (même valeur partout)" if share is None else fmt_pct(share, 0),
                "chance": "—" if share is None else fmt_pct(1.0 - share, 0),
            }
        )
    ranking = _ranking(joined, list(params.columns))
    return {
        "n": len(joined),
        "count": len({_group(k) for k in params.columns}),
        "decomposition": decomposition,
        "top": ranking[:3],
    }


def _ranking(joined: pd.DataFrame, keys: list[str]) -> list[dict[str, str]]:
    """Unknowns by how much they move the rupture risk (low third against high third of their draws)."""
    rupture = joined["insolvent"].astype(float).to_numpy() if "insolvent" in joined else np.zeros(len(joined))
    need = pd.to_numeric(joined.get("startup_need_eur"), errors="coerce").astype(float) if "startup_need_eur" in joined else None
    groups: dict[str, list[str]] = {}
    for key in keys:
        groups.setdefault(_group(key), []).append(key)
    rows = []
    for group, members in groups.items():
        values = joined[members].rank().mean(axis=1).to_numpy()  # one unknown: the mean rank of its keys
        if np.all(values == values[0]):
            continue
        low_cut, high_cut = np.quantile(values, [1 / 3, 2 / 3])
        low, high = values <= low_cut, values >= high_cut
        if not low.any() or not high.any():
            continue
        p_low, p_high = float(rupture[low].mean()), float(rupture[high].mean())
        corr = 0.0
        need_low = need_high = None
        if need is not None and need.notna().sum() > 3:
            corr = abs(float(pd.Series(values).corr(need.reset_index(drop=True), method="spearman")) or 0.0)
            need_low, need_high = float(need[low].median()), float(need[high].median())
        label, data = _describe(members[0])
        rows.append(
            {
                "key": group,
                "label": label,
                "effect": abs(p_high - p_low),
                "corr": corr if np.isfinite(corr) else 0.0,
                "rupture_low": fmt_pct(p_low, 0),
                "rupture_high": fmt_pct(p_high, 0),
                "need_low": "—" if need_low is None or not np.isfinite(need_low) else fmt_eur(need_low),
                "need_high": "—" if need_high is None or not np.isfinite(need_high) else fmt_eur(need_high),
                "data": data,
            }
        )
    rows.sort(key=lambda r: (-r["effect"], -r["corr"]))
    return [{k: v for k, v in r.items() if k not in ("effect", "corr")} for r in rows]
