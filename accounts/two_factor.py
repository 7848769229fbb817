"""Who must use two-step sign-in, and whether they have and used it.

Operators and practice staff see many children (staff: every child enrolled
at the practice), so a stolen password alone must not open those records:
they set up a second factor (an app code or a security key / passkey) before
anything else (``accounts.middleware.SecondFactorMiddleware``), cannot remove
their last one (``accounts.adapter.MFAAdapter``), and the operator pages
also want it used in the current session. Everyone else is offered it.
"""

from __future__ import annotations

from typing import Any

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.db.models import Exists, OuterRef
from django.http import HttpRequest

from .models import PracticeStaff, User

SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def second_factor_required(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff or user.is_superuser:
        return True
    return PracticeStaff.objects.filter(user=user, is_active=True).exists()


def has_second_factor(user: Any) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTORS).exists()


def needs_second_factor_setup(user: Any) -> bool:
    """Required and not set up yet, in one query (this runs on every signed-in request)."""
    if not getattr(user, "is_authenticated", False):
        return False
    factor = Authenticator.objects.filter(user_id=OuterRef("pk"), type__in=SECOND_FACTORS)
    if user.is_staff or user.is_superuser:
        return not User.objects.filter(pk=user.pk).filter(Exists(factor)).exists()
    staff = PracticeStaff.objects.filter(user_id=OuterRef("pk"), is_active=True)
    return User.objects.filter(pk=user.pk).filter(Exists(staff), ~Exists(factor)).exists()


def used_second_factor(request: HttpRequest) -> bool:
    """The person confirmed this session with a second factor (at sign-in or since)."""
    records = get_authentication_records(request, request.user)  # type: ignore[arg-type]
    return any(record.get("method") == "mfa" for record in records)
