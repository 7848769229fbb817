"""What needs attention, for every child a person sees: the home page's badges.

A fixed number of grouped queries whatever the number of children (a care
coordinator may see hundreds), each scoped through ``access``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from children import access
from records.models import Coverage

from .models import CarePlan, PaperworkRequest, Referral, Task, Visit

RENEWAL_DAYS = 60
PLAN_REVIEW_DAYS = 14


def needs_attention(user: Any, child_ids: list[int]) -> dict[int, list[str]]:
    """Short lines per child id: late tasks, stuck referrals, paperwork, renewals, next visit."""
    today = timezone.localdate()
    lines: dict[int, list[str]] = defaultdict(list)
    if not child_ids:
        return lines

    def allowed(model: type[Any]) -> Any:
        return access.rows_on_children(user, model, child_ids)

    def counted(qs: Any) -> dict[int, int]:
        return dict(qs.values_list("child_id").annotate(n=Count("id")).order_by())

    late = counted(allowed(Task).filter(status=Task.Status.OPEN, due_on__lt=today))
    stuck = counted(
        allowed(Referral).filter(
            Q(
                status=Referral.Status.SENT,
                sent_on__lt=today - timedelta(days=settings.REFERRAL_SCHEDULE_DAYS),
            )
            | Q(
                status=Referral.Status.SEEN,
                seen_on__lt=today - timedelta(days=settings.REFERRAL_REPORT_DAYS),
            )
        )
    )
    waiting = counted(
        allowed(Referral).exclude(
            status__in=(Referral.Status.CLOSED, Referral.Status.DECLINED, Referral.Status.CANCELLED)
        )
    )
    review = dict(
        allowed(CarePlan)
        .filter(review_on__lte=today + timedelta(days=PLAN_REVIEW_DAYS))
        .values_list("child_id", "review_on")
    )
    paperwork = counted(
        allowed(PaperworkRequest).filter(
            status__in=(PaperworkRequest.Status.REQUESTED, PaperworkRequest.Status.IN_PROGRESS)
        )
    )
    renewals = counted(
        allowed(Coverage).filter(
            Q(renewal_on__lte=today + timedelta(days=RENEWAL_DAYS))
            | Q(ends_on__lte=today + timedelta(days=RENEWAL_DAYS))
        )
    )
    next_visit = dict(
        allowed(Visit)
        .filter(status=Visit.Status.PLANNED, starts_at__gte=timezone.now())
        .values_list("child_id")
        .annotate(first=Min("starts_at"))
        .order_by()
    )
    open_questions = dict(
        allowed(Visit)
        .filter(status=Visit.Status.PLANNED, starts_at__gte=timezone.now())
        .values_list("child_id")
        .annotate(n=Count("questions", filter=Q(questions__answer="")))
        .order_by()
    )
    for child_id in child_ids:
        if late.get(child_id):
            n = late[child_id]
            lines[child_id].append(ngettext("%(n)s late task", "%(n)s late tasks", n) % {"n": n})
        if stuck.get(child_id):
            n = stuck[child_id]
            lines[child_id].append(
                ngettext("%(n)s referral stuck", "%(n)s referrals stuck", n) % {"n": n}
            )
        if waiting.get(child_id, 0) > stuck.get(child_id, 0):
            n = waiting[child_id] - stuck.get(child_id, 0)
            lines[child_id].append(
                ngettext("%(n)s referral waiting", "%(n)s referrals waiting", n) % {"n": n}
            )
        if paperwork.get(child_id):
            n = paperwork[child_id]
            lines[child_id].append(
                ngettext("%(n)s form or letter pending", "%(n)s forms or letters pending", n)
                % {"n": n}
            )
        if renewals.get(child_id):
            lines[child_id].append(_("insurance to renew soon"))
        if next_visit.get(child_id):
            when = date_format(timezone.localtime(next_visit[child_id]), "SHORT_DATE_FORMAT")
            n = open_questions.get(child_id, 0)
            lines[child_id].append(
                ngettext(
                    "next visit %(date)s, %(n)s question to ask",
                    "next visit %(date)s, %(n)s questions to ask",
                    n,
                )
                % {"date": when, "n": n}
            )
        if review.get(child_id):
            lines[child_id].append(
                _("care plan review due %(date)s")
                % {"date": date_format(review[child_id], "SHORT_DATE_FORMAT")}
            )
    return lines
