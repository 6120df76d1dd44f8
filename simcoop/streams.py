"""Random streams: one root seed -> one SeedSequence per replication -> named Generators.

Replication ``r`` of root seed ``s`` always gets ``SeedSequence(s, spawn_key=(r,))`` and
its sources ``SeedSequence(s, spawn_key=(r, k))`` for the k-th name in ``SOURCES``, so a
replication's numbers depend neither on how many replications run nor on which worker
runs it, and a source added at the end of ``SOURCES`` shifts none of the others.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["PARAMETER_TAG", "SOURCES", "Streams", "parameter_stream", "replication_streams"]

#: Random sources of a replication, in a fixed order. Append new sources at the end.
SOURCES: tuple[str, ...] = (
    "arrivals",  # accueil counts per month
    "entry",  # who enters a parcours, and how (CAPE or CESA)
    "activities",  # sector and mature turnover of each new activity
    "volatility",  # monthly turnover noise
    "hazards",  # monthly exit hazards
    "destinations",  # where exits go
    "decisions",  # CAPE renewals, associé uptake
    "status",  # prior status of entrants (ARE, RSA, none) and ARE entitlement left
    "funding",  # renewals of public funding conventions
    "partners",  # whether each partner's commitment comes through
    "zones",  # the zone and site of each accueil
)


@dataclass(frozen=True)
class Streams:
    """The named Generators of one replication."""

    replication: int
    arrivals: np.random.Generator
    entry: np.random.Generator
    activities: np.random.Generator
    volatility: np.random.Generator
    hazards: np.random.Generator
    destinations: np.random.Generator
    decisions: np.random.Generator
    status: np.random.Generator
    funding: np.random.Generator
    partners: np.random.Generator
    zones: np.random.Generator


def replication_streams(seed: int, replication: int) -> Streams:
    """The streams of replication ``replication`` under root ``seed``."""
    if seed < 0 or replication < 0:
        raise ValueError("seed and replication must be >= 0")
    generators = {
        name: np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(replication, k))))
        for k, name in enumerate(SOURCES)
    }
    return Streams(replication=replication, **generators)



#: Marks the parameter streams apart from the replication's sources (whose spawn keys have two words).
PARAMETER_TAG = 0x5041524D  # "PARM"


def parameter_stream(seed: int, replication: int, key: str) -> np.random.Generator:
    """The stream from which replication ``replication`` draws uncertain parameter ``key``.

    One stream per key, named by a stable hash of the key, so that a variant that changes
    one key's distribution keeps every other key's draws, and a key added or removed
    shifts none of the others; apart from the model's sources of the same replication.
    """
    if seed < 0 or replication < 0:
        raise ValueError("seed and replication must be >= 0")
    import zlib

    word = zlib.crc32(key.encode("utf-8"))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(replication, PARAMETER_TAG, word))))
