"""AllergyIntolerance: an allergy ("no known allergies" is not one)."""

from __future__ import annotations

from records.models import Allergy

from ..terminology import (
    ALLERGY_CLINICAL,
    CRITICALITY,
    DATA_ABSENT_REASON,
    NO_KNOWN_ALLERGY,
    REACTION_SEVERITY,
    SNOMED,
    implied_condition_system,
)
from .base import (
    NOT_RECORDED,
    Json,
    Mapped,
    Resolver,
    annotation,
    code_back,
    concept_text,
    first_of,
    make_coding,
    notes_text,
    patient_ref,
    unwanted,
)

_UNKNOWN = {"coding": [{"system": DATA_ABSENT_REASON, "code": "unknown", "display": "Unknown"}]}


def allergy_to(item: Allergy) -> Json:
    coding = (
        make_coding(item.code, item.code_system, implied_condition_system, item.substance)
        if item.code
        else None
    )
    severity = REACTION_SEVERITY.get(item.severity)
    reaction = None
    if item.reaction or severity:
        manifestation = {"text": item.reaction} if item.reaction else _UNKNOWN
        reaction = {"manifestation": [manifestation], "severity": severity}
    return {
        "resourceType": "AllergyIntolerance",
        "id": str(item.uuid),
        "clinicalStatus": {"coding": [{"system": ALLERGY_CLINICAL, "code": "active"}]},
        "category": [item.category] if item.category != "other" else [],
        "criticality": CRITICALITY[item.severity],
        "code": {"coding": [coding], "text": item.substance},
        "patient": patient_ref(item),
        "reaction": [reaction],
        "note": [annotation(item.what_to_do)],
    }


def _allergy_severity(resource: Json) -> str:
    order = {"severe": "1severe", "moderate": "2moderate", "mild": "3mild"}
    found = sorted(
        order[r["severity"]] for r in resource.get("reaction") or [] if r.get("severity") in order
    )
    if found:
        return found[0]
    return "1severe" if resource.get("criticality") == "high" else "4unknown"


def allergy_from(resource: Json, find: Resolver) -> list[Mapped]:
    clinical = first_of((resource.get("clinicalStatus") or {}).get("coding")).get("code")
    codes = {c.get("code") for c in (resource.get("code") or {}).get("coding") or []}
    if unwanted(resource) or clinical in ("inactive", "resolved") or codes & NO_KNOWN_ALLERGY:
        return []
    categories = [
        c for c in resource.get("category") or [] if c in ("food", "medication", "environment")
    ]
    manifestations = [
        m.get("text") or concept_text(m)
        for r in resource.get("reaction") or []
        for m in r.get("manifestation") or []
        if m != _UNKNOWN
    ]
    code, system = code_back(resource.get("code"), implied_condition_system, (SNOMED,))
    fields = {
        "substance": concept_text(resource.get("code")) or NOT_RECORDED,
        "code": code,
        "code_system": system,
        "category": categories[0] if categories else "other",
        "reaction": ", ".join(m for m in manifestations if m),
        "severity": _allergy_severity(resource),
        "what_to_do": notes_text(resource),
    }
    return [Mapped(Allergy, fields)]
