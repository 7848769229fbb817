"""URLs for the meetings pages (included by coordination/urls.py).

The list, add, edit and delete pages come from ``registry.MEETINGS``.
"""

from django.urls import URLPattern, path

from . import views_meetings as views

BASE = "children/<uuid:child_id>/meetings/<uuid:item_id>/"

urlpatterns: list[URLPattern] = [
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
]
