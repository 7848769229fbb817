"""Encounter (a visit that happened) and Appointment (a coming or cancelled visit).

An appointment's start and end are the same: Homebase does not record how
long a visit lasts.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from coordination.models import Visit

from ..terminology import (
    ACT_ENCOUNTER_CODES,
    APPOINTMENT_STATUS_BACK,
    ENCOUNTER_STATUS_BACK,
    V3_ACT_CODE,
)
from .base import (
    Json,
    Mapped,
    Resolver,
    concept_text,
    ext,
    ext_value,
    fhir_instant,
    first_of,
    is_person,
    patient_ref,
    read_datetime,
    ref_of,
    ref_to,
    ref_type,
)


def _visit_extensions(item: Visit) -> list[Any]:
    return [
        ext("interpreter-needed", "Boolean", item.interpreter_needed),
        ext("extra-time-needed", "Boolean", item.extra_time_needed),
        ext("extra-time-reason", "String", item.extra_time_reason),
        ext("recording-agreed", "Boolean", item.recording_agreed),
    ]


def visit_to(item: Visit) -> Json:
    if item.status == Visit.Status.DONE:
        return {
            "resourceType": "Encounter",
            "id": str(item.uuid),
            "extension": [*_visit_extensions(item), ext("visit-summary", "String", item.summary)],
            "status": "finished",
            "class": {"system": V3_ACT_CODE, "code": "AMB", "display": ACT_ENCOUNTER_CODES["AMB"]},
            "subject": patient_ref(item),
            "participant": [{"individual": ref_to(item.team_member)}] if item.team_member else [],
            "period": {"start": fhir_instant(item.starts_at)},
            "reasonCode": [{"text": item.purpose}],
            "location": [{"location": {"display": item.place}}] if item.place else [],
        }
    participants: list[Json] = [{"actor": patient_ref(item), "status": "accepted"}]
    if item.team_member is not None:
        participants.append({"actor": ref_to(item.team_member), "status": "accepted"})
    if item.place:
        participants.append(
            {"actor": {"type": "Location", "display": item.place}, "status": "accepted"}
        )
    return {
        "resourceType": "Appointment",
        "id": str(item.uuid),
        "extension": _visit_extensions(item),
        "status": "cancelled" if item.status == Visit.Status.CANCELLED else "booked",
        "reasonCode": [{"text": item.purpose}],
        "start": fhir_instant(item.starts_at),
        "end": fhir_instant(item.starts_at),
        "comment": item.summary,
        "participant": participants,
    }


def _visit_common(resource: Json) -> dict[str, Any]:
    return {
        "interpreter_needed": bool(ext_value(resource, "interpreter-needed")),
        "extra_time_needed": bool(ext_value(resource, "extra-time-needed")),
        "extra_time_reason": ext_value(resource, "extra-time-reason") or "",
        "recording_agreed": bool(ext_value(resource, "recording-agreed")),
    }


def _purpose(resource: Json, *keys: str) -> str:
    for key in keys:
        value = resource.get(key)
        if isinstance(value, list):
            words = concept_text(first_of(value))
        else:
            words = value if isinstance(value, str) else concept_text(value)
        if words:
            return words
    return _("Visit")


def encounter_from(resource: Json, find: Resolver) -> list[Mapped]:
    status = ENCOUNTER_STATUS_BACK.get(resource.get("status", ""), "done")
    starts = read_datetime((resource.get("period") or {}).get("start"))
    if status is None or starts is None:
        return []
    location = (first_of(resource.get("location")).get("location") or {}).get("display")
    fields = {
        **_visit_common(resource),
        "starts_at": starts,
        "place": location or (resource.get("serviceProvider") or {}).get("display", ""),
        "purpose": _purpose(resource, "reasonCode", "type", "serviceType"),
        "status": status,
        "summary": ext_value(resource, "visit-summary") or "",
    }
    found = [ref_of(p.get("individual")) for p in resource.get("participant") or []]
    people = [p for p in found if p and is_person(p, find)]
    return [Mapped(Visit, fields, {"team_member": people[0]} if people else {})]


def appointment_from(resource: Json, find: Resolver) -> list[Mapped]:
    starts = read_datetime(resource.get("start"))
    if resource.get("status") == "entered-in-error" or starts is None:
        return []
    actors = [p.get("actor") or {} for p in resource.get("participant") or []]
    people = [r for a in actors if (r := ref_of(a)) and is_person(r, find)]
    places = [
        a.get("display", "")
        for a in actors
        if a.get("type") == "Location" or ref_type(ref_of(a) or "", find) == "Location"
    ]
    fields = {
        **_visit_common(resource),
        "starts_at": starts,
        "place": places[0] if places else "",
        "purpose": _purpose(
            resource, "reasonCode", "description", "serviceType", "appointmentType"
        ),
        "status": APPOINTMENT_STATUS_BACK.get(resource.get("status", ""), "planned"),
        "summary": resource.get("comment", ""),
    }
    return [Mapped(Visit, fields, {"team_member": people[0]} if people else {})]
