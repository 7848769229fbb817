from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from children.audit import audit_verify, audit_verify_anchors


class Command(BaseCommand):
    help = (
        "Check the keyed hash chain of the access log. Exits 1 and names the first tampered "
        "row. With --anchors FILE, also checks the chain against every head anchored outside "
        "the database and names a rollback (the database is behind an anchor) or a rewrite "
        "(the chain differs at one)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--anchors",
            metavar="FILE",
            help="the anchor file (AUDIT_ANCHOR_FILE, var/audit_anchors.jsonl by default)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["anchors"]:
            count, problem = audit_verify()
            if problem is not None:
                raise CommandError(self._tampered(count, problem), returncode=1)
            self.stdout.write(f"Access log intact: {count} rows checked.")
            return
        try:
            report = audit_verify_anchors(options["anchors"])
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read the anchors: {error}", returncode=2) from None
        for line in report.acknowledged:
            self.stdout.write(f"Known restore: {line}")
        problems = list(report.rollbacks) + list(report.rewrites)
        if report.problem is not None:
            problems.insert(0, self._tampered(report.count, report.problem))
        if problems:
            raise CommandError("Access log check failed:\n" + "\n".join(problems), returncode=1)
        self.stdout.write(
            f"Access log intact: {report.count} rows checked against "
            f"{report.anchors_checked} anchors."
        )

    @staticmethod
    def _tampered(count: int, problem: Any) -> str:
        where = f"row {problem.event_id}" if problem.event_id else "the end of the log"
        return f"Access log tampered: {where} {problem.reason} ({count} rows before it are intact)."
