"""Replications until a stated precision: ``simcoop run --replications auto --precision 0.05``.

Replications are added in batches (replications 0..19 first, then 20.., and so on) until
the 95% confidence half-width of every main KPI is within the target, or a cap is
reached. The rule, per KPI of ``PRECISION_KPIS``:

- a probability (``insolvency_probability``, ``break_even_reached``): the half-width of
  its Wilson interval is at most ``precision`` in absolute terms (0.05 = ±5 points);
  Wilson rather than the normal approximation, so that 0 insolvencies out of 20 does not
  read as a zero-width interval;
- an amount or a count (treasuries in EUR, FTE jobs, public cost per person): the
  Student t half-width of the mean is at most ``precision × |mean|`` (0.05 = ±5% of the
  mean). A mean near zero makes this unreachable: the cap stops the run and the report
  names the KPI that held it back.

Precision is checked after each batch, so the number reported is the first batch end at
which every KPI met the target. Replication ``r`` under a root seed always draws the same
streams, so the results are exactly those of ``simulate(scenario, replications=N, seed)``
with the ``N`` reported (only the runtime differs).

Batch sizes: the first batch is ``initial`` replications; each next batch aims at the
number the worst KPI needs if its spread stays as observed (half-widths shrink as
``1/sqrt(n)``), plus 10%, but at least ``initial`` more and at most doubling the count,
so a noisy early estimate neither stalls nor overshoots, and never beyond the cap.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simcoop.executors import ChunkExecutor
from simcoop.results import Results
from simcoop.runner import executor_for, run_replications
from simcoop.scenario import Scenario
from simcoop.stats import t_quantile, wilson_interval
from simcoop.studies.compare import COMPARISON_KPIS, kpi_values

if TYPE_CHECKING:
    from simcoop.model import ReplicationOutput

__all__ = [
    "DEFAULT_INITIAL",
    "DEFAULT_MAX_REPLICATIONS",
    "DEFAULT_PRECISION",
    "PRECISION_KPIS",
    "PrecisionPlan",
    "PrecisionReport",
    "PrecisionTarget",
    "next_total",
    "precision_table",
    "simulate_to_precision",
]

DEFAULT_PRECISION = 0.05
DEFAULT_INITIAL = 20
DEFAULT_MAX_REPLICATIONS = 2000


@dataclass(frozen=True)
class PrecisionTarget:
    """A KPI whose mean must be known to the stated precision, and how its precision is read."""

    key: str  # a column of experiments' per-replication KPI values (COMPARISON_KPIS)
    rule: (
        str  # "absolute": a probability, Wilson half-width <= precision; "relative": t half-width <= precision x |mean|
    )


#: The main KPIs, checked together: the two probabilities of the verdict and the amounts a funder reads.
PRECISION_KPIS: tuple[PrecisionTarget, ...] = (
    PrecisionTarget("insolvency_probability", "absolute"),
    PrecisionTarget("break_even_reached", "absolute"),
    PrecisionTarget("min_coop_treasury_eur", "relative"),
    PrecisionTarget("final_coop_treasury_eur", "relative"),
    PrecisionTarget("jobs_fte_final_year", "relative"),
    PrecisionTarget("public_cost_per_supported_eur", "relative"),
)

_LABELS = {k.key: k.label for k in COMPARISON_KPIS}

#: Columns of ``precision_table``.
PRECISION_COLUMNS: tuple[str, ...] = ("kpi", "label", "rule", "n", "mean", "half_width", "target", "ratio", "met")


def precision_table(
    values: pd.DataFrame, precision: float, kpis: Sequence[PrecisionTarget] = PRECISION_KPIS
) -> pd.DataFrame:
    """Each KPI's mean, 95% half-width, target half-width and whether it is met; columns ``PRECISION_COLUMNS``.

    ``values`` has one row per replication and a column per KPI (replications without a
    value, e.g. no person supported, are left out of that KPI). ``ratio`` is half-width
    over target (met when <= 1); with fewer than two values the half-width is infinite.
    """
    rows = []
    for kpi in kpis:
        column = values[kpi.key].to_numpy(dtype=float)
        present = column[~np.isnan(column)]
        n = int(present.size)
        mean = float(present.mean()) if n else math.nan
        if kpi.rule == "absolute":
            low, high = wilson_interval(round(float(present.sum())), n) if n else (0.0, 1.0)
            half = (high - low) / 2 if n >= 2 else math.inf
            target = precision
        elif kpi.rule == "relative":
            half = t_quantile(n - 1) * float(present.std(ddof=1)) / math.sqrt(n) if n >= 2 else math.inf
            target = precision * abs(mean) if n else math.nan
        else:
            raise ValueError(f"{kpi.key}: unknown precision rule {kpi.rule!r}")
        if half == 0:
            ratio = 0.0
        elif target > 0:
            ratio = half / target
        else:
            ratio = math.inf
        rows.append(
            {
                "kpi": kpi.key, "label": _LABELS.get(kpi.key, kpi.key), "rule": kpi.rule, "n": n, "mean": mean,
                "half_width": half, "target": target, "ratio": ratio, "met": bool(ratio <= 1.0),
            }
        )  # fmt: skip
    return pd.DataFrame(rows, columns=list(PRECISION_COLUMNS))


def next_total(n: int, table: pd.DataFrame, initial: int, max_replications: int) -> int:
    """How many replications to have after the next batch (see the module docstring)."""
    worst = float(table["ratio"].max())
    needed = n * worst * worst * 1.1 if math.isfinite(worst) else 2 * n
    total = min(max(math.ceil(needed), n + initial), 2 * n, max_replications)
    return max(total, min(n + 1, max_replications))


@dataclass(frozen=True)
class PrecisionReport:
    """How many replications were needed for the stated precision, and the half-widths achieved."""

    precision: float
    replications: int
    reached: bool
    initial: int
    max_replications: int
    checkpoints: tuple[int, ...]  # replication counts at which precision was checked
    table: pd.DataFrame  # precision_table at the end
    seed: int
    runtime_seconds: float = 0.0

    @property
    def limiting(self) -> str:
        """The KPI furthest from its target at the end (the one that set the count)."""
        return str(self.table.loc[self.table["ratio"].idxmax(), "kpi"])

    def to_dict(self) -> dict[str, Any]:
        """The content of ``precision.json``."""
        return {
            "kind": "precision",
            "precision": self.precision,
            "confidence": 0.95,
            "rule": (
                "probabilities: Wilson 95% half-width <= precision (absolute); other KPIs: Student t 95% "
                "half-width of the mean <= precision x |mean| (relative)"
            ),
            "replications": self.replications,
            "reached": self.reached,
            "limiting_kpi": self.limiting,
            "initial_replications": self.initial,
            "max_replications": self.max_replications,
            "checkpoints": list(self.checkpoints),
            "seed": self.seed,
            "runtime_seconds": round(self.runtime_seconds, 3),
            "kpis": [
                {k: _json_number(v) if isinstance(v, float) else v for k, v in row.items()}
                for row in self.table.to_dict(orient="records")
            ],
        }

    def to_text(self) -> str:
        """The outcome and each KPI's achieved half-width, for the terminal."""
        head = (
            f"precision {self.precision:g} reached with {self.replications} replications"
            if self.reached
            else f"precision {self.precision:g} NOT reached: stopped at the cap of {self.max_replications} "
            f"replications (limited by {self.limiting})"
        )
        lines = [
            f"{head} (checked at {', '.join(str(c) for c in self.checkpoints)})",
            f"{'':50}{'mean':>16}{'± 95% half-width':>20}{'target':>14}{'':>6}",
        ]
        for _, row in self.table.iterrows():
            if row["rule"] == "absolute":
                cells = [
                    f"{100 * row['mean']:.1f}%",
                    f"± {100 * row['half_width']:.1f} pts",
                    f"{100 * row['target']:.1f} pts",
                ]
            else:
                rel = row["half_width"] / abs(row["mean"]) if row["mean"] else math.inf
                cells = [
                    f"{row['mean']:,.1f}",
                    f"± {row['half_width']:,.1f} ({100 * rel:.1f}%)",
                    f"{100 * self.precision:g}%",
                ]
            mark = "ok" if row["met"] else "NO"
            lines.append(f"{str(row['label'])[:49]:50}{cells[0]:>16}{cells[1]:>20}{cells[2]:>14}{mark:>6}")
        return "\n".join(lines)


class PrecisionPlan:
    """The rule of ``simulate_to_precision``, batch after batch (the module docstring).

    ``after(values)``, given the KPI values of every replication so far (``kpi_values``),
    returns how many replications the run needs in all (as many as it has: stop). It is also a
    ``simcoop.store.Until``: ``simcoop run -n auto`` streams its replications to the run folder
    with it (``plan(done, kpis, conversions)``), the same rule on the same values, so the count
    and the numbers are those of ``simulate_to_precision``.
    """

    def __init__(
        self,
        precision: float = DEFAULT_PRECISION,
        initial: int = DEFAULT_INITIAL,
        max_replications: int = DEFAULT_MAX_REPLICATIONS,
        kpis: Sequence[PrecisionTarget] = PRECISION_KPIS,
    ) -> None:
        if not 0 < precision < 1:
            raise ValueError(f"precision must be between 0 and 1 (e.g. 0.05), got {precision}")
        if initial < 2:
            raise ValueError("initial must be >= 2 (a confidence interval needs two replications)")
        if max_replications < initial:
            raise ValueError(f"max_replications ({max_replications}) must be >= initial ({initial})")
        self.precision, self.initial, self.max_replications, self.kpis = precision, initial, max_replications, tuple(kpis)
        self.start = initial
        self.key = f"precision {precision!r} on {', '.join(f'{k.key} ({k.rule})' for k in self.kpis)}, first batch {initial}"
        self.checkpoints: list[int] = []
        self.table: pd.DataFrame | None = None
        #: Told each larger total the plan decides (a progress bar's total follows it).
        self.on_total: Callable[[int], None] | None = None

    def after(self, values: pd.DataFrame) -> int:
        """The replications needed in all, given the KPI values of the ``len(values)`` done."""
        done = len(values)
        self.checkpoints.append(done)
        self.table = precision_table(values, self.precision, self.kpis)
        if self.table["met"].all() or done >= self.max_replications:
            return done
        total = next_total(done, self.table, self.initial, self.max_replications)
        if self.on_total is not None:
            self.on_total(total)
        return total

    def __call__(self, done: int, kpis: pd.DataFrame, conversions: pd.Series) -> int:
        """``after`` on replications ``0 .. done - 1`` of a run's kpis and CAPE -> CESA conversions (``simcoop.store.Until``)."""
        return self.after(kpi_values(_KpiTables(kpis[kpis["replication"] < done].reset_index(drop=True), conversions)))

    def report(self, seed: int, runtime_seconds: float = 0.0) -> PrecisionReport:
        """The outcome, once ``after`` has said stop."""
        if self.table is None:
            raise ValueError("no batch was checked yet")
        done = self.checkpoints[-1]
        return PrecisionReport(
            precision=self.precision, replications=done, reached=bool(self.table["met"].all()), initial=self.initial,
            max_replications=self.max_replications, checkpoints=tuple(self.checkpoints), table=self.table, seed=seed,
            runtime_seconds=runtime_seconds,
        )  # fmt: skip


@dataclass(frozen=True)
class _KpiTables:
    """What ``kpi_values`` reads of a run streamed to disk: its kpis and conversions (not its events)."""

    kpis: pd.DataFrame
    conversions: pd.Series


def simulate_to_precision(
    scenario: Scenario,
    precision: float = DEFAULT_PRECISION,
    seed: int | None = None,
    jobs: int = 1,
    initial: int = DEFAULT_INITIAL,
    max_replications: int = DEFAULT_MAX_REPLICATIONS,
    kpis: Sequence[PrecisionTarget] = PRECISION_KPIS,
    progress: bool = False,
    compare_portage: bool = False,
    executor: ChunkExecutor | None = None,
) -> tuple[Results, PrecisionReport]:
    """Simulate in batches until every KPI of ``kpis`` meets ``precision`` (or ``max_replications``).

    Returns the results, equal to ``simulate(scenario, replications=report.replications,
    seed=seed)`` (same seeds, same numbers), and the report. ``seed`` defaults to the
    scenario's. One executor serves every batch: ``executor``, else ``jobs`` processes. The
    results are held in memory; ``simcoop run -n auto`` streams them to its run folder instead.
    """
    plan = PrecisionPlan(precision, initial, max_replications, kpis)
    if jobs < 1:
        raise ValueError("jobs must be >= 1")
    root = scenario.simulation.seed if seed is None else int(seed)
    started = time.perf_counter()
    outputs: list[ReplicationOutput] = []
    values: list[pd.DataFrame] = []
    bar = None
    if progress:
        from simcoop.progress import bar_total_follows, progress_bar

        bar = progress_bar(initial, f"simulating {scenario.meta.name} to ±{precision:g}")
        plan.on_total = bar_total_follows(bar)
    try:
        with executor_for(executor, jobs) as chosen:
            workers = chosen.workers
            target = initial
            while len(outputs) < target:
                batch = run_replications(
                    scenario, root, range(len(outputs), target), on_progress=bar.update if bar is not None else None,
                    compare_portage=compare_portage, executor=chosen,
                )  # fmt: skip
                outputs.extend(batch)
                values.append(kpi_values(Results.from_outputs(scenario, batch, seed=root)))
                target = plan.after(pd.concat(values))
    finally:
        if bar is not None:
            bar.close()
    runtime = time.perf_counter() - started
    results = Results.from_outputs(scenario, outputs, seed=root, runtime_seconds=runtime, jobs=workers)
    return results, plan.report(root, runtime)


def _json_number(value: float) -> float | None:
    """JSON has no NaN or infinity: None instead."""
    return value if math.isfinite(value) else None
