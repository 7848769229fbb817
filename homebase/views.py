from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from children import access
from children.models import CareTeamMember, Guardianship, PracticeEnrollment
from coordination.attention import needs_attention


def home(request: HttpRequest) -> HttpResponse:
    """Signed out: what Homebase is. Signed in: the children this person may open."""
    if not request.user.is_authenticated:
        return render(request, "home_public.html")
    user = request.user
    children = list(access.visible_children(user).order_by("first_name"))
    ids = [c.pk for c in children]
    how: dict[int, str] = {}
    owner_ids: set[int] = set()
    for g in Guardianship.objects.live().filter(user=user, child_id__in=ids):
        how[g.child_id] = g.get_role_display()
        if g.role == Guardianship.Role.OWNER:
            owner_ids.add(g.child_id)
    for m in CareTeamMember.objects.live().filter(user=user, child_id__in=ids):
        how.setdefault(m.child_id, m.get_role_display())
    for e in (
        PracticeEnrollment.objects.live()
        .filter(child_id__in=ids, practice__staff__user=user)
        .select_related("practice")
    ):
        how.setdefault(e.child_id, _("staff of %(practice)s") % {"practice": e.practice.name})
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
