"""The demo family: what `make run` shows a newcomer.

Maya Rivera, 10, has cerebral palsy, epilepsy, a feeding tube and asthma. Her
mother Sofía keeps the record; her father Daniel is a co-parent; Dr. Ana
Patel (PCP) sees part of it; Maria Lopez coordinates care at Sunrise
Pediatrics, Maya's medical home; a stranger sees nothing.
"""

import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from accounts.models import Practice, PracticeStaff, User
from children.audit import audit_record
from children.models import (
    ALL_SCOPES,
    CareTeamMember,
    Child,
    Guardianship,
    PracticeEnrollment,
    scopes_to_text,
)
from coordination.models import (
    AgendaItem,
    Meeting,
    Message,
    PaperworkRequest,
    Referral,
    Task,
    Thread,
    ThreadRead,
    Visit,
    VisitQuestion,
)
from records.models import (
    Allergy,
    Condition,
    Coverage,
    Document,
    Equipment,
    Immunization,
    JournalEntry,
    Measurement,
    Medication,
    Service,
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


def _user(email: str, name: str, **extra: Any) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, name=name, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _pdf(title: str) -> bytes:
    """A small, valid one-page PDF with a line of text."""
    text = title.replace("(", "[").replace(")", "]")
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 80), (220, 235, 250)).save(out, "PNG")
    return out.getvalue()


def demo_exists() -> bool:
    return User.objects.filter(email=SIGN_INS[0][0]).exists()


@transaction.atomic
def load_demo() -> Child:
    today = timezone.localdate()
    parent = _user(SIGN_INS[0][0], "Sofía Rivera", phone="(555) 201-4410", language="en")
    coparent = _user(SIGN_INS[1][0], "Daniel Rivera", phone="(555) 201-4411", language="es")
    pcp_user = _user(SIGN_INS[2][0], "Dr. Ana Patel")
    coordinator = _user(SIGN_INS[3][0], "Maria Lopez")
    _user(SIGN_INS[4][0], "Alex Stone")
    _user(SIGN_INS[5][0], "Sam Operator", is_staff=True, is_superuser=True)

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

    conditions = [
        (
            "Spastic diplegic cerebral palsy",
            "Tight muscles in both legs. Maya uses a wheelchair and walks short distances with a walker.",
            "G80.1",
            8 * 365,
        ),
        (
            "Focal epilepsy",
            "Seizures that start in one part of the brain. Most last under 2 minutes.",
            "G40.109",
            6 * 365,
        ),
        (
            "Gastrostomy tube (G-tube) feeding",
            "Maya gets most of her food and all medicines through a tube into her stomach.",
            "Z93.1",
            7 * 365,
        ),
        (
            "Asthma, moderate persistent",
            "Her airways get narrow with colds and cold air. Uses a daily inhaler.",
            "J45.40",
            5 * 365,
        ),
        (
            "Gastroesophageal reflux (GERD)",
            "Stomach contents come back up; can cause coughing and pain.",
            "K21.9",
            9 * 365,
        ),
        ("Constipation", "Hard stools because of low movement and medicines.", "K59.00", 4 * 365),
    ]
    for name, plain, code, days in conditions:
        Condition.objects.create(
            child=maya,
            name=name,
            plain_words=plain,
            code=code,
            diagnosed_on=today - timedelta(days=days),
            created_by=parent,
        )
    Condition.objects.create(
        child=maya,
        name="Pneumonia",
        status="resolved",
        code="J18.9",
        diagnosed_on=today - timedelta(days=700),
        created_by=parent,
    )

    meds = [
        (
            "Levetiracetam (Keppra)",
            "500 mg",
            "twice a day, 8am and 8pm",
            "G-tube",
            "seizures",
            mensah,
            "current",
        ),
        ("Clobazam", "5 mg", "at bedtime", "G-tube", "seizures", mensah, "current"),
        (
            "Diazepam nasal spray (Valtoco)",
            "10 mg",
            "if a seizure lasts more than 5 minutes",
            "nose",
            "rescue for long seizures",
            mensah,
            "as_needed",
        ),
        ("Baclofen", "10 mg", "three times a day", "G-tube", "muscle tightness", patel, "current"),
        (
            "Fluticasone inhaler (Flovent)",
            "2 puffs (44 mcg)",
            "twice a day with spacer",
            "inhaler",
            "asthma control",
            patel,
            "current",
        ),
        (
            "Albuterol inhaler",
            "2 puffs",
            "every 4 hours if wheezing",
            "inhaler",
            "asthma attacks",
            patel,
            "as_needed",
        ),
        ("Omeprazole", "10 mg", "once a day before breakfast", "G-tube", "reflux", None, "current"),
        (
            "Polyethylene glycol (MiraLAX)",
            "8.5 g",
            "once a day",
            "G-tube",
            "constipation",
            patel,
            "current",
        ),
        ("Glycopyrrolate", "1 mg", "twice a day", "G-tube", "drooling", None, "current"),
        ("Vitamin D", "1000 IU", "once a day", "G-tube", "bone health", patel, "current"),
        ("Cetirizine", "5 mg", "once a day in spring", "G-tube", "allergies", patel, "as_needed"),
        (
            "Amoxicillin",
            "400 mg",
            "twice a day for 10 days",
            "G-tube",
            "ear infection",
            patel,
            "stopped",
        ),
    ]
    for name, dose, schedule, route, reason, prescriber, status in meds:
        Medication.objects.create(
            child=maya,
            name=name,
            dose=dose,
            schedule=schedule,
            route=route,
            reason=reason,
            prescriber=prescriber,
            status=status,
            pharmacy="Harbor Pharmacy (555) 300-5500",
            started_on=today - timedelta(days=400),
            stopped_on=today - timedelta(days=200) if status == "stopped" else None,
            created_by=parent,
        )
    Allergy.objects.create(
        child=maya,
        substance="Latex",
        category="environment",
        severity=Allergy.Severity.SEVERE,
        reaction="Swelling and trouble breathing",
        what_to_do="Use latex-free gloves and supplies. Call 911 if she has trouble breathing.",
        created_by=parent,
    )
    Allergy.objects.create(
        child=maya,
        substance="Penicillin",
        category="medication",
        severity=Allergy.Severity.MODERATE,
        reaction="Hives all over",
        what_to_do="Tell every doctor. Do not give penicillin-type antibiotics.",
        created_by=parent,
    )
    Allergy.objects.create(
        child=maya,
        substance="Adhesive tape",
        category="other",
        severity=Allergy.Severity.MILD,
        reaction="Red skin",
        created_by=parent,
    )

    shots = [
        ("Influenza (flu)", 3 * 365 - 40, False),
        ("Influenza (flu)", 2 * 365 - 35, False),
        ("Influenza (flu)", 365 - 30, True),
        ("Influenza (flu)", 30, True),
        ("COVID-19", 2 * 365 - 20, False),
        ("COVID-19", 300, True),
        ("DTaP (diphtheria, tetanus, whooping cough)", 3 * 365 - 100, False),
        ("IPV (polio)", 3 * 365 - 100, False),
        ("MMR (measles, mumps, rubella)", 3 * 365 - 99, False),
        ("Varicella (chickenpox)", 3 * 365 - 99, False),
        ("Pneumococcal (PPSV23)", 2 * 365 - 60, False),
        ("Hepatitis A", 2 * 365 - 200, False),
    ]
    for vaccine, days_ago, elsewhere in shots:
        given = today - timedelta(days=days_ago)
        Immunization.objects.create(
            child=maya,
            vaccine=vaccine,
            given_on=given,
            given_by="Harbor Pharmacy" if elsewhere else "Sunrise Pediatrics",
            given_elsewhere=elsewhere,
            pcp_told=not (elsewhere and days_ago < 60),
            created_by=parent,
        )

    rows = []
    for month in range(36):
        on = today - timedelta(days=30 * month + 3)
        age = 10 - month / 12
        rows.append(
            Measurement(
                child=maya,
                kind="weight",
                value=Decimal(f"{18 + age * 1.4:.1f}"),
                unit="kg",
                measured_on=on,
            )
        )
        rows.append(
            Measurement(
                child=maya,
                kind="height",
                value=Decimal(f"{88 + age * 5.1:.1f}"),
                unit="cm",
                measured_on=on,
            )
        )
        rows.append(
            Measurement(
                child=maya,
                kind="seizures",
                value=Decimal(month % 4),
                unit="",
                measured_on=on,
                notes="worse with a cold" if month % 4 == 3 else "",
            )
        )
        if month % 6 == 0:
            rows.append(
                Measurement(child=maya, kind="oxygen", value=Decimal(97), unit="%", measured_on=on)
            )
    Measurement.objects.bulk_create(rows)

    Coverage.objects.create(
        child=maya,
        payer="State Medicaid (Healthy Kids)",
        plan_name="Healthy Kids Managed Care",
        kind="primary",
        is_medicaid=True,
        member_id="HK-55120-884",
        phone="(555) 800-1000",
        starts_on=today - timedelta(days=2000),
        renewal_on=today + timedelta(days=45),
        notes="Renewal packet comes by mail. Send pay stubs and proof of address.",
        created_by=parent,
    )
    Coverage.objects.create(
        child=maya,
        payer="BlueRiver Health (Daniel's job)",
        plan_name="PPO 1500",
        kind="secondary",
        member_id="BRH-2209-17",
        group_number="G-4471",
        phone="(555) 800-2000",
        starts_on=today - timedelta(days=900),
        renewal_on=today + timedelta(days=200),
        created_by=parent,
    )

    for name, supplier, replace in [
        ("Power wheelchair", "NuMobility Supply", 300),
        ("Feeding pump (Kangaroo Joey)", "NuMobility Supply", 20),
        ("Nebulizer", "Harbor Medical", 500),
        ("Ankle-foot braces (AFOs)", "Orthotics Plus", 90),
        ("Suction machine", "NuMobility Supply", 400),
    ]:
        Equipment.objects.create(
            child=maya,
            name=name,
            supplier=supplier,
            supplier_phone="(555) 700-8080",
            replace_on=today + timedelta(days=replace),
            received_on=today - timedelta(days=200),
            created_by=parent,
        )
    for name, kind, provider, freq in [
        ("Physical therapy", "pt", "Bright Steps Therapy", "twice a week"),
        ("Speech therapy", "speech", "Bright Steps Therapy", "once a week"),
        ("Occupational therapy", "ot", "Lincoln Elementary", "once a week at school"),
        ("Home nursing", "home_care", "CareFirst Home Health", "20 hours a week"),
        (
            "Medicaid ride service",
            "transport",
            "Healthy Kids Rides (555) 800-3000",
            "book 2 days ahead",
        ),
    ]:
        Service.objects.create(
            child=maya,
            name=name,
            kind=kind,
            provider=provider,
            frequency=freq,
            starts_on=today - timedelta(days=365),
            approved_until=today + timedelta(days=120),
            created_by=parent,
        )

    journal = [
        ("skill", "Used her talker to say 'I want park'", False),
        ("concern", "More seizures at night this week", True),
        ("change", "Tolerating bolus feeds better at lunch", False),
        ("concern", "Wheelchair seat too small, red marks on thighs", True),
        ("skill", "Took 10 steps with her walker at therapy", False),
        ("note", "School meeting about her IEP next month", False),
    ]
    for index, (kind, title, bring_up) in enumerate(journal * 3):
        JournalEntry.objects.create(
            child=maya,
            kind=kind,
            title=title,
            bring_up=bring_up and index < 6,
            body="",
            written_on=today - timedelta(days=index * 20 + 2),
            created_by=parent,
        )

    for title, kind, days, content, extension, mime in [
        (
            "Neurology visit summary",
            "report",
            60,
            _pdf("Neurology visit summary - Maya Rivera"),
            "pdf",
            "application/pdf",
        ),
        (
            "Seizure action plan",
            "plan",
            90,
            _pdf("Seizure action plan - Maya Rivera"),
            "pdf",
            "application/pdf",
        ),
        (
            "Medicaid renewal letter",
            "insurance",
            10,
            _pdf("Medicaid renewal notice"),
            "pdf",
            "application/pdf",
        ),
        ("Photo of school health form", "school", 30, _png(), "png", "image/png"),
    ]:
        document = Document(
            child=maya,
            title=title,
            kind=kind,
            dated=today - timedelta(days=days),
            original_name=f"{title}.{extension}",
            content_type=mime,
            size=len(content),
            created_by=parent,
        )
        document.file.save(f"{title}.{extension}", ContentFile(content), save=False)
        document.save()

    mother = maya.guardianships.get(user=parent)
    jenny = maya.team.get(name="Jenny Park")
    now = timezone.now()
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

    _demo_messages(maya, parent, patel, pcp_user, lopez, now)
    _demo_plan(maya, parent, coordinator, mother)
    _demo_meetings(maya, parent, now)

    audit_record(actor=ACTOR, verb="create", child=maya, what="demo record", target=maya)
    return maya


def _demo_plan(maya: Child, parent: User, coordinator: User, mother: Guardianship) -> None:
    """A care plan with goals of both kinds, agreed once, then changed, and a proposal waiting."""
    from coordination import services_plan as plans

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


def _demo_messages(
    maya: Child,
    parent: User,
    patel: CareTeamMember,
    pcp_user: User,
    lopez: CareTeamMember,
    now: Any,
) -> None:
    """A conversation with Dr. Patel (one reply unread) and a thank-you note to Maria."""
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


def _demo_meetings(maya: Child, parent: User, now: Any) -> None:
    """A care conference held three weeks ago, and one planned for next month."""
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
