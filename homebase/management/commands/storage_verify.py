from typing import Any

from django.core.management.base import BaseCommand, CommandError

from homebase.backup import missing_files


class Command(BaseCommand):
    help = "List the stored files (documents, imports) that rows name but storage does not have."

    def handle(self, *args: Any, **options: Any) -> None:
        checked, missing = missing_files()
        for item in missing:
            self.stdout.write(f"missing: {item.model} {item.row}: {item.name}")
        if missing:
            raise CommandError(
                f"{len(missing)} of {checked} stored files are missing.", returncode=1
            )
        self.stdout.write(f"All {checked} stored files are present.")
