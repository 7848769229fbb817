"""What accounts needs from the apps above it, registered by them in ``ready()``.

accounts sits below children in the layers (DESIGN.md), so it cannot import
the access log; yet every change the operator makes, and every change to a
practice's staff, must be in the chained access log, and on the page of each
child whose viewers it changes. children registers
``children.audit.account_change`` here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import Any

from django.core.exceptions import ImproperlyConfigured

AccountChange = Callable[..., AbstractContextManager[None]]

_account_change: AccountChange | None = None


def register_account_change(hook: AccountChange) -> None:
    global _account_change
    _account_change = hook


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
    """Run the change inside this, in one transaction that also writes the events."""
    if _account_change is None:
        # Never skip the audit silently.
        raise ImproperlyConfigured("No access log is registered for account changes.")
    return _account_change(
        actor=actor, verb=verb, what=what, target=target, users=users, practices=practices, **data
    )
