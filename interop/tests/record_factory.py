"""A child record with one of everything the FHIR mapping supports, every field filled."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import Practice
from children.models import CareTeamMember, Child, Guardianship
from coordination.models import CarePlan, Goal, Referral, Task, Visit
from records.models import (
    Allergy,
    Condition,
    Coverage,
    Document,
    Equipment,
    Immunization,
    Measurement,
    Medication,
)

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def full_record(child: Child, owner: Any) -> dict[str, Any]:
    """Rows of every exported type on ``child``, keyed by a short name."""
    today = timezone.localdate()
    child.preferred_name, child.language, child.sex = "Mimi", "Spanish", "female"
    child.save()
    practice = Practice.objects.create(
        name="Harbor Clinic",
        address="1 Harbor Street\nSpringfield",
        phone="555-100-2000",
        after_hours_phone="555-100-2999",
        nurse_line="555-100-2888",
        website="https://harbor.example.org/",
    )
    doctor = CareTeamMember.objects.create(
        child=child,
        name="Dr. Kwame Mensah",
        role="specialist",
        specialty="Neurology",
        organization="Harbor Clinic",
        practice=practice,
        phone="555-410-2200",
        after_hours_phone="555-410-2000",
        email="mensah@example.org",
        fax="555-410-2201",
        notes="Answers messages on Fridays.",
        is_medical_home_lead=True,
    )
    guardian = Guardianship.objects.get(child=child, user=owner)
    document = Document(
        child=child,
        title="Neurology report",
        kind="report",
        dated=today - timedelta(days=10),
        original_name="report.pdf",
        content_type="application/pdf",
        size=len(PDF),
        notes="EEG results inside.",
    )
    document.file.save("report.pdf", ContentFile(PDF), save=False)
    document.save()
    done = Visit.objects.create(
        child=child,
        team_member=doctor,
        starts_at=timezone.now() - timedelta(days=30),
        place="Children's Hospital, 3rd floor",
        purpose="Seizure follow-up",
        status="done",
        summary="Fewer seizures. Keep the dose.",
        interpreter_needed=True,
        extra_time_needed=True,
        extra_time_reason="Many questions.",
    )
    coming = Visit.objects.create(
        child=child,
        team_member=doctor,
        starts_at=timezone.now() + timedelta(days=9),
        place="Children's Hospital",
        purpose="EEG results",
    )
    plan = CarePlan.objects.create(
        child=child,
        strengths="Loves music.",
        priorities="Sleep through the night.",
        what_matters="Grandmother speaks Spanish only.",
        review_on=today + timedelta(days=90),
    )
    goal = Goal.objects.create(
        child=child,
        plan=plan,
        text="Walk 10 steps with a walker",
        term="long",
        domain="medical",
        measure="10 steps, 3 times a week",
        target_on=today + timedelta(days=200),
    )
    rows: dict[str, Any] = {
        "practice": practice,
        "doctor": doctor,
        "document": document,
        "visit_done": done,
        "visit_coming": coming,
        "plan": plan,
        "goal": goal,
        "goal_met": Goal.objects.create(
            child=child, plan=plan, text="Sleep in own bed", status="met", domain="family"
        ),
        "condition": Condition.objects.create(
            child=child,
            name="Focal epilepsy",
            plain_words="Seizures that start in one part of the brain.",
            code="G40.109",
            diagnosed_on=date(2019, 5, 1),
            notes="Worse with fever.",
        ),
        "condition_snomed": Condition.objects.create(
            child=child, name="Pneumonia", status="resolved", code="233604007"
        ),
        "condition_other": Condition.objects.create(
            child=child,
            name="Asthma",
            code="493.90",
            code_system="http://hl7.org/fhir/sid/icd-9-cm",
        ),
        "medication": Medication.objects.create(
            child=child,
            name="Levetiracetam (Keppra)",
            code="1099870",
            dose="500 mg",
            schedule="twice a day, 8am and 8pm",
            route="G-tube",
            reason="seizures",
            prescriber=doctor,
            started_on=date(2022, 1, 10),
            pharmacy="Harbor Pharmacy",
            notes="Give with food.",
        ),
        "medication_prn": Medication.objects.create(
            child=child,
            name="Diazepam nasal spray",
            dose="10 mg",
            schedule="if a seizure lasts more than 5 minutes",
            route="nose",
            status="as_needed",
        ),
        "medication_stopped": Medication.objects.create(
            child=child,
            name="Amoxicillin",
            dose="400 mg",
            schedule="twice a day for 10 days",
            status="stopped",
            started_on=date(2023, 1, 1),
            stopped_on=date(2023, 1, 11),
        ),
        "allergy": Allergy.objects.create(
            child=child,
            substance="Latex",
            category="environment",
            reaction="Swelling and trouble breathing",
            severity=Allergy.Severity.SEVERE,
            what_to_do="Call 911.",
            code="300916003",
        ),
        "allergy_mild": Allergy.objects.create(
            child=child, substance="Adhesive tape", severity=Allergy.Severity.MILD
        ),
        "allergy_unknown": Allergy.objects.create(child=child, substance="Cats"),
        "immunization": Immunization.objects.create(
            child=child,
            vaccine="Influenza (flu)",
            code="150",
            given_on=today - timedelta(days=30),
            dose_number=2,
            given_by="Harbor Pharmacy",
            given_elsewhere=True,
            pcp_told=False,
            notes="Left arm.",
        ),
        "weight": Measurement.objects.create(
            child=child, kind="weight", value=Decimal("20.50"), unit="kg", measured_on=today
        ),
        "temperature": Measurement.objects.create(
            child=child, kind="temperature", value=Decimal("38.2"), unit="°C", measured_on=today
        ),
        "oxygen": Measurement.objects.create(
            child=child, kind="oxygen", value=97, unit="%", measured_on=today
        ),
        "seizures": Measurement.objects.create(
            child=child, kind="seizures", value=3, unit="", measured_on=today, notes="with a cold"
        ),
        "coverage": Coverage.objects.create(
            child=child,
            payer="State Medicaid",
            plan_name="Healthy Kids",
            kind="primary",
            is_medicaid=True,
            member_id="HK-55120",
            group_number="G-1",
            phone="555-800-1000",
            starts_on=date(2020, 1, 1),
            renewal_on=today + timedelta(days=45),
            notes="Renewal packet comes by mail.",
        ),
        "coverage_other": Coverage.objects.create(
            child=child, payer="Waiver program", kind="other", member_id="W-1"
        ),
        "equipment": Equipment.objects.create(
            child=child,
            name="Feeding pump",
            supplier="NuMobility Supply",
            supplier_phone="555-700-8080",
            serial_number="SN-123",
            received_on=date(2023, 3, 1),
            replace_on=today + timedelta(days=20),
            notes="Spare charger in the bag.",
        ),
        "equipment_old": Equipment.objects.create(child=child, name="Old walker", in_use=False),
        "referral": Referral.objects.create(
            child=child,
            from_member=doctor,
            to_member=doctor,
            to_specialty="Orthopedics",
            reason="Hip pain in the wheelchair.",
            urgency="soon",
            prior_approval_needed=True,
            status="scheduled",
            requested_on=today - timedelta(days=40),
            sent_on=today - timedelta(days=35),
            appointment_on=today + timedelta(days=5),
        ),
        "referral_declined": Referral.objects.create(
            child=child,
            to_specialty="Sleep clinic",
            reason="Night waking.",
            status="declined",
            ended_reason="Insurance said no.",
        ),
        "task": Task.objects.create(
            child=child,
            title="Book the EEG",
            details="Call the hospital.",
            due_on=today + timedelta(days=3),
            origin="visit",
            visit=done,
            owner_guardian=guardian,
            goal=goal,
        ),
        "task_member": Task.objects.create(
            child=child,
            title="Send the letter",
            owner_member=doctor,
            status="done",
            done_at=timezone.now(),
        ),
        "task_child": Task.objects.create(
            child=child, title="Practice with the walker", owner_is_child=True, visit=coming
        ),
    }
    return rows
