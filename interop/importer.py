"""Importing FHIR R4 (and converted C-CDA) into a child's record.

Two steps, so nothing is written before the family has seen what will change:

1. ``plan_import`` reads the uploads (``interop.reader``), resolves references
   between them (``interop.references``), maps every resource
   (``interop.mapping.from_fhir_many``) and decides, per item, whether it is new
   (add), a newer copy of something imported before (update) or already there
   (skip). The result counts each type and lists conflicts (the file's patient
   is not this child) and what is not imported.
2. ``apply_import`` writes the plan in one transaction: on any error nothing
   is written. Each row remembers where it came from in a ``SourceLink``
   (file digest, resource type and id, source system, time), which is what
   makes importing the same file twice change nothing.

Team members and practices are imported only when the child's own resources
point at them (a Synthea "practitioner information" bundle lists hundreds),
de-duplicated by identifier (NPI) within the upload, then by name against the
team the child already has. Goals and outside care plans become proposals
the family accepts on the plan page, never silently adopted.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Practice
from children import services as child_services
from children.audit import audit_record
from children.models import CareTeamMember, Child
from coordination.models import CarePlan, Goal, PlanProposal
from coordination.services import plan as services_plan
from records.models import Document

from . import mapping
from .models import ImportBatch, SourceLink
from .reader import Entry, Upload, UploadError
from .references import References
from .terminology import NPI

LINK_FIELDS = ["model", "item_uuid", "file_digest", "content_digest", "imported_at", "batch"]
TEAM_TYPES = frozenset({"Practitioner", "PractitionerRole", "Organization"})
Progress = Callable[[int], None]


@dataclass
class Item:
    """One row to write, from one resource of the upload."""

    upload: Upload
    entry: Entry
    mapped: mapping.Mapped
    resource_type: str
    resource_id: str
    content_digest: str
    action: str = "add"  # add, update or skip
    existing: models.Model | None = None
    link: SourceLink | None = None

    @property
    def label(self) -> str:
        if self.mapped.model in (Goal, CarePlan):
            return str(_("goals proposed for the care plan"))
        return str(self.mapped.model._meta.verbose_name_plural)


@dataclass
class ImportPlan:
    child: Child | None
    uploads: list[Upload]
    items: list[Item] = field(default_factory=list)
    team: list[Item] = field(default_factory=list)
    patient: mapping.Mapped | None = None
    not_imported: Counter[str] = field(default_factory=Counter)
    conflicts: list[str] = field(default_factory=list)
    team_by_key: dict[str, Item | CareTeamMember] = field(default_factory=dict)
    refs: References | None = None  # the uploads' references, indexed once by plan_import

    def counts(self) -> dict[str, dict[str, int]]:
        """Per kind of row: how many are added, updated and skipped."""
        found: dict[str, dict[str, int]] = defaultdict(lambda: {"add": 0, "update": 0, "skip": 0})
        for item in [*self.team, *self.items]:
            found[item.label][item.action] += 1
        return dict(found)

    def summary(self) -> dict[str, Any]:
        """What the preview page and the command line show (JSON-ready)."""
        return {
            "counts": self.counts(),
            "not_imported": dict(self.not_imported),
            "conflicts": self.conflicts,
            "patient": {
                k: (v.isoformat() if hasattr(v, "isoformat") else v)
                for k, v in (self.patient.fields.items() if self.patient else [])
            },
            "resources": sum(len(u.entries) for u in self.uploads),
        }


def _digest(resource: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(resource, sort_keys=True).encode()).hexdigest()


def _resource_id(entry: Entry) -> str:
    return str(entry.resource.get("id") or entry.full_url or f"entry-{entry.index}")[:255]


def _npi(resource: dict[str, Any]) -> str:
    for identifier in resource.get("identifier") or []:
        if identifier.get("system") == NPI and identifier.get("value"):
            return str(identifier["value"])
    return ""


def plan_import(uploads: list[Upload], *, child: Child | None) -> ImportPlan:
    """Decide what an import would add, update and skip. Writes nothing."""
    entries = [e for u in uploads for e in u.entries]
    refs = References(entries)

    def resolve(reference: str) -> dict[str, Any] | None:
        found = refs.resolve(reference)
        return found.resource if found else None

    plan = ImportPlan(child=child, uploads=uploads, refs=refs)
    _find_patient(plan, uploads)
    wanted_team: dict[int, tuple[Upload, Entry]] = {}
    for upload in uploads:
        for entry in upload.entries:
            if entry.type == "Patient" or entry.type in TEAM_TYPES:
                continue
            try:
                found = mapping.from_fhir_many(entry.resource, resolve)
            except (KeyError, TypeError, ValueError, ArithmeticError) as error:
                raise UploadError(
                    _("%(where)s could not be read: %(problem)s")
                    % {"where": entry.label(), "problem": error}
                ) from None
            if not found:
                plan.not_imported[entry.type] += 1
                continue
            if found[0].model is Document and not found[0].content:
                plan.not_imported[entry.type] += 1  # a link to a file elsewhere: nothing to keep
                continue
            for n, mapped in enumerate(found):
                if mapped.model is CareTeamMember and mapped.source:
                    target = refs.resolve(mapped.source)
                    if target is not None:
                        wanted_team[id(target)] = (_upload_of(uploads, target), target)
                    continue
                rid = _resource_id(entry) + (f"#{n}" if n else "")
                plan.items.append(
                    Item(upload, entry, mapped, entry.type, rid, _digest(entry.resource))
                )
                for reference in mapped.refs.values():
                    target = refs.resolve(reference)
                    if target is not None and target.type in TEAM_TYPES:
                        wanted_team[id(target)] = (_upload_of(uploads, target), target)
    _plan_team(plan, wanted_team.values(), resolve)
    for upload in uploads:
        for entry in upload.entries:
            if entry.type in TEAM_TYPES and id(entry) not in wanted_team:
                plan.not_imported[entry.type] += 1
    _decide(plan)
    return plan


def _upload_of(uploads: list[Upload], entry: Entry) -> Upload:
    return next(u for u in uploads if any(e is entry for e in u.entries))


def _find_patient(plan: ImportPlan, uploads: list[Upload]) -> None:
    patients = [(u, e) for u in uploads for e in u.entries if e.type == "Patient"]
    distinct = {(u.source_system, _resource_id(e)) for u, e in patients}
    if len(distinct) > 1:
        raise UploadError(
            _("This upload has %(n)s different patients. Import one child's record at a time.")
            % {"n": len(distinct)}
        )
    if not patients:
        if plan.child is None:
            raise UploadError(_("There is no Patient in this file, so no new child can be made."))
        return
    plan.patient = mapping.from_fhir(patients[0][1].resource)
    child = plan.child
    if plan.patient is None or child is None:
        return
    fields = plan.patient.fields
    theirs = f"{fields.get('first_name', '')} {fields.get('last_name', '')}".strip()
    ours = f"{child.first_name} {child.last_name}".strip()
    if theirs and theirs.casefold() != ours.casefold():
        plan.conflicts.append(
            _("The file is about “%(theirs)s”, but this record is “%(ours)s”.")
            % {"theirs": theirs, "ours": ours}
        )
    born = fields.get("birth_date")
    if born and child.birth_date and born != child.birth_date:
        plan.conflicts.append(
            _("The file's birth date is %(theirs)s; this record says %(ours)s.")
            % {"theirs": born.isoformat(), "ours": child.birth_date.isoformat()}
        )


def _plan_team(plan: ImportPlan, wanted: Any, resolve: Any) -> None:
    """Team members and practices the child's resources point at, each once."""
    existing = (
        {m.name.casefold(): m for m in plan.child.team.all()} if plan.child is not None else {}
    )
    by_npi: dict[str, Item] = {}
    by_name: dict[str, Item] = {}
    for upload, entry in wanted:
        found = mapping.from_fhir_many(entry.resource, resolve)
        if not found:
            plan.not_imported[entry.type] += 1
            continue
        mapped = found[0]
        key = f"{entry.type}/{_resource_id(entry)}"
        if mapped.model is Practice:
            plan.team_by_key[key] = Item(
                upload, entry, mapped, entry.type, _resource_id(entry), _digest(entry.resource)
            )
            continue
        npi = _npi(entry.resource)
        name = str(mapped.fields.get("name", "")).casefold()
        same: Item | CareTeamMember | None = by_npi.get(npi) if npi else None
        same = same or by_name.get(name) or existing.get(name)
        if same is not None:
            plan.team_by_key[key] = same
            continue
        item = Item(upload, entry, mapped, entry.type, _resource_id(entry), _digest(entry.resource))
        plan.team.append(item)
        plan.team_by_key[key] = item
        if npi:
            by_npi[npi] = item
        by_name[name] = item
    for entry_key, value in list(plan.team_by_key.items()):
        if isinstance(value, Item) and value.mapped.model is Practice:
            plan.team_by_key.pop(entry_key)
            plan.team.append(value)


def _decide(plan: ImportPlan) -> None:
    """Add, update or skip each item, by what was imported from the same source before."""
    if plan.child is None:
        return
    links = {
        (link.source_system, link.resource_type, link.resource_id): link
        for link in SourceLink.objects.filter(
            child=plan.child, source_system__in={u.source_system for u in plan.uploads}
        )
    }
    items = [*plan.team, *plan.items]
    by_model: dict[type[models.Model], set[Any]] = defaultdict(set)
    for item in items:
        link = links.get((item.upload.source_system, item.resource_type, item.resource_id))
        if link is not None:
            item.link = link
            by_model[item.mapped.model].add(link.item_uuid)
    rows: dict[Any, models.Model] = {}
    for model, uuids in by_model.items():
        manager = model._default_manager
        found = (
            manager.filter(uuid__in=uuids)
            if model is Practice
            else manager.filter(child=plan.child, uuid__in=uuids)
        )
        rows.update({row.uuid: row for row in found})  # type: ignore[attr-defined]
    for item in items:
        if item.link is None:
            continue
        item.existing = rows.get(item.link.item_uuid)
        if item.link.content_digest == item.content_digest:
            item.action = "skip"
        elif item.existing is not None:
            item.action = "update"


# Writing ------------------------------------------------------------------


def apply_import(
    plan: ImportPlan,
    *,
    actor: Any,
    batch: ImportBatch | None = None,
    progress: Progress | None = None,
) -> dict[str, dict[str, int]]:
    """Write the plan in one transaction; return the counts per kind."""
    with transaction.atomic():
        child = plan.child or _new_child(plan, actor)
        if plan.child is None:
            plan.child = child
        members = _write_team(plan, child, actor)
        _write_items(plan, child, actor, members, progress)
        _write_links(plan, child, batch)
        counts = plan.counts()
        audit_record(
            actor=actor,
            verb="import",
            child=child,
            what="import",
            target=batch,
            counts={k: v for k, v in counts.items()},
            digests=sorted({u.digest for u in plan.uploads}),
        )
    return counts


def _new_child(plan: ImportPlan, actor: Any) -> Child:
    if plan.patient is None:
        raise UploadError(_("There is no Patient in this file, so no new child can be made."))
    fields = dict(plan.patient.fields)
    if not fields.get("birth_date"):
        raise UploadError(_("The file's Patient has no birth date, so no new child can be made."))
    child = Child(**{k: v for k, v in fields.items() if v not in (None,)})
    _check(child, plan.patient, "Patient")
    return child_services.child_create(actor=actor, child=child)


def _user(actor: Any) -> Any:
    """The person to remember as the rows' author; None for a system actor (a string)."""
    return None if isinstance(actor, str) else actor


def _check(row: models.Model, mapped: mapping.Mapped, where: str) -> None:
    """Model validation, reported with the entry and field it came from."""
    try:
        row.full_clean(
            exclude=["child", "created_by", "plan", "file", *mapped.refs], validate_unique=False
        )
    except ValidationError as error:
        name, problems = next(iter(error.message_dict.items()))
        raise UploadError(
            _("%(where)s, field “%(field)s”: %(problem)s")
            % {"where": where, "field": name, "problem": " ".join(problems)}
        ) from None


def _fill(row: models.Model, item: Item) -> None:
    for name, value in item.mapped.fields.items():
        setattr(row, name, value)


def _write_team(plan: ImportPlan, child: Child, actor: Any) -> dict[int, models.Model]:
    """Create the new team members and practices; map each item to its row."""
    rows: dict[int, models.Model] = {}
    practices = {p.name.casefold(): p for p in Practice.objects.all().only("id", "name", "uuid")}
    for item in plan.team:
        if item.action == "skip" and item.existing is not None:
            rows[id(item)] = item.existing
            continue
        if item.mapped.model is Practice:
            name = str(item.mapped.fields.get("name", "")).casefold()
            practice = practices.get(name)
            if practice is None:
                practice = Practice(created_by=_user(actor))
                _fill(practice, item)
                _check(practice, item.mapped, item.entry.label())
                practice.save()
                practices[name] = practice
            rows[id(item)] = practice
            item.existing = item.existing or practice
            continue
        member = cast(
            CareTeamMember, item.existing or CareTeamMember(child=child, created_by=_user(actor))
        )
        _fill(member, item)
        if member.is_medical_home_lead and (
            CareTeamMember.objects.filter(child=child, is_medical_home_lead=True)
            .exclude(pk=member.pk)
            .exists()
        ):
            member.is_medical_home_lead = False  # the family's lead stays the lead
        _check(member, item.mapped, item.entry.label())
        if item.existing is not None:
            member.version += 1
            # Never the grant it may carry (read before this transaction: a revocation
            # since then must stand), as the team form does.
            member.save(update_fields=[*item.mapped.fields, "version", "updated_at"])
        else:
            member.save()
        item.existing = member
        rows[id(item)] = member
    return rows


def _write_items(
    plan: ImportPlan,
    child: Child,
    actor: Any,
    members: dict[int, models.Model],
    progress: Progress | None,
) -> None:
    new: dict[type[models.Model], list[models.Model]] = defaultdict(list)
    changed: dict[type[models.Model], list[models.Model]] = defaultdict(list)
    refs = plan.refs or References([e for u in plan.uploads for e in u.entries])
    total = max(1, len(plan.items))
    care_plan: CarePlan | None = None
    for n, item in enumerate(plan.items, 1):
        if progress and n % 200 == 0:
            progress(int(90 * n / total))
        if item.action == "skip":
            continue
        model = item.mapped.model
        if model in (Goal, CarePlan):
            care_plan = care_plan or services_plan.plan_get_or_create(actor=actor, child=child)
            proposal = _proposal(item, care_plan)
            item.existing = proposal
            continue
        row = item.existing or model(child=child, created_by=_user(actor))
        _fill(row, item)
        for name, reference in item.mapped.refs.items():
            target = _resolved_member(plan, refs, reference, members)
            setattr(row, name, target)
        _check(row, item.mapped, item.entry.label())
        if isinstance(row, Document):
            _save_document(row, item)
            item.existing = row
            continue
        if item.existing is not None:
            row.version += 1  # type: ignore[attr-defined]
            row.updated_at = timezone.now()  # type: ignore[attr-defined]
            changed[model].append(row)
        else:
            new[model].append(row)
        item.existing = row
    for model, rows in new.items():
        model._default_manager.bulk_create(rows, batch_size=500)
    for model, rows in changed.items():
        names = [*_changed_fields(plan, model), "version", "updated_at"]
        model._default_manager.bulk_update(rows, names, batch_size=500)
    if progress:
        progress(95)


def _resolved_member(
    plan: ImportPlan, refs: References, reference: str, members: dict[int, models.Model]
) -> Any:
    entry = refs.resolve(reference)
    if entry is None:
        return None
    value: Any = plan.team_by_key.get(f"{entry.type}/{_resource_id(entry)}")
    if isinstance(value, Item):
        value = members.get(id(value))
    return value if isinstance(value, CareTeamMember) else None


def _changed_fields(plan: ImportPlan, model: type[models.Model]) -> set[str]:
    names: set[str] = set()
    for item in plan.items:
        if item.mapped.model is model:
            names |= set(item.mapped.fields) | set(item.mapped.refs)
    return names


def _proposal(item: Item, care_plan: CarePlan) -> PlanProposal:
    """A goal or care plan from outside: proposed to the family, not adopted."""
    kind = PlanProposal.Kind.GOAL_ADD if item.mapped.model is Goal else PlanProposal.Kind.ABOUT
    data = {
        k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in item.mapped.fields.items()
    }
    proposal = PlanProposal(
        child=care_plan.child,
        plan=care_plan,
        kind=kind,
        data=data,
        note=_("Imported from %(source)s") % {"source": item.upload.source_system},
        base_number=care_plan.number,
        proposed_by_name=_("Imported record"),
    )
    proposal.save()
    return proposal


def _save_document(row: Document, item: Item) -> None:
    content = item.mapped.content or b""
    row.size = len(content)
    row.sha256 = hashlib.sha256(content).hexdigest()
    if not row.original_name:
        row.original_name = (row.title or "document")[:200]
    if content:
        row.file.save(row.original_name, ContentFile(content), save=False)
    if item.existing is not None:
        row.version += 1
    row.save()


def _write_links(plan: ImportPlan, child: Child, batch: ImportBatch | None) -> None:
    now = timezone.now()
    create, update = [], []
    for item in [*plan.team, *plan.items]:
        row = item.existing
        if row is None or item.action == "skip":
            continue
        values = {
            "model": row._meta.label_lower,
            "item_uuid": row.uuid,  # type: ignore[attr-defined]
            "file_digest": item.upload.digest,
            "content_digest": item.content_digest,
            "imported_at": now,
            "batch": batch,
        }
        if item.link is not None:
            for name, value in values.items():
                setattr(item.link, name, value)
            update.append(item.link)
        else:
            create.append(
                SourceLink(
                    child=child,
                    source_system=item.upload.source_system,
                    resource_type=item.resource_type,
                    resource_id=item.resource_id,
                    **values,
                )
            )
    SourceLink.objects.bulk_create(create, batch_size=500)
    SourceLink.objects.bulk_update(update, LINK_FIELDS, batch_size=500)
