import re
from datetime import timedelta

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from children.models import Invitation, PracticeEnrollment
from records.models import Equipment


def post_invite(client, cast, email, **extra):
    client.force_login(cast["owner"])
    data = {"email": email, "kind": "team", "scopes": ["summary"], **extra}
    return client.post(reverse("children:invite", args=[cast["child"].uuid]), data)


def test_owner_cannot_invite_themselves(client, cast):
    response = post_invite(client, cast, "OWNER@example.org")
    assert "your own email address" in response.content.decode()
    assert not Invitation.objects.exists()


def test_person_with_access_is_not_invited_again(client, cast):
    for email in ("viewer@example.org", "caregiver@example.org"):
        assert "already has access" in post_invite(client, cast, email).content.decode()
    assert not Invitation.objects.exists()


def test_second_invitation_to_a_waiting_address_is_refused(client, cast):
    assert post_invite(client, cast, "doc@example.org").status_code == 302
    assert "already waiting" in post_invite(client, cast, "doc@example.org").content.decode()
    assert Invitation.objects.count() == 1


def test_invitation_link_uses_the_address_the_family_uses(
    client, cast, django_capture_on_commit_callbacks
):
    client.force_login(cast["owner"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("children:invite", args=[cast["child"].uuid]),
            {"email": "doc@example.org", "kind": "team", "scopes": ["summary"]},
            HTTP_HOST="localhost:8321",
        )
    assert re.search(r"http://localhost:8321/invitations/\S+/", mail.outbox[-1].body)


def test_choosing_the_same_medical_home_again_changes_the_one_grant(client, cast):
    client.force_login(cast["owner"])
    url = reverse("children:enroll", args=[cast["child"].uuid])
    client.post(url, {"practice": cast["practice"].pk, "scopes": ["summary"]})
    assert PracticeEnrollment.objects.live().filter(child=cast["child"]).count() == 1
    assert PracticeEnrollment.objects.get().scope_list == ["summary"]


def test_read_only_people_see_todos_without_links_to_forms_they_cannot_use(client, cast):
    child = cast["child"]
    item = Equipment.objects.create(
        child=child, name="Feeding pump", replace_on=timezone.localdate() + timedelta(days=3)
    )
    edit = reverse("records:equipment-update", args=[child.uuid, item.uuid])
    client.force_login(cast["viewer"])
    page = client.get(reverse("children:overview", args=[child.uuid])).content.decode()
    assert "Feeding pump is due" in page and edit not in page
    client.force_login(cast["editor"])
    assert edit in client.get(reverse("children:overview", args=[child.uuid])).content.decode()


def test_family_situation_is_shared_only_with_the_care_plan(client, cast):
    child = cast["child"]
    child.effect_money = "Formula costs $150 a month"
    child.save()
    client.force_login(cast["team_other"])  # journal only, no plan
    assert "$150" not in client.get(reverse("children:profile", args=[child.uuid])).content.decode()
    client.force_login(cast["viewer"])  # the plan, read only
    assert "$150" in client.get(reverse("children:profile", args=[child.uuid])).content.decode()
    client.force_login(cast["owner"])
    assert "$150" in client.get(reverse("children:profile", args=[child.uuid])).content.decode()


def test_sign_up_email_names_homebase(client, db):
    client.post(
        reverse("account_signup"),
        {
            "name": "New Parent",
            "email": "new@example.org",
            "password1": "a long passphrase 42",
            "password2": "a long passphrase 42",
        },
    )
    assert "example.com" not in mail.outbox[-1].body
    assert "Homebase" in mail.outbox[-1].body + mail.outbox[-1].subject
