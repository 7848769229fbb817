"""A practice's staff: who works there, and so who sees the children enrolled there.

Invariants:

* Staff join only by accepting an emailed invitation, signed in with that
  email. A practice's administrators invite from the practice pages; the
  operator can only invite a practice's administrator, from /operator/, and
  must give a reason, which is recorded. Nobody adds a person to a staff
  list directly.
* Only a practice's active administrators manage its staff (invite, change a
  role, deactivate, reactivate, cancel an invitation); an operator account
  never does, here (``is_practice_admin``).
* A practice keeps at least one active administrator.
* Every change is in the chained access log (``accounts.hooks.account_change``):
  one event for the practice, and one on the page of each child enrolled at
  the practice, so families see who joined or left the staff that can open
  their child's record, and who let them in.
* Each function runs in one transaction; invitation emails go out after the
  commit, never inside it.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import hooks
from .models import Practice, PracticeInvitation, PracticeStaff, User

INVITATION_DAYS = 14
Role = PracticeStaff.Role


class StaffInvitationError(Exception):
    pass


def is_practice_admin(user: Any, practice: Practice) -> bool:
    if not getattr(user, "is_authenticated", False) or user.is_staff or not user.is_active:
        return False
    return PracticeStaff.objects.filter(
        practice=practice, user=user, role=Role.ADMIN, is_active=True
    ).exists()


def _invitation_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("accounts:staff-invitation", args=[token])


@transaction.atomic
def staff_invite(
    *,
    actor: User,
    practice: Practice,
    email: str,
    role: str,
    name: str = "",
    reason: str = "",
    by_operator: bool = False,
) -> tuple[PracticeInvitation, str]:
    """Invite someone to the staff; an earlier pending invitation for that email ends."""
    email = email.strip().lower()
    if by_operator and (role != Role.ADMIN or not reason.strip()):
        raise ValidationError(_("The operator invites only an administrator, with a reason."))
    if practice.staff.filter(user__email__iexact=email, is_active=True).exists():
        raise ValidationError(_("This person is already on the staff."))
    token = secrets.token_urlsafe(32)
    invitation = PracticeInvitation(
        practice=practice,
        email=email,
        name=name.strip(),
        role=role,
        token_hash=PracticeInvitation.hash_token(token),
        invited_by=actor,
        by_operator=by_operator,
        reason=reason.strip(),
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    invitation.full_clean()
    with hooks.account_change(
        actor=actor,
        verb="invite",
        what="operator: practice administrator" if by_operator else "practice staff",
        target=invitation,
        # The operator's invitation is shown to the families at once: it is
        # how a new person would come to see their children's records.
        practices=[practice] if by_operator else [],
        person=email,
        role=role,
        practice=practice.name,
        **({"reason": invitation.reason} if by_operator else {}),
    ):
        practice.invitations.filter(
            email=email, accepted_at__isnull=True, cancelled_at__isnull=True
        ).update(cancelled_at=timezone.now())
        invitation.save()
    context = {
        "inviter": _("The Homebase operator") if by_operator else actor.display_name,
        "practice": practice.name,
        "role": invitation.get_role_display(),
        "url": _invitation_url(token),
        "days": INVITATION_DAYS,
    }
    with translation.override(getattr(actor, "language", None) or settings.LANGUAGE_CODE):
        subject = _("Join %(practice)s on Homebase") % context
        body = render_to_string("accounts/email/staff_invitation.txt", context)
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    )
    return invitation, token


def staff_invitation_for_token(token: str) -> PracticeInvitation:
    try:
        return PracticeInvitation.objects.select_related("practice", "invited_by").get(
            token_hash=PracticeInvitation.hash_token(token)
        )
    except PracticeInvitation.DoesNotExist:
        raise StaffInvitationError(
            _("This invitation link is not valid. Check the link in your email.")
        ) from None


def staff_invitation_check(invitation: PracticeInvitation, user: Any) -> None:
    """Raise StaffInvitationError with a plain message when it cannot be accepted."""
    if invitation.accepted_at is not None:
        raise StaffInvitationError(_("This invitation was already used. Ask for a new one."))
    if invitation.cancelled_at is not None:
        raise StaffInvitationError(_("This invitation was cancelled."))
    if invitation.expires_at <= timezone.now():
        raise StaffInvitationError(_("This invitation has expired. Ask for a new one."))
    if user.is_staff:
        raise StaffInvitationError(
            _("An operator account cannot join a practice's staff. Use another account.")
        )
    if user.email.lower() != invitation.email.lower():
        raise StaffInvitationError(
            _(
                "This invitation was sent to %(email)s. Sign in with that email address "
                "to accept it."
            )
            % {"email": invitation.email}
        )


@transaction.atomic
def staff_invitation_accept(*, actor: User, invitation: PracticeInvitation) -> PracticeStaff:
    """Join the staff (or come back to it) in the invitation's role."""
    invitation = PracticeInvitation.objects.select_for_update().get(pk=invitation.pk)
    staff_invitation_check(invitation, actor)
    practice = invitation.practice
    data: dict[str, Any] = {
        "person": actor.email,
        "role": invitation.role,
        "practice": practice.name,
        "invited_by": (
            "operator" if invitation.by_operator else getattr(invitation.invited_by, "email", "")
        ),
    }
    if invitation.by_operator:
        data["reason"] = invitation.reason
    with hooks.account_change(
        actor=actor,
        verb="accept",
        what="practice staff",
        target=invitation,
        users=[actor],
        practices=[practice],
        **data,
    ):
        member = PracticeStaff.objects.filter(practice=practice, user=actor).first()
        member = member or PracticeStaff(practice=practice, user=actor)
        member.role = invitation.role
        member.is_active = True
        member.full_clean()
        member.save()
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = actor
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    return member


@transaction.atomic
def staff_invitation_cancel(*, actor: User, invitation: PracticeInvitation) -> None:
    with hooks.account_change(
        actor=actor,
        verb="revoke",
        what="practice staff invitation",
        target=invitation,
        person=invitation.email,
        practice=invitation.practice.name,
    ):
        invitation.cancelled_at = timezone.now()
        invitation.save(update_fields=["cancelled_at"])


def _keeps_an_admin(member: PracticeStaff, role: str, is_active: bool) -> bool:
    if role == Role.ADMIN and is_active:
        return True
    others = (
        PracticeStaff.objects.select_for_update()
        .filter(practice=member.practice, role=Role.ADMIN, is_active=True)
        .exclude(pk=member.pk)
    )
    return len(others) > 0


@transaction.atomic
def staff_update(*, actor: User, member: PracticeStaff, role: str, is_active: bool) -> None:
    """Change a staff member's role, or deactivate or reactivate them."""
    if (member.role, member.is_active) == (role, is_active):
        return
    if not _keeps_an_admin(member, role, is_active):
        raise ValidationError(_("A practice needs at least one active administrator."))
    verb = "update"
    if is_active != member.is_active:
        verb = "share" if is_active else "revoke"
    old_role = member.role
    with hooks.account_change(
        actor=actor,
        verb=verb,
        what="practice staff",
        target=member,
        users=[member.user],
        practices=[member.practice],
        person=member.user.email,
        role=role,
        practice=member.practice.name,
        **({"was": old_role} if role != member.role else {}),
    ):
        member.role = role
        member.is_active = is_active
        member.full_clean()
        member.save(update_fields=["role", "is_active"])
