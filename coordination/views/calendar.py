"""The private calendar feed: the page that makes the link, and the feed itself."""

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe

from children.audit import audit_record

from ..models import CalendarFeed
from ..services.calendar import (
    build_calendar,
    calendar_feed_for_token,
    calendar_feed_reset,
    dates_for,
    feed_windows,
)


class ResetForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that the old link stops working."), required=True
    )


def _feed_url(request: HttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("coordination:calendar-feed", args=[token]))


@login_required
@require_http_methods(["GET", "POST"])
def calendar(request: HttpRequest) -> HttpResponse:
    """Explain the feed; make a new link (shown once) or replace the old one."""
    user: Any = request.user
    feed = CalendarFeed.objects.filter(user=user).first()
    form = None
    if feed is not None:
        form = ResetForm(request.POST) if request.method == "POST" else ResetForm()
    context: dict[str, Any] = {"feed": feed, "form": form, "url": "", "webcal": ""}
    if request.method == "POST" and (form is None or form.is_valid()):
        token = calendar_feed_reset(actor=user)
        url = _feed_url(request, token)
        context.update(
            feed=CalendarFeed.objects.get(user=user),
            form=ResetForm(),
            url=url,
            webcal="webcal://" + url.split("://", 1)[1],
            replaced=feed is not None,
        )
    return render(request, "coordination/calendar_feed.html", context)


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The .ics file for calendar apps. The token is the credential: wrong or reset → 404."""
    feed = calendar_feed_for_token(token)
    if feed is None:
        raise Http404
    user = feed.user
    with translation.override(user.language or None):
        dates = dates_for(user, feed_windows())
        body = build_calendar(
            dates, base_url=request.build_absolute_uri("/"), feed_id=feed.token_hash
        )
    for child in {d.child.pk: d.child for d in dates}.values():
        audit_record(actor=user, verb="view", child=child, what="calendar feed")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="homebase.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
