"""The care notebook's own page: downloading a document (the rest are the
shared item pages, ``children.items``)."""

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from children import access
from children.audit import audit_record
from children.viewutils import child_context, load_child

from .forms import DOWNLOAD_TYPES
from .models import Document


@login_required
@require_safe
def document_download(request: HttpRequest, child_id: UUID, item_id: UUID) -> HttpResponseBase:
    child = load_child(request, child_id, access.view_perms(Document))
    document = access.get_item(child, Document, item_id)
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, ValueError):
        # The row survived but its file did not (a partial restore, a disk
        # problem): say so plainly; `manage.py storage_verify` lists them all.
        audit_record(
            actor=request.user,
            verb="view",
            child=child,
            what="document (file missing)",
            target=document,
        )
        return render(
            request,
            "records/document_missing.html",
            child_context(request, document=document),
            status=404,
        )
    audit_record(actor=request.user, verb="download", child=child, what="document", target=document)
    known = document.content_type in DOWNLOAD_TYPES
    extension = DOWNLOAD_TYPES.get(document.content_type, "bin")
    filename = f"{slugify(document.title)[:80] or 'document'}.{extension}"
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type=document.content_type if known else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
