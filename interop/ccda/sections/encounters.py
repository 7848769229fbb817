"""Encounters section (2.16.840.1.113883.10.20.22.2.22(.1)): one Encounter per encounter entry.

``encounter`` also makes the Encounter of the header's encompassingEncounter;
the two are one resource when the entry repeats the header's id.
"""

from __future__ import annotations

from ...terminology import ACT_CODE_OID, ACT_ENCOUNTER_CODES, OID_SYSTEMS, V3_NULL_FLAVOR
from ..converter import Converter, new_resource, ref
from ..datatypes import (
    Json,
    Node,
    child,
    children,
    fhir_period,
    first_element,
    id_keys,
    q,
    template_ids,
    text_of,
)
from .problems import PROBLEM_OBSERVATION


def convert(conv: Converter, top: Node, section: Node) -> None:
    found = first_element(top, "encounter")
    if found is None:
        return
    top = found
    participants: list[Json] = []
    for performer in children(top, "performer"):
        practitioner, _organization = conv.entity(child(performer, "assignedEntity"))
        if practitioner:
            item: Json = {"individual": ref(practitioner)}
            function = conv.codeable(child(performer, "functionCode"))
            if function:
                item["type"] = [function]
            if item not in participants:
                participants.append(item)
    place = None
    for participant in children(top, "participant"):
        if participant.get("typeCode") != "LOC":
            continue
        place = text_of(child(participant, "participantRole", "playingEntity", "name"))
        place = place or (conv.codeable(child(participant, "participantRole", "code")) or {}).get(
            "text"
        )
        if place:
            break
    encounter(conv, top, participants=participants, place=place)


def encounter(conv: Converter, el: Node, participants: list[Json], place: str | None) -> None:
    """Add the Encounter of an encounter entry or of the encompassingEncounter."""
    code = conv.codeable(child(el, "code"), fallback=conv.entry_text(el))
    resource = new_resource("Encounter", el)
    resource["status"] = _status(el)
    resource["class"] = _encounter_class(child(el, "code"))
    if code:
        resource["type"] = [code]
    resource["subject"] = conv.subject()
    if participants:
        resource["participant"] = participants
    period = fhir_period(child(el, "effectiveTime"))
    if period:
        resource["period"] = period
    reasons = _reasons(conv, el)
    if reasons:
        resource["reasonCode"] = reasons
    if place:
        resource["location"] = [{"location": {"display": place}}]
    keys = id_keys(el)
    if not keys and code is None and period is None:
        return
    # the document's encompassingEncounter often reappears as an entry with the same id:
    # one Encounter, completed with the entry's details
    conv.add(resource, keys, merge=bool(keys))


def _status(el: Node) -> str:
    mood = el.get("moodCode") or "EVN"
    status_code = child(el, "statusCode")
    status = (status_code.get("code") if status_code is not None else None) or ""
    if mood != "EVN":
        return "planned"
    if status == "active":
        return "in-progress"
    if status in ("cancelled", "aborted"):
        return "cancelled"
    return "finished"


def _encounter_class(code_el: Node | None) -> Json:
    """The HL7 ActEncounterCode among the codes (ambulatory, emergency...), else unknown."""
    for c in [code_el, *children(code_el, "translation")] if code_el is not None else []:
        code = c.get("code")
        if c.get("codeSystem") == ACT_CODE_OID and code in ACT_ENCOUNTER_CODES:
            return {
                "system": OID_SYSTEMS[ACT_CODE_OID],
                "code": code,
                "display": ACT_ENCOUNTER_CODES[code],
            }
    return {"system": V3_NULL_FLAVOR, "code": "UNK", "display": "unknown"}


def _reasons(conv: Converter, el: Node) -> list[Json]:
    reasons: list[Json] = []
    for rel in children(el, "entryRelationship"):
        for obs in rel.iter(q("observation")):
            if rel.get("typeCode") == "RSON" or PROBLEM_OBSERVATION in template_ids(obs):
                reason = conv.codeable(child(obs, "value"))
                if reason and reason not in reasons:
                    reasons.append(reason)
    return reasons
