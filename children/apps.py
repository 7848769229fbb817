from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChildrenConfig(AppConfig):
    name = "children"
    verbose_name = _("Children and sharing")

    def ready(self) -> None:
        from accounts import hooks

        from . import (
            access,
            checks,  # noqa: F401  (registers the system checks)
        )
        from .audit import account_change, audit_record

        # accounts is below children: it asks the rule book, and writes to the
        # access log, through hooks.
        hooks.register(
            can_edit_practice=access.can_edit_practice,
            audit=audit_record,
            account_change=account_change,
        )
