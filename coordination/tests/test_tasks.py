from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from children.models import CareTeamMember, Guardianship
from conftest import make_child
from coordination.models import Task


def test_my_tasks_lists_mine_across_children_late_first(client, cast):
    owner = cast["owner"]
    second = make_child(owner, first_name="Leo")
    today = timezone.localdate()
    mine_a = Guardianship.objects.get(user=owner, child=cast["child"])
    mine_b = Guardianship.objects.get(user=owner, child=second)
    Task.objects.create(
        child=cast["child"],
        title="Renew Medicaid",
        owner_guardian=mine_a,
        due_on=today - timedelta(days=2),
    )
    Task.objects.create(
        child=second,
        title="Call the school",
        owner_guardian=mine_b,
        due_on=today + timedelta(days=5),
    )
    Task.objects.create(
        child=cast["child"],
        title="Not mine",
        owner_member=CareTeamMember.objects.get(user=cast["editor"]),
    )
    client.force_login(owner)
    page = client.get(reverse("coordination:my-tasks")).content.decode()
    assert page.index("Renew Medicaid") < page.index("Call the school")
    assert "Not mine" not in page
    assert 'class="overdue"' in page


def test_team_member_sees_tasks_given_to_them_only_for_children_shared_with_them(client, cast):
    member = CareTeamMember.objects.get(user=cast["editor"])
    Task.objects.create(child=cast["child"], title="Write the letter", owner_member=member)
    client.force_login(cast["editor"])
    assert "Write the letter" in client.get(reverse("coordination:my-tasks")).content.decode()
    member.revoked_at = timezone.now()
    member.save()
    assert "Write the letter" not in client.get(reverse("coordination:my-tasks")).content.decode()


def test_the_person_given_a_task_can_mark_it_done_even_with_read_only_access(client, cast):
    member = CareTeamMember.objects.get(user=cast["viewer"])
    member.scopes = ",summary,plan,"
    member.save()
    task = Task.objects.create(child=cast["child"], title="Send the report", owner_member=member)
    other = Task.objects.create(child=cast["child"], title="Someone else's")
    client.force_login(cast["viewer"])
    url = reverse("coordination:task-status", args=[cast["child"].uuid, task.uuid])
    assert client.post(url, {"status": "done"}).status_code == 302
    task.refresh_from_db()
    assert task.status == "done" and task.done_at is not None
    refused = client.post(
        reverse("coordination:task-status", args=[cast["child"].uuid, other.uuid]),
        {"status": "done"},
    )
    assert refused.status_code == 403


def test_task_owner_choices_are_this_childs_people(client, cast):
    foreign = CareTeamMember.objects.create(
        child=cast["other_child"], name="Dr. Elsewhere", role="pcp"
    )
    client.force_login(cast["owner"])
    url = reverse("coordination:tasks-create", args=[cast["child"].uuid])
    response = client.post(
        url, {"title": "x", "owner": f"t:{foreign.uuid}", "status": "open", "origin": "other"}
    )
    assert "owner" in response.context["form"].errors
    assert not Task.objects.exists()


def test_overview_leads_with_late_tasks_and_the_next_visit_and_stays_current(client, cast):
    from coordination.models import Visit, VisitQuestion

    child = cast["child"]
    mine = Guardianship.objects.get(user=cast["owner"], child=child)
    task = Task.objects.create(
        child=child,
        title="Renew Medicaid",
        owner_guardian=mine,
        due_on=timezone.localdate() - timedelta(days=1),
    )
    visit = Visit.objects.create(
        child=child, starts_at=timezone.now() + timedelta(days=3), purpose="Seizure check"
    )
    VisitQuestion.objects.create(child=child, visit=visit, text="Swimming?", position=1)
    client.force_login(cast["owner"])
    url = reverse("children:overview", args=[child.uuid])
    page = client.get(url).content.decode()
    assert (
        "Late: Renew Medicaid" in page and "Seizure check" in page and "1 question to ask" in page
    )
    client.post(
        reverse("coordination:task-status", args=[child.uuid, task.uuid]), {"status": "done"}
    )
    assert "Late: Renew Medicaid" not in client.get(url).content.decode()
