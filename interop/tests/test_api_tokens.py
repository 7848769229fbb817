"""FHIR API: the page where people make, see and stop their tokens."""

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from children.models import AccessEvent
from interop.models import ApiToken

from .api_support import call, make_token, search_url

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
