from django.apps import AppConfig


class InteropConfig(AppConfig):
    """FHIR R4 and C-CDA in and out, and the FHIR API.

    The package is ``interop`` so that it does not share a top-level name with
    the ``fhir.resources`` library; the label stays "fhir" so that migrations,
    table names and the "fhir" URL namespace are unchanged.
    """

    name = "interop"
    label = "fhir"
    verbose_name = "FHIR"

    def ready(self) -> None:
        from children.items import sources

        from .services import source_links

        # Item pages show where an imported item came from; their apps are
        # lower layers, so the lookup is registered rather than imported.
        sources.register(source_links)
