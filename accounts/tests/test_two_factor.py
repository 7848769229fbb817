from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.urls import reverse


def totp(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def test_totp_needs_reauthentication_then_guards_sign_in(client, cast):
    user = cast["owner"]
    client.force_login(user)
    response = client.get(reverse("mfa_activate_totp"))
    assert reverse("account_reauthenticate") in response["Location"]
    client.post(reverse("account_reauthenticate"), {"password": "correct horse battery"})
    page = client.get(reverse("mfa_activate_totp"))
    secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": totp(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists()

    client.logout()
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": "correct horse battery"}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    assert not client.get(reverse("home")).context["user"].is_authenticated
    client.post(reverse("mfa_authenticate"), {"code": totp(secret)})
    assert client.get(reverse("home")).context["user"] == user


def test_changing_email_asks_for_the_password_again(client, cast):
    client.force_login(cast["owner"])
    response = client.post(reverse("account_email"), {"action_add": "", "email": "new@example.org"})
    assert reverse("account_reauthenticate") in response["Location"]
