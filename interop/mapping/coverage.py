"""Coverage: health insurance (the payer travels as a contained Organization)."""

from __future__ import annotations

from records.models import Coverage

from ..terminology import COVERAGE_CLASS, MEDICAID_CODES, SOPT
from .base import (
    NOT_RECORDED,
    Json,
    Mapped,
    Resolver,
    concept_text,
    ext,
    ext_value,
    fhir_date,
    first_of,
    human_name,
    patient_ref,
    read_date,
    ref_of,
)

_ORDER = {"primary": 1, "secondary": 2, "other": 3}


def _coverage_class(kind: str, value: str, name: str = "") -> Json | None:
    if not value:
        return None
    concept = {"coding": [{"system": COVERAGE_CLASS, "code": kind}]}
    return {"type": concept, "value": value, "name": name}


def coverage_to(item: Coverage) -> Json:
    medicaid = {
        "coding": [{"system": SOPT, "code": "2", "display": "MEDICAID"}],
        "text": "Medicaid",
    }
    payer: Json = {"resourceType": "Organization", "id": "payer", "name": item.payer}
    if item.phone:
        payer["telecom"] = [{"system": "phone", "value": item.phone}]
    return {
        "resourceType": "Coverage",
        "id": str(item.uuid),
        "contained": [payer],
        "extension": [
            ext("renewal-date", "Date", item.renewal_on),
            ext("coverage-notes", "String", item.notes),
        ],
        "status": "active",
        "type": medicaid if item.is_medicaid else None,
        "subscriberId": item.member_id,
        "beneficiary": patient_ref(item),
        "period": {"start": fhir_date(item.starts_on), "end": fhir_date(item.ends_on)},
        "payor": [{"reference": "#payer", "display": item.payer}],
        "class": [
            _coverage_class("plan", item.plan_name, item.plan_name),
            _coverage_class("group", item.group_number),
        ],
        "order": _ORDER[item.kind],
    }


def _is_medicaid(resource: Json) -> bool:
    concept = resource.get("type") or {}
    codes = {c.get("code") for c in concept.get("coding") or []}
    words = concept_text(concept).lower()
    return bool(codes & MEDICAID_CODES) or "medicaid" in words or "chip" in words.split()


def _class_of(resource: Json, kind: str) -> Json:
    for item in resource.get("class") or []:
        if any(c.get("code") == kind for c in (item.get("type") or {}).get("coding") or []):
            return item
    return {}


def _payer(resource: Json, find: Resolver) -> tuple[str, str]:
    """The payer's name and phone (a contained or uploaded Organization, or the display)."""
    payor = first_of(resource.get("payor"))
    ref = ref_of(payor)
    target = (find(ref) if ref else None) or {}
    name = payor.get("display") or target.get("name") or ""
    if isinstance(name, list):  # a Patient or RelatedPerson pays
        name = human_name(first_of(name))
    phones = [t.get("value") for t in target.get("telecom") or [] if t.get("system") == "phone"]
    return str(name), str(phones[0] if phones else "")


def coverage_from(resource: Json, find: Resolver) -> list[Mapped]:
    if resource.get("status") == "entered-in-error":
        return []
    payer, phone = _payer(resource, find)
    order = resource.get("order")
    kind = {1: "primary", 2: "secondary"}.get(order or 0, "other" if order else "primary")
    period = resource.get("period") or {}
    plan = _class_of(resource, "plan")
    medicaid = _is_medicaid(resource)
    renewal = read_date(ext_value(resource, "renewal-date"))
    fields = {
        "payer": payer or NOT_RECORDED,
        "plan_name": plan.get("name") or plan.get("value", ""),
        "kind": kind,
        "is_medicaid": medicaid,
        "member_id": resource.get("subscriberId")
        or first_of(resource.get("identifier")).get("value", ""),
        "group_number": _class_of(resource, "group").get("value", ""),
        "phone": phone,
        "starts_on": read_date(period.get("start")),
        "ends_on": read_date(period.get("end")),
        "renewal_on": renewal or (read_date(period.get("end")) if medicaid else None),
        "notes": ext_value(resource, "coverage-notes") or "",
    }
    return [Mapped(Coverage, fields)]
