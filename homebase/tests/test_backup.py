"""Backups that cannot roll the site back unseen; files missing from storage.

The drill runs on SQLite and, in CI, on PostgreSQL (DATABASE_URL).
"""

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from children.audit import audit_record
from children.models import AccessEvent
from conftest import sign_in
from records.models import Document


def _events(cast: dict[str, Any], n: int) -> list[AccessEvent]:
    return [
        audit_record(actor=cast["owner"], verb="view", child=cast["child"], what="overview")
        for _ in range(n)
    ]


def _document(cast: dict[str, Any], title: str = "EEG report") -> Document:
    document = Document(child=cast["child"], title=title, content_type="application/pdf", size=9)
    document.file.save("eeg.pdf", ContentFile(b"%PDF-1.4\n"), save=False)
    document.save()
    return document


@pytest.mark.django_db(transaction=True)
def test_backup_drill_an_older_backup_restored_is_named_as_a_rollback(cast, settings, tmp_path):
    settings.AUDIT_ANCHOR_EVERY = 3
    anchors = Path(settings.AUDIT_ANCHOR_FILE)
    document = _document(cast)
    _events(cast, 4)
    call_command("backup", str(tmp_path / "monday"), stdout=StringIO())
    manifest = json.loads((tmp_path / "monday" / "manifest.json").read_text())
    backed_up = AccessEvent.objects.order_by("-id").first()
    assert manifest["audit_head"]["seq"] == backed_up.id
    assert manifest["audit_head"]["hash"] == backed_up.hash
    assert manifest["schema"]["children"] == "0005_key_the_audit_chain"
    assert f"private/{document.file.name}" in manifest["files"]

    later = _events(cast, 5)  # past an anchor
    anchored = [json.loads(line)["seq"] for line in anchors.read_text().splitlines()]
    assert max(anchored) > backed_up.id

    with pytest.raises(CommandError) as restored:
        call_command("restore", str(tmp_path / "monday"), stdout=StringIO())
    assert restored.value.returncode == 1 and "rollback" in str(restored.value)
    assert AccessEvent.objects.order_by("-id").first().id == backed_up.id
    assert not AccessEvent.objects.filter(id=later[-1].id).exists()
    with pytest.raises(CommandError) as verified:
        call_command("audit_verify", anchors=str(anchors))
    assert verified.value.returncode == 1
    assert f"the database is behind its anchor: event {max(anchored)}" in str(verified.value)

    # Restored on purpose: say why, and the log verifies from there on.
    out = StringIO()
    call_command(
        "restore", str(tmp_path / "monday"), acknowledge_rollback="disk lost (drill)", stdout=out
    )
    assert "Access log intact" in out.getvalue()
    _events(cast, 4)
    call_command("audit_verify", anchors=str(anchors), stdout=StringIO())
    assert Document.objects.get(pk=document.pk).file.open("rb").read() == b"%PDF-1.4\n"


@pytest.mark.django_db(transaction=True)
def test_a_changed_backup_is_refused_before_anything_is_restored(cast, tmp_path):
    _events(cast, 2)
    call_command("backup", str(tmp_path / "b"), stdout=StringIO())
    database = next(p for p in (tmp_path / "b").iterdir() if p.name.startswith("database"))
    raw = bytearray(database.read_bytes())
    raw[len(raw) // 2] ^= 1
    database.write_bytes(bytes(raw))
    _events(cast, 1)
    with pytest.raises(CommandError) as error:
        call_command("restore", str(tmp_path / "b"), stdout=StringIO())
    assert "Nothing was restored" in str(error.value) and "SHA-256" in str(error.value)
    assert AccessEvent.objects.count() == 3

    manifest = tmp_path / "b" / "manifest.json"
    data = json.loads(manifest.read_text())
    data["audit_head"]["seq"] = 999
    manifest.write_text(json.dumps(data))
    with pytest.raises(CommandError) as error:
        call_command("restore", str(tmp_path / "b"), stdout=StringIO())
    assert "signature" in str(error.value)


def test_backup_refuses_a_directory_that_is_not_empty(cast, tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "x").write_text("x")
    with pytest.raises(CommandError):
        call_command("backup", str(tmp_path / "old"), stdout=StringIO())


def test_a_document_whose_file_is_missing_says_so_and_storage_verify_lists_it(client, cast):
    document = _document(cast)
    document.file.storage.delete(document.file.name)
    sign_in(client, cast["owner"])
    response = client.get(
        reverse("records:document-download", args=[cast["child"].uuid, document.uuid])
    )
    assert response.status_code == 404
    assert "This file is missing from storage" in response.content.decode()
    assert AccessEvent.objects.filter(what="document (file missing)").exists()
    with pytest.raises(CommandError) as error:
        call_command("storage_verify", stdout=(out := StringIO()))
    assert error.value.returncode == 1
    assert str(document.uuid) in out.getvalue() and document.file.name in out.getvalue()


def test_storage_verify_passes_when_every_file_is_there(cast):
    _document(cast)
    out = StringIO()
    call_command("storage_verify", stdout=out)
    assert "All 1 stored files are present" in out.getvalue()
