"""Security review of the coordination app: plan, meetings, messages, calendar, reminders.

Each test names the problem it guards against.
"""

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from children import access
from children.models import AccessEvent, CareTeamMember, Guardianship, scopes_to_text
from coordination.models import (
    CarePlan,
    Goal,
    Meeting,
    PlanProposal,
    PlanShareLink,
    Task,
    Thread,
    Visit,
)
from coordination.services import plan as services_plan
from coordination.services.calendar import calendar_feed_reset

pytestmark = pytest.mark.django_db


def url(name: str, child: Any, *args: Any) -> str:
    return reverse(f"coordination:{name}", args=[child.uuid, *args])


def plan_with_goal(
    cast: dict[str, Any], child: Any = None, owner: Any = None
) -> tuple[CarePlan, Goal]:
    child = child or cast["child"]
    owner = owner or cast["owner"]
    plan = services_plan.plan_get_or_create(actor=owner, child=child)
    services_plan.goal_save(
        actor=owner,
        plan=plan,
        goal=None,
        data={"text": "Walk 10 steps", "term": "short", "domain": "medical", "status": "active"},
        version=None,
    )
    plan.refresh_from_db()
    return plan, plan.goals.get()


def add_scope(user: Any, scope: str) -> CareTeamMember:
    member = CareTeamMember.objects.get(user=user)
    member.scopes = scopes_to_text([*member.scope_list, scope])
    member.save()
    access.forget(user)
    return member


# Problems found (each failed before its fix) ------------------------------------


def test_shared_plan_page_is_never_cached(client, cast):
    """The share link is opened signed out, so PrivatePagesMiddleware adds no
    Cache-Control: a shared proxy (school, camp) could keep a child's plan."""
    plan, _goal = plan_with_goal(cast)
    _link, token = services_plan.share_link_create(
        actor=cast["owner"], version=plan.versions.first(), label="Camp nurse", days=3
    )
    response = client.get(reverse("coordination:plan-shared", args=[token]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex"


def test_message_recipients_do_not_reveal_a_team_the_writer_may_not_see(client, cast):
    """The team list needs `summary`; the new-message form listed every team member
    who reads messages (name and role) to a writer who may not see the team."""
    add_scope(cast["editor"], "messages")
    teacher = add_scope(cast["team_other"], "messages")  # journal + messages, no summary
    teacher.can_write = True
    teacher.save()
    client.force_login(cast["team_other"])
    page = client.get(url("thread-create", cast["child"]))
    assert page.status_code == 200
    assert "Dr. Editor" not in page.content.decode()
    editor = CareTeamMember.objects.get(user=cast["editor"])
    response = client.post(
        url("thread-create", cast["child"]),
        {"participants": [editor.pk], "subject": "Hi", "body": "Hello"},
    )
    assert response.status_code == 200 and not Thread.objects.exists()
    # The family still writes to everyone who reads messages.
    client.force_login(cast["owner"])
    assert "Dr. Editor" in client.get(url("thread-create", cast["child"])).content.decode()


def test_accepting_a_proposal_refuses_when_the_plan_changed_since_it_was_read(client, cast):
    """Two owners: one reads a proposal, the other changes the goal, the first
    accepts: the second owner's change was silently overwritten."""
    plan, goal = plan_with_goal(cast)
    client.force_login(cast["editor"])
    client.post(
        url("plan-goal-update", cast["child"], goal.uuid),
        {
            "text": "Walk 20 steps",
            "domain": "medical",
            "term": "short",
            "status": "active",
            "version": goal.version,
        },
    )
    proposal = PlanProposal.objects.get()
    second_owner = cast["caregiver"]
    Guardianship.objects.filter(user=second_owner).update(role=Guardianship.Role.OWNER)
    client.force_login(cast["owner"])
    page = client.get(url("plan", cast["child"])).content.decode()
    plan.refresh_from_db()
    assert f'name="plan" value="{plan.number}"' in page  # the accept form says what was read
    seen = plan.number
    # Meanwhile the other parent changes the goal.
    goal.refresh_from_db()
    client.force_login(second_owner)
    client.post(
        url("plan-goal-update", cast["child"], goal.uuid),
        {
            "text": "Walk 15 steps",
            "domain": "medical",
            "term": "short",
            "status": "active",
            "version": goal.version,
        },
    )
    goal.refresh_from_db()
    assert goal.text == "Walk 15 steps"
    client.force_login(cast["owner"])
    response = client.post(
        url("plan-proposal-accept", cast["child"], proposal.uuid),
        {"version": proposal.version, "plan": seen},
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    proposal.refresh_from_db()
    assert goal.text == "Walk 15 steps", "the other owner's change must not be overwritten"
    assert proposal.status == PlanProposal.Status.OPEN
    # Read again, then accept on purpose.
    plan.refresh_from_db()
    client.post(
        url("plan-proposal-accept", cast["child"], proposal.uuid),
        {"version": proposal.version, "plan": plan.number},
    )
    goal.refresh_from_db()
    assert goal.text == "Walk 20 steps"


def test_message_email_links_use_site_url_not_the_senders_host_header(
    client, cast, settings, django_capture_on_commit_callbacks
):
    """Notices to other people were linked to the Host of the sender's request: a
    writer (or a proxy letting any Host through) could point the family's email
    at a look-alike site. Email links use SITE_URL (README)."""
    from django.core import mail

    settings.ALLOWED_HOSTS = ["*"]
    settings.SITE_URL = "https://homebase.example"
    editor = add_scope(cast["editor"], "messages")
    client.force_login(cast["owner"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url("thread-create", cast["child"]),
            {"participants": [editor.pk], "subject": "Hi", "body": "Hello"},
            HTTP_HOST="evil.example",
        )
        thread = Thread.objects.get()
        client.post(
            url("message-add", cast["child"], thread.uuid),
            {"body": "Again"},
            HTTP_HOST="evil.example",
        )
    assert len(mail.outbox) == 2
    for email in mail.outbox:
        assert "evil.example" not in email.body
        assert "https://homebase.example/children/" in email.body


# Checked and fine (kept as guards) -----------------------------------------------


def test_items_of_another_child_are_404_under_this_childs_urls(client, cast):
    other = cast["other_child"]
    other_plan, other_goal = plan_with_goal(cast, child=other, owner=cast["other_family"])
    proposal = services_plan.proposal_create(
        actor=cast["other_family"], plan=other_plan, kind="goal_add", data={"text": "x"}
    )
    link, _token = services_plan.share_link_create(
        actor=cast["other_family"], version=other_plan.versions.first(), label="x", days=1
    )
    plan_with_goal(cast)
    child = cast["child"]
    client.force_login(cast["owner"])
    assert client.get(url("plan-goal-update", child, other_goal.uuid)).status_code == 404
    assert client.post(url("plan-goal-delete", child, other_goal.uuid)).status_code == 404
    assert (
        client.post(
            url("plan-proposal-accept", child, proposal.uuid), {"version": proposal.version}
        ).status_code
        == 404
    )
    assert client.post(url("plan-share-revoke", child, link.uuid)).status_code == 404
    link.refresh_from_db()
    proposal.refresh_from_db()
    assert link.revoked_at is None and proposal.status == PlanProposal.Status.OPEN
    other_goal.refresh_from_db()
    assert other_goal.text == "Walk 10 steps"


@pytest.mark.parametrize("role", ["caregiver", "editor", "viewer"])
def test_only_owners_decide_share_and_agree(client, cast, role):
    plan, goal = plan_with_goal(cast)
    proposal = services_plan.proposal_create(
        actor=cast["editor"], plan=plan, kind="need_add", data={"text": "Respite"}
    )
    link, _token = services_plan.share_link_create(
        actor=cast["owner"], version=plan.versions.first(), label="x", days=1
    )
    child = cast["child"]
    client.force_login(cast[role])
    posts = [
        (url("plan-proposal-accept", child, proposal.uuid), {"version": proposal.version}),
        (url("plan-proposal-decline", child, proposal.uuid), {"version": proposal.version}),
        (url("plan-goal-delete", child, goal.uuid), {"version": goal.version}),
        (url("plan-agree", child), {"number": plan.number}),
        (url("plan-share", child), {"label": "x", "days": 3}),
        (url("plan-share-revoke", child, link.uuid), {}),
    ]
    for path, data in posts:
        assert client.post(path, data).status_code == 403, path
    assert PlanShareLink.objects.count() == 1 and PlanShareLink.objects.get().revoked_at is None
    assert PlanProposal.objects.get().status == PlanProposal.Status.OPEN
    assert Goal.objects.filter(pk=goal.pk).exists()
    assert plan.versions.first().agreed_at is None


def test_share_link_shows_only_its_version_is_audited_and_dies(client, cast):
    plan, goal = plan_with_goal(cast)
    link, token = services_plan.share_link_create(
        actor=cast["owner"], version=plan.versions.first(), label="Camp nurse", days=3
    )
    services_plan.goal_save(
        actor=cast["owner"],
        plan=plan,
        goal=goal,
        data={"text": "Secret later goal"},
        version=goal.version,
    )
    shared = reverse("coordination:plan-shared", args=[token])
    page = client.get(shared).content.decode()
    assert "Walk 10 steps" in page and "Secret later goal" not in page
    assert AccessEvent.objects.filter(what="care plan (shared link)", child=cast["child"]).exists()
    assert client.get(shared + "x").status_code == 404
    assert client.get(reverse("coordination:plan-shared", args=["guess"])).status_code == 404
    PlanShareLink.objects.filter(pk=link.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert client.get(shared).status_code == 404
    PlanShareLink.objects.filter(pk=link.pk).update(
        expires_at=timezone.now() + timedelta(days=1), revoked_at=timezone.now()
    )
    assert client.get(shared).status_code == 404


def test_calendar_titles_cannot_inject_ics_lines(client, cast):
    child = cast["child"]
    child.preferred_name = "Maya\r\nATTENDEE:mailto:x@evil.example\r\nX"
    child.save()
    Visit.objects.create(child=child, starts_at=timezone.now() + timedelta(days=3), purpose="x")
    token = calendar_feed_reset(actor=cast["owner"])
    body = client.get(reverse("coordination:calendar-feed", args=[token])).content
    assert b"\r\nATTENDEE" not in body
    (event,) = Calendar.from_ical(body).walk("VEVENT")
    assert "ATTENDEE" not in event


def test_operator_and_other_family_see_nothing_of_the_plan_meetings_or_messages(client, cast):
    plan, _goal = plan_with_goal(cast)
    meeting = Meeting.objects.create(
        child=cast["child"], purpose="Care conference", starts_at=timezone.now()
    )
    child = cast["child"]
    for role in ("operator", "other_family"):
        client.force_login(cast[role])
        for path in (
            url("plan", child),
            url("plan-history", child),
            url("plan-version", child, plan.number),
            url("meeting-detail", child, meeting.uuid),
            url("thread-list", child),
        ):
            assert client.get(path).status_code == 404, (role, path)
        home = client.get("/").content.decode()
        assert "Maya" not in home


def test_task_status_next_cannot_send_people_off_site(client, cast):
    task = Task.objects.create(child=cast["child"], title="Call the clinic")
    client.force_login(cast["owner"])
    for target in ("//evil.example/", "/\\evil.example/", "https://evil.example/"):
        task.status = Task.Status.OPEN
        task.save()
        response = client.post(
            url("task-status", cast["child"], task.uuid), {"status": "done", "next": target}
        )
        location = response["Location"]
        assert not location.startswith(("//", "/\\", "http")), location


def test_practice_staff_cannot_start_a_thread_they_could_not_read(client, cast):
    """An enrollment that shares messages does not make staff part of conversations."""
    from children.models import PracticeEnrollment

    enrollment = PracticeEnrollment.objects.get(child=cast["child"])
    enrollment.scopes = scopes_to_text(["summary", "messages"])
    enrollment.save()
    client.force_login(cast["coordinator"])
    assert client.get(url("thread-create", cast["child"])).status_code == 403
    assert client.post(url("thread-create", cast["child"]), {"subject": "x"}).status_code == 403
    assert not Thread.objects.exists()


def test_accepting_a_goal_whose_owner_left_does_not_fail(client, cast):
    plan, goal = plan_with_goal(cast)
    caregiver = Guardianship.objects.get(user=cast["caregiver"])
    proposal = services_plan.proposal_create(
        actor=cast["editor"],
        plan=plan,
        kind="goal_change",
        target=goal,
        data={"text": "New text", "owner": f"g:{caregiver.uuid}"},
    )
    caregiver.revoked_at = timezone.now()
    caregiver.save()
    plan.refresh_from_db()
    client.force_login(cast["owner"])
    response = client.post(
        url("plan-proposal-accept", cast["child"], proposal.uuid),
        {"version": proposal.version, "plan": plan.number},
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.text == "New text" and goal.owner_guardian is None


def test_lists_across_children_are_logged(client, cast):
    member = CareTeamMember.objects.get(user=cast["editor"])
    Task.objects.create(child=cast["child"], title="Call", owner_member=member)
    client.force_login(cast["editor"])
    client.get(reverse("coordination:my-tasks"))
    assert AccessEvent.objects.filter(
        child=cast["child"], actor=cast["editor"], what="my tasks"
    ).exists()
