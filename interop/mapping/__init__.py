"""Homebase rows <-> FHIR R4 resources: the one place that knows field-level correspondences.

One module per resource family (``conditions``, ``medications``, ``team``,
``visits``...), what they share in ``base``, the table of which model and
which resource type each uses in ``registry``; the code systems and code sets
are in ``interop.terminology``. Callers use the names below.

``to_fhir(item)`` turns one row into one resource (a plain dict whose ``id`` is
the row's uuid); ``from_fhir(resource)`` turns one resource into a ``Mapped``
(the model, plain field values, and references the importer resolves). The
exporter, the importer and the API all call these, so importing an export
gives back the same record: ``ROUND_TRIP[label]`` lists the fields that make
the trip (tests prove it for every type).

Conventions (documented here once):

* Standard FHIR elements first. Homebase-only workflow fields with no FHIR
  element (a pharmacy, "main doctor told", a Medicaid renewal date, the steps
  of a referral loop, ...) travel as extensions ``terminology.EXT + name``;
  other systems ignore them. Patient carries no extensions.
* Homebase choice lists with no FHIR value set use local code systems
  ``terminology.CS + name`` (measurement kind, care team role, document
  kind, goal domain).
* Two free-text notes on one resource are told apart by the Annotation's
  element ``id`` (``plain-words`` / ``notes`` on Condition, the CarePlan's three
  texts).
* A care team member is a ``PractitionerRole`` (the person in a role for this
  child: name, role, specialty, clinic, phones); other resources point at it.
  Imported ``Practitioner`` resources become team members too.
* A visit that happened is an ``Encounter``; a coming or cancelled visit an
  ``Appointment`` (start = end: Homebase does not record how long it lasts).
* ``from_fhir`` returns ``None`` for resources Homebase does not import
  (listed as "not imported"), and for entered-in-error or refuted ones.
  ``from_fhir_many`` also expands a ``CareTeam`` into its members.
* Codes: ``code_system`` stays blank when it is what the code implies
  (ICD-10-CM or SNOMED for conditions, SNOMED for allergies, CVX for vaccines,
  RxNorm for medicines), so a row reads the same before and after a trip.
"""

from .base import NOT_RECORDED, Json, Mapped, Resolver
from .registry import (
    BY_LABEL,
    FROM_FHIR,
    MANY,
    ROUND_TRIP,
    RULES,
    Rule,
    field_values,
    from_fhir,
    from_fhir_many,
    ref_values,
    reference,
    resource_type,
    rule_for,
    to_fhir,
    validate,
)

__all__ = [
    "BY_LABEL",
    "FROM_FHIR",
    "MANY",
    "NOT_RECORDED",
    "ROUND_TRIP",
    "RULES",
    "Json",
    "Mapped",
    "Resolver",
    "Rule",
    "field_values",
    "from_fhir",
    "from_fhir_many",
    "ref_values",
    "reference",
    "resource_type",
    "rule_for",
    "to_fhir",
    "validate",
]
