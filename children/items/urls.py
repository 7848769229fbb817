"""URL patterns of the shared item pages, for an app's own namespace."""

from collections.abc import Iterable
from typing import Any

from django.urls import path

from . import views
from .kinds import Kind


def item_urlpatterns(kinds: Iterable[Kind]) -> list[Any]:
    """List, add, edit and delete pages for each kind (one set of views serves all)."""
    patterns: list[Any] = []
    for kind in kinds:
        base = f"children/<uuid:child_id>/{kind.slug}/"
        kw = {"kind": kind}
        patterns += [
            path(base, views.item_list, kw, name=f"{kind.slug}-list"),
            path(f"{base}new/", views.item_create_view, kw, name=f"{kind.slug}-create"),
            path(
                f"{base}<uuid:item_id>/edit/",
                views.item_update_view,
                kw,
                name=f"{kind.slug}-update",
            ),
            path(
                f"{base}<uuid:item_id>/delete/",
                views.item_delete_view,
                kw,
                name=f"{kind.slug}-delete",
            ),
        ]
    return patterns
