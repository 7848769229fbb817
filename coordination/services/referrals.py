"""Referrals: each step of the loop, and ending one.

Same invariants as ``children.services``: the caller has authorized the
actor through ``access``; every write is one transaction with ``full_clean()``
and an audit event; a stale version is refused (``ConcurrentEdit``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from children.services import item_update
from records.models import Document
from records.services import document_create

from ..models import Referral


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
