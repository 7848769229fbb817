"""Where an item came from, shown on its list and edit pages.

Items brought in from a file remember their source, but the import app is a
higher layer than the apps whose pages show it: it registers a lookup here in
its ``AppConfig.ready()`` instead of being imported.
"""

from collections.abc import Callable
from typing import Any

from children.models import Child

Lookup = Callable[[Child, list[Any]], dict[Any, Any]]
_lookups: list[Lookup] = []


def register(lookup: Lookup) -> None:
    """Add ``lookup(child, items) -> {item uuid: source}`` (once per process)."""
    if lookup not in _lookups:
        _lookups.append(lookup)


def sources(child: Child, items: list[Any]) -> dict[Any, Any]:
    """The source of each of ``items`` (of the already-authorized ``child``) that has one."""
    found: dict[Any, Any] = {}
    if items:
        for lookup in _lookups:
            found.update(lookup(child, items))
    return found
