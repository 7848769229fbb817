"""FHIR API: paging and search parameters (each checked against what the resources say)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from interop.api.kinds import KINDS
from records.models import Condition

from .api_support import (
    OUTCOME,
    allowed_ids,
    call,
    everything_url,
    follow,
    ids,
    make_token,
    search_url,
)

# Paging ----------------------------------------------------------------------


def test_next_links_page_through_a_search(client: Any, world: dict[str, Any]) -> None:
    for n in range(8):
        Condition.objects.create(child=world["child"], name=f"Condition {n}")
    secret = make_token(world["owner"], world["child"], "patient/Condition.read")
    first = call(client, secret, search_url("Condition"), _count=3).json()
    assert first["total"] == 11
    assert len(first["entry"]) == 3
    entries = follow(client, secret, first)
    found = [e["resource"]["id"] for e in entries]
    assert len(found) == len(set(found)) == 11
    assert set(found) == {
        str(u)
        for u in Condition.objects.filter(child=world["child"]).values_list("uuid", flat=True)
    }
    last = call(client, secret, search_url("Condition"), _count=3, _offset=9).json()
    relations = {link["relation"] for link in last["link"]}
    assert relations == {"self", "previous"}


def test_next_links_page_through_everything(client: Any, world: dict[str, Any]) -> None:
    secret = make_token(world["owner"], world["child"])
    first = call(client, secret, everything_url(world["child"]), _count=4).json()
    entries = follow(client, secret, first)
    found = [e["resource"]["id"] for e in entries]
    assert len(found) == len(set(found)) == first["total"]
    assert set(found) == allowed_ids(world, "owner", set(KINDS))
    assert entries[0]["resource"]["resourceType"] == "Patient"


def test_count_is_capped_at_200(client: Any, world: dict[str, Any]) -> None:
    secret = make_token(world["owner"], world["child"])
    bundle = call(client, secret, search_url("Condition"), _count=5000).json()
    assert "_count=200" in bundle["link"][0]["url"]


# Search parameters -----------------------------------------------------------

# Where each token parameter reads in the resource, to check the database
# filter against what the resources actually say.
PARAM_PATHS = {
    ("Condition", "clinical-status"): "clinicalStatus",
    ("Condition", "category"): "category",
    ("Condition", "code"): "code",
    ("AllergyIntolerance", "clinical-status"): "clinicalStatus",
    ("AllergyIntolerance", "category"): "category",
    ("AllergyIntolerance", "criticality"): "criticality",
    ("AllergyIntolerance", "code"): "code",
    ("MedicationStatement", "status"): "status",
    ("MedicationStatement", "code"): "medicationCodeableConcept",
    ("Immunization", "status"): "status",
    ("Immunization", "vaccine-code"): "vaccineCode",
    ("Observation", "status"): "status",
    ("Observation", "category"): "category",
    ("Observation", "code"): "code",
    ("Encounter", "status"): "status",
    ("Appointment", "status"): "status",
    ("Coverage", "status"): "status",
    ("DocumentReference", "status"): "status",
    ("DocumentReference", "type"): "type",
    ("Device", "status"): "status",
    ("PractitionerRole", "role"): "code",
    ("CarePlan", "status"): "status",
    ("CarePlan", "category"): "category",
    ("Goal", "lifecycle-status"): "lifecycleStatus",
    ("Goal", "category"): "category",
    ("Task", "status"): "status",
    ("ServiceRequest", "status"): "status",
    ("ServiceRequest", "category"): "category",
    ("ServiceRequest", "priority"): "priority",
}


def codings(value: Any) -> set[tuple[str | None, str]]:
    if isinstance(value, str):
        return {(None, value)}
    if isinstance(value, list):
        return {c for item in value for c in codings(item)}
    if isinstance(value, dict):
        return {(c.get("system"), c["code"]) for c in value.get("coding", []) if c.get("code")}
    return set()


def test_every_search_parameter_is_checked() -> None:
    declared = {(name, p) for name, kind in KINDS.items() for p in kind.params}
    assert declared == set(PARAM_PATHS)


def test_token_searches_match_what_the_resources_say(client: Any, world: dict[str, Any]) -> None:
    secret = make_token(world["owner"], world["child"])
    for (name, param), path in PARAM_PATHS.items():
        everything = call(client, secret, search_url(name), _count=200).json()
        resources = [e["resource"] for e in everything.get("entry", [])]
        assert resources, name
        seen = {c for r in resources for c in codings(r.get(path))}
        asked = {(None, code) for _system, code in seen} | seen | {(None, "no-such-code")}
        for system, code in asked:
            value = f"{system}|{code}" if system else code
            expected = {
                r["id"]
                for r in resources
                if any(
                    c == code and (system is None or s in (None, system))
                    for s, c in codings(r.get(path))
                )
            }
            response = call(client, secret, search_url(name), **{param: value, "_count": 200})
            assert response.status_code == 200, (name, param, value)
            assert ids(response.json()) == expected, (name, param, value)


def test_comma_means_or_and_repeating_means_and(client: Any, world: dict[str, Any]) -> None:
    secret = make_token(world["owner"], world["child"])
    url = search_url("MedicationStatement")
    either = call(client, secret, url, status="active,completed").json()
    assert either["total"] == 3
    both = client.get(
        f"{url}?status=active&status=completed", HTTP_AUTHORIZATION=f"Bearer {secret}"
    ).json()
    assert both["total"] == 0


def test_search_by_patient_subject_and_id(client: Any, world: dict[str, Any]) -> None:
    secret = make_token(world["owner"], world["child"])
    child = world["child"]
    total = Condition.objects.filter(child=child).count()
    for value in (str(child.uuid), f"Patient/{child.uuid}", f"http://x/fhir/Patient/{child.uuid}"):
        assert call(client, secret, search_url("Condition"), patient=value).json()["total"] == total
        assert call(client, secret, search_url("Condition"), subject=value).json()["total"] == total
    assert (
        call(client, secret, search_url("Condition"), subject=f"Group/{child.uuid}").json()["total"]
        == 0
    )
    wanted = world["rows"]["condition"].uuid
    found = call(client, secret, search_url("Condition"), _id=f"{wanted},nonsense").json()
    assert ids(found) == {str(wanted)}
    assert call(client, secret, search_url("Patient"), _id=str(child.uuid)).json()["total"] == 1


def test_search_by_last_updated(client: Any, world: dict[str, Any]) -> None:
    secret = make_token(world["owner"], world["child"])
    rows = world["rows"]
    old = datetime(2020, 6, 15, 12, 0, tzinfo=UTC)
    Condition.objects.filter(pk=rows["condition"].pk).update(updated_at=old)
    url = search_url("Condition")

    def found(*values: str) -> set[str]:
        query = "&".join(f"_lastUpdated={v}" for v in values)
        response = client.get(f"{url}?{query}", HTTP_AUTHORIZATION=f"Bearer {secret}")
        assert response.status_code == 200, values
        return ids(response.json())

    condition = str(rows["condition"].uuid)
    assert found("2020") == {condition}
    assert found("2020-06") == {condition}
    assert found("eq2020-06-15") == {condition}
    assert found("lt2021-01-01") == {condition}
    assert found("le2020-06-15T12:00:00Z") == {condition}
    assert found("eq2020-06-15T14:00:00%2B02:00") == {condition}
    assert found("lt2020-06-15T12:00:00Z") == set()
    assert condition not in found("gt2020-06-15")
    assert condition not in found("ge2021")
    assert found("ge2020-01-01", "lt2020-07-01") == {condition}
    assert len(found("ne2020-06-15")) == Condition.objects.filter(child=world["child"]).count() - 1


@pytest.mark.parametrize(
    "query",
    [
        {"_count": "-1"},
        {"_count": "many"},
        {"_offset": "-3"},
        {"_lastUpdated": "yesterday"},
        {"_lastUpdated": "sa2020"},
        {"_lastUpdated": "2020-13"},
        {"code:text": "asthma"},
        {"name": "Maya"},
        {"_format": "xml"},
    ],
)
def test_a_bad_parameter_is_400(client: Any, world: dict[str, Any], query: dict[str, str]) -> None:
    secret = make_token(world["owner"], world["child"])
    response = call(client, secret, search_url("Condition"), **query)
    assert response.status_code == 400
    OUTCOME.model_validate(response.json())


def test_everything_by_type_and_since(client: Any, world: dict[str, Any]) -> None:
    secret = make_token(world["owner"], world["child"])
    url = everything_url(world["child"])
    bundle = call(client, secret, url, _type="Condition,Coverage", _count=200).json()
    assert {e["resource"]["resourceType"] for e in bundle["entry"]} == {"Condition", "Coverage"}
    later = (timezone.now() + timedelta(days=1)).date().isoformat()
    assert call(client, secret, url, _since=later).json()["total"] == 0
    assert call(client, secret, url, _type="Banana").status_code == 400
    assert call(client, secret, url, start="2020").status_code == 400
