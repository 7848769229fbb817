import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils import translation

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
    """Signed-in pages hold health data: no browser or proxy may keep a copy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated and "Cache-Control" not in response:
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
