from typing import Any

from django.core.management.base import BaseCommand, CommandError

from children.audit import audit_verify


class Command(BaseCommand):
    help = "Check the hash chain of the access log. Exits 1 and names the first tampered row."

    def handle(self, *args: Any, **options: Any) -> None:
        count, problem = audit_verify()
        if problem is not None:
            where = f"row {problem.event_id}" if problem.event_id else "the end of the log"
            raise CommandError(
                f"Access log tampered: {where} {problem.reason} ({count} rows before it are intact).",
                returncode=1,
            )
        self.stdout.write(f"Access log intact: {count} rows checked.")
