"""The people of the story: the demo sign-ins, Maya's family, her medical home
(Sunrise Pediatrics) and everyone on her care team."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import Practice, PracticeStaff, User
from children.models import (
    ALL_SCOPES,
    CareTeamMember,
    Child,
    Guardianship,
    PracticeEnrollment,
    scopes_to_text,
)

PASSWORD = "homebase-demo"  # noqa: S105 - published demo sign-in
ACTOR = "system:load_demo"
SIGN_INS = (
    (
        "parent@demo.homebase.test",
        "Sofía Rivera, Maya's mother (owner: sees and shares everything)",
    ),
    ("coparent@demo.homebase.test", "Daniel Rivera, Maya's father (co-parent, owner)"),
    (
        "pcp@demo.homebase.test",
        "Dr. Ana Patel, pediatrician (partial grant, read only: summary, health, visits, plan; "
        "she can answer messages)",
    ),
    (
        "coordinator@demo.homebase.test",
        "Maria Lopez, care coordinator at Sunrise Pediatrics (medical home)",
    ),
    ("stranger@demo.homebase.test", "Alex Stone, another family (sees nothing of Maya)"),
    ("operator@demo.homebase.test", "Site operator (admin at /operator/; no access to children)"),
)


@dataclass(frozen=True)
class Story:
    """Who and when, for the other parts of the story."""

    today: date
    now: Any
    parent: User
    coparent: User
    pcp_user: User
    coordinator: User
    sunrise: Practice
    maya: Child
    patel: CareTeamMember
    mensah: CareTeamMember
    lopez: CareTeamMember


def user(email: str, name: str, **extra: Any) -> User:
    """A demo sign-in with a verified email address."""
    person = User.objects.create_user(email=email, password=PASSWORD, name=name, **extra)
    EmailAddress.objects.create(user=person, email=email, verified=True, primary=True)
    return person


def demo_exists() -> bool:
    return User.objects.filter(email=SIGN_INS[0][0]).exists()


def family_and_team() -> Story:
    """The sign-ins, the practice, Maya, her parents and her care team."""
    today = timezone.localdate()
    parent = user(SIGN_INS[0][0], "Sofía Rivera", phone="(555) 201-4410", language="en")
    coparent = user(SIGN_INS[1][0], "Daniel Rivera", phone="(555) 201-4411", language="es")
    pcp_user = user(SIGN_INS[2][0], "Dr. Ana Patel")
    coordinator = user(SIGN_INS[3][0], "Maria Lopez")
    user(SIGN_INS[4][0], "Alex Stone")
    user(SIGN_INS[5][0], "Sam Operator", is_staff=True, is_superuser=True)

    sunrise = Practice.objects.create(
        name="Sunrise Pediatrics",
        address="1200 Harbor Street, Suite 3\nSpringfield",
        phone="(555) 300-1000",
        after_hours_phone="(555) 300-1999",
        nurse_line="(555) 300-1888",
        hours="Mon-Fri 8am-6pm, Sat 9am-noon",
        accepts_medicaid=True,
        wheelchair_accessible=True,
        accessibility_notes="Ramp at the side door, wide exam room 4 with a changing table for older children.",
        languages="English, Spanish",
        created_by=parent,
    )
    PracticeStaff.objects.create(
        practice=sunrise, user=coordinator, role=PracticeStaff.Role.COORDINATOR
    )

    maya = Child.objects.create(
        first_name="Maya",
        last_name="Rivera",
        birth_date=date(today.year - 10, 3, 14),
        sex=Child.Sex.FEMALE,
        language="English and Spanish",
        interpreter_needed=False,
        culture_religion="Catholic family. Grandmother lives with us and speaks Spanish only.",
        what_to_know=(
            "Maya understands much more than she can say. She uses a talker (speech device) and "
            "signs 'more' and 'all done'. Loud rooms upset her; headphones help. Please talk to her, "
            "not only to us."
        ),
        effect_siblings="Her brother Leo (7) often waits in clinics; he worries when she has seizures.",
        effect_childcare="Regular daycare cannot manage the feeding tube; her grandmother helps.",
        effect_work="Sofía went part-time to manage appointments.",
        effect_sleep="Night feeds on the pump and seizures mean we are up most nights.",
        effect_money="Formula and supplies not covered by insurance cost about $150 a month.",
    )
    Guardianship.objects.create(
        child=maya,
        user=parent,
        role=Guardianship.Role.OWNER,
        relationship=Guardianship.Relationship.MOTHER,
        scopes=scopes_to_text(ALL_SCOPES),
        can_write=True,
    )
    Guardianship.objects.create(
        child=maya,
        user=coparent,
        role=Guardianship.Role.OWNER,
        relationship=Guardianship.Relationship.FATHER,
        scopes=scopes_to_text(ALL_SCOPES),
        can_write=True,
    )
    PracticeEnrollment.objects.create(
        child=maya,
        practice=sunrise,
        created_by=parent,
        scopes=scopes_to_text(["summary", "health", "coverage", "visits", "plan"]),
        can_write=True,
    )

    def member(name: str, role: str, **kw: Any) -> CareTeamMember:
        return CareTeamMember.objects.create(
            child=maya, name=name, role=role, created_by=parent, **kw
        )

    patel = member(
        "Dr. Ana Patel",
        "pcp",
        organization="Sunrise Pediatrics",
        practice=sunrise,
        phone="(555) 300-1000",
        after_hours_phone="(555) 300-1999",
        is_medical_home_lead=True,
        user=pcp_user,
        scopes=scopes_to_text(["summary", "health", "visits", "plan", "messages"]),
        can_write=False,
    )
    mensah = member(
        "Dr. Kwame Mensah",
        "specialist",
        specialty="Neurology",
        organization="Children's Hospital Neurology Clinic",
        phone="(555) 410-2200",
        after_hours_phone="(555) 410-2000",
    )
    member(
        "Dr. Lisa Chen",
        "specialist",
        specialty="Pulmonology (lungs)",
        organization="Children's Hospital",
        phone="(555) 410-3300",
    )
    member(
        "Dr. Omar Haddad",
        "specialist",
        specialty="Gastroenterology (stomach and feeding)",
        organization="Children's Hospital",
        phone="(555) 410-4400",
    )
    member(
        "Jordan Blake, PT",
        "therapist",
        specialty="Physical therapy",
        organization="Bright Steps Therapy",
        phone="(555) 520-1100",
    )
    member(
        "Priya Nair, SLP",
        "therapist",
        specialty="Speech therapy",
        organization="Bright Steps Therapy",
        phone="(555) 520-1101",
    )
    lopez = member(
        "Maria Lopez",
        "care_coordinator",
        organization="Sunrise Pediatrics",
        practice=sunrise,
        phone="(555) 300-1010",
        email="mlopez@sunrise.example",
        user=coordinator,
        scopes=scopes_to_text(["messages"]),
    )
    member(
        "Jenny Park",
        "referral",
        organization="Sunrise Pediatrics",
        practice=sunrise,
        phone="(555) 300-1020",
    )
    member(
        "Tom Baker",
        "billing",
        organization="Sunrise Pediatrics",
        practice=sunrise,
        phone="(555) 300-1030",
    )
    member(
        "Mrs. Ruth Green", "school_nurse", organization="Lincoln Elementary", phone="(555) 600-7000"
    )
    member(
        "NuMobility Supply",
        "equipment",
        phone="(555) 700-8080",
        notes="Wheelchair and feeding pump supplies.",
    )
    return Story(
        today=today,
        now=timezone.now(),
        parent=parent,
        coparent=coparent,
        pcp_user=pcp_user,
        coordinator=coordinator,
        sunrise=sunrise,
        maya=maya,
        patel=patel,
        mensah=mensah,
        lopez=lopez,
    )
