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

Modules
-------
``guard`` parses the upload (the only place XML is parsed) and refuses what is not a C-CDA
document; ``datatypes`` reads the HL7 v3 data types; ``converter`` holds one conversion's
state (stable ids, the narrative, people and organizations); ``header`` converts the header
and assembles the Bundle; ``sections`` has one module per section. Code systems and code sets
are in ``interop.terminology``.

Errors
------
Every problem with the input raises ``CcdaError`` with a message for the person who uploaded it:
not XML, not well-formed (e.g. cut short), a DTD / entity declarations ("billion laughs") or an
external entity (XXE) - refused before any expansion by defusedxml -, or XML that is not a
C-CDA ClinicalDocument ("This file is not a C-CDA document ...").
"""

from __future__ import annotations

import hashlib

from ..terminology import CCDA_DOCUMENT_TYPES as DOCUMENT_TYPES
from .converter import Converter
from .datatypes import Json
from .guard import CcdaError, check_ccda, parse_xml
from .header import (
    bundle,
    convert_encompassing_encounter,
    convert_header_people,
    convert_patient,
    detect_document_type,
    document_type,
)
from .sections import convert_sections

__all__ = ["CcdaError", "ccda_to_bundle", "document_type", "DOCUMENT_TYPES"]


def ccda_to_bundle(data: bytes | str) -> Json:
    """Convert a C-CDA document (bytes) to a FHIR R4 collection Bundle (dict).

    Raises CcdaError with a message for the person who uploaded the file when the input is not
    a C-CDA document or is unsafe. See the module docstring for the mapping.
    """
    root = parse_xml(data)
    check_ccda(root)
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    conv = Converter(root, hashlib.sha256(raw).hexdigest())
    template, name, loinc = detect_document_type(root)
    convert_patient(conv)
    convert_header_people(conv)
    convert_encompassing_encounter(conv)
    convert_sections(conv)
    return bundle(conv, template, name, loinc)
