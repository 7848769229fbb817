"""Small presentation helpers shared by the templates."""

import re

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def phone(number: str) -> SafeString | str:
    """A number people can tap to call, that never breaks across lines."""
    if not number:
        return ""
    dial = re.sub(r"[^\d+]", "", number)
    return format_html('<a href="tel:{}" class="nowrap">{}</a>', dial, number)
