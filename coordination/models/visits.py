"""Visits prepared and followed up: the visit and the family's questions."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from children.items.models import ChildItem
from children.models import CareTeamMember, Child

__all__ = ["Visit", "VisitQuestion"]


class Visit(ChildItem):
    """A visit with someone on the team, planned or past [Appointment/Encounter]."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("coming up")
        DONE = "done", _("happened")
        CANCELLED = "cancelled", _("cancelled")

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="visits")
    team_member = models.ForeignKey(
        CareTeamMember,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
        verbose_name=_("with"),
    )
    starts_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("where"), max_length=200, blank=True)
    purpose = models.CharField(
        _("what it is for"), max_length=200, help_text=_("For example: seizure check-up.")
    )
    interpreter_needed = models.BooleanField(_("we need an interpreter"), default=False)
    extra_time_needed = models.BooleanField(_("we need extra time"), default=False)
    extra_time_reason = models.TextField(
        _("why we need extra time"),
        blank=True,
        help_text=_("For example: many questions, a new problem, a form to fill in together."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    summary = models.TextField(_("what happened"), blank=True)
    recording_agreed = models.BooleanField(
        _("the clinician agreed to the recording or notes being kept"), default=False
    )
    recording = models.ForeignKey(
        "records.Document",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recording or notes (from Documents)"),
    )

    class Meta:
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["child", "-starts_at"])]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")

    def __str__(self) -> str:
        return f"{self.purpose} ({timezone.localtime(self.starts_at):%Y-%m-%d})"

    def clean(self) -> None:
        if self.recording_id and not self.recording_agreed:
            raise ValidationError(
                {
                    "recording_agreed": _(
                        "Only keep a recording or notes when the clinician agreed to it."
                    )
                }
            )
        if self.extra_time_needed and not self.extra_time_reason.strip():
            raise ValidationError(
                {"extra_time_reason": _("Say briefly why, so the office can plan.")}
            )

    @property
    def is_upcoming(self) -> bool:
        return self.status == self.Status.PLANNED and self.starts_at >= timezone.now()


class VisitQuestion(ChildItem):
    """A question to ask at a visit, in the family's order of priority."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="visit_questions")
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("question"), max_length=500)
    position = models.PositiveIntegerField(default=0)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_youth = models.BooleanField(_("my child's own question"), default=False)
    answer = models.TextField(_("answer"), blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.text
