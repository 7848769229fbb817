"""Writes to a child's record, and sharing.

Invariants:

* Every function takes an ``actor`` that the caller has already authorized
  through ``access``; none turns a raw id from a request into child data.
* Every write runs in one transaction, calls ``full_clean()`` and appends an
  ``AccessEvent``; a failure leaves nothing half-written.
* Updates carry the version the person started from; a stale version is
  refused with ``ConcurrentEdit`` instead of overwriting someone else's change.
* Only owners share and revoke (enforced by ``access`` in the views); a revoked
  grant stops working on the next request.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import access
from .audit import audit_record
from .models import (
    CareTeamMember,
    Child,
    Guardianship,
    Invitation,
    PracticeEnrollment,
    scopes_to_text,
)

INVITATION_DAYS = 14


class ConcurrentEdit(Exception):
    """Someone else saved this item after the person opened it."""


def _what(item: models.Model) -> str:
    return item._meta.model_name or "item"


GRANT_FIELDS = frozenset({"scopes", "can_write", "starts_on", "ends_on", "revoked_at", "user"})


def _own_fields(item: models.Model) -> list[str]:
    """What an edit form may write: not the grant a team member row also carries."""
    return [
        f.name
        for f in item._meta.concrete_fields
        if not f.primary_key
        and f.name not in GRANT_FIELDS
        and f.name not in ("created_at", "created_by", "uuid")
    ]


@transaction.atomic
def item_create[T: models.Model](*, actor: Any, child: Child, item: T) -> T:
    item.child = child  # type: ignore[attr-defined]
    if hasattr(item, "created_by_id") and actor is not None and not isinstance(actor, str):
        item.created_by = actor  # type: ignore[attr-defined]
    item.full_clean()
    item.save()
    audit_record(actor=actor, verb="create", child=child, what=_what(item), target=item)
    return item


@transaction.atomic
def item_update[T: models.Model](*, actor: Any, item: T, version: int) -> T:
    """Save ``item`` if nobody saved it since ``version``; otherwise refuse."""
    item.full_clean()
    model = type(item)
    claimed = model._default_manager.filter(pk=item.pk, version=version).update(
        version=F("version") + 1
    )
    if not claimed:
        raise ConcurrentEdit
    item.version = version + 1  # type: ignore[attr-defined]
    item.save(update_fields=_own_fields(item))
    audit_record(
        actor=actor,
        verb="update",
        child=item.child,  # type: ignore[attr-defined]
        what=_what(item),
        target=item,
    )
    return item


@transaction.atomic
def item_delete(*, actor: Any, item: models.Model) -> None:
    child = item.child  # type: ignore[attr-defined]
    audit_record(actor=actor, verb="delete", child=child, what=_what(item), target=item)
    item.delete()


def item_move(*, actor: Any, item: Any, siblings: Any, up: bool) -> None:
    """Swap ``item`` with its neighbour among ``siblings`` (ordered by ``position``).

    For the family's order of priority: a visit's questions, a meeting's agenda.
    """
    rows = list(siblings.select_for_update().order_by("position", "id"))
    index = next(i for i, row in enumerate(rows) if row.pk == item.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(rows):
        return
    rows[index], rows[other] = rows[other], rows[index]
    for position, row in enumerate(rows, start=1):
        if row.position != position:
            type(row).objects.filter(pk=row.pk).update(position=position, version=F("version") + 1)
    audit_record(
        actor=actor, verb="update", child=item.child, what=item._meta.model_name, target=item
    )


@transaction.atomic
def child_create(*, actor: Any, child: Child, relationship: str = "parent") -> Child:
    """Add a child; the person who adds it becomes an owner."""
    child.full_clean()
    child.save()
    Guardianship.objects.create(
        child=child,
        user=actor,
        role=Guardianship.Role.OWNER,
        relationship=relationship,
        scopes=scopes_to_text(list(access.ALL_SCOPES)),
        can_write=True,
    )
    access.forget(actor)
    audit_record(actor=actor, verb="create", child=child, what="child", target=child)
    return child


def child_delete(*, actor: Any, child: Child) -> None:
    """Delete the whole record, its uploaded files included (after the commit).

    The access log keeps its rows: who saw the record stays answerable.
    """
    files = [(d.file.storage, d.file.name) for d in child.documents.all() if d.file.name]
    with transaction.atomic():
        audit_record(actor=actor, verb="delete", child=child, what="child", target=child)
        child.delete()
        for storage, name in files:
            transaction.on_commit(partial(storage.delete, name))


@transaction.atomic
def team_member_save(*, actor: Any, member: CareTeamMember, version: int | None) -> CareTeamMember:
    """Create or update a team member; marking a lead unmarks the previous one."""
    if member.is_medical_home_lead:
        others = member.child.team.filter(is_medical_home_lead=True).exclude(pk=member.pk)
        for other in others:
            other.is_medical_home_lead = False
            other.save(update_fields=["is_medical_home_lead"])
    if member.pk is None:
        return item_create(actor=actor, child=member.child, item=member)
    assert version is not None
    return item_update(actor=actor, item=member, version=version)


# Sharing -----------------------------------------------------------------


def _invitation_url(token: str, site_url: str | None) -> str:
    base = (site_url or settings.SITE_URL).rstrip("/")
    return base + reverse("children:invitation-accept", args=[token])


@transaction.atomic
def invitation_create(
    *,
    actor: Any,
    child: Child,
    email: str,
    kind: str,
    name: str = "",
    team_role: str = "",
    team_member: CareTeamMember | None = None,
    scopes: list[str],
    can_write: bool,
    grant_ends_on: date | None,
    site_url: str | None = None,
) -> tuple[Invitation, str]:
    """Invite someone by email; the link works once, for that email, for 14 days."""
    if kind != Invitation.Kind.GUARDIAN and not scopes:
        raise ValidationError(_("Choose at least one thing to share."))
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        child=child,
        email=email.strip().lower(),
        name=name,
        kind=kind,
        team_role=team_role,
        team_member=team_member,
        scopes=scopes_to_text(access.ALL_SCOPES if kind == Invitation.Kind.GUARDIAN else scopes),
        can_write=True if kind == Invitation.Kind.GUARDIAN else can_write,
        # A parent or guardian's access does not run out on a date.
        grant_ends_on=None if kind == Invitation.Kind.GUARDIAN else grant_ends_on,
        token_hash=Invitation.hash_token(token),
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
        invited_by=actor,
    )
    invitation.full_clean()
    invitation.save()
    audit_record(
        actor=actor,
        verb="invite",
        child=child,
        what="invitation",
        target=invitation,
        email=invitation.email,
        scopes=invitation.scopes,
    )
    context = {
        "inviter": actor.display_name,
        "child_first_name": child.preferred_name or child.first_name,
        "url": _invitation_url(token, site_url),
        "days": INVITATION_DAYS,
    }
    # The email says who invited and links to the site; it carries no health details.
    with translation.override(getattr(actor, "language", None) or settings.LANGUAGE_CODE):
        subject = _("%(inviter)s invited you to Homebase") % context
        body = render_to_string("children/email/invitation.txt", context)
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    )
    return invitation, token


class InvitationError(Exception):
    pass


def invitation_for_token(token: str) -> Invitation:
    try:
        return Invitation.objects.select_related("child").get(
            token_hash=Invitation.hash_token(token)
        )
    except Invitation.DoesNotExist:
        raise InvitationError(
            _("This invitation link is not valid. Check the link in your email.")
        ) from None


def invitation_check(invitation: Invitation, user: Any) -> None:
    """Raise InvitationError with a plain message when it cannot be accepted."""
    if invitation.accepted_at is not None:
        raise InvitationError(_("This invitation was already used. Ask the family for a new one."))
    if invitation.cancelled_at is not None:
        raise InvitationError(_("The family cancelled this invitation."))
    if invitation.expires_at <= timezone.now():
        raise InvitationError(_("This invitation has expired. Ask the family to send a new one."))
    if user.email.lower() != invitation.email.lower():
        raise InvitationError(
            _(
                "This invitation was sent to %(email)s. Sign in with that email address "
                "to accept it."
            )
            % {"email": invitation.email}
        )


@transaction.atomic
def invitation_accept(*, actor: Any, invitation: Invitation) -> models.Model:
    """Turn an invitation into a live grant for ``actor``."""
    # Lock the row so that two clicks cannot both accept it.
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    invitation_check(invitation, actor)
    child = invitation.child
    grant: models.Model
    if invitation.kind in (Invitation.Kind.GUARDIAN, Invitation.Kind.CAREGIVER):
        role = (
            Guardianship.Role.OWNER
            if invitation.kind == Invitation.Kind.GUARDIAN
            else Guardianship.Role.CAREGIVER
        )
        Guardianship.objects.filter(child=child, user=actor, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        grant = Guardianship.objects.create(
            child=child,
            user=actor,
            role=role,
            relationship=Guardianship.Relationship.PARENT
            if role == Guardianship.Role.OWNER
            else Guardianship.Relationship.OTHER,
            scopes=invitation.scopes,
            can_write=invitation.can_write,
            ends_on=invitation.grant_ends_on,
        )
    else:
        if invitation.team_member_id is not None:
            locked = CareTeamMember.objects.select_for_update().get(pk=invitation.team_member_id)
            if locked.user_id not in (None, actor.pk) and locked.revoked_at is None:
                raise InvitationError(
                    _(
                        "This team member already has access through another account. Ask the family."
                    )
                )
            invitation.team_member = locked
        member = invitation.team_member or CareTeamMember(
            child=child,
            name=invitation.name or actor.display_name,
            role=invitation.team_role or CareTeamMember.Role.OTHER,
            email=invitation.email,
        )
        member.user = actor
        member.scopes = invitation.scopes
        member.can_write = invitation.can_write
        member.starts_on = timezone.localdate()
        member.ends_on = invitation.grant_ends_on
        member.revoked_at = None
        if member.pk is None:
            member.created_by = invitation.invited_by
            member.child = child
        member.full_clean()
        member.save()
        grant = member
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = actor
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    access.forget(actor)
    audit_record(
        actor=actor,
        verb="accept",
        child=child,
        what="invitation",
        target=invitation,
        scopes=invitation.scopes,
    )
    return grant


@transaction.atomic
def invitation_cancel(*, actor: Any, invitation: Invitation) -> None:
    invitation.cancelled_at = timezone.now()
    invitation.save(update_fields=["cancelled_at"])
    audit_record(
        actor=actor, verb="revoke", child=invitation.child, what="invitation", target=invitation
    )


@transaction.atomic
def grant_revoke(*, actor: Any, grant: Guardianship | CareTeamMember | PracticeEnrollment) -> None:
    """Stop a grant now. The team member stays on the team list, without access."""
    child = grant.child
    if isinstance(grant, Guardianship) and grant.role == Guardianship.Role.OWNER:
        # Lock the owners first: two owners removing each other at once must
        # not both succeed (PostgreSQL; SQLite's IMMEDIATE mode serializes).
        owners = list(
            child.guardianships.live().filter(role=Guardianship.Role.OWNER).select_for_update()
        )
        if not any(o.pk != grant.pk and o.ends_on is None for o in owners):
            raise ValidationError(_("A child's record needs at least one parent or guardian."))
    changes: dict[str, Any] = {"revoked_at": timezone.now()}
    if isinstance(grant, CareTeamMember):
        changes["version"] = F("version") + 1  # an edit opened before this must not undo it
    type(grant).objects.filter(pk=grant.pk).update(**changes)
    grant.revoked_at = timezone.now()
    audit_record(
        actor=actor,
        verb="revoke",
        child=child,
        what=grant._meta.model_name or "grant",
        target=grant,
        person=str(getattr(grant, "user", "") or getattr(grant, "practice", "")),
    )


@transaction.atomic
def grant_update(
    *,
    actor: Any,
    grant: CareTeamMember | Guardianship | PracticeEnrollment,
    scopes: list[str],
    can_write: bool,
    ends_on: date | None,
) -> None:
    """Change what a live grant covers (owners cannot be narrowed)."""
    grant.scopes = scopes_to_text(scopes)
    grant.can_write = can_write
    grant.ends_on = ends_on
    grant.save(update_fields=["scopes", "can_write", "ends_on"])
    audit_record(
        actor=actor,
        verb="share",
        child=grant.child,
        what=grant._meta.model_name or "grant",
        target=grant,
        scopes=grant.scopes,
        can_write=can_write,
        ends_on=ends_on or "",
    )


@transaction.atomic
def practice_enroll(
    *,
    actor: Any,
    child: Child,
    practice: Any,
    scopes: list[str],
    can_write: bool,
    ends_on: date | None,
) -> PracticeEnrollment:
    """The family chooses a practice as the child's medical home.

    Choosing the same practice again changes its live grant instead of adding
    a second one (two grants would survive one "stop sharing").
    """
    enrollment = child.enrollments.live().filter(practice=practice).first() or PracticeEnrollment(
        child=child, practice=practice, created_by=actor
    )
    enrollment.scopes = scopes_to_text(scopes)
    enrollment.can_write = can_write
    enrollment.ends_on = ends_on
    enrollment.full_clean()
    enrollment.save()
    audit_record(
        actor=actor,
        verb="share",
        child=child,
        what="practiceenrollment",
        target=enrollment,
        practice=practice.name,
        scopes=enrollment.scopes,
    )
    return enrollment
