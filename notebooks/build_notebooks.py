"""Write the notebooks of this folder from the cells below, without outputs.

The notebooks are generated so that they stay reviewable and reproducible: edit the cells
here, then run ``python notebooks/build_notebooks.py`` and commit the ``.ipynb`` files.
``tests/test_notebooks.py`` checks that the committed notebooks are what this script
writes, that they hold no outputs, and that every one of them runs without error.
Cell ids are fixed (``c00``, ``c01``...) so that rebuilding gives identical files.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

#: A notebook is a list of cells: ("md", text) or ("py", code).
Cells = list[tuple[str, str]]


def setup(extra: str = "") -> str:
    """The first code cell: inline figures, imports (``extra`` after simcoop's), display options, the version."""
    return (
        "%matplotlib inline\nimport pandas as pd\n\nimport simcoop\n"
        + extra
        + '\npd.options.display.float_format = "{:,.2f}".format\nsimcoop.__version__'
    )


# The cells read best as (kind, text) pairs with the text flush left: keep the formatter off them.
# fmt: off
QUICKSTART: Cells = [
    ("md", """\
# simcoop quickstart: simulate a CAE, read its results

This notebook loads the bundled **reference scenario** (a new generalist CAE in an
agglomeration of about 200,000 inhabitants, followed for ten years from its opening),
runs a Monte Carlo experiment, draws fan charts and reads the KPIs and the feasibility
verdict.

**Run time:** about 10-20 s on 2 cores, because it runs only **50 replications** to stay
quick. Decisions need more (the command line uses 200 by default): with 50, the 5% and
95% quantiles rest on two or three replications each.

The notebook holds no model logic: everything comes from `simcoop`'s Python API
(see the README and `docs/outputs.md` for every column)."""),
    ("py", setup()),
    ("md", """\
## The scenario

`load_scenario` reads and validates a YAML file; the scenario object is immutable.
`simcoop.default_scenario_path()` is the bundled `scenarios/reference.yaml`."""),
    ("py", """\
scenario = simcoop.load_scenario(simcoop.default_scenario_path())
scenario.meta"""),
    ("md", """\
## Simulate

`jobs=2` runs the replications on two processes; the numbers are the same whatever
`jobs` is. The same `seed` gives the same numbers on any machine. In Jupyter the results
show the scenario, the run, the verdict and the headline KPIs across replications."""),
    ("py", """\
results = simcoop.simulate(scenario, replications=50, seed=1, jobs=2)
results"""),
    ("md", """\
## The tables

`results.monthly`, `results.yearly`, `results.events` and `results.kpis` are tidy pandas
DataFrames with a `replication` column. The yearly table has the figures CAE publish;
here its median across replications, year by year."""),
    ("py", """\
columns = ["accueils", "supported", "salaried", "associes", "turnover_eur", "coop_result_eur", "public_funding_eur"]
results.yearly.groupby("year")[columns].median()"""),
    ("md", """\
## Fan charts

`plot_fan` draws any monthly column over the months: the median and the 5-95% and
25-75% bands across replications. Several columns share one chart. The helpers return
matplotlib figures (save one with `fig.savefig("fan.png")`).

People by stage at the end of each month (each active person is counted in exactly one
of CAPE, CESA not associé, associé):"""),
    ("py", """\
results.plot_fan(["n_cape", "n_cesa", "n_associe"])"""),
    ("md", """\
The cooperative's own treasury, after the advances it makes to activities whose
treasury is negative. The viability criterion is that it does not fall below minus the
authorised overdraft:"""),
    ("py", """\
print(f"authorised overdraft: {scenario.viability.overdraft_eur:,.0f} EUR")
results.plot_fan("coop_treasury_eur")"""),
    ("md", """\
Yearly figures as bars: the median, with whiskers from 5% to 95% (a partial first or
last year is drawn lighter)."""),
    ("py", """\
results.plot_yearly("turnover_eur")"""),
    ("md", """\
## KPIs

One row per replication in `results.kpis`; `results.summary()` gives each KPI's mean and
5/50/95% quantiles across replications."""),
    ("py", """\
summary = results.summary().set_index("kpi")
summary.loc[
    ["accueils", "active_end", "jobs_fte_final_year", "turnover_eur", "public_cost_per_supported_eur",
     "min_coop_treasury_eur", "break_even_month"],
    ["label", "n", "mean", "p5", "p50", "p95"],
]"""),
    ("py", """\
results.plot_kpi("min_coop_treasury_eur")"""),
    ("md", """\
## The verdict

The scenario's viability criteria (`viability:` in the YAML), each with its figure, its
95% interval and whether it is met. A criterion is *borderline* when its interval
contains the threshold: more replications, or a small change, could flip it."""),
    ("py", """\
verdict = results.verdict()
print("outcome:", verdict.outcome, "| decided by:", ", ".join(verdict.reasons) or "-")
pd.DataFrame(verdict.to_dict()["criteria"]).drop(columns="detail")"""),
    ("md", """\
## Save and reload

`save` writes the run folder (manifest, Parquet and CSV tables, verdict), the same as
`simcoop run`; `load_results` reads it back from the Parquet files, every table exactly
as it was (same values, same dtypes). Here it goes to a temporary folder."""),
    ("py", """\
import tempfile
from pathlib import Path

folder = results.save(Path(tempfile.mkdtemp()) / "reference")
print(sorted(p.name for p in folder.iterdir()))
again = simcoop.load_results(folder)
pd.testing.assert_frame_equal(again.kpis, results.kpis)
again"""),
    ("md", """\
## As labelled arrays

`to_xarray` gives a table as an `xarray.Dataset`: `monthly` on (replication, month),
`yearly` on (replication, year), `kpis` on (replication); each variable carries its unit."""),
    ("py", """\
monthly = results.to_xarray("monthly")
monthly["coop_treasury_eur"].quantile([0.05, 0.5, 0.95], dim="replication").isel(month=[0, 11, 23, 35])"""),
]

COMPARE: Cells = [
    ("md", """\
# Compare scenarios on common random numbers

Two ways to make variants of a scenario, both validated like a YAML file:

1. in Python, with `Scenario.replace({dotted.key: value})`;
2. in the scenario file, with a `variants:` block (`scenarios/reference.yaml` has three),
   read by `simcoop.load_variants`.

`simcoop.compare` runs every scenario on the **same seed**: replication *r*
of each scenario meets the same entrants, turnover shocks and funders' decisions as far
as its rules allow. Differences are read replication by replication (paired), which
removes most of the Monte Carlo noise.

**Run time:** about 1.5 minutes on a busy 2-core machine (83 s measured): **30 replications** per scenario and sweep point only, to stay
quick. Use 200 or more for a decision."""),
    ("py", setup()),
    ("py", "REPLICATIONS, SEED = 30, 1  # few replications, to run quickly"),
    ("md", """\
## A variant in Python

`replace` takes dotted keys and returns a new, validated scenario; the original is
unchanged. An impossible value is refused with the key and the reason."""),
    ("py", """\
base = simcoop.load_scenario(simcoop.default_scenario_path())
higher = base.replace({"meta.name": "contribution 12 %", "cooperative.contribution.rate": 0.12})
print(base.cooperative.contribution.rate, "->", higher.cooperative.contribution.rate)

try:
    base.replace({"cooperative.contribution.rate": 1.5})
except simcoop.ScenarioError as error:
    print(error)"""),
    ("py", """\
pair = simcoop.compare({"reference": base, "contribution 12 %": higher}, replications=REPLICATIONS, seed=SEED, jobs=2)
print(pair.to_text())"""),
    ("md", """\
## The variants of the scenario file

`load_variants` returns the base scenario and each variant, by name."""),
    ("py", """\
variants = simcoop.load_variants(simcoop.default_scenario_path())
list(variants)"""),
    ("py", """\
comparison = simcoop.compare(variants, replications=REPLICATIONS, seed=SEED, jobs=2)
comparison.outcomes"""),
    ("md", """\
`table()` is the wide table (`simcoop compare --out` writes it as CSV); `long()` is the
tidy one, with for every KPI and scenario its mean and 95% interval and, against the
baseline, the paired difference, its 95% interval and whether it is significant."""),
    ("py", """\
long = comparison.long()
differences = long[long["scenario"] != comparison.baseline]
differences[["label", "scenario", "mean", "diff", "diff_ci_low", "diff_ci_high", "significant"]].head(20)"""),
    ("md", """\
## Differences with the baseline, as a chart

`plot()` draws each variant's paired difference with the baseline and its 95% interval
for four KPIs a funder reads (filled: significant; hollow: not). Pass `kpis=[...]` for
others (the keys of `simcoop.studies.compare.COMPARISON_KPIS`)."""),
    ("py", """\
comparison.plot()"""),
    ("py", """\
comparison.plot(kpis=["break_even_month", "jobs_fte_final_year"])"""),
    ("md", """\
Every `Results` of the comparison is at hand, e.g. the cooperative's treasury of the
baseline and of the variant without the European Social Fund, side by side on the same
scale (the helpers draw on the axes you pass)."""),
    ("py", """\
from matplotlib.figure import Figure

fig = Figure(figsize=(11, 4), layout="constrained")
axes = fig.subplots(1, 2, sharey=True)
for ax, name in zip(axes, [comparison.baseline, "sans FSE"]):
    comparison.results[name].plot_fan("coop_treasury_eur", ax=ax)
    ax.set_title(name)
fig"""),
    ("md", """\
## A sweep: one assumption over a range of values

`simcoop.sweep` runs a grid of values of one or more dotted keys on common random
numbers and returns tidy tables with one column per swept key, ready for `groupby`."""),
    ("py", """\
sw = simcoop.sweep(base, {"cooperative.contribution.rate": [0.10, 0.11, 0.12]}, replications=REPLICATIONS, seed=SEED, jobs=2)
(sw.kpis.groupby("cooperative.contribution.rate")[["insolvent", "min_coop_treasury_eur", "final_coop_treasury_eur"]]
   .mean().round(2))"""),
    ("py", """\
sw.outcomes()"""),
]

CALIBRATE: Cells = [
    ("md", """\
# Calibrate and validate: Cap Services (Lyon) in 2000

Cap Services, the first CAE, opened in Lyon in November 1995. Its figures for 2000, its
fifth full year, are known (DOMAIN.md §2-3, from cap-services.coop and RECMA no. 281):
**216 accueils, 101 people supported in the year, of whom 49 entrepreneurs-salariés,
and a turnover of 10,413 kF ≈ €1.59 M** (1 € = 6.55957 F).

`scenarios/cap_services_lyon.yaml` is shaped on it. This notebook simulates it and sets
each observed figure against the simulated median and 90% predictive interval of 2000.

**Read this as a calibration check, not an independent validation:** the scenario's
entry share, exit hazards and turnover were calibrated on these same four figures (see
the comments in the YAML). An observation inside its interval says the calibration
holds together; a real validation needs figures the scenario was not fitted to (other
years, other CAE).

**Run time:** about 10-20 s on 2 cores, with **100 replications**."""),
    ("py", setup()),
    ("py", """\
# The bundled scenarios folder (scenarios/ in the repository).
path = simcoop.default_scenario_path().parent / "cap_services_lyon.yaml"
scenario = simcoop.load_scenario(path)
scenario.meta"""),
    ("md", """\
## The observed figures

Data, not model: the four figures of 2000, with the column of `results.yearly` that
holds the same measure."""),
    ("py", """\
observed = pd.Series(
    {
        "accueils": 216,  # information meetings and diagnostics in the year
        "supported": 101,  # people in CAPE or CESA at any time in the year
        "salaried": 49,  # of whom under a CESA (entrepreneurs-salariés)
        "turnover_eur": 10_413_000 / 6.55957,  # 10,413 kF, excl. VAT
    },
    name="observed",
)
YEAR = 2000
observed"""),
    ("md", """\
## Simulate"""),
    ("py", """\
results = simcoop.simulate(scenario, replications=100, seed=1, jobs=2)
results"""),
    ("md", """\
## Observed vs simulated, 2000

For each figure: the simulated median, the 90% predictive interval (5% to 95% across
replications), whether the observation falls inside it, and the relative error of the
median."""),
    ("py", """\
year = results.yearly[results.yearly["year"] == YEAR][list(observed.index)]
table = pd.DataFrame(
    {
        "observed": observed,
        "simulated_median": year.median(),
        "p5": year.quantile(0.05),
        "p95": year.quantile(0.95),
    }
)
table["inside_90"] = table["observed"].between(table["p5"], table["p95"])
table["error_of_median"] = (table["simulated_median"] - table["observed"]) / table["observed"]
print(f"{int(table['inside_90'].sum())} of {len(table)} observations inside their 90% interval")
table.style.format(
    {"observed": "{:,.0f}", "simulated_median": "{:,.0f}", "p5": "{:,.0f}", "p95": "{:,.0f}",
     "error_of_median": "{:+.1%}"}
)"""),
    ("md", """\
The same as a chart: each simulated distribution of 2000 (box: 25-75%, whiskers:
5-95%) and the observed figure (red cross)."""),
    ("py", """\
from matplotlib.figure import Figure

fig = Figure(figsize=(11, 3.5), layout="constrained")
for ax, name in zip(fig.subplots(1, len(observed)), observed.index):
    ax.boxplot(year[name], whis=(5, 95), showfliers=False, widths=0.5)
    ax.plot([1], [observed[name]], "x", color="C3", markersize=10, markeredgewidth=2, label="observed")
    ax.set_xticks([1], [f"{name}\\n{YEAR}"])
    ax.set_ylabel("EUR" if name.endswith("_eur") else "people")
    ax.yaxis.set_major_formatter("{x:,.0f}")
ax.legend(loc="lower right", fontsize="small")
fig.suptitle(f"Cap Services {YEAR}: simulated ({results.replications} replications) vs observed")
fig"""),
    ("md", """\
How the simulated CAE gets there: people supported each year since the opening
(median and 5-95%). 1995 holds two months only."""),
    ("py", """\
results.plot_yearly("supported")"""),
    ("md", """\
The same check with `simcoop.backtest`, on the observed figures bundled as
`scenarios/cap_services_observed.csv` (the command line does it with
`simcoop backtest scenarios/cap_services_lyon.yaml scenarios/cap_services_observed.csv`)."""),
    ("py", """\
observed_csv = simcoop.read_observed(path.parent / "cap_services_observed.csv")
checked = simcoop.backtest(results.yearly, observed_csv)
print(f"coverage: {int(checked['inside'].sum())} of {len(checked)} observations inside their 90% interval")
checked"""),
    ("md", """\
## Calibrating from a CAE's own records

A CAE with records shaped like enDI's statistical exports (`parcours.csv`: career-path
steps with dates; `chiffre_affaires.csv`: monthly turnover per entrepreneur; see
`docs/calibration.md`) can estimate the scenario's parameters from them:
`simcoop.read_records` reads and checks the tables, `simcoop.calibrate`
returns each estimate with its 95% interval, its sample size and warnings, and the
scenario keys it replaces (`simcoop calibrate` writes the calibrated YAML and a fit report).

The records used here are **synthetic**: generated by simcoop itself from
`tests/data/synthetic_truth.yaml` (`tools/make_synthetic_records.py`), so they live in
the repository's tests, not in the installed package."""),
    ("py", """\
from pathlib import Path

repository = Path(simcoop.__file__).resolve().parents[1]  # these notebooks run from a source checkout
records = simcoop.read_records(repository / "tests" / "data" / "synthetic_records")
calibration = simcoop.calibrate(records, simcoop.load_scenario(simcoop.default_scenario_path()))
pd.DataFrame(
    [
        {"estimate": e.name, "value": e.value, "ci_low": e.low, "ci_high": e.high, "n": e.n,
         "base_value": e.base, "key": e.key, "warnings": "; ".join(e.warnings)}
        for e in calibration.estimates
    ]
)"""),
]
# fmt: on

NOTEBOOKS: dict[str, Cells] = {
    "01_quickstart.ipynb": QUICKSTART,
    "02_compare_scenarios.ipynb": COMPARE,
    "03_calibrate_and_validate.ipynb": CALIBRATE,
}


def notebook(cells: Cells) -> nbformat.NotebookNode:
    """A notebook without outputs, with fixed cell ids and the python3 kernel."""
    nb = new_notebook(
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
            "language_info": {"name": "python"},
        }
    )
    for k, (kind, source) in enumerate(cells):
        cell = new_markdown_cell(source) if kind == "md" else new_code_cell(source)
        cell["id"] = f"c{k:02d}"
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def build(directory: Path = HERE) -> list[Path]:
    """Write every notebook into ``directory``; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, cells in NOTEBOOKS.items():
        path = directory / name
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            nbformat.write(notebook(cells), fh)
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written in build(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(written)
