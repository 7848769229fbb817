"""Round trip at the mapping level: ``from_fhir(to_fhir(item))`` gives back the item's
field values (``mapping.ROUND_TRIP``) and references, for generated rows of every
supported type, and for the whole demo family exported and mapped back."""

import os
import string
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import models
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Practice, User
from children.models import CareTeamMember, Child, Guardianship
from coordination.models import CarePlan, Goal, Referral, Task, Visit
from homebase.demo import load_demo
from interop import mapping
from interop.export import export_record
from interop.mapping import field_values, from_fhir, ref_values, to_fhir
from interop.terminology import NO_KNOWN_ALLERGY
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

# Text as people type it: letters (any script), digits, punctuation, inner spaces.
_CHARS = st.characters(categories=("L", "N", "P", "Sm", "Sc"), exclude_characters="\x85")
_WORDS = st.lists(st.text(_CHARS, min_size=1, max_size=12), min_size=1, max_size=6).map(" ".join)


def line(max_size: int = 200) -> st.SearchStrategy[str]:
    return _WORDS.map(lambda s: s[:max_size].strip()).filter(bool)


def maybe(strategy: st.SearchStrategy[Any], empty: Any = "") -> st.SearchStrategy[Any]:
    return st.one_of(st.just(empty), strategy)


def paragraph() -> st.SearchStrategy[str]:
    return maybe(st.lists(line(80), min_size=1, max_size=3).map("\n".join))


DAYS = st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31))
MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)
CODES = st.text(string.ascii_uppercase + string.digits + ".-", min_size=1, max_size=12).filter(
    lambda c: c[0] not in ".-" and c[-1] not in ".-"
)
OTHER_SYSTEMS = st.sampled_from(
    ["urn:oid:1.2.36.1.2001.1005.17", "http://hl7.org/fhir/sid/icd-9-cm", "http://example.org/c"]
)
PHONES = st.from_regex(r"\A\(?[0-9]{3}\)? [0-9]{3}-[0-9]{4}\Z")
EMAILS = st.from_regex(r"\A[a-z]{1,10}\.[a-z]{1,10}@example\.org\Z")

EXAMPLES = int(os.environ.get("HOMEBASE_ROUND_TRIP_EXAMPLES", "60"))
CHILD = Child(first_name="Maya", last_name="Rivera", birth_date=date(2016, 3, 14))


def coded() -> st.SearchStrategy[tuple[str, str]]:
    """(code, code_system): none, a code whose system is implied, or another system."""
    return st.one_of(
        st.just(("", "")),
        st.tuples(CODES, st.just("")),
        st.tuples(CODES, OTHER_SYSTEMS),
    )


def members() -> st.SearchStrategy[CareTeamMember | None]:
    return maybe(st.builds(lambda n: CareTeamMember(name=n, role="pcp"), line()), None)


@st.composite
def practice(draw: Any) -> Practice:
    return Practice(
        name=draw(line()),
        address=draw(paragraph()),
        phone=draw(maybe(PHONES)),
        after_hours_phone=draw(maybe(PHONES)),
        nurse_line=draw(maybe(PHONES)),
        website=draw(maybe(st.just("https://clinic.example.org/"))),
    )


@st.composite
def child(draw: Any) -> Child:
    return Child(
        first_name=draw(line(100)),
        last_name=draw(maybe(line(100))),
        preferred_name=draw(maybe(line(100))),
        birth_date=draw(DAYS),
        sex=draw(st.sampled_from(Child.Sex.values)),
        language=draw(maybe(line(100))),
    )


@st.composite
def condition(draw: Any) -> Condition:
    code, system = draw(coded())
    return Condition(
        child=CHILD,
        name=draw(line()),
        plain_words=draw(paragraph()),
        status=draw(st.sampled_from(Condition.Status.values)),
        diagnosed_on=draw(maybe(DAYS, None)),
        code=code,
        code_system=system,
        notes=draw(paragraph()),
    )


@st.composite
def medication(draw: Any) -> Medication:
    code, system = draw(coded())
    return Medication(
        child=CHILD,
        name=draw(line()),
        code=code,
        code_system=system,
        dose=draw(line(100)),
        schedule=draw(line()),
        route=draw(maybe(line(100))),
        reason=draw(maybe(line())),
        status=draw(st.sampled_from(Medication.Status.values)),
        prescriber=draw(members()),
        started_on=draw(maybe(DAYS, None)),
        stopped_on=draw(maybe(DAYS, None)),
        pharmacy=draw(maybe(line())),
        notes=draw(paragraph()),
    )


@st.composite
def allergy(draw: Any) -> Allergy:
    # A "no known allergy" code is a statement that there is none: the importer leaves it out
    # (Hypothesis finds these codes among the constants of interop.terminology).
    code, system = draw(coded().filter(lambda coded: coded[0] not in NO_KNOWN_ALLERGY))
    return Allergy(
        child=CHILD,
        substance=draw(line()),
        code=code,
        code_system=system,
        category=draw(st.sampled_from(Allergy.Category.values)),
        reaction=draw(maybe(line())),
        severity=draw(st.sampled_from(Allergy.Severity.values)),
        what_to_do=draw(paragraph()),
    )


@st.composite
def immunization(draw: Any) -> Immunization:
    code, system = draw(coded())
    return Immunization(
        child=CHILD,
        vaccine=draw(line()),
        code=code,
        code_system=system,
        given_on=draw(DAYS),
        dose_number=draw(maybe(st.integers(1, 20), None)),
        given_by=draw(maybe(line())),
        given_elsewhere=draw(st.booleans()),
        pcp_told=draw(st.booleans()),
        notes=draw(paragraph()),
    )


@st.composite
def measurement(draw: Any) -> Measurement:
    return Measurement(
        child=CHILD,
        kind=draw(st.sampled_from(Measurement.Kind.values)),
        value=draw(st.decimals(Decimal("0"), Decimal("999999.99"), places=2)),
        unit=draw(st.sampled_from(["", "kg", "cm", "°C", "/min", "%", "lb", "mmHg"])),
        measured_on=draw(DAYS),
        notes=draw(maybe(line(300))),
    )


@st.composite
def coverage(draw: Any) -> Coverage:
    medicaid = draw(st.booleans())
    return Coverage(
        child=CHILD,
        payer=draw(line()),
        plan_name=draw(maybe(line())),
        kind=draw(st.sampled_from(Coverage.Kind.values)),
        is_medicaid=medicaid,
        member_id=draw(line(100)),
        group_number=draw(maybe(line(100))),
        phone=draw(maybe(PHONES)),
        starts_on=draw(maybe(DAYS, None)),
        renewal_on=draw(DAYS) if medicaid else draw(maybe(DAYS, None)),
        ends_on=draw(maybe(DAYS, None)),
        notes=draw(paragraph()),
    )


@st.composite
def equipment(draw: Any) -> Equipment:
    return Equipment(
        child=CHILD,
        name=draw(line()),
        supplier=draw(maybe(line())),
        supplier_phone=draw(maybe(PHONES)),
        serial_number=draw(maybe(line(100))),
        received_on=draw(maybe(DAYS, None)),
        replace_on=draw(maybe(DAYS, None)),
        in_use=draw(st.booleans()),
        notes=draw(paragraph()),
    )


@st.composite
def document(draw: Any) -> Document:
    return Document(
        child=CHILD,
        title=draw(line()),
        kind=draw(st.sampled_from(Document.Kind.values)),
        dated=draw(maybe(DAYS, None)),
        content_type=draw(st.sampled_from(["application/pdf", "image/png", "image/jpeg"])),
        notes=draw(paragraph()),
    )


@st.composite
def member(draw: Any) -> CareTeamMember:
    return CareTeamMember(
        child=CHILD,
        name=draw(line()),
        role=draw(st.sampled_from(CareTeamMember.Role.values)),
        specialty=draw(maybe(line(120))),
        organization=draw(maybe(line())),
        practice=draw(maybe(practice(), None)),
        phone=draw(maybe(PHONES)),
        after_hours_phone=draw(maybe(PHONES)),
        email=draw(maybe(EMAILS)),
        fax=draw(maybe(PHONES)),
        notes=draw(paragraph()),
        is_medical_home_lead=draw(st.booleans()),
    )


@st.composite
def visit(draw: Any) -> Visit:
    return Visit(
        child=CHILD,
        team_member=draw(members()),
        starts_at=draw(MOMENTS),
        place=draw(maybe(line())),
        purpose=draw(line()),
        interpreter_needed=draw(st.booleans()),
        extra_time_needed=draw(st.booleans()),
        extra_time_reason=draw(paragraph()),
        status=draw(st.sampled_from(Visit.Status.values)),
        summary=draw(paragraph()),
        recording_agreed=draw(st.booleans()),
    )


@st.composite
def referral(draw: Any) -> Referral:
    return Referral(
        child=CHILD,
        from_member=draw(members()),
        to_member=draw(members()),
        to_specialty=draw(line()),
        reason=draw(line(500)),
        urgency=draw(st.sampled_from(Referral.Urgency.values)),
        prior_approval_needed=draw(st.booleans()),
        status=draw(st.sampled_from(Referral.Status.values)),
        requested_on=draw(DAYS),
        sent_on=draw(maybe(DAYS, None)),
        appointment_on=draw(maybe(DAYS, None)),
        seen_on=draw(maybe(DAYS, None)),
        report_on=draw(maybe(DAYS, None)),
        ended_reason=draw(paragraph()),
    )


def _guardian() -> Guardianship:
    return Guardianship(user=User(email="mother@example.org", name="Sofía Rivera"), role="owner")


@st.composite
def task(draw: Any) -> Task:
    owner = draw(st.sampled_from(["none", "child", "member", "guardian"]))
    return Task(
        child=CHILD,
        title=draw(line(300)),
        details=draw(paragraph()),
        due_on=draw(maybe(DAYS, None)),
        status=draw(st.sampled_from(Task.Status.values)),
        origin=draw(st.sampled_from(Task.Origin.values)),
        visit=draw(maybe(visit(), None)),
        goal=draw(maybe(goal(), None)),
        owner_is_child=owner == "child",
        owner_member=CareTeamMember(name="Dr. Patel", role="pcp") if owner == "member" else None,
        owner_guardian=_guardian() if owner == "guardian" else None,
        done_at=draw(maybe(MOMENTS, None)),
    )


@st.composite
def care_plan(draw: Any) -> CarePlan:
    return CarePlan(
        child=CHILD,
        strengths=draw(paragraph()),
        priorities=draw(paragraph()),
        what_matters=draw(paragraph()),
        review_on=draw(maybe(DAYS, None)),
    )


@st.composite
def goal(draw: Any) -> Goal:
    return Goal(
        child=CHILD,
        text=draw(line(300)),
        term=draw(st.sampled_from(Goal.Term.values)),
        domain=draw(st.sampled_from(Goal.Domain.values)),
        measure=draw(maybe(line(300))),
        target_on=draw(maybe(DAYS, None)),
        status=draw(st.sampled_from(Goal.Status.values)),
    )


STRATEGIES: dict[type[models.Model], st.SearchStrategy[Any]] = {
    Child: child(),
    Condition: condition(),
    Medication: medication(),
    Allergy: allergy(),
    Immunization: immunization(),
    Measurement: measurement(),
    Coverage: coverage(),
    Equipment: equipment(),
    Document: document(),
    CareTeamMember: member(),
    Practice: practice(),
    Visit: visit(),
    Referral: referral(),
    Task: task(),
    CarePlan: care_plan(),
    Goal: goal(),
}


def _assert_round_trip(item: models.Model, validate: bool = True) -> None:
    item.uuid = item.uuid or uuid.uuid4()  # type: ignore[attr-defined]
    resource = to_fhir(item)
    if validate:
        mapping.validate(resource)
    mapped = from_fhir(resource)
    assert mapped is not None and mapped.model is type(item)
    assert mapped.fields == field_values(item), resource
    assert mapped.refs == ref_values(item), resource


def test_every_supported_model_has_a_strategy() -> None:
    assert {rule.model for rule in mapping.RULES} == set(STRATEGIES)


@pytest.mark.parametrize("model", list(STRATEGIES), ids=lambda m: m.__name__)
def test_round_trip(model: type[models.Model]) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(STRATEGIES[model])
    def check(item: models.Model) -> None:
        _assert_round_trip(item)

    check()


# The demo family -----------------------------------------------------------


def _rows_by_uuid(demo: Child) -> dict[str, models.Model]:
    rows: dict[str, models.Model] = {str(demo.uuid): demo}
    row: Any  # every model the rules name has a uuid
    for rule in mapping.RULES:
        if rule.model in (Child, Practice):
            continue
        for row in rule.model._default_manager.filter(child=demo):
            rows[str(row.uuid)] = row
    for practice in Practice.objects.filter(team_members__child=demo).distinct():
        rows[str(practice.uuid)] = practice
    return rows


def test_demo_family_round_trip(db: Any) -> None:
    demo = load_demo()
    bundle = export_record(actor="system:test", child=demo).bundle
    index = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    rows = _rows_by_uuid(demo)
    checked = set()
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "CareTeam":
            continue
        row = rows[resource["id"]]
        mapped = from_fhir(resource, index.get)
        assert mapped is not None and mapped.model is type(row)
        assert mapped.fields == field_values(row), resource["resourceType"]
        assert mapped.refs == ref_values(row), resource["resourceType"]
        checked.add(resource["id"])
    assert checked == set(rows), "every supported row of the demo is exported"
    assert len(checked) > 150
