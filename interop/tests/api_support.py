"""The cast's tokens, calls and expectations shared by the FHIR API tests (``test_api_*``)."""

from typing import Any

from django.urls import reverse
from fhir.resources.R4B import get_fhir_model_class

from children import access
from interop.api import tokens
from interop.api.kinds import KINDS
from interop.models import ApiToken

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
