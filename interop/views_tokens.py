"""Personal access tokens for the FHIR API: anyone with a grant makes their own."""

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from children import access
from children.viewutils import child_context, load_child

from .api import tokens as api_tokens
from .models import ApiToken

PERM = access.RECORD_VIEW


def _rows(request: HttpRequest) -> list[dict[str, Any]]:
    """The person's tokens for this child, each with what it opens in plain words."""
    found, now = [], timezone.now()
    for token in api_tokens.tokens_of(request.user, request.child):  # type: ignore[attr-defined]
        opened = api_tokens.types_of(token.scopes)
        everything = len(opened) == len(api_tokens.TYPE_WORDS)
        found.append(
            {
                "token": token,
                "ended": token.expires_at is not None and token.expires_at <= now,
                "opens": [_("Everything you can see")]
                if everything
                else [str(api_tokens.TYPE_WORDS[t]) for t in api_tokens.TYPE_WORDS if t in opened],
            }
        )
    return found


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest, child_id: UUID) -> HttpResponse:
    child = load_child(request, child_id, PERM, what="FHIR API tokens")
    perms = request.child_perms  # type: ignore[attr-defined]
    form = api_tokens.TokenForm(request.POST or None, perms=perms)
    created = None
    if request.method == "POST" and form.is_valid():
        token, secret = api_tokens.token_create(
            actor=request.user, child=child, **form.cleaned_data
        )
        created = {"token": token, "secret": secret}
        form = api_tokens.TokenForm(perms=perms)
    context = child_context(
        request,
        form=form,
        created=created,
        rows=_rows(request),
        base_url=request.build_absolute_uri(reverse("fhir:api-metadata")).removesuffix("metadata"),
    )
    return render(request, "fhir/token_list.html", context)


def _own_token(request: HttpRequest, token_id: UUID) -> ApiToken:
    token = api_tokens.tokens_of(request.user, request.child).filter(uuid=token_id).first()  # type: ignore[attr-defined]
    if token is None:
        raise Http404
    return token


@login_required
@require_http_methods(["GET", "POST"])
def token_revoke(request: HttpRequest, child_id: UUID, token_id: UUID) -> HttpResponse:
    child = load_child(request, child_id, PERM, what="FHIR API token (stop form)")
    token = _own_token(request, token_id)
    if request.method == "POST":
        api_tokens.token_revoke(actor=request.user, token=token)
        messages.success(request, _("“%(name)s” no longer works.") % {"name": token.name})
        return redirect("fhir:tokens", child.uuid)
    if token.revoked_at is not None:
        return redirect("fhir:tokens", child.uuid)
    return render(request, "fhir/token_revoke.html", child_context(request, token=token))
