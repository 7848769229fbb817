"""The child's section navigation: only the sections this person can open."""

from functools import cache
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from records.registry import BY_SLUG

from . import access

# (label, url name, permission needed); record kinds use access.view_perms.
SECTIONS: tuple[tuple[Any, str, tuple[str, ...] | None], ...] = (
    (_("Overview"), "children:overview", (access.RECORD_VIEW,)),
    (_("About"), "children:profile", (access.RECORD_VIEW,)),
    (_("Conditions"), "records:conditions-list", None),
    (_("Medicines"), "records:medicines-list", None),
    (_("Allergies"), "records:allergies-list", None),
    (_("Immunizations"), "records:immunizations-list", None),
    (_("Measurements"), "records:measurements-list", None),
    (_("Equipment"), "records:equipment-list", None),
    (_("Services"), "records:services-list", None),
    (_("Insurance"), "records:insurance-list", None),
    (_("Journal"), "records:journal-list", None),
    (_("Documents"), "records:documents-list", None),
    (_("Care team"), "records:team-list", None),
    (_("Sharing"), "children:sharing", ("sharing.manage",)),
    (_("Who has seen this"), "children:access-log", ("audit.view",)),
)


_PLACEHOLDER = "00000000-0000-4000-8000-000000000000"


@cache
def _url_pattern(name: str) -> str:
    """The section's URL with a placeholder for the child: reversed once per process."""
    return reverse(name, args=[_PLACEHOLDER])


def child_nav(request: HttpRequest) -> dict[str, Any]:
    child = getattr(request, "child", None)
    if child is None:
        return {}
    perms = request.child_perms  # type: ignore[attr-defined]
    current = request.resolver_match.view_name if request.resolver_match else ""
    match = request.resolver_match
    # Sharing URLs have a `kind` too ("team"); only a notebook page names a section.
    current_kind = match.kwargs.get("kind") if match and match.namespace == "records" else None
    nav = []
    for label, name, needed in SECTIONS:
        if needed is None:
            slug = name.split(":")[1].rsplit("-", 1)[0]
            needed = access.view_perms(BY_SLUG[slug].model)
            active = current_kind == slug
        else:
            active = current == name
        if any(p in perms for p in needed):
            url = _url_pattern(name).replace(_PLACEHOLDER, str(child.uuid))
            nav.append({"label": label, "url": url, "active": active})
    return {"child_nav": nav}
