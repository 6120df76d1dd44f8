"""The run folder and study folders on disk: the overwrite policy, atomic writes, CSV outputs.

The rules live in ``simcoop.outdir`` (which the report also uses, without importing the
model): a folder simcoop writes carries a marker (``.simcoop.json``) with the run's
identity and the digest of every file simcoop wrote; it is written to a temporary
sibling and swapped into place under the folder's writers' lock; a folder that is not
simcoop's is never replaced, ``force`` or not; the user's own files in a simcoop folder
are kept. CSV outputs follow ``simcoop.csvout`` (exact numbers, formula-like text
neutralised). Parquet outputs follow ``parquet_options``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from simcoop.csvout import write_csv_table
from simcoop.outdir import (
    OutputExistsError,
    check_folder,
    check_study_folder,
    read_marker,
    write_study_folder,
)
from simcoop.scenario import Scenario

__all__ = [
    "OutputExistsError",
    "check_output_folder",
    "check_study_folder",
    "existing_manifest",
    "parquet_options",
    "run_identity",
    "to_csv",
    "to_parquet",
    "write_csv",
    "write_study_folder",
]


def parquet_options(schema: Any) -> dict[str, Any]:
    """The options every writer of a run's Parquet files passes (``to_parquet`` here, the streamed row groups
    of ``simcoop.results.stream``), so that a table's file is the same bytes whichever wrote it.

    Snappy compression (pandas' and Arrow's default), and a dictionary only for the columns that are not
    floating point (``schema``: the table's Arrow schema): the amounts in cents and the rates rarely
    repeat, so Arrow's default of trying a dictionary on every column hashed each value for nothing.
    Measured on the reference's 1,000 replications: the eight tables written in 307 ms of CPU instead
    of 522 ms, in 29.1 MB instead of 33.5 MB; read back in the same time, to the same values.
    """
    import pyarrow as pa

    return {"compression": "snappy", "use_dictionary": [f.name for f in schema if not pa.types.is_floating(f.type)]}


def to_parquet(frame: pd.DataFrame, path: Path) -> None:
    """``frame.to_parquet(path, index=False)`` with the run folder's ``parquet_options``."""
    import pyarrow as pa

    frame.to_parquet(path, index=False, **parquet_options(pa.Schema.from_pandas(frame, preserve_index=False)))


def to_csv(frame: pd.DataFrame, path: Path, rows: Sequence[Path] | None = None) -> None:
    """A table of a folder being written atomically: exact numbers, formula-like text neutralised (``simcoop.csvout``).

    ``rows``: files holding the table's CSV rows already made, part by part (``simcoop.csvout.csv_rows``).
    """
    write_csv_table(frame, path, atomic=False, rows=rows)


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``frame`` as CSV atomically (``simcoop.csvout``: exact numbers, formula-like text neutralised)."""
    return write_csv_table(frame, path)


def run_identity(scenario: Scenario, seed: int, replications: int) -> dict[str, Any]:
    """The identity of a run, as its folder's marker and derived files record it."""
    return {
        "scenario_name": scenario.meta.name,
        "scenario_hash": scenario.scenario_hash(),
        "seed": int(seed),
        "replications": int(replications),
    }


def check_output_folder(target: Path, scenario: Scenario, seed: int, replications: int, force: bool = False) -> None:
    """Raise OutputExistsError unless ``target`` may receive this run (``simcoop.outdir.check_folder``)."""
    check_folder(Path(target), "run", run_identity(scenario, seed, replications), force)


def existing_manifest(target: Path, force: bool = False) -> dict[str, Any] | None:
    """The marker of the simcoop folder ``target`` (None when absent or empty); OutputExistsError if it is not simcoop's.

    ``force`` is accepted for compatibility: it never makes a folder that is not simcoop's writable.
    """
    target = Path(target)
    if not target.exists() or (target.is_dir() and not any(target.iterdir())):
        return None
    marker = read_marker(target) if target.is_dir() else None
    if marker is None:
        check_folder(target, "run", {}, force)  # raises, naming what is there
    return marker
