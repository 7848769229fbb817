from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from children.models import CareTeamMember, Guardianship
from coordination.models import CarePlan, Referral, ReminderSent, Task, Visit
from coordination.reminders import reminder_send, send_due_reminders
from records.models import Coverage


def _run_worker():
    call_command("enqueue_reminders", verbosity=0)
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)


def _mail_to(email):
    return [m for m in mail.outbox if m.to == [email]]


@pytest.mark.django_db(transaction=True)
def test_worker_sends_due_reminders_once_when_run_twice(cast, settings):
    settings.SITE_URL = "https://homebase.example"
    child = cast["child"]
    today = timezone.localdate()
    Visit.objects.create(
        child=child, starts_at=timezone.now() + timedelta(days=1), purpose="Seizure check"
    )
    Coverage.objects.create(
        child=child,
        payer="Medicaid",
        member_id="M1",
        is_medicaid=True,
        renewal_on=today + timedelta(days=10),
    )
    _run_worker()
    recipients = sorted(m.to[0] for m in mail.outbox)
    # Visits reach the owner, viewer and editor; the renewal the owner and the coordinator.
    assert recipients == [
        "coordinator@example.org",
        "editor@example.org",
        "owner@example.org",
        "viewer@example.org",
    ]
    owner_mail = _mail_to("owner@example.org")[0]
    assert "You have 2 things coming up in Homebase. Sign in to see them" in owner_mail.body
    assert f"https://homebase.example{reverse('account_login')}" in owner_mail.body
    assert "1 thing coming up" in _mail_to("viewer@example.org")[0].body
    for message in mail.outbox:
        for secret in ("Maya", "Seizure", "Medicaid", "Rivera"):
            assert secret not in message.body + message.subject

    _run_worker()
    assert len(mail.outbox) == 4
    runs = DBTaskResult.objects.all()
    assert [r.status for r in runs] == ["SUCCESSFUL", "SUCCESSFUL"]
    assert sorted(r.return_value for r in runs) == [0, 4]
    assert ReminderSent.objects.filter(user=cast["owner"]).count() == 2


def test_second_run_counts_only_what_is_new(cast):
    child = cast["child"]
    today = timezone.localdate()
    mine = Guardianship.objects.get(user=cast["owner"])
    Task.objects.create(child=child, title="Call", due_on=today, owner_guardian=mine)
    assert reminder_send(user=cast["owner"]) == 1
    assert reminder_send(user=cast["owner"]) == 0
    Task.objects.create(child=child, title="Write", due_on=today + timedelta(days=1))
    assert reminder_send(user=cast["owner"]) == 1
    assert len(_mail_to("owner@example.org")) == 2


def test_tasks_reach_guardians_and_only_the_team_member_given_them(cast):
    child = cast["child"]
    today = timezone.localdate()
    editor = CareTeamMember.objects.get(user=cast["editor"])
    Task.objects.create(child=child, title="Letter", due_on=today, owner_member=editor)
    Task.objects.create(child=child, title="Later", due_on=today + timedelta(days=5))
    Task.objects.create(child=child, title="Closed", due_on=today, status=Task.Status.DONE)
    assert reminder_send(user=cast["editor"]) == 1
    assert reminder_send(user=cast["viewer"]) == 0  # not given to them
    assert reminder_send(user=cast["caregiver"]) == 1  # guardians follow every task
    assert reminder_send(user=cast["owner"]) == 1


def test_windows_for_referrals_renewals_and_plan_reviews(cast):
    child = cast["child"]
    today = timezone.localdate()
    Referral.objects.create(
        child=child,
        to_specialty="Neurology",
        reason="x",
        status=Referral.Status.SENT,
        sent_on=today - timedelta(days=30),  # follow-up due today
    )
    Referral.objects.create(
        child=child,
        to_specialty="Ortho",
        reason="x",
        status=Referral.Status.SEEN,
        seen_on=today - timedelta(days=5),  # follow-up in 9 days: not yet
    )
    Coverage.objects.create(
        child=child, payer="P", member_id="1", renewal_on=today + timedelta(days=31)
    )
    CarePlan.objects.create(child=child, review_on=today + timedelta(days=7))
    assert reminder_send(user=cast["owner"]) == 2
    keys = set(ReminderSent.objects.filter(user=cast["owner"]).values_list("key", flat=True))
    assert {k.split(":")[0] for k in keys} == {"referral", "plan"}


def test_visits_already_over_and_cancelled_are_not_reminded(cast):
    child = cast["child"]
    Visit.objects.create(child=child, starts_at=timezone.now() - timedelta(minutes=5), purpose="x")
    Visit.objects.create(
        child=child,
        starts_at=timezone.now() + timedelta(hours=5),
        purpose="x",
        status=Visit.Status.CANCELLED,
    )
    Visit.objects.create(child=child, starts_at=timezone.now() + timedelta(days=3), purpose="x")
    assert reminder_send(user=cast["owner"]) == 0


def test_people_without_access_get_nothing(cast):
    child = cast["child"]
    Visit.objects.create(child=child, starts_at=timezone.now() + timedelta(hours=3), purpose="x")
    Coverage.objects.create(child=child, payer="P", member_id="1", renewal_on=timezone.localdate())
    for role in ("team_other", "other_family", "operator", "caregiver"):
        assert reminder_send(user=cast[role]) == 0, role
    CareTeamMember.objects.filter(user=cast["viewer"]).update(revoked_at=timezone.now())
    assert reminder_send(user=cast["viewer"]) == 0


def test_task_runs_inline_without_a_worker_and_returns_the_email_count(cast, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    Visit.objects.create(
        child=cast["child"], starts_at=timezone.now() + timedelta(hours=3), purpose="x"
    )
    result = send_due_reminders.enqueue()
    assert result.return_value == 3  # owner, viewer, editor
    assert send_due_reminders.enqueue().return_value == 0


def test_email_is_written_in_the_persons_language(cast, monkeypatch):
    from coordination import reminders

    seen = []
    real = reminders.render_to_string

    def spy(*args, **kwargs):
        seen.append(translation.get_language())
        return real(*args, **kwargs)

    monkeypatch.setattr(reminders, "render_to_string", spy)
    cast["owner"].language = "es"
    cast["owner"].save()
    Task.objects.create(child=cast["child"], title="x", due_on=timezone.localdate())
    reminder_send(user=cast["owner"])
    assert seen == ["es"]
    assert _mail_to("owner@example.org")
