"""Care meetings: planning, the agenda, and recording what was decided.

Same invariants as ``children.services``: the caller has authorized the
actor through ``access``; every write is one transaction with ``full_clean()``
and an audit event; a stale version is refused (``ConcurrentEdit``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from children.models import CareTeamMember, Child, Guardianship
from children.services import item_create, item_delete, item_move, item_update

from ..models import AgendaItem, Meeting

SOURCES = ("task", "referral", "goal")


@transaction.atomic
def meeting_save(
    *,
    actor: Any,
    child: Child,
    meeting: Meeting,
    version: int | None,
    attendees: list[CareTeamMember],
    family: list[Guardianship],
) -> Meeting:
    """Create or update the meeting and who comes to it."""
    people: list[Any] = [*attendees, *family]
    if any(p.child_id != child.pk for p in people):
        raise ValidationError(_("Only people on this child's record can be invited."))
    if meeting.pk is None:
        meeting = item_create(actor=actor, child=child, item=meeting)
    else:
        assert version is not None
        meeting = item_update(actor=actor, item=meeting, version=version)
    meeting.attendees.set(attendees)
    meeting.family_attendees.set(family)
    return meeting


def _agenda_text(kind: str, source: Any) -> str:
    if kind == "referral":
        return _("Referral to %(to)s") % {"to": source.to_specialty}
    if kind == "goal":
        return (_("Goal: %(goal)s") % {"goal": source.text})[:300]
    return str(source)[:300]


def _next_position(meeting: Meeting) -> int:
    return (meeting.agenda.aggregate(last=Max("position"))["last"] or 0) + 1


@transaction.atomic
def meeting_agenda_set(
    *,
    actor: Any,
    meeting: Meeting,
    version: int,
    chosen: dict[str, list[Any]],
    offered: dict[str, list[Any]],
    extra: list[str],
) -> list[AgendaItem]:
    """Make the agenda match what was ticked, and add the typed-in items.

    Only items whose source was offered on the form are removed when unticked:
    a task done since then keeps its place on the agenda.
    """
    item_update(actor=actor, item=meeting, version=version)
    existing = list(meeting.agenda.select_for_update())
    added = []
    position = _next_position(meeting)
    for kind in SOURCES:
        on_agenda = {getattr(i, f"{kind}_id"): i for i in existing if getattr(i, f"{kind}_id")}
        ticked = {s.pk: s for s in chosen.get(kind, [])}
        for source in offered.get(kind, []):
            if source.pk in on_agenda and source.pk not in ticked:
                item_delete(actor=actor, item=on_agenda[source.pk])
        for pk, source in ticked.items():
            if pk not in on_agenda:
                if source.child_id != meeting.child_id:
                    raise ValidationError(_("This item belongs to another child."))
                item = AgendaItem(
                    meeting=meeting, text=_agenda_text(kind, source), position=position
                )
                setattr(item, kind, source)
                added.append(item_create(actor=actor, child=meeting.child, item=item))
                position += 1
    for text in extra:
        item = AgendaItem(meeting=meeting, text=text, position=position)
        added.append(item_create(actor=actor, child=meeting.child, item=item))
        position += 1
    return added


@transaction.atomic
def agenda_item_move(*, actor: Any, item: AgendaItem, up: bool) -> None:
    """Swap the item with its neighbour on the agenda."""
    item_move(actor=actor, item=item, siblings=item.meeting.agenda.all(), up=up)
