import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class

from children import access
from children.models import AccessEvent, CareTeamMember, Guardianship
from children.services import grant_revoke
from interop import mapping
from interop.api import tokens
from interop.api.kinds import KINDS
from interop.models import ApiToken
from records.models import Condition, Coverage

from .record_factory import full_record

ROLES = (
    "owner",
    "caregiver",
    "viewer",
    "editor",
    "team_other",
    "coordinator",
    "other_family",
    "operator",
)
SCOPES = {
    "all": "patient/*.read",
    "condition": "patient/Condition.read",
    "coverage": "patient/Coverage.read",
}
OPENS = {"all": set(KINDS), "condition": {"Condition"}, "coverage": {"Coverage"}}
# What each role of the cast sees of the types the matrix reads (conftest.py);
# None: no grant on the child, so any token of theirs is dead.
SEES: dict[str, set[str] | None] = {
    "owner": {"Patient", "Condition", "Coverage", "Encounter"},
    "caregiver": {"Patient", "Condition"},
    "viewer": {"Patient", "Condition", "Encounter"},
    "editor": {"Patient", "Condition", "Encounter"},
    "team_other": {"Patient"},
    "coordinator": {"Patient", "Condition", "Coverage"},
    "other_family": None,
    "operator": None,
}
MATRIX_TYPES = ("Patient", "Condition", "Coverage", "Encounter")
OUTCOME = get_fhir_model_class("OperationOutcome")


@pytest.fixture
def world(cast: dict[str, Any]) -> dict[str, Any]:
    rows = full_record(cast["child"], cast["owner"])
    rows["elsewhere"] = Condition.objects.create(child=cast["other_child"], name="Other's cold")
    rows["elsewhere_coverage"] = Coverage.objects.create(
        child=cast["other_child"], payer="Other plan", member_id="X"
    )
    return {**cast, "rows": rows}


def make_token(user: Any, child: Any, scopes: str = "patient/*.read", **extra: Any) -> str:
    secret = tokens.new_token()
    ApiToken.objects.create(
        user=user,
        child=child,
        name="Test app",
        token_hash=ApiToken.hash_token(secret),
        scopes=scopes,
        **extra,
    )
    return secret


def call(client: Any, secret: str | None, path: str, **query: Any) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    return client.get(path, query, **headers)


def read_url(resource_type: str, resource_id: Any) -> str:
    return reverse("fhir:api-read", args=[resource_type, str(resource_id)])


def search_url(resource_type: str) -> str:
    return reverse("fhir:api-search", args=[resource_type])


def everything_url(child: Any) -> str:
    return reverse("fhir:api-everything", args=[str(child.uuid)])


def ids(bundle: dict[str, Any]) -> set[str]:
    return {e["resource"]["id"] for e in bundle.get("entry", [])}


def follow(client: Any, secret: str, first: dict[str, Any]) -> list[dict[str, Any]]:
    """Every entry of a search, following ``next`` links."""
    entries, bundle = [], first
    while True:
        entries += bundle.get("entry", [])
        nxt = [link["url"] for link in bundle["link"] if link["relation"] == "next"]
        if not nxt:
            return entries
        response = client.get(nxt[0], HTTP_AUTHORIZATION=f"Bearer {secret}")
        assert response.status_code == 200
        bundle = response.json()


def allowed_ids(w: dict[str, Any], role: str, types: set[str]) -> set[str]:
    """What children.access lets ``role`` see of ``types`` on the child."""
    user, child = w[role], w["child"]
    found: set[str] = set()
    if not access.can(user, access.RECORD_VIEW, child):
        return found
    for name in types:
        kind = KINDS[name]
        if name == "Patient":
            found.add(str(child.uuid))
            continue
        rows = access.child_rows(child, kind.model, user).filter(kind.where)
        found |= {str(u) for u in rows.values_list("uuid", flat=True)}
    return found


def sample_id(w: dict[str, Any], resource_type: str) -> str:
    rows = w["rows"]
    return str(
        {
            "Patient": w["child"],
            "Condition": rows["condition"],
            "Coverage": rows["coverage"],
            "Encounter": rows["visit_done"],
        }[resource_type].uuid
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
    for name in MATRIX_TYPES:
        response = call(client, secret, search_url(name))
        if SEES[role] is None:
            assert response.status_code == 401, name
        elif name not in OPENS[scope]:
            assert response.status_code == 404, name
        else:
            assert response.status_code == 200, name
            bundle = response.json()
            expected = allowed_ids(world, role, {name})
            assert ids(bundle) == expected, name
            assert bundle["total"] == len(expected), name
            assert (name in SEES[role]) == bool(expected)


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("role", ROLES)
def test_everything(client: Any, world: dict[str, Any], role: str, scope: str) -> None:
    secret = make_token(world[role], world["child"], SCOPES[scope])
    response = call(client, secret, everything_url(world["child"]), _count=200)
    if SEES[role] is None:
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
        t for t in MATRIX_TYPES if t in SEES[role] and t in OPENS[scope]
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


# Validity, audit, cost -------------------------------------------------------


def test_answers_are_valid_fhir(client: Any, world: dict[str, Any]) -> None:
    secret = make_token(world["owner"], world["child"])
    metadata = client.get(reverse("fhir:api-metadata"))
    assert metadata.status_code == 200
    get_fhir_model_class("CapabilityStatement").model_validate(metadata.json())
    bundle = call(client, secret, everything_url(world["child"]), _count=200).json()
    get_fhir_model_class("Bundle").model_validate(bundle)
    for entry in bundle["entry"]:
        mapping.validate(entry["resource"])
    assert len(bundle["entry"]) == bundle["total"]


def test_metadata_is_public_and_lists_every_type(client: Any, db: Any) -> None:
    statement = client.get(reverse("fhir:api-metadata")).json()
    served = {r["type"] for r in statement["rest"][0]["resource"]}
    assert served == set(KINDS)


def test_every_call_is_audited(client: Any, world: dict[str, Any]) -> None:
    secret = make_token(world["viewer"], world["child"])
    before = AccessEvent.objects.count()
    call(client, secret, search_url("Condition"), status="active")
    call(client, secret, read_url("Coverage", world["rows"]["coverage"].uuid))
    events = list(AccessEvent.objects.order_by("id")[before:])
    assert [(e.verb, e.what, e.actor_id, e.child_id) for e in events] == [
        ("api", "FHIR API", world["viewer"].pk, world["child"].pk)
    ] * 2
    assert events[0].data["path"].startswith("/fhir/Condition?")
    assert events[1].data["status"] == "404"


def test_last_used_is_written_at_most_once_a_minute(client: Any, world: dict[str, Any]) -> None:
    secret = make_token(world["owner"], world["child"])
    token = ApiToken.objects.get()
    assert token.last_used_at is None
    call(client, secret, search_url("Condition"))
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    call(client, secret, search_url("Condition"))
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.update(last_used_at=first - timedelta(minutes=2))
    call(client, secret, search_url("Condition"))
    token.refresh_from_db()
    assert token.last_used_at > first


def _queries(client: Any, secret: str, path: str, **query: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert call(client, secret, path, **query).status_code == 200
    return len(captured)


def test_queries_do_not_grow_with_the_record(client: Any, world: dict[str, Any]) -> None:
    secret = make_token(world["owner"], world["child"], last_used_at=timezone.now())
    paths = [search_url(name) for name in KINDS] + [everything_url(world["child"])]
    small = {path: _queries(client, secret, path, _count=200) for path in paths}
    for key, row in world["rows"].items():
        if key in ("plan", "practice") or key.startswith("elsewhere"):
            continue
        for _copy in range(3):
            row.pk, row.uuid = None, uuid.uuid4()
            if key == "doctor":
                row.is_medical_home_lead = False
            row.save()
    for path in paths:
        assert _queries(client, secret, path, _count=200) == small[path], path


# The tokens page -------------------------------------------------------------


def tokens_url(w: dict[str, Any]) -> str:
    return reverse("fhir:tokens", args=[w["child"].uuid])


def test_a_new_token_is_shown_once_and_only_its_hash_is_kept(
    client: Any, world: dict[str, Any]
) -> None:
    client.force_login(world["viewer"])
    response = client.post(
        tokens_url(world),
        {
            "name": "Seizure diary app",
            "scopes": ["patient/Condition.read", "patient/Encounter.read"],
        },
    )
    assert response.status_code == 200
    secret = response.context["created"]["secret"]
    assert secret in response.content.decode()
    token = ApiToken.objects.get()
    assert token.token_hash == ApiToken.hash_token(secret) != secret
    assert (token.user, token.child, token.expires_at) == (world["viewer"], world["child"], None)
    assert token.scopes == "patient/Condition.read patient/Encounter.read"
    assert secret not in client.get(tokens_url(world)).content.decode()
    assert call(client, secret, search_url("Condition")).status_code == 200
    assert call(client, secret, search_url("Coverage")).status_code == 404
    event = AccessEvent.objects.filter(what="FHIR API token").get()
    assert (event.verb, event.actor, event.target_uuid) == (
        "create",
        world["viewer"],
        str(token.uuid),
    )


def test_everything_wins_over_single_types(client: Any, world: dict[str, Any]) -> None:
    client.force_login(world["owner"])
    client.post(
        tokens_url(world), {"name": "App", "scopes": ["patient/*.read", "patient/Goal.read"]}
    )
    assert ApiToken.objects.get().scopes == "patient/*.read"


@pytest.mark.parametrize(
    ("days", "ok"), [(0, False), (-3, False), (366, False), (1, True), (365, True)]
)
def test_a_token_lasts_at_most_a_year(
    client: Any, world: dict[str, Any], days: int, ok: bool
) -> None:
    client.force_login(world["owner"])
    day = timezone.localdate() + timedelta(days=days)
    response = client.post(
        tokens_url(world),
        {"name": "App", "scopes": ["patient/*.read"], "expires_on": day.isoformat()},
    )
    assert response.status_code == 200
    assert ApiToken.objects.exists() == ok
    if ok:
        assert timezone.localtime(ApiToken.objects.get().expires_at).date() == day
    else:
        assert response.context["form"].errors["expires_on"]


def test_a_token_needs_a_name_and_a_scope(client: Any, world: dict[str, Any]) -> None:
    client.force_login(world["owner"])
    response = client.post(tokens_url(world), {"name": "", "scopes": ["patient/Banana.read"]})
    assert set(response.context["form"].errors) == {"name", "scopes"}
    assert not ApiToken.objects.exists()


def test_anyone_with_a_grant_makes_tokens_and_sees_only_their_own(
    client: Any, world: dict[str, Any]
) -> None:
    make_token(world["owner"], world["child"])
    client.force_login(world["team_other"])
    page = client.get(tokens_url(world))
    assert page.status_code == 200
    assert page.context["rows"] == []
    assert "Health problems (Condition): not shared with you now" in page.content.decode()
    assert "Name, date of birth, sex and language (Patient)</label>" in page.content.decode()
    client.force_login(world["other_family"])
    assert client.get(tokens_url(world)).status_code == 404


def test_stopping_a_token_asks_first_then_kills_it(client: Any, world: dict[str, Any]) -> None:
    secret = make_token(world["editor"], world["child"])
    token = ApiToken.objects.get()
    url = reverse("fhir:token-revoke", args=[world["child"].uuid, token.uuid])
    client.force_login(world["editor"])
    assert "Stop the token" in client.get(url).content.decode()
    assert call(client, secret, search_url("Condition")).status_code == 200
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == tokens_url(world)
    assert call(client, secret, search_url("Condition")).status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AccessEvent.objects.filter(verb="revoke", what="FHIR API token").count() == 1
    assert client.post(url).status_code == 302  # twice changes nothing
    assert AccessEvent.objects.filter(verb="revoke", what="FHIR API token").count() == 1


def test_nobody_else_stops_my_token(client: Any, world: dict[str, Any]) -> None:
    make_token(world["viewer"], world["child"])
    url = reverse("fhir:token-revoke", args=[world["child"].uuid, ApiToken.objects.get().uuid])
    for role in ("owner", "editor", "other_family"):
        client.force_login(world[role])
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    assert ApiToken.objects.get().revoked_at is None


def test_the_profile_links_to_the_tokens_page(client: Any, world: dict[str, Any]) -> None:
    client.force_login(world["team_other"])
    page = client.get(reverse("children:profile", args=[world["child"].uuid]))
    assert tokens_url(world) in page.content.decode()
