"""Exports: what goes in (only through children.access), digests, audit, the command,
the download page, and validation under fhir.resources (R4B) and the Node validator."""

import fcntl
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.urls import reverse

from children.models import AccessEvent
from homebase.demo import load_demo
from interop.export import DIGEST_SYSTEM, content_digest, export_record, verify_digest

from .record_factory import full_record

TOOL = Path("/work/shared/tools/fhir-validate")
CACHE = Path("/tmp/homebase-fhir-validate")  # noqa: S108 - a cache shared by test runs
IPS_SECTIONS = {"10160-0", "48765-2", "11450-4", "11369-6", "46264-8", "18776-5"}


@pytest.fixture
def record(cast: dict[str, Any]) -> dict[str, Any]:
    return full_record(cast["child"], cast["owner"])


def _validate_r4b(bundle: dict[str, Any]) -> None:
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate(bundle)


def _types(bundle: dict[str, Any]) -> list[str]:
    return [e["resource"]["resourceType"] for e in bundle["entry"]]


def _ids(bundle: dict[str, Any]) -> set[str]:
    return {e["resource"]["id"] for e in bundle["entry"]}


# What goes in ---------------------------------------------------------------


def test_bundle_holds_every_type(record: dict[str, Any], cast: dict[str, Any]) -> None:
    export = export_record(actor=cast["owner"], child=cast["child"])
    bundle = export.bundle
    assert bundle["type"] == "collection"
    assert _types(bundle)[0] == "Patient"
    assert set(_types(bundle)) >= {
        "Patient", "Condition", "MedicationStatement", "AllergyIntolerance", "Immunization",
        "Observation", "Device", "Coverage", "DocumentReference", "PractitionerRole",
        "CareTeam", "Organization", "Encounter", "Appointment", "ServiceRequest", "Task",
        "CarePlan", "Goal",
    }  # fmt: skip
    assert {str(r.uuid) for r in record.values()} <= _ids(bundle)
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(set(urls)) == len(urls) and urls[0].endswith(f"/fhir/Patient/{cast['child'].uuid}")
    _validate_r4b(bundle)


def test_ips_document(record: dict[str, Any], cast: dict[str, Any]) -> None:
    bundle = export_record(actor=cast["owner"], child=cast["child"], format="ips").bundle
    assert bundle["type"] == "document" and bundle["identifier"]["value"].startswith("urn:uuid:")
    composition = bundle["entry"][0]["resource"]
    assert composition["resourceType"] == "Composition"
    assert composition["type"]["coding"][0]["code"] == "60591-5"
    codes = {s["code"]["coding"][0]["code"] for s in composition["section"]}
    assert codes >= IPS_SECTIONS
    present = {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in bundle["entry"]}
    for section in composition["section"]:
        assert section["text"]["div"].startswith('<div xmlns="http://www.w3.org/1999/xhtml">')
        for entry in section.get("entry", []):
            assert entry["reference"] in present
    medicines = next(
        s for s in composition["section"] if s["code"]["coding"][0]["code"] == "10160-0"
    )
    assert f"MedicationStatement/{record['medication_stopped'].uuid}" not in str(medicines)
    assert "Coverage" not in _types(bundle)  # not part of a patient summary
    assert f"PractitionerRole/{record['doctor'].uuid}" in present  # the prescriber comes along
    _validate_r4b(bundle)


def test_scopes_limit_the_export(record: dict[str, Any], cast: dict[str, Any]) -> None:
    bundle = export_record(actor=cast["owner"], child=cast["child"], scopes=["coverage"]).bundle
    assert set(_types(bundle)) == {"Patient", "Coverage"}
    ips = export_record(
        actor=cast["owner"], child=cast["child"], format="ips", scopes=["coverage"]
    ).bundle
    sections = ips["entry"][0]["resource"]["section"]
    assert all(s["emptyReason"]["coding"][0]["code"] == "withheld" for s in sections)


def test_a_person_exports_only_what_they_may_see(
    record: dict[str, Any], cast: dict[str, Any]
) -> None:
    # viewer: summary, health, visits, plan; no insurance or documents.
    seen = export_record(actor=cast["viewer"], child=cast["child"]).bundle
    assert not {"Coverage", "DocumentReference"} & set(_types(seen))
    assert {"MedicationStatement", "Encounter", "Goal"} <= set(_types(seen))
    # team_other: the journal only; nothing the FHIR export carries but the patient.
    assert _types(export_record(actor=cast["team_other"], child=cast["child"]).bundle) == [
        "Patient"
    ]
    # caregiver: no visits.
    assert "Encounter" not in _types(
        export_record(actor=cast["caregiver"], child=cast["child"]).bundle
    )
    # coordinator: summary, health, coverage; no plan.
    coordinator = set(_types(export_record(actor=cast["coordinator"], child=cast["child"]).bundle))
    assert "Coverage" in coordinator and not {"Goal", "Task", "Encounter"} & coordinator
    with pytest.raises(PermissionDenied):
        export_record(actor=cast["other_family"], child=cast["child"])
    with pytest.raises(PermissionDenied):
        export_record(actor=cast["operator"], child=cast["child"])


def test_files_are_optional(record: dict[str, Any], cast: dict[str, Any]) -> None:
    def attachment(with_files: bool) -> dict[str, Any]:
        bundle = export_record(
            actor=cast["owner"], child=cast["child"], with_files=with_files
        ).bundle
        document = next(
            e for e in bundle["entry"] if e["resource"]["resourceType"] == "DocumentReference"
        )
        return document["resource"]["content"][0]["attachment"]

    assert "data" in attachment(True) and "hash" in attachment(True)
    assert "data" not in attachment(False)


# Digest and audit -----------------------------------------------------------


def test_digest_verifies_and_catches_changes(record: dict[str, Any], cast: dict[str, Any]) -> None:
    export = export_record(actor=cast["owner"], child=cast["child"])
    raw = json.loads(export.content())
    tag = [t for t in raw["meta"]["tag"] if t["system"] == DIGEST_SYSTEM]
    assert tag[0]["code"] == export.digest == content_digest(raw)
    assert verify_digest(raw) is True
    raw["entry"][0]["resource"]["birthDate"] = "2001-01-01"
    assert verify_digest(raw) is False
    raw["meta"].pop("tag")
    assert verify_digest(raw) is None
    assert verify_digest({"resourceType": "Bundle"}) is None


def test_every_export_is_audited(record: dict[str, Any], cast: dict[str, Any]) -> None:
    export = export_record(
        actor=cast["owner"], child=cast["child"], format="ips", scopes=["health"]
    )
    event = AccessEvent.objects.filter(verb="export").latest("id")
    assert event.actor == cast["owner"] and event.child == cast["child"]
    assert event.data["format"] == "ips" and event.data["scopes"] == "health"
    assert event.data["digest"] == export.digest


# The command ---------------------------------------------------------------


def test_command_writes_a_valid_bundle(
    record: dict[str, Any], cast: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "record.json"
    call_command("export_record", str(cast["child"].uuid), "--format", "ips", "-o", str(out))
    bundle = json.loads(out.read_text())
    assert bundle["type"] == "document" and verify_digest(bundle) is True
    _validate_r4b(bundle)
    event = AccessEvent.objects.filter(verb="export").latest("id")
    assert event.actor_label == "system:export_record"
    call_command(
        "export_record", str(cast["child"].uuid), "-o", str(out), "--scopes", "plan,coverage"
    )
    assert set(_types(json.loads(out.read_text()))) == {
        "Patient", "Coverage", "Task", "ServiceRequest", "CarePlan", "Goal",
    }  # fmt: skip


def test_command_as_a_person_and_errors(
    record: dict[str, Any], cast: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "record.json"
    child = str(cast["child"].uuid)
    call_command("export_record", child, "-o", str(out), "--as", "viewer@example.org")
    assert "Coverage" not in _types(json.loads(out.read_text()))
    with pytest.raises(CommandError, match="not visible"):
        call_command("export_record", child, "-o", str(out), "--as", "other_family@example.org")
    with pytest.raises(CommandError, match="No child"):
        call_command("export_record", "not-a-uuid", "-o", str(out))
    with pytest.raises(CommandError, match="Unknown scopes"):
        call_command("export_record", child, "-o", str(out), "--scopes", "journal")


# The page ------------------------------------------------------------------


def test_owner_page_and_download(record: dict[str, Any], cast: dict[str, Any], client: Any) -> None:
    client.force_login(cast["owner"])
    child = cast["child"].uuid
    profile = client.get(reverse("children:profile", args=[child]))
    assert reverse("fhir:export", args=[child]) in profile.text
    page = client.get(reverse("fhir:export", args=[child]))
    assert page.status_code == 200 and 'name="scopes"' in page.text
    url = reverse("fhir:export-download", args=[child])
    response = client.get(url, {"format": "ips", "scopes": ["health"], "with_files": "on"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="mimi-rivera-patient-summary-'
    )
    bundle = json.loads(response.content)
    assert bundle["type"] == "document" and verify_digest(bundle) is True
    assert AccessEvent.objects.filter(verb="export", actor=cast["owner"]).count() == 1
    default = json.loads(client.get(url).content)
    assert default["type"] == "collection" and "Coverage" in _types(default)


def test_bad_choices_show_the_page_again(cast: dict[str, Any], client: Any) -> None:
    client.force_login(cast["owner"])
    url = reverse("fhir:export-download", args=[cast["child"].uuid])
    response = client.get(url, {"format": "ips"})
    assert response.status_code == 200
    assert "Choose at least one part of the record." in response.text
    assert not AccessEvent.objects.filter(verb="export").exists()


def test_others_see_no_link(cast: dict[str, Any], client: Any) -> None:
    client.force_login(cast["viewer"])
    profile = client.get(reverse("children:profile", args=[cast["child"].uuid]))
    assert reverse("fhir:export", args=[cast["child"].uuid]) not in profile.text


# Validation: fhir.resources and the Node validator --------------------------


def _exports(actor: Any, child: Any) -> dict[str, dict[str, Any]]:
    return {
        fmt: export_record(actor=actor, child=child, format=fmt).bundle for fmt in ("bundle", "ips")
    }


@pytest.fixture(scope="session")
def node_validator() -> Path:
    """The shared validator installed once under /tmp (npm ci --offline, then npm ci)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("Node.js is not installed: the fhir-validate check needs node and npm")
    if not TOOL.exists():
        pytest.skip(f"{TOOL} not found")
    CACHE.mkdir(exist_ok=True)
    with open(CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # xdist workers install one at a time
        marker = CACHE / "node_modules" / ".homebase-lock"
        wanted = (TOOL / "package-lock.json").read_text()
        if not marker.exists() or marker.read_text() != wanted:
            for name in ("package.json", "package-lock.json", "validate.mjs"):
                shutil.copy(TOOL / name, CACHE / name)
            run = [npm, "ci", "--no-audit", "--no-fund"]
            offline = subprocess.run([*run, "--offline"], cwd=CACHE, capture_output=True)
            if offline.returncode != 0:
                online = subprocess.run(run, cwd=CACHE, capture_output=True, text=True)
                if online.returncode != 0:
                    pytest.skip(f"npm ci failed: {online.stderr[-500:]}")
            marker.write_text(wanted)
    return CACHE


def _node_validate(tool: Path, files: list[Path]) -> dict[str, Any]:
    result = subprocess.run(
        ["node", "validate.mjs", "--json", *map(str, files)],  # noqa: S607
        cwd=tool,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def _write(tmp_path: Path, bundles: dict[str, dict[str, Any]]) -> list[Path]:
    """Each bundle as NDJSON: the whole Bundle on line 1, then every entry's resource.

    validate.mjs checks a ``.json`` Bundle as an envelope with the entry resources
    taken out, which fails bdl-5 (and bdl-11 for documents) for every collection
    or document Bundle; checked whole, the Bundle's invariants and its nested
    resources are all validated.
    """
    files = []
    for name, bundle in bundles.items():
        path = tmp_path / f"{name}.ndjson"
        lines = [bundle, *(e["resource"] for e in bundle["entry"])]
        path.write_text("".join(json.dumps(line) + "\n" for line in lines))
        files.append(path)
    return files


@pytest.mark.django_db
def test_exports_validate_everywhere(
    record: dict[str, Any], cast: dict[str, Any], tmp_path: Path, node_validator: Path
) -> None:
    demo = load_demo()
    from children.models import Guardianship

    guardianship = Guardianship.objects.filter(child=demo, role="owner").first()
    assert guardianship is not None
    mother = guardianship.user
    bundles = {f"record-{k}": v for k, v in _exports(cast["owner"], cast["child"]).items()} | {
        f"demo-{k}": v for k, v in _exports(mother, demo).items()
    }
    for bundle in bundles.values():
        _validate_r4b(bundle)
    report = _node_validate(node_validator, _write(tmp_path, bundles))
    problems = [(f["file"], f["problems"][:5]) for f in report["files"] if f["errors"]]
    assert not problems
    assert report["totalResources"] == sum(len(b["entry"]) + 1 for b in bundles.values())


def test_the_node_check_catches_errors(tmp_path: Path, node_validator: Path) -> None:
    broken = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "urn:uuid:1",
                "resource": {"resourceType": "Patient", "birthDate": "2020-13-45"},
            }
        ],
    }
    report = _node_validate(node_validator, _write(tmp_path, {"broken": broken}))
    assert report["files"][0]["errors"] == 2  # in the whole Bundle and on its own line


def test_demo_exports_validate_with_fhir_resources(db: Any) -> None:
    demo = load_demo()
    for bundle in _exports("system:test", demo).values():
        _validate_r4b(bundle)
        assert verify_digest(bundle) is True


@pytest.mark.django_db
def test_exports_of_imported_synthea_patients_validate_everywhere(
    cast: dict[str, Any], tmp_path: Path, node_validator: Path
) -> None:
    """Every shared Synthea patient, imported, then exported in both formats: zero errors."""
    from interop.importer import apply_import, plan_import
    from interop.reader import read_upload

    synthea = Path(__file__).resolve().parents[3] / "shared" / "data" / "fhir" / "synthea"
    info = [read_upload(p.read_bytes()) for p in sorted(synthea.glob("0-*.json"))]
    bundles: dict[str, dict[str, Any]] = {}
    for path in sorted(synthea.glob("*.json")):
        if path.name.startswith("0-"):
            continue
        plan = plan_import([read_upload(path.read_bytes()), *info], child=None)
        apply_import(plan, actor=cast["owner"])
        for fmt, bundle in _exports(cast["owner"], plan.child).items():
            _validate_r4b(bundle)
            bundles[f"{path.stem[:8]}-{fmt}"] = bundle
    report = _node_validate(node_validator, _write(tmp_path, bundles))
    problems = [(f["file"], f["problems"][:5]) for f in report["files"] if f["errors"]]
    assert not problems
