"""The audit trail: every read of a child's pages, every write, download and
sharing change becomes one ``AccessEvent``.

Calls are explicit (never signals). The request context (address, browser) is
set once per request by ``AuditContextMiddleware`` so services can record
"from where" without taking the request.
"""

from __future__ import annotations

import contextvars
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .models import AccessEvent, AuditHead, Child


@dataclass(frozen=True)
class RequestContext:
    ip: str | None
    user_agent: str


_context: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "homebase_audit_context", default=None
)


def _address(raw: str) -> str | None:
    """The address as the database will give it back (PostgreSQL normalizes IPv6)."""
    try:
        return ipaddress.ip_address(raw.split("%")[0]).compressed
    except ValueError:
        return None


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _context.set(
            RequestContext(
                ip=request.META.get("REMOTE_ADDR") or None,
                # NUL bytes cannot be stored in PostgreSQL text.
                user_agent=request.META.get("HTTP_USER_AGENT", "").replace("\x00", "")[:200],
            )
        )
        try:
            return self.get_response(request)
        finally:
            _context.reset(token)


def audit_record(
    *,
    actor: Any,
    verb: str,
    child: Child | None = None,
    what: str,
    target: models.Model | None = None,
    **data: Any,
) -> AccessEvent:
    """Append one event to the hash chain.

    ``actor`` is a user, or a string naming a system actor ("system:load_demo").
    """
    ctx = _context.get() or RequestContext(ip=None, user_agent="")
    if isinstance(actor, str):
        actor_obj, label = None, actor
    elif actor is None or not getattr(actor, "is_authenticated", False):
        actor_obj, label = None, "anonymous"
    else:
        actor_obj, label = actor, actor.email
    target_uuid = str(getattr(target, "uuid", "")) if target is not None else ""
    head_table = connection.ops.quote_name(AuditHead._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with transaction.atomic(), connection.cursor() as cursor:
        # Locking the head row serializes appends on PostgreSQL; SQLite's
        # IMMEDIATE transactions already do.
        cursor.execute(f"SELECT last_hash FROM {head_table} WHERE id = 1{lock}")  # noqa: S608
        row = cursor.fetchone()
        if row is None:
            # Seeded by a migration. Only an empty log may start a new chain;
            # a missing head with events present means someone removed it.
            if AccessEvent.objects.exists():
                raise RuntimeError("The access log's head row is missing: run audit_verify.")
            AuditHead.objects.create(pk=1)
            row = (AuditHead.GENESIS,)
        event = AccessEvent(
            at=timezone.now(),
            actor=actor_obj,
            actor_label=label,
            verb=verb,
            child=child,
            what=what,
            target_uuid=target_uuid,
            ip=_address(ctx.ip or ""),
            user_agent=ctx.user_agent,
            data={k: str(v) for k, v in data.items()},
            prev_hash=row[0],
        )
        event.hash = event.compute_hash()
        event.save(force_insert=True)
        cursor.execute(f"UPDATE {head_table} SET last_hash = %s WHERE id = 1", [event.hash])  # noqa: S608
    return event


@dataclass(frozen=True)
class ChainProblem:
    event_id: int
    reason: str


def audit_verify() -> tuple[int, ChainProblem | None]:
    """Walk the chain in order; return the count checked and the first problem."""
    prev = AuditHead.GENESIS
    count = 0
    for event in AccessEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != prev:
            return count, ChainProblem(event.id, "does not follow the row before it")
        if event.compute_hash() != event.hash:
            return count, ChainProblem(event.id, "content does not match its hash")
        prev = event.hash
        count += 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is None:
        return count, ChainProblem(0, "the head row is missing (rows were removed from the end)")
    if head.last_hash != prev:
        return count, ChainProblem(0, "rows were removed from the end of the log")
    return count, None


def audit_children(actor: Any, children: Any, what: str) -> None:
    """One "view" event for each child shown on a page that lists several children's items."""
    for child in sorted(children, key=lambda c: c.pk):
        audit_record(actor=actor, verb="view", child=child, what=what)
