"""The shared plan of care: one current plan per child, versioned.

Owners change it directly; team members with write rights on ``plan`` propose
changes through the same forms, and an owner accepts or declines them.
"""

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from children import access
from children.audit import audit_record
from children.models import Child
from children.services import ConcurrentEdit
from children.viewutils import child_context, load_child

from ..forms.plan import AboutForm, CompareForm, DeclineForm, GoalForm, NeedForm, ShareLinkForm
from ..forms.tasks import owner_choices
from ..models import CarePlan, CarePlanVersion, Goal, Need, PlanProposal, PlanShareLink, Task
from ..services import plan as services

VIEW = access.view_perms(CarePlan)
EDIT = access.edit_perm(CarePlan)
STALE = _(
    "Someone else changed the plan while you were writing. Nothing was saved; "
    "your text is still below. Check the plan, then save again."
)


def _plan_url(child: Child) -> str:
    return reverse("coordination:plan", args=[child.uuid])


def _plan_of(child: Child) -> CarePlan | None:
    return getattr(child, "care_plan", None)


def _decides(request: HttpRequest) -> bool:
    return access.can_decide_plan(request.child_perms)  # type: ignore[attr-defined]


def _load_editor(request: HttpRequest, child_id: UUID) -> Child:
    return load_child(request, child_id, EDIT)


def _load_owner(request: HttpRequest, child_id: UUID) -> tuple[Child, CarePlan]:
    child = load_child(request, child_id, EDIT)
    if not _decides(request):
        raise PermissionDenied
    plan = _plan_of(child)
    if plan is None:
        raise Http404
    return child, plan


@login_required
@require_safe
def plan_detail(request: HttpRequest, child_id: UUID) -> HttpResponse:
    child = load_child(request, child_id, VIEW)
    plan = _plan_of(child)
    audit_record(actor=request.user, verb="view", child=child, what="care plan", target=plan)
    perms = request.child_perms  # type: ignore[attr-defined]
    decides = _decides(request)
    context = child_context(
        request,
        plan=plan,
        can_edit=EDIT in perms,
        decides=decides,
        today=timezone.localdate(),
    )
    if plan is not None:
        goals = _rows(
            plan.goals.order_by("status", "term", "target_on", "id"),
            ("uuid", "text", "term", "domain", "measure", "target_on", "status"),
            child,
        )
        active = [g for g in goals if g["status"] == Goal.Status.ACTIVE]
        actions = child.tasks.filter(goal__isnull=False)
        today = timezone.localdate()
        open_actions = _rows(
            actions.filter(status=Task.Status.OPEN).order_by("due_on", "id")[:100],
            ("title", "due_on", "goal__text"),
            child,
        )
        for action in open_actions:
            action["late"] = action["due_on"] is not None and action["due_on"] < today
        context.update(
            short_goals=[g for g in active if g["term"] == Goal.Term.SHORT],
            long_goals=[g for g in active if g["term"] == Goal.Term.LONG],
            past_goals=[g for g in goals if g["status"] != Goal.Status.ACTIVE],
            needs=list(plan.needs.all()),
            actions=open_actions,
            actions_done=actions.exclude(status=Task.Status.OPEN).count(),
            current=plan.versions.select_related("agreed_by").defer("content").first(),
            proposals=_open_proposals(request, plan, decides),
        )
    return render(request, "coordination/plan_detail.html", context)


_OWNER = (
    "owner_is_child",
    "owner_guardian__user__name",
    "owner_guardian__user__email",
    "owner_member__name",
)
_LABELS = {
    "domain": dict(Goal.Domain.choices),
    "status": dict(Goal.Status.choices),
}


def _rows(qs: Any, names: tuple[str, ...], child: Child) -> list[dict[str, Any]]:
    """Plain rows for a long list (no model instances), with the owner's name and labels."""
    child_name = child.preferred_name or child.first_name
    rows = list(qs.values(*names, *_OWNER))
    for row in rows:
        row["owner"] = (
            child_name
            if row.pop("owner_is_child")
            else row.pop("owner_guardian__user__name")
            or row.pop("owner_guardian__user__email")
            or row.pop("owner_member__name")
            or ""
        )
        for name, labels in _LABELS.items():
            if name in row:
                row[f"{name}_label"] = labels.get(row[name], row[name])
        row["medical"] = row.get("domain") == Goal.Domain.MEDICAL
    return rows


def _open_proposals(request: HttpRequest, plan: CarePlan, decides: bool) -> list[Any]:
    """Owners see every waiting proposal; a team member sees their own."""
    found = plan.proposals.filter(status=PlanProposal.Status.OPEN)
    if not decides:
        found = found.filter(created_by_id=request.user.pk)
    rows = []
    owners: dict[str, Any] = {}
    for proposal in found[:50]:
        if "owner" in proposal.data and not owners:
            owners = dict(owner_choices(request.user, plan.child))
        labels = _field_labels(Need if proposal.kind.startswith("need") else Goal)
        changes = [
            (
                labels.get(name, name),
                _shown(name, old, owners),
                _shown(name, new, owners),
            )
            for name, old, new in services.proposal_changes(proposal)
        ]
        rows.append({"proposal": proposal, "changes": changes, "form": _decline_form(proposal)})
    return rows


def _decline_form(proposal: PlanProposal) -> DeclineForm:
    return DeclineForm(
        initial={"version": proposal.version}, auto_id=f"id_%s_{proposal.uuid.hex[:8]}"
    )


def _field_labels(first: type[Goal] | type[Need] = Goal) -> dict[str, str]:
    """Field names as people read them; ``first`` wins where goals and needs share a name."""
    labels: dict[str, str] = {}
    for model in (CarePlan, first, Goal, Need):
        for field in model._meta.fields:
            labels.setdefault(field.name, str(field.verbose_name))
    labels["owner"] = _("Who leads it")
    return labels


def _shown(name: str, value: Any, owners: dict[str, Any]) -> Any:
    """A stored value as a person reads it."""
    if value in (None, ""):
        return "—"
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    choices = {
        "term": Goal.Term,
        "domain": Goal.Domain,
        "status": Goal.Status,
    }
    if name in choices:
        return dict(choices[name].choices).get(value, value)
    if name == "owner" and value in owners:
        return owners[value]
    return value


def _save_or_propose(
    request: HttpRequest,
    child: Child,
    form: Any,
    *,
    kind: str,
    target: Goal | Need | None,
    apply: Any,
) -> HttpResponse | None:
    """Apply the change (owners) or send it to the family as a proposal."""
    try:
        if _decides(request):
            apply()
            messages.success(request, _("Saved. The plan has a new version."))
        else:
            plan = services.plan_get_or_create(actor=request.user, child=child)
            services.proposal_create(
                actor=request.user,
                plan=plan,
                kind=kind,
                target=target,
                data=form.plan_data() if hasattr(form, "plan_data") else _about_data(form),
                note=form.cleaned_data.get("note", ""),
            )
            messages.success(
                request,
                _("Your change was sent to the family. It joins the plan when they accept it."),
            )
    except ConcurrentEdit:
        form.stale_version_error() if form.instance.pk else form.add_error(None, STALE)
        return None
    return redirect(_plan_url(child))


def _about_data(form: AboutForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in services.ABOUT_FIELDS}


def _form_page(
    request: HttpRequest, form: Any, title: str, child: Child, **extra: Any
) -> HttpResponse:
    if request.method == "GET":
        audit_record(
            actor=request.user, verb="view", child=child, what="care plan form", target=None
        )
    return render(
        request,
        "coordination/plan_form.html",
        child_context(request, form=form, title=title, decides=_decides(request), **extra),
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_about(request: HttpRequest, child_id: UUID) -> HttpResponse:
    child = _load_editor(request, child_id)
    plan = _plan_of(child) or CarePlan(child=child)
    form = AboutForm(request.POST or None, instance=plan)
    if _decides(request):
        form.drop_note()
    if request.method == "POST" and form.is_valid():

        def apply() -> None:
            current = services.plan_get_or_create(actor=request.user, child=child)
            version = form.cleaned_data["version"] if plan.pk else current.version
            services.plan_update_about(
                actor=request.user, plan=current, version=version, data=_about_data(form)
            )

        done = _save_or_propose(
            request, child, form, kind=PlanProposal.Kind.ABOUT, target=None, apply=apply
        )
        if done:
            return done
    return _form_page(request, form, _("About the child and family"), child)


def _plan_item_form(
    request: HttpRequest,
    child_id: UUID,
    model: type[Goal] | type[Need],
    item_id: UUID | None,
) -> HttpResponse:
    child = _load_editor(request, child_id)
    item = access.get_item(child, model, item_id) if item_id else None
    instance = item or model(child=child)
    if model is Goal:
        form: Any = GoalForm(
            request.POST or None, instance=instance, user=request.user, child=child
        )
        add_kind, change_kind = PlanProposal.Kind.GOAL_ADD, PlanProposal.Kind.GOAL_CHANGE
        title = _("Change the goal") if item else _("Add a goal")
    else:
        form = NeedForm(request.POST or None, instance=instance)
        add_kind, change_kind = PlanProposal.Kind.NEED_ADD, PlanProposal.Kind.NEED_CHANGE
        title = _("Change the need") if item else _("Add a need")
    if _decides(request):
        form.drop_note()
    if request.method == "POST" and form.is_valid():

        def apply() -> None:
            plan = services.plan_get_or_create(actor=request.user, child=child)
            services.plan_item_save(
                actor=request.user,
                plan=plan,
                model=model,
                item=item,
                data=form.plan_data(),
                version=form.cleaned_data.get("version"),
            )

        done = _save_or_propose(
            request,
            child,
            form,
            kind=change_kind if item else add_kind,
            target=item,
            apply=apply,
        )
        if done:
            return done
    return _form_page(request, form, title, child, item=item)


@login_required
@require_http_methods(["GET", "POST"])
def goal_create(request: HttpRequest, child_id: UUID) -> HttpResponse:
    return _plan_item_form(request, child_id, Goal, None)


@login_required
@require_http_methods(["GET", "POST"])
def goal_update(request: HttpRequest, child_id: UUID, item_id: UUID) -> HttpResponse:
    return _plan_item_form(request, child_id, Goal, item_id)


@login_required
@require_http_methods(["GET", "POST"])
def need_create(request: HttpRequest, child_id: UUID) -> HttpResponse:
    return _plan_item_form(request, child_id, Need, None)


@login_required
@require_http_methods(["GET", "POST"])
def need_update(request: HttpRequest, child_id: UUID, item_id: UUID) -> HttpResponse:
    return _plan_item_form(request, child_id, Need, item_id)


def _delete(
    request: HttpRequest, child_id: UUID, model: type[Goal] | type[Need], item_id: UUID
) -> HttpResponse:
    child, plan = _load_owner(request, child_id)
    item = access.get_item(child, model, item_id)
    if request.method == "POST":
        try:
            services.plan_item_delete(
                actor=request.user,
                plan=plan,
                item=item,
                version=int(request.POST.get("version") or 0),
            )
        except ConcurrentEdit:
            messages.error(request, STALE)
        else:
            messages.success(request, _("Removed from the plan: %(item)s.") % {"item": item})
        return redirect(_plan_url(child))
    audit_record(actor=request.user, verb="view", child=child, what="plan delete form", target=item)
    return render(request, "coordination/plan_item_delete.html", child_context(request, item=item))


@login_required
@require_http_methods(["GET", "POST"])
def goal_delete(request: HttpRequest, child_id: UUID, item_id: UUID) -> HttpResponse:
    return _delete(request, child_id, Goal, item_id)


@login_required
@require_http_methods(["GET", "POST"])
def need_delete(request: HttpRequest, child_id: UUID, item_id: UUID) -> HttpResponse:
    return _delete(request, child_id, Need, item_id)


def _proposal(request: HttpRequest, child_id: UUID, item_id: UUID) -> tuple[Child, PlanProposal]:
    child, _plan = _load_owner(request, child_id)
    return child, access.get_item(child, PlanProposal, item_id)


@login_required
@require_POST
def proposal_accept(request: HttpRequest, child_id: UUID, item_id: UUID) -> HttpResponse:
    child, proposal = _proposal(request, child_id, item_id)
    try:
        plan_number = request.POST.get("plan")
        services.proposal_accept(
            actor=request.user,
            proposal=proposal,
            version=int(request.POST.get("version") or 0),
            plan_number=int(plan_number) if plan_number else None,
        )
    except (ConcurrentEdit, ValueError):
        messages.error(
            request,
            _("This change was already decided, or the plan changed since. Check the plan."),
        )
    else:
        messages.success(request, _("Accepted. The plan has a new version."))
    return redirect(_plan_url(child))


@login_required
@require_POST
def proposal_decline(request: HttpRequest, child_id: UUID, item_id: UUID) -> HttpResponse:
    child, proposal = _proposal(request, child_id, item_id)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            services.proposal_decline(actor=request.user, proposal=proposal, **form.cleaned_data)
        except ConcurrentEdit:
            messages.error(request, _("This change was already decided."))
        else:
            messages.success(request, _("Not accepted. The plan did not change."))
    return redirect(_plan_url(child))


@login_required
@require_POST
def plan_agree(request: HttpRequest, child_id: UUID) -> HttpResponse:
    child, plan = _load_owner(request, child_id)
    try:
        services.plan_agree(
            actor=request.user, plan=plan, number=int(request.POST.get("number") or 0)
        )
    except (ConcurrentEdit, CarePlanVersion.DoesNotExist, ValueError):
        messages.error(request, _("The plan changed since you opened it. Read it again first."))
    else:
        messages.success(request, _("Thank you. Your agreement with this version is recorded."))
    return redirect(_plan_url(child))


@login_required
@require_safe
def plan_history(request: HttpRequest, child_id: UUID) -> HttpResponse:
    """Every version, and what changed between any two."""
    child = load_child(request, child_id, VIEW)
    plan = _plan_of(child)
    audit_record(actor=request.user, verb="view", child=child, what="care plan history")
    versions = list(plan.versions.select_related("created_by", "agreed_by")[:200]) if plan else []
    numbers = sorted(v.number for v in versions)
    form = CompareForm(request.GET or None, numbers=numbers)
    diff = old = new = None
    if plan is not None and request.GET and form.is_valid():
        a, b = sorted((form.cleaned_data["a"], form.cleaned_data["b"]))
        by_number = {v.number: v for v in versions}
        old, new = by_number.get(a), by_number.get(b)
        if old and new:
            diff = _readable(services.compare(old.content, new.content))
    elif numbers and not request.GET:
        form = CompareForm(
            numbers=numbers,
            initial={"a": numbers[-2] if len(numbers) > 1 else numbers[0], "b": numbers[-1]},
        )
    return render(
        request,
        "coordination/plan_history.html",
        child_context(
            request, plan=plan, versions=versions, form=form, diff=diff, old=old, new=new
        ),
    )


def _readable(diff: dict[str, Any]) -> dict[str, Any]:
    labels = _field_labels()
    labels.update(title=_("what to do"), due_on=_("due by"))

    def fields(changes: list[tuple[str, Any, Any]]) -> list[tuple[str, Any, Any]]:
        return [(labels.get(n, n), _shown(n, a, {}), _shown(n, b, {})) for n, a, b in changes]

    out: dict[str, Any] = {"about": fields(diff["about"])}
    for section in ("goals", "needs", "actions"):
        part = diff[section]
        out[section] = {
            "added": [_name(e) for e in part["added"]],
            "removed": [_name(e) for e in part["removed"]],
            "changed": [(_name(entry), fields(changes)) for entry, changes in part["changed"]],
        }
    out["empty"] = not out["about"] and not any(
        any(out[s].values()) for s in ("goals", "needs", "actions")
    )
    return out


def _name(entry: dict[str, Any]) -> str:
    return str(entry.get("text") or entry.get("title") or "")


def _copy_context(version: CarePlanVersion) -> dict[str, Any]:
    """A frozen version, ready to show read only (history, print, share link)."""
    content = version.content
    goals = [
        {
            **g,
            "term_label": _shown("term", g["term"], {}),
            "domain_label": _shown("domain", g["domain"], {}),
            "status_label": _shown("status", g["status"], {}),
            "medical": g["domain"] == Goal.Domain.MEDICAL,
        }
        for g in content.get("goals", {}).values()
    ]
    return {
        "version": version,
        "about": content.get("about", {}),
        "short_goals": [g for g in goals if g["term"] == Goal.Term.SHORT],
        "long_goals": [g for g in goals if g["term"] == Goal.Term.LONG],
        "needs": list(content.get("needs", {}).values()),
        "actions": list(content.get("actions", {}).values()),
    }


@login_required
@require_safe
def plan_version(request: HttpRequest, child_id: UUID, number: int) -> HttpResponse:
    """One version as it was, ready to print."""
    child = load_child(request, child_id, VIEW)
    plan = _plan_of(child)
    version = (
        plan.versions.select_related("agreed_by").filter(number=number).first() if plan else None
    )
    if version is None:
        raise Http404
    audit_record(actor=request.user, verb="view", child=child, what="care plan version", n=number)
    return render(
        request,
        "coordination/plan_version.html",
        child_context(request, **_copy_context(version)),
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_share(request: HttpRequest, child_id: UUID) -> HttpResponse:
    """Owners make a read-only link to the current version for someone without an account."""
    child, plan = _load_owner(request, child_id)
    current = plan.versions.first()
    form = ShareLinkForm(request.POST or None)
    new_url = None
    if request.method == "POST" and form.is_valid() and current is not None:
        _link, token = services.share_link_create(
            actor=request.user, version=current, **form.cleaned_data
        )
        new_url = request.build_absolute_uri(reverse("coordination:plan-shared", args=[token]))
        form = ShareLinkForm()
    elif request.method == "GET":
        audit_record(actor=request.user, verb="view", child=child, what="care plan links")
    links = list(child.plan_links.select_related("version")[:100])
    return render(
        request,
        "coordination/plan_share.html",
        child_context(
            request, form=form, links=links, new_url=new_url, current=current, now=timezone.now()
        ),
    )


@login_required
@require_POST
def plan_share_revoke(request: HttpRequest, child_id: UUID, link_id: UUID) -> HttpResponse:
    child, _plan = _load_owner(request, child_id)
    link = child.plan_links.filter(uuid=link_id).first()
    if link is None:
        raise Http404
    services.share_link_revoke(actor=request.user, link=link)
    messages.success(request, _("The link no longer works."))
    return redirect(reverse("coordination:plan-share", args=[child.uuid]))


@require_safe
def plan_shared(request: HttpRequest, token: str) -> HttpResponse:
    """The read-only copy behind a share link: that version only, while the link lives."""
    link = access.get_shared(PlanShareLink.objects.select_related("version", "child"), token)
    audit_record(
        actor=f"link:{link.label}"[:150],
        verb="view",
        child=link.child,
        what="care plan (shared link)",
        n=link.version.number,
    )
    context = {"shared_child": link.child, "link": link, **_copy_context(link.version)}
    response = render(request, "coordination/plan_shared.html", context)
    # Opened signed out, so PrivatePagesMiddleware does not cover it: no proxy or
    # browser may keep a copy of a child's plan, and no search engine may list it.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
