from django.urls import path

from children.items.urls import item_urlpatterns

from . import urls_calendar, urls_meetings, urls_messages, urls_plan, views
from .registry import KINDS

app_name = "coordination"

urlpatterns = [
    path("tasks/", views.my_tasks, name="my-tasks"),
    path("paperwork/", views.paperwork_queue, name="paperwork-queue"),
    path(
        "children/<uuid:child_id>/paperwork/<uuid:item_id>/",
        views.paperwork_detail,
        name="paperwork-detail",
    ),
    path(
        "children/<uuid:child_id>/paperwork/<uuid:item_id>/start/",
        views.paperwork_start,
        name="paperwork-start",
    ),
    path(
        "children/<uuid:child_id>/paperwork/<uuid:item_id>/done/",
        views.paperwork_complete,
        name="paperwork-complete",
    ),
    path(
        "children/<uuid:child_id>/visits/<uuid:item_id>/", views.visit_detail, name="visit-detail"
    ),
    path(
        "children/<uuid:child_id>/visits/<uuid:item_id>/sheet/",
        views.visit_sheet,
        name="visit-sheet",
    ),
    path(
        "children/<uuid:child_id>/visits/<uuid:item_id>/record/",
        views.visit_record,
        name="visit-record",
    ),
    path(
        "children/<uuid:child_id>/visits/<uuid:item_id>/questions/",
        views.question_add,
        name="question-add",
    ),
    path(
        "children/<uuid:child_id>/visits/<uuid:item_id>/questions/<uuid:question_id>/move/",
        views.question_move,
        name="question-move",
    ),
    path(
        "children/<uuid:child_id>/visits/<uuid:item_id>/questions/<uuid:question_id>/delete/",
        views.question_delete,
        name="question-delete",
    ),
    path(
        "children/<uuid:child_id>/tasks/<uuid:item_id>/status/",
        views.task_status,
        name="task-status",
    ),
    path(
        "children/<uuid:child_id>/referrals/<uuid:item_id>/",
        views.referral_detail,
        name="referral-detail",
    ),
    path(
        "children/<uuid:child_id>/referrals/<uuid:item_id>/step/",
        views.referral_step,
        name="referral-step",
    ),
    path(
        "children/<uuid:child_id>/referrals/<uuid:item_id>/end/",
        views.referral_end,
        name="referral-end",
    ),
]
urlpatterns += item_urlpatterns(KINDS)
for _part in (urls_plan, urls_meetings, urls_messages, urls_calendar):
    urlpatterns += _part.urlpatterns
