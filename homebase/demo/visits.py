"""A visit done (with its answers and next steps) and one coming up (with the
family's questions)."""

from datetime import timedelta

from coordination.models import Task, Visit, VisitQuestion

from .people import Story


def add(story: Story) -> None:
    """A visit done (with its answers and next steps) and one coming up (with the"""
    maya, parent, mensah, today, now = (
        story.maya,
        story.parent,
        story.mensah,
        story.today,
        story.now,
    )
    mother = maya.guardianships.get(user=parent)
    jenny = maya.team.get(name="Jenny Park")
    past = Visit.objects.create(
        child=maya,
        team_member=mensah,
        starts_at=now - timedelta(days=40),
        place="Children's Hospital, 3rd floor",
        purpose="Seizure follow-up",
        status=Visit.Status.DONE,
        created_by=parent,
        summary="Seizures are less frequent. Keep Keppra at 500 mg. EEG before the next visit.",
    )
    VisitQuestion.objects.create(
        child=maya,
        visit=past,
        text="Can we lower the clobazam?",
        position=1,
        answer="Not yet. We will look again after the EEG.",
        asked_by=parent,
    )
    Task.objects.create(
        child=maya,
        title="Book the EEG",
        owner_guardian=mother,
        origin=Task.Origin.VISIT,
        visit=past,
        due_on=today - timedelta(days=5),
        created_by=parent,
    )
    Task.objects.create(
        child=maya,
        title="Send referral to orthopedics",
        owner_member=jenny,
        origin=Task.Origin.VISIT,
        visit=past,
        due_on=today + timedelta(days=5),
        created_by=parent,
    )
    Task.objects.create(
        child=maya,
        title="Update the seizure action plan at school",
        owner_guardian=mother,
        origin=Task.Origin.VISIT,
        visit=past,
        status=Task.Status.DONE,
        done_at=now - timedelta(days=20),
        created_by=parent,
    )
    upcoming = Visit.objects.create(
        child=maya,
        team_member=mensah,
        starts_at=now + timedelta(days=9),
        place="Children's Hospital, 3rd floor",
        purpose="Neurology check and EEG results",
        interpreter_needed=False,
        extra_time_needed=True,
        extra_time_reason="We have several questions about night seizures and a school form to fill in together.",
        created_by=parent,
    )
    for position, (text, youth) in enumerate(
        [
            ("Why are the seizures worse at night?", False),
            ("Can I go to swim class with my friends?", True),
            ("Can you fill in the school medicine form?", False),
        ],
        start=1,
    ):
        VisitQuestion.objects.create(
            child=maya,
            visit=upcoming,
            text=text,
            by_youth=youth,
            position=position,
            asked_by=parent,
        )
