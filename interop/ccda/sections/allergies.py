"""Allergies (2.16.840.1.113883.10.20.22.2.6(.1)): one AllergyIntolerance per Allergy Observation.

A negated observation or a "no known allergy" code is a statement, not an
allergy. The worst severity of the reactions, or the Criticality observation,
gives ``criticality``.
"""

from __future__ import annotations

from ...terminology import (
    ALLERGY_CLINICAL,
    ALLERGY_VERIFICATION,
    CCDA_ALLERGY_TYPES,
    CCDA_CRITICALITY,
    CCDA_PROBLEM_STATUS,
    CCDA_SEVERITY,
    NDC,
    NO_KNOWN_ALLERGY,
    RXNORM,
)
from ..converter import Converter, new_resource, ref
from ..datatypes import (
    XSI_TYPE,
    Json,
    Node,
    child,
    children,
    clean,
    coding_key,
    id_keys,
    period,
    q,
    template_ids,
    text_of,
)

ALLERGY_STATUS = "2.16.840.1.113883.10.20.22.4.28"
CRITICALITY = "2.16.840.1.113883.10.20.22.4.145"
SEVERITY = "2.16.840.1.113883.10.20.22.4.8"
REACTION = "2.16.840.1.113883.10.20.22.4.9"
_SEVERITY_ORDER = {None: 0, "mild": 1, "moderate": 2, "severe": 3}


def convert(conv: Converter, top: Node, section: Node) -> None:
    if top.tag == q("observation"):
        _allergy(conv, top, None)
        return
    for rel in children(top, "entryRelationship"):
        obs = child(rel, "observation")
        if obs is not None:
            _allergy(conv, obs, top)


def _allergy(conv: Converter, obs: Node, act: Node | None) -> None:
    if obs.get("negationInd") == "true":
        return
    value_code = coding_key(conv.codeable(child(obs, "value")))
    if value_code in NO_KNOWN_ALLERGY:
        return
    substance = _substance(conv, obs, act)
    if substance is None:
        return
    allergy = new_resource("AllergyIntolerance", obs)
    onset, end = period(child(obs, "effectiveTime"))
    status, criticality, reactions = _details(conv, obs)
    if status is None:
        status = "resolved" if end else "active"
    if status not in ("active", "inactive", "resolved"):
        status = "active"
    allergy["clinicalStatus"] = {"coding": [{"system": ALLERGY_CLINICAL, "code": status}]}
    allergy["verificationStatus"] = {
        "coding": [{"system": ALLERGY_VERIFICATION, "code": "confirmed"}]
    }
    kind, category = CCDA_ALLERGY_TYPES.get(value_code or "", (None, None))
    if category is None:
        systems = {c.get("system") for c in substance.get("coding", [])}
        if systems & {RXNORM, NDC}:
            category = "medication"
    if kind:
        allergy["type"] = kind
    if category:
        allergy["category"] = [category]
    if criticality:
        allergy["criticality"] = criticality
    allergy["code"] = substance
    allergy["patient"] = conv.subject()
    if onset:
        allergy["onsetDateTime"] = onset
    author = conv.first_author(obs, act)
    if author:
        allergy["recorder"] = ref(author)
    if reactions:
        allergy["reaction"] = reactions
    keys = id_keys(obs) or (id_keys(act) if act is not None else [])
    conv.add(allergy, keys)


def _substance(conv: Converter, obs: Node, act: Node | None) -> Json | None:
    """What the patient is allergic to (None: not said, or "no known allergy")."""
    value = child(obs, "value")
    playing = child(obs, "participant", "participantRole", "playingEntity")
    substance = conv.codeable(child(playing, "code"), fallback=text_of(child(playing, "name")))
    if substance is not None and coding_key(substance) in NO_KNOWN_ALLERGY:
        return None
    if substance is None:
        fallback = conv.entry_text(obs) or (conv.entry_text(act) if act is not None else None)
        if value is not None and value.get(XSI_TYPE) not in (None, "CD", "CE", "CO"):
            fallback = fallback or clean(value.text)
        if not fallback:
            return None
        substance = {"text": fallback}
    return substance


def _details(conv: Converter, obs: Node) -> tuple[str | None, str | None, list[Json]]:
    """(clinical status, criticality, reactions) from the observation's relationships."""
    status = None
    criticality = None
    worst = None
    reactions: list[Json] = []
    for rel in children(obs, "entryRelationship"):
        sub = child(rel, "observation")
        if sub is None:
            continue
        tids = template_ids(sub)
        sub_value = conv.codeable(child(sub, "value"))
        if ALLERGY_STATUS in tids:
            status = CCDA_PROBLEM_STATUS.get(coding_key(sub_value) or "")
        elif CRITICALITY in tids:
            criticality = CCDA_CRITICALITY.get((coding_key(sub_value) or "").upper())
        elif SEVERITY in tids:
            worst = _worse(worst, _severity(sub_value))
        elif rel.get("typeCode") == "MFST" or REACTION in tids:
            reaction, severities = _reaction(conv, sub, sub_value)
            if reaction is None:
                continue
            for severity in severities:
                worst = _worse(worst, severity)
            if reaction not in reactions:
                reactions.append(reaction)
    if criticality is None and worst:
        criticality = "high" if worst == "severe" else "low"
    return status, criticality, reactions


def _reaction(conv: Converter, sub: Node, sub_value: Json | None) -> tuple[Json | None, list[str]]:
    """A reaction (None without a manifestation), and every severity given for it."""
    manifestation = sub_value or conv.codeable(None, fallback=conv.entry_text(sub))
    if manifestation is None:
        return None, []
    reaction: Json = {"manifestation": [manifestation]}
    severities = []
    for sub_rel in children(sub, "entryRelationship"):
        sev_obs = child(sub_rel, "observation")
        if sev_obs is not None and SEVERITY in template_ids(sev_obs):
            severity = _severity(conv.codeable(child(sev_obs, "value")))
            if severity:
                reaction["severity"] = severity
                severities.append(severity)
    return reaction, severities


def _severity(cc: Json | None) -> str | None:
    if not cc:
        return None
    key = coding_key(cc)
    if key in CCDA_SEVERITY:
        return CCDA_SEVERITY[key]
    text = (cc.get("text") or "").lower()
    for word in ("severe", "moderate", "mild"):
        if word in text:
            return word
    return None


def _worse(a: str | None, b: str | None) -> str | None:
    return a if _SEVERITY_ORDER[a] >= _SEVERITY_ORDER[b] else b
