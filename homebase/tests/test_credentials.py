"""ONC 170.315(d)(12): passwords and two-step secrets are stored protected."""

import importlib
import json
import subprocess
import sys

import pytest
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.contrib.auth.hashers import check_password, make_password
from django.urls import reverse

from accounts.adapter import ENCRYPTED_PREFIX, decrypt_secret, encrypt_secret
from accounts.models import User
from accounts.tests.test_two_factor import totp
from homebase import settings as production
from homebase.tests.test_deploy import ROOT, production_env


def test_the_production_hasher_stores_argon2(client, db, settings):
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    response = client.post(
        reverse("account_signup"),
        {
            "name": "Nora Parent",
            "email": "nora@example.org",
            "password1": "a long passphrase 42",
            "password2": "a long passphrase 42",
        },
    )
    assert response.status_code == 302
    stored = User.objects.get(email="nora@example.org").password
    assert stored.startswith("argon2$argon2id$")
    assert "a long passphrase 42" not in stored
    assert check_password("a long passphrase 42", stored)


def test_fips_setting_puts_pbkdf2_sha256_first(tmp_path, settings):
    env = production_env(tmp_path, PASSWORD_HASHER_FIPS="True")
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps(s.PASSWORD_HASHERS))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    hashers = json.loads(result.stdout)
    assert hashers[0] == "django.contrib.auth.hashers.PBKDF2PasswordHasher"
    assert "django.contrib.auth.hashers.Argon2PasswordHasher" in hashers
    settings.PASSWORD_HASHERS = hashers
    assert make_password("a long passphrase 42").startswith("pbkdf2_sha256$")
    # Passwords stored with Argon2 before the switch still work (and are rehashed).
    old = make_password("a long passphrase 42", hasher="argon2")
    assert check_password("a long passphrase 42", old)


def test_totp_secrets_are_encrypted_at_rest(client, cast):
    user = cast["owner"]
    client.force_login(user)
    client.post(reverse("account_reauthenticate"), {"password": "correct horse battery"})
    secret = client.get(reverse("mfa_activate_totp")).context["form"].secret
    client.post(reverse("mfa_activate_totp"), {"code": totp(secret)})
    stored = Authenticator.objects.get(user=user, type="totp").data["secret"]
    assert stored.startswith(ENCRYPTED_PREFIX) and secret not in stored
    assert decrypt_secret(stored) == secret
    seed = Authenticator.objects.get(user=user, type="recovery_codes").data["seed"]
    assert seed.startswith(ENCRYPTED_PREFIX)


def test_a_secret_written_into_the_database_in_clear_is_refused(cast):
    with pytest.raises(ValueError):
        decrypt_secret("JBSWY3DPEHPK3PXP")
    with pytest.raises(ValueError):
        decrypt_secret(ENCRYPTED_PREFIX + "gAAAAABforged")


def test_the_encryption_key_can_be_rotated(settings):
    settings.MFA_ENCRYPTION_KEY = "old key " * 4
    stored = encrypt_secret("JBSWY3DPEHPK3PXP")
    settings.MFA_ENCRYPTION_KEY = "new key " * 4 + "," + "old key " * 4
    assert decrypt_secret(stored) == "JBSWY3DPEHPK3PXP"
    assert decrypt_secret(encrypt_secret("x")) == "x"
    settings.MFA_ENCRYPTION_KEY = "new key " * 4
    with pytest.raises(ValueError):
        decrypt_secret(stored)


def test_secrets_stored_in_clear_before_the_upgrade_are_encrypted_by_the_migration(cast):
    migration = importlib.import_module("accounts.migrations.0004_encrypt_two_step_secrets")
    user = cast["owner"]
    totp_row = Authenticator.objects.create(
        user=user, type="totp", data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    codes = Authenticator.objects.create(
        user=user, type="recovery_codes", data={"seed": "abc", "used_mask": 0}
    )
    migration.forwards(apps, None)
    totp_row.refresh_from_db()
    codes.refresh_from_db()
    assert decrypt_secret(totp_row.data["secret"]) == "JBSWY3DPEHPK3PXP"
    assert decrypt_secret(codes.data["seed"]) == "abc" and codes.data["used_mask"] == 0
    migration.forwards(apps, None)  # twice changes nothing
    totp_row.refresh_from_db()
    assert decrypt_secret(totp_row.data["secret"]) == "JBSWY3DPEHPK3PXP"
