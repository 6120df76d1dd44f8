"""Results as labelled n-dimensional arrays (xarray), for analyses across replications.

``Results.to_xarray("monthly")`` gives a ``Dataset`` with dimensions
``(replication, month)`` and a ``date`` coordinate on ``month``; ``"yearly"`` gives
``(replication, year)`` with ``months`` (months of the year inside the horizon) as a
coordinate; ``"kpis"`` gives ``(replication,)``. Each data variable is one column of the
table, with its unit (``EUR``, ``people``, ``FTE``, ``share`` ...) in ``attrs["units"]``;
the scenario name, seed and replications are in the Dataset's ``attrs``. A missing value
(e.g. break-even not reached) is NaN.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import xarray

    from simcoop.results import Results

__all__ = ["ARRAY_TABLES", "to_xarray"]

#: The tables that have a grid shape, and the index columns that become dimensions.
ARRAY_TABLES: dict[str, tuple[str, ...]] = {
    "monthly": ("replication", "month"),
    "yearly": ("replication", "year"),
    "kpis": ("replication",),
}

#: Columns that become coordinates on a dimension rather than data variables.
_COORDINATES = {"monthly": {"date": "month"}, "yearly": {"months": "year"}, "kpis": {}}


def to_xarray(results: Results, table: str = "monthly") -> xarray.Dataset:
    """One table of ``results`` as an ``xarray.Dataset`` (see the module docstring)."""
    import xarray as xr

    from simcoop.results.plots import column_unit

    if table not in ARRAY_TABLES:
        raise ValueError(f"to_xarray: table must be one of {', '.join(ARRAY_TABLES)}, not {table!r}")
    frame: pd.DataFrame = getattr(results, table)
    dims = ARRAY_TABLES[table]
    indexed = frame.drop(columns=["scenario"]).set_index(list(dims)).sort_index()
    coords: dict[str, Any] = {}
    for column, dim in _COORDINATES[table].items():
        per_dim = indexed[column].groupby(level=dim).first()
        coords[column] = (dim, per_dim.to_numpy())
    data = indexed.drop(columns=list(_COORDINATES[table]))
    for column in data.columns:  # nullable integers (Int64) -> floats with NaN: xarray has no NA
        if isinstance(data[column].dtype, pd.api.extensions.ExtensionDtype):
            data[column] = data[column].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    dataset = xr.Dataset.from_dataframe(data)
    dataset = dataset.assign_coords(coords)
    for name in dataset.data_vars:
        dataset[name].attrs["units"] = column_unit(str(name))
    dataset.attrs.update(
        scenario=results.scenario.meta.name,
        seed=results.seed,
        replications=results.replications,
        table=table,
    )
    return dataset
