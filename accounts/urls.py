from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("language/", views.set_language, name="language"),
    path("practices/", views.practice_list, name="practice-list"),
    path("practices/new/", views.practice_create, name="practice-create"),
    path("practices/<uuid:practice_id>/", views.practice_detail, name="practice-detail"),
    path("practices/<uuid:practice_id>/edit/", views.practice_update, name="practice-update"),
]
