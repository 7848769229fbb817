"""Problems (2.16.840.1.113883.10.20.22.2.5(.1)) and hospital discharge diagnoses (2.24).

One Condition per Problem Observation. clinicalStatus comes from the Problem
Status observation, else "resolved" when the problem has an end date or its
concern act is completed. A negated observation ("no known problems") is not
a problem.
"""

from __future__ import annotations

from ...terminology import (
    CCDA_PROBLEM_STATUS,
    CONDITION_CATEGORY,
    CONDITION_CLINICAL,
    CONDITION_VERIFICATION,
)
from ..converter import Converter, new_resource, ref
from ..datatypes import Node, child, children, coding_key, id_keys, period, q, template_ids

DISCHARGE_DIAGNOSIS = "2.16.840.1.113883.10.20.22.2.24"  # the section
PROBLEM_OBSERVATION = "2.16.840.1.113883.10.20.22.4.4"
PROBLEM_STATUS = "2.16.840.1.113883.10.20.22.4.6"


def convert(conv: Converter, top: Node, section: Node) -> None:
    discharge = DISCHARGE_DIAGNOSIS in template_ids(section)
    observations: list[tuple[Node, Node | None]]
    if top.tag == q("observation"):
        observations = [(top, None)]
    else:
        observations = [
            (obs, top)
            for obs in top.iter(q("observation"))
            if PROBLEM_OBSERVATION in template_ids(obs)
        ]
        if not observations:
            for rel in children(top, "entryRelationship"):
                obs = child(rel, "observation")
                if obs is not None and child(obs, "value") is not None:
                    observations.append((obs, top))
    for obs, act in observations:
        _problem(conv, obs, act, discharge)


def _problem(conv: Converter, obs: Node, act: Node | None, discharge: bool) -> None:
    if obs.get("negationInd") == "true":
        return
    # the observation's own code is the kind of problem ("Condition", "Diagnosis"...);
    # the problem itself is the value
    code = conv.codeable(
        child(obs, "value"),
        fallback=conv.entry_text(obs) or (conv.entry_text(act) if act is not None else None),
    )
    if code is None:
        return
    condition = new_resource("Condition", obs)
    onset, abatement = period(child(obs, "effectiveTime"))
    if not onset and act is not None:
        onset, _end = period(child(act, "effectiveTime"))
    status = _clinical_status(conv, obs, act, abatement)
    condition["clinicalStatus"] = {"coding": [{"system": CONDITION_CLINICAL, "code": status}]}
    condition["verificationStatus"] = {
        "coding": [{"system": CONDITION_VERIFICATION, "code": "confirmed"}]
    }
    category = "encounter-diagnosis" if discharge else "problem-list-item"
    condition["category"] = [{"coding": [{"system": CONDITION_CATEGORY, "code": category}]}]
    condition["code"] = code
    condition["subject"] = conv.subject()
    if onset:
        condition["onsetDateTime"] = onset
    if abatement:
        condition["abatementDateTime"] = abatement
    author = conv.first_author(obs, act)
    if author:
        condition["recorder"] = ref(author)
    keys = id_keys(obs) or (id_keys(act) if act is not None else [])
    conv.add(condition, keys)


def _clinical_status(conv: Converter, obs: Node, act: Node | None, abatement: str | None) -> str:
    status = None
    for rel in children(obs, "entryRelationship"):
        status_obs = child(rel, "observation")
        if status_obs is not None and PROBLEM_STATUS in template_ids(status_obs):
            value = conv.codeable(child(status_obs, "value"))
            status = CCDA_PROBLEM_STATUS.get(coding_key(value) or "")
    if status is None:
        act_status_el = child(act, "statusCode")
        act_status = act_status_el.get("code") if act_status_el is not None else None
        if abatement or act_status == "completed":
            status = "resolved"
        elif act_status == "aborted":
            status = "inactive"
        else:
            status = "active"
    if abatement and status not in ("inactive", "resolved", "remission"):
        status = "resolved"
    return status
