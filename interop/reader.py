"""Reading an upload into FHIR R4 resources, or a clear error that names the entry and field.

Accepted: a FHIR R4 Bundle (transaction, batch, collection, searchset, document),
a single resource, NDJSON (one resource a line), or a C-CDA document (converted
by ``interop.ccda``). Every resource is validated with ``fhir.resources.R4B``;
STU3 and R5 resources are recognised and refused with a message saying so.
Nothing here writes to the database.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

R4_VERSIONS = ("4.0", "4.3")  # R4 and R4B read the same here


class UploadError(Exception):
    """The upload cannot be imported; the message says why, for a person."""


@dataclass
class Entry:
    index: int  # position in the upload, from 1
    full_url: str
    resource: dict[str, Any]

    @property
    def type(self) -> str:
        return str(self.resource.get("resourceType", ""))

    @property
    def id(self) -> str:
        return str(self.resource.get("id") or self.full_url)

    def label(self) -> str:
        return f"#{self.index} {self.type}/{self.resource.get('id', '?')}"


@dataclass
class Upload:
    kind: str  # "fhir" or "ccda"
    digest: str  # SHA-256 of the bytes
    entries: list[Entry]
    source_system: str
    bundle: dict[str, Any] | None = None
    document_type: str = ""
    warnings: list[str] = field(default_factory=list)


def max_bytes() -> int:
    return int(getattr(settings, "FHIR_IMPORT_MAX_BYTES", 50 * 1024 * 1024))


def check_size(size: int) -> None:
    """Refuse an upload of ``size`` bytes over the limit (before it is read into memory)."""
    limit = max_bytes()
    if size > limit:
        raise UploadError(
            _(
                "The file is %(size)s MB; the limit is %(limit)s MB. Split it, or ask us to raise it."
            )
            % {"size": round(size / 1_048_576, 1), "limit": round(limit / 1_048_576)}
        )


def read_upload(data: bytes, *, name: str = "") -> Upload:
    """Parse and validate ``data``; raise ``UploadError`` with a clear message."""
    check_size(len(data))
    digest = hashlib.sha256(data).hexdigest()
    if _looks_like_xml(data):
        return _read_ccda(data, digest)
    text = _decode(data)
    if name.endswith(".ndjson") or _looks_like_ndjson(text):
        resources = [_json(line, n) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
        entries = [Entry(n, "", r) for n, r in enumerate(resources, 1)]
        upload = Upload("fhir", digest, entries, _source_system(None, entries))
    else:
        document = _json(text, None)
        upload = _from_json(document, digest)
    for entry in upload.entries:
        validate(entry)
    return upload


def _looks_like_xml(data: bytes) -> bool:
    """XML whatever its encoding mark: UTF-8 (with or without a BOM) or UTF-16."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return True
    return data.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] == b"<"


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UploadError(
            _("The file is not UTF-8 text (byte %(at)s). Export it again as JSON.")
            % {"at": error.start}
        ) from None


def _looks_like_ndjson(text: str) -> bool:
    lines = [line for line in text.splitlines()[:3] if line.strip()]
    return len(lines) > 1 and all(
        line.lstrip().startswith("{") and line.rstrip().endswith("}") for line in lines
    )


def _json(text: str, line: int | None) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise UploadError(_("The file is not FHIR: its JSON is nested too deeply.")) from None
    except json.JSONDecodeError as error:
        where = (
            _("line %(line)s") % {"line": line}
            if line is not None
            else _("line %(line)s, column %(column)s")
            % {"line": error.lineno, "column": error.colno}
        )
        raise UploadError(
            _("The file is not valid JSON (%(where)s: %(problem)s). It may be cut short.")
            % {"where": where, "problem": error.msg}
        ) from None
    except ValueError:  # a number with more digits than Python reads
        raise UploadError(
            _("The file is not FHIR: it holds a number that is far too long.")
        ) from None


def _from_json(document: Any, digest: str) -> Upload:
    if not isinstance(document, dict) or "resourceType" not in document:
        raise UploadError(
            _("This JSON is not FHIR: it has no resourceType. Export the record as FHIR R4.")
        )
    _refuse_other_versions(document, None)
    if document["resourceType"] != "Bundle":
        entries = [Entry(1, "", document)]
        return Upload("fhir", digest, entries, _source_system(None, entries))
    bundle_type = document.get("type")
    if bundle_type not in ("transaction", "batch", "collection", "searchset", "document"):
        raise UploadError(
            _("Bundles of type “%(type)s” cannot be imported.") % {"type": bundle_type}
        )
    entries = []
    seen: dict[str, int] = {}
    for n, raw in enumerate(document.get("entry") or [], 1):
        resource = raw.get("resource") if isinstance(raw, dict) else None
        if not isinstance(resource, dict):
            raise UploadError(_("Entry #%(n)s has no resource.") % {"n": n})
        if bundle_type == "searchset" and (raw.get("search") or {}).get("mode") == "outcome":
            continue
        full_url = str(raw.get("fullUrl") or "")
        if full_url:
            if full_url in seen:
                raise UploadError(
                    _("Entries #%(a)s and #%(b)s have the same fullUrl %(url)s.")
                    % {"a": seen[full_url], "b": n, "url": full_url}
                )
            seen[full_url] = n
        entries.append(Entry(n, full_url, resource))
    from .export import verify_digest

    if verify_digest(document) is False:
        raise UploadError(
            _(
                "The file's SHA-256 digest does not match its content: it was changed or damaged "
                "after it was exported. Export it again."
            )
        )
    return Upload("fhir", digest, entries, _source_system(document, entries), bundle=document)


def _source_system(bundle: dict[str, Any] | None, entries: list[Entry]) -> str:
    """Who the data came from: the bundle's meta.source, else the patient's first identifier."""
    meta = bundle.get("meta") if bundle else None
    if isinstance(meta, dict) and meta.get("source"):
        return str(meta["source"])[:255]
    for entry in entries:
        if entry.type == "Patient":
            identifiers = entry.resource.get("identifier")
            for identifier in identifiers if isinstance(identifiers, list) else []:
                if not isinstance(identifier, dict):
                    continue
                if identifier.get("system") and identifier.get("value"):
                    return f"{identifier['system']}|{identifier['value']}"[:255]
            if entry.resource.get("id"):
                return f"Patient/{entry.resource['id']}"
    return "upload"


# Fields that exist in STU3 or R5 but not in R4, per resource type: the first
# clue a person can act on ("this is STU3").
_STU3_ONLY = {
    "MedicationStatement": ("taken",),
    "AllergyIntolerance": ("assertedDate",),
    "Condition": ("assertedDate",),
    "Immunization": ("notGiven", "date"),
    "Observation": ("comment", "context"),
    "Encounter": ("classHistory.class",),
    "Patient": ("animal",),
}
_R5_ONLY = {
    "MedicationStatement": ("adherence",),
    "Encounter": ("actualPeriod", "virtualService"),
    "Condition": ("participant",),
    "AllergyIntolerance": ("participant",),
    "Immunization": ("administeredProduct",),
    "Observation": ("instantiatesReference", "triggeredBy"),
}


def _refuse_other_versions(resource: dict[str, Any], entry: Entry | None) -> None:
    meta = resource.get("meta")
    version = str(
        (meta if isinstance(meta, dict) else {}).get("fhirVersion")
        or resource.get("fhirVersion")
        or ""
    )
    where = entry.label() if entry else resource.get("resourceType", "")
    if version and not version.startswith(R4_VERSIONS):
        raise UploadError(
            _("%(where)s is FHIR %(version)s; Homebase reads FHIR R4.")
            % {"where": where, "version": version}
        )
    kind = str(resource.get("resourceType", ""))
    for release, fields in (("STU3", _STU3_ONLY), ("R5", _R5_ONLY)):
        for name in fields.get(kind, ()):
            if name.split(".")[0] in resource:
                raise UploadError(
                    _(
                        "%(where)s has the field “%(field)s”, which is FHIR %(release)s, not R4. "
                        "Export the record as FHIR R4."
                    )
                    % {"where": where, "field": name, "release": release}
                )


def validate(entry: Entry) -> None:
    """Validate one resource with fhir.resources (R4B reads R4)."""
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError

    _refuse_other_versions(entry.resource, entry)
    try:
        model = get_fhir_model_class(entry.type)
    except (KeyError, ValueError):
        raise UploadError(
            _("%(where)s: “%(type)s” is not a FHIR R4 resource type.")
            % {"where": entry.label(), "type": entry.type}
        ) from None
    try:
        model.model_validate(entry.resource)
    except ValidationError as error:
        first = error.errors()[0]
        location = ".".join(str(p) for p in first.get("loc", ()) if p != "__root__")
        raise UploadError(
            _("%(where)s, field “%(field)s”: %(problem)s")
            % {"where": entry.label(), "field": location or "?", "problem": first.get("msg", "")}
        ) from None


def _read_ccda(data: bytes, digest: str) -> Upload:
    from .ccda import CcdaError, ccda_to_bundle, document_type

    try:
        bundle = ccda_to_bundle(data)
    except CcdaError as error:
        raise UploadError(str(error)) from None
    upload = _from_json(bundle, digest)
    upload.kind = "ccda"
    upload.document_type = str((document_type(bundle) or {}).get("name") or "")
    return upload
