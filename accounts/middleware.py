import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.translation import gettext as _

from .two_factor import needs_second_factor_setup

SESSION_STARTED = "homebase_session_started"
SESSION_TOUCHED = "homebase_session_touched"


class SessionLifetimeMiddleware:
    """The idle time-out, and an end after SESSION_ABSOLUTE_SECONDS however active it was.

    The idle time-out is SESSION_COOKIE_AGE, counted from the last time the
    session was saved. Instead of saving it on every request (a database write
    per page), activity saves it at most every SESSION_TOUCH_SECONDS, so a
    session ends between SESSION_COOKIE_AGE minus that and SESSION_COOKIE_AGE
    after the last page. The absolute limit keeps a stolen cookie from living forever.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            started = request.session.get(SESSION_STARTED)
            if started is None:
                request.session[SESSION_STARTED] = now
            elif now - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                return redirect_to_login(request.get_full_path())
            if now - request.session.get(SESSION_TOUCHED, 0) >= settings.SESSION_TOUCH_SECONDS:
                request.session[SESSION_TOUCHED] = now  # saved: the idle clock starts again
        return self.get_response(request)


def activate_user_language(
    sender: object, request: HttpRequest, user: object, **kwargs: object
) -> None:
    language = getattr(user, "language", "")
    if language:
        translation.activate(language)
        request.LANGUAGE_CODE = language


class PrivatePagesMiddleware:
    """No browser or proxy may keep a copy of a page (ONC (d)(7)).

    Signed-in pages hold health data, and so do pages opened through a link
    without signing in (share links, the calendar feed, invitations). A view
    that sets its own Cache-Control keeps it; static files never reach here.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Cache-Control" not in response:
            response["Cache-Control"] = "private, no-store"
        return response


class UserLanguageMiddleware:
    """Signed-in people see the language chosen in their profile."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class SecondFactorMiddleware:
    """Operators and practice staff set up two-step sign-in before anything else.

    Until they have a second factor, every page except the sign-in, account
    and two-step pages sends them to set one up (accounts/two_factor.py).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if needs_second_factor_setup(request.user) and not _setup_allowed(request):
            if request.user.is_staff:
                why = _(
                    "Operator accounts need two-step sign-in: set up an authenticator app or "
                    "a security key before you go on."
                )
            else:
                why = _(
                    "Your account can open many children's records, so it needs two-step "
                    "sign-in: set up an authenticator app or a security key before you go on."
                )
            messages.warning(request, why)
            url = reverse("mfa_index")
            if getattr(request, "htmx", False):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = url
                return response
            return redirect(url)
        return self.get_response(request)


def _setup_allowed(request: HttpRequest) -> bool:
    """Sign-in, account, two-step and language pages hold no child data."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    name = match.url_name or ""
    return name.startswith(("account_", "mfa_")) or match.view_name in SETUP_VIEWS


SETUP_VIEWS = frozenset({"accounts:language", "healthz"})
