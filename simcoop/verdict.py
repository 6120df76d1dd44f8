"""The feasibility verdict: the scenario's viability criteria checked across replications.

Reads a run's tables only (``kpis``, ``yearly``, ``events``: a ``Results``, never imported
here). The rule is stated once, on counts (``Counts`` -> ``criteria_from_counts`` ->
``outcome_of``), and used by ``assess``, the solver (``criteria_met``) and the ranking of
candidate territories (``outcome_from_counts`` on bootstrap resamples). Three criteria (``scenario.viability``), each with its figure and
its uncertainty:

- **insolvency**: the probability that the cooperative's own treasury falls below minus
  the authorised overdraft within the horizon must not exceed ``max_insolvency_probability``;
- **break-even**: in at least half of the replications, the 12-month rolling result stays
  positive from year ``break_even_by_year`` of operation at the latest;
- **public share**: in at least half of the replications, public funding is at most
  ``max_public_share`` of the cooperative's budget in year ``public_share_year``.

Probabilities come with a Wilson 95% interval. A criterion is *borderline* when its
interval contains its threshold: more replications, or a small change, could flip it.

The verdict: **unfavourable** when the insolvency criterion is not met; **favourable**
when every criterion is met and none is borderline; otherwise **favourable under
conditions** (the conditions being the criteria missed or borderline). Labels in French
belong to the report; this module speaks in keys and numbers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from simcoop.stats import wilson_interval

if TYPE_CHECKING:
    import pandas as pd

    from simcoop.scenario import Scenario, Viability

__all__ = [
    "Counts",
    "Criterion",
    "OUTCOMES",
    "RunTables",
    "Verdict",
    "assess",
    "criteria_from_counts",
    "criteria_met",
    "outcome_from_counts",
    "outcome_of",
    "people_supported",
]

#: Possible outcomes, from best to worst.
OUTCOMES: tuple[str, ...] = ("favourable", "favourable_under_conditions", "unfavourable")


class RunTables(Protocol):
    """What the verdict reads of a run (``simcoop.results.Results`` has it)."""

    scenario: Scenario
    kpis: pd.DataFrame
    yearly: pd.DataFrame
    events: pd.DataFrame


@dataclass(frozen=True)
class Counts:
    """The replications that meet each criterion: all the verdict rule needs."""

    replications: int
    insolvent: int  # replications whose treasury fell below minus the overdraft
    break_even_reached: int  # replications at break-even by the deadline month
    public_share_ok: int  # replications whose public share is at most the maximum in the criterion year
    public_share_checked: int  # replications whose criterion year is within the horizon
    break_even_in_horizon: bool  # the break-even deadline falls within the horizon


@dataclass(frozen=True)
class Criterion:
    """One viability criterion, its figures and whether it is met."""

    key: str  # insolvency | break_even | public_share
    threshold: float  # the limit the figure is compared with
    value: float  # the figure compared (a probability or a share of replications)
    ci_low: float
    ci_high: float
    met: bool
    borderline: bool
    detail: dict[str, Any] = field(default_factory=dict)  # figures the report quotes


@dataclass(frozen=True)
class Verdict:
    """The outcome, the criteria behind it and the headline figures."""

    outcome: str
    criteria: tuple[Criterion, ...]
    replications: int
    figures: dict[str, dict[str, float | None]]  # name -> {p5, p50, p95}

    @property
    def reasons(self) -> list[str]:
        """Keys of the criteria that decide the outcome (missed first, then borderline)."""
        missed = [c.key for c in self.criteria if not c.met]
        borderline = [c.key for c in self.criteria if c.met and c.borderline]
        return missed + borderline

    def to_dict(self) -> dict[str, Any]:
        """The verdict as JSON-ready data (what ``verdict.json`` holds)."""
        return {
            "outcome": self.outcome,
            "replications": self.replications,
            "reasons": self.reasons,
            "criteria": [asdict(c) for c in self.criteria],
            "figures": self.figures,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Verdict":
        """The verdict back from ``to_dict()`` data (e.g. a run folder's ``verdict.json``)."""
        return cls(
            outcome=data["outcome"],
            criteria=tuple(Criterion(**c) for c in data["criteria"]),
            replications=int(data["replications"]),
            figures=data["figures"],
        )


def _quantiles(values: Any) -> dict[str, float | None]:
    array = np.asarray(values, dtype=float)
    array = array[~np.isnan(array)]
    if array.size == 0:
        return {"p5": None, "p50": None, "p95": None, "n": 0}
    p5, p50, p95 = np.quantile(array, [0.05, 0.5, 0.95])
    return {"p5": float(p5), "p50": float(p50), "p95": float(p95), "n": int(array.size)}


def criteria_from_counts(counts: Counts, viability: Viability) -> tuple[Criterion, Criterion, Criterion]:
    """The three criteria (insolvency, break-even, public share) from counts; ``detail`` left empty."""
    n = counts.replications
    p_insolvent = counts.insolvent / n if n else 0.0
    low, high = wilson_interval(counts.insolvent, n)
    limit = viability.max_insolvency_probability
    insolvency = Criterion("insolvency", limit, p_insolvent, low, high, p_insolvent <= limit, low <= limit <= high)
    share = counts.break_even_reached / n if n else 0.0
    low, high = wilson_interval(counts.break_even_reached, n)
    met = share >= 0.5 and counts.break_even_in_horizon
    break_even = Criterion("break_even", 0.5, share, low, high, met, low <= 0.5 <= high)
    m = counts.public_share_checked
    share_ok = counts.public_share_ok / m if m else 0.0
    low, high = wilson_interval(counts.public_share_ok, m)
    public_share = Criterion("public_share", 0.5, share_ok, low, high, m > 0 and share_ok >= 0.5, m > 0 and low <= 0.5 <= high)
    return insolvency, break_even, public_share


def outcome_of(criteria: tuple[Criterion, ...]) -> str:
    """Unfavourable when insolvency is not met; favourable when every criterion is met and none borderline; else under conditions."""
    insolvency = next(c for c in criteria if c.key == "insolvency")
    if not insolvency.met:
        return "unfavourable"
    if all(c.met and not c.borderline for c in criteria):
        return "favourable"
    return "favourable_under_conditions"


def outcome_from_counts(counts: Counts, viability: Viability) -> str:
    """The verdict's outcome from counts (``criteria_from_counts`` then ``outcome_of``)."""
    return outcome_of(criteria_from_counts(counts, viability))


def criteria_met(verdict: Verdict, side: str = "point", keys: tuple[str, ...] | None = None) -> bool:
    """The criteria ``keys`` (default: all) met on their point estimates (``side="point"``) or on the
    pessimistic / optimistic ends of their 95% intervals; a break-even or public-share year beyond
    the horizon is not met."""
    for c in verdict.criteria:
        if keys is not None and c.key not in keys:
            continue
        if c.key == "insolvency":
            figure = {"point": c.value, "pessimistic": c.ci_high, "optimistic": c.ci_low}[side]
            if figure > c.threshold:
                return False
        else:
            if not c.detail.get("within_horizon", True):
                return False
            figure = {"point": c.value, "pessimistic": c.ci_low, "optimistic": c.ci_high}[side]
            if figure < c.threshold:
                return False
    return True


def assess(results: RunTables) -> Verdict:
    """Check the scenario's viability criteria on a run's tables and give the verdict."""
    v = results.scenario.viability
    kpis = results.kpis
    n = len(kpis)
    horizon = results.scenario.meta.horizon_months
    deadline = 12 * v.break_even_by_year - 1
    be = kpis["break_even_month"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    shares = kpis["public_share_in_criterion_year"].astype(float).to_numpy()
    checked = ~np.isnan(shares)
    counts = Counts(
        replications=n,
        insolvent=int(kpis["insolvent"].sum()),
        break_even_reached=int(np.sum(be <= deadline)),
        public_share_ok=int(np.sum(shares[checked] <= v.max_public_share)),
        public_share_checked=int(checked.sum()),
        break_even_in_horizon=deadline < horizon,
    )
    insolvency, break_even, public_share = criteria_from_counts(counts, v)
    months = kpis["insolvency_month"].dropna().astype(int)
    insolvency = replace(
        insolvency,
        detail={
            "overdraft_eur": v.overdraft_eur,
            "insolvent_replications": counts.insolvent,
            "median_insolvency_month": float(months.median()) if len(months) else None,
            "min_coop_treasury_eur": _quantiles(kpis["min_coop_treasury_eur"]),
        },
    )
    break_even = replace(
        break_even,
        detail={
            "by_year": v.break_even_by_year,
            "deadline_month": deadline,
            "within_horizon": deadline < horizon,
            "break_even_month": _quantiles(be),
            "never_replications": int(np.sum(np.isnan(be))),
        },
    )
    public_share = replace(
        public_share,
        detail={
            "year": v.public_share_year,
            "max_public_share": v.max_public_share,
            "public_share": _quantiles(shares),
            "within_horizon": counts.public_share_checked > 0,
        },
    )
    criteria = (insolvency, break_even, public_share)
    outcome = outcome_of(criteria)
    supported = results.yearly.groupby("replication")["supported"].max() if len(results.yearly) else []
    figures = {
        "insolvency_probability": {"p5": insolvency.ci_low, "p50": insolvency.value, "p95": insolvency.ci_high},
        "break_even_month": _quantiles(be),
        "people_supported": _quantiles(people_supported(results)),
        "active_end": _quantiles(kpis["active_end"]),
        "jobs_fte_final_year": _quantiles(kpis["jobs_fte_final_year"]),
        "public_cost_eur": _quantiles(kpis["public_cost_eur"]),
        "public_cost_per_supported_eur": _quantiles(kpis["public_cost_per_supported_eur"]),
        "public_funding_per_job_eur": _quantiles(kpis["public_funding_per_job_eur"]),
        "positive_exit_rate": _quantiles(kpis["positive_exit_rate"]),
        "min_coop_treasury_eur": _quantiles(kpis["min_coop_treasury_eur"]),
        "min_consolidated_cash_eur": _quantiles(kpis["min_consolidated_cash_eur"]),
        "peak_supported_in_a_year": _quantiles(supported),
    }
    return Verdict(outcome=outcome, criteria=criteria, replications=n, figures=figures)


def people_supported(results: RunTables) -> Any:
    """People who started a parcours over the horizon, per replication (CAPE entries + direct CESA)."""
    kpis = results.kpis
    direct = kpis["cesa_entries"] - _conversions(results)
    return kpis["cape_entries"] + direct


def _conversions(results: RunTables) -> Any:
    events = results.events
    conv = events[(events["from_stage"] == "cape") & (events["to_stage"] == "cesa")]
    counts = conv.groupby("replication").size()
    return counts.reindex(results.kpis["replication"], fill_value=0).to_numpy()
