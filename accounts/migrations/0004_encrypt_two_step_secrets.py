"""Encrypt the two-step sign-in secrets already stored in clear.

From now on allauth stores them through ``accounts.adapter.MFAAdapter``,
which encrypts with MFA_ENCRYPTION_KEY and refuses a secret in clear.
"""

from django.db import migrations


def _convert(apps, change):
    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.filter(type__in=["totp", "recovery_codes"]):
        data = dict(authenticator.data)
        for name in ("secret", "seed"):
            if isinstance(data.get(name), str):
                data[name] = change(data[name])
        if isinstance(data.get("migrated_codes"), list):
            data["migrated_codes"] = [change(code) for code in data["migrated_codes"]]
        if data != authenticator.data:
            Authenticator.objects.filter(pk=authenticator.pk).update(data=data)


def forwards(apps, schema_editor):
    from accounts.adapter import ENCRYPTED_PREFIX, encrypt_secret

    _convert(apps, lambda v: v if v.startswith(ENCRYPTED_PREFIX) else encrypt_secret(v))


def backwards(apps, schema_editor):
    from accounts.adapter import ENCRYPTED_PREFIX, decrypt_secret

    _convert(apps, lambda v: decrypt_secret(v) if v.startswith(ENCRYPTED_PREFIX) else v)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_practice_staff_invitations"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
