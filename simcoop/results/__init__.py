"""Results of a run: tidy tables, KPIs, views, charts and the run folder on disk.

- ``views``: the ``Results`` class (tables, ``summary()``, ``verdict()``, notebook views) and ``load_results``;
- ``frames``: replication outputs -> the tidy tables, and their column lists;
- ``folder``: the run and study folders on disk (overwrite policy, atomic writes);
- ``plots``: the charts behind ``Results.plot_fan`` / ``plot_yearly`` / ``plot_kpi``;
- ``arrays``: the tables as xarray Datasets (``Results.to_xarray``);
- ``stream``: a streamed run's tables written in replication order as its chunks arrive;
- ``stored``: ``StoredResults``, a run's Results reading its large tables from the run folder.
"""

from simcoop.results.folder import OutputExistsError, check_output_folder, existing_manifest, run_identity
from simcoop.results.frames import KPI_LABELS, MONTHLY_COLUMNS, TABLES, YEARLY_COLUMNS, break_even_month
from simcoop.results.plots import column_unit
from simcoop.results.views import Results, load_results

__all__ = [
    "Results",
    "load_results",
    "OutputExistsError",
    "check_output_folder",
    "existing_manifest",
    "run_identity",
    "break_even_month",
    "KPI_LABELS",
    "MONTHLY_COLUMNS",
    "YEARLY_COLUMNS",
    "TABLES",
    "column_unit",
]
