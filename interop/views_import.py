"""Bring records in: upload, preview, confirm, watch the progress (owners only)."""

from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from children import access
from children.audit import audit_record
from children.models import Child
from children.viewutils import child_context, htmx_or_full, load_child

from . import services
from .models import ImportBatch
from .reader import UploadError, check_size, max_bytes

PERM = "record.import"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        return (
            [single(d, initial) for d in data]
            if isinstance(data, list | tuple)
            else [single(data, initial)]
        )


class UploadForm(forms.Form):
    files = MultipleFileField(  # type: ignore[assignment]
        label=gettext_lazy("Files from the patient portal"),
        widget=MultipleFileInput(attrs={"accept": ".json,.ndjson,.xml,.ccda,.ccd"}),
        help_text=gettext_lazy(
            "FHIR R4 (.json or .ndjson) or a C-CDA document (.xml). You can choose several files "
            "of the same person at once."
        ),
    )


class ConfirmForm(forms.Form):
    same_child = forms.BooleanField(
        label=gettext_lazy("Yes, these records are about my child."), required=True
    )


def _batch_url(batch: ImportBatch) -> str:
    return reverse("fhir:import-batch", args=[batch.uuid])


def _start(request: HttpRequest, child: Child | None) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["files"]
        try:
            # Together, so that many files cannot hold more than one in memory.
            check_size(sum(f.size or 0 for f in chosen))
            files = [(f.name or "upload", f.read()) for f in chosen]
            batch = services.batch_start(actor=request.user, child=child, files=files)
        except UploadError as error:
            form.add_error("files", str(error))
        else:
            return redirect(_batch_url(batch))
    context = {"form": form, "limit_mb": round(max_bytes() / 1_048_576)}
    if child is not None:
        return render(request, "fhir/import_start.html", child_context(request, **context))
    return render(request, "fhir/import_start.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest, child_id: UUID) -> HttpResponse:
    child = load_child(request, child_id, PERM, what="import page")
    return _start(request, child)


@login_required
@require_http_methods(["GET", "POST"])
def import_new_child(request: HttpRequest) -> HttpResponse:
    """A new child, made from the Patient in the file (the uploader becomes the owner)."""
    return _start(request, None)


def _own_batch(request: HttpRequest, batch_id: UUID) -> ImportBatch:
    """A batch the person started, on a child they still own (or a new child)."""
    batch = access.get_own_upload(
        request.user, ImportBatch.objects.select_related("child"), batch_id
    )
    if batch.child is not None:
        load_child(request, batch.child.uuid, PERM)
    return batch


@login_required
@require_safe
def import_batch(request: HttpRequest, batch_id: UUID) -> HttpResponse:
    batch = _own_batch(request, batch_id)
    if batch.child is not None:
        audit_record(actor=request.user, verb="view", child=batch.child, what="import preview")
    context: dict[str, Any] = {
        "batch": batch,
        "confirm": ConfirmForm() if batch.preview.get("conflicts") else None,
        "child": batch.child,
        "perms": access.perms_for(request.user, batch.child) if batch.child else frozenset(),
    }
    template = htmx_or_full(request, "fhir/import_batch.html", "import-status")
    return render(request, template, context)


@login_required
@require_POST
def import_confirm(request: HttpRequest, batch_id: UUID) -> HttpResponse:
    batch = _own_batch(request, batch_id)
    if batch.preview.get("conflicts") and not ConfirmForm(request.POST).is_valid():
        messages.error(request, _("Confirm that these records are about your child first."))
        return redirect(_batch_url(batch))
    batch = services.batch_confirm(actor=request.user, batch=batch)
    if batch.status == ImportBatch.Status.DONE:
        messages.success(request, _("Imported."))
    return redirect(_batch_url(batch))


@login_required
@require_POST
def import_cancel(request: HttpRequest, batch_id: UUID) -> HttpResponse:
    batch = _own_batch(request, batch_id)
    services.batch_cancel(batch=batch)
    messages.success(request, _("Nothing was imported."))
    if batch.child is not None:
        return redirect(reverse("children:overview", args=[batch.child.uuid]))
    return redirect("home")
