"""Homebase rows <-> FHIR R4 resources: the one place that knows field-level correspondences.

``to_fhir(item)`` turns one row into one resource (a plain dict whose ``id`` is
the row's uuid); ``from_fhir(resource)`` turns one resource into a ``Mapped``
(the model, plain field values, and references the importer resolves). The
exporter, the importer and the API all call these, so importing an export
gives back the same record: ``ROUND_TRIP[label]`` lists the fields that make
the trip (tests prove it for every type).

Conventions (documented here once):

* Standard FHIR elements first. Homebase-only workflow fields with no FHIR
  element (a pharmacy, "main doctor told", a Medicaid renewal date, the steps
  of a referral loop, ...) travel as extensions ``EXT + name``; other systems
  ignore them. Patient carries no extensions.
* Homebase choice lists with no FHIR value set use local code systems
  ``CS + name`` (measurement kind, care team role, document kind, goal domain).
* Two free-text notes on one resource are told apart by the Annotation's
  element ``id`` (``plain-words`` / ``notes`` on Condition, the CarePlan's three
  texts).
* A care team member is a ``PractitionerRole`` (the person in a role for this
  child: name, role, specialty, clinic, phones); other resources point at it.
  Imported ``Practitioner`` resources become team members too.
* A visit that happened is an ``Encounter``; a coming or cancelled visit an
  ``Appointment`` (start = end: Homebase does not record how long it lasts).
* ``from_fhir`` returns ``None`` for resources Homebase does not import
  (listed as "not imported"), and for entered-in-error or refuted ones.
  ``from_fhir_many`` also expands a ``CareTeam`` into its members.
* Codes: ``code_system`` stays blank when it is what the code implies
  (ICD-10-CM or SNOMED for conditions, SNOMED for allergies, CVX for vaccines,
  RxNorm for medicines), so a row reads the same before and after a trip.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils.translation import gettext as _

from accounts.models import Practice
from children.models import CareTeamMember, Child
from coordination.models import CarePlan, Goal, Referral, Task, Visit
from records.models import (
    Allergy,
    Condition,
    Coverage,
    Document,
    Equipment,
    Immunization,
    Measurement,
    Medication,
)

CANONICAL = "https://homebase.test/fhir"
EXT = f"{CANONICAL}/StructureDefinition/"
CS = f"{CANONICAL}/CodeSystem/"

SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC = "http://loinc.org"
CVX = "http://hl7.org/fhir/sid/cvx"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
NOT_RECORDED = "—"  # a required Homebase text the source does not give

Json = dict[str, Any]
Resolver = Callable[[str], Json | None]


@dataclass
class Mapped:
    """One Homebase row to create or update, from one FHIR resource."""

    model: type[models.Model]
    fields: dict[str, Any]
    # FK field name -> FHIR reference ("PractitionerRole/<uuid>", "urn:uuid:...",
    # "Practitioner?identifier=..."), resolved by the importer or left as text.
    refs: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None  # a DocumentReference's embedded file
    source: str | None = None  # the reference this row stands for (CareTeam members)


# Small helpers -------------------------------------------------------------


def _clean(value: Any) -> Any:
    """Drop None, "", [] and {} (recursively); keep False and 0."""
    if isinstance(value, dict):
        out = {k: _clean(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        items = [_clean(v) for v in value]
        return [v for v in items if v not in (None, "", [], {})]
    return value


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _instant(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def _date(value: Any) -> date | None:
    """A date from a FHIR date or dateTime (the day as written), or None."""
    if not isinstance(value, str) or len(value) < 4:
        return None
    parts = value[:10].split("-")
    try:
        numbers = [int(p) for p in parts] + [1] * (3 - len(parts))
        return date(numbers[0], numbers[1], numbers[2])
    except ValueError:
        return None


def _datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    if len(value) <= 10:
        day = _date(value)
        return datetime.combine(day, time(12), tzinfo=UTC) if day else None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _text(concept: Any) -> str:
    """The words of a CodeableConcept: its text, else the first display or code."""
    if not isinstance(concept, dict):
        return ""
    if concept.get("text"):
        return str(concept["text"])
    for coding in concept.get("coding") or []:
        if coding.get("display") or coding.get("code"):
            return str(coding.get("display") or coding.get("code"))
    return ""


def _first(items: Any) -> Json:
    return items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else {}


def _local(concept: Any, system: str) -> str | None:
    for coding in (concept or {}).get("coding") or []:
        if coding.get("system") == CS + system:
            return coding.get("code")
    return None


def _local_concept(system: str, code: str, display: Any) -> Json:
    return {
        "coding": [{"system": CS + system, "code": code, "display": str(display)}],
        "text": str(display),
    }


def _note(text: str, element_id: str | None = None) -> Json | None:
    return {"id": element_id, "text": text} if text else None


def _notes(resource: Json, element_id: str | None = None) -> str:
    """Note texts with this element id (None: the notes without an id of ours)."""
    ours = {"plain-words", "strengths", "priorities", "what-matters"}
    texts = [
        str(n.get("text", ""))
        for n in resource.get("note") or []
        if (n.get("id") == element_id) or (element_id is None and n.get("id") not in ours)
    ]
    return "\n\n".join(t for t in texts if t)


def _ext(name: str, kind: str, value: Any) -> Json | None:
    if value in (None, "", False):
        return None
    if isinstance(value, date):
        value = value.isoformat()
    return {"url": EXT + name, f"value{kind}": value}


def _ext_value(resource: Json, name: str) -> Any:
    for extension in resource.get("extension") or []:
        if extension.get("url") == EXT + name:
            for key, value in extension.items():
                if key.startswith("value"):
                    return value
    return None


def _ref(item: models.Model | None) -> Json | None:
    if item is None:
        return None
    return {"reference": reference(item), "display": str(item)}


def _patient(item: Any) -> Json:
    return {"reference": f"Patient/{item.child.uuid}"}


def _ref_of(value: Any) -> str | None:
    if isinstance(value, dict) and value.get("reference"):
        return str(value["reference"])
    return None


def _resolver(resource: Json, resolve: Resolver | None) -> Resolver:
    """Resolve "#id" against the resource's contained resources, else ask ``resolve``."""
    contained = {f"#{r.get('id')}": r for r in resource.get("contained") or []}

    def find(ref: str) -> Json | None:
        if ref in contained:
            return contained[ref]
        return resolve(ref) if resolve else None

    return find


def _display(value: Any, find: Resolver, namer: Callable[[Json], str]) -> str:
    """A Reference's display, else the name of the resource it points to."""
    if not isinstance(value, dict):
        return ""
    if value.get("display"):
        return str(value["display"])
    target = find(value["reference"]) if value.get("reference") else None
    return namer(target) if target else ""


# Codes ---------------------------------------------------------------------

_ICD10 = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")


def _condition_system(code: str) -> str | None:
    if _ICD10.match(code):
        return ICD10
    return SNOMED if code.isdigit() else None


def _fixed(system: str) -> Callable[[str], str | None]:
    return lambda code: system


def _coding(code: str, system: str, implied: Callable[[str], str | None], display: str) -> Json:
    return {"system": system or implied(code), "code": code, "display": display}


def _code_back(
    concept: Any, implied: Callable[[str], str | None], prefer: Iterable[str] = ()
) -> tuple[str, str]:
    """(code, code_system) from a CodeableConcept; code_system blank when implied."""
    codings = [c for c in (concept or {}).get("coding") or [] if c.get("code")]
    if not codings:
        return "", ""
    preferred = [c for c in codings if c.get("system") in tuple(prefer)]
    chosen = (preferred or codings)[0]
    code, system = str(chosen["code"])[:40], str(chosen.get("system") or "")
    return code, "" if system == (implied(code) or "") else system


# Patient -------------------------------------------------------------------


def _patient_to(child: Child) -> Json:
    names = [{"use": "official", "family": child.last_name, "given": [child.first_name]}]
    if child.preferred_name:
        names.append({"use": "usual", "given": [child.preferred_name]})
    return {
        "resourceType": "Patient",
        "id": str(child.uuid),
        "name": names,
        "gender": child.sex,
        "birthDate": _day(child.birth_date),
        "communication": [{"language": {"text": child.language}}] if child.language else [],
    }


def _human_name(name: Json) -> str:
    if name.get("text"):
        return str(name["text"])
    parts = [*name.get("prefix", []), *name.get("given", []), name.get("family", "")]
    return " ".join(p for p in [*parts, *name.get("suffix", [])] if p)


def _patient_from(resource: Json, find: Resolver) -> list[Mapped]:
    names = [n for n in resource.get("name") or [] if isinstance(n, dict)]
    official = next((n for n in names if n.get("use") == "official"), None)
    official = official or next((n for n in names if n.get("use") not in ("usual", "nickname")), {})
    usual = next((n for n in names if n.get("use") in ("usual", "nickname")), {})
    communication = sorted(
        resource.get("communication") or [], key=lambda c: not c.get("preferred")
    )
    gender = resource.get("gender")
    fields = {
        "first_name": " ".join(official.get("given") or []) or official.get("text", ""),
        "last_name": official.get("family", ""),
        "preferred_name": " ".join(usual.get("given") or []),
        "birth_date": _date(resource.get("birthDate")),
        "sex": gender if gender in Child.Sex.values else Child.Sex.UNKNOWN,
        "language": _text(_first(communication).get("language")),
    }
    return [Mapped(Child, fields)]


# Condition -----------------------------------------------------------------

CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"


def _condition_to(item: Condition) -> Json:
    coding = (
        _coding(item.code, item.code_system, _condition_system, item.name) if item.code else None
    )
    return {
        "resourceType": "Condition",
        "id": str(item.uuid),
        "clinicalStatus": {"coding": [{"system": CLINICAL, "code": item.status}]},
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                        "code": "problem-list-item",
                    }
                ]
            }
        ],
        "code": {"coding": [coding], "text": item.name},
        "subject": _patient(item),
        "onsetDateTime": _day(item.diagnosed_on),
        "note": [_note(item.plain_words, "plain-words"), _note(item.notes, "notes")],
    }


def _unwanted(resource: Json) -> bool:
    """Entered in error, refuted: not imported."""
    verification = resource.get("verificationStatus") or {}
    codes = {c.get("code") for c in verification.get("coding") or []}
    return resource.get("status") == "entered-in-error" or bool(
        codes & {"entered-in-error", "refuted"}
    )


def _condition_from(resource: Json, find: Resolver) -> list[Mapped]:
    if _unwanted(resource):
        return []
    clinical = _first((resource.get("clinicalStatus") or {}).get("coding")).get("code")
    resolved = clinical in ("inactive", "remission", "resolved") or (
        clinical is None and any(k.startswith("abatement") for k in resource)
    )
    code, system = _code_back(resource.get("code"), _condition_system, (ICD10, SNOMED))
    fields = {
        "name": _text(resource.get("code")) or NOT_RECORDED,
        "status": "resolved" if resolved else "active",
        "code": code,
        "code_system": system,
        "diagnosed_on": _date(resource.get("onsetDateTime"))
        or _date((resource.get("onsetPeriod") or {}).get("start")),
        "plain_words": _notes(resource, "plain-words"),
        "notes": _notes(resource),
    }
    return [Mapped(Condition, fields)]


# Medication ----------------------------------------------------------------

_MED_STATUS = {"current": "active", "as_needed": "active", "stopped": "completed"}


def _medication_to(item: Medication) -> Json:
    coding = _coding(item.code, item.code_system, _fixed(RXNORM), item.name) if item.code else None
    dosage = {
        "text": f"{item.dose} {item.schedule}".strip(),
        "timing": {"code": {"text": item.schedule}},
        "asNeededBoolean": True if item.status == "as_needed" else None,
        "route": {"text": item.route},
    }
    return {
        "resourceType": "MedicationStatement",
        "id": str(item.uuid),
        "extension": [_ext("pharmacy", "String", item.pharmacy)],
        "status": _MED_STATUS[item.status],
        "medicationCodeableConcept": {"coding": [coding], "text": item.name},
        "subject": _patient(item),
        "effectivePeriod": {"start": _day(item.started_on), "end": _day(item.stopped_on)},
        "informationSource": _ref(item.prescriber),
        "reasonCode": [{"text": item.reason}],
        "note": [_note(item.notes)],
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
        return _text((timing or {}).get("code"))
    times, period = int(repeat["frequency"]), float(repeat.get("period") or 1)
    once, per, every = phrases
    if period == 1:
        return once if times == 1 else per % {"times": times}
    return every % {"times": times, "period": period}


def _dose_words(dosage: Json) -> str:
    quantity = _first(dosage.get("doseAndRate")).get("doseQuantity") or {}
    if quantity.get("value") is None:
        return ""
    return f"{quantity['value']:g} {quantity.get('unit', '')}".strip()


def _medication_name(resource: Json, find: Resolver) -> str:
    if resource.get("medicationCodeableConcept"):
        return _text(resource["medicationCodeableConcept"])
    return _display(resource.get("medicationReference"), find, lambda med: _text(med.get("code")))


def _medication_code(resource: Json, find: Resolver) -> tuple[str, str]:
    concept = resource.get("medicationCodeableConcept")
    if concept is None:
        ref = _ref_of(resource.get("medicationReference"))
        concept = (find(ref) or {}).get("code") if ref else None
    return _code_back(concept, _fixed(RXNORM), (RXNORM,))


def _medication_status(status: Any, as_needed: bool) -> str | None:
    if status == "entered-in-error":
        return None
    if status in ("completed", "stopped", "not-taken", "cancelled"):
        return "stopped"
    return "as_needed" if as_needed else "current"


def _reason(resource: Json, find: Resolver) -> str:
    words = [_text(c) for c in resource.get("reasonCode") or []]
    for ref in resource.get("reasonReference") or []:
        words.append(_display(ref, find, lambda r: _text(r.get("code"))))
    return ", ".join(w for w in words if w)


def _medication_from(resource: Json, find: Resolver) -> list[Mapped]:
    """MedicationStatement (Homebase's own) and MedicationRequest (portals, Synthea)."""
    statement = resource["resourceType"] == "MedicationStatement"
    dosage = _first(resource.get("dosage" if statement else "dosageInstruction"))
    status = _medication_status(resource.get("status"), dosage.get("asNeededBoolean") is True)
    name = _medication_name(resource, find)
    if status is None or not name:
        return []
    schedule = _text((dosage.get("timing") or {}).get("code"))
    if schedule:
        dose = _split_dose(dosage.get("text", ""), schedule)
    else:
        dose = _dose_words(dosage)
        schedule = dosage.get("text") or _timing_words(dosage.get("timing"))
        if not schedule and dosage.get("asNeededBoolean"):
            schedule = _("when needed")
    code, system = _medication_code(resource, find)
    period = resource.get("effectivePeriod") or {}
    started = _date(period.get("start")) or _date(resource.get("effectiveDateTime"))
    fields = {
        "name": name,
        "code": code,
        "code_system": system,
        "dose": dose or NOT_RECORDED,
        "schedule": schedule or NOT_RECORDED,
        "route": _text(dosage.get("route")),
        "reason": _reason(resource, find),
        "status": status,
        "started_on": started if statement else _date(resource.get("authoredOn")),
        "stopped_on": _date(period.get("end")),
        "pharmacy": _ext_value(resource, "pharmacy") or "",
        "notes": _notes(resource),
    }
    source = _ref_of(resource.get("informationSource" if statement else "requester"))
    refs = {"prescriber": source} if source and _is_person(source, find) else {}
    return [Mapped(Medication, fields, refs)]


# Allergy -------------------------------------------------------------------

_SEVERITY = {"1severe": "severe", "2moderate": "moderate", "3mild": "mild"}
_CRITICALITY = {
    "1severe": "high",
    "2moderate": "low",
    "3mild": "low",
    "4unknown": "unable-to-assess",
}
_UNKNOWN = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
            "code": "unknown",
            "display": "Unknown",
        }
    ]
}


def _allergy_to(item: Allergy) -> Json:
    coding = (
        _coding(item.code, item.code_system, _condition_system, item.substance)
        if item.code
        else None
    )
    severity = _SEVERITY.get(item.severity)
    reaction = None
    if item.reaction or severity:
        manifestation = {"text": item.reaction} if item.reaction else _UNKNOWN
        reaction = {"manifestation": [manifestation], "severity": severity}
    return {
        "resourceType": "AllergyIntolerance",
        "id": str(item.uuid),
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                    "code": "active",
                }
            ]
        },
        "category": [item.category] if item.category != "other" else [],
        "criticality": _CRITICALITY[item.severity],
        "code": {"coding": [coding], "text": item.substance},
        "patient": _patient(item),
        "reaction": [reaction],
        "note": [_note(item.what_to_do)],
    }


def _allergy_severity(resource: Json) -> str:
    order = {"severe": "1severe", "moderate": "2moderate", "mild": "3mild"}
    found = sorted(
        order[r["severity"]] for r in resource.get("reaction") or [] if r.get("severity") in order
    )
    if found:
        return found[0]
    return "1severe" if resource.get("criticality") == "high" else "4unknown"


# "No known (drug, food, environmental) allergy": a statement, not an allergy.
_NO_KNOWN = {"716186003", "409137002", "429625007", "428607008", "428197003"}


def _allergy_from(resource: Json, find: Resolver) -> list[Mapped]:
    clinical = _first((resource.get("clinicalStatus") or {}).get("coding")).get("code")
    codes = {c.get("code") for c in (resource.get("code") or {}).get("coding") or []}
    if _unwanted(resource) or clinical in ("inactive", "resolved") or codes & _NO_KNOWN:
        return []
    categories = [
        c for c in resource.get("category") or [] if c in ("food", "medication", "environment")
    ]
    manifestations = [
        m.get("text") or _text(m)
        for r in resource.get("reaction") or []
        for m in r.get("manifestation") or []
        if m != _UNKNOWN
    ]
    code, system = _code_back(resource.get("code"), _condition_system, (SNOMED,))
    fields = {
        "substance": _text(resource.get("code")) or NOT_RECORDED,
        "code": code,
        "code_system": system,
        "category": categories[0] if categories else "other",
        "reaction": ", ".join(m for m in manifestations if m),
        "severity": _allergy_severity(resource),
        "what_to_do": _notes(resource),
    }
    return [Mapped(Allergy, fields)]


# Immunization --------------------------------------------------------------


def _immunization_to(item: Immunization) -> Json:
    coding = _coding(item.code, item.code_system, _fixed(CVX), item.vaccine) if item.code else None
    return {
        "resourceType": "Immunization",
        "id": str(item.uuid),
        "extension": [{"url": EXT + "pcp-told", "valueBoolean": item.pcp_told}],
        "status": "completed",
        "vaccineCode": {"coding": [coding], "text": item.vaccine},
        "patient": _patient(item),
        "occurrenceDateTime": _day(item.given_on),
        "primarySource": not item.given_elsewhere,
        "performer": [{"actor": {"display": item.given_by}}] if item.given_by else [],
        "note": [_note(item.notes)],
        "protocolApplied": [{"doseNumberPositiveInt": item.dose_number}]
        if item.dose_number
        else [],
    }


def _immunization_from(resource: Json, find: Resolver) -> list[Mapped]:
    given = _date(resource.get("occurrenceDateTime"))
    if resource.get("status") != "completed" or given is None:
        return []
    performer = _first(resource.get("performer")).get("actor") or {}
    given_by = performer.get("display") or (resource.get("location") or {}).get("display", "")
    dose = _first(resource.get("protocolApplied")).get("doseNumberPositiveInt")
    told = _ext_value(resource, "pcp-told")
    code, system = _code_back(resource.get("vaccineCode"), _fixed(CVX), (CVX,))
    fields = {
        "vaccine": _text(resource.get("vaccineCode")) or NOT_RECORDED,
        "code": code,
        "code_system": system,
        "given_on": given,
        "dose_number": dose if isinstance(dose, int) and dose < 32768 else None,
        "given_by": given_by,
        "given_elsewhere": resource.get("primarySource") is False,
        "pcp_told": True if told is None else bool(told),
        "notes": _notes(resource),
    }
    return [Mapped(Immunization, fields)]


# Measurement ---------------------------------------------------------------

VITALS = {
    "weight": ("29463-7", "Body weight", "kg", "kg"),
    "height": ("8302-2", "Body height", "cm", "cm"),
    "head": ("9843-4", "Head Occipital-frontal circumference", "cm", "cm"),
    "temperature": ("8310-5", "Body temperature", "°C", "Cel"),
    "heart_rate": ("8867-4", "Heart rate", "/min", "/min"),
    "oxygen": ("2708-6", "Oxygen saturation in Arterial blood", "%", "%"),
}
_LOINC_KIND = {code: kind for kind, (code, *_rest) in VITALS.items()} | {
    "59408-5": "oxygen",
    "3141-9": "weight",
    "8306-3": "height",
    "8287-5": "head",
}
_UCUM_OF = {unit: ucum for _code, _label, unit, ucum in VITALS.values()}
_UNIT_OF = {ucum: unit for unit, ucum in _UCUM_OF.items()}
# (UCUM code, kind) -> (Homebase unit, convert)
_CONVERT: dict[tuple[str, str], tuple[str, Callable[[Decimal], Decimal]]] = {
    ("[lb_av]", "weight"): ("kg", lambda v: v * Decimal("0.45359237")),
    ("g", "weight"): ("kg", lambda v: v / 1000),
    ("[in_i]", "height"): ("cm", lambda v: v * Decimal("2.54")),
    ("[in_i]", "head"): ("cm", lambda v: v * Decimal("2.54")),
    ("[degF]", "temperature"): ("°C", lambda v: (v - 32) * 5 / 9),
}
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"


def _measurement_code(item: Measurement) -> Json:
    if item.kind in VITALS:
        code, label, *_rest = VITALS[item.kind]
        codings = [{"system": LOINC, "code": code, "display": label}]
        if item.kind == "oxygen":
            codings.append(
                {
                    "system": LOINC,
                    "code": "59408-5",
                    "display": "Oxygen saturation in Arterial blood by Pulse oximetry",
                }
            )
        return {"coding": codings, "text": str(item.get_kind_display())}
    return _local_concept("measurement-kind", item.kind, item.get_kind_display())


def _measurement_to(item: Measurement) -> Json:
    vital = item.kind in VITALS
    ucum = _UCUM_OF.get(item.unit)
    quantity = {
        "value": float(item.value),
        "unit": item.unit,
        "system": UCUM if ucum else None,
        "code": ucum,
    }
    category = "vital-signs" if vital else "survey"
    return {
        "resourceType": "Observation",
        "id": str(item.uuid),
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": category}]}],
        "code": _measurement_code(item),
        "subject": _patient(item),
        "effectiveDateTime": _day(item.measured_on),
        "valueQuantity": quantity,
        "note": [_note(item.notes)],
    }


def _is_vital(resource: Json) -> bool:
    return any(
        c.get("code") == "vital-signs"
        for cat in resource.get("category") or []
        for c in cat.get("coding") or []
    )


def _measurement_kind(resource: Json) -> str | None:
    concept = resource.get("code") or {}
    local = _local(concept, "measurement-kind")
    if local in Measurement.Kind.values:
        return local
    for coding in concept.get("coding") or []:
        if coding.get("system") == LOINC and coding.get("code") in _LOINC_KIND:
            return _LOINC_KIND[coding["code"]]
    return "other" if _is_vital(resource) else None


def _quantity(quantity: Json, kind: str) -> tuple[Decimal, str] | None:
    try:
        value = Decimal(str(quantity["value"]))
    except (KeyError, InvalidOperation):
        return None
    code = quantity.get("code") if quantity.get("system") == UCUM else None
    unit = str(quantity.get("unit") or quantity.get("code") or "")
    if code and (code, kind) in _CONVERT:
        unit, convert = _CONVERT[(code, kind)]
        value = convert(value)
    elif code in _UNIT_OF and kind in VITALS:
        unit = _UNIT_OF[code]
    value = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return (value, unit[:20]) if abs(value) < Decimal("1000000") else None


def _measurement_from(resource: Json, find: Resolver) -> list[Mapped]:
    kind = _measurement_kind(resource)
    if kind is None or resource.get("status") in ("entered-in-error", "cancelled"):
        return []
    found = _quantity(resource.get("valueQuantity") or {}, kind)
    measured = _date(resource.get("effectiveDateTime")) or _date(
        (resource.get("effectivePeriod") or {}).get("start") or resource.get("issued")
    )
    if found is None or measured is None:
        return []
    notes = _notes(resource)
    if kind == "other" and _local(resource.get("code"), "measurement-kind") is None:
        notes = "; ".join(t for t in (_text(resource.get("code")), notes) if t)
    value, unit = found
    fields = {
        "kind": kind,
        "value": value,
        "unit": unit,
        "measured_on": measured,
        "notes": notes[:300],
    }
    return [Mapped(Measurement, fields)]


# Coverage ------------------------------------------------------------------

SOPT = "https://nahdo.org/sopt"
COVERAGE_CLASS = "http://terminology.hl7.org/CodeSystem/coverage-class"
_ORDER = {"primary": 1, "secondary": 2, "other": 3}
_MEDICAID_CODES = {"2", "21", "211", "212", "213", "219", "22", "23", "25", "29", "SUBSIDIZ"}


def _coverage_class(kind: str, value: str, name: str = "") -> Json | None:
    if not value:
        return None
    concept = {"coding": [{"system": COVERAGE_CLASS, "code": kind}]}
    return {"type": concept, "value": value, "name": name}


def _coverage_to(item: Coverage) -> Json:
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
            _ext("renewal-date", "Date", item.renewal_on),
            _ext("coverage-notes", "String", item.notes),
        ],
        "status": "active",
        "type": medicaid if item.is_medicaid else None,
        "subscriberId": item.member_id,
        "beneficiary": _patient(item),
        "period": {"start": _day(item.starts_on), "end": _day(item.ends_on)},
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
    words = _text(concept).lower()
    return bool(codes & _MEDICAID_CODES) or "medicaid" in words or "chip" in words.split()


def _class_of(resource: Json, kind: str) -> Json:
    for item in resource.get("class") or []:
        if any(c.get("code") == kind for c in (item.get("type") or {}).get("coding") or []):
            return item
    return {}


def _payer(resource: Json, find: Resolver) -> tuple[str, str]:
    """The payer's name and phone (a contained or uploaded Organization, or the display)."""
    payor = _first(resource.get("payor"))
    ref = _ref_of(payor)
    target = (find(ref) if ref else None) or {}
    name = payor.get("display") or target.get("name") or ""
    if isinstance(name, list):  # a Patient or RelatedPerson pays
        name = _human_name(_first(name))
    phones = [t.get("value") for t in target.get("telecom") or [] if t.get("system") == "phone"]
    return str(name), str(phones[0] if phones else "")


def _coverage_from(resource: Json, find: Resolver) -> list[Mapped]:
    if resource.get("status") == "entered-in-error":
        return []
    payer, phone = _payer(resource, find)
    order = resource.get("order")
    kind = {1: "primary", 2: "secondary"}.get(order or 0, "other" if order else "primary")
    period = resource.get("period") or {}
    plan = _class_of(resource, "plan")
    medicaid = _is_medicaid(resource)
    renewal = _date(_ext_value(resource, "renewal-date"))
    fields = {
        "payer": payer or NOT_RECORDED,
        "plan_name": plan.get("name") or plan.get("value", ""),
        "kind": kind,
        "is_medicaid": medicaid,
        "member_id": resource.get("subscriberId")
        or _first(resource.get("identifier")).get("value", ""),
        "group_number": _class_of(resource, "group").get("value", ""),
        "phone": phone,
        "starts_on": _date(period.get("start")),
        "ends_on": _date(period.get("end")),
        "renewal_on": renewal or (_date(period.get("end")) if medicaid else None),
        "notes": _ext_value(resource, "coverage-notes") or "",
    }
    return [Mapped(Coverage, fields)]


# Equipment -----------------------------------------------------------------


def _equipment_to(item: Equipment) -> Json:
    return {
        "resourceType": "Device",
        "id": str(item.uuid),
        "extension": [_ext("received-date", "Date", item.received_on)],
        "status": "active" if item.in_use else "inactive",
        "serialNumber": item.serial_number,
        "deviceName": [{"name": item.name, "type": "user-friendly-name"}],
        "patient": _patient(item),
        "owner": {"display": item.supplier},
        "contact": _telecom(item.supplier_phone),
        "expirationDate": _day(item.replace_on),
        "note": [_note(item.notes)],
    }


def _device_name(resource: Json) -> str:
    names = sorted(
        resource.get("deviceName") or [], key=lambda n: n.get("type") != "user-friendly-name"
    )
    if names and names[0].get("name"):
        return str(names[0]["name"])
    return _text(resource.get("type")) or str(resource.get("modelNumber") or "")


def _equipment_from(resource: Json, find: Resolver) -> list[Mapped]:
    name = _device_name(resource)
    if resource.get("status") == "entered-in-error" or not name:
        return []
    phones = [
        c["value"]
        for c in resource.get("contact") or []
        if c.get("system") == "phone" and c.get("value")
    ]
    fields = {
        "name": name,
        "supplier": (resource.get("owner") or {}).get("display", "")
        or str(resource.get("manufacturer") or ""),
        "supplier_phone": phones[0] if phones else "",
        "serial_number": resource.get("serialNumber", ""),
        "received_on": _date(_ext_value(resource, "received-date")),
        "replace_on": _date(resource.get("expirationDate")),
        "in_use": resource.get("status") != "inactive",
        "notes": _notes(resource),
    }
    return [Mapped(Equipment, fields)]


# Document ------------------------------------------------------------------


def _attachment(item: Document, with_files: bool) -> Json:
    attachment: Json = {
        "contentType": item.content_type,
        "title": item.title,
        "size": item.size or None,
    }
    if with_files and item.file:
        with item.file.open("rb") as handle:
            data = handle.read()
        attachment["data"] = base64.b64encode(data).decode()
        attachment["hash"] = base64.b64encode(hashlib.sha1(data).digest()).decode()  # noqa: S324 - R4 wants SHA-1
        attachment["size"] = len(data)
    return attachment


def _document_to(item: Document, with_files: bool = False) -> Json:
    return {
        "resourceType": "DocumentReference",
        "id": str(item.uuid),
        "status": "current",
        "type": _local_concept("document-kind", item.kind, item.get_kind_display()),
        "subject": _patient(item),
        "date": _instant(item.created_at),
        "description": item.notes,
        "content": [{"attachment": _attachment(item, with_files)}],
        "context": {"period": {"start": _day(item.dated)}},
    }


def _document_from(resource: Json, find: Resolver) -> list[Mapped]:
    if resource.get("status") == "entered-in-error":
        return []
    attachment = _first(resource.get("content")).get("attachment") or {}
    content = None
    if attachment.get("data"):
        try:
            content = base64.b64decode(attachment["data"], validate=True)
        except (binascii.Error, ValueError):
            content = None
    kind = _local(resource.get("type"), "document-kind")
    fields = {
        "title": attachment.get("title")
        or resource.get("description")
        or _text(resource.get("type"))
        or NOT_RECORDED,
        "kind": kind if kind in Document.Kind.values else "other",
        "dated": _date(((resource.get("context") or {}).get("period") or {}).get("start"))
        or _date(resource.get("date")),
        "content_type": str(attachment.get("contentType", ""))[:100],
        "notes": resource.get("description", "") if attachment.get("title") else "",
    }
    return [Mapped(Document, fields, content=content)]


# Team members and practices ------------------------------------------------


def _telecom(phone: str, email: str = "", fax: str = "", after_hours: str = "") -> list[Any]:
    return [
        {"system": "phone", "value": phone, "use": "work"} if phone else None,
        {"id": "after-hours", "system": "phone", "value": after_hours} if after_hours else None,
        {"system": "email", "value": email} if email else None,
        {"system": "fax", "value": fax} if fax else None,
    ]


def _contacts(telecom: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for point in telecom or []:
        key = point.get("id") or point.get("system")
        if key and point.get("value") and key not in found:
            found[key] = str(point["value"])
    return found


def _member_to(item: CareTeamMember) -> Json:
    organization = {"display": item.organization}
    if item.practice is not None:
        organization["reference"] = f"Organization/{item.practice.uuid}"
    return {
        "resourceType": "PractitionerRole",
        "id": str(item.uuid),
        "extension": [
            _ext("medical-home-lead", "Boolean", item.is_medical_home_lead),
            _ext("team-notes", "String", item.notes),
        ],
        "practitioner": {"display": item.name},
        "organization": organization,
        "code": [_local_concept("care-team-role", item.role, item.get_role_display())],
        "specialty": [{"text": item.specialty}],
        "telecom": _telecom(item.phone, item.email, item.fax, item.after_hours_phone),
    }


def _email(value: str) -> str:
    try:
        validate_email(value)
    except ValidationError:
        return ""
    return value


def _member_fields(name: str, telecom: Any) -> dict[str, Any]:
    """Name and contacts; an address Homebase cannot store as an email goes to the notes."""
    contacts = _contacts(telecom)
    email = contacts.get("email", "")
    return {
        "name": name,
        "phone": contacts.get("phone", "")[:40],
        "after_hours_phone": contacts.get("after-hours", "")[:40],
        "email": _email(email),
        "fax": contacts.get("fax", "")[:40],
        "notes": "" if _email(email) == email else email,
    }


def _role_from(resource: Json) -> str:
    for concept in resource.get("code") or []:
        local = _local(concept, "care-team-role")
        if local in CareTeamMember.Role.values:
            return local
    return "other"


def _practitioner_name(resource: Json) -> str:
    names = resource.get("name")
    if isinstance(names, str):
        return names
    return _human_name(_first(names))


def _practitioner_role_from(resource: Json, find: Resolver) -> list[Mapped]:
    name = _display(resource.get("practitioner"), find, _practitioner_name)
    if not name:
        return []
    telecom = resource.get("telecom")
    if not telecom and (ref := _ref_of(resource.get("practitioner"))):
        telecom = (find(ref) or {}).get("telecom")
    organization = resource.get("organization") or {}
    fields = {
        **_member_fields(name, telecom),
        "role": _role_from(resource),
        "specialty": _text(_first(resource.get("specialty"))),
        "organization": _display(organization, find, lambda o: str(o.get("name", ""))),
        "is_medical_home_lead": bool(_ext_value(resource, "medical-home-lead")),
    }
    notes = _ext_value(resource, "team-notes") or ""
    fields["notes"] = "\n\n".join(n for n in (notes, fields["notes"]) if n)
    ref = _ref_of(organization)
    refs = {"practice": ref} if ref and not ref.startswith("#") else {}
    return [Mapped(CareTeamMember, fields, refs)]


def _practitioner_from(resource: Json, find: Resolver) -> list[Mapped]:
    name = _practitioner_name(resource)
    if not name:
        return []
    fields = {**_member_fields(name, resource.get("telecom")), "role": "other"}
    return [Mapped(CareTeamMember, fields)]


def _care_team_from(resource: Json, find: Resolver) -> list[Mapped]:
    """The people of a CareTeam that are not in the upload as a PractitionerRole."""
    found = []
    for participant in resource.get("participant") or []:
        member = participant.get("member") or {}
        ref = _ref_of(member) or ""
        target = (find(ref) if ref else None) or {}
        kind = target.get("resourceType") or ref.split("/")[0].split("?")[0]
        name = member.get("display") or (_practitioner_name(target) if target else "")
        if kind == "Practitioner" and name:
            fields = {**_member_fields(name, target.get("telecom")), "role": "other"}
            found.append(Mapped(CareTeamMember, fields, source=ref))
    return found


def _practice_to(item: Practice) -> Json:
    telecom = _telecom(item.phone, after_hours=item.after_hours_phone)
    if item.nurse_line:
        telecom.append({"id": "nurse-line", "system": "phone", "value": item.nurse_line})
    if item.website:
        telecom.append({"system": "url", "value": item.website})
    return {
        "resourceType": "Organization",
        "id": str(item.uuid),
        "name": item.name,
        "telecom": telecom,
        "address": [{"text": item.address}] if item.address else [],
    }


def _address_text(address: Json) -> str:
    if address.get("text"):
        return str(address["text"])
    place = " ".join(p for p in (address.get("state"), address.get("postalCode")) if p)
    town = ", ".join(p for p in (address.get("city"), place) if p)
    return "\n".join(p for p in [*address.get("line", []), town] if p)


def _practice_from(resource: Json, find: Resolver) -> list[Mapped]:
    if not resource.get("name"):
        return []
    contacts = _contacts(resource.get("telecom"))
    fields = {
        "name": str(resource["name"])[:200],
        "phone": contacts.get("phone", "")[:40],
        "after_hours_phone": contacts.get("after-hours", "")[:40],
        "nurse_line": contacts.get("nurse-line", "")[:40],
        "website": contacts.get("url", "")[:200],
        "address": _address_text(_first(resource.get("address"))),
    }
    return [Mapped(Practice, fields)]


# Visits --------------------------------------------------------------------


def _visit_extensions(item: Visit) -> list[Any]:
    return [
        _ext("interpreter-needed", "Boolean", item.interpreter_needed),
        _ext("extra-time-needed", "Boolean", item.extra_time_needed),
        _ext("extra-time-reason", "String", item.extra_time_reason),
        _ext("recording-agreed", "Boolean", item.recording_agreed),
    ]


def _visit_to(item: Visit) -> Json:
    if item.status == Visit.Status.DONE:
        return {
            "resourceType": "Encounter",
            "id": str(item.uuid),
            "extension": [*_visit_extensions(item), _ext("visit-summary", "String", item.summary)],
            "status": "finished",
            "class": {
                "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                "code": "AMB",
                "display": "ambulatory",
            },
            "subject": _patient(item),
            "participant": [{"individual": _ref(item.team_member)}] if item.team_member else [],
            "period": {"start": _instant(item.starts_at)},
            "reasonCode": [{"text": item.purpose}],
            "location": [{"location": {"display": item.place}}] if item.place else [],
        }
    participants: list[Json] = [{"actor": _patient(item), "status": "accepted"}]
    if item.team_member is not None:
        participants.append({"actor": _ref(item.team_member), "status": "accepted"})
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
        "start": _instant(item.starts_at),
        "end": _instant(item.starts_at),
        "comment": item.summary,
        "participant": participants,
    }


_PERSON = ("Practitioner", "PractitionerRole")


def _ref_type(ref: str, find: Resolver) -> str | None:
    """The resource type a reference points to; None when it cannot be told."""
    target = find(ref)
    if target:
        return target.get("resourceType")
    if ref.startswith("urn:"):
        return None
    parts = ref.split("?")[0].split("/")
    return parts[-2] if len(parts) >= 2 else parts[0]


def _is_person(ref: str, find: Resolver) -> bool:
    """A practitioner (or one that cannot be told): what team member FKs point to."""
    return _ref_type(ref, find) in (*_PERSON, None)


def _visit_common(resource: Json) -> dict[str, Any]:
    return {
        "interpreter_needed": bool(_ext_value(resource, "interpreter-needed")),
        "extra_time_needed": bool(_ext_value(resource, "extra-time-needed")),
        "extra_time_reason": _ext_value(resource, "extra-time-reason") or "",
        "recording_agreed": bool(_ext_value(resource, "recording-agreed")),
    }


def _purpose(resource: Json, *keys: str) -> str:
    for key in keys:
        value = resource.get(key)
        if isinstance(value, list):
            words = _text(_first(value))
        else:
            words = value if isinstance(value, str) else _text(value)
        if words:
            return words
    return _("Visit")


_ENCOUNTER_STATUS = {"planned": "planned", "cancelled": "cancelled", "entered-in-error": None}


def _encounter_from(resource: Json, find: Resolver) -> list[Mapped]:
    status = _ENCOUNTER_STATUS.get(resource.get("status", ""), "done")
    starts = _datetime((resource.get("period") or {}).get("start"))
    if status is None or starts is None:
        return []
    location = (_first(resource.get("location")).get("location") or {}).get("display")
    fields = {
        **_visit_common(resource),
        "starts_at": starts,
        "place": location or (resource.get("serviceProvider") or {}).get("display", ""),
        "purpose": _purpose(resource, "reasonCode", "type", "serviceType"),
        "status": status,
        "summary": _ext_value(resource, "visit-summary") or "",
    }
    found = [_ref_of(p.get("individual")) for p in resource.get("participant") or []]
    people = [p for p in found if p and _is_person(p, find)]
    return [Mapped(Visit, fields, {"team_member": people[0]} if people else {})]


_APPOINTMENT_STATUS = {"fulfilled": "done", "cancelled": "cancelled", "noshow": "cancelled"}


def _appointment_from(resource: Json, find: Resolver) -> list[Mapped]:
    starts = _datetime(resource.get("start"))
    if resource.get("status") == "entered-in-error" or starts is None:
        return []
    actors = [p.get("actor") or {} for p in resource.get("participant") or []]
    people = [r for a in actors if (r := _ref_of(a)) and _is_person(r, find)]
    places = [
        a.get("display", "")
        for a in actors
        if a.get("type") == "Location" or _ref_type(_ref_of(a) or "", find) == "Location"
    ]
    fields = {
        **_visit_common(resource),
        "starts_at": starts,
        "place": places[0] if places else "",
        "purpose": _purpose(
            resource, "reasonCode", "description", "serviceType", "appointmentType"
        ),
        "status": _APPOINTMENT_STATUS.get(resource.get("status", ""), "planned"),
        "summary": resource.get("comment", ""),
    }
    return [Mapped(Visit, fields, {"team_member": people[0]} if people else {})]


# Referrals -----------------------------------------------------------------

_REFERRAL_STATUS = {"closed": "completed", "declined": "revoked", "cancelled": "revoked"}
_PRIORITY = {"routine": "routine", "soon": "urgent", "urgent": "asap"}
_URGENCY = {"routine": "routine", "urgent": "soon", "asap": "urgent", "stat": "urgent"}
_SR_STATUS = {
    "draft": "requested",
    "active": "sent",
    "on-hold": "sent",
    "completed": "closed",
    "revoked": "cancelled",
}


def _referral_to(item: Referral) -> Json:
    return {
        "resourceType": "ServiceRequest",
        "id": str(item.uuid),
        "extension": [
            _ext("referral-step", "Code", item.status),
            _ext("prior-approval-needed", "Boolean", item.prior_approval_needed),
            _ext("sent-date", "Date", item.sent_on),
            _ext("seen-date", "Date", item.seen_on),
            _ext("report-date", "Date", item.report_on),
        ],
        "status": _REFERRAL_STATUS.get(item.status, "active"),
        "intent": "order",
        "category": [
            {"coding": [{"system": SNOMED, "code": "3457005", "display": "Patient referral"}]}
        ],
        "priority": _PRIORITY[item.urgency],
        "code": {"text": item.to_specialty},
        "subject": _patient(item),
        "occurrenceDateTime": _day(item.appointment_on),
        "authoredOn": _day(item.requested_on),
        "requester": _ref(item.from_member),
        "performer": [_ref(item.to_member)],
        "reasonCode": [{"text": item.reason}],
        "note": [_note(item.ended_reason)],
    }


def _referral_from(resource: Json, find: Resolver) -> list[Mapped]:
    status = resource.get("status", "")
    step = _ext_value(resource, "referral-step")
    if status == "entered-in-error":
        return []
    to = _text(resource.get("code")) or _text(resource.get("performerType"))
    fields = {
        "to_specialty": to or NOT_RECORDED,
        "reason": _reason(resource, find) or _notes(resource) or to or NOT_RECORDED,
        "urgency": _URGENCY.get(resource.get("priority", ""), "routine"),
        "prior_approval_needed": bool(_ext_value(resource, "prior-approval-needed")),
        "status": step if step in Referral.Status.values else _SR_STATUS.get(status, "requested"),
        "appointment_on": _date(resource.get("occurrenceDateTime")),
        "sent_on": _date(_ext_value(resource, "sent-date")),
        "seen_on": _date(_ext_value(resource, "seen-date")),
        "report_on": _date(_ext_value(resource, "report-date")),
        "ended_reason": _notes(resource) if step else "",
    }
    if requested := _date(resource.get("authoredOn")):
        fields["requested_on"] = requested
    refs = {}
    if (ref := _ref_of(resource.get("requester"))) and _is_person(ref, find):
        refs["from_member"] = ref
    if (ref := _ref_of(_first(resource.get("performer")))) and _is_person(ref, find):
        refs["to_member"] = ref
    return [Mapped(Referral, fields, refs)]


# Tasks ---------------------------------------------------------------------

_TASK_STATUS = {"open": "requested", "done": "completed", "cancelled": "cancelled"}
_TASK_BACK = {
    "completed": "done",
    "cancelled": "cancelled",
    "rejected": "cancelled",
    "failed": "cancelled",
}
GUARDIAN_SYSTEM = f"{CANONICAL}/guardianship"


def _task_owner(item: Task) -> Json | None:
    if item.owner_is_child:
        return _patient(item)
    if item.owner_member is not None:
        return _ref(item.owner_member)
    guardian = item.owner_guardian
    if guardian is not None:
        return {
            "type": "RelatedPerson",
            "identifier": {"system": GUARDIAN_SYSTEM, "value": str(guardian.uuid)},
            "display": guardian.user.display_name,
        }
    return None


def _task_to(item: Task) -> Json:
    return {
        "resourceType": "Task",
        "id": str(item.uuid),
        "extension": [_ext("task-origin", "Code", item.origin)],
        "status": _TASK_STATUS[item.status],
        "intent": "plan",
        "description": item.title,
        "focus": _ref(item.goal),
        "for": _patient(item),
        "executionPeriod": {"end": _instant(item.done_at)},
        "owner": _task_owner(item),
        "reasonReference": _ref(item.visit),
        "note": [_note(item.details)],
        "restriction": {"period": {"end": _day(item.due_on)}},
    }


def _task_refs(resource: Json, find: Resolver) -> tuple[dict[str, str], bool]:
    refs: dict[str, str] = {}
    owner = resource.get("owner") or {}
    ref = _ref_of(owner) or ""
    identifier = owner.get("identifier") or {}
    if identifier.get("system") == GUARDIAN_SYSTEM:
        refs["owner_guardian"] = f"RelatedPerson?identifier={GUARDIAN_SYSTEM}|{identifier['value']}"
    elif ref and _is_person(ref, find):
        refs["owner_member"] = ref
    if (focus := _ref_of(resource.get("focus"))) and _ref_type(focus, find) == "Goal":
        refs["goal"] = focus
    reason = _ref_of(resource.get("reasonReference"))
    if reason and _ref_type(reason, find) in ("Encounter", "Appointment"):
        refs["visit"] = reason
    return refs, bool(ref) and _ref_type(ref, find) == "Patient"


def _task_from(resource: Json, find: Resolver) -> list[Mapped]:
    status = resource.get("status", "")
    title = resource.get("description") or _text(resource.get("code"))
    if status == "entered-in-error" or not title:
        return []
    origin = _ext_value(resource, "task-origin")
    refs, for_child = _task_refs(resource, find)
    fields = {
        "title": str(title)[:300],
        "details": _notes(resource),
        "due_on": _date(((resource.get("restriction") or {}).get("period") or {}).get("end")),
        "status": _TASK_BACK.get(status, "open"),
        "origin": origin if origin in Task.Origin.values else "other",
        "owner_is_child": for_child,
        "done_at": _datetime((resource.get("executionPeriod") or {}).get("end")),
    }
    return [Mapped(Task, fields, refs)]


# Care plan and goals -------------------------------------------------------

_GOAL_STATUS = {"active": "active", "met": "completed", "stopped": "cancelled"}
_GOAL_BACK = {"completed": "met", "cancelled": "stopped", "rejected": "stopped"}
_PLAN_BACK = {"completed": "met", "revoked": "stopped"}
PLAN_KIND = "shared-plan"


def _goal_to(item: Goal) -> Json:
    achieved = None
    if item.status == "met":
        achieved = {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/goal-achievement",
                    "code": "achieved",
                }
            ]
        }
    return {
        "resourceType": "Goal",
        "id": str(item.uuid),
        "extension": [_ext("goal-term", "Code", item.term)],
        "lifecycleStatus": _GOAL_STATUS[item.status],
        "achievementStatus": achieved,
        "category": [_local_concept("goal-domain", item.domain, item.get_domain_display())],
        "description": {"text": item.text},
        "subject": _patient(item),
        "target": [{"measure": {"text": item.measure}, "dueDate": _day(item.target_on)}],
    }


def _goal_from(resource: Json, find: Resolver) -> list[Mapped]:
    status = resource.get("lifecycleStatus", "")
    text = _text(resource.get("description"))
    if status == "entered-in-error" or not text:
        return []
    achieved = _first((resource.get("achievementStatus") or {}).get("coding")).get("code")
    domain = next(
        (d for c in resource.get("category") or [] if (d := _local(c, "goal-domain"))), None
    )
    term = _ext_value(resource, "goal-term")
    target = _first(resource.get("target"))
    fields = {
        "text": text[:300],
        "term": term if term in Goal.Term.values else "short",
        "domain": domain if domain in Goal.Domain.values else "medical",
        "measure": _text(target.get("measure"))[:300],
        "target_on": _date(target.get("dueDate")),
        "status": "met" if achieved == "achieved" else _GOAL_BACK.get(status, "active"),
    }
    return [Mapped(Goal, fields)]


def _care_plan_to(item: CarePlan) -> Json:
    return {
        "resourceType": "CarePlan",
        "id": str(item.uuid),
        "extension": [_ext("review-date", "Date", item.review_on)],
        "status": "active",
        "intent": "plan",
        "category": [_local_concept("plan-kind", PLAN_KIND, _("Shared plan of care"))],
        "title": _("Shared plan of care"),
        "subject": _patient(item),
        "goal": [_ref(goal) for goal in item.goals.all()] if item.pk else [],
        "note": [
            _note(item.strengths, "strengths"),
            _note(item.priorities, "priorities"),
            _note(item.what_matters, "what-matters"),
        ],
    }


def _activities(resource: Json) -> list[str]:
    words = [_text((a.get("detail") or {}).get("code")) for a in resource.get("activity") or []]
    return list(dict.fromkeys(w for w in words if w))


def _plan_name(resource: Json) -> str:
    categories = [_text(c) for c in resource.get("category") or []]
    named = [c for c in categories if c and c != "assess-plan"]
    return str(resource.get("title") or resource.get("description") or (named[0] if named else ""))


def _care_plan_from(resource: Json, find: Resolver) -> list[Mapped]:
    status = resource.get("status", "")
    if status == "entered-in-error":
        return []
    if any(_local(c, "plan-kind") == PLAN_KIND for c in resource.get("category") or []):
        fields = {
            "strengths": _notes(resource, "strengths"),
            "priorities": _notes(resource, "priorities"),
            "what_matters": _notes(resource, "what-matters"),
            "review_on": _date(_ext_value(resource, "review-date")),
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
        "target_on": _date((resource.get("period") or {}).get("end")),
        "status": _PLAN_BACK.get(status, "active"),
    }
    return [Mapped(Goal, fields)]


# The registry --------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """How one Homebase model maps: what it becomes and which fields make the trip."""

    model: type[models.Model]
    resource_types: tuple[str, ...]  # what to_fhir makes (Visit: either)
    to_fhir: Callable[..., Json]
    fields: tuple[str, ...]  # plain fields that survive from_fhir(to_fhir(item))
    refs: tuple[str, ...] = ()  # FK fields that come back as references
    select: tuple[str, ...] = ()  # select_related for an export

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


def _rule(
    model: type[models.Model],
    types: str,
    to: Callable[..., Json],
    fields: str,
    refs: str = "",
    select: str = "child",
) -> Rule:
    return Rule(
        model,
        tuple(types.split()),
        to,
        tuple(fields.split()),
        tuple(refs.split()),
        tuple(select.split()),
    )


# fmt: off
RULES: tuple[Rule, ...] = (
    _rule(Child, "Patient", _patient_to,
          "first_name last_name preferred_name birth_date sex language", select=""),
    _rule(Condition, "Condition", _condition_to,
          "name plain_words status diagnosed_on code code_system notes"),
    _rule(Medication, "MedicationStatement", _medication_to,
          "name code code_system dose schedule route reason status started_on stopped_on "
          "pharmacy notes", "prescriber", "child prescriber"),
    _rule(Allergy, "AllergyIntolerance", _allergy_to,
          "substance code code_system category reaction severity what_to_do"),
    _rule(Immunization, "Immunization", _immunization_to,
          "vaccine code code_system given_on dose_number given_by given_elsewhere pcp_told notes"),
    _rule(Measurement, "Observation", _measurement_to, "kind value unit measured_on notes"),
    _rule(Coverage, "Coverage", _coverage_to,
          "payer plan_name kind is_medicaid member_id group_number phone starts_on renewal_on "
          "ends_on notes"),
    _rule(Equipment, "Device", _equipment_to,
          "name supplier supplier_phone serial_number received_on replace_on in_use notes"),
    _rule(Document, "DocumentReference", _document_to, "title kind dated notes content_type"),
    _rule(CareTeamMember, "PractitionerRole", _member_to,
          "name role specialty organization phone after_hours_phone email fax notes "
          "is_medical_home_lead", "practice", "child practice"),
    _rule(Practice, "Organization", _practice_to,
          "name address phone after_hours_phone nurse_line website", select=""),
    _rule(Visit, "Encounter Appointment", _visit_to,
          "starts_at place purpose interpreter_needed extra_time_needed extra_time_reason status "
          "summary recording_agreed", "team_member", "child team_member"),
    _rule(Referral, "ServiceRequest", _referral_to,
          "to_specialty reason urgency prior_approval_needed status requested_on sent_on "
          "appointment_on seen_on report_on ended_reason",
          "from_member to_member", "child from_member to_member"),
    _rule(Task, "Task", _task_to,
          "title details due_on status origin owner_is_child done_at",
          "owner_guardian owner_member goal visit",
          "child owner_member owner_guardian__user goal visit"),
    _rule(CarePlan, "CarePlan", _care_plan_to, "strengths priorities what_matters review_on"),
    _rule(Goal, "Goal", _goal_to, "text term domain measure target_on status"),
)
# fmt: on
BY_LABEL: dict[str, Rule] = {rule.label: rule for rule in RULES}
ROUND_TRIP: dict[str, tuple[str, ...]] = {rule.label: rule.fields for rule in RULES}

FROM_FHIR: dict[str, Callable[[Json, Resolver], list[Mapped]]] = {
    "Patient": _patient_from,
    "Condition": _condition_from,
    "MedicationStatement": _medication_from,
    "MedicationRequest": _medication_from,
    "AllergyIntolerance": _allergy_from,
    "Immunization": _immunization_from,
    "Observation": _measurement_from,
    "Coverage": _coverage_from,
    "Device": _equipment_from,
    "DocumentReference": _document_from,
    "PractitionerRole": _practitioner_role_from,
    "Practitioner": _practitioner_from,
    "CareTeam": _care_team_from,
    "Organization": _practice_from,
    "Encounter": _encounter_from,
    "Appointment": _appointment_from,
    "ServiceRequest": _referral_from,
    "Task": _task_from,
    "Goal": _goal_from,
    "CarePlan": _care_plan_from,
}
# Types whose resources may stand for several rows: from_fhir_many only.
MANY = frozenset({"CareTeam"})


def rule_for(item: models.Model | type[models.Model]) -> Rule:
    return BY_LABEL[item._meta.label_lower]


def resource_type(item: models.Model) -> str:
    """The FHIR type ``to_fhir(item)`` makes (a visit depends on its status)."""
    if isinstance(item, Visit):
        return "Encounter" if item.status == Visit.Status.DONE else "Appointment"
    return rule_for(item).resource_types[0]


def reference(item: models.Model) -> str:
    return f"{resource_type(item)}/{item.uuid}"  # type: ignore[attr-defined]


def to_fhir(item: models.Model, *, with_files: bool = False) -> Json:
    """One Homebase row -> one FHIR R4 resource dict (``id`` = the row's uuid)."""
    if isinstance(item, Document):
        return _clean(_document_to(item, with_files))
    return _clean(rule_for(item).to_fhir(item))


def from_fhir_many(resource: Json, resolve: Resolver | None = None) -> list[Mapped]:
    """Every Homebase row one resource stands for ([] when it is not imported).

    ``resolve(reference)`` may return the resource a reference points to (the
    importer's view of the upload); it is used for names given only by
    reference (a MedicationRequest's Medication, a Coverage's payer).
    """
    mapper = FROM_FHIR.get(str(resource.get("resourceType", "")))
    if mapper is None:
        return []
    return [_fit(m) for m in mapper(resource, _resolver(resource, resolve))]


def from_fhir(resource: Json, resolve: Resolver | None = None) -> Mapped | None:
    """One resource -> one Homebase row, or None: not imported (a CareTeam: see
    ``from_fhir_many``)."""
    if resource.get("resourceType") in MANY:
        return None
    found = from_fhir_many(resource, resolve)
    return found[0] if found else None


def _fit(mapped: Mapped) -> Mapped:
    """Cut texts to the model's max_length, so a long source value never fails a save."""
    for name, value in mapped.fields.items():
        if isinstance(value, str):
            limit = getattr(mapped.model._meta.get_field(name), "max_length", None)
            if limit and len(value) > limit:
                mapped.fields[name] = value[:limit]
    return mapped


def field_values(item: models.Model) -> dict[str, Any]:
    """The values of ``item`` that make the round trip (for tests and previews)."""
    return {name: getattr(item, name) for name in rule_for(item).fields}


def ref_values(item: models.Model) -> dict[str, str]:
    """The references ``from_fhir(to_fhir(item))`` gives back for ``item``'s FKs."""
    found: dict[str, str] = {}
    for name in rule_for(item).refs:
        target = getattr(item, name)
        if target is None:
            continue
        if name == "owner_guardian":
            found[name] = f"RelatedPerson?identifier={GUARDIAN_SYSTEM}|{target.uuid}"
        elif name == "practice":
            found[name] = f"Organization/{target.uuid}"
        else:
            found[name] = reference(target)
    return found


def validate(resource: Json) -> None:
    """Raise pydantic's ValidationError unless ``resource`` is valid R4 (via R4B)."""
    from fhir.resources.R4B import get_fhir_model_class

    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
