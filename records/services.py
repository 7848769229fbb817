"""Writes to the care notebook that need more than the generic item services.

Same invariants as ``children.services``: authorized callers, one transaction,
``full_clean()``, an audit event per write.
"""

import hashlib
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from children.models import Child
from children.services import item_create, item_delete, item_update

from .models import Document


def document_create(
    *, actor: Any, child: Child, document: Document, upload: UploadedFile
) -> Document:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    document.child = child
    document.original_name = (upload.name or "")[:255]
    document.content_type = getattr(upload, "detected_type", "") or upload.content_type or ""
    document.size = upload.size or 0
    document.sha256 = digest.hexdigest()
    document.file = upload
    try:
        with transaction.atomic():
            return item_create(actor=actor, child=child, item=document)
    except Exception:
        # The file was written before the row failed: do not leave it behind.
        if document.file.name:
            document.file.storage.delete(document.file.name)
        raise


def document_save(
    *, actor: Any, child: Child, document: Document, version: int | None, form: Any
) -> Document:
    """Add a document with its file, or change what is said about it (not the file)."""
    if document.pk is None:
        return document_create(
            actor=actor, child=child, document=document, upload=form.cleaned_data["file"]
        )
    assert version is not None
    return item_update(actor=actor, item=document, version=version)


def document_delete(*, actor: Any, document: Document) -> None:
    name, storage = document.file.name or "", document.file.storage
    with transaction.atomic():
        item_delete(actor=actor, item=document)
        if name:
            transaction.on_commit(lambda: storage.delete(name))
