"""Exports of a child's record: a FHIR R4 Bundle and an International Patient Summary.

* ``bundle``: a Bundle of type ``collection`` with the Patient and every row of
  the chosen scopes (plus a CareTeam listing the team, and the practices the
  team belongs to as Organizations).
* ``ips``: a Bundle of type ``document`` in the style of the International
  Patient Summary: a Composition first, with the sections medications
  (10160-0), allergies (48765-2), problems (11450-4), immunizations (11369-6),
  medical equipment (46264-8) and plan of care (18776-5), plus past illnesses
  (11348-0) and the latest vital signs (8716-3) when there are any; then the
  Patient and every resource the sections point to.

Rows come only through ``children.access`` as the exporting person (or every
row for a system actor, a management command): an export never holds more
than its author may see. Every export is audited (verb "export").

Digest: ``Bundle.meta.tag`` carries ``{"system": DIGEST_SYSTEM, "code": <hex>}``,
the SHA-256 of the bundle's canonical JSON *without that tag* (keys sorted,
no spaces, UTF-8, numbers as JSON numbers; an emptied ``tag`` list and
``meta`` are dropped too). ``verify_digest(bundle)`` recomputes it from the
dict ``json.loads`` gives: True or False, or None when the bundle has no
digest.
"""

from __future__ import annotations

import copy
import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import slugify
from django.utils.translation import gettext as _

from children import access
from children.audit import audit_record
from children.models import CareTeamMember, Child
from coordination.models import CarePlan, Goal, Referral, Task, Visit
from records.models import (
    Allergy,
    Condition,
    Coverage,
    Document,
    Equipment,
    Immunization,
    Measurement,
    Medication,
)

from . import mapping
from .mapping import Json
from .terminology import (
    DIGEST_SYSTEM,
    EXT,
    IPS_SECTIONS,
    LIST_EMPTY_REASON,
    LOINC,
    PATIENT_SUMMARY,
    URI,
    VITALS,
)

FORMATS = ("bundle", "ips")
EXPORT_SCOPES = ("summary", "health", "coverage", "visits", "plan", "documents")
MODELS: tuple[type[models.Model], ...] = (
    Condition,
    Medication,
    Allergy,
    Immunization,
    Measurement,
    Equipment,
    CareTeamMember,
    Coverage,
    Visit,
    Referral,
    Task,
    CarePlan,
    Goal,
    Document,
)


@dataclass
class Export:
    child: Child
    format: str
    bundle: Json
    digest: str

    def content(self) -> bytes:
        return json.dumps(self.bundle, ensure_ascii=False, indent=1).encode()

    @property
    def filename(self) -> str:
        name = slugify(self.child.display_name) or "record"
        kind = "patient-summary" if self.format == "ips" else "fhir-record"
        return f"{name}-{kind}-{timezone.localdate().isoformat()}.json"

    @property
    def count(self) -> int:
        return len(self.bundle.get("entry", []))


# Which rows ----------------------------------------------------------------


def models_for(scopes: Iterable[str]) -> list[type[models.Model]]:
    """The exported models a choice of scopes covers (by the access rule book)."""
    wanted = set(scopes)
    return [m for m in MODELS if set(access.MODEL_RULES[m._meta.label_lower][0]) & wanted]


def rows_query(child: Child, model: type[models.Model], user: Any | None) -> models.QuerySet:
    """``model``'s rows on ``child`` that ``user`` may see (every row for a
    system actor), with what ``mapping.to_fhir`` reads joined in. The export
    and the API read rows this way."""
    select = [s for s in mapping.rule_for(model).select if s != "child"]
    found = access.child_rows(child, model, user).order_by("pk")
    return found.select_related(*select) if select else found


def _rows(child: Child, user: Any | None, scopes: Iterable[str]) -> list[models.Model]:
    rows: list[models.Model] = []
    for model in models_for(scopes):
        for row in rows_query(child, model, user):
            row.child = child
            rows.append(row)
    return rows


def _care_team(child: Child, members: list[CareTeamMember]) -> Json:
    return {
        "resourceType": "CareTeam",
        "id": str(child.uuid),
        "status": "active",
        "name": _("Care team of %(name)s") % {"name": child.display_name},
        "subject": {"reference": f"Patient/{child.uuid}"},
        "participant": [
            {
                "role": [{"text": str(m.get_role_display())}],
                "member": {"reference": mapping.reference(m), "display": m.name},
            }
            for m in members
        ],
    }


def hide_unseen(resource: Json, row: models.Model, perms: frozenset[str] | None) -> Json:
    """Leave out what ``resource`` tells that its reader may not see in Homebase: a task
    (``plan``) names its visit (``visits``); the family's notes on a team member are in
    the owners' team form only. ``perms`` None: a system actor, who sees everything."""
    if perms is None:
        return resource
    if isinstance(row, Task) and not access.can_view(perms, Visit):
        resource.pop("reasonReference", None)
    if isinstance(row, CareTeamMember) and "team.edit" not in perms:
        notes = EXT + "team-notes"
        kept = [e for e in resource.get("extension", []) if e.get("url") != notes]
        resource["extension"] = kept
        if not kept:
            resource.pop("extension")
    return resource


def _resources(
    child: Child, rows: list[models.Model], with_files: bool, perms: frozenset[str] | None
) -> dict[str, Json]:
    """Every resource of the export, keyed "Type/id", the Patient first."""
    found = [mapping.to_fhir(child)]
    found += [hide_unseen(mapping.to_fhir(row, with_files=with_files), row, perms) for row in rows]
    members = [r for r in rows if isinstance(r, CareTeamMember)]
    if members:
        found.append(_care_team(child, members))
        practices = {m.practice.uuid: m.practice for m in members if m.practice is not None}
        found += [mapping.to_fhir(p) for p in practices.values()]
    return {f"{r['resourceType']}/{r['id']}": r for r in found}


# Bundles -------------------------------------------------------------------


def _now() -> str:
    return timezone.now().astimezone(UTC).isoformat().replace("+00:00", "Z")


def _full_url(resource: Json) -> str:
    base = settings.SITE_URL.rstrip("/")
    return f"{base}/fhir/{resource['resourceType']}/{resource['id']}"


def _bundle(kind: str, resources: Iterable[Json]) -> Json:
    bundle_id = str(uuid.uuid4())
    now = _now()
    return {
        "resourceType": "Bundle",
        "id": bundle_id,
        "meta": {"lastUpdated": now},
        "identifier": {"system": URI, "value": f"urn:uuid:{bundle_id}"},
        "type": kind,
        "timestamp": now,
        "entry": [{"fullUrl": _full_url(r), "resource": r} for r in resources],
    }


# The patient summary (IPS style) -------------------------------------------


@dataclass(frozen=True)
class Section:
    key: str  # also its key in terminology.IPS_SECTIONS (the LOINC code and name)
    title: Callable[[], str]
    picks: Callable[[models.Model], bool]
    required: bool = True
    model: type[models.Model] | None = None  # the model whose absence means "withheld"


def _latest_vitals(rows: list[models.Model]) -> set[int]:
    latest: dict[str, Measurement] = {}
    for row in rows:
        if not isinstance(row, Measurement) or row.kind not in VITALS:
            continue
        if row.kind not in latest or row.measured_on > latest[row.kind].measured_on:
            latest[row.kind] = row
    return {id(m) for m in latest.values()}


def _is_open_plan_item(row: models.Model) -> bool:
    if isinstance(row, CarePlan):
        return True
    if isinstance(row, Goal):
        return row.status == Goal.Status.ACTIVE
    if isinstance(row, Referral):
        return row.is_open
    return isinstance(row, Task) and row.status == Task.Status.OPEN


SECTIONS: tuple[Section, ...] = (
    Section(
        "medications",
        lambda: _("Medicines"),
        lambda r: isinstance(r, Medication) and r.status != Medication.Status.STOPPED,
        model=Medication,
    ),
    Section(
        "allergies",
        lambda: _("Allergies"),
        lambda r: isinstance(r, Allergy),
        model=Allergy,
    ),
    Section(
        "problems",
        lambda: _("Health problems"),
        lambda r: isinstance(r, Condition) and r.status == Condition.Status.ACTIVE,
        model=Condition,
    ),
    Section(
        "past",
        lambda: _("Past health problems"),
        lambda r: isinstance(r, Condition) and r.status == Condition.Status.RESOLVED,
        required=False,
    ),
    Section(
        "immunizations",
        lambda: _("Immunizations"),
        lambda r: isinstance(r, Immunization),
        model=Immunization,
    ),
    Section(
        "devices",
        lambda: _("Medical equipment"),
        lambda r: isinstance(r, Equipment) and r.in_use,
        model=Equipment,
    ),
    Section(
        "plan",
        lambda: _("Plan of care"),
        _is_open_plan_item,
        model=Goal,
    ),
)


def _line(row: models.Model) -> str:
    """One row in the section's narrative, in plain words."""
    if isinstance(row, Medication):
        return f"{row.name}: {row.dose}, {row.schedule}"
    if isinstance(row, Allergy):
        extra = f": {row.reaction}" if row.reaction else ""
        return f"{row.substance}{extra} ({row.get_severity_display()})"
    if isinstance(row, Immunization):
        return f"{row.vaccine} ({row.given_on.isoformat()})"
    if isinstance(row, Measurement):
        return f"{row.get_kind_display()}: {row.value} {row.unit} ({row.measured_on.isoformat()})"
    if isinstance(row, CarePlan):
        return _("Shared plan of care")
    return str(row)


def _narrative(lines: list[str]) -> Json:
    if lines:
        body = "<ul>" + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>"
    else:
        body = f"<p>{escape(_('No information.'))}</p>"
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


def _section(code: str, display: str, title: str, rows: list[models.Model], empty: str) -> Json:
    section: Json = {
        "title": title,
        "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
        "text": _narrative([_line(r) for r in rows]),
    }
    if rows:
        section["entry"] = [{"reference": mapping.reference(r)} for r in rows]
    else:
        section["emptyReason"] = {"coding": [{"system": LIST_EMPTY_REASON, "code": empty}]}
    return section


def _sections(rows: list[models.Model], exported: set[type[models.Model]]) -> list[Json]:
    sections = []
    for spec in SECTIONS:
        picked = [r for r in rows if spec.picks(r)]
        if picked or spec.required:
            empty = "unavailable" if spec.model in exported else "withheld"
            sections.append(_section(*IPS_SECTIONS[spec.key], spec.title(), picked, empty))
    latest = _latest_vitals(rows)
    vitals = [r for r in rows if id(r) in latest]
    if vitals:
        latest_title = _("Latest measurements")
        sections.append(_section(*IPS_SECTIONS["vitals"], latest_title, vitals, "unavailable"))
    return sections


def _references(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "reference" and isinstance(item, str):
                yield item
            else:
                yield from _references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)


def _closure(start: list[str], resources: dict[str, Json]) -> list[Json]:
    """The resources ``start`` names, and everything they point to, once each."""
    keys: list[str] = []
    todo = list(start)
    while todo:
        key = todo.pop(0)
        if key in resources and key not in keys:
            keys.append(key)
            todo.extend(_references(resources[key]))
    return [resources[k] for k in keys]


def _visible_models(child: Child, user: Any | None, scopes: list[str]) -> set[type[models.Model]]:
    chosen = models_for(scopes)
    if user is None:
        return set(chosen)
    perms = access.perms_for(user, child)
    return {m for m in chosen if access.can_view(perms, m)}


def _ips(
    child: Child,
    rows: list[models.Model],
    resources: dict[str, Json],
    shown: set[type[models.Model]],
) -> Json:
    sections = _sections(rows, shown)
    composition = {
        "resourceType": "Composition",
        "id": str(uuid.uuid4()),
        "status": "final",
        "type": {
            "coding": [{"system": LOINC, "code": PATIENT_SUMMARY[0], "display": PATIENT_SUMMARY[1]}]
        },
        "subject": {"reference": f"Patient/{child.uuid}", "display": child.display_name},
        "date": _now(),
        "author": [{"display": "Homebase"}],
        "title": _("Patient summary: %(name)s") % {"name": child.display_name},
        "section": sections,
    }
    wanted = [f"Patient/{child.uuid}", *(ref for s in sections for ref in _references(s))]
    return _bundle("document", [composition, *_closure(wanted, resources)])


# Digest --------------------------------------------------------------------


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _without_digest(bundle: Json) -> Json:
    copied = copy.deepcopy(bundle)
    meta = copied.get("meta") or {}
    tags = [t for t in meta.get("tag") or [] if t.get("system") != DIGEST_SYSTEM]
    if tags:
        meta["tag"] = tags
    else:
        meta.pop("tag", None)
    if not meta:
        copied.pop("meta", None)
    return copied


def content_digest(bundle: Json) -> str:
    """SHA-256 (hex) of the bundle's canonical JSON, leaving out its digest tag."""
    canonical = json.dumps(
        _without_digest(bundle),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=_number,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _stamp(bundle: Json) -> str:
    digest = content_digest(bundle)
    meta = bundle.setdefault("meta", {})
    meta.setdefault("tag", []).append(
        {"system": DIGEST_SYSTEM, "code": digest, "display": "SHA-256 of this bundle"}
    )
    return digest


def verify_digest(bundle_dict: Json) -> bool | None:
    """True or False when the bundle carries a Homebase digest, None when it does not."""
    meta = bundle_dict.get("meta") if isinstance(bundle_dict, dict) else None
    tags = (meta.get("tag") if isinstance(meta, dict) else None) or []
    if not isinstance(tags, list):
        return None
    found = [
        t.get("code") for t in tags if isinstance(t, dict) and t.get("system") == DIGEST_SYSTEM
    ]
    if not found:
        return None
    return len(found) == 1 and found[0] == content_digest(bundle_dict)


# The export ----------------------------------------------------------------


def export_record(
    *,
    actor: Any,
    child: Child,
    format: str = "bundle",
    scopes: Iterable[str] = EXPORT_SCOPES,
    with_files: bool = True,
) -> Export:
    """Export ``child``'s record as ``actor`` sees it, and audit it.

    ``actor`` is a user (rows through ``children.access`` as that user) or a
    string naming a system actor ("system:export_record": every row).
    """
    if format not in FORMATS:
        raise ValueError(f"Unknown export format: {format}")
    chosen = [s for s in EXPORT_SCOPES if s in set(scopes)]
    user = None if isinstance(actor, str) else actor
    if user is not None and not access.can(user, access.RECORD_VIEW, child):
        raise PermissionDenied
    rows = _rows(child, user, chosen)
    perms = None if user is None else access.perms_for(user, child)
    resources = _resources(child, rows, with_files, perms)
    if format == "ips":
        bundle = _ips(child, rows, resources, _visible_models(child, user, chosen))
    else:
        bundle = _bundle("collection", resources.values())
    digest = _stamp(bundle)
    audit_record(
        actor=actor,
        verb="export",
        child=child,
        what="patient summary (IPS)" if format == "ips" else "FHIR record",
        format=format,
        scopes=",".join(chosen),
        files=with_files,
        resources=len(bundle["entry"]),
        digest=digest,
    )
    return Export(child=child, format=format, bundle=bundle, digest=digest)
