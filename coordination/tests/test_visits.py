from datetime import timedelta

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from children.models import CareTeamMember, Guardianship
from coordination.models import Task, Visit, VisitQuestion
from records.models import Allergy, Document, JournalEntry, Medication


def make_visit(child, **extra):
    return Visit.objects.create(
        child=child, starts_at=timezone.now() + timedelta(days=2), purpose="Seizure check", **extra
    )


def test_family_plans_a_visit_with_extra_time(client, cast):
    child = cast["child"]
    doctor = CareTeamMember.objects.get(user=cast["editor"])
    client.force_login(cast["owner"])
    data = {
        "team_member": doctor.pk,
        "starts_at": (timezone.localtime() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
        "purpose": "Seizure check",
        "status": "planned",
        "extra_time_needed": "on",
    }
    refused = client.post(reverse("coordination:visits-create", args=[child.uuid]), data)
    assert "Say briefly why" in refused.content.decode()
    data["extra_time_reason"] = "Many questions about the new medicine."
    assert (
        client.post(reverse("coordination:visits-create", args=[child.uuid]), data).status_code
        == 302
    )
    visit = child.visits.get()
    page = client.get(
        reverse("coordination:visit-detail", args=[child.uuid, visit.uuid])
    ).content.decode()
    assert (
        "We would like a longer appointment" in page
        and "Many questions about the new medicine." in page
    )


def test_questions_keep_the_familys_order(client, cast):
    child = cast["child"]
    visit = make_visit(child)
    client.force_login(cast["owner"])
    for text in ("First", "Second", "Third"):
        client.post(
            reverse("coordination:question-add", args=[child.uuid, visit.uuid]), {"text": text}
        )
    third = visit.questions.get(text="Third")
    client.post(
        reverse("coordination:question-move", args=[child.uuid, visit.uuid, third.uuid]),
        {"direction": "up"},
    )
    assert [q.text for q in visit.questions.all()] == ["First", "Third", "Second"]


def test_question_of_another_visit_cannot_be_moved_through_this_one(client, cast):
    child = cast["child"]
    visit, other = make_visit(child), make_visit(child)
    question = VisitQuestion.objects.create(child=child, visit=other, text="Q", position=1)
    client.force_login(cast["owner"])
    response = client.post(
        reverse("coordination:question-delete", args=[child.uuid, visit.uuid, question.uuid])
    )
    assert response.status_code == 403
    assert VisitQuestion.objects.filter(pk=question.pk).exists()


def test_after_the_visit_answers_summary_and_next_steps_become_tasks(client, cast):
    child = cast["child"]
    visit = make_visit(child)
    question = VisitQuestion.objects.create(
        child=child, visit=visit, text="Lower the dose?", position=1
    )
    mother = Guardianship.objects.get(user=cast["owner"])
    client.force_login(cast["owner"])
    url = reverse("coordination:visit-record", args=[child.uuid, visit.uuid])
    due = timezone.localdate() + timedelta(days=14)
    response = client.post(
        url,
        {
            "summary": "Seizures better. Keep the dose.",
            "version": visit.version,
            f"answer-{question.uuid}": "Not yet: in three months.",
            "step-TOTAL_FORMS": "3",
            "step-INITIAL_FORMS": "0",
            "step-0-title": "Book an EEG",
            "step-0-owner": f"g:{mother.uuid}",
            "step-0-due_on": due.isoformat(),
            "step-1-title": "",
            "step-2-title": "",
        },
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    question.refresh_from_db()
    assert (visit.status, visit.summary, question.answer) == (
        "done",
        "Seizures better. Keep the dose.",
        "Not yet: in three months.",
    )
    task = Task.objects.get()
    assert (task.title, task.owner_guardian, task.due_on, task.origin, task.visit) == (
        "Book an EEG",
        mother,
        due,
        "visit",
        visit,
    )


def test_next_step_needs_an_owner(client, cast):
    child = cast["child"]
    visit = make_visit(child)
    client.force_login(cast["owner"])
    response = client.post(
        reverse("coordination:visit-record", args=[child.uuid, visit.uuid]),
        {
            "summary": "x",
            "version": visit.version,
            "step-TOTAL_FORMS": "1",
            "step-INITIAL_FORMS": "0",
            "step-0-title": "Book an EEG",
        },
    )
    assert "Say who will do it" in response.content.decode()
    assert not Task.objects.exists()
    visit.refresh_from_db()
    assert visit.status == "planned"


def test_stale_after_visit_form_is_refused(client, cast):
    child = cast["child"]
    visit = make_visit(child)
    client.force_login(cast["owner"])
    form = {
        "summary": "mine",
        "version": visit.version,
        "step-TOTAL_FORMS": "0",
        "step-INITIAL_FORMS": "0",
    }
    assert (
        client.post(
            reverse("coordination:visit-record", args=[child.uuid, visit.uuid]), form
        ).status_code
        == 302
    )
    second = client.post(
        reverse("coordination:visit-record", args=[child.uuid, visit.uuid]),
        {**form, "summary": "theirs"},
    )
    assert "Someone else changed this visit" in second.content.decode()
    visit.refresh_from_db()
    assert visit.summary == "mine"


def test_visit_sheet_brings_questions_medicines_allergies_and_changes(client, cast):
    child = cast["child"]
    earlier = make_visit(child, status="done")
    Visit.objects.filter(pk=earlier.pk).update(starts_at=timezone.now() - timedelta(days=30))
    visit = make_visit(child)
    VisitQuestion.objects.create(child=child, visit=visit, text="Can she swim?", position=1)
    Medication.objects.create(child=child, name="Keppra", dose="5 ml", schedule="twice a day")
    Allergy.objects.create(child=child, substance="Latex", severity=Allergy.Severity.SEVERE)
    JournalEntry.objects.create(child=child, title="More seizures at night", bring_up=True)
    client.force_login(cast["owner"])
    page = client.get(
        reverse("coordination:visit-sheet", args=[child.uuid, visit.uuid])
    ).content.decode()
    for expected in (
        "Can she swim?",
        "Keppra",
        "Latex",
        "More seizures at night",
        "What changed since the last visit",
    ):
        assert expected in page


def test_recording_needs_the_clinicians_agreement_and_must_be_this_childs(client, cast):
    child = cast["child"]
    visit = make_visit(child)
    theirs = Document(child=cast["other_child"], title="Other", content_type="application/pdf")
    theirs.file.save("o.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    ours = Document(child=child, title="Notes", content_type="application/pdf")
    ours.file.save("n.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    client.force_login(cast["owner"])
    base = {
        "starts_at": timezone.localtime(visit.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "purpose": "x",
        "status": "done",
        "version": visit.version,
    }
    url = reverse("coordination:visits-update", args=[child.uuid, visit.uuid])
    assert (
        "recording"
        in client.post(url, {**base, "recording": theirs.pk, "recording_agreed": "on"})
        .context["form"]
        .errors
    )
    assert "clinician agreed" in client.post(url, {**base, "recording": ours.pk}).content.decode()
    assert (
        client.post(url, {**base, "recording": ours.pk, "recording_agreed": "on"}).status_code
        == 302
    )
