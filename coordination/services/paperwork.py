"""Paperwork asked of the team: started, and done (the form joins the documents).

Same invariants as ``children.services``: the caller has authorized the
actor through ``access``; every write is one transaction with ``full_clean()``
and an audit event; a stale version is refused (``ConcurrentEdit``).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from children.services import item_update
from records.models import Document
from records.services import document_create

from ..models import PaperworkRequest


@transaction.atomic
def paperwork_start(*, actor: Any, paperwork: PaperworkRequest, version: int) -> PaperworkRequest:
    paperwork.status = PaperworkRequest.Status.IN_PROGRESS
    paperwork.started_on = timezone.localdate()
    return item_update(actor=actor, item=paperwork, version=version)


def paperwork_complete(
    *, actor: Any, paperwork: PaperworkRequest, version: int, upload: Any
) -> PaperworkRequest:
    """Done: the finished form is added to the child's documents and attached."""
    with transaction.atomic():
        document = document_create(
            actor=actor,
            child=paperwork.child,
            document=Document(
                title=paperwork.title, kind=Document.Kind.LETTER, dated=timezone.localdate()
            ),
            upload=upload,
        )
        paperwork.status = PaperworkRequest.Status.COMPLETED
        paperwork.completed_on = timezone.localdate()
        paperwork.document = document
        return item_update(actor=actor, item=paperwork, version=version)
