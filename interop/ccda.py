"""C-CDA (R1.1 / R2.1) to FHIR R4: a pure function, safe against hostile XML.

``ccda_to_bundle(data)`` takes the bytes of an uploaded file and returns a FHIR R4 Bundle of
type ``collection`` (a plain dict; every resource validates with ``fhir.resources.R4B``).
Nothing is read from or written to the database; the importer does that.

What comes out
--------------
* ``Patient`` (recordTarget): names, gender, birth date, deceased, address, telecom, language,
  guardians as ``contact``, ``managingOrganization`` (the patient's provider organization) and
  ``generalPractitioner`` (care-team performers whose function is PCP/PP). US Social Security
  numbers (root 2.16.840.1.113883.4.1) are never copied.
* ``Condition`` (problem section 2.16.840.1.113883.10.20.22.2.5(.1) and the hospital discharge
  diagnosis section 2.24): one per Problem Observation; clinicalStatus from the Problem Status
  observation, else "resolved" when the problem has an end date or its concern is completed.
* ``MedicationStatement`` (medications 2.1(.1) and discharge medications 2.11(.1)): one per
  Medication Activity. ``status``: statusCode active -> active, completed -> completed,
  aborted/cancelled -> stopped, suspended/held -> on-hold, new/moodCode INT without status ->
  intended, anything else -> unknown. ``informationSource`` is the prescriber (author of the
  activity or of its supply order).
* ``AllergyIntolerance`` (allergies 2.6(.1)): one per Allergy Observation that is not negated
  ("no known allergies" is not an allergy). Severity of the reactions and the Criticality
  observation give ``criticality``.
* ``Immunization`` (2.2(.1)): one per given (moodCode EVN) Immunization Activity; negated ones
  are ``not-done``. Planned immunizations (moodCode INT) are left out.
* ``Observation`` (vital signs 2.4(.1)): one per observation with a positive numeric value
  (``valueQuantity``; UCUM system/code only for units known to be UCUM), category
  ``vital-signs``, the C-CDA (LOINC) code as is - weight 29463-7, height 8302-2, head
  circumference 9843-4, temperature 8310-5, heart rate 8867-4, SpO2 2708-6/59408-5, and also
  BMI, blood pressure and respiratory rate when the document has them. Variant LOINC codes
  (3141-9 weight measured, 8287-5 head circumference by tape, 8331-1 oral temperature...) get
  the base code added as a second coding. Coded or text values (Synthea puts lab results in
  this section) and zeros (placeholders in some exports) are left out.
* Negated entries ("no known allergies", "no known problems", "no immunizations given") are
  statements about nothing and produce no resource (a negated immunization *with* a vaccine
  code becomes an Immunization with status ``not-done``).
* ``Encounter`` (encounters 2.22(.1) and the document's componentOf/encompassingEncounter).
* ``Practitioner`` / ``Organization`` for the care team (documentationOf/serviceEvent/performer),
  document authors, the custodian, encounter performers, immunization performers and
  prescribers; a ``CareTeam`` lists the serviceEvent performers with their function and
  organization (``onBehalfOf``).

Identity and references
-----------------------
Every resource id is a UUID v5 derived from the C-CDA instance identifier(s) (``root`` +
``extension``) and the resource type, so converting the same document - or a newer export from
the same system - gives the same ids (the importer uses them for idempotence). Where the
document has no usable identifier the id is derived from the source system and the resource's
content: stable for the same content, but a changed entry without an id becomes a new resource.
Two entries with the same C-CDA id are one resource (Practitioner, Organization and Encounter
are merged, e.g. the encompassingEncounter repeated as an encounter entry); for other types a
second, different entry reusing an id gets a derived id. Entries carry ``fullUrl = "urn:uuid:<id>"`` and all references
between resources are those ``urn:uuid:`` URLs.

Source system and document type
-------------------------------
``Bundle.meta.source`` (also copied to every resource's ``meta.source``) names the system that
produced the document: ``urn:oid:<document id root>`` when the document id root is an OID,
else the custodian organization's id (``urn:oid:<root>`` or ``urn:oid:<root>/<extension>``),
else a name-based URN. ``Bundle.identifier`` is the document id.

The document type is in ``Bundle.meta.tag``: one tag with system ``urn:ietf:rfc:3986``, code
``urn:oid:<document templateId>`` and the type's English name as display (e.g.
"Continuity of Care Document (CCD)", "Referral Note", "Discharge Summary"), plus the document's
LOINC code when it has one. ``document_type(bundle)`` reads it back.

Dates
-----
HL7 timestamps become FHIR dates or dateTimes with their precision kept (YYYY, YYYY-MM,
YYYY-MM-DD). A timestamp with a time of day but no timezone offset is cut to its date (FHIR
requires an offset whenever a time is given); offsets are kept as given.

Errors
------
Every problem with the input raises ``CcdaError`` with a message for the person who uploaded it:
not XML, not well-formed (e.g. cut short), a DTD / entity declarations ("billion laughs") or an
external entity (XXE) - refused before any expansion by defusedxml -, or XML that is not a
C-CDA ClinicalDocument ("This file is not a C-CDA document ...").
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from defusedxml import (
    DefusedXmlException,
    DTDForbidden,
    EntitiesForbidden,
    ExternalReferenceForbidden,
)
from defusedxml import ElementTree as SafeET
from django.utils.translation import gettext as _

__all__ = ["CcdaError", "ccda_to_bundle", "document_type", "DOCUMENT_TYPES"]


class CcdaError(Exception):
    """The input cannot be converted; ``str(exc)`` is a message for the person who uploaded it."""


V3 = "urn:hl7-org:v3"
SDTC = "urn:hl7-org:sdtc"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
ID_NAMESPACE = uuid.UUID("6f1d3b2a-0c7e-5b9a-9a43-2f3c8e1d5a77")  # fixed: ids must never change
DOCUMENT_TAG_SYSTEM = "urn:ietf:rfc:3986"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"

CCDA_DOCUMENT_PREFIX = "2.16.840.1.113883.10.20.22.1."
US_REALM_HEADER = "2.16.840.1.113883.10.20.22.1.1"

# templateId -> (English name, LOINC document code(s))
DOCUMENT_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "2.16.840.1.113883.10.20.22.1.2": ("Continuity of Care Document (CCD)", ("34133-9",)),
    "2.16.840.1.113883.10.20.22.1.3": ("History and Physical", ("34117-2",)),
    "2.16.840.1.113883.10.20.22.1.4": ("Consultation Note", ("11488-4",)),
    "2.16.840.1.113883.10.20.22.1.5": ("Diagnostic Imaging Report", ("18748-4",)),
    "2.16.840.1.113883.10.20.22.1.6": ("Procedure Note", ("28570-0",)),
    "2.16.840.1.113883.10.20.22.1.7": ("Operative Note", ("11504-8",)),
    "2.16.840.1.113883.10.20.22.1.8": ("Discharge Summary", ("18842-5",)),
    "2.16.840.1.113883.10.20.22.1.9": ("Progress Note", ("11506-3",)),
    "2.16.840.1.113883.10.20.22.1.10": ("Unstructured Document", ()),
    "2.16.840.1.113883.10.20.22.1.13": ("Transfer Summary", ("18761-7",)),
    "2.16.840.1.113883.10.20.22.1.14": ("Referral Note", ("57133-1",)),
    "2.16.840.1.113883.10.20.22.1.15": ("Care Plan", ("52521-2",)),
}
GENERIC_DOCUMENT = "C-CDA document (US Realm Header)"

SECTION_KINDS = {
    "2.16.840.1.113883.10.20.22.2.5.1": "problems",
    "2.16.840.1.113883.10.20.22.2.5": "problems",
    "2.16.840.1.113883.10.20.22.2.24": "problems",  # hospital discharge diagnosis
    "2.16.840.1.113883.10.20.22.2.1.1": "medications",
    "2.16.840.1.113883.10.20.22.2.1": "medications",
    "2.16.840.1.113883.10.20.22.2.11.1": "medications",  # discharge medications
    "2.16.840.1.113883.10.20.22.2.11": "medications",
    "2.16.840.1.113883.10.20.22.2.6.1": "allergies",
    "2.16.840.1.113883.10.20.22.2.6": "allergies",
    "2.16.840.1.113883.10.20.22.2.2.1": "immunizations",
    "2.16.840.1.113883.10.20.22.2.2": "immunizations",
    "2.16.840.1.113883.10.20.22.2.4.1": "vitals",
    "2.16.840.1.113883.10.20.22.2.4": "vitals",
    "2.16.840.1.113883.10.20.22.2.22.1": "encounters",
    "2.16.840.1.113883.10.20.22.2.22": "encounters",
}

CODE_SYSTEMS = {
    "2.16.840.1.113883.6.1": LOINC,
    "2.16.840.1.113883.6.96": "http://snomed.info/sct",
    "2.16.840.1.113883.6.88": "http://www.nlm.nih.gov/research/umls/rxnorm",
    "2.16.840.1.113883.12.292": "http://hl7.org/fhir/sid/cvx",
    "2.16.840.1.113883.6.90": "http://hl7.org/fhir/sid/icd-10-cm",
    "2.16.840.1.113883.6.3": "http://hl7.org/fhir/sid/icd-10",
    "2.16.840.1.113883.6.103": "http://hl7.org/fhir/sid/icd-9-cm",
    "2.16.840.1.113883.6.104": "http://hl7.org/fhir/sid/icd-9-cm",
    "2.16.840.1.113883.6.12": "http://www.ama-assn.org/go/cpt",
    "2.16.840.1.113883.6.69": "http://hl7.org/fhir/sid/ndc",
    "2.16.840.1.113883.4.9": "http://fdasis.nlm.nih.gov",
    "2.16.840.1.113883.6.8": UCUM,
    "2.16.840.1.113883.6.101": "http://nucc.org/provider-taxonomy",
    "2.16.840.1.113883.5.4": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
    "2.16.840.1.113883.5.1": "http://terminology.hl7.org/CodeSystem/v3-AdministrativeGender",
    "2.16.840.1.113883.5.111": "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
    "2.16.840.1.113883.5.88": "http://terminology.hl7.org/CodeSystem/v3-ParticipationFunction",
    "2.16.840.1.113883.5.110": "http://terminology.hl7.org/CodeSystem/v3-RoleClass",
    "2.16.840.1.113883.12.443": "http://terminology.hl7.org/CodeSystem/v2-0443",
    "2.16.840.1.113883.3.26.1.1": "http://ncithesaurus-stage.nci.nih.gov",
}
NPI = "2.16.840.1.113883.4.6"
SSN = "2.16.840.1.113883.4.1"
NULL_EXTENSIONS = {"", "UNK", "NA", "NI", "NULL", "NONE", "ASKU", "NAV"}

ACT_ENCOUNTER_CODES = {
    "AMB": "ambulatory",
    "EMER": "emergency",
    "FLD": "field",
    "HH": "home health",
    "IMP": "inpatient encounter",
    "ACUTE": "inpatient acute",
    "NONAC": "inpatient non-acute",
    "OBSENC": "observation encounter",
    "PRENC": "pre-admission",
    "SS": "short stay",
    "VR": "virtual",
}
TELECOM_USE = {
    "HP": "home",
    "H": "home",
    "HV": "home",
    "WP": "work",
    "DIR": "work",
    "PUB": "work",
    "MC": "mobile",
    "MP": "mobile",
    "TMP": "temp",
}
ADDRESS_USE = {
    "HP": "home",
    "H": "home",
    "HV": "home",
    "WP": "work",
    "DIR": "work",
    "PUB": "work",
    "TMP": "temp",
    "OLD": "old",
    "BAD": "old",
    "PHYS": "home",
}
PROBLEM_STATUS = {
    "55561003": "active",
    "73425007": "inactive",
    "413322009": "resolved",
    "277022003": "remission",
    "7087005": "recurrence",
    "255227004": "recurrence",
}
NO_KNOWN_ALLERGY = {"716186003", "409137002", "429625007", "428607008", "428197003"}
ALLERGY_TYPES = {  # SNOMED value of the Allergy Observation -> (type, category)
    "419199007": ("allergy", None),
    "416098002": ("allergy", "medication"),
    "414285001": ("allergy", "food"),
    "426232007": ("allergy", "environment"),
    "232347008": ("allergy", "environment"),
    "300916003": ("allergy", "environment"),
    "59037007": ("intolerance", "medication"),
    "235719002": ("intolerance", "food"),
    "420134006": (None, None),
    "418038007": (None, None),
    "419511003": (None, "medication"),
    "418471000": (None, "food"),
    "418634005": ("allergy", None),
}
SEVERITY = {
    "255604002": "mild",
    "6736007": "moderate",
    "24484000": "severe",
    "371923003": "moderate",
    "371924009": "severe",
    "399166001": "severe",
    "mild": "mild",
    "moderate": "moderate",
    "severe": "severe",
}
CRITICALITY = {"CRITL": "low", "CRITH": "high", "CRITU": "unable-to-assess"}
MED_STATUS = {
    "active": "active",
    "completed": "completed",
    "aborted": "stopped",
    "cancelled": "stopped",
    "suspended": "on-hold",
    "held": "on-hold",
    "nullified": "entered-in-error",
    "new": "intended",
    "ordered": "active",
}
UCUM_UNITS = frozenset(
    [
        "kg",
        "g",
        "[lb_av]",
        "[oz_av]",
        "cm",
        "m",
        "mm",
        "[in_i]",
        "[ft_i]",
        "Cel",
        "[degF]",
        "[in_us]",
        "[ft_us]",
        "[lb_us]",
        "/min",
        "{beats}/min",
        "{breaths}/min",
        "%",
        "mm[Hg]",
        "kg/m2",
        "1",
        "mg",
        "mL",
        "L",
        "h",
        "d",
        "wk",
        "mo",
        "a",
        "[iU]",
        "mg/dL",
        "g/dL",
    ]
)
# LOINC codes exporters use for a vital sign -> the FHIR vital-signs base code (added as a
# second coding so readers can rely on the base codes)
VITAL_BASE_CODES = {
    "3141-9": ("29463-7", "Body weight"),  # body weight measured
    "8335-2": ("29463-7", "Body weight"),  # body weight estimated
    "8341-0": ("29463-7", "Body weight"),  # dry weight
    "8306-3": ("8302-2", "Body height"),  # body height lying
    "8308-9": ("8302-2", "Body height"),  # body height standing
    "3137-7": ("8302-2", "Body height"),  # body height measured
    "8287-5": ("9843-4", "Head Occipital-frontal circumference"),  # by tape measure
    "8331-1": ("8310-5", "Body temperature"),  # oral
    "8332-9": ("8310-5", "Body temperature"),  # rectal
    "8328-7": ("8310-5", "Body temperature"),  # axillary
    "8333-7": ("8310-5", "Body temperature"),  # tympanic
    "8889-8": ("8867-4", "Heart rate"),  # heart rate by pulse oximetry
    "59408-5": ("2708-6", "Oxygen saturation in Arterial blood"),
    "59574-4": ("39156-5", "Body mass index (BMI) [Ratio]"),
}
PIVL_TYPES = {"PIVL_TS", "EIVL_TS", "SXPR_TS", "PIVL_PPD_TS"}

_TS_RE = re.compile(
    r"^(\d{4})(\d{2})?(\d{2})?(?:(\d{2})(\d{2})?(\d{2})?(\.\d+)?)?(Z|[+-]\d{2}(?:\d{2})?)?$"
)
_OID_RE = re.compile(r"^[0-2](\.(0|[1-9]\d*))+$")
_UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
_ENTITY_EXTERNAL_RE = re.compile(rb"<!ENTITY\s+(?:%\s+)?[^\s>]+\s+(?:SYSTEM|PUBLIC)\b", re.I)


# ---------------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------------


def q(tag: str) -> str:
    return f"{{{V3}}}{tag}"


def clean(text: str | None) -> str | None:
    """Whitespace-normalised text, or None when empty."""
    if text is None:
        return None
    text = " ".join(text.split())
    return text or None


def is_null(el) -> bool:
    return el is None or el.get("nullFlavor") is not None


def child(el, *path: str):
    for name in path:
        if el is None:
            return None
        el = el.find(q(name))
    return el


def children(el, name: str) -> list:
    return [] if el is None else el.findall(q(name))


def template_ids(el) -> set[str]:
    return {t.get("root") for t in children(el, "templateId") if t.get("root")}


def valid_oid(value: str | None) -> bool:
    return value is not None and len(value) < 200 and bool(_OID_RE.match(value))


def valid_uuid(value: str | None) -> bool:
    return value is not None and bool(_UUID_RE.match(value))


def code_system_uri(oid: str | None) -> str | None:
    if not oid:
        return None
    oid = oid.strip()
    if oid in CODE_SYSTEMS:
        return CODE_SYSTEMS[oid]
    if valid_oid(oid):
        return f"urn:oid:{oid}"
    if valid_uuid(oid):
        return f"urn:uuid:{oid.lower()}"
    return None


def ts_to_fhir(value: str | None) -> str | None:
    """HL7 TS -> FHIR date/dateTime, keeping precision; None when unusable."""
    if not value:
        return None
    m = _TS_RE.match(value.strip())
    if not m:
        return None
    year, month, day, hour, minute, second, frac, tz = m.groups()
    try:
        date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None
    if int(year) < 1000:
        return None
    out = year
    if month:
        out += f"-{month}"
    if day:
        out += f"-{day}"
    if not (day and hour and tz):
        return out  # a time without an offset is not allowed in FHIR: keep the date
    if int(hour) > 23 or int(minute or 0) > 59 or int(second or 0) > 59:
        return out
    if tz == "Z":
        offset = "Z"
    else:
        hh, mm = tz[1:3], tz[3:5] or "00"
        if int(hh) > 14 or int(mm) > 59:
            return out
        offset = f"{tz[0]}{hh}:{mm}"
    return f"{out}T{hour}:{minute or '00'}:{second or '00'}{frac or ''}{offset}"


def is_instant(value: str | None) -> bool:
    return value is not None and "T" in value


def to_date(value: str | None) -> str | None:
    return value[:10] if value else None


def decimal_value(text: str | None):
    """A JSON number for a decimal string (int when integral), or None."""
    if text is None or len(text) > 40:
        return None
    try:
        number = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or abs(number) > Decimal("1e15"):
        return None
    if number == number.to_integral_value() and "." not in text and "e" not in text.lower():
        return int(number)
    return float(number)


def stable_id(*parts: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, "|".join(parts)))


def fingerprint(resource: dict) -> str:
    body = {k: v for k, v in resource.items() if k not in ("id", "meta")}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def ref(resource: dict | None) -> dict | None:
    if resource is None:
        return None
    return {"reference": f"urn:uuid:{resource['id']}"}


def coding_key(cc: dict | None) -> str | None:
    for coding in (cc or {}).get("coding", []):
        if coding.get("code"):
            return coding["code"]
    return None


# ---------------------------------------------------------------------------------------------
# parsing
# ---------------------------------------------------------------------------------------------


def parse_xml(data: bytes):
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, bytes | bytearray | memoryview):
        raise CcdaError(_("This file could not be read as a C-CDA document."))
    data = bytes(data)
    if not data.strip():
        raise CcdaError(_("This file is empty."))
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    utf16 = data[:2] in (b"\xff\xfe", b"\xfe\xff")
    if not utf16 and not head.startswith(b"<"):
        raise CcdaError(
            _(
                "This file is not XML, so it cannot be a C-CDA document. Choose the XML file "
                "(often named .xml or .ccda) that the portal gave you."
            )
        )
    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden) as exc:
        prolog = data[:65536]
        if isinstance(exc, ExternalReferenceForbidden) or _ENTITY_EXTERNAL_RE.search(prolog):
            raise CcdaError(
                _(
                    "This file was refused: it refers to an external entity (an “XXE” attack "
                    "that could read files or reach other servers). Real C-CDA documents never "
                    "do this."
                )
            ) from None
        if isinstance(exc, EntitiesForbidden) or b"<!ENTITY" in prolog.upper():
            raise CcdaError(
                _(
                    "This file was refused: it declares XML entities, the pattern of an "
                    "“entity bomb” (billion laughs) that would exhaust memory. Real C-CDA "
                    "documents never do this."
                )
            ) from None
        raise CcdaError(
            _(
                "This file was refused: it contains a document type declaration (<!DOCTYPE>), "
                "which C-CDA documents do not use."
            )
        ) from None
    except DefusedXmlException:
        raise CcdaError(
            _(
                "This file was refused: it uses XML features that are not "
                "allowed in C-CDA documents."
            )
        ) from None
    except SafeET.ParseError as exc:
        raise CcdaError(
            _(
                "This file is not well-formed XML (%(detail)s). It may be cut short or damaged: "
                "download it again from the portal."
            )
            % {"detail": exc}
        ) from None
    except (ValueError, LookupError) as exc:  # e.g. an unknown encoding declaration
        raise CcdaError(
            _("This file is not well-formed XML (%(detail)s).") % {"detail": exc}
        ) from None


def check_ccda(root) -> None:
    if root.tag != q("ClinicalDocument"):
        local = root.tag.rsplit("}", 1)[-1][:40]
        if local == "ClinicalDocument":
            raise CcdaError(
                _(
                    "This file is not a C-CDA document: its <ClinicalDocument> is not in the "
                    "HL7 v3 namespace (urn:hl7-org:v3)."
                )
            )
        raise CcdaError(
            _(
                "This file is not a C-CDA document: it is XML whose main element is <%(tag)s>, "
                "not an HL7 <ClinicalDocument>."
            )
            % {"tag": local}
        )
    if not any(t.startswith(CCDA_DOCUMENT_PREFIX) for t in template_ids(root)):
        raise CcdaError(
            _(
                "This file is not a C-CDA document: it is an HL7 clinical document without the "
                "C-CDA template (templateId 2.16.840.1.113883.10.20.22.1.*), perhaps an older "
                "CCD or C32."
            )
        )


def detect_document_type(root) -> tuple[str, str, str | None]:
    """(templateId, English name, LOINC code) of the document."""
    templates = [t.get("root") for t in children(root, "templateId") if t.get("root")]
    code_el = child(root, "code")
    loinc = clean(code_el.get("code")) if not is_null(code_el) else None
    specific = [t for t in templates if t in DOCUMENT_TYPES]
    for template in specific:  # a template that agrees with the document code wins
        if loinc and loinc in DOCUMENT_TYPES[template][1]:
            return template, DOCUMENT_TYPES[template][0], loinc
    if specific:
        return specific[0], DOCUMENT_TYPES[specific[0]][0], loinc
    for template, (name, codes) in DOCUMENT_TYPES.items():
        if loinc and loinc in codes:
            return template, name, loinc
    generic = next((t for t in templates if t.startswith(CCDA_DOCUMENT_PREFIX)), US_REALM_HEADER)
    return generic, GENERIC_DOCUMENT, loinc


def document_type(bundle: dict) -> dict | None:
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


# ---------------------------------------------------------------------------------------------
# the converter
# ---------------------------------------------------------------------------------------------


class Converter:
    def __init__(self, root, digest: str):
        self.root = root
        self.digest = digest
        self.resources: dict[str, dict] = {}  # id -> resource, in insertion order
        self.narrative: dict[str, Any] | None = None
        self.source = self.source_system()
        self.patient: dict | None = None

    # -- generic datatypes ---------------------------------------------------------------------

    def narrative_text(self, reference: str | None) -> str | None:
        if not reference or not reference.startswith("#"):
            return None
        if self.narrative is None:
            self.narrative = {}
            for el in self.root.iter():
                if el.get("ID") is not None:
                    self.narrative.setdefault(el.get("ID"), el)
        el = self.narrative.get(reference[1:])
        return clean("".join(el.itertext())) if el is not None else None

    def element_text(self, el) -> str | None:
        """Text of an ED/ST element: its own text, else the narrative it references."""
        if el is None:
            return None
        reference = child(el, "reference")
        if reference is None:
            return clean("".join(el.itertext()))
        own = clean((el.text or "") + "".join((c.tail or "") for c in el))
        return own or self.narrative_text(reference.get("value"))

    def entry_text(self, el) -> str | None:
        return self.element_text(child(el, "text"))

    def codeable(self, el, fallback: str | None = None) -> dict | None:
        codings = []
        if el is not None:
            for c in [el, *children(el, "translation")]:
                code = clean(c.get("code"))
                if not code or c.get("nullFlavor") is not None or len(code) > 200:
                    continue
                coding: dict[str, Any] = {}
                system = code_system_uri(c.get("codeSystem"))
                if system:
                    coding["system"] = system
                coding["code"] = code
                display = clean(c.get("displayName"))
                if display:
                    coding["display"] = display
                if coding not in codings:
                    codings.append(coding)
        text = None
        if el is not None:
            text = self.element_text(child(el, "originalText")) or clean(el.get("displayName"))
            if not text and el.text and el.get(XSI_TYPE) in ("ST", "ED"):
                text = clean(el.text)
        text = text or next((c["display"] for c in codings if c.get("display")), None)
        text = text or fallback
        out: dict[str, Any] = {}
        if codings:
            out["coding"] = codings
        if text:
            out["text"] = text
        return out or None

    def period(self, el) -> tuple[str | None, str | None]:
        if el is None or el.get("nullFlavor") is not None and not len(el):
            return None, None
        if el.get("value"):
            point = ts_to_fhir(el.get("value"))
            return point, None
        low = child(el, "low")
        high = child(el, "high")
        center = child(el, "center")
        start = ts_to_fhir(low.get("value")) if low is not None else None
        end = ts_to_fhir(high.get("value")) if high is not None else None
        if start is None and center is not None:
            start = ts_to_fhir(center.get("value"))
        if start and end and end < start[: len(end)]:
            end = None  # an end before the start is a data error; keep the start
        return start, end

    def main_effective_time(self, el):
        for et in children(el, "effectiveTime"):
            if et.get(XSI_TYPE) not in PIVL_TYPES:
                return et
        return None

    def point_in_time(self, el) -> str | None:
        start, end = self.period(el)
        return start or end

    def fhir_period(self, el) -> dict | None:
        start, end = self.period(el)
        out = {}
        if start:
            out["start"] = start
        if end:
            out["end"] = end
        return out or None

    def identifiers(self, el) -> list[dict]:
        out = []
        for ii in children(el, "id"):
            if ii.get("nullFlavor") is not None:
                continue
            root = (ii.get("root") or "").strip()
            ext = clean(ii.get("extension"))
            if root == SSN:
                continue
            if (ext and ext.upper() in NULL_EXTENSIONS) or (root == NPI and not ext):
                continue
            if root == NPI and ext:
                item = {"system": "http://hl7.org/fhir/sid/us-npi", "value": ext}
            elif ext and (valid_oid(root) or valid_uuid(root)):
                item = {"system": code_system_uri(root) or "", "value": ext}
            elif not ext and valid_uuid(root):
                item = {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{root.lower()}"}
            elif not ext and valid_oid(root):
                item = {"system": "urn:ietf:rfc:3986", "value": f"urn:oid:{root}"}
            else:
                continue
            if item not in out:
                out.append(item)
        return out

    def id_keys(self, el) -> list[str]:
        keys = []
        for ii in children(el, "id"):
            if ii.get("nullFlavor") is not None:
                continue
            root = (ii.get("root") or "").strip()
            ext = clean(ii.get("extension"))
            if not root or root == SSN or (ext and ext.upper() in NULL_EXTENSIONS):
                continue
            if root == NPI and not ext:
                continue
            keys.append(f"{root}|{ext or ''}")
        return keys

    def human_name(self, el) -> dict | None:
        if is_null(el):
            return None
        out: dict[str, Any] = {}
        family = [clean("".join(f.itertext())) for f in children(el, "family")]
        given = [clean("".join(g.itertext())) for g in children(el, "given")]
        prefix = [clean("".join(p.itertext())) for p in children(el, "prefix")]
        suffix = [clean("".join(s.itertext())) for s in children(el, "suffix")]
        families = [f for f in family if f]
        if families:
            out["family"] = " ".join(families)
        for key, values in (("given", given), ("prefix", prefix), ("suffix", suffix)):
            values = [v for v in values if v]
            if values:
                out[key] = values
        if not out:
            text = clean("".join(el.itertext()))
            if text:
                out["text"] = text
        use = (el.get("use") or "").split()
        if out and "L" in use:
            out["use"] = "official"
        elif out and "P" in use:
            out["use"] = "nickname"
        return out or None

    def telecoms(self, el) -> list[dict]:
        out = []
        for t in children(el, "telecom"):
            value = clean(t.get("value"))
            if not value or t.get("nullFlavor") is not None:
                continue
            low = value.lower()
            if low.startswith("tel:"):
                system, value = "phone", value[4:]
            elif low.startswith("mailto:"):
                system, value = "email", value[7:]
            elif low.startswith("fax:"):
                system, value = "fax", value[4:]
            elif low.startswith(("http:", "https:")):
                system = "url"
            elif "@" in value:
                system = "email"
            else:
                system = "phone"
            value = clean(value)
            if not value:
                continue
            item = {"system": system, "value": value}
            for use in (t.get("use") or "").split():
                if use in TELECOM_USE:
                    item["use"] = TELECOM_USE[use]
                    break
            if item not in out:
                out.append(item)
        return out

    def addresses(self, el) -> list[dict]:
        out = []
        for a in children(el, "addr"):
            if a.get("nullFlavor") is not None:
                continue
            item: dict[str, Any] = {}
            lines = [
                clean("".join(x.itertext()))
                for x in children(a, "streetAddressLine")
                if x.get("nullFlavor") is None
            ]
            lines = [x for x in lines if x]
            if lines:
                item["line"] = lines
            for tag, key in (
                ("city", "city"),
                ("state", "state"),
                ("postalCode", "postalCode"),
                ("country", "country"),
                ("county", "district"),
            ):
                part = child(a, tag)
                if part is not None and part.get("nullFlavor") is None:
                    text = clean("".join(part.itertext()))
                    if text:
                        item[key] = text
            if not item:
                text = clean("".join(a.itertext()))
                if text:
                    item["text"] = text
            if not item:
                continue
            for use in (a.get("use") or "").split():
                if use in ADDRESS_USE:
                    item["use"] = ADDRESS_USE[use]
                    break
            if item not in out:
                out.append(item)
        return out

    # -- bookkeeping ---------------------------------------------------------------------------

    def source_system(self) -> str:
        doc_id = child(self.root, "id")
        if not is_null(doc_id) and valid_oid((doc_id.get("root") or "").strip()):
            return f"urn:oid:{doc_id.get('root').strip()}"
        org = child(self.root, "custodian", "assignedCustodian", "representedCustodianOrganization")
        for ii in children(org, "id"):
            root = (ii.get("root") or "").strip()
            ext = clean(ii.get("extension"))
            if ii.get("nullFlavor") is not None or not valid_oid(root):
                continue
            if ext and ext.upper() not in NULL_EXTENSIONS:
                return f"urn:oid:{root}/{quote(ext, safe='')}"
            return f"urn:oid:{root}"
        name = (
            clean("".join(child(org, "name").itertext()))
            if child(org, "name") is not None
            else None
        )
        if name:
            return f"urn:ccda:custodian:{quote(name.lower(), safe='')}"
        if not is_null(doc_id) and valid_uuid((doc_id.get("root") or "").strip()):
            return f"urn:uuid:{doc_id.get('root').strip().lower()}"
        return f"urn:ccda:document:{self.digest[:32]}"

    def add(self, resource: dict, keys: list[str], merge: bool = False) -> dict:
        """Give the resource a stable id and add it; returns the resource kept in the bundle."""
        rtype = resource["resourceType"]
        if keys:
            base = stable_id(rtype, keys[0])
        else:
            base = stable_id(rtype, self.source, fingerprint(resource))
        resource["meta"] = {"source": self.source}
        candidate, n = base, 1
        while candidate in self.resources:
            existing = self.resources[candidate]
            if fingerprint(existing) == fingerprint(resource):
                return existing
            if merge:
                for key, value in resource.items():
                    if key not in existing:
                        existing[key] = value
                return existing
            n += 1
            candidate = stable_id(rtype, keys[0] if keys else self.source, base, str(n))
        resource["id"] = candidate
        ordered = {"resourceType": rtype, "id": candidate, "meta": resource.pop("meta")}
        ordered.update({k: v for k, v in resource.items() if k not in ("resourceType", "id")})
        self.resources[candidate] = ordered
        return ordered

    def subject(self) -> dict:
        assert self.patient is not None, "convert_patient() runs first"
        return {"reference": f"urn:uuid:{self.patient['id']}"}

    # -- people and organizations --------------------------------------------------------------

    @staticmethod
    def party(kind: str, el, identifiers: list) -> dict[str, Any]:
        """An Organization or Practitioner with its identifiers, active."""
        resource: dict[str, Any] = {"resourceType": kind}
        if identifiers:
            resource["identifier"] = identifiers
        resource["active"] = True
        return resource

    def contacts(self, resource: dict[str, Any], el) -> None:
        """Phones, emails and addresses of ``el``, when it has any."""
        telecom = self.telecoms(el)
        if telecom:
            resource["telecom"] = telecom
        address = self.addresses(el)
        if address:
            resource["address"] = address

    def organization(self, el) -> dict | None:
        if is_null(el):
            return None
        names = [clean("".join(n.itertext())) for n in children(el, "name")]
        name = next((n for n in names if n), None)
        identifiers = self.identifiers(el)
        if not name:
            return None  # a bare identifier means nothing to the family
        org = self.party("Organization", el, identifiers)
        org["name"] = name
        self.contacts(org, el)
        keys = self.id_keys(el) or [f"{self.source}|name|{name.lower()}"]
        return self.add(org, keys, merge=True)

    def practitioner(self, entity) -> dict | None:
        """Practitioner for an assignedEntity / assignedAuthor (None for devices or no name)."""
        if is_null(entity):
            return None
        person = child(entity, "assignedPerson")
        names = [self.human_name(n) for n in children(person, "name")]
        names = [n for n in names if n]
        identifiers = self.identifiers(entity)
        if person is None or not names:
            return None
        practitioner = self.party("Practitioner", entity, identifiers)
        practitioner["name"] = names
        self.contacts(practitioner, entity)
        specialty = self.codeable(child(entity, "code"))
        if specialty:
            practitioner["qualification"] = [{"code": specialty}]
        keys = self.id_keys(entity)
        if not keys:
            keys = [f"{self.source}|name|{json.dumps(names[0], sort_keys=True).lower()}"]
        return self.add(practitioner, keys, merge=True)

    def entity(self, entity) -> tuple[dict | None, dict | None]:
        """(Practitioner, Organization) for an assignedEntity/assignedAuthor."""
        if is_null(entity):
            return None, None
        practitioner = self.practitioner(entity)
        organization = self.organization(child(entity, "representedOrganization"))
        return practitioner, organization

    def author_practitioner(self, el) -> dict | None:
        for author in children(el, "author"):
            practitioner, _org = self.entity(child(author, "assignedAuthor"))
            if practitioner:
                return practitioner
        return None

    # -- header --------------------------------------------------------------------------------

    def convert_patient(self) -> None:
        role = child(self.root, "recordTarget", "patientRole")
        if role is None:
            raise CcdaError(
                _(
                    "This C-CDA document names no patient (recordTarget/patientRole is missing), "
                    "so it cannot be imported."
                )
            )
        person = child(role, "patient")
        patient: dict[str, Any] = {"resourceType": "Patient"}
        identifiers = self.identifiers(role)
        if identifiers:
            patient["identifier"] = identifiers
        names = [self.human_name(n) for n in children(person, "name")]
        names = [n for n in names if n]
        if names:
            patient["name"] = names
        telecom = self.telecoms(role)
        if telecom:
            patient["telecom"] = telecom
        gender_el = child(person, "administrativeGenderCode")
        if gender_el is not None:
            code = (gender_el.get("code") or "").upper()
            patient["gender"] = {"M": "male", "F": "female", "UN": "other"}.get(code, "unknown")
        birth = child(person, "birthTime")
        if not is_null(birth):
            birth_date = to_date(ts_to_fhir(birth.get("value")))
            if birth_date:
                patient["birthDate"] = birth_date
        deceased_time = person.find(f"{{{SDTC}}}deceasedTime") if person is not None else None
        deceased_ind = person.find(f"{{{SDTC}}}deceasedInd") if person is not None else None
        died = ts_to_fhir(deceased_time.get("value")) if deceased_time is not None else None
        if died:
            patient["deceasedDateTime"] = died
        elif deceased_ind is not None and deceased_ind.get("value") in ("true", "false"):
            patient["deceasedBoolean"] = deceased_ind.get("value") == "true"
        address = self.addresses(role)
        if address:
            patient["address"] = address
        contacts = []
        for guardian in children(person, "guardian"):
            contact: dict[str, Any] = {}
            relation = self.codeable(child(guardian, "code"))
            if relation:
                contact["relationship"] = [relation]
            gname = next(
                (
                    n
                    for n in (
                        self.human_name(x)
                        for x in children(child(guardian, "guardianPerson"), "name")
                    )
                    if n
                ),
                None,
            )
            if gname:
                contact["name"] = gname
            gtelecom = self.telecoms(guardian) or self.telecoms(child(guardian, "guardianPerson"))
            if gtelecom:
                contact["telecom"] = gtelecom
            gaddress = self.addresses(guardian)
            if gaddress:
                contact["address"] = gaddress[0]
            if set(contact) - {"relationship"}:
                contacts.append(contact)
        if contacts:
            patient["contact"] = contacts
        languages = []
        for lang in children(person, "languageCommunication"):
            code_el = child(lang, "languageCode")
            code = clean(code_el.get("code")) if code_el is not None else None
            if code and re.fullmatch(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*", code):
                item: dict[str, Any] = {
                    "language": {"coding": [{"system": "urn:ietf:bcp:47", "code": code}]}
                }
                pref = child(lang, "preferenceInd")
                if pref is not None and pref.get("value") in ("true", "false"):
                    item["preferred"] = pref.get("value") == "true"
                if item not in languages:
                    languages.append(item)
        if languages:
            patient["communication"] = languages
        keys = self.id_keys(role)
        self.patient = self.add(
            patient, [f"{self.source}|patient|{keys[0]}"] if keys else [f"{self.source}|patient"]
        )
        provider = self.organization(child(role, "providerOrganization"))
        if provider:
            self.patient["managingOrganization"] = ref(provider)

    def convert_header_people(self) -> None:
        for author in children(self.root, "author"):
            self.entity(child(author, "assignedAuthor"))
        self.organization(
            child(self.root, "custodian", "assignedCustodian", "representedCustodianOrganization")
        )
        participants = []
        pcps = []
        for doc_of in children(self.root, "documentationOf"):
            for performer in children(child(doc_of, "serviceEvent"), "performer"):
                entity = child(performer, "assignedEntity")
                practitioner, organization = self.entity(entity)
                member = practitioner or organization
                if member is None:
                    continue
                item: dict[str, Any] = {}
                role = self.codeable(child(performer, "functionCode")) or self.codeable(
                    child(entity, "code")
                )
                if role:
                    item["role"] = [role]
                item["member"] = ref(member)
                if practitioner and organization:
                    item["onBehalfOf"] = ref(organization)
                start, end = self.period(child(performer, "time"))
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
        assert self.patient is not None
        if pcps:
            self.patient["generalPractitioner"] = pcps
        if participants:
            team = {
                "resourceType": "CareTeam",
                "status": "active",
                "subject": self.subject(),
                "participant": participants,
            }
            title = (
                clean("".join(child(self.root, "title").itertext()))
                if child(self.root, "title") is not None
                else None
            )
            if title:
                team["name"] = title
            self.add(team, [f"{self.source}|careteam|{self.patient['id']}"])

    def convert_encompassing_encounter(self) -> None:
        enc = child(self.root, "componentOf", "encompassingEncounter")
        if enc is None:
            return
        participants = []
        for part in children(enc, "encounterParticipant"):
            practitioner, _org = self.entity(child(part, "assignedEntity"))
            if practitioner:
                item: dict[str, Any] = {"individual": ref(practitioner)}
                if part.get("typeCode"):
                    item["type"] = [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                    "code": part.get("typeCode"),
                                }
                            ]
                        }
                    ]
                participants.append(item)
        responsible = child(enc, "responsibleParty", "assignedEntity")
        practitioner, _org = self.entity(responsible)
        if practitioner and not any(p["individual"] == ref(practitioner) for p in participants):
            participants.append({"individual": ref(practitioner)})
        location = child(enc, "location", "healthCareFacility")
        place = None
        if location is not None:
            place = (
                clean("".join(child(location, "location", "name").itertext()))
                if child(location, "location", "name") is not None
                else None
            )
            org = self.organization(child(location, "serviceProviderOrganization"))
            place = place or (org or {}).get("name")
        self.encounter(enc, participants=participants, place=place)

    # -- clinical entries ----------------------------------------------------------------------

    def convert_sections(self) -> None:
        body = child(self.root, "component", "structuredBody")
        if body is None:
            return
        for section in body.iter(q("section")):
            kind = next(
                (SECTION_KINDS[t] for t in template_ids(section) if t in SECTION_KINDS), None
            )
            if kind is None:
                continue
            for entry in children(section, "entry"):
                for top in list(entry):
                    if top.tag == q("templateId") or not isinstance(top.tag, str):
                        continue
                    getattr(self, f"section_{kind}")(top, section)

    def section_problems(self, top, section) -> None:
        discharge = "2.16.840.1.113883.10.20.22.2.24" in template_ids(section)
        if top.tag == q("observation"):
            observations = [(top, None)]
        else:
            observations = []
            for obs in top.iter(q("observation")):
                tids = template_ids(obs)
                if "2.16.840.1.113883.10.20.22.4.4" in tids:
                    observations.append((obs, top))
            if not observations:
                for rel in children(top, "entryRelationship"):
                    obs = child(rel, "observation")
                    if obs is not None and child(obs, "value") is not None:
                        observations.append((obs, top))
        for obs, act in observations:
            self.problem(obs, act, discharge)

    def problem(self, obs, act, discharge: bool) -> None:
        if obs.get("negationInd") == "true":
            return
        value = child(obs, "value")
        # the observation's own code is the kind of problem ("Condition", "Diagnosis"...);
        # the problem itself is the value
        code = self.codeable(
            value,
            fallback=self.entry_text(obs) or (self.entry_text(act) if act is not None else None),
        )
        if code is None:
            return
        condition: dict[str, Any] = {"resourceType": "Condition"}
        identifiers = self.identifiers(obs)
        if identifiers:
            condition["identifier"] = identifiers
        onset, abatement = self.period(child(obs, "effectiveTime"))
        if not onset and act is not None:
            onset, _end = self.period(child(act, "effectiveTime"))
        status = None
        for rel in children(obs, "entryRelationship"):
            status_obs = child(rel, "observation")
            if status_obs is not None and "2.16.840.1.113883.10.20.22.4.6" in template_ids(
                status_obs
            ):
                status = PROBLEM_STATUS.get(
                    coding_key(self.codeable(child(status_obs, "value"))) or ""
                )
        if status is None:
            act_status = (
                child(act, "statusCode").get("code")
                if child(act, "statusCode") is not None
                else None
            )
            if abatement or act_status == "completed":
                status = "resolved"
            elif act_status == "aborted":
                status = "inactive"
            else:
                status = "active"
        if abatement and status not in ("inactive", "resolved", "remission"):
            status = "resolved"
        condition["clinicalStatus"] = {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": status,
                }
            ]
        }
        condition["verificationStatus"] = {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                    "code": "confirmed",
                }
            ]
        }
        category = "encounter-diagnosis" if discharge else "problem-list-item"
        condition["category"] = [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                        "code": category,
                    }
                ]
            }
        ]
        condition["code"] = code
        condition["subject"] = self.subject()
        if onset:
            condition["onsetDateTime"] = onset
        if abatement:
            condition["abatementDateTime"] = abatement
        author = self.author_practitioner(obs) or (
            self.author_practitioner(act) if act is not None else None
        )
        if author:
            condition["recorder"] = ref(author)
        keys = self.id_keys(obs) or (self.id_keys(act) if act is not None else [])
        self.add(condition, keys)

    def section_medications(self, top, section) -> None:
        if top.tag != q("substanceAdministration"):
            found = top.find(f".//{q('substanceAdministration')}")
            if found is None:
                return
            top = found
        if top.get("negationInd") == "true":
            return
        material = child(top, "consumable", "manufacturedProduct", "manufacturedMaterial")
        name_el = child(material, "name")
        name = clean("".join(name_el.itertext())) if name_el is not None else None
        medication = self.codeable(child(material, "code"), fallback=name or self.entry_text(top))
        if medication is None:
            return
        if name and "text" not in medication:
            medication["text"] = name
        statement: dict[str, Any] = {"resourceType": "MedicationStatement"}
        identifiers = self.identifiers(top)
        if identifiers:
            statement["identifier"] = identifiers
        status_code = child(top, "statusCode")
        code = (status_code.get("code") or "").lower() if status_code is not None else ""
        status = MED_STATUS.get(code)
        if status is None:
            status = "intended" if top.get("moodCode") == "INT" else "unknown"
        start, end = self.period(self.main_effective_time(top))
        statement["status"] = status
        statement["medicationCodeableConcept"] = medication
        statement["subject"] = self.subject()
        if start or end:
            statement["effectivePeriod"] = {k: v for k, v in (("start", start), ("end", end)) if v}
        prescriber = self.author_practitioner(top)
        if prescriber is None:
            for rel in children(top, "entryRelationship"):
                supply = child(rel, "supply")
                if supply is not None and supply.get("moodCode") == "INT":
                    prescriber = self.author_practitioner(supply)
                    if prescriber:
                        break
        if prescriber:
            statement["informationSource"] = ref(prescriber)
        reasons = []
        for rel in children(top, "entryRelationship"):
            obs = child(rel, "observation")
            if rel.get("typeCode") == "RSON" and obs is not None:
                reason = self.codeable(child(obs, "value")) or self.codeable(child(obs, "code"))
                if reason and reason not in reasons:
                    reasons.append(reason)
        if reasons:
            statement["reasonCode"] = reasons
        dosage: dict[str, Any] = {}
        sig = self.entry_text(top)
        if sig and sig != medication.get("text"):
            dosage["text"] = sig
        route = self.codeable(child(top, "routeCode"))
        if route:
            dosage["route"] = route
        dose = child(top, "doseQuantity")
        dose_value = decimal_value(dose.get("value")) if dose is not None else None
        if dose_value is not None:
            quantity: dict[str, Any] = {"value": dose_value}
            unit = clean(dose.get("unit"))
            if unit and unit != "1":
                quantity["unit"] = unit
            dosage["doseAndRate"] = [{"doseQuantity": quantity}]
        timing = self.timing(top)
        if timing:
            dosage["timing"] = timing
        if dosage:
            statement["dosage"] = [dosage]
        self.add(statement, self.id_keys(top))

    def timing(self, el) -> dict | None:
        for et in children(el, "effectiveTime"):
            if et.get(XSI_TYPE) != "PIVL_TS":
                continue
            period = child(et, "period")
            value = decimal_value(period.get("value")) if period is not None else None
            unit = (period.get("unit") or "").strip() if period is not None else ""
            units = {"s": "s", "min": "min", "h": "h", "d": "d", "wk": "wk", "mo": "mo", "a": "a"}
            if value is not None and value > 0 and unit in units:
                return {"repeat": {"frequency": 1, "period": value, "periodUnit": units[unit]}}
        return None

    def section_allergies(self, top, section) -> None:
        if top.tag == q("observation"):
            observations = [(top, None)]
        else:
            observations = []
            for rel in children(top, "entryRelationship"):
                obs = child(rel, "observation")
                if obs is not None:
                    observations.append((obs, top))
        for obs, act in observations:
            self.allergy(obs, act)

    def allergy(self, obs, act) -> None:
        if obs.get("negationInd") == "true":
            return
        value = child(obs, "value")
        value_code = coding_key(self.codeable(value))
        if value_code in NO_KNOWN_ALLERGY:
            return
        playing = child(obs, "participant", "participantRole", "playingEntity")
        substance_name_el = child(playing, "name")
        substance_name = (
            clean("".join(substance_name_el.itertext()))
            if (substance_name_el is not None)
            else None
        )
        substance = self.codeable(child(playing, "code"), fallback=substance_name)
        if substance is not None and coding_key(substance) in NO_KNOWN_ALLERGY:
            return
        if substance is None:
            fallback = self.entry_text(obs) or (self.entry_text(act) if act is not None else None)
            if value is not None and value.get(XSI_TYPE) not in (None, "CD", "CE", "CO"):
                fallback = fallback or clean(value.text)
            if not fallback:
                return
            substance = {"text": fallback}
        allergy: dict[str, Any] = {"resourceType": "AllergyIntolerance"}
        identifiers = self.identifiers(obs)
        if identifiers:
            allergy["identifier"] = identifiers
        onset, end = self.period(child(obs, "effectiveTime"))
        status = None
        reactions = []
        criticality = None
        worst = None
        for rel in children(obs, "entryRelationship"):
            sub = child(rel, "observation")
            if sub is None:
                continue
            tids = template_ids(sub)
            sub_value = self.codeable(child(sub, "value"))
            if "2.16.840.1.113883.10.20.22.4.28" in tids:
                status = PROBLEM_STATUS.get(coding_key(sub_value) or "")
            elif "2.16.840.1.113883.10.20.22.4.145" in tids:
                criticality = CRITICALITY.get((coding_key(sub_value) or "").upper())
            elif "2.16.840.1.113883.10.20.22.4.8" in tids:
                worst = self.worse(worst, self.severity(sub_value))
            elif rel.get("typeCode") == "MFST" or "2.16.840.1.113883.10.20.22.4.9" in tids:
                manifestation = sub_value or self.codeable(None, fallback=self.entry_text(sub))
                if manifestation is None:
                    continue
                reaction: dict[str, Any] = {"manifestation": [manifestation]}
                for sub_rel in children(sub, "entryRelationship"):
                    sev_obs = child(sub_rel, "observation")
                    if sev_obs is not None and "2.16.840.1.113883.10.20.22.4.8" in template_ids(
                        sev_obs
                    ):
                        severity = self.severity(self.codeable(child(sev_obs, "value")))
                        if severity:
                            reaction["severity"] = severity
                            worst = self.worse(worst, severity)
                if reaction not in reactions:
                    reactions.append(reaction)
        if status is None:
            status = "resolved" if end else "active"
        if status not in ("active", "inactive", "resolved"):
            status = "active"
        allergy["clinicalStatus"] = {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                    "code": status,
                }
            ]
        }
        allergy["verificationStatus"] = {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
                    "code": "confirmed",
                }
            ]
        }
        kind, category = ALLERGY_TYPES.get(value_code or "", (None, None))
        if category is None:
            systems = {c.get("system") for c in substance.get("coding", [])}
            if systems & {
                CODE_SYSTEMS["2.16.840.1.113883.6.88"],
                CODE_SYSTEMS["2.16.840.1.113883.6.69"],
            }:
                category = "medication"
        if kind:
            allergy["type"] = kind
        if category:
            allergy["category"] = [category]
        if criticality is None and worst:
            criticality = "high" if worst == "severe" else "low"
        if criticality:
            allergy["criticality"] = criticality
        allergy["code"] = substance
        allergy["patient"] = self.subject()
        if onset:
            allergy["onsetDateTime"] = onset
        author = self.author_practitioner(obs) or (
            self.author_practitioner(act) if act is not None else None
        )
        if author:
            allergy["recorder"] = ref(author)
        if reactions:
            allergy["reaction"] = reactions
        keys = self.id_keys(obs) or (self.id_keys(act) if act is not None else [])
        self.add(allergy, keys)

    @staticmethod
    def severity(cc: dict | None) -> str | None:
        if not cc:
            return None
        key = coding_key(cc)
        if key in SEVERITY:
            return SEVERITY[key]
        text = (cc.get("text") or "").lower()
        for word in ("severe", "moderate", "mild"):
            if word in text:
                return word
        return None

    @staticmethod
    def worse(a: str | None, b: str | None) -> str | None:
        order = {None: 0, "mild": 1, "moderate": 2, "severe": 3}
        return a if order[a] >= order[b] else b

    def section_immunizations(self, top, section) -> None:
        if top.tag != q("substanceAdministration"):
            found = top.find(f".//{q('substanceAdministration')}")
            if found is None:
                return
            top = found
        if top.get("moodCode") not in (None, "EVN"):
            return  # planned or proposed, not given
        material = child(top, "consumable", "manufacturedProduct", "manufacturedMaterial")
        name_el = child(material, "name")
        name = clean("".join(name_el.itertext())) if name_el is not None else None
        vaccine = self.codeable(child(material, "code"), fallback=name or self.entry_text(top))
        if vaccine is None:
            return
        if top.get("negationInd") == "true" and "coding" not in vaccine:
            return  # "no immunizations given": a statement about nothing
        immunization: dict[str, Any] = {"resourceType": "Immunization"}
        identifiers = self.identifiers(top)
        if identifiers:
            immunization["identifier"] = identifiers
        immunization["status"] = "not-done" if top.get("negationInd") == "true" else "completed"
        if immunization["status"] == "not-done":
            for rel in children(top, "entryRelationship"):
                obs = child(rel, "observation")
                if obs is not None and rel.get("typeCode") == "RSON":
                    reason = self.codeable(child(obs, "code"))
                    if reason:
                        immunization["statusReason"] = reason
                        break
        immunization["vaccineCode"] = vaccine
        immunization["patient"] = self.subject()
        when = self.point_in_time(self.main_effective_time(top))
        if when:
            immunization["occurrenceDateTime"] = when
        else:
            immunization["occurrenceString"] = "unknown"
        lot = child(material, "lotNumberText")
        lot_text = clean("".join(lot.itertext())) if lot is not None else None
        if lot_text:
            immunization["lotNumber"] = lot_text
        manufacturer = child(
            top, "consumable", "manufacturedProduct", "manufacturerOrganization", "name"
        )
        manufacturer_name = (
            clean("".join(manufacturer.itertext())) if (manufacturer is not None) else None
        )
        if manufacturer_name:
            immunization["manufacturer"] = {"display": manufacturer_name}
        site = self.codeable(child(top, "approachSiteCode"))
        if site:
            immunization["site"] = site
        route = self.codeable(child(top, "routeCode"))
        if route:
            immunization["route"] = route
        dose = child(top, "doseQuantity")
        dose_value = decimal_value(dose.get("value")) if dose is not None else None
        if dose_value is not None:
            quantity: dict[str, Any] = {"value": dose_value}
            unit = clean(dose.get("unit"))
            if unit and unit != "1":
                quantity["unit"] = unit
            immunization["doseQuantity"] = quantity
        performers = []
        for performer in children(top, "performer"):
            practitioner, organization = self.entity(child(performer, "assignedEntity"))
            actor = practitioner or organization
            if actor and {"actor": ref(actor)} not in performers:
                performers.append({"actor": ref(actor)})
        if performers:
            immunization["performer"] = performers
        repeat = child(top, "repeatNumber")
        number = decimal_value(repeat.get("value")) if repeat is not None else None
        if isinstance(number, int) and number > 0:
            immunization["protocolApplied"] = [{"doseNumberPositiveInt": number}]
        self.add(immunization, self.id_keys(top))

    def section_vitals(self, top, section) -> None:
        if top.tag == q("organizer"):
            organizer_time = self.point_in_time(child(top, "effectiveTime"))
            for component in children(top, "component"):
                obs = child(component, "observation")
                if obs is not None:
                    self.vital(obs, organizer_time)
        elif top.tag == q("observation"):
            self.vital(top, None)

    def vital(self, obs, organizer_time: str | None) -> None:
        if obs.get("negationInd") == "true" or obs.get("moodCode") not in (None, "EVN"):
            return
        code = self.codeable(child(obs, "code"), fallback=self.entry_text(obs))
        value = child(obs, "value")
        if code is None or value is None or value.get("nullFlavor") is not None:
            return
        if (value.get(XSI_TYPE) or "PQ").split(":")[-1] not in ("PQ", "INT", "REAL", "IVL_PQ"):
            return
        observation: dict[str, Any] = {"resourceType": "Observation"}
        identifiers = self.identifiers(obs)
        if identifiers:
            observation["identifier"] = identifiers
        status_code = child(obs, "statusCode")
        status = (status_code.get("code") if status_code is not None else None) or "completed"
        observation["status"] = {
            "nullified": "entered-in-error",
            "cancelled": "cancelled",
            "aborted": "cancelled",
            "active": "preliminary",
        }.get(status, "final")
        observation["category"] = [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "vital-signs",
                        "display": "Vital Signs",
                    }
                ]
            }
        ]
        present = {c.get("code") for c in code.get("coding", []) if c.get("system") == LOINC}
        for loinc in sorted(present):
            base = VITAL_BASE_CODES.get(loinc)
            if base and base[0] not in present:
                code["coding"].append({"system": LOINC, "code": base[0], "display": base[1]})
                present.add(base[0])
        observation["code"] = code
        observation["subject"] = self.subject()
        when = self.point_in_time(child(obs, "effectiveTime")) or organizer_time
        if when:
            observation["effectiveDateTime"] = when
        # Only measurements: some exporters (Synthea) put coded lab results in this section,
        # and some (PracticeFusion) fill empty vitals with 0.
        number = decimal_value(value.get("value"))
        if number is None or number <= 0:
            return
        quantity: dict[str, Any] = {"value": number}
        unit = clean(value.get("unit"))
        if unit and unit != "1":
            quantity["unit"] = unit
            if unit in UCUM_UNITS:
                quantity["system"] = UCUM
                quantity["code"] = unit
        observation["valueQuantity"] = quantity
        self.add(observation, self.id_keys(obs))

    def section_encounters(self, top, section) -> None:
        if top.tag != q("encounter"):
            found = top.find(f".//{q('encounter')}")
            if found is None:
                return
            top = found
        participants = []
        for performer in children(top, "performer"):
            practitioner, organization = self.entity(child(performer, "assignedEntity"))
            if practitioner:
                item: dict[str, Any] = {"individual": ref(practitioner)}
                function = self.codeable(child(performer, "functionCode"))
                if function:
                    item["type"] = [function]
                if item not in participants:
                    participants.append(item)
        place = None
        for participant in children(top, "participant"):
            if participant.get("typeCode") != "LOC":
                continue
            name_el = child(participant, "participantRole", "playingEntity", "name")
            place = clean("".join(name_el.itertext())) if name_el is not None else None
            place = place or (
                self.codeable(child(participant, "participantRole", "code")) or {}
            ).get("text")
            if place:
                break
        self.encounter(top, participants=participants, place=place)

    def encounter(self, el, participants: list[dict], place: str | None) -> None:
        code = self.codeable(child(el, "code"), fallback=self.entry_text(el))
        encounter: dict[str, Any] = {"resourceType": "Encounter"}
        identifiers = self.identifiers(el)
        if identifiers:
            encounter["identifier"] = identifiers
        mood = el.get("moodCode") or "EVN"
        status_code = child(el, "statusCode")
        status = (status_code.get("code") if status_code is not None else None) or ""
        if mood != "EVN":
            encounter["status"] = "planned"
        elif status == "active":
            encounter["status"] = "in-progress"
        elif status in ("cancelled", "aborted"):
            encounter["status"] = "cancelled"
        else:
            encounter["status"] = "finished"
        klass = None
        code_el = child(el, "code")
        for c in [code_el, *children(code_el, "translation")] if code_el is not None else []:
            if c.get("codeSystem") == "2.16.840.1.113883.5.4" and c.get("code") in (
                ACT_ENCOUNTER_CODES
            ):
                klass = {
                    "system": CODE_SYSTEMS["2.16.840.1.113883.5.4"],
                    "code": c.get("code"),
                    "display": ACT_ENCOUNTER_CODES[c.get("code")],
                }
                break
        encounter["class"] = klass or {
            "system": "http://terminology.hl7.org/CodeSystem/v3-NullFlavor",
            "code": "UNK",
            "display": "unknown",
        }
        if code:
            encounter["type"] = [code]
        encounter["subject"] = self.subject()
        if participants:
            encounter["participant"] = participants
        period = self.fhir_period(child(el, "effectiveTime"))
        if period:
            encounter["period"] = period
        reasons = []
        for rel in children(el, "entryRelationship"):
            for obs in rel.iter(q("observation")):
                tids = template_ids(obs)
                if rel.get("typeCode") == "RSON" or "2.16.840.1.113883.10.20.22.4.4" in tids:
                    reason = self.codeable(child(obs, "value"))
                    if reason and reason not in reasons:
                        reasons.append(reason)
        if reasons:
            encounter["reasonCode"] = reasons
        if place:
            encounter["location"] = [{"location": {"display": place}}]
        keys = self.id_keys(el)
        if not keys and code is None and period is None:
            return
        # the document's encompassingEncounter often reappears as an entry with the same id:
        # one Encounter, completed with the entry's details
        self.add(encounter, keys, merge=bool(keys))

    # -- assembly ------------------------------------------------------------------------------

    def bundle(self, doc_template: str, doc_name: str, doc_loinc: str | None) -> dict:
        tags = []
        if doc_loinc:
            loinc_tag: dict[str, Any] = {"system": LOINC, "code": doc_loinc}
            display = clean(child(self.root, "code").get("displayName"))
            if display:
                loinc_tag["display"] = display
            tags.append(loinc_tag)
        # the document type comes last: readers that keep the last tag's display get its name
        tags.append(
            {"system": DOCUMENT_TAG_SYSTEM, "code": f"urn:oid:{doc_template}", "display": doc_name}
        )
        keys = self.id_keys(self.root)
        bundle: dict[str, Any] = {
            "resourceType": "Bundle",
            "id": stable_id("Bundle", keys[0] if keys else self.digest),
            "meta": {"source": self.source, "tag": tags},
        }
        identifiers = self.identifiers(self.root)
        if identifiers:
            bundle["identifier"] = identifiers[0]
        bundle["type"] = "collection"
        when = (
            ts_to_fhir(child(self.root, "effectiveTime").get("value"))
            if child(self.root, "effectiveTime") is not None
            else None
        )
        if is_instant(when):
            bundle["timestamp"] = when
        bundle["entry"] = [
            {"fullUrl": f"urn:uuid:{rid}", "resource": resource}
            for rid, resource in self.resources.items()
        ]
        return bundle


def ccda_to_bundle(data: bytes) -> dict:
    """Convert a C-CDA document (bytes) to a FHIR R4 collection Bundle (dict).

    Raises CcdaError with a message for the person who uploaded the file when the input is not
    a C-CDA document or is unsafe. See the module docstring for the mapping.
    """
    root = parse_xml(data)
    check_ccda(root)
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    converter = Converter(root, hashlib.sha256(raw).hexdigest())
    template, name, loinc = detect_document_type(root)
    converter.convert_patient()
    converter.convert_header_people()
    converter.convert_encompassing_encounter()
    converter.convert_sections()
    return converter.bundle(template, name, loinc)
