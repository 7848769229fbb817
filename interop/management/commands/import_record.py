"""python manage.py import_record FILE... (--child UUID | --new --owner EMAIL) [--dry-run]"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.models import User
from children.models import Child
from interop.importer import apply_import, plan_import
from interop.reader import UploadError, read_upload

ACTOR = "system:import_record"


class Command(BaseCommand):
    help = (
        "Import FHIR R4 (Bundle, resource or NDJSON) or C-CDA files into a child's record. "
        "Several files are read together (a Synthea patient with its practitioner bundles)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--child", help="the child's UUID")
        which.add_argument("--new", action="store_true", help="make a new child from the Patient")
        parser.add_argument("--owner", help="with --new: the email of the parent who owns it")
        parser.add_argument("--dry-run", action="store_true", help="show the counts, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        child = owner = None
        if options["child"]:
            child = Child.objects.filter(uuid=options["child"]).first()
            if child is None:
                raise CommandError(f"No child with UUID {options['child']}.")
        elif not options["dry_run"]:
            owner = User.objects.filter(email__iexact=options["owner"] or "").first()
            if owner is None:
                raise CommandError("--new needs --owner EMAIL of an existing account.")
        uploads = []
        for path in options["files"]:
            try:
                uploads.append(read_upload(path.read_bytes(), name=path.name))
            except OSError as error:
                raise CommandError(f"{path}: {error.strerror}") from None
            except UploadError as error:
                raise CommandError(f"{path}: {error}") from None
        try:
            plan = plan_import(uploads, child=child)
            for conflict in plan.conflicts:
                self.stderr.write(f"warning: {conflict}")
            if options["dry_run"]:
                counts = plan.counts()
            else:
                with transaction.atomic():
                    counts = apply_import(plan, actor=owner or ACTOR)
        except UploadError as error:
            raise CommandError(str(error)) from None
        verb = "would import" if options["dry_run"] else "imported"
        self.stdout.write(f"{'type':<28} {'added':>7} {'updated':>7} {'unchanged':>9}")
        for label, row in sorted(counts.items()):
            self.stdout.write(f"{label:<28} {row['add']:>7} {row['update']:>7} {row['skip']:>9}")
        for kind, count in sorted(plan.not_imported.items()):
            self.stdout.write(f"not imported: {kind} {count}")
        if plan.child is not None:
            self.stdout.write(f"{verb} into child {plan.child.uuid}")
