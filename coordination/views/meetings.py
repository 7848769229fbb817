"""Care meeting pages: one meeting, its agenda, and recording what was decided.

The list, add, edit and delete pages are the shared ones (registry.MEETINGS).
"""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from children import access
from children.audit import audit_record
from children.services import ConcurrentEdit, item_delete
from children.viewutils import child_context, load_child

from ..forms.meetings import AgendaForm, MeetingRecordForm, agenda_sources
from ..models import AgendaItem, Meeting, Referral
from ..services import meetings as services
from .tasks import outcome_page


def _meeting_url(meeting: Meeting, anchor: str = "") -> str:
    url = reverse("coordination:meeting-detail", args=[meeting.child.uuid, meeting.uuid])
    return url + anchor


def _keep_input_with_current_version(
    form: MeetingRecordForm | AgendaForm, meeting: Meeting
) -> None:
    """Someone saved first: say so, keep the person's text, and let a second save win."""
    form.add_error(
        None,
        _(
            "Someone else changed this meeting while you were writing. Nothing was saved; "
            "your text is still below. Check the meeting in a new tab, then save again if "
            "yours should win."
        ),
    )
    data = form.data.copy()  # type: ignore[attr-defined]
    data["version"] = str(access.current_version(meeting))
    form.data = data


@login_required
@require_safe
def meeting_detail(request: HttpRequest, child_id: UUID, item_id: UUID) -> HttpResponse:
    child = load_child(request, child_id, access.view_perms(Meeting))
    meeting = access.get_item(child, Meeting, item_id)
    audit_record(actor=request.user, verb="view", child=child, what="meeting", target=meeting)
    perms = request.child_perms  # type: ignore[attr-defined]
    context = child_context(
        request,
        meeting=meeting,
        attendees=list(meeting.attendees.order_by("name")),
        family=list(meeting.family_attendees.select_related("user").order_by("user__name")),
        agenda=list(meeting.agenda.select_related("task", "referral", "goal")),
        resulting_tasks=list(
            meeting.resulting_tasks.select_related("child", "owner_guardian__user", "owner_member")
        ),
        can_edit=access.edit_perm(Meeting) in perms,
        show_referrals=access.can_view(perms, Referral),
    )
    return render(request, "coordination/meeting_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_agenda(request: HttpRequest, child_id: UUID, item_id: UUID) -> HttpResponse:
    """Draw the agenda from open tasks, open referrals and active goals, or type it in."""
    child = load_child(request, child_id, access.edit_perm(AgendaItem))
    meeting = access.get_item(child, Meeting, item_id)
    querysets = agenda_sources(request.user, child)
    form = AgendaForm(request.POST or None, meeting=meeting, sources=querysets)
    sources = {kind: list(qs) for kind, qs in querysets.items()}
    if request.method == "POST" and form.is_valid():
        try:
            added = services.meeting_agenda_set(
                actor=request.user,
                meeting=meeting,
                version=form.cleaned_data["version"],
                chosen={k: list(form.cleaned_data[k]) for k in sources},
                offered=sources,
                extra=form.extra_items(),
            )
        except ConcurrentEdit:
            _keep_input_with_current_version(form, meeting)
        else:
            messages.success(
                request,
                ngettext(
                    "Agenda saved. %(count)s item was added.",
                    "Agenda saved. %(count)s items were added.",
                    len(added),
                )
                % {"count": len(added)},
            )
            return redirect(_meeting_url(meeting, "#agenda"))
    audit_record(
        actor=request.user, verb="view", child=child, what="meeting agenda form", target=meeting
    )
    return render(
        request,
        "coordination/meeting_agenda.html",
        child_context(
            request,
            meeting=meeting,
            form=form,
            agenda=list(meeting.agenda.all()),
            has_sources=any(sources.values()),
        ),
    )


def _agenda_item_for(
    request: HttpRequest, child_id: UUID, item_id: UUID, agenda_id: UUID
) -> tuple[Meeting, AgendaItem]:
    """The meeting and one of its agenda items, for someone who may change them."""
    child = load_child(request, child_id, access.edit_perm(AgendaItem))
    meeting = access.get_item(child, Meeting, item_id)
    item = access.get_item(child, AgendaItem, agenda_id)
    if item.meeting_id != meeting.pk:
        raise PermissionDenied
    return meeting, item


@login_required
@require_POST
def agenda_item_move(
    request: HttpRequest, child_id: UUID, item_id: UUID, agenda_id: UUID
) -> HttpResponse:
    meeting, item = _agenda_item_for(request, child_id, item_id, agenda_id)
    services.agenda_item_move(
        actor=request.user, item=item, up=request.POST.get("direction") == "up"
    )
    return redirect(reverse("coordination:meeting-agenda", args=[meeting.child.uuid, meeting.uuid]))


@login_required
@require_POST
def agenda_item_delete(
    request: HttpRequest, child_id: UUID, item_id: UUID, agenda_id: UUID
) -> HttpResponse:
    meeting, item = _agenda_item_for(request, child_id, item_id, agenda_id)
    item_delete(actor=request.user, item=item)
    messages.success(request, _("Removed from the agenda: %(item)s.") % {"item": item.text})
    return redirect(reverse("coordination:meeting-agenda", args=[meeting.child.uuid, meeting.uuid]))


@login_required
@require_http_methods(["GET", "POST"])
def meeting_record(request: HttpRequest, child_id: UUID, item_id: UUID) -> HttpResponse:
    """After the meeting: notes per agenda item and overall, and the tasks that came out."""
    child = load_child(request, child_id, access.edit_perm(Meeting))
    meeting = access.get_item(child, Meeting, item_id)
    form = MeetingRecordForm(
        request.POST or None,
        agenda=list(meeting.agenda.all()),
        initial={"notes": meeting.notes, "version": meeting.version},
    )
    return outcome_page(
        request,
        meeting,
        form,
        template="coordination/meeting_record.html",
        done_url=_meeting_url(meeting),
        saved=lambda count: (
            ngettext(
                "Meeting saved. %(count)s task was added.",
                "Meeting saved. %(count)s tasks were added.",
                count,
            )
            % {"count": count}
        ),
        stale=lambda: _keep_input_with_current_version(form, meeting),
        meeting=meeting,
    )
