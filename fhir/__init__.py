# The Django app "fhir" shares its top-level name with the installed `fhir.resources`
# distribution (a plain package in site-packages). Extending __path__ lets
# `import fhir.resources.R4B...` find the library while `fhir.models` etc. stay ours.
from pkgutil import extend_path

__path__ = extend_path(__path__, __name__)
