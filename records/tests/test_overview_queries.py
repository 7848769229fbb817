"""The overview costs the same number of queries for a new record and for ten years of one."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.heavy import (
    MEDICAID_PAYER,
    MEDICAID_RENEWAL_DAYS,
    PRACTICE_AFTER_HOURS,
    PRACTICE_NURSE_LINE,
    build_heavy_record,
    build_small_record,
)
from conftest import make_user


@pytest.fixture
def records(db: Any) -> dict[str, Any]:
    owner = make_user("heavy-owner@example.org")
    return {"owner": owner, "small": build_small_record(owner), "heavy": build_heavy_record(owner)}


def test_overview_query_count_does_not_grow_with_the_record(
    client: Any, records: dict[str, Any], django_assert_num_queries: Any
) -> None:
    client.force_login(records["owner"])
    small_url = reverse("children:overview", args=[records["small"].uuid])
    heavy_url = reverse("children:overview", args=[records["heavy"].uuid])
    # One request each first: the first audit row creates the chain head.
    assert client.get(small_url).status_code == 200
    assert client.get(heavy_url).status_code == 200

    with CaptureQueriesContext(connection) as small:
        assert client.get(small_url).status_code == 200
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(heavy_url)
    assert response.status_code == 200

    page = response.content.decode()
    # Whom to call when the office is closed: the medical home lead's practice.
    assert "After-hours line:" in page
    assert PRACTICE_AFTER_HOURS in page
    assert PRACTICE_NURSE_LINE in page
    # Medicaid stops if it is not renewed: the overview says so, with the days left.
    assert f"{MEDICAID_PAYER} must be renewed by" in page
    assert f"({MEDICAID_RENEWAL_DAYS} days left)" in page
    assert "todo-urgent" in page
    # Only what is current: 8 active conditions of 60, 12 medicines of 400.
    assert "Focal epilepsy" in page
    assert "Strep throat" not in page
    assert "Levetiracetam" in page
    assert "Amoxicillin" not in page
