from django.urls import path

from . import views, views_staff

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("language/", views.set_language, name="language"),
    path("practices/", views.practice_list, name="practice-list"),
    path("practices/new/", views.practice_create, name="practice-create"),
    path("practices/<uuid:practice_id>/", views.practice_detail, name="practice-detail"),
    path("practices/<uuid:practice_id>/edit/", views.practice_update, name="practice-update"),
    path("practices/<uuid:practice_id>/staff/", views_staff.practice_staff, name="practice-staff"),
    path(
        "practices/<uuid:practice_id>/staff/invite/",
        views_staff.practice_staff_invite,
        name="practice-staff-invite",
    ),
    path(
        "practices/<uuid:practice_id>/staff/<uuid:staff_id>/",
        views_staff.practice_staff_update,
        name="practice-staff-update",
    ),
    path(
        "practices/<uuid:practice_id>/staff/invitations/<uuid:invitation_id>/cancel/",
        views_staff.practice_staff_invitation_cancel,
        name="practice-staff-invitation-cancel",
    ),
    path("staff-invitations/<str:token>/", views_staff.staff_invitation, name="staff-invitation"),
]
