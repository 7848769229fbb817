"""Maya's health: conditions, medicines, allergies, immunizations and three years of
measurements."""

from datetime import timedelta
from decimal import Decimal

from records.models import Allergy, Condition, Immunization, Measurement, Medication

from .people import Story


def add(story: Story) -> None:
    """Maya's health: conditions, medicines, allergies, immunizations and three years of"""
    maya, parent, patel, mensah, today = (
        story.maya,
        story.parent,
        story.patel,
        story.mensah,
        story.today,
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
