"""The care plan: goals of both kinds, agreed once, then changed, and a proposal
waiting for the family."""

from datetime import timedelta

from django.utils import timezone

from coordination.models import Task
from coordination.services import plan as plans

from .people import ACTOR, Story


def add(story: Story) -> None:
    """A care plan with goals of both kinds, agreed once, then changed, and a proposal waiting."""
    maya, parent, coordinator = story.maya, story.parent, story.coordinator
    mother = maya.guardianships.get(user=parent)
    today = timezone.localdate()
    plan = plans.plan_get_or_create(actor=ACTOR, child=maya)
    plans.plan_update_about(
        actor=parent,
        plan=plan,
        version=plan.version,
        data={
            "strengths": "Maya loves music and her big sister. She is curious and determined.",
            "priorities": "Fewer seizures at night, so everyone sleeps. Maya making friends at school.",
            "what_matters": "We speak Spanish and English at home. Grandma helps after school. "
            "We decide together as parents; please call either of us.",
            "review_on": today + timedelta(days=10),
        },
    )
    goals = {}
    for text, term, domain, measure, months, owner in (
        ("No seizures at night", "short", "medical", "Seizure diary: fewer than 1 a week", 3, "g"),
        (
            "Walk 10 steps with her walker",
            "short",
            "medical",
            "Counted by the physical therapist",
            6,
            "child",
        ),
        ("Keep her hips healthy", "long", "medical", "Hip X-ray once a year", 12, ""),
        (
            "Use her talking device in class",
            "long",
            "education",
            "Teacher notes 5 uses a day",
            12,
            "child",
        ),
        ("Swim class with her friends", "short", "social", "Goes 4 times", 4, "child"),
        (
            "One evening off a month for the parents",
            "long",
            "family",
            "Respite hours used",
            12,
            "g",
        ),
    ):
        plans.goal_save(
            actor=parent,
            plan=plan,
            goal=None,
            version=None,
            data={
                "text": text,
                "term": term,
                "domain": domain,
                "measure": measure,
                "target_on": today + timedelta(days=30 * months),
                "status": "active",
                "owner": f"g:{mother.uuid}" if owner == "g" else owner,
            },
        )
        goals[text] = plan.goals.get(text=text)
    for title, goal, days in (
        ("Keep the seizure diary every night", "No seizures at night", 14),
        ("Ask the school for swim class support in the IEP", "Swim class with her friends", 21),
        (
            "Call the county about the respite waiting list",
            "One evening off a month for the parents",
            -3,
        ),
    ):
        Task.objects.create(
            child=maya,
            title=title,
            goal=goals[goal],
            origin=Task.Origin.PLAN,
            owner_guardian=mother,
            due_on=today + timedelta(days=days),
            created_by=parent,
        )
    for text, supports in (
        (
            "A break for the parents (respite)",
            "County respite program: 8 hours a month, waiting list.",
        ),
        ("Rides to therapy in the wheelchair", "Medicaid transport; book 3 days ahead."),
    ):
        plans.need_save(
            actor=parent,
            plan=plan,
            need=None,
            version=None,
            data={"text": text, "supports": supports},
        )
    plan.refresh_from_db()
    plans.plan_agree(actor=parent, plan=plan, number=plan.number)
    plans.need_save(
        actor=parent,
        plan=plan,
        need=None,
        version=None,
        data={
            "text": "Help with the talking device at home",
            "supports": "Speech therapist visits",
        },
    )
    plans.proposal_create(
        actor=coordinator,
        plan=plan,
        kind="need_add",
        data={
            "text": "Help renewing Medicaid",
            "supports": "Sunrise's care coordinator fills in the form with you.",
            "met": False,
        },
        note="The renewal is due soon; I can help with the paperwork.",
    )
