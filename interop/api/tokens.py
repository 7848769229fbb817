"""Personal access tokens for the FHIR API: scopes, the form, the services.

* A token is shown once, when it is made; only its SHA-256 is stored.
* Its FHIR scopes (``patient/*.read``, ``patient/<Type>.read``) only narrow
  what its owner sees: the owner's grant is checked on every call
  (``token_is_live``), so a token dies with the grant.
* Making and stopping a token are audited.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from django import forms
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from children import access
from children.audit import audit_record
from children.models import Child

from ..models import ApiToken
from .kinds import KINDS

ALL = "patient/*.read"
PREFIX = "hb_fhir_"
MAX_DAYS = 365
TOUCH_EVERY = timedelta(minutes=1)
_SCOPE = re.compile(r"^patient/(?P<type>\*|[A-Za-z]+)\.read$")

# What each type holds, in a parent's words (the checkbox labels).
TYPE_WORDS = {
    "Patient": _("Name, date of birth, sex and language"),
    "Condition": _("Health problems"),
    "AllergyIntolerance": _("Allergies"),
    "MedicationStatement": _("Medicines"),
    "Immunization": _("Immunizations"),
    "Observation": _("Measurements (weight, height...)"),
    "Encounter": _("Past visits"),
    "Appointment": _("Coming visits"),
    "Coverage": _("Insurance"),
    "DocumentReference": _("List of documents (not the files)"),
    "Device": _("Medical equipment"),
    "PractitionerRole": _("Care team"),
    "CarePlan": _("Care plan"),
    "Goal": _("Care plan goals"),
    "Task": _("Tasks"),
    "ServiceRequest": _("Referrals"),
}


def scope_of(type_name: str) -> str:
    return f"patient/{type_name}.read"


def types_of(scopes: str) -> frozenset[str]:
    """The resource types a token's scopes (space-separated) open."""
    found: set[str] = set()
    for scope in scopes.split():
        match = _SCOPE.match(scope)
        if match is None:
            continue
        name = match["type"]
        found |= set(KINDS) if name == "*" else {name} & set(KINDS)
    return frozenset(found)


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def _last_moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


def token_is_live(token: ApiToken, now: datetime | None = None) -> bool:
    """Not stopped, not expired, and its owner still holds a live grant on the child."""
    now = now or timezone.now()
    if token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        return False
    return token.user.is_active and access.can(token.user, access.RECORD_VIEW, token.child)


def token_for(raw: str) -> ApiToken | None:
    """The token row this secret names (live or not), or None."""
    if not raw.startswith(PREFIX):
        return None
    return (
        ApiToken.objects.select_related("user", "child")
        .filter(token_hash=ApiToken.hash_token(raw))
        .first()
    )


def token_touch(token: ApiToken) -> None:
    """Remember when the token was last used, writing at most once a minute."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def tokens_of(user: Any, child: Child) -> QuerySet[ApiToken]:
    """The tokens ``user`` made for ``child`` (each person sees only their own)."""
    return ApiToken.objects.filter(user=user, child=child)


@transaction.atomic
def token_create(
    *, actor: Any, child: Child, name: str, scopes: list[str], expires_on: date | None = None
) -> tuple[ApiToken, str]:
    """Make a token for ``child`` (already authorized); return it and its secret, shown once."""
    raw = new_token()
    wanted = [ALL] if ALL in scopes else [s for s in scopes if types_of(s)]
    token = ApiToken(
        user=actor,
        child=child,
        name=name,
        token_hash=ApiToken.hash_token(raw),
        scopes=" ".join(wanted),
        expires_at=_last_moment(expires_on) if expires_on else None,
    )
    token.full_clean()
    token.save()
    audit_record(
        actor=actor,
        verb="create",
        child=child,
        what="FHIR API token",
        target=token,
        name=name,
        scopes=token.scopes,
        expires=expires_on.isoformat() if expires_on else "",
    )
    return token, raw


@transaction.atomic
def token_revoke(*, actor: Any, token: ApiToken) -> None:
    """Stop a token at once (stopping it twice changes nothing)."""
    if token.revoked_at is not None:
        return
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        verb="revoke",
        child=token.child,
        what="FHIR API token",
        target=token,
        name=token.name,
    )


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("What it is for"),
        max_length=100,
        help_text=_("For example, the name of the app. Only you see it."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("What the app may read"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The app never sees more than you can see yourself."),
    )
    expires_on = forms.DateField(
        label=_("Stops working after"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty to keep it until you stop it. At most one year from today."),
    )

    def __init__(self, *args: Any, perms: frozenset[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = [(ALL, _("Everything you can see"))]
        for name, kind in KINDS.items():
            words = f"{TYPE_WORDS[name]} ({name})"
            shown = kind.model is Child or access.can_view(perms, kind.model)
            if not shown:
                words = _("%(words)s: not shared with you now") % {"words": words}
            choices.append((scope_of(name), words))
        cast(forms.MultipleChoiceField, self.fields["scopes"]).choices = choices

    def clean_expires_on(self) -> date | None:
        day = self.cleaned_data["expires_on"]
        today = timezone.localdate()
        if day is None:
            return None
        if day <= today:
            raise forms.ValidationError(_("Choose a date after today."))
        if day > today + timedelta(days=MAX_DAYS):
            raise forms.ValidationError(_("Choose a date at most one year from today."))
        return day
