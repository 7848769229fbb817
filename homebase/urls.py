from django.contrib import admin
from django.urls import include, path

from children import urls as children_urls

from . import views

# The child's overview gathers every app's sections, so it is the site's page;
# it keeps its place (and its name, children:overview) among the child's pages.
children_pages = [
    path("children/<uuid:child_id>/", views.overview, name="overview"),
    *children_urls.urlpatterns,
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("me/", include("accounts.urls")),
    path("", include((children_pages, children_urls.app_name))),
    path("", include("records.urls")),
    path("", include("coordination.urls")),
    path("", include("interop.urls")),
    path("operator/", admin.site.urls),
]
