"""The resource types the API serves: the Homebase model behind each, and its search parameters.

A type's rows come only through ``children.access`` (``export.rows_query``)
as the token's owner; the search parameters here only narrow them further.
Token parameters are turned into database filters by asking, for each value
the Homebase field can hold, which codes ``mapping.to_fhir`` writes for it,
so a search matches what the resources say (``test_api`` checks every
parameter against the resources themselves).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Q, QuerySet

from children import access
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

from ..export import rows_query
from ..mapping.observations import measurement_code
from ..terminology import (
    ALLERGY_CLINICAL,
    CONDITION_CATEGORY,
    CONDITION_CLINICAL,
    CRITICALITY,
    CS,
    CVX,
    GOAL_STATUS,
    MEDICATION_STATUS,
    OBSERVATION_CATEGORY,
    PLAN_KIND,
    PRIORITY,
    REFERRAL,
    REFERRAL_STATUS,
    RXNORM,
    SNOMED,
    TASK_STATUS,
    VITALS,
    implied_condition_system,
)

NOTHING = Q(pk__in=[])
Coding = tuple[str | None, str]  # (system or None when the resource gives none, code)


class BadParameter(ValueError):
    """A search parameter the API cannot answer (400)."""


@dataclass(frozen=True)
class Param:
    type: str  # the FHIR search parameter type, for the CapabilityStatement
    build: Callable[[str], Q]  # one value (commas already split) -> a filter


def split_token(value: str) -> Coding:
    """``system|code`` or ``code`` (``|code``: any system)."""
    if "|" in value:
        system, code = value.split("|", 1)
        return system or None, code
    return None, value


def _matches(coding: Coding, system: str | None, code: str) -> bool:
    """Whether a resource's coding answers ``system|code`` (no system on either side: any)."""
    found_system, found_code = coding
    return found_code == code and (system is None or found_system in (None, system))


def choice(
    name: str | None, codes: Callable[[Any], Iterable[Coding]], values: Iterable[Any]
) -> Param:
    """A token parameter over a field with a fixed set of values.

    ``codes(value)`` gives the codings the resource carries for that value of
    field ``name``; ``name`` None: the resource always carries the same codes.
    """
    values = tuple(values)

    def build(text: str) -> Q:
        system, code = split_token(text)
        hits = [v for v in values if any(_matches(coding, system, code) for coding in codes(v))]
        if not hits:
            return NOTHING
        return Q() if name is None else Q(**{f"{name}__in": hits})

    return Param("token", build)


def constant(code: str, system: str | None = None) -> Param:
    return choice(None, lambda _value: [(system, code)], [None])


def coded(implied: Callable[[str], str | None]) -> Param:
    """A token parameter over ``code`` and ``code_system`` (blank when the code implies it)."""

    def build(text: str) -> Q:
        system, code = split_token(text)
        if not code:
            return NOTHING
        found = Q(code=code)
        if system is None:
            return found
        if (implied(code) or "") == system:
            return found & Q(code_system__in=["", system])
        return found & Q(code_system=system)

    return Param("token", build)


def _same(value: Any, system: str | None = None) -> list[Coding]:
    return [(system, str(value))]


def _looked_up(table: dict[str, str], default: str | None = None) -> Callable[[Any], list[Coding]]:
    return lambda value: [(None, table.get(value, default) or "")]


def _measurement_codes(kind: str) -> list[Coding]:
    concept = measurement_code(Measurement(kind=kind))
    return [(c.get("system"), c["code"]) for c in concept["coding"]]


@dataclass(frozen=True)
class Kind:
    name: str  # the FHIR resource type
    model: type[models.Model]
    params: dict[str, Param] = field(default_factory=dict)
    where: Q = field(default_factory=Q)  # which rows of the model are this type

    def rows(self, child: Child, user: Any) -> QuerySet[Any]:
        """This type's rows on the (already authorized) ``child`` that ``user`` may see."""
        if self.model is Child:
            return access.visible_children(user).filter(pk=child.pk)
        if not access.can_view(access.perms_for(user, child), self.model):
            return self.model._default_manager.none()
        found = rows_query(child, self.model, user).filter(self.where)
        if self.model is CarePlan:
            found = found.prefetch_related("goals")
        return found


_VISIT_DONE = Q(status=Visit.Status.DONE)

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("Patient", Child),
        Kind(
            "Condition",
            Condition,
            {
                "clinical-status": choice(
                    "status", lambda v: _same(v, CONDITION_CLINICAL), Condition.Status.values
                ),
                "category": constant("problem-list-item", CONDITION_CATEGORY),
                "code": coded(implied_condition_system),
            },
        ),
        Kind(
            "AllergyIntolerance",
            Allergy,
            {
                "clinical-status": constant("active", ALLERGY_CLINICAL),
                "category": choice(
                    "category",
                    lambda v: [] if v == Allergy.Category.OTHER else _same(v),
                    Allergy.Category.values,
                ),
                "criticality": choice("severity", _looked_up(CRITICALITY), Allergy.Severity.values),
                "code": coded(implied_condition_system),
            },
        ),
        Kind(
            "MedicationStatement",
            Medication,
            {
                "status": choice("status", _looked_up(MEDICATION_STATUS), Medication.Status.values),
                "code": coded(lambda _code: RXNORM),
            },
        ),
        Kind(
            "Immunization",
            Immunization,
            {"status": constant("completed"), "vaccine-code": coded(lambda _code: CVX)},
        ),
        Kind(
            "Observation",
            Measurement,
            {
                "status": constant("final"),
                "category": choice(
                    "kind",
                    lambda k: _same(
                        "vital-signs" if k in VITALS else "survey", OBSERVATION_CATEGORY
                    ),
                    Measurement.Kind.values,
                ),
                "code": choice("kind", _measurement_codes, Measurement.Kind.values),
            },
        ),
        Kind("Encounter", Visit, {"status": constant("finished")}, where=_VISIT_DONE),
        Kind(
            "Appointment",
            Visit,
            {
                "status": choice(
                    "status",
                    _looked_up({Visit.Status.CANCELLED: "cancelled"}, "booked"),
                    [Visit.Status.PLANNED, Visit.Status.CANCELLED],
                )
            },
            where=~_VISIT_DONE,
        ),
        Kind("Coverage", Coverage, {"status": constant("active")}),
        Kind(
            "DocumentReference",
            Document,
            {
                "status": constant("current"),
                "type": choice(
                    "kind", lambda v: _same(v, CS + "document-kind"), Document.Kind.values
                ),
            },
        ),
        Kind(
            "Device",
            Equipment,
            {
                "status": choice(
                    "in_use", lambda v: _same("active" if v else "inactive"), [True, False]
                )
            },
        ),
        Kind(
            "PractitionerRole",
            CareTeamMember,
            {
                "role": choice(
                    "role", lambda v: _same(v, CS + "care-team-role"), CareTeamMember.Role.values
                )
            },
        ),
        Kind(
            "CarePlan",
            CarePlan,
            {
                "status": constant("active"),
                "category": constant(PLAN_KIND, CS + "plan-kind"),
            },
        ),
        Kind(
            "Goal",
            Goal,
            {
                "lifecycle-status": choice("status", _looked_up(GOAL_STATUS), Goal.Status.values),
                "category": choice(
                    "domain", lambda v: _same(v, CS + "goal-domain"), Goal.Domain.values
                ),
            },
        ),
        Kind(
            "Task",
            Task,
            {"status": choice("status", _looked_up(TASK_STATUS), Task.Status.values)},
        ),
        Kind(
            "ServiceRequest",
            Referral,
            {
                "status": choice(
                    "status", _looked_up(REFERRAL_STATUS, "active"), Referral.Status.values
                ),
                "category": constant(REFERRAL[0], SNOMED),
                "priority": choice("urgency", _looked_up(PRIORITY), Referral.Urgency.values),
            },
        ),
    )
}
