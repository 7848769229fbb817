"""Paperwork pages: one request, working on it, and "Paperwork asked of me".

The list, add, edit and delete pages are the shared ones (``registry.PAPERWORK``).
"""

import statistics
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from children import access
from children.audit import audit_children, audit_record
from children.services import ConcurrentEdit
from children.viewutils import child_context, load_child

from ..forms.paperwork import PaperworkDoneForm
from ..models import PaperworkRequest
from ..services import paperwork as services


def _paperwork_context(
    request: HttpRequest, paperwork: PaperworkRequest, done_form: Any = None
) -> dict[str, Any]:
    done = paperwork.child.paperwork.filter(asked_of=paperwork.asked_of, completed_on__isnull=False)
    finished = [p.turnaround_days for p in done if p.turnaround_days is not None]
    perms = request.child_perms  # type: ignore[attr-defined]
    return child_context(
        request,
        paperwork=paperwork,
        can_work=access.can_work_on_paperwork(request.user, perms, paperwork),
        median_days=statistics.median(finished) if finished else None,
        done_form=done_form or PaperworkDoneForm(initial={"version": paperwork.version}),
    )


@login_required
@require_safe
def paperwork_detail(request: HttpRequest, child_id: UUID, item_id: UUID) -> HttpResponse:
    child = load_child(request, child_id, access.view_perms(PaperworkRequest))
    paperwork = access.get_item(child, PaperworkRequest, item_id)
    audit_record(
        actor=request.user, verb="view", child=child, what="paperworkrequest", target=paperwork
    )
    return render(
        request, "coordination/paperwork_detail.html", _paperwork_context(request, paperwork)
    )


def _paperwork_for_worker(request: HttpRequest, child_id: UUID, item_id: UUID) -> PaperworkRequest:
    child = load_child(request, child_id, access.view_perms(PaperworkRequest))
    paperwork = access.get_item(child, PaperworkRequest, item_id)
    if not access.can_work_on_paperwork(request.user, request.child_perms, paperwork):  # type: ignore[attr-defined]
        raise PermissionDenied
    return paperwork


@login_required
@require_POST
def paperwork_start(request: HttpRequest, child_id: UUID, item_id: UUID) -> HttpResponse:
    paperwork = _paperwork_for_worker(request, child_id, item_id)
    try:
        services.paperwork_start(
            actor=request.user, paperwork=paperwork, version=int(request.POST.get("version", 0))
        )
    except (ConcurrentEdit, ValueError):
        messages.error(request, _("Someone else changed this request. Check it and try again."))
    return redirect(
        reverse("coordination:paperwork-detail", args=[paperwork.child.uuid, paperwork.uuid])
    )


@login_required
@require_POST
def paperwork_complete(request: HttpRequest, child_id: UUID, item_id: UUID) -> HttpResponse:
    paperwork = _paperwork_for_worker(request, child_id, item_id)
    form = PaperworkDoneForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.paperwork_complete(
                actor=request.user,
                paperwork=paperwork,
                version=form.cleaned_data["version"],
                upload=form.cleaned_data["file"],
            )
        except ConcurrentEdit:
            form.add_error(None, _("Someone else changed this request. Check it and try again."))
        else:
            messages.success(request, _("Done. The family can now see the document."))
            return redirect(
                reverse(
                    "coordination:paperwork-detail", args=[paperwork.child.uuid, paperwork.uuid]
                )
            )
    return render(
        request, "coordination/paperwork_detail.html", _paperwork_context(request, paperwork, form)
    )


@login_required
@require_safe
def paperwork_queue(request: HttpRequest) -> HttpResponse:
    """Forms and letters families asked of me, across every child shared with me."""
    user = request.user
    mine = (
        access.scoped(PaperworkRequest.objects.all(), user)
        .filter(asked_of__user=user)
        .select_related("child")
    )
    waiting = list(mine.filter(status__in=("requested", "in_progress")).order_by("due_on")[:200])
    audit_children(user, {p.child for p in waiting}, "paperwork queue")
    finished = [
        p.turnaround_days
        for p in mine.filter(completed_on__isnull=False).order_by("-completed_on")[:200]
    ]
    median = statistics.median(finished) if finished else None
    return render(
        request, "coordination/paperwork_queue.html", {"waiting": waiting, "median_days": median}
    )
