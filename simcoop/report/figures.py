"""The report's charts: matplotlib (Agg, imported lazily), each returned as a self-contained image.

Every function takes plain numbers (numpy arrays, lists, dicts) and returns a
:class:`Figure`: an SVG encoded as a ``data:`` URI, with its alt text. The SVG keeps its
text as text, in the report's fonts (DejaVu Sans, else Liberation Sans, Arial or the
reader's sans-serif: the template's list), laid out on DejaVu Sans's metrics: the PDF
embeds the font and its labels can be selected, searched and read aloud, and WeasyPrint
draws a label as one string instead of parsing a path per glyph (1.5-2 s of the report's
PDF, benchmarks/README.md). Colours are shades of one blue plus line hatching (no dotted
hatch: its pattern is a 68 KB path drawn again for every bar), so that the charts survive
grey-scale printing.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from simcoop.report.format import NBSP, fmt_number

__all__ = [
    "Figure",
    "box_by_year",
    "fan_chart",
    "fan_grid",
    "range_bars",
    "stacked_area",
    "stacked_bars",
    "timeline",
    "tornado",
]

#: Fan-chart quantiles (in %) and the palette: dark to light, distinct in grey scale.
FAN_QUANTILES = (5, 25, 50, 75, 95)
DARK, MID, LIGHT, PALE = "#173f66", "#4a7fb5", "#9dbfe0", "#d9e6f3"
SERIES = ("#173f66", "#6b9fd1", "#c9dcef", "#8c8c8c", "#3d3d3d", "#e8b04a")
HATCHES = ("", "//", "\\\\", "xx", "--", "++")
ACCENT = "#b3261e"  # thresholds; dashed so that they read in grey too

_WIDTH_IN = 6.7  # fits the A4 text width at 100%


@dataclass(frozen=True)
class Figure:
    """One chart: an SVG ``data:`` URI and its alt text (and an optional caption)."""

    uri: str
    alt: str
    caption: str = ""


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    matplotlib.rcParams.update(
        {
            # Measured on DejaVu Sans (shipped with matplotlib); the SVG names the whole list.
            "font.family": "sans-serif",
            "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial"],
            "font.size": 8.5,
            "axes.titlesize": 9,
            "axes.titleweight": "bold",
            "axes.labelsize": 8.5,
            "xtick.labelsize": 8,
            "ytick.labelsize": 8,
            "legend.fontsize": 8,
            "legend.frameon": False,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.color": "#dddddd",
            "grid.linewidth": 0.6,
            "svg.fonttype": "none",  # text as text (see the module docstring)
            "svg.hashsalt": "simcoop-report",
            "hatch.linewidth": 0.6,
            "axes.formatter.use_locale": False,
            "text.parse_math": False,  # names from scenarios ('$...$' in a funder or site) are plain text, never maths
        }
    )
    return plt


def _french_axis(axis: Any, decimals: int = 0, percent: bool = False, thousands: bool = False) -> None:
    from matplotlib.ticker import FuncFormatter

    def fmt(value: float, _pos: Any) -> str:
        if percent:
            return f"{fmt_number(value * 100, decimals)}{NBSP}%"
        if thousands:
            return fmt_number(value / 1000, decimals)
        return fmt_number(value, decimals)

    axis.set_major_formatter(FuncFormatter(fmt))


def _year_axis(ax: Any, dates: Sequence[Any]) -> None:
    import matplotlib.dates as mdates

    ax.xaxis.set_major_locator(mdates.YearLocator(1 if len(dates) <= 72 else 2))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_xlim(dates[0], dates[-1])


def _encode(fig: Any, alt: str, caption: str = "") -> Figure:
    plt = _plt()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return Figure(uri=f"data:image/svg+xml;base64,{data}", alt=alt, caption=caption)


def _fan(ax: Any, dates: Sequence[Any], matrix: np.ndarray) -> None:
    """Draw the 5-95 % and 25-75 % bands and the median of ``matrix`` (replications x time)."""
    q = np.nanquantile(np.asarray(matrix, dtype=float), [x / 100 for x in FAN_QUANTILES], axis=0)
    ax.fill_between(dates, q[0], q[4], color=PALE, linewidth=0, label="5 à 95 %")
    ax.fill_between(dates, q[1], q[3], color=LIGHT, linewidth=0, label="25 à 75 %")
    ax.plot(dates, q[2], color=DARK, linewidth=1.6, label="médiane")


def fan_chart(
    dates: Sequence[Any],
    matrix: np.ndarray,
    ylabel: str,
    alt: str,
    title: str = "",
    thousands: bool = False,
    hlines: Sequence[tuple[float, str]] = (),
    height_in: float = 2.6,
) -> Figure:
    """One fan chart (5-25-50-75-95 %) over time, with optional labelled horizontal lines."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(_WIDTH_IN, height_in))
    _fan(ax, dates, matrix)
    for value, label in hlines:
        ax.axhline(
            value,
            color=ACCENT if value else "#555555",
            linewidth=1.0,
            linestyle="--" if value else "-",
            label=label or None,
        )
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, loc="left")
    _french_axis(ax.yaxis, thousands=thousands)
    _year_axis(ax, dates)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=4)
    return _encode(fig, alt)


def fan_grid(dates: Sequence[Any], panels: Sequence[tuple[str, str, np.ndarray]], alt: str, ncols: int = 2) -> Figure:
    """Small multiples of fan charts: each panel is (title, y label, replications x time)."""
    plt = _plt()
    nrows = -(-len(panels) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(_WIDTH_IN, 2.1 * nrows), squeeze=False)
    for ax, (title, ylabel, matrix) in zip(axes.flat, panels):
        _fan(ax, dates, matrix)
        ax.set_title(title, loc="left")
        ax.set_ylabel(ylabel)
        ax.set_ylim(bottom=0)
        _french_axis(ax.yaxis)
        _year_axis(ax, dates)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return _encode(fig, alt)


def stacked_area(dates: Sequence[Any], series: dict[str, np.ndarray], ylabel: str, alt: str, title: str = "") -> Figure:
    """Stacked areas of medians over time (label -> values), hatched for grey-scale printing."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(_WIDTH_IN, 2.5))
    values = [np.asarray(v, dtype=float) for v in series.values()]
    polys = ax.stackplot(
        dates, *values, labels=list(series), colors=SERIES[: len(values)], edgecolor="white", linewidth=0.3
    )
    for poly, hatch in zip(polys, HATCHES):
        poly.set_hatch(hatch)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, loc="left")
    _french_axis(ax.yaxis)
    _year_axis(ax, dates)
    ax.legend(loc="upper left", ncol=len(series))
    return _encode(fig, alt)


def stacked_bars(
    categories: Sequence[Any],
    series: dict[str, Sequence[float]],
    ylabel: str,
    alt: str,
    title: str = "",
    thousands: bool = False,
    height_in: float = 2.6,
) -> Figure:
    """Stacked bars per category (e.g. year), one layer per series, hatched."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(_WIDTH_IN, height_in))
    x = np.arange(len(categories))
    bottom = np.zeros(len(categories))
    for (label, values), colour, hatch in zip(series.items(), SERIES, HATCHES):
        values = np.nan_to_num(np.asarray(values, dtype=float))
        ax.bar(
            x,
            values,
            bottom=bottom,
            color=colour,
            hatch=hatch,
            edgecolor="white",
            linewidth=0.4,
            label=label,
            width=0.7,
        )
        bottom += values
    ax.set_xticks(x, [str(c) for c in categories])
    ax.grid(axis="x", visible=False)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, loc="left")
    _french_axis(ax.yaxis, thousands=thousands)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=min(len(series), 4))
    return _encode(fig, alt)


def range_bars(
    categories: Sequence[Any],
    p5: Sequence[float],
    p50: Sequence[float],
    p95: Sequence[float],
    ylabel: str,
    alt: str,
    title: str = "",
    percent: bool = False,
    threshold: tuple[float, str] | None = None,
    height_in: float = 2.4,
) -> Figure:
    """Bars of medians per category with 5-95 % whiskers, and an optional threshold line."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(_WIDTH_IN, height_in))
    x = np.arange(len(categories))
    mid = np.asarray(p50, dtype=float)
    low = np.clip(mid - np.asarray(p5, dtype=float), 0, None)
    high = np.clip(np.asarray(p95, dtype=float) - mid, 0, None)
    ax.bar(x, mid, color=MID, width=0.65, label="médiane")
    ax.errorbar(x, mid, yerr=[low, high], fmt="none", ecolor="#222222", elinewidth=1, capsize=3, label="5 à 95 %")
    if threshold is not None:
        ax.axhline(threshold[0], color=ACCENT, linestyle="--", linewidth=1.1, label=threshold[1])
    ax.set_xticks(x, [str(c) for c in categories])
    ax.grid(axis="x", visible=False)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, loc="left")
    _french_axis(ax.yaxis, percent=percent)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3)
    return _encode(fig, alt)


def box_by_year(years: Sequence[Any], samples: Sequence[np.ndarray], ylabel: str, alt: str, title: str = "") -> Figure:
    """Box plots per year (box 25-75 %, whiskers 5-95 %, median line)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(_WIDTH_IN, 2.5))
    data = [np.asarray(s, dtype=float)[~np.isnan(np.asarray(s, dtype=float))] for s in samples]
    keep = [i for i, d in enumerate(data) if d.size]
    ax.boxplot(
        [data[i] for i in keep],
        positions=keep,
        whis=(5, 95),
        showfliers=False,
        widths=0.6,
        patch_artist=True,
        boxprops={"facecolor": LIGHT, "edgecolor": DARK},
        medianprops={"color": DARK, "linewidth": 1.6},
        whiskerprops={"color": DARK},
        capprops={"color": DARK},
    )
    ax.set_xticks(range(len(years)), [str(y) for y in years])
    ax.grid(axis="x", visible=False)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, loc="left")
    _french_axis(ax.yaxis)
    return _encode(fig, alt)


def tornado(
    rows: Sequence[dict[str, Any]],
    base: float,
    xlabel: str,
    alt: str,
    percent: bool = False,
    thousands: bool = False,
    title: str = "",
) -> Figure:
    """Tornado chart: one bar per parameter from its low to its high value of the measure.

    ``rows``: dicts with ``label``, ``low`` and ``high`` (the measure at the low and high
    setting), sorted by the caller (largest swing first, drawn at the top).
    """
    plt = _plt()
    height = 0.9 + 0.32 * max(len(rows), 1)
    fig, ax = plt.subplots(figsize=(_WIDTH_IN, height))
    y = np.arange(len(rows))[::-1]
    for yi, row in zip(y, rows):
        low, high = float(row["low"]), float(row["high"])
        ax.barh(yi, low - base, left=base, color=LIGHT, edgecolor=DARK, linewidth=0.5, hatch="//", height=0.6)
        ax.barh(yi, high - base, left=base, color=DARK, height=0.6)
    ax.axvline(base, color="#222222", linewidth=1)
    ax.margins(x=0.06)
    if percent:
        # Probabilities: the whole 0-100 % scale, so a small swing looks small.
        ax.set_xlim(-0.02, 1.02)
    if title:
        ax.set_title(title, loc="left")
    ax.set_yticks(y, [str(r["label"]) for r in rows])
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(xlabel)
    _french_axis(ax.xaxis, percent=percent, thousands=thousands)
    from matplotlib.patches import Patch

    ax.legend(
        handles=[
            Patch(facecolor=LIGHT, edgecolor=DARK, hatch="//", label="valeur basse"),
            Patch(facecolor=DARK, label="valeur haute"),
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.55 / height - 0.12),
        ncol=2,
        frameon=False,
    )
    fig.tight_layout()
    return _encode(fig, alt)


def timeline(items: Sequence[dict[str, Any]], alt: str, xlim: tuple[Any, Any] | None = None) -> Figure:
    """Gantt chart of the creation steps, top to bottom in the order given.

    ``items``: dicts with ``label`` and ``note``, and either ``start`` and ``end`` (a bar)
    or ``date`` (a milestone: a partner's decision). ``xlim`` zooms on a window; a bar
    running past it ends in an arrow.
    """
    plt = _plt()
    import matplotlib.dates as mdates
    from matplotlib.ticker import FuncFormatter

    from simcoop.report.format import MONTHS_FR

    rows = len(items)
    fig, ax = plt.subplots(figsize=(_WIDTH_IN, 0.7 + 0.34 * rows))
    right = mdates.date2num(xlim[1]) if xlim else None
    bar = 0
    for i, item in enumerate(items):
        y = rows - 1 - i
        if "date" in item:
            x = mdates.date2num(item["date"])
            ax.plot([x], [y], marker="D", color=DARK, markersize=6)
            text_x = x + 20
        else:
            start, end = mdates.date2num(item["start"]), mdates.date2num(item["end"])
            shown_end = min(end, right) if right is not None else end
            ax.barh(
                y,
                shown_end - start,
                left=start,
                height=0.55,
                color=SERIES[bar % 3],
                hatch=HATCHES[bar % 3],
                edgecolor=DARK,
                linewidth=0.5,
            )
            if right is not None and end > right:
                ax.annotate(
                    "", xy=(right, y), xytext=(right - 40, y), arrowprops={"arrowstyle": "->", "color": DARK, "lw": 1.2}
                )
            bar += 1
            text_x = shown_end + 12 if right is None or end <= right else None
            if text_x is None:  # the bar runs past the window: write before its start
                ax.text(start - 15, y, item.get("note", ""), va="center", ha="right", fontsize=7.5)
                continue
        if item.get("note"):
            ax.text(text_x, y, item["note"], va="center", ha="left", fontsize=7.5)
    ax.set_yticks(range(rows - 1, -1, -1), [str(item["label"]) for item in items])
    ax.xaxis_date()
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 7)))
    ax.xaxis.set_minor_locator(mdates.MonthLocator(bymonth=(4, 10)))
    ax.xaxis.set_major_formatter(
        FuncFormatter(
            lambda v, _p: f"{MONTHS_FR[mdates.num2date(v).month - 1][:4].rstrip('.')}. {mdates.num2date(v).year}"
        )
    )
    if xlim:
        ax.set_xlim(mdates.date2num(xlim[0]), right)
    ax.grid(axis="y", visible=False)
    ax.set_ylim(-0.6, rows - 0.4)
    return _encode(fig, alt)


def zone_map(
    lon: Sequence[float],
    lat: Sequence[float],
    population: Sequence[float],
    value: Sequence[float],
    names: Sequence[str],
    sites: Sequence[tuple[str, float, float]],
    colorbar_label: str,
    alt: str,
    title: str = "",
) -> Figure:
    """A map without tiles: zones as discs (area ~ population, colour ~ ``value``), sites as triangles."""
    plt = _plt()
    from matplotlib.colors import LinearSegmentedColormap

    fig, ax = plt.subplots(figsize=(_WIDTH_IN, 4.2))
    cmap = LinearSegmentedColormap.from_list("simcoop", [PALE, LIGHT, MID, DARK])
    pop = np.asarray(population, dtype=float)
    size = 60 + 900 * pop / max(float(np.nanmax(pop)), 1.0)
    points = ax.scatter(lon, lat, s=size, c=value, cmap=cmap, edgecolors="#555555", linewidths=0.6, zorder=2)
    from matplotlib import patheffects

    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    for x, y, name, area in zip(lon, lat, names, size):
        # Below the disc's edge (a marker of area s pt² has a radius of sqrt(s/π) pt), on a white halo, above the discs.
        below = float(np.sqrt(area / np.pi)) + 2.0
        ax.annotate(name, (x, y), xytext=(0, -below), textcoords="offset points", ha="center", va="top", fontsize=7,
                    color="#222222", zorder=4, path_effects=halo)  # fmt: skip
    for name, x, y in sites:
        ax.scatter([x], [y], marker="^", s=120, color="#b03a2e", edgecolors="white", linewidths=0.8, zorder=3)
        # Beside the triangle (above it sits the label of the zone to the north), towards the map's middle
        # so that it stays clear of the colour bar.
        east = x > float(np.nanmedian(np.asarray(lon, dtype=float)))
        ax.annotate(name, (x, y), xytext=(-7 if east else 7, 0), textcoords="offset points", ha="right" if east else "left", va="center", fontsize=8,
                    color="#b03a2e", weight="bold", zorder=5, path_effects=halo)  # fmt: skip
    ax.set_aspect(1.0 / max(np.cos(np.radians(float(np.nanmean(lat)))), 0.1))
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.margins(0.22)
    bar = fig.colorbar(points, ax=ax, shrink=0.75, pad=0.08)
    bar.set_label(colorbar_label)
    if title:
        ax.set_title(title, loc="left")
    return _encode(fig, alt)
