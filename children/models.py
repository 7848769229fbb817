import hashlib
import hmac
import json
import uuid
from datetime import UTC, date
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .items.models import ChildItem
from .queries import holds


class Scope(models.TextChoices):
    SUMMARY = "summary", _("Summary")
    HEALTH = "health", _("Health")
    COVERAGE = "coverage", _("Insurance")
    VISITS = "visits", _("Visits")
    PLAN = "plan", _("Care plan")
    SCHOOL = "school", _("School")
    JOURNAL = "journal", _("Journal")
    DOCUMENTS = "documents", _("Documents")
    MESSAGES = "messages", _("Messages")


ALL_SCOPES: tuple[str, ...] = tuple(Scope.values)

# What a family is told each choice shares, for the scopes Homebase has pages
# for today. School is offered once it exists.
SCOPE_EXPLAINED: dict[str, Any] = {
    "summary": _(
        "Summary: conditions, allergies, medicines, equipment, the care team and what every team should know"
    ),
    "health": _("Health: all medicines, immunizations, measurements and services"),
    "coverage": _("Insurance: plans, member numbers and renewal dates"),
    "visits": _("Visits: coming and past visits, your questions and what was said"),
    "plan": _(
        "Care plan: goals, tasks, referrals, forms and letters, care meetings, and how your "
        "child's health affects your family (money, work, sleep, brothers and sisters)"
    ),
    "journal": _("Journal: what you write about how your child is doing"),
    "documents": _("Documents: reports, letters and results you uploaded"),
    "messages": _("Messages: conversations you start with them, and thank-you notes"),
}


def scopes_to_text(scopes: list[str] | tuple[str, ...] | set[str]) -> str:
    """Store scopes as ',a,b,' so `scopes__contains=',a,'` works on every database."""
    clean = [s for s in ALL_SCOPES if s in set(scopes)]
    return "," + ",".join(clean) + "," if clean else ""


class ScopedMixin:
    """Reading the scopes stored as ',a,b,' (see scopes_to_text)."""

    scopes: str

    @property
    def scope_list(self) -> list[str]:
        return [s for s in self.scopes.split(",") if s]

    def get_scope_labels(self) -> list[str]:
        """Short names of the shared scopes, for people ("Summary", not the explanation)."""
        labels = dict(Scope.choices)
        return [str(labels[s]) for s in self.scope_list if s in labels]


class Child(models.Model):
    """The tenant root: everything in Homebase belongs to one child."""

    class Sex(models.TextChoices):
        FEMALE = "female", _("female")
        MALE = "male", _("male")
        OTHER = "other", _("other")
        UNKNOWN = "unknown", _("prefer not to say")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    preferred_name = models.CharField(
        _("name the child likes to be called"), max_length=100, blank=True
    )
    birth_date = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    language = models.CharField(_("language spoken at home"), max_length=100, blank=True)
    interpreter_needed = models.BooleanField(_("needs an interpreter at visits"), default=False)
    culture_religion = models.TextField(
        _("culture and religion"),
        blank=True,
        help_text=_("Beliefs, customs or foods the team should respect."),
    )
    what_to_know = models.TextField(
        _("what every team should know"),
        blank=True,
        help_text=_("How your child communicates, what calms them, what upsets them."),
    )
    effect_siblings = models.TextField(_("effect on brothers and sisters"), blank=True)
    effect_childcare = models.TextField(_("effect on childcare"), blank=True)
    effect_work = models.TextField(_("effect on parents' work"), blank=True)
    effect_sleep = models.TextField(_("effect on sleep"), blank=True)
    effect_money = models.TextField(_("effect on money"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["first_name", "last_name"]
        verbose_name = _("child")
        verbose_name_plural = _("children")

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("children:overview", args=[self.uuid])

    @property
    def display_name(self) -> str:
        first = self.preferred_name or self.first_name
        return f"{first} {self.last_name}".strip()

    @property
    def age_years(self) -> int:
        today = date.today()
        born = self.birth_date
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


class GrantQuerySet(models.QuerySet):
    def live(self, on: date | None = None) -> "GrantQuerySet":
        """Grants in force on ``on`` (today): the rule is ``access.live_grant``."""
        from .access import live_grant  # access imports these models

        return self.filter(live_grant(on))


class Grant(ScopedMixin, models.Model):
    """What a person may see and do for one child, and for how long."""

    scopes = models.CharField(_("what is shared"), max_length=200, blank=True)
    can_write = models.BooleanField(_("may add and change"), default=False)
    starts_on = models.DateField(_("starts on"), default=timezone.localdate)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = GrantQuerySet.as_manager()

    class Meta:
        abstract = True

    def is_live(self, on: date | None = None) -> bool:
        """``access.live_grant`` for this row, without a query."""
        from .access import live_grant

        return holds(live_grant(on), self)


class Guardianship(Grant):
    """A parent, guardian or other caregiver of the child [RelatedPerson]."""

    class Role(models.TextChoices):
        OWNER = "owner", _("parent or guardian (full control)")
        CAREGIVER = "caregiver", _("caregiver")

    class Relationship(models.TextChoices):
        MOTHER = "mother", _("mother")
        FATHER = "father", _("father")
        PARENT = "parent", _("parent")
        GRANDPARENT = "grandparent", _("grandparent")
        FOSTER = "foster", _("foster parent")
        LEGAL_GUARDIAN = "legal_guardian", _("legal guardian")
        OTHER = "other", _("other")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="guardianships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guardianships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    relationship = models.CharField(
        _("relationship"), max_length=20, choices=Relationship.choices, default=Relationship.PARENT
    )
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)
    placement_ends_on = models.DateField(_("foster placement ends on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "child"])]
        verbose_name = _("guardianship")
        verbose_name_plural = _("guardianships")

    def __str__(self) -> str:
        return f"{self.user} → {self.child} ({self.role})"


class CareTeamMember(ChildItem, Grant):
    """Anyone on the child's team [CareTeam.participant]; with a user, also a grant [Consent]."""

    class Role(models.TextChoices):
        PCP = "pcp", _("primary care provider")
        SPECIALIST = "specialist", _("specialist")
        THERAPIST = "therapist", _("therapist")
        NURSE = "nurse", _("nurse")
        CARE_COORDINATOR = "care_coordinator", _("care coordinator")
        REFERRAL = "referral", _("referral person")
        BILLING = "billing", _("billing person")
        SCHOOL_NURSE = "school_nurse", _("school nurse")
        TEACHER = "teacher", _("teacher")
        SOCIAL_WORKER = "social_worker", _("social worker")
        CARE_MANAGER = "care_manager", _("insurance care manager")
        HOME_CARE = "home_care", _("home care")
        EQUIPMENT = "equipment", _("equipment supplier")
        PARENT_MENTOR = "parent_mentor", _("parent mentor")
        OTHER = "other", _("other")

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="team")
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    specialty = models.CharField(
        _("specialty"), max_length=120, blank=True, help_text=_("For example: neurology.")
    )
    organization = models.CharField(_("clinic or organization"), max_length=200, blank=True)
    practice = models.ForeignKey(
        "accounts.Practice",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="team_members",
        verbose_name=_("practice"),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    after_hours_phone = models.CharField(_("after-hours phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    fax = models.CharField(_("fax"), max_length=40, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_medical_home_lead = models.BooleanField(
        _("medical home lead"),
        default=False,
        help_text=_("The main doctor or nurse practitioner who coordinates your child's care."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="team_memberships",
        editable=False,
    )

    class Meta:
        ordering = ["-is_medical_home_lead", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["child"],
                condition=models.Q(is_medical_home_lead=True),
                name="one_medical_home_lead_per_child",
            )
        ]
        indexes = [models.Index(fields=["user", "child"])]
        verbose_name = _("care team member")
        verbose_name_plural = _("care team members")

    def __str__(self) -> str:
        return self.name

    @property
    def has_account(self) -> bool:
        return self.user_id is not None


class PracticeEnrollment(Grant):
    """The family chose this practice as the child's medical home; its staff get the scopes."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="enrollments")
    practice = models.ForeignKey(
        "accounts.Practice", on_delete=models.CASCADE, related_name="enrollments"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["practice", "child"])]
        verbose_name = _("practice enrollment")
        verbose_name_plural = _("practice enrollments")

    def __str__(self) -> str:
        return f"{self.child} @ {self.practice}"


class Invitation(ScopedMixin, models.Model):
    class Kind(models.TextChoices):
        GUARDIAN = "guardian", _("another parent or guardian (full control)")
        CAREGIVER = "caregiver", _("caregiver (grandparent, babysitter, foster parent)")
        TEAM = "team", _("care team member (doctor, nurse, therapist, school)")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    kind = models.CharField(_("who is this"), max_length=20, choices=Kind.choices)
    team_role = models.CharField(
        _("role on the team"), max_length=30, choices=CareTeamMember.Role.choices, blank=True
    )
    team_member = models.ForeignKey(
        CareTeamMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations"
    )
    scopes = models.CharField(max_length=200, blank=True)
    can_write = models.BooleanField(default=False)
    grant_ends_on = models.DateField(null=True, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField()
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.child}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def is_pending(self) -> bool:
        return (
            self.accepted_at is None
            and self.cancelled_at is None
            and self.expires_at > timezone.now()
        )


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: object) -> int:
        raise PermissionError("The access log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:  # type: ignore[override]
        raise PermissionError("The access log is append-only.")

    def bulk_update(self, *args: object, **kwargs: object) -> int:  # type: ignore[override]
        raise PermissionError("The access log is append-only.")


class AccessEvent(models.Model):
    """One access to a child's data or one change [AuditEvent].

    Append-only and hash-chained: each row's ``hash`` is an HMAC (keyed with
    ``AUDIT_KEY``, held outside the database) of its content and the previous
    row's hash, so a row changed or removed in SQL breaks the chain from that
    row on, and cannot be re-chained without the key (``manage.py
    audit_verify``). Heads anchored outside the database catch rows cut from
    the end and restores of older copies (``audit_verify --anchors``).
    """

    class Verb(models.TextChoices):
        VIEW = "view", _("viewed")
        CREATE = "create", _("added")
        UPDATE = "update", _("changed")
        DELETE = "delete", _("deleted")
        DOWNLOAD = "download", _("downloaded")
        EXPORT = "export", _("exported")
        SHARE = "share", _("shared")
        REVOKE = "revoke", _("stopped sharing")
        INVITE = "invite", _("invited")
        ACCEPT = "accept", _("accepted an invitation")
        IMPORT = "import", _("imported records")
        API = "api", _("read through a health app (FHIR API)")

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(max_length=254)
    verb = models.CharField(max_length=20, choices=Verb.choices)
    child = models.ForeignKey(
        Child,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="access_events",
    )
    what = models.CharField(max_length=100)
    target_uuid = models.CharField(max_length=36, blank=True)
    ip = models.GenericIPAddressField(null=True)
    user_agent = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["child", "-id"])]
        verbose_name = _("access event")
        verbose_name_plural = _("access events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.verb} {self.what}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise PermissionError("The access log is append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError("The access log is append-only.")

    def compute_hash(self, key: bytes | None = None) -> str:
        """HMAC-SHA256 of the row's content and the previous hash.

        Keyed with ``AUDIT_KEY``, which is kept outside the database: someone
        who can write to the database but does not hold the key cannot
        rebuild a chain that verifies.
        """
        if key is None:
            key = settings.AUDIT_KEY.encode()
        return hmac.new(key, self.hash_payload(), hashlib.sha256).hexdigest()

    def hash_payload(self) -> bytes:
        payload = {
            "at": self.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor": self.actor_id,
            "actor_label": self.actor_label,
            "verb": self.verb,
            "child": self.child_id,
            "what": self.what,
            "target": self.target_uuid,
            "ip": self.ip,
            "ua": self.user_agent,
            "data": self.data,
            "prev": self.prev_hash,
        }
        return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()


class AuditHead(models.Model):
    """The newest link of the chain; locked while a row is appended.

    ``anchored_event_id`` and ``anchored_at`` say when the head was last
    written to the anchor file outside the database (children/audit.py).
    """

    GENESIS = "0" * 64

    last_hash = models.CharField(max_length=64, default=GENESIS)
    last_event_id = models.BigIntegerField(default=0)
    last_at = models.DateTimeField(null=True)
    anchored_event_id = models.BigIntegerField(default=0)
    anchored_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return self.last_hash
