from typing import Any

from django import template

from notifications.queries import unread_count

register = template.Library()


@register.simple_tag
def notifications_unread(user: Any) -> int:
    """The unread count for the bell (one indexed count per page)."""
    return unread_count(user)
