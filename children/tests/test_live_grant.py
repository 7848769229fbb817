"""One live-grant rule: the ORM filter, the in-memory check and the raw SQL agree."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import PracticeStaff
from children import access
from children.models import CareTeamMember, Guardianship, PracticeEnrollment, scopes_to_text

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = timedelta(days=1)
STATES = {
    "live": {},
    "starts today": {"starts_on": TODAY},
    "ends today": {"ends_on": TODAY},
    "not started": {"starts_on": TODAY + DAY},
    "ended": {"ends_on": TODAY - DAY},
    "revoked": {"revoked_at": timezone.now()},
    "revoked and ended": {"revoked_at": timezone.now(), "ends_on": TODAY - DAY},
}
LIVE = {"live", "starts today", "ends today"}


@pytest.mark.parametrize("state", sorted(STATES))
def test_the_orm_the_row_and_the_child_page_agree(cast: dict[str, Any], state: str) -> None:
    owner = cast["owner"]
    Guardianship.objects.filter(user=owner, child=cast["child"]).update(**STATES[state])
    grant = Guardianship.objects.get(user=owner, child=cast["child"])

    in_orm = Guardianship.objects.live().filter(pk=grant.pk).exists()
    _child, in_sql = access._child_and_ownership(owner, cast["child"].uuid)

    assert in_orm is (state in LIVE)
    assert grant.is_live() is in_orm
    assert in_sql is in_orm


def test_the_child_page_statement_is_compiled_from_the_rule() -> None:
    sql, constants = access._child_sql("any")
    assert "%(user)s" in sql and "%(today)s" in sql and "%(uuid)s" in sql
    assert "owner" in constants.values()
    threads, constants = access.visible_threads_sql("any")
    assert "%(user)s" in threads and "%(today)s" in threads
    assert any("messages" in str(v) for v in constants.values())


def test_home_labels_leave_out_staff_who_left_the_practice(cast: dict[str, Any]) -> None:
    coordinator, child = cast["coordinator"], cast["child"]
    how, owned = access.how_shared(coordinator, [child.pk])
    assert how == {child.pk: "staff of Sunrise Pediatrics"}
    assert owned == set()

    PracticeStaff.objects.filter(user=coordinator).update(is_active=False)
    CareTeamMember.objects.create(
        child=child,
        user=coordinator,
        name="Maria",
        role="care_coordinator",
        scopes=scopes_to_text(["summary"]),
    )
    how, _owned = access.how_shared(coordinator, [child.pk])
    assert how == {child.pk: "care coordinator"}


def test_operators_are_never_labelled_practice_staff(cast: dict[str, Any]) -> None:
    operator, child = cast["operator"], cast["child"]
    PracticeStaff.objects.create(
        practice=cast["practice"], user=operator, role=PracticeStaff.Role.ADMIN
    )
    assert PracticeEnrollment.objects.live().filter(child=child).exists()
    how, _owned = access.how_shared(operator, [child.pk])
    assert how == {}
    assert access.how_shared(cast["owner"], [child.pk]) == (
        {child.pk: "parent or guardian (full control)"},
        {child.pk},
    )


def test_family_choices_need_a_grant_and_keep_who_was_chosen(cast: dict[str, Any]) -> None:
    child = cast["child"]
    caregiver = Guardianship.objects.get(user=cast["caregiver"], child=child)
    assert caregiver in access.family_choices(cast["viewer"], child)
    assert not access.family_choices(cast["other_family"], child).exists()

    caregiver.revoked_at = timezone.now()
    caregiver.save()
    assert caregiver not in access.family_choices(cast["viewer"], child)
    assert caregiver in access.family_choices(cast["viewer"], child, keep=[caregiver])
