"""The shared plan of care: edits, proposals, versions, agreement and share links.

Invariants (``tests/test_plan.py`` proves them):

* The family's owners change the plan directly; everyone else with ``plan.edit``
  proposes, and an owner accepts the proposal into a new version or declines it.
* Every accepted change publishes one ``CarePlanVersion`` whose ``content`` is a
  frozen snapshot (``plan_snapshot``): any two versions can be compared, and a
  share link shows the version it was made for, never later edits.
* A save made from a stale copy (the plan, a goal or a need changed since the
  person opened the form) raises ``ConcurrentEdit``; nothing is overwritten.
* Every write is one transaction with an audit event.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from children.audit import audit_record
from children.models import Child
from children.services import ConcurrentEdit, item_create, item_delete, item_update

from ..forms.tasks import apply_owner
from ..models import CarePlan, CarePlanVersion, Goal, Need, PlanProposal, PlanShareLink, Task

ABOUT_FIELDS = ("strengths", "priorities", "what_matters", "review_on")
GOAL_FIELDS = ("text", "term", "domain", "measure", "target_on", "status")
NEED_FIELDS = ("text", "supports", "met")


def _value(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def plan_snapshot(plan: CarePlan) -> dict[str, Any]:
    """Everything the plan says, as plain JSON: what a version freezes."""
    goals = plan.goals.select_related("owner_guardian__user", "owner_member", "child")
    actions = (
        Task.objects.filter(child_id=plan.child_id)
        .filter(goal__isnull=False)
        .select_related("owner_guardian__user", "owner_member", "child", "goal")
        .order_by("due_on", "id")
    )
    return {
        "about": {name: _value(getattr(plan, name)) for name in ABOUT_FIELDS},
        "goals": {
            str(g.uuid): {
                **{name: _value(getattr(g, name)) for name in GOAL_FIELDS},
                "owner": g.owner_label,
            }
            for g in goals
        },
        "needs": {
            str(n.uuid): {name: _value(getattr(n, name)) for name in NEED_FIELDS}
            for n in plan.needs.all()
        },
        "actions": {
            str(t.uuid): {
                "title": t.title,
                "goal": str(t.goal.uuid) if t.goal else "",
                "owner": t.owner_label,
                "due_on": _value(t.due_on),
                "status": t.status,
            }
            for t in actions
        },
    }


@transaction.atomic
def plan_get_or_create(*, actor: Any, child: Child) -> CarePlan:
    plan = CarePlan.objects.select_for_update().filter(child=child).first()
    if plan is None:
        plan = item_create(actor=actor, child=child, item=CarePlan())
    return plan


def _publish(*, actor: Any, plan: CarePlan, note: str) -> CarePlanVersion:
    """Freeze the plan as it is now into the next version number."""
    CarePlan.objects.filter(pk=plan.pk).update(number=F("number") + 1)
    plan.number = CarePlan.objects.values_list("number", flat=True).get(pk=plan.pk)
    version = CarePlanVersion.objects.create(
        child_id=plan.child_id,
        plan=plan,
        number=plan.number,
        content=plan_snapshot(plan),
        note=note[:300],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(actor=actor, verb="create", child=plan.child, what="careplanversion", target=plan)
    return version


def _locked(plan: CarePlan) -> CarePlan:
    return CarePlan.objects.select_for_update().get(pk=plan.pk)


@transaction.atomic
def plan_update_about(
    *, actor: Any, plan: CarePlan, version: int, data: dict[str, Any], note: str = ""
) -> CarePlanVersion:
    plan = _locked(plan)
    for name in ABOUT_FIELDS:
        if name in data:
            setattr(plan, name, data[name])
    item_update(actor=actor, item=plan, version=version)
    return _publish(actor=actor, plan=plan, note=note)


@transaction.atomic
def plan_item_save(
    *,
    actor: Any,
    plan: CarePlan,
    model: type[Goal] | type[Need],
    item: Goal | Need | None,
    data: dict[str, Any],
    version: int | None,
    note: str = "",
) -> CarePlanVersion:
    """Add a goal or need (``item`` None) or change one, then publish a version."""
    plan = _locked(plan)
    names = GOAL_FIELDS if model is Goal else NEED_FIELDS
    if item is None:
        item = model(plan=plan)
        _fill(item, data, names, plan.child)
        item_create(actor=actor, child=plan.child, item=item)
    else:
        _fill(item, data, names, plan.child)
        item_update(actor=actor, item=item, version=version or 0)
    return _publish(actor=actor, plan=plan, note=note)


def goal_save(*, goal: Goal | None, **kwargs: Any) -> CarePlanVersion:
    return plan_item_save(model=Goal, item=goal, **kwargs)


def need_save(*, need: Need | None, **kwargs: Any) -> CarePlanVersion:
    return plan_item_save(model=Need, item=need, **kwargs)


def _fill(item: Goal | Need, data: dict[str, Any], names: tuple[str, ...], child: Child) -> None:
    for name in names:
        if name in data:
            setattr(item, name, data[name])
    if isinstance(item, Goal) and "owner" in data:
        try:
            apply_owner(item, child, data["owner"] or "")  # type: ignore[arg-type]
        except ObjectDoesNotExist:  # the person left the team since it was proposed
            apply_owner(item, child, "")  # type: ignore[arg-type]


@transaction.atomic
def plan_item_delete(
    *, actor: Any, plan: CarePlan, item: Goal | Need, version: int
) -> CarePlanVersion:
    plan = _locked(plan)
    if type(item)._default_manager.filter(pk=item.pk, version=version).count() != 1:
        raise ConcurrentEdit
    item_delete(actor=actor, item=item)
    return _publish(actor=actor, plan=plan, note="")


# Proposals ----------------------------------------------------------------


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return {k: _value(v) for k, v in data.items()}


@transaction.atomic
def proposal_create(
    *,
    actor: Any,
    plan: CarePlan,
    kind: str,
    data: dict[str, Any],
    target: Goal | Need | None = None,
    note: str = "",
) -> PlanProposal:
    """A team member's suggested change, kept until an owner decides."""
    proposal = PlanProposal(
        plan=plan,
        kind=kind,
        target_uuid=target.uuid if target is not None else None,
        data=_jsonable(data),
        note=note,
        base_number=plan.number,
        proposed_by_name=getattr(actor, "display_name", "") or "",
    )
    return item_create(actor=actor, child=plan.child, item=proposal)


def proposal_target(proposal: PlanProposal) -> Goal | Need | None:
    if proposal.target_uuid is None:
        return None
    if proposal.kind == PlanProposal.Kind.GOAL_CHANGE:
        return Goal.objects.filter(plan=proposal.plan, uuid=proposal.target_uuid).first()
    if proposal.kind == PlanProposal.Kind.NEED_CHANGE:
        return Need.objects.filter(plan=proposal.plan, uuid=proposal.target_uuid).first()
    return None


def proposal_changes(proposal: PlanProposal) -> list[tuple[str, Any, Any]]:
    """(field, now, proposed) for each field the proposal would change."""
    plan = proposal.plan
    if proposal.kind == PlanProposal.Kind.ABOUT:
        current: dict[str, Any] = {n: _value(getattr(plan, n)) for n in ABOUT_FIELDS}
    else:
        target = proposal_target(proposal)
        names = GOAL_FIELDS if proposal.kind.startswith("goal") else NEED_FIELDS
        current = {n: _value(getattr(target, n)) if target else None for n in names}
        if target is not None and isinstance(target, Goal):
            current["owner"] = target.owner_label
    adding = proposal.kind in (PlanProposal.Kind.GOAL_ADD, PlanProposal.Kind.NEED_ADD)
    return [
        (name, current.get(name), value)
        for name, value in proposal.data.items()
        if current.get(name) != value
        and not (name == "owner" and not value)
        and not (adding and value in (None, "", False))
    ]


def _parsed(data: dict[str, Any]) -> dict[str, Any]:
    from datetime import date

    out = dict(data)
    for name in ("target_on", "review_on"):
        if out.get(name):
            out[name] = date.fromisoformat(out[name])
    return out


@transaction.atomic
def proposal_accept(
    *, actor: Any, proposal: PlanProposal, version: int, plan_number: int | None = None
) -> CarePlanVersion:
    """Apply the proposal to the plan as a new version (owners only).

    ``plan_number`` is the plan version the owner read the proposal against:
    if the plan changed since, nothing is applied (another save would be lost).
    """
    if plan_number is not None and _locked(proposal.plan).number != plan_number:
        raise ConcurrentEdit
    claimed = PlanProposal.objects.filter(
        pk=proposal.pk, version=version, status=PlanProposal.Status.OPEN
    ).update(
        status=PlanProposal.Status.ACCEPTED,
        decided_by=actor,
        decided_at=timezone.now(),
        version=F("version") + 1,
    )
    if not claimed:
        raise ConcurrentEdit
    plan = proposal.plan
    data = _parsed(proposal.data)
    note = proposal.proposed_by_name
    kind = proposal.kind
    if kind == PlanProposal.Kind.ABOUT:
        result = plan_update_about(
            actor=actor, plan=plan, version=_locked(plan).version, data=data, note=note
        )
    else:
        target = proposal_target(proposal) if kind.endswith("_change") else None
        if kind.endswith("_change") and target is None:  # removed since: nothing to change
            raise ConcurrentEdit
        result = plan_item_save(
            actor=actor,
            plan=plan,
            model=Goal if kind.startswith("goal") else Need,
            item=target,
            data=data,
            version=target.version if target else None,
            note=note,
        )
    audit_record(actor=actor, verb="update", child=plan.child, what="planproposal", target=proposal)
    return result


@transaction.atomic
def proposal_decline(*, actor: Any, proposal: PlanProposal, version: int, reason: str) -> None:
    claimed = PlanProposal.objects.filter(
        pk=proposal.pk, version=version, status=PlanProposal.Status.OPEN
    ).update(
        status=PlanProposal.Status.DECLINED,
        decided_by=actor,
        decided_at=timezone.now(),
        decline_reason=reason,
        version=F("version") + 1,
    )
    if not claimed:
        raise ConcurrentEdit
    audit_record(
        actor=actor, verb="update", child=proposal.child, what="planproposal", target=proposal
    )


# Agreement and sharing ------------------------------------------------------


@transaction.atomic
def plan_agree(*, actor: Any, plan: CarePlan, number: int) -> CarePlanVersion:
    """The family agrees with the plan as it is in version ``number`` (the current one)."""
    plan = _locked(plan)
    if number != plan.number:
        raise ConcurrentEdit
    version = plan.versions.get(number=number)
    version.agreed_by = actor
    version.agreed_at = timezone.now()
    version.save(update_fields=["agreed_by", "agreed_at"])
    audit_record(actor=actor, verb="update", child=plan.child, what="plan agreement", target=plan)
    return version


@transaction.atomic
def share_link_create(
    *, actor: Any, version: CarePlanVersion, label: str, days: int
) -> tuple[PlanShareLink, str]:
    token = secrets.token_urlsafe(24)
    link = PlanShareLink(
        child_id=version.child_id,
        version=version,
        label=label,
        token_hash=PlanShareLink.hash_token(token),
        created_by=actor,
        expires_at=timezone.now() + timedelta(days=days),
    )
    link.full_clean()
    link.save()
    audit_record(actor=actor, verb="share", child=version.child, what="care plan link", label=label)
    return link, token


@transaction.atomic
def share_link_revoke(*, actor: Any, link: PlanShareLink) -> None:
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor, verb="revoke", child=link.child, what="care plan link", label=link.label
    )


# Comparing ------------------------------------------------------------------


def compare(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """What changed between two snapshots, section by section.

    ``about``: [(field, old, new)]; for goals, needs and actions: lists of
    added and removed entries and of changed ones with their field changes.
    """
    result: dict[str, Any] = {
        "about": [
            (name, old["about"].get(name), new["about"].get(name))
            for name in ABOUT_FIELDS
            if old["about"].get(name) != new["about"].get(name)
        ]
    }
    for section in ("goals", "needs", "actions"):
        before, after = old.get(section, {}), new.get(section, {})
        changed = []
        for key in before.keys() & after.keys():
            fields = [
                (name, before[key].get(name), after[key].get(name))
                for name in after[key]
                if before[key].get(name) != after[key].get(name)
            ]
            if fields:
                changed.append((after[key], fields))
        result[section] = {
            "added": [after[k] for k in after if k not in before],
            "removed": [before[k] for k in before if k not in after],
            "changed": changed,
        }
    return result
