"""URLs for visits: the shared item pages, one visit, its questions, its sheet and record."""

from typing import Any

from django.urls import path

from children.items.urls import item_urlpatterns

from ..registry import VISITS
from ..views import visits as views

V = "children/<uuid:child_id>/visits/<uuid:item_id>/"

urlpatterns: list[Any] = [
    path(V, views.visit_detail, name="visit-detail"),
    path(f"{V}sheet/", views.visit_sheet, name="visit-sheet"),
    path(f"{V}record/", views.visit_record, name="visit-record"),
    path(f"{V}questions/", views.question_add, name="question-add"),
    path(
        f"{V}questions/<uuid:question_id>/move/",
        views.question_move,
        name="question-move",
    ),
    path(
        f"{V}questions/<uuid:question_id>/delete/",
        views.question_delete,
        name="question-delete",
    ),
    *item_urlpatterns([VISITS]),
]
