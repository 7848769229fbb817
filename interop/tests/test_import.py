"""Importing FHIR R4 and C-CDA: preview, provenance, idempotence, one transaction, clear errors."""

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from accounts.models import User
from children.models import AccessEvent, Child
from coordination.models import PlanProposal, Visit
from interop.importer import apply_import, plan_import
from interop.models import ImportBatch, SourceLink
from interop.reader import Upload, UploadError, read_upload
from records.models import Condition, Immunization, Measurement, Medication

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
SYNTHEA = DATA / "fhir" / "synthea"
SMALL = SYNTHEA / "8a4c9c04-1524-9f1c-d65b-9b17e4520fef.json"  # 66 resources
INFO = sorted(SYNTHEA.glob("0-*.json"))
LEGACY = sorted((DATA / "fhir" / "synthea-legacy").glob("*.json"))
CCDA = DATA / "ccda" / "hl7-examples" / "CCD_1.xml"


def upload(path: Path) -> SimpleUploadedFile:
    """A file as the browser sends it."""
    return SimpleUploadedFile(path.name, path.read_bytes())


def uploads(*paths: Path) -> list[Upload]:
    return [read_upload(p.read_bytes(), name=p.name) for p in paths]


def import_new(owner: User, *paths: Path) -> Child:
    plan = plan_import(uploads(*paths), child=None)
    apply_import(plan, actor=owner)
    assert plan.child is not None
    return plan.child


def test_a_synthea_patient_imports_and_a_second_import_changes_nothing(
    cast: dict[str, Any],
) -> None:
    child = import_new(cast["owner"], SMALL, *INFO)
    assert child.guardianships.get().user == cast["owner"]
    assert child.immunizations.exists() and child.visits.exists()
    links = SourceLink.objects.filter(child=child)
    assert links.count() >= child.immunizations.count()
    link = links.filter(model="records.immunization").first()
    assert link is not None
    assert link.resource_type == "Immunization" and link.source_system.startswith(
        "https://github.com/synthetichealth"
    )
    total = {m: m.objects.filter(child=child).count() for m in (Immunization, Visit, Condition)}

    again = plan_import(uploads(SMALL, *INFO), child=child)
    assert all(n["add"] == 0 and n["update"] == 0 for n in again.counts().values())
    apply_import(again, actor=cast["owner"])
    assert total == {m: m.objects.filter(child=child).count() for m in total}


def test_conditional_references_find_the_practitioner_of_the_information_bundle(
    cast: dict[str, Any],
) -> None:
    child = import_new(cast["owner"], SMALL, *INFO)
    team = list(child.team.values_list("name", flat=True))
    assert team, "the practitioners the encounters point at become team members"
    assert all(name.strip() for name in team)
    assert Visit.objects.filter(child=child, team_member__isnull=False).exists()


def test_without_the_information_bundles_references_stay_text_and_nothing_fails(
    cast: dict[str, Any],
) -> None:
    child = import_new(cast["owner"], SMALL)
    assert child.visits.exists()


@pytest.mark.parametrize("path", LEGACY, ids=lambda p: p.name[:20])
def test_urn_uuid_transactions_import(cast: dict[str, Any], path: Path) -> None:
    child = import_new(cast["owner"], path)
    assert Measurement.objects.filter(child=child).exists()


def test_a_newer_export_of_the_same_source_updates_what_it_touched(cast: dict[str, Any]) -> None:
    child = import_new(cast["owner"], SMALL, *INFO)
    bundle = json.loads(SMALL.read_bytes())
    newer = copy.deepcopy(bundle)
    shot = next(
        e["resource"] for e in newer["entry"] if e["resource"]["resourceType"] == "Immunization"
    )
    shot["vaccineCode"]["text"] = "Renamed by the source"
    plan = plan_import([read_upload(json.dumps(newer).encode())] + uploads(*INFO), child=child)
    counts = plan.counts()
    assert counts["immunizations"]["update"] == 1
    assert sum(n["add"] for n in counts.values()) == 0
    apply_import(plan, actor=cast["owner"])
    assert child.immunizations.filter(vaccine="Renamed by the source").exists()


def test_goals_and_outside_care_plans_are_proposed_not_adopted(cast: dict[str, Any]) -> None:
    child = import_new(cast["owner"], *LEGACY[:1])
    assert not child.goals.exists()
    assert PlanProposal.objects.filter(child=child, kind="goal_add", status="open").exists()


def test_every_ccda_imports_and_again_changes_nothing(cast: dict[str, Any]) -> None:
    for path in sorted((DATA / "ccda").glob("*/*.xml")):
        child = import_new(cast["owner"], path)
        again = plan_import(uploads(path), child=child)
        assert all(n["add"] == 0 and n["update"] == 0 for n in again.counts().values()), path.name


def test_a_patient_that_is_not_this_child_needs_confirming(
    client: Client, cast: dict[str, Any]
) -> None:
    client.force_login(cast["owner"])
    child = cast["child"]
    response = client.post(
        reverse("fhir:import", args=[child.uuid]),
        {"files": [upload(SMALL)]},
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and batch.status == "preview"
    assert batch.preview["conflicts"], "Maya is not the Synthea patient"
    page = client.get(reverse("fhir:import-batch", args=[batch.uuid])).content.decode()
    assert "Check this first" in page and "these records are about my child" in page
    client.post(reverse("fhir:import-confirm", args=[batch.uuid]))
    batch.refresh_from_db()
    assert batch.status == "preview" and not child.immunizations.exists()
    client.post(reverse("fhir:import-confirm", args=[batch.uuid]), {"same_child": "on"})
    batch.refresh_from_db()
    assert batch.status == "done" and child.immunizations.exists()


def test_the_pages_import_a_new_child_and_show_where_items_came_from(
    client: Client, cast: dict[str, Any], settings: Settings
) -> None:
    settings.FHIR_IMPORT_BACKGROUND_BYTES = 10**8  # at once, not in the background
    client.force_login(cast["owner"])
    client.post(reverse("fhir:import-new"), {"files": [upload(SMALL), *map(upload, INFO)]})
    batch = ImportBatch.objects.get()
    page = client.get(reverse("fhir:import-batch", args=[batch.uuid])).content.decode()
    assert "Immunizations" in page and "A new record is made" in page
    assert not Immunization.objects.exists(), "nothing is written before confirming"
    client.post(reverse("fhir:import-confirm", args=[batch.uuid]))
    batch.refresh_from_db()
    assert batch.status == "done"
    child = batch.child
    assert child is not None
    shot = child.immunizations.first()
    assert shot is not None
    listing = client.get(reverse("records:immunizations-list", args=[child.uuid])).content.decode()
    assert "imported" in listing
    form = client.get(
        reverse("records:immunizations-update", args=[child.uuid, shot.uuid])
    ).content.decode()
    assert "Where this came from" in form and batch.file_digest in form
    assert AccessEvent.objects.filter(child=child, verb="import").exists()


@pytest.mark.django_db(transaction=True)  # the worker closes its connection when it is done
def test_a_big_file_imports_in_the_background(
    client: Client, cast: dict[str, Any], settings: Settings
) -> None:
    settings.FHIR_IMPORT_BACKGROUND_BYTES = 1000
    client.force_login(cast["owner"])
    client.post(reverse("fhir:import-new"), {"files": [upload(SMALL)]})
    batch = ImportBatch.objects.get()
    client.post(reverse("fhir:import-confirm", args=[batch.uuid]))
    batch.refresh_from_db()
    assert batch.status == "queued"
    page = client.get(reverse("fhir:import-batch", args=[batch.uuid]), HTTP_HX_REQUEST="true")
    assert b"<progress" in page.content and b"every 1s" in page.content
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    batch.refresh_from_db()
    assert batch.status == "done" and batch.progress == 100
    assert batch.child is not None
    assert batch.child.immunizations.exists()


def test_someone_else_cannot_see_or_confirm_my_import(client: Client, cast: dict[str, Any]) -> None:
    client.force_login(cast["owner"])
    client.post(reverse("fhir:import-new"), {"files": [upload(SMALL)]})
    batch = ImportBatch.objects.get()
    for role in ("other_family", "caregiver", "editor"):
        client.force_login(cast[role])
        assert client.get(reverse("fhir:import-batch", args=[batch.uuid])).status_code == 404
        assert client.post(reverse("fhir:import-confirm", args=[batch.uuid])).status_code == 404
    assert ImportBatch.objects.get().status == "preview"


# Bad input: a clear message naming the entry and field, and nothing written.

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<ClinicalDocument xmlns="urn:hl7-org:v3">&lol2;</ClinicalDocument>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE doc [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<ClinicalDocument xmlns="urn:hl7-org:v3">&xxe;</ClinicalDocument>"""


def _stu3() -> bytes:
    return json.dumps(
        {
            "resourceType": "MedicationStatement",
            "id": "1",
            "status": "active",
            "taken": "y",
            "medicationCodeableConcept": {"text": "x"},
            "subject": {"reference": "Patient/1"},
        }
    ).encode()


def _r5() -> bytes:
    return json.dumps(
        {
            "resourceType": "Encounter",
            "id": "1",
            "status": "completed",
            "actualPeriod": {"start": "2020-01-01"},
        }
    ).encode()


def _duplicates() -> bytes:
    entry = {"fullUrl": "urn:uuid:1", "resource": {"resourceType": "Patient", "id": "1"}}
    return json.dumps(
        {"resourceType": "Bundle", "type": "collection", "entry": [entry, entry]}
    ).encode()


def _bad_field() -> bytes:
    resource = {
        "resourceType": "Condition",
        "id": "c1",
        "subject": {"reference": "Patient/1"},
        "onsetDateTime": "not a date",
    }
    return json.dumps(
        {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": resource}]}
    ).encode()


def _tampered() -> bytes:
    from interop.export import _stamp

    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "urn:uuid:1",
                "resource": {"resourceType": "Patient", "id": "1", "gender": "female"},
            }
        ],
    }
    _stamp(bundle)
    bundle["entry"][0]["resource"]["gender"] = "male"
    return json.dumps(bundle).encode()


BAD = {
    "truncated JSON": (lambda: SMALL.read_bytes()[:5000], "not valid JSON"),
    "JSON that is not FHIR": (lambda: b'{"name": "Maya"}', "not FHIR"),
    "a STU3 resource": (_stu3, "STU3"),
    "an R5 resource": (_r5, "R5"),
    "duplicate fullUrls": (_duplicates, "same fullUrl"),
    "a field of the wrong type": (_bad_field, "onsetDateTime"),
    "an entity bomb": (lambda: BOMB, "refused"),
    "an external entity": (lambda: XXE, "refused"),
    "XML that is not a C-CDA": (lambda: b"<html><body>hi</body></html>", "not a C-CDA"),
    "a digest that does not match": (_tampered, "digest"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_input_gets_a_clear_message_and_writes_nothing(
    client: Client, cast: dict[str, Any], case: str
) -> None:
    make, expected = BAD[case]
    data = make()
    with pytest.raises(UploadError, match=expected):
        read_upload(data, name="upload.json")
    client.force_login(cast["owner"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("fhir:import", args=[cast["child"].uuid]),
        {"files": [SimpleUploadedFile("upload.json", data)]},
    )
    assert response.status_code == 200 and expected.split()[0] in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_file_over_the_limit_is_refused(cast: dict[str, Any], settings: Settings) -> None:
    settings.FHIR_IMPORT_MAX_BYTES = 60_000
    with pytest.raises(UploadError, match="the limit is"):
        read_upload(SMALL.read_bytes())


def test_an_error_while_writing_leaves_nothing_behind(
    cast: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from interop import importer

    plan = plan_import(uploads(SMALL, *INFO), child=cast["child"])
    original = importer._check
    calls = {"n": 0}

    def failing(row: Any, mapped: Any, where: str) -> Any:
        calls["n"] += 1
        if calls["n"] == 30:
            raise UploadError(f"{where}: boom")
        return original(row, mapped, where)

    monkeypatch.setattr(importer, "_check", failing)
    before = {m: m.objects.count() for m in (Immunization, Visit, Condition, Medication)}
    with pytest.raises(UploadError):
        apply_import(plan, actor=cast["owner"])
    assert before == {m: m.objects.count() for m in before}
    assert not SourceLink.objects.exists()


def test_the_command_line_prints_counts_and_fails_clearly(
    cast: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    call_command(
        "import_record",
        str(SMALL),
        *map(str, INFO),
        "--child",
        str(cast["child"].uuid),
        "--dry-run",
    )
    out = capsys.readouterr().out
    assert "immunizations" in out and "not imported" in out
    assert not Immunization.objects.exists()
    call_command("import_record", str(CCDA), "--new", "--owner", cast["owner"].email)
    assert Child.objects.filter(guardianships__user=cast["owner"]).count() == 2
    bad = tmp_path / "bad.json"
    bad.write_text('{"resourceType": "Bundle", "type": "collection", "entry": [')
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("import_record", str(bad), "--child", str(cast["child"].uuid))


ALL_SYNTHEA = sorted(
    p
    for folder in ("synthea", "synthea-legacy", "synthea-covid-juvenile")
    for p in (DATA / "fhir" / folder).glob("*.json")
    if not p.name.startswith("0-")
)


@pytest.mark.parametrize("path", ALL_SYNTHEA, ids=lambda p: f"{p.parent.name}/{p.name[:12]}")
def test_every_synthea_bundle_imports_and_again_changes_nothing(
    cast: dict[str, Any], path: Path
) -> None:
    extra = INFO if path.parent.name == "synthea" else []
    child = import_new(cast["owner"], path, *extra)
    assert child.immunizations.exists() or child.visits.exists()
    again = plan_import(uploads(path, *extra), child=child)
    assert all(n["add"] == 0 and n["update"] == 0 for n in again.counts().values())
