from typing import Any

from django.core.management.base import BaseCommand

from coordination.reminders import send_due_reminders


class Command(BaseCommand):
    help = (
        "Queue the reminder emails (run it daily from cron). "
        "`manage.py db_worker` sends them; with no worker configured they are sent at once."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = send_due_reminders.enqueue()
        self.stdout.write(f"Reminders queued: task {result.id} ({result.status}).")
