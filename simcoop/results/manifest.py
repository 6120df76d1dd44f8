"""The manifest every output carries, built in one place: what made it, from what, when.

A run folder, a comparison, a sensitivity study, a network and a ranking of territories
each write a ``manifest.json`` (or a ``.json`` beside a CSV): the simcoop version, the
kind of output, the seed and the replications, the study's own fields (scenario hashes,
parameters, ...), the runtime, the creation time and the versions of Python, numpy and
pandas. ``simcoop.results.folder`` reads ``kind``, ``input_hash``/``scenario_hash``, ``seed``
and ``replications`` back to decide whether a folder holds the same output.
"""

from __future__ import annotations

import platform
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from simcoop._version import __version__

__all__ = ["build_manifest"]


def build_manifest(
    kind: str | None,
    seed: int | None,
    replications: int | None,
    runtime_seconds: float | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """The manifest of one output: version, ``kind`` (None for a run folder), seed, replications,
    the output's own ``fields`` in the order given, runtime and provenance.

    ``seed`` or ``replications`` None leaves the key out (a study that names them otherwise).
    """
    manifest: dict[str, Any] = {"simcoop_version": __version__}
    if kind is not None:
        manifest["kind"] = kind
    if seed is not None:
        manifest["seed"] = seed
    if replications is not None:
        manifest["replications"] = replications
    manifest.update(fields)
    if runtime_seconds is not None:
        manifest["runtime_seconds"] = round(runtime_seconds, 3)
    manifest["created_utc"] = datetime.now(UTC).isoformat(timespec="seconds")
    manifest["python"] = platform.python_version()
    manifest["numpy"] = np.__version__
    manifest["pandas"] = pd.__version__
    return manifest
