"""Tasks: their status, and the next steps that become tasks after a visit or a
care meeting.

Same invariants as ``children.services``: the caller has authorized the
actor through ``access``; every write is one transaction with ``full_clean()``
and an audit event; a stale version is refused (``ConcurrentEdit``).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from children.services import item_create, item_update

from ..forms.tasks import apply_owner
from ..models import Meeting, Task, Visit

# What a visit and a care meeting keep after the fact: the row's own text
# field, its "done" status, each question's or agenda item's text field, and
# where the tasks come from.
_OUTCOMES: dict[str, tuple[str, str, str, str]] = {
    "visit": ("summary", Visit.Status.DONE, "answer", Task.Origin.VISIT),
    "meeting": ("notes", Meeting.Status.HELD, "notes", Task.Origin.MEETING),
}


@transaction.atomic
def outcome_record(
    *,
    actor: Any,
    item: Visit | Meeting,
    version: int,
    text: str,
    notes: dict[Any, str],
    steps: list[dict[str, Any]],
) -> list[Task]:
    """After a visit or a care meeting: what was said overall and on each question
    or agenda item, the visit done or the meeting held, and the next steps as tasks."""
    kind = item._meta.model_name or ""
    text_field, done, note_field, origin = _OUTCOMES[kind]
    setattr(item, text_field, text)
    item.status = done
    item_update(actor=actor, item=item, version=version)
    for row, note in notes.items():
        if getattr(row, note_field) != note:
            setattr(row, note_field, note)
            item_update(actor=actor, item=row, version=row.version)
    return tasks_from_steps(
        actor=actor, child=item.child, steps=steps, origin=origin, **{kind: item}
    )


def tasks_from_steps(
    *, actor: Any, child: Any, steps: list[dict[str, Any]], origin: str, **source: Any
) -> list[Task]:
    """Next steps (title, owner, due date) as tasks, remembering where they came from."""
    tasks = []
    for step in steps:
        task = Task(
            child=child, title=step["title"], due_on=step.get("due_on"), origin=origin, **source
        )
        apply_owner(task, child, step["owner"])
        tasks.append(item_create(actor=actor, child=child, item=task))
    return tasks


@transaction.atomic
def task_set_status(*, actor: Any, task: Task, status: str) -> Task:
    task.status = status
    task.done_at = timezone.now() if status == Task.Status.DONE else None
    return item_update(actor=actor, item=task, version=task.version)
