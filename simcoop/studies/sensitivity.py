"""One-at-a-time sensitivity on common random numbers: the report's tornado chart.

Each assumption that matters (``DEFAULT_SENSITIVITY``) is moved low and high, one at a
time, on the same seed as the base run, so that the differences are the assumption's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simcoop.executors import ChunkExecutor
from simcoop.results import Results
from simcoop.scenario import Scenario, validate_data
from simcoop.scenario.dotted import expand, get_path, locate, set_dotted
from simcoop.scenario.errors import clip_to_field
from simcoop.studies.batch import simulate_many
from simcoop.studies.compare import fmt_value

__all__ = [
    "DEFAULT_SENSITIVITY",
    "SENSITIVITY_COLUMNS",
    "Variation",
    "default_sensitivity_parameters",
    "sensitivity",
    "sensitivity_swings",
    "sensitivity_text",
]


#: Columns of the sensitivity table, in order.
SENSITIVITY_COLUMNS: tuple[str, ...] = (
    "parameter", "side", "value", "insolvency_probability", "break_even_month_p50",
    "min_coop_treasury_eur_p50", "final_coop_treasury_eur_p50", "outcome", "replications",
)  # fmt: skip


@dataclass(frozen=True)
class Variation:
    """How far one assumption is moved each way in the default sensitivity analysis.

    ``how`` is ``"factor"`` (low and high multiply the base value) or ``"delta"`` (they
    are added to it). A ``*`` in ``key`` groups every item of a list (each is moved by
    the same factor); grouped parameters are always factors.
    """

    key: str
    how: str
    low: float
    high: float
    why: str


#: The assumptions that matter, each moved one at a time: the default list of ``sensitivity``.
DEFAULT_SENSITIVITY: tuple[Variation, ...] = (
    Variation("territory.accueils_per_year_at_maturity", "factor", 0.75, 1.25, "accueil flow at maturity ±25%"),
    Variation("territory.rampup_months", "delta", -12, 12, "months to reach the mature flow ±12"),
    Variation("pathway.entry_share", "factor", 0.75, 1.25, "share of accueils who start a parcours ±25%"),
    Variation(
        "activities.sectors.*.turnover_median_eur_per_year", "factor", 0.8, 1.2, "turnover medians of every sector ±20%"
    ),
    Variation("cooperative.contribution.rate", "delta", -0.02, 0.02, "contribution rate ±2 points (8%/12% around 10%)"),
    Variation("pathway.exits.cesa_rate_per_year", "factor", 0.7, 1.3, "exit hazard under a CESA ±30%"),
    Variation(
        "cooperative.staff.gross_salary_eur_per_month", "factor", 0.85, 1.15, "pay of the accompaniment team ±15%"
    ),
    Variation("cooperative.overheads_eur_per_month", "factor", 0.75, 1.25, "overheads of the structure ±25%"),
    Variation(
        "cooperative.public_funding.*.amount_eur",
        "factor",
        0.8,
        1.2,
        "every public funding amount ±20% (ceilings unchanged)",
    ),
    Variation("cooperative.initial_treasury_eur", "factor", 0.7, 1.3, "cash at opening beyond capital ±30%"),
)


def default_sensitivity_parameters(scenario: Scenario) -> list[tuple[str, float, float]]:
    """``DEFAULT_SENSITIVITY`` resolved on ``scenario``: ``(key, low, high)``, clipped to each field's range.

    Plain keys get absolute values; grouped keys (with ``*``) keep their factors. Left out:
    a grouped key that matches nothing in the scenario (no public funding, say); a key
    every replication draws from ``scenario.uncertainty`` (the scenario's value is not the
    one simulated, so moving it would move nothing: its effect is in the variance
    decomposition of the uncertain parameters, ``simcoop.studies.gsa``); a factor on a
    value of zero (an opening cash of 0 stays 0).
    """
    data = scenario.to_dict()
    drawn = {locate(data, key) for key in scenario.uncertainty.keys} - {None}
    out: list[tuple[str, float, float]] = []
    for v in DEFAULT_SENSITIVITY:
        if "*" in v.key:
            paths = expand(data, v.key.split("."))
            if paths and not all(path in drawn for path in paths):
                out.append((v.key, float(v.low), float(v.high)))
            continue
        if locate(data, v.key) in drawn:
            continue
        base = get_path(data, v.key.split("."))
        if base is None and v.key == "territory.accueils_per_year_at_maturity" and not scenario.territory.zones:
            base = scenario.accueils_per_year  # the default flow, made explicit
        if base is None or (v.how == "factor" and base == 0):  # e.g. accueils derived from zones: nothing to vary
            continue
        lows_highs = [base * f if v.how == "factor" else base + f for f in (v.low, v.high)]
        low, high = (float(f"{clip_to_field(Scenario, v.key, x):.10g}") for x in lows_highs)  # 0.3*0.75 -> 0.225
        out.append((v.key, low, high))
    return out


def sensitivity(
    scenario: Scenario,
    parameters: Sequence[tuple[str, float, float]] | None = None,
    replications: int = 100,
    seed: int | None = None,
    jobs: int = 1,
    progress: bool = False,
    executor: ChunkExecutor | None = None,
    baseline: Results | None = None,
) -> pd.DataFrame:
    """One-at-a-time sensitivity on common random numbers; columns ``SENSITIVITY_COLUMNS``.

    Each parameter is ``(dotted key, low, high)``: for a plain key the values it takes
    (clipped to the field's allowed range; whole numbers rounded); for a grouped key with
    ``*`` (``activities.sectors.*.turnover_median_eur_per_year``) factors applied to every
    item, and the ``value`` column holds the factor (1 on the base row). ``None`` uses
    ``default_sensitivity_parameters(scenario)``.

    Three rows per parameter (low, base, high; the base rows repeat the base run), every
    run on the same seed. Parameters come ranked by their swing in the median of the
    lowest cooperative treasury, largest first, then by their swing in the probability of
    insolvency (``sensitivity_swings`` gives both). ``break_even_month_p50`` counts
    replications that never break even as later than any month, so it is empty when half
    of them or more never do.

    ``baseline``, a run of ``scenario`` on ``seed`` with at least ``replications``
    replications (the run the sensitivity comes with), gives the base rows without simulating
    them again (``Results.reused_for``: the same numbers).
    """
    seed = scenario.simulation.seed if seed is None else int(seed)
    params = default_sensitivity_parameters(scenario) if parameters is None else list(parameters)
    base_data = scenario.to_dict()
    runs: list[Scenario] = [scenario]
    plan: list[tuple[str, str, float, int]] = []  # parameter, side, value, index in runs
    hashes = {scenario.scenario_hash(): 0}
    for key, low, high in params:
        grouped = "*" in key
        current = 1.0 if grouped else get_path(base_data, key.split("."))
        base_value = math.nan if current is None else float(current)
        plan.append((key, "base", base_value, 0))
        for side, value in (("low", low), ("high", high)):
            varied, actual = _vary(scenario, key, float(value))
            digest = varied.scenario_hash()
            if digest not in hashes:  # e.g. a bound clipped back to the base value
                hashes[digest] = len(runs)
                runs.append(varied)
            plan.append((key, side, actual, hashes[digest]))
    summaries: dict[int, dict[str, Any]] = {}
    reused = baseline.reused_for(scenario, seed, replications) if baseline is not None else None
    if reused is not None:
        summaries[0] = _sensitivity_summary(reused)
    first = 0 if reused is None else 1
    for index, results in simulate_many(runs[first:], replications, seed, jobs, progress, executor):
        summaries[first + index] = _sensitivity_summary(results)
    rows = [{"parameter": key, "side": side, "value": value, **summaries[index]} for key, side, value, index in plan]
    table = pd.DataFrame(rows, columns=list(SENSITIVITY_COLUMNS))
    order = {p: k for k, p in enumerate(sensitivity_swings(table)["parameter"])}
    side_order = {"low": 0, "base": 1, "high": 2}
    table = table.sort_values(
        by=["parameter", "side"],
        key=lambda s: s.map(order) if s.name == "parameter" else s.map(side_order),
        kind="stable",
    )
    return table.reset_index(drop=True)


def sensitivity_swings(table: pd.DataFrame) -> pd.DataFrame:
    """Per parameter of a sensitivity table: the swing (largest minus smallest over low, base,
    high) of the median lowest treasury and of the probability of insolvency, ranked."""
    grouped = table.groupby("parameter", sort=False)
    swings = pd.DataFrame(
        {
            "min_coop_treasury_eur_p50_swing": grouped["min_coop_treasury_eur_p50"].agg(lambda s: s.max() - s.min()),
            "insolvency_probability_swing": grouped["insolvency_probability"].agg(lambda s: s.max() - s.min()),
        }
    ).reset_index()
    return swings.sort_values(
        ["min_coop_treasury_eur_p50_swing", "insolvency_probability_swing"], ascending=False, kind="stable"
    ).reset_index(drop=True)


def sensitivity_text(table: pd.DataFrame) -> str:
    """A sensitivity table for the terminal: per parameter (ranked), low and high values and what they give."""
    swings = sensitivity_swings(table)
    rows = table.set_index(["parameter", "side"])
    lines = [
        (
            "sensitivity, one assumption at a time on common random numbers "
            f"({int(table['replications'].iloc[0])} replications per run; medians; grouped keys are factors)"
        ),
        f"{'parameter':52}{'low':>10}{'high':>10}{'lowest treasury (EUR), low/high':>36}{'P(rupture) low/high':>26}",
    ]
    for parameter in swings["parameter"]:
        low, high = rows.loc[(parameter, "low")], rows.loc[(parameter, "high")]
        treasury = f"{fmt_value(low['min_coop_treasury_eur_p50'], 'eur')} / {fmt_value(high['min_coop_treasury_eur_p50'], 'eur')}"
        insolvency = f"{fmt_value(low['insolvency_probability'], 'share')} / {fmt_value(high['insolvency_probability'], 'share')}"
        lines.append(
            f"{_short(parameter, 51):52}{_plain(low['value']):>10}{_plain(high['value']):>10}{treasury:>36}{insolvency:>26}"
        )
    return "\n".join(lines)


def _plain(value: float) -> str:
    """A parameter value: thousands separators from 1,000, else up to four significant digits."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else "…" + text[-(width - 1) :]


def _sensitivity_summary(results: Results) -> dict[str, Any]:
    kpis = results.kpis
    be = kpis["break_even_month"].astype("Float64").to_numpy(dtype=float, na_value=np.inf)
    median_be = float(np.median(be)) if be.size else math.nan
    return {
        "insolvency_probability": float(kpis["insolvent"].mean()),
        "break_even_month_p50": median_be if math.isfinite(median_be) else math.nan,
        "min_coop_treasury_eur_p50": float(kpis["min_coop_treasury_eur"].median()),
        "final_coop_treasury_eur_p50": float(kpis["final_coop_treasury_eur"].median()),
        "outcome": results.verdict().outcome,
        "replications": len(kpis),
    }


def _vary(scenario: Scenario, key: str, value: float) -> tuple[Scenario, float]:
    """The scenario with ``key`` moved to ``value`` (a factor for a grouped key), and the value used."""
    parts = key.split(".")
    if "*" not in parts:
        value = clip_to_field(Scenario, key, value)
        return scenario.replace({key: value}), value
    data = scenario.to_dict()
    locations = expand(data, parts)
    if not locations:
        raise KeyError(f"{key}: matches nothing in scenario {scenario.meta.name!r}")
    for loc in locations:
        dotted = ".".join(str(p) for p in loc)
        current = get_path(data, [str(p) for p in loc])
        set_dotted(data, dotted, clip_to_field(Scenario, dotted, current * value))
    return validate_data(data, source=f"<sensitivity {key} x{value:g}>"), value
