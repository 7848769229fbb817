"""Re-chain the access log with the keyed hash (HMAC-SHA256 with AUDIT_KEY).

Until now each row's hash was a plain SHA-256, which anyone who can write to
the database can recompute. This migration first verifies the whole old
chain (and refuses to go on if it is broken: a broken chain must be looked
into, not laundered into a valid keyed one), then recomputes every row's
hash with the key, in order, and moves the head.

A data migration was chosen over keeping two hash versions side by side: with
both accepted, someone could rewrite rows as "old version" rows and rebuild
an unkeyed chain, which is exactly the hole being closed.

The hash payload is frozen here, as it was when this migration was written.
"""

import hashlib
import hmac
import json
from datetime import UTC

from django.conf import settings
from django.db import migrations

GENESIS = "0" * 64


def _payload(event, prev):
    payload = {
        "at": event.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "verb": event.verb,
        "child": event.child_id,
        "what": event.what,
        "target": event.target_uuid,
        "ip": event.ip,
        "ua": event.user_agent,
        "data": event.data,
        "prev": prev,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()


def _plain(event, prev):
    return hashlib.sha256(_payload(event, prev)).hexdigest()


def _keyed(event, prev):
    return hmac.new(settings.AUDIT_KEY.encode(), _payload(event, prev), hashlib.sha256).hexdigest()


def _rechain(apps, old_hash, new_hash, label):
    AccessEvent = apps.get_model("children", "AccessEvent")
    AuditHead = apps.get_model("children", "AuditHead")
    old_prev, new_prev = GENESIS, GENESIS
    last = None
    for event in AccessEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != old_prev or old_hash(event, event.prev_hash) != event.hash:
            raise RuntimeError(
                f"The access log's {label} chain is broken at row {event.id}: it was changed "
                "before this upgrade. Run `manage.py audit_verify` on the previous version and "
                "look into it before upgrading."
            )
        old_prev = event.hash
        new = new_hash(event, new_prev)
        AccessEvent.objects.filter(pk=event.pk).update(prev_hash=new_prev, hash=new)
        new_prev, last = new, event
    head = AuditHead.objects.filter(pk=1).first()
    if head is None:
        AuditHead.objects.create(pk=1)
        head = AuditHead.objects.get(pk=1)
    if head.last_hash != old_prev:
        raise RuntimeError(
            f"The access log's {label} head does not match its newest row: rows were removed "
            "from the end before this upgrade. Run `manage.py audit_verify` and look into it."
        )
    AuditHead.objects.filter(pk=1).update(
        last_hash=new_prev,
        last_event_id=last.pk if last else 0,
        last_at=last.at if last else None,
    )


def forwards(apps, schema_editor):
    _rechain(apps, _plain, _keyed, "unkeyed")


def backwards(apps, schema_editor):
    _rechain(apps, _keyed, _plain, "keyed")


class Migration(migrations.Migration):
    dependencies = [("children", "0004_audithead_anchor")]

    operations = [migrations.RunPython(forwards, backwards)]
