"""What accounts needs from the layers above it, registered in their ``ready()``.

accounts is the lowest layer (DESIGN.md, "Layers"): it cannot import the rule
book, ``children.access``, which decides who may edit a practice (it depends
on the children that person owns), nor the access log, ``children.audit``.
The children app registers both when Django starts; until it has, asking is
an error rather than a silent answer (or a write nobody logged).
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured

_hooks: dict[str, Callable[..., Any]] = {}


def register(*, can_edit_practice: Callable[[Any, Any], bool], audit: Callable[..., Any]) -> None:
    _hooks["can_edit_practice"] = can_edit_practice
    _hooks["audit"] = audit


def _hook(name: str) -> Callable[..., Any]:
    try:
        return _hooks[name]
    except KeyError:
        raise ImproperlyConfigured(f"accounts hook {name!r} is not registered") from None


def can_edit_practice(user: Any, practice: Any) -> bool:
    """Whether ``user`` may change ``practice`` (``children.access.can_edit_practice``)."""
    return bool(_hook("can_edit_practice")(user, practice))


def audit(*, actor: Any, verb: str, what: str, target: Any, **data: Any) -> None:
    """Append an event to the access log (``children.audit.audit_record``)."""
    _hook("audit")(actor=actor, verb=verb, what=what, target=target, **data)
