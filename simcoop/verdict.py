"""The feasibility verdict in two layers: does the structure pay its way, and can its cash carry it?

Reads a run's tables only (``kpis``, ``yearly``, ``events``: a ``Results``, never imported
here). The rule is stated once, on counts (``Counts`` -> ``criteria_from_counts`` ->
``outcome_of``), and used by ``assess``, the solver (``criteria_met``) and the ranking of
candidate territories (``outcome_from_counts`` on bootstrap resamples). A funder asks two
separate questions (a start-up cash gap is not a deficit):

1. **Viabilité économique** (``economic`` layer):

   - **break-even**: in at least half of the simulations, the 12-month rolling result stays
     positive from year ``break_even_by_year`` of operation at the latest;
   - **public share**: in at least half of the simulations, public funding is at most
     ``max_public_share`` of the budget in year ``public_share_year``;
   - **compensation** (Décision 2012/21/UE arts. 5-6): in every year, the public operating
     subsidies must not exceed the net cost of the service (the structure's costs less its
     contributions) plus a reasonable profit (``compensation_margin_share`` of the costs).
     Met when at least half of the simulations show no over-compensation. A scenario that
     *relies* on over-compensation (public subsidies above the structure's whole costs in
     some year, median simulation) is not viable; below that, over-compensation is a
     condition: the conventions must be adjusted.

   The **economic risk** is the share of simulations that never pay their way by that year
   (1 - the break-even share): above ``max_non_viable_probability`` it is a condition.

2. **Soutenabilité de trésorerie** (``cash`` layer), read on the simulations that are at
   break-even by the deadline (``viable_mask``): their deficits are a start-up gap, which a
   financing plan covers; a simulation that never pays its way has a lasting deficit, which
   no one-off financing covers, and counts in the economic risk instead:

   - the **start-up financing need**: how far the own treasury *before financing* (without
     the financing plan) falls below zero, its P50 and P90 and the month it is reached;
   - the **risk of rupture de trésorerie** (criterion key ``insolvency``, kept for
     compatibility): the probability that the own treasury *after* the financing plan falls
     below minus the authorised overdraft must not exceed ``max_insolvency_probability``.
     A month below the overdraft is an overrun of the découvert, not insolvency
     (cessation des paiements, code de commerce L631-1).

Probabilities come with a Wilson 95% interval; a criterion is *borderline* when its
interval contains its threshold.

The avis: **unfavourable** when the structure is not economically viable (break-even
missed, or it relies on over-compensation); **favourable under conditions** when it is,
but the financing plan does not cover the need (the condition gives the amount to secure
before opening: the quantile of the shortfall that brings the rupture risk to its
threshold), the public share is above its ceiling, subsidies over-compensate and must be
adjusted, the economic risk is above its tolerance, or a criterion is borderline; **favourable** otherwise. Labels in French
belong to the report; this module speaks in keys and numbers.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from simcoop.stats import wilson_interval

if TYPE_CHECKING:
    import pandas as pd

    from simcoop.scenario import Scenario, Viability

__all__ = [
    "at_break_even",
    "relies_ceiling",
    "Counts",
    "Criterion",
    "OUTCOMES",
    "RunTables",
    "Verdict",
    "assess",
    "CONVERSION",
    "YEARLY_READ",
    "conversion_counts",
    "criteria_from_counts",
    "met_on_side",
    "criteria_met",
    "economic_risk_of",
    "outcome_from_counts",
    "outcome_of",
    "people_supported",
    "viable_mask",
]

#: The events the verdict reads: the CAPE -> CESA conversions (``(column, value)`` pairs);
#: a run stored on disk reads only those (``simcoop.results.stored``).
CONVERSION: tuple[tuple[str, str], ...] = (("from_stage", "cape"), ("to_stage", "cesa"))
#: The yearly columns the verdict reads (``_assess``, ``_compensation_detail``, ``_layers``).
YEARLY_READ: tuple[str, ...] = (
    "replication", "year", "supported", "coop_result_eur", "public_share_of_budget", "coop_costs_eur", "exit_losses_eur",
    "interest_eur", "net_cost_eur", "public_funding_earned_eur", "over_compensation_eur",
)  # fmt: skip

#: Possible outcomes, from best to worst.
OUTCOMES: tuple[str, ...] = ("favourable", "favourable_under_conditions", "unfavourable")


class RunTables(Protocol):
    """What the verdict reads of a run (``simcoop.results.Results`` has it). A run read from disk may
    also have ``conversions`` (``conversion_counts`` of its events, counted as they are read): then
    its ``events`` are not read."""

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
    compensation_clean: int | None = None  # replications with no over-compensation in any year (None: not checked)
    relies_on_over_compensation: bool = False  # public subsidies above the whole costs in some year (median simulation)
    rupture_base: int | None = None  # replications the rupture risk is read on (the economically viable ones; None: all)


@dataclass(frozen=True)
class Criterion:
    """One viability criterion, its figures and whether it is met."""

    key: str  # insolvency (rupture de trésorerie) | break_even | public_share | compensation
    threshold: float  # the limit the figure is compared with
    value: float  # the figure compared (a probability or a share of replications)
    ci_low: float
    ci_high: float
    met: bool
    borderline: bool
    detail: dict[str, Any] = field(default_factory=dict)  # figures the report quotes


@dataclass(frozen=True)
class Verdict:
    """The outcome, the criteria behind it, the two layers, the conditions and the headline figures."""

    outcome: str
    criteria: tuple[Criterion, ...]
    replications: int
    figures: dict[str, dict[str, float | None]]  # name -> {p5, p50, p95}
    layers: dict[str, Any] = field(default_factory=dict)  # economic / cash: figures and whether the layer holds
    conditions: tuple[dict[str, Any], ...] = ()  # what must happen for a favourable avis, each with its figures

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
            "layers": self.layers,
            "conditions": list(self.conditions),
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
            layers=data.get("layers", {}),
            conditions=tuple(data.get("conditions", ())),
        )

    def criterion(self, key: str) -> Criterion | None:
        """The criterion ``key``, or None when the verdict has none of that name."""
        return next((c for c in self.criteria if c.key == key), None)


def _quantiles(values: Any) -> dict[str, float | None]:
    array = np.asarray(values, dtype=float)
    array = array[~np.isnan(array)]
    if array.size == 0:
        return {"p5": None, "p50": None, "p95": None, "n": 0}
    p5, p50, p95 = np.quantile(array, [0.05, 0.5, 0.95])
    return {"p5": float(p5), "p50": float(p50), "p95": float(p95), "n": int(array.size)}


def assess(results: RunTables) -> Verdict:
    """Check the scenario's viability criteria on ``results`` and give the verdict.

    With a go/no-go gate (``creation.go_decision``), the verdict is conditional on opening:
    the criteria are read on the simulations that open, and ``layers["go"]`` gives P(go)
    and the opening delays. When none opens, the avis is unfavourable with the reason.
    """
    go = _go_layer(results)
    if go is not None and 0 < go["opened"] < go["simulations"]:
        opened = results.kpis.loc[results.kpis["opened"] == 1, "replication"]
        results = _subset(results, set(opened.tolist()))  # type: ignore[assignment]
    verdict = _assess(results)
    if go is None:
        return verdict
    layers = {**verdict.layers, "go": go}
    if go["opened"] == 0:
        missing = go["never_committed"]
        conditions = ({"key": "no_go", "never_committed": missing},)
        return Verdict(outcome="unfavourable", criteria=verdict.criteria, replications=verdict.replications,
                       figures=verdict.figures, layers=layers, conditions=conditions)  # fmt: skip
    return Verdict(outcome=verdict.outcome, criteria=verdict.criteria, replications=verdict.replications,
                   figures=verdict.figures, layers=layers, conditions=verdict.conditions)  # fmt: skip


@dataclass
class _Subset:
    """The tables the verdict reads, for some replications only."""

    scenario: Any
    kpis: Any
    yearly: Any
    events: Any
    conversions: Any = None


def _subset(results: RunTables, replications: set[int]) -> _Subset:
    keep = lambda frame: frame[frame["replication"].isin(replications)].reset_index(drop=True)  # noqa: E731
    counted = getattr(results, "conversions", None)  # counts per replication: ``_conversions`` picks the kept ones
    events = keep(results.events) if counted is None else None
    return _Subset(scenario=results.scenario, kpis=keep(results.kpis), yearly=keep(results.yearly), events=events, conversions=counted)


def _go_layer(results: RunTables) -> dict[str, Any] | None:
    """P(go), the opening delays and which required partners never commit; None without a gate."""
    scenario = results.scenario
    gate = scenario.creation.go_decision
    kpis = results.kpis
    if gate is None or "opened" not in kpis:
        return None
    n = len(kpis)
    opened = kpis["opened"].astype(int).to_numpy()
    k = int(opened.sum())
    low, high = wilson_interval(k, n)
    delays = kpis.loc[opened == 1, "opening_delay_months"].astype(int)
    months = {_month_label(scenario.meta.start_month, int(d)): int(c) for d, c in sorted(delays.value_counts().items())}
    never = [p.funder for p in scenario.creation.partners if p.funder in gate.required_funders and p.probability <= 0.0]
    return {
        "simulations": n,
        "opened": k,
        "p_go": k / n if n else 0.0,
        "p_go_ci": [low, high],
        "opening_months": months,
        "median_delay_months": float(delays.median()) if len(delays) else None,
        "required_funders": list(gate.required_funders),
        "min_committed_share": gate.min_committed_share,
        "never_committed": never,
    }


def criteria_from_counts(counts: Counts, viability: Viability) -> tuple[Criterion, ...]:
    """The criteria (insolvency, break-even, public share, and compensation when counted) from counts; ``detail`` left empty."""
    n = counts.replications
    base = n if counts.rupture_base is None else counts.rupture_base
    p_insolvent = counts.insolvent / base if base else 0.0
    low, high = wilson_interval(counts.insolvent, base)
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
    if counts.compensation_clean is None:
        return insolvency, break_even, public_share
    clean = counts.compensation_clean / n if n else 0.0
    low, high = wilson_interval(counts.compensation_clean, n)
    compensation = Criterion("compensation", 0.5, clean, low, high, clean >= 0.5, low <= 0.5 <= high)
    return insolvency, break_even, public_share, compensation


def outcome_of(criteria: tuple[Criterion, ...], relies_on_over_compensation: bool = False, economic_risk: bool = False) -> str:
    """The two-layer rule. Unfavourable when the structure is not economically viable (break-even
    missed, or it relies on over-compensation); favourable when every criterion is met, none is
    borderline and the risk that the structure never pays its way is within its tolerance
    (``economic_risk`` False); otherwise favourable under conditions (rupture risk above its
    threshold or borderline: the amount to secure; public share above its ceiling;
    over-compensation; economic risk above its tolerance)."""
    break_even = next(c for c in criteria if c.key == "break_even")
    if not break_even.met or relies_on_over_compensation:
        return "unfavourable"
    if all(c.met and not c.borderline for c in criteria) and not economic_risk:
        return "favourable"
    return "favourable_under_conditions"


def economic_risk_of(counts: Counts, viability: Viability) -> bool:
    """The share of replications that never pay their way by the deadline (1 - break-even share)
    is above ``viability.max_non_viable_probability``: no one-off financing removes that risk."""
    n = counts.replications
    return bool(n and (n - counts.break_even_reached) / n > viability.max_non_viable_probability + 1e-12)


def outcome_from_counts(counts: Counts, viability: Viability) -> str:
    """The verdict's outcome from counts (``criteria_from_counts`` then ``outcome_of``)."""
    criteria = criteria_from_counts(counts, viability)
    return outcome_of(criteria, counts.relies_on_over_compensation, economic_risk_of(counts, viability))


def at_break_even(break_even_month: Any, by_year: int) -> np.ndarray:
    """Per replication: the 12-month rolling result stays positive from month ``12 * by_year - 1``
    at the latest (the break-even criterion's test); a replication that never breaks even is False."""
    be = np.nan_to_num(np.asarray(break_even_month, dtype=float), nan=np.inf)
    return be <= 12 * by_year - 1


def viable_mask(break_even_month: Any, by_year: int, horizon: int) -> np.ndarray:
    """The replications whose deficit is a start-up gap: at break-even by year ``by_year`` (``at_break_even``).

    The rupture risk and the start-up financing need are read on them; a replication that
    never pays its way has a lasting deficit, which no start-up financing covers (it counts
    in the economic layer's risk). All replications when the deadline is beyond the horizon
    or none is at break-even (the economic layer then decides alone).
    """
    mask = at_break_even(break_even_month, by_year)
    if 12 * by_year - 1 >= horizon or not mask.any():
        return np.ones(mask.shape, dtype=bool)
    return mask


def criteria_met(verdict: Verdict, side: str = "point", keys: tuple[str, ...] | None = None) -> bool:
    """The criteria ``keys`` (default: all) met on their point estimates (``side="point"``) or on the
    pessimistic / optimistic ends of their 95% intervals; a break-even or public-share year beyond
    the horizon is not met."""
    for c in verdict.criteria:
        if keys is not None and c.key not in keys:
            continue
        if c.key != "insolvency" and not c.detail.get("within_horizon", True):
            return False
        if not met_on_side(c.key, c.value, c.ci_low, c.ci_high, c.threshold, side):
            return False
    return True


def met_on_side(key: str, value: float, low: float, high: float, threshold: float, side: str) -> bool:
    """A criterion's point estimate (``side="point"``) or the pessimistic / optimistic end of its 95%
    interval (``low``, ``high``) against its threshold: the rupture risk at most, the others at least."""
    if key == "insolvency":
        return {"point": value, "pessimistic": high, "optimistic": low}[side] <= threshold
    return {"point": value, "pessimistic": low, "optimistic": high}[side] >= threshold


def _assess(results: RunTables) -> Verdict:
    """The criteria, layers and conditions on every replication of ``results``."""
    v = results.scenario.viability
    kpis = results.kpis
    n = len(kpis)
    horizon = results.scenario.meta.horizon_months
    deadline = 12 * v.break_even_by_year - 1
    be = kpis["break_even_month"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    shares = kpis["public_share_in_criterion_year"].astype(float).to_numpy()
    checked = ~np.isnan(shares)
    viable = viable_mask(be, v.break_even_by_year, horizon)
    insolvent = kpis["insolvent"].astype(bool).to_numpy()
    counts = Counts(
        replications=n,
        insolvent=int(np.sum(insolvent & viable)),
        break_even_reached=int(at_break_even(be, v.break_even_by_year).sum()),
        public_share_ok=int(np.sum(shares[checked] <= v.max_public_share)),
        public_share_checked=int(checked.sum()),
        break_even_in_horizon=deadline < horizon,
        compensation_clean=int(np.sum(kpis["over_compensation_eur"].astype(float).to_numpy() <= 0.005)),
        relies_on_over_compensation=_relies_on_over_compensation(kpis["max_public_to_costs"].astype(float).to_numpy(), v.compensation_margin_share),
        rupture_base=int(viable.sum()),
    )
    insolvency, break_even, public_share, compensation = criteria_from_counts(counts, v)
    months = kpis.loc[viable, "insolvency_month"].dropna().astype(int)
    insolvency = replace(
        insolvency,
        detail={
            "overdraft_eur": v.overdraft_eur,
            "insolvent_replications": counts.insolvent,
            "read_on_replications": counts.rupture_base,
            "replications": n,
            "insolvent_replications_all": int(insolvent.sum()),
            "median_insolvency_month": float(months.median()) if len(months) else None,
            "min_coop_treasury_eur": _quantiles(kpis.loc[viable, "min_coop_treasury_eur"]),
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
            "non_viable_probability": 1.0 - break_even.value,
            "max_non_viable_probability": v.max_non_viable_probability,
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

    relies = counts.relies_on_over_compensation
    compensation = replace(compensation, detail=_compensation_detail(results, relies, viable))
    criteria = (insolvency, break_even, public_share, compensation)
    risky = economic_risk_of(counts, v)
    layers, conditions = _layers(results, viable, criteria, relies, risky)
    outcome = outcome_of(criteria, relies_on_over_compensation=relies, economic_risk=risky)
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
        "startup_need_eur": _quantiles(kpis["startup_need_eur"]),
        "startup_need_month": _quantiles(kpis["startup_need_month"]),
        "cash_shortfall_eur": _quantiles(kpis["cash_shortfall_eur"]),
        "over_compensation_eur": _quantiles(kpis["over_compensation_eur"]),
    }
    return Verdict(outcome=outcome, criteria=criteria, replications=n, figures=figures, layers=layers, conditions=tuple(conditions))


#: Quantiles of the start-up need reported (P50 and P90: a funder plans on the bad case).
NEED_QUANTILES = (0.5, 0.9)
#: Amounts to secure are rounded up to this step (euros): what a financing plan would write.
ROUND_TO_EUR = 5000.0


def relies_ceiling(viability: Viability) -> float:
    """The ratio of public subsidies to the structure's whole costs above which a scenario relies on
    over-compensation: 1 + the reasonable margin (a young CAE may receive its net cost plus the margin)."""
    return 1.0 + viability.compensation_margin_share + 1e-9


def _relies_on_over_compensation(public_to_costs: np.ndarray, margin_share: float) -> bool:
    """Public money above the structure's whole costs plus the reasonable margin in some year
    (median simulation): no net-cost computation can justify that subsidy (a young CAE whose
    contributions are still below the margin may receive up to its net cost plus the margin,
    a little above its costs: that is allowed). Over-compensation below that is a condition
    (adjust the conventions)."""
    finite = np.isfinite(public_to_costs)
    return bool(finite.any() and float(np.nanmedian(public_to_costs)) > 1.0 + margin_share + 1e-9)  # relies_ceiling


def _compensation_detail(results: RunTables, relies: bool, viable: np.ndarray) -> dict[str, Any]:
    """The compensation check's figures (Décision 2012/21/UE arts. 5-6); the risk of rupture
    once every year's excess is recovered at its year-end is reported."""
    v = results.scenario.viability
    kpis = results.kpis
    n = len(kpis)
    over = kpis["over_compensation_eur"].astype(float).to_numpy()
    above_costs = kpis["max_public_to_costs"].astype(float).to_numpy()
    rupture_recovered = kpis.loc[viable, "rupture_without_over_compensation"].astype(float).to_numpy()
    p_recovered = float(rupture_recovered.mean()) if len(rupture_recovered) else 0.0
    yearly = results.yearly
    by_year = yearly.groupby("year")["over_compensation_eur"].median()
    years = [int(y) for y, value in by_year.items() if value > 0.005]
    return {
        "margin_share": v.compensation_margin_share,
        "over_compensation_eur": _quantiles(over),
        "years": years,
        "by_year_eur": {str(int(y)): round(float(value), 2) for y, value in by_year.items()},
        "max_public_to_costs": _quantiles(above_costs),
        "relies_on_over_compensation": relies,
        "rupture_probability_without_excess": p_recovered,
        "source": "Décision 2012/21/UE arts. 5-6",
    }


def _layers(
    results: RunTables, viable: np.ndarray, criteria: tuple[Criterion, ...], relies: bool, risky: bool
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The two layers with their figures, and the conditions of a favourable avis. The cash
    layer is read on the ``viable`` replications (a start-up gap, not a lasting deficit)."""
    insolvency, break_even, public_share, compensation = criteria
    scenario = results.scenario
    v = scenario.viability
    kpis = results.kpis
    yearly = results.yearly
    result_by_year = []
    rows_of_year = yearly.groupby("year").indices  # each year's rows in order: one year copied at a time
    for year in sorted(rows_of_year):
        group = yearly.iloc[rows_of_year[year]]
        q = _quantiles(group["coop_result_eur"])
        share = _quantiles(group["public_share_of_budget"])
        costs = group["coop_costs_eur"] + group["exit_losses_eur"] + group["interest_eur"]
        headroom = group["net_cost_eur"] + v.compensation_margin_share * costs - group["public_funding_earned_eur"]
        result_by_year.append({"year": int(year), "result_eur": q, "public_share": share,
                           "over_compensation_eur": _quantiles(group["over_compensation_eur"]),
                               "compensation_headroom_eur": _quantiles(headroom),
                               "public_funding_earned_eur": _quantiles(group["public_funding_earned_eur"]),
                               "costs_eur": _quantiles(costs)})  # fmt: skip
    economic = {
        "viable": bool(break_even.met and not relies),
        "criteria": ["break_even", "public_share", "compensation"],
        "result_by_year": result_by_year,
        "cumulated_result_eur": _quantiles(kpis["coop_result_eur"]),
        "non_viable_probability": 1.0 - break_even.value,
        "max_non_viable_probability": v.max_non_viable_probability,
        "within_risk_tolerance": not risky,
    }
    need = kpis.loc[viable, "startup_need_eur"].astype(float).to_numpy()
    month = kpis.loc[viable, "startup_need_month"].astype(float).to_numpy()
    shortfall = kpis.loc[viable, "cash_shortfall_eur"].astype(float).to_numpy()
    # The one-off amount at opening that would have avoided a rupture in all but the tolerated
    # share of simulations (the shortfall's quantile): an estimate on the same simulations,
    # which the solver (simcoop solve --target startup) checks by simulating it.
    q = 1.0 - v.max_insolvency_probability
    to_secure = float(np.quantile(shortfall, q)) if len(shortfall) else 0.0
    to_secure = math.ceil(to_secure / ROUND_TO_EUR - 1e-9) * ROUND_TO_EUR if to_secure > 0 else 0.0
    plan = scenario.cooperative.financing
    planned = sum(i.amount_eur for i in plan.instruments)
    cash = {
        "sustainable": bool(insolvency.met and not insolvency.borderline),
        "read_on_replications": int(viable.sum()),
        "replications": int(len(viable)),
        "startup_need_eur": {f"p{int(100 * p)}": float(np.quantile(need, p)) if len(need) else None for p in NEED_QUANTILES},
        "startup_need_month": float(np.median(month)) if len(month) else None,
        "startup_need_date": _month_label(scenario.meta.start_month, int(np.median(month))) if len(month) else None,
        "financing_plan_eur": round(float(planned), 2),
        "overdraft_eur": v.overdraft_eur,
        "rupture_probability": insolvency.value,
        "rupture_ci": [insolvency.ci_low, insolvency.ci_high],
        "max_rupture_probability": v.max_insolvency_probability,
        "amount_to_secure_eur": to_secure,
        "secure_by": scenario.meta.start_month,
    }
    conditions: list[dict[str, Any]] = []
    if relies:
        conditions.append({"key": "relies_on_over_compensation", **{k: compensation.detail[k] for k in ("years", "max_public_to_costs")}})
    if not break_even.met:
        conditions.append({"key": "break_even", "by_year": v.break_even_by_year})
    elif risky:
        conditions.append({"key": "economic_risk", "probability": 1.0 - break_even.value, "by_year": v.break_even_by_year,
                           "max_probability": v.max_non_viable_probability})  # fmt: skip
    if not insolvency.met:
        conditions.append({"key": "financing_need", "amount_eur": to_secure, "by_month": scenario.meta.start_month,
                           "need_month": cash["startup_need_date"], "need_month_offset": cash["startup_need_month"]})  # fmt: skip
    elif insolvency.borderline:
        conditions.append({"key": "insolvency_borderline", "probability": insolvency.value,
                           "ci": [insolvency.ci_low, insolvency.ci_high], "threshold": insolvency.threshold})  # fmt: skip
    if not compensation.met or compensation.borderline:
        if not relies:
            conditions.append({"key": "over_compensation", "years": compensation.detail["years"],
                               "amount_eur": compensation.detail["over_compensation_eur"]["p50"]})  # fmt: skip
    if not public_share.met:
        conditions.append({"key": "public_share", "year": v.public_share_year, "max_public_share": v.max_public_share})
    for c in (break_even, public_share):
        if c.met and c.borderline:
            conditions.append({"key": f"{c.key}_borderline"})
    return {"economic": economic, "cash": cash}, conditions


def _month_label(start: str, offset: int) -> str:
    y, m = (int(x) for x in start.split("-"))
    k = y * 12 + (m - 1) + offset
    return f"{k // 12:04d}-{k % 12 + 1:02d}"


def people_supported(results: RunTables) -> Any:
    """People who started a parcours over the horizon, per replication (CAPE entries + direct CESA)."""
    kpis = results.kpis
    direct = kpis["cesa_entries"] - _conversions(results)
    return kpis["cape_entries"] + direct


def conversion_counts(events: pd.DataFrame) -> pd.Series:
    """The CAPE -> CESA conversions (``CONVERSION``) per replication, of the replications that have one."""
    (from_key, from_stage), (to_key, to_stage) = CONVERSION
    conv = events[(events[from_key] == from_stage) & (events[to_key] == to_stage)]
    return conv.groupby("replication").size()


def _conversions(results: RunTables) -> Any:
    counts = getattr(results, "conversions", None)
    if counts is None:
        counts = conversion_counts(results.events)
    return counts.reindex(results.kpis["replication"], fill_value=0).to_numpy()
