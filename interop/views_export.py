"""Download the record as FHIR: owners only; what goes in comes through children.access."""

from typing import Any
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from children.viewutils import child_context, load_child

from .export import export_record
from .forms_export import ExportForm

PERM = "record.export"


def _form(request: HttpRequest) -> ExportForm:
    """The choices sent, or the defaults when the link was followed without any."""
    return ExportForm(request.GET) if request.GET else ExportForm()


@login_required
@require_safe
def export_page(request: HttpRequest, child_id: UUID) -> HttpResponse:
    load_child(request, child_id, PERM, what="FHIR download page")
    return render(request, "fhir/export.html", child_context(request, form=ExportForm()))


@login_required
@require_safe
def export_download(request: HttpRequest, child_id: UUID) -> HttpResponse:
    child = load_child(request, child_id, PERM)  # the export audits itself
    form = _form(request)
    choices: dict[str, Any] = {k: form[k].initial for k in form.fields}
    if form.is_bound:
        if not form.is_valid():
            return render(request, "fhir/export.html", child_context(request, form=form))
        choices = form.cleaned_data
    export = export_record(
        actor=request.user,
        child=child,
        format=choices["format"],
        scopes=choices["scopes"],
        with_files=bool(choices["with_files"]),
    )
    response = HttpResponse(export.content(), content_type="application/fhir+json")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
