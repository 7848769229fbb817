"""The mapping, both ways: every resource Homebase makes is valid R4 (fhir.resources R4B),
and real-world inputs (Synthea, HL7 examples) map to rows that pass the models' checks."""

import base64
import hashlib
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from children.models import CareTeamMember, Child
from coordination.models import Goal, Visit
from interop import mapping, terminology
from interop.mapping import from_fhir, from_fhir_many, to_fhir
from records.models import Condition, Document, Immunization, Measurement, Medication

from .record_factory import PDF, full_record

DATA = Path("/work/shared/data/fhir")
pytestmark = pytest.mark.skipif(not DATA.exists(), reason="shared FHIR test data not found")


@pytest.fixture
def record(cast: dict[str, Any]) -> dict[str, Any]:
    return full_record(cast["child"], cast["owner"])


def _entries(path: Path) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    data = json.loads(path.read_text())
    if data["resourceType"] != "Bundle":
        return [data], {}
    index: dict[str, dict[str, Any]] = {}
    for entry in data["entry"]:
        resource = entry["resource"]
        index[entry.get("fullUrl", "")] = resource
        index[f"{resource['resourceType']}/{resource.get('id')}"] = resource
    return [e["resource"] for e in data["entry"]], index


def _all_files() -> list[Path]:
    return sorted(DATA.glob("*/*.json"))


# To FHIR -------------------------------------------------------------------


def test_every_row_type_validates(record: dict[str, Any], cast: dict[str, Any]) -> None:
    made: Counter[str] = Counter()
    for item in [cast["child"], *record.values()]:
        resource = to_fhir(item, with_files=True)
        mapping.validate(resource)
        assert resource["id"] == str(item.uuid)
        made[resource["resourceType"]] += 1
    expected = {rt for rule in mapping.RULES for rt in rule.resource_types}
    assert set(made) == expected, "a supported type is missing from the test record"


def test_patient_names_and_language(record: dict[str, Any], cast: dict[str, Any]) -> None:
    patient = to_fhir(cast["child"])
    assert patient["name"][0] == {"use": "official", "family": "Rivera", "given": ["Maya"]}
    assert patient["name"][1] == {"use": "usual", "given": ["Mimi"]}
    assert patient["communication"] == [{"language": {"text": "Spanish"}}]
    assert "extension" not in patient


def test_condition_code_systems(record: dict[str, Any]) -> None:
    icd = to_fhir(record["condition"])["code"]["coding"][0]
    snomed = to_fhir(record["condition_snomed"])["code"]["coding"][0]
    other = to_fhir(record["condition_other"])["code"]["coding"][0]
    assert icd["system"] == terminology.ICD10
    assert snomed["system"] == terminology.SNOMED
    assert other["system"] == "http://hl7.org/fhir/sid/icd-9-cm"
    resolved = to_fhir(record["condition_snomed"])
    assert resolved["clinicalStatus"]["coding"][0]["code"] == "resolved"


def test_medication_statuses(record: dict[str, Any]) -> None:
    current = to_fhir(record["medication"])
    prn = to_fhir(record["medication_prn"])
    stopped = to_fhir(record["medication_stopped"])
    assert current["status"] == "active" and "asNeededBoolean" not in current["dosage"][0]
    assert prn["status"] == "active" and prn["dosage"][0]["asNeededBoolean"] is True
    assert stopped["status"] == "completed"
    assert current["dosage"][0]["text"] == "500 mg twice a day, 8am and 8pm"
    assert current["informationSource"]["reference"] == f"PractitionerRole/{record['doctor'].uuid}"
    assert current["medicationCodeableConcept"]["coding"][0]["system"] == terminology.RXNORM


def test_allergy_criticality(record: dict[str, Any]) -> None:
    severe = to_fhir(record["allergy"])
    assert severe["criticality"] == "high"
    assert severe["reaction"][0]["severity"] == "severe"
    assert to_fhir(record["allergy_mild"])["criticality"] == "low"
    assert to_fhir(record["allergy_unknown"])["criticality"] == "unable-to-assess"
    assert "category" not in to_fhir(record["allergy_unknown"])


def test_vital_signs_use_loinc_and_ucum(record: dict[str, Any]) -> None:
    weight = to_fhir(record["weight"])
    assert weight["code"]["coding"][0]["code"] == "29463-7"
    assert weight["category"][0]["coding"][0]["code"] == "vital-signs"
    assert weight["valueQuantity"] == {
        "value": 20.5,
        "unit": "kg",
        "system": terminology.UCUM,
        "code": "kg",
    }
    temperature = to_fhir(record["temperature"])
    assert temperature["valueQuantity"]["code"] == "Cel"
    oxygen = [c["code"] for c in to_fhir(record["oxygen"])["code"]["coding"]]
    assert oxygen == ["2708-6", "59408-5"]
    seizures = to_fhir(record["seizures"])
    assert seizures["category"][0]["coding"][0]["code"] == "survey"


def test_coverage_medicaid_and_payer(record: dict[str, Any]) -> None:
    coverage = to_fhir(record["coverage"])
    assert coverage["type"]["coding"][0]["code"] == "2"
    assert coverage["payor"] == [{"reference": "#payer", "display": "State Medicaid"}]
    assert coverage["contained"][0]["telecom"][0]["value"] == "555-800-1000"
    assert coverage["order"] == 1
    assert to_fhir(record["coverage_other"])["order"] == 3


def test_device_and_document(record: dict[str, Any]) -> None:
    assert to_fhir(record["equipment"])["status"] == "active"
    assert to_fhir(record["equipment_old"])["status"] == "inactive"
    without = to_fhir(record["document"])["content"][0]["attachment"]
    assert "data" not in without
    attachment = to_fhir(record["document"], with_files=True)["content"][0]["attachment"]
    assert base64.b64decode(attachment["data"]) == PDF
    assert attachment["hash"] == base64.b64encode(hashlib.sha1(PDF).digest()).decode()  # noqa: S324
    assert attachment["size"] == len(PDF)


def test_visits_past_and_coming(record: dict[str, Any]) -> None:
    past, coming = to_fhir(record["visit_done"]), to_fhir(record["visit_coming"])
    assert past["resourceType"] == "Encounter" and past["status"] == "finished"
    assert coming["resourceType"] == "Appointment" and coming["status"] == "booked"
    assert coming["start"] == coming["end"]
    assert mapping.reference(record["visit_done"]).startswith("Encounter/")


def test_plan_task_referral(record: dict[str, Any]) -> None:
    plan = to_fhir(record["plan"])
    assert {g["reference"] for g in plan["goal"]} == {
        f"Goal/{record['goal'].uuid}",
        f"Goal/{record['goal_met'].uuid}",
    }
    met = to_fhir(record["goal_met"])
    assert met["lifecycleStatus"] == "completed"
    assert met["achievementStatus"]["coding"][0]["code"] == "achieved"
    task = to_fhir(record["task"])
    assert task["owner"]["type"] == "RelatedPerson"
    assert task["reasonReference"]["reference"] == f"Encounter/{record['visit_done'].uuid}"
    referral = to_fhir(record["referral"])
    assert (referral["status"], referral["priority"]) == ("active", "urgent")
    assert to_fhir(record["referral_declined"])["status"] == "revoked"


# From FHIR: real-world inputs ---------------------------------------------


@pytest.mark.parametrize("path", _all_files(), ids=lambda p: f"{p.parent.name}/{p.name[:24]}")
def test_shared_files_map_without_errors(path: Path) -> None:
    resources, index = _entries(path)
    for resource in resources:
        for mapped in from_fhir_many(resource, index.get):
            assert mapped.fields, resource["resourceType"]


def _mapped_everything() -> Counter:
    counts: Counter = Counter()
    for path in _all_files():
        resources, index = _entries(path)
        for resource in resources:
            for mapped in from_fhir_many(resource, index.get):
                counts[(resource["resourceType"], mapped.model.__name__)] += 1
    return counts


def test_every_supported_source_type_is_seen() -> None:
    counts = _mapped_everything()
    for pair in [
        ("Patient", "Child"),
        ("Condition", "Condition"),
        ("MedicationRequest", "Medication"),
        ("MedicationStatement", "Medication"),
        ("AllergyIntolerance", "Allergy"),
        ("Immunization", "Immunization"),
        ("Observation", "Measurement"),
        ("Encounter", "Visit"),
        ("Appointment", "Visit"),
        ("Device", "Equipment"),
        ("CarePlan", "Goal"),
        ("Goal", "Goal"),
        ("CareTeam", "CareTeamMember"),
        ("Practitioner", "CareTeamMember"),
        ("PractitionerRole", "CareTeamMember"),
        ("Organization", "Practice"),
        ("DocumentReference", "Document"),
        ("Coverage", "Coverage"),
        ("ServiceRequest", "Referral"),
        ("Task", "Task"),
    ]:
        assert counts[pair] > 0, pair


def _bundle(name: str) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    return _entries(next(DATA.glob(f"*/{name}*.json")))


def _first(resources: list[dict[str, Any]], test: Any) -> dict[str, Any]:
    return next(r for r in resources if test(r))


def test_synthea_medication_requests() -> None:
    resources, index = _bundle("e2d6fb82")
    by_reference = _first(resources, lambda r: "medicationReference" in r)
    mapped = from_fhir(by_reference, index.get)
    assert mapped is not None and mapped.model is Medication
    medicine = index[by_reference["medicationReference"]["reference"]]
    assert mapped.fields["name"] == medicine["code"]["text"]
    assert mapped.fields["status"] == "stopped"
    assert mapped.refs["prescriber"].startswith("Practitioner?identifier=")
    resources, index = _bundle("0696ac49")
    with_timing = _first(
        resources,
        lambda r: (
            r["resourceType"] == "MedicationRequest"
            and "timing" in (r.get("dosageInstruction") or [{}])[0]
        ),
    )
    mapped = from_fhir(with_timing, index.get)
    assert mapped is not None and mapped.fields["schedule"] != mapping.NOT_RECORDED


def test_synthea_active_request_is_current() -> None:
    found = []
    for path in DATA.glob("synthea*/*.json"):
        resources, index = _entries(path)
        found += [
            from_fhir(r, index.get)
            for r in resources
            if r["resourceType"] == "MedicationRequest" and r["status"] == "active"
        ]
    assert found
    assert {m.fields["status"] for m in found if m} <= {"current", "as_needed"}


def test_synthea_vital_signs() -> None:
    resources, index = _bundle("Pablo44")
    temperatures = [
        from_fhir(r)
        for r in resources
        if r["resourceType"] == "Observation" and r["code"]["coding"][0]["code"] == "8310-5"
    ]
    assert temperatures and all(m.fields["kind"] == "temperature" for m in temperatures if m)
    assert {m.fields["unit"] for m in temperatures if m} == {"°C"}
    labs = [r for r in resources if r["resourceType"] == "Observation" and "vital" not in str(r)]
    assert all(from_fhir(r) is None for r in labs)


def test_synthea_immunization_condition_document() -> None:
    resources, index = _bundle("1ae8d602")
    shot = from_fhir(_first(resources, lambda r: r["resourceType"] == "Immunization"))
    assert shot is not None and shot.model is Immunization
    assert shot.fields["code"] and shot.fields["code_system"] == ""  # CVX is implied
    condition = from_fhir(_first(resources, lambda r: r["resourceType"] == "Condition"))
    assert condition is not None and condition.model is Condition
    assert condition.fields["code"].isdigit() and condition.fields["code_system"] == ""
    note = from_fhir(_first(resources, lambda r: r["resourceType"] == "DocumentReference"))
    assert note is not None and note.model is Document
    assert note.content and note.content.startswith(b"\n")
    assert note.fields["content_type"].startswith("text/plain")


def test_care_team_expands_to_practitioners() -> None:
    resources, index = _bundle("Pablo44")
    team = _first(resources, lambda r: r["resourceType"] == "CareTeam")
    assert from_fhir(team, index.get) is None
    members = from_fhir_many(team, index.get)
    assert members and all(m.model is CareTeamMember for m in members)
    assert all(m.source for m in members)


def test_practitioner_information_bundle() -> None:
    resources, index = _bundle("0-practitionerInformation")
    roles = [from_fhir(r, index.get) for r in resources if r["resourceType"] == "PractitionerRole"]
    assert roles and all(m and m.fields["name"] and m.fields["specialty"] for m in roles)


def test_statements_that_are_not_rows() -> None:
    examples = DATA / "examples"
    assert from_fhir(json.loads((examples / "AllergyIntolerance-nkda.json").read_text())) is None
    assert from_fhir(json.loads((examples / "Immunization-notGiven.json").read_text())) is None
    assert from_fhir(json.loads((examples / "Questionnaire-bb.json").read_text())) is None
    assert (
        from_fhir(
            {"resourceType": "Condition", "verificationStatus": {"coding": [{"code": "refuted"}]}}
        )
        is None
    )
    assert from_fhir({}) is None


def test_contained_medication_and_units() -> None:
    statement = json.loads((DATA / "examples/MedicationStatement-example001.json").read_text())
    mapped = from_fhir(statement)
    assert mapped is not None and mapped.fields["name"] == "Tylenol PM"
    assert "prescriber" not in mapped.refs  # a Patient, not a team member
    pounds = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": terminology.LOINC, "code": "29463-7"}]},
        "effectiveDateTime": "2020-01-02T10:00:00-05:00",
        "valueQuantity": {"value": 44, "unit": "lb", "system": terminology.UCUM, "code": "[lb_av]"},
    }
    weight = from_fhir(pounds)
    assert weight is not None and weight.fields["unit"] == "kg"
    assert weight.fields["value"] == Decimal("19.96")


# Mapped rows pass the models' own checks ----------------------------------

# Set by the importer (the file, the plan a goal belongs to) or by the row's service.
_SET_ELSEWHERE = ["child", "file", "plan", "original_name", "visit", "uuid"]


def _check(mapped: Any, child: Child) -> None:
    instance = mapped.model(**mapped.fields)
    if hasattr(instance, "child_id"):
        instance.child = child
    instance.full_clean(exclude=_SET_ELSEWHERE, validate_unique=False, validate_constraints=False)


@pytest.mark.django_db
def test_synthea_rows_pass_model_validation(cast: dict[str, Any]) -> None:
    problems: Counter = Counter()
    checked = 0
    for path in DATA.glob("synthea*/*.json"):
        resources, index = _entries(path)
        for resource in resources:
            for mapped in from_fhir_many(resource, index.get):
                if mapped.model is Child:
                    continue
                try:
                    _check(mapped, cast["child"])
                except ValidationError as error:
                    problems[(mapped.model.__name__, str(sorted(error.message_dict)))] += 1
                checked += 1
    assert checked > 3000
    assert not problems, problems


def test_goal_and_visit_choices_are_valid() -> None:
    plan = json.loads((DATA / "examples/CarePlan-example.json").read_text())
    goal = from_fhir(plan)
    assert goal is not None and goal.model is Goal and goal.fields["status"] in Goal.Status.values
    appointment = from_fhir(json.loads((DATA / "examples/Appointment-example.json").read_text()))
    assert appointment is not None and appointment.model is Visit
    assert appointment.refs["team_member"] == "Practitioner/example"
    assert Measurement.Kind.OTHER in Measurement.Kind.values
