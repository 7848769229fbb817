"""A practice's staff: invited by its administrators, every change on the families' logs."""

import re
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import staff
from accounts.models import PracticeInvitation, PracticeStaff
from children import access
from children.audit import audit_verify
from children.models import AccessEvent
from conftest import give_second_factor, make_user, sign_in


@pytest.fixture
def admin(cast: dict[str, Any]) -> Any:
    user = make_user("admin@example.org", name="Pat Admin")
    PracticeStaff.objects.create(
        practice=cast["practice"], user=user, role=PracticeStaff.Role.ADMIN
    )
    give_second_factor(user)
    return user


def _invite(client: Any, cast: dict[str, Any], email: str, role: str = "nurse") -> Any:
    return client.post(
        reverse("accounts:practice-staff-invite", args=[cast["practice"].uuid]),
        {"email": email, "name": "Dana Nurse", "role": role},
    )


def test_an_administrator_invites_a_nurse_who_joins_and_families_see_it(
    client, cast, admin, django_capture_on_commit_callbacks
):
    sign_in(client, admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client, cast, "Dana@Example.org")
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["dana@example.org"]
    assert "Sunrise Pediatrics" in mail.outbox[-1].body and "Maya" not in mail.outbox[-1].body
    link = re.search(r"https?://\S+/me/staff-invitations/\S+/", mail.outbox[-1].body).group(0)
    path = "/" + link.split("/", 3)[3]

    nurse = make_user("dana@example.org", name="Dana Nurse")
    assert not access.visible_children(nurse).exists()
    client.logout()
    assert client.get(path).status_code == 200  # asks to sign in
    sign_in(client, nurse)
    assert client.get(path).status_code == 200
    response = client.post(path)
    assert response.status_code == 302
    assert access.visible_children(nurse).get() == cast["child"]
    # Staff see many children: two-step sign-in first.
    response = client.get(reverse("children:overview", args=[cast["child"].uuid]))
    assert response["Location"] == reverse("mfa_index")

    joined = AccessEvent.objects.get(child=cast["child"], verb="accept", what="practice staff")
    assert (joined.actor, joined.data["invited_by"]) == (nurse, "admin@example.org")
    client.logout()
    sign_in(client, cast["owner"])
    text = client.get(reverse("children:access-log", args=[cast["child"].uuid])).content.decode()
    assert "the staff of a practice" in text and "invited by: admin@example.org" in text
    assert audit_verify()[1] is None


def test_the_invitation_works_only_for_its_email(client, cast, admin):
    invitation, token = staff.staff_invite(
        actor=admin, practice=cast["practice"], email="dana@example.org", role="nurse"
    )
    sign_in(client, cast["stranger"] if "stranger" in cast else cast["other_family"])
    response = client.post(reverse("accounts:staff-invitation", args=[token]))
    assert response.status_code == 403
    assert not PracticeStaff.objects.filter(practice=cast["practice"], role="nurse").exists()
    assert client.get(reverse("accounts:staff-invitation", args=["nope"])).status_code == 404


def test_an_administrator_changes_a_role_and_deactivates(client, cast, admin):
    sign_in(client, admin)
    member = PracticeStaff.objects.get(user=cast["coordinator"])
    url = reverse("accounts:practice-staff-update", args=[cast["practice"].uuid, member.uuid])
    assert client.get(url).status_code == 200
    assert client.post(url, {"role": "billing", "is_active": "on"}).status_code == 302
    assert client.post(url, {"role": "billing"}).status_code == 302
    member.refresh_from_db()
    assert (member.role, member.is_active) == ("billing", False)
    assert not access.visible_children(cast["coordinator"]).exists()
    events = AccessEvent.objects.filter(child=cast["child"], what="practice staff")
    assert list(events.order_by("id").values_list("verb", flat=True)) == ["update", "revoke"]


def test_a_practice_keeps_one_active_administrator(client, cast, admin):
    me = PracticeStaff.objects.get(user=admin)
    with pytest.raises(ValidationError):
        staff.staff_update(actor=admin, member=me, role="nurse", is_active=True)
    sign_in(client, admin)
    url = reverse("accounts:practice-staff-update", args=[cast["practice"].uuid, me.uuid])
    response = client.post(url, {"role": "admin"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    me.refresh_from_db()
    assert me.is_active


def test_staff_list_and_cancel_an_invitation(client, cast, admin):
    invitation, _token = staff.staff_invite(
        actor=admin, practice=cast["practice"], email="dana@example.org", role="nurse"
    )
    sign_in(client, admin)
    page = client.get(reverse("accounts:practice-staff", args=[cast["practice"].uuid]))
    assert "coordinator@example.org" in page.content.decode()
    assert "dana@example.org" in page.content.decode()
    url = reverse(
        "accounts:practice-staff-invitation-cancel",
        args=[cast["practice"].uuid, invitation.uuid],
    )
    assert client.post(url).status_code == 302
    invitation.refresh_from_db()
    assert invitation.cancelled_at is not None


def test_staff_who_are_not_administrators_cannot_manage_staff(client, cast):
    sign_in(client, cast["coordinator"])
    response = _invite(client, cast, "dana@example.org")
    assert response.status_code == 403
    assert not PracticeInvitation.objects.exists()


def test_someone_already_on_the_staff_is_not_invited_again(client, cast, admin):
    sign_in(client, admin)
    response = _invite(client, cast, "coordinator@example.org")
    assert response.status_code == 200 and response.context["form"].non_field_errors()


@pytest.mark.parametrize(
    "garbage",
    ["x" * 5000, "a\x00b", "管理者 🏥", "-1", str(10**29), ""],
)
def test_staff_forms_survive_garbage(client, cast, admin, garbage):
    sign_in(client, admin)
    member = PracticeStaff.objects.get(user=cast["coordinator"])
    for url, data in (
        (
            reverse("accounts:practice-staff-invite", args=[cast["practice"].uuid]),
            {"email": garbage, "name": garbage, "role": garbage},
        ),
        (
            reverse("accounts:practice-staff-update", args=[cast["practice"].uuid, member.uuid]),
            {"role": garbage, "is_active": garbage},
        ),
    ):
        response = client.post(url, data)
        assert response.status_code in (200, 302)
    member.refresh_from_db()
    assert member.role == PracticeStaff.Role.COORDINATOR


def test_the_forms_accept_their_own_initial_values(client, cast, admin):
    sign_in(client, admin)
    member = PracticeStaff.objects.get(user=cast["coordinator"])
    url = reverse("accounts:practice-staff-update", args=[cast["practice"].uuid, member.uuid])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (False, None)}
    assert client.post(url, data).status_code == 302


def test_the_operator_invites_a_first_administrator_with_a_reason(
    client, cast, django_capture_on_commit_callbacks
):
    sign_in(client, cast["operator"])
    url = reverse("admin:accounts_practice_invite_admin", args=[cast["practice"].pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"email": "boss@example.org", "reason": "New practice; asked by phone"}
        )
    assert response.status_code == 302
    invitation = PracticeInvitation.objects.get(email="boss@example.org")
    assert invitation.by_operator and invitation.role == "admin"
    assert "The Homebase operator" in mail.outbox[-1].body
    invited = AccessEvent.objects.get(child=cast["child"], what="operator: practice administrator")
    assert invited.actor == cast["operator"]
    assert invited.data["reason"] == "New practice; asked by phone"

    boss = make_user("boss@example.org")
    staff.staff_invitation_accept(actor=boss, invitation=invitation)
    joined = AccessEvent.objects.get(child=cast["child"], verb="accept", what="practice staff")
    assert joined.data["invited_by"] == "operator" and "asked by phone" in joined.data["reason"]
    sign_in(client, cast["owner"])
    text = client.get(reverse("children:access-log", args=[cast["child"].uuid])).content.decode()
    assert "invited by: the site operator" in text and "reason given: New practice" in text
