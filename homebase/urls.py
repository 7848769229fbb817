from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("me/", include("accounts.urls")),
    path("", include("children.urls")),
    path("", include("records.urls")),
    path("", include("coordination.urls")),
    path("", include("interop.urls")),
    path("operator/", admin.site.urls),
]
