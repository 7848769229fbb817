"""Visit pages: one visit, the family's questions, the visit sheet, and what happened.

The list, add, edit and delete pages are the shared ones (``registry.VISITS``).
"""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from children import access
from children.audit import audit_record
from children.services import item_delete
from children.viewutils import child_context, load_child
from records.models import Allergy, Condition, Equipment, JournalEntry, Medication

from ..forms.visits import QuestionForm, VisitRecordForm
from ..models import Visit, VisitQuestion
from ..services import visits as services
from .tasks import outcome_page


def _visit_url(visit: Visit) -> str:
    return reverse("coordination:visit-detail", args=[visit.child.uuid, visit.uuid])


@login_required
@require_safe
def visit_detail(request: HttpRequest, child_id: UUID, item_id: UUID) -> HttpResponse:
    child = load_child(request, child_id, access.view_perms(Visit))
    visit = access.get_item(child, Visit, item_id)
    audit_record(actor=request.user, verb="view", child=child, what="visit", target=visit)
    questions = list(visit.questions.select_related("asked_by"))
    context = child_context(
        request,
        visit=visit,
        questions=questions,
        form=QuestionForm(),
        can_edit="visits.edit" in request.child_perms,  # type: ignore[attr-defined]
        next_steps=list(visit.next_steps.select_related("owner_guardian__user", "owner_member")),
    )
    return render(request, "coordination/visit_detail.html", context)


@login_required
@require_POST
def question_add(request: HttpRequest, child_id: UUID, item_id: UUID) -> HttpResponse:
    child = load_child(request, child_id, access.edit_perm(Visit))
    visit = access.get_item(child, Visit, item_id)
    form = QuestionForm(request.POST)
    if form.is_valid():
        services.question_add(actor=request.user, visit=visit, **form.cleaned_data)
        messages.success(request, _("Question added."))
    else:
        messages.error(request, _("Write the question first."))
    return redirect(_visit_url(visit) + "#questions")


def _question_for(
    request: HttpRequest, child_id: UUID, item_id: UUID, question_id: UUID
) -> tuple[Visit, VisitQuestion]:
    """The visit and one of its questions, for someone who may change visits."""
    child = load_child(request, child_id, access.edit_perm(VisitQuestion))
    visit = access.get_item(child, Visit, item_id)
    question = access.get_item(child, VisitQuestion, question_id)
    if question.visit_id != visit.pk:
        raise PermissionDenied
    return visit, question


@login_required
@require_POST
def question_move(
    request: HttpRequest, child_id: UUID, item_id: UUID, question_id: UUID
) -> HttpResponse:
    visit, question = _question_for(request, child_id, item_id, question_id)
    services.question_move(
        actor=request.user, question=question, up=request.POST.get("direction") == "up"
    )
    return redirect(_visit_url(visit) + "#questions")


@login_required
@require_POST
def question_delete(
    request: HttpRequest, child_id: UUID, item_id: UUID, question_id: UUID
) -> HttpResponse:
    visit, question = _question_for(request, child_id, item_id, question_id)
    item_delete(actor=request.user, item=question)
    messages.success(request, _("Question removed."))
    return redirect(_visit_url(visit) + "#questions")


@login_required
@require_safe
def visit_sheet(request: HttpRequest, child_id: UUID, item_id: UUID) -> HttpResponse:
    """One page to show or print at the visit: questions, medicines, allergies, changes."""
    child = load_child(request, child_id, access.view_perms(Visit))
    visit = access.get_item(child, Visit, item_id)
    audit_record(actor=request.user, verb="view", child=child, what="visit sheet", target=visit)
    perms = request.child_perms  # type: ignore[attr-defined]
    previous = (
        child.visits.filter(status=Visit.Status.DONE, starts_at__lt=visit.starts_at)
        .order_by("-starts_at")
        .first()
    )
    since = previous.starts_at if previous else None
    context = child_context(
        request, visit=visit, questions=list(visit.questions.all()), previous=previous
    )
    if access.can_view(perms, Medication):
        context["medications"] = list(child.medications.exclude(status=Medication.Status.STOPPED))
    if access.can_view(perms, Allergy):
        context["allergies"] = list(child.allergies.all())
    if access.can_view(perms, JournalEntry):
        context["journal"] = list(child.journal_entries.filter(bring_up=True)[:20])
    if since is not None:
        changes = []
        for model, label in (
            (Condition, _("Condition")),
            (Medication, _("Medicine")),
            (Allergy, _("Allergy")),
            (Equipment, _("Equipment")),
        ):
            if access.can_view(perms, model):
                for item in access.child_rows(child, model, request.user).filter(
                    Q(created_at__gt=since) | Q(updated_at__gt=since)
                )[:20]:
                    changes.append((label, item, item.created_at > since))
        context["changes"] = changes
    return render(request, "coordination/visit_sheet.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def visit_record(request: HttpRequest, child_id: UUID, item_id: UUID) -> HttpResponse:
    """After the visit: answers, what happened, and next steps as tasks."""
    child = load_child(request, child_id, access.edit_perm(Visit))
    visit = access.get_item(child, Visit, item_id)
    form = VisitRecordForm(
        request.POST or None,
        questions=list(visit.questions.all()),
        initial={"summary": visit.summary, "version": visit.version},
    )
    can_add_tasks = "plan.edit" in request.child_perms  # type: ignore[attr-defined]

    def stale() -> None:
        form.add_error(
            None,
            _(
                "Someone else changed this visit while you were writing. Nothing was saved; your text is still below."
            ),
        )

    return outcome_page(
        request,
        visit,
        form,
        template="coordination/visit_record.html",
        done_url=_visit_url(visit),
        saved=lambda count: (
            ngettext(
                "Visit saved. %(count)s next step was added to the tasks.",
                "Visit saved. %(count)s next steps were added to the tasks.",
                count,
            )
            % {"count": count}
        ),
        stale=stale,
        can_add_tasks=can_add_tasks,
        visit=visit,
    )
