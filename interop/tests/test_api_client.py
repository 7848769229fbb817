"""The API driven by a real FHIR client library (fhirpy) over HTTP."""

from typing import Any

import pytest
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import AuthorizationError, ResourceNotFound

from interop.api.tokens import token_create, token_revoke
from interop.models import ApiToken
from records.models import Condition

from .record_factory import full_record

# The live server answers from another thread: the test's rows must be
# committed (pytest-django runs such tests after the others).
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def app(live_server: Any, cast: dict[str, Any]) -> dict[str, Any]:
    child = cast["child"]
    rows = full_record(child, cast["owner"])
    for n in range(5):
        Condition.objects.create(child=child, name=f"Ear infection {n}", status="resolved")
    token, secret = token_create(
        actor=cast["viewer"], child=child, name="Client test", scopes=["patient/*.read"]
    )
    client = SyncFHIRClient(
        f"{live_server.url}/fhir", authorization=f"Bearer {secret}", requests_config={"timeout": 30}
    )
    return {**cast, "rows": rows, "client": client, "token": token, "url": live_server.url}


def test_the_client_reads_the_patient(app: dict[str, Any]) -> None:
    child = app["child"]
    patient = app["client"].reference("Patient", str(child.uuid)).to_resource()
    assert patient.resourceType == "Patient"
    assert patient["name"][0]["given"] == ["Maya"]
    assert patient["birthDate"] == "2016-03-14"


def test_the_client_searches_conditions_and_follows_paging(app: dict[str, Any]) -> None:
    client, child = app["client"], app["child"]
    conditions = client.resources("Condition").search(patient=str(child.uuid)).limit(2)
    first_page = conditions.fetch()
    assert len(first_page) == 2
    everything = conditions.fetch_all()
    expected = {
        str(u) for u in Condition.objects.filter(child=child).values_list("uuid", flat=True)
    }
    assert len(everything) == len(expected) == 8
    assert {c.id for c in everything} == expected
    assert conditions.count() == 8
    resolved = client.resources("Condition").search(**{"clinical-status": "resolved"}).fetch_all()
    assert len(resolved) == 6
    first = client.resources("Condition").search(code="G40.109").get()
    assert first["code"]["text"] == "Focal epilepsy"


def test_the_client_gets_everything(app: dict[str, Any]) -> None:
    child = app["child"]
    bundle = app["client"].reference("Patient", str(child.uuid)).execute("$everything", "get")
    types = {e["resource"]["resourceType"] for e in bundle["entry"]}
    # The viewer shares summary, health, visits and plan: no insurance, no documents.
    assert {"Patient", "Condition", "Encounter", "Goal"} <= types
    assert not types & {"Coverage", "DocumentReference"}


def test_the_client_is_refused_what_the_token_cannot_see(app: dict[str, Any]) -> None:
    client = app["client"]
    with pytest.raises(ResourceNotFound):
        client.reference("Coverage", str(app["rows"]["coverage"].uuid)).to_resource()
    assert client.resources("Coverage").count() == 0
    token_revoke(actor=app["viewer"], token=ApiToken.objects.get(pk=app["token"].pk))
    with pytest.raises(AuthorizationError):
        client.resources("Condition").fetch()
