"""Years of coordination on top of a record, for `make bench` and query-count tests.

``add_coordination(child, owner, years=5)`` gives a child what five years of a
medical home leave behind: about 6 visits a month with their questions and next
steps, 2 referrals a month through every step of the loop (some stuck), a form
or letter a month, a care plan with goals of every kind, needs, actions and a
version for each change, care meetings with agendas, and message threads.
``years=0`` gives one or two of each, the same shape (the "small" record).

Rows are written with ``bulk_create``; plan versions hold real snapshots.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from children.models import Child
from coordination.models import (
    AgendaItem,
    CarePlan,
    CarePlanVersion,
    Goal,
    Meeting,
    Message,
    Need,
    PaperworkRequest,
    PlanProposal,
    Referral,
    Task,
    Thread,
    Visit,
    VisitQuestion,
)
from coordination.services import plan as services_plan

PURPOSES = ["Seizure check", "Well-child visit", "Hip review", "Feeding clinic", "Asthma check"]
SPECIALTIES = ["Orthopedics", "Neurology", "Gastroenterology", "Pulmonology", "Ophthalmology"]
DOMAINS = ["medical", "education", "social", "family", "other"]


@transaction.atomic
def add_coordination(child: Child, owner: Any, *, years: int = 5, seed: int = 5) -> None:
    rnd = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    months = max(1, years * 12)
    small = years == 0
    team = list(child.team.all())
    guardian = child.guardianships.get(user=owner)
    common = {"child": child, "created_by": owner}

    visits = []
    for i in range(2 if small else months * 6):
        days_ago = rnd.randint(-60, 30 * months)
        visits.append(
            Visit(
                team_member=rnd.choice(team),
                starts_at=now - timedelta(days=days_ago, hours=rnd.randint(0, 8)),
                place="Sunrise Pediatrics",
                purpose=PURPOSES[i % len(PURPOSES)],
                status="planned" if days_ago < 0 else "done",
                summary="" if days_ago < 0 else "Stable. Keep the same plan.",
                **common,
            )
        )
    Visit.objects.bulk_create(visits, batch_size=500)
    visits = list(child.visits.all())
    VisitQuestion.objects.bulk_create(
        [
            VisitQuestion(
                child=child,
                visit=visit,
                text=f"Question {n + 1} about {visit.purpose.lower()}",
                position=n + 1,
                answer="" if visit.status == "planned" else "Answered at the visit.",
                asked_by=owner,
            )
            for visit in visits
            for n in range(3)
        ],
        batch_size=500,
    )

    tasks = []
    for i in range(3 if small else months * 15):
        due = today - timedelta(days=rnd.randint(-30, 30 * months))
        tasks.append(
            Task(
                title=f"Next step {i + 1}",
                due_on=due,
                status="open" if due >= today - timedelta(days=20) else "done",
                origin="visit",
                visit=rnd.choice(visits),
                owner_guardian=guardian if i % 2 else None,
                owner_member=None if i % 2 else rnd.choice(team),
                **common,
            )
        )
    Task.objects.bulk_create(tasks, batch_size=500)

    referrals = []
    for i in range(2 if small else months * 2):
        requested = today - timedelta(days=rnd.randint(5, 30 * months))
        steps = rnd.randint(0, 4)
        dates = [requested + timedelta(days=7 * n) for n in range(1, 5)]
        referrals.append(
            Referral(
                from_member=team[0],
                to_specialty=SPECIALTIES[i % len(SPECIALTIES)],
                reason="Worse at night; please review.",
                status=["requested", "sent", "scheduled", "seen", "closed"][steps],
                requested_on=requested,
                sent_on=dates[0] if steps >= 1 else None,
                appointment_on=dates[1] if steps >= 2 else None,
                seen_on=dates[2] if steps >= 3 else None,
                report_on=dates[3] if steps >= 4 else None,
                **common,
            )
        )
    Referral.objects.bulk_create(referrals, batch_size=500)

    PaperworkRequest.objects.bulk_create(
        [
            PaperworkRequest(
                kind=["prior_approval", "necessity", "school_form", "equipment_order"][i % 4],
                title=f"Form {i + 1}",
                asked_of=team[0],
                requested_on=today - timedelta(days=30 * i + 20),
                due_on=today - timedelta(days=30 * i),
                status="completed" if i > 1 else "requested",
                completed_on=today - timedelta(days=30 * i + 5) if i > 1 else None,
                **common,
            )
            for i in range(2 if small else months)
        ],
        batch_size=500,
    )

    plan = CarePlan.objects.create(
        strengths="Loves music.",
        priorities="Sleep; friends at school.",
        what_matters="Two languages at home.",
        review_on=today + timedelta(days=10),
        **common,
    )
    goals = Goal.objects.bulk_create(
        [
            Goal(
                plan=plan,
                text=f"Goal {i + 1}",
                term="short" if i % 2 else "long",
                domain=DOMAINS[i % len(DOMAINS)],
                measure="Counted every month",
                target_on=today + timedelta(days=30 * (i + 1)),
                status="active" if i < 10 else "met",
                owner_guardian=guardian,
                **common,
            )
            for i in range(2 if small else 40)
        ]
    )
    Need.objects.bulk_create(
        [
            Need(plan=plan, text=f"Need {i + 1}", supports="County program", **common)
            for i in range(2 if small else 20)
        ]
    )
    goals = list(plan.goals.all())
    Task.objects.bulk_create(
        [
            Task(
                title=f"Action {i + 1}",
                goal=goals[i % len(goals)],
                origin="plan",
                owner_guardian=guardian,
                due_on=today + timedelta(days=i),
                **common,
            )
            for i in range(2 if small else 60)
        ]
    )
    snapshot = services_plan.plan_snapshot(plan)
    numbers = 2 if small else years * 12
    CarePlanVersion.objects.bulk_create(
        [
            CarePlanVersion(
                child=child,
                plan=plan,
                number=n,
                content=snapshot,
                created_by=owner,
                created_at=now - timedelta(days=30 * (numbers - n)),
            )
            for n in range(1, numbers + 1)
        ]
    )
    CarePlan.objects.filter(pk=plan.pk).update(number=numbers)
    PlanProposal.objects.bulk_create(
        [
            PlanProposal(
                plan=plan,
                kind="goal_change",
                target_uuid=goals[i].uuid,
                data={"text": f"Goal {i + 1}, changed", "status": "active"},
                note="From the last visit.",
                base_number=numbers,
                proposed_by_name="Dr. Ana Patel",
                status="open" if i < 2 else "declined",
                **common,
            )
            for i in range(2 if small else 30)
        ]
    )

    meetings = Meeting.objects.bulk_create(
        [
            Meeting(
                starts_at=now - timedelta(days=90 * i - 20),
                place_or_link="Sunrise Pediatrics",
                purpose=f"Care conference {i + 1}",
                status="held" if i else "planned",
                **common,
            )
            for i in range(1 if small else years * 4)
        ]
    )
    meetings = list(child.meetings.all())
    AgendaItem.objects.bulk_create(
        [
            AgendaItem(child=child, meeting=m, text=f"Item {n + 1}", position=n + 1)
            for m in meetings
            for n in range(4)
        ]
    )

    threads = Thread.objects.bulk_create(
        [
            Thread(
                subject=f"Question {i + 1}",
                last_message_at=now - timedelta(days=7 * i),
                **common,
            )
            for i in range(2 if small else years * 40)
        ]
    )
    threads = list(child.threads.all())
    Message.objects.bulk_create(
        [
            Message(
                child=child,
                thread=t,
                author=owner,
                author_name="Parent",
                body="Thank you for the help with the form.",
            )
            for t in threads
            for _n in range(3)
        ],
        batch_size=500,
    )
