"""The state of one conversion, and what the header and every section build with it.

A ``Converter`` holds the document, the resources made so far (by id, in the
order they were made) and the patient. ``add`` gives each resource its stable
id and merges repeats; ``codeable`` reads a coded value, following references
into the narrative; ``organization``, ``practitioner`` and ``entity`` turn the
people and organizations a document names into resources, once each.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from urllib.parse import quote

from .datatypes import (
    NULL_EXTENSIONS,
    XSI_TYPE,
    Json,
    Node,
    addresses,
    child,
    children,
    clean,
    code_system_uri,
    human_name,
    id_keys,
    identifiers,
    is_null,
    telecoms,
    text_of,
    valid_oid,
    valid_uuid,
)

ID_NAMESPACE = uuid.UUID("6f1d3b2a-0c7e-5b9a-9a43-2f3c8e1d5a77")  # fixed: ids must never change


def stable_id(*parts: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, "|".join(parts)))


def fingerprint(resource: Json) -> str:
    body = {k: v for k, v in resource.items() if k not in ("id", "meta")}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def ref(resource: Json) -> Json:
    """A Reference to a resource of the bundle (by its ``urn:uuid:`` full URL)."""
    return {"reference": f"urn:uuid:{resource['id']}"}


def source_system(root: Node, digest: str) -> str:
    """The system that produced the document (see the package docstring)."""
    doc_id = child(root, "id")
    doc_root = (doc_id.get("root") or "").strip() if doc_id is not None else ""
    if not is_null(doc_id) and valid_oid(doc_root):
        return f"urn:oid:{doc_root}"
    org = child(root, "custodian", "assignedCustodian", "representedCustodianOrganization")
    for ii in children(org, "id"):
        ii_root = (ii.get("root") or "").strip()
        ext = clean(ii.get("extension"))
        if ii.get("nullFlavor") is not None or not valid_oid(ii_root):
            continue
        if ext and ext.upper() not in NULL_EXTENSIONS:
            return f"urn:oid:{ii_root}/{quote(ext, safe='')}"
        return f"urn:oid:{ii_root}"
    name = text_of(child(org, "name"))
    if name:
        return f"urn:ccda:custodian:{quote(name.lower(), safe='')}"
    if not is_null(doc_id) and valid_uuid(doc_root):
        return f"urn:uuid:{doc_root.lower()}"
    return f"urn:ccda:document:{digest[:32]}"


class Converter:
    def __init__(self, root: Node, digest: str) -> None:
        self.root = root
        self.digest = digest
        self.resources: dict[str, Json] = {}  # id -> resource, in insertion order
        self.narrative: dict[str, Node] | None = None  # ID -> element, read once when needed
        self.source = source_system(root, digest)
        self.patient: Json | None = None

    # Text and codes ---------------------------------------------------------------

    def narrative_text(self, reference: str | None) -> str | None:
        if not reference or not reference.startswith("#"):
            return None
        if self.narrative is None:
            self.narrative = {}
            for el in self.root.iter():
                if (element_id := el.get("ID")) is not None:
                    self.narrative.setdefault(element_id, el)
        return text_of(self.narrative.get(reference[1:]))

    def element_text(self, el: Node | None) -> str | None:
        """Text of an ED/ST element: its own text, else the narrative it references."""
        if el is None:
            return None
        reference = child(el, "reference")
        if reference is None:
            return text_of(el)
        own = clean((el.text or "") + "".join((c.tail or "") for c in el))
        return own or self.narrative_text(reference.get("value"))

    def entry_text(self, el: Node | None) -> str | None:
        return self.element_text(child(el, "text"))

    def codeable(self, el: Node | None, fallback: str | None = None) -> Json | None:
        """A CodeableConcept for a CD element and its translations; ``fallback`` as its text."""
        codings: list[Json] = []
        if el is not None:
            for c in [el, *children(el, "translation")]:
                code = clean(c.get("code"))
                if not code or c.get("nullFlavor") is not None or len(code) > 200:
                    continue
                coding: Json = {}
                system = code_system_uri(c.get("codeSystem"))
                if system:
                    coding["system"] = system
                coding["code"] = code
                display = clean(c.get("displayName"))
                if display:
                    coding["display"] = display
                if coding not in codings:
                    codings.append(coding)
        text = None
        if el is not None:
            text = self.element_text(child(el, "originalText")) or clean(el.get("displayName"))
            if not text and el.text and el.get(XSI_TYPE) in ("ST", "ED"):
                text = clean(el.text)
        text = text or next((c["display"] for c in codings if c.get("display")), None)
        text = text or fallback
        out: Json = {}
        if codings:
            out["coding"] = codings
        if text:
            out["text"] = text
        return out or None

    # Resources ------------------------------------------------------------------

    def add(self, resource: Json, keys: list[str], merge: bool = False) -> Json:
        """Give the resource a stable id and add it; returns the resource kept in the bundle."""
        rtype = resource["resourceType"]
        if keys:
            base = stable_id(rtype, keys[0])
        else:
            base = stable_id(rtype, self.source, fingerprint(resource))
        resource["meta"] = {"source": self.source}
        candidate, n = base, 1
        while candidate in self.resources:
            existing = self.resources[candidate]
            if fingerprint(existing) == fingerprint(resource):
                return existing
            if merge:
                for key, value in resource.items():
                    if key not in existing:
                        existing[key] = value
                return existing
            n += 1
            candidate = stable_id(rtype, keys[0] if keys else self.source, base, str(n))
        resource["id"] = candidate
        ordered = {"resourceType": rtype, "id": candidate, "meta": resource.pop("meta")}
        ordered.update({k: v for k, v in resource.items() if k not in ("resourceType", "id")})
        self.resources[candidate] = ordered
        return ordered

    def subject(self) -> Json:
        assert self.patient is not None, "convert_patient() runs first"
        return {"reference": f"urn:uuid:{self.patient['id']}"}

    # People and organizations ---------------------------------------------------

    @staticmethod
    def contacts(resource: Json, el: Node | None) -> None:
        """Phones, emails and addresses of ``el``, when it has any."""
        telecom = telecoms(el)
        if telecom:
            resource["telecom"] = telecom
        address = addresses(el)
        if address:
            resource["address"] = address

    def organization(self, el: Node | None) -> Json | None:
        if is_null(el):
            return None
        names = [text_of(n) for n in children(el, "name")]
        name = next((n for n in names if n), None)
        if not name:
            return None  # a bare identifier means nothing to the family
        org = party("Organization", el)
        org["name"] = name
        self.contacts(org, el)
        keys = id_keys(el) or [f"{self.source}|name|{name.lower()}"]
        return self.add(org, keys, merge=True)

    def practitioner(self, entity: Node | None) -> Json | None:
        """Practitioner for an assignedEntity / assignedAuthor (None for devices or no name)."""
        if is_null(entity):
            return None
        person = child(entity, "assignedPerson")
        names = [n for n in (human_name(x) for x in children(person, "name")) if n]
        if person is None or not names:
            return None
        practitioner = party("Practitioner", entity)
        practitioner["name"] = names
        self.contacts(practitioner, entity)
        specialty = self.codeable(child(entity, "code"))
        if specialty:
            practitioner["qualification"] = [{"code": specialty}]
        keys = id_keys(entity)
        if not keys:
            keys = [f"{self.source}|name|{json.dumps(names[0], sort_keys=True).lower()}"]
        return self.add(practitioner, keys, merge=True)

    def entity(self, entity: Node | None) -> tuple[Json | None, Json | None]:
        """(Practitioner, Organization) for an assignedEntity/assignedAuthor."""
        if is_null(entity):
            return None, None
        practitioner = self.practitioner(entity)
        organization = self.organization(child(entity, "representedOrganization"))
        return practitioner, organization

    def author_practitioner(self, el: Node | None) -> Json | None:
        for author in children(el, "author"):
            practitioner, _org = self.entity(child(author, "assignedAuthor"))
            if practitioner:
                return practitioner
        return None

    def first_author(self, *elements: Node | None) -> Json | None:
        """The first practitioner among the authors of ``elements`` (an entry, then its act)."""
        for el in elements:
            if el is not None and (found := self.author_practitioner(el)):
                return found
        return None


def new_resource(kind: str, el: Node | None) -> Json:
    """A resource of ``kind`` with the identifiers of ``el``, when it has any."""
    resource: Json = {"resourceType": kind}
    found = identifiers(el)
    if found:
        resource["identifier"] = found
    return resource


def party(kind: str, el: Node | None) -> Json:
    """An Organization or Practitioner with the identifiers of ``el``, active."""
    resource = new_resource(kind, el)
    resource["active"] = True
    return resource
