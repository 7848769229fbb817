"""The first step of every child page: authorize through ``access``, then audit the read."""

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.http import HttpRequest

from . import access
from .audit import audit_record
from .models import Child


def load_child(
    request: HttpRequest,
    child_id: UUID | str,
    perm: str | Iterable[str],
    *,
    what: str | None = None,
) -> Child:
    """Return the child or raise 404/403; record the read when ``what`` is given.

    Reads are logged for GET only: a POST is logged by the service that writes.
    """
    child = access.get_child_for(request.user, child_id, perm)
    request.child = child  # type: ignore[attr-defined]
    request.child_perms = access.perms_for(request.user, child)  # type: ignore[attr-defined]
    if what and request.method == "GET":
        audit_record(actor=request.user, verb="view", child=child, what=what)
    return child


def htmx_or_full(request: HttpRequest, template: str, fragment: str) -> str:
    """The fragment for an htmx request, the whole page otherwise."""
    return f"{template}#{fragment}" if getattr(request, "htmx", False) else template


def child_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"child": request.child, "perms": request.child_perms, **extra}  # type: ignore[attr-defined]
