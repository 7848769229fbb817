"""Practices: listed by families and staff, changed by those allowed to.

Invariants:

* The caller has authorized the actor: anyone signed in may list a practice;
  changing one needs ``hooks.can_edit_practice`` (the rule book's answer).
* Every write runs in one transaction, calls ``full_clean()`` and appends an
  event to the access log (through ``hooks.audit``: the log lives in a higher
  layer).
"""

from typing import Any

from django.db import transaction

from . import hooks
from .models import Practice


@transaction.atomic
def practice_create(*, actor: Any, practice: Practice) -> Practice:
    """List a new practice; the person who lists it may change it until others use it."""
    practice.created_by = actor
    practice.full_clean()
    practice.save()
    hooks.audit(actor=actor, verb="create", what="practice", target=practice, name=practice.name)
    return practice


@transaction.atomic
def practice_update(*, actor: Any, practice: Practice) -> Practice:
    practice.full_clean()
    practice.save()
    hooks.audit(actor=actor, verb="update", what="practice", target=practice, name=practice.name)
    return practice
