"""Visits, tasks, referrals, paperwork and meetings on the shared item pages
(``children.items``)."""

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from children.items.kinds import Column, Kind

from .forms.meetings import MeetingForm
from .forms.paperwork import PaperworkForm
from .forms.referrals import ReferralForm
from .forms.tasks import TaskForm
from .forms.visits import VisitForm
from .models import Meeting, PaperworkRequest, Referral, Task, Visit
from .services.meetings import meeting_save


def _when(visit: Visit | Meeting) -> str:
    return date_format(timezone.localtime(visit.starts_at), "SHORT_DATETIME_FORMAT")


VISITS = Kind(
    "visits",
    Visit,
    VisitForm,
    _("Visits"),
    _("Plan a visit"),
    _("No visits yet. Plan the next one and write down your questions before you go."),
    _("Prepare each visit with your questions, ask for extra time, and write down the next steps."),
    (
        Column(_("When"), _when),
        Column(_("What for"), lambda o: o.purpose),
        Column(_("With"), lambda o: o.team_member.name if o.team_member else ""),
        Column(_("Status"), lambda o: o.get_status_display()),
    ),
    search=("purpose", "place"),
    select_related=("team_member",),
    namespace="coordination",
    detail="visit-detail",
)

TASKS = Kind(
    "tasks",
    Task,
    TaskForm,
    _("Tasks"),
    _("Add a task"),
    _("No tasks yet. Next steps from visits appear here."),
    _("What needs doing, by whom and by when. Late ones are marked."),
    (
        Column(_("What to do"), lambda o: o.title),
        Column(_("Who"), lambda o: o.owner_label),
        Column(
            _("Due by"), lambda o: date_format(o.due_on, "SHORT_DATE_FORMAT") if o.due_on else ""
        ),
        Column(_("Status"), lambda o: _("late") if o.is_overdue else o.get_status_display()),
    ),
    search=("title",),
    select_related=("owner_guardian__user", "owner_member", "child"),
    namespace="coordination",
    row_class=lambda o: "overdue" if o.is_overdue else "",
)

REFERRALS = Kind(
    "referrals",
    Referral,
    ReferralForm,
    _("Referrals"),
    _("Add a referral"),
    _("No referrals yet."),
    _("Each referral from request to the specialist's report, with who has to act next."),
    (
        Column(_("To"), lambda o: o.to_specialty),
        Column(_("Where it is"), lambda o: o.get_status_display()),
        Column(_("Who acts next"), lambda o: o.overdue_reason() or o.next_actor()),
        Column(_("Requested"), lambda o: date_format(o.requested_on, "SHORT_DATE_FORMAT")),
    ),
    search=("to_specialty", "reason"),
    select_related=("to_member",),
    namespace="coordination",
    detail="referral-detail",
    row_class=lambda o: "overdue" if o.overdue_reason() else "",
)

PAPERWORK = Kind(
    "paperwork",
    PaperworkRequest,
    PaperworkForm,
    _("Paperwork"),
    _("Ask for a form or letter"),
    _("No paperwork yet. Ask the team for prior approvals, letters and school forms here."),
    _(
        "Prior approvals, letters of medical necessity, school forms and equipment orders: who has them and since when."
    ),
    (
        Column(_("What is needed"), lambda o: o.title),
        Column(
            _("Asked of"), lambda o: o.asked_of.name if o.asked_of else _("no longer on the team")
        ),
        Column(_("Needed by"), lambda o: date_format(o.due_on, "SHORT_DATE_FORMAT")),
        Column(_("Status"), lambda o: _("late") if o.is_overdue else o.get_status_display()),
    ),
    search=("title",),
    select_related=("asked_of",),
    namespace="coordination",
    detail="paperwork-detail",
    row_class=lambda o: "overdue" if o.is_overdue else "",
)

MEETINGS = Kind(
    "meetings",
    Meeting,
    MeetingForm,
    _("Care meetings"),
    _("Plan a care meeting"),
    _("No care meetings yet. Plan one to bring the team and the family together."),
    _("Care conferences: who comes, what to talk about, what was decided and who does what next."),
    (
        Column(_("When"), _when),
        Column(_("What for"), lambda o: o.purpose),
        Column(_("Where"), lambda o: o.place_or_link),
        Column(_("Status"), lambda o: o.get_status_display()),
    ),
    search=("purpose", "place_or_link"),
    namespace="coordination",
    detail="meeting-detail",
    saver=lambda *, actor, child, item, version, form: meeting_save(
        actor=actor,
        child=child,
        meeting=item,
        version=version,
        attendees=item.chosen_people[0],
        family=item.chosen_people[1],
    ),
)

KINDS = (VISITS, TASKS, REFERRALS, PAPERWORK, MEETINGS)
