from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from children import access
from children.viewutils import child_context, load_child
from coordination.attention import needs_attention

from .overview import sections_html


def home(request: HttpRequest) -> HttpResponse:
    """Signed out: what Homebase is. Signed in: the children this person may open."""
    if not request.user.is_authenticated:
        return render(request, "home_public.html")
    user = request.user
    children = list(access.visible_children(user).order_by("first_name"))
    ids = [c.pk for c in children]
    how, owner_ids = access.how_shared(user, ids)
    attention = needs_attention(user, ids)
    for child in children:
        child.attention = attention.get(child.pk, [])  # type: ignore[attr-defined]
    owned = [c for c in children if c.pk in owner_ids]
    shared = [c for c in children if c.pk not in owner_ids]
    return render(
        request,
        "home.html",
        {"owned": owned, "shared": [(c, how.get(c.pk, "")) for c in shared]},
    )


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers; also the bare-Django floor in `make bench`."""
    return HttpResponse("ok", content_type="text/plain")


@login_required
@require_safe
def overview(request: HttpRequest, child_id: UUID) -> HttpResponse:
    """The page a parent shows on a phone in a waiting room (see overview.py)."""
    child = load_child(request, child_id, access.RECORD_VIEW, what="overview")
    html = sections_html(request, child, request.child_perms)  # type: ignore[attr-defined]
    return render(request, "overview.html", child_context(request, sections_html=html))
