"""What accounts needs from the layers above it, registered in their ``ready()``.

accounts is the lowest layer (DESIGN.md, "Layers"): it cannot import the rule
book, ``children.access``, which decides who may edit a practice (it depends
on the children that person owns), nor the access log, ``children.audit``.
Yet every change the operator makes, and every change to a practice's staff,
must be in the chained access log, on the page of each child whose viewers it
changes. The children app registers all three when Django starts; until it
has, asking is an error rather than a silent answer (or a write nobody
logged).
"""

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import Any

from django.core.exceptions import ImproperlyConfigured

_hooks: dict[str, Callable[..., Any]] = {}


def register(
    *,
    can_edit_practice: Callable[[Any, Any], bool],
    audit: Callable[..., Any],
    account_change: Callable[..., AbstractContextManager[None]],
) -> None:
    _hooks["can_edit_practice"] = can_edit_practice
    _hooks["audit"] = audit
    _hooks["account_change"] = account_change


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


def account_change(
    *,
    actor: Any,
    verb: str,
    what: str,
    target: Any = None,
    users: Iterable[Any] = (),
    practices: Iterable[Any] = (),
    **data: Any,
) -> AbstractContextManager[None]:
    """Run a change to accounts, practices or staff inside this: one transaction that also
    writes it to the access log, and on each child whose viewers it changes
    (``children.audit.account_change``)."""
    hook = _hook("account_change")
    return hook(  # type: ignore[no-any-return]
        actor=actor, verb=verb, what=what, target=target, users=users, practices=practices, **data
    )
