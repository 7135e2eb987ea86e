from typing import Any

from django import template

from notifications.queries import unread_badge

register = template.Library()


@register.simple_tag
def notifications_unread(user: Any) -> int:
    """The unread count for the bell (the shared cache; an indexed count when it is cold)."""
    return unread_badge(user)
