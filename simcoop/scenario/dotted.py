"""Dotted keys on resolved scenario data: the one walker that reads and writes them.

A dotted key (``cooperative.contribution.rate``) walks mappings by key and lists by index
(``cooperative.public_funding.3.amount_eur``); ``set_dotted`` also finds a list item by its
``name`` / ``funder`` (``activities.sectors.conseil_formation.share``), and ``expand``
reads ``*`` as every item of a list. Plain data in, plain data out: the scenario is
validated again by whoever edits it (``Scenario.replace``, ``simcoop.scenario.edit``).
"""

from __future__ import annotations

import difflib
from typing import Any

__all__ = ["expand", "get_path", "list_index", "locate", "set_dotted", "set_path"]


def set_path(data: dict[str, Any], keys: list[str], value: Any, create: bool = False) -> None:
    """Set ``value`` at ``keys`` (list items by number); KeyError "no such key: a.b" when a key is absent.

    With ``create``, missing mappings on the way and the last key are created instead (a
    scenario file's data, where a section may be left to its defaults).
    """
    node: Any = data
    for i, key in enumerate(keys[:-1]):
        if isinstance(node, list):
            node = node[int(key)]
        elif isinstance(node, dict) and (key in node or create):
            node = node.setdefault(key, {}) if create else node[key]
        else:
            raise KeyError(f"no such key: {'.'.join(keys[: i + 1])}")
    last = keys[-1]
    if isinstance(node, list):
        node[int(last)] = value
    elif isinstance(node, dict):
        if last not in node and not create:
            raise KeyError(f"no such key: {'.'.join(keys)}")
        node[last] = value
    else:
        raise KeyError(f"no such key: {'.'.join(keys)}")


def set_dotted(data: dict[str, Any], key: str, value: Any) -> tuple[Any, ...]:
    """Set ``value`` at dotted ``key`` in resolved scenario data; return its location (list indices as ints).

    Raises KeyError with a message saying what exists there.
    """
    node: Any = data
    loc: list[Any] = []
    parts = key.split(".")
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        where = ".".join(parts[:i]) or "the scenario"
        if isinstance(node, list):
            index = list_index(node, part, where)
            loc.append(index)
            if last:
                node[index] = value
            else:
                node = node[index]
        elif isinstance(node, dict):
            if part not in node:
                message = "no such key"
                close = difflib.get_close_matches(part, [str(k) for k in node], n=1, cutoff=0.65)
                if close:
                    message += f"; did you mean '{close[0]}'?"
                raise KeyError(message)
            loc.append(part)
            if last:
                node[part] = value
            else:
                node = node[part]
        else:
            state = "null" if node is None else "a single value"
            raise KeyError(f"no such key ({where} is {state})")
    return tuple(loc)


def locate(data: Any, key: str) -> tuple[Any, ...] | None:
    """The location of dotted ``key`` in resolved scenario data (list items by number or by name,
    as ``list_index`` reads them), with list indices as ints; None when it names nothing."""
    node, loc = data, []
    for part in key.split("."):
        try:
            if isinstance(node, list):
                index = list_index(node, part, "")
                loc.append(index)
                node = node[index]
            elif isinstance(node, dict) and part in node:
                loc.append(part)
                node = node[part]
            else:
                return None
        except KeyError:
            return None
    return tuple(loc)


def list_index(items: list[Any], part: str, where: str) -> int:
    """The position in ``items`` named by ``part``: a number from 0, or an item's ``name`` or ``funder``; KeyError otherwise."""
    if part.isdigit():
        index = int(part)
        if index >= len(items):
            raise KeyError(f"no such key ({where} has {len(items)} items, numbered 0 to {len(items) - 1})")
        return index
    found = [
        k for k, item in enumerate(items) if isinstance(item, dict) and part in (item.get("name"), item.get("funder"))
    ]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise KeyError(f"no such key ({where} has {len(found)} items named {part!r}; use the item's number)")
    raise KeyError(f"no such key ({where} is a list: use an item's number, 0 to {len(items) - 1}, or its name)")



def expand(data: Any, parts: list[str]) -> list[tuple[Any, ...]]:
    """Every location matched by a dotted key where ``*`` stands for each item of a list."""
    if not parts:
        return [()]
    head, rest = parts[0], parts[1:]
    if head == "*":
        if not isinstance(data, list):
            return []
        return [(i, *tail) for i, item in enumerate(data) for tail in expand(item, rest)]
    if isinstance(data, dict) and head in data:
        return [(head, *tail) for tail in expand(data[head], rest)]
    if isinstance(data, list) and head.isdigit() and int(head) < len(data):
        return [(int(head), *tail) for tail in expand(data[int(head)], rest)]
    return []


def get_path(data: Any, parts: list[str]) -> Any:
    """The value at ``parts`` (list items by number); KeyError "a.b: no such key" when absent."""
    node = data
    for part in parts:
        if isinstance(node, list):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise KeyError(f"{'.'.join(parts)}: no such key")
    return node

