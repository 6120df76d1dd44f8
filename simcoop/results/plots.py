"""Charts of a run for notebooks: fan charts, yearly bars, KPI histograms (matplotlib, imported lazily).

``Results.plot_fan``, ``plot_yearly`` and ``plot_kpi`` call these. Each draws on the ``ax``
given, else on a new Figure that pyplot does not track, and returns the figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simcoop.results.frames import KPI_LABELS, MONTHLY_COLUMNS, YEARLY_COLUMNS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from simcoop.results.views import Results

__all__ = ["plot_fan", "plot_yearly", "plot_kpi", "plain_number", "column_unit"]

#: KPIs and columns that are shares (0-1), shown as percentages.
_SHARES = frozenset({"positive_exit_rate", "public_share_in_criterion_year", "public_share_of_budget"})

#: Axis labels for the columns whose name is not self-explanatory once its unit is removed.
_COLUMN_LABELS: dict[str, str] = {
    "n_waiting": "entrants waiting for a place",
    "n_cape": "people in CAPE",
    "n_cesa": "people in CESA (not associés)",
    "n_associe": "associés",
    "n_active": "active entrepreneurs",
    "n_exited": "exits since opening",
    "staff_fte": "accompaniment team",
    "support_fte": "management and accounting team",
    "jobs_fte": "jobs",
    "turnover_eur": "turnover invoiced, excl. VAT",
    "coop_result_eur": "cooperative result before tax",
    "coop_treasury_eur": "cooperative treasury",
    "consolidated_cash_eur": "consolidated cash (cooperative + activities)",
    "supported": "people supported in the year",
    "salaried": "people salaried (CESA) in the year",
    "associes": "associés in the year",
    "active_end": "active entrepreneurs at year end",
    "coop_treasury_end_eur": "cooperative treasury at year end",
    "public_share_of_budget": "public share of the cooperative's budget",
}


def column_unit(name: str) -> str:
    """The unit of a table column or KPI, read from its name: EUR, share, FTE, people ... (docs/outputs.md)."""
    return _unit(name)


def _unit(name: str) -> str:
    """The unit of a column or KPI, read from its name (see docs/outputs.md)."""
    if name.endswith("_eur"):
        return "EUR"
    if name in _SHARES or name.endswith("_rate"):
        return "share"
    if name.endswith("_ratio"):
        return "EUR per EUR"
    if "fte" in name:
        return "FTE"
    if name == "are_months_saved":
        return "months of ARE"
    if name == "entrepreneur_months":
        return "entrepreneur-months"
    if name.endswith("_month"):
        return "month index"
    if name == "months":
        return "months"
    if name == "insolvent":
        return "0 or 1"
    return "people"


def _column_label(name: str) -> str:
    if name in _COLUMN_LABELS:
        return _COLUMN_LABELS[name]
    base = name.removesuffix("_eur")
    if base.endswith("_end"):
        base = base.removesuffix("_end") + " at year end"
    return base.replace("_", " ")


def _axis_label(name: str) -> str:
    return f"{_column_label(name)} ({_unit(name)})"


def _kpi_axis_label(kpi: str) -> str:
    label = KPI_LABELS[kpi]
    return label if label.endswith(")") else f"{label} ({_unit(kpi)})"


def _check_column(name: str, present: Any, allowed: Sequence[str], table: str) -> None:
    """Raise ValueError naming the closest columns when ``name`` is not a plottable column of ``table``."""
    if name in allowed and name in present:
        return
    import difflib

    close = difflib.get_close_matches(name, allowed, n=3)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise ValueError(f"{name!r} is not a {table} column that can be plotted{hint}")


def _figure_and_axes(ax: Any, size: tuple[float, float]) -> tuple[Any, Any]:
    """The axes to draw on: ``ax``, or one on a new Figure outside pyplot (nothing to close, no global state)."""
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


def _date_axis(ax: Any) -> None:
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=4, maxticks=12)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _thousands(axis: Any) -> None:
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:,.0f}"))


def _integer_ticks(axis: Any) -> None:
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def _pct(value: float) -> str:
    return f"{value:g}"


def plain_number(value: float, name: str) -> str:
    """A number for a chart label: a share as ``12.5%``, euros with thousands separators, else one decimal."""
    if name in _SHARES or name.endswith("_rate"):
        return f"{100 * value:.1f}%"
    if name.endswith("_eur"):
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def plot_fan(
    results: "Results",
    column: str | Sequence[str],
    quantiles: Sequence[float] = (5, 25, 50, 75, 95),
    ax: Axes | None = None,
) -> Figure:
    """Fan chart of a monthly column over the months: quantile bands across replications.

    ``quantiles`` are percentages, paired from the outside in (5-95, then 25-75); an odd
    middle one (50) is drawn as a line. Several columns (``["n_cape", "n_cesa",
    "n_associe"]``) share the axes, one colour each. Draws on ``ax`` if given, else on a
    new figure that pyplot does not track; returns the figure.
    """
    columns = [column] if isinstance(column, str) else list(column)
    if not columns:
        raise ValueError("plot_fan needs at least one column")
    for name in columns:
        _check_column(name, results.monthly.columns, MONTHLY_COLUMNS[4:], "monthly")
    qs = sorted(float(q) for q in quantiles)
    if not qs or not all(0.0 <= q <= 100.0 for q in qs):
        raise ValueError(f"quantiles must be percentages between 0 and 100, not {tuple(quantiles)}")
    fig, ax = _figure_and_axes(ax, (8.0, 4.0))
    n = len(qs)
    bands = [(qs[i], qs[n - 1 - i]) for i in range(n // 2)]
    lowest, highest = np.inf, -np.inf
    for k, name in enumerate(columns):
        matrix = results.monthly.pivot(index="date", columns="replication", values=name).sort_index()
        dates = pd.DatetimeIndex(matrix.index)
        values = np.nanpercentile(matrix.to_numpy(dtype=float), qs, axis=1) if matrix.size else np.zeros((n, 0))
        if values.size:
            lowest, highest = min(lowest, np.nanmin(values)), max(highest, np.nanmax(values))
        colour = f"C{k}"
        for i, (low, high) in enumerate(bands):
            label = f"{_pct(low)}-{_pct(high)}%" if len(columns) == 1 else None
            if len(columns) > 1 and n % 2 == 0 and i == 0:
                label = _column_label(name)
            alpha = 0.15 + 0.25 * i / max(len(bands) - 1, 1)
            ax.fill_between(dates, values[i], values[n - 1 - i], color=colour, alpha=alpha, linewidth=0, label=label)
        if n % 2:
            middle = qs[n // 2]
            if len(columns) > 1:
                label = _column_label(name)
            else:
                label = "median" if middle == 50 else f"{_pct(middle)}%"
            ax.plot(dates, values[n // 2], color=colour, linewidth=1.8, label=label)
    _date_axis(ax)
    units = {_unit(name) for name in columns}
    ax.set_ylabel(_axis_label(columns[0]) if len(columns) == 1 else (units.pop() if len(units) == 1 else "value"))
    ax.set_xlabel("month")
    if all(name.endswith("_eur") for name in columns):
        _thousands(ax.yaxis)
    if lowest < 0 < highest:  # a treasury or a result that turns negative: show where zero is
        ax.axhline(0.0, color="0.4", linewidth=0.8)
    spread = ", ".join(f"{_pct(lo)}-{_pct(hi)}%" for lo, hi in bands)
    ax.set_title(
        f"{', '.join(_column_label(c) for c in columns)}: "
        f"{'bands ' + spread if bands else 'quantiles'} across {results.replications} replications",
        fontsize="medium",
    )
    ax.legend(fontsize="small", loc="best")
    return fig


def plot_yearly(results: "Results", column: str, ax: Axes | None = None) -> Figure:
    """Bars of a yearly column by calendar year: the median, with whiskers from 5% to 95% across replications.

    Partial first or last years (``months`` < 12) are drawn lighter and say how many
    months they cover.
    """
    _check_column(column, results.yearly.columns, YEARLY_COLUMNS[4:], "yearly")
    fig, ax = _figure_and_axes(ax, (8.0, 4.0))
    grouped = results.yearly.groupby("year", sort=True)
    values = grouped[column]
    median = values.median().astype(float)
    low = values.quantile(0.05).astype(float)
    high = values.quantile(0.95).astype(float)
    months = grouped["months"].max()
    years = median.index.to_numpy()
    alphas = [1.0 if m >= 12 else 0.45 for m in months]
    bars = ax.bar(
        np.arange(len(years)),
        median.to_numpy(),
        yerr=np.vstack([(median - low).to_numpy(), (high - median).to_numpy()]),
        capsize=3,
        color="C0",
        ecolor="0.25",
        error_kw={"linewidth": 1.0},
    )
    for bar, alpha in zip(bars, alphas, strict=True):
        bar.set_alpha(alpha)
    ax.set_xticks(
        np.arange(len(years)),
        [f"{y}" if m >= 12 else f"{y}\n({m} mo.)" for y, m in zip(years, months, strict=True)],
    )
    ax.set_xlabel("calendar year")
    ax.set_ylabel(_axis_label(column))
    if column.endswith("_eur"):
        _thousands(ax.yaxis)
    if np.nanmin(low.to_numpy(), initial=0.0) < 0:
        ax.axhline(0.0, color="0.4", linewidth=0.8)
    ax.set_title(
        f"{_column_label(column)}: median and 5-95% range across {results.replications} replications",
        fontsize="medium",
    )
    return fig


def plot_kpi(results: "Results", kpi: str, bins: int | str = "auto", ax: Axes | None = None) -> Figure:
    """Histogram of a KPI across replications, with its median (solid), 5% (dashed) and 95% (dotted) quantiles.

    Replications without a value (e.g. break-even not reached) are counted in the title.
    """
    if kpi not in KPI_LABELS:
        _check_column(kpi, (), tuple(KPI_LABELS), "KPI")
    fig, ax = _figure_and_axes(ax, (6.5, 4.0))
    values = pd.to_numeric(results.kpis[kpi], errors="coerce").astype(float).dropna().to_numpy()
    if values.size:
        ax.hist(values, bins=bins, color="C0", alpha=0.8, edgecolor="white")
        p5, p50, p95 = np.quantile(values, [0.05, 0.5, 0.95])
        ax.axvline(p50, color="C3", linewidth=1.8, label=f"median {plain_number(p50, kpi)}")
        ax.axvline(p5, color="C3", linewidth=1.0, linestyle="--", label=f"5% {plain_number(p5, kpi)}")
        ax.axvline(p95, color="C3", linewidth=1.0, linestyle=":", label=f"95% {plain_number(p95, kpi)}")
        ax.legend(fontsize="small", loc="best")
    else:
        ax.text(0.5, 0.5, "no replication has a value", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel(_kpi_axis_label(kpi))
    ax.set_ylabel("replications")
    _integer_ticks(ax.yaxis)
    if kpi.endswith("_eur"):
        _thousands(ax.xaxis)
    missing = len(results.kpis) - values.size
    ax.set_title(
        f"{kpi}: {values.size} replications" + (f"; no value in {missing}" if missing else ""),
        fontsize="medium",
    )
    return fig
