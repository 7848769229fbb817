"""Visits: the family's questions, and what happened at the visit.

Same invariants as ``children.services``: the caller has authorized the
actor through ``access``; every write is one transaction with ``full_clean()``
and an audit event; a stale version is refused (``ConcurrentEdit``).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max

from children.services import item_create, item_move

from ..models import Visit, VisitQuestion


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
