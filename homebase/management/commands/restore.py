from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from homebase.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup`: check its manifest (signature, every file's SHA-256, "
        "a known schema), put the database and uploaded files back (replaced files are moved "
        "aside), migrate if needed, then verify the access log against the anchors. Exits 1 if "
        "the restored log is behind an anchor (a rollback) or does not verify."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dir", type=Path)
        parser.add_argument(
            "--anchors", metavar="FILE", help="the anchor file (AUDIT_ANCHOR_FILE by default)"
        )
        parser.add_argument(
            "--acknowledge-rollback",
            metavar="REASON",
            default="",
            help=(
                "record in the anchor file that this older backup was restored on purpose, and "
                "why; events anchored after it are then reported as rolled back, not as tampering"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = restore(
                options["dir"],
                acknowledge=options["acknowledge_rollback"].strip(),
                anchors=options["anchors"],
            )
        except BackupError as error:
            raise CommandError(f"Nothing was restored: {error}") from None
        head = report.manifest["audit_head"]
        self.stdout.write(
            f"Restored the backup of {report.manifest['created']} (access log head: event "
            f"{head['seq']})."
        )
        if report.moved_aside:
            self.stdout.write(f"The uploaded files it replaced are in {report.moved_aside}.")
        if report.migrated:
            self.stdout.write("Migrated the database to this version.")
        for note in report.notes:
            self.stdout.write(note)
        if report.anchors is not None:
            for line in report.anchors.acknowledged:
                self.stdout.write(f"Known restore: {line}")
        problems = [report.chain_problem] if report.chain_problem else []
        if report.anchors is not None:
            problems += report.anchors.rollbacks + report.anchors.rewrites
        if problems:
            raise CommandError(
                "Restored, but the access log does not verify:\n"
                + "\n".join(problems)
                + "\nIf this older backup was restored on purpose, run restore again with "
                '--acknowledge-rollback "why".',
                returncode=1,
            )
        self.stdout.write(f"Access log intact: {report.chain_count} rows checked.")
