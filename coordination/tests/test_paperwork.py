from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from children.models import CareTeamMember
from coordination.models import PaperworkRequest, business_days
from homebase.demo.documents import pdf as _pdf


def test_business_days_skip_weekends():
    friday = date(2026, 11, 20)
    assert business_days(friday, friday) == 0
    assert business_days(friday, friday + timedelta(days=3)) == 1  # to Monday
    assert business_days(friday, friday + timedelta(days=7)) == 5


def test_family_asks_the_clinician_does_it_and_the_turnaround_shows(client, cast):
    child = cast["child"]
    doctor = CareTeamMember.objects.get(user=cast["viewer"])  # read-only, but it is asked of them
    doctor.scopes = ",summary,plan,"
    doctor.save()
    client.force_login(cast["owner"])
    due = timezone.localdate() + timedelta(days=10)
    created = client.post(
        reverse("coordination:paperwork-create", args=[child.uuid]),
        {
            "kind": "necessity",
            "title": "Wheelchair letter for Medicaid",
            "asked_of": doctor.pk,
            "due_on": due.isoformat(),
        },
    )
    assert created.status_code == 302
    request = PaperworkRequest.objects.get()
    PaperworkRequest.objects.filter(pk=request.pk).update(
        requested_on=timezone.localdate() - timedelta(days=7)
    )

    client.force_login(cast["viewer"])
    queue = client.get(reverse("coordination:paperwork-queue")).content.decode()
    assert "Wheelchair letter for Medicaid" in queue
    detail = reverse("coordination:paperwork-detail", args=[child.uuid, request.uuid])
    client.post(
        reverse("coordination:paperwork-start", args=[child.uuid, request.uuid]),
        {"version": request.version},
    )
    request.refresh_from_db()
    assert request.status == "in_progress"
    done = client.post(
        reverse("coordination:paperwork-complete", args=[child.uuid, request.uuid]),
        {
            "version": request.version,
            "file": SimpleUploadedFile("letter.pdf", _pdf("Letter"), "application/pdf"),
        },
    )
    assert done.status_code == 302
    request.refresh_from_db()
    assert request.status == "completed" and request.document.child == child
    assert request.turnaround_days == business_days(request.requested_on, request.completed_on)
    page = client.get(detail).content.decode()
    assert "business day" in page and "usually finishes in" in page


def test_someone_not_asked_cannot_complete_with_read_only_access(client, cast):
    child = cast["child"]
    other = CareTeamMember.objects.create(child=child, name="Dr. Other", role="pcp")
    request = PaperworkRequest.objects.create(
        child=child, kind="other", title="Form", asked_of=other, due_on=timezone.localdate()
    )
    viewer = CareTeamMember.objects.get(user=cast["viewer"])
    viewer.scopes = ",summary,plan,"
    viewer.save()
    client.force_login(cast["viewer"])
    response = client.post(
        reverse("coordination:paperwork-start", args=[child.uuid, request.uuid]),
        {"version": request.version},
    )
    assert response.status_code == 403


def test_a_renamed_exe_is_not_accepted_as_the_finished_letter(client, cast):
    child = cast["child"]
    member = CareTeamMember.objects.get(user=cast["editor"])
    request = PaperworkRequest.objects.create(
        child=child, kind="other", title="Form", asked_of=member, due_on=timezone.localdate()
    )
    client.force_login(cast["editor"])
    response = client.post(
        reverse("coordination:paperwork-complete", args=[child.uuid, request.uuid]),
        {
            "version": request.version,
            "file": SimpleUploadedFile("letter.pdf", b"MZ" + b"\0" * 100, "application/pdf"),
        },
    )
    assert "not a PDF or a picture" in response.content.decode()
    request.refresh_from_db()
    assert request.status == "requested"
