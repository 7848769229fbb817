"""DocumentReference: a document (its file embedded when the export asks for files)."""

from __future__ import annotations

import base64
import binascii
import hashlib

from records.models import Document

from .base import (
    NOT_RECORDED,
    Json,
    Mapped,
    Resolver,
    concept_text,
    fhir_date,
    fhir_instant,
    first_of,
    local_code,
    local_concept,
    patient_ref,
    read_date,
)


def _attachment(item: Document, with_files: bool) -> Json:
    attachment: Json = {
        "contentType": item.content_type,
        "title": item.title,
        "size": item.size or None,
    }
    if with_files and item.file:
        with item.file.open("rb") as handle:
            data = handle.read()
        attachment["data"] = base64.b64encode(data).decode()
        attachment["hash"] = base64.b64encode(hashlib.sha1(data).digest()).decode()  # noqa: S324 - R4 wants SHA-1
        attachment["size"] = len(data)
    return attachment


def document_to(item: Document, with_files: bool = False) -> Json:
    return {
        "resourceType": "DocumentReference",
        "id": str(item.uuid),
        "status": "current",
        "type": local_concept("document-kind", item.kind, item.get_kind_display()),
        "subject": patient_ref(item),
        "date": fhir_instant(item.created_at),
        "description": item.notes,
        "content": [{"attachment": _attachment(item, with_files)}],
        "context": {"period": {"start": fhir_date(item.dated)}},
    }


def document_from(resource: Json, find: Resolver) -> list[Mapped]:
    if resource.get("status") == "entered-in-error":
        return []
    attachment = first_of(resource.get("content")).get("attachment") or {}
    content = None
    if attachment.get("data"):
        try:
            content = base64.b64decode(attachment["data"], validate=True)
        except (binascii.Error, ValueError):
            content = None
    kind = local_code(resource.get("type"), "document-kind")
    fields = {
        "title": attachment.get("title")
        or resource.get("description")
        or concept_text(resource.get("type"))
        or NOT_RECORDED,
        "kind": kind if kind in Document.Kind.values else "other",
        "dated": read_date(((resource.get("context") or {}).get("period") or {}).get("start"))
        or read_date(resource.get("date")),
        "content_type": str(attachment.get("contentType", ""))[:100],
        "notes": resource.get("description", "") if attachment.get("title") else "",
    }
    return [Mapped(Document, fields, content=content)]
