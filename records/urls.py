from django.urls import path

from children.items.urls import item_urlpatterns

from . import views
from .registry import KINDS

app_name = "records"

urlpatterns = [
    *item_urlpatterns(KINDS),
    path(
        "children/<uuid:child_id>/documents/<uuid:item_id>/download/",
        views.document_download,
        name="document-download",
    ),
]
