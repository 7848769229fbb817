"""URLs for paperwork: the shared item pages, one request, and "Paperwork asked of me"."""

from typing import Any

from django.urls import path

from children.items.urls import item_urlpatterns

from ..registry import PAPERWORK
from ..views import paperwork as views

P = "children/<uuid:child_id>/paperwork/<uuid:item_id>/"

urlpatterns: list[Any] = [
    path("paperwork/", views.paperwork_queue, name="paperwork-queue"),
    path(P, views.paperwork_detail, name="paperwork-detail"),
    path(f"{P}start/", views.paperwork_start, name="paperwork-start"),
    path(f"{P}done/", views.paperwork_complete, name="paperwork-complete"),
    *item_urlpatterns([PAPERWORK]),
]
