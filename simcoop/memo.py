"""One value per object, looked up by the object's identity: for rules and parameters the model asks for every month.

``by_identity(cache, key, make)`` returns ``make(key)``, computed once per ``key`` object and
then found by ``id(key)``. The cache holds ``key`` itself beside the value, so an id is never
taken for another object's after the first is freed. Hashing a frozen dataclass of rules on
every call costs more than this look-up. The cache is emptied when it holds more than
``limit`` objects (a run uses a handful: one set of rules per year and size band, one
``ModelParams`` per replication).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["by_identity"]

_T = TypeVar("_T")


def by_identity(cache: dict[int, tuple[Any, Any]], key: Any, make: Callable[[Any], _T], limit: int = 64) -> _T:
    """``make(key)``, computed once per ``key`` object (found again by identity) and kept in ``cache``."""
    hit = cache.get(id(key))
    if hit is not None and hit[0] is key:
        return hit[1]  # type: ignore[no-any-return]
    value = make(key)
    if len(cache) >= limit:
        cache.clear()
    cache[id(key)] = (key, value)
    return value
