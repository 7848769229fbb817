"""Messages: a conversation with Dr. Patel and a thank-you note to Maria."""

from datetime import timedelta

from coordination.models import Message, Thread, ThreadRead

from .people import Story


def add(story: Story) -> None:
    """A conversation with Dr. Patel (one reply unread) and a thank-you note to Maria."""
    maya, parent, patel, pcp_user, lopez, now = (
        story.maya,
        story.parent,
        story.patel,
        story.pcp_user,
        story.lopez,
        story.now,
    )
    question = Thread.objects.create(
        child=maya,
        subject="Night seizures since the new dose",
        created_by=parent,
        last_message_at=now - timedelta(hours=3),
    )
    question.participants.add(patel)
    for author, name, body, ago in (
        (
            parent,
            "Sofía Rivera",
            "Maya had two short seizures at night this week, both around 3am. "
            "Should we change anything before the neurology visit?",
            timedelta(days=1),
        ),
        (
            pcp_user,
            "Dr. Ana Patel",
            "Thank you for telling me. Keep the same dose and write down the time and length "
            "of each one. If one lasts more than 5 minutes, give the rescue medicine and call 911.",
            timedelta(hours=3),
        ),
    ):
        Message.objects.create(
            child=maya,
            thread=question,
            author=author,
            author_name=name,
            body=body,
            created_by=author,
        )
        Message.objects.filter(thread=question, body=body).update(created_at=now - ago)
    ThreadRead.objects.create(
        child=maya, thread=question, user=parent, last_read_at=now - timedelta(days=1)
    )
    ThreadRead.objects.create(
        child=maya, thread=question, user=pcp_user, last_read_at=now - timedelta(hours=3)
    )
    thanks = Thread.objects.create(
        child=maya,
        subject="Thank you for the wheelchair appeal",
        kind=Thread.Kind.THANK_YOU,
        created_by=parent,
        last_message_at=now - timedelta(days=2),
    )
    thanks.participants.add(lopez)
    note = Message.objects.create(
        child=maya,
        thread=thanks,
        author=parent,
        author_name="Sofía Rivera",
        body="Maria, thank you for calling Medicaid three times about the wheelchair seat. "
        "It made a real difference for our family.",
        created_by=parent,
    )
    Message.objects.filter(pk=note.pk).update(created_at=now - timedelta(days=2))
    ThreadRead.objects.create(
        child=maya, thread=thanks, user=parent, last_read_at=now - timedelta(days=2)
    )
