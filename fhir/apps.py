from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "fhir"
    verbose_name = "FHIR"

    def ready(self) -> None:
        from children.items import sources

        from .services import source_links

        # Item pages show where an imported item came from; their apps are
        # lower layers, so the lookup is registered rather than imported.
        sources.register(source_links)
