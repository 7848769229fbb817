"""URLs for messages: a child's threads, one thread, replies, and "Messages"."""

from django.urls import URLPattern, path

from ..views import messages as views

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
