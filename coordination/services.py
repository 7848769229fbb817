"""Visits and tasks.

Same invariants as ``children.services``: the caller has authorized the
actor through ``access``; every write is one transaction with ``full_clean()``
and an audit event; a stale version is refused (``ConcurrentEdit``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from children.audit import audit_record
from children.services import item_create, item_update
from records.models import Document
from records.services import document_create

from .forms import apply_owner
from .models import PaperworkRequest, Referral, Task, Visit, VisitQuestion


@transaction.atomic
def question_add(*, actor: Any, visit: Visit, text: str, by_youth: bool) -> VisitQuestion:
    last = visit.questions.aggregate(last=Max("position"))["last"]
    question = VisitQuestion(
        visit=visit, text=text, by_youth=by_youth, asked_by=actor, position=(last or 0) + 1
    )
    return item_create(actor=actor, child=visit.child, item=question)


@transaction.atomic
def question_move(*, actor: Any, question: VisitQuestion, up: bool) -> None:
    """Swap the question with its neighbour: the family's order of priority."""
    item_move(actor=actor, item=question, siblings=question.visit.questions.all(), up=up)


def item_move(*, actor: Any, item: Any, siblings: Any, up: bool) -> None:
    """Swap ``item`` with its neighbour among ``siblings`` (ordered by ``position``)."""
    rows = list(siblings.select_for_update().order_by("position", "id"))
    index = next(i for i, row in enumerate(rows) if row.pk == item.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(rows):
        return
    rows[index], rows[other] = rows[other], rows[index]
    for position, row in enumerate(rows, start=1):
        if row.position != position:
            type(row).objects.filter(pk=row.pk).update(position=position, version=F("version") + 1)
    audit_record(
        actor=actor, verb="update", child=item.child, what=item._meta.model_name, target=item
    )


@transaction.atomic
def visit_record(
    *,
    actor: Any,
    visit: Visit,
    version: int,
    summary: str,
    answers: dict[VisitQuestion, str],
    steps: list[dict[str, Any]],
) -> list[Task]:
    """After the visit: answers, a summary, and next steps that become tasks."""
    visit.summary = summary
    visit.status = Visit.Status.DONE
    item_update(actor=actor, item=visit, version=version)
    for question, answer in answers.items():
        if question.answer != answer:
            question.answer = answer
            item_update(actor=actor, item=question, version=question.version)
    return tasks_from_steps(
        actor=actor, child=visit.child, steps=steps, origin=Task.Origin.VISIT, visit=visit
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


@transaction.atomic
def referral_advance(
    *,
    actor: Any,
    referral: Referral,
    version: int,
    step: str,
    on: date,
    report: Any = None,
    report_file: Any = None,
) -> Referral:
    """Record that the referral reached ``step`` on ``on`` (the report closes it).

    An uploaded report is added to the child's documents: the specialist who
    sends it need not be able to read the family's other documents.
    """
    if report_file is not None:
        report = document_create(
            actor=actor,
            child=referral.child,
            document=Document(
                title=str(_("Report: %(to)s") % {"to": referral.to_specialty}),
                kind=Document.Kind.REPORT,
                dated=on,
            ),
            upload=report_file,
        )
    field = {str(status): name for status, name in Referral.STEPS}[step]
    setattr(referral, field, on)
    referral.status = step
    if step == Referral.Status.CLOSED:
        referral.report = report
    return item_update(actor=actor, item=referral, version=version)


@transaction.atomic
def referral_end(
    *, actor: Any, referral: Referral, version: int, status: str, reason: str
) -> Referral:
    referral.status = status
    referral.ended_reason = reason
    return item_update(actor=actor, item=referral, version=version)


@transaction.atomic
def paperwork_start(*, actor: Any, paperwork: PaperworkRequest, version: int) -> PaperworkRequest:
    paperwork.status = PaperworkRequest.Status.IN_PROGRESS
    paperwork.started_on = timezone.localdate()
    return item_update(actor=actor, item=paperwork, version=version)


def paperwork_complete(
    *, actor: Any, paperwork: PaperworkRequest, version: int, upload: Any
) -> PaperworkRequest:
    """Done: the finished form is added to the child's documents and attached."""
    with transaction.atomic():
        document = document_create(
            actor=actor,
            child=paperwork.child,
            document=Document(
                title=paperwork.title, kind=Document.Kind.LETTER, dated=timezone.localdate()
            ),
            upload=upload,
        )
        paperwork.status = PaperworkRequest.Status.COMPLETED
        paperwork.completed_on = timezone.localdate()
        paperwork.document = document
        return item_update(actor=actor, item=paperwork, version=version)
