"""Immunization: a vaccine given."""

from __future__ import annotations

from records.models import Immunization

from ..terminology import CVX, EXT
from .base import (
    NOT_RECORDED,
    Json,
    Mapped,
    Resolver,
    annotation,
    code_back,
    concept_text,
    ext_value,
    fhir_date,
    first_of,
    fixed,
    make_coding,
    notes_text,
    patient_ref,
    read_date,
)


def immunization_to(item: Immunization) -> Json:
    coding = (
        make_coding(item.code, item.code_system, fixed(CVX), item.vaccine) if item.code else None
    )
    return {
        "resourceType": "Immunization",
        "id": str(item.uuid),
        "extension": [{"url": EXT + "pcp-told", "valueBoolean": item.pcp_told}],
        "status": "completed",
        "vaccineCode": {"coding": [coding], "text": item.vaccine},
        "patient": patient_ref(item),
        "occurrenceDateTime": fhir_date(item.given_on),
        "primarySource": not item.given_elsewhere,
        "performer": [{"actor": {"display": item.given_by}}] if item.given_by else [],
        "note": [annotation(item.notes)],
        "protocolApplied": [{"doseNumberPositiveInt": item.dose_number}]
        if item.dose_number
        else [],
    }


def immunization_from(resource: Json, find: Resolver) -> list[Mapped]:
    given = read_date(resource.get("occurrenceDateTime"))
    if resource.get("status") != "completed" or given is None:
        return []
    performer = first_of(resource.get("performer")).get("actor") or {}
    given_by = performer.get("display") or (resource.get("location") or {}).get("display", "")
    dose = first_of(resource.get("protocolApplied")).get("doseNumberPositiveInt")
    told = ext_value(resource, "pcp-told")
    code, system = code_back(resource.get("vaccineCode"), fixed(CVX), (CVX,))
    fields = {
        "vaccine": concept_text(resource.get("vaccineCode")) or NOT_RECORDED,
        "code": code,
        "code_system": system,
        "given_on": given,
        "dose_number": dose if isinstance(dose, int) and dose < 32768 else None,
        "given_by": given_by,
        "given_elsewhere": resource.get("primarySource") is False,
        "pcp_told": True if told is None else bool(told),
        "notes": notes_text(resource),
    }
    return [Mapped(Immunization, fields)]
