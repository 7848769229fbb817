"""URLs for the messages pages (included by coordination/urls.py)."""

from django.urls import URLPattern, path

from . import views_messages as views

urlpatterns: list[URLPattern] = [
    path("messages/", views.my_messages, name="my-messages"),
    path("children/<uuid:child_id>/messages/", views.thread_list, name="thread-list"),
    path("children/<uuid:child_id>/messages/new/", views.thread_create, name="thread-create"),
    path(
        "children/<uuid:child_id>/messages/<uuid:item_id>/",
        views.thread_detail,
        name="thread-detail",
    ),
    path(
        "children/<uuid:child_id>/messages/<uuid:item_id>/reply/",
        views.message_add,
        name="message-add",
    ),
]
