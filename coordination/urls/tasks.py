"""URLs for tasks: the shared item pages, marking one done, and "My tasks"."""

from typing import Any

from django.urls import path

from children.items.urls import item_urlpatterns

from ..registry import TASKS
from ..views import tasks as views

urlpatterns: list[Any] = [
    path("tasks/", views.my_tasks, name="my-tasks"),
    path(
        "children/<uuid:child_id>/tasks/<uuid:item_id>/status/",
        views.task_status,
        name="task-status",
    ),
    *item_urlpatterns([TASKS]),
]
