"""Import batches: upload → preview → confirm → (background) import.

The uploaded files are kept in private storage (``imports/<batch uuid>/``)
between the preview and the import, and removed when the batch ends. Files
over ``FHIR_IMPORT_BACKGROUND_BYTES`` (1 MB) are imported by a Django task
(``run_import``, run by ``manage.py db_worker``), which moves ``progress`` on
the batch so the page can show a progress bar; smaller ones are imported at
once.
"""

from __future__ import annotations

import json
import logging
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from children import access
from children.models import Child

from .importer import ImportPlan, apply_import, plan_import
from .models import ImportBatch, SourceLink
from .reader import Upload, UploadError, read_upload

logger = logging.getLogger(__name__)


def source_links(child: Child, items: list[Any]) -> dict[Any, SourceLink]:
    """Where imported items came from, by item uuid: one query.

    Registered as the items' source lookup (``children.items.sources``).
    """
    uuids = [item.uuid for item in items]
    return {
        link.item_uuid: link
        for link in SourceLink.objects.filter(child=child, item_uuid__in=uuids).order_by(
            "imported_at"
        )
    }


def background_bytes() -> int:
    return int(getattr(settings, "FHIR_IMPORT_BACKGROUND_BYTES", 1024 * 1024))


def _folder(batch: ImportBatch) -> str:
    return f"imports/{batch.uuid}/"


def batch_start(*, actor: Any, child: Child | None, files: list[tuple[str, bytes]]) -> ImportBatch:
    """Read the files and save a batch with its preview. Nothing of the record is written.

    Raises ``UploadError`` (nothing saved) when a file cannot be imported.
    """
    uploads = [read_upload(data, name=name) for name, data in files]
    plan = plan_import(uploads, child=child)
    batch = ImportBatch(
        child=child,
        created_by=actor,
        kind=ImportBatch.Kind.CCDA if any(u.kind == "ccda" for u in uploads) else "fhir",
        file_name=", ".join(name for name, _data in files)[:255],
        file_digest=uploads[0].digest,
        size=sum(len(data) for _name, data in files),
        preview=plan.summary(),
    )
    batch.save()
    names = []
    for n, (name, data) in enumerate(files):
        suffix = PurePath(name).suffix.lower()[:10] if "." in name else ".upload"
        names.append(default_storage.save(f"{_folder(batch)}{n}{suffix}", ContentFile(data)))
    batch.stored_file = json.dumps(names)
    batch.save(update_fields=["stored_file"])
    return batch


def _uploads(batch: ImportBatch) -> list[Upload]:
    names = json.loads(batch.stored_file or "[]")
    uploads = []
    for name in names:
        with default_storage.open(name, "rb") as handle:
            uploads.append(read_upload(handle.read(), name=name))
    return uploads


def _forget_files(batch: ImportBatch) -> None:
    for name in json.loads(batch.stored_file or "[]"):
        default_storage.delete(name)


def batch_confirm(*, actor: Any, batch: ImportBatch) -> ImportBatch:
    """The family confirmed the preview: import now, or queue it when the files are big."""
    claimed = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PREVIEW).update(
        status=ImportBatch.Status.QUEUED
    )
    if not claimed:
        return batch
    batch.status = ImportBatch.Status.QUEUED
    if batch.size > background_bytes():
        transaction.on_commit(lambda: run_import.enqueue(batch.pk))
    else:
        batch_run(batch_id=batch.pk)
        batch.refresh_from_db()
    return batch


def batch_cancel(*, batch: ImportBatch) -> None:
    if ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PREVIEW).update(
        status=ImportBatch.Status.CANCELLED, finished_at=timezone.now()
    ):
        _forget_files(batch)


def batch_run(*, batch_id: int) -> None:
    """Import a confirmed batch. On any error nothing of it is written; the batch says why."""
    batch = ImportBatch.objects.select_related("child", "created_by").get(pk=batch_id)
    if batch.status != ImportBatch.Status.QUEUED:
        return
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.RUNNING, progress=1)

    # Progress moves between the steps: the writing itself is one transaction,
    # which no other connection can watch from inside.
    try:
        _check_author(batch)
        uploads = _uploads(batch)
        ImportBatch.objects.filter(pk=batch.pk).update(progress=25)
        plan: ImportPlan = plan_import(uploads, child=batch.child)
        ImportBatch.objects.filter(pk=batch.pk).update(progress=50)
        result = apply_import(plan, actor=batch.created_by, batch=batch)
    except UploadError as error:
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.FAILED, error=str(error), finished_at=timezone.now()
        )
    except Exception:
        # Not left "importing" for ever with the family's files kept: it failed, and why is logged.
        logger.exception("Import batch %s failed", batch.pk)
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.FAILED,
            error=_("Something went wrong on our side. Nothing was imported; try again later."),
            finished_at=timezone.now(),
        )
    else:
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.DONE,
            progress=100,
            result={"counts": result, "not_imported": dict(plan.not_imported)},
            child=plan.child,
            finished_at=timezone.now(),
        )
    _forget_files(batch)


def _check_author(batch: ImportBatch) -> None:
    """The person who confirmed may still import here (a queued batch runs later)."""
    author = batch.created_by
    allowed = author is not None and author.is_active
    if allowed and batch.child is not None:
        access.forget(author)
        allowed = access.can(author, "record.import", batch.child)
    if not allowed:
        raise UploadError(_("You may no longer import into this record, so nothing was imported."))


@task
def run_import(batch_id: int) -> None:
    batch_run(batch_id=batch_id)
