import re
import time

from django.core import mail
from django.urls import reverse

from accounts.middleware import SESSION_STARTED, SESSION_TOUCHED
from accounts.models import Practice, User


def test_sign_up_verify_and_sign_in(client, db, settings):
    from homebase import settings as production

    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS  # the production hasher
    response = client.post(
        reverse("account_signup"),
        {
            "name": "Nora Parent",
            "email": "New.Parent@Example.org",
            "password1": "a long passphrase 42",
            "password2": "a long passphrase 42",
        },
    )
    assert response.status_code == 302
    user = User.objects.get()
    assert (user.email, user.name) == ("new.parent@example.org", "Nora Parent")
    assert user.password.startswith("argon2$")
    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    path = link.split("testserver", 1)[-1] if "testserver" in link else "/" + link.split("/", 3)[3]
    client.post(path)
    client.logout()
    response = client.post(
        reverse("account_login"),
        {"login": "new.parent@example.org", "password": "a long passphrase 42"},
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"] == user


def test_unverified_email_cannot_sign_in(client, db):
    User.objects.create_user(email="x@example.org", password="a long passphrase 42")
    response = client.post(
        reverse("account_login"), {"login": "x@example.org", "password": "a long passphrase 42"}
    )
    assert response.status_code == 302
    assert "confirm-email" in response["Location"] or "verification" in response["Location"]
    assert not client.get(reverse("home")).context["user"].is_authenticated


def test_repeated_failed_sign_ins_are_rate_limited(client, cast):
    for _ in range(5):
        client.post(
            reverse("account_login"), {"login": "owner@example.org", "password": "wrong password"}
        )
    response = client.post(
        reverse("account_login"),
        {"login": "owner@example.org", "password": "correct horse battery"},
    )
    assert not client.get(reverse("home")).context["user"].is_authenticated
    assert response.status_code in (200, 429)


def test_profile_saves_name_phone_and_language(client, cast):
    client.force_login(cast["owner"])
    response = client.post(
        reverse("accounts:profile"), {"name": "Sofía", "phone": "(555) 201-4410", "language": "es"}
    )
    assert response.status_code == 302
    cast["owner"].refresh_from_db()
    assert (cast["owner"].name, cast["owner"].language) == ("Sofía", "es")
    bad = client.post(
        reverse("accounts:profile"), {"name": "S", "phone": "call me", "language": "en"}
    )
    assert "phone" in bad.context["form"].errors


def test_language_switcher_remembers_the_choice(client, cast):
    client.force_login(cast["owner"])
    response = client.post(reverse("accounts:language"), {"language": "es", "next": "/"})
    assert response["Location"] == "/"
    cast["owner"].refresh_from_db()
    assert cast["owner"].language == "es"
    assert client.get("/")["Content-Language"] == "es"


def test_language_switcher_ignores_foreign_redirects(client, db):
    response = client.post(
        reverse("accounts:language"), {"language": "es", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_session_ends_after_the_absolute_lifetime(client, cast, settings):
    client.force_login(cast["owner"])
    assert client.get(reverse("accounts:profile")).status_code == 200
    session = client.session
    session[SESSION_STARTED] = int(time.time()) - settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_idle_timeout_is_30_minutes_by_default(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_TOUCH_SECONDS == 60


def test_activity_keeps_the_session_alive_without_a_write_per_page(client, db):
    """A page view saves the session only when the last save is a minute old."""
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from conftest import make_user

    client.force_login(make_user("idle@example.org"))
    client.get(reverse("home"))
    key = client.session.session_key
    first = Session.objects.get(session_key=key).expire_date
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("home"))
    assert not [q for q in ctx.captured_queries if q["sql"].startswith('UPDATE "django_session"')]
    session = client.session
    session[SESSION_TOUCHED] = int(time.time()) - 61
    session.save()
    client.get(reverse("home"))
    assert Session.objects.get(session_key=key).expire_date > first


def test_practice_can_be_edited_by_the_person_who_listed_it(client, cast):
    client.force_login(cast["owner"])
    client.post(
        reverse("accounts:practice-create"), {"name": "Harbor Clinic", "phone": "555-100-2000"}
    )
    practice = Practice.objects.get(name="Harbor Clinic")
    data = {"name": "Harbor Clinic", "after_hours_phone": "555-100-2999"}
    assert (
        client.post(reverse("accounts:practice-update", args=[practice.uuid]), data).status_code
        == 302
    )
    client.force_login(cast["other_family"])
    assert (
        client.post(reverse("accounts:practice-update", args=[practice.uuid]), data).status_code
        == 403
    )
