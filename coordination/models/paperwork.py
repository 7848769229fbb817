"""Paperwork asked of the team: forms and letters, with their turnaround."""

from datetime import date, timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from children.items.models import ChildItem
from children.models import CareTeamMember, Child

__all__ = ["PaperworkRequest", "business_days"]


def business_days(start: date, end: date) -> int:
    """Weekdays from ``start`` to ``end`` (0 when done the same day)."""
    days = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days += 1
    return days


class PaperworkRequest(ChildItem):
    """A form or letter the family needs from someone on the team [Task]."""

    class Kind(models.TextChoices):
        PRIOR_APPROVAL = "prior_approval", _("prior approval (authorization)")
        MEDICAL_NECESSITY = "necessity", _("letter of medical necessity")
        SCHOOL_FORM = "school_form", _("school or program form")
        EQUIPMENT_ORDER = "equipment_order", _("equipment order")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("asked for")
        IN_PROGRESS = "in_progress", _("being worked on")
        COMPLETED = "completed", _("done")
        CANCELLED = "cancelled", _("no longer needed")

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="paperwork")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(
        _("what is needed"),
        max_length=200,
        help_text=_("For example: wheelchair letter for Medicaid."),
    )
    details = models.TextField(_("details"), blank=True)
    # Kept when the person leaves the team list: the request and its dates are history.
    asked_of = models.ForeignKey(
        CareTeamMember,
        null=True,
        on_delete=models.SET_NULL,
        related_name="paperwork_asked",
        verbose_name=_("asked of"),
    )
    due_on = models.DateField(_("needed by"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED
    )
    requested_on = models.DateField(_("asked on"), default=timezone.localdate)
    started_on = models.DateField(null=True, blank=True, editable=False)
    completed_on = models.DateField(null=True, blank=True, editable=False)
    document = models.ForeignKey(
        "records.Document",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["status", "due_on", "id"]
        indexes = [models.Index(fields=["child", "status", "due_on"])]
        verbose_name = _("paperwork request")
        verbose_name_plural = _("paperwork")

    def __str__(self) -> str:
        return self.title

    @property
    def turnaround_days(self) -> int | None:
        """Business days from asking to done."""
        if self.completed_on is None:
            return None
        return business_days(self.requested_on, self.completed_on)

    @property
    def is_overdue(self) -> bool:
        return (
            self.status in (self.Status.REQUESTED, self.Status.IN_PROGRESS)
            and self.due_on < timezone.localdate()
        )
