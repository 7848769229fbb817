"""CarePlan (the shared plan of care) and Goal.

The plan's three texts are Annotations told apart by their element ``id``.
Another system's care plan becomes a goal proposed to the family.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from coordination.models import CarePlan, Goal

from ..terminology import (
    CARE_PLAN_STATUS_BACK,
    GOAL_ACHIEVEMENT,
    GOAL_STATUS,
    GOAL_STATUS_BACK,
    PLAN_KIND,
)
from .base import (
    Json,
    Mapped,
    Resolver,
    annotation,
    concept_text,
    ext,
    ext_value,
    fhir_date,
    first_of,
    local_code,
    local_concept,
    notes_text,
    patient_ref,
    read_date,
    ref_to,
)


def goal_to(item: Goal) -> Json:
    achieved = None
    if item.status == "met":
        achieved = {"coding": [{"system": GOAL_ACHIEVEMENT, "code": "achieved"}]}
    return {
        "resourceType": "Goal",
        "id": str(item.uuid),
        "extension": [ext("goal-term", "Code", item.term)],
        "lifecycleStatus": GOAL_STATUS[item.status],
        "achievementStatus": achieved,
        "category": [local_concept("goal-domain", item.domain, item.get_domain_display())],
        "description": {"text": item.text},
        "subject": patient_ref(item),
        "target": [{"measure": {"text": item.measure}, "dueDate": fhir_date(item.target_on)}],
    }


def goal_from(resource: Json, find: Resolver) -> list[Mapped]:
    status = resource.get("lifecycleStatus", "")
    text = concept_text(resource.get("description"))
    if status == "entered-in-error" or not text:
        return []
    achieved = first_of((resource.get("achievementStatus") or {}).get("coding")).get("code")
    domain = next(
        (d for c in resource.get("category") or [] if (d := local_code(c, "goal-domain"))), None
    )
    term = ext_value(resource, "goal-term")
    target = first_of(resource.get("target"))
    fields = {
        "text": text[:300],
        "term": term if term in Goal.Term.values else "short",
        "domain": domain if domain in Goal.Domain.values else "medical",
        "measure": concept_text(target.get("measure"))[:300],
        "target_on": read_date(target.get("dueDate")),
        "status": "met" if achieved == "achieved" else GOAL_STATUS_BACK.get(status, "active"),
    }
    return [Mapped(Goal, fields)]


def care_plan_to(item: CarePlan) -> Json:
    return {
        "resourceType": "CarePlan",
        "id": str(item.uuid),
        "extension": [ext("review-date", "Date", item.review_on)],
        "status": "active",
        "intent": "plan",
        "category": [local_concept("plan-kind", PLAN_KIND, _("Shared plan of care"))],
        "title": _("Shared plan of care"),
        "subject": patient_ref(item),
        "goal": [ref_to(goal) for goal in item.goals.all()] if item.pk else [],
        "note": [
            annotation(item.strengths, "strengths"),
            annotation(item.priorities, "priorities"),
            annotation(item.what_matters, "what-matters"),
        ],
    }


def _activities(resource: Json) -> list[str]:
    words = [
        concept_text((a.get("detail") or {}).get("code")) for a in resource.get("activity") or []
    ]
    return list(dict.fromkeys(w for w in words if w))


def _plan_name(resource: Json) -> str:
    categories = [concept_text(c) for c in resource.get("category") or []]
    named = [c for c in categories if c and c != "assess-plan"]
    return str(resource.get("title") or resource.get("description") or (named[0] if named else ""))


def care_plan_from(resource: Json, find: Resolver) -> list[Mapped]:
    status = resource.get("status", "")
    if status == "entered-in-error":
        return []
    if any(local_code(c, "plan-kind") == PLAN_KIND for c in resource.get("category") or []):
        fields = {
            "strengths": notes_text(resource, "strengths"),
            "priorities": notes_text(resource, "priorities"),
            "what_matters": notes_text(resource, "what-matters"),
            "review_on": read_date(ext_value(resource, "review-date")),
        }
        return [Mapped(CarePlan, fields)]
    # Another system's care plan becomes a goal proposed to the family.
    name, activities = _plan_name(resource), _activities(resource)
    text = (
        f"{name}: {', '.join(activities)}" if name and activities else name or ", ".join(activities)
    )
    if not text:
        return []
    fields = {
        "text": text[:300],
        "term": "short",
        "domain": "medical",
        "measure": "",
        "target_on": read_date((resource.get("period") or {}).get("end")),
        "status": CARE_PLAN_STATUS_BACK.get(status, "active"),
    }
    return [Mapped(Goal, fields)]
