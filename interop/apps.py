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
