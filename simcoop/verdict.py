"""The feasibility verdict: the scenario's viability criteria checked across replications.

Reads ``Results`` only. Three criteria (``scenario.viability``), each with its figure and
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

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from simcoop.stats import wilson_interval

if TYPE_CHECKING:
    from simcoop.results import Results

__all__ = ["Criterion", "Verdict", "assess", "people_supported", "OUTCOMES"]

#: Possible outcomes, from best to worst.
OUTCOMES: tuple[str, ...] = ("favourable", "favourable_under_conditions", "unfavourable")


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
        return {
            "outcome": self.outcome,
            "replications": self.replications,
            "reasons": self.reasons,
            "criteria": [asdict(c) for c in self.criteria],
            "figures": self.figures,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Verdict":
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


def assess(results: "Results") -> Verdict:
    """Check the scenario's viability criteria on ``results`` and give the verdict."""
    v = results.scenario.viability
    kpis = results.kpis
    n = len(kpis)
    horizon = results.scenario.meta.horizon_months

    insolvent = int(kpis["insolvent"].sum())
    p_insolvent = insolvent / n if n else 0.0
    low, high = wilson_interval(insolvent, n)
    months = kpis["insolvency_month"].dropna().astype(int)
    insolvency = Criterion(
        key="insolvency",
        threshold=v.max_insolvency_probability,
        value=p_insolvent,
        ci_low=low,
        ci_high=high,
        met=p_insolvent <= v.max_insolvency_probability,
        borderline=low <= v.max_insolvency_probability <= high,
        detail={
            "overdraft_eur": v.overdraft_eur,
            "insolvent_replications": insolvent,
            "median_insolvency_month": float(months.median()) if len(months) else None,
            "min_coop_treasury_eur": _quantiles(kpis["min_coop_treasury_eur"]),
        },
    )

    deadline = 12 * v.break_even_by_year - 1
    be = kpis["break_even_month"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    reached = int(np.sum(be <= deadline))
    share = reached / n if n else 0.0
    low, high = wilson_interval(reached, n)
    break_even = Criterion(
        key="break_even",
        threshold=0.5,
        value=share,
        ci_low=low,
        ci_high=high,
        met=share >= 0.5 and deadline < horizon,
        borderline=low <= 0.5 <= high,
        detail={
            "by_year": v.break_even_by_year,
            "deadline_month": deadline,
            "within_horizon": deadline < horizon,
            "break_even_month": _quantiles(be),
            "never_replications": int(np.sum(np.isnan(be))),
        },
    )

    shares = kpis["public_share_in_criterion_year"].astype(float).to_numpy()
    checked = ~np.isnan(shares)
    ok = int(np.sum(shares[checked] <= v.max_public_share))
    m = int(checked.sum())
    share_ok = ok / m if m else 0.0
    low, high = wilson_interval(ok, m)
    public_share = Criterion(
        key="public_share",
        threshold=0.5,
        value=share_ok,
        ci_low=low,
        ci_high=high,
        met=m > 0 and share_ok >= 0.5,
        borderline=m > 0 and low <= 0.5 <= high,
        detail={
            "year": v.public_share_year,
            "max_public_share": v.max_public_share,
            "public_share": _quantiles(shares),
            "within_horizon": m > 0,
        },
    )

    criteria = (insolvency, break_even, public_share)
    if not insolvency.met:
        outcome = "unfavourable"
    elif all(c.met and not c.borderline for c in criteria):
        outcome = "favourable"
    else:
        outcome = "favourable_under_conditions"
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


def people_supported(results: "Results") -> Any:
    """People who started a parcours over the horizon, per replication (CAPE entries + direct CESA)."""
    kpis = results.kpis
    direct = kpis["cesa_entries"] - _conversions(results)
    return kpis["cape_entries"] + direct


def _conversions(results: "Results") -> Any:
    events = results.events
    conv = events[(events["from_stage"] == "cape") & (events["to_stage"] == "cesa")]
    counts = conv.groupby("replication").size()
    return counts.reindex(results.kpis["replication"], fill_value=0).to_numpy()
