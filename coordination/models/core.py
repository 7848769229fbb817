"""Coordination: visits prepared and followed up, the tasks that come out of them, referrals."""

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from children.items.models import ChildItem
from children.models import CareTeamMember, Child, Guardianship


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


class Referral(ChildItem):
    """A referral and its loop, each step dated [ServiceRequest + Task].

    requested → sent → appointment scheduled → seen → report received (closed),
    or declined / cancelled with a reason. ``next_actor`` says who must move it.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", _("requested")
        SENT = "sent", _("sent to the specialist")
        SCHEDULED = "scheduled", _("appointment scheduled")
        SEEN = "seen", _("seen by the specialist")
        CLOSED = "closed", _("report received")
        DECLINED = "declined", _("declined")
        CANCELLED = "cancelled", _("cancelled")

    class Urgency(models.TextChoices):
        ROUTINE = "routine", _("routine")
        SOON = "soon", _("soon (within 2 weeks)")
        URGENT = "urgent", _("urgent")

    # The loop in order, with the date field each step fills in.
    STEPS = (
        (Status.REQUESTED, "requested_on"),
        (Status.SENT, "sent_on"),
        (Status.SCHEDULED, "appointment_on"),
        (Status.SEEN, "seen_on"),
        (Status.CLOSED, "report_on"),
    )

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="referrals")
    from_member = models.ForeignKey(
        CareTeamMember,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals_made",
        verbose_name=_("referred by"),
    )
    to_member = models.ForeignKey(
        CareTeamMember,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals_received",
        verbose_name=_("to (if already on the team)"),
    )
    to_specialty = models.CharField(
        _("to which specialty or service"), max_length=200, help_text=_("For example: orthopedics.")
    )
    reason = models.TextField(_("why"))
    urgency = models.CharField(
        _("how soon"), max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE
    )
    prior_approval_needed = models.BooleanField(_("insurance must approve it first"), default=False)
    status = models.CharField(
        _("where it is"), max_length=10, choices=Status.choices, default=Status.REQUESTED
    )
    requested_on = models.DateField(_("requested on"), default=timezone.localdate)
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    appointment_on = models.DateField(_("appointment on"), null=True, blank=True)
    seen_on = models.DateField(_("seen on"), null=True, blank=True)
    report_on = models.DateField(_("report received on"), null=True, blank=True)
    ended_reason = models.TextField(_("why it was declined or cancelled"), blank=True)
    report = models.ForeignKey(
        "records.Document",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("the specialist's report"),
    )

    class Meta:
        ordering = ["-requested_on", "-id"]
        indexes = [models.Index(fields=["child", "status"])]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self) -> str:
        return f"{self.to_specialty} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status not in (self.Status.CLOSED, self.Status.DECLINED, self.Status.CANCELLED)

    def next_actor(self) -> str:
        """Who has to act for the referral to move, in plain words."""
        who = {
            self.Status.REQUESTED: _(
                "The referring office: send the referral and ask the insurance to approve it."
            )
            if self.prior_approval_needed
            else _("The referring office: send the referral."),
            self.Status.SENT: _("The specialist's office or the family: book the appointment."),
            self.Status.SCHEDULED: _("The family: go to the appointment."),
            self.Status.SEEN: _("The specialist: send the report to the medical home."),
        }
        return str(who.get(self.status, ""))  # type: ignore[call-overload]

    def overdue_reason(self, today: date | None = None) -> str:
        """Why the loop is stuck, by the configured rules; empty when it is not."""
        today = today or timezone.localdate()
        schedule_days = getattr(settings, "REFERRAL_SCHEDULE_DAYS", 30)
        report_days = getattr(settings, "REFERRAL_REPORT_DAYS", 14)
        if (
            self.status == self.Status.SENT
            and self.sent_on
            and (today - self.sent_on).days > schedule_days
        ):
            return str(
                _("No appointment %(days)s days after it was sent.") % {"days": schedule_days}
            )
        if (
            self.status == self.Status.SEEN
            and self.seen_on
            and (today - self.seen_on).days > report_days
        ):
            return str(_("No report %(days)s days after the visit.") % {"days": report_days})
        return ""


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
