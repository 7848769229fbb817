from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import hooks, services
from .forms import PracticeForm, ProfileForm
from .models import Language, Practice
from .staff import is_practice_admin


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile was saved."))
        response = redirect("accounts:profile")
        response.set_cookie("django_language", form.cleaned_data["language"], samesite="Lax")
        return response
    return render(request, "accounts/profile.html", {"form": form})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch between English and Spanish; remembered in the profile when signed in."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    response = redirect(next_url)
    if language in Language.values:
        response.set_cookie("django_language", language, samesite="Lax", max_age=365 * 86400)
        if request.user.is_authenticated:
            request.user.language = language
            request.user.save(update_fields=["language"])
    return response


@login_required
def practice_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    practices = Practice.objects.all()
    if query:
        practices = practices.filter(Q(name__icontains=query) | Q(address__icontains=query))
    page = Paginator(practices, 25).get_page(request.GET.get("page"))
    return render(request, "accounts/practice_list.html", {"page": page, "query": query})


@login_required
def practice_detail(request: HttpRequest, practice_id: UUID) -> HttpResponse:
    practice = get_object_or_404(Practice, uuid=practice_id)
    return render(
        request,
        "accounts/practice_detail.html",
        {
            "practice": practice,
            "can_edit": hooks.can_edit_practice(request.user, practice),
            "can_manage_staff": is_practice_admin(request.user, practice),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def practice_create(request: HttpRequest) -> HttpResponse:
    form = PracticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        practice = services.practice_create(actor=request.user, practice=form.save(commit=False))
        messages.success(request, _("Practice added."))
        return redirect(practice.get_absolute_url())
    return render(request, "accounts/practice_form.html", {"form": form, "practice": None})


@login_required
@require_http_methods(["GET", "POST"])
def practice_update(request: HttpRequest, practice_id: UUID) -> HttpResponse:
    practice = get_object_or_404(Practice, uuid=practice_id)
    if not hooks.can_edit_practice(request.user, practice):
        raise PermissionDenied
    form = PracticeForm(request.POST or None, instance=practice)
    if request.method == "POST" and form.is_valid():
        services.practice_update(actor=request.user, practice=form.save(commit=False))
        messages.success(request, _("Practice saved."))
        return redirect(practice.get_absolute_url())
    return render(request, "accounts/practice_form.html", {"form": form, "practice": practice})
