"""Resolving references between the resources of an upload.

Three styles occur in real exports (see ``shared/data/README.md``):
``urn:uuid:…`` full URLs inside a transaction or batch, relative ``Type/id``
(and absolute ``…/Type/id``), and conditional ``Type?identifier=system|value``
(Synthea points at practitioners and organizations defined in separate
"information" bundles this way). What cannot be resolved stays as the
reference's display text; it is never an error.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from .reader import Entry


class References:
    def __init__(self, entries: list[Entry]) -> None:
        self.by_url: dict[str, Entry] = {}
        self.by_identifier: dict[tuple[str, str, str], Entry] = {}
        for entry in entries:
            if entry.full_url:
                self.by_url[entry.full_url] = entry
            rid = entry.resource.get("id")
            if rid:
                self.by_url.setdefault(f"{entry.type}/{rid}", entry)
            for identifier in entry.resource.get("identifier") or []:
                system, value = identifier.get("system", ""), identifier.get("value", "")
                if value:
                    self.by_identifier.setdefault((entry.type, system, value), entry)

    def resolve(self, reference: dict[str, Any] | str | None) -> Entry | None:
        """The entry a reference points at, or None."""
        ref = reference.get("reference") if isinstance(reference, dict) else reference
        if not ref:
            return None
        ref = str(ref)
        if ref in self.by_url:
            return self.by_url[ref]
        if "?" in ref:
            kind, _sep, query = ref.partition("?")
            kind = kind.rsplit("/", 1)[-1]
            for name, value in parse_qsl(query):
                if name == "identifier":
                    system, bar, code = value.rpartition("|")
                    found = self.by_identifier.get((kind, system if bar else "", code))
                    if found:
                        return found
            return None
        parts = ref.rstrip("/").split("/")
        if len(parts) >= 2:
            # Absolute URLs (https://server/fhir/Patient/1) and versioned ones (…/_history/2).
            if len(parts) >= 4 and parts[-2] == "_history":
                parts = parts[:-2]
            return self.by_url.get(f"{parts[-2]}/{parts[-1]}")
        return None

    @staticmethod
    def display(reference: dict[str, Any] | str | None) -> str:
        """What to keep when the reference cannot be resolved."""
        if isinstance(reference, dict):
            return str(reference.get("display") or reference.get("reference") or "")
        return str(reference or "")
