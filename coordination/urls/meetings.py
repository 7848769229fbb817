"""URLs for care meetings: the shared item pages, one meeting, its agenda and record."""

from typing import Any

from django.urls import path

from children.items.urls import item_urlpatterns

from ..registry import MEETINGS
from ..views import meetings as views

BASE = "children/<uuid:child_id>/meetings/<uuid:item_id>/"

urlpatterns: list[Any] = [
    path(BASE, views.meeting_detail, name="meeting-detail"),
    path(f"{BASE}agenda/", views.meeting_agenda, name="meeting-agenda"),
    path(
        f"{BASE}agenda/<uuid:agenda_id>/move/",
        views.agenda_item_move,
        name="meeting-agenda-move",
    ),
    path(
        f"{BASE}agenda/<uuid:agenda_id>/delete/",
        views.agenda_item_delete,
        name="meeting-agenda-delete",
    ),
    path(f"{BASE}record/", views.meeting_record, name="meeting-record"),
    *item_urlpatterns([MEETINGS]),
]
