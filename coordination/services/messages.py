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
from children.models import CareTeamMember, Child
from children.services import item_create

from ..models import Message, Thread, ThreadRead


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
    an ORM query compiled per request; which threads count is
    ``access.visible_threads_sql``, compiled from the rule itself, and a
    property test checks the count against ``unread_total_orm``.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return 0
    sql, constants = _unread_sql(connection.vendor)
    today = connection.ops.adapt_datefield_value(timezone.localdate())
    with connection.cursor() as cursor:
        cursor.execute(sql, {**constants, "user": user.pk, "today": today})
        return int(cursor.fetchone()[0])


def unread_total_orm(user: Any) -> int:
    """The same count through the ORM and ``access.visible_threads`` (the rule itself)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return _unread_messages(user).filter(thread__in=access.visible_threads(user)).count()


@lru_cache(maxsize=4)
def _unread_sql(vendor: str) -> tuple[str, dict[str, Any]]:
    """Table names come from the models' metadata, never from a request."""
    q = connection.ops.quote_name
    message, read = q(Message._meta.db_table), q(ThreadRead._meta.db_table)
    visible, constants = access.visible_threads_sql(vendor)
    sql = (
        f"SELECT COUNT(*) FROM {message} m "  # noqa: S608
        f"LEFT JOIN {read} r ON r.thread_id = m.thread_id AND r.user_id = %(user)s "
        "WHERE (m.author_id IS NULL OR m.author_id <> %(user)s) "
        "AND (r.last_read_at IS NULL OR m.created_at > r.last_read_at) "
        f"AND m.thread_id IN ({visible})"
    )
    return sql, constants


def _recipients(thread: Thread, author: Any) -> list[Any]:
    """Who is told: other participants with an account, and the owners when a team member writes."""
    people = {
        member.user
        for member in thread.participants.live()
        .filter(user__isnull=False, user__is_active=True)
        .select_related("user")
    }
    if not access.is_guardian(author, thread.child_id):
        people |= {g.user for g in access.owners_to_tell(thread.child_id).select_related("user")}
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
