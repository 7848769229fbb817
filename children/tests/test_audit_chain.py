"""The access log cannot be rebuilt: a keyed chain, anchored outside the database.

ONC 170.315(d)(2) and (d)(10): the audit log records every access and change
and detects changes to itself.
"""

import hashlib
import json
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from children import services
from children.audit import audit_record, audit_verify, audit_verify_anchors, restore_mark_write
from children.models import AccessEvent, AuditHead, Invitation, PracticeEnrollment


def _table() -> str:
    return connection.ops.quote_name(AccessEvent._meta.db_table)


def _events(cast: dict[str, Any], n: int) -> list[AccessEvent]:
    return [
        audit_record(actor=cast["owner"], verb="view", child=cast["child"], what=f"page {i}")
        for i in range(n)
    ]


def _rechain_in_sql(hash_row: Any) -> None:
    """What someone with write access to the database, but not the key, can do."""
    prev = AuditHead.GENESIS
    with connection.cursor() as cursor:
        for event in AccessEvent.objects.order_by("id"):
            event.prev_hash = prev
            new = hash_row(event)
            cursor.execute(
                f"UPDATE {_table()} SET prev_hash = %s, hash = %s WHERE id = %s",  # noqa: S608
                [prev, new, event.id],
            )
            prev = new
        cursor.execute("UPDATE children_audithead SET last_hash = %s WHERE id = 1", [prev])


def test_each_hash_is_keyed_with_the_audit_key(cast, settings):
    event = _events(cast, 1)[0]
    assert event.hash == event.compute_hash(settings.AUDIT_KEY.encode())
    assert event.hash != hashlib.sha256(event.hash_payload()).hexdigest()
    assert event.hash != event.compute_hash(b"another key")


@pytest.mark.parametrize(
    "hash_row",
    [
        pytest.param(lambda e: hashlib.sha256(e.hash_payload()).hexdigest(), id="unkeyed"),
        pytest.param(lambda e: e.compute_hash(b"a guessed key"), id="wrong-key"),
    ],
)
def test_a_changed_row_with_the_chain_rebuilt_without_the_key_is_detected(cast, hash_row):
    events = _events(cast, 4)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_table()} SET what = %s WHERE id = %s",  # noqa: S608
            ["nothing to see", events[1].id],
        )
    _rechain_in_sql(hash_row)
    count, problem = audit_verify()
    assert problem is not None and problem.event_id == events[0].id and count == 0
    with pytest.raises(CommandError) as error:
        call_command("audit_verify")
    assert error.value.returncode == 1


def test_deleting_the_newest_rows_and_fixing_the_head_is_detected_against_the_anchor(
    cast, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.AUDIT_ANCHOR_EVERY = 3
    with django_capture_on_commit_callbacks(execute=True):
        events = _events(cast, 6)
    anchors = Path(settings.AUDIT_ANCHOR_FILE)
    anchored = [json.loads(line)["seq"] for line in anchors.read_text().splitlines()]
    assert anchored == [events[0].id, events[3].id]
    kept = events[2]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_table()} WHERE id > %s", [kept.id])  # noqa: S608
        cursor.execute(
            "UPDATE children_audithead SET last_hash = %s, last_event_id = %s WHERE id = 1",
            [kept.hash, kept.id],
        )
    assert audit_verify() == (3, None)  # consistent on its own: only the anchor tells
    report = audit_verify_anchors(anchors)
    assert report.rollbacks and f"event {events[3].id}" in report.rollbacks[0]
    with pytest.raises(CommandError) as error:
        call_command("audit_verify", anchors=str(anchors))
    assert error.value.returncode == 1 and "rollback" in str(error.value)


def test_a_chain_rewritten_with_the_key_is_detected_at_the_anchor(
    cast, settings, django_capture_on_commit_callbacks
):
    settings.AUDIT_ANCHOR_EVERY = 2
    with django_capture_on_commit_callbacks(execute=True):
        events = _events(cast, 4)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_table()} SET what = %s WHERE id = %s",  # noqa: S608
            ["nothing to see", events[0].id],
        )
    _rechain_in_sql(lambda e: e.compute_hash())  # even someone holding the key
    assert audit_verify() == (4, None)
    report = audit_verify_anchors(settings.AUDIT_ANCHOR_FILE)
    assert report.rewrites and "differs" in report.rewrites[0]


def test_anchors_every_n_events_and_at_least_daily(
    cast, settings, django_capture_on_commit_callbacks
):
    settings.AUDIT_ANCHOR_EVERY = 5
    with django_capture_on_commit_callbacks(execute=True):
        events = _events(cast, 11)
    lines = Path(settings.AUDIT_ANCHOR_FILE).read_text().splitlines()
    seqs = [json.loads(line)["seq"] for line in lines]
    # The first event anchors (no anchor yet), then every fifth.
    assert seqs == [events[0].id, events[5].id, events[10].id]
    AuditHead.objects.filter(pk=1).update(anchored_at=timezone.now() - timedelta(days=1, hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        late = _events(cast, 1)[0]
    last = json.loads(Path(settings.AUDIT_ANCHOR_FILE).read_text().splitlines()[-1])
    assert (last["seq"], last["hash"]) == (late.id, late.hash)
    assert audit_verify_anchors(settings.AUDIT_ANCHOR_FILE).ok


def test_an_anchor_is_written_and_mailed_only_after_the_commit(
    cast, settings, django_capture_on_commit_callbacks
):
    settings.AUDIT_ANCHOR_EMAIL = "anchors@example.org"
    anchors = Path(settings.AUDIT_ANCHOR_FILE)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        event = _events(cast, 1)[0]
        assert not anchors.exists() and not mail.outbox
    assert len(callbacks) == 1
    callbacks[0]()
    assert json.loads(anchors.read_text())["seq"] == event.id
    assert mail.outbox[-1].to == ["anchors@example.org"] and event.hash in mail.outbox[-1].body


def test_a_rolled_back_event_is_never_anchored(cast, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                _events(cast, 1)
                raise RuntimeError
        except RuntimeError:
            pass
    assert not Path(settings.AUDIT_ANCHOR_FILE).exists()


def test_a_recorded_restore_acknowledges_the_rollback(
    cast, settings, django_capture_on_commit_callbacks
):
    settings.AUDIT_ANCHOR_EVERY = 1
    with django_capture_on_commit_callbacks(execute=True):
        events = _events(cast, 3)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_table()} WHERE id > %s", [events[0].id])  # noqa: S608
        cursor.execute(
            "UPDATE children_audithead SET last_hash = %s, last_event_id = %s WHERE id = 1",
            [events[0].hash, events[0].id],
        )
    assert not audit_verify_anchors(settings.AUDIT_ANCHOR_FILE).ok
    restore_mark_write(seq=events[0].id, reason="disk failure, restored last night's backup")
    report = audit_verify_anchors(settings.AUDIT_ANCHOR_FILE)
    assert report.ok and len(report.acknowledged) == 2
    out = StringIO()
    call_command("audit_verify", anchors=settings.AUDIT_ANCHOR_FILE, stdout=out)
    assert "disk failure" in out.getvalue()


def test_audit_anchor_command_writes_the_head(cast, settings, django_capture_on_commit_callbacks):
    event = _events(cast, 1)[0]
    with django_capture_on_commit_callbacks(execute=True):
        call_command("audit_anchor", stdout=StringIO())
    last = json.loads(Path(settings.AUDIT_ANCHOR_FILE).read_text().splitlines()[-1])
    assert (last["seq"], last["hash"]) == (event.id, event.hash)


def test_a_garbled_anchor_file_is_refused(cast, tmp_path):
    bad = tmp_path / "anchors"
    bad.write_text("not json\n")
    with pytest.raises(CommandError) as error:
        call_command("audit_verify", anchors=str(bad))
    assert error.value.returncode == 2


def test_sharing_changes_grant_edits_and_revocations_are_in_the_chain(cast):
    owner, child = cast["owner"], cast["child"]
    invitation, _token = services.invitation_create(
        actor=owner,
        child=child,
        email="new.doctor@example.org",
        kind=Invitation.Kind.TEAM,
        scopes=["summary"],
        can_write=False,
        grant_ends_on=None,
    )
    services.invitation_cancel(actor=owner, invitation=invitation)
    invitation, _token = services.invitation_create(
        actor=owner,
        child=child,
        email="editor@example.org",
        kind=Invitation.Kind.TEAM,
        scopes=["summary"],
        can_write=False,
        grant_ends_on=None,
    )
    grant = child.team.get(user=cast["viewer"])
    services.grant_update(
        actor=owner, grant=grant, scopes=["summary"], can_write=True, ends_on=None
    )
    services.grant_revoke(actor=owner, grant=grant)
    enrollment = PracticeEnrollment.objects.get(child=child)
    services.practice_enroll(
        actor=owner,
        child=child,
        practice=enrollment.practice,
        scopes=["summary"],
        can_write=False,
        ends_on=None,
    )
    verbs = list(AccessEvent.objects.filter(child=child).order_by("id").values_list("verb", "what"))
    assert verbs == [
        ("invite", "invitation"),
        ("revoke", "invitation"),
        ("invite", "invitation"),
        ("share", "careteammember"),
        ("revoke", "careteammember"),
        ("share", "practiceenrollment"),
    ]
    assert audit_verify() == (6, None)
