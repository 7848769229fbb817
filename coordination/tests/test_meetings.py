from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from children.models import AccessEvent, CareTeamMember, Guardianship
from coordination.models import AgendaItem, CarePlan, Goal, Meeting, Referral, Task


def make_meeting(child, days=7, **extra):
    return Meeting.objects.create(
        child=child,
        starts_at=timezone.now() + timedelta(days=days),
        purpose=extra.pop("purpose", "School year plan"),
        **extra,
    )


def agenda_url(meeting):
    return reverse("coordination:meeting-agenda", args=[meeting.child.uuid, meeting.uuid])


def record_url(meeting):
    return reverse("coordination:meeting-record", args=[meeting.child.uuid, meeting.uuid])


def detail_url(meeting):
    return reverse("coordination:meeting-detail", args=[meeting.child.uuid, meeting.uuid])


def test_family_plans_a_meeting_with_the_team_and_keeps_attendees_on_edit(client, cast):
    child = cast["child"]
    doctor = CareTeamMember.objects.get(user=cast["editor"])
    mother = Guardianship.objects.get(user=cast["owner"])
    client.force_login(cast["owner"])
    when = (timezone.localtime() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    data = {
        "purpose": "Plan for the new school year",
        "starts_at": when,
        "place_or_link": "https://video.example/room",
        "attendees": [doctor.pk],
        "family_attendees": [mother.pk],
        "status": "planned",
    }
    response = client.post(reverse("coordination:meetings-create", args=[child.uuid]), data)
    assert response.status_code == 302
    meeting = child.meetings.get()
    assert list(meeting.attendees.all()) == [doctor]
    assert list(meeting.family_attendees.all()) == [mother]
    page = client.get(detail_url(meeting)).content.decode()
    assert "Dr. Editor" in page and "Owner" in page and "https://video.example/room" in page

    data.update(purpose="Plan for school", version=meeting.version)
    url = reverse("coordination:meetings-update", args=[child.uuid, meeting.uuid])
    assert client.post(url, data).status_code == 302
    meeting.refresh_from_db()
    assert meeting.purpose == "Plan for school" and list(meeting.attendees.all()) == [doctor]


def test_attendee_from_another_childs_team_is_refused(client, cast):
    child = cast["child"]
    stranger = CareTeamMember.objects.create(child=cast["other_child"], name="Dr. Else", role="pcp")
    client.force_login(cast["owner"])
    response = client.post(
        reverse("coordination:meetings-create", args=[child.uuid]),
        {
            "purpose": "x",
            "starts_at": (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "attendees": [stranger.pk],
            "status": "planned",
        },
    )
    assert response.status_code == 200
    assert not Meeting.objects.exists()


def test_list_shows_upcoming_first_then_past(client, cast):
    child = cast["child"]
    make_meeting(child, days=-30, purpose="Long ago", status="held")
    make_meeting(child, days=-2, purpose="Last week", status="held")
    make_meeting(child, days=20, purpose="Later")
    make_meeting(child, days=3, purpose="Soon")
    assert [m.purpose for m in child.meetings.all()] == ["Soon", "Later", "Last week", "Long ago"]
    client.force_login(cast["viewer"])
    page = client.get(reverse("coordination:meetings-list", args=[child.uuid])).content.decode()
    positions = [page.index(p) for p in ("Soon", "Later", "Last week", "Long ago")]
    assert positions == sorted(positions)


def _plan_items(child):
    task = Task.objects.create(child=child, title="Book the EEG")
    Task.objects.create(child=child, title="Old task", status=Task.Status.DONE)
    referral = Referral.objects.create(child=child, to_specialty="Orthopedics", reason="Hip")
    Referral.objects.create(
        child=child, to_specialty="Closed one", reason="x", status=Referral.Status.CLOSED
    )
    plan = CarePlan.objects.create(child=child)
    goal = Goal.objects.create(child=child, plan=plan, text="Walk 10 steps with a walker")
    Goal.objects.create(child=child, plan=plan, text="Old goal", status=Goal.Status.MET)
    return task, referral, goal


def test_agenda_is_drawn_from_open_tasks_referrals_and_active_goals(client, cast):
    child = cast["child"]
    task, referral, goal = _plan_items(child)
    meeting = make_meeting(child)
    client.force_login(cast["editor"])
    form = client.get(agenda_url(meeting)).content.decode()
    assert "Book the EEG" in form and "Orthopedics" in form and "Walk 10 steps" in form
    assert "Old task" not in form and "Closed one" not in form and "Old goal" not in form
    response = client.post(
        agenda_url(meeting),
        {
            "version": meeting.version,
            "task": [task.pk],
            "referral": [referral.pk],
            "goal": [goal.pk],
            "extra": "Respite hours\n\n  Summer camp  ",
        },
    )
    assert response.status_code == 302
    agenda = list(meeting.agenda.all())
    assert [i.text for i in agenda] == [
        "Book the EEG",
        "Referral to Orthopedics",
        "Goal: Walk 10 steps with a walker",
        "Respite hours",
        "Summer camp",
    ]
    assert (agenda[0].task, agenda[1].referral, agenda[2].goal) == (task, referral, goal)

    # Move the last item up, then untick the referral.
    last = agenda[-1]
    client.post(
        reverse("coordination:meeting-agenda-move", args=[child.uuid, meeting.uuid, last.uuid]),
        {"direction": "up"},
    )
    assert [i.text for i in meeting.agenda.all()][-2:] == ["Summer camp", "Respite hours"]
    meeting.refresh_from_db()
    client.post(
        agenda_url(meeting), {"version": meeting.version, "task": [task.pk], "goal": [goal.pk]}
    )
    assert not meeting.agenda.filter(referral=referral).exists()
    assert meeting.agenda.count() == 4
    page = client.get(detail_url(meeting)).content.decode()
    assert page.index("Book the EEG") < page.index("Summer camp") < page.index("Respite hours")


def test_agenda_refuses_another_childs_task(client, cast):
    child = cast["child"]
    theirs = Task.objects.create(child=cast["other_child"], title="Their task")
    meeting = make_meeting(child)
    client.force_login(cast["owner"])
    response = client.post(agenda_url(meeting), {"version": meeting.version, "task": [theirs.pk]})
    assert response.status_code == 200
    assert not AgendaItem.objects.exists()


def test_a_task_done_since_stays_on_the_agenda(client, cast):
    child = cast["child"]
    task, _referral, _goal = _plan_items(child)
    meeting = make_meeting(child)
    client.force_login(cast["owner"])
    client.post(agenda_url(meeting), {"version": meeting.version, "task": [task.pk]})
    Task.objects.filter(pk=task.pk).update(status=Task.Status.DONE)
    meeting.refresh_from_db()
    client.post(agenda_url(meeting), {"version": meeting.version, "extra": "More"})
    assert [i.text for i in meeting.agenda.all()] == ["Book the EEG", "More"]


def test_stale_agenda_form_is_refused_and_keeps_the_text(client, cast):
    child = cast["child"]
    meeting = make_meeting(child)
    client.force_login(cast["owner"])
    stale = meeting.version
    client.post(agenda_url(meeting), {"version": stale, "extra": "First"})
    response = client.post(agenda_url(meeting), {"version": stale, "extra": "Second item"})
    page = response.content.decode()
    assert "Someone else changed this meeting" in page and "Second item" in page
    assert [i.text for i in meeting.agenda.all()] == ["First"]


def test_recording_the_meeting_saves_notes_and_creates_tasks(client, cast):
    child = cast["child"]
    task, referral, goal = _plan_items(child)
    meeting = make_meeting(child, days=-1)
    client.force_login(cast["owner"])
    client.post(
        agenda_url(meeting),
        {
            "version": meeting.version,
            "task": [task.pk],
            "referral": [referral.pk],
            "goal": [goal.pk],
        },
    )
    meeting.refresh_from_db()
    items = list(meeting.agenda.all())
    mother = Guardianship.objects.get(user=cast["owner"])
    due = timezone.localdate() + timedelta(days=14)
    response = client.post(
        record_url(meeting),
        {
            "version": meeting.version,
            "notes": "Everyone agrees on the seating plan.",
            f"note-{items[0].uuid}": "EEG booked for March.",
            f"note-{items[2].uuid}": "Eight steps now.",
            "step-TOTAL_FORMS": "2",
            "step-INITIAL_FORMS": "0",
            "step-0-title": "Call the seating clinic",
            "step-0-owner": f"g:{mother.uuid}",
            "step-0-due_on": due.isoformat(),
            "step-1-title": "",
        },
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.status, meeting.notes) == ("held", "Everyone agrees on the seating plan.")
    assert [i.notes for i in meeting.agenda.all()] == [
        "EEG booked for March.",
        "",
        "Eight steps now.",
    ]
    made = Task.objects.get(title="Call the seating clinic")
    assert (made.origin, made.meeting, made.owner_guardian, made.due_on) == (
        "meeting",
        meeting,
        mother,
        due,
    )
    page = client.get(detail_url(meeting)).content.decode()
    assert "Call the seating clinic" in page and "Eight steps now." in page
    tasks = client.get(reverse("coordination:tasks-list", args=[child.uuid])).content.decode()
    assert "Call the seating clinic" in tasks


def test_stale_record_form_is_refused_and_keeps_the_text(client, cast):
    child = cast["child"]
    meeting = make_meeting(child)
    client.force_login(cast["owner"])
    form = {
        "version": meeting.version,
        "notes": "mine",
        "step-TOTAL_FORMS": "0",
        "step-INITIAL_FORMS": "0",
    }
    assert client.post(record_url(meeting), form).status_code == 302
    second = client.post(record_url(meeting), {**form, "notes": "theirs"})
    page = second.content.decode()
    assert "Someone else changed this meeting" in page and "theirs" in page
    meeting.refresh_from_db()
    assert meeting.notes == "mine"
    assert not Task.objects.exists()


def test_agenda_item_of_another_meeting_cannot_be_moved_through_this_one(client, cast):
    child = cast["child"]
    meeting, other = make_meeting(child), make_meeting(child)
    item = AgendaItem.objects.create(child=child, meeting=other, text="x", position=1)
    client.force_login(cast["owner"])
    response = client.post(
        reverse("coordination:meeting-agenda-delete", args=[child.uuid, meeting.uuid, item.uuid])
    )
    assert response.status_code == 403
    assert AgendaItem.objects.filter(pk=item.pk).exists()


def test_detail_read_is_logged(client, cast):
    meeting = make_meeting(cast["child"])
    client.force_login(cast["viewer"])
    before = AccessEvent.objects.count()
    assert client.get(detail_url(meeting)).status_code == 200
    assert AccessEvent.objects.count() == before + 1


def test_team_member_without_plan_does_not_see_meetings(client, cast):
    meeting = make_meeting(cast["child"])
    client.force_login(cast["team_other"])
    assert client.get(detail_url(meeting)).status_code == 404
    assert (
        client.get(reverse("coordination:meetings-list", args=[cast["child"].uuid])).status_code
        == 404
    )


@pytest.mark.parametrize("name", ["meeting-agenda", "meeting-record"])
def test_read_only_viewer_cannot_change_a_meeting(client, cast, name):
    child = cast["child"]
    meeting = make_meeting(child)
    item = AgendaItem.objects.create(child=child, meeting=meeting, text="x", position=1)
    client.force_login(cast["viewer"])
    assert client.get(detail_url(meeting)).status_code == 200
    url = reverse(f"coordination:{name}", args=[child.uuid, meeting.uuid])
    assert client.get(url).status_code == 403
    assert client.post(url, {"version": meeting.version, "notes": "x"}).status_code == 403
    move = reverse("coordination:meeting-agenda-move", args=[child.uuid, meeting.uuid, item.uuid])
    assert client.post(move, {"direction": "up"}).status_code == 403
    meeting.refresh_from_db()
    assert meeting.notes == "" and meeting.status == "planned"
