"""The audit trail: every read of a child's pages, every write, download and
sharing change, and every change an operator or a practice administrator
makes to who can see a child becomes one ``AccessEvent``.

Invariants:

* Calls are explicit (never signals). The request context (address, browser)
  is set once per request by ``AuditContextMiddleware`` so services can
  record "from where" without taking the request.
* The log is one hash chain. Each row's hash is an HMAC-SHA256 keyed with
  ``AUDIT_KEY``, which lives outside the database (environment or a file in
  var/): someone who can write to the database cannot change a row and
  rebuild a chain that verifies.
* Appends are serialized by locking the head row, and the head records the
  newest event id, hash and time.
* Every ``AUDIT_ANCHOR_EVERY`` events, and at least daily, the head is
  appended to an anchor file outside the database (and optionally mailed),
  only after the transaction commits: an anchor never names an event that
  was rolled back, and no file write or mail happens while the head is
  locked. ``audit_verify_anchors`` then catches a database that is behind
  an anchor (restored from an older copy, or rows cut from the end) or whose
  chain differs at one (rewritten by someone holding the key).
"""

from __future__ import annotations

import contextvars
import ipaddress
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, models, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .models import AccessEvent, AuditHead, Child, PracticeEnrollment

logger = logging.getLogger(__name__)

ANCHOR_MAX_AGE = timedelta(days=1)


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


def _actor(actor: Any) -> tuple[Any, str]:
    if isinstance(actor, str):
        return None, actor
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, "anonymous"
    return actor, actor.email


def _event(
    *,
    actor: Any,
    verb: str,
    child: Child | None,
    what: str,
    target: models.Model | None,
    data: dict[str, Any],
) -> AccessEvent:
    ctx = _context.get() or RequestContext(ip=None, user_agent="")
    actor_obj, label = _actor(actor)
    return AccessEvent(
        actor=actor_obj,
        actor_label=label,
        verb=verb,
        child=child,
        what=what,
        target_uuid=str(getattr(target, "uuid", "")) if target is not None else "",
        ip=_address(ctx.ip or ""),
        user_agent=ctx.user_agent,
        data={k: str(v) for k, v in data.items()},
    )


def _append(events: list[AccessEvent]) -> None:
    """Chain ``events`` after the head, under the head's lock, and move the head.

    Fixed SQL for the head (every logged page runs this): the ORM's query
    building doubled the cost of an append.
    """
    key = settings.AUDIT_KEY.encode()
    table = connection.ops.quote_name(AuditHead._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    with transaction.atomic(), connection.cursor() as cursor:
        # Locking the head row serializes appends on PostgreSQL; SQLite's
        # IMMEDIATE transactions already do.
        cursor.execute(
            f"SELECT last_hash, anchored_event_id, "  # noqa: S608
            f"anchored_at IS NULL OR anchored_at <= %s FROM {table} WHERE id = 1{lock}",
            [adapt(now - ANCHOR_MAX_AGE)],
        )
        row = cursor.fetchone()
        if row is None:
            # Seeded by a migration. Only an empty log may start a new chain;
            # a missing head with events present means someone removed it.
            if AccessEvent.objects.exists():
                raise RuntimeError("The access log's head row is missing: run audit_verify.")
            AuditHead.objects.create(pk=1)
            row = (AuditHead.GENESIS, 0, True)
        prev, anchored_id, anchor_old = row
        for event in events:
            event.at = now
            event.prev_hash = prev
            event.hash = event.compute_hash(key)
            prev = event.hash
        if len(events) == 1:
            events[0].save(force_insert=True)
        else:
            AccessEvent.objects.bulk_create(events)
        last = events[-1]
        assert last.pk is not None
        sets = "last_hash = %s, last_event_id = %s, last_at = %s"
        params: list[Any] = [last.hash, last.pk, adapt(now)]
        if anchor_old or last.pk - anchored_id >= max(settings.AUDIT_ANCHOR_EVERY, 1):
            sets += ", anchored_event_id = %s, anchored_at = %s"
            params += [last.pk, adapt(now)]
            transaction.on_commit(partial(anchor_write, last.pk, last.hash, now))
        cursor.execute(f"UPDATE {table} SET {sets} WHERE id = 1", params)  # noqa: S608


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
    event = _event(actor=actor, verb=verb, child=child, what=what, target=target, data=data)
    _append([event])
    return event


def audit_record_many(
    *,
    actor: Any,
    verb: str,
    children: Iterable[Child],
    what: str,
    target: models.Model | None = None,
    **data: Any,
) -> int:
    """The same event on each of ``children`` (one locked append, one insert)."""
    events = [
        _event(actor=actor, verb=verb, child=child, what=what, target=target, data=data)
        for child in sorted(children, key=lambda c: c.pk)
    ]
    if events:
        _append(events)
    return len(events)


def audit_children(actor: Any, children: Any, what: str) -> None:
    """One "view" event for each child shown on a page that lists several children's items."""
    audit_record_many(actor=actor, verb="view", children=children, what=what)


# Changes to accounts, practices and practice staff -------------------------


def _visible_ids(user_pk: Any) -> set[int]:
    from accounts.models import User

    from . import access

    user = User.objects.filter(pk=user_pk).first()
    if user is None:
        return set()
    return set(access.visible_children(user).values_list("pk", flat=True))


def _enrolled_ids(practice_pks: list[Any]) -> set[int]:
    if not practice_pks:
        return set()
    return set(
        PracticeEnrollment.objects.live()
        .filter(practice__in=practice_pks)
        .values_list("child_id", flat=True)
    )


@contextmanager
def account_change(
    *,
    actor: Any,
    verb: str,
    what: str,
    target: models.Model | None = None,
    users: Iterable[Any] = (),
    practices: Iterable[Any] = (),
    **data: Any,
) -> Iterator[None]:
    """Record a change made to accounts, practices or practice staff.

    Wraps the change in one transaction and writes, after it, one event
    without a child (the operator's own trail) and one on each child whose
    set of viewers it alters: the children that one of ``users`` could see
    before and not after, or after and not before, and every child enrolled
    at one of ``practices`` (staff changes). So a family's "Who has seen
    this" page says how a new person came to see the record, and who let
    them in. Registered as accounts' hook (accounts sits below children).
    """
    user_pks = [u.pk for u in users]
    practice_pks = [p.pk for p in practices]
    with transaction.atomic():
        before = {pk: _visible_ids(pk) for pk in user_pks}
        enrolled = _enrolled_ids(practice_pks)
        yield
        affected = set(enrolled) | _enrolled_ids(practice_pks)
        for pk in user_pks:
            affected |= before[pk] ^ _visible_ids(pk)
        audit_record(actor=actor, verb=verb, what=what, target=target, **data)
        audit_record_many(
            actor=actor,
            verb=verb,
            children=Child.objects.filter(pk__in=affected),
            what=what,
            target=target,
            **data,
        )


# Anchors outside the database -----------------------------------------------


def _anchor_path(path: str | os.PathLike[str] | None = None) -> Path:
    return Path(path or settings.AUDIT_ANCHOR_FILE)


def _append_line(path: Path, record: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(record, sort_keys=True) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)  # one short O_APPEND write: whole lines, even from several workers
        os.fsync(fd)
    finally:
        os.close(fd)


def anchor_write(seq: int, hash_: str, at: datetime, path: str | None = None) -> None:
    """Append the head to the anchor file, then mail it if an address is set.

    Runs after the commit (``transaction.on_commit``), never under the lock.
    A failure is logged, not raised: the page that caused it already
    succeeded, and the next anchor covers the same events.
    """
    record = {
        "seq": seq,
        "hash": hash_,
        "at": at.isoformat(),
        "written": timezone.now().isoformat(),
    }
    try:
        _append_line(_anchor_path(path), record)
    except OSError:
        logger.exception("Could not write the access log anchor %s", record)
    if settings.AUDIT_ANCHOR_EMAIL:
        try:
            send_mail(
                f"Homebase access log anchor {seq}",
                json.dumps(record, sort_keys=True, indent=1),
                settings.DEFAULT_FROM_EMAIL,
                [settings.AUDIT_ANCHOR_EMAIL],
            )
        except Exception:
            logger.exception("Could not mail the access log anchor %s", record)


def audit_anchor_now(path: str | None = None) -> AuditHead | None:
    """Anchor the current head (the daily run from cron, and after a restore)."""
    with transaction.atomic():
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        if head is None or not head.last_event_id:
            return head
        AuditHead.objects.filter(pk=1).update(
            anchored_event_id=head.last_event_id, anchored_at=timezone.now()
        )
        transaction.on_commit(
            partial(
                anchor_write,
                head.last_event_id,
                head.last_hash,
                head.last_at or timezone.now(),
                path,
            )
        )
    return head


def restore_mark_write(*, seq: int, reason: str, path: str | None = None) -> None:
    """Record in the anchor file that the database was knowingly put back to ``seq``.

    Anchors written before this line for later events are then reported as
    rolled back by that restore instead of failing verification.
    """
    _append_line(
        _anchor_path(path),
        {"restore": True, "seq": seq, "reason": reason, "written": timezone.now().isoformat()},
    )


# Verification -----------------------------------------------------------------


@dataclass(frozen=True)
class ChainProblem:
    event_id: int
    reason: str


def _walk(stop_at: set[int] | None = None) -> tuple[int, ChainProblem | None, dict[int, str], int]:
    """Walk the chain in order: count, first problem, hashes at ``stop_at`` ids, last id."""
    key = settings.AUDIT_KEY.encode()
    prev = AuditHead.GENESIS
    count = 0
    last_id = 0
    seen: dict[int, str] = {}
    wanted = stop_at or set()
    for event in AccessEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != prev:
            return count, ChainProblem(event.id, "does not follow the row before it"), seen, last_id
        if event.compute_hash(key) != event.hash:
            return count, ChainProblem(event.id, "content does not match its hash"), seen, last_id
        if event.id in wanted:
            seen[event.id] = event.hash
        prev = event.hash
        last_id = event.id
        count += 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is None:
        problem = ChainProblem(0, "the head row is missing (rows were removed from the end)")
        return count, problem, seen, last_id
    if head.last_hash != prev or (head.last_event_id and head.last_event_id != last_id):
        return count, ChainProblem(0, "rows were removed from the end of the log"), seen, last_id
    return count, None, seen, last_id


def audit_verify() -> tuple[int, ChainProblem | None]:
    """Walk the chain in order; return the count checked and the first problem."""
    count, problem, _seen, _last = _walk()
    return count, problem


@dataclass(frozen=True)
class Anchor:
    line: int
    seq: int
    hash: str
    at: str


@dataclass(frozen=True)
class RestoreMark:
    line: int
    seq: int
    reason: str
    written: str


def read_anchors(path: str | os.PathLike[str]) -> list[Anchor | RestoreMark]:
    """The anchor file's lines, in order. A line that cannot be read is an error."""
    entries: list[Anchor | RestoreMark] = []
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
                if record.get("restore"):
                    entries.append(
                        RestoreMark(
                            number,
                            int(record["seq"]),
                            str(record.get("reason", "")),
                            str(record.get("written", "")),
                        )
                    )
                else:
                    entries.append(
                        Anchor(number, int(record["seq"]), str(record["hash"]), str(record["at"]))
                    )
            except (ValueError, KeyError, TypeError, AttributeError):
                raise ValueError(f"line {number} of {path} is not an anchor") from None
    return entries


@dataclass
class AnchorReport:
    count: int
    problem: ChainProblem | None
    newest: int
    anchors_checked: int = 0
    rollbacks: list[str] = field(default_factory=list)
    rewrites: list[str] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem is None and not self.rollbacks and not self.rewrites


def audit_verify_anchors(path: str | os.PathLike[str]) -> AnchorReport:
    """Verify the chain, then compare it with every anchor in ``path``.

    An anchor for an event the database does not reach means the database
    was rolled back (an older copy restored, or rows cut from the end); an
    anchor whose hash differs from the recomputed chain at that event means
    the chain was rewritten. Anchors for events after a recorded restore
    mark's event, written before that mark, were knowingly rolled back.
    """
    entries = read_anchors(path)
    anchors = [e for e in entries if isinstance(e, Anchor)]
    count, problem, seen, _last = _walk({a.seq for a in anchors})
    newest = AccessEvent.objects.aggregate(newest=models.Max("id"))["newest"] or 0
    report = AnchorReport(count, problem, newest)
    marks = [e for e in entries if isinstance(e, RestoreMark)]
    for anchor in anchors:
        mark = next((m for m in marks if m.line > anchor.line and m.seq < anchor.seq), None)
        if mark is not None:
            report.acknowledged.append(
                f"event {anchor.seq} (anchored {anchor.at}) was rolled back by the restore "
                f"recorded {mark.written}: {mark.reason}"
            )
            continue
        report.anchors_checked += 1
        if anchor.seq > newest:
            report.rollbacks.append(
                f"rollback: the database is behind its anchor: event {anchor.seq} was "
                f"anchored at {anchor.at}, but the newest event in the database is {newest}"
            )
        elif problem is not None and anchor.seq >= problem.event_id > 0:
            continue  # past the first broken row: already reported
        elif anchor.seq not in seen:
            report.rewrites.append(
                f"rewrite: event {anchor.seq}, anchored at {anchor.at}, is missing from the chain"
            )
        elif seen[anchor.seq] != anchor.hash:
            report.rewrites.append(
                f"rewrite: the chain differs at event {anchor.seq}, anchored at {anchor.at}"
            )
    return report
