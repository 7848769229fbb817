"""Referral pages: one referral, its next step, and ending it.

The list, add, edit and delete pages are the shared ones (``registry.REFERRALS``).
"""

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from children import access
from children.audit import audit_record
from children.services import ConcurrentEdit
from children.viewutils import child_context, load_child
from records.models import Document

from ..forms.referrals import ReferralEndForm, ReferralStepForm
from ..models import Referral
from ..services import referrals as services


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
