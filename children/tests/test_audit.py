from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from children.audit import audit_record, audit_verify
from children.models import AccessEvent


def test_reading_a_page_is_logged_with_who_and_where(client, cast):
    client.force_login(cast["viewer"])
    client.get(
        reverse("children:overview", args=[cast["child"].uuid]),
        REMOTE_ADDR="203.0.113.9",
        HTTP_USER_AGENT="Phone",
    )
    event = AccessEvent.objects.filter(child=cast["child"]).first()
    assert (event.actor, event.verb, event.what, event.ip, event.user_agent) == (
        cast["viewer"],
        "view",
        "overview",
        "203.0.113.9",
        "Phone",
    )
    assert event.at.utcoffset().total_seconds() == 0


def test_log_is_append_only_through_the_orm(cast):
    event = audit_record(actor=cast["owner"], verb="view", child=cast["child"], what="overview")
    with pytest.raises(PermissionError):
        AccessEvent.objects.filter(pk=event.pk).update(what="nothing")
    with pytest.raises(PermissionError):
        AccessEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(PermissionError):
        event.delete()
    event.what = "changed"
    with pytest.raises(PermissionError):
        event.save()


def test_verify_passes_on_an_intact_chain(cast):
    for what in ("a", "b", "c"):
        audit_record(actor=cast["owner"], verb="view", child=cast["child"], what=what)
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert "intact: 3 rows" in out.getvalue()


def test_verify_names_the_first_row_changed_in_sql(cast):
    events = [
        audit_record(actor=cast["owner"], verb="view", child=cast["child"], what=w) for w in "abcd"
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE children_accessevent SET what = %s WHERE id = %s", ["forged", events[1].id]
        )
    count, problem = audit_verify()
    assert (count, problem.event_id) == (1, events[1].id)
    with pytest.raises(CommandError) as error:
        call_command("audit_verify")
    assert error.value.returncode == 1
    assert f"row {events[1].id}" in str(error.value)


def test_verify_detects_a_row_deleted_in_sql(cast):
    events = [
        audit_record(actor=cast["owner"], verb="view", child=cast["child"], what=w) for w in "abc"
    ]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM children_accessevent WHERE id = %s", [events[1].id])
    _, problem = audit_verify()
    assert problem.event_id == events[2].id


def test_owner_sees_who_has_seen_the_record(client, cast):
    client.force_login(cast["viewer"])
    client.get(reverse("records:medicines-list", args=[cast["child"].uuid]))
    client.force_login(cast["owner"])
    response = client.get(reverse("children:access-log", args=[cast["child"].uuid]))
    assert (
        "viewer@example.org" in response.content.decode() or "Viewer" in response.content.decode()
    )
    assert "Medicines list" in response.content.decode()
