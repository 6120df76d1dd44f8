"""Results in a notebook: the plotting helpers and the HTML view."""

from __future__ import annotations

import dataclasses

import matplotlib.dates as mdates
import numpy as np
import pytest
from matplotlib.figure import Figure

import simcoop
from tests.conftest import small_scenario


@pytest.fixture(scope="module")
def results() -> simcoop.Results:
    # A generous EPCI convention so that every replication breaks even within the 30 months.
    funded = small_scenario(**{"meta.horizon_months": 30, "cooperative.public_funding.2.amount_eur": 300000})
    return simcoop.simulate(funded, replications=4, seed=8)


def _pyplot_figures() -> list[int]:
    import matplotlib.pyplot as plt

    return plt.get_fignums()


def test_fan_chart_has_one_band_per_quantile_pair_and_a_median_line(results: simcoop.Results) -> None:
    before = _pyplot_figures()
    fig = results.plot_fan("n_active")
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert len(ax.collections) == 2  # 5-95% and 25-75%
    assert len(ax.lines) == 1  # the median; n_active is never negative, so no zero line
    median = ax.lines[0].get_ydata()
    expected = results.monthly.groupby("month")["n_active"].median().to_numpy()
    np.testing.assert_allclose(median, expected)
    assert ax.get_ylabel() == "active entrepreneurs (people)"
    assert ax.get_xlabel() == "month"
    # Dates on the x axis: the first point is the opening month.
    assert mdates.num2date(ax.lines[0].get_xdata(orig=False)[0]).strftime("%Y-%m") == "2027-01"
    assert _pyplot_figures() == before  # no figure left in pyplot's global state


def test_fan_chart_quantiles_axes_and_several_columns(results: simcoop.Results) -> None:
    fig = results.plot_fan("coop_treasury_eur", quantiles=(10, 50, 90))
    (ax,) = fig.axes
    assert len(ax.collections) == 1
    assert ax.get_ylabel() == "cooperative treasury (EUR)"
    treasury = results.monthly["coop_treasury_eur"]
    assert len(ax.lines) == (2 if treasury.min() < 0 < treasury.max() else 1)  # median (+ the zero line)

    fig = results.plot_fan(["n_cape", "n_cesa", "n_associe"], quantiles=(25, 50, 75))
    (ax,) = fig.axes
    assert len(ax.lines) == 3 and len(ax.collections) == 3
    assert ax.get_ylabel() == "people"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "people in CAPE",
        "people in CESA (not associés)",
        "associés",
    ]

    # On the caller's axes: the caller's figure comes back.
    own = Figure()
    axes = own.subplots(1, 2)
    assert results.plot_fan("n_cape", ax=axes[1]) is own
    assert len(axes[1].lines) == 1 and not axes[0].lines


def test_fan_chart_refuses_unknown_columns_and_quantiles(results: simcoop.Results) -> None:
    with pytest.raises(ValueError, match="'n_capes' is not a monthly column.*did you mean 'n_cape'"):
        results.plot_fan("n_capes")
    with pytest.raises(ValueError, match="not a monthly column"):
        results.plot_fan("replication")
    with pytest.raises(ValueError, match="percentages between 0 and 100"):
        results.plot_fan("n_cape", quantiles=(0.05, 0.5, 1.5e2))


def test_yearly_bars_are_medians_with_5_95_whiskers(results: simcoop.Results) -> None:
    fig = results.plot_yearly("turnover_eur")
    (ax,) = fig.axes
    years = sorted(results.yearly["year"].unique())
    assert len(ax.patches) == len(years) == 3
    heights = [p.get_height() for p in ax.patches]
    np.testing.assert_allclose(heights, results.yearly.groupby("year")["turnover_eur"].median().to_numpy())
    assert len(ax.containers) == 2  # the bars and their error bars
    assert ax.get_ylabel() == "turnover invoiced, excl. VAT (EUR)"
    assert ax.get_xlabel() == "calendar year"
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["2027", "2028", "2029\n(6 mo.)"]  # the last year is partial
    with pytest.raises(ValueError, match="not a yearly column"):
        results.plot_yearly("n_cape")


def test_kpi_histogram_marks_median_and_quantiles(results: simcoop.Results) -> None:
    fig = results.plot_kpi("turnover_eur")
    (ax,) = fig.axes
    assert len(ax.lines) == 3  # median, 5%, 95%
    assert sum(p.get_height() for p in ax.patches) == results.replications
    assert ax.get_xlabel() == "turnover invoiced (EUR)"
    assert ax.get_ylabel() == "replications"
    assert results.plot_kpi("active_end").axes[0].get_xlabel() == "entrepreneurs active at the end (people)"
    with pytest.raises(ValueError, match="not a KPI column.*did you mean 'turnover_eur'"):
        results.plot_kpi("turnover")


def test_kpi_histogram_counts_replications_without_a_value(results: simcoop.Results) -> None:
    kpis = results.kpis.copy()
    kpis["break_even_month"] = kpis["break_even_month"].astype("Int64")
    kpis.loc[0, "break_even_month"] = None
    fig = dataclasses.replace(results, kpis=kpis).plot_kpi("break_even_month")
    ax = fig.axes[0]
    assert sum(p.get_height() for p in ax.patches) == results.replications - 1
    assert ax.get_title().endswith("no value in 1")


def test_html_view_shows_scenario_run_verdict_and_headline_kpis(results: simcoop.Results) -> None:
    page = results._repr_html_()
    assert "small" in page and "2027-01 to 2029-06" in page and "30 months" in page
    assert "4 replications, seed 8" in page
    outcome = results.verdict().outcome
    assert "Verdict: <strong" in page and outcome.replace("_", " ") in page
    assert "turnover invoiced (EUR)" in page
    for header in ("mean", "p5", "p50", "p95"):
        assert f">{header}</th>" in page
    summary = results.summary().set_index("kpi")
    assert f"{summary.loc['turnover_eur', 'p50']:,.0f}" in page


def test_html_view_escapes_the_scenario(results: simcoop.Results) -> None:
    scenario = results.scenario.replace(
        {"meta.name": "<script>alert(1)</script>", "meta.territory_name": "Lyon & <b>Villeurbanne</b>"}
    )
    page = dataclasses.replace(results, scenario=scenario)._repr_html_()
    assert "<script>" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Lyon &amp; &lt;b&gt;Villeurbanne&lt;/b&gt;" in page
