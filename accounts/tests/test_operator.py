"""The operator pages: one sign-in for everyone, two steps for the operator.

ONC 170.315(d)(1) and (d)(13): authentication and multi-factor authentication.
"""

import html
import re
from typing import Any
from urllib.parse import urlsplit

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.urls import reverse

from accounts.tests.test_two_factor import totp
from children.audit import audit_verify
from children.models import AccessEvent
from conftest import give_second_factor, sign_in

PASSWORD = "correct horse battery"


def _operator_sign_in_url(client: Any) -> str:
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    return response["Location"]


def test_the_operator_pages_send_to_the_sites_sign_in(client, cast):
    location = _operator_sign_in_url(client)
    assert urlsplit(location).path == reverse("account_login")
    assert "next=/operator/" in location
    # The admin's own login form never checks a password.
    response = client.post(
        reverse("admin:login"), {"username": cast["operator"].email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert not client.get(reverse("home")).context["user"].is_authenticated


def test_operator_sign_in_needs_the_second_step(client, cast):
    operator = cast["operator"]
    secret = decrypt(Authenticator.objects.get(user=operator, type="totp").data["secret"])
    login_url = _operator_sign_in_url(client)
    response = client.post(login_url, {"login": operator.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    assert not client.get(reverse("home")).context["user"].is_authenticated
    assert client.get(reverse("admin:index")).status_code == 302
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert not client.get(reverse("home")).context["user"].is_authenticated
    response = client.post(reverse("mfa_authenticate"), {"code": totp(secret)})
    assert response.status_code == 302 and response["Location"] == "/operator/"
    assert client.get(reverse("admin:index")).status_code == 200


def test_ten_wrong_passwords_at_the_operator_sign_in_are_rate_limited(client, cast):
    login_url = _operator_sign_in_url(client)
    limited = "Too many failed login attempts"
    pages = [
        client.post(login_url, {"login": cast["operator"].email, "password": f"wrong {i}"})
        for i in range(10)
    ]
    assert [limited in p.content.decode() for p in pages] == [False] * 5 + [True] * 5
    # The right password is refused too until the limit passes.
    response = client.post(login_url, {"login": cast["operator"].email, "password": PASSWORD})
    assert limited in response.content.decode()
    assert not client.get(reverse("home")).context["user"].is_authenticated
    assert client.get(reverse("admin:index")).status_code == 302


def test_an_operator_without_a_second_factor_sets_one_up_before_anything_else(client, cast):
    operator = cast["operator"]
    Authenticator.objects.filter(user=operator).delete()
    client.post(_operator_sign_in_url(client), {"login": operator.email, "password": PASSWORD})
    for url in (reverse("home"), reverse("admin:index"), reverse("accounts:profile")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("mfa_index"), url
    assert client.get(reverse("mfa_index")).status_code == 200
    give_second_factor(operator)
    assert client.get(reverse("home")).status_code == 200
    # Set up in this session, but not used to sign in: the operator pages
    # ask for it first.
    response = client.get(reverse("admin:index"))
    assert (
        response.status_code == 403 and reverse("mfa_reauthenticate") in response.content.decode()
    )


def test_a_signed_in_non_operator_gets_a_404(client, cast):
    sign_in(client, cast["owner"])
    assert client.get(reverse("admin:index")).status_code == 404
    assert client.get(reverse("admin:login")).status_code == 404


def test_practice_staff_must_set_up_two_step_sign_in(client, cast):
    coordinator = cast["coordinator"]
    Authenticator.objects.filter(user=coordinator).delete()
    sign_in(client, coordinator, second_factor=False)
    child_page = reverse("children:overview", args=[cast["child"].uuid])
    response = client.get(child_page)
    assert response.status_code == 302 and response["Location"] == reverse("mfa_index")
    give_second_factor(coordinator)
    assert client.get(child_page).status_code == 200


def test_everyone_else_is_offered_two_step_sign_in_but_not_forced(client, cast):
    sign_in(client, cast["owner"], second_factor=False)
    page = client.get(reverse("accounts:profile"))
    assert page.status_code == 200 and reverse("mfa_index") in page.content.decode()


def test_staff_cannot_remove_their_last_second_factor(client, cast):
    from accounts.adapter import MFAAdapter

    coordinator = cast["coordinator"]
    authenticator = Authenticator.objects.get(user=coordinator, type="totp")
    assert not MFAAdapter().can_delete_authenticator(authenticator)
    owner_secret = give_second_factor(cast["owner"])
    assert owner_secret
    owners = Authenticator.objects.get(user=cast["owner"], type="totp")
    assert MFAAdapter().can_delete_authenticator(owners)


def test_every_operator_change_is_in_the_chained_log_and_on_the_childs_page(client, cast):
    sign_in(client, cast["operator"])
    viewer = cast["viewer"]
    response = client.post(
        reverse("admin:accounts_user_change", args=[viewer.pk]),
        {"name": viewer.name, "phone": "", "language": "en"},  # is_active unticked
    )
    assert response.status_code == 302
    viewer.refresh_from_db()
    assert not viewer.is_active
    general = AccessEvent.objects.get(child=None, what="operator: account")
    assert general.actor == cast["operator"] and general.data["is_active"] == "False"
    on_child = AccessEvent.objects.get(child=cast["child"], what="operator: account")
    assert on_child.data["person"] == viewer.email
    # Not on a child the viewer never saw.
    assert not AccessEvent.objects.filter(child=cast["other_child"]).exists()

    response = client.post(
        reverse("admin:accounts_practice_add"),
        {"name": "Harbor Clinic", "staff-TOTAL_FORMS": "0", "staff-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 302
    assert AccessEvent.objects.filter(what="operator: practice", verb="create").exists()

    authenticator = Authenticator.objects.get(user=cast["coordinator"], type="totp")
    response = client.post(
        reverse("admin:mfa_authenticator_delete", args=[authenticator.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert AccessEvent.objects.filter(what="operator: two-step sign-in", verb="delete").exists()

    client.logout()
    sign_in(client, cast["owner"])
    page = client.get(reverse("children:access-log", args=[cast["child"].uuid]))
    text = page.content.decode()
    assert "an account, by the site operator" in text and viewer.email in text
    assert audit_verify()[1] is None


def test_an_operator_confirms_the_second_step_and_is_let_in(client, cast):
    operator = cast["operator"]
    secret = decrypt(Authenticator.objects.get(user=operator, type="totp").data["secret"])
    sign_in(client, operator, second_factor=False)
    refused = client.get(reverse("admin:index"))
    assert refused.status_code == 403
    confirm = re.search(r'href="([^"]*reauthenticate[^"]*)"', refused.content.decode()).group(1)
    response = client.post(html.unescape(confirm), {"code": totp(secret)})
    assert response.status_code == 302 and response["Location"] == "/operator/"
    assert client.get(reverse("admin:index")).status_code == 200
