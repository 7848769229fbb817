from django.urls import path

from . import views_export

urlpatterns = [
    path("children/<uuid:child_id>/export/", views_export.export_page, name="export"),
    path(
        "children/<uuid:child_id>/export/download/",
        views_export.export_download,
        name="export-download",
    ),
]
