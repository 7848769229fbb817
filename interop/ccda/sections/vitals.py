"""Vital signs (2.16.840.1.113883.10.20.22.2.4(.1)): one Observation per measurement.

Only positive numbers are kept (``valueQuantity``; UCUM system and code only
for units known to be UCUM): some exporters (Synthea) put coded lab results in
this section, and some (PracticeFusion) fill empty vitals with 0. The C-CDA
(LOINC) code stays as it is; a variant code (3141-9 weight measured, 8287-5
head circumference by tape, 8331-1 oral temperature...) gets the base code
added as a second coding, so readers can rely on the base codes.
"""

from __future__ import annotations

from ...terminology import LOINC, OBSERVATION_CATEGORY, UCUM, UCUM_UNITS, VITAL_BASE_CODES
from ..converter import Converter, new_resource
from ..datatypes import (
    XSI_TYPE,
    Json,
    Node,
    child,
    children,
    clean,
    decimal_value,
    id_keys,
    point_in_time,
    q,
)

# C-CDA statusCode -> FHIR Observation status (anything else: final).
_STATUS = {
    "nullified": "entered-in-error",
    "cancelled": "cancelled",
    "aborted": "cancelled",
    "active": "preliminary",
}


def convert(conv: Converter, top: Node, section: Node) -> None:
    if top.tag == q("organizer"):
        organizer_time = point_in_time(child(top, "effectiveTime"))
        for component in children(top, "component"):
            obs = child(component, "observation")
            if obs is not None:
                _vital(conv, obs, organizer_time)
    elif top.tag == q("observation"):
        _vital(conv, top, None)


def _vital(conv: Converter, obs: Node, organizer_time: str | None) -> None:
    if obs.get("negationInd") == "true" or obs.get("moodCode") not in (None, "EVN"):
        return
    code = conv.codeable(child(obs, "code"), fallback=conv.entry_text(obs))
    value = child(obs, "value")
    if code is None or value is None or value.get("nullFlavor") is not None:
        return
    if (value.get(XSI_TYPE) or "PQ").split(":")[-1] not in ("PQ", "INT", "REAL", "IVL_PQ"):
        return
    observation = new_resource("Observation", obs)
    status_code = child(obs, "statusCode")
    status = (status_code.get("code") if status_code is not None else None) or "completed"
    observation["status"] = _STATUS.get(status, "final")
    observation["category"] = [
        {
            "coding": [
                {"system": OBSERVATION_CATEGORY, "code": "vital-signs", "display": "Vital Signs"}
            ]
        }
    ]
    _add_base_codes(code)
    observation["code"] = code
    observation["subject"] = conv.subject()
    when = point_in_time(child(obs, "effectiveTime")) or organizer_time
    if when:
        observation["effectiveDateTime"] = when
    quantity = _quantity(value)
    if quantity is None:
        return
    observation["valueQuantity"] = quantity
    conv.add(observation, id_keys(obs))


def _add_base_codes(code: Json) -> None:
    """Add the base vital-sign code beside a variant LOINC code the document gives."""
    present = {c.get("code") for c in code.get("coding", []) if c.get("system") == LOINC}
    for loinc in sorted(present):
        base = VITAL_BASE_CODES.get(loinc)
        if base and base[0] not in present:
            code["coding"].append({"system": LOINC, "code": base[0], "display": base[1]})
            present.add(base[0])


def _quantity(value: Node) -> Json | None:
    """A positive measured value as a Quantity; None for anything else."""
    number = decimal_value(value.get("value"))
    if number is None or number <= 0:
        return None
    quantity: Json = {"value": number}
    unit = clean(value.get("unit"))
    if unit and unit != "1":
        quantity["unit"] = unit
        if unit in UCUM_UNITS:
            quantity["system"] = UCUM
            quantity["code"] = unit
    return quantity
