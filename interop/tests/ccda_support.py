"""Shared samples, expected counts and small synthetic documents for the C-CDA tests (``test_ccda_*``)."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from interop.ccda import ccda_to_bundle

DATA = (
    Path(os.environ.get("HOMEBASE_SHARED_DATA", Path(settings.BASE_DIR).parent / "shared" / "data"))
    / "ccda"
)
SAMPLES = sorted(p.relative_to(DATA).as_posix() for p in DATA.glob("*/*.xml"))
needs_samples = pytest.mark.skipif(not SAMPLES, reason=f"no shared C-CDA samples in {DATA}")

TYPES = (
    "Patient",
    "Condition",
    "MedicationStatement",
    "AllergyIntolerance",
    "Immunization",
    "Observation",
    "Encounter",
    "Practitioner",
    "Organization",
    "CareTeam",
)
# file, then the count of each of TYPES
EXPECTED_TABLE = """
hl7-examples/CCD_1.xml                    1  4 2 2  5  8  1 2 4 1
hl7-examples/Care_Plan.xml                1  0 0 0  0  0  1 2 3 1
hl7-examples/Consultation_Note.xml        1  4 2 2  0  8  1 1 2 0
hl7-examples/Discharge_Summary.xml        1  3 1 3  2  4  1 3 2 1
hl7-examples/History_and_Physical.xml     1  2 1 3  4  6  1 2 2 0
hl7-examples/Operative_Note.xml           1  0 0 0  0  0  0 2 2 1
hl7-examples/Procedure_Note.xml           1  0 0 0  0  0  1 3 3 1
hl7-examples/Referral_Note.xml            1  4 2 2  0  8  0 1 2 0
synthea/Angelina101_Barton704_f19307b9-86f8-b922-6327-d459dba22815.xml      1 7 0 0 32 7 15 0 1 0
synthea/Cornelia505_Cummerata161_484e08ea-fad1-beb6-a674-183e761f0c53.xml   1 5 0 0 32 7 15 0 1 0
synthea/Golda777_Huel628_e9d367ea-e7a1-2044-f4b8-5eb7cf0e6974.xml           1 8 0 0 18 7 10 0 1 0
synthea/Lisandra920_Schroeder447_5391757e-f451-f2fe-d2f0-90a839d4d9c4.xml   1 8 0 0 36 7 19 0 1 0
synthea/Reginia455_Spinka232_826ca5cc-786f-e0a7-24f9-47d60fe96ab5.xml       1 8 0 0 23 7  9 0 1 0
vendor-samples/Allscripts_MU2_AMB_Patient6_SummaryOfCare.xml      1  2 2 1  1 15  3 3 1 1
vendor-samples/Allscripts_MU2_InPt_Patient3_CCD.xml               1  2 2 0  1 15  3 2 1 1
vendor-samples/Cerner_Transition_of_Care_Referral_Summary.xml     1  5 4 2  1  7  1 3 1 1
vendor-samples/Greenway_26562_ExportSummary_CCDA.xml              1  4 3 3  1 15  0 3 1 1
vendor-samples/Kinsights_timmy.xml                                1 14 2 1 19 35  0 2 2 1
vendor-samples/PracticeFusion_MaryGrant-ClinicalSummary.xml       1  0 3 2  0  5  2 4 2 1
"""
EXPECTED = {
    line.split()[0]: tuple(int(n) for n in line.split()[1:])
    for line in EXPECTED_TABLE.strip().splitlines()
}
DOCUMENT_NAMES = {
    "hl7-examples/CCD_1.xml": "Continuity of Care Document (CCD)",
    "hl7-examples/Care_Plan.xml": "Care Plan",
    "hl7-examples/Consultation_Note.xml": "Consultation Note",
    "hl7-examples/Discharge_Summary.xml": "Discharge Summary",
    "hl7-examples/History_and_Physical.xml": "History and Physical",
    "hl7-examples/Operative_Note.xml": "Operative Note",
    "hl7-examples/Procedure_Note.xml": "Procedure Note",
    "hl7-examples/Referral_Note.xml": "Referral Note",
}
VITAL_LOINC = {"29463-7", "8302-2", "9843-4", "8310-5", "8867-4", "2708-6", "59408-5"}

_cache: dict[str, dict] = {}


def convert(rel: str) -> dict:
    if rel not in _cache:
        _cache[rel] = ccda_to_bundle((DATA / rel).read_bytes())
    return _cache[rel]


def resources(bundle: dict, rtype: str | None = None) -> list[dict]:
    return [
        e["resource"] for e in bundle["entry"] if rtype in (None, e["resource"]["resourceType"])
    ]


def counts(bundle: dict) -> tuple[int, ...]:
    c = Counter(r["resourceType"] for r in resources(bundle))
    assert set(c) <= set(TYPES), set(c) - set(TYPES)
    return tuple(c[t] for t in TYPES)


def references(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return found + [r for v in value.values() for r in references(v)]
    if isinstance(value, list):
        return [r for v in value for r in references(v)]
    return []


def loinc_codes(resource: dict, key: str = "code") -> set[str]:
    return {c.get("code") for c in resource.get(key, {}).get("coding", [])}


PATIENT = """
<recordTarget><patientRole>
  <id root="2.16.840.1.113883.19.5" extension="P-1"/>
  <id root="2.16.840.1.113883.4.1" extension="999-12-3456"/>
  <patient><name use="L"><given>Maya</given><family>Test</family></name>
    <administrativeGenderCode code="F" codeSystem="2.16.840.1.113883.5.1"/>
    <birthTime value="20150304"/></patient>
</patientRole></recordTarget>"""


def document(
    sections: str = "",
    *,
    templates: tuple[str, ...] = (
        "2.16.840.1.113883.10.20.22.1.1",
        "2.16.840.1.113883.10.20.22.1.2",
    ),
    code: str = "34133-9",
    doc_id: str = '<id root="1.2.3.4.5" extension="DOC-1"/>',
    patient: str = PATIENT,
    effective: str = "20240101",
) -> bytes:
    template_xml = "".join(f'<templateId root="{t}"/>' for t in templates)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>
  {template_xml}{doc_id}
  <code code="{code}" codeSystem="2.16.840.1.113883.6.1"/>
  <title>Test</title><effectiveTime value="{effective}"/>
  {patient}
  <custodian><assignedCustodian><representedCustodianOrganization>
    <id root="1.2.3.4" extension="C"/><name>Clinic</name>
  </representedCustodianOrganization></assignedCustodian></custodian>
  <component><structuredBody>{sections}</structuredBody></component>
</ClinicalDocument>""".encode()


def section(template: str, entries: str, text: str = "") -> str:
    return (
        f'<component><section><templateId root="{template}"/>'
        f"<text>{text}</text>{entries}</section></component>"
    )


def vital(code: str, value: str, unit: str, when: str, ident: str = "") -> str:
    return f"""<component><observation classCode="OBS" moodCode="EVN">
      <templateId root="2.16.840.1.113883.10.20.22.4.27"/>{ident}
      <code code="{code}" codeSystem="2.16.840.1.113883.6.1"/>
      <statusCode code="completed"/><effectiveTime value="{when}"/>
      <value xsi:type="PQ" value="{value}" unit="{unit}"/></observation></component>"""


def vitals_section(components: str, template: str = "2.16.840.1.113883.10.20.22.2.4.1") -> str:
    return section(
        template,
        f"""<entry><organizer classCode="CLUSTER" moodCode="EVN">
        <templateId root="2.16.840.1.113883.10.20.22.4.26"/>
        <statusCode code="completed"/><effectiveTime value="20240101"/>{components}
        </organizer></entry>""",
    )


def convert_and_validate(data: bytes) -> dict:
    bundle = ccda_to_bundle(data)
    Bundle.model_validate(bundle)
    for resource in resources(bundle):
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return bundle
