"""What keeps Maya's days going: insurance, equipment, services and the family's
journal."""

from datetime import timedelta

from records.models import Coverage, Equipment, JournalEntry, Service

from .people import Story


def add(story: Story) -> None:
    """What keeps Maya's days going: insurance, equipment, services and the family's"""
    maya, parent, today = story.maya, story.parent, story.today
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
