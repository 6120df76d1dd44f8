"""Calibration: estimate a scenario's parameters from a CAE's own records.

``calibrate(records, base)`` turns the enDI-shaped tables read by ``simcoop.calibration.records``
into estimates, each with a 95% confidence interval, its sample size and warnings, and
into the dotted scenario keys they replace. ``calibrated_yaml`` writes the base scenario
with those keys replaced, and ``fit_report`` the markdown report. The methods are
described in docs/calibration.md; the essentials:

- time is counted in calendar months, as the model does: a stage started in month ``s``
  and left (or still held at the records' last month) in month ``e`` is at risk in the
  months ``s+1 .. e``; the model draws one exit per person and month;
- constant hazards are exponential MLEs, events / months at risk, with Garwood's exact
  Poisson interval, turned into an annual rate with the model's own link
  (monthly probability ``1 - exp(-rate/12)``); people still present, and exits by rule
  (end of CAPE, associé deadline), are censored;
- shares are binomial or multinomial proportions with Wilson intervals;
- mature turnover is lognormal: each activity's months, divided by the base scenario's
  ramp-up, give its own level; every activity weighs the same, so activities that stop
  early (often the weak ones) do not bias the median upwards.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from simcoop.calibration.records import EXIT_TYPES, HAZARD_MOTIVES, Records
from simcoop.months import month_of_index
from simcoop.scenario import Scenario
from simcoop.stats import Z95, poisson_interval, wilson_interval

__all__ = ["THIN", "TOO_FEW", "Calibration", "Estimate", "calibrate", "kaplan_meier"]

#: Below this many events (or observations for a share) an estimate gets a "thin data" warning.
THIN = 20
#: Below this many, the estimate is reported but the base value is kept.
TOO_FEW = 5
#: Months of accueils used for seasonality (three of each calendar month).
SEASONALITY_MONTHS = 36


@dataclass
class Estimate:
    """One estimated quantity: value, 95% interval, sample size, the base value and warnings."""

    name: str
    value: float
    low: float
    high: float
    n: int
    n_label: str
    key: str | None = None  # dotted scenario key replaced, or None (reported only)
    base: float | None = None
    unit: str = ""
    method: str = ""
    warnings: list[str] = field(default_factory=list)
    used: bool = True


@dataclass
class Calibration:
    """All estimates, the scenario changes they make, and the tables for the report."""

    estimates: list[Estimate]
    changes: dict[str, Any]
    tables: dict[str, str]
    notes: list[str]
    as_of: str  # last month of the records, YYYY-MM
    source: str

    def estimate(self, name: str) -> Estimate:
        """The estimate called ``name``."""
        for e in self.estimates:
            if e.name == name:
                return e
        raise KeyError(name)


# --------------------------------------------------------------------------- statistics


def _rate_per_year(events: float, months: float) -> float:
    """Annual hazard from events per month at risk, with the model's link p = 1 - exp(-rate/12)."""
    if months <= 0:
        return float("nan")
    p = min(events / months, 0.999999)
    return -12.0 * math.log1p(-p)


def kaplan_meier(durations: np.ndarray, events: np.ndarray) -> pd.DataFrame:
    """Kaplan-Meier survival with Greenwood's 95% interval, one row per event time (months)."""
    d = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=bool)
    times = np.unique(d[e])
    rows = []
    s, green = 1.0, 0.0
    for t in times:
        at_risk = int((d >= t).sum())
        died = int(((d == t) & e).sum())
        if at_risk == 0:
            continue
        s *= 1 - died / at_risk
        if at_risk > died:
            green += died / (at_risk * (at_risk - died))
        half = Z95 * s * math.sqrt(green)
        rows.append((t, at_risk, died, s, max(0.0, s - half), min(1.0, s + half)))
    return pd.DataFrame(rows, columns=["months", "at_risk", "events", "survival", "low", "high"])


def _km_at(km: pd.DataFrame, t: float) -> tuple[float, float, float]:
    before = km[km["months"] <= t]
    if before.empty:
        return (1.0, 1.0, 1.0)
    row = before.iloc[-1]
    return (float(row["survival"]), float(row["low"]), float(row["high"]))


# --------------------------------------------------------------------------- people


def _month_text(index: int) -> str:
    return month_of_index(index)


def people_table(records: Records) -> pd.DataFrame:
    """One row per id: accueil, start, first stage, CESA, associé and exit months, renewals, exit type and motive."""
    steps = records.steps
    first = steps.groupby(["entrepreneur_id", "step"])["month"].min().unstack()
    for step in ("candidat", "diagnostic", "cape", "avenant_cape", "cesa", "associe", "sortie"):
        if step not in first:
            first[step] = np.nan
    out = pd.DataFrame(index=first.index)
    out["accueil"] = first["candidat"].fillna(first["diagnostic"])
    out["cape"] = first["cape"]
    out["cesa"] = first["cesa"]
    out["start"] = first[["cape", "cesa"]].min(axis=1)
    out["first_stage"] = np.where(out["cape"].notna() & ~(out["cesa"] < out["cape"]), "cape", np.where(out["cesa"].notna(), "cesa", ""))
    out["associe"] = first["associe"]
    out["exit"] = first["sortie"]
    exits = steps[steps["step"] == "sortie"].set_index("entrepreneur_id")
    out["exit_type"] = exits["exit_type"].reindex(out.index).fillna("")
    out["motive"] = exits["motive"].reindex(out.index).fillna("")
    out["renewals"] = steps[steps["step"] == "avenant_cape"].groupby("entrepreneur_id").size().reindex(out.index).fillna(0).astype(int)
    sectors = steps[steps["sector"] != ""].groupby("entrepreneur_id")["sector"].last()
    out["sector"] = sectors.reindex(out.index).fillna("")
    return out


# --------------------------------------------------------------------------- estimators


def _flag(est: Estimate, count: int, what: str) -> Estimate:
    if count < TOO_FEW:
        est.used = False
        est.warnings.append(f"too few {what} ({count} < {TOO_FEW}): the base value is kept")
    elif count < THIN:
        est.warnings.append(f"thin data: {count} {what} (< {THIN}); the interval is wide")
    return est


def _share(name: str, k: int, n: int, key: str | None, base: float | None, method: str, what: str) -> Estimate:
    low, high = wilson_interval(k, n)
    value = k / n if n else float("nan")
    est = Estimate(name, value, low, high, n, what, key, base, "share", method)
    return _flag(est, n, what)


def _hazard(name: str, events: int, months: float, key: str | None, base: float | None, what: str) -> Estimate:
    lo, hi = poisson_interval(events)
    est = Estimate(
        name, _rate_per_year(events, months), _rate_per_year(lo, months), _rate_per_year(hi, months),
        events, f"{what} in {months:,.0f} months at risk", key, base, "per year",
        "exponential MLE (events / months at risk), Garwood exact Poisson interval",
    )
    return _flag(est, events, what)


def _arrivals(people: pd.DataFrame, last: int, scenario: Scenario) -> tuple[list[Estimate], str]:
    accueil = people["accueil"].dropna().astype(int)
    first = int(accueil.min()) if len(accueil) else last
    span = last - first + 1
    recent = int(((accueil > last - 12) & (accueil <= last)).sum())
    lo, hi = poisson_interval(recent)
    rate = Estimate(
        "accueils per year", float(recent), lo, hi, recent, f"accueils in the 12 months to {_month_text(last)}",
        "territory.accueils_per_year_at_maturity", scenario.territory.accueils_per_year_at_maturity, "per year",
        "count of candidats in the last 12 months of the records, Garwood exact Poisson interval",
    )
    if span < 12:
        rate.used = False
        rate.warnings.append(f"the records cover {span} months, fewer than 12: the base value is kept")
    elif span < 36:
        rate.warnings.append("the records cover fewer than 36 months: the CAE may still be in its ramp-up, so this is a lower bound of the mature flow")
    _flag(rate, recent, "accueils")
    window = min(SEASONALITY_MONTHS, span - span % 12) if span >= 12 else 0
    estimates = [rate]
    base = np.array(scenario.territory.seasonality)
    base = base / base.mean()
    if window:
        months = accueil[(accueil > last - window) & (accueil <= last)]
        counts = np.bincount(months % 12, minlength=12)
        total = int(counts.sum())
        for m in range(12):
            lo_m, hi_m = wilson_interval(int(counts[m]), total)
            est = Estimate(
                f"seasonality {m + 1:02d}", 12 * counts[m] / total if total else float("nan"), 12 * lo_m, 12 * hi_m,
                int(counts[m]), f"accueils in calendar month {m + 1} (last {window} months)", "territory.seasonality",
                float(base[m]), "factor", f"12 x share of the month in the accueils of the last {window} months; Wilson interval",
            )
            if window < SEASONALITY_MONTHS:
                est.warnings.append(f"only {window // 12} year(s) of records: each month is seen {window // 12} time(s)")
            estimates.append(_flag(est, int(counts[m]), "accueils"))
    yearly = accueil.groupby(accueil // 12).size()
    table = "| year | accueils | months in the records |\n|---|---:|---:|\n" + "".join(
        f"| {y} | {n} | {min(last, 12 * y + 11) - max(first, 12 * y) + 1} |\n" for y, n in yearly.items()
    )
    return estimates, table


def _pathway(people: pd.DataFrame, last: int, scenario: Scenario) -> list[Estimate]:
    path = scenario.pathway
    entrants = people[people["start"].notna()]
    delays = (entrants["start"] - entrants["accueil"]).dropna()
    window = int(max(1, min(6, math.ceil(float(np.percentile(delays, 95))))) if len(delays) else 1)
    cand = people[people["accueil"].notna() & (people["accueil"] <= last - window)]
    entered = int(cand["start"].notna().sum())
    entry = _share(
        "entry share", entered, len(cand), "pathway.entry_share", path.entry_share,
        f"entrants / candidats, candidats of the last {window} month(s) left out (95% of entrants start within {window}); Wilson interval",
        "candidats",
    )
    direct = int((entrants["first_stage"] == "cesa").sum())
    direct_cesa = _share(
        "direct CESA share", direct, len(entrants), "pathway.direct_cesa_share", path.direct_cesa_share,
        "entrants whose first contract is a CESA / entrants; Wilson interval", "entrants",
    )
    return [entry, direct_cesa]


def _spells(people: pd.DataFrame, last: int, scenario: Scenario) -> dict[str, Any]:
    """Months at risk and events per stage, with the durations for Kaplan-Meier."""
    trial = scenario.pathway.cesa.trial_period_months
    deadline_months = scenario.pathway.associe.deadline_months
    max_renewals = scenario.pathway.cape.max_renewals
    end_exit = people["exit"].fillna(np.inf)
    hazard_exit = people["motive"].isin(HAZARD_MOTIVES) | (people["motive"] == "")
    out: dict[str, Any] = {"no_motive": int((people["exit"].notna() & (people["motive"] == "")).sum())}
    # CAPE: from the start to the CESA, the exit or the records' end.
    cape = people[people["first_stage"] == "cape"]
    e = np.minimum(np.minimum(cape["cesa"].fillna(np.inf), end_exit[cape.index]), last)
    ev = (cape["exit"] == e) & hazard_exit[cape.index] & cape["cesa"].isna()
    out["cape"] = (e - cape["start"]).to_numpy(), ev.to_numpy()
    out["cape_conversion"] = (e - cape["start"]).to_numpy(), (cape["cesa"] == e).to_numpy(), (cape["cesa"] - cape["start"]).dropna().to_numpy()
    out["renewals"] = int(people["renewals"].sum())
    out["not_renewed"] = int(((people["motive"] == "end_of_cape") & (people["renewals"] < max_renewals)).sum())
    # CESA: the trial months, then the months after it, to associé, exit or the records' end.
    cesa = people[people["cesa"].notna()]
    s = cesa["cesa"]
    e = np.minimum(np.minimum(cesa["associe"].fillna(np.inf), end_exit[cesa.index]), last)
    exited = (cesa["exit"] == e) & cesa["associe"].isna()
    at_risk = (e - s).clip(lower=0)
    in_trial = at_risk.clip(upper=max(trial - 1, 0))
    after = at_risk - in_trial
    trial_exit = exited & (e - s <= max(trial - 1, 0)) & (hazard_exit[cesa.index] | (cesa["motive"] == "end_of_trial_period"))
    cesa_exit = exited & (e - s > max(trial - 1, 0)) & hazard_exit[cesa.index]
    out["trial"] = int(trial_exit.sum()), float(in_trial.sum())
    out["cesa"] = after.to_numpy(), cesa_exit.to_numpy(), (e - s > max(trial - 1, 0)).to_numpy()
    # Associé uptake: months after the trial and before the deadline (36 months minus the CAPE).
    cape_months = (cesa["cesa"] - cesa["start"]).fillna(0)
    deadline = s + np.maximum(deadline_months - cape_months, 0)
    lo = np.maximum(s + trial, s + 1)
    hi = np.minimum(np.where(exited, e - 1, e), deadline - 1)
    uptake_months = np.maximum(hi - lo + 1, 0)
    uptake = cesa["associe"].notna() & (cesa["associe"] < deadline)
    out["uptake"] = int(uptake.sum()), float(uptake_months.sum())
    decided_at = np.maximum(deadline, s + trial)
    late_yes = cesa["associe"].notna() & (cesa["associe"] >= decided_at)
    late_no = cesa["motive"] == "not_associe_in_time"
    out["deadline"] = int(late_yes.sum()), int(late_yes.sum() + late_no.sum())
    # Associé: from the subscription to the exit or the records' end.
    assoc = people[people["associe"].notna()]
    e = np.minimum(end_exit[assoc.index], last)
    ev = (assoc["exit"] == e) & hazard_exit[assoc.index]
    out["associe"] = (e - assoc["associe"]).to_numpy(), ev.to_numpy()
    return out


def _stage_at_exit(people: pd.DataFrame) -> pd.Series:
    gone = people[people["exit"].notna()]
    return pd.Series(
        np.where(gone["associe"].notna(), "associe", np.where(gone["cesa"].notna(), "cesa", "cape")), index=gone.index
    )


def _exits(people: pd.DataFrame, last: int, scenario: Scenario) -> tuple[list[Estimate], dict[str, str], list[str]]:
    path = scenario.pathway
    exits = path.exits
    sp = _spells(people, last, scenario)
    notes = []
    if sp["no_motive"]:
        notes.append(f"{sp['no_motive']} exit(s) have no motive: they were counted as exits of the stage's hazard")
    est: list[Estimate] = []
    tables: dict[str, str] = {}
    for stage, key, base in (
        ("cape", "cape_rate_per_year", exits.cape_rate_per_year),
        ("cesa", "cesa_rate_per_year", exits.cesa_rate_per_year),
        ("associe", "associe_rate_per_year", exits.associe_rate_per_year),
    ):
        durations, events = sp[stage][0], sp[stage][1]
        if stage == "cesa":
            keep = sp["cesa"][2]
            durations, events = durations[keep], events[keep]
        rate = _hazard(f"{stage} exit hazard", int(events.sum()), float(durations.sum()), f"pathway.exits.{key}", base, "exits")
        est.append(rate)
        km = kaplan_meier(durations, events)
        label = {"cape": "in CAPE (censored at the CESA, end of CAPE, records' end)",
                 "cesa": "under a CESA after the trial period (censored at associé, deadline, records' end)",
                 "associe": "as associé (censored at the records' end)"}[stage]
        lines = [f"Kaplan-Meier: staying {label}, against the fitted exponential exp(-rate × months / 12).\n\n",
                 "| months | at risk | Kaplan-Meier | 95% interval | exponential |\n|---:|---:|---:|---|---:|\n"]
        for t in (6, 12, 24, 36, 60):
            s, lo, hi = _km_at(km, t)
            at_risk = int((durations >= t).sum())
            expo = math.exp(-rate.value * t / 12) if math.isfinite(rate.value) else float("nan")
            lines.append(f"| {t} | {at_risk} | {s:.3f} | {lo:.3f}-{hi:.3f} | {expo:.3f} |\n")
        tables[f"km_{stage}"] = "".join(lines)
    trial_events, trial_months = sp["trial"]
    est.append(_hazard("CESA trial exit hazard", trial_events, trial_months, "pathway.cesa.trial_exit_rate_per_year", path.cesa.trial_exit_rate_per_year, "exits in trial"))
    est.append(_share(
        "CAPE renewal probability", sp["renewals"], sp["renewals"] + sp["not_renewed"], "pathway.cape.renewal_probability",
        path.cape.renewal_probability, "avenants / (avenants + ends of CAPE with renewals left); Wilson interval", "ends of CAPE terms",
    ))
    up_events, up_months = sp["uptake"]
    uptake = _hazard("associé uptake rate", up_events, up_months, "pathway.associe.uptake_rate_per_year", path.associe.uptake_rate_per_year, "subscriptions")
    uptake.method = "subscriptions before the deadline / months after the trial and before the deadline (exponential MLE), Garwood interval"
    est.append(uptake)
    yes, n = sp["deadline"]
    p_up = 1 - math.exp(-uptake.value / 12) if math.isfinite(uptake.value) else 0.0
    lo, hi = wilson_interval(yes, n)

    def undo(p: float) -> float:
        # At the deadline the model subscribes with p_up + p_deadline (1 - p_up): solve for p_deadline.
        return min(max((p - p_up) / (1 - p_up), 0.0), 1.0)

    est.append(_flag(Estimate(
        "associé at deadline probability", undo(yes / n) if n else float("nan"), undo(lo), undo(hi), n,
        "CESA holders reaching the deadline", "pathway.associe.at_deadline_probability", path.associe.at_deadline_probability,
        "share", "subscriptions at the deadline / people reaching it, less the month's ordinary uptake; Wilson interval",
    ), n, "people reaching the deadline"))
    # Destinations by the stage held at exit: a multinomial per stage.
    stage_at_exit = _stage_at_exit(people)
    for stage in ("cape", "cesa", "associe"):
        types = people.loc[stage_at_exit.index[stage_at_exit == stage], "exit_type"]
        n = len(types)
        base = getattr(exits, f"{stage}_destinations")
        for kind in EXIT_TYPES:
            k = int((types == kind).sum())
            est.append(_share(
                f"{stage} exits to {kind}", k, n, f"pathway.exits.{stage}_destinations.{kind}", getattr(base, kind),
                f"share of exits from {stage} (all motives); multinomial, Wilson interval per type", f"exits from {stage}",
            ))
    conv_d, conv_e, to_cesa = sp["cape_conversion"]
    km = kaplan_meier(conv_d, conv_e)
    lines = [("CAPE → CESA conversion (reported, not a scenario key: the model converts when the activity carries the "
              "minimum salary). Cumulative share converted without exit, Kaplan-Meier with exits and the records' end censored.\n\n"),
             "| months in CAPE | converted | 95% interval |\n|---:|---:|---|\n"]
    for t in (3, 6, 12, 18, 24, 36):
        s, lo, hi = _km_at(km, t)
        lines.append(f"| {t} | {1 - s:.3f} | {1 - hi:.3f}-{1 - lo:.3f} |\n")
    if len(to_cesa):
        q = np.percentile(to_cesa, [0, 25, 50, 75])
        lines.append(
            f"\n{len(to_cesa)} conversions; months from CAPE to CESA: earliest {q[0]:.0f} (base `pathway.cape.min_months_before_cesa`: "
            f"{path.cape.min_months_before_cesa}), quartiles {q[1]:.0f} / {q[2]:.0f} / {q[3]:.0f}.\n"
        )
    tables["cape_conversion"] = "".join(lines)
    return est, tables, notes


def _turnover(records: Records, people: pd.DataFrame, scenario: Scenario) -> tuple[list[Estimate], str, list[str]]:
    """Lognormal mature turnover by sector: each activity's de-ramped level, every activity weighing the same."""
    notes: list[str] = []
    ca = records.turnover
    if ca.empty:
        return [], "No turnover records.\n", ["chiffre_affaires.csv has no rows: turnover is not estimated"]
    positive = ca[ca["turnover_eur"] > 0].copy()
    dropped = len(ca) - len(positive)
    if dropped:
        notes.append(f"{dropped} turnover month(s) of zero or less were left out of the lognormal fit")
    unknown_ids = sorted(set(positive["entrepreneur_id"]) - set(people.index))
    if unknown_ids:
        notes.append(f"{len(unknown_ids)} id(s) in chiffre_affaires.csv have no career-path step; their sector is unknown")
    first_month = positive.groupby("entrepreneur_id")["month"].min()
    start = (people["start"] + 1).reindex(first_month.index).fillna(first_month)
    positive["seniority"] = (positive["month"] - positive["entrepreneur_id"].map(start)).clip(lower=0)
    positive["sector"] = positive["entrepreneur_id"].map(people["sector"]).fillna("").replace("", "(no sector)")
    base_sectors = {s.name: (k, s) for k, s in enumerate(scenario.activities.sectors)}
    estimates: list[Estimate] = []
    rows = []
    for sector, group in positive.groupby("sector"):
        if sector not in base_sectors:
            notes.append(f"sector '{sector}' is not in the base scenario: its turnover is in the report only")
            k, sec = None, None
            ramp_months, ramp_share = 0, 1.0
        else:
            k, sec = base_sectors[sector]
            ramp_months, ramp_share = sec.rampup_months, (sec.rampup_start_share if sec.rampup_months > 0 else 1.0)
        slope = (1 - ramp_share) / max(ramp_months, 1)
        ramp = np.minimum(ramp_share + slope * group["seniority"].to_numpy(), 1.0)
        resid = np.log(group["turnover_eur"].to_numpy()) - np.log(ramp)
        ids = group["entrepreneur_id"].to_numpy()
        frame = pd.DataFrame({"id": ids, "r": resid})
        by = frame.groupby("id")["r"]
        level, count = by.mean(), by.size()
        n = len(level)
        within_df = int((count - 1).sum())
        within_ss = float(((frame["r"] - frame["id"].map(level)) ** 2).sum())
        vol2 = within_ss / within_df if within_df > 0 else float("nan")
        between = float(level.var(ddof=1)) if n > 1 else float("nan")
        noise = vol2 * float((1 / count).mean())
        sigma2 = max(between - noise, 0.0)
        mu = float(level.mean()) + vol2 / 2
        half = Z95 * math.sqrt(between / n) if n > 1 else float("nan")
        where = f"activities.sectors.{k}" if k is not None else None
        med = Estimate(
            f"{sector}: mature turnover median", 12 * math.exp(mu), 12 * math.exp(mu - half), 12 * math.exp(mu + half), n,
            "activities", f"{where}.turnover_median_eur_per_year" if where else None,
            sec.turnover_median_eur_per_year if sec else None, "EUR per year",
            "12 x exp(mean over activities of mean log(turnover / ramp-up) + volatility² / 2); t-interval on the mean",
        )
        estimates.append(_flag(med, n, "activities"))
        if n > 2:
            c_lo, c_hi = stats.chi2.ppf([0.975, 0.025], n - 1)
            s_lo = math.sqrt(max((n - 1) * between / c_lo - noise, 0.0))
            s_hi = math.sqrt(max((n - 1) * between / c_hi - noise, 0.0))
        else:
            s_lo = s_hi = float("nan")
        estimates.append(_flag(Estimate(
            f"{sector}: turnover sigma", math.sqrt(sigma2), s_lo, s_hi, n, "activities",
            f"{where}.turnover_sigma" if where else None, sec.turnover_sigma if sec else None, "log",
            "between-activity variance of the levels less the monthly noise's share; chi-square interval", ), n, "activities"))
        if within_df > 2:
            v_lo, v_hi = (math.sqrt(within_ss / q) for q in stats.chi2.ppf([0.975, 0.025], within_df))
        else:
            v_lo = v_hi = float("nan")
        estimates.append(_flag(Estimate(
            f"{sector}: monthly volatility", math.sqrt(vol2), v_lo, v_hi, within_df, "activity-months beyond the first",
            f"{where}.monthly_volatility" if where else None, sec.monthly_volatility if sec else None, "log",
            "pooled within-activity standard deviation of log(turnover / ramp-up); chi-square interval"), within_df, "activity-months"))
        mature = group[group["seniority"] >= ramp_months]
        mature_med = 12 * float(np.exp(np.log(mature["turnover_eur"]).groupby(mature["entrepreneur_id"]).mean().mean() + vol2 / 2)) if len(mature) else float("nan")
        years = np.minimum(group["seniority"].to_numpy() // 12 + 1, 4)
        by_year = [12 * float(np.median(group["turnover_eur"].to_numpy()[years == y])) if (years == y).any() else float("nan") for y in (1, 2, 3, 4)]
        n_year = [int(group.loc[years == y, "entrepreneur_id"].nunique()) for y in (1, 2, 3, 4)]
        rows.append((sector, n, ramp_months, 12 * math.exp(mu), mature["entrepreneur_id"].nunique(), mature_med, by_year, n_year))
    table = [("| sector | activities | ramp-up (months, base) | mature median, all activities | activities past ramp-up | "
              "median, past ramp-up only | year 1 | year 2 | year 3 | year 4+ |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")]
    for sector, n, rm, med, nm, mm, by_year, n_year in rows:
        cells = " | ".join(f"{v:,.0f} ({c})" if math.isfinite(v) else "-" for v, c in zip(by_year, n_year))
        table.append(f"| {sector} | {n} | {rm} | {med:,.0f} | {nm} | {mm:,.0f} | {cells} |\n")
    table.append(
        "\nYears are years of seniority (median monthly turnover × 12, activities in brackets). \"Past ramp-up only\" "
        "keeps the months after the base ramp-up: it is shown as a check, and is biased upwards when weak activities "
        "leave early (ends of CAPE without conversion).\n"
    )
    shares = people[people["start"].notna()]["sector"]
    if len(shares) and set(shares) <= set(base_sectors) and set(base_sectors) <= set(shares):
        n = len(shares)
        for name, (k, sec) in base_sectors.items():
            estimates.append(_share(f"{name}: share of entrants", int((shares == name).sum()), n, f"activities.sectors.{k}.share",
                                    sec.share, "multinomial share of entrants by sector; Wilson interval", "entrants"))
    elif len(shares):
        notes.append("the sectors of the records and of the base scenario differ: sector shares are not estimated")
    return estimates, "".join(table), notes


# --------------------------------------------------------------------------- calibrate


def calibrate(records: Records, base: Scenario) -> Calibration:
    """Every estimate from the records, and the scenario keys that the usable ones replace."""
    people = people_table(records)
    last = int(max(records.steps["month"].max(), records.turnover["month"].max() if len(records.turnover) else 0))
    notes = list(records.notes)
    estimates, arrivals_table = _arrivals(people, last, base)
    estimates += _pathway(people, last, base)
    exit_est, tables, exit_notes = _exits(people, last, base)
    estimates += exit_est
    turnover_est, turnover_table, turnover_notes = _turnover(records, people, base)
    estimates += turnover_est
    notes += exit_notes + turnover_notes
    tables["arrivals"] = arrivals_table
    tables["turnover"] = turnover_table
    changes = _changes(estimates)
    return Calibration(estimates, changes, tables, notes, _month_text(last), records.source)


def _round(value: float, key: str) -> float:
    return round(float(value), 4 if ("share" in key or "destinations" in key or "probability" in key or "seasonality" in key) else 3)


def _changes(estimates: list[Estimate]) -> dict[str, Any]:
    """Dotted keys -> new values for the usable estimates; shares that must add up to 1 stay consistent."""
    changes: dict[str, Any] = {}
    season = [e for e in estimates if e.key == "territory.seasonality"]
    if len(season) == 12 and all(e.used for e in season):
        changes["territory.seasonality"] = [round(float(e.value), 3) for e in season]
    for e in estimates:
        if e.key is None or not e.used or e.key == "territory.seasonality" or not math.isfinite(e.value):
            continue
        if e.key.endswith("turnover_median_eur_per_year"):
            changes[e.key] = round(float(e.value), -1)
        else:
            changes[e.key] = _round(e.value, e.key)
    # Groups of shares (destinations of a stage, sector shares) change together or not at all.
    for prefix, names in (
        *((f"pathway.exits.{s}_destinations.", EXIT_TYPES) for s in ("cape", "cesa", "associe")),
        ("activities.sectors.", None),
    ):
        if names is not None:
            keys = [prefix + n for n in names]
        else:
            keys = sorted(k for k in (e.key for e in estimates if e.key) if k.startswith(prefix) and k.endswith(".share"))
        group = [e for e in estimates if e.key in keys]
        if not keys:
            continue
        if len(group) != len(keys) or not all(e.used for e in group):
            for k in keys:
                changes.pop(k, None)
            continue
        values = [changes[k] for k in keys]
        changes[keys[-1]] = round(1.0 - sum(values[:-1]), 4)  # rounding must not break the sum of 1
    return changes
