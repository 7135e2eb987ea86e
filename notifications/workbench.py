"""The workbench's unread notifications (``core.panels``), registered in ``NotificationsConfig.ready()``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language

from core import panels

from . import events
from .models import Notification

LIMIT = 5


def unread(user: Any) -> dict[str, Any] | None:
    """My unread notifications, newest first, and how many there are."""
    items = list(
        Notification.objects.filter(recipient=user, read_at__isnull=True).order_by("-created_at", "-id")[: LIMIT + 1]
    )
    count = (
        len(items) if len(items) <= LIMIT else Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    )
    language = get_language() or "zh-hans"
    rows = []
    for item in items[:LIMIT]:
        title, _body = events.render(item.event, item.context, language)
        rows.append({"obj": item, "title": title})
    return {"rows": rows, "count": count}


def register() -> None:
    panels.register(
        panels.WORKBENCH, panels.Panel("notifications", "notifications/panels/unread.html", unread, order=50)
    )
