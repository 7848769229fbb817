"""Task pages: marking a task done, "My tasks" across children, and the next
steps that become tasks after a visit or a care meeting (``outcome_page``).

The list, add, edit and delete pages are the shared ones (``registry.TASKS``).
"""

from collections.abc import Callable
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
from django.views.decorators.http import require_POST, require_safe

from children import access
from children.audit import audit_children, audit_record
from children.services import ConcurrentEdit
from children.viewutils import child_context, load_child

from ..forms.tasks import NextStepFormSet, owner_choices
from ..models import Meeting, Task, Visit
from ..services import tasks as services


def outcome_page(
    request: HttpRequest,
    item: Visit | Meeting,
    form: Any,
    *,
    template: str,
    done_url: str,
    saved: Callable[[int], str],
    stale: Callable[[], None],
    can_add_tasks: bool = True,
    **context: Any,
) -> HttpResponse:
    """After a visit or a care meeting: what was said, and next steps that become tasks.

    ``form`` (a visit's or a meeting's record form) gives the ``outcome``;
    ``saved`` words the success for a number of tasks, ``stale`` tells the
    person that someone else saved first.
    """
    owners = owner_choices(request.user, item.child)
    steps = NextStepFormSet(request.POST or None, prefix="step", form_kwargs={"owners": owners})
    if request.method == "POST" and form.is_valid() and steps.is_valid():
        chosen = [s.cleaned_data for s in steps if s.cleaned_data.get("title")]
        chosen = chosen if can_add_tasks else []
        text, notes = form.outcome()
        try:
            services.outcome_record(
                actor=request.user,
                item=item,
                version=form.cleaned_data["version"],
                text=text,
                notes=notes,
                steps=chosen,
            )
        except ConcurrentEdit:
            stale()
        else:
            messages.success(request, saved(len(chosen)))
            return redirect(done_url)
    what = f"{item._meta.model_name} record form"
    audit_record(actor=request.user, verb="view", child=item.child, what=what, target=item)
    context = child_context(request, form=form, steps=steps, can_add_tasks=can_add_tasks, **context)
    return render(request, template, context)


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
