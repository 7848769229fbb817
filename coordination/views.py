import statistics
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from children import access
from children.audit import audit_children, audit_record
from children.services import ConcurrentEdit, item_delete
from children.viewutils import child_context, load_child
from records.models import Allergy, Condition, Document, Equipment, JournalEntry, Medication

from . import services
from .forms import (
    NextStepFormSet,
    PaperworkDoneForm,
    QuestionForm,
    ReferralEndForm,
    ReferralStepForm,
    VisitRecordForm,
    owner_choices,
)
from .models import PaperworkRequest, Referral, Task, Visit, VisitQuestion


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
    questions = list(visit.questions.all())
    owners = owner_choices(request.user, child)
    form = VisitRecordForm(
        request.POST or None,
        questions=questions,
        initial={"summary": visit.summary, "version": visit.version},
    )
    steps = NextStepFormSet(request.POST or None, prefix="step", form_kwargs={"owners": owners})
    can_add_tasks = "plan.edit" in request.child_perms  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid() and steps.is_valid():
        chosen = (
            [s.cleaned_data for s in steps if s.cleaned_data.get("title")] if can_add_tasks else []
        )
        try:
            services.visit_record(
                actor=request.user,
                visit=visit,
                version=form.cleaned_data["version"],
                summary=form.cleaned_data["summary"],
                answers=form.answers(),
                steps=chosen,
            )
        except ConcurrentEdit:
            form.add_error(
                None,
                _(
                    "Someone else changed this visit while you were writing. Nothing was saved; your text is still below."
                ),
            )
        else:
            messages.success(
                request,
                ngettext(
                    "Visit saved. %(count)s next step was added to the tasks.",
                    "Visit saved. %(count)s next steps were added to the tasks.",
                    len(chosen),
                )
                % {"count": len(chosen)},
            )
            return redirect(_visit_url(visit))
    elif request.method == "GET":
        audit_record(
            actor=request.user, verb="view", child=child, what="visit record form", target=visit
        )
    return render(
        request,
        "coordination/visit_record.html",
        child_context(request, visit=visit, form=form, steps=steps, can_add_tasks=can_add_tasks),
    )


@login_required
@require_POST
def task_status(request: HttpRequest, child_id: UUID, item_id: UUID) -> HttpResponse:
    child = load_child(request, child_id, access.view_perms(Task))
    task = access.get_item(child, Task, item_id)
    if not access.can_complete_task(request.user, request.child_perms, task):  # type: ignore[attr-defined]
        raise PermissionDenied
    status = request.POST.get("status", Task.Status.DONE)
    if status not in Task.Status.values:
        status = Task.Status.DONE
    services.task_set_status(actor=request.user, task=task, status=status)
    messages.success(request, _("Task updated: %(task)s.") % {"task": task})
    back = request.POST.get("next", "")
    return redirect(
        back
        if back.startswith("/") and not back.startswith("//")
        else reverse("coordination:tasks-list", args=[child.uuid])
    )


@login_required
@require_safe
def my_tasks(request: HttpRequest) -> HttpResponse:
    """Tasks given to me, across every child whose plan I may see."""
    user = request.user
    found = (
        access.scoped(Task.objects.all(), user)
        .filter(Q(owner_guardian__user=user) | Q(owner_member__user=user), status=Task.Status.OPEN)
        .select_related("child", "owner_guardian__user", "owner_member")
        .order_by("due_on", "id")
    )
    tasks = list(found[:200])
    audit_children(user, {t.child for t in tasks}, "my tasks")
    today = timezone.localdate()
    return render(request, "coordination/my_tasks.html", {"tasks": tasks, "today": today})


def _referral_forms(
    request: HttpRequest, child: Any, referral: Referral, data: Any = None, files: Any = None
) -> dict[str, Any]:
    documents = access.scoped(Document.objects.filter(child=child), request.user)
    return {
        "step_form": ReferralStepForm(
            data, files, referral=referral, documents=documents, prefix="step"
        ),
        "end_form": ReferralEndForm(data, prefix="end", initial={"version": referral.version}),
    }


@login_required
@require_safe
def referral_detail(request: HttpRequest, child_id: UUID, item_id: UUID) -> HttpResponse:
    child = load_child(request, child_id, access.view_perms(Referral))
    referral = access.get_item(child, Referral, item_id)
    audit_record(actor=request.user, verb="view", child=child, what="referral", target=referral)
    context = child_context(
        request,
        referral=referral,
        can_edit=access.edit_perm(Referral) in request.child_perms,  # type: ignore[attr-defined]
        timeline=[
            (dict(Referral.Status.choices)[s], getattr(referral, f)) for s, f in Referral.STEPS
        ],
        **_referral_forms(request, child, referral),
    )
    return render(request, "coordination/referral_detail.html", context)


@login_required
@require_POST
def referral_step(request: HttpRequest, child_id: UUID, item_id: UUID) -> HttpResponse:
    child = load_child(request, child_id, access.edit_perm(Referral))
    referral = access.get_item(child, Referral, item_id)
    forms_ = _referral_forms(request, child, referral, request.POST, request.FILES)
    form = forms_["step_form"]
    if form.is_valid():
        try:
            services.referral_advance(
                actor=request.user,
                referral=referral,
                **{
                    k: form.cleaned_data[k]
                    for k in ("version", "step", "on", "report", "report_file")
                },
            )
        except ConcurrentEdit:
            form.add_error(
                None,
                _(
                    "Someone else moved this referral while you were looking. Check it and try again."
                ),
            )
        else:
            messages.success(
                request,
                _("Referral updated: %(status)s.") % {"status": referral.get_status_display()},
            )
            return redirect(
                reverse("coordination:referral-detail", args=[child.uuid, referral.uuid])
            )
    referral.refresh_from_db()
    context = child_context(
        request,
        referral=referral,
        can_edit=True,
        timeline=[
            (dict(Referral.Status.choices)[s], getattr(referral, f)) for s, f in Referral.STEPS
        ],
        step_form=form,
        end_form=forms_["end_form"].__class__(prefix="end", initial={"version": referral.version}),
    )
    return render(request, "coordination/referral_detail.html", context)


@login_required
@require_POST
def referral_end(request: HttpRequest, child_id: UUID, item_id: UUID) -> HttpResponse:
    child = load_child(request, child_id, access.edit_perm(Referral))
    referral = access.get_item(child, Referral, item_id)
    form = ReferralEndForm(request.POST, prefix="end")
    if form.is_valid() and referral.is_open:
        try:
            services.referral_end(actor=request.user, referral=referral, **form.cleaned_data)
        except ConcurrentEdit:
            messages.error(
                request,
                _(
                    "Someone else moved this referral while you were looking. Check it and try again."
                ),
            )
        else:
            messages.success(
                request,
                _("Referral updated: %(status)s.") % {"status": referral.get_status_display()},
            )
    else:
        messages.error(request, _("Say why it was declined or cancelled."))
    return redirect(reverse("coordination:referral-detail", args=[child.uuid, referral.uuid]))


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
