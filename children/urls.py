"""The child's own pages: the record, sharing and the access log.

The overview (``children:overview``) is added by the site (``homebase/urls.py``):
it shows every app's sections.
"""

from django.urls import path

from . import views

app_name = "children"

urlpatterns = [
    path("children/new/", views.child_create, name="create"),
    path("children/<uuid:child_id>/profile/", views.profile, name="profile"),
    path("children/<uuid:child_id>/profile/edit/", views.child_update, name="update"),
    path("children/<uuid:child_id>/delete/", views.child_delete, name="delete"),
    path("children/<uuid:child_id>/sharing/", views.sharing, name="sharing"),
    path("children/<uuid:child_id>/sharing/invite/", views.invite, name="invite"),
    path("children/<uuid:child_id>/sharing/medical-home/", views.enroll, name="enroll"),
    path(
        "children/<uuid:child_id>/sharing/<str:kind>/<uuid:grant_id>/",
        views.grant_update,
        name="grant-update",
    ),
    path(
        "children/<uuid:child_id>/sharing/<str:kind>/<uuid:grant_id>/stop/",
        views.grant_revoke,
        name="grant-revoke",
    ),
    path(
        "children/<uuid:child_id>/invitations/<uuid:invitation_id>/cancel/",
        views.invitation_cancel,
        name="invitation-cancel",
    ),
    path("children/<uuid:child_id>/access-log/", views.access_log, name="access-log"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
]
