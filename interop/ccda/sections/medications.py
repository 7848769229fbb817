"""Medications (2.16.840.1.113883.10.20.22.2.1(.1)) and discharge medications (2.11(.1)).

One MedicationStatement per Medication Activity. ``status``: statusCode
active -> active, completed -> completed, aborted/cancelled -> stopped,
suspended/held -> on-hold, new/moodCode INT without status -> intended,
anything else -> unknown. ``informationSource`` is the prescriber (author of
the activity or of its supply order).
"""

from __future__ import annotations

from ...terminology import CCDA_MEDICATION_STATUS
from ..converter import Converter, new_resource, ref
from ..datatypes import (
    XSI_TYPE,
    Json,
    Node,
    child,
    children,
    decimal_value,
    dose_quantity,
    first_element,
    id_keys,
    main_effective_time,
    period,
    text_of,
)

PERIOD_UNITS = ("s", "min", "h", "d", "wk", "mo", "a")  # UCUM units FHIR Timing takes as they are


def convert(conv: Converter, top: Node, section: Node) -> None:
    found = first_element(top, "substanceAdministration")
    if found is None:
        return
    top = found
    if top.get("negationInd") == "true":
        return
    material = child(top, "consumable", "manufacturedProduct", "manufacturedMaterial")
    name = text_of(child(material, "name"))
    medication = conv.codeable(child(material, "code"), fallback=name or conv.entry_text(top))
    if medication is None:
        return
    if name and "text" not in medication:
        medication["text"] = name
    statement = new_resource("MedicationStatement", top)
    status_code = child(top, "statusCode")
    code = (status_code.get("code") or "").lower() if status_code is not None else ""
    status = CCDA_MEDICATION_STATUS.get(code)
    if status is None:
        status = "intended" if top.get("moodCode") == "INT" else "unknown"
    start, end = period(main_effective_time(top))
    statement["status"] = status
    statement["medicationCodeableConcept"] = medication
    statement["subject"] = conv.subject()
    if start or end:
        statement["effectivePeriod"] = {k: v for k, v in (("start", start), ("end", end)) if v}
    prescriber = _prescriber(conv, top)
    if prescriber:
        statement["informationSource"] = ref(prescriber)
    reasons = _reasons(conv, top)
    if reasons:
        statement["reasonCode"] = reasons
    dosage = _dosage(conv, top, medication)
    if dosage:
        statement["dosage"] = [dosage]
    conv.add(statement, id_keys(top))


def _prescriber(conv: Converter, top: Node) -> Json | None:
    """The activity's author, else the author of its supply order."""
    prescriber = conv.author_practitioner(top)
    if prescriber is None:
        for rel in children(top, "entryRelationship"):
            supply = child(rel, "supply")
            if supply is not None and supply.get("moodCode") == "INT":
                prescriber = conv.author_practitioner(supply)
                if prescriber:
                    break
    return prescriber


def _reasons(conv: Converter, top: Node) -> list[Json]:
    reasons: list[Json] = []
    for rel in children(top, "entryRelationship"):
        obs = child(rel, "observation")
        if rel.get("typeCode") == "RSON" and obs is not None:
            reason = conv.codeable(child(obs, "value")) or conv.codeable(child(obs, "code"))
            if reason and reason not in reasons:
                reasons.append(reason)
    return reasons


def _dosage(conv: Converter, top: Node, medication: Json) -> Json:
    dosage: Json = {}
    sig = conv.entry_text(top)
    if sig and sig != medication.get("text"):
        dosage["text"] = sig
    route = conv.codeable(child(top, "routeCode"))
    if route:
        dosage["route"] = route
    quantity = dose_quantity(top)
    if quantity is not None:
        dosage["doseAndRate"] = [{"doseQuantity": quantity}]
    timing = _timing(top)
    if timing:
        dosage["timing"] = timing
    return dosage


def _timing(el: Node) -> Json | None:
    """A FHIR Timing for the first PIVL_TS schedule ("every 8 h")."""
    for et in children(el, "effectiveTime"):
        if et.get(XSI_TYPE) != "PIVL_TS":
            continue
        period_el = child(et, "period")
        value = decimal_value(period_el.get("value")) if period_el is not None else None
        unit = (period_el.get("unit") or "").strip() if period_el is not None else ""
        if value is not None and value > 0 and unit in PERIOD_UNITS:
            return {"repeat": {"frequency": 1, "period": value, "periodUnit": unit}}
    return None
