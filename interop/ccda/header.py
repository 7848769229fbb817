"""The document header: its type, the patient, the care team, the encounter, and the Bundle.

The header says who the document is about (recordTarget), who wrote and keeps
it (author, custodian), who looks after the patient (documentationOf/
serviceEvent/performer) and, for a visit note, the encounter (componentOf).
The document type goes into ``Bundle.meta.tag`` where ``document_type`` reads
it back.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from ..terminology import BCP47, CCDA_DOCUMENT_TYPES, LOINC, URI, V3_PARTICIPATION_TYPE
from .converter import Converter, new_resource, ref, stable_id
from .datatypes import (
    SDTC,
    Json,
    Node,
    addresses,
    child,
    children,
    clean,
    human_name,
    id_keys,
    identifiers,
    is_instant,
    is_null,
    period,
    telecoms,
    text_of,
    to_date,
    ts_to_fhir,
)
from .guard import CCDA_DOCUMENT_PREFIX, CcdaError
from .sections.encounters import encounter

DOCUMENT_TAG_SYSTEM = URI
US_REALM_HEADER = "2.16.840.1.113883.10.20.22.1.1"

GENERIC_DOCUMENT = "C-CDA document (US Realm Header)"
GENDER = {"M": "male", "F": "female", "UN": "other"}  # HL7 AdministrativeGender -> FHIR
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")

# The document type ---------------------------------------------------------------


def detect_document_type(root: Node) -> tuple[str, str, str | None]:
    """(templateId, English name, LOINC code) of the document."""
    templates = [root_id for t in children(root, "templateId") if (root_id := t.get("root"))]
    code_el = child(root, "code")
    loinc = clean(code_el.get("code")) if code_el is not None and not is_null(code_el) else None
    specific = [t for t in templates if t in CCDA_DOCUMENT_TYPES]
    for template in specific:  # a template that agrees with the document code wins
        if loinc and loinc in CCDA_DOCUMENT_TYPES[template][1]:
            return template, CCDA_DOCUMENT_TYPES[template][0], loinc
    if specific:
        return specific[0], CCDA_DOCUMENT_TYPES[specific[0]][0], loinc
    for template, (name, codes) in CCDA_DOCUMENT_TYPES.items():
        if loinc and loinc in codes:
            return template, name, loinc
    generic = next((t for t in templates if t.startswith(CCDA_DOCUMENT_PREFIX)), US_REALM_HEADER)
    return generic, GENERIC_DOCUMENT, loinc


def document_type(bundle: Json) -> Json | None:
    """The C-CDA document type recorded in a bundle made by ccda_to_bundle.

    Returns ``{"template": "2.16.840.1.113883.10.20.22.1.2", "name": "Continuity of Care
    Document (CCD)", "loinc": "34133-9"}`` or None.
    """
    tags = bundle.get("meta", {}).get("tag", [])
    found = None
    loinc = None
    for tag in tags:
        if tag.get("system") == DOCUMENT_TAG_SYSTEM and tag.get("code", "").startswith(
            "urn:oid:" + CCDA_DOCUMENT_PREFIX
        ):
            found = {"template": tag["code"][len("urn:oid:") :], "name": tag.get("display")}
        elif tag.get("system") == LOINC:
            loinc = tag.get("code")
    if found is not None:
        found["loinc"] = loinc
    return found


# The patient ---------------------------------------------------------------------


def convert_patient(conv: Converter) -> None:
    """The Patient (recordTarget); a document without one cannot be imported."""
    role = child(conv.root, "recordTarget", "patientRole")
    if role is None:
        raise CcdaError(
            _(
                "This C-CDA document names no patient (recordTarget/patientRole is missing), "
                "so it cannot be imported."
            )
        )
    person = child(role, "patient")
    patient = new_resource("Patient", role)
    names = [n for n in (human_name(x) for x in children(person, "name")) if n]
    if names:
        patient["name"] = names
    telecom = telecoms(role)
    if telecom:
        patient["telecom"] = telecom
    gender_el = child(person, "administrativeGenderCode")
    if gender_el is not None:
        patient["gender"] = GENDER.get((gender_el.get("code") or "").upper(), "unknown")
    birth = child(person, "birthTime")
    if birth is not None and not is_null(birth):
        birth_date = to_date(ts_to_fhir(birth.get("value")))
        if birth_date:
            patient["birthDate"] = birth_date
    _deceased(patient, person)
    address = addresses(role)
    if address:
        patient["address"] = address
    contacts = [c for c in (_guardian(conv, g) for g in children(person, "guardian")) if c]
    if contacts:
        patient["contact"] = contacts
    languages = _languages(person)
    if languages:
        patient["communication"] = languages
    keys = id_keys(role)
    conv.patient = conv.add(
        patient, [f"{conv.source}|patient|{keys[0]}"] if keys else [f"{conv.source}|patient"]
    )
    provider = conv.organization(child(role, "providerOrganization"))
    if provider:
        conv.patient["managingOrganization"] = ref(provider)


def _deceased(patient: Json, person: Node | None) -> None:
    deceased_time = person.find(f"{{{SDTC}}}deceasedTime") if person is not None else None
    deceased_ind = person.find(f"{{{SDTC}}}deceasedInd") if person is not None else None
    died = ts_to_fhir(deceased_time.get("value")) if deceased_time is not None else None
    if died:
        patient["deceasedDateTime"] = died
    elif deceased_ind is not None and deceased_ind.get("value") in ("true", "false"):
        patient["deceasedBoolean"] = deceased_ind.get("value") == "true"


def _guardian(conv: Converter, guardian: Node) -> Json | None:
    """A Patient.contact for a guardian; None when only the relationship is known."""
    contact: Json = {}
    relation = conv.codeable(child(guardian, "code"))
    if relation:
        contact["relationship"] = [relation]
    names = (human_name(x) for x in children(child(guardian, "guardianPerson"), "name"))
    name = next((n for n in names if n), None)
    if name:
        contact["name"] = name
    telecom = telecoms(guardian) or telecoms(child(guardian, "guardianPerson"))
    if telecom:
        contact["telecom"] = telecom
    address = addresses(guardian)
    if address:
        contact["address"] = address[0]
    return contact if set(contact) - {"relationship"} else None


def _languages(person: Node | None) -> list[Json]:
    languages: list[Json] = []
    for lang in children(person, "languageCommunication"):
        code_el = child(lang, "languageCode")
        code = clean(code_el.get("code")) if code_el is not None else None
        if code and _LANGUAGE_TAG.fullmatch(code):
            item: Json = {"language": {"coding": [{"system": BCP47, "code": code}]}}
            pref = child(lang, "preferenceInd")
            if pref is not None and pref.get("value") in ("true", "false"):
                item["preferred"] = pref.get("value") == "true"
            if item not in languages:
                languages.append(item)
    return languages


# The care team -------------------------------------------------------------------


def convert_header_people(conv: Converter) -> None:
    """Authors, the custodian and the care team (a CareTeam, and the patient's PCPs)."""
    for author in children(conv.root, "author"):
        conv.entity(child(author, "assignedAuthor"))
    conv.organization(
        child(conv.root, "custodian", "assignedCustodian", "representedCustodianOrganization")
    )
    participants: list[Json] = []
    pcps: list[Json] = []
    for doc_of in children(conv.root, "documentationOf"):
        for performer in children(child(doc_of, "serviceEvent"), "performer"):
            _performer(conv, performer, participants, pcps)
    assert conv.patient is not None
    if pcps:
        conv.patient["generalPractitioner"] = pcps
    if participants:
        team: Json = {
            "resourceType": "CareTeam",
            "status": "active",
            "subject": conv.subject(),
            "participant": participants,
        }
        title = text_of(child(conv.root, "title"))
        if title:
            team["name"] = title
        conv.add(team, [f"{conv.source}|careteam|{conv.patient['id']}"])


def _performer(
    conv: Converter, performer: Node, participants: list[Json], pcps: list[Json]
) -> None:
    """Add a serviceEvent performer to the care team's participants (and to the PCPs)."""
    entity = child(performer, "assignedEntity")
    practitioner, organization = conv.entity(entity)
    member = practitioner or organization
    if member is None:
        return
    item: Json = {}
    role = conv.codeable(child(performer, "functionCode")) or conv.codeable(child(entity, "code"))
    if role:
        item["role"] = [role]
    item["member"] = ref(member)
    if practitioner and organization:
        item["onBehalfOf"] = ref(organization)
    start, end = period(child(performer, "time"))
    if start or end:
        item["period"] = {k: v for k, v in (("start", start), ("end", end)) if v}
    if item not in participants:
        participants.append(item)
    function = child(performer, "functionCode")
    if (
        practitioner
        and function is not None
        and (function.get("code") or "").upper() in ("PCP", "PP")
        and ref(practitioner) not in pcps
    ):
        pcps.append(ref(practitioner))


# The encounter the document is about ------------------------------------------------


def convert_encompassing_encounter(conv: Converter) -> None:
    enc = child(conv.root, "componentOf", "encompassingEncounter")
    if enc is None:
        return
    participants: list[Json] = []
    for part in children(enc, "encounterParticipant"):
        practitioner, _org = conv.entity(child(part, "assignedEntity"))
        if practitioner:
            item: Json = {"individual": ref(practitioner)}
            if part.get("typeCode"):
                item["type"] = [
                    {"coding": [{"system": V3_PARTICIPATION_TYPE, "code": part.get("typeCode")}]}
                ]
            participants.append(item)
    responsible = child(enc, "responsibleParty", "assignedEntity")
    practitioner, _org = conv.entity(responsible)
    if practitioner and not any(p["individual"] == ref(practitioner) for p in participants):
        participants.append({"individual": ref(practitioner)})
    location = child(enc, "location", "healthCareFacility")
    place = None
    if location is not None:
        place = text_of(child(location, "location", "name"))
        org = conv.organization(child(location, "serviceProviderOrganization"))
        place = place or (org or {}).get("name")
    encounter(conv, enc, participants=participants, place=place)


# The Bundle ------------------------------------------------------------------------


def bundle(conv: Converter, doc_template: str, doc_name: str, doc_loinc: str | None) -> Json:
    """The collection Bundle of every resource made, tagged with the document type."""
    tags = []
    if doc_loinc:
        loinc_tag: Json = {"system": LOINC, "code": doc_loinc}
        code_el = child(conv.root, "code")
        display = clean(code_el.get("displayName")) if code_el is not None else None
        if display:
            loinc_tag["display"] = display
        tags.append(loinc_tag)
    # the document type comes last: readers that keep the last tag's display get its name
    tags.append(
        {"system": DOCUMENT_TAG_SYSTEM, "code": f"urn:oid:{doc_template}", "display": doc_name}
    )
    keys = id_keys(conv.root)
    result: Json = {
        "resourceType": "Bundle",
        "id": stable_id("Bundle", keys[0] if keys else conv.digest),
        "meta": {"source": conv.source, "tag": tags},
    }
    found = identifiers(conv.root)
    if found:
        result["identifier"] = found[0]
    result["type"] = "collection"
    time_el = child(conv.root, "effectiveTime")
    when = ts_to_fhir(time_el.get("value")) if time_el is not None else None
    if is_instant(when):
        result["timestamp"] = when
    result["entry"] = [
        {"fullUrl": f"urn:uuid:{rid}", "resource": resource}
        for rid, resource in conv.resources.items()
    ]
    return result
