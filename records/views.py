"""The care notebook's own page: downloading a document (the rest are the
shared item pages, ``children.items``)."""

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from children import access
from children.audit import audit_record
from children.viewutils import load_child

from .forms import DOWNLOAD_TYPES
from .models import Document


@login_required
@require_safe
def document_download(request: HttpRequest, child_id: UUID, item_id: UUID) -> FileResponse:
    child = load_child(request, child_id, access.view_perms(Document))
    document = access.get_item(child, Document, item_id)
    audit_record(actor=request.user, verb="download", child=child, what="document", target=document)
    known = document.content_type in DOWNLOAD_TYPES
    extension = DOWNLOAD_TYPES.get(document.content_type, "bin")
    filename = f"{slugify(document.title)[:80] or 'document'}.{extension}"
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=filename,
        content_type=document.content_type if known else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
