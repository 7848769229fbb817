"""What every resource family's mapping shares: the ``Mapped`` result and small helpers.

The helpers read and write the FHIR datatypes Homebase uses (dates, instants,
CodeableConcepts, Annotations, Homebase extensions, References, telecoms), so
a family module says only which element holds which field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from django.db import models

from ..terminology import CS, EXT

Json = dict[str, Any]
Resolver = Callable[[str], Json | None]
NOT_RECORDED = "—"  # a required Homebase text the source does not give


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


def prune(value: Any) -> Any:
    """Drop None, "", [] and {} (recursively); keep False and 0."""
    if isinstance(value, dict):
        out = {k: prune(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        items = [prune(v) for v in value]
        return [v for v in items if v not in (None, "", [], {})]
    return value


def fhir_date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def fhir_instant(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def read_date(value: Any) -> date | None:
    """A date from a FHIR date or dateTime (the day as written), or None."""
    if not isinstance(value, str) or len(value) < 4:
        return None
    parts = value[:10].split("-")
    try:
        numbers = [int(p) for p in parts] + [1] * (3 - len(parts))
        return date(numbers[0], numbers[1], numbers[2])
    except ValueError:
        return None


def read_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    if len(value) <= 10:
        day = read_date(value)
        return datetime.combine(day, time(12), tzinfo=UTC) if day else None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def concept_text(concept: Any) -> str:
    """The words of a CodeableConcept: its text, else the first display or code."""
    if not isinstance(concept, dict):
        return ""
    if concept.get("text"):
        return str(concept["text"])
    for coding in concept.get("coding") or []:
        if coding.get("display") or coding.get("code"):
            return str(coding.get("display") or coding.get("code"))
    return ""


def first_of(items: Any) -> Json:
    return items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else {}


def local_code(concept: Any, system: str) -> str | None:
    for coding in (concept or {}).get("coding") or []:
        if coding.get("system") == CS + system:
            return coding.get("code")
    return None


def local_concept(system: str, code: str, display: Any) -> Json:
    return {
        "coding": [{"system": CS + system, "code": code, "display": str(display)}],
        "text": str(display),
    }


def annotation(text: str, element_id: str | None = None) -> Json | None:
    return {"id": element_id, "text": text} if text else None


def notes_text(resource: Json, element_id: str | None = None) -> str:
    """Note texts with this element id (None: the notes without an id of ours)."""
    ours = {"plain-words", "strengths", "priorities", "what-matters"}
    texts = [
        str(n.get("text", ""))
        for n in resource.get("note") or []
        if (n.get("id") == element_id) or (element_id is None and n.get("id") not in ours)
    ]
    return "\n\n".join(t for t in texts if t)


def ext(name: str, kind: str, value: Any) -> Json | None:
    if value in (None, "", False):
        return None
    if isinstance(value, date):
        value = value.isoformat()
    return {"url": EXT + name, f"value{kind}": value}


def ext_value(resource: Json, name: str) -> Any:
    for extension in resource.get("extension") or []:
        if extension.get("url") == EXT + name:
            for key, value in extension.items():
                if key.startswith("value"):
                    return value
    return None


def ref_to(item: models.Model | None) -> Json | None:
    """A Reference to the resource ``to_fhir(item)`` makes, with the item's name."""
    # The registry imports every family module, and they import this one.
    from .registry import reference

    if item is None:
        return None
    return {"reference": reference(item), "display": str(item)}


def patient_ref(item: Any) -> Json:
    return {"reference": f"Patient/{item.child.uuid}"}


def ref_of(value: Any) -> str | None:
    if isinstance(value, dict) and value.get("reference"):
        return str(value["reference"])
    return None


def resolver(resource: Json, resolve: Resolver | None) -> Resolver:
    """Resolve "#id" against the resource's contained resources, else ask ``resolve``."""
    contained = {f"#{r.get('id')}": r for r in resource.get("contained") or []}

    def find(ref: str) -> Json | None:
        if ref in contained:
            return contained[ref]
        return resolve(ref) if resolve else None

    return find


def display_of(value: Any, find: Resolver, namer: Callable[[Json], str]) -> str:
    """A Reference's display, else the name of the resource it points to."""
    if not isinstance(value, dict):
        return ""
    if value.get("display"):
        return str(value["display"])
    target = find(value["reference"]) if value.get("reference") else None
    return namer(target) if target else ""


def fixed(system: str) -> Callable[[str], str | None]:
    return lambda code: system


def make_coding(code: str, system: str, implied: Callable[[str], str | None], display: str) -> Json:
    return {"system": system or implied(code), "code": code, "display": display}


def code_back(
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


def unwanted(resource: Json) -> bool:
    """Entered in error, refuted: not imported."""
    verification = resource.get("verificationStatus") or {}
    codes = {c.get("code") for c in verification.get("coding") or []}
    return resource.get("status") == "entered-in-error" or bool(
        codes & {"entered-in-error", "refuted"}
    )


def human_name(name: Json) -> str:
    if name.get("text"):
        return str(name["text"])
    parts = [*name.get("prefix", []), *name.get("given", []), name.get("family", "")]
    return " ".join(p for p in [*parts, *name.get("suffix", [])] if p)


def reason_text(resource: Json, find: Resolver) -> str:
    words = [concept_text(c) for c in resource.get("reasonCode") or []]
    for ref in resource.get("reasonReference") or []:
        words.append(display_of(ref, find, lambda r: concept_text(r.get("code"))))
    return ", ".join(w for w in words if w)


def telecoms(phone: str, email: str = "", fax: str = "", after_hours: str = "") -> list[Any]:
    return [
        {"system": "phone", "value": phone, "use": "work"} if phone else None,
        {"id": "after-hours", "system": "phone", "value": after_hours} if after_hours else None,
        {"system": "email", "value": email} if email else None,
        {"system": "fax", "value": fax} if fax else None,
    ]


def contact_points(telecom: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for point in telecom or []:
        key = point.get("id") or point.get("system")
        if key and point.get("value") and key not in found:
            found[key] = str(point["value"])
    return found


_PERSON = ("Practitioner", "PractitionerRole")


def ref_type(ref: str, find: Resolver) -> str | None:
    """The resource type a reference points to; None when it cannot be told."""
    target = find(ref)
    if target:
        return target.get("resourceType")
    if ref.startswith("urn:"):
        return None
    parts = ref.split("?")[0].split("/")
    return parts[-2] if len(parts) >= 2 else parts[0]


def is_person(ref: str, find: Resolver) -> bool:
    """A practitioner (or one that cannot be told): what team member FKs point to."""
    return ref_type(ref, find) in (*_PERSON, None)
