"""The shared plan of care [CarePlan + Goal]: one current plan per child, versioned.

The plan's rows (``CarePlan``, ``Goal``, ``Need``) are the working copy. Every
change the family makes, or accepts from a team member's proposal, publishes a
``CarePlanVersion``: a frozen snapshot that can be compared with any other,
printed, agreed to and shared as a read-only copy.
"""

import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from children.items.models import ChildItem
from children.models import CareTeamMember, Child, Guardianship

from .tasks import owner_label

__all__ = ["CarePlan", "CarePlanVersion", "Goal", "Need", "PlanProposal", "PlanShareLink"]


class CarePlan(ChildItem):
    """About the child and family, and when the plan is next reviewed."""

    child = models.OneToOneField(Child, on_delete=models.CASCADE, related_name="care_plan")
    strengths = models.TextField(
        _("strengths"),
        blank=True,
        help_text=_("What your child and family do well. For example: loves music, big family."),
    )
    priorities = models.TextField(
        _("our priorities"), blank=True, help_text=_("What matters most to your family right now.")
    )
    what_matters = models.TextField(
        _("what the team should know about us"),
        blank=True,
        help_text=_("Culture, routines, how decisions are made, what works and what does not."),
    )
    review_on = models.DateField(
        _("next review"),
        null=True,
        blank=True,
        help_text=_("When the team looks at the plan again."),
    )
    number = models.PositiveIntegerField(_("version"), default=0, editable=False)

    class Meta:
        verbose_name = _("care plan")
        verbose_name_plural = _("care plans")

    def __str__(self) -> str:
        return str(_("Care plan, version %(number)s") % {"number": self.number})


class Owned(ChildItem):
    """A row with one owner: a guardian, the child themself, or a team member."""

    owner_guardian = models.ForeignKey(
        Guardianship, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner_member = models.ForeignKey(
        CareTeamMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner_is_child = models.BooleanField(default=False)

    class Meta:
        abstract = True

    @property
    def owner_label(self) -> str:
        return owner_label(self)


class Goal(Owned):
    class Term(models.TextChoices):
        SHORT = "short", _("short term (months)")
        LONG = "long", _("long term (a year or more)")

    class Domain(models.TextChoices):
        MEDICAL = "medical", _("health")
        EDUCATION = "education", _("school and learning")
        SOCIAL = "social", _("friends and community")
        FAMILY = "family", _("family life")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        ACTIVE = "active", _("working on it")
        MET = "met", _("reached")
        STOPPED = "stopped", _("no longer a goal")

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="goals")
    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="goals")
    text = models.CharField(
        _("goal"), max_length=300, help_text=_("For example: walk 10 steps with a walker.")
    )
    term = models.CharField(_("how long"), max_length=5, choices=Term.choices, default=Term.SHORT)
    domain = models.CharField(
        _("about"), max_length=10, choices=Domain.choices, default=Domain.MEDICAL
    )
    measure = models.CharField(
        _("how we will know"),
        max_length=300,
        blank=True,
        help_text=_("For example: 10 steps, 3 times a week, by the physical therapist."),
    )
    target_on = models.DateField(_("by when"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )

    class Meta:
        ordering = ["status", "term", "target_on", "id"]
        indexes = [models.Index(fields=["child", "status"])]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")

    def __str__(self) -> str:
        return self.text

    @property
    def is_medical(self) -> bool:
        return self.domain == self.Domain.MEDICAL


class Need(ChildItem):
    """Something the child or family needs, and the supports that meet it."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="needs")
    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="needs")
    text = models.CharField(
        _("need"), max_length=300, help_text=_("For example: a break for the parents (respite).")
    )
    supports = models.TextField(
        _("what helps, and who"),
        blank=True,
        help_text=_("Supports and community services that meet this need."),
    )
    met = models.BooleanField(_("this need is met"), default=False)

    class Meta:
        ordering = ["met", "id"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")

    def __str__(self) -> str:
        return self.text


class CarePlanVersion(models.Model):
    """A frozen copy of the plan, published when it changed."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="plan_versions")
    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agreed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="one_number_per_plan_version")
        ]

    def __str__(self) -> str:
        return str(_("Version %(number)s") % {"number": self.number})


class PlanProposal(ChildItem):
    """A change to the plan suggested by a team member, waiting for the family."""

    class Kind(models.TextChoices):
        ABOUT = "about", _("about the child and family")
        GOAL_ADD = "goal_add", _("a new goal")
        GOAL_CHANGE = "goal_change", _("a change to a goal")
        NEED_ADD = "need_add", _("a new need")
        NEED_CHANGE = "need_change", _("a change to a need")

    class Status(models.TextChoices):
        OPEN = "open", _("waiting for the family")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("not accepted")

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="plan_proposals")
    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="proposals")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    target_uuid = models.UUIDField(null=True, blank=True)
    data = models.JSONField()
    note = models.TextField(_("why this change"), blank=True)
    base_number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    proposed_by_name = models.CharField(max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(_("why not"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["child", "status"])]
        verbose_name = _("proposed change")
        verbose_name_plural = _("proposed changes")

    def __str__(self) -> str:
        return str(self.get_kind_display())


class PlanShareLink(models.Model):
    """A secret link to a read-only copy of one version, for someone without an account."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="plan_links")
    version = models.ForeignKey(CarePlanVersion, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    label = models.CharField(_("who it is for"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.label

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
