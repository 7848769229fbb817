"""Patient: the child."""

from __future__ import annotations

from children.models import Child

from .base import Json, Mapped, Resolver, concept_text, fhir_date, first_of, read_date


def patient_to(child: Child) -> Json:
    names = [{"use": "official", "family": child.last_name, "given": [child.first_name]}]
    if child.preferred_name:
        names.append({"use": "usual", "given": [child.preferred_name]})
    return {
        "resourceType": "Patient",
        "id": str(child.uuid),
        "name": names,
        "gender": child.sex,
        "birthDate": fhir_date(child.birth_date),
        "communication": [{"language": {"text": child.language}}] if child.language else [],
    }


def patient_from(resource: Json, find: Resolver) -> list[Mapped]:
    names = [n for n in resource.get("name") or [] if isinstance(n, dict)]
    official = next((n for n in names if n.get("use") == "official"), None)
    official = official or next((n for n in names if n.get("use") not in ("usual", "nickname")), {})
    usual = next((n for n in names if n.get("use") in ("usual", "nickname")), {})
    communication = sorted(
        resource.get("communication") or [], key=lambda c: not c.get("preferred")
    )
    gender = resource.get("gender")
    fields = {
        "first_name": " ".join(official.get("given") or []) or official.get("text", ""),
        "last_name": official.get("family", ""),
        "preferred_name": " ".join(usual.get("given") or []),
        "birth_date": read_date(resource.get("birthDate")),
        "sex": gender if gender in Child.Sex.values else Child.Sex.UNKNOWN,
        "language": concept_text(first_of(communication).get("language")),
    }
    return [Mapped(Child, fields)]
