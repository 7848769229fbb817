from django.urls import path

from . import views_import as v

urlpatterns = [
    path("children/<uuid:child_id>/import/", v.import_start, name="import"),
    path("import/", v.import_new_child, name="import-new"),
    path("imports/<uuid:batch_id>/", v.import_batch, name="import-batch"),
    path("imports/<uuid:batch_id>/confirm/", v.import_confirm, name="import-confirm"),
    path("imports/<uuid:batch_id>/cancel/", v.import_cancel, name="import-cancel"),
]
