"""The registry: which mapping each Homebase model and FHIR resource type uses.

``RULES`` lists, per model, what ``to_fhir`` makes of it and which fields make
the round trip; ``FROM_FHIR`` which function reads each resource type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models

from accounts.models import Practice
from children.models import CareTeamMember, Child
from coordination.models import CarePlan, Goal, Referral, Task, Visit
from records.models import (
    Allergy,
    Condition,
    Coverage,
    Document,
    Equipment,
    Immunization,
    Measurement,
    Medication,
)

from ..terminology import GUARDIAN_SYSTEM
from .allergies import allergy_from, allergy_to
from .base import Json, Mapped, Resolver, prune, resolver
from .care_plans import care_plan_from, care_plan_to, goal_from, goal_to
from .conditions import condition_from, condition_to
from .coverage import coverage_from, coverage_to
from .devices import equipment_from, equipment_to
from .documents import document_from, document_to
from .immunizations import immunization_from, immunization_to
from .medications import medication_from, medication_to
from .observations import measurement_from, measurement_to
from .patient import patient_from, patient_to
from .referrals import referral_from, referral_to
from .tasks import task_from, task_to
from .team import (
    care_team_from,
    member_to,
    practice_from,
    practice_to,
    practitioner_from,
    practitioner_role_from,
)
from .visits import appointment_from, encounter_from, visit_to


@dataclass(frozen=True)
class Rule:
    """How one Homebase model maps: what it becomes and which fields make the trip."""

    model: type[models.Model]
    resource_types: tuple[str, ...]  # what to_fhir makes (Visit: either)
    to_fhir: Callable[..., Json]
    fields: tuple[str, ...]  # plain fields that survive from_fhir(to_fhir(item))
    refs: tuple[str, ...] = ()  # FK fields that come back as references
    select: tuple[str, ...] = ()  # select_related for an export

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


def _rule(
    model: type[models.Model],
    types: str,
    to: Callable[..., Json],
    fields: str,
    refs: str = "",
    select: str = "child",
) -> Rule:
    return Rule(
        model,
        tuple(types.split()),
        to,
        tuple(fields.split()),
        tuple(refs.split()),
        tuple(select.split()),
    )


# fmt: off
RULES: tuple[Rule, ...] = (
    _rule(Child, "Patient", patient_to,
          "first_name last_name preferred_name birth_date sex language", select=""),
    _rule(Condition, "Condition", condition_to,
          "name plain_words status diagnosed_on code code_system notes"),
    _rule(Medication, "MedicationStatement", medication_to,
          "name code code_system dose schedule route reason status started_on stopped_on "
          "pharmacy notes", "prescriber", "child prescriber"),
    _rule(Allergy, "AllergyIntolerance", allergy_to,
          "substance code code_system category reaction severity what_to_do"),
    _rule(Immunization, "Immunization", immunization_to,
          "vaccine code code_system given_on dose_number given_by given_elsewhere pcp_told notes"),
    _rule(Measurement, "Observation", measurement_to, "kind value unit measured_on notes"),
    _rule(Coverage, "Coverage", coverage_to,
          "payer plan_name kind is_medicaid member_id group_number phone starts_on renewal_on "
          "ends_on notes"),
    _rule(Equipment, "Device", equipment_to,
          "name supplier supplier_phone serial_number received_on replace_on in_use notes"),
    _rule(Document, "DocumentReference", document_to, "title kind dated notes content_type"),
    _rule(CareTeamMember, "PractitionerRole", member_to,
          "name role specialty organization phone after_hours_phone email fax notes "
          "is_medical_home_lead", "practice", "child practice"),
    _rule(Practice, "Organization", practice_to,
          "name address phone after_hours_phone nurse_line website", select=""),
    _rule(Visit, "Encounter Appointment", visit_to,
          "starts_at place purpose interpreter_needed extra_time_needed extra_time_reason status "
          "summary recording_agreed", "team_member", "child team_member"),
    _rule(Referral, "ServiceRequest", referral_to,
          "to_specialty reason urgency prior_approval_needed status requested_on sent_on "
          "appointment_on seen_on report_on ended_reason",
          "from_member to_member", "child from_member to_member"),
    _rule(Task, "Task", task_to,
          "title details due_on status origin owner_is_child done_at",
          "owner_guardian owner_member goal visit",
          "child owner_member owner_guardian__user goal visit"),
    _rule(CarePlan, "CarePlan", care_plan_to, "strengths priorities what_matters review_on"),
    _rule(Goal, "Goal", goal_to, "text term domain measure target_on status"),
)
# fmt: on
BY_LABEL: dict[str, Rule] = {rule.label: rule for rule in RULES}
ROUND_TRIP: dict[str, tuple[str, ...]] = {rule.label: rule.fields for rule in RULES}
FROM_FHIR: dict[str, Callable[[Json, Resolver], list[Mapped]]] = {
    "Patient": patient_from,
    "Condition": condition_from,
    "MedicationStatement": medication_from,
    "MedicationRequest": medication_from,
    "AllergyIntolerance": allergy_from,
    "Immunization": immunization_from,
    "Observation": measurement_from,
    "Coverage": coverage_from,
    "Device": equipment_from,
    "DocumentReference": document_from,
    "PractitionerRole": practitioner_role_from,
    "Practitioner": practitioner_from,
    "CareTeam": care_team_from,
    "Organization": practice_from,
    "Encounter": encounter_from,
    "Appointment": appointment_from,
    "ServiceRequest": referral_from,
    "Task": task_from,
    "Goal": goal_from,
    "CarePlan": care_plan_from,
}
# Types whose resources may stand for several rows: from_fhir_many only.
MANY = frozenset({"CareTeam"})


def rule_for(item: models.Model | type[models.Model]) -> Rule:
    return BY_LABEL[item._meta.label_lower]


def resource_type(item: models.Model) -> str:
    """The FHIR type ``to_fhir(item)`` makes (a visit depends on its status)."""
    if isinstance(item, Visit):
        return "Encounter" if item.status == Visit.Status.DONE else "Appointment"
    return rule_for(item).resource_types[0]


def reference(item: models.Model) -> str:
    return f"{resource_type(item)}/{item.uuid}"  # type: ignore[attr-defined]


def to_fhir(item: models.Model, *, with_files: bool = False) -> Json:
    """One Homebase row -> one FHIR R4 resource dict (``id`` = the row's uuid)."""
    if isinstance(item, Document):
        return prune(document_to(item, with_files))
    return prune(rule_for(item).to_fhir(item))


def from_fhir_many(resource: Json, resolve: Resolver | None = None) -> list[Mapped]:
    """Every Homebase row one resource stands for ([] when it is not imported).

    ``resolve(reference)`` may return the resource a reference points to (the
    importer's view of the upload); it is used for names given only by
    reference (a MedicationRequest's Medication, a Coverage's payer).
    """
    mapper = FROM_FHIR.get(str(resource.get("resourceType", "")))
    if mapper is None:
        return []
    return [_fit(m) for m in mapper(resource, resolver(resource, resolve))]


def from_fhir(resource: Json, resolve: Resolver | None = None) -> Mapped | None:
    """One resource -> one Homebase row, or None: not imported (a CareTeam: see
    ``from_fhir_many``)."""
    if resource.get("resourceType") in MANY:
        return None
    found = from_fhir_many(resource, resolve)
    return found[0] if found else None


def _fit(mapped: Mapped) -> Mapped:
    """Cut texts to the model's max_length, so a long source value never fails a save."""
    for name, value in mapped.fields.items():
        if isinstance(value, str):
            limit = getattr(mapped.model._meta.get_field(name), "max_length", None)
            if limit and len(value) > limit:
                mapped.fields[name] = value[:limit]
    return mapped


def field_values(item: models.Model) -> dict[str, Any]:
    """The values of ``item`` that make the round trip (for tests and previews)."""
    return {name: getattr(item, name) for name in rule_for(item).fields}


def ref_values(item: models.Model) -> dict[str, str]:
    """The references ``from_fhir(to_fhir(item))`` gives back for ``item``'s FKs."""
    found: dict[str, str] = {}
    for name in rule_for(item).refs:
        target = getattr(item, name)
        if target is None:
            continue
        if name == "owner_guardian":
            found[name] = f"RelatedPerson?identifier={GUARDIAN_SYSTEM}|{target.uuid}"
        elif name == "practice":
            found[name] = f"Organization/{target.uuid}"
        else:
            found[name] = reference(target)
    return found


def validate(resource: Json) -> None:
    """Raise pydantic's ValidationError unless ``resource`` is valid R4 (via R4B)."""
    from fhir.resources.R4B import get_fhir_model_class

    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
