from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = _("Care notebook")

    def ready(self) -> None:
        from children.items import kinds

        from .registry import KINDS

        kinds.register(KINDS)
