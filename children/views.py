from uuid import UUID

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.models import PracticeStaff, User

from . import access, services
from .forms import ChildCreateForm, ChildForm, EnrollmentForm, GrantForm, InvitationForm
from .items import kinds as item_kinds
from .models import (
    AccessEvent,
    CareTeamMember,
    Child,
    Guardianship,
    Invitation,
    PracticeEnrollment,
)
from .viewutils import child_context, load_child


@login_required
@require_http_methods(["GET", "POST"])
def child_create(request: HttpRequest) -> HttpResponse:
    form = ChildCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        child = form.save(commit=False)
        services.child_create(
            actor=request.user, child=child, relationship=form.cleaned_data["relationship"]
        )
        messages.success(
            request,
            _("%(name)s's record is ready. Start with the medicines and allergies.")
            % {"name": child.first_name},
        )
        return redirect(child.get_absolute_url())
    return render(request, "children/child_create.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def child_update(request: HttpRequest, child_id: UUID) -> HttpResponse:
    child = load_child(request, child_id, "child.edit", what="profile form")
    form = ChildForm(request.POST or None, instance=child)
    if request.method == "POST" and form.is_valid():
        try:
            services.item_update(
                actor=request.user,
                item=form.save(commit=False),
                version=form.cleaned_data["version"],
            )
        except services.ConcurrentEdit:
            form.stale_version_error()
        else:
            messages.success(request, _("Saved."))
            return redirect(reverse("children:profile", args=[child.uuid]))
    return render(request, "children/child_update.html", child_context(request, form=form))


@login_required
@require_safe
def profile(request: HttpRequest, child_id: UUID) -> HttpResponse:
    load_child(request, child_id, access.RECORD_VIEW, what="profile")
    return render(request, "children/profile.html", child_context(request))


# Sharing -----------------------------------------------------------------


@login_required
@require_safe
def sharing(request: HttpRequest, child_id: UUID) -> HttpResponse:
    child = load_child(request, child_id, "sharing.manage", what="sharing")
    ctx = child_context(
        request,
        guardianships=child.guardianships.live()
        .select_related("user")
        .order_by("role", "created_at"),
        team=child.team.live().filter(user__isnull=False).select_related("user"),
        enrollments=child.enrollments.live().select_related("practice"),
        invitations=[i for i in child.invitations.select_related("invited_by") if i.is_pending],
        ended=child.team.filter(user__isnull=False, revoked_at__isnull=False).select_related(
            "user"
        )[:20],
    )
    return render(request, "children/sharing.html", ctx)


def _emails_with_access(request: HttpRequest, child: Child) -> dict[str, str]:
    """Emails an invitation would be pointless for, with the reason to tell the owner."""
    taken = {
        email: _("This person already has access.")
        for email in child.guardianships.live().values_list("user__email", flat=True)
    }
    taken.update(
        {
            email: _("This person already has access.")
            for email in child.team.live()
            .filter(user__isnull=False)
            .values_list("user__email", flat=True)
        }
    )
    for invitation in child.invitations.filter(accepted_at__isnull=True, cancelled_at__isnull=True):
        if invitation.is_pending:
            taken.setdefault(
                invitation.email,
                _(
                    "An invitation to this address is already waiting. Cancel it on the sharing page to send a new one."
                ),
            )
    taken[str(getattr(request.user, "email", "")).lower()] = _("That is your own email address.")
    return {email.lower(): reason for email, reason in taken.items()}


@login_required
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, child_id: UUID) -> HttpResponse:
    child = load_child(request, child_id, "sharing.manage", what="invite form")
    team = child.team.filter(user__isnull=True)
    form = InvitationForm(
        request.POST or None,
        team=team,
        taken=_emails_with_access(request, child),
        initial={"kind": "team", "scopes": ["summary"]},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.invitation_create(
            actor=request.user,
            child=child,
            email=data["email"],
            kind=data["kind"],
            name=data["name"],
            team_role=data["team_role"],
            team_member=data["team_member"],
            scopes=data["scopes"],
            can_write=data["can_write"],
            grant_ends_on=data["grant_ends_on"],
            site_url=request.build_absolute_uri("/"),
        )
        messages.success(
            request,
            _("Invitation sent to %(email)s. The link works once, for 14 days.")
            % {"email": data["email"]},
        )
        return redirect(reverse("children:sharing", args=[child.uuid]))
    return render(request, "children/invite.html", child_context(request, form=form))


def _grant(
    child: object, kind: str, grant_id: UUID
) -> Guardianship | CareTeamMember | PracticeEnrollment:
    model = {"guardian": Guardianship, "team": CareTeamMember, "practice": PracticeEnrollment}.get(
        kind
    )
    if model is None:
        raise Http404
    return access.get_item(child, model, grant_id)  # type: ignore[arg-type]


@login_required
@require_http_methods(["GET", "POST"])
def grant_update(request: HttpRequest, child_id: UUID, kind: str, grant_id: UUID) -> HttpResponse:
    child = load_child(request, child_id, "sharing.manage", what="sharing form")
    grant = _grant(child, kind, grant_id)
    if isinstance(grant, Guardianship) and grant.role == Guardianship.Role.OWNER:
        messages.info(request, _("Parents and guardians always see everything."))
        return redirect(reverse("children:sharing", args=[child.uuid]))
    form = GrantForm(
        request.POST or None,
        initial={
            "scopes": grant.scope_list,
            "can_write": grant.can_write,
            "ends_on": grant.ends_on,
        },
    )
    if request.method == "POST" and form.is_valid():
        services.grant_update(actor=request.user, grant=grant, **form.cleaned_data)
        messages.success(request, _("Sharing updated."))
        return redirect(reverse("children:sharing", args=[child.uuid]))
    return render(
        request, "children/grant_form.html", child_context(request, form=form, grant=grant)
    )


@login_required
@require_http_methods(["GET", "POST"])
def grant_revoke(request: HttpRequest, child_id: UUID, kind: str, grant_id: UUID) -> HttpResponse:
    child = load_child(request, child_id, "sharing.manage", what="stop sharing form")
    grant = _grant(child, kind, grant_id)
    if request.method == "POST":
        try:
            services.grant_revoke(actor=request.user, grant=grant)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Sharing stopped. They can no longer open this record."))
        return redirect(reverse("children:sharing", args=[child.uuid]))
    return render(request, "children/grant_revoke.html", child_context(request, grant=grant))


@login_required
@require_POST
def invitation_cancel(request: HttpRequest, child_id: UUID, invitation_id: UUID) -> HttpResponse:
    child = load_child(request, child_id, "sharing.manage")
    invitation = access.get_item(child, Invitation, invitation_id)
    services.invitation_cancel(actor=request.user, invitation=invitation)
    messages.success(request, _("Invitation cancelled. The link no longer works."))
    return redirect(reverse("children:sharing", args=[child.uuid]))


@login_required
@require_http_methods(["GET", "POST"])
def enroll(request: HttpRequest, child_id: UUID) -> HttpResponse:
    child = load_child(request, child_id, "sharing.manage", what="medical home form")
    form = EnrollmentForm(
        request.POST or None, initial={"scopes": ["summary", "health", "coverage"]}
    )
    if request.method == "POST" and form.is_valid():
        services.practice_enroll(actor=request.user, child=child, **form.cleaned_data)
        messages.success(
            request,
            _("%(practice)s is now your child's medical home.")
            % {"practice": form.cleaned_data["practice"]},
        )
        return redirect(reverse("children:sharing", args=[child.uuid]))
    return render(request, "children/enroll.html", child_context(request, form=form))


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Open an emailed invitation. Sign-in is asked for after the link is shown to be real."""
    try:
        invitation = services.invitation_for_token(token)
    except services.InvitationError as error:
        return render(request, "children/invitation.html", {"error": str(error)}, status=404)
    if not request.user.is_authenticated:
        return render(
            request, "children/invitation.html", {"invitation": invitation, "needs_login": True}
        )
    try:
        services.invitation_check(invitation, request.user)
    except services.InvitationError as error:
        return render(request, "children/invitation.html", {"error": str(error)}, status=403)
    if request.method == "POST":
        try:
            services.invitation_accept(actor=request.user, invitation=invitation)
        except services.InvitationError as error:
            return render(request, "children/invitation.html", {"error": str(error)}, status=403)
        messages.success(
            request, _("You can now see %(name)s's record.") % {"name": invitation.child.first_name}
        )
        return redirect(invitation.child.get_absolute_url())
    return render(request, "children/invitation.html", {"invitation": invitation})


PAGE_LABELS = {
    "overview": gettext_lazy("overview page"),
    "profile": gettext_lazy("about the child"),
    "profile form": gettext_lazy("about the child (edit form)"),
    "sharing": gettext_lazy("sharing page"),
    "sharing form": gettext_lazy("sharing (change form)"),
    "stop sharing form": gettext_lazy("stop sharing (form)"),
    "invite form": gettext_lazy("invitation form"),
    "medical home form": gettext_lazy("medical home form"),
    "access log": gettext_lazy("this access log"),
    "delete record form": gettext_lazy("delete the record (form)"),
    "demo record": gettext_lazy("demo record"),
    "child": gettext_lazy("the record"),
    "visit sheet": gettext_lazy("visit sheet"),
    "visit record form": gettext_lazy("after-visit form"),
    "calendar feed": gettext_lazy("calendar feed (dates only)"),
    "reminder email": gettext_lazy("reminder email (counts only)"),
    "care plan": gettext_lazy("care plan"),
    "care plan form": gettext_lazy("care plan (change form)"),
    "care plan history": gettext_lazy("care plan versions"),
    "care plan version": gettext_lazy("care plan (one version, for printing)"),
    "care plan links": gettext_lazy("care plan share links"),
    "care plan link": gettext_lazy("care plan share link"),
    "care plan (shared link)": gettext_lazy("care plan, opened through a share link"),
    "plan delete form": gettext_lazy("care plan (remove form)"),
    "plan agreement": gettext_lazy("agreement with the care plan"),
    "messages": gettext_lazy("messages list"),
    "my tasks": gettext_lazy("“My tasks” list"),
    "paperwork queue": gettext_lazy("“Paperwork asked of me” list"),
    "new message form": gettext_lazy("new message (form)"),
    "meeting agenda form": gettext_lazy("care meeting agenda (form)"),
    "meeting record form": gettext_lazy("care meeting notes (form)"),
    "FHIR API": gettext_lazy("the record, through a health app"),
    "FHIR API token": gettext_lazy("a health app's access key"),
    "FHIR API tokens": gettext_lazy("health app access keys"),
    "FHIR API token (stop form)": gettext_lazy("stop a health app's access key (form)"),
    "FHIR download page": gettext_lazy("download page (FHIR)"),
    "FHIR record": gettext_lazy("the record as a FHIR file"),
    "patient summary (IPS)": gettext_lazy("patient summary (IPS)"),
    "import page": gettext_lazy("import page"),
    "import preview": gettext_lazy("import preview"),
    "import": gettext_lazy("records brought in from a file"),
    "document (file missing)": gettext_lazy("document (its file was missing)"),
    "practice staff": gettext_lazy("the staff of a practice"),
    "practice staff invitation": gettext_lazy("an invitation to a practice's staff"),
    "operator: practice administrator": gettext_lazy(
        "an invitation to administer a practice, by the site operator"
    ),
    "operator: account": gettext_lazy("an account, by the site operator"),
    "operator: practice": gettext_lazy("a practice, by the site operator"),
    "operator: two-step sign-in": gettext_lazy("two-step sign-in, by the site operator"),
}
DETAIL_LABELS = {
    "person": gettext_lazy("who: %(value)s"),
    "role": gettext_lazy("role: %(value)s"),
    "was": gettext_lazy("before: %(value)s"),
    "practice": gettext_lazy("practice: %(value)s"),
    "invited_by": gettext_lazy("invited by: %(value)s"),
    "reason": gettext_lazy("reason given: %(value)s"),
    "is_active": gettext_lazy("account active: %(value)s"),
    "is_staff": gettext_lazy("site operator: %(value)s"),
}
FORM_LABELS = {
    "list": gettext_lazy("%(section)s list"),
    "add form": gettext_lazy("%(section)s (add form)"),
    "edit form": gettext_lazy("%(section)s (edit form)"),
    "delete form": gettext_lazy("%(section)s (delete form)"),
}


def describe_access(what: str) -> str:
    """A reader's words for an access-log code ("medicines list", "medication")."""
    if what in PAGE_LABELS:
        return str(PAGE_LABELS[what])
    slug, _sep, form = what.partition(" ")
    kinds = item_kinds.registered()
    if slug in kinds and form in FORM_LABELS:
        return capfirst(str(FORM_LABELS[form] % {"section": str(kinds[slug].title).lower()}))
    for app in ("records", "children", "coordination"):
        try:
            return capfirst(str(apps.get_model(app, what)._meta.verbose_name))
        except LookupError:
            continue
    return what


def describe_detail(event: AccessEvent) -> str:
    """The details of a change to who can see the record (staff, operator changes)."""
    roles = dict(PracticeStaff.Role.choices)
    yes_no = {"True": _("yes"), "False": _("no")}
    parts = []
    for key, label in DETAIL_LABELS.items():
        value = event.data.get(key)
        if not value:
            continue
        if key in ("role", "was"):
            value = str(roles.get(value, value))
        elif key == "invited_by" and value == "operator":
            value = _("the site operator")
        value = yes_no.get(value, value)
        parts.append(str(label) % {"value": value})
    return "; ".join(parts)


def actor_words(label: str) -> str:
    """Who, in a reader's words, for actors that are not people with accounts."""
    if label.startswith("system:"):
        return _("Homebase")
    if label.startswith("link:"):
        return _("Someone with your share link “%(label)s”") % {"label": label[5:]}
    return label


@login_required
@require_safe
def access_log(request: HttpRequest, child_id: UUID) -> HttpResponse:
    child = load_child(request, child_id, "audit.view", what="access log")
    events = child.access_events.all()
    person = request.GET.get("person", "").strip()[:254]
    if person:
        events = events.filter(actor_label__icontains=person)
    labels = child.access_events.order_by().values_list("actor_label", flat=True).distinct()
    names = dict(User.objects.filter(email__in=list(labels)).values_list("email", "name"))
    # A person is shown by name; a system actor ("system:load_demo") as Homebase.
    people = sorted(
        ((label, names.get(label) or actor_words(label)) for label in labels),
        key=lambda pair: str(pair[1]).lower(),
    )
    page = Paginator(events.select_related("actor").order_by("-id"), 50).get_page(
        request.GET.get("page")
    )
    rows = [
        (event, describe_access(event.what), actor_words(event.actor_label), describe_detail(event))
        for event in page
    ]
    return render(
        request,
        "children/access_log.html",
        child_context(request, page=page, rows=rows, person=person, people=sorted(people)),
    )


@login_required
@require_http_methods(["GET", "POST"])
def child_delete(request: HttpRequest, child_id: UUID) -> HttpResponse:
    child = load_child(request, child_id, "child.delete", what="delete record form")
    if request.method == "POST":
        if request.POST.get("confirm_name", "").strip().lower() != child.first_name.lower():
            messages.error(request, _("Type your child's first name to confirm."))
            return redirect(reverse("children:delete", args=[child.uuid]))
        services.child_delete(actor=request.user, child=child)
        messages.success(request, _("The record was deleted."))
        return redirect("home")
    return render(request, "children/child_delete.html", child_context(request))
