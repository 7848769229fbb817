"""Security review of the interop app: each test pins a problem found and fixed."""

import copy
import io
import json
from pathlib import Path
from typing import Any, NoReturn

import pytest
from django.core.files.uploadedfile import InMemoryUploadedFile, SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from children.models import CareTeamMember, Guardianship, scopes_to_text
from children.services import grant_revoke
from coordination.models import Visit
from interop import services
from interop.export import export_record
from interop.importer import apply_import, plan_import
from interop.models import ImportBatch, SourceLink
from interop.reader import UploadError, read_upload
from records.models import Condition, Immunization

from .api_support import call, everything_url, make_token, read_url, search_url
from .record_factory import full_record

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
CCDA = DATA / "ccda" / "hl7-examples" / "CCD_1.xml"


@pytest.fixture
def world(cast: dict[str, Any]) -> dict[str, Any]:
    return {**cast, "rows": full_record(cast["child"], cast["owner"])}


# The API ---------------------------------------------------------------------


def test_a_task_does_not_name_a_visit_its_reader_may_not_see(
    client: Client, world: dict[str, Any]
) -> None:
    """The caregiver shares the plan but not visits: a task must not tell them about a visit."""
    task, visit = world["rows"]["task"], world["rows"]["visit_done"]
    assert task.visit == visit
    secret = make_token(world["caregiver"], world["child"])
    response = call(client, secret, read_url("Task", task.uuid))
    assert response.status_code == 200
    body = response.content.decode()
    assert visit.purpose not in body and str(visit.uuid) not in body
    everything = call(client, secret, everything_url(world["child"]), _count=200)
    assert visit.purpose not in everything.content.decode()
    # Someone who sees visits still gets the link.
    owner = make_token(world["owner"], world["child"])
    assert str(visit.uuid) in call(client, owner, read_url("Task", task.uuid)).content.decode()


def test_an_export_as_someone_without_visits_leaves_out_the_tasks_visit(
    world: dict[str, Any],
) -> None:
    visit = world["rows"]["visit_done"]
    export = export_record(actor=world["caregiver"], child=world["child"], with_files=False)
    assert visit.purpose not in json.dumps(export.bundle)
    assert str(visit.uuid) not in json.dumps(export.bundle)


def test_the_familys_notes_on_a_team_member_stay_with_the_owners(
    client: Client, world: dict[str, Any]
) -> None:
    """Team notes are only ever shown in the owners' team form, never on the summary."""
    doctor = world["rows"]["doctor"]
    assert doctor.notes
    for role in ("viewer", "caregiver", "coordinator"):
        secret = make_token(world[role], world["child"])
        response = call(client, secret, read_url("PractitionerRole", doctor.uuid))
        assert response.status_code == 200, role
        assert doctor.notes not in response.content.decode(), role
        assert response.json()["practitioner"]["display"] == doctor.name
        everything = call(client, secret, everything_url(world["child"]), _count=200)
        assert doctor.notes not in everything.content.decode(), role
    owner = make_token(world["owner"], world["child"])
    assert (
        doctor.notes
        in call(client, owner, read_url("PractitionerRole", doctor.uuid)).content.decode()
    )
    export = export_record(actor=world["viewer"], child=world["child"], with_files=False)
    assert doctor.notes not in json.dumps(export.bundle)


@pytest.mark.parametrize("offset", [str(10**20), str(2**63)])
def test_a_huge_offset_is_a_400_not_a_crash(
    client: Client, world: dict[str, Any], offset: str
) -> None:
    secret = make_token(world["owner"], world["child"])
    response = call(client, secret, search_url("Condition"), _offset=offset)
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize("value", ["9999-12-31", "gt9999-12-31T23:59:59Z", "le9999-12-31"])
def test_a_date_at_the_end_of_time_is_a_400_not_a_crash(
    client: Client, world: dict[str, Any], value: str
) -> None:
    secret = make_token(world["owner"], world["child"])
    assert call(client, secret, search_url("Condition"), _lastUpdated=value).status_code == 400
    assert call(client, secret, everything_url(world["child"]), _since=value).status_code == 400


# Reading uploads -------------------------------------------------------------

BAD_JSON = {
    "nested too deep": b"[" * 100_000 + b"]" * 100_000,
    "a number with too many digits": (
        b'{"resourceType":"Observation","status":"final","code":{"text":"x"},'
        b'"valueQuantity":{"value":' + b"1" * 5000 + b"}}"
    ),
    "an identifier that is not an object": (
        b'{"resourceType":"Bundle","type":"collection","entry":[{"resource":'
        b'{"resourceType":"Patient","identifier":["x"]}}]}'
    ),
    "a meta that is not an object": b'{"resourceType":"Bundle","type":"collection","meta":"x"}',
    "tags that are not objects": (
        b'{"resourceType":"Bundle","type":"collection","meta":{"tag":"x"},"entry":[{"resource":'
        b'{"resourceType":"Patient","meta":"x"}}]}'
    ),
}


@pytest.mark.parametrize("data", BAD_JSON.values(), ids=BAD_JSON.keys())
def test_hostile_json_is_a_clear_upload_error_or_nothing(data: bytes) -> None:
    """Never an unexpected exception (a 500 page, or a background import stuck "running")."""
    try:
        upload = read_upload(data, name="upload.json")
    except UploadError:
        return
    assert upload.entries == []


def test_hostile_json_through_the_page_writes_nothing(client: Client, cast: dict[str, Any]) -> None:
    client.force_login(cast["owner"])
    response = client.post(
        reverse("fhir:import", args=[cast["child"].uuid]),
        {"files": [SimpleUploadedFile("upload.json", BAD_JSON["nested too deep"])]},
    )
    assert response.status_code == 200
    assert not ImportBatch.objects.exists()


def test_an_upload_over_the_limit_is_refused_before_it_is_read(
    client: Client, cast: dict[str, Any], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.FHIR_IMPORT_MAX_BYTES = 1000
    read: list[str | None] = []
    original: Any = InMemoryUploadedFile.read  # a property giving the file's read

    def spy(self: InMemoryUploadedFile) -> Any:
        read.append(self.name)
        return original.fget(self)

    monkeypatch.setattr(InMemoryUploadedFile, "read", property(spy), raising=False)
    big = io.BytesIO(b" " * 5000)  # not an UploadedFile: the test client's reads are not counted
    big.name = "big.json"
    client.force_login(cast["owner"])
    response = client.post(
        reverse("fhir:import", args=[cast["child"].uuid]),
        {"files": [big]},
    )
    assert response.status_code == 200
    assert "the limit is" in response.content.decode()
    assert read == []  # the server never read the upload
    assert not ImportBatch.objects.exists()


def test_several_files_together_may_not_pass_the_limit(
    client: Client, cast: dict[str, Any], settings: Settings
) -> None:
    settings.FHIR_IMPORT_MAX_BYTES = 1000
    client.force_login(cast["owner"])
    files = [SimpleUploadedFile(f"{n}.json", b"{}" + b" " * 600) for n in range(3)]
    response = client.post(reverse("fhir:import", args=[cast["child"].uuid]), {"files": files})
    assert response.status_code == 200
    assert "the limit is" in response.content.decode()
    assert not ImportBatch.objects.exists()


# Writing imports -------------------------------------------------------------


def _export(world: dict[str, Any]) -> dict[str, Any]:
    bundle = copy.deepcopy(export_record(actor=world["owner"], child=world["child"]).bundle)
    bundle.pop("meta", None)  # no digest: the test changes it
    return bundle


def _import(bundle: dict[str, Any], child: Any, actor: Any) -> Any:
    plan = plan_import([read_upload(json.dumps(bundle).encode())], child=child)
    apply_import(plan, actor=actor)
    return plan


def test_an_import_never_brings_back_a_grant_revoked_while_it_ran(world: dict[str, Any]) -> None:
    """An updated team member is saved without its grant fields (as the team form does)."""
    bundle, other, family = _export(world), world["other_child"], world["other_family"]
    _import(bundle, other, family)
    member = CareTeamMember.objects.filter(
        child=other, uuid__in=SourceLink.objects.filter(child=other).values("item_uuid")
    ).first()
    assert member is not None
    # The family gave this team member access (as an accepted invitation does).
    CareTeamMember.objects.filter(pk=member.pk).update(
        user=world["viewer"], scopes=scopes_to_text(["summary", "health"]), can_write=True
    )
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] == "PractitionerRole":
            entry["resource"]["telecom"] = [{"system": "phone", "value": "555-000-1234"}]
            entry["resource"]["practitioner"]["display"] += ", MD"  # a newer copy, renamed
    plan = plan_import([read_upload(json.dumps(bundle).encode())], child=other)
    assert any(i.existing is not None and i.action == "update" for i in plan.team)
    # The family revokes the grant while the import is being prepared.
    grant_revoke(actor=family, grant=CareTeamMember.objects.get(pk=member.pk))
    apply_import(plan, actor=family)
    member.refresh_from_db()
    assert member.phone == "555-000-1234"  # the import did update it
    assert member.revoked_at is not None
    assert member.user == world["viewer"] and member.can_write


def test_a_queued_import_stops_when_its_author_may_no_longer_import(world: dict[str, Any]) -> None:
    child, owner = world["child"], world["owner"]
    batch = services.batch_start(actor=owner, child=child, files=[(CCDA.name, CCDA.read_bytes())])
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.QUEUED)
    before = Immunization.objects.filter(child=child).count()
    Guardianship.objects.filter(user=owner, child=child).update(
        revoked_at=world["rows"]["condition"].created_at
    )
    services.batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert Immunization.objects.filter(child=child).count() == before


def test_an_imported_lead_does_not_crash_when_the_child_has_one(world: dict[str, Any]) -> None:
    """Two medical home leads would break a constraint: the import keeps the family's."""
    other, family = world["other_child"], world["other_family"]
    CareTeamMember.objects.filter(child=world["child"]).update(is_medical_home_lead=False)
    CareTeamMember.objects.filter(pk=world["rows"]["doctor"].pk).update(is_medical_home_lead=True)
    theirs = CareTeamMember.objects.create(
        child=other, name="Their own lead", role="pcp", is_medical_home_lead=True
    )
    _import(_export(world), other, family)
    assert list(CareTeamMember.objects.filter(child=other, is_medical_home_lead=True)) == [theirs]


def test_a_failed_import_in_the_background_ends_and_removes_its_files(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.files.storage import default_storage

    from interop import importer

    child, owner = world["child"], world["owner"]
    batch = services.batch_start(actor=owner, child=child, files=[(CCDA.name, CCDA.read_bytes())])
    names = json.loads(batch.stored_file)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.QUEUED)

    def broken(*args: Any, **kwargs: Any) -> NoReturn:
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "apply_import", broken)
    assert importer.apply_import is not broken
    services.batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert "database went away" not in batch.error
    assert not any(default_storage.exists(n) for n in names)


def test_the_command_imports_into_an_existing_child(
    world: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("import_record", str(CCDA), "--child", str(world["child"].uuid))
    assert "imported into child" in capsys.readouterr().out
    assert Condition.objects.filter(child=world["child"]).count() > 0
    assert Visit.objects.filter(child=world["child"]).exists()
