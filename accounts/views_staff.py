"""A practice's staff pages: its administrators invite, change roles, deactivate.

Anyone signed in may see that a practice exists (the practice pages); only
its active administrators see and manage its staff (403 for everyone else).
"""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import staff
from .forms import StaffInviteForm, StaffUpdateForm
from .models import Practice, PracticeInvitation, PracticeStaff


def _practice_for_admin(request: HttpRequest, practice_id: UUID) -> Practice:
    practice = get_object_or_404(Practice, uuid=practice_id)
    if not staff.is_practice_admin(request.user, practice):
        raise PermissionDenied
    return practice


def _staff_url(practice: Practice) -> str:
    return reverse("accounts:practice-staff", args=[practice.uuid])


@login_required
@require_http_methods(["GET"])
def practice_staff(request: HttpRequest, practice_id: UUID) -> HttpResponse:
    practice = _practice_for_admin(request, practice_id)
    members = practice.staff.select_related("user").order_by("-is_active", "user__email")
    invitations = [i for i in practice.invitations.select_related("invited_by") if i.is_pending]
    return render(
        request,
        "accounts/practice_staff.html",
        {"practice": practice, "members": members, "invitations": invitations},
    )


@login_required
@require_http_methods(["GET", "POST"])
def practice_staff_invite(request: HttpRequest, practice_id: UUID) -> HttpResponse:
    practice = _practice_for_admin(request, practice_id)
    form = StaffInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            staff.staff_invite(actor=request.user, practice=practice, **form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]},
            )
            return redirect(_staff_url(practice))
    return render(
        request, "accounts/practice_staff_invite.html", {"practice": practice, "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def practice_staff_update(request: HttpRequest, practice_id: UUID, staff_id: UUID) -> HttpResponse:
    practice = _practice_for_admin(request, practice_id)
    member = get_object_or_404(
        PracticeStaff.objects.select_related("user"), practice=practice, uuid=staff_id
    )
    form = StaffUpdateForm(
        request.POST or None, initial={"role": member.role, "is_active": member.is_active}
    )
    if request.method == "POST" and form.is_valid():
        try:
            staff.staff_update(actor=request.user, member=member, **form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(_staff_url(practice))
    return render(
        request,
        "accounts/practice_staff_update.html",
        {"practice": practice, "member": member, "form": form},
    )


@login_required
@require_POST
def practice_staff_invitation_cancel(
    request: HttpRequest, practice_id: UUID, invitation_id: UUID
) -> HttpResponse:
    practice = _practice_for_admin(request, practice_id)
    invitation = get_object_or_404(PracticeInvitation, practice=practice, uuid=invitation_id)
    if invitation.is_pending:
        staff.staff_invitation_cancel(actor=request.user, invitation=invitation)  # type: ignore[arg-type]
        messages.success(request, _("Invitation cancelled."))
    return redirect(_staff_url(practice))


@require_http_methods(["GET", "POST"])
def staff_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Open an emailed staff invitation; sign-in is asked for after the link is shown to be real."""
    try:
        invitation = staff.staff_invitation_for_token(token)
    except staff.StaffInvitationError as error:
        return render(request, "accounts/staff_invitation.html", {"error": str(error)}, status=404)
    if not request.user.is_authenticated:
        return render(
            request,
            "accounts/staff_invitation.html",
            {"invitation": invitation, "needs_login": True},
        )
    try:
        staff.staff_invitation_check(invitation, request.user)
        if request.method == "POST":
            staff.staff_invitation_accept(actor=request.user, invitation=invitation)  # type: ignore[arg-type]
            messages.success(
                request,
                _("You are now on the staff of %(practice)s.")
                % {"practice": invitation.practice.name},
            )
            return redirect(invitation.practice.get_absolute_url())
    except staff.StaffInvitationError as error:
        return render(request, "accounts/staff_invitation.html", {"error": str(error)}, status=403)
    return render(request, "accounts/staff_invitation.html", {"invitation": invitation})
