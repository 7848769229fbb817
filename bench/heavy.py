"""Child records of a chosen size, for `make bench` and the query-count tests.

``build_heavy_record(owner)`` is ten years of a child with complex needs: about
60 conditions (8 still active), 400 medicine entries (12 still given), 150
immunizations (4 given elsewhere and not yet told to the main doctor), 2,000
measurements, 1,000 journal entries, 200 documents, 15 people on the team (the
medical home lead at a practice with after-hours and nurse lines), 3 insurances
(Medicaid to renew in 30 days), 10 pieces of equipment and 10 services.

``build_small_record(owner)`` has one or two of each, the same shape.

Rows are written with ``bulk_create``; documents are metadata only (their
``file`` names a path that does not exist, which no overview touches). The
child is created through ``children.services.child_create``, so ``owner``
gets the same owner ``Guardianship`` (and audit row) as in the app.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Practice
from children import services
from children.models import CareTeamMember, Child, PracticeEnrollment, scopes_to_text
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
    document_path,
)

MEDICAID_RENEWAL_DAYS = 30
PRACTICE_AFTER_HOURS = "(555) 300-1999"
PRACTICE_NURSE_LINE = "(555) 300-1888"
MEDICAID_PAYER = "State Medicaid (Healthy Kids)"


@dataclass(frozen=True)
class Size:
    conditions: int
    active_conditions: int
    medications: int
    current_medications: int
    immunizations: int
    not_told: int
    measurements: int
    journal: int
    documents: int
    team: int
    coverages: int
    equipment: int
    services: int
    allergies: int


HEAVY = Size(
    conditions=60,
    active_conditions=8,
    medications=400,
    current_medications=12,
    immunizations=150,
    not_told=4,
    measurements=2000,
    journal=1000,
    documents=200,
    team=15,
    coverages=3,
    equipment=10,
    services=10,
    allergies=5,
)
SMALL = Size(
    conditions=2,
    active_conditions=1,
    medications=2,
    current_medications=1,
    immunizations=2,
    not_told=1,
    measurements=2,
    journal=2,
    documents=2,
    team=2,
    coverages=2,
    equipment=2,
    services=2,
    allergies=2,
)

ACTIVE_CONDITIONS = [
    (
        "Spastic quadriplegic cerebral palsy",
        "G80.0",
        "Tight muscles in arms and legs; uses a wheelchair.",
    ),
    ("Focal epilepsy", "G40.109", "Seizures that start in one part of the brain."),
    (
        "Gastrostomy tube (G-tube) feeding",
        "Z93.1",
        "Food and medicines go through a tube into the stomach.",
    ),
    ("Asthma, moderate persistent", "J45.40", "Airways narrow with colds and cold air."),
    ("Gastroesophageal reflux (GERD)", "K21.9", "Stomach contents come back up."),
    ("Chronic constipation", "K59.09", "Hard stools from low movement and medicines."),
    ("Neuromuscular scoliosis", "M41.40", "The spine curves; checked every six months."),
    ("Cortical visual impairment", "H47.619", "Sees best with high-contrast, uncluttered things."),
]
RESOLVED_CONDITIONS = [
    ("Acute otitis media (ear infection)", "H66.90"),
    ("Pneumonia", "J18.9"),
    ("Bronchiolitis (RSV)", "J21.0"),
    ("Viral gastroenteritis", "A08.4"),
    ("Urinary tract infection", "N39.0"),
    ("Aspiration pneumonia", "J69.0"),
    ("Hip subluxation after surgery", "M24.451"),
    ("Dehydration", "E86.0"),
    ("Influenza", "J11.1"),
    ("Strep throat", "J02.0"),
    ("Conjunctivitis", "H10.9"),
    ("G-tube site granulation tissue", "L92.9"),
    ("Status epilepticus", "G40.901"),
    ("Eczema flare", "L30.9"),
    ("Fractured femur (low bone density)", "S72.90XA"),
]
MEDICINES = [
    ("Levetiracetam", "500 mg", "twice a day", "G-tube", "seizures"),
    ("Clobazam", "5 mg", "at bedtime", "G-tube", "seizures"),
    ("Baclofen", "10 mg", "three times a day", "G-tube", "muscle tightness"),
    (
        "Fluticasone inhaler",
        "2 puffs (44 mcg)",
        "twice a day with spacer",
        "inhaler",
        "asthma control",
    ),
    ("Omeprazole", "10 mg", "before breakfast", "G-tube", "reflux"),
    ("Polyethylene glycol (MiraLAX)", "8.5 g", "once a day", "G-tube", "constipation"),
    ("Glycopyrrolate", "1 mg", "twice a day", "G-tube", "drooling"),
    ("Vitamin D", "1000 IU", "once a day", "G-tube", "bone health"),
    ("Melatonin", "3 mg", "at bedtime", "G-tube", "sleep"),
    ("Diazepam nasal spray", "10 mg", "if a seizure lasts over 5 minutes", "nose", "rescue"),
    ("Albuterol inhaler", "2 puffs", "every 4 hours if wheezing", "inhaler", "asthma attacks"),
    ("Ondansetron", "4 mg", "every 8 hours if vomiting", "G-tube", "nausea"),
]
STOPPED_MEDICINES = [
    ("Amoxicillin", "400 mg", "twice a day for 10 days", "G-tube", "ear infection"),
    ("Cefdinir", "125 mg", "twice a day for 10 days", "G-tube", "pneumonia"),
    ("Prednisolone", "15 mg", "once a day for 5 days", "G-tube", "asthma flare"),
    ("Oxcarbazepine", "150 mg", "twice a day", "G-tube", "seizures"),
    ("Lansoprazole", "15 mg", "once a day", "G-tube", "reflux"),
    ("Trihexyphenidyl", "1 mg", "three times a day", "G-tube", "dystonia"),
    ("Azithromycin", "100 mg", "once a day for 5 days", "G-tube", "chest infection"),
    ("Ibuprofen", "150 mg", "every 6 hours for pain", "G-tube", "after surgery"),
]
VACCINES = [
    "Influenza (flu)",
    "COVID-19",
    "DTaP (diphtheria, tetanus, whooping cough)",
    "IPV (polio)",
    "MMR (measles, mumps, rubella)",
    "Varicella (chickenpox)",
    "Pneumococcal (PCV20)",
    "Pneumococcal (PPSV23)",
    "Hepatitis A",
    "Hepatitis B",
    "Hib",
    "Rotavirus",
    "Meningococcal (MenACWY)",
    "HPV",
    "RSV (nirsevimab)",
]
TEAM = [
    ("Dr. Kwame Mensah", "specialist", "Neurology", "Children's Hospital Neurology Clinic"),
    ("Dr. Lisa Chen", "specialist", "Pulmonology", "Children's Hospital"),
    ("Dr. Omar Haddad", "specialist", "Gastroenterology", "Children's Hospital"),
    ("Dr. Helen Ortiz", "specialist", "Orthopedics", "Children's Hospital"),
    ("Dr. Sam Whitaker", "specialist", "Ophthalmology", "Eye Associates"),
    ("Jordan Blake, PT", "therapist", "Physical therapy", "Bright Steps Therapy"),
    ("Priya Nair, SLP", "therapist", "Speech therapy", "Bright Steps Therapy"),
    ("Chris Young, OT", "therapist", "Occupational therapy", "Bright Steps Therapy"),
    ("Maria Lopez", "care_coordinator", "", "Sunrise Pediatrics"),
    ("Jenny Park", "referral", "", "Sunrise Pediatrics"),
    ("Mrs. Ruth Green", "school_nurse", "", "Lincoln Elementary"),
    ("Dana Fox", "social_worker", "", "Children's Hospital"),
    ("NuMobility Supply", "equipment", "", "NuMobility"),
    ("Ana Ruiz", "parent_mentor", "", "Family Voices"),
]
EQUIPMENT = [
    "Power wheelchair",
    "Feeding pump",
    "Nebulizer",
    "Ankle-foot braces (AFOs)",
    "Suction machine",
    "Pulse oximeter",
    "Bath chair",
    "Stander",
    "Manual wheelchair (old)",
    "Car seat (outgrown)",
]
SERVICES = [
    ("Physical therapy", "pt"),
    ("Speech therapy", "speech"),
    ("Occupational therapy", "ot"),
    ("Home nursing", "home_care"),
    ("Medicaid ride service", "transport"),
    ("Respite care", "respite"),
    ("Feeding therapy", "feeding"),
    ("Early intervention", "early_intervention"),
    ("Adaptive swim", "community"),
    ("Behavior therapy", "behavior"),
]
MEASURE_KINDS = ["weight", "height", "head", "temperature", "heart_rate", "oxygen", "seizures"]
JOURNAL_KINDS = ["skill", "concern", "change", "note"]
DOC_KINDS = ["report", "lab", "imaging", "letter", "school", "insurance", "plan", "other"]


def _measure(kind: str, age_years: float, rnd: random.Random) -> tuple[Decimal, str]:
    value = {
        "weight": 3.5 + age_years * 2.2,
        "height": 50 + age_years * 6.5,
        "head": 35 + min(age_years, 6) * 2.5,
        "temperature": rnd.uniform(36.2, 39.5),
        "heart_rate": rnd.uniform(70, 140),
        "oxygen": rnd.uniform(90, 100),
        "seizures": rnd.randint(0, 6),
    }[kind]
    unit = Measurement.UNITS[kind][0]
    return Decimal(f"{value:.2f}"), unit


@transaction.atomic
def build_record(owner: Any, size: Size, *, first_name: str = "Maya", seed: int = 10) -> Child:
    """A child owned by ``owner`` with ``size`` rows of each kind."""
    rnd = random.Random(seed)
    today = timezone.localdate()
    born = (
        date(today.year - 10, 3, 14)
        if (today.month, today.day) >= (3, 14)
        else date(today.year - 11, 3, 14)
    )
    span = (today - born).days
    child = services.child_create(
        actor=owner,
        child=Child(
            first_name=first_name,
            last_name="Rivera",
            birth_date=born,
            sex=Child.Sex.FEMALE,
            language="English and Spanish",
            what_to_know="Uses a talker. Loud rooms upset her; headphones help.",
        ),
        relationship="mother",
    )

    def day(lo: int = 0, hi: int | None = None) -> date:
        """A random day between ``lo`` and ``hi`` days ago (within the child's life)."""
        return today - timedelta(days=rnd.randint(lo, span if hi is None else hi))

    def age_on(on: date) -> float:
        return (on - born).days / 365.25

    common = {"child": child, "created_by": owner}

    # The team: the medical home lead at a practice with after-hours lines.
    practice = Practice.objects.create(
        name=f"Sunrise Pediatrics ({first_name})",
        address="1200 Harbor Street\nSpringfield",
        phone="(555) 300-1000",
        after_hours_phone=PRACTICE_AFTER_HOURS,
        nurse_line=PRACTICE_NURSE_LINE,
        hours="Mon-Fri 8am-6pm, Sat 9am-noon",
        accepts_medicaid=True,
        wheelchair_accessible=True,
        created_by=owner,
    )
    PracticeEnrollment.objects.create(
        child=child,
        practice=practice,
        created_by=owner,
        scopes=scopes_to_text(["summary", "health", "coverage"]),
        can_write=True,
    )
    team = [
        CareTeamMember(
            name="Dr. Ana Patel",
            role="pcp",
            organization=practice.name,
            practice=practice,
            phone="(555) 300-1000",
            after_hours_phone=PRACTICE_AFTER_HOURS,
            is_medical_home_lead=True,
            **common,
        )
    ]
    for i in range(size.team - 1):
        name, role, specialty, org = TEAM[i % len(TEAM)]
        team.append(
            CareTeamMember(
                name=name,
                role=role,
                specialty=specialty,
                organization=org,
                practice=practice if org == "Sunrise Pediatrics" else None,
                phone=f"(555) 4{i:02d}-2200",
                **common,
            )
        )
    CareTeamMember.objects.bulk_create(team)
    prescribers = list(child.team.filter(role__in=["pcp", "specialist"]))

    conditions = []
    for i in range(size.conditions):
        if i < size.active_conditions:
            name, code, plain = ACTIVE_CONDITIONS[i % len(ACTIVE_CONDITIONS)]
            conditions.append(
                Condition(
                    name=name,
                    code=code,
                    plain_words=plain,
                    status="active",
                    diagnosed_on=day(365),
                    **common,
                )
            )
        else:
            name, code = RESOLVED_CONDITIONS[i % len(RESOLVED_CONDITIONS)]
            conditions.append(
                Condition(
                    name=name,
                    code=code,
                    status="resolved",
                    diagnosed_on=day(30),
                    notes="Better after treatment.",
                    **common,
                )
            )
    Condition.objects.bulk_create(conditions)

    meds = []
    for i in range(size.medications):
        if i < size.current_medications:
            name, dose, schedule, route, reason = MEDICINES[i % len(MEDICINES)]
            status = "as_needed" if "if" in schedule else "current"
            meds.append(
                Medication(
                    name=name,
                    dose=dose,
                    schedule=schedule,
                    route=route,
                    reason=reason,
                    status=status,
                    prescriber=rnd.choice(prescribers),
                    started_on=day(30, 1500),
                    pharmacy="Harbor Pharmacy (555) 300-5500",
                    **common,
                )
            )
        else:
            name, dose, schedule, route, reason = STOPPED_MEDICINES[i % len(STOPPED_MEDICINES)]
            started = day(20)
            meds.append(
                Medication(
                    name=name,
                    dose=dose,
                    schedule=schedule,
                    route=route,
                    reason=reason,
                    status="stopped",
                    prescriber=rnd.choice(prescribers),
                    started_on=started,
                    stopped_on=min(today, started + timedelta(days=rnd.randint(5, 200))),
                    **common,
                )
            )
    Medication.objects.bulk_create(meds)

    Allergy.objects.bulk_create(
        [
            Allergy(
                substance=substance,
                category=category,
                severity=severity,
                reaction=reaction,
                what_to_do=todo,
                **common,
            )
            for substance, category, severity, reaction, todo in [
                (
                    "Latex",
                    "environment",
                    Allergy.Severity.SEVERE,
                    "Swelling, trouble breathing",
                    "Latex-free gloves only. Call 911 if she has trouble breathing.",
                ),
                (
                    "Penicillin",
                    "medication",
                    Allergy.Severity.MODERATE,
                    "Hives",
                    "No penicillin-type antibiotics.",
                ),
                ("Adhesive tape", "other", Allergy.Severity.MILD, "Red skin", ""),
                (
                    "Peanut",
                    "food",
                    Allergy.Severity.SEVERE,
                    "Swelling of lips",
                    "Give the EpiPen, call 911.",
                ),
                ("Dust mites", "environment", Allergy.Severity.UNKNOWN, "Sneezing", ""),
            ][: size.allergies]
        ]
    )

    shots = []
    for i in range(size.immunizations):
        not_told = i < size.not_told
        elsewhere = not_told or i % 15 == 0
        shots.append(
            Immunization(
                vaccine=VACCINES[i % len(VACCINES)],
                given_on=day(5, 50) if not_told else day(60),
                dose_number=i // len(VACCINES) + 1,
                given_by="Harbor Pharmacy" if elsewhere else practice.name,
                given_elsewhere=elsewhere,
                pcp_told=not not_told,
                **common,
            )
        )
    Immunization.objects.bulk_create(shots)

    rows = []
    for i in range(size.measurements):
        kind = MEASURE_KINDS[i % len(MEASURE_KINDS)]
        on = day()
        value, unit = _measure(kind, age_on(on), rnd)
        rows.append(Measurement(kind=kind, value=value, unit=unit, measured_on=on, **common))
    Measurement.objects.bulk_create(rows, batch_size=500)

    JournalEntry.objects.bulk_create(
        [
            JournalEntry(
                written_on=day(),
                kind=JOURNAL_KINDS[i % 4],
                title=f"Journal entry {i + 1}",
                body="What we noticed today, and what helped. " * 4,
                bring_up=i % 97 == 0,
                **common,
            )
            for i in range(size.journal)
        ],
        batch_size=500,
    )

    docs = []
    for i in range(size.documents):
        kind = DOC_KINDS[i % len(DOC_KINDS)]
        original = f"{kind}-{i + 1}.pdf"
        doc = Document(
            title=f"{kind.title()} {i + 1}",
            kind=kind,
            dated=day(),
            original_name=original,
            content_type="application/pdf",
            size=20_000 + i,
            sha256=hashlib.sha256(original.encode()).hexdigest(),
            **common,
        )
        doc.file = document_path(doc, original)  # type: ignore[assignment]
        docs.append(doc)
    Document.objects.bulk_create(docs, batch_size=500)

    coverages = [
        Coverage(
            payer=MEDICAID_PAYER,
            plan_name="Healthy Kids Managed Care",
            kind="primary",
            is_medicaid=True,
            member_id="HK-55120-884",
            phone="(555) 800-1000",
            starts_on=today - timedelta(days=span - 30),
            renewal_on=today + timedelta(days=MEDICAID_RENEWAL_DAYS),
            **common,
        ),
        Coverage(
            payer="BlueRiver Health",
            plan_name="PPO 1500",
            kind="secondary",
            member_id="BRH-2209-17",
            group_number="G-4471",
            phone="(555) 800-2000",
            starts_on=today - timedelta(days=900),
            renewal_on=today + timedelta(days=200),
            **common,
        ),
        Coverage(
            payer="Katie Beckett waiver",
            kind="other",
            member_id="KB-1188",
            starts_on=today - timedelta(days=2000),
            renewal_on=today + timedelta(days=300),
            **common,
        ),
    ]
    Coverage.objects.bulk_create(coverages[: size.coverages])

    Equipment.objects.bulk_create(
        [
            Equipment(
                name=EQUIPMENT[i % len(EQUIPMENT)],
                supplier="NuMobility Supply",
                supplier_phone="(555) 700-8080",
                serial_number=f"SN-{1000 + i}",
                received_on=day(30, 2000),
                replace_on=today + timedelta(days=20 if i == 1 else 100 + 40 * i),
                in_use=i < 7,
                **common,
            )
            for i in range(size.equipment)
        ]
    )

    Service.objects.bulk_create(
        [
            Service(
                name=SERVICES[i % len(SERVICES)][0],
                kind=SERVICES[i % len(SERVICES)][1],
                provider="Bright Steps",
                frequency="once a week",
                starts_on=day(30, 2000),
                approved_until=today + timedelta(days=120),
                **common,
            )
            for i in range(size.services)
        ]
    )
    return child


def build_heavy_record(owner: Any) -> Child:
    """Ten years of a child with complex needs (see the module docstring)."""
    return build_record(owner, HEAVY, first_name="Maya", seed=10)


def build_small_record(owner: Any) -> Child:
    """A new record: one or two of each kind, the same shape as the heavy one."""
    return build_record(owner, SMALL, first_name="Lucia", seed=2)
