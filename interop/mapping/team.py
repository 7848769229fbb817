"""The care team: PractitionerRole (a team member), Practitioner, CareTeam, Organization.

A care team member is a ``PractitionerRole`` (the person in a role for this
child: name, role, specialty, clinic, phones); other resources point at it.
Imported ``Practitioner`` resources and the practitioners of a ``CareTeam``
become team members too; an ``Organization`` is a practice.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from accounts.models import Practice
from children.models import CareTeamMember

from .base import (
    Json,
    Mapped,
    Resolver,
    concept_text,
    contact_points,
    display_of,
    ext,
    ext_value,
    first_of,
    human_name,
    local_code,
    local_concept,
    ref_of,
    telecoms,
)


def member_to(item: CareTeamMember) -> Json:
    organization = {"display": item.organization}
    if item.practice is not None:
        organization["reference"] = f"Organization/{item.practice.uuid}"
    return {
        "resourceType": "PractitionerRole",
        "id": str(item.uuid),
        "extension": [
            ext("medical-home-lead", "Boolean", item.is_medical_home_lead),
            ext("team-notes", "String", item.notes),
        ],
        "practitioner": {"display": item.name},
        "organization": organization,
        "code": [local_concept("care-team-role", item.role, item.get_role_display())],
        "specialty": [{"text": item.specialty}],
        "telecom": telecoms(item.phone, item.email, item.fax, item.after_hours_phone),
    }


def _email(value: str) -> str:
    try:
        validate_email(value)
    except ValidationError:
        return ""
    return value


def _member_fields(name: str, telecom: Any) -> dict[str, Any]:
    """Name and contacts; an address Homebase cannot store as an email goes to the notes."""
    contacts = contact_points(telecom)
    email = contacts.get("email", "")
    return {
        "name": name,
        "phone": contacts.get("phone", "")[:40],
        "after_hours_phone": contacts.get("after-hours", "")[:40],
        "email": _email(email),
        "fax": contacts.get("fax", "")[:40],
        "notes": "" if _email(email) == email else email,
    }


def _role_from(resource: Json) -> str:
    for concept in resource.get("code") or []:
        local = local_code(concept, "care-team-role")
        if local in CareTeamMember.Role.values:
            return local
    return "other"


def _practitioner_name(resource: Json) -> str:
    names = resource.get("name")
    if isinstance(names, str):
        return names
    return human_name(first_of(names))


def practitioner_role_from(resource: Json, find: Resolver) -> list[Mapped]:
    name = display_of(resource.get("practitioner"), find, _practitioner_name)
    if not name:
        return []
    telecom = resource.get("telecom")
    if not telecom and (ref := ref_of(resource.get("practitioner"))):
        telecom = (find(ref) or {}).get("telecom")
    organization = resource.get("organization") or {}
    fields = {
        **_member_fields(name, telecom),
        "role": _role_from(resource),
        "specialty": concept_text(first_of(resource.get("specialty"))),
        "organization": display_of(organization, find, lambda o: str(o.get("name", ""))),
        "is_medical_home_lead": bool(ext_value(resource, "medical-home-lead")),
    }
    notes = ext_value(resource, "team-notes") or ""
    fields["notes"] = "\n\n".join(n for n in (notes, fields["notes"]) if n)
    ref = ref_of(organization)
    refs = {"practice": ref} if ref and not ref.startswith("#") else {}
    return [Mapped(CareTeamMember, fields, refs)]


def practitioner_from(resource: Json, find: Resolver) -> list[Mapped]:
    name = _practitioner_name(resource)
    if not name:
        return []
    fields = {**_member_fields(name, resource.get("telecom")), "role": "other"}
    return [Mapped(CareTeamMember, fields)]


def care_team_from(resource: Json, find: Resolver) -> list[Mapped]:
    """The people of a CareTeam that are not in the upload as a PractitionerRole."""
    found = []
    for participant in resource.get("participant") or []:
        member = participant.get("member") or {}
        ref = ref_of(member) or ""
        target = (find(ref) if ref else None) or {}
        kind = target.get("resourceType") or ref.split("/")[0].split("?")[0]
        name = member.get("display") or (_practitioner_name(target) if target else "")
        if kind == "Practitioner" and name:
            fields = {**_member_fields(name, target.get("telecom")), "role": "other"}
            found.append(Mapped(CareTeamMember, fields, source=ref))
    return found


def practice_to(item: Practice) -> Json:
    telecom = telecoms(item.phone, after_hours=item.after_hours_phone)
    if item.nurse_line:
        telecom.append({"id": "nurse-line", "system": "phone", "value": item.nurse_line})
    if item.website:
        telecom.append({"system": "url", "value": item.website})
    return {
        "resourceType": "Organization",
        "id": str(item.uuid),
        "name": item.name,
        "telecom": telecom,
        "address": [{"text": item.address}] if item.address else [],
    }


def _address_text(address: Json) -> str:
    if address.get("text"):
        return str(address["text"])
    place = " ".join(p for p in (address.get("state"), address.get("postalCode")) if p)
    town = ", ".join(p for p in (address.get("city"), place) if p)
    return "\n".join(p for p in [*address.get("line", []), town] if p)


def practice_from(resource: Json, find: Resolver) -> list[Mapped]:
    if not resource.get("name"):
        return []
    contacts = contact_points(resource.get("telecom"))
    fields = {
        "name": str(resource["name"])[:200],
        "phone": contacts.get("phone", "")[:40],
        "after_hours_phone": contacts.get("after-hours", "")[:40],
        "nurse_line": contacts.get("nurse-line", "")[:40],
        "website": contacts.get("url", "")[:200],
        "address": _address_text(first_of(resource.get("address"))),
    }
    return [Mapped(Practice, fields)]
