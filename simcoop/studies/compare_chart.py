"""The chart of a comparison: each scenario's paired difference with the baseline, with its 95% interval.

Drawn on a matplotlib ``Figure`` outside pyplot (no global state), imported only when a
chart is asked for (``Comparison.plot``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["DEFAULT_CHART_KPIS", "plot_comparison"]

#: What a funder reads first: the cooperative's cash at the end and at its lowest, the public money, the people.
DEFAULT_CHART_KPIS: tuple[str, ...] = (
    "final_coop_treasury_eur",
    "min_coop_treasury_eur",
    "public_cost_eur",
    "people_supported",
)


def plot_comparison(comparison: Any, specs: Sequence[Any], kpis: Sequence[str] | None = None, columns: int = 2) -> Figure:
    """One panel per KPI: each scenario's mean paired difference with the baseline and its 95% interval.

    A filled marker is a significant difference (its interval excludes zero), a hollow one
    is not; the vertical line is "no difference". ``specs`` are the comparison's KPI
    definitions (``simcoop.studies.compare.COMPARISON_KPIS``), ``kpis`` keys among them.
    """
    from matplotlib.figure import Figure

    known = {k.key: k for k in specs}
    chosen = list(DEFAULT_CHART_KPIS if kpis is None else kpis)
    if not chosen:
        raise ValueError("plot needs at least one KPI")
    unknown = [k for k in chosen if k not in known]
    if unknown:
        raise ValueError(f"not comparison KPIs: {', '.join(unknown)}; choose among {', '.join(known)}")
    others = [label for label in comparison.results if label != comparison.baseline]
    if not others:
        raise ValueError("a comparison of a single scenario has no difference to draw")
    long = comparison.long()
    differences = long[long["scenario"] != comparison.baseline]
    ncols = max(1, min(columns, len(chosen)))
    nrows = -(-len(chosen) // ncols)
    fig = Figure(figsize=(5.2 * ncols, 0.5 + (1.0 + 0.45 * len(others)) * nrows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for ax, key in zip(axes, chosen, strict=False):
        kpi = known[key]
        rows = differences[differences["kpi"] == key].set_index("scenario").reindex(others)
        scale = 100.0 if kpi.unit == "share" else 1.0
        diff = rows["diff"].to_numpy(dtype=float) * scale
        low = rows["diff_ci_low"].to_numpy(dtype=float) * scale
        high = rows["diff_ci_high"].to_numpy(dtype=float) * scale
        positions = np.arange(len(others))[::-1]  # first variant on top
        significant = rows["significant"].fillna(False).to_numpy(dtype=bool)
        ax.errorbar(
            diff, positions, xerr=[np.nan_to_num(diff - low), np.nan_to_num(high - diff)],
            fmt="none", ecolor="0.3", capsize=3, linewidth=1.0,
        )  # fmt: skip
        ax.scatter(diff[significant], positions[significant], color="C0", zorder=3, label="significant")
        ax.scatter(
            diff[~significant],
            positions[~significant],
            facecolor="white",
            edgecolor="C0",
            zorder=3,
            label="not significant",
        )
        ax.axvline(0.0, color="0.5", linewidth=0.8)
        ax.set_yticks(positions, others)
        ax.set_ylim(-0.6, len(others) - 0.4)
        ax.set_title(kpi.label, fontsize="medium")
        unit = {"share": "points", "eur": "EUR", "months": "months", "people": "people", "fte": "FTE", "ratio": ""}[
            kpi.unit
        ]
        ax.set_xlabel(f"difference with {comparison.baseline!r}" + (f" ({unit})" if unit else ""))
        ax.locator_params(axis="x", nbins=5)
        if kpi.unit == "eur":
            ax.xaxis.set_major_formatter("{x:,.0f}")
    for ax in axes[len(chosen) :]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2, fontsize="small")
    fig.suptitle(
        f"Paired differences with {comparison.baseline!r} and their 95% intervals "
        f"({comparison.replications} replications each, seed {comparison.seed})",
        fontsize="medium",
    )
    return fig
