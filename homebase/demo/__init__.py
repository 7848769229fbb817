"""The demo family: what `make run` shows a newcomer.

Maya Rivera, 10, has cerebral palsy, epilepsy, a feeding tube and asthma. Her
mother Sofía keeps the record; her father Daniel is a co-parent; Dr. Ana
Patel (PCP) sees part of it; Maria Lopez coordinates care at Sunrise
Pediatrics, Maya's medical home; a stranger sees nothing.

One module per part of the story, told in this order by ``load_demo``.
"""

from django.db import transaction

from children.audit import audit_record
from children.models import Child

from . import documents, everyday, health, meetings, messages, people, plan, referrals, visits
from .people import ACTOR, PASSWORD, SIGN_INS, demo_exists

__all__ = ["ACTOR", "PASSWORD", "SIGN_INS", "demo_exists", "load_demo"]

PARTS = (health, everyday, documents, visits, referrals, messages, plan, meetings)


@transaction.atomic
def load_demo() -> Child:
    """Load the whole story (once: ``demo_exists`` says whether it is there)."""
    story = people.family_and_team()
    for part in PARTS:
        part.add(story)
    audit_record(
        actor=ACTOR, verb="create", child=story.maya, what="demo record", target=story.maya
    )
    return story.maya
