from datetime import timedelta

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from coordination.models import Referral
from records.models import Document


def step(client, child, referral, **data):
    payload = {"step-version": referral.version, **{f"step-{k}": v for k, v in data.items()}}
    return client.post(
        reverse("coordination:referral-step", args=[child.uuid, referral.uuid]), payload
    )


def test_referral_goes_through_every_step_and_the_report_closes_it(client, cast):
    child = cast["child"]
    client.force_login(cast["editor"])
    created = client.post(
        reverse("coordination:referrals-create", args=[child.uuid]),
        {
            "to_specialty": "Orthopedics",
            "reason": "Hip pain when sitting",
            "urgency": "soon",
            "requested_on": timezone.localdate().isoformat(),
            "prior_approval_needed": "on",
        },
    )
    assert created.status_code == 302
    referral = child.referrals.get()
    assert "ask the insurance to approve it" in referral.next_actor()
    today = timezone.localdate()
    for status, on in (("sent", today), ("scheduled", today + timedelta(days=10)), ("seen", today)):
        referral.refresh_from_db()
        assert step(client, child, referral, step=status, on=on.isoformat()).status_code == 302
    referral.refresh_from_db()
    assert referral.next_actor().startswith("The specialist")
    refused = step(client, child, referral, step="closed", on=today.isoformat())
    assert "it is what closes the referral" in refused.content.decode()
    report = Document(child=child, title="Ortho report", content_type="application/pdf")
    report.file.save("r.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    # Choosing the report needs the documents scope: the parent attaches it.
    client.force_login(cast["owner"])
    assert (
        step(
            client, child, referral, step="closed", on=today.isoformat(), report=report.pk
        ).status_code
        == 302
    )
    referral.refresh_from_db()
    assert (referral.status, referral.report, referral.report_on) == ("closed", report, today)
    assert referral.sent_on == today and referral.appointment_on == today + timedelta(days=10)


def test_report_from_another_child_cannot_close_the_referral(client, cast):
    child = cast["child"]
    referral = Referral.objects.create(
        child=child, to_specialty="ENT", reason="x", status="seen", seen_on=timezone.localdate()
    )
    theirs = Document(child=cast["other_child"], title="Theirs", content_type="application/pdf")
    theirs.file.save("t.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    client.force_login(cast["owner"])
    response = step(
        client,
        child,
        referral,
        step="closed",
        on=timezone.localdate().isoformat(),
        report=theirs.pk,
    )
    assert response.status_code == 200
    referral.refresh_from_db()
    assert referral.status == "seen"


def test_steps_only_move_forward(client, cast):
    child = cast["child"]
    referral = Referral.objects.create(
        child=child, to_specialty="ENT", reason="x", status="scheduled"
    )
    client.force_login(cast["owner"])
    response = step(client, child, referral, step="sent", on=timezone.localdate().isoformat())
    assert "step" in response.context["step_form"].errors
    referral.refresh_from_db()
    assert referral.status == "scheduled"


def test_overdue_rules_and_the_overview_says_on_whom(client, cast, settings):
    child = cast["child"]
    today = timezone.localdate()
    Referral.objects.create(
        child=child,
        to_specialty="Orthopedics",
        reason="x",
        status="sent",
        sent_on=today - timedelta(days=31),
    )
    Referral.objects.create(
        child=child,
        to_specialty="Eye clinic",
        reason="x",
        status="sent",
        sent_on=today - timedelta(days=29),
    )
    seen = Referral.objects.create(
        child=child,
        to_specialty="Cardiology",
        reason="x",
        status="seen",
        seen_on=today - timedelta(days=15),
    )
    assert seen.overdue_reason() == "No report 14 days after the visit."
    settings.REFERRAL_REPORT_DAYS = 20
    assert seen.overdue_reason() == ""
    client.force_login(cast["owner"])
    page = client.get(reverse("children:overview", args=[child.uuid])).content.decode()
    assert "Referral to Orthopedics is stuck" in page and "book the appointment" in page
    assert "Referral to Eye clinic is stuck" not in page


def test_declined_needs_a_reason(client, cast):
    child = cast["child"]
    referral = Referral.objects.create(child=child, to_specialty="ENT", reason="x")
    client.force_login(cast["owner"])
    url = reverse("coordination:referral-end", args=[child.uuid, referral.uuid])
    client.post(url, {"end-status": "declined", "end-version": referral.version})
    referral.refresh_from_db()
    assert referral.status == "requested"
    client.post(
        url,
        {
            "end-status": "declined",
            "end-reason": "Insurance said no",
            "end-version": referral.version,
        },
    )
    referral.refresh_from_db()
    assert (referral.status, referral.ended_reason) == ("declined", "Insurance said no")


def test_two_people_moving_a_referral_at_once(client, cast):
    child = cast["child"]
    referral = Referral.objects.create(child=child, to_specialty="ENT", reason="x")
    stale = referral.version
    client.force_login(cast["owner"])
    assert (
        step(client, child, referral, step="sent", on=timezone.localdate().isoformat()).status_code
        == 302
    )
    client.force_login(cast["editor"])
    second = client.post(
        reverse("coordination:referral-step", args=[child.uuid, referral.uuid]),
        {
            "step-version": stale,
            "step-step": "scheduled",
            "step-on": timezone.localdate().isoformat(),
        },
    )
    assert "Someone else moved this referral" in second.content.decode()
    referral.refresh_from_db()
    assert referral.status == "sent"


def test_clinician_without_documents_access_uploads_the_report_and_closes_the_loop(client, cast):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from homebase.demo.documents import pdf as _pdf

    child = cast["child"]
    referral = Referral.objects.create(
        child=child, to_specialty="ENT", reason="x", status="seen", seen_on=timezone.localdate()
    )
    client.force_login(cast["editor"])  # plan may be changed, documents are not shared
    response = client.post(
        reverse("coordination:referral-step", args=[child.uuid, referral.uuid]),
        {
            "step-version": referral.version,
            "step-step": "closed",
            "step-on": timezone.localdate().isoformat(),
            "step-report_file": SimpleUploadedFile(
                "ent.pdf", _pdf("ENT report"), "application/pdf"
            ),
        },
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (
        referral.status == "closed"
        and referral.report.child == child
        and referral.report.title == "Report: ENT"
    )
