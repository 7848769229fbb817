import sys
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from accounts.models import User
from children import access
from children.models import Child
from interop.export import EXPORT_SCOPES, FORMATS, export_record

ACTOR = "system:export_record"


class Command(BaseCommand):
    help = (
        "Export a child's record as a FHIR R4 Bundle (collection) or an International Patient "
        "Summary document. Runs as a system actor (every row) unless --as names a person; "
        "always audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("child", help="the child's uuid")
        parser.add_argument("--format", choices=FORMATS, default="bundle")
        parser.add_argument("-o", "--output", required=True, help="file to write, or - for stdout")
        parser.add_argument(
            "--scopes",
            default=",".join(EXPORT_SCOPES),
            help=f"comma-separated, among: {', '.join(EXPORT_SCOPES)} (default: all)",
        )
        parser.add_argument("--no-files", action="store_true", help="leave out document files")
        parser.add_argument("--as", dest="as_email", help="export only what this person may see")

    def handle(self, *args: Any, **options: Any) -> None:
        scopes = [s.strip() for s in options["scopes"].split(",") if s.strip()]
        unknown = sorted(set(scopes) - set(EXPORT_SCOPES))
        if unknown or not scopes:
            raise CommandError(f"Unknown scopes: {', '.join(unknown) or '(none given)'}")
        actor, child = self._actor_and_child(options["child"], options["as_email"])
        export = export_record(
            actor=actor,
            child=child,
            format=options["format"],
            scopes=scopes,
            with_files=not options["no_files"],
        )
        if options["output"] == "-":
            sys.stdout.buffer.write(export.content())
        else:
            with open(options["output"], "wb") as handle:
                handle.write(export.content())
            self.stderr.write(
                f"Wrote {export.count} entries to {options['output']} (SHA-256 {export.digest})."
            )

    def _actor_and_child(self, child_uuid: str, email: str | None) -> tuple[Any, Child]:
        try:
            if email is None:
                return ACTOR, Child.objects.get(uuid=child_uuid)
            user = User.objects.get(email=email.lower())
            return user, access.get_child_for(user, child_uuid, access.RECORD_VIEW)
        except (Child.DoesNotExist, ValidationError, ValueError, Http404, PermissionDenied):
            raise CommandError(f"No child {child_uuid} (or not visible to {email}).") from None
        except User.DoesNotExist:
            raise CommandError(f"No user {email}.") from None
