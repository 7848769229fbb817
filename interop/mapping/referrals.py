"""ServiceRequest: a referral; the steps of its loop travel as extensions."""

from __future__ import annotations

from coordination.models import Referral

from ..terminology import (
    PRIORITY,
    PRIORITY_BACK,
    REFERRAL,
    REFERRAL_STATUS,
    REFERRAL_STATUS_BACK,
    SNOMED,
)
from .base import (
    NOT_RECORDED,
    Json,
    Mapped,
    Resolver,
    annotation,
    concept_text,
    ext,
    ext_value,
    fhir_date,
    first_of,
    is_person,
    notes_text,
    patient_ref,
    read_date,
    reason_text,
    ref_of,
    ref_to,
)


def referral_to(item: Referral) -> Json:
    return {
        "resourceType": "ServiceRequest",
        "id": str(item.uuid),
        "extension": [
            ext("referral-step", "Code", item.status),
            ext("prior-approval-needed", "Boolean", item.prior_approval_needed),
            ext("sent-date", "Date", item.sent_on),
            ext("seen-date", "Date", item.seen_on),
            ext("report-date", "Date", item.report_on),
        ],
        "status": REFERRAL_STATUS.get(item.status, "active"),
        "intent": "order",
        "category": [{"coding": [{"system": SNOMED, "code": REFERRAL[0], "display": REFERRAL[1]}]}],
        "priority": PRIORITY[item.urgency],
        "code": {"text": item.to_specialty},
        "subject": patient_ref(item),
        "occurrenceDateTime": fhir_date(item.appointment_on),
        "authoredOn": fhir_date(item.requested_on),
        "requester": ref_to(item.from_member),
        "performer": [ref_to(item.to_member)],
        "reasonCode": [{"text": item.reason}],
        "note": [annotation(item.ended_reason)],
    }


def referral_from(resource: Json, find: Resolver) -> list[Mapped]:
    status = resource.get("status", "")
    step = ext_value(resource, "referral-step")
    if status == "entered-in-error":
        return []
    to = concept_text(resource.get("code")) or concept_text(resource.get("performerType"))
    fields = {
        "to_specialty": to or NOT_RECORDED,
        "reason": reason_text(resource, find) or notes_text(resource) or to or NOT_RECORDED,
        "urgency": PRIORITY_BACK.get(resource.get("priority", ""), "routine"),
        "prior_approval_needed": bool(ext_value(resource, "prior-approval-needed")),
        "status": step
        if step in Referral.Status.values
        else REFERRAL_STATUS_BACK.get(status, "requested"),
        "appointment_on": read_date(resource.get("occurrenceDateTime")),
        "sent_on": read_date(ext_value(resource, "sent-date")),
        "seen_on": read_date(ext_value(resource, "seen-date")),
        "report_on": read_date(ext_value(resource, "report-date")),
        "ended_reason": notes_text(resource) if step else "",
    }
    if requested := read_date(resource.get("authoredOn")):
        fields["requested_on"] = requested
    refs = {}
    if (ref := ref_of(resource.get("requester"))) and is_person(ref, find):
        refs["from_member"] = ref
    if (ref := ref_of(first_of(resource.get("performer")))) and is_person(ref, find):
        refs["to_member"] = ref
    return [Mapped(Referral, fields, refs)]
