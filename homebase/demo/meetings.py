"""Care meetings: a conference held three weeks ago and one planned for next month."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from coordination.models import AgendaItem, Meeting, Task

from .people import Story


def add(story: Story) -> None:
    """A care conference held three weeks ago, and one planned for next month."""
    maya, parent, now = story.maya, story.parent, story.now
    team = {m.name: m for m in maya.team.all()}
    mother = maya.guardianships.get(user=parent)
    held = Meeting.objects.create(
        child=maya,
        starts_at=now - timedelta(days=21),
        place_or_link="Sunrise Pediatrics, meeting room 2",
        purpose="Seating, hips and the referral to orthopedics",
        status=Meeting.Status.HELD,
        notes="The hip X-ray waits for orthopedics. Jenny follows up on the referral this week.",
        created_by=parent,
    )
    held.attendees.set([team["Dr. Ana Patel"], team["Maria Lopez"], team["Jordan Blake, PT"]])
    held.family_attendees.set([mother])
    agenda: list[tuple[str, str, dict[str, Any]]] = [
        (
            "Referral to Orthopedics (hips and spine)",
            "Sent; no appointment yet. Insurance approval is pending.",
            {"referral": maya.referrals.get(to_specialty="Orthopedics (hips and spine)")},
        ),
        (
            "Send referral to orthopedics",
            "Jenny will call the clinic.",
            {"task": maya.tasks.get(title="Send referral to orthopedics")},
        ),
        ("Wheelchair seat too small", "Seating clinic to measure her again.", {}),
    ]
    for position, (text, notes, source) in enumerate(
        agenda,
        start=1,
    ):
        AgendaItem.objects.create(
            child=maya,
            meeting=held,
            text=text,
            notes=notes,
            position=position,
            created_by=parent,
            **source,
        )
    Task.objects.create(
        child=maya,
        title="Book the seating clinic",
        owner_guardian=mother,
        origin=Task.Origin.MEETING,
        meeting=held,
        due_on=timezone.localdate() + timedelta(days=10),
        created_by=parent,
    )
    planned = Meeting.objects.create(
        child=maya,
        starts_at=now + timedelta(days=32),
        place_or_link="https://video.example/sunrise-maya",
        purpose="Plan for the new school year",
        created_by=parent,
    )
    planned.attendees.set([team["Maria Lopez"], team["Mrs. Ruth Green"], team["Priya Nair, SLP"]])
    planned.family_attendees.set([mother])
    for position, text in enumerate(
        ["Seizure plan at school", "Using her talker in class", "Rides to therapy"], start=1
    ):
        AgendaItem.objects.create(
            child=maya, meeting=planned, text=text, position=position, created_by=parent
        )
