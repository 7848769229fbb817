"""A production start is refused without the key that encrypts two-step sign-in secrets.

Same rule as the access log's key (children/checks.py).
"""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register


def _mfa_key() -> list[CheckMessage]:
    if getattr(settings, "MFA_ENCRYPTION_KEY_FROM_ENV", ""):
        return []
    return [
        Error(
            "MFA_ENCRYPTION_KEY (or MFA_ENCRYPTION_KEY_FILE) is not set: two-step sign-in "
            "secrets would be encrypted with a key generated into var/.",
            hint=(
                "Set MFA_ENCRYPTION_KEY to a long random value kept apart from the database "
                'and its backups, for example: python -c "import secrets; '
                'print(secrets.token_urlsafe(48))"'
            ),
            id="accounts.E001",
        )
    ]


@register(Tags.security)
def mfa_key_in_production(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    return _mfa_key() if settings.HTTPS else []


@register(Tags.security, deploy=True)
def mfa_key_for_deploy(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    return _mfa_key() if not settings.DEBUG and not settings.HTTPS else []
