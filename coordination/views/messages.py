"""Messages: the child's threads, a new thread, one thread, and my messages everywhere.

Which threads a person sees is ``access.visible_threads``; a thread they may
not see is a 404.
"""

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from children import access
from children.audit import audit_children, audit_record
from children.viewutils import child_context, load_child

from ..forms.messages import ReplyForm, ThreadForm
from ..models import Thread
from ..services import messages as services

PAGE_SIZE = 25
VIEW = "messages.view"
START = "messages.edit"


def _thread_url(thread: Thread) -> str:
    return reverse("coordination:thread-detail", args=[thread.child.uuid, thread.uuid])


@login_required
@require_safe
def thread_list(request: HttpRequest, child_id: UUID) -> HttpResponse:
    child = load_child(request, child_id, VIEW, what="messages")
    threads = (
        services.threads_with_unread(access.visible_threads(request.user, child), request.user)
        .select_related("child")
        .prefetch_related("participants")
    )
    page = Paginator(threads.order_by("-last_message_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = child_context(
        request,
        page=page,
        can_start=START in request.child_perms,  # type: ignore[attr-defined]
    )
    return render(request, "coordination/message_thread_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def thread_create(request: HttpRequest, child_id: UUID) -> HttpResponse:
    """Start a thread (``messages.edit``): to one or more team members who read messages."""
    child = load_child(request, child_id, START, what="new message form")
    if not access.can_start_thread(request.user, child, request.child_perms):  # type: ignore[attr-defined]
        raise PermissionDenied
    form = ThreadForm(request.POST or None, user=request.user, child=child)
    if request.method == "POST" and form.is_valid():
        try:
            thread = services.thread_create(
                actor=request.user,
                child=child,
                subject=form.cleaned_data["subject"],
                kind=form.kind,
                participants=form.cleaned_data["participants"],
                body=form.cleaned_data["body"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Message sent."))
            return redirect(_thread_url(thread))
    context = child_context(
        request,
        form=form,
        has_recipients=form.fields["participants"].queryset.exists(),  # type: ignore[attr-defined]
    )
    return render(request, "coordination/message_thread_form.html", context)


def _thread_page(request: HttpRequest, thread: Thread, form: ReplyForm) -> dict[str, Any]:
    user: Any = request.user
    read = thread.reads.filter(user=user).first()
    found = list(thread.messages.all())
    new = {
        m.pk
        for m in found
        if m.author_id != user.pk and (read is None or m.created_at > read.last_read_at)
    }
    return child_context(
        request,
        thread=thread,
        thread_messages=[(m, m.pk in new) for m in found],
        participants=list(thread.participants.all()),
        form=form,
    )


@login_required
@require_safe
def thread_detail(request: HttpRequest, child_id: UUID, item_id: UUID) -> HttpResponse:
    """One thread, oldest message first; opening it marks it read."""
    child = load_child(request, child_id, VIEW)
    thread = access.get_thread(request.user, child, item_id)
    audit_record(actor=request.user, verb="view", child=child, what="thread", target=thread)
    context = _thread_page(request, thread, ReplyForm())
    services.thread_mark_read(actor=request.user, thread=thread)
    return render(request, "coordination/message_thread_detail.html", context)


@login_required
@require_POST
def message_add(request: HttpRequest, child_id: UUID, item_id: UUID) -> HttpResponse:
    """Reply: anyone who can read the thread, read-only grants included."""
    child = load_child(request, child_id, VIEW)
    thread = access.get_thread(request.user, child, item_id)
    form = ReplyForm(request.POST)
    if form.is_valid():
        message = services.message_add(
            actor=request.user,
            thread=thread,
            body=form.cleaned_data["body"],
        )
        messages.success(request, _("Reply sent."))
        return redirect(_thread_url(thread) + f"#message-{message.uuid}")
    return render(
        request, "coordination/message_thread_detail.html", _thread_page(request, thread, form)
    )


@login_required
@require_safe
def my_messages(request: HttpRequest) -> HttpResponse:
    """Threads I may read, for every child, newest first, with what is unread."""
    threads = (
        services.threads_with_unread(access.visible_threads(request.user), request.user)
        .select_related("child")
        .prefetch_related("participants")
        .order_by("-last_message_at", "-id")
    )
    page = Paginator(threads, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_children(request.user, {t.child for t in page}, "messages")
    return render(request, "coordination/message_my_list.html", {"page": page})
