"""Abstract bases shared by every table that belongs to a child."""

import uuid

from django.conf import settings
from django.db import models


class ChildItem(models.Model):
    """A row owned by one child.

    Concrete models declare their own non-null ``child`` foreign key (so the
    reverse name reads well: ``child.medications``). ``version`` is bumped on
    every update; services refuse a save whose version is stale, so two people
    editing at once never silently overwrite each other.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        abstract = True
