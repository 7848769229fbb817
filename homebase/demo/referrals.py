"""Referrals at each step of the loop, and paperwork asked of Dr. Patel."""

from datetime import timedelta

from coordination.models import PaperworkRequest, Referral

from .people import Story


def add(story: Story) -> None:
    """Referrals at each step of the loop, and paperwork asked of Dr. Patel."""
    maya, patel, mensah, parent, today = (
        story.maya,
        story.patel,
        story.mensah,
        story.parent,
        story.today,
    )
    Referral.objects.create(
        child=maya,
        from_member=patel,
        to_specialty="Orthopedics (hips and spine)",
        created_by=parent,
        reason="Hip pain when sitting in the wheelchair; check for hip displacement.",
        urgency=Referral.Urgency.SOON,
        prior_approval_needed=True,
        status=Referral.Status.SENT,
        requested_on=today - timedelta(days=40),
        sent_on=today - timedelta(days=35),
    )
    Referral.objects.create(
        child=maya,
        from_member=patel,
        to_member=maya.team.get(name="Dr. Omar Haddad"),
        created_by=parent,
        to_specialty="Gastroenterology",
        reason="Reflux worse at night; review feeding plan.",
        status=Referral.Status.SEEN,
        requested_on=today - timedelta(days=60),
        sent_on=today - timedelta(days=58),
        appointment_on=today - timedelta(days=20),
        seen_on=today - timedelta(days=20),
    )
    seizure_plan = maya.documents.get(title="Neurology visit summary")
    Referral.objects.create(
        child=maya,
        from_member=patel,
        to_member=mensah,
        to_specialty="Neurology",
        created_by=parent,
        reason="New night seizures.",
        status=Referral.Status.CLOSED,
        requested_on=today - timedelta(days=120),
        sent_on=today - timedelta(days=118),
        appointment_on=today - timedelta(days=70),
        seen_on=today - timedelta(days=70),
        report_on=today - timedelta(days=60),
        report=seizure_plan,
    )

    PaperworkRequest.objects.create(
        child=maya,
        kind=PaperworkRequest.Kind.MEDICAL_NECESSITY,
        title="Letter of medical necessity for the new wheelchair seat",
        details="Medicaid asks for it with the seating clinic's measurements.",
        asked_of=patel,
        requested_on=today - timedelta(days=12),
        due_on=today + timedelta(days=3),
        status=PaperworkRequest.Status.IN_PROGRESS,
        started_on=today - timedelta(days=4),
        created_by=parent,
    )
    PaperworkRequest.objects.create(
        child=maya,
        kind=PaperworkRequest.Kind.SCHOOL_FORM,
        title="School medicine form (Keppra at lunch)",
        asked_of=patel,
        requested_on=today - timedelta(days=45),
        started_on=today - timedelta(days=43),
        completed_on=today - timedelta(days=39),
        due_on=today - timedelta(days=35),
        status=PaperworkRequest.Status.COMPLETED,
        document=maya.documents.get(title="Photo of school health form"),
        created_by=parent,
    )
