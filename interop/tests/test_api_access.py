"""FHIR API: what a token opens (the role x scope x interaction matrix), tokens that die, and what a token cannot see."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from children.models import AccessEvent, CareTeamMember, Guardianship
from children.services import grant_revoke
from interop.api.kinds import KINDS
from records.models import Condition

from .api_support import (
    MATRIX_TYPES,
    OPENS,
    OUTCOME,
    ROLES,
    SCOPES,
    SEES,
    allowed_ids,
    call,
    everything_url,
    ids,
    make_token,
    read_url,
    sample_id,
    search_url,
)

# The matrix: role x token scopes x interaction -------------------------------


def test_the_matrix_agrees_with_the_rule_book(world: dict[str, Any]) -> None:
    for role, sees in SEES.items():
        for name in MATRIX_TYPES:
            visible = bool(allowed_ids(world, role, {name}))
            assert visible == (sees is not None and name in sees), (role, name)


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("role", ROLES)
def test_read(client: Any, world: dict[str, Any], role: str, scope: str) -> None:
    secret = make_token(world[role], world["child"], SCOPES[scope])
    sees = SEES[role]
    for name in MATRIX_TYPES:
        response = call(client, secret, read_url(name, sample_id(world, name)))
        if sees is None:
            assert response.status_code == 401, name
        elif name in sees and name in OPENS[scope]:
            assert response.status_code == 200, name
            assert response.json()["id"] == sample_id(world, name)
        else:
            assert response.status_code == 404, name
            OUTCOME.model_validate(response.json())
        assert response["Content-Type"].startswith("application/fhir+json")


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("role", ROLES)
def test_search(client: Any, world: dict[str, Any], role: str, scope: str) -> None:
    secret = make_token(world[role], world["child"], SCOPES[scope])
    sees = SEES[role]
    for name in MATRIX_TYPES:
        response = call(client, secret, search_url(name))
        if sees is None:
            assert response.status_code == 401, name
        elif name not in OPENS[scope]:
            assert response.status_code == 404, name
        else:
            assert response.status_code == 200, name
            bundle = response.json()
            expected = allowed_ids(world, role, {name})
            assert ids(bundle) == expected, name
            assert bundle["total"] == len(expected), name
            assert (name in sees) == bool(expected)


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("role", ROLES)
def test_everything(client: Any, world: dict[str, Any], role: str, scope: str) -> None:
    secret = make_token(world[role], world["child"], SCOPES[scope])
    response = call(client, secret, everything_url(world["child"]), _count=200)
    sees = SEES[role]
    if sees is None:
        assert response.status_code == 401
        return
    assert response.status_code == 200
    bundle = response.json()
    expected = allowed_ids(world, role, OPENS[scope])
    assert ids(bundle) == expected
    assert bundle["total"] == len(expected)
    types = {e["resource"]["resourceType"] for e in bundle.get("entry", [])}
    assert types <= OPENS[scope]
    assert {t for t in MATRIX_TYPES if t in types} == {
        t for t in MATRIX_TYPES if t in sees and t in OPENS[scope]
    }


# Tokens that die -------------------------------------------------------------


def test_a_revoked_grant_kills_the_token_at_once(client: Any, world: dict[str, Any]) -> None:
    secret = make_token(world["viewer"], world["child"])
    assert call(client, secret, search_url("Condition")).status_code == 200
    grant = CareTeamMember.objects.get(user=world["viewer"], child=world["child"])
    grant_revoke(actor=world["owner"], grant=grant)
    response = call(client, secret, search_url("Condition"))
    assert response.status_code == 401
    assert "invalid_token" in response["WWW-Authenticate"]
    assert call(client, secret, everything_url(world["child"])).status_code == 401


def test_a_grant_that_ended_kills_the_token(client: Any, world: dict[str, Any]) -> None:
    secret = make_token(world["caregiver"], world["child"])
    Guardianship.objects.filter(user=world["caregiver"]).update(
        starts_on=timezone.localdate() - timedelta(days=30),
        ends_on=timezone.localdate() - timedelta(days=1),
    )
    assert call(client, secret, read_url("Patient", world["child"].uuid)).status_code == 401


@pytest.mark.parametrize(
    "extra",
    [
        {"revoked_at": timezone.now() - timedelta(seconds=1)},
        {"expires_at": timezone.now() - timedelta(seconds=1)},
    ],
    ids=["revoked", "expired"],
)
def test_a_stopped_or_expired_token_is_refused(
    client: Any, world: dict[str, Any], extra: dict[str, Any]
) -> None:
    secret = make_token(world["owner"], world["child"], **extra)
    response = call(client, secret, read_url("Patient", world["child"].uuid))
    assert response.status_code == 401
    OUTCOME.model_validate(response.json())
    event = AccessEvent.objects.filter(verb="api").latest("id")
    assert event.data["status"] == "401"


def test_a_token_of_someone_no_longer_active_is_refused(client: Any, world: dict[str, Any]) -> None:
    secret = make_token(world["owner"], world["child"])
    world["owner"].is_active = False
    world["owner"].save()
    assert call(client, secret, search_url("Condition")).status_code == 401


@pytest.mark.parametrize(
    "header", ["", "Bearer", "Bearer nope", "Bearer hb_fhir_unknown", "Basic b3duZXI6cHc="]
)
def test_no_or_a_wrong_token_is_401(client: Any, world: dict[str, Any], header: str) -> None:
    response = client.get(search_url("Condition"), HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["resourceType"] == "OperationOutcome"


def test_a_signed_in_session_does_not_open_the_api(client: Any, world: dict[str, Any]) -> None:
    client.force_login(world["owner"])
    assert client.get(read_url("Patient", world["child"].uuid)).status_code == 401
    assert client.get(everything_url(world["child"])).status_code == 401


def test_the_api_only_reads(client: Any, world: dict[str, Any]) -> None:
    secret = make_token(world["owner"], world["child"])
    response = client.post(
        search_url("Condition"),
        {"resourceType": "Condition"},
        content_type="application/fhir+json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 405
    assert response.json()["issue"][0]["code"] == "not-supported"


# What a token cannot see -----------------------------------------------------


def test_another_childs_resources_are_404(client: Any, world: dict[str, Any]) -> None:
    secret = make_token(world["owner"], world["child"])
    other = world["other_child"]
    for path in (
        read_url("Condition", world["rows"]["elsewhere"].uuid),
        read_url("Coverage", world["rows"]["elsewhere_coverage"].uuid),
        read_url("Patient", other.uuid),
        everything_url(other),
        read_url("Condition", "not-a-uuid"),
        read_url("Encounter", world["rows"]["visit_coming"].uuid),  # an Appointment
        read_url("Organization", world["rows"]["practice"].uuid),
    ):
        response = call(client, secret, path)
        assert response.status_code == 404, path
        assert response.json()["issue"][0]["code"] == "not-found"
    searched = call(client, secret, search_url("Condition"), patient=f"Patient/{other.uuid}")
    assert searched.json()["total"] == 0
    by_id = call(client, secret, search_url("Condition"), _id=str(world["rows"]["elsewhere"].uuid))
    assert by_id.json()["total"] == 0


def test_totals_never_count_hidden_rows(client: Any, world: dict[str, Any]) -> None:
    caregiver = make_token(world["caregiver"], world["child"])
    coverage = call(client, caregiver, search_url("Coverage")).json()
    assert coverage["total"] == 0
    assert "entry" not in coverage
    coordinator = make_token(world["coordinator"], world["child"])
    assert call(client, coordinator, search_url("Encounter")).json()["total"] == 0
    assert call(client, coordinator, search_url("Goal")).json()["total"] == 0
    first = call(client, coordinator, search_url("Condition"), _count=1).json()
    assert first["total"] == Condition.objects.filter(child=world["child"]).count()
    everything = call(client, coordinator, everything_url(world["child"]), _count=0).json()
    assert everything["total"] == len(allowed_ids(world, "coordinator", set(KINDS)))
    assert "entry" not in everything
