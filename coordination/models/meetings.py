"""Care conferences: the team and the family meet about the child.

A ``Meeting`` has attendees from the team and the family, an agenda drawn
from open tasks, open referrals and active goals (or typed in), notes taken
at the meeting, and the tasks that came out of it (``Task.meeting``).
"""

from django.db import models
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from children.items.models import ChildItem
from children.models import CareTeamMember, Child, Guardianship

__all__ = ["AgendaItem", "Meeting"]

_UPCOMING = models.Q(starts_at__gte=Now())


class Meeting(ChildItem):
    """A care conference [Encounter of type care conference]."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("coming up")
        HELD = "held", _("held")
        CANCELLED = "cancelled", _("cancelled")

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField(_("date and time"))
    place_or_link = models.CharField(
        _("where, or the video link"),
        max_length=300,
        blank=True,
        help_text=_("For example: Sunrise Pediatrics, room 2, or a video call link."),
    )
    purpose = models.CharField(
        _("what it is for"),
        max_length=200,
        help_text=_("For example: plan for the new school year."),
    )
    attendees = models.ManyToManyField(
        CareTeamMember, blank=True, related_name="meetings", verbose_name=_("who from the team")
    )
    family_attendees = models.ManyToManyField(
        Guardianship, blank=True, related_name="meetings", verbose_name=_("who from the family")
    )
    notes = models.TextField(_("notes from the meeting"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )

    class Meta:
        # Coming up first (soonest first), then past ones (latest first).
        ordering = [
            models.Case(
                models.When(_UPCOMING, then=models.Value(0)), default=models.Value(1)
            ).asc(),
            models.Case(models.When(_UPCOMING, then=models.F("starts_at"))).asc(nulls_last=True),
            models.F("starts_at").desc(),
            "id",
        ]
        indexes = [models.Index(fields=["child", "starts_at"])]
        verbose_name = _("care meeting")
        verbose_name_plural = _("care meetings")

    def __str__(self) -> str:
        return f"{self.purpose} ({timezone.localtime(self.starts_at):%Y-%m-%d})"

    @property
    def is_upcoming(self) -> bool:
        return self.status == self.Status.PLANNED and self.starts_at >= timezone.now()


class AgendaItem(ChildItem):
    """One thing to talk about, in order; it may point at a task, a referral or a goal."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="agenda_items")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    text = models.CharField(_("what to talk about"), max_length=300)
    position = models.PositiveIntegerField(default=0)
    task = models.ForeignKey(
        "coordination.Task",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agenda_items",
    )
    referral = models.ForeignKey(
        "coordination.Referral",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agenda_items",
    )
    goal = models.ForeignKey(
        "coordination.Goal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agenda_items",
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["meeting", "position"])]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self) -> str:
        return self.text

    @property
    def source_label(self) -> str:
        """Where the item comes from, in plain words (empty when typed in)."""
        if self.task_id:
            return str(_("task"))
        if self.referral_id:
            return str(_("referral"))
        if self.goal_id:
            return str(_("goal"))
        return ""
