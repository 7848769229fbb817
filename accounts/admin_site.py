"""The operator pages (/operator/): Django's admin, entered only one way.

* Signing in happens on the site's own sign-in page (django-allauth), with its
  failed-sign-in limits, email verification and two-step sign-in; the admin's
  own login form is never shown and never checks a password.
* Anyone signed in who is not an active operator gets a 404: the operator
  pages do not admit they exist.
* An operator must have a second factor (sent to set one up first) and must
  have used it in this session (otherwise refused with a 403 that offers to
  confirm with it).
"""

from __future__ import annotations

from functools import update_wrapper
from typing import Any

from django.contrib.admin import AdminSite
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from .two_factor import has_second_factor, used_second_factor


class OperatorSite(AdminSite):
    site_header = gettext_lazy("Homebase operator")
    site_title = gettext_lazy("Homebase operator")
    index_title = gettext_lazy("Accounts and practices")

    def refusal(self, request: HttpRequest) -> HttpResponse | None:
        """Why ``request`` may not enter, as the response to give; None lets it in."""
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("account_login"))
        if not (user.is_active and user.is_staff):
            raise Http404
        if not has_second_factor(user):
            return redirect("mfa_index")
        if not used_second_factor(request):
            confirm = reverse("mfa_reauthenticate") + "?" + urlencode({"next": request.path})
            return render(
                request, "accounts/operator_second_step.html", {"confirm_url": confirm}, status=403
            )
        return None

    def has_permission(self, request: HttpRequest) -> bool:
        return self.refusal(request) is None

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = self.refusal(request)
            if response is not None:
                return response
            return view(request, *args, **kwargs)  # type: ignore[no-any-return]

        if not cacheable:
            inner = never_cache(inner)
        if not getattr(view, "csrf_exempt", False):
            inner = csrf_protect(inner)
        return update_wrapper(inner, view)

    @method_decorator(never_cache)
    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """No password is ever checked here: allauth's sign-in page, then back."""
        response = self.refusal(request)
        return response if response is not None else redirect("admin:index")

    def password_change(  # type: ignore[override]
        self, request: HttpRequest, extra_context: Any = None
    ) -> HttpResponse:
        # allauth's page asks for the current password and is rate limited.
        return redirect("account_change_password")
