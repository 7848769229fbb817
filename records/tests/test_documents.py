import io

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from homebase.demo.documents import pdf as _pdf
from records.models import Document


def upload(client, child, name, content, content_type="application/pdf"):
    return client.post(
        reverse("records:documents-create", args=[child.uuid]),
        {
            "title": "Neurology report",
            "kind": "report",
            "file": SimpleUploadedFile(name, content, content_type),
        },
    )


def test_pdf_is_stored_privately_and_downloaded_through_the_audited_view(client, cast):
    client.force_login(cast["owner"])
    assert upload(client, cast["child"], "../../etc/passwd.pdf", _pdf("hello")).status_code == 302
    document = Document.objects.get()
    assert document.content_type == "application/pdf" and len(document.sha256) == 64
    assert (
        "passwd" not in document.file.name and str(settings.STATIC_ROOT) not in document.file.path
    )
    response = client.get(
        reverse("records:document-download", args=[cast["child"].uuid, document.uuid])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="neurology-report.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert (
        cast["child"].access_events.filter(verb="download", target_uuid=str(document.uuid)).exists()
    )


def test_image_is_accepted(client, cast):
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "PNG")
    client.force_login(cast["owner"])
    assert (
        upload(client, cast["child"], "photo.png", out.getvalue(), "image/png").status_code == 302
    )


def test_exe_renamed_pdf_is_refused(client, cast):
    client.force_login(cast["owner"])
    response = upload(client, cast["child"], "report.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200)
    assert response.status_code == 200
    assert "not a PDF or a picture" in response.content.decode()
    assert not Document.objects.exists()


def test_30_mb_upload_is_refused_with_the_limit(client, cast):
    client.force_login(cast["owner"])
    response = upload(client, cast["child"], "big.pdf", b"%PDF-1.4\n" + b"0" * (30 * 1024 * 1024))
    assert response.status_code == 200
    assert "The limit is 20 MB" in response.content.decode()
    assert not Document.objects.exists()


def test_deleting_a_document_removes_the_file(client, cast, django_capture_on_commit_callbacks):
    client.force_login(cast["owner"])
    upload(client, cast["child"], "a.pdf", _pdf("a"))
    document = Document.objects.get()
    storage, name = document.file.storage, document.file.name
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("records:documents-delete", args=[cast["child"].uuid, document.uuid]))
    assert not storage.exists(name)


def test_deleting_the_record_removes_its_files_but_keeps_the_log(
    client, cast, django_capture_on_commit_callbacks
):
    client.force_login(cast["owner"])
    upload(client, cast["child"], "a.pdf", _pdf("a"))
    document = Document.objects.get()
    storage, name, child_pk = document.file.storage, document.file.name, cast["child"].pk
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("children:delete", args=[cast["child"].uuid]), {"confirm_name": "maya"}
        )
    assert response.status_code == 302
    assert not storage.exists(name)
    from children.models import AccessEvent, Child

    assert not Child.objects.filter(pk=child_pk).exists()
    assert AccessEvent.objects.filter(child_id=child_pk, verb="delete", what="child").exists()
