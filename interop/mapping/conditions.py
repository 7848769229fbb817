"""Condition: a health problem (active or resolved)."""

from __future__ import annotations

from records.models import Condition

from ..terminology import (
    CONDITION_CATEGORY,
    CONDITION_CLINICAL,
    ICD10,
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
    fhir_date,
    first_of,
    make_coding,
    notes_text,
    patient_ref,
    read_date,
    unwanted,
)


def condition_to(item: Condition) -> Json:
    coding = (
        make_coding(item.code, item.code_system, implied_condition_system, item.name)
        if item.code
        else None
    )
    return {
        "resourceType": "Condition",
        "id": str(item.uuid),
        "clinicalStatus": {"coding": [{"system": CONDITION_CLINICAL, "code": item.status}]},
        "category": [{"coding": [{"system": CONDITION_CATEGORY, "code": "problem-list-item"}]}],
        "code": {"coding": [coding], "text": item.name},
        "subject": patient_ref(item),
        "onsetDateTime": fhir_date(item.diagnosed_on),
        "note": [annotation(item.plain_words, "plain-words"), annotation(item.notes, "notes")],
    }


def condition_from(resource: Json, find: Resolver) -> list[Mapped]:
    if unwanted(resource):
        return []
    clinical = first_of((resource.get("clinicalStatus") or {}).get("coding")).get("code")
    resolved = clinical in ("inactive", "remission", "resolved") or (
        clinical is None and any(k.startswith("abatement") for k in resource)
    )
    code, system = code_back(resource.get("code"), implied_condition_system, (ICD10, SNOMED))
    fields = {
        "name": concept_text(resource.get("code")) or NOT_RECORDED,
        "status": "resolved" if resolved else "active",
        "code": code,
        "code_system": system,
        "diagnosed_on": read_date(resource.get("onsetDateTime"))
        or read_date((resource.get("onsetPeriod") or {}).get("start")),
        "plain_words": notes_text(resource, "plain-words"),
        "notes": notes_text(resource),
    }
    return [Mapped(Condition, fields)]
