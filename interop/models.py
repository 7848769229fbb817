"""Interoperability: where imported items came from, import batches, API tokens [Provenance]."""

import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from children.models import Child


class ImportBatch(models.Model):
    """One uploaded file (FHIR JSON, NDJSON or C-CDA), from preview to done."""

    class Kind(models.TextChoices):
        FHIR = "fhir", "FHIR"
        CCDA = "ccda", "C-CDA"

    class Status(models.TextChoices):
        PREVIEW = "preview", _("waiting for you to confirm")
        QUEUED = "queued", _("waiting to start")
        RUNNING = "running", _("importing")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")

    uuid = models.UUIDField(unique=True, editable=False, default=uuid.uuid4)
    child = models.ForeignKey(
        Child, null=True, blank=True, on_delete=models.CASCADE, related_name="import_batches"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=5, choices=Kind.choices)
    file_name = models.CharField(max_length=255, blank=True)
    file_digest = models.CharField(max_length=64)  # SHA-256 of the uploaded bytes
    size = models.PositiveBigIntegerField(default=0)
    stored_file = models.CharField(
        max_length=300, blank=True
    )  # private storage path, kept for background runs
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEW)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    preview = models.JSONField(default=dict, blank=True)  # per type: add / update / skip, conflicts
    result = models.JSONField(
        default=dict, blank=True
    )  # per type: imported / updated / not imported
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["child", "-created_at"])]

    def __str__(self) -> str:
        return self.file_name or self.file_digest[:12]


class SourceLink(models.Model):
    """Where one imported item came from: the provenance shown on the item.

    ``(child, source_system, resource_type, resource_id)`` is unique: importing
    the same source again finds the item instead of adding a copy, and a newer
    copy of the resource (another ``content_digest``) updates it.
    """

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="source_links")
    model = models.CharField(max_length=60)  # "records.medication"
    item_uuid = models.UUIDField()
    resource_type = models.CharField(max_length=60)
    resource_id = models.CharField(max_length=255)
    source_system = models.CharField(max_length=255)
    file_digest = models.CharField(max_length=64)
    content_digest = models.CharField(max_length=64)  # SHA-256 of the source resource's JSON
    imported_at = models.DateTimeField(default=timezone.now)
    batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="links"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["child", "source_system", "resource_type", "resource_id"],
                name="one_item_per_source_resource",
            )
        ]
        indexes = [models.Index(fields=["child", "model", "item_uuid"])]

    def __str__(self) -> str:
        return f"{self.resource_type}/{self.resource_id} ({self.source_system})"


class ApiToken(models.Model):
    """A personal access token for the FHIR API: one child, a set of FHIR scopes.

    Only the SHA-256 of the token is stored. A token never sees more than its
    owner does (every call goes through ``children.access`` as the owner), and
    dies with the owner's grant.
    """

    uuid = models.UUIDField(unique=True, editable=False, default=uuid.uuid4)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="fhir_tokens"
    )
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="fhir_tokens")
    name = models.CharField(_("what it is for"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    scopes = models.CharField(max_length=1000)  # space-separated: "patient/Condition.read ..."
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()
