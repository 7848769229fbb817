import re
from datetime import timedelta

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from children import access
from children.models import CareTeamMember, Guardianship, Invitation
from conftest import make_user


def invite(client, cast, capture, **data):
    client.force_login(cast["owner"])
    payload = {
        "email": "doc@example.org",
        "kind": "team",
        "team_role": "specialist",
        "scopes": ["summary", "health"],
        **data,
    }
    with capture(execute=True):
        response = client.post(reverse("children:invite", args=[cast["child"].uuid]), payload)
    assert response.status_code == 302, response.content.decode()[:2000]
    link = re.search(r"http://\S+/invitations/(\S+)/", mail.outbox[-1].body)
    return reverse("children:invitation-accept", args=[link.group(1)])


def test_team_member_accepts_sees_only_shared_scopes_and_loses_access_on_revoke(
    client, cast, django_capture_on_commit_callbacks
):
    url = invite(client, cast, django_capture_on_commit_callbacks)
    assert mail.outbox[-1].to == ["doc@example.org"]
    assert "Latex" not in mail.outbox[-1].body  # no health details in emails
    doctor = make_user("doc@example.org")
    client.force_login(doctor)
    assert client.post(url).status_code == 302
    child = cast["child"]
    assert client.get(reverse("records:medicines-list", args=[child.uuid])).status_code == 200
    assert client.get(reverse("records:insurance-list", args=[child.uuid])).status_code == 404
    assert client.get(reverse("records:medicines-create", args=[child.uuid])).status_code == 403
    page = client.get(reverse("children:overview", args=[child.uuid])).content.decode()
    assert reverse("records:journal-list", args=[child.uuid]) not in page
    assert reverse("records:medicines-list", args=[child.uuid]) in page
    grant = CareTeamMember.objects.get(user=doctor)
    client.force_login(cast["owner"])
    client.post(reverse("children:grant-revoke", args=[child.uuid, "team", grant.uuid]))
    client.force_login(doctor)
    assert client.get(reverse("children:overview", args=[child.uuid])).status_code == 404
    assert doctor not in [m.user for m in child.team.live()]


def test_invitation_works_once(client, cast, django_capture_on_commit_callbacks):
    url = invite(client, cast, django_capture_on_commit_callbacks)
    doctor = make_user("doc@example.org")
    client.force_login(doctor)
    client.post(url)
    again = client.post(url)
    assert again.status_code == 403
    assert "already used" in again.content.decode()


def test_expired_invitation_is_refused(client, cast, django_capture_on_commit_callbacks):
    url = invite(client, cast, django_capture_on_commit_callbacks)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    client.force_login(make_user("doc@example.org"))
    response = client.post(url)
    assert response.status_code == 403
    assert "expired" in response.content.decode()
    assert not CareTeamMember.objects.filter(email="doc@example.org", user__isnull=False).exists()


def test_invitation_opened_by_another_account_is_refused(
    client, cast, django_capture_on_commit_callbacks
):
    url = invite(client, cast, django_capture_on_commit_callbacks)
    client.force_login(cast["other_family"])
    response = client.post(url)
    assert response.status_code == 403
    assert "doc@example.org" in response.content.decode()
    assert not access.visible_children(cast["other_family"]).filter(pk=cast["child"].pk).exists()


def test_cancelled_invitation_no_longer_works(client, cast, django_capture_on_commit_callbacks):
    url = invite(client, cast, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    client.post(reverse("children:invitation-cancel", args=[cast["child"].uuid, invitation.uuid]))
    client.force_login(make_user("doc@example.org"))
    assert client.post(url).status_code == 403


def test_unknown_token_is_404(client, cast):
    assert client.get(reverse("children:invitation-accept", args=["nope"])).status_code == 404


def test_co_guardian_gets_full_control(client, cast, django_capture_on_commit_callbacks):
    url = invite(
        client,
        cast,
        django_capture_on_commit_callbacks,
        email="dad@example.org",
        kind="guardian",
        scopes=[],
    )
    dad = make_user("dad@example.org")
    client.force_login(dad)
    client.post(url)
    assert access.can(dad, "sharing.manage", cast["child"])
    assert Guardianship.objects.get(user=dad).role == "owner"


def test_caregiver_invitation_needs_a_scope(client, cast):
    client.force_login(cast["owner"])
    response = client.post(
        reverse("children:invite", args=[cast["child"].uuid]),
        {"email": "gran@example.org", "kind": "caregiver"},
    )
    assert response.status_code == 200
    assert "Choose at least one thing to share" in response.content.decode()
    assert not Invitation.objects.exists()


def test_grant_with_end_date_in_past_stops_working(cast):
    grant = CareTeamMember.objects.get(user=cast["viewer"])
    grant.ends_on = timezone.localdate() - timedelta(days=1)
    grant.save()
    assert not access.visible_children(cast["viewer"]).exists()


def test_last_owner_cannot_be_removed(client, cast):
    client.force_login(cast["owner"])
    own = Guardianship.objects.get(user=cast["owner"])
    response = client.post(
        reverse("children:grant-revoke", args=[cast["child"].uuid, "guardian", own.uuid]),
        follow=True,
    )
    assert "at least one parent" in response.content.decode()
    assert access.can(cast["owner"], "sharing.manage", cast["child"])


def test_revoked_clinician_sees_a_plain_not_available_page(client, cast):
    grant = CareTeamMember.objects.get(user=cast["viewer"])
    grant.revoked_at = timezone.now()
    grant.save()
    client.force_login(cast["viewer"])
    response = client.get(reverse("children:overview", args=[cast["child"].uuid]))
    assert response.status_code == 404
    assert "not shared with you" in response.content.decode()
    assert cast["child"].first_name not in response.content.decode()
