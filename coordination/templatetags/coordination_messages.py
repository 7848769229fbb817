"""The unread count in the main menu."""

from typing import Any

from django import template

from coordination.services.messages import unread_total

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_messages(context: dict[str, Any]) -> int:
    """Unread messages for the signed-in person, across children (one query)."""
    return unread_total(context.get("user"))
