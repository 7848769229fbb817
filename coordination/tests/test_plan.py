"""The shared plan of care: versions, proposals, agreement, compare, print, share."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from children.models import AccessEvent
from coordination.models import CarePlan, CarePlanVersion, Goal, PlanProposal, PlanShareLink, Task
from coordination.services import plan as services_plan

pytestmark = pytest.mark.django_db


def url(name, child, *args):
    return reverse(f"coordination:{name}", args=[child.uuid, *args])


def start_plan(client, cast):
    client.force_login(cast["owner"])
    child = cast["child"]
    response = client.post(
        url("plan-about", child),
        {"strengths": "Loves music", "priorities": "Walking", "what_matters": "Big family"},
    )
    assert response.status_code == 302
    client.post(
        url("plan-goal-create", child),
        {
            "text": "Walk 10 steps with a walker",
            "domain": "medical",
            "term": "short",
            "status": "active",
            "owner": "child",
        },
    )
    client.post(
        url("plan-goal-create", child),
        {"text": "Join the school choir", "domain": "social", "term": "long", "status": "active"},
    )
    client.post(
        url("plan-need-create", child), {"text": "Respite", "supports": "County respite program"}
    )
    return CarePlan.objects.get(child=child)


def test_the_owner_builds_a_plan_and_each_change_is_a_version(client, cast):
    plan = start_plan(client, cast)
    assert plan.number == 4
    assert list(plan.versions.values_list("number", flat=True)) == [4, 3, 2, 1]
    page = client.get(url("plan", cast["child"])).content.decode()
    for text in ("Loves music", "Walk 10 steps", "Join the school choir", "Respite", "Version 4"):
        assert text in page
    latest = plan.versions.first().content
    assert {g["domain"] for g in latest["goals"].values()} == {"medical", "social"}


def test_a_team_member_proposes_and_the_owner_accepts_into_a_new_version(client, cast):
    plan = start_plan(client, cast)
    goal = plan.goals.get(text__startswith="Walk")
    client.force_login(cast["editor"])
    response = client.post(
        url("plan-goal-update", cast["child"], goal.uuid),
        {
            "text": "Walk 20 steps with a walker",
            "domain": "medical",
            "term": "short",
            "status": "active",
            "version": goal.version,
            "note": "She is doing well in therapy",
        },
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.text.startswith("Walk 10"), "a proposal must not change the plan"
    proposal = PlanProposal.objects.get()
    assert proposal.status == "open" and proposal.proposed_by_name

    # The editor sees their own proposal waiting; the owner sees it with the change.
    assert "waiting for the family" in client.get(url("plan", cast["child"])).content.decode()
    client.force_login(cast["owner"])
    page = client.get(url("plan", cast["child"])).content.decode()
    assert "Walk 20 steps" in page and "She is doing well in therapy" in page
    client.post(
        url("plan-proposal-accept", cast["child"], proposal.uuid), {"version": proposal.version}
    )
    goal.refresh_from_db()
    plan.refresh_from_db()
    assert goal.text == "Walk 20 steps with a walker"
    assert plan.number == 5
    assert plan.versions.first().note == proposal.proposed_by_name

    # The two versions compare.
    page = client.get(url("plan-history", cast["child"]), {"a": 4, "b": 5}).content.decode()
    assert "Walk 10 steps with a walker" in page and "Walk 20 steps with a walker" in page
    assert "Changed:" in page

    # Accepting twice does nothing more.
    client.post(
        url("plan-proposal-accept", cast["child"], proposal.uuid), {"version": proposal.version}
    )
    plan.refresh_from_db()
    assert plan.number == 5


def test_the_owner_can_decline_a_proposal(client, cast):
    plan = start_plan(client, cast)
    client.force_login(cast["caregiver"])  # family, but not an owner: proposes too
    client.post(url("plan-need-create", cast["child"]), {"text": "A ramp", "supports": ""})
    proposal = PlanProposal.objects.get()
    client.force_login(cast["owner"])
    client.post(
        url("plan-proposal-decline", cast["child"], proposal.uuid),
        {"version": proposal.version, "reason": "We moved"},
    )
    proposal.refresh_from_db()
    plan.refresh_from_db()
    assert proposal.status == "declined" and proposal.decline_reason == "We moved"
    assert plan.number == 4 and not plan.needs.filter(text="A ramp").exists()


def test_read_only_plan_reads_but_cannot_change(client, cast):
    start_plan(client, cast)
    client.force_login(cast["viewer"])
    assert client.get(url("plan", cast["child"])).status_code == 200
    assert client.get(url("plan-about", cast["child"])).status_code == 403
    assert client.post(url("plan-goal-create", cast["child"]), {"text": "x"}).status_code == 403
    client.force_login(cast["team_other"])
    assert client.get(url("plan", cast["child"])).status_code == 404
    assert client.get(url("plan-history", cast["child"])).status_code == 404


def test_two_people_saving_the_same_plan_do_not_overwrite_each_other(client, cast):
    plan = start_plan(client, cast)
    child = cast["child"]
    opened = plan.version  # both open the form on this version
    first = client.post(
        url("plan-about", child),
        {"strengths": "First save", "version": opened},
    )
    assert first.status_code == 302
    second = client.post(
        url("plan-about", child),
        {"strengths": "Second save", "version": opened},
    )
    assert second.status_code == 200
    assert "Someone else changed this" in second.content.decode()
    assert "Second save" in second.content.decode(), "the person's text is kept"
    plan.refresh_from_db()
    assert plan.strengths == "First save"

    goal = plan.goals.first()
    data = {
        "text": "A",
        "domain": "medical",
        "term": "short",
        "status": "active",
        "version": goal.version,
    }
    assert client.post(url("plan-goal-update", child, goal.uuid), data).status_code == 302
    data["text"] = "B"
    assert client.post(url("plan-goal-update", child, goal.uuid), data).status_code == 200
    goal.refresh_from_db()
    assert goal.text == "A"


def test_agreement_is_per_version(client, cast):
    plan = start_plan(client, cast)
    child = cast["child"]
    client.post(url("plan-agree", child), {"number": plan.number})
    agreed = plan.versions.get(number=plan.number)
    assert agreed.agreed_by == cast["owner"] and agreed.agreed_at
    # A stale agreement (the plan changed since the page was opened) is refused.
    client.post(url("plan-need-create", child), {"text": "Transport"})
    client.post(url("plan-agree", child), {"number": plan.number})
    assert not CarePlanVersion.objects.get(plan=plan, number=plan.number + 1).agreed_at
    assert "not yet agreed" in client.get(url("plan", child)).content.decode()


def test_print_page_shows_the_frozen_version(client, cast):
    plan = start_plan(client, cast)
    child = cast["child"]
    page = client.get(url("plan-version", child, 2)).content.decode()
    assert "Walk 10 steps" in page and "Join the school choir" not in page
    page = client.get(url("plan-version", child, plan.number)).content.decode()
    assert "Join the school choir" in page and "Respite" in page
    assert client.get(url("plan-version", child, 99)).status_code == 404


def test_share_link_shows_a_read_only_copy_until_revoked_or_expired(client, cast):
    plan = start_plan(client, cast)
    child = cast["child"]
    response = client.post(url("plan-share", child), {"label": "Summer camp", "days": 7})
    shared_url = response.context["new_url"]
    path = shared_url.split("testserver")[1]
    client.logout()
    page = client.get(path)
    assert page.status_code == 200 and "Join the school choir" in page.content.decode()
    assert "<form" not in page.content.decode().split("<main", 1)[1]
    assert AccessEvent.objects.filter(what="care plan (shared link)").exists()

    # Later edits do not leak into the shared copy.
    client.force_login(cast["owner"])
    client.post(
        url("plan-goal-create", child),
        {"text": "Ride a bike", "domain": "social", "term": "long", "status": "active"},
    )
    client.logout()
    assert "Ride a bike" not in client.get(path).content.decode()

    link = PlanShareLink.objects.get()
    client.force_login(cast["owner"])
    log = client.get(reverse("children:access-log", args=[child.uuid])).content.decode()
    assert "Someone with your share link “Summer camp”" in log
    assert "care plan, opened through a share link" in log
    client.post(url("plan-share-revoke", child, link.uuid))
    client.logout()
    assert client.get(path).status_code == 404
    assert client.get(reverse("coordination:plan-shared", args=["not-a-token"])).status_code == 404

    _link, token = services_plan.share_link_create(
        actor=cast["owner"], version=plan.versions.first(), label="Old", days=1
    )
    PlanShareLink.objects.filter(label="Old").update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert client.get(reverse("coordination:plan-shared", args=[token])).status_code == 404


def test_actions_are_tasks_linked_to_goals(client, cast):
    plan = start_plan(client, cast)
    goal = plan.goals.get(text__startswith="Walk")
    child = cast["child"]
    response = client.post(
        reverse("coordination:tasks-create", args=[child.uuid]),
        {
            "title": "Practice with the walker daily",
            "owner": "child",
            "goal": goal.pk,
            "status": "open",
            "origin": "other",
        },
    )
    assert response.status_code == 302
    task = Task.objects.get(title__startswith="Practice")
    assert task.goal == goal and task.origin == "plan"
    assert "Practice with the walker daily" in client.get(url("plan", child)).content.decode()


def test_plan_page_empty_state(client, cast):
    client.force_login(cast["owner"])
    page = client.get(url("plan", cast["child"])).content.decode()
    assert "No care plan yet" in page and "Start the plan" in page
    client.force_login(cast["viewer"])
    page = client.get(url("plan", cast["child"])).content.decode()
    assert "No care plan yet" in page and "Start the plan" not in page


def test_goal_owner_from_another_child_is_refused(client, cast):
    start_plan(client, cast)
    other_owner = cast["other_family"].guardianships.get()
    response = client.post(
        url("plan-goal-create", cast["child"]),
        {
            "text": "X",
            "domain": "medical",
            "term": "short",
            "status": "active",
            "owner": f"g:{other_owner.uuid}",
        },
    )
    assert response.status_code == 200  # not one of the choices
    assert not Goal.objects.filter(text="X").exists()
