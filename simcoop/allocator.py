"""How the process that drives a streamed run allocates memory: Arrow's buffers and glibc's large blocks.

``system_allocator_for_arrow`` is called by ``simcoop run`` (``simcoop.cli.run``) in the process that
drives the run, once its pool has started, and by ``simcoop report`` (``simcoop.cli.report``), which
reads the run's tables a part at a time; never by the library on import.
"""

from __future__ import annotations

import os
import sys

__all__ = ["system_allocator_for_arrow"]


def system_allocator_for_arrow() -> None:
    """Let Arrow allocate in this process with the system allocator (unless ``ARROW_DEFAULT_MEMORY_POOL`` says otherwise),
    and let glibc's allocator give every large block back to the system when it is freed.

    For the process that drives a streamed run (``simcoop run``): Arrow's default allocator
    (mimalloc) keeps the memory of freed buffers for reuse, so every row group written and
    every table read leaves the process larger; the system's returns large blocks at once.
    Measured on the driving process of ``simcoop run -n 300 --jobs 2``: a peak of 296 MB
    against 366 MB; the workbook's tables at 1,000 replications: +27 MB against +121 MB.
    glibc maps a block of 128 KiB or more on its own, returned when freed, but raises that
    threshold to the size of each such block freed (up to 32 MiB): the next blocks of that size
    come from the heap, which a later small block left in use keeps from shrinking, so each row
    group and table read left the heap larger (the parent of ``run -n 3000 --jobs 2``: 360 MB at
    its peak, 100 MB of it freed memory; 290 MB with the threshold fixed at 128 KiB, unless
    ``MALLOC_MMAP_THRESHOLD_`` sets one). A process-wide setting, made by the command, never by
    the library on import.
    """
    _fixed_mmap_threshold()
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())


#: glibc's ``mallopt`` parameter and its default threshold (bytes) for a block mapped on its own.
_M_MMAP_THRESHOLD, _MMAP_THRESHOLD = -3, 128 * 1024


def _fixed_mmap_threshold() -> None:
    """Fix glibc's mmap threshold at its default (no dynamic raise); nothing on another C library."""
    if os.environ.get("MALLOC_MMAP_THRESHOLD_") or not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        ctypes.CDLL(None).mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)  # the C library the interpreter runs on
    except (OSError, AttributeError):  # no mallopt: nothing to fix
        pass
