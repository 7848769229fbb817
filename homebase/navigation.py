"""The child's section navigation: only the sections this person can open."""

from functools import cache
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from children import access
from children.items.kinds import Kind
from coordination.registry import MEETINGS, PAPERWORK, REFERRALS, TASKS, VISITS
from records.registry import BY_SLUG

# (label, url name, permission needed, or the notebook kind whose rules apply)
SECTIONS: tuple[tuple[Any, str, tuple[str, ...] | Kind], ...] = (
    (_("Overview"), "children:overview", (access.RECORD_VIEW,)),
    (_("About"), "children:profile", (access.RECORD_VIEW,)),
    (_("Visits"), "coordination:visits-list", VISITS),
    (_("Tasks"), "coordination:tasks-list", TASKS),
    (_("Referrals"), "coordination:referrals-list", REFERRALS),
    (_("Paperwork"), "coordination:paperwork-list", PAPERWORK),
    (_("Messages"), "coordination:thread-list", ("messages.view",)),
    (_("Care meetings"), "coordination:meetings-list", MEETINGS),
    (_("Care plan"), "coordination:plan", ("plan.view",)),
    (_("Conditions"), "records:conditions-list", BY_SLUG["conditions"]),
    (_("Medicines"), "records:medicines-list", BY_SLUG["medicines"]),
    (_("Allergies"), "records:allergies-list", BY_SLUG["allergies"]),
    (_("Immunizations"), "records:immunizations-list", BY_SLUG["immunizations"]),
    (_("Measurements"), "records:measurements-list", BY_SLUG["measurements"]),
    (_("Equipment"), "records:equipment-list", BY_SLUG["equipment"]),
    (_("Services"), "records:services-list", BY_SLUG["services"]),
    (_("Insurance"), "records:insurance-list", BY_SLUG["insurance"]),
    (_("Journal"), "records:journal-list", BY_SLUG["journal"]),
    (_("Documents"), "records:documents-list", BY_SLUG["documents"]),
    (_("Care team"), "records:team-list", BY_SLUG["team"]),
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
    match = request.resolver_match
    current = match.view_name if match else ""
    # Sharing URLs have a `kind` too ("team"): only a notebook page carries a Kind.
    current_kind = match.kwargs.get("kind") if match else None
    nav = []
    for label, name, needed in SECTIONS:
        if isinstance(needed, Kind):
            active = current_kind is needed or (
                needed.detail is not None
                and current.startswith(f"{needed.namespace}:{needed.slug[:-1]}")
            )
            needed = access.view_perms(needed.model)
        else:
            active = current == name
        if any(p in perms for p in needed):
            url = _url_pattern(name).replace(_PLACEHOLDER, str(child.uuid))
            nav.append({"label": label, "url": url, "active": active})
    return {"child_nav": nav}
