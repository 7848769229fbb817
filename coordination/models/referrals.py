"""Referrals and their loop, each step dated."""

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from children.items.models import ChildItem
from children.models import CareTeamMember, Child

__all__ = ["Referral"]


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
