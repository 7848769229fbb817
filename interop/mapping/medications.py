"""MedicationStatement (Homebase's own) and MedicationRequest (portals, Synthea): a medicine."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from records.models import Medication

from ..terminology import MEDICATION_STATUS, RXNORM
from .base import (
    NOT_RECORDED,
    Json,
    Mapped,
    Resolver,
    annotation,
    code_back,
    concept_text,
    display_of,
    ext,
    ext_value,
    fhir_date,
    first_of,
    fixed,
    is_person,
    make_coding,
    notes_text,
    patient_ref,
    read_date,
    reason_text,
    ref_of,
    ref_to,
)


def medication_to(item: Medication) -> Json:
    coding = (
        make_coding(item.code, item.code_system, fixed(RXNORM), item.name) if item.code else None
    )
    dosage = {
        "text": f"{item.dose} {item.schedule}".strip(),
        "timing": {"code": {"text": item.schedule}},
        "asNeededBoolean": True if item.status == "as_needed" else None,
        "route": {"text": item.route},
    }
    return {
        "resourceType": "MedicationStatement",
        "id": str(item.uuid),
        "extension": [ext("pharmacy", "String", item.pharmacy)],
        "status": MEDICATION_STATUS[item.status],
        "medicationCodeableConcept": {"coding": [coding], "text": item.name},
        "subject": patient_ref(item),
        "effectivePeriod": {"start": fhir_date(item.started_on), "end": fhir_date(item.stopped_on)},
        "informationSource": ref_to(item.prescriber),
        "reasonCode": [{"text": item.reason}],
        "note": [annotation(item.notes)],
        "dosage": [dosage],
    }


def _split_dose(text: str, schedule: str) -> str:
    if schedule and text == schedule:
        return ""
    if schedule and text.endswith(" " + schedule):
        return text[: -len(schedule) - 1]
    return text


def _timing_phrases(unit: str) -> tuple[str, str, str] | None:
    """Whole phrases per unit ("once a day"), so every language can say them its own way."""
    phrases = {
        "s": (
            _("once a second"),
            _("%(times)s times a second"),
            _("%(times)s times every %(period)g seconds"),
        ),
        "min": (
            _("once a minute"),
            _("%(times)s times a minute"),
            _("%(times)s times every %(period)g minutes"),
        ),
        "h": (
            _("once an hour"),
            _("%(times)s times an hour"),
            _("%(times)s times every %(period)g hours"),
        ),
        "d": (
            _("once a day"),
            _("%(times)s times a day"),
            _("%(times)s times every %(period)g days"),
        ),
        "wk": (
            _("once a week"),
            _("%(times)s times a week"),
            _("%(times)s times every %(period)g weeks"),
        ),
        "mo": (
            _("once a month"),
            _("%(times)s times a month"),
            _("%(times)s times every %(period)g months"),
        ),
        "a": (
            _("once a year"),
            _("%(times)s times a year"),
            _("%(times)s times every %(period)g years"),
        ),
    }
    return phrases.get(unit)


def _timing_words(timing: Any) -> str:
    repeat = (timing or {}).get("repeat") or {}
    phrases = _timing_phrases(str(repeat.get("periodUnit", "")))
    if not repeat.get("frequency") or phrases is None:
        return concept_text((timing or {}).get("code"))
    times, period = int(repeat["frequency"]), float(repeat.get("period") or 1)
    once, per, every = phrases
    if period == 1:
        return once if times == 1 else per % {"times": times}
    return every % {"times": times, "period": period}


def _dose_words(dosage: Json) -> str:
    quantity = first_of(dosage.get("doseAndRate")).get("doseQuantity") or {}
    if quantity.get("value") is None:
        return ""
    return f"{quantity['value']:g} {quantity.get('unit', '')}".strip()


def _medication_name(resource: Json, find: Resolver) -> str:
    if resource.get("medicationCodeableConcept"):
        return concept_text(resource["medicationCodeableConcept"])
    return display_of(
        resource.get("medicationReference"), find, lambda med: concept_text(med.get("code"))
    )


def _medication_code(resource: Json, find: Resolver) -> tuple[str, str]:
    concept = resource.get("medicationCodeableConcept")
    if concept is None:
        ref = ref_of(resource.get("medicationReference"))
        concept = (find(ref) or {}).get("code") if ref else None
    return code_back(concept, fixed(RXNORM), (RXNORM,))


def _medication_status(status: Any, as_needed: bool) -> str | None:
    if status == "entered-in-error":
        return None
    if status in ("completed", "stopped", "not-taken", "cancelled"):
        return "stopped"
    return "as_needed" if as_needed else "current"


def medication_from(resource: Json, find: Resolver) -> list[Mapped]:
    """MedicationStatement (Homebase's own) and MedicationRequest (portals, Synthea)."""
    statement = resource["resourceType"] == "MedicationStatement"
    dosage = first_of(resource.get("dosage" if statement else "dosageInstruction"))
    status = _medication_status(resource.get("status"), dosage.get("asNeededBoolean") is True)
    name = _medication_name(resource, find)
    if status is None or not name:
        return []
    schedule = concept_text((dosage.get("timing") or {}).get("code"))
    if schedule:
        dose = _split_dose(dosage.get("text", ""), schedule)
    else:
        dose = _dose_words(dosage)
        schedule = dosage.get("text") or _timing_words(dosage.get("timing"))
        if not schedule and dosage.get("asNeededBoolean"):
            schedule = _("when needed")
    code, system = _medication_code(resource, find)
    period = resource.get("effectivePeriod") or {}
    started = read_date(period.get("start")) or read_date(resource.get("effectiveDateTime"))
    fields = {
        "name": name,
        "code": code,
        "code_system": system,
        "dose": dose or NOT_RECORDED,
        "schedule": schedule or NOT_RECORDED,
        "route": concept_text(dosage.get("route")),
        "reason": reason_text(resource, find),
        "status": status,
        "started_on": started if statement else read_date(resource.get("authoredOn")),
        "stopped_on": read_date(period.get("end")),
        "pharmacy": ext_value(resource, "pharmacy") or "",
        "notes": notes_text(resource),
    }
    source = ref_of(resource.get("informationSource" if statement else "requester"))
    refs = {"prescriber": source} if source and is_person(source, find) else {}
    return [Mapped(Medication, fields, refs)]
