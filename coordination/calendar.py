"""Dates a person should know about, for the calendar feed and the reminder emails.

``dates_for`` is the one place that decides which visits, tasks, referral
follow-ups, insurance renewals and plan reviews a person sees, always through
``children.access``: the feed and the reminders only choose the date windows.
Titles are deliberately vague (the child's first name and what kind of date it
is): a calendar app, or anyone who has the link, never learns a diagnosis, a
medicine or a specialist from them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from children import access
from children.audit import audit_record
from children.models import Child
from records.models import Coverage

from .models import CalendarFeed, CarePlan, Referral, Task, Visit

KINDS = ("visit", "task", "referral", "coverage", "plan")
VISIT_LENGTH = timedelta(hours=1)
# The feed shows recent history too, so a calendar keeps last month's visits.
FEED_PAST_DAYS = 60

Window = tuple[date | None, date | None]


@dataclass(frozen=True)
class DueDate:
    """One date on someone's calendar."""

    kind: str
    uid: str  # stable across feed refreshes
    key: str  # what a reminder remembers: the item and its date
    child: Child
    title: str
    on: date
    at: datetime | None  # visits have a time; the rest are all-day
    path: str
    stamp: datetime

    @property
    def summary(self) -> str:
        name = self.child.preferred_name or self.child.first_name
        return _("%(name)s: %(title)s") % {"name": name, "title": self.title}


def _range(field: str, window: Window, shift: int = 0) -> Q:
    start, end = window
    q = Q()
    if start is not None:
        q &= Q(**{f"{field}__gte": start - timedelta(days=shift)})
    if end is not None:
        q &= Q(**{f"{field}__lte": end - timedelta(days=shift)})
    return q


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _child_path(name: str, child: Child, *extra: Any) -> str:
    try:
        return reverse(name, args=[child.uuid, *extra])
    except NoReverseMatch:
        return reverse("children:overview", args=[child.uuid])


def _visits(user: Any, window: Window) -> Iterable[DueDate]:
    start, end = window
    qs = access.scoped(Visit.objects.filter(status=Visit.Status.PLANNED), user)
    if start is not None:
        qs = qs.filter(starts_at__gte=_day_start(start))
    if end is not None:
        qs = qs.filter(starts_at__lt=_day_start(end + timedelta(days=1)))
    for v in qs.select_related("child").order_by("starts_at"):
        on = timezone.localtime(v.starts_at).date()
        yield DueDate(
            kind="visit",
            uid=f"visit-{v.uuid}@homebase",
            key=f"visit:{v.uuid}:{v.starts_at.isoformat()}",
            child=v.child,
            title=_("visit"),
            on=on,
            at=v.starts_at,
            path=reverse("coordination:visit-detail", args=[v.child.uuid, v.uuid]),
            stamp=v.updated_at,
        )


def _tasks(user: Any, window: Window) -> Iterable[DueDate]:
    qs = access.scoped(Task.objects.filter(status=Task.Status.OPEN, due_on__isnull=False), user)
    qs = access.tasks_for_person(qs, user).filter(_range("due_on", window))
    for t in qs.select_related("child").order_by("due_on", "id"):
        yield DueDate(
            kind="task",
            uid=f"task-{t.uuid}@homebase",
            key=f"task:{t.uuid}:{t.due_on}",
            child=t.child,
            title=_("a task is due"),
            on=t.due_on,
            at=None,
            path=_child_path("coordination:tasks-list", t.child),
            stamp=t.updated_at,
        )


def _referrals(user: Any, window: Window) -> Iterable[DueDate]:
    schedule = timedelta(days=getattr(settings, "REFERRAL_SCHEDULE_DAYS", 30))
    report = timedelta(days=getattr(settings, "REFERRAL_REPORT_DAYS", 14))
    follow_ups = {
        Referral.Status.SENT: ("sent_on", schedule, _("check the appointment is booked")),
        Referral.Status.SEEN: ("seen_on", report, _("check the report arrived")),
    }
    q = Q(pk__in=[])
    for status, (field, wait, _title) in follow_ups.items():
        q |= Q(status=status) & _range(field, window, wait.days)
    qs = access.scoped(Referral.objects.filter(q), user).select_related("child")
    for r in qs.order_by("id"):
        field, wait, title = follow_ups[r.status]  # type: ignore[index]
        on = getattr(r, field) + wait
        yield DueDate(
            kind="referral",
            uid=f"referral-{r.status}-{r.uuid}@homebase",
            key=f"referral:{r.uuid}:{r.status}:{on}",
            child=r.child,
            title=str(title),
            on=on,
            at=None,
            path=reverse("coordination:referral-detail", args=[r.child.uuid, r.uuid]),
            stamp=r.updated_at,
        )


def _coverage(user: Any, window: Window) -> Iterable[DueDate]:
    qs = access.scoped(Coverage.objects.filter(renewal_on__isnull=False), user)
    for c in qs.filter(_range("renewal_on", window)).select_related("child").order_by("id"):
        yield DueDate(
            kind="coverage",
            uid=f"coverage-{c.uuid}@homebase",
            key=f"coverage:{c.uuid}:{c.renewal_on}",
            child=c.child,
            title=_("insurance renewal"),
            on=c.renewal_on,  # type: ignore[arg-type]
            at=None,
            path=_child_path("records:insurance-list", c.child),
            stamp=c.updated_at,
        )


def _plans(user: Any, window: Window) -> Iterable[DueDate]:
    qs = access.scoped(CarePlan.objects.filter(review_on__isnull=False), user)
    for p in qs.filter(_range("review_on", window)).select_related("child").order_by("id"):
        yield DueDate(
            kind="plan",
            uid=f"plan-{p.uuid}@homebase",
            key=f"plan:{p.uuid}:{p.review_on}",
            child=p.child,
            title=_("care plan review"),
            on=p.review_on,  # type: ignore[arg-type]
            at=None,
            path=_child_path("coordination:plan", p.child),
            stamp=p.updated_at,
        )


COLLECTORS: dict[str, Callable[[Any, Window], Iterable[DueDate]]] = {
    "visit": _visits,
    "task": _tasks,
    "referral": _referrals,
    "coverage": _coverage,
    "plan": _plans,
}


def dates_for(user: Any, windows: dict[str, Window]) -> list[DueDate]:
    """Every date ``user`` may see, one query per kind whatever the number of children."""
    found: list[DueDate] = []
    for kind, window in windows.items():
        found += COLLECTORS[kind](user, window)
    found.sort(key=lambda d: (d.on, d.kind, d.uid))
    return found


def feed_windows(today: date | None = None) -> dict[str, Window]:
    today = today or timezone.localdate()
    return dict.fromkeys(KINDS, (today - timedelta(days=FEED_PAST_DAYS), None))


def build_calendar(dates: Iterable[DueDate], *, base_url: str, feed_id: str) -> bytes:
    """The iCalendar text for ``dates``; links are made absolute with ``base_url``."""
    base = base_url.rstrip("/")
    cal = Calendar.new(
        prodid="-//Homebase//Calendar feed//EN",
        name=_("Homebase"),
        description=_("Visits, tasks and other dates from Homebase."),
        refresh_interval=timedelta(hours=1),
        uid=uuid.uuid5(uuid.NAMESPACE_URL, f"homebase-calendar:{feed_id}"),
    )
    cal["REFRESH-INTERVAL"].params["VALUE"] = "DURATION"  # RFC 7986 requires it
    cal.add("X-PUBLISHED-TTL", "PT1H")  # the same hint for Outlook
    for d in dates:
        url = f"{base}{d.path}"
        if d.at is not None:
            start: date | datetime = d.at.astimezone(UTC)
            end: date | datetime = start + VISIT_LENGTH  # type: ignore[operator]
        else:
            start, end = d.on, d.on + timedelta(days=1)
        cal.add_component(
            Event.new(
                uid=d.uid,
                stamp=d.stamp.astimezone(UTC),
                start=start,
                end=end,
                summary=d.summary,
                description=_("Open it in Homebase: %(url)s") % {"url": url},
                url=url,
            )
        )
    return cal.to_ical()


@transaction.atomic
def calendar_feed_reset(*, actor: Any) -> str:
    """Give ``actor`` a new feed token (the old link stops working); return it once."""
    token = CalendarFeed.new_token()
    feed = CalendarFeed.objects.select_for_update().filter(user=actor).first()
    if feed is None:
        feed = CalendarFeed(user=actor, token_hash=CalendarFeed.hash_token(token))
        verb = "create"
    else:
        feed.token_hash = CalendarFeed.hash_token(token)
        feed.reset_at = timezone.now()
        verb = "reset"
    feed.full_clean()
    feed.save()
    audit_record(actor=actor, verb=verb, what="calendar feed")
    return token


def calendar_feed_for_token(token: str) -> CalendarFeed | None:
    """The live feed this token opens, or None (wrong, reset, or the person is gone)."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=CalendarFeed.hash_token(token))
        .first()
    )
    if feed is None or not feed.user.is_active:
        return None
    return feed
