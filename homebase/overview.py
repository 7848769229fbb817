"""The child overview: the page a parent shows on a phone in a waiting room.

Its sections are read with one query each (a fixed number whatever the size
of the record) and rendered into a fragment that is kept in this process's
memory (the ``pages`` cache) under a key derived from the data itself:

* a fingerprint query returns, for each table the page shows, the number of
  rows, the sum of their ``version`` (every edit bumps it) and the highest
  id (ids are never reused: AUTOINCREMENT on SQLite, sequences elsewhere),
  so any add, edit or delete changes the key; plus the newest change to a
  linked practice;
* the person's permissions (what sections they may see), the language and
  today's date (the to-dos count days).

No invalidation code has to remember to run, and the health data never
leaves the process (it is not written to a shared cache).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from functools import lru_cache
from typing import Any

from django.core.cache import caches
from django.db import connection
from django.db.models import Count, Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from children import access
from children.models import CareTeamMember, Child, PracticeEnrollment
from coordination.models import CarePlan, PaperworkRequest, Referral, Task, Visit, VisitQuestion
from records.models import Allergy, Condition, Coverage, Equipment, Immunization, Medication

FRAGMENT = "overview.html#overview-sections"
SECTION_MODELS = (
    Condition,
    Allergy,
    Medication,
    Equipment,
    CareTeamMember,
    Coverage,
    Immunization,
    Visit,
    VisitQuestion,
    Task,
    Referral,
    PaperworkRequest,
    CarePlan,
)


@lru_cache(maxsize=4)
def _fingerprint_sql(vendor: str) -> str:
    # Table names come from the models' metadata, never from a request.
    parts = []
    for model in SECTION_MODELS:
        table = connection.ops.quote_name(model._meta.db_table)
        parts.append(
            f"(SELECT COUNT(*) FROM {table} WHERE child_id = %s), "  # noqa: S608
            f"(SELECT COALESCE(SUM(version), 0) FROM {table} WHERE child_id = %s), "
            f"(SELECT COALESCE(MAX(id), 0) FROM {table} WHERE child_id = %s)"
        )
    enrollments = connection.ops.quote_name(PracticeEnrollment._meta.db_table)
    team = connection.ops.quote_name(CareTeamMember._meta.db_table)
    practices = connection.ops.quote_name(
        PracticeEnrollment.practice.field.related_model._meta.db_table
    )
    parts.append(
        f"(SELECT COUNT(*) FROM {enrollments} WHERE child_id = %s), "  # noqa: S608
        f"(SELECT COUNT(revoked_at) FROM {enrollments} WHERE child_id = %s), "
        f"(SELECT MAX(ends_on) FROM {enrollments} WHERE child_id = %s), "
        f"(SELECT MAX(starts_on) FROM {enrollments} WHERE child_id = %s), "
        f"(SELECT COALESCE(SUM(LENGTH(scopes)), 0) FROM {enrollments} WHERE child_id = %s), "
        f"(SELECT COALESCE(MAX(id), 0) FROM {enrollments} WHERE child_id = %s), "
        f"(SELECT MAX(updated_at) FROM {practices} WHERE id IN "
        f"(SELECT practice_id FROM {team} WHERE child_id = %s) OR id IN "
        f"(SELECT practice_id FROM {enrollments} WHERE child_id = %s))"
    )
    return "SELECT " + ", ".join(parts)


def fingerprint(child: Child) -> str:
    sql = _fingerprint_sql(connection.vendor)  # built once per process and database
    with connection.cursor() as cursor:
        cursor.execute(sql, [child.pk] * sql.count("%s"))
        row = cursor.fetchone()
    return repr((child.version, row))


def _link(perms: frozenset[str], model: type[Any], name: str, child: Child, item: Any) -> str:
    """A to-do links to the form that settles it, for people allowed to use it."""
    return reverse(name, args=[child.uuid, item.uuid]) if access.edit_perm(model) in perms else ""


def sections(child: Child, perms: frozenset[str]) -> dict[str, Any]:
    """Read what the page shows: one query per section the person may see."""
    today = timezone.localdate()
    ctx: dict[str, Any] = {"child": child}
    todos: list[dict[str, object]] = []
    if access.can_view(perms, Condition):
        ctx["conditions"] = list(child.conditions.filter(status=Condition.Status.ACTIVE))
    if access.can_view(perms, Allergy):
        ctx["allergies"] = list(child.allergies.all())
    if access.can_view(perms, Medication):
        ctx["medications"] = list(child.medications.exclude(status=Medication.Status.STOPPED))
    if access.can_view(perms, Equipment):
        ctx["equipment"] = list(child.equipment.filter(in_use=True))
        for item in ctx["equipment"]:
            if item.replace_on and item.replace_on <= today + timedelta(days=30):
                todos.append(
                    {
                        "text": _("%(item)s is due for replacement or service on %(date)s.")
                        % {"item": item.name, "date": date_format(item.replace_on)},
                        "url": _link(perms, Equipment, "records:equipment-update", child, item),
                    }
                )
    if access.can_view(perms, CareTeamMember):
        team = list(child.team.select_related("practice"))
        roles = dict(CareTeamMember.Role.choices)  # once, not once per member
        for member in team:
            member.role_label = roles.get(member.role, member.role)  # type: ignore[attr-defined]
        lead = next((m for m in team if m.is_medical_home_lead), None)
        practice = lead.practice if lead and lead.practice else None
        if practice is None:
            # Only asked for when the lead's practice does not already say whom to call.
            enrollment = child.enrollments.live().select_related("practice").first()
            practice = enrollment.practice if enrollment else None
        ctx.update(team=team, lead=lead, after_hours_practice=practice)
    if access.can_view(perms, Coverage):
        ctx["coverages"] = list(child.coverages.all())
        for coverage in ctx["coverages"]:
            if coverage.renewal_warning:
                todos.append(
                    {
                        "text": ngettext(
                            "%(payer)s must be renewed by %(date)s (%(days)s day left).",
                            "%(payer)s must be renewed by %(date)s (%(days)s days left).",
                            coverage.days_left or 0,
                        )
                        % {
                            "payer": coverage.payer,
                            "date": date_format(coverage.next_deadline),
                            "days": coverage.days_left,
                        },
                        "url": reverse(
                            "records:insurance-update", args=[child.uuid, coverage.uuid]
                        ),
                        "urgent": True,
                    }
                )
    if access.can_view(perms, Immunization):
        for shot in child.immunizations.filter(given_elsewhere=True, pcp_told=False):
            todos.append(
                {
                    "text": _(
                        "Tell the main doctor's office about the %(vaccine)s given on %(date)s."
                    )
                    % {"vaccine": shot.vaccine, "date": date_format(shot.given_on)},
                    "url": _link(perms, Immunization, "records:immunizations-update", child, shot),
                }
            )
    if access.can_view(perms, Visit):
        upcoming = (
            child.visits.filter(status=Visit.Status.PLANNED, starts_at__gte=timezone.now())
            .select_related("team_member")
            .annotate(open_questions=Count("questions", filter=Q(questions__answer="")))
            .order_by("starts_at")
            .first()
        )
        ctx["next_visit"] = upcoming
    if access.can_view(perms, Task):
        late = child.tasks.filter(status=Task.Status.OPEN, due_on__lt=today).select_related(
            "owner_guardian__user", "owner_member"
        )
        for task in late[:10]:
            todos.insert(
                0,
                {
                    "text": _("Late: %(task)s (%(who)s, due %(date)s)")
                    % {
                        "task": task.title,
                        "who": task.owner_label or _("no one yet"),
                        "date": date_format(task.due_on or today),
                    },
                    "url": reverse("coordination:tasks-update", args=[child.uuid, task.uuid])
                    if "plan.edit" in perms
                    else "",
                    "urgent": True,
                },
            )
    if access.can_view(perms, Referral):
        open_referrals = child.referrals.exclude(
            status__in=(Referral.Status.CLOSED, Referral.Status.DECLINED, Referral.Status.CANCELLED)
        )
        for referral in open_referrals[:20]:
            url = reverse("coordination:referral-detail", args=[child.uuid, referral.uuid])
            reason = referral.overdue_reason(today)
            if reason:
                todos.insert(
                    0,
                    {
                        "text": _("Referral to %(to)s is stuck: %(reason)s %(next)s")
                        % {
                            "to": referral.to_specialty,
                            "reason": reason,
                            "next": referral.next_actor(),
                        },
                        "url": url,
                        "urgent": True,
                    },
                )
            else:
                todos.append(
                    {
                        "text": _("Referral to %(to)s is waiting. %(next)s")
                        % {"to": referral.to_specialty, "next": referral.next_actor()},
                        "url": url,
                    }
                )
    if access.can_view(perms, PaperworkRequest):
        pending = child.paperwork.filter(
            status__in=(PaperworkRequest.Status.REQUESTED, PaperworkRequest.Status.IN_PROGRESS)
        ).select_related("asked_of")
        for paper in pending[:20]:
            todos.append(
                {
                    "text": _("%(title)s: asked of %(who)s, needed by %(date)s (%(status)s)")
                    % {
                        "title": paper.title,
                        "who": paper.asked_of.name if paper.asked_of else _("no one yet"),
                        "date": date_format(paper.due_on),
                        "status": _("late") if paper.is_overdue else paper.get_status_display(),
                    },
                    "url": reverse("coordination:paperwork-detail", args=[child.uuid, paper.uuid]),
                    "urgent": paper.is_overdue,
                }
            )
    if access.can_view(perms, CarePlan):
        plan = getattr(child, "care_plan", None)
        if (
            plan is not None
            and plan.review_on is not None
            and plan.review_on <= today + timedelta(days=14)
        ):
            todos.append(
                {
                    "text": _("The care plan is due for review on %(date)s.")
                    % {"date": date_format(plan.review_on)},
                    "url": reverse("coordination:plan", args=[child.uuid]),
                    "urgent": plan.review_on <= today,
                }
            )
    ctx["todos"] = todos
    return ctx


def sections_html(request: HttpRequest, child: Child, perms: frozenset[str]) -> str:
    digest = hashlib.sha256(
        repr(
            (sorted(perms), translation.get_language(), timezone.localdate(), fingerprint(child))
        ).encode()
    ).hexdigest()
    key = f"overview:{child.pk}:{digest}"
    cache = caches["pages"]
    html = cache.get(key)
    if html is None:
        html = render_to_string(FRAGMENT, sections(child, perms), request=request)
        cache.set(key, html)
    return html
