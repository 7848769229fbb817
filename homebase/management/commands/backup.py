from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from homebase.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database (a consistent online copy), the uploaded files and a signed "
        "manifest (SHA-256 of each file, schema version, the access log's chain head) into DIR, "
        "a new or empty directory. The keys and the anchor file are not included: keep them apart."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dir", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup(options["dir"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        head = manifest["audit_head"]
        self.stdout.write(
            f"Backed up {len(manifest['files'])} files into {options['dir']} "
            f"(access log head: event {head['seq']})."
        )
