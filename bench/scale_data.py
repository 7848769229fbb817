"""The population of `make bench-scale`: N children, one clinician and one practice seeing all.

``build(n)`` fills an empty, migrated database with ``n`` children, each with a
modest record (``PER_CHILD``), a parent who owns it, one clinician (a care
team member with a grant on every child, also staff of the practice), one
practice every child is enrolled with, and a care coordinator on the
practice's staff (for the clinic panel).

Speed: the ORM's ``bulk_create`` spends most of its time building model
instances and compiling SQL (about 6 minutes for 64,000 children on this
machine), so rows are written as plain tuples through ``Table``: ids are given
here (the tables start empty), values are converted once per field type,
SQLite gets ``executemany`` and PostgreSQL ``COPY``. Every column the model
has is written, with the model's own defaults, so the rows are what the app
would have written. Models are looked up by app label and name, which stay
the same when code moves.

Change anything here and ``data_key()`` changes, so `make bench-scale`
rebuilds its databases.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# Bump to force a rebuild when something outside this file changes what is built.
DATA_VERSION = 1
CHUNK = 4000  # children written at a time

CLINICIAN_EMAIL = "clinician@scale.homebase.test"
COORDINATOR_EMAIL = "coordinator@scale.homebase.test"
PASSWORD = "homebase-scale"  # noqa: S105 (a benchmark database)

PER_CHILD = {
    "parent (an account, owner)": 1,
    "care team members (the clinician with a grant on everything, a therapist without an account)": 2,
    "practice enrollment": 1,
    "conditions (2 active)": 3,
    "allergies": 1,
    "medicines (2 current)": 3,
    "immunizations (every 4th child: one not told to the PCP)": 2,
    "measurements": 2,
    "insurance": 1,
    "visits (1 past, 1 coming with 2 questions)": 2,
    "tasks (1 open for the clinician, 1 open for the parent, 1 done)": 3,
    "referrals": 1,
    "paperwork requests asked of the clinician (1 open, 1 done)": 2,
    "care plan with 2 goals and 1 need": 1,
    "message threads with the clinician (2 messages; the clinician has not read half)": 1,
}

FIRST = (  # noqa: SIM905
    "Maya Liam Sofia Noah Emma Mateo Olivia Lucas Ava Elijah Isabella Ethan Mia Aiden Amara "
    "Leo Zoe Jayden Chloe Diego Aaliyah Kai Nora Omar Layla Ezra Hana Yusuf Ivy Malik Priya "
    "Theo Camila Santiago Lucia Kenji Freya Tomas Ines Arjun Mei Daniel Rosa Samuel Aisha "
    "Julian Valentina Caleb Grace Rafael"
).split()
LAST = (  # noqa: SIM905
    "Rivera Nguyen Smith Garcia Johnson Patel Kim Brown Martinez Lopez Williams Chen Davis "
    "Rodriguez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White "
    "Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres "
    "Hill Flores Green Adams Nelson Baker Hall Campbell Mitchell Carter Roberts Okafor"
).split()
CONDITIONS = [
    ("Cerebral palsy", "G80.9"),
    ("Epilepsy", "G40.909"),
    ("Asthma", "J45.909"),
    ("Autism spectrum disorder", "F84.0"),
    ("Type 1 diabetes", "E10.9"),
    ("Down syndrome", "Q90.9"),
    ("Spina bifida", "Q05.9"),
    ("Congenital heart disease", "Q24.9"),
]
MEDICINES = [
    ("Levetiracetam", "250 mg", "twice a day"),
    ("Baclofen", "5 mg", "three times a day"),
    ("Fluticasone inhaler", "2 puffs", "twice a day"),
    ("Omeprazole", "10 mg", "before breakfast"),
    ("Melatonin", "3 mg", "at bedtime"),
    ("Insulin glargine", "8 units", "at night"),
]
SPECIALTIES = ["Orthopedics", "Neurology", "Gastroenterology", "Pulmonology", "Cardiology"]
REFERRAL_STATUS = ["requested", "sent", "scheduled", "seen", "closed", "sent"]
ALL_SCOPES = ",summary,health,coverage,visits,plan,school,journal,documents,messages,"
PRACTICE_SCOPES = ",summary,health,coverage,visits,plan,messages,"


def data_key() -> str:
    """Changes whenever this builder changes (the schema is checked by bench/scale.py)."""
    digest = hashlib.sha256(f"data version {DATA_VERSION}\n".encode())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:12]


class Table:
    """Rows of one model as tuples in column order, with ids given here."""

    def __init__(self, model: Any, connection: Any, now: datetime, rnd: random.Random) -> None:
        from django.db import models

        self.model, self.connection, self.rnd = model, connection, rnd
        self.fields = [f for f in model._meta.concrete_fields]
        self.rows: list[tuple[Any, ...]] = []
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
            self.last_id = cursor.fetchone()[0]
        self.ids: list[int] = []
        # Per field: the value when none is given, and how to turn a value into a parameter.
        self.defaults: dict[str, Any] = {}
        self.convert: list[Callable[[Any], Any] | None] = []
        sqlite = connection.vendor == "sqlite"
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.defaults[f.attname] = now
            elif isinstance(f, models.UUIDField):
                self.defaults[f.attname] = None  # a new one per row (``add``)
            elif f.has_default():
                self.defaults[f.attname] = f.get_default()
            else:
                self.defaults[f.attname] = None if f.null or f.primary_key else f.get_default()
            if not sqlite:
                self.convert.append(None)  # psycopg's COPY adapts Python values itself
            elif isinstance(f, models.UUIDField):
                self.convert.append(lambda v: v.hex if v is not None else None)
            elif isinstance(f, models.DateTimeField):
                self.convert.append(connection.ops.adapt_datetimefield_value)
            elif isinstance(f, models.DateField):
                self.convert.append(connection.ops.adapt_datefield_value)
            elif isinstance(f, models.DecimalField | models.JSONField):
                self.convert.append(lambda v, f=f: f.get_db_prep_save(v, connection))
            else:
                self.convert.append(None)

    def add(self, **values: Any) -> int:
        """Queue a row; returns its id. ``values`` use attribute names (``child_id``)."""
        self.last_id += 1
        row = []
        for f in self.fields:
            if f.primary_key:
                value = self.last_id
            elif f.attname in values:
                value = values[f.attname]
            elif f.name in values:  # a model instance or an id under the field's name
                value = values[f.name]
                value = getattr(value, "pk", value)
            elif self.defaults[f.attname] is None and f.get_internal_type() == "UUIDField":
                value = uuid.UUID(int=self.rnd.getrandbits(128), version=4)
            else:
                value = self.defaults[f.attname]
            row.append(value)
        self.rows.append(tuple(row))
        return self.last_id

    def flush(self) -> None:
        if not self.rows:
            return
        ops = self.connection.ops
        table = ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(ops.quote_name(f.column) for f in self.fields)
        convert = list(enumerate(self.convert))
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in self.rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.fields))
                params = [
                    tuple(row[k] if c is None or row[k] is None else c(row[k]) for k, c in convert)
                    for row in self.rows
                ]
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", params)  # noqa: S608
        self.rows = []


def _tables(connection: Any, now: datetime, rnd: random.Random) -> dict[str, Table]:
    from django.apps import apps

    names = {
        "accounts": ["User", "Practice", "PracticeStaff"],
        "children": ["Child", "Guardianship", "CareTeamMember", "PracticeEnrollment"],
        "records": ["Condition", "Allergy", "Medication", "Immunization", "Measurement"],
        "coordination": [
            "Visit",
            "VisitQuestion",
            "Task",
            "Referral",
            "PaperworkRequest",
            "CarePlan",
            "Goal",
            "Need",
            "Thread",
            "Message",
            "ThreadRead",
        ],
    }
    found = {
        name: Table(apps.get_model(app, name), connection, now, rnd)
        for app, models in names.items()
        for name in models
    }
    found["Coverage"] = Table(apps.get_model("records", "Coverage"), connection, now, rnd)
    thread = apps.get_model("coordination", "Thread")
    found["participants"] = Table(thread.participants.through, connection, now, rnd)
    return found


def build(n: int, *, seed: int = 64, log: Callable[[str], Any] = print) -> None:
    """Fill the (empty, migrated) database with ``n`` children and the people around them."""
    from django.contrib.auth.hashers import make_password
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    rnd = random.Random(seed)
    today = timezone.localdate()
    now = timezone.now()
    t = _tables(connection, now, rnd)
    # Hashed once, shared by every account.
    t["User"].defaults["password"] = make_password(PASSWORD)
    people = {
        "clinician": t["User"].add(email=CLINICIAN_EMAIL, name="Dr. Casey Morgan"),
        "coordinator": t["User"].add(email=COORDINATOR_EMAIL, name="Robin Ellis"),
    }
    practice = t["Practice"].add(
        name="Harborview Pediatrics",
        phone="(555) 300-1000",
        after_hours_phone="(555) 300-1999",
        nurse_line="(555) 300-1888",
        accepts_medicaid=True,
    )
    t["PracticeStaff"].add(practice=practice, user=people["clinician"], role="clinician")
    t["PracticeStaff"].add(practice=practice, user=people["coordinator"], role="coordinator")
    for first in range(0, n, CHUNK):
        numbers = range(first, min(n, first + CHUNK))
        for i in numbers:
            _child(t, rnd, i, people["clinician"], practice, today, now)
        with transaction.atomic():
            for table in t.values():
                table.flush()
        log(f"  {numbers[-1] + 1:>6} / {n} children")
    with transaction.atomic(), connection.cursor() as cursor:
        # PostgreSQL: the sequences continue after the ids given here.
        for sql in connection.ops.sequence_reset_sql(no_style(), [x.model for x in t.values()]):
            cursor.execute(sql)


def _days(rnd: random.Random, low: int, high: int) -> timedelta:
    return timedelta(days=rnd.randint(low, high))


def _child(
    t: dict[str, Table],
    rnd: random.Random,
    i: int,
    clinician: int,
    practice: int,
    today: date,
    now: datetime,
) -> None:
    noon = datetime.combine(today, time(12, 0), tzinfo=UTC)
    started = today - timedelta(days=800)
    parent = t["User"].add(email=f"parent{i}@scale.homebase.test", name=f"Parent {i}")
    child = t["Child"].add(
        first_name=FIRST[i % len(FIRST)],
        last_name=LAST[(i // len(FIRST)) % len(LAST)],
        birth_date=today - _days(rnd, 200, 17 * 365),
        sex=rnd.choice(["female", "male"]),
        language=rnd.choice(["English", "Spanish", "English and Spanish"]),
        what_to_know="Uses a talker. Loud rooms upset her; headphones help.",
    )
    common = {"child_id": child, "created_by_id": parent}
    guardian = t["Guardianship"].add(
        child_id=child, user_id=parent, role="owner", relationship="mother", starts_on=started
    )
    doctor = t["CareTeamMember"].add(
        name="Dr. Casey Morgan",
        role="pcp",
        organization="Harborview Pediatrics",
        practice_id=practice,
        is_medical_home_lead=True,
        user_id=clinician,
        scopes=ALL_SCOPES,
        can_write=True,
        starts_on=started,
        **common,
    )
    t["CareTeamMember"].add(
        name="Jordan Blake, PT",
        role="therapist",
        organization="Bright Steps Therapy",
        phone="(555) 410-2200",
        starts_on=started,
        **common,
    )
    t["PracticeEnrollment"].add(
        child_id=child,
        practice_id=practice,
        created_by_id=parent,
        scopes=PRACTICE_SCOPES,
        can_write=True,
        starts_on=started,
    )
    for k in range(3):
        name, code = CONDITIONS[(i + k) % len(CONDITIONS)]
        t["Condition"].add(
            name=name,
            code=code,
            status="active" if k < 2 else "resolved",
            diagnosed_on=today - _days(rnd, 30, 2000),
            **common,
        )
    t["Allergy"].add(
        substance=rnd.choice(["Latex", "Penicillin", "Peanut", "Adhesive tape"]),
        category="other",
        severity="2moderate",
        reaction="Hives",
        **common,
    )
    for k in range(3):
        name, dose, schedule = MEDICINES[(i + k) % len(MEDICINES)]
        t["Medication"].add(
            name=name,
            dose=dose,
            schedule=schedule,
            route="by mouth",
            status="current" if k < 2 else "stopped",
            prescriber_id=doctor,
            started_on=today - _days(rnd, 30, 1500),
            **common,
        )
    for k, vaccine in enumerate(("Influenza (flu)", "MMR (measles, mumps, rubella)")):
        elsewhere = k == 1 and i % 4 == 0
        t["Immunization"].add(
            vaccine=vaccine,
            given_on=today - _days(rnd, 10, 900),
            given_by="Harbor Pharmacy" if elsewhere else "Harborview Pediatrics",
            given_elsewhere=elsewhere,
            pcp_told=not elsewhere,
            **common,
        )
    for kind, unit, value in (("weight", "kg", 20), ("height", "cm", 110)):
        t["Measurement"].add(
            kind=kind,
            unit=unit,
            value=Decimal(value + rnd.randint(-5, 30)),
            measured_on=today - _days(rnd, 1, 400),
            **common,
        )
    t["Coverage"].add(
        payer="State Medicaid",
        plan_name="Healthy Kids",
        is_medicaid=True,
        member_id=f"HK-{i:06d}",
        starts_on=today - timedelta(days=700),
        renewal_on=today + _days(rnd, 5, 400),
        **common,
    )
    t["Visit"].add(
        team_member_id=doctor,
        starts_at=noon - _days(rnd, 10, 200),
        place="Harborview Pediatrics",
        purpose="Check-up",
        status="done",
        summary="Stable. Keep the same plan.",
        **common,
    )
    coming = t["Visit"].add(
        team_member_id=doctor,
        starts_at=noon + _days(rnd, 1, 90),
        place="Harborview Pediatrics",
        purpose="Seizure check",
        status="planned",
        **common,
    )
    for k, text in enumerate(("Is the dose still right?", "When is the next EEG?")):
        t["VisitQuestion"].add(
            visit_id=coming, text=text, position=k + 1, asked_by_id=parent, **common
        )
    t["Task"].add(
        title="Send the school nurse the seizure plan",
        due_on=today + _days(rnd, -30, 60),
        owner_member_id=doctor,
        **common,
    )
    t["Task"].add(
        title="Book the eye exam",
        due_on=today + _days(rnd, -30, 60),
        owner_guardian_id=guardian,
        **common,
    )
    t["Task"].add(
        title="Pick up the new braces",
        due_on=today - _days(rnd, 30, 300),
        status="done",
        done_at=now - _days(rnd, 1, 30),
        owner_guardian_id=guardian,
        **common,
    )
    status = REFERRAL_STATUS[i % len(REFERRAL_STATUS)]
    requested = today - _days(rnd, 20, 120)
    steps = REFERRAL_STATUS.index(status)
    dates: Iterator[date | None] = iter(
        requested + timedelta(days=7 * k) if k <= steps else None for k in range(1, 5)
    )
    t["Referral"].add(
        from_member_id=doctor,
        to_specialty=SPECIALTIES[i % len(SPECIALTIES)],
        reason="Worse at night; please review.",
        status=status,
        requested_on=requested,
        sent_on=next(dates),
        appointment_on=next(dates),
        seen_on=next(dates),
        report_on=next(dates),
        **common,
    )
    asked = today - _days(rnd, 5, 60)
    t["PaperworkRequest"].add(
        kind="necessity",
        title="Wheelchair letter for Medicaid",
        asked_of_id=doctor,
        requested_on=asked,
        due_on=asked + _days(rnd, 10, 40),
        status="requested" if i % 2 else "in_progress",
        started_on=None if i % 2 else asked + timedelta(days=2),
        **common,
    )
    t["PaperworkRequest"].add(
        kind="school_form",
        title="School medication form",
        asked_of_id=doctor,
        requested_on=asked - timedelta(days=100),
        due_on=asked - timedelta(days=80),
        status="completed",
        completed_on=asked - _days(rnd, 82, 99),
        **common,
    )
    plan = t["CarePlan"].add(
        strengths="Loves music.",
        priorities="Sleep; friends at school.",
        review_on=today + _days(rnd, -20, 180),
        number=1,
        **common,
    )
    t["Goal"].add(
        plan_id=plan,
        text="Walk 10 steps with a walker",
        domain="medical",
        owner_member_id=doctor,
        target_on=today + timedelta(days=90),
        **common,
    )
    t["Goal"].add(
        plan_id=plan,
        text="Sleep through the night",
        domain="family",
        owner_guardian_id=guardian,
        target_on=today + timedelta(days=90),
        **common,
    )
    t["Need"].add(
        plan_id=plan, text="Respite care once a month", supports="County program", **common
    )
    last = now - timedelta(hours=rnd.randint(1, 2000))
    thread = t["Thread"].add(
        subject="Question about the new medicine", last_message_at=last, **common
    )
    t["participants"].add(thread_id=thread, careteammember_id=doctor)
    for author, name, body, at in (
        (parent, f"Parent {i}", "Is it fine to give it with food?", last - timedelta(hours=3)),
        (clinician, "Dr. Casey Morgan", "Yes, with food is best.", last),
    ):
        t["Message"].add(
            thread_id=thread,
            author_id=author,
            author_name=name,
            body=body,
            created_at=at,
            updated_at=at,
            child_id=child,
            created_by_id=author,
        )
    t["ThreadRead"].add(child_id=child, thread_id=thread, user_id=parent, last_read_at=last)
    if i % 2:
        # Half the threads hold a message the clinician has not read (the parent's
        # question came after their last look); the other half have no read mark.
        t["ThreadRead"].add(
            child_id=child,
            thread_id=thread,
            user_id=clinician,
            last_read_at=last - timedelta(hours=4),
        )
