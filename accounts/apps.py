from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from . import checks  # noqa: F401  (registers the system checks)
        from .middleware import activate_user_language

        # The "signed in" message is written during the sign-in request.
        user_logged_in.connect(activate_user_language, dispatch_uid="homebase-user-language")
