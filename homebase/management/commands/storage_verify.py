from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import models


@dataclass(frozen=True)
class MissingFile:
    model: str
    row: str
    name: str


def missing_files() -> tuple[int, list[MissingFile]]:
    """Every stored file that a row names and the storage does not have.

    A system check run by whoever holds the server: it reads every model with
    a file field, whatever child the rows belong to, and prints only their
    ids and file names.
    """
    checked = 0
    missing: list[MissingFile] = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
        for file_field in fields:
            rows = (
                model._default_manager.exclude(**{file_field.name: ""})
                .order_by("pk")
                .values_list("pk", file_field.name)
            )
            storage = file_field.storage
            for pk, name in rows.iterator(chunk_size=2000):
                checked += 1
                if not storage.exists(name):
                    row = model._default_manager.filter(pk=pk).first()
                    missing.append(
                        MissingFile(model._meta.label, str(getattr(row, "uuid", pk)), name)
                    )
    return checked, missing


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
