from typing import Any

from django.core.management.base import BaseCommand

from children.audit import audit_anchor_now


class Command(BaseCommand):
    help = (
        "Append the access log's head (newest event id, hash, time) to the anchor file "
        "(AUDIT_ANCHOR_FILE) and mail it to AUDIT_ANCHOR_EMAIL if set. Run it daily from cron; "
        "appends also anchor every AUDIT_ANCHOR_EVERY events."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        head = audit_anchor_now()
        if head is None or not head.last_event_id:
            self.stdout.write("The access log is empty: nothing to anchor.")
            return
        self.stdout.write(f"Anchored event {head.last_event_id}.")
