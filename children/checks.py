"""A production start is refused without the access log's key.

Production is ``HTTPS=True`` (checked on every start: ``migrate``, ``check``
and the WSGI application run the checks), or ``DEBUG`` off under
``check --deploy``. A key generated into var/ is fine for development, not
for production: it sits next to the database it protects and is lost with
the machine.
"""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register


def missing_key(setting: str, name: str, code: str, what: str) -> list[CheckMessage]:
    if getattr(settings, setting, ""):
        return []
    return [
        Error(
            f"{name} (or {name}_FILE) is not set: {what} would use a key generated into var/.",
            hint=(
                f"Set {name} to a long random value kept apart from the database and its "
                'backups, for example: python -c "import secrets; print(secrets.token_urlsafe(48))"'
            ),
            id=code,
        )
    ]


def _audit_key() -> list[CheckMessage]:
    return missing_key("AUDIT_KEY_FROM_ENV", "AUDIT_KEY", "children.E001", "the access log")


@register(Tags.security)
def audit_key_in_production(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    return _audit_key() if settings.HTTPS else []


@register(Tags.security, deploy=True)
def audit_key_for_deploy(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    # With HTTPS=True the check above has already run.
    return _audit_key() if not settings.DEBUG and not settings.HTTPS else []
