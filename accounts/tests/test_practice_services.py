"""Listing and changing a practice goes through services and is in the access log."""

from typing import Any

import pytest
from django.urls import reverse

from accounts import hooks
from accounts.models import Practice
from children.models import AccessEvent

pytestmark = pytest.mark.django_db


def test_listing_and_changing_a_practice_is_audited(client: Any, cast: dict[str, Any]) -> None:
    client.force_login(cast["owner"])
    data = {"name": "Hillside Clinic", "phone": "555-0100", "languages": "English"}
    response = client.post(reverse("accounts:practice-create"), data)
    practice = Practice.objects.get(name="Hillside Clinic")
    assert response.status_code == 302
    assert practice.created_by == cast["owner"]

    data["after_hours_phone"] = "555-0199"
    response = client.post(reverse("accounts:practice-update", args=[practice.uuid]), data)
    assert response.status_code == 302

    events = AccessEvent.objects.filter(what="practice", target_uuid=str(practice.uuid))
    assert [e.verb for e in events.order_by("id")] == ["create", "update"]
    assert all(e.actor_id == cast["owner"].pk and e.child_id is None for e in events)


def test_a_stranger_cannot_change_a_practice_and_nothing_is_logged(
    client: Any, cast: dict[str, Any]
) -> None:
    practice = cast["practice"]
    client.force_login(cast["other_family"])
    response = client.post(
        reverse("accounts:practice-update", args=[practice.uuid]), {"name": "Renamed"}
    )
    assert response.status_code == 403
    practice.refresh_from_db()
    assert practice.name == "Sunrise Pediatrics"
    assert not AccessEvent.objects.filter(what="practice").exists()


def test_the_hooks_are_registered_by_the_children_app() -> None:
    assert set(hooks._hooks) == {"can_edit_practice", "audit", "account_change"}
