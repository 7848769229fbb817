"""FHIR API: answers are valid FHIR, every call is audited, and a call costs the same for any record."""

import uuid
from datetime import timedelta
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class

from children.models import AccessEvent
from interop import mapping
from interop.api.kinds import KINDS
from interop.models import ApiToken

from .api_support import call, everything_url, make_token, read_url, search_url

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
