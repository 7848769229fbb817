"""URLs of the interop app (namespace "fhir"), one module per feature.

Each feature keeps a plain ``urlpatterns`` list in its own module
(``urls_export``, ``urls_import``, ``urls_api``...): add the module's name to
MODULES. All of them share the "fhir" namespace.
"""

from importlib import import_module

app_name = "fhir"

MODULES = ("interop.urls_export", "interop.urls_import", "interop.urls_api")

urlpatterns = [pattern for name in MODULES for pattern in import_module(name).urlpatterns]
