from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChildrenConfig(AppConfig):
    name = "children"
    verbose_name = _("Children and sharing")

    def ready(self) -> None:
        from accounts import hooks

        from . import checks  # noqa: F401  (registers the system checks)
        from .audit import account_change

        hooks.register_account_change(account_change)
