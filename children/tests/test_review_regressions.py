"""Regressions found by a security review: each was a real bug once."""

from datetime import date, timedelta

import pytest
from django.core.cache import caches
from django.db import connection
from django.urls import reverse

from children import access, services
from children.audit import audit_record, audit_verify
from children.models import (
    AccessEvent,
    CareTeamMember,
    Guardianship,
    PracticeEnrollment,
    scopes_to_text,
)
from conftest import make_user
from records.models import Medication


def _events(child):
    return AccessEvent.objects.filter(child=child).count()


# 1. Reads that escape the access log ------------------------------------------------


@pytest.mark.parametrize("method", ["options", "post", "head"])
@pytest.mark.parametrize(
    "name", ["children:overview", "children:profile", "records:medicines-list"]
)
def test_every_read_of_a_child_page_is_logged(client, cast, method, name):
    child = cast["child"]
    client.force_login(cast["viewer"])
    before = _events(child)
    response = getattr(client, method)(reverse(name, args=[child.uuid]))
    if response.status_code == 200 and method != "head":
        # the page body (health data) was returned ...
        assert b"Maya" in response.content
        # ... so it must have been logged
        assert _events(child) > before, f"{method.upper()} {name} read without AccessEvent"


# 2. Profile shows 'summary' data to someone with only 'journal' ------------------------


def test_journal_only_member_does_not_see_summary_fields_on_profile(client, cast):
    child = cast["child"]
    child.what_to_know = "Calms down with music SECRET_WTK"
    child.culture_religion = "Jehovah's Witness SECRET_REL"
    child.save()
    client.force_login(cast["team_other"])  # journal only
    page = client.get(reverse("children:profile", args=[child.uuid])).content.decode()
    assert "SECRET_WTK" not in page
    assert "SECRET_REL" not in page


# 3. Prescriber choices depend on `summary`, not on the child ---------------------------


def test_health_only_editor_can_save_a_medicine_that_has_a_prescriber(client, cast):
    child = cast["child"]
    nurse = make_user("nurse@example.org")
    CareTeamMember.objects.create(
        child=child,
        user=nurse,
        name="Nurse",
        role="nurse",
        scopes=scopes_to_text(["health"]),
        can_write=True,
    )
    doc = CareTeamMember.objects.get(user=cast["viewer"])
    med = Medication.objects.create(
        child=child, name="Keppra", dose="5 ml", schedule="daily", prescriber=doc
    )
    client.force_login(nurse)
    url = reverse("records:medicines-update", args=[child.uuid, med.uuid])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "name": "Keppra",
            "dose": "6 ml",
            "schedule": "twice a day",
            "status": "current",
            "prescriber": str(doc.pk),
            "version": med.version,
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]


# 4. Overview fragment stale after an enrollment is changed -----------------------------


def test_overview_fragment_changes_when_enrollment_end_date_changes(client, cast):
    child = cast["child"]
    client.force_login(cast["owner"])
    url = reverse("children:overview", args=[child.uuid])
    assert "555-300-1999" in client.get(url).content.decode()  # practice after-hours line
    enrollment = PracticeEnrollment.objects.get(child=child)
    client.post(
        reverse("children:grant-update", args=[child.uuid, "practice", enrollment.uuid]),
        {"scopes": ["summary"], "can_write": "", "ends_on": str(date.today() - timedelta(days=1))},
    )
    enrollment.refresh_from_db()
    assert not enrollment.is_live()
    cached = client.get(url).content.decode()
    caches["pages"].clear()
    fresh = client.get(url).content.decode()
    assert ("555-300-1999" in cached) == ("555-300-1999" in fresh), "served stale fragment"


# 5. Two invitations linked to one team member ------------------------------------------


def test_second_invitation_for_same_member_does_not_silently_steal_the_grant(cast):
    child, owner = cast["child"], cast["owner"]
    member = CareTeamMember.objects.create(child=child, name="Dr. Shared", role="pcp")
    inv_a, _ = services.invitation_create(
        actor=owner,
        child=child,
        email="a@example.org",
        kind="team",
        team_member=member,
        scopes=["summary"],
        can_write=False,
        grant_ends_on=None,
    )
    inv_b, _ = services.invitation_create(
        actor=owner,
        child=child,
        email="b@example.org",
        kind="team",
        team_member=member,
        scopes=["summary", "health"],
        can_write=True,
        grant_ends_on=None,
    )
    a, b = make_user("a@example.org"), make_user("b@example.org")
    services.invitation_accept(actor=a, invitation=inv_a)
    access.forget(a)
    assert access.can(a, access.RECORD_VIEW, child)
    revokes_before = AccessEvent.objects.filter(child=child, verb="revoke").count()
    try:
        services.invitation_accept(actor=b, invitation=inv_b)
    except Exception:
        return  # refused: fine
    access.forget(a)
    assert access.can(a, access.RECORD_VIEW, child), (
        "a silently lost access (revoke events: %d -> %d)"
        % (revokes_before, AccessEvent.objects.filter(child=child, verb="revoke").count())
    )


# 6. Audit: truncation is not detected ----------------------------------------------------


def _audit_table():
    return connection.ops.quote_name(AccessEvent._meta.db_table)


def test_verify_detects_whole_log_deleted(cast):
    for _ in range(3):
        audit_record(actor=cast["owner"], verb="view", child=cast["child"], what="overview")
    with connection.cursor() as c:
        c.execute(f"DELETE FROM {_audit_table()}")
    count, problem = audit_verify()
    assert problem is not None, "empty log (all rows deleted) passes verification"


def test_verify_detects_tail_deleted_together_with_head(cast):
    for _ in range(3):
        audit_record(actor=cast["owner"], verb="view", child=cast["child"], what="overview")
    last = AccessEvent.objects.order_by("-id").first()
    with connection.cursor() as c:
        c.execute(f"DELETE FROM {_audit_table()} WHERE id = %s", [last.id])
        c.execute("DELETE FROM children_audithead")
    count, problem = audit_verify()
    assert problem is not None, "tail deletion undetected once the head row is gone"


# 7. Guardian invitation with an end date can orphan the record --------------------------


def test_record_cannot_end_up_without_any_owner(cast):
    child, owner = cast["child"], cast["owner"]
    inv, _ = services.invitation_create(
        actor=owner,
        child=child,
        email="dad@example.org",
        kind="guardian",
        scopes=[],
        can_write=True,
        grant_ends_on=date.today() + timedelta(days=1),
    )
    dad = make_user("dad@example.org")
    services.invitation_accept(actor=dad, invitation=inv)
    mine = Guardianship.objects.get(child=child, user=owner)
    services.grant_revoke(actor=owner, grant=mine)  # allowed: dad is a live owner today
    in_a_week = date.today() + timedelta(days=7)
    owners = Guardianship.objects.live(on=in_a_week).filter(child=child, role="owner")
    assert owners.exists(), "record has no owner once the second guardian's end date passes"


# 8. Whoever listed a practice controls the after-hours number on other families' pages ---


def test_practice_lister_cannot_change_emergency_numbers_of_other_families(client, cast):
    child = cast["child"]
    practice = cast["practice"]
    practice.created_by = cast["other_family"]  # another parent listed this clinic
    practice.save()
    client.force_login(cast["other_family"])
    response = client.post(
        reverse("accounts:practice-update", args=[practice.uuid]),
        {"name": practice.name, "after_hours_phone": "555-666-6666", "nurse_line": "", "phone": ""},
    )
    assert response.status_code == 403
    client.force_login(cast["owner"])
    page = client.get(reverse("children:overview", args=[child.uuid])).content.decode()
    assert "555-666-6666" not in page, "another family's user rewrote Maya's after-hours line"


# 9. Concurrency guard bypassed when the version field is omitted ------------------------


def test_update_without_version_is_not_a_blind_overwrite(client, cast):
    child = cast["child"]
    med = Medication.objects.create(child=child, name="Keppra", dose="5 ml", schedule="daily")
    services.item_update(actor=cast["owner"], item=med, version=med.version)  # someone saved
    client.force_login(cast["editor"])
    response = client.post(
        reverse("records:medicines-update", args=[child.uuid, med.uuid]),
        {"name": "Keppra", "dose": "50 ml", "schedule": "daily", "status": "current"},  # no version
    )
    med.refresh_from_db()
    assert med.dose != "50 ml" or response.status_code != 302


# 10. A team-member edit racing a revoke undoes the revoke --------------------------------


def test_concurrent_contact_edit_does_not_undo_a_revoke(cast):
    child = cast["child"]
    member = access.get_item(
        child, CareTeamMember, CareTeamMember.objects.get(user=cast["viewer"]).uuid
    )
    # request 1 (owner edits the phone number) has loaded the row ...
    # ... request 2 (owner, other tab / other guardian) stops sharing meanwhile:
    services.grant_revoke(actor=cast["owner"], grant=CareTeamMember.objects.get(pk=member.pk))
    # request 1 saves: refused, because the row changed since it was read.
    member.phone = "555-123-4567"
    with pytest.raises(services.ConcurrentEdit):
        services.team_member_save(actor=cast["owner"], member=member, version=member.version)
    access.forget(cast["viewer"])
    assert not access.can(cast["viewer"], access.RECORD_VIEW, child), "revoked grant is live again"
