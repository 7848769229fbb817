"""The shared cast: one child, and everyone who might try to open it.

| role         | how they reach Maya                                              |
| ------------ | ---------------------------------------------------------------- |
| owner        | parent (owner guardianship): everything                          |
| caregiver    | caregiver guardianship: summary, health, journal, plan; may write |
| viewer       | care team member: summary, health, visits and plan, read only    |
| editor       | care team member: summary, health, visits and plan, may write    |
| team_other   | care team member with only the journal shared                    |
| coordinator  | staff of the practice Maya is enrolled in: summary, health,      |
|              | coverage; may write                                              |
| other_family | a parent of another child                                        |
| operator     | is_staff and superuser; no grant                                 |
| anonymous    | not signed in                                                    |

The coordinator and the operator must use two-step sign-in: the cast gives
them an authenticator app (``give_second_factor``), and ``sign_in`` records
that the second step was used, as the operator pages require.
"""

from datetime import date
from typing import Any

import pytest
from allauth.account.models import EmailAddress

from accounts.models import Practice, PracticeStaff, User
from children.models import CareTeamMember, Child, Guardianship, PracticeEnrollment, scopes_to_text

ROLES = (
    "anonymous",
    "owner",
    "caregiver",
    "viewer",
    "editor",
    "team_other",
    "coordinator",
    "other_family",
    "operator",
)


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings: Any, tmp_path: Any) -> None:
    # Speed; homebase/tests/test_credentials.py runs the production hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AUDIT_ANCHOR_FILE = str(tmp_path / "audit_anchors.jsonl")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages"},
    }
    # LocMem stores outlive a settings override: clear rate-limit counters.
    from django.core.cache import caches

    caches["default"].clear()
    caches["pages"].clear()


def make_user(email: str, **extra: Any) -> User:
    user = User.objects.create_user(
        email=email,
        password="correct horse battery",
        name=extra.pop("name", email.split("@")[0].title()),
        **extra,
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def give_second_factor(user: User) -> str:
    """An authenticator app for ``user``; returns its secret (for codes)."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def sign_in(client: Any, user: User, *, second_factor: bool = True) -> Any:
    """``force_login``, plus the record allauth keeps of a second step used at sign-in."""
    import time

    from allauth.account.internal.flows.login import (
        _AUTHENTICATION_METHODS_USER_SESSION_KEY,
        AUTHENTICATION_METHODS_SESSION_KEY,
    )

    client.force_login(user)
    if second_factor:
        session = client.session
        now = time.time()
        session[AUTHENTICATION_METHODS_SESSION_KEY] = [
            {"method": "password", "at": now, "email": user.email},
            {"method": "mfa", "at": now, "type": "totp"},
        ]
        session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
        session.save()
    return client


def make_child(owner: User, first_name: str = "Maya") -> Child:
    child = Child.objects.create(
        first_name=first_name, last_name="Rivera", birth_date=date(2016, 3, 14)
    )
    Guardianship.objects.create(
        child=child, user=owner, role=Guardianship.Role.OWNER, can_write=True
    )
    return child


@pytest.fixture
def cast(db: Any) -> dict[str, Any]:
    people = {role: make_user(f"{role}@example.org") for role in ROLES if role != "anonymous"}
    people["operator"].is_staff = people["operator"].is_superuser = True
    people["operator"].save()
    for role in ("operator", "coordinator"):
        give_second_factor(people[role])
    child = make_child(people["owner"])
    other_child = make_child(people["other_family"], first_name="Other")
    Guardianship.objects.create(
        child=child,
        user=people["caregiver"],
        role=Guardianship.Role.CAREGIVER,
        scopes=scopes_to_text(["summary", "health", "journal", "plan"]),
        can_write=True,
    )
    CareTeamMember.objects.create(
        child=child,
        user=people["viewer"],
        name="Dr. Viewer",
        role="pcp",
        scopes=scopes_to_text(["summary", "health", "visits", "plan"]),
        can_write=False,
    )
    CareTeamMember.objects.create(
        child=child,
        user=people["editor"],
        name="Dr. Editor",
        role="specialist",
        specialty="Neurology",
        scopes=scopes_to_text(["summary", "health", "visits", "plan"]),
        can_write=True,
    )
    CareTeamMember.objects.create(
        child=child,
        user=people["team_other"],
        name="Ms. Teacher",
        role="teacher",
        scopes=scopes_to_text(["journal"]),
        can_write=False,
    )
    practice = Practice.objects.create(
        name="Sunrise Pediatrics",
        after_hours_phone="555-300-1999",
        nurse_line="555-300-1888",
        phone="555-300-1000",
    )
    PracticeStaff.objects.create(
        practice=practice, user=people["coordinator"], role=PracticeStaff.Role.COORDINATOR
    )
    PracticeEnrollment.objects.create(
        child=child,
        practice=practice,
        scopes=scopes_to_text(["summary", "health", "coverage"]),
        can_write=True,
    )
    return {
        **people,
        "anonymous": None,
        "child": child,
        "other_child": other_child,
        "practice": practice,
    }


@pytest.fixture
def client_for(client: Any, cast: dict[str, Any]) -> Any:
    def login(role: str) -> Any:
        if role != "anonymous":
            sign_in(client, cast[role])
        return client

    return login
