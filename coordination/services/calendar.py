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

from ..models import CalendarFeed, CarePlan, Referral, Task, Visit

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


@dataclass(frozen=True)
class Dated:
    """How one kind of row becomes dates on someone's calendar.

    ``rows`` gives the rows in a window that the person may see (always
    through ``access``); the rest says how a row reads on the calendar.
    """

    rows: Callable[[Any, Window], Any]
    on: Callable[[Any], date]
    title: Callable[[Any], str]
    path: Callable[[Any], str]
    at: Callable[[Any], datetime | None] = lambda row: None
    # Rows that stand on a calendar more than once (a referral's follow-ups).
    variant: Callable[[Any], str] = lambda row: ""


def _visits(user: Any, window: Window) -> Any:
    start, end = window
    qs = access.scoped(Visit.objects.filter(status=Visit.Status.PLANNED), user)
    if start is not None:
        qs = qs.filter(starts_at__gte=_day_start(start))
    if end is not None:
        qs = qs.filter(starts_at__lt=_day_start(end + timedelta(days=1)))
    return qs


def _tasks(user: Any, window: Window) -> Any:
    qs = access.scoped(Task.objects.filter(status=Task.Status.OPEN, due_on__isnull=False), user)
    return access.tasks_for_person(qs, user).filter(_range("due_on", window))


def _follow_ups() -> dict[str, tuple[str, timedelta, Any]]:
    """A referral sent, or seen, for a while: (the date it counts from, the wait, what to do)."""
    schedule = timedelta(days=getattr(settings, "REFERRAL_SCHEDULE_DAYS", 30))
    report = timedelta(days=getattr(settings, "REFERRAL_REPORT_DAYS", 14))
    return {
        Referral.Status.SENT: ("sent_on", schedule, _("check the appointment is booked")),
        Referral.Status.SEEN: ("seen_on", report, _("check the report arrived")),
    }


def _referrals(user: Any, window: Window) -> Any:
    q = Q(pk__in=[])
    for status, (field, wait, _title) in _follow_ups().items():
        q |= Q(status=status) & _range(field, window, wait.days)
    return access.scoped(Referral.objects.filter(q), user)


def _follow_up_on(referral: Referral) -> date:
    field, wait, _title = _follow_ups()[referral.status]
    return getattr(referral, field) + wait


DATED: dict[str, Dated] = {
    "visit": Dated(
        rows=_visits,
        on=lambda v: timezone.localtime(v.starts_at).date(),
        at=lambda v: v.starts_at,
        title=lambda v: _("visit"),
        path=lambda v: reverse("coordination:visit-detail", args=[v.child.uuid, v.uuid]),
    ),
    "task": Dated(
        rows=_tasks,
        on=lambda t: t.due_on,
        title=lambda t: _("a task is due"),
        path=lambda t: _child_path("coordination:tasks-list", t.child),
    ),
    "referral": Dated(
        rows=_referrals,
        on=_follow_up_on,
        title=lambda r: str(_follow_ups()[r.status][2]),
        path=lambda r: reverse("coordination:referral-detail", args=[r.child.uuid, r.uuid]),
        variant=lambda r: str(r.status),
    ),
    "coverage": Dated(
        rows=lambda user, window: access.scoped(
            Coverage.objects.filter(renewal_on__isnull=False), user
        ).filter(_range("renewal_on", window)),
        on=lambda c: c.renewal_on,
        title=lambda c: _("insurance renewal"),
        path=lambda c: _child_path("records:insurance-list", c.child),
    ),
    "plan": Dated(
        rows=lambda user, window: access.scoped(
            CarePlan.objects.filter(review_on__isnull=False), user
        ).filter(_range("review_on", window)),
        on=lambda p: p.review_on,
        title=lambda p: _("care plan review"),
        path=lambda p: _child_path("coordination:plan", p.child),
    ),
}


def _dates(kind: str, user: Any, window: Window) -> Iterable[DueDate]:
    """One kind's dates: one query whatever the number of children."""
    dated = DATED[kind]
    for row in dated.rows(user, window).select_related("child").order_by("id"):
        on, at, variant = dated.on(row), dated.at(row), dated.variant(row)
        when = at.isoformat() if at is not None else str(on)
        yield DueDate(
            kind=kind,
            uid=f"{kind}-{variant + '-' if variant else ''}{row.uuid}@homebase",
            key=f"{kind}:{row.uuid}:{variant + ':' if variant else ''}{when}",
            child=row.child,
            title=str(dated.title(row)),
            on=on,
            at=at,
            path=dated.path(row),
            stamp=row.updated_at,
        )


def dates_for(user: Any, windows: dict[str, Window]) -> list[DueDate]:
    """Every date ``user`` may see, one query per kind whatever the number of children."""
    found: list[DueDate] = []
    for kind, window in windows.items():
        found += _dates(kind, user, window)
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
