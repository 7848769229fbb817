"""Task: a task, owned by the child, a guardian or a team member."""

from __future__ import annotations

from coordination.models import Task

from ..terminology import GUARDIAN_SYSTEM, TASK_STATUS, TASK_STATUS_BACK
from .base import (
    Json,
    Mapped,
    Resolver,
    annotation,
    concept_text,
    ext,
    ext_value,
    fhir_date,
    fhir_instant,
    is_person,
    notes_text,
    patient_ref,
    read_date,
    read_datetime,
    ref_of,
    ref_to,
    ref_type,
)


def _task_owner(item: Task) -> Json | None:
    if item.owner_is_child:
        return patient_ref(item)
    if item.owner_member is not None:
        return ref_to(item.owner_member)
    guardian = item.owner_guardian
    if guardian is not None:
        return {
            "type": "RelatedPerson",
            "identifier": {"system": GUARDIAN_SYSTEM, "value": str(guardian.uuid)},
            "display": guardian.user.display_name,
        }
    return None


def task_to(item: Task) -> Json:
    return {
        "resourceType": "Task",
        "id": str(item.uuid),
        "extension": [ext("task-origin", "Code", item.origin)],
        "status": TASK_STATUS[item.status],
        "intent": "plan",
        "description": item.title,
        "focus": ref_to(item.goal),
        "for": patient_ref(item),
        "executionPeriod": {"end": fhir_instant(item.done_at)},
        "owner": _task_owner(item),
        "reasonReference": ref_to(item.visit),
        "note": [annotation(item.details)],
        "restriction": {"period": {"end": fhir_date(item.due_on)}},
    }


def _task_refs(resource: Json, find: Resolver) -> tuple[dict[str, str], bool]:
    refs: dict[str, str] = {}
    owner = resource.get("owner") or {}
    ref = ref_of(owner) or ""
    identifier = owner.get("identifier") or {}
    if identifier.get("system") == GUARDIAN_SYSTEM:
        refs["owner_guardian"] = f"RelatedPerson?identifier={GUARDIAN_SYSTEM}|{identifier['value']}"
    elif ref and is_person(ref, find):
        refs["owner_member"] = ref
    if (focus := ref_of(resource.get("focus"))) and ref_type(focus, find) == "Goal":
        refs["goal"] = focus
    reason = ref_of(resource.get("reasonReference"))
    if reason and ref_type(reason, find) in ("Encounter", "Appointment"):
        refs["visit"] = reason
    return refs, bool(ref) and ref_type(ref, find) == "Patient"


def task_from(resource: Json, find: Resolver) -> list[Mapped]:
    status = resource.get("status", "")
    title = resource.get("description") or concept_text(resource.get("code"))
    if status == "entered-in-error" or not title:
        return []
    origin = ext_value(resource, "task-origin")
    refs, for_child = _task_refs(resource, find)
    fields = {
        "title": str(title)[:300],
        "details": notes_text(resource),
        "due_on": read_date(((resource.get("restriction") or {}).get("period") or {}).get("end")),
        "status": TASK_STATUS_BACK.get(status, "open"),
        "origin": origin if origin in Task.Origin.values else "other",
        "owner_is_child": for_child,
        "done_at": read_datetime((resource.get("executionPeriod") or {}).get("end")),
    }
    return [Mapped(Task, fields, refs)]
