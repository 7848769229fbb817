"""Tasks: what someone has to do for the child, and who does it."""

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from children.items.models import ChildItem
from children.models import CareTeamMember, Child, Guardianship

from .visits import Visit

__all__ = ["Task", "owner_label"]


def owner_label(row: Any) -> str:
    """Who owns a task or goal, in a reader's words: the child, a guardian or a team member."""
    if row.owner_is_child:
        return row.child.preferred_name or row.child.first_name
    if row.owner_guardian_id:
        return row.owner_guardian.user.display_name
    if row.owner_member_id:
        return row.owner_member.name
    return ""


class Task(ChildItem):
    """Something someone has to do for the child, with a due date [Task]."""

    class Status(models.TextChoices):
        OPEN = "open", _("to do")
        DONE = "done", _("done")
        CANCELLED = "cancelled", _("no longer needed")

    class Origin(models.TextChoices):
        VISIT = "visit", _("a visit")
        REFERRAL = "referral", _("a referral")
        PLAN = "plan", _("the care plan")
        MEETING = "meeting", _("a care meeting")
        OTHER = "other", _("other")

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("what to do"), max_length=300)
    details = models.TextField(_("details"), blank=True)
    due_on = models.DateField(_("due by"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    origin = models.CharField(
        _("comes from"), max_length=10, choices=Origin.choices, default=Origin.OTHER
    )
    visit = models.ForeignKey(
        Visit, null=True, blank=True, on_delete=models.SET_NULL, related_name="next_steps"
    )
    meeting = models.ForeignKey(
        "coordination.Meeting",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resulting_tasks",
    )
    # Exactly one owner: a guardian, the child themself, or a team member.
    owner_guardian = models.ForeignKey(
        Guardianship, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    owner_member = models.ForeignKey(
        CareTeamMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    owner_is_child = models.BooleanField(default=False)
    goal = models.ForeignKey(
        "coordination.Goal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="actions",
        verbose_name=_("for the goal"),
    )
    done_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["status", models.F("due_on").asc(nulls_last=True), "id"]
        indexes = [
            models.Index(fields=["child", "status", "due_on"]),
        ]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")

    def __str__(self) -> str:
        return self.title

    @property
    def owner_label(self) -> str:
        return owner_label(self)

    @property
    def is_overdue(self) -> bool:
        return (
            self.status == self.Status.OPEN
            and self.due_on is not None
            and self.due_on < timezone.localdate()
        )
