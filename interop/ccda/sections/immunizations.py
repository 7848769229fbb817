"""Immunizations (2.16.840.1.113883.10.20.22.2.2(.1)): one Immunization per given activity.

Only given immunizations (moodCode EVN) are kept, planned ones are left out. A
negated activity is ``not-done`` when it names a vaccine, and nothing when it
does not ("no immunizations given" is a statement about nothing).
"""

from __future__ import annotations

from ..converter import Converter, new_resource, ref
from ..datatypes import (
    Json,
    Node,
    child,
    children,
    decimal_value,
    dose_quantity,
    first_element,
    id_keys,
    main_effective_time,
    point_in_time,
    text_of,
)


def convert(conv: Converter, top: Node, section: Node) -> None:
    found = first_element(top, "substanceAdministration")
    if found is None:
        return
    top = found
    if top.get("moodCode") not in (None, "EVN"):
        return  # planned or proposed, not given
    material = child(top, "consumable", "manufacturedProduct", "manufacturedMaterial")
    name = text_of(child(material, "name"))
    vaccine = conv.codeable(child(material, "code"), fallback=name or conv.entry_text(top))
    if vaccine is None:
        return
    negated = top.get("negationInd") == "true"
    if negated and "coding" not in vaccine:
        return  # "no immunizations given": a statement about nothing
    immunization = new_resource("Immunization", top)
    immunization["status"] = "not-done" if negated else "completed"
    if negated:
        reason = _reason_not_given(conv, top)
        if reason:
            immunization["statusReason"] = reason
    immunization["vaccineCode"] = vaccine
    immunization["patient"] = conv.subject()
    when = point_in_time(main_effective_time(top))
    if when:
        immunization["occurrenceDateTime"] = when
    else:
        immunization["occurrenceString"] = "unknown"
    lot = text_of(child(material, "lotNumberText"))
    if lot:
        immunization["lotNumber"] = lot
    manufacturer = text_of(
        child(top, "consumable", "manufacturedProduct", "manufacturerOrganization", "name")
    )
    if manufacturer:
        immunization["manufacturer"] = {"display": manufacturer}
    site = conv.codeable(child(top, "approachSiteCode"))
    if site:
        immunization["site"] = site
    route = conv.codeable(child(top, "routeCode"))
    if route:
        immunization["route"] = route
    quantity = dose_quantity(top)
    if quantity is not None:
        immunization["doseQuantity"] = quantity
    performers = _performers(conv, top)
    if performers:
        immunization["performer"] = performers
    repeat = child(top, "repeatNumber")
    number = decimal_value(repeat.get("value")) if repeat is not None else None
    if isinstance(number, int) and number > 0:
        immunization["protocolApplied"] = [{"doseNumberPositiveInt": number}]
    conv.add(immunization, id_keys(top))


def _reason_not_given(conv: Converter, top: Node) -> Json | None:
    for rel in children(top, "entryRelationship"):
        obs = child(rel, "observation")
        if obs is not None and rel.get("typeCode") == "RSON":
            reason = conv.codeable(child(obs, "code"))
            if reason:
                return reason
    return None


def _performers(conv: Converter, top: Node) -> list[Json]:
    performers: list[Json] = []
    for performer in children(top, "performer"):
        practitioner, organization = conv.entity(child(performer, "assignedEntity"))
        actor = practitioner or organization
        if actor and {"actor": ref(actor)} not in performers:
            performers.append({"actor": ref(actor)})
    return performers
