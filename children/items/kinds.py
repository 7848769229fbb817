"""The kinds of child items and how the shared pages show them.

One set of list / add / edit / delete views (``views.py``) serves every kind
of row a child has: notebook entries, visits, tasks, referrals... A ``Kind``
says what differs: the form, the columns, the search fields, the words, and
the service that saves or deletes when the generic one is not enough. Apps
declare their kinds and register them in ``AppConfig.ready()``, so that the
access log can name every page without importing the apps.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models


@dataclass(frozen=True)
class Column:
    label: Any
    value: Callable[[Any], Any]


@dataclass(frozen=True)
class Kind:
    slug: str
    model: type[models.Model]
    form: type[Any]
    title: Any
    add_label: Any
    empty: Any
    explain: Any
    columns: tuple[Column, ...]
    label: Callable[[Any], str] = str
    search: tuple[str, ...] = ()
    select_related: tuple[str, ...] = ()
    # saver(actor=, child=, item=, version=, form=): creates (version None) or updates
    saver: Callable[..., Any] | None = None
    # deleter(actor=, item=): when deleting is more than removing the row
    deleter: Callable[..., Any] | None = None
    namespace: str = "records"
    detail: str | None = None  # URL name (same namespace) of a page for one item
    download: str | None = None  # URL name (with namespace) that downloads one item
    row_class: Callable[[Any], str] | None = None  # for example "overdue"

    @property
    def view_name(self) -> str:
        """The URL name prefix: "records:medicines" + "-list"."""
        return f"{self.namespace}:{self.slug}"


_registered: dict[str, Kind] = {}


def register(kinds: Iterable[Kind]) -> None:
    """Make ``kinds`` known by their slug (an app's ``ready()`` calls this)."""
    for kind in kinds:
        _registered[kind.slug] = kind


def registered() -> dict[str, Kind]:
    """Every registered kind, by slug ("medicines", "visits"...)."""
    return dict(_registered)
