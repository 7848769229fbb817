import hashlib
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: object) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create(email, password, **extra)


class Language(models.TextChoices):
    # Each language is named in itself, so a reader always finds their own.
    EN = "en", "English"
    ES = "es", "Español"


class User(AbstractUser):
    """A person who signs in: parent, caregiver, clinician, clinic staff or operator."""

    username = None  # type: ignore[assignment]
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(
        _("preferred language"), max_length=5, choices=Language.choices, default=Language.EN
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []  # type: ignore[misc]
    objects = UserManager()  # type: ignore[assignment,misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or self.email


class Practice(models.Model):
    """A clinic or office: hours, after-hours and nurse lines, access details."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    address = models.TextField(_("address"), blank=True)
    phone = models.CharField(_("main phone"), max_length=40, blank=True)
    after_hours_phone = models.CharField(_("after-hours phone"), max_length=40, blank=True)
    nurse_line = models.CharField(_("nurse advice line"), max_length=40, blank=True)
    hours = models.TextField(
        _("opening hours"), blank=True, help_text=_("For example: Mon-Fri 8am-5pm, Sat 9am-noon.")
    )
    website = models.URLField(_("website"), blank=True)
    accepts_medicaid = models.BooleanField(_("accepts Medicaid"), default=False)
    wheelchair_accessible = models.BooleanField(_("wheelchair accessible"), default=False)
    accessibility_notes = models.TextField(
        _("physical accessibility"),
        blank=True,
        help_text=_("Parking, ramps, elevators, quiet rooms, changing tables for older children."),
    )
    languages = models.CharField(
        _("languages spoken"),
        max_length=200,
        blank=True,
        help_text=_("For example: English, Spanish."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("practice")
        verbose_name_plural = _("practices")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("accounts:practice-detail", args=[self.uuid])


class PracticeStaff(models.Model):
    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("care coordinator")
        NURSE = "nurse", _("nurse")
        REFERRAL = "referral", _("referral person")
        BILLING = "billing", _("billing person")
        CLINICIAN = "clinician", _("clinician")
        ADMIN = "admin", _("practice administrator")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practice_roles"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "user"], name="unique_practice_staff")
        ]
        verbose_name = _("practice staff member")
        verbose_name_plural = _("practice staff")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.practice})"


class PracticeInvitation(models.Model):
    """An invitation to join a practice's staff.

    Sent by the practice's administrators from the practice pages, or, for a
    practice's first administrator, by the operator with a recorded reason.
    The link works once, for that email, until it expires.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email address"))
    name = models.CharField(_("name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=PracticeStaff.Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_operator = models.BooleanField(default=False)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("practice staff invitation")
        verbose_name_plural = _("practice staff invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.practice}"

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
