"""Reminder emails, run as a Django task (``enqueue_reminders`` queues it, ``db_worker`` runs it).

Each person gets at most one email per run, listing only how many things are
coming up and a sign-in link: no child's name, no health detail, because email
is not a private channel. Every item reminded of is remembered in
``ReminderSent`` (same transaction as the email), so a second run sends nothing.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from children.audit import audit_record

from .models import ReminderSent
from .services.calendar import Window, dates_for

logger = logging.getLogger(__name__)

# A referral follow-up missed by a skipped run is still reminded of for a few days.
REFERRAL_CATCH_UP_DAYS = 6


def reminder_windows(today: date) -> dict[str, Window]:
    """How far ahead each kind of date is reminded of."""
    return {
        "visit": (today, today + timedelta(days=2)),
        "task": (today, today + timedelta(days=1)),
        "referral": (today - timedelta(days=REFERRAL_CATCH_UP_DAYS), today),
        "coverage": (today, today + timedelta(days=30)),
        "plan": (today, today + timedelta(days=7)),
    }


def _sign_in_url() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("account_login")


@transaction.atomic
def reminder_send(*, user: Any, now: datetime | None = None) -> int:
    """Email ``user`` about what is coming up that they were not yet reminded of.

    Returns how many things the email counted (0: no email). If sending fails,
    the transaction rolls back and the next run tries again.
    """
    now = now or timezone.now()
    windows = reminder_windows(timezone.localdate(now))
    upcoming = [d for d in dates_for(user, windows) if d.at is None or d.at >= now]
    keys = {d.key for d in upcoming}
    if not keys:
        return 0
    already = set(
        ReminderSent.objects.filter(user=user, key__in=keys).values_list("key", flat=True)
    )
    new = sorted(keys - already)
    if not new:
        return 0
    ReminderSent.objects.bulk_create([ReminderSent(user=user, key=key) for key in new])
    count = len(new)
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = ngettext(
            "%(count)s thing coming up in Homebase",
            "%(count)s things coming up in Homebase",
            count,
        ) % {"count": count}
        body = render_to_string(
            "coordination/email/reminder.txt", {"count": count, "url": _sign_in_url()}
        )
    audit_record(actor="system:reminders", verb="email", what="reminder email", count=count)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return count


def people_to_remind() -> Any:
    """Active people with a verified email address (the ones who can sign in)."""
    verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
    return get_user_model().objects.filter(Exists(verified), is_active=True).order_by("pk")


@task
def send_due_reminders() -> int:
    """Send each person one reminder email if something is coming up; return how many went."""
    emails = 0
    for user in list(people_to_remind()):
        try:
            emails += bool(reminder_send(user=user))
        except Exception:
            # One bad address must not stop everyone else's reminders.
            logger.exception("Reminder for user %s failed", user.pk)
    return emails
