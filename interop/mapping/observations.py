"""Observation: a measurement (vital signs in LOINC and UCUM, other kinds in a local code)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from records.models import Measurement

from ..terminology import (
    LOINC,
    MEASUREMENT_KIND_OF_LOINC,
    OBSERVATION_CATEGORY,
    PULSE_OXIMETRY,
    UCUM,
    VITALS,
)
from .base import (
    Json,
    Mapped,
    Resolver,
    annotation,
    concept_text,
    fhir_date,
    local_code,
    local_concept,
    notes_text,
    patient_ref,
    read_date,
)

_UCUM_OF = {unit: ucum for _code, _label, unit, ucum in VITALS.values()}
_UNIT_OF = {ucum: unit for unit, ucum in _UCUM_OF.items()}
# (UCUM code, kind) -> (Homebase unit, convert)
_CONVERT: dict[tuple[str, str], tuple[str, Callable[[Decimal], Decimal]]] = {
    ("[lb_av]", "weight"): ("kg", lambda v: v * Decimal("0.45359237")),
    ("g", "weight"): ("kg", lambda v: v / 1000),
    ("[in_i]", "height"): ("cm", lambda v: v * Decimal("2.54")),
    ("[in_i]", "head"): ("cm", lambda v: v * Decimal("2.54")),
    ("[degF]", "temperature"): ("°C", lambda v: (v - 32) * 5 / 9),
}


def measurement_code(item: Measurement) -> Json:
    if item.kind in VITALS:
        code, label, *_rest = VITALS[item.kind]
        codings = [{"system": LOINC, "code": code, "display": label}]
        if item.kind == "oxygen":
            code, label = PULSE_OXIMETRY
            codings.append({"system": LOINC, "code": code, "display": label})
        return {"coding": codings, "text": str(item.get_kind_display())}
    return local_concept("measurement-kind", item.kind, item.get_kind_display())


def measurement_to(item: Measurement) -> Json:
    vital = item.kind in VITALS
    ucum = _UCUM_OF.get(item.unit)
    quantity = {
        "value": float(item.value),
        "unit": item.unit,
        "system": UCUM if ucum else None,
        "code": ucum,
    }
    category = "vital-signs" if vital else "survey"
    return {
        "resourceType": "Observation",
        "id": str(item.uuid),
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": category}]}],
        "code": measurement_code(item),
        "subject": patient_ref(item),
        "effectiveDateTime": fhir_date(item.measured_on),
        "valueQuantity": quantity,
        "note": [annotation(item.notes)],
    }


def _is_vital(resource: Json) -> bool:
    return any(
        c.get("code") == "vital-signs"
        for cat in resource.get("category") or []
        for c in cat.get("coding") or []
    )


def _measurement_kind(resource: Json) -> str | None:
    concept = resource.get("code") or {}
    local = local_code(concept, "measurement-kind")
    if local in Measurement.Kind.values:
        return local
    for coding in concept.get("coding") or []:
        if coding.get("system") == LOINC and coding.get("code") in MEASUREMENT_KIND_OF_LOINC:
            return MEASUREMENT_KIND_OF_LOINC[coding["code"]]
    return "other" if _is_vital(resource) else None


def _quantity(quantity: Json, kind: str) -> tuple[Decimal, str] | None:
    try:
        value = Decimal(str(quantity["value"]))
    except (KeyError, InvalidOperation):
        return None
    code = quantity.get("code") if quantity.get("system") == UCUM else None
    unit = str(quantity.get("unit") or quantity.get("code") or "")
    if code and (code, kind) in _CONVERT:
        unit, convert = _CONVERT[(code, kind)]
        value = convert(value)
    elif code in _UNIT_OF and kind in VITALS:
        unit = _UNIT_OF[code]
    value = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return (value, unit[:20]) if abs(value) < Decimal("1000000") else None


def measurement_from(resource: Json, find: Resolver) -> list[Mapped]:
    kind = _measurement_kind(resource)
    if kind is None or resource.get("status") in ("entered-in-error", "cancelled"):
        return []
    found = _quantity(resource.get("valueQuantity") or {}, kind)
    measured = read_date(resource.get("effectiveDateTime")) or read_date(
        (resource.get("effectivePeriod") or {}).get("start") or resource.get("issued")
    )
    if found is None or measured is None:
        return []
    notes = notes_text(resource)
    if kind == "other" and local_code(resource.get("code"), "measurement-kind") is None:
        notes = "; ".join(t for t in (concept_text(resource.get("code")), notes) if t)
    value, unit = found
    fields = {
        "kind": kind,
        "value": value,
        "unit": unit,
        "measured_on": measured,
        "notes": notes[:300],
    }
    return [Mapped(Measurement, fields)]
