"""C-CDA -> FHIR R4 (interop/ccda): the shared samples.

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
from collections import Counter

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from interop.ccda import ccda_to_bundle, document_type

from .ccda_support import (
    DATA,
    DOCUMENT_NAMES,
    EXPECTED,
    SAMPLES,
    VITAL_LOINC,
    convert,
    counts,
    loinc_codes,
    needs_samples,
    references,
    resources,
)

# ------------------------------------------------------------------------------------------
# the shared samples
# ------------------------------------------------------------------------------------------


@needs_samples
def test_every_shared_sample_is_known() -> None:
    assert set(SAMPLES) == set(EXPECTED), "a sample was added or removed: update EXPECTED"


@needs_samples
@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_sample_converts_and_validates_with_fhir_resources(rel: str) -> None:
    bundle = convert(rel)
    Bundle.model_validate(bundle)
    for resource in resources(bundle):
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    assert bundle["type"] == "collection"
    assert counts(bundle) == EXPECTED[rel]


@needs_samples
@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_sample_references_resolve_and_ids_are_unique(rel: str) -> None:
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
def test_converting_twice_gives_identical_output(rel: str) -> None:
    data = (DATA / rel).read_bytes()
    assert json.dumps(ccda_to_bundle(data)) == json.dumps(ccda_to_bundle(data))


@needs_samples
def test_ids_are_pinned() -> None:
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
def test_document_type_of_hl7_examples(rel: str) -> None:
    bundle = convert(rel)
    found = document_type(bundle)
    assert found is not None
    assert found["name"] == DOCUMENT_NAMES[rel]
    assert bundle["meta"]["tag"][-1]["display"] == DOCUMENT_NAMES[rel]  # interop.reader reads this


@needs_samples
def test_document_type_of_synthea_prefers_the_template_matching_the_code() -> None:
    # Synthea declares both the CCD and the Diagnostic Imaging Report templates; code 34133-9
    bundle = convert(SAMPLES[[s.startswith("synthea/") for s in SAMPLES].index(True)])
    assert document_type(bundle) == {
        "template": "2.16.840.1.113883.10.20.22.1.2",
        "name": "Continuity of Care Document (CCD)",
        "loinc": "34133-9",
    }


@needs_samples
@pytest.mark.parametrize("rel", [s for s in sorted(EXPECTED) if s.startswith("synthea/")])
def test_synthea_children_have_immunizations_vitals_and_visits(rel: str) -> None:
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
def test_kinsights_growth_chart() -> None:
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
def test_ccd_clinical_content() -> None:
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
def test_encompassing_encounter_and_its_entry_become_one_encounter() -> None:
    bundle = convert("vendor-samples/Cerner_Transition_of_Care_Referral_Summary.xml")
    (encounter,) = resources(bundle, "Encounter")
    assert encounter["type"][0]["text"] == "Inpatient"
    assert len(encounter["participant"]) == 3
    assert encounter["period"]["start"] == "2013-07-10T21:44:00.000-05:00"
