"""Messages between the family and the care team.

Invariants:

* The caller has authorized the actor through ``access``: ``messages.edit``
  to start a thread, ``access.visible_threads`` to reply or mark read.
* Every write is one transaction with ``full_clean()`` and an audit event
  (``item_create``); the audit event names the thread, never its text.
* A thread is addressed only to the child's own team members; a team member
  who starts one is a participant, so they keep seeing it.
* Notification emails say only that something is waiting, with a link to
  sign in. They never carry the child's name, the subject or the message:
  email is not a safe place for health details. They are sent after the
  commit, once per person, in that person's language.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from children import access
from children.models import CareTeamMember, Child, Guardianship
from children.services import item_create

from .models import Message, Thread, ThreadRead


@transaction.atomic
def thread_create(
    *,
    actor: Any,
    child: Child,
    subject: str,
    kind: str,
    participants: Iterable[CareTeamMember],
    body: str,
    site_url: str | None = None,
) -> Thread:
    """Start a thread with its first message."""
    chosen = list(participants)
    if not chosen:
        raise ValidationError(_("Choose at least one person to write to."))
    if any(member.child_id != child.pk for member in chosen):
        raise ValidationError(_("Choose people from this child's care team."))
    # The writer's own team grant joins the thread, or they could not read it.
    own = access.message_grants(actor, child)
    thread = item_create(
        actor=actor,
        child=child,
        item=Thread(subject=subject, kind=kind, last_message_at=timezone.now()),
    )
    thread.participants.set([*chosen, *own])
    message_add(actor=actor, thread=thread, body=body, site_url=site_url)
    return thread


@transaction.atomic
def message_add(*, actor: Any, thread: Thread, body: str, site_url: str | None = None) -> Message:
    """Add a message; the writer has read everything up to it; the others get an email."""
    message = item_create(
        actor=actor,
        child=thread.child,
        item=Message(thread=thread, author=actor, author_name=actor.display_name, body=body),
    )
    Thread.objects.filter(pk=thread.pk).update(last_message_at=message.created_at)
    thread.last_message_at = message.created_at
    thread_mark_read(actor=actor, thread=thread, at=message.created_at)
    _notify(thread=thread, author=actor, site_url=site_url)
    return message


def thread_mark_read(*, actor: Any, thread: Thread, at: Any = None) -> None:
    """Remember that ``actor`` has read ``thread`` up to now.

    Not audited on its own: opening the thread is already recorded as a read.
    """
    ThreadRead.objects.update_or_create(
        thread=thread,
        user=actor,
        defaults={"last_read_at": at or timezone.now()},
        create_defaults={"last_read_at": at or timezone.now(), "child": thread.child},
    )


def threads_with_unread(threads: QuerySet[Thread], user: Any) -> QuerySet[Thread]:
    """Annotate ``unread``: messages by others since the user last opened the thread."""
    counts = (
        _unread_messages(user)
        .filter(thread=OuterRef("pk"))
        .order_by()
        .values("thread")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return threads.annotate(unread=Coalesce(Subquery(counts), 0, output_field=IntegerField()))


def _unread_messages(user: Any) -> QuerySet[Message]:
    read_at = ThreadRead.objects.filter(thread=OuterRef("thread"), user=user).values(
        "last_read_at"
    )[:1]
    return (
        Message.objects.exclude(author=user)
        .alias(read_at=Subquery(read_at))
        .filter(Q(read_at__isnull=True) | Q(created_at__gt=F("read_at")))
    )


def unread_total(user: Any) -> int:
    """Unread messages on every thread the user may read (one query, for the main menu).

    Every signed-in page asks this, so it is one fixed SQL statement instead of
    an ORM query compiled per request; ``unread_total_orm`` is the same rule
    through ``access.visible_threads``, and a property test checks they agree.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return 0
    today = connection.ops.adapt_datefield_value(timezone.localdate())
    params = {"user": user.pk, "today": today, "owner": Guardianship.Role.OWNER.value}
    params["scope"] = "%,messages,%"
    with connection.cursor() as cursor:
        cursor.execute(_unread_sql(connection.vendor), params)
        return int(cursor.fetchone()[0])


def unread_total_orm(user: Any) -> int:
    """The same count through the ORM and ``access.visible_threads`` (the rule itself)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return _unread_messages(user).filter(thread__in=access.visible_threads(user)).count()


@lru_cache(maxsize=4)
def _unread_sql(vendor: str) -> str:
    """Table names come from the models' metadata, never from a request."""
    q = connection.ops.quote_name
    message, thread = q(Message._meta.db_table), q(Thread._meta.db_table)
    read, guardian = q(ThreadRead._meta.db_table), q(Guardianship._meta.db_table)
    member = q(CareTeamMember._meta.db_table)
    through = Thread.participants.through._meta
    participants = q(through.db_table)
    live = "{0}.revoked_at IS NULL AND {0}.starts_on <= %(today)s AND ({0}.ends_on IS NULL OR {0}.ends_on >= %(today)s)"
    return (
        f"SELECT COUNT(*) FROM {message} m JOIN {thread} t ON t.id = m.thread_id "  # noqa: S608
        f"LEFT JOIN {read} r ON r.thread_id = m.thread_id AND r.user_id = %(user)s "
        "WHERE (m.author_id IS NULL OR m.author_id <> %(user)s) "
        "AND (r.last_read_at IS NULL OR m.created_at > r.last_read_at) "
        f"AND (t.child_id IN (SELECT g.child_id FROM {guardian} g WHERE g.user_id = %(user)s "
        f"AND {live.format('g')} AND (g.role = %(owner)s OR g.scopes LIKE %(scope)s)) "
        f"OR t.id IN (SELECT p.thread_id FROM {participants} p JOIN {member} c "
        "ON c.id = p.careteammember_id WHERE c.user_id = %(user)s AND c.child_id = t.child_id "
        f"AND {live.format('c')} AND c.scopes LIKE %(scope)s))"
    )


def _recipients(thread: Thread, author: Any) -> list[Any]:
    """Who is told: other participants with an account, and the owners when a team member writes."""
    people = {
        member.user
        for member in thread.participants.live()
        .filter(user__isnull=False, user__is_active=True)
        .select_related("user")
    }
    guardian = Guardianship.objects.live().filter(child=thread.child_id, user=author).exists()
    if not guardian:
        people |= {
            g.user
            for g in Guardianship.objects.live()
            .filter(child=thread.child_id, role=Guardianship.Role.OWNER, user__is_active=True)
            .select_related("user")
        }
    people.discard(author)
    # Only people who may open the thread: a revoked grant gets no email.
    return sorted((p for p in people if access.can_read_thread(p, thread)), key=lambda p: p.pk)


def _notify(*, thread: Thread, author: Any, site_url: str | None) -> None:
    base = (site_url or settings.SITE_URL).rstrip("/")
    url = base + reverse("coordination:thread-detail", args=[thread.child.uuid, thread.uuid])
    mails = []
    for person in _recipients(thread, author):
        with translation.override(person.language or settings.LANGUAGE_CODE):
            subject = _("You have a new message in Homebase")
            body = render_to_string("coordination/email/new_message.txt", {"url": url})
        mails.append((subject, body, person.email))

    def send() -> None:
        for subject, body, email in mails:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])

    if mails:
        transaction.on_commit(send)
