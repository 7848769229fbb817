from django.urls import path

from . import views
from .registry import KINDS

app_name = "records"

urlpatterns = []
for _kind in KINDS:
    _base = f"children/<uuid:child_id>/{_kind.slug}/"
    _kw = {"kind": _kind.slug}
    urlpatterns += [
        path(_base, views.item_list, _kw, name=f"{_kind.slug}-list"),
        path(f"{_base}new/", views.item_create_view, _kw, name=f"{_kind.slug}-create"),
        path(
            f"{_base}<uuid:item_id>/edit/", views.item_update_view, _kw, name=f"{_kind.slug}-update"
        ),
        path(
            f"{_base}<uuid:item_id>/delete/",
            views.item_delete_view,
            _kw,
            name=f"{_kind.slug}-delete",
        ),
    ]
urlpatterns.append(
    path(
        "children/<uuid:child_id>/documents/<uuid:item_id>/download/",
        views.document_download,
        name="document-download",
    )
)
